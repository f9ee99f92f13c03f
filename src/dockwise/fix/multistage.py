"""`dockwise fix --multi-stage`: a single-stage Dockerfile that builds in the shipped image becomes a builder
stage (the original, named `build`) and a runtime stage that copies only what the program needs.

The rewrite is a few insertions into the original text: ` AS build` on its FROM, the virtualenv lines of a
Python build, a prune of Node's dev dependencies, and the runtime stage at the end. The builder keeps its
FROM, its steps and even its CMD as written, so the diff is small and reviewable. The runtime stage copies
the artefact from the same path it had in the builder, so the command's paths keep working.

What cannot be proven from the Dockerfile (a Go binary that may link libc, packages the program may need
at run time, a USER the runtime base may not define) becomes a note; what would give a broken image (a
RUN after the build that writes elsewhere, native modules on musl, an artefact path dockwise cannot tell)
is a refusal with its reason, and the file is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dockwise.diagnostics import Applicability, Edit, Fix, TextRange
from dockwise.dockerfile.tree import Dockerfile
from dockwise.fix.multistage_stage import Refused

TITLE = "Rewrite into a builder stage and a minimal runtime stage"


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The outcome for one Dockerfile: the rewritten text, or the original and why it was not rewritten.

    `status`: "rewritten", "refused" or "unchanged" (already multi-stage: nothing to do)."""

    status: str
    text: str
    ecosystem: str | None = None
    runtime_base: str | None = None
    notes: tuple[str, ...] = ()
    """What the rewrite could not prove: each a sentence the user should check."""
    reason: str | None = None
    """Why it refused, or why nothing was done."""
    edit: Edit | None = None
    """The rewrite as one edit of the original: from the end of its FROM line to the end of the file."""

    def fix(self) -> Fix | None:
        """The rewrite as an unsafe fix (DW151 offers it), or None when there is none.

        One edit over the whole stage, so that the fix engine applies the other fixes of the round (a USER
        for the old final stage, cache mounts) only afterwards, to the builder as it then is."""
        if self.edit is None:
            return None
        return Fix(TITLE, (self.edit,), Applicability.UNSAFE)


def rewrite_text(
    text: str, bases: Mapping[str, str] | None = None, context_dir: Path | None = None
) -> Rewrite:
    """Rewrite a Dockerfile's text (see the module docstring); never raises for a Dockerfile it dislikes."""
    from dockwise.dockerfile import parse

    return rewrite(parse(text), bases or {}, context_dir)


def rewrite(dockerfile: Dockerfile, bases: Mapping[str, str], context_dir: Path | None) -> Rewrite:
    """The rewrite of a parsed Dockerfile (see `rewrite_text`)."""
    from dockwise.fix.engine import apply_fixes
    from dockwise.fix.multistage_builds import Planner

    original = dockerfile.render()
    build = dockerfile.build
    if len(build.stages) != 1 or build.references:
        return Rewrite("unchanged", original, reason="already multi-stage: nothing to do")
    try:
        plan = Planner(build, build.stages[0], bases, context_dir).plan()
    except Refused as refusal:
        return Rewrite("refused", original, reason=str(refusal))
    text = apply_fixes(original, [Fix(TITLE, tuple(plan.edits))])
    start = build.stages[0].from_instruction.range.end
    edit = Edit(TextRange(start, len(original)), text[start:])
    return Rewrite("rewritten", text, plan.ecosystem, plan.base, tuple(plan.notes), None, edit)
