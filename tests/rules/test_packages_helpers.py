"""The command-line reading the package-manager rules share (`dockwise.rules.dockerfile.packages`)."""

from __future__ import annotations

import pytest

from dockwise.dockerfile import parse
from dockwise.dockerfile.shell import ShellCommand
from dockwise.rules import DockerfileContext
from dockwise.rules.dockerfile.packages import (
    APT_OPTIONS_WITH_VALUE,
    PIP_OPTIONS_WITH_VALUE,
    _covers,
    arguments_after,
    environment,
    has_option,
    operands,
    option_value,
    pip_install_arguments,
    subcommand,
)


def _context(run: str, before: str = "") -> DockerfileContext:
    return DockerfileContext("Dockerfile", parse(f"FROM debian:bookworm-slim\n{before}RUN {run}\n"))


def command(run: str) -> ShellCommand:
    """The first command of `RUN <run>`."""
    context = _context(run)
    return context.run_commands(context.dockerfile.instructions[-1])[0]


def test_operands_skip_option_values_and_keep_variables() -> None:
    words = operands(command("apt-get -t bookworm -y install curl $PKGS").arguments, APT_OPTIONS_WITH_VALUE)
    assert [(w.text, w.value) for w in words] == [("install", "install"), ("curl", "curl"), ("$PKGS", None)]


def test_operands_after_double_dash_are_all_operands() -> None:
    assert [w.value for w in operands(command("tool run -- -x y").arguments)] == ["run", "-x", "y"]


def test_subcommand_is_the_first_static_operand() -> None:
    assert subcommand(command("apt-get $APT_OPTS -o Debug::X=1 install curl")) == "install"
    assert subcommand(command("apt-get --version")) is None


def test_arguments_after_only_for_the_given_subcommands() -> None:
    apk = command("apk add --no-cache --virtual .deps gcc")
    assert [w.value for w in arguments_after(apk, ("add",), {"--virtual"})] == ["gcc"]
    assert arguments_after(apk, ("del",), {"--virtual"}) == []


def test_option_value_reads_attached_and_separate_values() -> None:
    assert option_value(command("zypper in -t pattern devel"), ("-t", "--type")) == "pattern"
    assert option_value(command("zypper in --type=patch x"), ("-t", "--type")) == "patch"
    assert option_value(command("zypper in x"), ("-t", "--type")) is None


@pytest.mark.parametrize(
    ("run", "expected"),
    [("yum -y install x", True), ("yum -qy install x", True), ("yum --assumeyes install x", True),
     ("yum --assumeyes=1 install x", True), ("yum -q install x", False), ("yum install x --yes-no", False)],
)  # fmt: skip
def test_has_option_reads_long_options_and_short_clusters(run: str, expected: bool) -> None:
    assert has_option(command(run), ("--assumeyes",), "y") is expected


def test_pip_install_arguments_for_every_spelling() -> None:
    for run in ("pip install a", "pip3.12 install a", "python3 -m pip install a", "uv pip install a"):
        words = pip_install_arguments(command(run)) or []
        assert [w.value for w in words] == ["a"], run
    assert pip_install_arguments(command("pip freeze")) is None
    assert pip_install_arguments(command("python3 -m venv install")) is None
    words = pip_install_arguments(command("pip install --index-url https://x -r req.txt b")) or []
    assert [w.value for w in words] == ["b"]
    assert "--index-url" in PIP_OPTIONS_WITH_VALUE


def test_environment_adds_the_command_s_own_assignments() -> None:
    context = _context("UV_NO_CACHE=1 CC='gcc -O2' uv sync", before="ENV UV_CACHE_DIR=/tmp/uv\n")
    run = context.dockerfile.instructions[-1]
    variables = environment(context, run, context.run_commands(run)[0])
    assert variables["UV_NO_CACHE"] == "1"
    assert variables["CC"] == "gcc -O2"
    assert variables["UV_CACHE_DIR"] == "/tmp/uv"


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ("/root/.npm", ".npm", True),
        ("~/.npm/_cacache", ".npm", True),
        ("$HOME/.npm", ".npm", True),
        (".npmrc", ".npm", False),
        ("/root/.cache", ".cache/yarn", True),  # a parent
        ("/usr/local/share/.cache/yarn/v6", ".cache/yarn", True),
        ("/var/cache/*", "/var/cache/yum", True),
        ("/var/cache/yumx", "/var/cache/yum", False),
        ('"$CARGO_HOME/registry"', "$CARGO_HOME/registry", True),
        ("/", "/var/cache/yum", False),
        ("-rf", "/var/cache/yum", False),
    ],
)
def test_covers_a_cache_itself_inside_or_a_parent(text: str, path: str, expected: bool) -> None:
    assert _covers(text, path) is expected
