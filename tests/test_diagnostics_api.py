"""Diagnostics through the embedding API: `PerfevalError` carries every diagnostic, each with its code,
location and plain-data form, and no other Python exception escapes for bad input."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from test_ui import CASES, load_case

import perfeval_dsl as pe
from perfeval_dsl.cases import load_tests, run_tests
from perfeval_dsl.errors import Diagnostic, Severity, error, render
from perfeval_dsl.source import Source

ROOT = Path(__file__).resolve().parent.parent

TWO_MISTAKES = """\
fact 收入: 元
indicator 收入考核 weight 60 {
  score 60 if 收人 >= 5 元 else 0
}
indicator 支出考核 weight 40 {
  score 40 if 支出 <= 5 元 else 0
}
"""

GOOD = """\
fact 收入: 元
indicator 收入考核 weight 100 {
  score 100 if 收入 >= 5 元 else 0
}
"""


def test_every_independent_error_of_a_file_is_reported_at_once() -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(TWO_MISTAKES, filename="rules/two.perfeval")
    errors = caught.value.errors
    assert [(d.code, d.location) for d in errors] == [
        ("PE201", "rules/two.perfeval:3:15"),
        ("PE201", "rules/two.perfeval:6:15"),
    ]
    assert all(d.is_error and d.severity is Severity.ERROR for d in errors)
    # The warning found on the way (收入 is never read: the rule misspells it) travels with the errors.
    assert [d.code for d in caught.value.diagnostics] == ["PE306", "PE201", "PE201"]
    assert not caught.value.diagnostics[0].is_error


def test_a_diagnostic_as_plain_data() -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(TWO_MISTAKES, filename="rules/two.perfeval")
    first = caught.value.errors[0]
    assert first.to_dict() == {
        "severity": "error",
        "code": "PE201",
        "message": "I cannot find a fact or value named `收人`",
        "file": "rules/two.perfeval",
        "line": 3,
        "column": 15,
        "label": "not declared",
        "help": "did you mean `收入`?",
    }
    second = caught.value.errors[1].to_dict()
    assert second["help"] == "declare it at the top of the file, e.g. `fact 支出: 元` (or `个`, `%`, …)"


def test_the_exception_text_is_every_diagnostic_rendered() -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(TWO_MISTAKES, filename="rules/two.perfeval")
    text = str(caught.value)
    assert text == "\n\n".join(render(d) for d in caught.value.diagnostics)
    assert text.count("error[PE201]") == 2
    assert "  --> rules/two.perfeval:3:15\n" in text


def test_a_syntax_error_is_reported_alone() -> None:
    # After a syntax error the parser's guesses would mislead, so only the first one is reported.
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(GOOD.replace("weight 100", "") + "fact 收入: 元\n")
    assert [(d.code, d.location) for d in caught.value.diagnostics] == [("PE102", "<string>:2:17")]


def test_a_file_diagnostic_has_a_path_and_no_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.perfeval"
    with pytest.raises(pe.PerfevalError) as caught:
        pe.load_rules(missing)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "PE001"
    assert diagnostic.location == str(missing)
    assert diagnostic.to_dict() == {
        "severity": "error", "code": "PE001", "message": f"there is no file `{missing}`", "file": str(missing),
        "help": "check the path; it is taken relative to the current folder",
    }


def test_a_folder_is_not_a_facts_file(tmp_path: Path) -> None:
    folder = tmp_path / "facts.yaml"
    folder.mkdir()
    with pytest.raises(pe.PerfevalError) as caught:
        pe.load_facts(folder)
    assert [d.code for d in caught.value.diagnostics] == ["PE003"]
    assert caught.value.diagnostics[0].location == str(folder)


def test_facts_problems_point_into_the_facts_file(tmp_path: Path) -> None:
    facts = tmp_path / "unit.facts.yaml"
    facts.write_text("收入: 约五元\n多余: 1 元\n", encoding="utf-8")
    rules = pe.parse_rules(GOOD, filename="rules.perfeval")
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, pe.load_facts(facts))
    assert [(d.code, d.severity, d.location) for d in caught.value.diagnostics] == [
        ("PE402", Severity.ERROR, f"{facts}:1:5"),  # a value error points at the value
        ("PE404", Severity.WARNING, f"{facts}:2:1"),  # an undeclared name points at the name
    ]


def test_evaluation_failures_of_several_indicators_are_all_reported() -> None:
    rules = pe.parse_rules("""\
