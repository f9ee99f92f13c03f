"""What `dockwise fix` tells the user: per file what was (or would be) fixed, and a total."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dockwise.diagnostics import Applicability
from dockwise.fix.files import FileFix


def render_fixes(results: Sequence[FileFix], *, written: bool, runtime_remaining: int = 0) -> str:
    """What was (or would be) fixed per file, and a total; `runtime_remaining` counts the findings of
    Compose files and `docker run` lines, which `fix` does not rewrite (`--harden` does, for Compose)."""
    lines = []
    applied = 0
    changed_files = 0
    remaining = 0
    unsafe_waiting = 0
    for result in results:
        if result.error:
            lines.append(f"dockwise: error: {result.path}: {result.error}")
            continue
        outcome = result.outcome
        if outcome is None:
            continue
        lines.extend(f"dockwise: warning: {result.path}: {note}" for note in result.notes)
        for broken in outcome.broken:
            lines.append(
                f"dockwise: warning: {result.path}: the fix {broken.title!r} of {broken.code} would leave a "
                "file that does not parse, so it was not applied (a dockwise bug: please report it)"
            )
        remaining += len(outcome.remaining)
        unsafe_waiting += sum(
            1 for d in outcome.remaining if d.fix and d.fix.applicability is Applicability.UNSAFE
        )
        if not outcome.changed:
            continue
        changed_files += 1
        applied += len(outcome.applied)
        counts = Counter(f"{fix.code} {fix.title}" for fix in outcome.applied)
        what = ", ".join(f"{name} (x{count})" if count > 1 else name for name, count in counts.items())
        lines.append(f"{'Fixed' if written else 'Would fix'} {result.path}: {what}")
    verb = "applied" if written else "would be applied"
    total = f"{applied} fix{'es' if applied != 1 else ''} {verb} in {changed_files} file"
    total += "s" if changed_files != 1 else ""
    remaining += runtime_remaining
    total += f"; {remaining} finding{'s' if remaining != 1 else ''} remain"
    notes = []
    if unsafe_waiting:
        notes.append(f"{unsafe_waiting} fixable with --unsafe-fixes")
    if runtime_remaining:
        notes.append(f"{runtime_remaining} in Compose files and docker run lines: see dockwise check")
    if notes:
        total += f" ({'; '.join(notes)})"
    lines.append(total + ".")
    return "".join(line + "\n" for line in lines)
