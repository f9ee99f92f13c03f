"""Every input bounded (issue 13): what fuzzing found in the Compose loader and the `docker run` reader,
each a regression test that fails on the code before the fix. Time bounds are generous: they catch a
hang or a quadratic blow-up (the old code took from 8 s to minutes on these), not a slow machine."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockwise.config import Settings
from dockwise.errors import DockwiseError
from dockwise.rules.runtime._base import RunSpecContext
from dockwise.rules.runtime.exposure import DefaultNetworkOnly
from dockwise.runspec import shellwords
from dockwise.runspec.compose import MAX_FILE_BYTES, ComposeError, load_compose
from dockwise.runspec.docker_run import DockerRunError
from dockwise.runspec.interpolation import InterpolationError, interpolate, read_env_file
from dockwise.runspec.model import RunSpec
from dockwise.runspec.units import UnitError, parse_duration, parse_integer, parse_number, parse_size
from dockwise.runspec.yaml_limits import MAX_EXPANDED_NODES, MAX_NODES
from dockwise.runtime_lint import MAX_SCRIPT_CHARACTERS, lint_runtime_group, lint_script_text, runtime_rules


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load(folder: Path, text: str, name: str = "compose.yaml") -> dict[str, RunSpec]:
    return load_compose([write(folder, name, text)], environment={}).services


def refused(folder: Path, text: str, name: str = "compose.yaml") -> str:
    with pytest.raises(ComposeError) as raised:
        load(folder, text, name)
    return str(raised.value)


def lint_script(text: str) -> list[tuple[int, str, str]]:
    """(line, code, message) of the runtime findings of a script."""
    found = lint_script_text(text, "run.sh", runtime_rules())
    return [(text.count("\n", 0, d.location.range.start) + 1, d.code, d.message) for d in found]  # type: ignore[union-attr]


def elapsed(function: object, *arguments: object) -> float:
    started = time.perf_counter()
    with contextlib.suppress(DockwiseError):
        function(*arguments)  # type: ignore[operator]
    return time.perf_counter() - started


# --- loader errors are DockwiseErrors (one line and exit 2 at the CLI, never "internal error") ---------


def test_the_loaders_errors_are_dockwise_errors() -> None:
    for error in (ComposeError, DockerRunError, UnitError, InterpolationError):
        assert issubclass(error, DockwiseError)
        assert issubclass(error, ValueError)  # callers that catch ValueError still do


# --- linear time ---------------------------------------------------------------------------------------


def test_a_long_command_string_is_split_in_linear_time(tmp_path: Path) -> None:
    word = "a" * 1_000_000  # shlex took 19 s: it grows a word one character at a time
    started = time.perf_counter()
    services = load(tmp_path, f'services:\n  web:\n    image: x\n    command: "{word} b"\n')
    assert time.perf_counter() - started < 5
    assert services["web"].command == (word, "b")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab \t\n'\"\\$#é", max_size=20))
def test_command_strings_split_as_shlex_does(text: str) -> None:
    try:
        expected: object = shlex.split(text)
    except ValueError as error:
        expected = str(error)
    try:
        ours: object = shellwords.split(text)
    except ValueError as error:
        ours = str(error)
    assert ours == expected


def test_the_default_network_rule_is_linear_in_the_number_of_services() -> None:
    """DW724 looked at every service from every service: 20,000 services took 4 minutes."""
    specs = {f"s{i}": RunSpec(origin="compose", path="compose.yaml", name=f"s{i}") for i in range(20_000)}
    rule = DefaultNetworkOnly()
    started = time.perf_counter()
    found = [d for spec in specs.values() for d in rule.check(RunSpecContext(spec, specs))]
    assert time.perf_counter() - started < 5
    assert len(found) == 1
    assert "all 20000 services share the default network" in found[0].message


def test_keys_on_one_long_line_get_their_own_range(tmp_path: Path) -> None:
    """A flow mapping on one line: each key's range ends with its value, found from the line table (the
    end of the line was searched from every key, and every finding's range spanned the whole line)."""
    text = "services: {" + ", ".join(f"s{i}: {{image: x}}" for i in range(20_000)) + "}\n"
    started = time.perf_counter()
    services = load_compose([write(tmp_path, "compose.yaml", text)], environment={}, validate=False).services
    assert time.perf_counter() - started < 10
    span = services["s1"].span
    assert text[span.start : span.end] == "s1: {image: x}"


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (parse_size, " " * 40_000 + "1" + " " * 40_000 + "x"),  # blanks on both sides: was 8 s
        (parse_duration, "1" * 20_000 + "x"),  # finditer searched ahead from every digit: was 19 s
    ],
)
def test_units_do_not_backtrack(call: object, argument: str) -> None:
    assert elapsed(call, argument) < 2


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + ":", "a" * 100_000 + "!", "[a]" * 50_000 + ":x:", "1:" * 50_000, ":" * 100_000],
)
def test_the_port_pattern_does_not_backtrack(text: str) -> None:
    """Audited with the other patterns of runspec/: its lookahead and optional groups stay linear."""
    from dockwise.runspec.docker_run import parse_port

    assert elapsed(parse_port, text) < 1


