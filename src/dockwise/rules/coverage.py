"""How dockwise covers its peers' Dockerfile checks: every hadolint rule and every BuildKit build check maps
to the dockwise rules that carry its code as an alias, or to a written reason why dockwise has none.

`docs/rules/coverage.md` is rendered from this table and the rules' aliases, and a test fails when a peer
check has neither a rule nor a reason, or when the committed page is stale. The peer lists are the rule
tables of hadolint 2.15.1 and of BuildKit's `frontend/dockerfile/linter/ruleset.go`, summarised in our words.
"""

from __future__ import annotations

from dataclasses import dataclass

from dockwise.rules._base import Rule


@dataclass(frozen=True, slots=True)
class PeerCheck:
    tool: str
    code: str
    meaning: str


def _checks(tool: str, rows: str) -> tuple[PeerCheck, ...]:
    return tuple(
        PeerCheck(tool, code.strip(), meaning.strip())
        for code, meaning in (line.split("|", 1) for line in rows.strip().splitlines())
    )


HADOLINT = _checks(
    "hadolint",
    """
DL1000 | the file cannot be parsed
DL1001 | inline ignore pragmas are not allowed (off by default)
DL3000 | WORKDIR must be absolute
DL3001 | a command that makes no sense in a container (ssh, vim, shutdown ...)
DL3002 | the last USER should not be root
DL3003 | use WORKDIR instead of cd
DL3004 | do not use sudo
DL3006 | tag the base image
DL3007 | do not use the latest tag
DL3008 | pin apt-get package versions
DL3009 | delete the apt lists after installing
DL3010 | use ADD to extract local archives
DL3011 | EXPOSE ports must be 0-65535
DL3012 | one HEALTHCHECK per stage
DL3013 | pin pip package versions
DL3014 | apt-get install needs -y
DL3015 | apt-get install --no-install-recommends
DL3016 | pin npm package versions
DL3018 | pin apk package versions
DL3019 | apk add --no-cache
DL3020 | COPY instead of ADD for files and folders
DL3021 | COPY with several sources needs a directory destination ending in /
DL3022 | COPY --from must name an earlier stage
DL3023 | COPY --from cannot name its own stage
DL3024 | stage names must be unique
DL3025 | JSON (exec) form for CMD and ENTRYPOINT
DL3026 | images only from trusted registries
DL3027 | apt-get instead of apt in scripts
DL3028 | pin gem versions
DL3029 | do not use FROM --platform with a constant
DL3030 | yum install -y
DL3032 | yum clean all after installing
DL3033 | pin yum package versions
DL3034 | zypper non-interactive
DL3035 | no zypper dist-upgrade
DL3036 | zypper clean after installing
DL3037 | pin zypper package versions
DL3038 | dnf install -y
DL3040 | dnf clean all after installing
DL3041 | pin dnf package versions
DL3042 | pip install --no-cache-dir
DL3043 | ONBUILD cannot trigger ONBUILD, FROM or MAINTAINER
DL3044 | ENV cannot reference a variable set in the same statement
DL3045 | COPY to a relative destination without WORKDIR
DL3046 | useradd with a high UID needs -l
DL3047 | wget without --progress floods the build log
DL3048 | invalid LABEL key
DL3049 | a label required by the label schema is missing
DL3050 | a label not in the schema (strict labels)
DL3051 | a schema label is empty
DL3052 | a schema label is not a URL
DL3053 | a schema label is not an RFC 3339 time
DL3054 | a schema label is not an SPDX licence
DL3055 | a schema label is not a git hash
DL3056 | a schema label is not a semantic version
DL3057 | HEALTHCHECK missing (off by default)
DL3058 | a schema label is not an e-mail address
DL3059 | consecutive RUN instructions could be one
DL3060 | yarn cache clean after yarn install
DL3061 | the first instruction must be FROM (or ARG)
DL3062 | pin go install versions
DL3063 | reserved stage names (scratch, context)
DL3064 | secrets in ARG or ENV
DL3065 | redundant --platform=$TARGETPLATFORM
DL3066 | USER should be a numeric id
DL3067 | do not COPY a whole filesystem from another stage
DL4000 | MAINTAINER is deprecated
DL4001 | either wget or curl, not both
DL4003 | one CMD per stage
DL4004 | one ENTRYPOINT per stage
DL4005 | use SHELL instead of linking /bin/sh
DL4006 | set -o pipefail before RUN with a pipe
SC | ShellCheck findings in RUN bodies
""",
)

