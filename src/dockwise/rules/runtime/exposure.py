"""Rules of the `networking` and `volumes` categories: host namespaces, mounts and published ports."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from dockwise.diagnostics import Category, Diagnostic, Severity
from dockwise.rules.runtime._base import RunSpecContext, RunSpecRule
from dockwise.runspec.model import VolumeMount

#: Host paths whose mount gives control of the host (or reads its secrets).
SENSITIVE_HOST_PATHS = (
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/dev",
    "/root",
    "/usr",
    "/lib",
    "/var/lib/docker",
)


def host_path(mount: VolumeMount) -> str | None:
    """The host path a mount exposes: a bind mount's source, or the device a named volume binds."""
    if mount.type == "bind":
        return mount.source
    return mount.device


class HostNamespace(RunSpecRule):
    """The container shares a namespace with the host (`network_mode: host`, `pid`, `ipc`, `uts` or
    `userns_mode: host`).

    ## Why is this bad?
    A shared namespace removes the isolation it stands for: host networking exposes every host port and
    interface, host PID lets the container see and signal every process, host IPC reads shared memory.

    ## Example
    ```yaml
    services:
      api:
        network_mode: host
    ```

    ## Use instead
    ```yaml
    services:
      api:
        ports: ["127.0.0.1:8080:8080"]
    ```
    """

    code = "DW720"
    name = "host-namespace"
    category = Category.NETWORKING
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        spec = context.spec
        for field_name, value, label in (
            ("network_mode", spec.network_mode, "network"),
            ("pid", spec.pid, "PID"),
            ("ipc", spec.ipc, "IPC"),
            ("uts", spec.uts, "UTS"),
            ("userns", spec.userns, "user"),
        ):
            if value == "host":
                yield context.diagnostic(self, field_name, f"{spec.name} shares the host's {label} namespace")


class DockerSocketMounted(RunSpecRule):
    """The Docker socket is mounted into the container, or handed to it by `use_api_socket: true`.

    Any volume syntax and path spelling counts, and `docker run --use-api-socket`.

    KICS reads only the short syntax; this reads both, `--mount`, and named volumes that bind the socket.
    `use_api_socket` mounts the engine's socket and the user's registry credentials (Compose
    Specification, "use_api_socket").

    ## Why is this bad?
    Whoever talks to the socket can start a privileged container with the host's root mounted: it is root
    on the host, read-only mount or not.

    ## Example
    ```yaml
    services:
      ci:
        volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
    ```

    ## Use instead
    ```yaml
    # a socket proxy that allows only the API calls needed, on an internal network
    services:
      ci:
        environment: {DOCKER_HOST: "tcp://socket-proxy:2375"}
    ```
    """

    code = "DW721"
    name = "docker-socket-mounted"
    category = Category.VOLUMES
    severity = Severity.ERROR

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        if context.spec.use_api_socket:
            yield context.diagnostic(
                self,
                "use_api_socket",
                f"{context.spec.name} gets the host's Docker API (use_api_socket): that is root on the host",
            )
        for index, mount in enumerate(context.spec.volumes):
            path = host_path(mount)
            if path and posixpath.basename(path.rstrip("/")) in ("docker.sock", "podman.sock"):
                yield context.item_diagnostic(
                    self, "volumes", index, f"{context.spec.name} mounts {path}: that is root on the host"
                )


class SensitiveHostPath(RunSpecRule):
    """A host path that controls the host (`/`, `/etc`, `/proc`, `/sys`, `/dev`, `/root` ...) is mounted.

    A named volume counts when its top-level definition binds the path (local driver,
    `driver_opts: {type: none, o: bind, device: /}`): the mount is a bind mount by another name.

    ## Why is this bad?
    Writable, it lets the container change the host's configuration or devices; even read-only it reads
    host secrets (`/etc/shadow`, keys under `/root`).

    ## Example
    ```shell
    docker run -v /etc:/host-etc example/agent:3
    ```

    ## Use instead
    ```shell
    docker run -v /etc/agent/agent.yaml:/etc/agent/agent.yaml:ro example/agent:3
    ```
    """

    code = "DW722"
    name = "sensitive-host-path"
    category = Category.VOLUMES
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        for index, mount in enumerate(context.spec.volumes):
            path = host_path(mount)
            if not path:
                continue
            source = posixpath.normpath(path)
            if source in SENSITIVE_HOST_PATHS:
                mode = "read-only" if mount.read_only else "writable"
                through = f" through volume {mount.source}" if mount.device else ""
                yield context.item_diagnostic(
                    self,
                    "volumes",
                    index,
                    f"{context.spec.name} mounts the host's {source}{through} ({mode}) at {mount.target}",
                )


