"""`docker run` lines read into RunSpecs: every flag form, found in scripts by the shell parser."""

from __future__ import annotations

from typing import Any

import pytest

from dockwise.diagnostics import TextRange
from dockwise.runspec import HealthCheck, PortMapping, VolumeMount
from dockwise.runspec.docker_run import (
    DockerRunError,
    parse_port,
    parse_volume,
    runspecs_in_script,
)
from dockwise.runspec.units import UnitError, parse_duration, parse_size


def one(line: str) -> Any:
    specs = list(runspecs_in_script(line, "run.sh"))
    assert len(specs) == 1, specs
    return specs[0]


@pytest.mark.parametrize(
    ("flags", "field", "expected"),
    [
        ("-m 512m", "memory", 512 * 1024**2),
        ("--memory=1g", "memory", 1024**3),
        ("-m512M", "memory", 512 * 1024**2),
        ("--memory-swap -1", "memory_swap", -1),
        ("--cpus 1.5", "cpus", 1.5),
        ("--pids-limit=100", "pids_limit", 100),
        ("--read-only", "read_only", True),
        ("--read-only=false", "read_only", False),
        ("--privileged", "privileged", True),
        ("--init", "init", True),
        ("--cap-drop ALL --cap-add net_bind_service", "cap_drop", ("ALL",)),
        ("--cap-drop ALL --cap-add CAP_NET_BIND_SERVICE", "cap_add", ("NET_BIND_SERVICE",)),
        ("--security-opt no-new-privileges:true", "security_opt", ("no-new-privileges:true",)),
        ("-u 10001:10001", "user", "10001:10001"),
        ("--user=app", "user", "app"),
        ("--restart unless-stopped", "restart", "unless-stopped"),
        ("--stop-timeout 30", "stop_grace_period", 30.0),
        ("--stop-signal SIGINT", "stop_signal", "SIGINT"),
        ("--network host", "network_mode", "host"),
        ("--net=backend --network frontend", "networks", ("backend", "frontend")),
        ("-p 8080:80", "ports", (PortMapping("80", "8080"),)),
        ("-p 127.0.0.1:8080:80/udp", "ports", (PortMapping("80", "8080", "127.0.0.1", "udp"),)),
        ("-p [::1]:8080:80", "ports", (PortMapping("80", "8080", "::1"),)),
        ("-p 80", "ports", (PortMapping("80"),)),
        ("-v /var/run/docker.sock:/var/run/docker.sock:ro", "volumes",
         (VolumeMount("bind", "/var/run/docker.sock", "/var/run/docker.sock", read_only=True),)),
        ("-v data:/data", "volumes", (VolumeMount("volume", "/data", "data"),)),
        ("--mount type=bind,src=/,dst=/host,readonly", "volumes", (VolumeMount("bind", "/host", "/", True),)),
        ("--tmpfs /tmp:rw,size=64m --tmpfs /run", "tmpfs", ("/tmp", "/run")),
        ("-e A=1 --env B", "environment", {"A": "1", "B": None}),
        ("--ulimit nofile=1024:2048", "ulimits", {"nofile": "1024:2048"}),
        ("--log-driver json-file --log-opt max-size=10m", "logging_options", {"max-size": "10m"}),
        ("--pid=host --ipc host --uts host --userns host", "pid", "host"),
        ("--health-cmd 'curl -f http://localhost/' --health-interval 30s --health-retries 3", "healthcheck",
         HealthCheck(("CMD-SHELL", "curl -f http://localhost/"), interval=30.0, retries=3)),
        ("--no-healthcheck", "healthcheck", HealthCheck(disabled=True)),
        ("--entrypoint /bin/sh", "entrypoint", ("/bin/sh",)),
    ],
)  # fmt: skip
def test_flags(flags: str, field: str, expected: object) -> None:
    spec = one(f"docker run -d --rm {flags} nginx:1.27")
    assert getattr(spec, field) == expected
    assert spec.image == "nginx:1.27"


def test_clustered_short_flags_the_image_and_the_command() -> None:
    spec = one("docker run -dit -p8080:80 --name web nginx:1.27 nginx -g 'daemon off;'")
    assert (spec.name, spec.image, spec.command) == ("web", "nginx:1.27", ("nginx", "-g", "daemon off;"))
    assert spec.ports == (PortMapping("80", "8080"),)