BUILDKIT = _checks(
    "BuildKit",
    """
StageNameCasing | stage names should be lowercase
FromAsCasing | the case of AS should match FROM
NoEmptyContinuation | empty lines inside a continued instruction
ConsistentInstructionCasing | all instructions in one casing
DuplicateStageName | stage names must be unique
ReservedStageName | reserved stage names (scratch, context)
JSONArgsRecommended | JSON (exec) form for CMD and ENTRYPOINT
MaintainerDeprecated | MAINTAINER is deprecated
UndefinedArgInFrom | FROM uses an ARG that is not declared
WorkdirRelativePath | relative WORKDIR without an absolute one before it
UndefinedVar | a variable used before it is defined
MultipleInstructionsDisallowed | more than one CMD, ENTRYPOINT or HEALTHCHECK in a stage
LegacyKeyValueFormat | ENV and LABEL in the legacy `key value` form
RedundantTargetPlatform | --platform=$TARGETPLATFORM is the default
SecretsUsedInArgOrEnv | secrets in ARG or ENV
InvalidDefaultArgInFrom | the ARG defaults do not make a valid base image reference
FromPlatformFlagConstDisallowed | FROM --platform with a constant
CopyIgnoredFile | COPY or ADD of a path .dockerignore excludes
InvalidDefinitionDescription | comments before FROM/ARG in the `# name description` form (experimental)
ExposeProtoCasing | EXPOSE protocols in lowercase
ExposeInvalidFormat | EXPOSE with an IP address or a host port
InvalidBaseImagePlatform | the base image's platform differs from the target platform
""",
)

PEER_CHECKS = HADOLINT + BUILDKIT

#: Peer checks that a dockwise rule covers without carrying the code as an alias (an alias would let the
#: peer's skip pragma silence the whole dockwise rule).
COVERED_WITHOUT_ALIAS: dict[str, tuple[str, str]] = {
    "DL1000": ("DW001", "a parse error is DW001 invalid-syntax"),
    "DL3024": ("DW002", "a duplicate stage name fails the build: DW002"),
    "DuplicateStageName": ("DW002", "a duplicate stage name fails the build: DW002"),
    "DL3061": ("DW002", "an instruction other than ARG before FROM fails the build: DW002"),
    "DL3023": ("DW002", "a stage copying from itself is a circular dependency that fails the build: DW002"),
    "DL3057": (
        "DW402",
        "DW402 asks for a HEALTHCHECK where it matters, in images that serve a port; hadolint's opt-in rule "
        "asks it of every image",
    ),
    "WorkdirRelativePath": (
        "DW502",
        "DW502 reports every relative WORKDIR (as hadolint's DL3000), BuildKit only those without an "
        "absolute one before; DW502's fix makes them absolute where the base is known",
    ),
}

#: Peer checks dockwise deliberately has no rule for, and why.
NOT_COVERED: dict[str, str] = {
    "DL1001": "a policy against pragmas is a review decision, not a property of the image",
    "InvalidDefinitionDescription": "experimental in BuildKit and off by default: a documentation "
    "convention, not a build or image problem",
    "InvalidBaseImagePlatform": "needs the base image's manifest from a registry; a linter that reads "
    "text cannot know it (`dockwise verify` builds the image)",
}


@dataclass(frozen=True, slots=True)
class PeerDifference:
    """A case of a peer's own test suite where dockwise deliberately reports something else."""

    peer: str
    case: str
    """Where the case is in the peer's repository (`path:line`, for BuildKit with the test's name), as
    benchmarks/peers names it."""
    behaviour: str
    """What dockwise does there."""
    reason: str


def _differences(peer: str, cases: str, behaviour: str, reason: str) -> tuple[PeerDifference, ...]:
    """One row per case (the cases as `path:line`, separated by blanks) with the same behaviour and reason."""
    return tuple(PeerDifference(peer, case, behaviour, reason) for case in cases.split())


_SPEC = "test/Hadolint/Rule/"

