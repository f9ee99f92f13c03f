"""Shell scripts embedded in other files: Makefile recipes and CI jobs (GitHub Actions `run:`, GitLab CI
`script:`, `before_script:`, `after_script:`), so that their `docker run` lines are read too.

Each extractor returns a *shadow* of the file: the same length, every character that is not script
replaced by a space (line ends kept). The shell parser then reads the shadow, and every range it gives is
an offset into the real file, so findings point at the right line without any mapping.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

_CI_SCRIPT_KEYS = frozenset({"run", "script", "before_script", "after_script"})


def is_makefile(name: str) -> bool:
    return name in ("Makefile", "makefile", "GNUmakefile") or name.endswith(".mk")


def is_ci_file(path: PurePath) -> bool:
    """A GitHub Actions workflow or a GitLab CI file."""
    parts = path.parts
    in_workflows = len(parts) >= 3 and parts[-3:-1] == (".github", "workflows")
    return (in_workflows and path.suffix in (".yml", ".yaml")) or path.name in (
        ".gitlab-ci.yml",
        ".gitlab-ci.yaml",
    )


def makefile_shadow(text: str) -> str:
    """The recipe lines (those that start with a tab), with make's `@`, `-` and `+` prefixes blanked."""
    shadow = []
    in_recipe_continuation = False
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if in_recipe_continuation:
            shadow.append(line)  # the rest of a command continued with a backslash: shell as written
            in_recipe_continuation = body.endswith("\\")
        elif body.startswith("\t"):
            match = re.match(r"\s*[@+-]*", body)  # make's prefixes: silent, ignore errors, always run
            prefix = match.group(0) if match else ""
            shadow.append(" " * len(prefix) + body[len(prefix) :] + ending)
            in_recipe_continuation = body.endswith("\\")
        else:
            shadow.append(" " * len(body) + ending)
            in_recipe_continuation = False
    return "".join(shadow)


def makefile_job_regions(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the recipes of targets named for tests, builds or linting (`test:`,
    `build-image:`, `lint ci:`): their `docker run` lines are jobs (see `runspec.workload`)."""
    from dockwise.runspec.workload import job_name

    regions: list[tuple[int, int]] = []
    offset = 0
    start: int | None = None
    continued = False
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        recipe = continued or body.startswith("\t")
        continued = recipe and body.endswith("\\")
        if recipe or not body.strip() or body.lstrip().startswith("#"):
            offset += len(line)
            continue
        if start is not None:
            regions.append((start, offset))
            start = None
        targets, colon, rest = body.partition(":")
        is_rule = colon and not rest.startswith("=") and "=" not in targets
        if is_rule and any(job_name(target.lower()) for target in targets.split()):
            start = offset + len(line)
        offset += len(line)
    if start is not None:
        regions.append((start, offset))
    return regions


def ci_shadow(text: str) -> str:
    """The scripts of CI jobs: every string under a `run`, `script`, `before_script` or `after_script` key.
    A file over `yaml_limits` (a recursive alias, an alias bomb) raises YamlLimitError."""
    import yaml

    from dockwise.runspec.yaml_limits import check_limits

    try:
        check_limits(text)
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return _blank(text)
    from dockwise.runspec.compose import line_starts

    lines = line_starts(text)
    shadow = list(_blank(text))
    for node in _script_nodes(root, yaml):
        start = lines[node.start_mark.line] + node.start_mark.column
        end = (
            lines[node.end_mark.line] + node.end_mark.column if node.end_mark.line < len(lines) else len(text)
        )
        region = text[start:end]
        if node.style in ("|", ">"):
            header = region.split("\n", 1)[0]
            region = " " * len(header) + region[len(header) :]
        elif node.style in ('"', "'"):
            region = " " + region[1:-1] + " " if len(region) >= 2 else region
        shadow[start:end] = region
    return "".join(shadow)


def _script_nodes(node: Any, yaml: Any, under_script: bool = False) -> Any:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _script_nodes(value, yaml, str(key.value) in _CI_SCRIPT_KEYS)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _script_nodes(item, yaml, under_script)
    elif under_script and isinstance(node, yaml.ScalarNode):
        yield node


def _blank(text: str) -> str:
    return "".join(char if char in "\r\n" else " " for char in text)


def comment_shadow(text: str) -> str:
    """The text of `#` comment lines (a Dockerfile's usage notes: `# docker run -p 8080:80 app`)."""
    shadow = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        stripped = body.lstrip()
        if stripped.startswith("#"):
            cut = len(body) - len(stripped) + 1
            shadow.append(" " * cut + body[cut:] + ending)
        else:
            shadow.append(" " * len(body) + ending)
    return "".join(shadow)


def mentions_docker_run(text: str) -> bool:
    """A cheap test before any parsing: most files never run a container."""
    return re.search(r"\bdocker\s+(?:container\s+)?(?:run|create)\b", text) is not None
