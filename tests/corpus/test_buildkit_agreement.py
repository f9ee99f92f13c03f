"""Every corpus Dockerfile round-trips and agrees with BuildKit's own parser (the `dockerfile` package).

BuildKit's parser is reached through the `dockerfile` PyPI package, which wraps its Go code. Two quirks of
that wrapper (not of BuildKit) are allowed for: it passes strings through C, so text is cut at a NUL
character, and it does not report the heredocs of an ONBUILD's inner instruction.
"""

from __future__ import annotations

from typing import Any

import pytest

import dockerfile
from dockwise.dockerfile import Instruction, parse
from tests.conftest import SUMMARY_LINES, corpus_dockerfiles, read_text

pytestmark = pytest.mark.corpus


def buildkit_view(command: Any) -> dict[str, object]:
    view: dict[str, object] = {
        "keyword": command.cmd.upper(),
        "lines": (command.start_line, command.end_line),
        "exec_form": command.json,
        "flags": tuple(command.flags),
        "arguments": tuple(command.value),
    }
    if command.cmd.upper() == "ONBUILD":
        view["inner"] = command.sub_cmd.upper() if command.sub_cmd else None
    else:
        view["heredocs"] = tuple((h.name, h.content) for h in command.heredocs)
    return view


def dockwise_view(instruction: Instruction) -> dict[str, object]:
    view: dict[str, object] = {
        "keyword": instruction.keyword,
        "lines": (instruction.start_line, instruction.end_line),
        "exec_form": instruction.is_exec_form,
        "flags": instruction.flags,
        "arguments": tuple(argument.split("\x00")[0] for argument in instruction.arguments),
    }
    if instruction.keyword == "ONBUILD":
        view["inner"] = instruction.onbuild.keyword if instruction.onbuild else None
    else:
        view["heredocs"] = tuple((h.name, h.content) for h in instruction.heredocs)
    return view


def test_every_corpus_dockerfile_round_trips_and_agrees_with_buildkit() -> None:
    files = corpus_dockerfiles()
    disagreements: list[str] = []
    instructions = 0
    for path in files:
        text = read_text(path)
        ours = parse(text, str(path))
        if ours.render() != text:
            disagreements.append(f"{path}: render() differs from the input")
            continue
        theirs = dockerfile.parse_string(text)
        ours_view = [dockwise_view(i) for i in ours.instructions]
        theirs_view = [buildkit_view(c) for c in theirs]
        instructions += len(ours_view)
        if ours_view != theirs_view:
            for mine, buildkit in zip(ours_view, theirs_view, strict=False):
                if mine != buildkit:
                    disagreements.append(f"{path}: dockwise {mine} != BuildKit {buildkit}")
                    break
            else:
                disagreements.append(f"{path}: {len(ours_view)} instructions, BuildKit {len(theirs_view)}")
    SUMMARY_LINES.append(
        f"BuildKit agreement: {len(files)} corpus Dockerfiles, {instructions} instructions checked, "
        f"{len(disagreements)} disagreements"
    )
    assert len(files) >= 4000, "the corpus should hold the 4,264 Dockerfiles of ../shared/corpus"
    assert not disagreements, "\n".join(disagreements[:20])
