"""`dockwise fix`: apply the fixes rules attach to their diagnostics, to a fixed point, atomically."""

from __future__ import annotations

from dockwise.fix.engine import AppliedFix, FixDidNotConverge, FixOutcome, apply_fixes, fix_text

__all__ = ["AppliedFix", "FixDidNotConverge", "FixOutcome", "apply_fixes", "fix_text"]
