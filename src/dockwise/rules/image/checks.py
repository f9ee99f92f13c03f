"""Image-level checks (DW8xx): what the built image runs as, watches, and carries in its layers."""

from __future__ import annotations

import posixpath
import re
import stat
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules.dockerfile.secrets import is_secret_file
from dockwise.rules.image._base import ImageContext, ImageRule

_SHELLS = ("bin/sh", "bin/bash", "usr/bin/bash", "bin/ash", "bin/busybox")
_PACKAGE_MANAGERS = (
    "usr/bin/apt-get",
    "usr/bin/dpkg",
    "sbin/apk",
    "usr/bin/dnf",
    "usr/bin/yum",
    "usr/bin/rpm",
)
_CACHES = (
    "var/lib/apt/lists/",
    "var/cache/apt/archives/",
    "var/cache/apk/",
    "root/.cache/pip/",
    "root/.npm/",
)


class ImageRunsAsRoot(ImageRule):
    """The image's configured user is root (no USER, `root`, `0`, `0:0`).

    ## Why is this bad?
    Every container started from it runs as root unless each `docker run` or manifest overrides it.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    CMD ["python", "app.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    USER 10001:10001
    CMD ["python", "app.py"]
    ```
    """

    code = "DW801"
    name = "image-runs-as-root"
    category = Category.NON_ROOT_USER
    severity = Severity.WARNING
    aliases = ("CIS-DI-0001",)

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        user = str(context.image.runtime.get("User") or "")
        if user.split(":", 1)[0] in ("", "root", "0"):
            yield context.diagnostic(self, f"the image runs as {user or 'root (no USER)'}")


class ImageWithoutHealthcheck(ImageRule):
    """The image has no HEALTHCHECK, or disables it (`HEALTHCHECK NONE`).

    Unlike dockle, `NONE` counts as missing: it is a health check that checks nothing.

    ## Why is this bad?
    Orchestrators cannot tell a hung container from a healthy one.

    ## Example
    ```dockerfile
    HEALTHCHECK NONE
    ```

    ## Use instead
    ```dockerfile
    HEALTHCHECK CMD ["/app/healthcheck"]
    ```
    """

    code = "DW802"
    name = "image-without-healthcheck"
    category = Category.HEALTHCHECK
    severity = Severity.INFO
    aliases = ("CIS-DI-0006",)

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        health = context.image.runtime.get("Healthcheck") or {}
        test = health.get("Test") if isinstance(health, dict) else None
        if not test or test[:1] == ["NONE"]:
            yield context.diagnostic(self, "the image has no health check")


class SecretFileInLayer(ImageRule):
    """A key or credential file in a layer, even one a later layer deletes.

    ## Why is this bad?
    Deleting a file in a later layer hides it from the container but not from the image: anyone who pulls
    the image can read every layer.

    ## Example
    ```dockerfile
    COPY id_rsa /root/.ssh/id_rsa
    RUN git clone git@example.com:org/repo.git && rm /root/.ssh/id_rsa
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=ssh git clone git@example.com:org/repo.git
    ```
    """

    code = "DW803"
    name = "secret-file-in-layer"
    category = Category.SECRETS_IN_IMAGE
    severity = Severity.ERROR
    aliases = ("CIS-DI-0010",)

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        index = context.image.index
        for entry in [*index.shadowed, *index.files.values()]:
            if entry.kind == "file" and is_secret_file("/" + entry.path):
                where = _where(context, entry.path, entry.layer)
                yield context.diagnostic(self, f"/{entry.path} is {where}", entry.layer, "/" + entry.path)


class SetuidFile(ImageRule):
    """A setuid or setgid file in the image.

    ## Why is this bad?
    Each one is a way from a compromised unprivileged process to root, unless no-new-privileges is set.

    ## Example
    ```dockerfile
    FROM debian:12   # ships su, passwd, mount ... setuid root
    ```

    ## Use instead
    ```dockerfile
    RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true
    ```
    """

    code = "DW804"
    name = "setuid-file"
    category = Category.RUNTIME_HARDENING
    severity = Severity.INFO
    aliases = ("CIS-DI-0008",)

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        for entry in context.image.index.files.values():
            if entry.kind == "file" and entry.mode & (stat.S_ISUID | stat.S_ISGID):
                kind = "setuid" if entry.mode & stat.S_ISUID else "setgid"
                yield context.diagnostic(self, f"/{entry.path} is {kind}", entry.layer, "/" + entry.path)