def test_the_docker_run_sniffer_does_not_backtrack() -> None:
    from dockwise.runspec.embedded import mentions_docker_run

    started = time.perf_counter()
    assert not mentions_docker_run("docker " + " " * 200_000 + "x")
    assert not mentions_docker_run("docker container " * 20_000)
    assert time.perf_counter() - started < 1


def test_an_env_file_with_a_long_run_of_blanks_is_read_in_linear_time(tmp_path: Path) -> None:
    path = write(tmp_path, ".env", "A=a" + " " * 60_000 + "b # note\nB=c # comment\n")  # was 12 s
    started = time.perf_counter()
    values = read_env_file(path)
    assert time.perf_counter() - started < 2
    assert values == {"A": "a" + " " * 60_000 + "b", "B": "c"}


# --- recursion: cycles and depth are clear errors with their line -------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "services:\n  web:\n    image: x\n    command: &a [*a]\n",
            "alias \\*a refers to the node it is inside at line 4",
        ),
        ("services:\n  web: &a\n    image: x\n    labels:\n      self: *a\n", "alias \\*a .* at line 5"),
        ("services:\n  web: &a\n    image: x\n    <<: *a\n", "alias \\*a .* at line 4"),
        (
            "services:\n  web:\n    image: x\n    labels: " + "[" * 500 + "]" * 500 + "\n",
            "nested more than 100 levels deep at line 4",
        ),
        (
            'services:\n  web:\n    image: "' + "${A:-" * 20_000 + "x" + "}" * 20_000 + '"\n',
            "variables nested more than 50 levels deep .* at line 3, column 12",
        ),
    ],
    ids=["alias-in-sequence", "alias-in-mapping", "merge-of-itself", "deep-yaml", "deep-interpolation"],
)
def test_cycles_and_deep_nesting_are_refused_with_their_line(tmp_path: Path, text: str, message: str) -> None:
    error = refused(tmp_path, text)
    assert error.startswith(f"{tmp_path / 'compose.yaml'}: ")
    assert re.search(message, error), error


@pytest.mark.parametrize("tag", ["!reset", "!override"])
def test_a_merge_tag_on_the_whole_file_is_a_clear_error(tmp_path: Path, tag: str) -> None:
    error = refused(tmp_path, f"{tag}\nservices:\n  web:\n    image: x\n")
    assert error.endswith(f"a Compose file is a mapping at the top, not tagged {tag}")


def test_interpolation_nesting_is_bounded_below_the_recursion_limit() -> None:
    assert interpolate("${A:-" * 50 + "x" + "}" * 50, {}) == "x"
    with pytest.raises(InterpolationError, match="nested more than 50 levels"):
        interpolate("${A:-" * 51 + "x" + "}" * 51, {})


