"""benchmarks/peers/buildkit.py reads a Go test file shaped like BuildKit's check tests into cases.

The Go text below is written for this test (not BuildKit's): it has the shapes the reader must follow, a
variable reassigned between calls, `fmt.Appendf` with a platform helper, a warning-making closure, the two
warning lists, a `.dockerignore`, a build-time check setting and a value known only when the test runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.peers import judge
from benchmarks.peers.buildkit import TEST_FILE, Skipped, load_cases, read_cases

GO = """package dockerfile

func testFirst(t *testing.T, sb integration.Sandbox) {
	ignore := []byte(`
*.log
`)
	df := []byte(`
FROM scratch AS Mixed
COPY debug.log /
`)
	checkLinterWarnings(t, sb, &lintTestParams{
		Dockerfile:   df,
		DockerIgnore: ignore,
		Warnings: []expectedLintWarning{
			{
				RuleName: "StageNameCasing",
				Detail:   "whatever",
				Line:     2,
			},
			{
				RuleName: "CopyIgnoredFile",
				Line:     3,
			},
		},
	})

	df = fmt.Appendf(nil, `
FROM %s
CMD run %s
`, integration.UnixOrWindows("alpine", "nanoserver"), "it")
	checkLinterWarnings(t, sb, &lintTestParams{Dockerfile: df})
}

func testSecond(t *testing.T, sb integration.Sandbox) {
	warn := func(name string, line int) expectedLintWarning {
		return expectedLintWarning{
			RuleName: "MultipleInstructionsDisallowed",
			Detail:   fmt.Sprintf("Multiple %s", name),
			Line:     line,
		}
	}
	checkLinterWarnings(t, sb, &lintTestParams{
		Dockerfile: []byte(`
FROM scratch AS a
CMD ["a"]
CMD ["b"]

FROM a AS b
ENV key value
`),
		Warnings: []expectedLintWarning{warn("CMD", 3)},
		UnmarshalWarnings: []expectedLintWarning{
			warn("CMD", 3),
			{RuleName: "LegacyKeyValueFormat", Line: 99},
			{RuleName: "NotADockwiseCheck", Line: 1},
		},
	})
	checkLinterWarnings(t, sb, &lintTestParams{
		Dockerfile:    []byte("FROM scratch\\n"),
		FrontendAttrs: map[string]string{"build-arg:BUILDKIT_DOCKERFILE_CHECK": "skip=all"},
	})
	target := registry + "/image"
	checkLinterWarnings(t, sb, &lintTestParams{Dockerfile: []byte("FROM " + target)})
	integration.UnixOrWindows(
		func() {
			checkLinterWarnings(t, sb, &lintTestParams{
				Dockerfile: []byte("FROM " + target),
				Warnings:   []expectedLintWarning{{RuleName: "InvalidBaseImagePlatform", Detail: target}},
			})
		},
		func() {
			checkLinterWarnings(t, sb, &lintTestParams{Dockerfile: []byte("FROM windows")})
		},
	)
}
"""

CONSIDERED = frozenset(
    {"StageNameCasing", "CopyIgnoredFile", "JSONArgsRecommended", "MultipleInstructionsDisallowed",
     "LegacyKeyValueFormat"}
)  # fmt: skip


def test_the_cases_are_read_with_their_files_warnings_and_lines() -> None:
    skipped: list[Skipped] = []
    cases = read_cases(GO, CONSIDERED, skipped.append)
    assert [case.source for case in cases] == [
        f"{TEST_FILE}:11 (testFirst)",
        f"{TEST_FILE}:31 (testFirst)",
        f"{TEST_FILE}:42 (testSecond)",
        f"{TEST_FILE}:58 (testSecond)",
    ]
    first, second, third, fourth = cases
    assert first.dockerfile == "\nFROM scratch AS Mixed\nCOPY debug.log /\n"
    assert first.files == {".dockerignore": "\n*.log\n"}
    assert first.expected == {"StageNameCasing", "CopyIgnoredFile"}
    assert first.lines == {"StageNameCasing": {2}, "CopyIgnoredFile": {3}}
    assert second.dockerfile == "\nFROM alpine\nCMD run it\n"
    assert second.expected == frozenset()
    # the lint subrequest's list decides what is expected; only the progress list's lines are checked
    assert third.expected == {"MultipleInstructionsDisallowed", "LegacyKeyValueFormat"}
    assert third.lines == {"MultipleInstructionsDisallowed": {3}}
    assert third.considered == CONSIDERED
    # the check options given as a build argument become dockwise's buildkit-check setting
    assert fourth.config == {"buildkit_check": "skip=all"}
    # a value known only when the test runs: skipped, and not counted when only about uncovered checks;
    # the Windows side of UnixOrWindows is not read
    assert [(s.source, s.reason, s.rule_case) for s in skipped] == [
        (f"{TEST_FILE}:63 (testSecond)", "not evaluated: unknown name registry at line 62", True),
        (f"{TEST_FILE}:66 (testSecond)", "not evaluated: unknown name registry at line 62", False),
    ]


def test_judged_cases_agree_or_not_as_dockwise_lints_them() -> None:
    cases = read_cases(GO, CONSIDERED, lambda _: None)
    verdicts = [judge(case) for case in cases]
    assert verdicts[0].fired.keys() >= {"StageNameCasing", "CopyIgnoredFile"}
    assert verdicts[0].agrees
    assert verdicts[1].fired.keys() == {"JSONArgsRecommended"}
    assert not verdicts[1].agrees


def test_a_folder_that_is_no_buildkit_checkout_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a BuildKit checkout"):
        load_cases(tmp_path)