class WorldWritable(ImageRule):
    """A file or directory anyone may write, outside /tmp and /var/tmp (sticky directories excepted).

    ## Why is this bad?
    Any user in the container can change what another user (or the application) reads or runs.

    ## Example
    ```dockerfile
    RUN chmod -R 777 /app
    ```

    ## Use instead
    ```dockerfile
    RUN chown -R 10001:10001 /app/data
    ```
    """

    code = "DW805"
    name = "world-writable"
    category = Category.RUNTIME_HARDENING
    severity = Severity.WARNING

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        for entry in context.image.index.files.values():
            if entry.kind not in ("file", "dir") or not entry.mode & stat.S_IWOTH:
                continue
            if entry.path.startswith(("tmp", "var/tmp", "dev/", "proc/", "sys/", "run/")):
                continue
            if entry.kind == "dir" and entry.mode & stat.S_ISVTX:
                continue
            yield context.diagnostic(self, f"/{entry.path} is world-writable", entry.layer, "/" + entry.path)


class ShellAndPackageManager(ImageRule):
    """The image carries a shell and a package manager (it is not distroless).

    ## Why is this bad?
    An attacker who gets code execution gets a shell and the means to install tools with it; both add
    packages to patch.

    ## Example
    ```dockerfile
    FROM debian:12-slim
    COPY app /app
    ```

    ## Use instead
    ```dockerfile
    FROM gcr.io/distroless/static-debian12
    COPY app /app
    ```
    """

    code = "DW806"
    name = "shell-and-package-manager"
    category = Category.IMAGE_SIZE
    severity = Severity.INFO

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        files = context.image.index.files
        shells = [path for path in _SHELLS if path in files]
        managers = [path for path in _PACKAGE_MANAGERS if path in files]
        if shells and managers:
            names = ", ".join(posixpath.basename(path) for path in [shells[0], managers[0]])
            yield context.diagnostic(self, f"the image ships a shell and a package manager ({names})")


class CacheOrRepositoryLeft(ImageRule):
    """Package-manager caches, a `.git` directory or a core dump left in the final filesystem.

    ## Why is this bad?
    They are dead weight, and `.git` or a core dump can hold source history and secrets.

    ## Example
    ```dockerfile
    COPY . /app          # with .git in the build context
    RUN apt-get update && apt-get install -y curl
    ```

    ## Use instead
    ```dockerfile
    # .dockerignore: .git
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    ```
    """

    code = "DW807"
    name = "cache-or-repository-left"
    category = Category.IMAGE_SIZE
    severity = Severity.WARNING

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        reported: set[str] = set()
        for entry in context.image.index.files.values():
            if entry.kind != "file" or not entry.size:
                continue
            cache = next((prefix for prefix in _CACHES if entry.path.startswith(prefix)), None)
            parts = entry.path.split("/")
            if cache is None and ".git" in parts[:-1]:
                cache = "/".join(parts[: parts.index(".git") + 1]) + "/"
            name = parts[-1]
            if cache is None and (name == "core" or (name.startswith("core.") and name[5:].isdecimal())):
                cache = entry.path
            if cache is not None and cache not in reported:
                reported.add(cache)
                yield context.diagnostic(self, f"/{cache} is left in the image", entry.layer, "/" + cache)


class SecretInImageConfig(ImageRule):
    """A secret in the image's configuration: an ENV or a label with a secret-like name and a value, or a
    build argument of that kind recorded in the history (`RUN |1 API_TOKEN=... /bin/sh -c ...`).

    ## Why is this bad?
    `docker inspect` and `docker history` show them to anyone who can pull the image; build arguments
    used by a RUN are written into the history with their values.

    ## Example
    ```dockerfile
    ARG NPM_TOKEN
    RUN npm ci
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
    ```
    """

    code = "DW808"
    name = "secret-in-image-config"
    category = Category.SECRETS_IN_IMAGE
    severity = Severity.ERROR
    aliases = ("CIS-DI-0010",)

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        from dockwise.rules.runtime.lifecycle import secret_like

        runtime = context.image.runtime
        for item in runtime.get("Env") or []:
            name, _, value = str(item).partition("=")
            if value and secret_like(name, value):
                yield context.diagnostic(self, f"ENV {name} holds a secret in the image config")
        for name, value in (runtime.get("Labels") or {}).items():
            if value and secret_like(str(name), str(value)):
                yield context.diagnostic(self, f"label {name} holds a secret")
        for number, entry in enumerate(context.image.config.get("history") or []):
            created = str(entry.get("created_by", "")) if isinstance(entry, dict) else ""
            for name, value in _BUILD_ARGS.findall(created):
                if secret_like(name, value):
                    yield context.diagnostic(
                        self, f"build argument {name} is recorded in the history (step {number + 1})"
                    )