def test_a_service_extending_itself_through_its_own_file(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: x\n    extends:\n      file: compose.yaml\n      service: web\n"
    error = refused(tmp_path, text)
    assert "service 'web' extends itself: web -> web at line 4, column 5" in error


def test_a_cycle_of_extends_through_two_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        "other.yaml",
        "services:\n  api:\n    image: x\n    extends: {file: compose.yaml, service: web}\n",
    )
    text = "services:\n  web:\n    image: x\n    extends: {file: other.yaml, service: api}\n"
    assert "extends itself: web -> other.yaml:api -> web at line 4" in refused(tmp_path, text)


def test_a_cycle_of_three_services_in_one_file(tmp_path: Path) -> None:
    text = "services:\n  a:\n    extends: b\n  b:\n    extends: c\n  c:\n    image: x\n    extends: a\n"
    assert "service 'a' extends itself: a -> b -> c -> a at line 3" in refused(tmp_path, text)


def test_a_long_chain_of_extends_is_followed_without_recursion(tmp_path: Path) -> None:
    count = 3_000
    text = "services:\n" + "".join(f"  s{i}:\n    extends: s{i + 1}\n    user: u{i}\n" for i in range(count))
    text += f"  s{count}:\n    image: base\n    user: root\n"
    started = time.perf_counter()
    services = load(tmp_path, text)
    assert time.perf_counter() - started < 20
    assert (services["s0"].image, services["s0"].user) == ("base", "u0")
    assert (services[f"s{count - 1}"].image, services[f"s{count - 1}"].user) == ("base", f"u{count - 1}")


def test_an_extends_bomb_is_refused(tmp_path: Path) -> None:
    """Each service a copy of a base with a long list: the YAML is small, what `extends` builds is not."""
    base = "  base:\n    image: x\n    cap_add: [" + ", ".join(f"C{i}" for i in range(2_000)) + "]\n"
    text = "services:\n" + base + "".join(f"  s{i}:\n    extends: base\n" for i in range(2_000))
    started = time.perf_counter()
    assert "add up to more than" in refused(tmp_path, text)
    assert time.perf_counter() - started < 10


def test_a_shared_base_file_is_read_once(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "services:\n  base:\n    image: shared\n")
    text = "services:\n" + "".join(
        f"  s{i}:\n    extends: {{file: base.yaml, service: base}}\n" for i in range(300)
    )
    started = time.perf_counter()
    services = load(tmp_path, text)
    assert time.perf_counter() - started < 10
    assert {spec.image for spec in services.values()} == {"shared"}


@pytest.mark.parametrize(
    ("extends", "message"),
    [
        ("[db]", "`extends` needs a service name"),
        ("{file: [x], service: db}", "`extends.file` must be a path"),
    ],
)
def test_a_malformed_extends_is_a_clear_error(tmp_path: Path, extends: str, message: str) -> None:
    text = f"services:\n  web:\n    image: x\n    extends: {extends}\n  db:\n    image: y\n"
    assert message in refused(tmp_path, text)


# --- memory: bombs are refused before they are built ---------------------------------------------------


def string_bomb() -> str:
    """2 KB that expands to 1.5 GB: a 1,500-character string aliased a million times, through merge keys
    and aliases (the old loader built it: 75 s and 2 GB)."""
    lines = [f'x-s: &s "$${"x" * 1500}"', "x-a0: &a0 [" + ", ".join(["*s"] * 10) + "]"]
    for i in range(1, 6):
        lines.append(
            f"x-a{i}: &a{i}\n  <<: [{{k: *a{i - 1}}}]\n  l: [" + ", ".join([f"*a{i - 1}"] * 10) + "]"
        )
    return "\n".join(lines) + "\nservices:\n  web:\n    image: x\n    labels: {big: *a4}\n"


