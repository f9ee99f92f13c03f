"""Prove the rewrites and the hardening dockwise offers for the shipped examples, on the local engine.

For each folder of `examples/`, in a copy: `dockwise fix --multi-stage` rewrites its Dockerfile onto
local distroless-like bases, `dockwise verify --compare` builds and runs both and measures the reduction,
`dockwise verify --learn` learns the Compose service's least-privilege profile, and `dockwise fix --harden
--profile` writes it into the Compose file. With `--write-readmes` the figures go into each example's
README (between `<!-- dockwise:proof -->` markers); without, they are printed.

This machine has no registry and no internet beyond package mirrors, so the copy gets local stand-ins,
each listed in the README section: the toolchain image `scripts/engine-setup` builds (Debian's Go, Python,
Node and compilers, like golang:/python:/node:) for the official bases; a local file for a download from
GitHub; the Python requirements as wheels fetched on this machine beforehand (pip inside the build has
no route to PyPI), and `PIP_BREAK_SYSTEM_PACKAGES=1` because Debian's Python, unlike python:3.12, refuses
installs outside a virtualenv. The examples themselves are not changed.

    python scripts/prove_examples.py [--write-readmes] [--only NAME]   # after `bash scripts/engine-setup`
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
TOOLCHAIN = "dockwise-test/toolchain:bookworm"
RUNTIME_BASES = (
    "go=dockwise-test/static:bookworm",
    "python=dockwise-test/python3:bookworm",
    "node=dockwise-test/nodejs:bookworm",
)
SERVICES = {"go-service": "service", "python-app": "web", "node-api": "api"}
BEGIN, END = "<!-- dockwise:proof -->", "<!-- /dockwise:proof -->"


@dataclass
class Proof:
    """What one example's proof measured, as the commands printed it."""

    name: str
    stand_ins: list[str]
    rewrite_diff: str
    compare_text: str
    compare: dict[str, object]
    learn_text: str
    learn: dict[str, object]
    harden_diff: str

    def markdown(self) -> str:
        today = datetime.date.today().isoformat()
        size = self.compare.get("size") or {}
        assert isinstance(size, dict)
        lines = [
            BEGIN,
            "## Proven on the engine",
            "",
            f"Measured {today} by `python scripts/prove_examples.py` on the local engine (see",
            "`scripts/engine-setup`), in a copy of this folder with these local stand-ins (there is no",
            "registry here):",
            "",
            *(f"- {stand_in}" for stand_in in self.stand_ins),
            "",
            f"`dockwise fix --multi-stage` ({size.get('reduction_percent', 0):.1f}% smaller, every probe kept"
            " or improved; `dockwise verify --compare Dockerfile Dockerfile.rewritten`):",
            "",
            "```diff",
            self.rewrite_diff.rstrip(),
            "```",
            "",
            "```text",
            self.compare_text.rstrip(),
            "```",
            "",
            f"The least-privilege profile of the `{SERVICES[self.name]}` service, learned from runs",
            f"(`dockwise verify --learn --compose compose.yaml --service {SERVICES[self.name]} "
            "--save-profile learned.json`):",
            "",
            "```text",
            self.learn_text.rstrip(),
            "```",
            "",
            "and written into `compose.yaml` by `dockwise fix --harden --profile learned.json`:",
            "",
            "```diff",
            self.harden_diff.rstrip(),
            "```",
            END,
        ]
        return "\n".join(lines) + "\n"


