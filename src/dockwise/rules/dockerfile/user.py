"""Rules of the `non-root-user` category: who the shipped image runs as."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules._base import DockerfileContext, DockerfileRule, FixAvailability, is_base_image
from dockwise.rules.dockerfile.user_fix import add_non_root_user

_ROOT_NAMES = frozenset({"root", "0"})
#: Tools an entrypoint uses to start the service as another user (the official images' `gosu` pattern).
_PRIVILEGE_DROPPERS = re.compile(r"\b(?:gosu|su-exec|setpriv|runuser|chpst|s6-setuidgid|setuser)\b")


def _is_root(user: str) -> bool:
    """`root`, `0`, `root:root`, `0:0` ... (the user part decides)."""
    return user.split(":", 1)[0].strip() in _ROOT_NAMES


def _runs_as_nonroot_by_default(image_tag: str | None) -> bool:
    """Base images whose tag promises a non-root default user (distroless `:nonroot`, `:debug-nonroot`)."""
    return image_tag is not None and "nonroot" in image_tag


def _is_windows(repository: str) -> bool:
    """Windows images have no Linux UIDs: their users are ContainerUser and ContainerAdministrator."""
    return repository.startswith(("windows/", "dotnet/framework", "powershell")) or any(
        part in repository for part in ("servercore", "nanoserver")
    )


class MissingUser(DockerfileRule):
    """The shipped image never sets a USER, so it runs as root.

    Only the final stage (and the stages it is built `FROM`) count: builder stages may run as root. Not
    reported for images whose entrypoint starts the service as another user (`gosu`, `su-exec`,
    `setpriv` ...), for base images built upon by others (no command of their own, only an entrypoint
    wrapper, or a bare interpreter or shell as command), and for Windows images (no Linux UIDs).

    ## Why is this bad?
    A process running as root in a container is one kernel or runtime bug away from root on the host, can
    write anywhere in the image, and is refused by Kubernetes `runAsNonRoot` policies.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY app /app
    CMD ["python", "/app/main.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    RUN useradd --uid 10001 --no-create-home app
    COPY app /app
    USER 10001:10001
    CMD ["python", "/app/main.py"]
    ```
    """

    code = "DW301"
    name = "missing-user"
    category = Category.NON_ROOT_USER
    severity = Severity.WARNING
    aliases = ("CKV_DOCKER_3", "DS002")
    fix_availability = FixAvailability.SOMETIMES
    checks_triggers = False
    checks_fragments = False
    fix_safety = (
        "Unsafe: the image then runs as another user, which changes what the process may read and write."
    )

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        stage = context.final_stage
        if stage is None or stage.is_scratch:
            return
        root = stage.lineage()[-1]
        if root.base is not None and (
            _runs_as_nonroot_by_default(root.base.tag)
            or _is_windows(root.base.repository)
            or _is_windows(root.base.tag or "")
        ):
            return
        instructions = context.shipped_instructions()
        if any(instruction.keyword == "USER" for instruction in instructions):
            return
        if any(_PRIVILEGE_DROPPERS.search(instruction.line) for instruction in instructions):
            return  # the entrypoint starts the service as another user (gosu, su-exec ...)
        if is_base_image(instructions):
            return
        yield context.diagnostic(
            self,
            stage.from_instruction.range,
            "the final stage sets no USER, so the image runs as root: add a non-root USER with a numeric UID",
            fix=add_non_root_user(context, stage),
        )


class RootUserLast(DockerfileRule):
    """The last USER of the shipped image is root.

    ## Why is this bad?
    Switching to root to install something is fine, but the user the image ends with is the user its
    process runs as. Ending on `USER root` throws away every earlier effort to drop privileges.

    ## Example
    ```dockerfile
    USER app
    RUN make install
    USER root
    ```

    ## Use instead
    ```dockerfile
    USER root
    RUN make install
    USER 10001:10001
    ```
    """

    code = "DW302"
    name = "root-user-last"
    category = Category.NON_ROOT_USER
    severity = Severity.WARNING
    aliases = ("DL3002", "CKV_DOCKER_8")
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        users = [i for i in context.shipped_instructions() if i.keyword == "USER" and i.arguments]
        if users and _is_root(users[-1].arguments[0]):
            yield context.diagnostic(
                self,
                users[-1].range,
                f"the image ends as `USER {users[-1].arguments[0]}`: switch to a non-root user at the end",
            )


class UserWithoutNumericId(DockerfileRule):
    """The shipped image's USER is a name, not a numeric UID.

    ## Why is this bad?
    Kubernetes `runAsNonRoot` (and other admission policies) can only verify a numeric UID: a user given
    by name is refused, because the name could map to 0. A number also keeps file ownership identical
    across base images that number their users differently.

    ## Example
    ```dockerfile
    RUN useradd --create-home app
    USER app
    ```

    ## Use instead
    ```dockerfile
    RUN useradd --uid 10001 --create-home app
    USER 10001:10001
    ```
    """

    code = "DW303"
    name = "user-without-numeric-id"
    category = Category.NON_ROOT_USER
    severity = Severity.INFO
    aliases = ("DL3066",)
    checks_triggers = False

    def check(self, context: DockerfileContext) -> Iterator[Diagnostic]:
        users = [i for i in context.shipped_instructions() if i.keyword == "USER" and i.arguments]
        if not users:
            return
        last = users[-1]
        user = last.arguments[0].split(":", 1)[0].strip()
        if user.isdigit() or "$" in user or _is_root(user):
            return
        yield context.diagnostic(
            self,
            last.range,
            f"USER {user} is a name: use its numeric UID (and GID) so runAsNonRoot can check it",
        )
