"""Deductions (扣分: `按 差距 每 3% 扣 1 分`) and checklists (逐项计分: `逐项 { 条件 得 1 分 … }`).

Both languages and the ways a standard is typed; the defaults (whole steps, a gap of 0 or less takes nothing,
never below 0, the limit, the base); exact boundaries; the trace and JSON workings; what the checker refuses;
and that `fmt` and keyword conversion keep what a file means.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import perfeval_dsl as pe
from perfeval_dsl.analysis import analyse
from perfeval_dsl.convert import convert_keywords
from perfeval_dsl.facts import Facts, parse_facts
from perfeval_dsl.formatter import format_rules
from perfeval_dsl.source import Source
from perfeval_dsl.syntax import parse


def score(rule: str, facts: dict[str, object], *, weight: int = 10, declarations: str = "") -> Decimal:
    text = f"总分 {weight}\n事实 完成率: %\n{declarations}\n指标 甲 分值 {weight} {{\n  {rule}\n}}\n"
    result = pe.evaluate(pe.parse_rules(text), facts)
    return result.scores[0]


def tree(text: str) -> object:
    parsed, diagnostics = parse(Source("t.perfeval", text))
    assert parsed is not None, [d.message for d in diagnostics]
    return parsed


def codes(text: str) -> list[str]:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(text)
    return [d.code for d in caught.value.diagnostics if d.severity.value == "error"]


# ---- deductions ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rate", "expected"), [
    ("100%", "10"), ("101%", "10"),  # nothing short: nothing off
    ("97.01%", "10"), ("97%", "9"),  # 2.99% is no whole step; exactly 3% is one
    ("94%", "8"), ("92%", "8"), ("91%", "7"),
    ("70%", "0"), ("0%", "0"),  # 扣完为止: never below 0
])
def test_whole_steps_of_a_shortfall(rate: str, expected: str) -> None:
    assert score("得分 按 100% - 完成率 每 3% 扣 1 分，扣完为止", {"完成率": rate}) == Decimal(expected)


@pytest.mark.parametrize("rule", [
    "得分 按 100% - 完成率 每 3% 扣 1 分，扣完为止",
    "得分 按 100%-完成率每3%扣1分，扣完为止",  # typed without spaces
    "得分 按 100% － 完成率 每 ３％ 扣 １ 分",  # full-width
    "score by 100% - 完成率 per 3% deduct 1",
    "得分 按 100% - 完成率 每 3% 扣 1",  # points without 分
])
def test_the_ways_to_write_it_mean_the_same(rule: str) -> None:
    assert score(rule, {"完成率": "92%"}) == 8


def test_the_chinese_and_english_forms_have_one_tree() -> None:
    zh = "总分 10\n事实 完成率: %\n指标 甲 分值 10 { 得分 8 分 按 完成率每3%扣1分，最多扣 5 分，按比例，扣完为止 }"
    en = ("total 10\nfact 完成率: %\n"
          "indicator 甲 weight 10 { score 8 分 by 完成率 per 3% deduct 1分, limit 5 分, prorated }")
    assert tree(zh) == tree(en)
    assert tree("总分 10\n事实 完成率: %\n指标 甲 分值 10 { 得分 按 完成率 每 3% 扣 1 分，扣满 5 分为止 }") == \
        tree("总分 10\n事实 完成率: %\n指标 甲 分值 10 { 得分 按 完成率 每 3% 扣 1 分，最多扣 5 分 }")


@pytest.mark.parametrize(("rate", "expected"), [("95.5%", "8.5"), ("97%", "9"), ("100%", "10"),
                                                ("99%", "9.666666666666666666666666666666667")])
def test_prorated_steps_count_part_steps(rate: str, expected: str) -> None:
    assert score("得分 按 100% - 完成率 每 3% 扣 1 分，按比例", {"完成率": rate}) == Decimal(expected)


@pytest.mark.parametrize(("rate", "expected"), [("70%", "5"), ("85%", "5"), ("88%", "6"), ("100%", "10")])
def test_a_limit_caps_the_points_taken_off(rate: str, expected: str) -> None:
    assert score("得分 按 100% - 完成率 每 3% 扣 1 分，扣满 5 分为止", {"完成率": rate}) == Decimal(expected)


@pytest.mark.parametrize(("over", "expected"), [("1,020,000", "8"), ("1,025,000", "7.75"), ("1,030,000", "7.5"),
                                                ("1,000,000", "8"), ("1,200,000", "0")])
def test_points_written_first_are_the_base(over: str, expected: str) -> None:
    declarations = "事实 预算数: 元\n事实 实际支出: 元\n令 超支率 = (实际支出 - 预算数) / 预算数"
    rule = "得分 8 分 按 超支率 - 2% 每 1% 扣 0.5 分，按比例"
    assert score(rule, {"完成率": "1%", "预算数": "1,000,000 元", "实际支出": f"{over} 元"},
                 declarations=declarations) == Decimal(expected)


def test_several_gaps_take_points_off_one_score() -> None:
    declarations = "事实 缺少的制度数: 数值"
    rule = "得分 按 100% - 完成率 每 3% 扣 1 分，按 缺少的制度数 每 1 扣 0.5 分，最多扣 4 分"
    assert score(rule, {"完成率": "94%", "缺少的制度数": "1"}, declarations=declarations) == Decimal("7.5")
    assert score(rule, {"完成率": "85%", "缺少的制度数": "3"}, declarations=declarations) == Decimal("6")


def test_a_deduction_in_a_tier() -> None:
    declarations = "事实 费用控制均有效: 是否\n事实 超支率: %"
    rule = "得分 10 若 费用控制均有效 否则 8 分 按 超支率 - 2% 每 1% 扣 0.5 分"
    assert score(rule, {"完成率": "1%", "费用控制均有效": "是", "超支率": "9%"}, declarations=declarations) == 10
    facts = {"完成率": "1%", "费用控制均有效": "否", "超支率": "5.5%"}
    assert score(rule, facts, declarations=declarations) == Decimal("6.5")


def test_a_count_gap_with_a_count_step() -> None:
    declarations = "事实 未达标项数: 项"
    assert score("得分 按 未达标项数 每 1 项 扣 0.5 分", {"完成率": "1%", "未达标项数": "3 项"},
                 declarations=declarations) == Decimal("8.5")


# ---- checklists -----------------------------------------------------------------------------------------

CHECKLIST = """总分 5
事实 有财务制度: 是否
事实 有项目制度: 是否
事实 满意率: %
指标 管理制度 分值 5 {
  得分 逐项 {
    有财务制度 得 1 分
    有项目制度得1分
    满意率 >= 90% 且 有财务制度 得 3 分
  }
}
"""


@pytest.mark.parametrize(("finance", "project", "rate", "expected"), [
    ("是", "是", "90%", "5"), ("是", "否", "90%", "4"), ("否", "是", "95%", "1"), ("是", "是", "89.99%", "2"),
    ("否", "否", "100%", "0"),
])
def test_a_checklist_adds_the_items_that_hold(finance: str, project: str, rate: str, expected: str) -> None:
    result = pe.evaluate(pe.parse_rules(CHECKLIST), {"有财务制度": finance, "有项目制度": project, "满意率": rate})
    assert result.total == Decimal(expected)


def test_a_checklist_in_english_and_in_one_line_is_the_same_tree() -> None:
    english = CHECKLIST.replace("得分 逐项", "score checklist").replace("得 1 分", "then 1 分") \
        .replace("有项目制度得1分", "有项目制度 then 1分").replace("得 3 分", "then 3 分").replace(" 且 ", " and ")
    one_line = CHECKLIST.replace("得 1 分\n    有项目", "得 1 分；有项目").replace("得1分\n    满意率", "得1分；满意率")
    assert one_line.count("；") == 2
    assert tree(CHECKLIST) == tree(english) == tree(one_line)


def test_a_tier_before_a_checklist_zeroes_it() -> None:
    text = CHECKLIST.replace("得分 逐项", "得分 0 若 非 有财务制度 否则 逐项")
    facts = {"有财务制度": "否", "有项目制度": "是", "满意率": "99%"}
    assert pe.evaluate(pe.parse_rules(text), facts).total == 0


def test_a_checklist_above_the_weight_is_a_warning_then_an_error() -> None:
    text = CHECKLIST.replace("得 3 分", "得 4 分")
    assert [d.code for d in analyse(pe.parse_rules(text).program)] == ["PE605"]
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(pe.parse_rules(text), {"有财务制度": "是", "有项目制度": "是", "满意率": "95%"})
    assert [d.code for d in caught.value.diagnostics] == ["PE503"]
    capped = text.replace("得分 逐项 {", "得分 min(逐项 {").replace("  }\n}", "  }, 分值)\n}")
    assert pe.evaluate(pe.parse_rules(capped), {"有财务制度": "是", "有项目制度": "是", "满意率": "95%"}).total == 5


# ---- what the checker refuses ---------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "expected"), [
    ("得分 按 100% - 完成率 每 0% 扣 1 分", ["PE215"]),
    ("得分 按 100% - 完成率 每 3% 扣 0 分", ["PE215"]),
    ("得分 按 100% - 完成率 每 3% 扣 1 分，最多扣 0 分", ["PE215"]),
    ("得分 按 100% - 完成率 每 3 项 扣 1 分", ["PE203"]),
    ("得分 按 100% - 完成率 每 3% 扣 1%", ["PE204"]),
    ("得分 逐项 { 完成率 得 1 分 }", ["PE204"]),
    ("得分 逐项 { 完成率 > 1% 得 0 分 }", ["PE215"]),
    ("得分 按 未知率 每 3% 扣 1 分", ["PE201"]),
])
def test_mistakes_are_diagnosed(body: str, expected: list[str]) -> None:
    assert codes(f"总分 10\n事实 完成率: %\n指标 甲 分值 10 {{ {body} }}") == expected


def test_a_deduction_outside_an_indicator_is_refused() -> None:
    text = "总分 10\n事实 完成率: %\n令 扣后 = 按 100% - 完成率 每 3% 扣 1 分\n指标 甲 分值 10 { 得分 扣后 }"
    assert codes(text) == ["PE215"]


def test_a_deduction_inside_the_indicators_let_works() -> None:
    text = "总分 10\n事实 完成率: %\n指标 甲 分值 10 {\n  令 扣后 = 按 100% - 完成率 每 3% 扣 1 分\n  得分 扣后\n}"
    result = pe.evaluate(pe.parse_rules(text), {"完成率": "92%"})
    assert result.total == 8
    assert len(result.indicators[0].workings) == 1


# ---- the trace and the JSON document --------------------------------------------------------------------

RULES = """总分 10
事实 完成率: % 介于 0% 与 100%
事实 有制度: 是否
事实 有计划: 是否
指标 完成及时性 分值 6 {
  得分 按 100% - 完成率 每 3% 扣 1 分，最多扣 5 分
}
指标 管理制度 分值 4 {
  得分 逐项 {
    有制度 得 1 分
    有计划 得 3 分
  }
}
"""
FACTS = {"完成率": "92%", "有制度": "是", "有计划": "否"}


def test_the_trace_shows_the_arithmetic_in_english_and_chinese() -> None:
    result = pe.evaluate(pe.parse_rules(RULES, filename="r.perfeval"), FACTS)
    english = pe.render(result, "text").splitlines()
    start = english.index(next(line for line in english if line.startswith("完成及时性")))
    assert [line.rstrip() for line in english[start + 1: start + 12]] == [
        "  rule      by 100% - 完成率 per 3% deduct 1 分, limit 5 分   (r.perfeval:5)",
        "  values    完成率 = 92%",
        "  deduction 100% - 完成率 = 100% - 92% = 8%: 2 whole steps of 3%, 2 × 1 = 2 off",
        "            2 off in all, at most 5: 2 off",
        "            6 − 2 = 4",
        english[start + 6],
        "  rule      checklist { 有制度 then 1 分, 有计划 then 3 分 }   (r.perfeval:8)",
        "  values    有制度 = yes",
        "            有计划 = no",
        "  checklist ✓ 有制度  → 1",
        "            ✗ 有计划  → 0 (of 3)",
    ]
    assert english[start + 6].startswith("管理制度") and english[start + 6].split()[-4:] == ["1", "/", "4", "-3"]
    chinese = pe.render(result, "text", lang="zh")
    assert "  扣分      100% - 完成率 = 100% - 92% = 8%：满 3% 的整档 2 档，扣 2 × 1 = 2 分" in chinese
    assert "  规则      逐项 { 有制度 得 1 分，有计划 得 3 分 }   (r.perfeval:8)" in chinese


def test_the_json_document_has_the_workings() -> None:
    result = pe.evaluate(pe.parse_rules(RULES), FACTS)
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    deduction, checklist = (indicator["workings"] for indicator in document["indicators"])
    assert deduction == [{"kind": "deduction", "base": 6, "prorated": False,
                          "steps": [{"gap": "100% - 完成率", "gap_value": Decimal("0.08"), "step": Decimal("0.03"),
                                     "steps": 2, "points_per_step": 1, "points_off": 2}],
                          "deducted": 2, "limit": 5, "taken": 2, "score": 4}]
    assert checklist == [{"kind": "checklist", "items": [{"condition": "有制度", "held": True, "points": 1},
                                                          {"condition": "有计划", "held": False, "points": 3}],
                          "score": 1}]
    plain = pe.evaluate(pe.parse_rules("总分 5\n事实 x: %\n指标 甲 分值 5 { 得分 5 若 x > 1% 否则 0 }"), {"x": "2%"})
    assert "workings" not in json.loads(pe.render(plain, "json"))["indicators"][0]


# ---- fmt and keyword conversion keep the meaning --------------------------------------------------------

def test_fmt_and_conversion_keep_the_meaning() -> None:
    original = tree(RULES)
    for keywords in (None, "en", "zh"):
        text, diagnostics = format_rules(Source("r.perfeval", RULES), keywords)
        assert text is not None and not diagnostics
        assert tree(text) == original
        again, _ = format_rules(Source("r.perfeval", text), keywords)
        assert again == text  # a fixed point
    english = convert_keywords(RULES, "en")
    assert english is not None and "score by 100% - 完成率 per 3% deduct 1 分，limit 5 分" in english
    assert tree(english) == original
    assert convert_keywords(english, "zh") == RULES


def test_fmt_writes_chinese_commas_in_a_chinese_file() -> None:
    text, _ = format_rules(Source("r.perfeval", RULES))
    assert text is not None
    assert "  得分 按 100% - 完成率 每 3% 扣 1 分，最多扣 5 分\n" in text
    assert "  得分 逐项 {\n    有制度 得 1 分，\n    有计划 得 3 分\n  }\n" in text


# ---- proportional scores ---------------------------------------------------------------------------------

PROPORTION = """总分 10
事实 实际: 个
事实 目标: 个
指标 甲 分值 10 {{
  {direction}
  得分 按比例 实际 对 目标
}}
"""


@pytest.mark.parametrize(("direction", "actual", "target", "expected", "zero"), [
    ("", "45", "50", "9.0", None),
    ("", "50", "50", "10", None),
    ("", "55", "50", "10", None),  # 满分为止
    ("", "0", "50", "0", None),
    ("", "3", "0", "10", "target"),  # nothing asked: met
    ("方向 反向", "55", "50", "9.090909090909090909090909090909091", None),
    ("方向 反向", "45", "50", "10", None),
    ("方向 反向", "0", "2", "10", "actual"),  # 结转结余率 0: the best there is
    ("方向 反向", "0", "0", "10", "actual"),
    ("方向 反向", "1", "0", "0", None),
])
def test_a_proportion_follows_the_direction_and_settles_zero(direction: str, actual: str, target: str,
                                                             expected: str, zero: str | None) -> None:
    rules = pe.parse_rules(PROPORTION.format(direction=direction))
    result = pe.evaluate(rules, {"实际": f"{actual} 个", "目标": f"{target} 个"})
    assert result.total == Decimal(expected)
    (working,) = result.indicators[0].workings
    assert working.zero == zero
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    (shown,) = document["indicators"][0]["workings"]
    assert shown["kind"] == "proportion" and shown["zero"] == zero
    assert shown["direction"] == ("lower" if direction else "higher")


def test_a_proportion_in_english_is_the_same_tree() -> None:
    assert tree(PROPORTION.format(direction="")) == \
        tree(PROPORTION.format(direction="").replace("按比例 实际 对 目标", "score prorated 实际 to 目标")
             .replace("得分 score", "score"))


def test_a_proportion_needs_like_units() -> None:
    assert codes("总分 10\n事实 实际: 个\n事实 目标: 元\n指标 甲 分值 10 { 得分 按比例 实际 对 目标 }") == ["PE203"]


def test_the_overshoot_recipe_of_the_documentation() -> None:
    text = ("总分 10\n事实 实际: 个\n事实 目标: 个\n事实 目标设定明显偏低: 是否\n指标 甲 分值 10 {\n"
            "  得分 (按比例 实际 对 目标) 若 非 目标设定明显偏低\n"
            "    否则 (按比例 实际 对 目标) 按 实际 / 目标 - 100% 每 10% 扣 1 分\n}")
    rules = pe.parse_rules(text)
    assert pe.evaluate(rules, {"实际": "160 个", "目标": "100 个", "目标设定明显偏低": "否"}).total == 10
    assert pe.evaluate(rules, {"实际": "160 个", "目标": "100 个", "目标设定明显偏低": "是"}).total == 4
    assert pe.evaluate(rules, {"实际": "90 个", "目标": "100 个", "目标设定明显偏低": "是"}).total == 9


# ---- judged scores ----------------------------------------------------------------------------------------

JUDGED = """总分 10
事实 达成情况: "达成" | "部分达成" | "未达成"
事实 评价组打分: 分
指标 社会效益 分值 10 {
  得分 按 达成情况 {
    "达成" → 评定 评价组打分 介于 80% 与 100%
    "部分达成" → 评定 评价组打分 介于 6 分 与 8 分
    "未达成" → 评定 评价组打分 介于 0% 与 60%
  }
}
"""


@pytest.mark.parametrize(("achieved", "given", "expected"), [
    ("达成", "8", "8"), ("达成", "10", "10"), ("达成", "9.5", "9.5"), ("部分达成", "6", "6"), ("部分达成", "8", "8"),
    ("未达成", "0", "0"), ("未达成", "6", "6"),
    ("达成", "7.99", "PE506"), ("部分达成", "8.01", "PE506"), ("未达成", "10", "PE506"), ("达成", "11", "PE506"),
])
def test_a_judged_score_must_lie_in_its_band(achieved: str, given: str, expected: str) -> None:
    rules = pe.parse_rules(JUDGED)
    facts = {"达成情况": achieved, "评价组打分": f"{given} 分"}
    if expected.startswith("PE"):
        with pytest.raises(pe.PerfevalError) as caught:
            pe.evaluate(rules, facts)
        assert [d.code for d in caught.value.diagnostics] == [expected]
        assert f"is judged {given}," in caught.value.diagnostics[0].message
        return
    result = pe.evaluate(rules, facts)
    assert result.total == Decimal(expected)
    assert f"评价组打分 = {expected}" in pe.render(result, "text")


@pytest.mark.parametrize(("band", "expected"), [("介于 80% 与 120%", ["PE215"]), ("介于 90% 与 80%", ["PE215"]),
                                                ("介于 8 个 与 10 个", ["PE204", "PE204"])])
def test_a_band_outside_the_weight_is_refused(band: str, expected: list[str]) -> None:
    text = f"总分 10\n事实 评价组打分: 分\n指标 甲 分值 10 {{ 得分 评定 评价组打分 {band} }}"
    assert codes(text) == expected


def test_a_judged_score_reads_points() -> None:
    assert codes("总分 10\n事实 评价组打分: %\n指标 甲 分值 10 { 得分 评定 评价组打分 介于 80% 与 100% }") == ["PE204"]


# ---- overrides (调整得分) ----------------------------------------------------------------------------------

OVERRIDE = """总分 10
事实 完成率: %
事实 评价组调整分: 分
指标 完成情况 分值 10 {
  得分 10 若 完成率 >= 100% 否则 0
  调整得分 评价组调整分
}
"""


def _with_note(value: str, note: str | None) -> Facts:
    text = f"完成率: 100%\n评价组调整分: {{value: {value}, note: {note}}}\n" if note else \
        f"完成率: 100%\n评价组调整分: {value}\n"
    return parse_facts(Source("f.yaml", text), "yaml")


def test_without_a_value_the_rule_scores() -> None:
    result = pe.evaluate(pe.parse_rules(OVERRIDE), {"完成率": "100%"})
    assert result.total == 10 and result.indicators[0].workings == () and result.diagnostics == ()


def test_an_override_replaces_the_score_and_says_so() -> None:
    result = pe.evaluate(pe.parse_rules(OVERRIDE), _with_note("9 分", "资料不全"))
    assert result.total == 9
    assert [d.code for d in result.diagnostics] == ["PE413"]
    assert result.diagnostics[0].message == \
        "`完成情况` scores 9 as the evaluation team set it, where its rule gives 10: 资料不全"
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    assert document["indicators"][0]["workings"] == [
        {"kind": "override", "fact": "评价组调整分", "rule_score": 10, "score": 9, "reason": "资料不全"}]
    assert "  override  the rule gives 10; 评价组调整分 = 9 (资料不全) → 9" in pe.render(result, "text").splitlines()


def test_an_override_equal_to_the_rule_is_quiet() -> None:
    result = pe.evaluate(pe.parse_rules(OVERRIDE), _with_note("10 分", "核实无误"))
    assert result.total == 10 and result.diagnostics == ()


@pytest.mark.parametrize(("value", "note", "code"), [("9 分", None, "PE412"), ("11 分", "多给", "PE503")])
def test_an_override_without_a_reason_or_out_of_range_fails(value: str, note: str | None, code: str) -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(pe.parse_rules(OVERRIDE), _with_note(value, note))
    assert [d.code for d in caught.value.diagnostics] == [code]


@pytest.mark.parametrize(("declaration", "field", "expected"), [
    ("事实 评价组调整分: %", "调整得分 评价组调整分", ["PE204"]),
    ("事实 评价组调整分: 分", "调整得分 评价组调正分", ["PE201"]),
    ("事实 评价组调整分: 分", "调整得分 评价组调整分\n  调整得分 评价组调整分", ["PE304"]),
])
def test_override_mistakes_are_found_by_check(declaration: str, field: str, expected: list[str]) -> None:
    text = OVERRIDE.replace("事实 评价组调整分: 分", declaration).replace("调整得分 评价组调整分", field)
    assert codes(text) == expected


def test_an_override_round_trips_through_fmt_and_conversion() -> None:
    text, _ = format_rules(Source("r.perfeval", OVERRIDE))
    assert text is not None and "  调整得分 评价组调整分\n" in text and tree(text) == tree(OVERRIDE)
    english = convert_keywords(OVERRIDE, "en")
    assert english is not None and "  override 评价组调整分\n" in english
    assert convert_keywords(english, "zh") == OVERRIDE


# ---- declared rounding (取整) -------------------------------------------------------------------------------

ROUNDED = """总分 20
{declarations}
事实 完成数: 个
事实 计划数: 个
一级指标 产出 分值 20 {{
  指标 数量 分值 10 {{ 得分 按比例 完成数 对 计划数 }}
  指标 质量 分值 10 {{ 得分 分值 * 完成数 / 计划数 }}
}}
"""


@pytest.mark.parametrize(("declarations", "done", "scores", "total"), [
    ("", "862", ("8.620", "8.62"), "17.240"),  # nothing rounded unless declared
    ("取整 指标 保留 0 位", "862", ("9", "9"), "18"),
    ("取整 指标 保留 0 位", "845", ("8", "8"), "16"),
    ("取整 指标 保留 0 位", "850", ("9", "9"), "18"),  # half up
    ("取整 指标 保留 0 位 截尾", "899", ("8", "8"), "16"),
    ("取整 指标 保留 1 位", "8625", ("8.6", "8.6"), "17.2"),
    ("取整 总分 保留 0 位", "862", ("8.620", "8.62"), "17"),
])
def test_rounding_as_declared(declarations: str, done: str, scores: tuple[str, str], total: str) -> None:
    plan = "10000" if len(done) == 4 else "1000"
    result = pe.evaluate(pe.parse_rules(ROUNDED.format(declarations=declarations)),
                         {"完成数": f"{done} 个", "计划数": f"{plan} 个"})
    assert [str(s) for s in result.scores] == list(scores)
    assert str(result.total) == total


def test_groups_are_rounded_as_shown_and_the_exact_values_kept() -> None:
    text = ROUNDED.format(declarations="取整 小计 保留 0 位\n取整 总分 保留 1 位")
    result = pe.evaluate(pe.parse_rules(text), {"完成数": "862 个", "计划数": "1000 个"})
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    assert (document["groups"][0]["score"], document["groups"][0]["score_exact"]) == (17, Decimal("17.240"))
    assert (document["total"], document["total_exact"]) == (Decimal("17.2"), Decimal("17.240"))
    assert "  (exact 17.24, rounded to 17.2: 1 decimal places, half up)" in pe.render(result, "text").splitlines()


@pytest.mark.parametrize(("declaration", "grade"), [("取整 总分 保留 0 位", "优"),
                                                    ("取整 总分 保留 0 位，等级按未取整总分", "良"),
                                                    ("", "良")])
def test_the_grade_reads_the_rounded_total_unless_told(declaration: str, grade: str) -> None:
    text = f"总分 100\n{declaration}\n事实 打分: 分\n指标 综合 分值 100 {{ 得分 评定 打分 介于 0% 与 100% }}"
    assert pe.evaluate(pe.parse_rules(text), {"打分": "89.5 分"}).grade == grade


@pytest.mark.parametrize(("declarations", "expected"), [
    ("取整 总分 保留 0 位\n取整 总分 保留 1 位", ["PE307"]),
    ("取整 指标 保留 0 位，等级按未取整总分", ["PE303"]),
    ("取整 总分 保留 12 位", ["PE213"]),
])
def test_rounding_mistakes(declarations: str, expected: list[str]) -> None:
    assert codes(ROUNDED.format(declarations=declarations)) == expected


def test_rounding_round_trips_through_fmt_and_conversion() -> None:
    text = ROUNDED.format(declarations="取整 指标 保留 0 位 截尾\n取整 总分 保留 1 位，等级按未取整总分")
    formatted, _ = format_rules(Source("r.perfeval", text))
    assert formatted is not None and tree(formatted) == tree(text)
    assert "取整 指标 保留 0 位 截尾\n取整 总分 保留 1 位，等级按未取整总分\n" in formatted
    english = convert_keywords(text, "en")
    assert english is not None and "rounding indicators 0 places down\nrounding total 1 places，grade_exact" in english
    assert tree(english) == tree(text)


# ---- 一票否决 (veto) -----------------------------------------------------------------------------------------

VETO = """总分 20
一票否决 若 违规，等级最高为 中
一票否决 若 造假
事实 违规: 是否
事实 严重: 是否
事实 造假: 是否
一级指标 甲 分值 10 {
  一票否决 若 严重
  指标 子 分值 10 {
    得分 10
  }
}
指标 乙 分值 10 {
  一票否决 若 违规
  得分 10
}
"""


@pytest.mark.parametrize(("violation", "serious", "fraud", "scores", "grade"), [
    ("否", "否", "否", (10, 10), "优"),
    ("否", "是", "否", (0, 10), "差"),  # the group's veto zeroes its indicators
    ("是", "否", "否", (10, 0), "差"),  # the indicator's veto, and the grade cap (差 is worse than 中 already)
    ("否", "否", "是", (0, 0), "差"),  # the whole evaluation
])
def test_a_veto_zeroes_what_it_stands_in(violation: str, serious: str, fraud: str, scores: tuple[int, int],
                                         grade: str) -> None:
    result = pe.evaluate(pe.parse_rules(VETO), {"违规": violation, "严重": serious, "造假": fraud})
    assert tuple(result.scores) == scores and result.total == sum(scores) and result.grade == grade


def test_a_veto_caps_the_grade() -> None:
    text = VETO.replace("  一票否决 若 违规\n  得分 10", "  得分 10")
    result = pe.evaluate(pe.parse_rules(text), {"违规": "是", "严重": "否", "造假": "否"})
    assert (result.total, result.grade) == (20, "中")
    document = json.loads(pe.render(result, "json"))
    assert document["vetoes"][0] == {"condition": "违规", "where": "evaluation", "name": "", "effect": "grade_at_most",
                                     "grade": "中", "held": True}
    assert [v["held"] for v in document["vetoes"]] == [True, False, False]
    assert "veto      违规 holds (r.perfeval:2): the grade is at most 中" in \
        pe.render(pe.evaluate(pe.parse_rules(text, filename="r.perfeval"), {"违规": "是", "严重": "否", "造假": "否"}),
                  "text").splitlines()


def test_the_trace_and_json_show_the_rule_score_under_a_veto() -> None:
    result = pe.evaluate(pe.parse_rules(VETO), {"违规": "否", "严重": "是", "造假": "否"})
    text = pe.render(result, "text").splitlines()
    assert "    score     10 = 10" in text and "    veto      严重 holds → 0   (the rule gives 10)" in text
    document = json.loads(pe.render(result, "json"))
    assert document["indicators"][0]["workings"] == [
        {"kind": "veto", "condition": "严重", "where": "group", "rule_score": 10, "score": 0}]


def test_a_fact_only_a_veto_reads_is_required() -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(pe.parse_rules(VETO), {"违规": "否", "严重": "否"})
    assert [d.code for d in caught.value.diagnostics] == ["PE401"]


@pytest.mark.parametrize(("change", "expected"), [(("等级最高为 中", "等级最高为 中等"), ["PE303"]),
                                                  (("若 造假", "若 造假 + 1"), ["PE204"])])
def test_veto_mistakes(change: tuple[str, str], expected: list[str]) -> None:
    assert codes(VETO.replace(*change)) == expected


def test_a_veto_round_trips_through_fmt_and_conversion() -> None:
    formatted, _ = format_rules(Source("r.perfeval", VETO))
    assert formatted == VETO
    english = convert_keywords(VETO, "en")
    assert english is not None and "veto if 违规，grade_at_most 中\n" in english and tree(english) == tree(VETO)
    assert convert_keywords(english, "zh") == VETO


# ---- fmt keeps what a scoring form inside a tier means -------------------------------------------------------

@pytest.mark.parametrize("rule", [
    "若 违规 得 0 分，否则 得 (按比例 甲数 对 乙数)",
    "若 违规 得 0 分，否则 (按 甲数 - 乙数 每 1 个 扣 1 分)",
    "得分 (评定 打分 介于 41 分 与 59 分) 若 甲数 >= 80 个 且 乙数 >= 80 个 且 违规 == 否"
    " 否则 (评定 打分 介于 21 分 与 40 分) 若 甲数 >= 60 个 否则 (评定 打分 介于 0 分 与 20 分)",
    "得分 0 若 违规 否则 逐项 { 甲数 > 1 个 得 20 分，乙数 > 1 个 得 20 分，甲数 > 乙数 得 19 分 }",
])
@pytest.mark.parametrize("keywords", [None, "en", "zh"])
def test_fmt_keeps_the_parentheses_a_form_inside_a_tier_needs(rule: str, keywords: str | None) -> None:
    text = f"总分 59\n事实 违规: 是否\n事实 甲数: 个\n事实 乙数: 个\n事实 打分: 分\n指标 甲 分值 59 {{\n  {rule}\n}}\n"
    formatted, diagnostics = format_rules(Source("r.perfeval", text), keywords)
    assert formatted is not None, diagnostics
    assert tree(formatted) == tree(text)
    assert format_rules(Source("r.perfeval", formatted), keywords)[0] == formatted


def test_fmt_keeps_a_judged_band_chinese() -> None:
    text = "总分 10\n事实 评价组打分: 分\n指标 社会效益 分值 10 {\n  得分 评定 评价组打分 介于 80% 与 100%\n}\n"
    assert format_rules(Source("r.perfeval", text))[0] == text
    assert convert_keywords(convert_keywords(text, "en") or "", "zh") == text


# ---- 不适用 (not applicable) -------------------------------------------------------------------------------

NOT_APPLICABLE = """总分 100
{declaration}
事实 满意率: % 介于 0% 与 100%
事实 完成率: % 介于 0% 与 100%
事实 考核方式: "现场" | "书面" | "不适用"
指标 服务对象满意度 分值 10 {{
  得分 按比例 满意率 对 90%
}}
指标 实际完成率 分值 80 {{
  得分 按比例 完成率 对 100%
}}
指标 考核 分值 10 {{
  得分 按 考核方式 {{ "现场" → 10，"书面" → 8，"不适用" → 5 }}
}}
"""


@pytest.mark.parametrize(("satisfaction", "done", "method", "total", "applicable"), [
    ("90%", "95%", "现场", "96", None),
    ("不适用", "95%", "现场", "95.55555555555555555555555555555556", "90"),  # (76 + 10) × 100 / 90
    ("N/A", "100%", "书面", "97.77777777777777777777777777777778", "90"),  # (80 + 8) × 100 / 90
    ("不适用", "95%", "不适用", "90", "90"),  # a judgement that lists 不适用 takes it as its answer: 5 points
])
def test_not_applicable_leaves_the_indicator_out_and_rescales(satisfaction: str, done: str, method: str,
                                                              total: str, applicable: str | None) -> None:
    rules = pe.parse_rules(NOT_APPLICABLE.format(declaration="不适用 按比例折算"))
    result = pe.evaluate(rules, {"满意率": satisfaction, "完成率": done, "考核方式": method})
    assert result.total == Decimal(total)
    assert result.applicable_weight == (Decimal(applicable) if applicable else None)


def test_the_rescaled_total_is_exact_and_explained() -> None:
    rules = pe.parse_rules(NOT_APPLICABLE.format(declaration="不适用 按比例折算"), filename="r.perfeval")
    result = pe.evaluate(rules, {"满意率": "不适用", "完成率": "95%", "考核方式": "现场"})
    assert result.total == Decimal("95.55555555555555555555555555555556")
    assert result.unscaled_total == 86
    text = pe.render(result, "text").splitlines()
    assert "  n/a       满意率 given as 不适用: left out, its weight 10 with it" in text
    assert any(line.startswith("  (不适用 left out: 86 of the applicable 90 points, rescaled: 86 × 100 / 90 = 95.55")
               for line in text)
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    assert (document["applicable_weight"], document["unscaled_total"]) == (90, 86)
    assert document["indicators"][0]["workings"] == [{"kind": "not_applicable", "facts": ["满意率"]}]


def test_not_applicable_needs_its_declaration() -> None:
    rules = pe.parse_rules(NOT_APPLICABLE.format(declaration=""))
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"满意率": "不适用", "完成率": "95%", "考核方式": "现场"})
    assert [d.code for d in caught.value.diagnostics] == ["PE414"]
    assert pe.evaluate(rules, {"满意率": "90%", "完成率": "95%", "考核方式": "现场"}).total == 96


def test_nothing_left_to_score_and_a_veto_on_a_not_applicable_fact_are_errors() -> None:
    rules = pe.parse_rules(NOT_APPLICABLE.format(declaration="不适用 按比例折算").replace(
        '"现场" | "书面" | "不适用"', '"现场" | "书面"').replace('，"不适用" → 5', ""))
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"满意率": "不适用", "完成率": "不适用", "考核方式": "不适用"})
    assert [d.code for d in caught.value.diagnostics] == ["PE414"]
    vetoed = pe.parse_rules(NOT_APPLICABLE.format(declaration="不适用 按比例折算\n一票否决 若 满意率 < 50%"))
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(vetoed, {"满意率": "不适用", "完成率": "95%", "考核方式": "现场"})
    assert [d.code for d in caught.value.diagnostics] == ["PE414"]


def test_not_applicable_round_trips_through_fmt_and_conversion() -> None:
    text = NOT_APPLICABLE.format(declaration="不适用 按比例折算")
    formatted, _ = format_rules(Source("r.perfeval", text))
    assert formatted is not None and "\n不适用 按比例折算\n" in formatted and tree(formatted) == tree(text)
    english = convert_keywords(text, "en")
    assert english is not None and "\nnot_applicable rescale\n" in english and tree(english) == tree(text)


# ---- rounding and overrides together --------------------------------------------------------------------

def test_a_rounding_that_can_pass_the_weight_is_a_warning_then_an_error() -> None:
    text = ("总分 15\n取整 指标 保留 0 位\n事实 完成率: %\n"
            "指标 甲 分值 3.75 { 得分 按比例 完成率 对 100% }\n指标 乙 分值 11.25 { 得分 11.25 }\n")
    rules = pe.parse_rules(text)
    assert [d.code for d in rules.diagnostics] == ["PE605"]
    assert pe.evaluate(rules, {"完成率": "90%"}).scores[0] == 3
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"完成率": "100%"})
    assert [d.code for d in caught.value.diagnostics] == ["PE503"]
    assert pe.parse_rules(text.replace("保留 0 位", "保留 0 位 截尾")).diagnostics == ()


def test_the_teams_score_is_final_after_the_rounding() -> None:
    text = ("总分 20\n取整 指标 保留 0 位\n事实 执行率: %\n事实 调整分: 分\n"
            "指标 甲 分值 20 {\n  得分 按比例 执行率 对 98%\n  调整得分 调整分\n}\n")
    facts = parse_facts(Source("f.yaml", "执行率: 97%\n调整分: {value: 19.6 分, note: 按执行率}\n"), "yaml")
    result = pe.evaluate(pe.parse_rules(text), facts)
    assert result.total == Decimal("19.6")
    assert result.diagnostics[0].message == \
        "`甲` scores 19.6 as the evaluation team set it, where its rule gives 20: 按执行率"


def test_an_override_given_as_not_applicable_keeps_the_rule_score() -> None:
    facts = parse_facts(Source("f.yaml", "完成率: 100%\n评价组调整分: 不适用\n"), "yaml")
    result = pe.evaluate(pe.parse_rules(OVERRIDE), facts)
    assert (result.total, result.diagnostics) == (10, ())


def test_an_override_out_of_range_points_at_the_override() -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(pe.parse_rules(OVERRIDE), _with_note("11 分", "多给"))
    (problem,) = caught.value.diagnostics
    assert problem.message == "`完成情况` is given 11 by `评价组调整分`, outside 0 to its weight 10"
    assert problem.primary is not None and problem.primary.span.line_col[0] == 6


# ---- linear interpolation (插值) ------------------------------------------------------------------------------

INTERPOLATION = "总分 10\n事实 完成率: %\n指标 甲 分值 10 {\n  得分 按 完成率 插值 { 60% → 0，80% → 6，100% → 10 }\n}\n"


@pytest.mark.parametrize(("rate", "expected"), [
    ("0%", "0"), ("59.99%", "0"), ("60%", "0"), ("70%", "3"), ("80%", "6"), ("90%", "8"), ("99%", "9.8"),
    ("100%", "10"), ("130%", "10"),
])
def test_interpolation_between_levels(rate: str, expected: str) -> None:
    result = pe.evaluate(pe.parse_rules(INTERPOLATION), {"完成率": rate})
    assert result.total == Decimal(expected)


def test_interpolation_shows_its_line_and_round_trips() -> None:
    result = pe.evaluate(pe.parse_rules(INTERPOLATION), {"完成率": "70%"})
    lines = pe.render(result, "text").splitlines()
    assert "  linear    完成率 = 70%, 60% → 0 … 80% → 6" in lines
    assert "            0 + (70% − 60%) × (6 − 0) / (80% − 60%)" in lines
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    assert document["indicators"][0]["workings"] == [{
        "kind": "interpolation", "subject": "完成率", "value": Decimal("0.70"),
        "levels": [[Decimal("0.60"), 0], [Decimal("0.80"), 6], [Decimal("1.00"), 10]], "segment": 0, "score": 3}]
    assert format_rules(Source("r.perfeval", INTERPOLATION))[0] == INTERPOLATION
    english = convert_keywords(INTERPOLATION, "en")
    assert english is not None and "score by 完成率 interpolate { 60% → 0，80% → 6，100% → 10 }" in english
    assert tree(english) == tree(INTERPOLATION)


@pytest.mark.parametrize(("levels", "expected"), [
    ("80% → 6，60% → 0", ["PE215"]), ("60% → 0", ["PE215"]), ("60 个 → 0，80 个 → 6", ["PE203"]),
    ("60% → 0，80% → 6%", ["PE204"]),
])
def test_interpolation_mistakes(levels: str, expected: list[str]) -> None:
    assert codes(INTERPOLATION.replace("60% → 0，80% → 6，100% → 10", levels)) == expected


def test_an_indicator_left_out_reads_as_such_in_the_trace_and_the_table() -> None:
    rules = pe.parse_rules(NOT_APPLICABLE.format(declaration="不适用 按比例折算"))
    result = pe.evaluate(rules, {"满意率": "不适用", "完成率": "95%", "考核方式": "现场"})
    first = pe.render(result, "text", explain="off").splitlines()[4]
    assert first.startswith("服务对象满意度") and first.split()[-3:] == ["n/a", "/", "10"]
    assert result.indicators[0].lost == 0
    assert "| 服务对象满意度 |  |  |  | 不适用 | 10 | 不适用 |" in pe.render(result, "md")


def test_a_judged_score_an_arm_gave_shows_its_band_in_the_trace() -> None:
    result = pe.evaluate(pe.parse_rules(JUDGED), {"达成情况": "部分达成", "评价组打分": "7 分"})
    assert "  judged    评价组打分 = 7   within the band 6 to 8" in pe.render(result, "text").splitlines()


# ---- weights as shares of the group (P22) ------------------------------------------------------------------

SHARES = """总分 100
事实 甲: 个
一级指标 目标指标 分值 {top} {{
  二级指标 阶段目标 分值 {middle} {{
    指标 合理性 分值 {leaf} {{ 得分 分值 若 甲 >= 1 个 否则 0 }}
    指标 明确性 分值 {other} {{ 得分 分值 若 甲 >= 2 个 否则 0 }}
  }}
  指标 其余 分值 {rest} {{ 得分 分值 若 甲 >= 3 个 否则 0 }}
}}
一级指标 产出指标 分值 {output} {{
  指标 数量 分值 100% {{ 得分 分值 若 甲 >= 1 个 否则 0 }}
}}
"""


def test_a_share_is_of_the_weight_of_the_group_it_is_in() -> None:
    rules = pe.parse_rules(SHARES.format(top="25%", middle="30%", leaf="50%", other="50%", rest="70%", output="75%"))
    weights = {indicator.name: indicator.weight for indicator in rules.program.indicators}
    # 25% of 100; 30% of 25 is 7.5, half of it 3.75 each; 70% of 25 is 17.5; 100% of 75.
    assert weights == {"合理性": Decimal("3.75"), "明确性": Decimal("3.75"), "其余": Decimal("17.5"),
                       "数量": Decimal(75)}
    result = pe.evaluate(rules, {"甲": "2 个"})
    assert result.total == Decimal("82.5")
    assert [i.weight for i in result.indicators] == [Decimal("3.75"), Decimal("3.75"), Decimal("17.5"), Decimal(75)]


def test_shares_and_points_mix() -> None:
    rules = pe.parse_rules(SHARES.format(top="25", middle="10", leaf="40%", other="60%", rest="15", output="75"))
    assert [i.weight for i in rules.program.indicators] == [Decimal(4), Decimal(6), Decimal(15), Decimal(75)]


@pytest.mark.parametrize(("shares", "code"), [
    ({"leaf": "50%", "other": "40%"}, "PE302"),  # 90% of the group: the parts do not make up its weight
    ({"leaf": "150%", "other": "50%"}, "PE308"),  # more than the whole group
    ({"leaf": "0%", "other": "100%"}, "PE308"),
])
def test_shares_that_do_not_make_up_the_group_are_refused(shares: dict[str, str], code: str) -> None:
    text = SHARES.format(**{"top": "25%", "middle": "30%", "rest": "70%", "output": "75%", **shares})
    assert code in codes(text)


def test_shares_keep_their_form_in_fmt_and_in_english() -> None:
    text = SHARES.format(top="25%", middle="30%", leaf="50%", other="50%", rest="70%", output="75%")
    formatted, _ = format_rules(Source("t.perfeval", text))
    assert formatted is not None and "一级指标 目标指标 分值 25% {" in formatted
    english = convert_keywords(text, "en")
    assert english is not None and "group 目标指标 weight 25% {" in english
    assert pe.parse_rules(english).program.indicators[0].weight == Decimal("3.75")


# ---- equal shares (P23) ------------------------------------------------------------------------------------

EQUAL = """总分 {total}
事实 甲: 个
一级指标 产出指标 分值 {group} {{
{parts}
}}
"""


def equal_rules(group: str, weights: list[str], total: str | None = None) -> str:
    parts = "\n".join(f"  指标 第{i}项 分值 {w} {{ 得分 分值 若 甲 >= {i} 个 否则 0 }}"
                      for i, w in enumerate(weights, 1))
    return EQUAL.format(total=total or group, group=group, parts=parts)


@pytest.mark.parametrize(("group", "weights", "expected"), [
    ("15", ["平分"] * 3, ["5", "5", "5"]),
    ("15", ["平分"] * 4, ["3.75"] * 4),  # an exact decimal
    ("15", ["5", "平分", "平均分配"], ["5", "5", "5"]),  # what the others leave
    ("10", ["40%", "平分", "equal"], ["4", "3", "3"]),
])
def test_equal_shares_split_what_the_group_leaves(group: str, weights: list[str], expected: list[str]) -> None:
    rules = pe.parse_rules(equal_rules(group, weights))
    assert [i.weight for i in rules.program.indicators] == [Decimal(w) for w in expected]


def test_an_equal_share_of_a_group_that_is_itself_a_share() -> None:
    text = ("总分 20\n事实 甲: 个\n"
            "一级指标 甲组 分值 平分 {\n  指标 一 分值 平分 { 得分 分值 }\n  指标 二 分值 平分 { 得分 分值 }\n}\n"
            "一级指标 乙组 分值 平分 {\n  指标 三 分值 100% { 得分 分值 若 甲 >= 1 个 否则 0 }\n}\n")
    rules = pe.parse_rules(text)
    assert [i.weight for i in rules.program.indicators] == [Decimal(5), Decimal(5), Decimal(10)]
    assert pe.evaluate(rules, {"甲": "0 个"}).total == Decimal(10)


@pytest.mark.parametrize(("group", "weights", "total"), [
    ("10", ["平分"] * 3, None),  # 10 ÷ 3 has no exact decimal
    ("10", ["10", "平分"], None),  # nothing left
    ("10", ["12", "平分"], None),
])
def test_an_equal_share_that_cannot_be_worked_out_is_refused(group: str, weights: list[str], total: str | None) -> None:
    found = codes(equal_rules(group, weights, total))
    assert found == ["PE310"]  # and nothing echoed above it


def test_an_equal_share_needs_a_group_weight() -> None:
    text = "总分 10\n事实 甲: 个\n分组 组 {\n  指标 一 分值 平分 { 得分 分值 }\n  指标 二 分值 10 { 得分 分值 }\n}\n"
    assert codes(text) == ["PE310"]


def test_equal_shares_keep_their_form_in_fmt_and_convert() -> None:
    text = equal_rules("15", ["平分"] * 3)
    formatted, _ = format_rules(Source("t.perfeval", text))
    assert formatted is not None and formatted.count("分值 平分 {") == 3
    english, _ = format_rules(Source("t.perfeval", text), "en")
    assert english is not None and english.count("weight equal {") == 3
    assert tree(english) == tree(text)
    back, _ = format_rules(Source("t.perfeval", english), "zh")
    assert back == formatted