fact 发出份数: 份
fact 满意份数: 份
fact 完成率: %
indicator 满意度 weight 50 {
  score 50 if 满意份数 / 发出份数 >= 90% else 0
}
indicator 完成情况 weight 50 {
  score 50 if 完成率 >= 90% else 25 if >= 60%
}
""")
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"发出份数": "0 份", "满意份数": "0 份", "完成率": "50%"})
    assert [(d.code, d.location) for d in caught.value.diagnostics] == [
        ("PE501", "<string>:5:15"),
        ("PE502", "<string>:8:9"),
    ]


def test_warnings_stay_on_the_returned_objects() -> None:
    rules = pe.parse_rules(GOOD.replace("fact 收入: 元\n", "fact 收入: 元\nfact 支出: 元\n"))
    assert [d.code for d in rules.diagnostics] == ["PE306"]
    result = pe.evaluate(rules, {"收入": "8 元", "收益": "1 元"})
    assert result.total == Decimal(100)
    assert [d.code for d in result.diagnostics] == ["PE306", "PE404"]


def test_a_diagnostic_needs_a_registered_code() -> None:
    with pytest.raises(ValueError, match="unregistered"):
        error("PE999", "no such code")
    assert isinstance(error("PE201", "fine"), Diagnostic)


def test_carets_count_two_columns_for_a_chinese_character() -> None:
    source = Source("x.perfeval", "let 比率 = 收入／支出\n")
    text = render(error("PE201", "m", source.span(9, 11), "here"))
    # `let 比率 = ` is 11 columns wide: 4 + 2 × 2 + 3.
    assert text.splitlines()[3:] == ["1 | let 比率 = 收入／支出", "  | " + " " * 11 + "^^^^ here"]


def test_a_tab_and_windows_line_ends_keep_the_caret_in_place() -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(("\t" + GOOD.replace("收入 >=", "收人 >=")).replace("\n", "\r\n"))
    (diagnostic,) = caught.value.errors
    assert diagnostic.location == "<string>:3:16"
    assert render(diagnostic).splitlines()[3:5] == [
        "3 |   score 100 if 收人 >= 5 元 else 0",
        "  |                ^^^^ not declared",
    ]


# ---- no other exception escapes -------------------------------------------------------------------


def _run_case_through_the_api(name: str) -> tuple[list[str], bool]:
    """Load, evaluate and render one tests/ui case with the API; the codes raised, and whether it succeeded."""
    case = load_case(name)
    try:
        if case.argv[0] == "test":  # `perfeval test FILE.tests.yaml`: the rule tests of perfeval_dsl.cases
            tests = load_tests(Path(case.argv[1]))
            report = run_tests(tests, pe.load_rules(tests.rules_path))
            return [], not report.failed
        rules = pe.load_rules(case.argv[1])
        if case.argv[0] == "eval":
            result = pe.evaluate(rules, pe.load_facts(case.argv[3]))
            pe.render(result, "json")
            pe.render(result, "text")
    except pe.PerfevalError as caught:
        return [d.code for d in caught.errors], False
    return [], True


# `boundaries` and `explain` (PE005 to PE007) are checks of the command line, with no API counterpart.
API_CASES = [name for name in CASES
             if load_case(name).argv[0] in ("eval", "check", "test")
             and not load_case(name).stderr.read_text(encoding="utf-8").startswith("Usage:")]


@pytest.mark.parametrize("name", API_CASES)
def test_only_perfeval_error_escapes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    case = load_case(name)
    for variable, value in case.env:
        monkeypatch.setenv(variable, value)
    codes, succeeded = _run_case_through_the_api(name)
    assert succeeded == (case.exit == 0 or "--strict" in case.argv)
    if case.xfail is None:
        # The API raises the errors the command prints: the command adds none and drops none.
        printed = re.findall(r"^error\[(PE\d{3})\]", case.stderr.read_text(encoding="utf-8"), re.MULTILINE)
        assert codes == printed


@pytest.mark.parametrize("value", [float("inf"), float("nan"), Decimal("Infinity"), Decimal("-Infinity"),
                                   Decimal("NaN"), "Infinity 元", "NaN"],
                         ids=["inf", "nan", "Infinity", "-Infinity", "Decimal-NaN", "text-Infinity", "text-NaN"])
def test_a_number_that_is_not_finite_is_not_a_number(value: object) -> None:
    rules = pe.parse_rules(GOOD)
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"收入": value})
    assert [d.code for d in caught.value.diagnostics] == ["PE402"]


@pytest.mark.parametrize(("declared", "value", "shown"), [
    ("元", "1" + "0" * 35 + " 元", "1" + "0" * 35 + " 元"),
    ("元", "1" + "0" * 18 + " 元", "1" + "0" * 18 + " 元"),
    ("个", Decimal("1.0e+600000"), "1.0E+600000"),
    ("个", Decimal("1e-19"), "1E-19"),
    ("个", Decimal("-1e18"), "-1E+18"),
], ids=["money-36-digits", "money-19-digits", "count-1e600000", "count-1e-19", "count-minus-1e18"])
def test_a_huge_or_tiny_value_is_refused_as_out_of_range(declared: str, value: object, shown: str) -> None:
    rules = pe.parse_rules(GOOD.replace("收入: 元", f"收入: {declared}").replace("5 元", f"5 {declared}"))
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"收入": value})
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.to_dict() == {
        "severity": "error", "code": "PE402",
        "message": f"`收入` is `{shown}`, which is not a number perfeval accepts",
        "help": "a fact must be a finite number with at most 18 digits before and 18 after the decimal point",
    }


@pytest.mark.parametrize("value", ["9" * 18 + " 元", "-" + "9" * 18 + " 元", "0." + "0" * 17 + "1 元"],
                         ids=["18-nines", "minus-18-nines", "1e-18"])
def test_the_largest_and_smallest_values_in_range_are_scored_and_shown(value: str) -> None:
    rules = pe.parse_rules(GOOD)
    result = pe.evaluate(rules, {"收入": value})
    (used,) = result.indicator("收入考核").values
    assert used.value == Decimal(value.removesuffix(" 元"))
    pe.render(result, "json")
    pe.render(result, "text")


def test_a_derived_value_may_use_another() -> None:
    rules = pe.parse_rules("fact 甲: 元\nfact 乙: 元\nlet 比率 = 甲 / 乙\nlet 两倍 = 比率 * 2\n"
                           "indicator 考核 weight 100 {\n  score 100 if 两倍 >= 100% else 0\n}\n")
    assert pe.evaluate(rules, {"甲": "1 元", "乙": "2 元"}).total == 100
