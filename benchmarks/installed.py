"""A regular install of this checkout (`pip install .`) in a throwaway virtualenv, for the benchmarks that
time the `dockwise` command as users get it: the editable install that `scripts/test` makes adds an import
hook that doubles a one-file cold start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def regular_install(folder: Path) -> Path:
    """The Python of a virtualenv under `folder` with this checkout installed (made once per folder)."""
    python = folder / "venv" / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True)
        command = [str(python), "-m", "pip", "install", "--quiet", str(REPO_ROOT)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"pip install {REPO_ROOT} failed:\n{done.stderr}")
    return python
