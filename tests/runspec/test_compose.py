"""Compose files into RunSpecs: every form, merges, extends, interpolation, positions and bad input."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from dockwise.rules.runtime._base import RunSpecContext
from dockwise.runspec import HealthCheck, PortMapping, RunSpec, VolumeMount
from dockwise.runspec.compose import ComposeError, load_compose
from dockwise.runspec.docker_run import runspecs_in_script
from dockwise.runspec.interpolation import InterpolationError, interpolate, read_env_file
from dockwise.runtime_lint import runtime_rules


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def settings(spec: RunSpec) -> dict[str, object]:
    """The runtime settings, without where they came from."""
    skip = {"origin", "path", "name", "where", "span", "files", "keys", "item_where"}
    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name not in skip}


def test_a_service_and_the_same_docker_run_line_give_the_same_runspec(tmp_path: Path) -> None:
    compose = write(
        tmp_path,
        "compose.yaml",
        """
services:
  web:
    image: nginx:1.27
    user: "10001:10001"
    read_only: true
    init: true
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 256m
    cpus: 0.5
    pids_limit: 100
    restart: unless-stopped
    stop_grace_period: 30s
    ports: ["127.0.0.1:8080:80"]
    volumes: ["./conf:/etc/nginx/conf.d:ro", "cache:/var/cache/nginx"]
    tmpfs: [/tmp]
    environment: {MODE: production}
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O- http://localhost/"]
      interval: 30s
      retries: 3
    command: ["nginx", "-g", "daemon off;"]
""",
    )
    line = (
        "docker run -u 10001:10001 --read-only --init --cap-drop ALL --cap-add NET_BIND_SERVICE "
        "--security-opt no-new-privileges:true -m 256m --cpus 0.5 --pids-limit 100 --restart unless-stopped "
        "--stop-timeout 30 -p 127.0.0.1:8080:80 -v ./conf:/etc/nginx/conf.d:ro -v cache:/var/cache/nginx "
        "--tmpfs /tmp -e MODE=production --health-cmd 'wget -q -O- http://localhost/' "
        "--health-interval 30s --health-retries 3 nginx:1.27 nginx -g 'daemon off;'"
    )
    from_compose = load_compose([compose], environment={}).services["web"]
    (from_run,) = runspecs_in_script(line, "run.sh")
    assert settings(from_compose) == settings(from_run)
    assert from_compose.memory == 256 * 1024**2
    rules = runtime_rules()
    codes = [
        sorted(d.code for rule in rules for d in rule.check(RunSpecContext(spec, {spec.name: spec})))
        for spec in (from_compose, from_run)
    ]
    assert codes[0] == codes[1], "the same configuration gets the same findings from either source"
    assert codes[0] == [], "a hardened service: nothing to report from either source"
    assert (from_compose.origin, from_run.origin) == ("compose", "docker run")


def test_long_syntax_deploy_limits_and_positions(tmp_path: Path) -> None:
    text = """services:
  api:
    image: app
    deploy:
      resources:
        limits: {memory: 1G, cpus: "2", pids: 50}
      restart_policy: {condition: on-failure}
    ports:
      - target: 80
        published: "8080"
        host_ip: "::1"
        protocol: udp
    volumes:
      - type: bind
        source: /var/run/docker.sock
        target: /var/run/docker.sock
        read_only: true
    networks: [front, back]
    logging: {driver: json-file, options: {max-size: 10m}}
    healthcheck: {disable: true}
