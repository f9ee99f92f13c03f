"""The cache-ordering fix: `COPY . .` before a dependency install becomes "copy the manifests, install,
then copy the rest".

The fix replaces the broad COPY by a COPY of the manifests and puts the broad COPY back right after the
install RUN. It changes what the install sees (only the manifests instead of the whole tree), so it is
unsafe, and it is offered only where it is known to work:

- the build context is known (the Dockerfile's folder) and holds the manifests, not excluded by
  `.dockerignore`;
- the RUN does nothing but install dependencies (plus package-manager housekeeping), and the installer
  needs nothing but the manifests: no npm lifecycle scripts or workspaces, requirement files without
  `-e`/local paths/includes, `poetry install --no-root`, `uv sync --no-install-project`, a go.mod
  without local `replace`, a single-module pom, a single-project Gradle build (`gradle dependencies`),
  `composer install --no-scripts --no-autoloader`, a Gemfile without `gemspec`/`path:`;
- never for `cargo fetch`: Cargo refuses a manifest without its targets (`src/main.rs`), and the usual
  dummy-source trick changes what is built (cargo-chef is the tool for that); nor for `./gradlew`, whose
  `gradle/wrapper` folder one COPY line cannot carry next to files;
- nothing between the COPY and the RUN depends on the sources or moves the destination (only ENV, ARG,
  LABEL, EXPOSE, USER, SHELL, STOPSIGNAL, HEALTHCHECK, CMD and ENTRYPOINT may sit there).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path

from dockwise.diagnostics import Applicability, Edit, Fix
from dockwise.dockerfile.shell import ShellCommand
from dockwise.dockerfile.tree import Instruction
from dockwise.patterns import LazyPattern
from dockwise.rules._base import DockerfileContext
from dockwise.rules.fixes import workdir_at

#: Instructions that may stand between the broad COPY and the install without caring about the sources.
_INDEPENDENT = frozenset(
    {"ENV", "ARG", "LABEL", "EXPOSE", "USER", "SHELL", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT"}
)
_COPY_FLAGS = ("--chown", "--chmod", "--link")
#: Per installer: the manifest it needs first, then the optional companions (lock files).
_MANIFESTS: dict[str, tuple[str, ...]] = {
    "npm": ("package.json", "package-lock.json", "npm-shrinkwrap.json"),
    "yarn": ("package.json", "yarn.lock"),
    "pnpm": ("package.json", "pnpm-lock.yaml"),
    "pipenv": ("Pipfile", "Pipfile.lock"),
    "poetry": ("pyproject.toml", "poetry.lock"),
    "uv": ("pyproject.toml", "uv.lock"),
    "go": ("go.mod", "go.sum"),
    "mvn": ("pom.xml",),
    "bundle": ("Gemfile", "Gemfile.lock"),
    "composer": ("composer.json", "composer.lock"),
    "gradle": (
        "build.gradle",
        "build.gradle.kts",
        "settings.gradle",
        "settings.gradle.kts",
        "gradle.properties",
    ),
}
_NPM_SCRIPTS = ("preinstall", "install", "postinstall", "prepare")
#: Requirement lines that need more than the file itself: includes, editable or local paths.
_LOCAL_REQUIREMENT = LazyPattern(r"\s*(-e|--editable|-r|-c|--requirement|--constraint|\.|/|file:)")
_HOUSEKEEPING = frozenset({"rm", "true", "echo", "apt-get", "apk", "npm", "yarn", "pnpm", "pip", "pip3"})


def split_broad_copy(
    context: DockerfileContext, stage: Sequence[Instruction], broad: Instruction, install: Instruction
) -> Fix | None:
    """The unsafe fix for `broad` (a `COPY . DEST`) before `install`, or None where it may not work."""
    from dockwise.rules.dockerfile.cache import installs_dependencies

    folder = context.options.context_dir
    if folder is None or install.heredocs or install.is_exec_form:
        return None
    if len(broad.arguments) != 2 or broad.arguments[0] not in (".", "./"):
        return None
    if any(not flag.startswith(_COPY_FLAGS) for flag in broad.flags):
        return None
    between = stage[stage.index(broad) + 1 : stage.index(install)]
    if any(instruction.keyword not in _INDEPENDENT for instruction in between):
        return None
    destination = broad.arguments[1]
    commands = context.run_commands(install)
    installers = [command for command in commands if installs_dependencies(command)]
    if not installers or any(c not in installers and not _housekeeping(c) for c in commands):
        return None
    manifests: list[str] = []
    for command in installers:
        needed = _manifests_for(command, folder, destination, workdir_at(context, install))
        if needed is None:
            return None
        manifests.extend(name for name in needed if name not in manifests)
    manifests = _included(folder, manifests)
    if not manifests:
        return None
    target = destination if destination.endswith("/") else f"{destination}/"
    flags = "".join(f" {flag}" for flag in broad.flags)
    text = context.dockerfile.text
    broad_lines = text[broad.source_range.start : broad.source_range.end]
    ending = "\r\n" if broad_lines.endswith("\r\n") else "\n"
    keyword = text[broad.keyword_range.start : broad.keyword_range.end]
    replacement = f"{keyword}{flags} {' '.join(manifests)} {target}{ending}"
    after = install.source_range.end
    moved = broad_lines if text[:after].endswith("\n") else f"{ending}{broad_lines.rstrip()}"
    return Fix(
        f"Copy {', '.join(manifests)} first and the rest after the install",
        (Edit(broad.source_range, replacement), Edit.insert(after, moved)),
        Applicability.UNSAFE,
    )


def _housekeeping(command: ShellCommand) -> bool:
    """Commands that may share the install's RUN without needing the sources (cache cleaning, system
    packages, upgrading pip itself)."""
    name = command.name or ""
    values = command.values()
    if name not in _HOUSEKEEPING:
        return False
    if name in ("npm", "yarn", "pnpm"):
        return bool(values) and values[0] in ("cache", "store")
    if name.startswith("pip"):
        packages = [v for v in values if not v.startswith("-")]
        return packages[:1] == ["install"] and set(packages[1:]) <= {"pip", "setuptools", "wheel"}
    if name == "rm":
        return not any(v in (".", "./", "*") for v in values)
    return True


def _manifests_for(
    command: ShellCommand, folder: Path, destination: str, workdir: str | None
) -> list[str] | None:
    name = command.name or ""
    values = command.values()
    if name.startswith(("pip", "python")):
        return _requirement_files(values, folder, destination, workdir)
    candidates = _MANIFESTS.get(name)
    if name == "gradle":
        return _gradle_files(folder)
    if candidates is None or not (folder / candidates[0]).is_file():
        return None
    if name == "composer" and not {"--no-scripts", "--no-autoloader"} <= set(values):
        return None  # scripts and the autoloader need the sources
    if name in ("npm", "yarn", "pnpm") and not _plain_package_json(folder, "--ignore-scripts" in values):
        return None
    if name == "poetry" and "--no-root" not in values:
        return None
    if name == "uv" and "--no-install-project" not in values:
        return None
    if name == "go" and re.search(r"=>\s*\.{1,2}/", _read(folder / "go.mod")):
        return None
    if name == "mvn" and "<modules>" in _read(folder / "pom.xml"):
        return None
    if name == "bundle" and re.search(r"^\s*gemspec|path:", _read(folder / "Gemfile"), re.MULTILINE):
        return None
    if name == "pnpm" and (folder / "pnpm-workspace.yaml").exists():
        return None
    return [candidate for candidate in candidates if (folder / candidate).is_file()]


def _gradle_files(folder: Path) -> list[str] | None:
    """A single-project Gradle build's files (a multi-project build needs every subproject's too)."""
    names = _MANIFESTS["gradle"]
    present = [name for name in names if (folder / name).is_file()]
    if not any(name.startswith("build.gradle") for name in present):
        return None
    settings = "".join(_read(folder / name) for name in present if name.startswith("settings"))
    return None if re.search(r"\binclude\b", settings) else present


def _plain_package_json(folder: Path, scripts_ignored: bool) -> bool:
    """A package.json without workspaces and, unless scripts are ignored, without install scripts (they
    usually need the sources)."""
    try:
        package = json.loads(_read(folder / "package.json"))
    except ValueError:
        return False
    if not isinstance(package, dict) or "workspaces" in package:
        return False
    scripts = package.get("scripts") or {}
    return scripts_ignored or not any(name in scripts for name in _NPM_SCRIPTS)


def _requirement_files(
    values: list[str], folder: Path, destination: str, workdir: str | None
) -> list[str] | None:
    files = []
    for index, value in enumerate(values):
        if value in ("-r", "--requirement") and index + 1 < len(values):
            wanted = values[index + 1]
        elif value.startswith("--requirement="):
            wanted = value.split("=", 1)[1]
        elif value.startswith("-r") and len(value) > 2:
            wanted = value[2:]
        else:
            continue
        relative = _inside(wanted, destination, workdir)
        if relative is None or not (folder / relative).is_file():
            return None
        lines = _read(folder / relative).splitlines()
        if any(_LOCAL_REQUIREMENT.match(line) for line in lines):
            return None
        files.append(relative)
    return files or None


def _inside(path: str, destination: str, workdir: str | None) -> str | None:
    """The context-relative path of a file the install reads at `path`, given that the broad COPY put
    the context at `destination` and both run in `workdir` (None: not known)."""
    if posixpath.isabs(path) != posixpath.isabs(destination):
        if workdir is None:
            return None
        path, destination = posixpath.join(workdir, path), posixpath.join(workdir, destination)
    relative = posixpath.relpath(posixpath.normpath(path), posixpath.normpath(destination))
    return None if relative.startswith("..") else relative


def _included(folder: Path, names: list[str]) -> list[str]:
    """The manifests the build context will hold (`.dockerignore` may leave some out)."""
    from dockwise.discovery import DockerIgnore

    ignore_file = folder / ".dockerignore"
    ignore = DockerIgnore.read(ignore_file) if ignore_file.is_file() else None
    return [name for name in names if ignore is None or not ignore.excludes(name)]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
