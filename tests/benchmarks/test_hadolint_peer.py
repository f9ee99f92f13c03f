"""The hadolint adapter of benchmarks/peer_agreement.py, on a spec file written here in hspec's forms (not
hadolint's text): so that a change in the reader cannot silently lose or misread cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.peers import PeerCase, judge
from benchmarks.peers.hadolint import Skipped, load_all, load_cases, tokenize, wrap_runs_in_onbuild

SPEC = r"""module Hadolint.Rule.DL9999Spec (spec) where

import Helpers
import Test.Hspec

spec :: SpecWith ()
spec = do
  let ?config = def { allowedRegistries = ["mirror.example"], strictLabels = True }

  describe "made-up rule" $ do
    it "a plain string" $ do
      ruleCatches "DL3014" "RUN apt-get install tree"
      onBuildRuleCatchesNot "DL3014" "RUN apt-get install -y tree"
    -- a comment with "quotes" and ruleCatches in it is not a case
    {- nor is ruleCatches "DL0000" "x" in a block comment -}
    it "a list of lines" $
      let dockerFile =
            [ "FROM alpine:3.20",
              "RUN apk add \\",
              "  curl"
            ]
       in do
            onBuildRuleCatches "DL3019" $ Text.unlines dockerFile
    it "a config of its own, a gap and escapes" $ do
      let ?config = def { labelSchema = Map.fromList [("owner", Rule.Email)] }
      ruleCatchesNot "DL3058" "LABEL owner=\"someone@example.org\" \
                             \note=\"tab\there\""
    it "a layout block of bindings" $ do
      let
        rule = "DL3033"
        snippet = Text.unlines [ "RUN yum install -y " <> "git" ]
       in do
        ruleCatches rule snippet
    it "arguments swapped by mistake" $ do
      ruleCatchesNot "FROM scratch" "DL3045"
    it "not a rule assertion" $ do
      assertChecks "RUN true" passesShellcheck
    it "back to the file's config" $ do
      ruleCatchesNot "DL3026" (Text.unlines ["FROM mirror.example/app:1"])
    it "an expression the reader does not know" $ do
      ruleCatches "DL3000" (someFunction 3)
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    specs = tmp_path / "test" / "Hadolint" / "Rule"
    specs.mkdir(parents=True)
    (specs / "DL9999Spec.hs").write_text(SPEC)
    return tmp_path


def test_every_assertion_becomes_a_case_or_a_counted_skip(checkout: Path) -> None:
    found = load_all(checkout)
    cases = [case for case in found if isinstance(case, PeerCase)]
    skipped = [case for case in found if isinstance(case, Skipped)]
    assert [(c.source.rsplit(":", 1)[1], sorted(c.considered), sorted(c.expected)) for c in cases] == [
        ("12", ["DL3014"], ["DL3014"]),
        ("13", ["DL3014"], []),
        ("23", ["DL3019"], ["DL3019"]),
        ("26", ["DL3058"], []),
        ("33", ["DL3033"], ["DL3033"]),
        ("39", ["DL3026"], []),
    ]
    assert all(case.source.startswith("test/Hadolint/Rule/DL9999Spec.hs:") for case in cases)
    reasons = {(s.source.rsplit(":", 1)[1], s.rule_case) for s in skipped}
    assert reasons == {("35", False), ("37", False), ("41", True)}
    assert load_cases(checkout) == cases


def test_texts_are_decoded_and_wrapped_as_hadolint_helpers_do(checkout: Path) -> None:
    cases = load_cases(checkout)
    assert cases[0].dockerfile == "RUN apt-get install tree\n"
    assert cases[1].dockerfile == "ONBUILD RUN apt-get install -y tree\n"
    # Text.unlines ends every line with a newline; the helpers append one more
    assert cases[2].dockerfile == "FROM alpine:3.20\nONBUILD RUN apk add \\\n  curl\n\n"
    assert cases[3].dockerfile == 'LABEL owner="someone@example.org" note="tab\there"\n'
    assert cases[4].dockerfile == "RUN yum install -y git\n\n"


def test_the_config_in_force_is_mapped_onto_dockwise_settings(checkout: Path) -> None:
    cases = load_cases(checkout)
    file_config = {"trusted_registries": ("mirror.example",), "strict_labels": True}
    assert cases[0].config == file_config
    assert cases[3].config == {"required_labels": (("owner", "email"),)}
    assert cases[5].config == file_config  # an `it`'s own config ends with it


def test_onbuild_wrapping_touches_only_run_instructions() -> None:
    text = "FROM a\nrun x \\\n  RUN not-an-instruction\n# RUN a comment\nCOPY . .\n  RUN y\n"
    assert wrap_runs_in_onbuild(text) == (
        "FROM a\nONBUILD run x \\\n  RUN not-an-instruction\n# RUN a comment\nCOPY . .\n  ONBUILD RUN y\n"
    )


def test_an_unterminated_string_is_reported_not_raised(tmp_path: Path) -> None:
    specs = tmp_path / "test" / "Hadolint" / "Rule"
    specs.mkdir(parents=True)
    (specs / "DL0001Spec.hs").write_text('spec = ruleCatchesNot "DL3000" "/" >> ruleCatches "DL3000" "x\n')
    skipped = load_all(tmp_path)
    assert len(skipped) == 2  # one for each assertion in the file
    assert all(isinstance(s, Skipped) and "unreadable spec" in s.reason and s.rule_case for s in skipped)


def test_a_directory_without_specs_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a hadolint checkout"):
        load_all(tmp_path)


def test_operators_that_start_with_dashes_are_not_comments() -> None:
    values = [token.value for token in tokenize('a --> "b" -- c\n"d"')]
    assert values == ["a", "-->", "b", "d"]


def test_judged_cases_agree_where_dockwise_agrees(checkout: Path) -> None:
    verdicts = {case.source.rsplit(":", 1)[1]: judge(case) for case in load_cases(checkout)}
    assert verdicts["12"].agrees
    assert verdicts["12"].fired == {"DL3014": frozenset({1})}
    assert verdicts["13"].agrees
    assert not verdicts["13"].fired
    assert verdicts["23"].agrees
    assert verdicts["23"].fired == {"DL3019": frozenset({2})}