def test_positions_point_at_the_flag_and_its_value() -> None:
    line = "docker run --memory 512m -p 80:80 nginx"
    spec = one(line)
    where = spec.location("memory")
    assert line[where.start : where.end] == "--memory 512m"
    assert spec.location("pids_limit") == spec.span == TextRange(0, len(line)), "unset: the whole command"


def test_found_in_scripts_with_continuations_pipes_and_other_commands() -> None:
    script = (
        "#!/bin/sh\nset -e\ndocker build -t app .\n"
        "docker container run \\\n  --read-only \\\n  -m 256m app:latest && echo done\n"
        "if true; then docker create --privileged busybox; fi\n"
        "docker --context prod run -d redis:7 | tee log\n"
        "docker ps\n"
    )
    specs = list(runspecs_in_script(script, "deploy.sh"))
    assert [(s.image, s.read_only, s.privileged, s.memory) for s in specs] == [
        ("app:latest", True, False, 256 * 1024**2),
        ("busybox", False, True, None),
        ("redis:7", False, False, None),
    ]
    first = specs[0]
    assert script[first.span.start : first.span.end].startswith("docker container run")


def test_dynamic_values_are_known_to_be_set_but_not_their_value() -> None:
    spec = one('docker run -m "$MEM" -p "$PORT:80" --name "$NAME" app')
    assert spec.memory is None
    assert "memory" in spec.where
    assert spec.ports == ()
    assert spec.name == "app"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("docker run --memory", "needs a value"),
        ("docker run -d", "needs an image"),
    ],
)
def test_command_lines_docker_would_refuse(line: str, message: str) -> None:
    with pytest.raises(DockerRunError, match=message):
        one(line)


def test_no_new_privileges_spellings() -> None:
    for option, expected in [
        ("no-new-privileges", True),
        ("no-new-privileges:true", True),
        ("no-new-privileges=true", True),
        ("no-new-privileges:false", False),
        ("seccomp=unconfined", False),
    ]:
        assert one(f"docker run --security-opt {option} app").no_new_privileges is expected, option


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512", 512),
        ("1k", 1024),
        ("1.5g", int(1.5 * 1024**3)),
        ("10MB", 10 * 1024**2),
        ("2Gi", 2 * 1024**3),
        (64, 64),
    ],
)
def test_sizes(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("10s", 10.0), ("1m30s", 90.0), ("500ms", 0.5), ("2h", 7200.0), ("15", 15.0)]
)
def test_durations(text: str, expected: float) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["lots", "1x", "-5m"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(UnitError):
        parse_size(text)


@pytest.mark.parametrize("text", ["soon", "10 s", "1m30"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UnitError):
        parse_duration(text)


def test_port_and_volume_forms() -> None:
    assert parse_port("0.0.0.0:53:53/UDP") == PortMapping("53", "53", "0.0.0.0", "udp")
    assert parse_port("8000-8010:8000-8010") == PortMapping("8000-8010", "8000-8010")
    assert parse_volume("./config:/etc/app:ro,z") == VolumeMount("bind", "/etc/app", "./config", True)
    assert parse_volume("/cache") == VolumeMount("volume", "/cache")


def test_each_repeated_flag_keeps_its_own_range() -> None:
    """The second `--security-opt` (or `-p`, `-v`) is found at its own flag, not at the first one: a
    finding about `seccomp=unconfined` pointed at `no-new-privileges` before."""
    line = (
        "docker run --security-opt no-new-privileges \\\n"
        "  --security-opt seccomp=unconfined -p 80 -v /:/h app"
    )
    spec = one(line)
    at = spec.item_location("security_opt", 1)
    assert line[at.start : at.end] == "--security-opt seccomp=unconfined"
    assert line[spec.item_location("ports", 0).start :].startswith("-p 80")
    assert line[spec.item_location("volumes", 0).start :].startswith("-v /:/h")
    assert spec.item_location("cap_add", 0) == spec.span  # not set: the whole command


@pytest.mark.parametrize(
    ("text", "propagation"),
    [("/a:/b:rshared", "rshared"), ("/a:/b:ro,shared", "shared"), ("/a:/b:ro", None), ("v:/b", None)],
)
def test_bind_propagation_is_read(text: str, propagation: str | None) -> None:
    assert parse_volume(text).propagation == propagation
