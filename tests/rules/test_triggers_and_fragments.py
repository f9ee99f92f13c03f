"""ONBUILD triggers are linted as the instructions they become in a child build, and a file without FROM
as the body of a stage on an unknown base (DW002 only where the file's name says it is a whole Dockerfile).
"""

from __future__ import annotations

from dockwise.diagnostics import Diagnostic
from dockwise.fix import fix_text
from dockwise.lint import FRAGMENT_NOTE, dockerfile_rules, lint_text
from dockwise.suppress import parse_selectors

ALL = dockerfile_rules(select=parse_selectors(["ALL"]))


def found(text: str, path: str = "Dockerfile") -> list[tuple[str, int, int]]:
    """(code, line, column) of every finding, with every rule."""
    return [(d.code, *_position(text, d)) for d in lint_text(text, path, ALL)]


def _position(text: str, diagnostic: Diagnostic) -> tuple[int, int]:
    start = diagnostic.location.range.start  # type: ignore[union-attr]
    line = text.count("\n", 0, start) + 1
    return line, start - (text.rfind("\n", 0, start) + 1) + 1


PARENT = """\
FROM debian:12
USER 10001
ONBUILD RUN apt-get install curl
ONBUILD USER root
CMD ["app"]
"""


def test_a_trigger_is_linted_where_it_is_written() -> None:
    findings = found(PARENT)
    assert ("DW201", 3, 13) in findings  # apt-get install without -y, pointing into the ONBUILD line
    assert ("DW203", 3, 13) in findings


def test_the_same_file_without_the_trigger_had_no_such_finding() -> None:
    plain = PARENT.replace("ONBUILD RUN apt-get install curl\n", "ONBUILD RUN true\n")
    assert not [f for f in found(plain) if f[0] in ("DW201", "DW203")]


def test_a_trigger_is_not_the_stage_s_own_instruction() -> None:
    """`ONBUILD USER root` runs in the child build; this image still ends as USER 10001."""
    assert not [f for f in found(PARENT) if f[0] in ("DW301", "DW302", "DW303")]


def test_triggers_a_child_build_refuses_are_left_to_dw053() -> None:
    text = 'FROM alpine:3.20\nONBUILD FROM alpine:latest\nCMD ["sh"]\n'
    codes = [f[0] for f in found(text)]
    assert "DW053" in codes
    assert "DW101" not in codes


def test_a_fix_inside_the_trigger_is_kept_and_applies_inside_it() -> None:
    text = 'FROM debian:12\nONBUILD RUN apt-get update && apt-get install curl\nCMD ["app"]\n'
    rules = [r for r in ALL if r.code == "DW201"]
    assert [d.fix is not None for d in lint_text(text, "Dockerfile", rules)] == [True]
    fixed = fix_text(text, lambda current: lint_text(current, "Dockerfile", rules)).text
    assert fixed == text.replace("apt-get install curl", "apt-get install -y curl")


def test_a_fix_that_would_leave_the_trigger_is_dropped() -> None:
    """DW603's fix adds a SHELL line before the RUN: before the inner RUN it would split the ONBUILD."""
    text = 'FROM debian:12\nONBUILD RUN curl -fsS https://example.org/x | tar -x\nCMD ["app"]\n'
    diagnostics = [d for d in lint_text(text, "Dockerfile", ALL) if d.code == "DW603"]
    assert diagnostics
    assert all(d.fix is None for d in diagnostics)


def test_a_pragma_above_the_onbuild_covers_its_trigger() -> None:
    text = 'FROM debian:12\n# hadolint ignore=DL3014\nONBUILD RUN apt-get install curl\nCMD ["app"]\n'
    assert "DW201" not in [f[0] for f in found(text)]


FRAGMENT = """\
RUN apt-get install curl
COPY app.py .
CMD python app.py
"""


def test_a_template_without_from_is_linted_as_a_stage_body_and_says_so_once() -> None:
    diagnostics = lint_text(FRAGMENT, "Dockerfile.template", ALL)
    codes = [d.code for d in diagnostics]
    assert "DW002" not in codes
    assert {"DW201", "DW401"} <= set(codes)
    assert [d.code for d in diagnostics if FRAGMENT_NOTE in d.notes] == [diagnostics[0].code]
    assert sum(FRAGMENT_NOTE in d.notes for d in diagnostics) == 1


def test_absence_rules_stay_quiet_on_a_template() -> None:
    """The WORKDIR, USER and variables may well be in the part the template goes into."""
    codes = [d.code for d in lint_text(FRAGMENT + "RUN echo $APP_HOME\n", "base.partial", ALL)]
    assert not {"DW301", "DW571", "DW055"} & set(codes)


def test_a_file_named_dockerfile_without_from_is_dw002_once_and_still_linted() -> None:
    diagnostics = lint_text(FRAGMENT, "Dockerfile", ALL)
    problems = [d for d in diagnostics if d.code == "DW002"]
    assert len(problems) == 1
    assert "no FROM" in problems[0].message
    assert {"DW201", "DW571"} <= {d.code for d in diagnostics}
    assert not any(FRAGMENT_NOTE in d.notes for d in diagnostics)


def test_global_args_alone_are_no_fragment() -> None:
    assert lint_text("ARG VERSION=1\n", "Dockerfile", ALL) == []


def test_which_names_are_whole_dockerfiles() -> None:
    from dockwise.discovery import is_whole_dockerfile_name

    for name in ("Dockerfile", "api.Dockerfile", "Containerfile", "dir/Dockerfile.dev", "<stdin>", None):
        assert is_whole_dockerfile_name(name), name
    fragments = ("Dockerfile.template", "Dockerfile-template", "Dockerfile.in", "docker/base.part", "x.txt")
    for name in (*fragments, "Dockerfile.j2", "Dockerfile.partial.dev"):
        assert not is_whole_dockerfile_name(name), name


def test_positions_inside_a_trigger_are_read_from_the_whole_line() -> None:
    """The trigger's spans index the ONBUILD's logical line: rules that slice or search it point right."""
    text = 'FROM alpine:3.20\nONBUILD EXPOSE 80800\nONBUILD LABEL Bad=1\nCMD ["x"]\n'
    findings = found(text)
    assert ("DW560", 2, 16) in findings
    assert ("DW056", 3, 15) in findings
    from dockwise.dockerfile import parse

    trigger = parse(text).instructions[2].onbuild
    assert trigger is not None
    start, end = trigger.arguments_span
    assert trigger.line[start:end] == "Bad=1"
