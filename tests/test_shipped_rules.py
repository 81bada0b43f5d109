"""Every rule file we ship checks clean, explains each warning in a comment, and ships example cases that
pass and reach every branch of every rule (tier coverage 100%)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import perfeval_dsl as pe
from perfeval_dsl.cases import cases_file_for, load_tests, run_tests

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "rules").rglob("*.perfeval"))
INDICATOR_KEYWORDS = ("indicator", "指标", "三级指标")


def test_there_are_shipped_rule_files() -> None:
    assert ROOT / "rules" / "anning-2020.perfeval" in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_checks_clean_with_every_warning_explained(path: Path) -> None:
    rules = pe.load_rules(path)  # raises on any error
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for warning in [*rules.diagnostics, *pe.analyse(rules)]:
        assert warning.primary is not None
        line, _ = warning.primary.span.line_col
        # The explanation is a comment naming the code, in the indicator, above the line concerned.
        start = max(i for i in range(line) if i == 0 or lines[i - 1].lstrip().startswith(INDICATOR_KEYWORDS))
        comments = [c for c in lines[start:line] if re.search(rf"#.*\b{warning.code}\b", c)]
        assert comments, f"{warning.location}: {warning.code} is not explained in a comment: {warning.message}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_ships_passing_cases_with_full_tier_coverage(path: Path) -> None:
    tests_path = cases_file_for(path)
    assert tests_path.exists(), f"{path.name} ships no {tests_path.name}"
    report = run_tests(load_tests(tests_path), pe.load_rules(path))
    assert [o.case.name for o in report.failed] == []
    assert report.coverage.missing == ()
    assert report.coverage.percent == 100