def merge_key_bomb() -> str:
    """1.4 KB of merge keys and aliases that expands to 10^9 values."""
    lines = ["x-a0: &a0 {" + ", ".join(f"k{j}: [v, v, v, v]" for j in range(8)) + "}"]
    for i in range(1, 9):
        aliases = ", ".join([f"*a{i - 1}"] * 8)
        fields = "\n  ".join(f"m{i}_{j}: *a{i - 1}" for j in range(8))
        lines.append(f"x-a{i}: &a{i}\n  <<: [{aliases}]\n  {fields}")
    return "\n".join(lines) + "\nservices:\n  web:\n    image: x\n    labels: *a8\n"


@pytest.mark.parametrize(("bomb", "what"), [(string_bomb, "characters"), (merge_key_bomb, "values")])
def test_alias_bombs_are_refused_before_they_are_built(tmp_path: Path, bomb: object, what: str) -> None:
    text = bomb()  # type: ignore[operator]
    assert len(text) < 2_500
    tracemalloc.start()
    try:
        started = time.perf_counter()
        error = refused(tmp_path, text)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"{what} once anchors and merge keys are expanded (an alias bomb?) at line" in error
    assert seconds < 5
    assert peak < 20 * 1024 * 1024


def test_anchors_used_a_few_times_are_fine(tmp_path: Path) -> None:
    text = (
        "x-base: &base\n  image: x\n  cap_drop: [ALL]\n"
        + "services:\n"
        + "".join(f"  s{i}:\n    <<: *base\n" for i in range(100))
    )
    assert all(spec.cap_drop == ("ALL",) for spec in load(tmp_path, text).values())


