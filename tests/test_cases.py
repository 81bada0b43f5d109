"""`perfeval test`: rule test files, their cases, tier coverage, and the examples of docs/testing.md.

Each test writes a small rule file, facts file and test file into its own folder (`tmp_path`, also the current
directory) and runs the command in-process through `perfeval_dsl.cli.main`, or the module API of
`perfeval_dsl.cases`. Outputs are compared exactly.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.cases import cases_file_for, load_tests, rules_file_for, run_tests

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")


def write(name: str, text: str) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# One indicator with two tiers and an `else` (3 branches), one `score by` with two arms (2 branches).
RULES = """\
title "示例单位"
total 10
fact 预算基本支出: 元
fact 实际基本支出: 元
fact 资产管理制度: "制定并实施" | "未制定"
let 偏差率 = (实际基本支出 - 预算基本支出) / 预算基本支出

group 部门管理 {
  indicator 基本支出执行偏差率 weight 5 {
    score 5 if 偏差率 <= 10% else 3 if <= 20% else 0
  }
  indicator 资产管理制度 weight 5 {
    score by 资产管理制度 { "制定并实施" -> 5, "未制定" -> 0 }
  }
}
"""

FACTS = """\
预算基本支出: 1,000.00 元
实际基本支出: 1,000.00 元
资产管理制度: 制定并实施
"""

PASSING = """\
facts: unit.facts.yaml
cases:
  - name: 报告原值
    expect: {total: 10, grade: 优, groups: {部门管理: 10}}
  - name: 偏差率恰好 10%
    facts: {实际基本支出: "1,100.00 元"}
    expect: {scores: {基本支出执行偏差率: 5}}
  - name: 偏差率 10% 多一分钱
    facts: {实际基本支出: "1,100.01 元"}
    expect: {scores: {基本支出执行偏差率: 3}, total: 8, grade: 良}
  - name: 偏差率超过 20%
    facts: {实际基本支出: "1,200.01 元", 资产管理制度: 未制定}
    expect: {total: 0, grade: 差}
  - name: 预算为零
    facts: {预算基本支出: 0 元}
    expect: {error: PE501}