def dockwise(folder: Path, *arguments: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "dockwise", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if completed.returncode not in ok:
        raise SystemExit(
            f"dockwise {' '.join(arguments)} in {folder} exited {completed.returncode}:\n"
            f"{completed.stdout}{completed.stderr}"
        )
    return completed


def stand_in(folder: Path) -> list[str]:
    """Make the copy buildable here; return what was replaced, in words for the README."""
    dockerfile = folder / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    said = []
    base = re.search(r"^FROM (\S+)", text, re.MULTILINE)
    assert base is not None, f"{dockerfile} has no FROM"
    requirements = folder / "requirements.txt"
    if requirements.is_file():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:",
             "-d", str(folder / "wheels"), "-r", str(requirements)],
            check=True,
            timeout=600,
        )  # fmt: skip
        # pip reads options from the file, and a relative --find-links from the file's own folder
        requirements.write_text(
            "--no-index\n--find-links wheels\n" + requirements.read_text(encoding="utf-8"), encoding="utf-8"
        )
        said.append(
            "the requirements as wheels downloaded on this machine into `wheels/` (`--no-index` and "
            "`--find-links wheels` at the top of `requirements.txt`)"
        )
    text = text.replace(base.group(0), f"FROM {TOOLCHAIN}", 1)
    said.insert(
        0,
        f"`FROM {base.group(1)}` became `FROM {TOOLCHAIN}`: Debian's Go, Python, Node.js and C toolchains "
        "(1.2 GB), with `PIP_BREAK_SYSTEM_PACKAGES=1` as python:3.12 behaves",
    )
    for url, target in re.findall(r"^ADD (https://\S+) (\S+)$", text, re.MULTILINE):
        local = Path(url).name
        (folder / local).write_text(f"(stands in for {url})\n", encoding="utf-8")
        text = text.replace(f"ADD {url} {target}", f"COPY {local} {target}")
        said.append(f"`ADD {url}` became a local file")
    dockerfile.write_text(text, encoding="utf-8")
    return said


def prove(example: Path, work: Path) -> Proof:
    folder = work / example.name
    shutil.copytree(example, folder)
    said = stand_in(folder)
    shutil.copyfile(folder / "Dockerfile", folder / "Dockerfile.rewritten")
    bases = [argument for base in RUNTIME_BASES for argument in ("--runtime-base", base)]
    rewrite = dockwise(folder, "fix", "--multi-stage", *bases, "--diff", "Dockerfile.rewritten", ok=(0, 1))
    dockwise(folder, "fix", "--multi-stage", *bases, "Dockerfile.rewritten")
    # one comparison for both reports (the command line prints one format a run)
    from dockwise.verify.compare import CompareOptions, compare
    from dockwise.verify.compare_report import render_json, render_text

    options = CompareOptions(folder / "Dockerfile", folder / "Dockerfile.rewritten", cold_build=False)
    report = compare(options)
    compare_text = render_text(report).replace(str(folder) + "/", "")
    compare_document = json.loads(render_json(report))
    service = SERVICES[example.name]
    learn_arguments = ("verify", "--learn", "--compose", "compose.yaml", "--service", service)
    learn_text = dockwise(
        folder, *learn_arguments, "--no-cold-build", "--save-profile", "learned.json"
    ).stdout
    learned = (folder / "learned.json").read_text(encoding="utf-8")
    harden = dockwise(
        folder, "fix", "--harden", "--profile", "learned.json", "--diff", "compose.yaml", ok=(0, 1)
    )
    return Proof(
        example.name, said, rewrite.stdout, compare_text, compare_document, learn_text, json.loads(learned),
        harden.stdout,
    )  # fmt: skip


def write_readme(example: Path, proof: Proof) -> None:
    readme = example / "README.md"
    text = readme.read_text(encoding="utf-8")
    section = proof.markdown()
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write-readmes", action="store_true")
    parser.add_argument("--only", choices=sorted(SERVICES))
    arguments = parser.parse_args(argv)
    names = [arguments.only] if arguments.only else sorted(SERVICES)
    with tempfile.TemporaryDirectory(prefix="dockwise-proof-") as work:
        for name in names:
            proof = prove(EXAMPLES / name, Path(work))
            if arguments.write_readmes:
                write_readme(EXAMPLES / name, proof)
                print(f"{name}: README updated")
            else:
                print(proof.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