def test_a_file_with_too_many_nodes_is_refused(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: x\n    labels: [" + "1," * MAX_NODES + "1]\n"
    assert f"more than {MAX_NODES} YAML nodes" in refused(tmp_path, text)
    assert MAX_EXPANDED_NODES >= MAX_NODES


def test_a_file_over_the_size_cap_is_one_error_and_the_group_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    [result] = lint_runtime_group((path,), runtime_rules(), Settings())
    assert (
        result.error
        == f"{MAX_FILE_BYTES + 1} bytes is too large for a Compose file (the limit is {MAX_FILE_BYTES})"
    )
    assert result.text is None


# --- values Docker would refuse: a finding where they are written, the rest still checked ---------------


def test_a_bad_health_interval_is_a_finding_and_the_other_lines_are_checked() -> None:
    script = "docker run --health-interval x nginx\ndocker run --privileged nginx\n"
    found = lint_script(script)
    assert (
        1,
        "DW700",
        "docker run: --health-interval: invalid duration 'x': expected e.g. 30s, 1m30s or 500ms",
    ) in found
    assert any(line == 2 and code == "DW710" for line, code, _ in found)  # privileged, on the next line
    assert any(line == 1 and code == "DW711" for line, code, _ in found)  # line 1's other settings too


@pytest.mark.parametrize(
    ("flag", "field"),
    [
        ("--memory 1q", "memory"),
        ("-m " + "9" * 400, "memory"),
        ("--memory-swap lots", "memory_swap"),
        ("--cpus nan", "cpus"),
        ("--cpus 1e400", "cpus"),
        ("--pids-limit 1.5", "pids_limit"),
        ("--pids-limit x", "pids_limit"),
        ("--stop-timeout 10s", "stop_grace_period"),
        ("--health-timeout forever", "healthcheck"),
        ("--health-start-period -", "healthcheck"),
        ("--health-retries many", "healthcheck"),
        ("-p 1:2:3:4", "ports"),
    ],
)
def test_every_bad_number_of_docker_run_is_a_finding_at_its_flag(flag: str, field: str) -> None:
    from dockwise.dockerfile.shell import script_commands
    from dockwise.runspec.docker_run import runspec_of

    script = f"docker run --read-only {flag} nginx"
    [command] = script_commands(script)
    spec = runspec_of(command, "run.sh")
    [bad] = spec.invalid
    assert bad.field == field
    assert bad.range is not None
    assert script[bad.range.start : bad.range.end].startswith(flag.split(maxsplit=1)[0])
    assert spec.read_only  # the other flags are still read
    assert field in spec.where  # set, value unknown: "missing limit" rules stay quiet


def test_good_numbers_of_docker_run_are_read() -> None:
    from dockwise.dockerfile.shell import script_commands
    from dockwise.runspec.docker_run import runspec_of

    line = "docker run -m 1g --cpus 1.5 --pids-limit 100 --stop-timeout 20 "
    line += "--health-retries 3 --health-interval 1m image"
    spec = runspec_of(script_commands(line)[0], "run.sh")
    assert spec.invalid == ()
    assert (spec.memory, spec.cpus, spec.pids_limit, spec.stop_grace_period) == (1024**3, 1.5, 100, 20.0)
    assert spec.healthcheck is not None
    assert (spec.healthcheck.retries, spec.healthcheck.interval) == (3, 60.0)


@pytest.mark.parametrize(
    ("settings_text", "field", "message"),
    [
        ("mem_limit: lots", "memory", "invalid size 'lots'"),
        ("memswap_limit: 1x", "memory_swap", "invalid size '1x'"),
        ("pids_limit: .inf", "pids_limit", "invalid pids limit inf"),
        ("pids_limit: 1.5", "pids_limit", "whole number"),
        ("cpus: .nan", "cpus", "invalid number of CPUs"),
        ("cpus: many", "cpus", "invalid number of CPUs"),
        ("stop_grace_period: soon", "stop_grace_period", "invalid duration 'soon'"),
        ("deploy: {resources: {limits: {memory: huge}}}", "memory", "invalid size 'huge'"),
        (
            "healthcheck: {test: [CMD, x], interval: x}",
            "healthcheck",
            "healthcheck interval: invalid duration",
        ),
        (
            "healthcheck: {test: [CMD, x], retries: lots}",
            "healthcheck",
            "healthcheck retries: invalid number",
        ),
        ('ports: ["1:2:3:4", "80:80"]', "ports", "invalid port '1:2:3:4'"),
    ],
)
def test_every_bad_unit_of_compose_is_a_finding_and_the_service_is_still_checked(
    tmp_path: Path, settings_text: str, field: str, message: str
) -> None:
    text = (
        f"services:\n  web:\n    image: x\n    privileged: true\n    {settings_text}\n  db:\n    image: y\n"
    )
    services = load(tmp_path, text)
    [bad] = services["web"].invalid
    assert bad.field == field
    assert message in bad.message
    assert services["web"].privileged
    assert field in services["web"].where
    if field == "ports":
        assert [port.target for port in services["web"].ports] == ["80"]
    [result] = lint_runtime_group((tmp_path / "compose.yaml",), runtime_rules(), Settings())
    codes = {(d.code, result.text.count("\n", 0, d.location.range.start) + 1) for d in result.diagnostics}  # type: ignore[union-attr]
    assert ("DW700", 5) in codes  # at the key
    assert ("DW710", 4) in codes  # web is still checked: privileged
    assert any(line >= 6 for _, line in codes)  # and so is db


def test_unset_variables_leave_a_unit_unknown_without_a_finding(tmp_path: Path) -> None:
    services = load(tmp_path, "services:\n  web:\n    image: x\n    mem_limit: ${MEM}\n")
    assert services["web"].invalid == ()
    assert services["web"].memory is None
    assert "memory" in services["web"].where


@pytest.mark.parametrize(
    "text", ["healthcheck: curl -f http://x/", "deploy: {resources: [1]}", "logging: {options: [a]}"]
)
def test_settings_of_the_wrong_shape_are_schema_problems_not_crashes(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "compose.yaml", f"services:\n  web:\n    image: x\n    {text}\n")
    project = load_compose([path], environment={})
    assert project.schema_problems


@pytest.mark.parametrize(
    ("call", "value"),
    [(parse_size, "9" * 400), (parse_size, float("inf")), (parse_duration, float("nan")),
     (parse_number, True), (parse_number, "1" * 100), (parse_integer, 1.5), (parse_integer, "0x10"),
     (parse_size, ["1g"])],
)  # fmt: skip
def test_units_refuse_with_unit_errors_only(call: object, value: object) -> None:
    with pytest.raises(UnitError):
        call(value)  # type: ignore[operator]


# --- scripts: bounded, and a script that cannot be read is a finding ----------------------------------


def test_deep_shell_nesting_leaves_the_other_docker_run_lines_checked() -> None:
    """`$(` nested 3,000 deep ran the shell walker out of Python's stack; the walk now stops at a depth
    no real script reaches, and the script's docker run lines are checked as usual."""
    script = "docker run --privileged nginx\necho " + "$(" * 3_000 + "x" + ")" * 3_000 + "\n"
    found = lint_script(script)
    assert (1, "DW710", "nginx runs privileged: root in it is root on the host") in found
    assert all(line == 1 for line, _, _ in found)


def test_a_script_over_the_shell_limit_is_one_finding() -> None:
    script = "docker run nginx\n" + "a;" * MAX_SCRIPT_CHARACTERS
    [(line, code, message)] = lint_script(script)
    assert (line, code) == (1, "DW700")
    assert message.startswith(f"more than {MAX_SCRIPT_CHARACTERS} characters of shell")


def test_a_script_that_runs_no_container_is_not_parsed() -> None:
    started = time.perf_counter()
    assert lint_script("a;" * 2 * MAX_SCRIPT_CHARACTERS) == []
    assert time.perf_counter() - started < 1


def test_a_big_script_without_a_container_engine_is_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "installer.sh"
    path.write_bytes(b"#!/bin/sh\nexit 0\n" + b"\0payload" * (MAX_FILE_BYTES // 8 + 10))
    [result] = lint_runtime_group((path,), runtime_rules(), Settings())
    assert (result.error, result.diagnostics) == (None, ())


def test_a_recursive_alias_in_a_ci_file_is_a_finding(tmp_path: Path) -> None:
    path = write(tmp_path, ".gitlab-ci.yml", "build:\n  script: &a\n    - docker run nginx\n    - *a\n")
    [result] = lint_runtime_group((path,), runtime_rules(), Settings())
    [diagnostic] = result.diagnostics
    assert diagnostic.code == "DW700"
    assert "alias *a refers to the node it is inside" in diagnostic.message


# --- end to end, through the CLI -----------------------------------------------------------------------


def dockwise(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockwise", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def test_check_reports_broken_runtime_files_and_every_other_file(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM alpine:3.19\nRUN apk add curl\n")
    write(tmp_path, "compose.yaml", "services:\n  web:\n    image: x\n    command: &a [*a]\n")
    write(tmp_path, "run.sh", "docker run --health-interval x nginx\ndocker run --privileged nginx\n")
    big = tmp_path / "other" / "compose.yaml"
    big.parent.mkdir()
    big.write_text("services:\n  web:\n    image: x\n" + "#" * MAX_FILE_BYTES, encoding="utf-8")
    run = dockwise("check", ".", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "internal error" not in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("dockwise: error: ")
    assert "too large for a Compose file" in run.stderr
    assert "compose.yaml:4:18: DW700" in run.stdout  # the alias, at its line
    assert "run.sh:1:12: DW700 [error] docker run: --health-interval: invalid duration 'x'" in run.stdout
    assert "run.sh:2:12: DW710" in run.stdout
    assert "Dockerfile:2:5: DW204" in run.stdout


def test_lint_of_a_compose_file_with_an_extends_cycle(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  web:\n    image: x\n    extends: {file: compose.yaml, service: web}\n",
    )
    run = dockwise("lint", "compose.yaml", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert run.stderr == ""
    assert "compose.yaml:4:5: DW700 [error] service 'web' extends itself: web -> web" in run.stdout