class PortOnAllInterfaces(RunSpecRule):
    """A port is published on every interface of the host (no host IP, `0.0.0.0` or `::`).

    IPv6 wildcards count, which docker-bench and KICS miss. A lone container port (`ports: ["8080"]`,
    `-p 8080`) counts too: Docker publishes it on a random host port, on every interface, at each start.

    Not reported for jobs: the port of a test database in a CI file or a test script lives as long as
    the run, mostly on a throw-away runner; the finding is about a service's lasting exposure.

    ## Why is this bad?
    Docker's published ports bypass host firewalls such as ufw; a database or admin port meant for the
    local machine becomes reachable from the network.

    ## Example
    ```yaml
    services:
      db:
        ports: ["5432:5432"]
    ```

    ## Use instead
    ```yaml
    services:
      db:
        ports: ["127.0.0.1:5432:5432"]
    ```
    """

    code = "DW723"
    name = "port-on-all-interfaces"
    category = Category.NETWORKING
    severity = Severity.WARNING
    applies_to = frozenset({"service"})

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        for index, port in enumerate(context.spec.ports):
            if port.host_ip not in (None, "", "0.0.0.0", "::", "[::]"):
                continue
            if port.published is None:
                message = (
                    f"{context.spec.name} publishes {port.target} on a random host port on every interface: "
                    "use `expose` if only other containers need it, else "
                    f"127.0.0.1:{port.target}:{port.target}"
                )
            else:
                message = (
                    f"{context.spec.name} publishes {port.published}->{port.target} on every interface: "
                    f"bind it to an address (127.0.0.1:{port.published}:{port.target})"
                )
            yield context.item_diagnostic(self, "ports", index, message)


class DefaultNetworkOnly(RunSpecRule):
    """A multi-service stack where every service is on the default network.

    ## Why is this bad?
    On one network every service reaches every other: the cache and the database are one compromised web
    container away. Separate networks (and `internal: true` for back ends) keep each path explicit.

    ## Example
    ```yaml
    services:
      web: {image: example/web:1}
      db: {image: postgres:16}
    ```

    ## Use instead
    ```yaml
    services:
      web: {image: example/web:1, networks: [front, back]}
      db: {image: postgres:16, networks: [back]}
    networks:
      front: {}
      back: {internal: true}
    ```
    """

    code = "DW724"
    name = "default-network-only"
    category = Category.NETWORKING
    severity = Severity.INFO

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        services = context.services
        if context.spec.origin != "compose" or len(services) < 2:
            return
        # Reported once, on the first service: only then are the others looked at (looking from every
        # service made this rule quadratic in the number of services).
        if context.spec is not next(iter(services.values())):
            return
        if any(service.networks or service.network_mode for service in services.values()):
            return
        yield context.diagnostic(
            self,
            "networks",
            f"all {len(services)} services share the default network: give each group its own",
        )


class SharedMountPropagation(RunSpecRule):
    """A bind mount with `shared` or `rshared` propagation.

    ## Why is this bad?
    With shared propagation, mounts the container makes under the target appear on the host (and the
    host's in the container): a container with SYS_ADMIN, or a compromised mount helper, can mount over
    host paths. Few programs need it (CSI node plugins, some backup agents); `rslave` gives the
    container the host's new mounts without sending its own back.

    ## Example
    ```yaml
    services:
      agent:
        volumes:
          - type: bind
            source: /mnt/data
            target: /data
            bind: {propagation: rshared}
    ```

    ## Use instead
    ```yaml
    services:
      agent:
        volumes:
          - type: bind
            source: /mnt/data
            target: /data
            bind: {propagation: rslave}
    ```
    """

    code = "DW725"
    name = "shared-mount-propagation"
    category = Category.VOLUMES
    severity = Severity.WARNING

    def check(self, context: RunSpecContext) -> Iterator[Diagnostic]:
        for index, mount in enumerate(context.spec.volumes):
            if mount.propagation in ("shared", "rshared"):
                yield context.item_diagnostic(
                    self,
                    "volumes",
                    index,
                    f"{context.spec.name} mounts {mount.source or mount.target} with {mount.propagation} "
                    "propagation: its mounts reach the host; use rslave",
                )