def _where(context: ImageContext, path: str, layer: int) -> str:
    """`in layer N`, or `hidden by a later layer but still in layer N` when the final filesystem shows
    another version of the path (or none): deleting a file does not take it out of its layer."""
    current = context.image.index.files.get(path)
    hidden = current is None or current.layer != layer
    return f"{'hidden by a later layer but still in' if hidden else 'in'} layer {layer + 1}"


#: `RUN |2 A=1 B=2 /bin/sh -c ...`: the build arguments a RUN saw, as the history keeps them.
_BUILD_ARGS = re.compile(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=(\S+)(?=\s)")


class SecretInLayerFile(ImageRule):
    """A secret inside a file of any layer: a private key, a cloud or forge token, registry credentials,
    even when a later layer deletes the file.

    Only small text files outside documentation, test suites and vendored packages are read, and only
    token formats with a distinct shape are looked for (keywords first, then a regular expression), so
    findings are rare and real. The message shows the first characters of the secret, never all of it.

    ## Why is this bad?
    Anyone who can pull the image can read every layer, and a deleted file is still in the layer that
    wrote it. The credential has to be rotated.

    ## Example
    ```dockerfile
    COPY .env /app/.env          # AWS_SECRET_ACCESS_KEY=...
    RUN ./build.sh && rm /app/.env
    ```

    ## Use instead
    ```dockerfile
    RUN --mount=type=secret,id=env,target=/app/.env ./build.sh
    ```
    """

    code = "DW809"
    name = "secret-in-layer-file"
    category = Category.SECRETS_IN_IMAGE
    severity = Severity.ERROR

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        from dockwise.image.secret_content import TITLES

        for number, scan in enumerate(context.image.scans):
            for hit in scan.secrets:
                title = TITLES.get(hit.pattern, hit.pattern)
                where = _where(context, hit.path, number)
                message = f"/{hit.path} line {hit.line} holds {title} ({hit.preview}), {where}"
                yield context.diagnostic(self, message, number, "/" + hit.path)


class WriteThroughSymlink(ImageRule):
    """A layer writes entries through a symlink: `a/b` when `a` is a symlink in the layers below, or
    earlier in the same layer.

    Builders do not make such layers (they record the paths files really have); a layer made or changed
    by hand does. It is reported, not refused, because engines load it, each in its own way. Hardlinks
    that leave the root or name no file are another matter: `docker load` refuses those, and so does
    dockwise.

    ## Why is this bad?
    What a container gets differs by engine, and from what a walk of the layers shows. Docker's overlay2
    driver unpacks a layer into an empty directory, so `a` becomes a real directory that hides the
    symlink and everything the image had under its target at that path; containerd unpacks onto the
    layers below and follows the symlink, so `x/passwd` written through `x → /etc` replaces
    `/etc/passwd`. A scan that lists `/x/passwd` has been misled about what runs.

    ## Example
    ```dockerfile
    # layer 2 (made by hand): x -> /etc
    # layer 3 (made by hand): x/passwd, x/cron.d/job
    ```

    ## Use instead
    ```dockerfile
    # write the file at the path it must have
    COPY passwd /etc/passwd
    ```
    """

    code = "DW810"
    name = "write-through-symlink"
    category = Category.RUNTIME_HARDENING
    severity = Severity.WARNING

    def check(self, context: ImageContext) -> Iterator[Diagnostic]:
        for record in context.image.index.through:
            more = record.count - 1
            others = f", and {more} more entr{'y' if more == 1 else 'ies'}" if more else ""
            message = (
                f"/{record.path} is written through the symlink /{record.symlink} (→ {record.target}) "
                f"in layer {record.layer + 1}{others}: the engine puts it elsewhere or replaces the symlink"
            )
            yield context.diagnostic(self, message, record.layer, "/" + record.path)