"""


def unit(tests: str, rules: str = RULES) -> None:
    """The rule file `unit.perfeval`, its facts `unit.facts.yaml` and the test file `unit.tests.yaml`."""
    write("unit.perfeval", rules)
    write("unit.facts.yaml", FACTS)
    write("unit.tests.yaml", tests)


def cases(body: str) -> str:
    """A test file starting from unit.facts.yaml with the given `cases:` items."""
    return "facts: unit.facts.yaml\ncases:\n" + body


# ---- passing and failing cases -----------------------------------------------------------------


def test_all_cases_pass_exit_0_with_the_exact_report(capsys: pytest.CaptureFixture[str]) -> None:
    unit(PASSING)
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert (code, err) == (0, "")
    assert out == (
        "unit.tests.yaml  (rules: unit.perfeval)\n"
        "  ✓ 报告原值\n"
        "  ✓ 偏差率恰好 10%\n"
        "  ✓ 偏差率 10% 多一分钱\n"
        "  ✓ 偏差率超过 20%\n"
        "  ✓ 预算为零\n"
        "5 cases: 5 passed\n"
        "tier coverage: 5 of 5 branches reached (100%)\n"
    )


def test_the_test_file_itself_may_be_the_target(capsys: pytest.CaptureFixture[str]) -> None:
    unit(PASSING)
    by_rules = run(capsys, "test", "unit.perfeval")
    by_tests = run(capsys, "test", "unit.tests.yaml")
    assert by_rules == by_tests
    assert by_tests[0] == 0


def test_a_wrong_score_fails_with_the_readable_difference(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 偏差率 15%\n"
               "    facts: {实际基本支出: 1150 元}\n"
               "    expect: {scores: {基本支出执行偏差率: 5}}\n"))
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert (code, err) == (1, "")
    assert out == (
        "unit.tests.yaml  (rules: unit.perfeval)\n"
        "  ✗ 偏差率 15%  (unit.tests.yaml:3:11)\n"
        "      基本支出执行偏差率: expected 5, got 3  (tier 2: 3 if 偏差率 <= 20%)\n"
        "1 case: 0 passed, 1 failed\n"
        "tier coverage: 2 of 5 branches reached (40%)\n"
        "  not reached: 基本支出执行偏差率 — tier 1: 5 if 偏差率 <= 10%\n"
        "  not reached: 基本支出执行偏差率 — else 0\n"
        "  not reached: 资产管理制度 — \"未制定\" -> 0\n"
    )


def test_total_grade_and_group_mismatches_each_get_a_line(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 三处不符\n"
               "    expect: {total: 9, grade: 良, groups: {部门管理: 9.5}, scores: {资产管理制度: 5分}}\n"))
    code, out, _ = run(capsys, "test", "unit.perfeval")
    assert code == 1
    assert out.splitlines()[1:6] == [
        "  ✗ 三处不符  (unit.tests.yaml:3:11)",
        "      部门管理: expected 9.5, got 10",
        "      total: expected 9, got 10",
        "      grade: expected 良, got 优",
        "1 case: 0 passed, 1 failed",
    ]


def test_a_failing_case_does_not_hide_the_others(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 对\n    expect: {total: 10}\n"
               "  - name: 错\n    expect: {total: 0}\n"
               "  - name: 也对\n    expect: {grade: 优}\n"))
    code, out, _ = run(capsys, "test", "unit.perfeval")
    assert code == 1
    assert out.splitlines()[1:6] == [
        "  ✓ 对",
        "  ✗ 错  (unit.tests.yaml:5:11)",
        "      total: expected 0, got 10",
        "  ✓ 也对",
        "3 cases: 2 passed, 1 failed",
    ]


# ---- expected errors ---------------------------------------------------------------------------


def test_an_expected_error_that_happens_passes(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 预算为零\n    facts: {预算基本支出: 0 元}\n    expect: {error: pe501}\n"))
    code, out, _ = run(capsys, "test", "unit.perfeval")
    assert code == 0
    assert out.splitlines()[1:3] == ["  ✓ 预算为零", "1 case: 1 passed"]


def test_an_expected_error_that_does_not_happen_fails(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 预算为零\n    expect: {error: PE501}\n"))
    code, out, _ = run(capsys, "test", "unit.perfeval")
    assert code == 1
    assert out.splitlines()[1:4] == [
        "  ✗ 预算为零  (unit.tests.yaml:3:11)",
        "      error: expected PE501, got no error (total 10)",
        "1 case: 0 passed, 1 failed",
    ]


def test_a_different_error_fails_and_shows_the_one_that_happened(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 预算为零\n    facts: {预算基本支出: 0 元}\n    expect: {error: PE502}\n"))
    code, out, _ = run(capsys, "test", "unit.perfeval")
    assert code == 1
    assert out.splitlines()[1:11] == [
        "  ✗ 预算为零  (unit.tests.yaml:3:11)",
        "      error: expected PE502, got PE501",
        "      error[PE501]: division by zero: `预算基本支出` is 0",
        "        --> unit.perfeval:6:11",
        "        |",
        "      6 | let 偏差率 = (实际基本支出 - 预算基本支出) / 预算基本支出",
        "        |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ divides by 0",
        "        = note: needed by `基本支出执行偏差率`",
        "        = help: check the facts; if 0 is a real value here, score it in a tier before dividing, "
        "e.g. `0 if 预算 == 0 else …`",
        "1 case: 0 passed, 1 failed",
    ]


def test_an_evaluation_that_stops_unexpectedly_fails_with_the_diagnostic(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 不是数字\n    facts: {实际基本支出: 约一千元}\n    expect: {total: 10}\n"))
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert (code, err) == (1, "")
    assert out.splitlines()[1:10] == [
        "  ✗ 不是数字  (unit.tests.yaml:3:11)",
        "      the evaluation stopped:",
        "      error[PE402]: `实际基本支出` must be a number, but is `约一千元`",
        "        --> unit.tests.yaml:4:21",  # the facts a case gives are reported where the test file gives them
        "        |",
        "      4 |     facts: {实际基本支出: 约一千元}",
        "        |                           ^^^^^^^^ not a number",
        "        = help: write the number itself, e.g. `100 元`; the report's own wording can be kept as a note "
        "beside it (see \"Facts files\" in docs/language.md)",
        "1 case: 0 passed, 1 failed",
    ]


def test_without_removes_a_fact_of_the_shared_facts(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 缺资产管理制度\n    without: [资产管理制度]\n    expect: {error: PE401}\n"
               "  - name: 只写一个名称也可以\n    without: 实际基本支出\n    expect: {error: PE401}\n"
               "  - name: 缺了还期望得分\n    without: [资产管理制度]\n    expect: {total: 10}\n"))
    code, out, _ = run(capsys, "test", "unit.perfeval")
    assert code == 1
    lines = out.splitlines()
    assert lines[1:6] == [
        "  ✓ 缺资产管理制度",
        "  ✓ 只写一个名称也可以",
        "  ✗ 缺了还期望得分  (unit.tests.yaml:9:11)",
        "      the evaluation stopped:",
        "      error[PE401]: the facts file `unit.tests.yaml: 缺了还期望得分` does not give `资产管理制度`",
    ]
    assert "3 cases: 2 passed, 1 failed" in lines


def test_a_case_replaces_shared_facts_and_without_wins_over_its_own_facts() -> None:
    unit(cases("  - name: 改一个\n    facts: {实际基本支出: 1150 元}\n    expect: {total: 8}\n"
               "  - name: 给了又去掉\n    facts: {资产管理制度: 未制定}\n    without: [资产管理制度]\n"
               "    expect: {error: PE401}\n"))
    report = run_tests(load_tests(Path("unit.tests.yaml")), pe.load_rules("unit.perfeval"))
    assert [(o.case.name, o.passed) for o in report.outcomes] == [("改一个", True), ("给了又去掉", True)]
    first = report.outcomes[0].result
    assert first is not None
    assert first.indicator("基本支出执行偏差率").score == 3
    assert first.indicator("资产管理制度").score == 5  # from the shared facts


# ---- tier coverage -----------------------------------------------------------------------------

# Two indicators, each a tier and an `else`: 4 branches. The cases below reach 3 of them.
FOUR_BRANCHES = """\
total 10
fact 偏差率: %
fact 满意率: %
indicator 偏差 weight 5 {
  score 5 if 偏差率 <= 10% else 0
}
indicator 满意度 weight 5 {
  score 5 if 满意率 >= 90% else 0
}
"""

THREE_REACHED = """\
cases:
  - name: 都达到
    facts: {偏差率: 10%, 满意率: 90%}
    expect: {total: 10}
  - name: 偏差超标
    facts: {偏差率: 10.01%, 满意率: 95%}
    expect: {scores: {偏差: 0, 满意度: 5}}
