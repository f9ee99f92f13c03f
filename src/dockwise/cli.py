"""The `dockwise` command: parse arguments, call the library, print a report, return an exit status.

Exit status: 0 when nothing at or above `--fail-on` was found, 1 when something was, 2 for a usage error or
a path or file that could not be read (the other files are still checked). No logic lives here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dockwise import __version__
from dockwise.errors import DockwiseError

if TYPE_CHECKING:
    from dockwise.config import Settings, SettingsByFile
    from dockwise.lint import LintReport

SEVERITY_NAMES = ("error", "warning", "info", "style")


def _add_lint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="Dockerfiles, Compose files, scripts or directories to search; - reads standard input",
    )
    parser.add_argument(
        "-f",
        "--file",
        action="append",
        default=[],
        dest="compose_files",
        metavar="COMPOSE_FILE",
        help="Compose files to merge into one project, in order, as `docker compose -f a -f b` does",
    )
    parser.add_argument("--fix", action="store_true", help="apply safe fixes first, then report what remains")
    parser.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix, also apply fixes that change behaviour"
    )
    _add_selection_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github", "gitlab", "checkstyle", "junit"),
        default="text",
        help="output format",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITY_NAMES,
        default=None,
        help="lowest severity that makes the exit status 1 (default: the config's fail-on, else any finding)",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text format (auto: on a terminal, unless NO_COLOR is set)",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    parser.add_argument(
        "--statistics", action="store_true", help="print how many findings each rule has (and how many fix)"
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="report only findings that are not in this baseline (see --write-baseline)",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="FILE",
        type=Path,
        help="record today's findings in FILE and exit 0; later runs with --baseline FILE show new ones only",
    )
    parser.add_argument(
        "--target",
        choices=("compose", "swarm"),
        default=None,
        help="how Compose files are deployed (default: the config's target, else compose): findings say "
        "when a setting has no effect there",
    )


def _add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="use this config file instead of searching"
    )
    parser.add_argument("--isolated", action="store_true", help="ignore config files")
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULES",
        help="only these rules: codes (DW101), prefixes (DW1), names, categories or peer codes (DL3007)",
    )
    parser.add_argument(
        "--extend-select",
        action="append",
        default=[],
        metavar="RULES",
        help="run these rules too, besides the selection or the defaults (e.g. SC: ShellCheck)",
    )
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="RULES", help="leave out these rules"
    )


class _Version(argparse.Action):
    """`--version`: dockwise's version and the Compose schema it validates with (read only when asked)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from dockwise.runspec.schema import schema_version

        print(f"dockwise {__version__}\nCompose schema: {schema_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dockwise",
        description="Enforce the advanced Docker playbook on Dockerfiles, Compose files and images.",
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="show the versions of dockwise and its schema"
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    lint = commands.add_parser(
        "lint", help="lint Dockerfiles, Compose files and the docker run lines of scripts"
    )
    _add_lint_arguments(lint)
    check = commands.add_parser(
        "check", help="check a project: every Dockerfile, Compose file and docker run line under PATH"
    )
    _add_lint_arguments(check)
    check.add_argument(
        "--verify",
        action="store_true",
        help="also build and run each Dockerfile and Compose service found on the engine (dockwise verify)",
    )
    fix = commands.add_parser(
        "fix", help="rewrite Dockerfiles with the fixes of their findings (--harden: Compose files)"
    )
    fix.add_argument("paths", nargs="+", metavar="PATH", help="Dockerfiles or directories to search")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that change behaviour")
    fix.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    fix.add_argument("--check", action="store_true", help="write nothing; exit 1 when something would change")
    fix.add_argument(
        "--harden",
        action="store_true",
        help="add the hardened baseline to every Compose service (cap_drop ALL, no-new-privileges, "
        "read_only with tmpfs /tmp, init, memory and pids limits); changes behaviour, so try --diff first",
    )
    fix.add_argument(
        "--multi-stage",
        action="store_true",
        help="split a single-stage Dockerfile into a builder stage and a minimal runtime stage (Go, Rust, "
        "Node.js, Python, Java); changes behaviour, so try --diff first",
    )
    fix.add_argument(
        "--runtime-base",
        action="append",
        default=[],
        metavar="ECOSYSTEM=IMAGE",
        help="with --multi-stage: the runtime stage's base for an ecosystem (go, go-cgo, rust, node, python, "
        "java), over the config's [multi-stage.runtime-bases] and the distroless defaults",
    )
    fix.add_argument(
        "--format", choices=("text", "json"), default="text", help="with --multi-stage: the report's format"
    )
    fix.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="with --harden: a profile measured by `dockwise verify --learn --format json`, whose values "
        "its service gets instead of the guesses",
    )
    _add_selection_arguments(fix)
    from dockwise.commands import changed, graph, images, report, verify

    images.add_parsers(commands, _add_selection_arguments, SEVERITY_NAMES)
    verify.add_parser(commands)
    graph.add_parser(commands)
    changed.add_parser(commands)
    report.add_parser(commands, _add_selection_arguments)
    commands.add_parser(
        "lsp", help="run the language server on stdio (diagnostics, fixes and rule docs in the editor)"
    )
    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rule = commands.add_parser("rule", help="show the documentation of one rule")
    rule.add_argument("code", help="a rule code (DW001), name (invalid-syntax) or alias")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return _run(arguments)
    except DockwiseError as error:
        print(f"dockwise: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dockwise: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_pipe()
    except Exception:
        if arguments.debug:
            raise
        print(
            "dockwise: internal error, please report it with the output of --debug",
            file=sys.stderr,
        )
        return 2


def _closed_pipe() -> int:
    """`dockwise check . | head`: the reader has gone, which is no error of ours. End quietly with the status
    of a process ended by SIGPIPE (what a shell expects), and point stdout at /dev/null so that the
    interpreter's last flush at exit does not complain about the closed pipe again."""
    import os
    import signal

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no file descriptor behind stdout (captured in tests): nothing to flush
        pass
    return 128 + int(getattr(signal, "SIGPIPE", 13))


def _run(arguments: argparse.Namespace) -> int:
    if arguments.command in ("lint", "check"):
        return _lint(arguments)
    if arguments.command == "fix":
        return _fix(arguments)
    if arguments.command in ("image", "sbom", "scan", "db"):
        from dockwise.commands import images

        return images.run(arguments)
    if arguments.command == "verify":
        from dockwise.commands.verify import run_verify

        return run_verify(arguments)
    if arguments.command == "report":
        from dockwise.commands.report import run_report

        return run_report(arguments)
    if arguments.command == "changed":
        from dockwise.commands.changed import run_changed

        return run_changed(arguments)
    if arguments.command == "graph":
        from dockwise.commands.graph import run_graph

        return run_graph(arguments)
    if arguments.command == "lsp":
        from dockwise.lsp import serve

        return serve()
    if arguments.command == "rules":
        return _list_rules(arguments.format)
    return _show_rule(arguments.code)


def settings_for(arguments: argparse.Namespace) -> Settings:
    """The config file's settings (found from the first path) merged with the command line."""
    from dockwise.config import find_config, load_settings, merge_command_line
    from dockwise.suppress import parse_selectors

    config = None
    if not arguments.isolated:
        config = arguments.config or find_config(Path(_first_path(arguments)))
    return merge_command_line(
        load_settings(config),
        parse_selectors(arguments.select),
        parse_selectors(arguments.ignore),
        getattr(arguments, "fail_on", None),
        getattr(arguments, "exit_zero", False),
        parse_selectors(arguments.extend_select),
    )


def settings_by_file(arguments: argparse.Namespace) -> SettingsByFile:
    """Each file's settings: the config nearest to it (or `--config`'s, or none with `--isolated`),
    merged with the command line."""
    from dockwise.config import SettingsByFile, merge_command_line
    from dockwise.suppress import parse_selectors

    select, ignore = parse_selectors(arguments.select), parse_selectors(arguments.ignore)
    fail_on, exit_zero = getattr(arguments, "fail_on", None), getattr(arguments, "exit_zero", False)
    extend_select = parse_selectors(getattr(arguments, "extend_select", []))

    def command_line(settings: Settings) -> Settings:
        return merge_command_line(settings, select, ignore, fail_on, exit_zero, extend_select)

    fixed: Path | bool | None = None if arguments.isolated else arguments.config or False
    return SettingsByFile(command_line, fixed)


def _first_path(arguments: argparse.Namespace) -> str:
    """Where to look for the configuration: the first path (or Compose file) given."""
    candidates = [*getattr(arguments, "paths", []), *getattr(arguments, "compose_files", [])]
    first = candidates[0] if candidates else "."
    return "." if first == "-" else first


def _fix(arguments: argparse.Namespace) -> int:
    from dockwise.fix.files import fix_paths
    from dockwise.fix.report import render_fixes

    if "-" in arguments.paths:
        raise DockwiseError("fix rewrites files: give paths, not standard input")
    write = not (arguments.diff or arguments.check)
    if arguments.profile is not None and not arguments.harden:
        raise DockwiseError("--profile goes with --harden")
    if arguments.multi_stage:
        return _fix_multi_stage(arguments, write)
    if arguments.runtime_base:
        raise DockwiseError("--runtime-base goes with --multi-stage")
    runtime_remaining = 0
    if arguments.harden:
        from dockwise.fix.files import harden_paths

        results, problems = harden_paths(arguments.paths, write=write, profile=arguments.profile)
    else:
        from dockwise.discovery import discover_project
        from dockwise.fix.files import runtime_findings

        by_file = settings_by_file(arguments)
        dockerfiles, runtime = discover_project(arguments.paths)  # searched once for both
        results, problems = fix_paths(
            arguments.paths, by_file, unsafe=arguments.unsafe_fixes, write=write, found=dockerfiles
        )
        runtime_remaining = runtime_findings(runtime.files, by_file)
    if arguments.diff:
        sys.stdout.write("".join(result.diff() for result in results))
    sys.stderr.write(render_fixes(results, written=write, runtime_remaining=runtime_remaining))
    for problem in problems:
        print(f"dockwise: error: {problem}", file=sys.stderr)
    if problems or any(result.error for result in results):
        return 2
    changed = any(result.outcome and result.outcome.changed for result in results)
    return 1 if changed and not write else 0


def _fix_multi_stage(arguments: argparse.Namespace, write: bool) -> int:
    """`fix --multi-stage`: exit 1 when a file was refused (or, with --diff/--check, would change)."""
    from dockwise.fix.multistage_files import multistage_paths, render_json, render_text
    from dockwise.fix.runtime_bases import parse_runtime_base

    if arguments.harden:
        raise DockwiseError("--multi-stage and --harden rewrite different files: run them one at a time")
    bases = dict(parse_runtime_base(text) for text in arguments.runtime_base)
    results, problems = multistage_paths(arguments.paths, settings_by_file(arguments), bases, write=write)
    if arguments.format == "json":
        sys.stdout.write(render_json(results, written=write))
    else:
        if arguments.diff:
            sys.stdout.write("".join(result.diff() for result in results))
        sys.stderr.write(render_text(results, written=write))
    for problem in problems:
        print(f"dockwise: error: {problem}", file=sys.stderr)
    if problems or any(result.error for result in results):
        return 2
    statuses = {result.rewrite.status for result in results if result.rewrite}
    return 1 if "refused" in statuses or ("rewritten" in statuses and not write) else 0


def _lint(arguments: argparse.Namespace) -> int:
    from dockwise.lint import lint_paths
    from dockwise.report import reporter

    by_file = settings_by_file(arguments)
    if arguments.fix:
        from dockwise.fix.files import fix_paths
        from dockwise.fix.report import render_fixes

        if "-" in arguments.paths:
            raise DockwiseError("--fix rewrites files: give paths, not standard input")
        results, _ = fix_paths(arguments.paths, by_file, unsafe=arguments.unsafe_fixes)
        sys.stderr.write(render_fixes(results, written=True))
    if not arguments.paths and not arguments.compose_files:
        raise DockwiseError("give PATHs to check, or Compose files with -f")
    report = lint_paths(
        arguments.paths,
        stdin=sys.stdin.buffer,
        target=arguments.target,
        compose_files=[Path(path) for path in arguments.compose_files],
        by_file=by_file,
    )
    if arguments.write_baseline is not None:
        from dockwise.baseline import write_baseline

        count = write_baseline(report, arguments.write_baseline)
        print(f"dockwise: {count} findings recorded in {arguments.write_baseline}", file=sys.stderr)
        return 2 if report.has_errors else 0
    if arguments.baseline is not None:
        from dockwise.baseline import read_baseline, without_baseline

        report, hidden = without_baseline(
            report, read_baseline(arguments.baseline), arguments.baseline.parent
        )
        print(f"dockwise: {hidden} findings in the baseline not shown", file=sys.stderr)
    if arguments.statistics:
        from dockwise.report.statistics import render as statistics

        sys.stdout.write(statistics(report))
    elif arguments.format == "text" and _wants_color(arguments.color):
        from dockwise.report.text import render_color

        sys.stdout.write(render_color(report))
    else:
        sys.stdout.write(reporter(arguments.format)(report))
    if arguments.command == "check" and arguments.format == "text" and not arguments.statistics:
        from dockwise.report.summary import render as summary

        sys.stdout.write(summary(report))
    for result in report.files:
        if result.error:
            print(f"dockwise: error: {result.path}: {result.error}", file=sys.stderr)
    for problem in report.problems:
        print(f"dockwise: error: {problem}", file=sys.stderr)
    verify_failed = False
    if getattr(arguments, "verify", False):
        from dockwise.commands.verify import verify_project

        verify_failed = verify_project(arguments.paths)
    if report.has_errors:
        return 2
    return 1 if _fails(report, by_file) or verify_failed else 0


def _fails(report: LintReport, by_file: SettingsByFile) -> bool:
    """Whether a finding is at or above its own file's `fail-on` (a file whose config never fails, or
    `--exit-zero`, fails nothing)."""
    for result in report.files:
        if not result.diagnostics:
            continue
        path = Path(result.path)
        own = by_file.for_path(path if path.exists() else Path.cwd())
        if own.exit_zero:
            continue
        if any(diagnostic.severity.rank >= own.fail_on.rank for diagnostic in result.diagnostics):
            return True
    return False


def _wants_color(choice: str) -> bool:
    """`--color`, then the NO_COLOR / FORCE_COLOR conventions, then whether stdout is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _list_rules(output_format: str) -> int:
    import json

    from dockwise.rules import all_rules

    rules = all_rules()
    if output_format == "json":
        rows = [
            {
                "code": rule.code,
                "name": rule.name,
                "category": str(rule.category),
                "severity": str(rule.severity),
                "aliases": list(rule.aliases),
                "fix": str(rule.fix_availability),
                "default_enabled": rule.default_enabled,
                "summary": rule.summary(),
            }
            for rule in rules
        ]
        print(json.dumps(rows, indent=2))
        return 0
    fixes = {"always": "fix", "sometimes": "fix*", "none": "-"}
    print(f"{'code':<5}  {'name':<28} {'category':<24} {'severity':<8} {'fix':<4} {'aliases':<20} summary")
    for rule in rules:
        aliases = ",".join(rule.aliases) or "-"
        fix = fixes[str(rule.fix_availability)]
        columns = (
            f"{rule.code}  {rule.name:<28} {rule.category!s:<24} {rule.severity!s:<8} {fix:<4} {aliases:<20}"
        )
        opt_in = "" if rule.default_enabled else "(opt-in) "
        print(f"{columns} {opt_in}{rule.summary()}")
    print("fix: every finding comes with a fix; fix*: some do (`dockwise fix` applies them).")
    return 0


def _show_rule(code: str) -> int:
    from dockwise.rules import all_rules

    wanted = code.lower()
    for rule in all_rules():
        if wanted in (rule.code.lower(), rule.name, *(alias.lower() for alias in rule.aliases)):
            print(f"{rule.code} {rule.name} ({rule.category}, {rule.severity})\n")
            print(rule.documentation())
            return 0
    raise DockwiseError(f"no rule called {code!r}; `dockwise rules` lists them")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
