"""Fuzzing the Compose loader and the `docker run` reader: whatever the input, it ends in a result or a
`DockwiseError` (the loaders), or in findings (the runtime lint the CLI runs), within a time bound; never
in another exception.

Inputs come from hypothesis strategies (Compose-shaped documents, YAML-shaped text with anchors, merge
keys and tags, `docker run` lines with good and bad values) and from mutations of the real Compose files
and the `docker run` lines in Dockerfile comments of ../shared/corpus. `DOCKWISE_FUZZ_EXAMPLES` sets the
examples per test: CI runs a small, derandomised budget; set it (e.g. 5000) to fuzz for real locally.
Every input that found a bug is kept under `seeds/runspec/` and replayed by `test_seeds_replay`.
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.config import Settings
from dockwise.errors import DockwiseError
from dockwise.lint import FileResult
from dockwise.rules.runtime._base import RunSpecRule
from dockwise.runspec.compose import load_compose
from dockwise.runspec.docker_run import is_docker_run, runspec_of
from dockwise.runtime_lint import lint_runtime_group, lint_script_text, runtime_rules
from tests.conftest import corpus_manifest, read_text, require_shared

SEEDS = Path(__file__).parent / "seeds" / "runspec"
LOCAL = "DOCKWISE_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("DOCKWISE_FUZZ_EXAMPLES", "50"))
TIME_BOUND = 10.0
"""Seconds for one input: the inputs are small, so only a hang or a blow-up takes this long."""
ENVIRONMENT = {"A": "1", "EMPTY": "", "PORT": "8080", "MEM": "lots"}

FUZZ = settings(
    settings(database=None) if not LOCAL else settings(),
    max_examples=EXAMPLES,
    deadline=None,
    # CI: the same examples every run, nothing saved; locally: new ones every run, failures remembered.
    derandomize=not LOCAL,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@cache
def rules() -> list[RunSpecRule]:
    return runtime_rules()


@contextmanager
def bounded(what: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_BOUND, f"{what} took {elapsed:.1f} s"


def check_compose_file(path: Path) -> list[FileResult]:
    """The property for a Compose file: the loader gives a project or a DockwiseError, and the runtime
    lint (what `dockwise lint`/`check` run) gives results, never an exception, each in bounded time."""
    with bounded(f"loading {path.name}"):
        try:
            load_compose([path], environment=ENVIRONMENT)
        except DockwiseError as error:
            assert str(error).strip()
    with bounded(f"linting {path.name}"):
        results = lint_runtime_group((path,), rules(), Settings())
    assert results
    assert all(result.error or result.text is not None for result in results)
    return results


def check_compose_text(text: str, name: str = "compose.yaml") -> list[FileResult]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        return check_compose_file(path)


def check_script(text: str) -> None:
    """The property for a script: every `docker run` reads into a RunSpec or a DockwiseError, and the
    runtime lint of the whole script gives findings, never an exception."""
    from dockwise.dockerfile.shell import script_commands

    with bounded("linting a script"):
        lint_script_text(text, "fuzz.sh", rules())
    with bounded("reading docker run lines"):
        try:
            commands = script_commands(text)
        except RecursionError:
            return  # the lint above reports it (DW700); the shell parser is not this test's subject
        for command in commands:
            if is_docker_run(command):
                try:
                    runspec_of(command, "fuzz.sh")
                except DockwiseError as error:
                    assert str(error).strip()


# --- strategies ---------------------------------------------------------------------------------------

SERVICE_KEYS = [
    "image", "command", "entrypoint", "user", "read_only", "privileged", "init", "cap_add", "cap_drop",
    "security_opt", "mem_limit", "memswap_limit", "cpus", "pids_limit", "stop_grace_period", "stop_signal",
    "network_mode", "networks", "ports", "volumes", "tmpfs", "environment", "ulimits", "logging",
    "healthcheck", "deploy", "extends", "restart", "secrets", "pid", "ipc", "uts", "userns_mode", "labels",
    "build", "depends_on", "env_file", "expose", "resources", "limits", "memory", "pids", "options",
    "driver", "test", "interval", "timeout", "retries", "start_period", "disable", "file", "service",
    "target", "published", "host_ip", "protocol", "source", "type", "soft", "hard", "condition",
]  # fmt: skip
UNIT_VALUES = [
    "512m", "1g", "1.5G", "lots", "-1", "0", "", " ", "1e400", "99999999999999999999999", "1m30s", "10",
    "500ms", "1h1m1s1ms", ".5s", "x", "nan", "inf", "-5m", "80:80", "127.0.0.1:80:80/udp", "[::1]:53:53",
    "80-90:80-90", ":::", "a:b:c:d", "/host:/container:ro", "type=bind,source=/x,target=/y", "NET_ADMIN",
    "ALL", "no-new-privileges:true", "host", "none", "container:db", "service:db", "CMD-SHELL", "NONE",
    "${A}", "${A:-1}", "${UNSET:-${A}}", "${UNSET?oops}", "${UNSET:?}", "$$", "$", "${", "${}", "${A",
    "${A:-${B:-${C}}}", "$A$B", "\\", "'", '"', "a b 'c d' \"e\\\"f\"", "é", "\x00", "\t",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.sampled_from(UNIT_VALUES),
    st.text(alphabet="ab09:/.-_=${}?+!&*<> '\"\\\n", max_size=20),
)
keys = st.one_of(st.sampled_from(SERVICE_KEYS), st.text(alphabet="abx-_.", min_size=1, max_size=6))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=25,
)
service_names = st.sampled_from(["web", "db", "api", "a", "b", "x-y"])
services = st.dictionaries(
    service_names, st.one_of(st.dictionaries(keys, values, max_size=8), values), max_size=4
)
compose_documents = st.fixed_dictionaries(
    {"services": st.one_of(services, values)},
    optional={
        "networks": values,
        "volumes": values,
        "x-defaults": values,
        "version": scalars,
        "name": scalars,
    },
)


def dumped(document: object) -> str:
    return str(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))


#: Lines that make YAML-shaped text with anchors, aliases, merge keys and Compose's tags.
YAML_LINES = [
    "services:", "  web:", "  db:", "    image: x", "    extends: web", "    extends: {service: db}",
    "    extends: {file: compose.yaml, service: web}", "    <<: *a", "    <<: [*a, *b]", "  web: &a",
    "  db: &b", "    labels: &a", "    labels: *a", "    labels: [*a]", "    x: &a [*a]", "    x: &b {k: *b}",
    "      k: *a", "      - *a", "      - &a v", "x-a: &a {image: y}", "x-b: &b [1, 2]",
    "    ports: !reset []",
    "    ports: !override [\"80:80\"]", "    command: !reset", "    mem_limit: ${MEM}", "    cpus: .inf",
    "    pids_limit: .nan", "    healthcheck: {interval: x, retries: y}", "    healthcheck: x",
    "    deploy: {resources: [1]}", "    environment: [A=1, B]", "    environment: {A: 1}", "    ? [a, b]",
    "    : c", "---", "...", "%YAML 1.1", "    key: 2001-99-99", "    key: 0x1F", "    key: 1_000",
    "    key: !!binary aGVsbG8=", "    key: !!python/object x", "    key: !custom v", "- a", "  - b", "",
]  # fmt: skip
yaml_like = st.lists(st.sampled_from(YAML_LINES), max_size=25).map("\n".join)

#: Pieces inserted by the corpus mutations.
TOKENS = [
    "&a ", "*a", "<<: *a", "[*a]", "!reset ", "!override ", "${", "}", "${A:-", "$$", ":", ": ", "- ", "\n",
    "\n  ", "[", "]", "{", "}", ",", "'", '"', "\\", "\t", "#", "? ", "|", ">", "~", "null", "1e400", ".inf",
    "extends: web", "0x", "\ufeff", "\x85",
]  # fmt: skip


def mutate(text: str, data: st.DataObject) -> str:
    """A few edits of `text`: spans deleted, duplicated or moved, tokens inserted, lines swapped."""
    for _ in range(data.draw(st.integers(min_value=1, max_value=6), label="edits")):
        if not text:
            break
        start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
        length = data.draw(st.integers(min_value=0, max_value=min(200, len(text) - start)))
        kind = data.draw(st.sampled_from(["delete", "duplicate", "insert", "move", "lines"]))
        if kind == "delete":
            text = text[:start] + text[start + length :]
        elif kind == "duplicate":
            text = text[: start + length] + text[start : start + length] + text[start + length :]
        elif kind == "insert":
            text = text[:start] + data.draw(st.sampled_from(TOKENS)) + text[start:]
        elif kind == "move":
            piece, rest = text[start : start + length], text[:start] + text[start + length :]
            where = data.draw(st.integers(min_value=0, max_value=len(rest)))
            text = rest[:where] + piece + rest[where:]
        else:
            lines = text.split("\n")
            first = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
            second = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[first], lines[second] = lines[second], lines[first]
            text = "\n".join(lines)
    return text


#: Long flags of `docker run` and values, good and bad, for the ones with units or numbers.
FLAGS_WITH_VALUES = [
    "--memory", "-m", "--memory-swap", "--cpus", "--pids-limit", "--stop-timeout", "--health-interval",
    "--health-timeout", "--health-retries", "--health-start-period", "--health-cmd", "--publish", "-p",
    "--volume", "-v", "--mount", "--tmpfs", "--ulimit", "--log-opt", "--log-driver", "--network", "--net",
    "--env", "-e", "--user", "-u", "--name", "--restart", "--security-opt", "--cap-add", "--cap-drop",
    "--stop-signal", "--entrypoint", "--pid", "--ipc", "--uts", "--userns", "-w", "--label", "-c",
]  # fmt: skip
BOOLEAN_FLAGS = [
    "-d", "-it", "-dit", "-P", "--rm", "--read-only", "--privileged", "--init", "--no-healthcheck",
    "--read-only=false", "--privileged=0", "-q", "-x", "--", "-",
]  # fmt: skip
flag_values = st.one_of(st.sampled_from(UNIT_VALUES), st.text(alphabet="0123456789.:/-=kmgsx$ ", max_size=12))


@st.composite
def docker_run_lines(draw: st.DrawFn) -> str:
    words = [draw(st.sampled_from(["docker run", "docker container run", "docker create", "podman run",
                                   "docker -H tcp://x run", "docker --debug run"]))]  # fmt: skip
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        if draw(st.booleans()):
            flag, value = draw(st.sampled_from(FLAGS_WITH_VALUES)), draw(flag_values)
            joined = draw(st.sampled_from(["{} {}", "{}={}", "{}{}"]))
            quoted = shlex.quote(value) if draw(st.booleans()) else value
            words.append(joined.format(flag, quoted))
        else:
            words.append(draw(st.sampled_from(BOOLEAN_FLAGS)))
    if draw(st.booleans()):
        words.append(
            draw(st.sampled_from(["nginx", "$IMAGE", '"${IMAGE:-x}"', "registry:5000/a/b:1@sha256:00"]))
        )
        words.extend(
            draw(st.lists(st.sampled_from(["sh", "-c", "'a b'", "$(x)", "--memory", "1g"]), max_size=3))
        )
    return " ".join(words)


scripts = st.lists(
    st.one_of(docker_run_lines(), st.sampled_from(["echo hi", "if a; then", "fi", "cat <<EOF", "EOF", "\\"])),
    max_size=6,
).flatmap(lambda lines: st.sampled_from(["\n", " && ", " | ", "; "]).map(lambda sep: sep.join(lines)))


# --- the tests ----------------------------------------------------------------------------------------


@FUZZ
@given(compose_documents)
def test_compose_shaped_documents(document: dict[str, object]) -> None:
    check_compose_text(dumped(document))


@FUZZ
@given(st.one_of(yaml_like, st.text(max_size=300)))
def test_yaml_shaped_text(text: str) -> None:
    check_compose_text(text)
    check_compose_text(text, ".gitlab-ci.yml")  # the CI-file reader composes YAML too


@FUZZ
@given(scripts)
def test_docker_run_lines(script: str) -> None:
    check_script(script)


@cache
def corpus_compose_texts() -> tuple[str, ...]:
    root = require_shared("corpus")
    return tuple(read_text(root / row["local_path"]) for row in corpus_manifest() if row["kind"] == "compose")


@cache
def corpus_docker_run_lines() -> tuple[str, ...]:
    """The `docker run` lines written in comments of the corpus Dockerfiles (real usage notes)."""
    found: list[str] = []
    for path in sorted(require_shared("corpus/dockerfiles").rglob("*")):
        if path.is_file():
            found.extend(
                match.group(1)
                for match in re.finditer(r"^\s*#\s*(.*\bdocker\s+run\b.*)$", read_text(path), re.MULTILINE)
            )
    return tuple(found)


@pytest.mark.corpus
@FUZZ
@given(st.data())
def test_mutated_corpus_compose_files(data: st.DataObject) -> None:
    texts = corpus_compose_texts()
    text = texts[data.draw(st.integers(min_value=0, max_value=len(texts) - 1), label="corpus file")]
    check_compose_text(mutate(text, data))


@pytest.mark.corpus
@FUZZ
@given(st.data())
def test_mutated_corpus_docker_run_lines(data: st.DataObject) -> None:
    lines = corpus_docker_run_lines()
    assert lines, "the corpus Dockerfiles document docker run lines in their comments"
    chosen = data.draw(st.lists(st.sampled_from(lines), min_size=1, max_size=4), label="corpus lines")
    check_script(mutate("\n".join(chosen), data))


def seed_files() -> list[Path]:
    return sorted(path for path in SEEDS.iterdir() if path.is_file() and path.suffix != ".md")


@pytest.mark.parametrize("seed", seed_files(), ids=lambda path: path.name)
def test_seeds_replay(seed: Path) -> None:
    """Every input that once found a bug (see seeds/runspec/README.md) still holds the property."""
    if seed.suffix == ".sh":
        check_script(read_text(seed))
    elif seed.name.endswith(".gitlab-ci.yml"):
        check_compose_text(read_text(seed), ".gitlab-ci.yml")
    else:
        check_compose_file(seed)  # in place: some seeds name themselves or each other in `extends`