# --- hadolint: cases of test/Hadolint/Rule/*Spec.hs (hadolint 2.15.1-8-g8f936c5) --------------------------
_HADOLINT_DIFFERENCES = (
    *_differences(
        "hadolint",
        f"{_SPEC}DL1001Spec.hs:20",
        "no finding",
        "DL1001 (no inline pragmas) is a review policy, not a property of the image: not covered",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3002Spec.hs:77 {_SPEC}DL4001Spec.hs:49",
        "no finding",
        "the USER and tools of a builder stage that the final image is not built FROM do not ship",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3009Spec.hs:31 {_SPEC}DL3009Spec.hs:71 {_SPEC}DL3060Spec.hs:96",
        "no finding",
        "an ONBUILD trigger of a stage that no shipped image is built FROM never runs in any image",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3009Spec.hs:132 {_SPEC}DL3009Spec.hs:133",
        "no DW203",
        "the cache mount on /var/lib/apt keeps the lists out of the layer; the .deb files kept once "
        "docker-clean is removed are the apt cache-mount rules' matter, not DW203's",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3010Spec.hs:42 {_SPEC}DL3010Spec.hs:49",
        "no finding",
        "with the default escape character (no `escape` directive choosing the backtick) BuildKit reads the "
        "backslashes of `build\\foo\\bar.tar.gz` as escapes: the build copies another path than the test "
        "means",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3020Spec.hs:14 {_SPEC}DL3020Spec.hs:15 {_SPEC}DL3020Spec.hs:16",
        "DW501 (use COPY)",
        "ADD extracts tar archives only: a plain .gz, .bz2 or .xz file is copied as it is, so COPY says "
        "the same more plainly (a compressed tar is named .tar.gz, .tgz ...)",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3022Spec.hs:14 {_SPEC}DL3022Spec.hs:33",
        "no DW160",
        "a file without FROM has no stages to compare `--from` with (it is DW002, or a fragment whose "
        "stages are elsewhere)",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3022Spec.hs:22",
        "no DW160",
        "BuildKit resolves `--from` against every stage of the file, a later one too",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3025Spec.hs:46",
        "no DW401",
        "a HEALTHCHECK command is no PID 1 and gets no stop signal: its shell form does no harm",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3028Spec.hs:49 {_SPEC}DL3028Spec.hs:50",
        "DW214 on `true`",
        "as gem reads this line, `true` is a second gem to install, without a version (the build option "
        "belongs after `--`)",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3033Spec.hs:80 {_SPEC}DL3041Spec.hs:111",
        "DW216/DW217",
        "an ARG declared only in another stage is empty in this one, so `git-core-${version}` has no version",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3038Spec.hs:15 {_SPEC}DL3038Spec.hs:17",
        "no DW221",
        "microdnf goes ahead without a terminal: official images run `microdnf install` without -y on "
        "oraclelinux:9-slim and build every day",
    ),
    *_differences(
        "hadolint",
        " ".join(f"{_SPEC}DL3042Spec.hs:{line}" for line in (56, 57, 58, 59, 61, 62, 63, 64, 66, 67, 68, 69)),
        "no DW205",
        "pip turns its cache off for any PIP_NO_CACHE_DIR value it accepts, `0`, `off`, `no` and `false` "
        "included (kept that way for compatibility)",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3048Spec.hs:21 {_SPEC}DL3048Spec.hs:22",
        "no DW056",
        "BuildKit expands `$character` in a LABEL key (here to nothing), so the key the image gets is "
        "`invalid`, a valid one",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3057Spec.hs:19 {_SPEC}DL3057Spec.hs:65 {_SPEC}DL3057Spec.hs:73",
        "no DW402",
        "DW402 asks for a HEALTHCHECK where it matters, in an image that serves a port; hadolint's "
        "opt-in rule asks it of every image",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3059Spec.hs:47 {_SPEC}DL3059Spec.hs:52 {_SPEC}DL3059Spec.hs:57 {_SPEC}DL3059Spec.hs:62",
        "DW609 (opt-in)",
        "a one-command RUN next to another RUN can join it whatever the other holds: one layer less",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3062Spec.hs:14 {_SPEC}DL3062Spec.hs:15 {_SPEC}DL3062Spec.hs:57 {_SPEC}DL3062Spec.hs:58",
        "no DW215",
        "`go install`/`go run` of a path without `@version` build the version the current module's "
        "go.mod requires (outside a module Go refuses them)",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL3067Spec.hs:27",
        "DW164",
        "a stage's whole filesystem copied into /app still ships its shell, package manager and caches",
    ),
    *_differences(
        "hadolint",
        f"{_SPEC}DL4006Spec.hs:84",
        "no DW603",
        '`SHELL ["/bin/sh", "-o", "pipefail", "-c"]` either sets pipefail (busybox ash, bash as sh, '
        "newer dash; POSIX.1-2024 has it) or stops the build at the first RUN: no failure goes unnoticed",
    ),
)
# --- end of hadolint ---------------------------------------------------------------------------------------