networks: {front: {}, back: {internal: true}}
"""
    path = write(tmp_path, "compose.yaml", text)
    project = load_compose([path], environment={})
    api = project.services["api"]
    assert (api.memory, api.cpus, api.pids_limit, api.restart) == (1024**3, 2.0, 50, "on-failure")
    assert api.ports == (PortMapping("80", "8080", "::1", "udp"),)
    assert api.volumes == (VolumeMount("bind", "/var/run/docker.sock", "/var/run/docker.sock", True),)
    assert api.networks == ("front", "back")
    assert project.networks == ("front", "back")
    assert api.logging_options == {"max-size": "10m"}
    assert api.healthcheck == HealthCheck(disabled=True)
    where = api.location("memory")
    assert text[where.start : where.end].startswith("memory: 1G"), "the key inside the flow mapping"
    assert text[api.span.start : api.span.end] == "api:"
    missing = api.location("user")
    assert missing == api.span, "an unset field points at the service"


def test_interpolation_forms_and_env_file(tmp_path: Path) -> None:
    env = {"SET": "x", "EMPTY": ""}
    text = "$SET ${SET} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${SET:+alt} $$SET"
    assert interpolate(text, env) == "x x d d  alt $SET"
    assert interpolate("${UNSET:-${SET}}", env) == "x"
    with pytest.raises(InterpolationError, match="NEEDED"):
        interpolate("${NEEDED:?set NEEDED}", env)
    missing: list[str] = []
    assert interpolate("a${NEEDED:?set it}b", env, missing) == "ab"
    assert missing == ["required variable NEEDED is missing a value: set it"]
    with pytest.raises(InterpolationError):
        interpolate("${SET", env)
    dotenv = write(tmp_path, ".env", '# comment\nexport A=1\nB="two words"\nC=3 # trailing\nbad line\n')
    assert read_env_file(dotenv) == {"A": "1", "B": "two words", "C": "3"}


def test_the_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, ".env", "TAG=from-dotenv\nMEM=128m\n")
    path = write(tmp_path, "compose.yaml", "services:\n  a:\n    image: app:${TAG}\n    mem_limit: ${MEM}\n")
    monkeypatch.setenv("TAG", "from-env")
    service = load_compose([path]).services["a"]
    assert (service.image, service.memory) == ("app:from-env", 128 * 1024**2)


def test_files_merge_in_order_with_reset_and_override(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "compose.yaml",
        "services:\n  a:\n    image: app:1\n    ports: ['80:80']\n    environment: [A=1, B=2]\n"
        "    cap_drop: [ALL]\n    command: [serve]\n    user: root\n    volumes: [data:/data]\n",
    )
    override = write(
        tmp_path,
        "compose.override.yaml",
        "services:\n  a:\n    image: app:2\n    ports: ['443:443']\n    environment: {B: 3, C: 4}\n"
        "    command: [serve, --debug]\n    user: !reset null\n    volumes: !override [logs:/logs]\n",
    )
    a = load_compose([base, override], environment={}).services["a"]
    assert a.image == "app:2"
    assert a.ports == (PortMapping("80", "80"), PortMapping("443", "443"))
    assert a.environment == {"A": "1", "B": "3", "C": "4"}
    assert a.command == ("serve", "--debug")
    assert a.user is None
    assert a.volumes == (VolumeMount("volume", "/logs", "logs"),)
    assert a.cap_drop == ("ALL",)
    assert a.path == str(override)


def test_entries_with_the_same_key_replace_each_other_as_compose_go_merges_them(tmp_path: Path) -> None:
    """A volume with the same target, a secret with the same target, a network list over a mapping, a
    build string over a mapping, logging with another driver: what `docker compose config` prints."""
    base = write(
        tmp_path,
        "compose.yaml",
        "services:\n  a:\n    image: app\n    build: .\n    volumes: [data:/data, ./conf:/etc/app:ro]\n"
        "    secrets: [token]\n    networks: [front]\n    cap_add: [CHOWN]\n"
        "    logging: {driver: json-file, options: {max-size: 10m}}\n",
    )
    overlay = write(
        tmp_path,
        "compose.prod.yaml",
        "services:\n  a:\n    build: {dockerfile: prod.Dockerfile}\n"
        "    volumes: [{type: volume, source: fast, target: /data}]\n"
        "    secrets: [{source: token, target: /run/secrets/token}]\n    networks: {back: {}}\n"
        "    cap_add: [CHOWN, NET_BIND_SERVICE]\n    logging: {driver: syslog}\n",
    )
    a = load_compose([base, overlay], environment={}).services["a"]
    assert a.volumes == (
        VolumeMount("volume", "/data", "fast"),
        VolumeMount("bind", "/etc/app", "./conf", True),
    )
    assert a.secrets == ("token",)
    assert a.networks == ("front", "back")
    assert a.cap_add == ("CHOWN", "NET_BIND_SERVICE")
    assert (a.logging_driver, a.logging_options) == ("syslog", {})


def test_include_imports_the_included_project_with_its_own_env(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    write(tmp_path, "db/.env", "DB_TAG=16\n")
    write(
        tmp_path, "db/compose.yaml", "services:\n  db:\n    image: postgres:${DB_TAG}\n    privileged: true\n"
    )
    main = write(
        tmp_path,
        "compose.yaml",
        "include:\n  - db/compose.yaml\nservices:\n  api:\n    image: api\n  db:\n    read_only: true\n",
    )
    project = load_compose([main], environment={})
    db = project.services["db"]
    assert (db.image, db.privileged, db.read_only) == ("postgres:16", True, True)
    assert db.file_of("privileged") == str(tmp_path / "db" / "compose.yaml"), "set by the included file"
    assert db.file_of("read_only") == str(main)
    write(tmp_path, "compose.yaml", "include: [db/compose.yaml]\nservices:\n")
    assert set(load_compose([main], environment={}).services) == {"db"}, "an empty services: takes them"
    write(tmp_path, "db/compose.yaml", "include: [../compose.yaml]\nservices: {}\n")
    with pytest.raises(ComposeError, match="include cycle"):
        load_compose([main], environment={})
    write(tmp_path, "compose.yaml", "include: [missing.yaml]\n")
    with pytest.raises(ComposeError, match=r"include missing\.yaml: no such file"):
        load_compose([main], environment={})


def test_extends_anchors_and_extensions(tmp_path: Path) -> None:
    write(tmp_path, "common.yaml", "services:\n  hardened:\n    read_only: true\n    cap_drop: [ALL]\n")
    path = write(
        tmp_path,
        "compose.yaml",
        "x-limits: &limits\n  mem_limit: 64m\n  pids_limit: 10\n"
        "services:\n"
        "  base:\n    image: base\n    init: true\n"
        "  web:\n    <<: *limits\n    extends: base\n    image: web\n"
        "  worker:\n    extends: {file: common.yaml, service: hardened}\n    image: worker\n",
    )
    services = load_compose([path], environment={}).services
    web = services["web"]
    assert (web.image, web.init, web.memory) == ("web", True, 64 * 1024**2)
    assert (services["worker"].read_only, services["worker"].cap_drop) == (True, ("ALL",))
    assert "x-limits" not in services


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("services:\n  a:\n    image: x\n    image: y\n", "duplicate key 'image' at line 4"),
        ("services: [a, b]\n", "must be a mapping"),
        ("- a\n- b\n", "mapping at the top"),
        ("services:\n  a: {image: x\n", "invalid YAML"),
        ("services:\n  a:\n    extends: a\n", "extends itself"),
        ("services:\n  a:\n    extends: missing\n", "which does not exist"),
        ("services:\n  a:\n    image: ${X:?}\n", None),
    ],
)
def test_bad_files_give_clear_errors(tmp_path: Path, text: str, message: str | None) -> None:
    path = write(tmp_path, "compose.yaml", text)
    if message is None:
        assert load_compose([path], environment={}).problems == ("required variable X is missing a value: X",)
        return
    with pytest.raises(ComposeError, match=message) as raised:
        load_compose([path], environment={})
    assert str(path) in str(raised.value)


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(9))}]" for i in range(1, 10)]
    bomb = "x-bomb:\n" + "\n".join("  " + line for line in lines)
    path = write(tmp_path, "compose.yaml", bomb + "\nservices:\n  a:\n    environment: *a9\n")
    started = time.perf_counter()
    with pytest.raises(ComposeError, match="alias bomb"):
        load_compose([path], environment={})
    assert time.perf_counter() - started < 20


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    with path.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)
    with pytest.raises(ComposeError, match="too large"):
        load_compose([path], environment={})


def test_schema_problems_name_the_yaml_path_and_line(tmp_path: Path) -> None:
    from dockwise.runspec.schema import schema_version

    text = "services:\n  web:\n    image: nginx\n    restart: sometimes\n    ports: 80\n    bogus: 1\n"
    path = write(tmp_path, "compose.yaml", text)
    problems = load_compose([path], environment={}).schema_problems
    found = {(p.yaml_path, text[p.range.start : p.range.end].partition(":")[0].strip()) for p in problems}
    assert ("services.web.ports", "ports") in found
    assert any("bogus" in p.message for p in problems)
    assert all(p.path == str(path) for p in problems)
    assert not load_compose([write(tmp_path, "ok.yaml", "services:\n  a:\n    image: x\n")]).schema_problems
    assert schema_version().startswith("compose-spec.json from check-jsonschema ")


def test_a_risky_service_and_its_docker_run_line_get_the_same_findings(tmp_path: Path) -> None:
    compose = write(
        tmp_path,
        "compose.yaml",
        "services:\n  x:\n    image: app\n    privileged: true\n    user: root\n    ports: ['80:80']\n"
        "    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n    network_mode: host\n"
        "    environment: {API_TOKEN: abc123}\n    stop_grace_period: 1s\n    restart: always\n"
        "    stop_signal: SIGKILL\n",
    )
    line = (
        "docker run --privileged -u root -p 80:80 -v /var/run/docker.sock:/var/run/docker.sock "
        "--network host -e API_TOKEN=abc123 --stop-timeout 1 --restart always --stop-signal SIGKILL app"
    )
    from_compose = load_compose([compose], environment={}).services["x"]
    (from_run,) = runspecs_in_script(line, "run.sh")
    rules = runtime_rules()
    codes = [
        sorted(
            d.code for rule in rules for d in rule.check(RunSpecContext(spec, {spec.name: spec}, text=text))
        )
        for spec, text in ((from_compose, compose.read_text()), (from_run, line))
    ]
    assert codes[0] == codes[1]
    assert {"DW710", "DW715", "DW720", "DW721", "DW723", "DW740", "DW742", "DW735"} <= set(codes[0])


def test_a_setting_a_service_inherits_through_extends_points_at_the_base_that_wrote_it(
    tmp_path: Path,
) -> None:
    common = write(tmp_path, "common.yaml", "services:\n  base:\n    image: x\n    privileged: true\n")
    path = write(
        tmp_path,
        "compose.yaml",
        "services:\n  web:\n    extends: {file: common.yaml, service: base}\n    mem_limit: 1g\n"
        "  worker:\n    extends: web\n    cap_add: [NET_ADMIN]\n",
    )
    project = load_compose([path], environment={})
    for name in ("web", "worker"):
        spec = project.services[name]
        assert spec.privileged
        assert spec.file_of("privileged") == str(common), name
        assert common.read_text()[spec.where["privileged"].start :].startswith("privileged: true")
    worker = project.services["worker"]
    assert worker.file_of("memory") == str(path)
    assert path.read_text()[worker.where["memory"].start :].startswith("mem_limit: 1g")
