"""Rules of the `runtime-hardening` and `non-root-user` categories: privileges a container keeps."""

from __future__ import annotations

from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule

#: Capabilities that amount to root on the host, or close to it.
DANGEROUS_CAPABILITIES = frozenset(
    {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH", "SYS_RAWIO", "BPF",
     "PERFMON", "SYS_BOOT", "MAC_ADMIN", "MAC_OVERRIDE"}
)  # fmt: skip


class Privileged(RunSpecRule):
    """A privileged container.

    ## Why is this bad?
    `privileged` gives every capability, every device and no seccomp or AppArmor confinement: root in the
    container is root on the host.

    ## Example
    ```yaml
    services:
      api:
        privileged: true
    ```

    ## Use instead
    ```yaml
    services:
      api:
        cap_drop: [ALL]
        cap_add: [NET_BIND_SERVICE]   # only what it needs
    ```
    """

    code = "DW710"
    name = "privileged-container"
    category = Category.RUNTIME_HARDENING
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        if context.spec.privileged:
            yield context.diagnostic(
                self, "privileged", f"{context.spec.name} runs privileged: root in it is root on the host"
            )


class CapabilitiesNotDropped(RunSpecRule):
    """Capabilities are not dropped (`cap_drop: [ALL]`).

    Not reported for jobs: dropping capabilities shrinks what an attacker who takes over a long-running,
    reachable process can do; a build or test container that exits is not that target. What a job adds
    (`--privileged`, SYS_ADMIN) is still reported (DW710, DW712).

    ## Why is this bad?
    Docker's default set (CHOWN, DAC_OVERRIDE, NET_RAW, SETUID ...) is far more than most services need;
    dropping all and adding back the few it uses shrinks what an attacker can do.

    ## Example
    ```shell
    docker run -d example/api:1.4
    ```

    ## Use instead
    ```shell
    docker run -d --cap-drop ALL example/api:1.4
    ```
    """

    code = "DW711"
    name = "capabilities-not-dropped"
    category = Category.RUNTIME_HARDENING
    severity = Severity.WARNING
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        if "ALL" not in spec.cap_drop and not spec.privileged:
            yield context.diagnostic(
                self, "cap_drop", f"{spec.name} keeps Docker's default capabilities: drop ALL"
            )


class DangerousCapability(RunSpecRule):
    """A capability that is close to root on the host (`SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `ALL` ...).

    ## Why is this bad?
    SYS_ADMIN alone allows mounting filesystems and many container escapes; NET_ADMIN rewrites the host's
    network when combined with host networking; SYS_PTRACE reads other processes' memory.

    ## Example
    ```yaml
    services:
      vpn:
        cap_add: [SYS_ADMIN]
    ```

    ## Use instead
    ```yaml
    services:
      vpn:
        cap_add: [NET_ADMIN]   # narrower, and only with a network of its own
        devices: [/dev/net/tun]
    ```
    """

    code = "DW712"
    name = "dangerous-capability"
    category = Category.RUNTIME_HARDENING
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        added = [cap for cap in context.spec.cap_add if cap in DANGEROUS_CAPABILITIES]
        if added:
            yield context.diagnostic(
                self, "cap_add", f"{context.spec.name} adds {', '.join(added)}: close to root on the host"
            )


class NoNewPrivilegesMissing(RunSpecRule):
    """`no-new-privileges` is not set.

    Reads every spelling (`no-new-privileges`, `:true`, `=true`) and, unlike docker-bench's substring test,
    does not take `no-new-privileges:false` for the setting.

    Not reported for jobs, for the reason DW711 gives.

    ## Why is this bad?
    Without it, a setuid binary in the image (su, passwd, ping on older bases) can raise a process to
    root inside the container.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:1.4
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: example/api:1.4
        security_opt: ["no-new-privileges:true"]
    ```
    """

    code = "DW713"
    name = "no-new-privileges-missing"
    category = Category.RUNTIME_HARDENING
    severity = Severity.WARNING
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        if not context.spec.no_new_privileges and not context.spec.privileged:
            yield context.diagnostic(
                self, "security_opt", f"{context.spec.name} lacks no-new-privileges:true in security_opt"
            )


class ConfinementDisabled(RunSpecRule):
    """`seccomp=unconfined`, `apparmor=unconfined` or `label=disable`: the kernel's filters are off.

    Both separators (`:` and `=`) are read; KICS misses `seccomp=unconfined`. On a `docker run` line with
    several `--security-opt`, the finding is at the flag that turns the filter off.

    ## Why is this bad?
    Docker's default seccomp profile blocks about 50 dangerous system calls and AppArmor/SELinux confine
    file access; turning them off removes the last layer between a compromised process and the kernel.

    ## Example
    ```shell
    docker run --security-opt seccomp=unconfined example/api:1.4
    ```

    ## Use instead
    ```shell
    docker run --security-opt seccomp=/etc/docker/seccomp/api.json example/api:1.4
    ```
    """

    code = "DW714"
    name = "confinement-disabled"
    category = Category.RUNTIME_HARDENING
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        for index, option in enumerate(context.spec.security_opt):
            key, _, value = option.replace("=", ":", 1).partition(":")
            if (key.strip(), value.strip()) in {("seccomp", "unconfined"), ("apparmor", "unconfined"),
                                                 ("label", "disable")}:  # fmt: skip
                message = f"{context.spec.name} sets {option}"
                yield context.item_diagnostic(self, "security_opt", index, message)


class RunsAsRoot(RunSpecRule):
    """The container is told to run as root (`user: root`, `0`, `0:0`).

    Only an explicit root user is reported here; an image that never sets USER is the Dockerfile rules'
    finding (DW301).

    Not reported for jobs: a one-off container that fixes file ownership or installs packages as root is
    the usual and intended case.

    ## Why is this bad?
    A process running as root in a container is one kernel or runtime bug away from root on the host.

    ## Example
    ```yaml
    services:
      api:
        user: root
    ```

    ## Use instead
    ```yaml
    services:
      api:
        user: "10001:10001"
    ```
    """

    code = "DW715"
    name = "runs-as-root"
    category = Category.NON_ROOT_USER
    severity = Severity.WARNING
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        user = context.spec.user
        if user is not None and user.split(":", 1)[0].strip() in ("root", "0"):
            yield context.diagnostic(self, "user", f"{context.spec.name} runs as {user}: use a non-root UID")


class WritableRootFilesystem(RunSpecRule):
    """The root filesystem is writable (`read_only` not set).

    Not reported for jobs: a read-only root guards a long-running process against being rewritten; a
    job's writes end with it.

    ## Why is this bad?
    An attacker who gets code execution can rewrite the application and drop tools; a read-only root,
    with tmpfs for the few paths that must be written (`/tmp`, `/run`), blocks that and surfaces hidden
    writes.

    ## Example
    ```yaml
    services:
      api:
        image: example/api:1.4
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: example/api:1.4
        read_only: true
        tmpfs: [/tmp]
    ```
    """

    code = "DW716"
    name = "writable-root-filesystem"
    category = Category.RUNTIME_HARDENING
    severity = Severity.INFO
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        if not context.spec.read_only:
            yield context.diagnostic(
                self,
                "read_only",
                f"{context.spec.name} has a writable root: set read_only with tmpfs for /tmp",
            )