# --- BuildKit: frontend/dockerfile/dockerfile_check_test.go (benchmarks/peers/buildkit.py) ---
_BUILDKIT_DIFFERENCES: tuple[PeerDifference, ...] = (
    PeerDifference(
        "buildkit",
        "frontend/dockerfile/dockerfile_check_test.go:583 (testNoEmptyContinuation)",
        "DW051 reports the empty continuation line at the instruction's first line, not its last",
        "the finding belongs to the instruction, and its fix deletes the empty lines inside it; BuildKit "
        "places its warning on the last line only because its parser knows the problem there",
    ),
    PeerDifference(
        "buildkit",
        "frontend/dockerfile/dockerfile_check_test.go:936 (testWarningsBeforeError)",
        "an unknown instruction is DW001, and nothing else is reported for the file",
        "a file BuildKit refuses to build has one finding that matters (BuildKit's build fails at that "
        "line too); the rules read a parsed file, and dockwise's parser stops there",
    ),
    PeerDifference(
        "buildkit",
        "frontend/dockerfile/dockerfile_check_test.go:1102 (testWorkdirRelativePath)",
        "DW502 reports `WORKDIR subdir/` after an absolute WORKDIR in the stage it is built FROM",
        "as hadolint's DL3000, every relative WORKDIR is reported: it still depends on an earlier "
        "instruction, and DW502's fix writes the absolute path it resolves to",
    ),
)


#: Cases of the peers' own test suites where dockwise deliberately differs (docs/rules/coverage.md).
PEER_DIFFERENCES: tuple[PeerDifference, ...] = (*_BUILDKIT_DIFFERENCES, *_HADOLINT_DIFFERENCES)


def documented_difference(peer: str, source: str) -> str | None:
    """Why dockwise deliberately differs from a peer's test case (`path:line`), if it is documented."""
    for difference in PEER_DIFFERENCES:
        if difference.peer == peer and (difference.case == source or source.startswith(difference.case)):
            return difference.reason
    return None


def covering_rules(check: PeerCheck, rules: list[type[Rule]]) -> list[str]:
    """The dockwise codes that cover a peer check (by alias, or by the table above)."""
    codes = [rule.code for rule in rules if check.code in rule.aliases]
    extra = COVERED_WITHOUT_ALIAS.get(check.code)
    if extra is not None and extra[0] not in codes:
        codes.append(extra[0])
    return codes


def uncovered(rules: list[type[Rule]]) -> list[PeerCheck]:
    """Peer checks with neither a rule nor a reason (the freshness test wants none)."""
    return [c for c in PEER_CHECKS if not covering_rules(c, rules) and c.code not in NOT_COVERED]


def render_coverage(rules: list[type[Rule]]) -> str:
    """`docs/rules/coverage.md`: one row per peer check."""
    by_code = {rule.code: rule for rule in rules}
    lines = [
        "# Coverage of hadolint and BuildKit checks",
        "",
        "<!-- generated by scripts/gen_rule_docs.py from src/dockwise/rules/coverage.py and the aliases -->",
        "",
        "Every hadolint rule (2.15.1) and every BuildKit build check, with the dockwise rule that covers it "
        "or the reason there is none. dockwise accepts the peer code wherever it accepts a rule code "
        "(`--select`, `--ignore`, `# hadolint ignore=`, `# check=skip=`).",
        "",
    ]
    for tool, checks in (("hadolint", HADOLINT), ("BuildKit", BUILDKIT)):
        covered = sum(1 for check in checks if covering_rules(check, rules))
        lines += [
            f"## {tool} ({covered} of {len(checks)} covered)",
            "",
            "| check | meaning | dockwise |",
            "| --- | --- | --- |",
        ]
        for check in checks:
            codes = covering_rules(check, rules)
            if codes:
                cell = ", ".join(f"[{code}]({code}.md) {by_code[code].name}" for code in codes)
                if not by_code[codes[0]].default_enabled:
                    cell += " (opt-in)"
                note = COVERED_WITHOUT_ALIAS.get(check.code)
                if note is not None:
                    cell += f": {note[1]}"
            else:
                cell = f"not covered: {NOT_COVERED.get(check.code, 'NO RULE AND NO REASON')}"
            lines.append(f"| {check.code} | {check.meaning} | {cell} |")
        lines.append("")
    lines += [
        "## Deliberate differences from the peers' own test suites",
        "",
        "`benchmarks/peer_agreement.py` runs the cases of hadolint's and BuildKit's own tests through "
        "dockwise; these are the cases where dockwise reports something else on purpose.",
        "",
        "| peer | case | dockwise | why |",
        "| --- | --- | --- | --- |",
    ]
    for difference in PEER_DIFFERENCES:
        lines.append(
            f"| {difference.peer} | `{difference.case}` | {difference.behaviour} | {difference.reason} |"
        )
    lines.append("")
    return "\n".join(lines)
