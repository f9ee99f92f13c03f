"""Rules of the `package-manager-hygiene` category about versions: packages installed without one.

An unpinned package makes the same Dockerfile build a different image next month. Pinning OS packages is a
policy many expert Dockerfiles reject (distributions drop old versions, so exact pins break builds), so those
rules are opt-in; unpinned language tools are reported by default where the corpus shows it is not noise.
Every stage counts: a builder's tool versions shape the shipped artifact too. Packages given through a
variable (`$PACKAGES`, `curl=$VERSION`) are never reported: their value is unknown here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.dockerfile.shell import ShellCommand, ShellWord
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext, DockerfileRule
from dockwise.rules.dockerfile.packages import (
    APT_OPTIONS_WITH_VALUE,
    arguments_after,
    has_option,
    operands,
    option_value,
    pip_install_arguments,
    runs,
    subcommand,
)

_PIP_SPECIFIER = LazyPattern(r"===?|~=|!=|<=?|>=?|@")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz")
#: Version queries that move with every release: `@latest` pins nothing.
_MOVING_VERSIONS = frozenset({"latest", "upgrade", "patch", "master", "main", "head", "HEAD"})


class _UnpinnedPackage(DockerfileRule):
    """Shared check: every static package word of an install command that carries no version."""

    abstract = True
    category = Category.PACKAGE_MANAGER_HYGIENE
    severity = Severity.WARNING
    default_enabled = False
    pin_hint: ClassVar[str]
    """How to pin, with `{name}` for the package: "pin it as {name}=<version>"."""

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        """The package words of `command` (empty when it installs nothing this rule reads)."""
        raise NotImplementedError

    def is_pinned(self, package: str) -> bool:
        """Whether the word carries a version, or is not a package name (a path, a file, a URL)."""
        raise NotImplementedError

    def unversioned(self, package: str) -> str:
        """The package name without a moving version (`tool` for `tool@latest`)."""
        return package

    def hint(self, name: str) -> str:
        """How to pin this package (`pin_hint`, unless the kind of package needs other words)."""
        return self.pin_hint.format(name=name)

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        for run, command in runs(context, shipped_only=False):
            for word in self.packages(context, run, command):
                value = word.value if word.value is not None else _value_in_stage(context, run, word.text)
                if value and not self.is_pinned(value):
                    name = self.unversioned(value if word.value is not None else value.rstrip("-=:@"))
                    if word.value is None:
                        problem = "has no version here (its variable is set only in another stage)"
                    elif name == value:
                        problem = "is installed without a version"
                    else:
                        problem = "moves with each release"
                    hint = self.hint(name)
                    shown = word.value if word.value is not None else word.text
                    yield context.diagnostic(self, word.range, f"{shown} {problem}: {hint}")


_REFERENCE = LazyPattern(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_PLAIN_WORD = LazyPattern(r"[A-Za-z0-9_.+:=@/~${}-]+")


def _value_in_stage(context: DockerfileContext, run: Instruction, text: str) -> str | None:
    """A package word that uses a variable which only another stage sets (`git-$version` where `ENV
    version=...` is in the builder stage): its value here, with that variable empty, as the build sees it.

    None when a variable is set in this stage, or nowhere in the file (it may come from the base image or
    from the RUN's own shell), or when the word is more than plain text and variables."""
    if not _PLAIN_WORD.fullmatch(text):
        return None
    names = [braced or bare for braced, bare in _REFERENCE.findall(text)]
    build = context.dockerfile.build
    if not names or any(name in build.variables_before(run) for name in names):
        return None
    script = run.line
    if any(f"{name}=" in script or f"for {name} " in script or f"read {name}" in script for name in names):
        return None  # set by the RUN's own shell
    stage = build.stage_of(run)
    others = [
        build.environment(s)
        for s in build.stages
        if s is not stage and s not in (stage.lineage() if stage else ())
    ]
    if not any(name in env for env in others for name in names):
        return None
    return _REFERENCE.sub("", text)


class AptUnpinnedPackage(_UnpinnedPackage):
    """`apt-get install` of a package without `=version` (opt-in).

    Not reported: `pkg/release` (a release chosen on purpose), `.deb` files and paths, apt patterns
    (`~n…`, `?name(…)`), and `$VARIABLES`, which hadolint reports although it cannot see their value.

    ## Why is this bad?
    Without a version, the build installs whatever the mirror has that day, so two builds of one Dockerfile
    can differ. Debian and Ubuntu mirrors drop superseded versions, though, so exact pins also break builds:
    that is why the official images do not pin, and why this rule is off unless selected.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl
    ```

    ## Use instead
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8
    ```
    """

    code = "DW210"
    name = "apt-unpinned-package"
    aliases = ("DL3008",)
    pin_hint = "pin it as {name}=<version>"

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        if command.name not in ("apt-get", "apt", "aptitude"):
            return []
        return arguments_after(command, ("install",), APT_OPTIONS_WITH_VALUE)

    def is_pinned(self, package: str) -> bool:
        return "=" in package or "/" in package or package.endswith(".deb") or package.startswith(("~", "?"))


_APK_OPTIONS_WITH_VALUE = frozenset(
    {"-t", "--virtual", "-X", "--repository", "--repositories-file", "-p", "--root", "--arch",
     "--cache-dir", "--keys-dir", "--cache-max-age"}
)  # fmt: skip


class ApkUnpinnedPackage(_UnpinnedPackage):
    """`apk add` of a package without a version (opt-in).

    Not reported: the name of a `--virtual` package, repository URLs, `.apk` files, and `!name` (a
    constraint that keeps a package out, which hadolint reports as unpinned).

    ## Why is this bad?
    Without a version, the build installs whatever the Alpine mirror has that day. Alpine keeps only the
    latest version of each package in a branch, though, so exact pins break builds after the next security
    update: pin with `~` to a minor version if you pin at all. Off unless selected.

    ## Example
    ```dockerfile
    RUN apk add --no-cache curl
    ```

    ## Use instead
    ```dockerfile
    RUN apk add --no-cache curl~8.12
    ```
    """

    code = "DW211"
    name = "apk-unpinned-package"
    aliases = ("DL3018",)
    pin_hint = "add =<version>, or ~<major.minor>, to pin it"

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        if command.name != "apk":
            return []
        return arguments_after(command, ("add",), _APK_OPTIONS_WITH_VALUE)

    def is_pinned(self, package: str) -> bool:
        return bool(set("=~<>/") & set(package)) or package.endswith(".apk") or package.startswith("!")


_PIP_VCS = ("git+", "hg+", "svn+", "bzr+")
_PIPX_OPTIONS_WITH_VALUE = frozenset({"--python", "--pip-args", "--suffix", "--index-url", "--preinstall"})


class PipUnpinnedPackage(_UnpinnedPackage):
    """`pip install` of a package without a version specifier (opt-in).

    Also read: `python -m pip install`, `uv pip install` (hadolint skips the latter) and `pipx install`.
    A VCS URL (`git+https://...`) without `@<tag or commit>` installs the default branch and counts as
    unpinned. Not reported: requirement files (`-r`), commands with a constraints file (`-c`, or
    `PIP_CONSTRAINT` set), paths, other URLs, archives and direct references (`name @ url`).

    ## Why is this bad?
    Without a version, each build installs the newest release on PyPI, so a rebuild can break on a new
    major version. A requirements or constraints file is the usual way to pin a Python project.

    ## Example
    ```dockerfile
    RUN pip install --no-cache-dir flask gunicorn
    ```

    ## Use instead
    ```dockerfile
    RUN pip install --no-cache-dir flask==3.1.0 gunicorn==23.0.0
    # or
    RUN pip install --no-cache-dir -r requirements.txt
    ```
    """

    code = "DW212"
    name = "pip-unpinned-package"
    aliases = ("DL3013",)
    pin_hint = "pin it as {name}==<version> or use a requirements file"

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        words = pip_install_arguments(command)
        if command.name == "pipx":  # `pipx install black`: pip underneath, same pins
            words = arguments_after(command, ("install",), _PIPX_OPTIONS_WITH_VALUE)
        if not words or has_option(command, ("--constraint",), "c"):
            return []
        if context.dockerfile.build.variables_before(run).get("PIP_CONSTRAINT"):
            return []
        return words

    def hint(self, name: str) -> str:
        if name.startswith(_PIP_VCS):
            url, fragment, rest = name.partition("#")
            return f"name a tag or commit: {url}@<ref>{fragment}{rest}"
        return super().hint(name)

    def is_pinned(self, package: str) -> bool:
        if package.startswith(_PIP_VCS):
            url = package.partition("#")[0].partition("://")[2]
            return "@" in url.partition("/")[2]  # a VCS URL installs the default branch unless it names a ref
        if _PIP_SPECIFIER.search(package) or package in (".", ".."):
            return True
        return "/" in package or "\\" in package or package.startswith(".") or package.endswith(_ARCHIVES)


_NPM_INSTALL = frozenset(
    {"install", "i", "add", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall"}
)
_NPM_OPTIONS_WITH_VALUE = frozenset(
    {"--prefix", "--registry", "--cache", "--tag", "--omit", "--include", "-w", "--workspace", "--loglevel",
     "--userconfig", "--globalconfig", "--install-strategy", "--before", "--otp", "--scope",
     "--fetch-retries", "--fetch-timeout", "--location", "--script-shell", "--python", "-C"}
)  # fmt: skip


_NPM_GIT = ("git+", "git:", "git@")


class NpmUnpinnedPackage(_UnpinnedPackage):
    """`npm install <package>` without `@version`.

    Also read: `npm i` and `npm add`, which hadolint does not check. `@latest` counts as unpinned, and so
    does a git spec without `#<tag or commit>` (it installs the default branch's head). Not reported: a
    bare `npm install`/`npm ci` (the lock file pins), paths, tarballs, URLs and GitHub shorthands.

    ## Why is this bad?
    A package named without a version installs whatever is newest on the registry, and with `-g` nothing
    records which version that was: the same Dockerfile builds a different tool next month.

    ## Example
    ```dockerfile
    RUN npm install -g typescript
    ```

    ## Use instead
    ```dockerfile
    RUN npm install -g typescript@5.7.3
    ```
    """

    code = "DW213"
    name = "npm-unpinned-package"
    aliases = ("DL3016",)
    default_enabled = True  # on: under 1% of the corpus and no official image installs one unpinned
    pin_hint = "pin it as {name}@<version>"

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        if command.name != "npm":
            return []
        return arguments_after(command, _NPM_INSTALL, _NPM_OPTIONS_WITH_VALUE)

    def is_pinned(self, package: str) -> bool:
        if package.startswith(_NPM_GIT):
            return "#" in package  # a git spec installs the default branch's head unless it names a ref
        if package.endswith((".tgz", ".tar.gz", ".tar")) or package.startswith((".", "~", "file:", "http")):
            return True
        rest = package[1:].partition("/")[2] if package.startswith("@") else package
        if "/" in rest or ":" in rest.split("@", 1)[0]:
            return True  # a path, a GitHub shorthand (user/repo) or another protocol
        _, at, version = rest.partition("@")
        return bool(at) and version not in ("", *_MOVING_VERSIONS)

    def unversioned(self, package: str) -> str:
        if package.startswith(_NPM_GIT):
            return package
        head, at, _ = package.rpartition("@")
        return head if at and head else package

    def hint(self, name: str) -> str:
        if name.startswith(_NPM_GIT):
            return f"name a tag or commit: {name}#<ref>"
        return super().hint(name)


_GEM_OPTIONS_WITH_VALUE = frozenset(
    {"-v", "--version", "-i", "--install-dir", "-n", "--bindir", "--source", "-s", "-P", "--trust-policy",
     "--platform", "-g", "--file", "--build-root", "-p", "--http-proxy", "--config-file"}
)  # fmt: skip


class GemUnpinnedPackage(_UnpinnedPackage):
    """`gem install <gem>` without a version.

    A version is `name:version`, or `-v`/`--version` for the command. Words after `--` are build options
    for the gem's native extension, not gems. Not reported: `.gem` files.

    ## Why is this bad?
    A gem named without a version installs the newest release, so the same Dockerfile builds a different
    tool (or fails on a new major version) next month.

    ## Example
    ```dockerfile
    RUN gem install bundler
    ```

    ## Use instead
    ```dockerfile
    RUN gem install bundler -v 2.6.2
    ```
    """

    code = "DW214"
    name = "gem-unpinned-package"
    aliases = ("DL3028",)
    default_enabled = True  # on: under 1% of the corpus and no official image installs one unpinned
    pin_hint = "pin it as {name}:<version> or with -v <version>"

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        if command.name != "gem" or has_option(command, ("--version",), "v"):
            return []
        values = [word.value for word in command.arguments]
        arguments = command.arguments[: values.index("--")] if "--" in values else command.arguments
        bare = ShellCommand(command.words[:1] + arguments, command.range)
        return arguments_after(bare, ("install", "i"), _GEM_OPTIONS_WITH_VALUE)

    def is_pinned(self, package: str) -> bool:
        return ":" in package or package.endswith(".gem") or "/" in package


_GO_OPTIONS_WITH_VALUE = frozenset(
    {"-o", "-ldflags", "-tags", "-gcflags", "-mod", "-modfile", "-p", "-pkgdir", "-asmflags", "-buildmode",
     "-compiler", "-gccgoflags", "-installsuffix", "-overlay", "-pgo", "-toolexec", "-exec", "-C",
     "-covermode", "-coverpkg"}
)  # fmt: skip


class GoUnpinnedPackage(_UnpinnedPackage):
    """`go install`, `go get` or `go run` of a remote module without a fixed version.

    `@latest`, `@master`, `@main`, `@upgrade` and `@patch` move and count as unpinned. `go install` and
    `go run` without any `@version` take the version from the current module's `go.mod` and are not
    reported (hadolint reports them); `go get` (`go get -tool` too) of any path that is not local without
    one upgrades to the newest release and is. Local packages (`./cmd/app`) are never reported, nor are
    standard-library paths for `go install` and `go run`.

    ## Why is this bad?
    The tool built is whatever the module's default branch or newest tag holds at build time: the same
    Dockerfile builds different code next month, and a compromised release lands without review.

    ## Example
    ```dockerfile
    RUN go install golang.org/x/tools/gopls@latest
    ```

    ## Use instead
    ```dockerfile
    RUN go install golang.org/x/tools/gopls@v0.17.1
    ```
    """

    code = "DW215"
    name = "go-unpinned-package"
    aliases = ("DL3062",)
    default_enabled = True  # on: under 1% of the corpus and no official image installs one unpinned
    pin_hint = "pin it as {name}@<version>"

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        if command.name != "go":
            return []
        action = subcommand(command, _GO_OPTIONS_WITH_VALUE)
        words = arguments_after(command, ("install", "get", "run"), _GO_OPTIONS_WITH_VALUE)
        if action == "run":
            words = words[:1]  # the rest are the program's arguments
        if (
            action == "get"
        ):  # `go get` (also `-tool`) of any non-local path without a version takes the newest
            remote = [word for word in words if word.value and not word.value.startswith((".", "/"))]
        else:
            remote = [word for word in words if word.value and _is_remote_go_path(word.value)]
        if action != "get":  # without @version, install and run take the version from go.mod
            remote = [word for word in remote if "@" in (word.value or "")]
        return remote

    def is_pinned(self, package: str) -> bool:
        _, at, version = package.partition("@")
        return bool(at) and version not in ("", *_MOVING_VERSIONS)

    def unversioned(self, package: str) -> str:
        return package.partition("@")[0]


def _is_remote_go_path(path: str) -> bool:
    """`github.com/x/y/...`: the first element names a host (standard-library and local paths do not)."""
    first = path.split("/", 1)[0]
    return "." in first and not path.startswith((".", "/")) and not path.endswith(".go")


#: yum, dnf, microdnf and tdnf options that take a value as the next word.
RPM_OPTIONS_WITH_VALUE = frozenset(
    {"--enablerepo", "--disablerepo", "--repo", "--repoid", "--setopt", "-x", "--exclude", "--releasever",
     "--installroot", "-c", "--config", "-d", "--debuglevel", "-e", "--errorlevel", "--forcearch",
     "--downloaddir", "--destdir", "--color", "--rpmverbosity", "--enableplugin", "--disableplugin",
     "--repofrompath", "--comment", "--advisory", "--cve", "--bz", "--secseverity", "--sec-severity",
     "--noplugins-except", "--use-host-config", "--from-repo"}
)  # fmt: skip
_RPM_VERSION = LazyPattern(r"-\d")


class _UnpinnedRpmPackage(_UnpinnedPackage):
    """Shared reading of `yum`/`dnf install`: a version is `name-version[-release]` (`curl-7.76.1`)."""

    abstract = True
    programs: ClassVar[frozenset[str]]
    pin_hint = "pin it as {name}-<version>"

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        self._modules = False
        if command.name not in self.programs:
            return []
        module = arguments_after(command, ("module",), RPM_OPTIONS_WITH_VALUE)
        if module:  # `dnf module install nodejs:20`: a module is pinned by its stream
            first = operands(module, RPM_OPTIONS_WITH_VALUE)
            if not first or first[0].value != "install":
                return []
            self._modules = True
            return [word for word in first[1:] if word.value and ":" not in word.value]
        return arguments_after(command, ("install",), RPM_OPTIONS_WITH_VALUE)

    def hint(self, name: str) -> str:
        if getattr(self, "_modules", False):  # set by `packages` for the command being checked
            return f"pin its stream as {name}:<stream>"
        return super().hint(name)

    def is_pinned(self, package: str) -> bool:
        if package.startswith(("@", "(")) or "/" in package or package.endswith(".rpm"):
            return True  # groups, modules, rich dependencies, paths and files
        return bool(_RPM_VERSION.search(package)) or bool(set("=<>") & set(package))


class YumUnpinnedPackage(_UnpinnedRpmPackage):
    """`yum install` of a package without a version (opt-in).

    A version is a `-<digit>` part of the name (`curl-7.76.1`), as rpm writes it; a name that itself
    contains one (`java-11-openjdk`) therefore reads as pinned. `yum module install` pins a module by its
    stream (`nodejs:20`). A word whose variable only another stage sets (`git-${VERSION}`) is read as
    the build reads it, with the variable empty. Not reported: groups and modules (`@name`), paths, URLs
    and `.rpm` files.

    ## Why is this bad?
    Without a version, the build installs whatever the repository has that day, so two builds of one
    Dockerfile differ. Repositories drop old versions too, so exact pins also break builds: a matter of
    policy, and off unless selected.

    ## Example
    ```dockerfile
    RUN yum install -y httpd && yum clean all
    ```

    ## Use instead
    ```dockerfile
    RUN yum install -y httpd-2.4.37 && yum clean all
    ```
    """

    code = "DW216"
    name = "yum-unpinned-package"
    aliases = ("DL3033",)
    programs = frozenset({"yum"})


class DnfUnpinnedPackage(_UnpinnedRpmPackage):
    """`dnf`, `microdnf` or `tdnf install` of a package without a version (opt-in).

    Read as for yum (DW216): `name-version` pins, `dnf module install` needs a stream (`nodejs:20`); groups,
    `@module` names, paths and `.rpm` files are not reported.

    ## Why is this bad?
    Without a version, the build installs whatever the repository has that day, so two builds of one
    Dockerfile differ. Repositories drop old versions too, so exact pins also break builds: a matter of
    policy, and off unless selected.

    ## Example
    ```dockerfile
    RUN microdnf install -y nginx && microdnf clean all
    ```

    ## Use instead
    ```dockerfile
    RUN microdnf install -y nginx-1.24.0 && microdnf clean all
    ```
    """

    code = "DW217"
    name = "dnf-unpinned-package"
    aliases = ("DL3041",)
    programs = frozenset({"dnf", "dnf5", "microdnf", "tdnf"})


ZYPPER_OPTIONS_WITH_VALUE = frozenset(
    {"-t", "--type", "-r", "--repo", "--from", "-R", "--root", "-c", "--config", "-D", "--reposd-dir",
     "-C", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir", "--download",
     "--releasever", "-p"}
)  # fmt: skip


class ZypperUnpinnedPackage(_UnpinnedPackage):
    """`zypper install` of a package without a version (opt-in).

    A version is `name=version` or a comparison (`'name>=1.2'`). Not reported: patterns, patches and
    products (`-t pattern`), paths, URLs and `.rpm` files.

    ## Why is this bad?
    Without a version, the build installs whatever the repository has that day, so two builds of one
    Dockerfile differ. Repositories drop old versions too, so exact pins also break builds: a matter of
    policy, and off unless selected.

    ## Example
    ```dockerfile
    RUN zypper --non-interactive install curl && zypper clean --all
    ```

    ## Use instead
    ```dockerfile
    RUN zypper --non-interactive install curl=8.6.0 && zypper clean --all
    ```
    """

    code = "DW218"
    name = "zypper-unpinned-package"
    aliases = ("DL3037",)
    pin_hint = "pin it as {name}=<version>"

    def packages(
        self, context: DockerfileContext, run: Instruction, command: ShellCommand
    ) -> list[ShellWord]:
        if command.name != "zypper" or option_value(command, ("-t", "--type")) not in (None, "package"):
            return []
        return arguments_after(command, ("install", "in"), ZYPPER_OPTIONS_WITH_VALUE)

    def is_pinned(self, package: str) -> bool:
        return bool(set("=<>/") & set(package)) or package.endswith(".rpm")
