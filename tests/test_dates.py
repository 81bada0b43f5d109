"""Calendar dates: `事实 完成日期: 日期` (`date`), date literals in rules, and the arithmetic of days.

A date is read from every facts format (YAML, TOML, JSON, an Excel workbook, CSV, a unit table) to the same
day; a date written in a rule is `2023-06-30` or `2023年6月30日`. Two dates subtract to a number of 天, a date
moves by a number of 天, dates compare; everything else is a type error with its code. A day the calendar lacks
is PE216 in a rule and PE415 in a facts file. docs/language.md section 5.8 documents all of it.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from cli_support import run, succeeded

import perfeval_dsl as pe

# One rule file for the formats and the command line: a submission deadline in tiers (a literal in each
# spelling), and a completion date against the plan, deducting 1 point per whole 10 days late.
RULES = """\
总分 10
事实 申报日期: 日期
事实 计划完成日期: 日期
事实 完成日期: 日期

指标 申报及时性 分值 4 {
  若 申报日期 <= 2023年3月31日 得 4 分，否则若 <= 2023-04-30 得 2 分，否则不得分
}
指标 完成及时性 分值 6 {
  得分 按 完成日期 - 计划完成日期 每 10 天 扣 1 分
}
"""

# Submitted on the last day of the second tier (2 of 4), finished 25 days late (two whole steps: 4 of 6).
EXPECTED_TOTAL, EXPECTED_GRADE = Decimal(6), "中"
EXPECTED_SCORES = {"申报及时性": Decimal(2), "完成及时性": Decimal(4)}
EXPECTED_VALUES = [
    {"name": "申报日期", "kind": "fact", "type": "date", "value": "2023-04-30", "display": "2023-04-30"},
    {"name": "完成日期", "kind": "fact", "type": "date", "value": "2023-07-25", "display": "2023-07-25"},
    {"name": "计划完成日期", "kind": "fact", "type": "date", "value": "2023-06-30", "display": "2023-06-30"},
]


@pytest.fixture(scope="module")
def rules() -> pe.Rules:
    return pe.parse_rules(RULES, filename="dates.perfeval")


def rule_file(tmp_path: Path) -> Path:
    path = tmp_path / "dates.perfeval"
    path.write_text(RULES, encoding="utf-8")
    return path


def one_indicator(condition_or_score: str, facts: str = "fact 完成日期: date\nfact 计划完成日期: date\n") -> str:
    """A rule file with one indicator of weight 10 whose score line is `score …`."""
    return f"total 10\n{facts}indicator 完成及时性 weight 10 {{\n  score {condition_or_score}\n}}\n"


def first_error(text: str) -> pe.Diagnostic:
    with pytest.raises(pe.PerfevalError) as raised:
        pe.parse_rules(text, filename="rules.perfeval")
    return next(d for d in raised.value.diagnostics if d.is_error)


def facts_error(rules: pe.Rules, facts: object) -> list[pe.Diagnostic]:
    with pytest.raises(pe.PerfevalError) as raised:
        pe.evaluate(rules, facts)  # type: ignore[arg-type]
    return [d for d in raised.value.diagnostics if d.is_error]


def summary(result: pe.Result) -> tuple[Decimal, str | None, dict[str, Decimal]]:
    return result.total, result.grade, {i.name: i.score for i in result.indicators}


def values_of(result: pe.Result) -> list[dict[str, object]]:
    """The `values` entries of every indicator of the JSON document, in order."""
    return [value for indicator in result.to_dict()["indicators"] for value in indicator["values"]]


# ---- literals in rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize("literal", [
    "2023-06-30", "2023年6月30日", "２０２３年６月３０日", "２０２３-０６-３０", "2023年06月30日", "2023-6-30",
    "2023年6月30号",
])
def test_a_date_literal_is_the_same_day_in_every_spelling(literal: str) -> None:
    rules = pe.parse_rules(one_indicator(f"10 if 完成日期 == {literal} else 0", "fact 完成日期: date\n"))
    assert pe.evaluate(rules, {"完成日期": "2023-06-30"}).total == Decimal(10)
    assert pe.evaluate(rules, {"完成日期": "2023-07-01"}).total == Decimal(0)
    assert pe.evaluate(rules, {"完成日期": "2023-06-29"}).total == Decimal(0)


@pytest.mark.parametrize("literal", ["2024-02-29", "2000-02-29", "1900-01-01", "2199-12-31", "2023年12月31日"])
def test_real_days_at_the_edges_of_the_calendar_are_accepted(literal: str) -> None:
    rules = pe.parse_rules(one_indicator(f"10 if 完成日期 <= {literal} else 0", "fact 完成日期: date\n"))
    assert rules.diagnostics == ()
    # the last day perfeval reads leaves nothing to the `else`, and the analysis says so
    assert [d.code for d in pe.analyse(rules)] == (["PE604"] if literal == "2199-12-31" else [])


@pytest.mark.parametrize(("literal", "message"), [
    ("2023-02-30", "`2023-02-30` is not a day of the calendar"),
    ("2023年2月29日", "`2023年2月29日` is not a day of the calendar"),
    ("1900-02-29", "`1900-02-29` is not a day of the calendar"),  # 1900 is no leap year
    ("2100-02-29", "`2100-02-29` is not a day of the calendar"),
    ("2023-06-31", "`2023-06-31` is not a day of the calendar"),
    ("2023-13-01", "`2023-13-01` is not a day of the calendar"),
    ("2023-00-10", "`2023-00-10` is not a day of the calendar"),
    ("2023年6月0日", "`2023年6月0日` is not a day of the calendar"),
    ("1899-12-31", "`1899-12-31` is outside the years 1900 to 2199"),
    ("2200-01-01", "`2200-01-01` is outside the years 1900 to 2199"),
])
def test_a_day_the_calendar_lacks_is_pe216(literal: str, message: str) -> None:
    error = first_error(one_indicator(f"10 if 完成日期 <= {literal} else 0", "fact 完成日期: date\n"))
    assert (error.code, error.message, error.location) == ("PE216", message, "rules.perfeval:4:23")
    assert error.help == ("perfeval reads dates from 1900 to 2199: check the year" if "outside" in message
                          else "write a day of the calendar as year-month-day, e.g. `2023-06-30` or `2023年6月30日`")


def test_a_date_literal_may_be_named_and_moved() -> None:
    rules = pe.parse_rules("total 10\nfact 完成日期: date\nlet 截止 = 2023年6月30日 + 30 天\n"
                           "indicator 完成及时性 weight 10 { score 10 if 完成日期 <= 截止 else 0 }\n")
    assert pe.evaluate(rules, {"完成日期": "2023-07-30"}).total == Decimal(10)
    result = pe.evaluate(rules, {"完成日期": "2023-07-31"})
    assert result.total == Decimal(0)
    assert values_of(result)[1] == {"name": "截止", "kind": "derived", "type": "date", "value": "2023-07-30",
                                    "display": "2023-07-30", "formula": "2023年6月30日 + 30 天"}


# ---- what dates can and cannot do -------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "planned", "finished", "expected"), [
    ("10 if 完成日期 - 计划完成日期 <= 30 天 else 0", "2023-06-30", "2023-07-30", 10),
    ("10 if 完成日期 - 计划完成日期 <= 30 天 else 0", "2023-06-30", "2023-07-31", 0),
    ("10 if 完成日期 <= 计划完成日期 + 30 天 else 0", "2023-06-30", "2023-07-30", 10),
    ("10 if 完成日期 - 30 天 <= 计划完成日期 else 0", "2023-06-30", "2023-07-31", 0),
    ("10 if 30 天 + 计划完成日期 >= 完成日期 else 0", "2023-06-30", "2023-07-30", 10),
    ("10 if 完成日期 < 计划完成日期 else 0", "2023-06-30", "2023-06-30", 0),
    ("10 if 完成日期 == 计划完成日期 else 0", "2023-06-30", "2023/6/30", 10),
    ("10 if 完成日期 != 计划完成日期 else 0", "2023-06-30", "2023/6/30", 0),
    ("10 if 完成日期 between 2023-01-01 and 计划完成日期 else 0", "2023-06-30", "2023-01-01", 10),
    ("10 if 完成日期 between 2023-01-01 and 计划完成日期 else 0", "2023-06-30", "2022-12-31", 0),
    ("10 if 2023-03-01 - 2023-02-01 == 28 天 else 0", "2023-06-30", "2023-06-30", 10),  # February of 2023
    ("10 if 2024-03-01 - 2024-02-01 == 29 天 else 0", "2023-06-30", "2023-06-30", 10),  # a leap year
    ("10 if 2024-01-01 - 2023-12-31 == 1 天 else 0", "2023-06-30", "2023-06-30", 10),   # across a year's end
])
def test_dates_subtract_to_days_move_by_days_and_compare(score: str, planned: str, finished: str,
                                                        expected: int) -> None:
    rules = pe.parse_rules(one_indicator(score), filename="rules.perfeval")
    result = pe.evaluate(rules, {"计划完成日期": planned, "完成日期": finished})
    assert result.total == Decimal(expected)


def test_the_days_between_two_spans_are_a_percentage() -> None:
    rules = pe.parse_rules(
        "总分 15\n事实 开工日期: 日期\n事实 计划完成日期: 日期\n事实 完成日期: 日期\n"
        "令 超时比例 = (完成日期 - 计划完成日期) / (计划完成日期 - 开工日期)\n"
        "指标 完成及时性 分值 15 { 得分 按 超时比例 每 4% 扣 1 分，扣满 10 分为止 }\n")
    result = pe.evaluate(rules, {"开工日期": "2022-12-12", "计划完成日期": "2023-06-30", "完成日期": "2023-07-18"})
    assert result.total == Decimal(13)  # 18 of 200 days: 9%, two whole steps of 4%
    ratio = values_of(result)[3]
    assert (ratio["name"], ratio["type"], ratio["unit"], ratio["value"], ratio["display"]) == (
        "超时比例", "number", "ratio", Decimal("0.09"), "9%")


@pytest.mark.parametrize(("score", "code", "message"), [
    ("10 if 完成日期 <= 计划完成日期 + 30 else 0", "PE203", "a number added to a date needs its unit: days"),
    ("10 if 完成日期 <= 30 + 计划完成日期 else 0", "PE203", "a number added to a date needs its unit: days"),
    ("10 if 完成日期 + 计划完成日期 > 计划完成日期 else 0", "PE204", "two dates cannot be added"),
    ("10 if 2023-06-30 + 2023-06-30 > 完成日期 else 0", "PE204", "two dates cannot be added"),
    ("10 if 完成日期 * 2 > 计划完成日期 else 0", "PE204", "a date cannot be multiplied or divided"),
    ("10 if 完成日期 / 计划完成日期 > 1 else 0", "PE204", "two dates cannot be multiplied or divided"),
    ("10 if 3 天 - 完成日期 <= 计划完成日期 else 0", "PE204", "a date cannot be taken from a number"),
    ("10 if 计划完成日期 + 3 人 >= 完成日期 else 0", "PE204",
     "a date can be moved by a number of days (天), not by a number of 人"),
    ("10 if abs(完成日期) > 计划完成日期 else 0", "PE204", "expected a number here, but this is a date"),
    ("10 if max(完成日期, 计划完成日期) > 计划完成日期 else 0", "PE204", "expected a number here, but this is a date"),
    ("10 if -完成日期 > 计划完成日期 else 0", "PE204", "expected a number here, but this is a date"),
    ("完成日期", "PE204", "a score must be a number of points, but this is a date"),
    ("10 if 完成日期 else 0", "PE204", "expected a condition (yes/no) here, but this is a date"),
    ("10 if 完成日期 <= 20230630 else 0", "PE204", "cannot compare a date with a plain number"),
    ("10 if 完成日期 <= 30 天 else 0", "PE204", "cannot compare a date with a number of 天"),
    ('10 if 完成日期 <= "2023-06-30" else 0', "PE204", "cannot compare a date with a text"),
    ("10 if 完成日期 - 计划完成日期 <= 3% else 0", "PE203", "cannot compare a number of 天 and a percentage"),
])
def test_what_a_date_cannot_do_is_an_error_with_its_code(score: str, code: str, message: str) -> None:
    error = first_error(one_indicator(score))
    assert (error.code, error.message) == (code, message)
    assert error.help  # every one says what to write instead


def test_a_bare_number_beside_a_date_is_shown_with_the_unit_to_write() -> None:
    error = first_error(one_indicator("10 if 完成日期 <= 计划完成日期 + 30 else 0"))
    assert (error.location, error.help) == ("rules.perfeval:5:32", "write `30 天`")


# ---- facts: every format gives the same day ---------------------------------------------------------------


@pytest.mark.parametrize("written", [
    "2023-04-30", "2023/4/30", "2023/04/30", "2023.4.30", "2023年4月30日", "2023年04月30日", "２０２３年４月３０日",
    "2023-04-30T00:00:00", "'2023-04-30'", '"2023年4月30日"',
])
def test_a_date_is_read_in_every_spelling_of_a_yaml_file(rules: pe.Rules, written: str, tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(f"申报日期: {written}\n计划完成日期: 2023-06-30\n完成日期: 2023年7月25日\n", encoding="utf-8")
    result = pe.evaluate(rules, pe.load_facts(path))
    assert summary(result) == (EXPECTED_TOTAL, EXPECTED_GRADE, EXPECTED_SCORES)
    assert values_of(result) == EXPECTED_VALUES


def _workbook(path: Path, rows: list[list[object]], formats: dict[str, str] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "事实"
    for row in rows:
        sheet.append(row)
    for address, number_format in (formats or {}).items():
        sheet[address].number_format = number_format
    book.save(path)
    return path


def test_yaml_toml_json_xlsx_and_csv_give_the_same_result(rules: pe.Rules, tmp_path: Path) -> None:
    (tmp_path / "facts.yaml").write_text(
        "申报日期: 2023-04-30\n计划完成日期: 2023/6/30\n完成日期: 2023年7月25日\n", encoding="utf-8")
    (tmp_path / "facts.toml").write_text(  # TOML's own dates, a local date-time at midnight, and a text
        '"申报日期" = 2023-04-30\n"计划完成日期" = 2023-06-30T00:00:00\n"完成日期" = "2023年7月25日"\n',
        encoding="utf-8")
    (tmp_path / "facts.json").write_text(json.dumps(
        {"申报日期": "2023-04-30", "计划完成日期": "2023.6.30", "完成日期": "2023-07-25T00:00:00"},
        ensure_ascii=False), encoding="utf-8")
    _workbook(tmp_path / "facts.xlsx", [  # date cells, as Excel saves them, and a text cell
        ["名称", "值"],
        ["申报日期", datetime.datetime(2023, 4, 30)],
        ["计划完成日期", datetime.date(2023, 6, 30)],
        ["完成日期", "2023/7/25"],
    ], formats={"B2": "yyyy-mm-dd", "B3": "yyyy\"年\"m\"月\"d\"日\""})
    (tmp_path / "facts.csv").write_text(
        "名称,值\n申报日期,2023-04-30\n计划完成日期,2023年6月30日\n完成日期,2023/7/25\n", encoding="utf-8")
    for name in ("facts.yaml", "facts.toml", "facts.json", "facts.xlsx", "facts.csv"):
        result = pe.evaluate(rules, pe.load_facts(tmp_path / name))
        assert summary(result) == (EXPECTED_TOTAL, EXPECTED_GRADE, EXPECTED_SCORES), name
        assert values_of(result) == EXPECTED_VALUES, name


def test_a_mapping_takes_dates_and_texts(rules: pe.Rules) -> None:
    result = pe.evaluate(rules, {"申报日期": datetime.date(2023, 4, 30),
                                 "计划完成日期": datetime.datetime(2023, 6, 30),
                                 "完成日期": "2023年7月25日"})
    assert summary(result) == (EXPECTED_TOTAL, EXPECTED_GRADE, EXPECTED_SCORES)
    # The evaluation works with a day number; the JSON document shows the day.
    used = result.indicator("申报及时性").values[0]
    assert (used.name, used.value) == ("申报日期", Decimal(datetime.date(2023, 4, 30).toordinal()))


def test_a_unit_table_with_date_columns_scores_each_unit_as_alone(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    rules_path = rule_file(tmp_path)
    table = tmp_path / "单位.csv"
    table.write_text("单位,申报日期,计划完成日期,完成日期\n"
                     "甲,2023-04-30,2023-06-30,2023/7/25\n"
                     "乙,2023年3月31日,2023-06-30,2023-06-30\n"
                     "丙,2023-02-30,2023-06-30,2023-06-01\n", encoding="utf-8")
    code, out, _ = run(capsys, "batch", str(rules_path), str(table), "--format", "json")
    assert code == 1  # 丙 cannot be scored
    document = json.loads(out)
    units = {unit["unit"]: unit for unit in document["units"]}
    assert (units["甲"]["total"], units["甲"]["grade"]) == (6, "中")
    assert (units["乙"]["total"], units["乙"]["grade"]) == (10, "优")
    assert units["丙"]["scored"] is False
    assert [(d["code"], d["message"], d["line"], d["column"]) for d in units["丙"]["diagnostics"]] == [
        ("PE415", "`申报日期` is `2023-02-30`, not a day of the calendar", 4, 3)]
    rules = pe.load_rules(rules_path)
    alone = pe.evaluate(rules, {"申报日期": "2023-04-30", "计划完成日期": "2023-06-30", "完成日期": "2023/7/25"})
    assert alone.total == Decimal(units["甲"]["total"])


# ---- PE415: a fact that is not a date ---------------------------------------------------------------------


@pytest.mark.parametrize(("written", "message"), [
    ("2023-13-01", "`申报日期` is `2023-13-01`, not a day of the calendar"),
    ("2023-02-29", "`申报日期` is `2023-02-29`, not a day of the calendar"),
    ("2023/6/31", "`申报日期` is `2023/6/31`, not a day of the calendar"),
    ("2023年6月31日", "`申报日期` is `2023年6月31日`, not a day of the calendar"),
    ("1899-12-31", "`申报日期` is `1899-12-31`, outside the years 1900 to 2199"),
    ("2200-01-01", "`申报日期` is `2200-01-01`, outside the years 1900 to 2199"),
    ("上半年", "`申报日期` must be a date, but is `上半年`"),
    ("2023年6月", "`申报日期` must be a date, but is `2023年6月`"),
    ("20230630", "`申报日期` must be a date, but is `20230630`"),
    ("45107", "`申报日期` must be a date, but is `45107`"),
    ("true", "`申报日期` must be a date, but is `true`"),
    ("2023-06-30T08:30:00", "`申报日期` is `2023-06-30T08:30:00`, a date with a time of day, and perfeval reads "
                            "whole days"),
])
def test_a_fact_that_is_not_a_day_is_pe415(rules: pe.Rules, written: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text(f"计划完成日期: 2023-06-30\n完成日期: 2023-07-25\n申报日期: {written}\n", encoding="utf-8")
    errors = facts_error(rules, pe.load_facts(path))
    assert [(d.code, d.message, d.location) for d in errors] == [("PE415", message, f"{path}:3:7")]
    assert errors[0].help == "write the day as year-month-day: `2023-06-30` (or `2023/6/30`, `2023年6月30日`)"


def test_every_wrong_date_of_a_facts_file_is_reported_at_once(rules: pe.Rules, tmp_path: Path) -> None:
    path = tmp_path / "facts.toml"
    path.write_text('"申报日期" = "3月底前"\n"计划完成日期" = 2023-06-30\n"完成日期" = "2023-06-31"\n',
                    encoding="utf-8")
    errors = facts_error(rules, pe.load_facts(path))
    assert [(d.code, d.message, d.location) for d in errors] == [
        ("PE415", "`申报日期` must be a date, but is `3月底前`", f"{path}:1:10"),
        ("PE415", "`完成日期` is `2023-06-31`, not a day of the calendar", f"{path}:3:10"),
    ]


def test_an_excel_date_cell_with_a_time_of_day_is_pe415(rules: pe.Rules, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "facts.xlsx", [
        ["名称", "值"], ["申报日期", datetime.datetime(2023, 4, 30, 8, 30)],
        ["计划完成日期", datetime.date(2023, 6, 30)], ["完成日期", datetime.date(2023, 7, 25)],
    ])
    errors = facts_error(rules, pe.load_facts(path))
    assert [(d.code, d.message, d.location) for d in errors] == [
        ("PE415", "`申报日期` is `2023-04-30T08:30:00`, a date with a time of day, and perfeval reads whole days",
         f"{path}[事实]:2:14")]


# ---- boundaries -------------------------------------------------------------------------------------------

DEADLINE = """\
总分 20
事实 计划完成日期: 日期
事实 完成日期: 日期
指标 按时完成 分值 10 { 若 完成日期 <= 计划完成日期 得 10 分，否则不得分 }
指标 逾期扣分 分值 10 { 得分 按 完成日期 - 计划完成日期 每 1 天 扣 2 分 }
"""


@pytest.mark.parametrize(("finished", "on_time", "per_day"), [
    ("2023-06-29", 10, 10),   # a day early: nothing comes off, and nothing is added
    ("2023-06-30", 10, 10),   # on the planned day: on time (the deadline includes its day)
    ("2023-07-01", 0, 8),     # the day after: 1 day late
    ("2023-07-03", 0, 4),     # 3 days late
    ("2023-07-05", 0, 0),     # 5 days late: all 10 points off
    ("2023-12-31", 0, 0),     # far late: never below 0
])
def test_the_deadline_day_is_on_time_and_each_day_after_is_late(finished: str, on_time: int, per_day: int) -> None:
    rules = pe.parse_rules(DEADLINE)
    result = pe.evaluate(rules, {"计划完成日期": "2023年6月30日", "完成日期": finished})
    assert {i.name: i.score for i in result.indicators} == {"按时完成": Decimal(on_time), "逾期扣分": Decimal(per_day)}


def test_finished_early_gives_negative_days_and_takes_nothing_off(rules: pe.Rules) -> None:
    result = pe.evaluate(rules, {"申报日期": "2023-03-31", "计划完成日期": "2023-06-30", "完成日期": "2023-06-20"})
    assert summary(result) == (Decimal(10), "优", {"申报及时性": Decimal(4), "完成及时性": Decimal(6)})
    workings = result.to_dict()["indicators"][1]["workings"]
    assert workings[0]["steps"][0]["gap_value"] == Decimal(-10)
    assert (workings[0]["deducted"], workings[0]["score"]) == (Decimal(0), Decimal(6))
    rules_with_gap = pe.parse_rules("total 10\nfact 计划完成日期: date\nfact 完成日期: date\n"
                                    "let 逾期 = 完成日期 - 计划完成日期\n"
                                    "indicator 完成及时性 weight 10 { score 10 if 逾期 <= 0 天 else 0 }\n")
    early = pe.evaluate(rules_with_gap, {"计划完成日期": "2023-06-30", "完成日期": "2023-06-20"})
    gap = values_of(early)[2]
    assert (gap["name"], gap["type"], gap["unit"], gap["value"], gap["display"]) == (
        "逾期", "number", "天", Decimal(-10), "-10 天")
    assert early.total == Decimal(10)


def test_tier_bounds_on_dates_are_inclusive_as_written(rules: pe.Rules) -> None:
    base = {"计划完成日期": "2023-06-30", "完成日期": "2023-06-30"}
    scores = {day: pe.evaluate(rules, {**base, "申报日期": day}).indicator("申报及时性").score
              for day in ("2023-03-31", "2023-04-01", "2023-04-30", "2023-05-01")}
    assert scores == {"2023-03-31": 4, "2023-04-01": 2, "2023-04-30": 2, "2023-05-01": 0}


# ---- the command line: trace, JSON, fmt --------------------------------------------------------------------


def test_the_trace_shows_days_and_the_subtraction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text("申报日期: 2023年4月30日\n计划完成日期: 2023-06-30\n完成日期: 2023/7/25\n", encoding="utf-8")
    out = succeeded(capsys, "eval", str(rule_file(tmp_path)), "--facts", str(facts))
    lines = [line.rstrip() for line in out.splitlines()]
    assert "  values    申报日期 = 2023-04-30" in lines
    assert "            ✓ 申报日期 <= 2023-04-30   [2023-04-30 <= 2023-04-30]  → 2 分   fired" in lines
    assert ("  deduction 完成日期 - 计划完成日期 = 2023-07-25 - 2023-06-30 = 25 天: 2 whole steps of 10 天, "
            "2 × 1 = 2 off") in lines


def test_the_json_document_gives_dates_as_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text("申报日期: 2023年4月30日\n计划完成日期: 2023-06-30\n完成日期: 2023/7/25\n", encoding="utf-8")
    document = json.loads(succeeded(capsys, "eval", str(rule_file(tmp_path)), "--facts", str(facts),
                                    "--format", "json"))
    assert (document["total"], document["grade"]) == (6, "中")
    first, second = document["indicators"]
    assert (first["actual"], first["score"], first["values"]) == ("2023-04-30", 2, EXPECTED_VALUES[:1])
    assert first["fired"] == {"kind": "tier", "index": 1, "condition": "申报日期 <= 2023-04-30", "score": "2 分"}
    assert (second["score"], second["values"]) == (4, EXPECTED_VALUES[1:])
    assert second["workings"][0]["steps"][0]["gap"] == "完成日期 - 计划完成日期"
    assert second["workings"][0]["steps"][0]["gap_value"] == 25


def test_fmt_keeps_a_date_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dates.perfeval"
    written = ("总分 10\n事实 完成日期: 日期\n指标 完成及时性 分值 10 {\n"
               "  若 完成日期 <= 2023年6月30日 得 10 分，否则若 <= 2023-07-31 得 5 分，否则不得分\n}\n")
    path.write_text(written, encoding="utf-8")
    succeeded(capsys, "fmt", str(path))
    assert path.read_text(encoding="utf-8") == written  # already canonical: nothing changed
    code, _, _ = run(capsys, "fmt", "--check", str(path))
    assert code == 0


def test_fmt_keywords_convert_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dates.perfeval"
    path.write_text("总分 10\n事实 完成日期: 日期\n"
                    "指标 完成及时性 分值 10 {\n  得分 10 若 完成日期 <= 2023年6月30日 否则 0\n}\n", encoding="utf-8")
    assert run(capsys, "fmt", "--keywords", "en", str(path)) == (0, "", "reformatted 1 of 1 files\n")
    english = path.read_text(encoding="utf-8")
    assert english == ("total 10\nfact 完成日期: date\n"
                       "indicator 完成及时性 weight 10 {\n  score 10 if 完成日期 <= 2023年6月30日 else 0\n}\n")
    assert run(capsys, "fmt", "--keywords", "zh", str(path)) == (0, "", "reformatted 1 of 1 files\n")
    chinese = path.read_text(encoding="utf-8")
    assert "事实 完成日期: 日期\n" in chinese and "2023年6月30日" in chinese
    for text in (english, chinese):  # either way, the same rules
        converted = pe.parse_rules(text)
        assert pe.evaluate(converted, {"完成日期": "2023-06-30"}).total == Decimal(10)
        assert pe.evaluate(converted, {"完成日期": "2023-07-01"}).total == Decimal(0)


def test_pe216_and_pe415_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_rules = tmp_path / "bad.perfeval"
    bad_rules.write_text(RULES.replace("2023-04-30", "2023-04-31"), encoding="utf-8")
    code, out, err = run(capsys, "check", str(bad_rules))
    assert (code, out) == (1, "")
    assert err.startswith("error[PE216]: `2023-04-31` is not a day of the calendar\n")
    facts = tmp_path / "facts.yaml"
    facts.write_text("申报日期: 2023-13-01\n计划完成日期: 2023-06-30\n完成日期: 2023-07-25\n", encoding="utf-8")
    code, out, err = run(capsys, "eval", str(rule_file(tmp_path)), "--facts", str(facts))
    assert (code, out) == (1, "")
    assert err.startswith("error[PE415]: `申报日期` is `2023-13-01`, not a day of the calendar\n")
    code, _, err = run(capsys, "--lang", "zh", "eval", str(rule_file(tmp_path)), "--facts", str(facts))
    assert code == 1
    assert err.startswith("错误[PE415]：`申报日期` 写的是 `2023-13-01`，是日历上没有的一天\n")


@pytest.mark.parametrize("days", ["1.5 天", "1.5"])
def test_a_date_moves_by_whole_days(days: str) -> None:
    error = first_error(one_indicator(f"10 if 完成日期 + {days} <= 计划完成日期 else 0"))
    assert (error.code, error.message, error.help) == ("PE203", "a date moves by whole days",
                                                       "write a whole number of days, e.g. `2 天`")