"""


@pytest.mark.parametrize(("minimum", "code", "tail"), [
    (None, 0, ""),
    ("0", 0, ", minimum 0%"),
    ("75", 0, ", minimum 75%"),
    ("75.0", 0, ", minimum 75%"),
    ("75.1", 1, ", minimum 75.1%: too low"),
    ("100", 1, ", minimum 100%: too low"),
])
def test_min_coverage_at_the_exact_edge(capsys: pytest.CaptureFixture[str], minimum: str | None, code: int,
                                        tail: str) -> None:
    write("cov.perfeval", FOUR_BRANCHES)
    write("cov.tests.yaml", THREE_REACHED)
    options = ["--min-coverage", minimum] if minimum is not None else []
    exit_code, out, err = run(capsys, "test", "cov.perfeval", *options)
    assert (exit_code, err) == (code, "")
    assert out == (
        "cov.tests.yaml  (rules: cov.perfeval)\n"
        "  ✓ 都达到\n"
        "  ✓ 偏差超标\n"
        "2 cases: 2 passed\n"
        f"tier coverage: 3 of 4 branches reached (75%){tail}\n"
        "  not reached: 满意度 — else 0\n"
    )


@pytest.mark.parametrize("minimum", ["-1", "100.5", "abc"])
def test_min_coverage_outside_0_to_100_is_a_usage_error(capsys: pytest.CaptureFixture[str], minimum: str) -> None:
    write("cov.perfeval", FOUR_BRANCHES)
    write("cov.tests.yaml", THREE_REACHED)
    code, out, err = run(capsys, "test", "cov.perfeval", "--min-coverage", minimum)
    assert (code, out) == (2, "")
    assert "Invalid value for '--min-coverage'" in err


def test_coverage_counts_each_branch_once() -> None:
    write("cov.perfeval", FOUR_BRANCHES.replace("else 0\n}\nindicator 满意度", "else 3 if <= 20% else 0\n}\n"
                                                 "indicator 满意度"))
    write("cov.tests.yaml", "cases:\n  - name: a\n    facts: {偏差率: 1%, 满意率: 1%}\n    expect: {total: 5}\n")
    report = run_tests(load_tests(Path("cov.tests.yaml")), pe.load_rules("cov.perfeval"))
    assert (report.coverage.count, len(report.coverage.branches)) == (2, 5)
    write("cov.tests.yaml", "cases:\n  - name: a\n    facts: {偏差率: 1%, 满意率: 91%}\n    expect: {total: 10}\n"
                            "  - name: b\n    facts: {偏差率: 15%, 满意率: 1%}\n    expect: {total: 3}\n")
    report = run_tests(load_tests(Path("cov.tests.yaml")), pe.load_rules("cov.perfeval"))
    assert (report.coverage.count, len(report.coverage.branches)) == (4, 5)
    assert [(b.indicator, b.index, b.text) for b in report.coverage.missing] == [("偏差", 2, "else 0")]


def test_coverage_rounds_down_in_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    write("three.perfeval", "total 5\nfact 偏差率: %\nindicator 偏差 weight 5 {\n"
                            "  score 5 if 偏差率 <= 10% else 3 if <= 20% else 0\n}\n")
    write("three.tests.yaml", "cases:\n  - name: a\n    facts: {偏差率: 10%}\n    expect: {total: 5}\n"
                              "  - name: b\n    facts: {偏差率: 20%}\n    expect: {total: 3}\n")
    code, out, _ = run(capsys, "test", "three.perfeval", "--min-coverage", "66.66")
    assert code == 0  # 2 of 3 is 66.666…%, at least 66.66
    assert "tier coverage: 2 of 3 branches reached (66.6%), minimum 66.66%\n" in out
    code, out, _ = run(capsys, "test", "three.perfeval", "--min-coverage", "66.67")
    assert code == 1
    assert "tier coverage: 2 of 3 branches reached (66.6%), minimum 66.67%: too low\n" in out
    code, out, _ = run(capsys, "test", "three.perfeval", "--format", "json")
    assert json.loads(out)["files"][0]["coverage"]["percent"] == "66.66"


def test_a_case_that_fails_on_a_score_still_counts_for_coverage_one_that_stops_does_not() -> None:
    unit(cases("  - name: 错的期望\n    facts: {实际基本支出: 1150 元}\n    expect: {total: 0}\n"
               "  - name: 停止\n    facts: {预算基本支出: 0 元}\n    expect: {error: PE501}\n"))
    report = run_tests(load_tests(Path("unit.tests.yaml")), pe.load_rules("unit.perfeval"))
    assert [o.passed for o in report.outcomes] == [False, True]
    assert sorted(report.coverage.reached) == [
        (("部门管理", "基本支出执行偏差率"), 1), (("部门管理", "资产管理制度"), 0)]


# ---- JSON --------------------------------------------------------------------------------------


def test_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    write("cov.perfeval", FOUR_BRANCHES)
    write("cov.tests.yaml", THREE_REACHED.replace("{偏差: 0, 满意度: 5}", "{偏差: 5, 满意度: 5}"))
    code, out, err = run(capsys, "test", "cov.perfeval", "--format", "json", "--min-coverage", "50")
    assert (code, err) == (1, "")
    assert json.loads(out) == {
        "format": "perfeval-test/1",
        "minimum_coverage": "50",
        "files": [{
            "file": "cov.tests.yaml",
            "rules": "cov.perfeval",
            "passed": False,
            "cases": [
                {"name": "都达到", "passed": True, "mismatches": [], "diagnostics": []},
                {"name": "偏差超标", "passed": False,
                 "mismatches": [{"what": "偏差", "expected": "5", "actual": "0", "detail": "else 0"}],
                 "diagnostics": []},
            ],
            "coverage": {"branches": 4, "reached": 3, "percent": "75.00",
                         "missing": [{"indicator": "满意度", "branch": 1, "rule": "else 0"}]},
        }],
    }


def test_json_of_a_stopped_case_carries_the_diagnostic(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 预算为零\n    facts: {预算基本支出: 0 元}\n    expect: {total: 10}\n"))
    code, out, _ = run(capsys, "test", "unit.tests.yaml", "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert document["minimum_coverage"] is None
    (case,) = document["files"][0]["cases"]
    assert (case["passed"], case["mismatches"]) == (False, [])
    assert [(d["code"], d["file"], d["line"], d["column"]) for d in case["diagnostics"]] == [
        ("PE501", "unit.perfeval", 6, 11)]
    assert document["files"][0]["coverage"] == {
        "branches": 5, "reached": 0, "percent": "0.00",
        "missing": [
            {"indicator": "基本支出执行偏差率", "branch": 0, "rule": "tier 1: 5 if 偏差率 <= 10%"},
            {"indicator": "基本支出执行偏差率", "branch": 1, "rule": "tier 2: 3 if 偏差率 <= 20%"},
            {"indicator": "基本支出执行偏差率", "branch": 2, "rule": "else 0"},
            {"indicator": "资产管理制度", "branch": 0, "rule": "\"制定并实施\" -> 5"},
            {"indicator": "资产管理制度", "branch": 1, "rule": "\"未制定\" -> 0"},
        ],
    }


def test_json_with_several_targets_lists_each_file(capsys: pytest.CaptureFixture[str]) -> None:
    unit(PASSING)
    write("cov.perfeval", FOUR_BRANCHES)
    write("cov.tests.yaml", THREE_REACHED)
    code, out, _ = run(capsys, "test", "unit.perfeval", "cov.tests.yaml", "--format", "json")
    assert code == 0
    files = json.loads(out)["files"]
    assert [(f["file"], f["rules"], f["passed"]) for f in files] == [
        ("unit.tests.yaml", "unit.perfeval", True), ("cov.tests.yaml", "cov.perfeval", True)]


# ---- finding the files -------------------------------------------------------------------------


def test_cases_file_for_and_rules_file_for() -> None:
    assert cases_file_for(Path("rules/anning-2020.perfeval")) == Path("rules/anning-2020.tests.yaml")
    assert rules_file_for(Path("rules/anning-2020.tests.yaml")) == Path("rules/anning-2020.perfeval")
    assert cases_file_for(Path("a/b.c.perfeval")) == Path("a/b.c.tests.yaml")


def test_rules_key_names_the_rule_file_relative_to_the_test_file(capsys: pytest.CaptureFixture[str]) -> None:
    write("rules/unit.perfeval", RULES)
    write("rules/unit.facts.yaml", FACTS)
    write("tests/boundaries.tests.yaml", "rules: ../rules/unit.perfeval\nfacts: ../rules/unit.facts.yaml\n"
                                         "cases:\n  - name: 原值\n    expect: {total: 10}\n")
    loaded = load_tests(Path("tests/boundaries.tests.yaml"))
    assert loaded.rules_path == Path("tests/../rules/unit.perfeval")
    code, out, _ = run(capsys, "test", "tests/boundaries.tests.yaml")
    assert code == 0
    assert out.splitlines()[0] == "tests/boundaries.tests.yaml  (rules: tests/../rules/unit.perfeval)"


def test_a_rule_file_without_a_test_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("unit.perfeval", RULES)
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert (code, out) == (2, "")
    assert err == (
        "error[PE001]: there is no test file `unit.tests.yaml` for `unit.perfeval`\n"
        "  --> unit.perfeval\n"
        "  = help: write the cases in `unit.tests.yaml`; docs/testing.md shows the form\n\n"
    )


@pytest.mark.parametrize("target", ["none.tests.yaml", "none.perfeval"])
def test_a_missing_target_exits_2(capsys: pytest.CaptureFixture[str], target: str) -> None:
    code, out, err = run(capsys, "test", target)
    assert (code, out) == (2, "")
    assert err.startswith("error[PE001]: ")


def test_a_missing_rule_file_named_by_the_test_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("orphan.tests.yaml", "cases:\n  - name: a\n    expect: {total: 1}\n")
    code, out, err = run(capsys, "test", "orphan.tests.yaml")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE001]: there is no file `orphan.perfeval`")


def test_one_bad_target_does_not_stop_the_others(capsys: pytest.CaptureFixture[str]) -> None:
    unit(PASSING)
    code, out, err = run(capsys, "test", "none.perfeval", "unit.perfeval")
    assert code == 2
    assert err.startswith("error[PE001]: there is no test file `none.tests.yaml` for `none.perfeval`")
    assert out.endswith("5 cases: 5 passed\ntier coverage: 5 of 5 branches reached (100%)\n")


# ---- malformed test files ----------------------------------------------------------------------

MALFORMED = [
    pytest.param("- name: a\n  expect: {total: 10}\n",
                 "error[PE701]: a test file must be a list of `key: value` lines", "unit.tests.yaml:1:1",
                 id="not-a-mapping"),
    pytest.param(cases("  - name: a\n    expct: {total: 10}\n"),
                 "error[PE701]: `expct` is not a key of a case", "unit.tests.yaml:4:5",
                 id="unknown-key-did-you-mean"),
    pytest.param(cases("  - name: a\n"),
                 "error[PE701]: the case `a` expects nothing", "unit.tests.yaml:3:5", id="no-expect"),
    pytest.param(cases("  - name: a\n    expect: {total: 10}\n  - name: a\n    expect: {total: 10}\n"),
                 "error[PE701]: two cases are named `a`", "unit.tests.yaml:5:5", id="duplicate-names"),
    pytest.param(cases("  - name: a\n    expect: {scores: {基本支出执行偏差率: 五分}}\n"),
                 "error[PE701]: the expected score of `基本支出执行偏差率` must be a number of points, not `五分`",
                 "unit.tests.yaml:4:34", id="score-not-a-number"),
    pytest.param(cases("  - name: a\n    expect: {total: 十}\n"),
                 "error[PE701]: the expected `total` must be a number of points, not `十`",
                 "unit.tests.yaml:4:21", id="total-not-a-number"),
    pytest.param(cases("  - name: a\n    expect: {error: PE599}\n"),
                 "error[PE701]: `PE599` is not a code an evaluation can stop with", "unit.tests.yaml:4:21",
                 id="unknown-error-code"),
    pytest.param(cases("  - name: a\n    expect: {error: PE501, total: 0}\n"),
                 "error[PE701]: a case that expects an error cannot also expect scores", "unit.tests.yaml:4:21",
                 id="error-and-scores"),
    pytest.param("facts: unit.facts.yaml\ncases: []\n",
                 "error[PE701]: `cases` must be a list of cases, each starting with `- name:`",
                 "unit.tests.yaml:2:8", id="no-cases"),
    pytest.param("facts: unit.facts.yaml\n",
                 "error[PE701]: the test file has no `cases`", "unit.tests.yaml:1:1", id="cases-missing"),
    pytest.param(cases("  - name: a\n    expect: {scores: {基本支出执行偏查率: 5}}\n"),
                 "error[PE702]: the rules have no indicator named `基本支出执行偏查率`", "unit.tests.yaml:4:23",
                 id="unknown-indicator"),
    pytest.param(cases("  - name: a\n    expect: {groups: {部门管里: 10}}\n"),
                 "error[PE702]: the rules have no group named `部门管里`", "unit.tests.yaml:4:23",
                 id="unknown-group"),
    pytest.param(cases("  - name: a\n    expect: {grade: 良好}\n"),
                 "error[PE702]: the rules have no grade `良好`", "", id="unknown-grade"),  # where: see the xfail
]


@pytest.mark.parametrize(("tests", "header", "location"), MALFORMED)
def test_a_malformed_test_file_exits_1_pointing_into_it(capsys: pytest.CaptureFixture[str], tests: str,
                                                        header: str, location: str) -> None:
    unit(tests)
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert (code, out) == (1, "")
    head, where = err.splitlines()[:2]
    assert head == header
    assert re.fullmatch(r"  --> unit\.tests\.yaml:\d+:\d+", where)
    if location:
        assert where == f"  --> {location}"


def test_an_unknown_case_key_suggests_the_right_one(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: a\n    expct: {total: 10}\n"))
    _, _, err = run(capsys, "test", "unit.perfeval")
    assert err == (
        "error[PE701]: `expct` is not a key of a case\n"
        "  --> unit.tests.yaml:4:5\n"
        "  |\n"
        "4 |     expct: {total: 10}\n"
        "  |     ^^^^^ unknown key\n"
        "  = help: did you mean `expect`?\n"
        "\n"
    )


def test_an_unknown_indicator_suggests_the_right_one(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: a\n    expect: {scores: {基本支出执行偏查率: 5}}\n"))
    _, _, err = run(capsys, "test", "unit.perfeval")
    assert err == (
        "error[PE702]: the rules have no indicator named `基本支出执行偏查率`\n"
        "  --> unit.tests.yaml:4:23\n"
        "  |\n"
        "4 |     expect: {scores: {基本支出执行偏查率: 5}}\n"
        "  |                       ^^^^^^^^^^^^^^^^^^ unknown\n"
        "  = help: did you mean `基本支出执行偏差率`?\n"
        "\n"
    )


def test_every_problem_of_a_test_file_is_reported_at_once() -> None:
    unit(cases("  - name: a\n    expect: {total: x}\n  - name: b\n    expect: {error: PE999}\n  - name: c\n"))
    with pytest.raises(pe.PerfevalError) as failure:
        load_tests(Path("unit.tests.yaml"))
    assert [(d.code, d.location) for d in failure.value.diagnostics] == [
        ("PE701", "unit.tests.yaml:4:21"), ("PE701", "unit.tests.yaml:6:21"), ("PE701", "unit.tests.yaml:7:5")]


def test_an_empty_test_file_has_no_cases(capsys: pytest.CaptureFixture[str]) -> None:
    unit("# nothing yet\n")
    code, _, err = run(capsys, "test", "unit.perfeval")
    assert code == 1
    assert err.splitlines()[:2] == ["error[PE701]: `unit.tests.yaml` has no cases", "  --> unit.tests.yaml"]


def test_thousands_separators_inside_braces_are_cut_apart(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 逗号\n    facts: {预算基本支出: 1,000.00 元}\n    expect: {total: 10}\n"))
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert (code, out) == (1, "")
    assert err == (
        "error[PE406]: the value of `预算基本支出` was cut apart at a comma\n"
        "  --> unit.tests.yaml:4:23\n"
        "  |\n"
        "4 |     facts: {预算基本支出: 1,000.00 元}\n"
        "  |                             ^^^^^^^^^ cut here\n"
        "  = help: inside `{ }` a comma separates facts: put the value in quotes "
        "(`预算基本支出: \"1,000,000.00 元\"`), drop the thousands separators, or write each fact on its own line\n"
        "\n"
    )


def test_thousands_separators_are_fine_when_quoted_or_on_their_own_line(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 引号\n    facts: {预算基本支出: \"1,000.00 元\"}\n    expect: {total: 10}\n"
               "  - name: 分行\n    facts:\n      预算基本支出: 1,000.00 元\n      实际基本支出: 1,150.00 元\n"
               "    expect: {total: 8}\n"))
    code, out, _ = run(capsys, "test", "unit.perfeval")
    assert code == 0, out


def test_a_missing_shared_facts_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    unit("facts: none.facts.yaml\ncases:\n  - name: a\n    expect: {total: 10}\n")
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE001]: there is no file `none.facts.yaml`")


# ---- the module API ----------------------------------------------------------------------------


def test_load_tests_reads_every_key() -> None:
    unit(cases("  - name: 偏差\n    facts: {实际基本支出: \"1,150.00 元\"}\n    without: [资产管理制度]\n"
               "    expect: {total: 8, grade: 良, scores: {基本支出执行偏差率: 3}, groups: {部门管理: 8}}\n"
               "  - expect: {error: [PE401, pe501]}\n"))
    loaded = load_tests(Path("unit.tests.yaml"))
    assert (loaded.path, loaded.rules_path) == ("unit.tests.yaml", Path("unit.perfeval"))
    assert loaded.base_facts is not None and sorted(loaded.base_facts.values) == ["实际基本支出", "资产管理制度",
                                                                                   "预算基本支出"]
    first, second = loaded.cases
    assert (first.name, first.without, first.expect.total, first.expect.grade) == ("偏差", ("资产管理制度",),
                                                                                    Decimal(8), "良")
    assert first.facts is not None and first.facts.values["实际基本支出"].value == "1,150.00 元"
    assert [(n, p) for n, p, _ in first.expect.scores] == [("基本支出执行偏差率", Decimal(3))]
    assert [(n, p) for n, p, _ in first.expect.groups] == [("部门管理", Decimal(8))]
    assert (second.name, second.facts, second.expect.errors) == ("case 2", None, ("PE401", "PE501"))


def test_run_tests_reports_outcomes_and_mismatches() -> None:
    unit(cases("  - name: 对\n    expect: {total: 10}\n  - name: 错\n    expect: {total: 9, grade: 良}\n"))
    report = run_tests(load_tests(Path("unit.tests.yaml")), pe.load_rules("unit.perfeval"))
    assert [o.case.name for o in report.failed] == ["错"]
    (mismatches,) = [o.mismatches for o in report.failed]
    assert [(m.what, m.expected, m.actual, m.detail) for m in mismatches] == [
        ("total", "9", "10", None), ("grade", "良", "优", None)]
    assert report.coverage.percent == 40
    assert report.coverage.meets(Decimal(40)) and not report.coverage.meets(Decimal("40.01"))


def test_run_tests_raises_pe702_for_names_the_rules_do_not_have() -> None:
    unit(cases("  - name: a\n    expect: {scores: {资产制度: 5}, groups: {管理: 10}, grade: A}\n"))
    with pytest.raises(pe.PerfevalError) as failure:
        run_tests(load_tests(Path("unit.tests.yaml")), pe.load_rules("unit.perfeval"))
    assert [(d.code, d.message) for d in failure.value.diagnostics] == [
        ("PE702", "the rules have no indicator named `资产制度`"),
        ("PE702", "the rules have no group named `管理`"),
        ("PE702", "the rules have no grade `A`"),
    ]


def test_the_shipped_example_passes_with_full_coverage(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "test", "rules/anning-2020.perfeval", "--min-coverage", "100")
    assert (code, err) == (0, "")
    assert out.endswith("20 cases: 20 passed\ntier coverage: 71 of 71 branches reached (100%), minimum 100%\n")


# ---- known bugs (strict xfail: when one is fixed, the test fails as a reminder to drop the mark) -------


def test_a_misspelled_fact_in_a_case_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 偏差率 15%\n    facts: {实际基本支岀: 1150 元}\n    expect: {total: 10}\n"))
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert code == 1
    assert "实际基本支岀" in out + err


def test_a_misspelled_name_under_without_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: 缺资产管理制度\n    without: [资产管里制度]\n    expect: {total: 10}\n"))
    code, out, err = run(capsys, "test", "unit.perfeval")
    assert code == 1
    assert "资产管里制度" in out + err


def test_an_empty_expect_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: a\n    expect: {}\n"))
    code, _, err = run(capsys, "test", "unit.perfeval")
    assert code == 1
    assert err.startswith("error[PE701]")


def test_coverage_tells_indicators_of_the_same_name_apart() -> None:
    write("dup.perfeval", "total 10\nfact 甲: %\nfact 乙: %\n"
                          "group 一 {\n  indicator 满意度 weight 5 {\n    score 5 if 甲 >= 90% else 0\n  }\n}\n"
                          "group 二 {\n  indicator 满意度 weight 5 {\n    score 5 if 乙 >= 90% else 0\n  }\n}\n")
    write("dup.tests.yaml", "cases:\n  - name: a\n    facts: {甲: 95%, 乙: 95%}\n    expect: {total: 10}\n"
                            "  - name: b\n    facts: {甲: 95%, 乙: 10%}\n    expect: {total: 5}\n")
    report = run_tests(load_tests(Path("dup.tests.yaml")), pe.load_rules("dup.perfeval"))
    assert (report.coverage.count, len(report.coverage.branches)) == (3, 4)  # group 一's `else` is never reached


def test_an_unknown_grade_points_at_the_grade(capsys: pytest.CaptureFixture[str]) -> None:
    unit(cases("  - name: a\n    expect: {grade: 良好}\n"))
    _, _, err = run(capsys, "test", "unit.perfeval")
    assert err.splitlines()[1] == "  --> unit.tests.yaml:4:21"


def test_min_coverage_is_read_as_a_decimal(capsys: pytest.CaptureFixture[str]) -> None:
    write("three.perfeval", "total 5\nfact 偏差率: %\nindicator 偏差 weight 5 {\n"
                            "  score 5 if 偏差率 <= 10% else 3 if <= 20% else 0\n}\n")
    write("three.tests.yaml", "cases:\n  - name: a\n    facts: {偏差率: 10%}\n    expect: {total: 5}\n"
                              "  - name: b\n    facts: {偏差率: 20%}\n    expect: {total: 3}\n")
    code, out, _ = run(capsys, "test", "three.perfeval", "--min-coverage", "66.66666666666666666")
    assert "minimum 66.66666666666666666%\n" in out
    assert code == 0


# ---- docs/testing.md: every example is run ------------------------------------------------------
#
# The convention is stated at the top of docs/testing.md: `<!-- file: PATH -->` before a block writes it to PATH
# of a scratch folder holding a copy of rules/; `<!-- excerpt: FILE -->` before a ```yaml block says it appears
# exactly in FILE; `<!-- output -->` or `<!-- output exit=N -->` before a ```text block whose first line is
# `$ perfeval …` runs the command there and compares standard output then standard error with the rest of the
# block, exactly; `<!-- quote -->` before a ```text block says it is part of an output block above it.
# ```sh blocks are illustrations; any other unmarked block is a mistake.

TESTING_MD = ROOT / "docs" / "testing.md"
MARKER = re.compile(r"^<!-- (file|excerpt|output|quote)(?:: (\S+)| exit=(\d+))? -->$")


@dataclass(frozen=True)
class DocBlock:
    line: int  # of the opening fence
    lang: str
    text: str
    marker: str | None  # file, excerpt, output or quote
    argument: str | None  # the path of file/excerpt, the exit code of output


def doc_blocks(text: str) -> tuple[list[DocBlock], list[str]]:
    lines = text.split("\n")
    found: list[DocBlock] = []
    problems: list[str] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("```"):
            index += 1
            continue
        start, lang, body = index + 1, lines[index][3:].strip(), []
        index += 1
        while index < len(lines) and lines[index] != "```":
            body.append(lines[index])
            index += 1
        if index == len(lines):
            problems.append(f"line {start}: this fence is never closed")
        before = lines[start - 2] if start >= 2 else ""
        match = MARKER.match(before)
        marker = match.group(1) if match else None
        argument = (match.group(2) or match.group(3)) if match else None
        found.append(DocBlock(start, lang, "\n".join(body) + "\n", marker, argument))
        index += 1
    for block in found:
        where = f"testing.md:{block.line} (```{block.lang})"
        if block.marker is None and block.lang != "sh":
            problems.append(f"{where}: mark it with <!-- file: … -->, <!-- excerpt: … -->, <!-- output --> "
                            "or <!-- quote -->")
        elif block.marker in ("file", "excerpt") and not block.argument:
            problems.append(f"{where}: <!-- {block.marker}: PATH --> needs a path")
        elif block.marker == "excerpt" and block.lang != "yaml":
            problems.append(f"{where}: an excerpt is a ```yaml block")
        elif block.marker == "output" and (block.lang != "text" or not block.text.startswith("$ perfeval ")):
            problems.append(f"{where}: an output block is ```text starting with `$ perfeval …`")
    for position, block in enumerate(found):
        if block.marker == "quote" and not any(b.marker == "output" and block.text in b.text.partition("\n")[2]
                                               for b in found[:position]):
            problems.append(f"testing.md:{block.line}: this quote is not part of an output block above it")
        if block.marker == "file" and not any(b.marker == "output" for b in found[position + 1:]):
            problems.append(f"testing.md:{block.line}: no output block after this file uses it")
    return found, problems


DOC_BLOCKS, DOC_PROBLEMS = doc_blocks(TESTING_MD.read_text(encoding="utf-8")) if TESTING_MD.is_file() else ([], [])
OUTPUTS = [b for b in DOC_BLOCKS if b.marker == "output"]
EXCERPTS = [b for b in DOC_BLOCKS if b.marker == "excerpt"]


def test_testing_md_follows_its_convention() -> None:
    assert TESTING_MD.is_file()
    assert not DOC_PROBLEMS, "\n".join(DOC_PROBLEMS)
    # A broken fence could hide the examples after it; these counts notice that.
    assert len(OUTPUTS) >= 8
    assert len(EXCERPTS) >= 3


@pytest.mark.parametrize("block", EXCERPTS, ids=[f"testing.md:{b.line}" for b in EXCERPTS])
def test_testing_md_excerpt(block: DocBlock) -> None:
    assert block.argument is not None
    assert block.text in (ROOT / block.argument).read_text(encoding="utf-8"), "not an exact excerpt"


@pytest.mark.parametrize("block", OUTPUTS, ids=[f"testing.md:{b.line}" for b in OUTPUTS])
def test_testing_md_output(block: DocBlock, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    for earlier in DOC_BLOCKS:
        if earlier.line > block.line:
            break
        if earlier.marker == "file":
            assert earlier.argument is not None
            write(earlier.argument, earlier.text)
    command, _, expected = block.text.partition("\n")
    code, out, err = run(capsys, *command.split()[2:])
    assert out + err == expected
    assert code == int(block.argument or 0)
