"""Talking to a real Docker Engine; `dockwise.engine.buildkit` finds a client that builds with BuildKit."""

from __future__ import annotations
