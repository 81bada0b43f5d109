"""Chinese keywords (中文关键字): every keyword has Chinese forms, mixable with the English ones.

What is held here:

- the shipped Chinese-keyword seed (rules/anning-2020.zh.perfeval) scores exactly as the English one, for the
  report's facts and for every case of both rule test files (the JSON documents are equal but for the rule
  file's name and digest);
- `convert_keywords` turns the English seed into the shipped Chinese file and back, byte for byte, and, for
  generated rule files (tests/test_fuzz.py's generator), converting to Chinese and back gives the text again
  and the Chinese text means the same (equal syntax trees: spans are not part of equality);
- the condition-first form of a tier chain (`若偏差率≤10%得5分，否则若偏差率≤20%得3分，否则不得分`), typed
  with or without spaces, with its boundaries, and the other constructs (`且`/`或`, `介于…与…之间`, `按`,
  一级/二级/三级指标, English and Chinese keywords in one file);
- diagnostics inside full-width or glued text point at the user's own characters (line:column counted in
  characters of the original line);
- names that must be quoted: 「若干项目数」, 「高校毕业生、流动人员档案转寄」.
"""

from __future__ import annotations

import functools
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from test_fuzz import rule_files

import perfeval_dsl as pe
from perfeval_dsl import ast
from perfeval_dsl.cases import facts_for, load_tests, run_tests
from perfeval_dsl.convert import convert_keywords
from perfeval_dsl.facts import Facts
from perfeval_dsl.formatter import format_rules
from perfeval_dsl.source import Source
from perfeval_dsl.syntax import KEYWORDS, KEYWORDS_ZH, keyword_tokens, parse

RULES = Path(__file__).resolve().parent.parent / "rules"
EN_RULES = RULES / "anning-2020.perfeval"
ZH_RULES = RULES / "anning-2020.zh.perfeval"
SEED_FACTS = RULES / "anning-2020.facts.yaml"
TEST_FILES = [RULES / "anning-2020.tests.yaml", RULES / "anning-2020.zh.tests.yaml"]


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # byte for byte: no newline translation


def tree(text: str) -> ast.RuleFile:
    parsed, diagnostics = parse(Source("<test>", text))
    assert parsed is not None, [d.message for d in diagnostics]
    return parsed


@functools.cache
def rules(text: str) -> pe.Rules:
    return pe.parse_rules(text)


@functools.cache
def seed(path: Path) -> pe.Rules:
    return pe.load_rules(path)


def document(result: pe.Result) -> dict[str, Any]:
    """The JSON document of a result, without what names the rule file (its path and digest)."""
    data = json.loads(pe.render(result, "json"))
    data.pop("rules")
    data["audit"].pop("rules")
    data["audit"].pop("rules_sha256")
    return data


def failure(text: str) -> pe.Diagnostic:
    """The first error of rule text that must not check."""
    with pytest.raises(pe.PerfevalError) as raised:
        pe.parse_rules(text)
    return raised.value.errors[0]


def column_of(text: str, line: int, word: str) -> int:
    """1-based column (in characters) of the first `word` on a 1-based line of `text`."""
    return text.split("\n")[line - 1].index(word) + 1


# ---- a) the Chinese seed scores as the English one -------------------------------------------------


def test_zh_seed_gives_the_same_document_for_the_report_facts() -> None:
    facts = pe.load_facts(SEED_FACTS)
    english, chinese = pe.evaluate(seed(EN_RULES), facts), pe.evaluate(seed(ZH_RULES), facts)
    assert (english.total, english.grade) == (Decimal(98), "优")
    assert document(chinese) == document(english)
    assert json.loads(pe.render(chinese, "json"))["rules"].endswith("anning-2020.zh.perfeval")


def test_the_two_seeds_have_the_same_syntax_tree() -> None:
    assert tree(read(ZH_RULES)) == tree(read(EN_RULES))


@pytest.mark.parametrize("tests_path", TEST_FILES, ids=lambda p: p.name)
def test_zh_seed_gives_the_same_document_for_every_case(tests_path: Path) -> None:
    tests = load_tests(tests_path)
    assert len(tests.cases) >= 15
    english, chinese = run_tests(tests, seed(EN_RULES)), run_tests(tests, seed(ZH_RULES))
    assert not english.failed and not chinese.failed
    assert english.coverage.percent == chinese.coverage.percent == 100
    compared = 0
    for ours, theirs in zip(english.outcomes, chinese.outcomes, strict=True):
        assert ours.case.name == theirs.case.name
        if ours.result is not None:
            assert theirs.result is not None
            assert document(theirs.result) == document(ours.result), ours.case.name
            compared += 1
            continue
        # A case that expects an error: both stop with the same diagnostics, on the same lines.
        stops = []
        for rule_set in (seed(EN_RULES), seed(ZH_RULES)):
            with pytest.raises(pe.PerfevalError) as raised:
                pe.evaluate(rule_set, facts_for(tests, ours.case))
            stops.append([(d.code, d.message, d.primary.span.line_col[0] if d.primary else None)
                          for d in raised.value.diagnostics])
        assert stops[0] == stops[1], ours.case.name
    assert compared >= 15


@pytest.mark.parametrize("changes", [
    {"预算基本支出": "100 元", "实际基本支出": "120.01 元", "资产管理制度": "制定未实施"},
    {"项目总数": "200 个", "设定指标体系的项目数": "160 个", "公益性岗位问卷满意份数": "20 份"},
    {"与补助文件不一致的项目数": "3 个", "城镇登记失业率": "5.31%", "求职人员问卷满意份数": "18 份"},
], ids=["deviation-and-judgement", "ratio-tiers", "steps-and-satisfaction"])
def test_zh_seed_gives_the_same_document_for_other_units(changes: dict[str, str]) -> None:
    report = pe.load_facts(SEED_FACTS)
    facts = Facts(name="another unit", values={**report.values, **pe.facts_from_mapping(changes).values})
    english, chinese = pe.evaluate(seed(EN_RULES), facts), pe.evaluate(seed(ZH_RULES), facts)
    assert english.total < 98
    assert document(chinese) == document(english)


# ---- b) converting keywords --------------------------------------------------------------------------


def test_converting_the_english_seed_gives_the_shipped_chinese_file() -> None:
    assert convert_keywords(read(EN_RULES), "zh") == read(ZH_RULES)


def test_converting_the_chinese_seed_gives_the_english_file() -> None:
    assert convert_keywords(read(ZH_RULES), "en") == read(EN_RULES)


def test_converting_is_idempotent_on_the_seed() -> None:
    assert convert_keywords(read(ZH_RULES), "zh") == read(ZH_RULES)
    assert convert_keywords(read(EN_RULES), "en") == read(EN_RULES)


def test_the_chinese_seed_has_only_chinese_keywords() -> None:
    words = {token.word for token in keyword_tokens(Source("zh", read(ZH_RULES))) or ()}
    assert words and words <= set(KEYWORDS_ZH)
    english = {token.word for token in keyword_tokens(Source("en", read(EN_RULES))) or ()}
    assert english and english <= set(KEYWORDS)


@settings(max_examples=50, deadline=None, derandomize=True, database=None, print_blob=False,
          suppress_health_check=list(HealthCheck))
@given(text=rule_files())
def test_converting_generated_rule_files_round_trips_and_keeps_the_meaning(text: str) -> None:
    original, _ = parse(Source("<generated>", text))
    assume(original is not None)  # the generator now and then writes a file that is not meant to parse
    chinese = convert_keywords(text, "zh")
    assert chinese is not None, text
    assert convert_keywords(chinese, "en") == text
    assert convert_keywords(chinese, "zh") == chinese
    assert tree(chinese) == original
    words = {token.word for token in keyword_tokens(Source("<zh>", chinese)) or ()}
    assert words <= set(KEYWORDS_ZH), words - set(KEYWORDS_ZH)


def test_converting_text_that_does_not_parse_gives_none() -> None:
    assert convert_keywords("total 5\nindicator {", "zh") is None
    with pytest.raises(ValueError, match="zh or en"):
        convert_keywords("total 5\n", "fr")


# ---- c) the condition-first form, and the other constructs ------------------------------------------

DEVIATION = """总分 5
事实 预算基本支出: 元
事实 实际基本支出: 元
令 偏差率 = (实际基本支出 - 预算基本支出) / 预算基本支出

指标 基本支出执行偏差率 分值 5 {{
  评分标准 "偏差率≤10%，得 5分；10%＜偏差率≤20%，得 3分；否则不得分"
  {rule}
}}
"""

STANDARD_FORMS = [
    "若偏差率≤10%得5分，否则若偏差率≤20%得3分，否则不得分",  # as the standard is written
    "若 偏差率 ≤ 10% 得 5 分，否则 若 偏差率 ≤ 20% 得 3 分，否则 不得分",
    "若偏差率≤10%得5分，否则若≤20%得3分，否则不得分。",  # the subject left out, a final 。
    "若 偏差率 ≤ 10% 得 5 分；否则 若 ≤ 20% 得 3 分；否则 得 0 分",
    "若偏差率≤10%得5分、否则若≤20%得3分、否则不得分",
    "若偏差率≤10%得5分否则若≤20%得3分否则不得分",  # nothing between the clauses
    "如果偏差率≤１０％得５分，否则如果偏差率≤２０％得３分，否则不得分",  # 如果, full-width digits and ％
    "若　偏差率　≤　10%　得　5　分，否则　若　≤　20%　得　3　分，否则　不得分",  # the ideographic space
    "if 偏差率 <= 10% then 5, else if <= 20% then 3, else 0",
    "score 5 if 偏差率 <= 10% else 3 if <= 20% else 0",
    "得分 5 若 偏差率 ≤ 10% 否则 3 若 ≤ 20% 否则 0",
    "得分 5 若 偏差率 <= 10% else 3 if <= 20% 否则 0",  # English and Chinese in one rule
]

# 预算 1,000,000.00 元; the 实际 that puts the deviation exactly on, or one 分 (0.01 元) past, each bound.
BOUNDARIES = [
    ("1,100,000.00 元", Decimal(5)),  # exactly 10%: still 5
    ("1,100,000.01 元", Decimal(3)),  # 10.000001%: 3
    ("1,200,000.00 元", Decimal(3)),  # exactly 20%: still 3
    ("1,200,000.01 元", Decimal(0)),  # 20.000001%: nothing
    ("1,000,000.00 元", Decimal(5)),
    ("900,000.00 元", Decimal(5)),  # an underspend is a negative deviation
]


@pytest.mark.parametrize("rule", STANDARD_FORMS)
@pytest.mark.parametrize(("actual", "points"), BOUNDARIES, ids=[a for a, _ in BOUNDARIES])
def test_condition_first_tiers_and_their_boundaries(rule: str, actual: str, points: Decimal) -> None:
    compiled = rules(DEVIATION.format(rule=rule))
    assert not compiled.diagnostics and not pe.analyse(compiled)
    result = pe.evaluate(compiled, {"预算基本支出": "1,000,000.00 元", "实际基本支出": actual})
    assert result.indicator("基本支出执行偏差率").score == points
    assert result.total == points


def test_boundary_values_are_exact_in_the_condition_first_form() -> None:
    compiled = rules(DEVIATION.format(rule=STANDARD_FORMS[0]))
    budget = "8,567,111.51 元"
    # 8,567,111.51 × 1.1 = 9,423,822.661: 9,423,822.66 元 is below 10%, 9,423,822.67 元 above.
    scores = [pe.evaluate(compiled, {"预算基本支出": budget, "实际基本支出": actual}).total
              for actual in ("9,423,822.66 元", "9,423,822.67 元")]
    assert scores == [5, 3]


def test_glued_typing_is_the_spaced_form() -> None:
    assert tree(DEVIATION.format(rule=STANDARD_FORMS[0])) == tree(DEVIATION.format(rule=STANDARD_FORMS[1]))
    glued = "若偏差率≤１０％得５分，否则若≤２０％得３分，否则不得分"
    spaced = "若 偏差率 ≤ 10% 得 5 分 , 否则 若 ≤ 20% 得 3 分 , 否则 不得分"
    assert tree(DEVIATION.format(rule=glued)) == tree(DEVIATION.format(rule=spaced))


@pytest.mark.parametrize(("chinese", "english"), [
    ("若偏差率≤10%得5分，否则不得分", "若偏差率≤10%得5分，否则 0"),
    ("若偏差率≤10%得5分，否则不得分", "if 偏差率 <= 10% then 5 分, else 0"),
    ("若偏差率≤10%得5分，否则不得分", "if 偏差率 <= 10% then 5 分 else 不得分"),
    ("若偏差率≤10%得5分，否则若≤20%得3分，否则不得分", "if 偏差率 <= 10% then 5 分, else if <= 20% then 3 分, else 0"),
    ("若 偏差率 ≤ 10% 得 5，否则若 ≤ 20% 得 3，否则 0", "score 5 if 偏差率 <= 10% else 3 if <= 20% else 0"),
    ("得分 5 若 偏差率 ≤ 10% 否则 3 若 ≤ 20% 否则 0", "score 5 if 偏差率 <= 10% else 3 if <= 20% else 0"),
    ("若偏差率≤10%得5分。", "if 偏差率 <= 10% then 5 分"),
])
def test_chinese_and_english_forms_have_the_same_tree(chinese: str, english: str) -> None:
    assert tree(DEVIATION.format(rule=chinese)) == tree(DEVIATION.format(rule=english))


def test_no_score_is_else_zero() -> None:
    rule = tree(DEVIATION.format(rule="若偏差率≤10%得5分，否则不得分")).items[-1]
    assert isinstance(rule, ast.Indicator)
    score = rule.items[-1]
    assert isinstance(score, ast.ScoreExpr) and isinstance(score.expr, ast.Tiered)
    assert score.expr.default == ast.Number(value=Decimal(0), unit=None, span=score.span)


PUBLISHED = """总分 2
事实 已公开: 是否
指标 信息公开 分值 2 {{
  {rule}
}}
"""


@pytest.mark.parametrize("rule", [
    "若已公开得2分否则不得分", "若已公开得2分，否则不得分。", "若 已公开 得 2 分，否则 不得分",
    "if 已公开 then 2, else 0", "score 2 if 已公开 else 0", "得分 分值 若 已公开 否则 0",
])
def test_a_boolean_fact_condition_first(rule: str) -> None:
    compiled = rules(PUBLISHED.format(rule=rule))
    assert pe.evaluate(compiled, {"已公开": True}).total == 2
    assert pe.evaluate(compiled, {"已公开": "是"}).total == 2
    assert pe.evaluate(compiled, {"已公开": False}).total == 0


def test_true_false_and_not_in_chinese() -> None:
    text = PUBLISHED.format(rule="若 已公开 == 是 且 非 (已公开 == 否) 得 2 分，否则不得分")
    assert tree(text) == tree(PUBLISHED.format(rule="if 已公开 == true and not (已公开 == false) then 2 分, else 0"))
    assert pe.evaluate(rules(text), {"已公开": True}).total == 2
    assert pe.evaluate(rules(text), {"已公开": False}).total == 0


BOTH = """总分 5
事实 满意率: %
事实 已公开: 是否
指标 服务质量 分值 5 {{
  {rule}
}}
"""


@pytest.mark.parametrize("rule", [
    "若满意率≥90%且已公开得5分，否则若满意率≥60%或已公开得3分，否则不得分",
    "若 满意率 ≥ 90% 并且 已公开 得 5 分；否则 若 满意率 ≥ 60% 或者 已公开 得 3 分；否则 不得分",
    "if 满意率 >= 90% and 已公开 then 5, else if 满意率 >= 60% or 已公开 then 3, else 0",
])
@pytest.mark.parametrize(("rate", "published", "points"), [
    ("90%", True, 5), ("90%", False, 3), ("89.99%", True, 3), ("60%", False, 3), ("59.99%", True, 3),
    ("59.99%", False, 0),
])
def test_and_or_in_conditions(rule: str, rate: str, published: bool, points: int) -> None:
    compiled = rules(BOTH.format(rule=rule))
    assert pe.evaluate(compiled, {"满意率": rate, "已公开": published}).total == points


def test_and_or_have_the_english_tree() -> None:
    english = tree(BOTH.format(
        rule="if 满意率 >= 90% and 已公开 then 5, else if 满意率 >= 60% or 已公开 then 3, else 0"))
    assert tree(BOTH.format(rule="若满意率≥90%且已公开得5，否则若满意率≥60%或已公开得3，否则不得分")) == english


SATISFACTION = """总分 6
事实 满意率: %
指标 公益性岗位满意度 分值 6 {{
  {rule}
}}
"""


@pytest.mark.parametrize("rule", [
    "得分 6 若 满意率 介于 80% 与 90% 之间 否则 0",
    "得分 6 若 满意率 介于 80% 和 90% 否则 0",
    "得分 6 若 满意率 介于 80% 至 90% 之间 否则 0",
    "得分 6 若 满意率 介于 80% 到 90% 否则 0",
    "若 满意率 介于 80%与90%之间得6分，否则不得分",
    "score 6 if 满意率 between 80% and 90% else 0",
])
@pytest.mark.parametrize(("rate", "points"), [("80%", 6), ("90%", 6), ("85%", 6), ("79.99%", 0), ("90.01%", 0)])
def test_between_with_both_ends_included(rule: str, rate: str, points: int) -> None:
    compiled = rules(SATISFACTION.format(rule=rule))
    assert pe.evaluate(compiled, {"满意率": rate}).total == points


@pytest.mark.parametrize("rule", [
    "得分 6 若 满意率 介于 80% 与 90% 之间 否则 0",
    "得分 6 若 满意率 介于 80% 和 90% 否则 0",
    "得分 6 若 满意率 介于 80% 至 90% 之间 否则 0",
    "得分 6 若 满意率 介于 80% 到 90% 否则 0",
    "若 满意率 介于 80%与90%之间得6，否则不得分",
])
def test_between_has_the_english_tree(rule: str) -> None:
    assert tree(SATISFACTION.format(rule=rule)) == tree(SATISFACTION.format(
        rule="score 6 if 满意率 between 80% and 90% else 0"))


def test_between_with_the_subject_left_out() -> None:
    text = SATISFACTION.format(rule="若满意率≥90%得6分；否则若 介于 80% 与 90% 之间 得 4 分；否则不得分")
    assert tree(text) == tree(SATISFACTION.format(
        rule="score 6 分 if 满意率 >= 90% else 4 分 if between 80% and 90% else 0"))
    assert [pe.evaluate(rules(text), {"满意率": r}).total for r in ("90%", "80%", "79.9%")] == [6, 4, 0]


def test_a_fact_range_in_chinese() -> None:
    text = "总分 6\n事实 满意率: % 介于 0% 与 100% 之间\n指标 甲 分值 6 {\n  若满意率≥90%得6分，否则不得分\n}\n"
    assert tree(text) == tree("total 6\nfact 满意率: % between 0% and 100%\nindicator 甲 weight 6 {\n"
                              "  if 满意率 >= 90% then 6 分, else 0\n}\n")
    with pytest.raises(pe.PerfevalError) as raised:
        pe.evaluate(rules(text), {"满意率": "101%"})
    assert raised.value.errors[0].code == "PE409"


SYSTEM = """总分 3
事实 制度: "制定并实施" | "制定未实施" | "未制定"
指标 制度建设 分值 3 {{
  {rule}
}}
"""


@pytest.mark.parametrize("rule", [
    "得分 按 制度 { “制定并实施” → 3，其他 → 0 }",
    "得分 按 制度 ｛ “制定并实施” → 3， 其余 → 0 ｝",
    "得分 按 制度 { \"制定并实施\" -> 3\n \"制定未实施\" -> 0\n 否则 -> 0 }",
    "score by 制度 { \"制定并实施\" -> 3, otherwise -> 0 }",
])
def test_a_judgement_scored_by_its_value(rule: str) -> None:
    compiled = rules(SYSTEM.format(rule=rule))
    assert [pe.evaluate(compiled, {"制度": v}).total for v in ("制定并实施", "制定未实施", "未制定")] == [3, 0, 0]


def test_a_judgement_has_the_english_tree() -> None:
    assert tree(SYSTEM.format(rule="得分 按 制度 { “制定并实施” → 3，其他 → 0 }")) == tree(
        SYSTEM.format(rule='score by 制度 { "制定并实施" -> 3, otherwise -> 0 }'))


TABLE = """标题 "示例单位 2020 年度部门整体支出绩效评价"
满分 10
评价等级 优 ≥ 9，良 ≥ 8，中 ≥ 6，差 其余

事实 补助资金到位率: %
事实 制度: "制定并实施" | "未制定"

一级指标 部门管理 分值 10 {
  二级指标 资金管理 分值 6 {
    三级指标 补助资金到位率 分值 6 {
      指标解释 "到位率=实际发放资金/应发资金"
      评分标准 "补助资金到位率≥90%，得 6分；否则不得分"
      绩效目标值 "资金到位率≥90%"
      方向 正向
      若补助资金到位率≥90%得6分，否则不得分
    }
  }
  二级指标 内部控制 分值 4 {
    指标 制度建设 分值 4 {
      得分 按 制度 { "制定并实施" -> 4, 其他 -> 0 }
    }
  }
}
"""

TABLE_EN = """title "示例单位 2020 年度部门整体支出绩效评价"
total 10
grades 优 >= 9, 良 >= 8, 中 >= 6, 差 otherwise

fact 补助资金到位率: %
fact 制度: "制定并实施" | "未制定"

group 部门管理 weight 10 {
  group 资金管理 weight 6 {
    indicator 补助资金到位率 weight 6 {
      explanation "到位率=实际发放资金/应发资金"
      standard "补助资金到位率≥90%，得 6分；否则不得分"
      target "资金到位率≥90%"
      direction 正向
      if 补助资金到位率 >= 90% then 6 分, else 0
    }
  }
  group 内部控制 weight 4 {
    indicator 制度建设 weight 4 {
      score by 制度 { "制定并实施" -> 4, otherwise -> 0 }
    }
  }
}
"""


def test_groups_nest_as_first_second_and_third_level_indicators() -> None:
    assert tree(TABLE) == tree(TABLE_EN)
    result = pe.evaluate(rules(TABLE), {"补助资金到位率": "90%", "制度": "未制定"})
    assert (result.total, result.grade) == (6, "中")
    assert {g.group.name: (g.group.path, g.score) for g in result.groups} == {
        "部门管理": ((), 6), "资金管理": (("部门管理",), 6), "内部控制": (("部门管理",), 0)}
    assert {i.name: i.path for i in result.indicators} == {
        "补助资金到位率": ("部门管理", "资金管理"), "制度建设": ("部门管理", "内部控制")}
    assert result.indicator("补助资金到位率").indicator.standard == "补助资金到位率≥90%，得 6分；否则不得分"
    assert document(result) == document(pe.evaluate(rules(TABLE_EN), {"补助资金到位率": "90%", "制度": "未制定"}))


def test_convert_writes_the_group_level() -> None:
    chinese = convert_keywords(TABLE_EN, "zh")
    assert chinese is not None
    assert "一级指标 部门管理 分值 10" in chinese and "二级指标 资金管理 分值 6" in chinese
    assert "指标 补助资金到位率 分值 6" in chinese and "若 补助资金到位率 >= 90% 得 6 分, 否则 0" in chinese
    assert tree(chinese) == tree(TABLE_EN)
    assert convert_keywords(chinese, "en") == TABLE_EN


MIXED = """title "混合关键字"
总分 8
grades 优 >= 7, 差 其他
fact 预算: 元
事实 实际: 元
fact 制度: "制定并实施" | "未制定"
令 偏差率 = (实际 - 预算) / 预算
let 完成 = 实际 >= 预算

group 部门管理 分值 8 {
  指标 偏差 weight 5 {
    standard "偏差率≤10%，得 5分；否则不得分"
    若偏差率≤10%得5分，否则 if <= 20% then 3, else 0
  }
  indicator 制度 分值 3 {
    得分 by 制度 { "制定并实施" -> 分值, otherwise -> 0 }
  }
}
"""


def test_english_and_chinese_keywords_in_one_file() -> None:
    english = convert_keywords(MIXED, "en")
    chinese = convert_keywords(MIXED, "zh")
    assert english is not None and chinese is not None
    assert tree(english) == tree(MIXED) == tree(chinese)
    assert {t.word for t in keyword_tokens(Source("en", english)) or ()} <= set(KEYWORDS)
    assert {t.word for t in keyword_tokens(Source("zh", chinese)) or ()} <= set(KEYWORDS_ZH)
    facts = {"预算": "100 元", "实际": "115 元", "制度": "制定并实施"}
    result = pe.evaluate(rules(MIXED), facts)
    assert (result.total, result.grade) == (6, "差")
    assert document(result) == document(pe.evaluate(rules(english), facts))


# ---- d) diagnostics point at the user's own characters -----------------------------------------------


def test_an_unknown_name_after_a_full_width_parenthesis() -> None:
    text = ("总分 5\n事实 预算：元\n事实 实际：元\n令 偏差率 ＝ （实际 － 预箅）／预算\n"
            "指标 偏差 分值 5 ｛\n  得分 5 若 偏差率 ≤ １０％ 否则 0\n｝\n")
    diagnostic = failure(text)
    assert diagnostic.code == "PE201"
    assert diagnostic.primary is not None and diagnostic.primary.span.text == "预箅"
    assert diagnostic.primary.span.line_col == (4, 15) == (4, column_of(text, 4, "预箅"))
    assert diagnostic.location == "<string>:4:15"
    assert (diagnostic.to_dict()["line"], diagnostic.to_dict()["column"]) == (4, 15)


def test_an_unknown_name_after_a_full_width_comparison() -> None:
    text = "总分 5\n事实 率：％\n指标 甲 分值 5 ｛\n  得分 5 若 率 ＜＝ 标准率 否则 0\n｝\n"
    diagnostic = failure(text)
    assert diagnostic.code == "PE201"
    assert diagnostic.location == f"<string>:4:{column_of(text, 4, '标准率')}" == "<string>:4:15"


def test_an_unknown_name_in_a_glued_standard_with_full_width_digits() -> None:
    text = "总分 5\n事实 率：％\n指标 甲 分值 5 ｛\n　　若率≤１０％得５分，否则若差率≤２０％得３分，否则不得分\n｝\n"
    diagnostic = failure(text)
    assert diagnostic.code == "PE201" and "差率" in diagnostic.message
    assert diagnostic.location == f"<string>:4:{column_of(text, 4, '差率')}" == "<string>:4:16"


def test_an_unknown_unit_after_full_width_digits() -> None:
    text = "总分 5\n事实 收入：万元\n指标 甲 分值 5 ｛\n  得分 5 若 收入 ≥ １０ 美元 否则 0\n｝\n"
    diagnostic = failure(text)
    assert diagnostic.code == "PE210"
    assert diagnostic.primary is not None and diagnostic.primary.span.text == "美元"
    assert diagnostic.location == f"<string>:4:{column_of(text, 4, '美元')}" == "<string>:4:18"


UNKNOWN_UNIT = "总分 5\n事实 收入：万元\n指标 甲 分值 5 ｛\n  得分 5 若 收入 ≥ １０ 万人民币 否则 0\n｝\n"


def test_an_unknown_unit_that_starts_like_a_unit_is_reported_inside_it() -> None:
    # `万人民币` is lexed as the unit 万人 followed by a name 民币: the error is on the right line and inside the
    # word the user wrote (the test below checks the diagnostic itself).
    diagnostic = failure(UNKNOWN_UNIT)
    assert diagnostic.code.startswith(("PE1", "PE2"))
    assert diagnostic.primary is not None
    line, column = diagnostic.primary.span.line_col
    start = column_of(UNKNOWN_UNIT, 4, "万人民币")
    assert line == 4 and start <= column < start + len("万人民币")


def test_an_unknown_unit_that_starts_like_a_unit_is_pe210_at_its_start() -> None:
    diagnostic = failure(UNKNOWN_UNIT)
    assert diagnostic.code == "PE210"
    assert diagnostic.location == f"<string>:4:{column_of(UNKNOWN_UNIT, 4, '万人民币')}" == "<string>:4:18"


def test_a_stray_full_width_semicolon_after_ideographic_spaces() -> None:
    text = ("总分　５\n事实　率：％\n指标　甲　分值　５　｛\n"
            "　　若　率　≤　１０％　得　５　分，否则　若　≤　２０％　得　３　分，否则　不得分；\n｝\n")
    diagnostic = failure(text)
    assert diagnostic.code == "PE101"
    assert diagnostic.location == f"<string>:4:{column_of(text, 4, '；')}" == "<string>:4:42"


def test_an_error_in_the_chinese_seed_points_at_the_chinese_line() -> None:
    text = read(ZH_RULES).replace("= 公益性岗位问卷满意份数 /", "= 公益性岗位问卷满意分数 /")
    diagnostic = failure(text)
    assert diagnostic.code == "PE201"
    line = next(n for n, content in enumerate(text.split("\n"), 1) if "满意分数" in content)
    assert diagnostic.primary is not None
    assert diagnostic.primary.span.line_col == (line, column_of(text, line, "公益性岗位问卷满意分数"))


# ---- e) names ----------------------------------------------------------------------------------------

CODE = re.compile(r"^PE[12]\d\d$")


def test_a_name_that_starts_with_ruo_in_corner_brackets() -> None:
    text = "总分 2\n事实 「若干项目数」: 个\n指标 甲 分值 2 {\n  若「若干项目数」≥3个得2分，否则不得分\n}\n"
    compiled = rules(text)
    assert [pe.evaluate(compiled, {"若干项目数": n}).total for n in ("3 个", "2 个")] == [2, 0]
    assert tree(text) == tree("total 2\nfact 「若干项目数」: 个\nindicator 甲 weight 2 {\n"
                              "  score 2 分 if 「若干项目数」 >= 3 个 else 0\n}\n")


@pytest.mark.parametrize(("text", "word", "line"), [
    ("总分 2\n事实 若干项目数: 个\n指标 甲 分值 2 {\n  若「若干项目数」≥3个得2分，否则不得分\n}\n", "若干项目数", 2),
    ("总分 2\n事实 「若干项目数」: 个\n指标 甲 分值 2 {\n  得分 2 若 若干项目数 ≥ 3 个 否则 0\n}\n", "若干项目数", 4),
    ("总分 2\n事实 「若干项目数」: 个\n指标 甲 分值 2 {\n  若若干项目数≥3个得2分，否则不得分\n}\n", "若干项目数", 4),
    ("总分 2\n事实 如果率: %\n指标 甲 分值 2 {\n  若「如果率」≥5%得2分，否则不得分\n}\n", "如果率", 2),
    ("总分 2\n事实 否则率: %\n指标 甲 分值 2 {\n  若「否则率」≥5%得2分，否则不得分\n}\n", "否则率", 2),
], ids=["fact", "use", "glued-use", "ruguo", "fouze"])
def test_an_unquoted_name_that_starts_with_a_condition_word(text: str, word: str, line: int) -> None:
    diagnostic = failure(text)
    assert CODE.match(diagnostic.code), diagnostic
    assert diagnostic.location == f"<string>:{line}:{column_of(text, line, word)}"
    assert "「" in (diagnostic.help or ""), diagnostic.help


def test_a_name_with_a_dun_comma_in_corner_brackets() -> None:
    text = ("总分 2\n事实 「高校毕业生、流动人员档案转寄份数」: 份\n"
            "指标 「高校毕业生、流动人员档案转寄」 分值 2 {\n"
            "  若「高校毕业生、流动人员档案转寄份数」≥500份得2分，否则不得分\n}\n")
    compiled = rules(text)
    result = pe.evaluate(compiled, {"高校毕业生、流动人员档案转寄份数": "500 份"})
    assert result.indicator("高校毕业生、流动人员档案转寄").score == 2
    assert pe.evaluate(compiled, {"高校毕业生、流动人员档案转寄份数": "499 份"}).total == 0
    quoted = text.replace("指标 「高校毕业生、流动人员档案转寄」", '指标 "高校毕业生、流动人员档案转寄"')
    assert tree(quoted) == tree(text)


def test_an_unquoted_name_with_a_dun_comma() -> None:
    text = "总分 2\n事实 份数: 份\n指标 高校毕业生、流动人员档案转寄 分值 2 {\n  若份数≥500份得2分，否则不得分\n}\n"
    diagnostic = failure(text)
    assert diagnostic.code == "PE101"
    assert diagnostic.location == f"<string>:3:{column_of(text, 3, '、')}"
    assert "「" in (diagnostic.help or "")


@pytest.mark.parametrize("name", ["得分率", "得分", "分值占比", "按时完成率", "若", "介于率"])
def test_names_that_contain_or_are_keywords_elsewhere(name: str) -> None:
    quoted = f"「{name}」" if name == "若" else name
    text = f"总分 2\n事实 {quoted}: %\n指标 甲 分值 2 {{\n  得分 2 若 {quoted} ≥ 90% 否则 0\n}}\n"
    assert [pe.evaluate(rules(text), {name: r}).total for r in ("90%", "89%")] == [2, 0]


def test_a_name_never_runs_on_into_de_or_fenzhi_before_a_digit() -> None:
    text = "总分5\n事实完成率：%\n指标完成情况分值5｛若完成率≥90%得5分，否则不得分｝\n"
    assert tree(text) == tree("total 5\nfact 完成率: %\nindicator 完成情况 weight 5 {\n"
                              "  if 完成率 >= 90% then 5 分, else 0\n}\n")


GLUED_ELSE_THEN = "总分 5\n事实 率: %\n指标 甲 分值 5 {\n  若率≥90%得5分，否则得1分\n}\n"


def test_else_then_with_a_space_before_the_points() -> None:
    text = GLUED_ELSE_THEN.replace("否则得1分", "否则得 1 分")
    assert [pe.evaluate(rules(text), {"率": r}).total for r in ("90%", "89%")] == [5, 1]


def test_else_then_glued_to_the_points() -> None:
    assert [pe.evaluate(rules(GLUED_ELSE_THEN), {"率": r}).total for r in ("90%", "89%")] == [5, 1]


# ---- the README's example -----------------------------------------------------------------------------


def test_the_readme_chinese_example_scores_the_boundary() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    (english,) = re.findall(r"^```perfeval\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)
    (chinese,) = [b for b in re.findall(r"^```text\n(.*?)^```", readme, re.MULTILINE | re.DOTALL) if "若" in b]
    text = english[: english.index("group ")] + chinese  # the README's facts and `let`, and its Chinese indicator
    facts = {"预算基本支出": "8,567,111.50 元", "实际基本支出": "9,423,822.65 元"}  # exactly 10%
    assert pe.evaluate(rules(text), facts).total == 5
    assert pe.evaluate(rules(text), {**facts, "实际基本支出": "9,423,822.66 元"}).total == 3


def test_between_glued_to_a_number_splits_as_it_reads() -> None:
    head = "总分 10\n事实 满意率: %\n指标 甲 分值 10 {\n  "
    glued = head + ("若满意率≥90%得10分，否则若满意率介于80%与90%之间得6分，"
                    "否则若介于60%与80%得4分，否则不得分\n}\n")
    spaced = head + ("若 满意率 ≥ 90% 得 10 分，否则 若 满意率 介于 80% 与 90% 之间 得 6 分，"
                     "否则 若 介于 60% 与 80% 得 4 分，否则不得分\n}\n")
    assert tree(glued) == tree(spaced)
    assert [pe.evaluate(rules(glued), {"满意率": rate}).total for rate in ("95%", "85%", "60%", "59%")] == [10, 6, 4, 0]


def test_a_let_before_a_condition_first_score_ends_with_a_semicolon() -> None:
    text = ("总分 5\n事实 偏差率: %\n指标 偏差 分值 5 {\n  令 绝对偏差 = abs(偏差率)；\n"
            "  若 绝对偏差 ≤ 10% 得5分，否则不得分\n}\n")
    rules = pe.parse_rules(text)
    assert pe.evaluate(rules, {"偏差率": "-10%"}).total == 5
    assert pe.evaluate(rules, {"偏差率": "-10.01%"}).total == 0
    formatted, _ = format_rules(Source("r.perfeval", text))
    assert formatted is not None and "  令 绝对偏差 = abs(偏差率)；\n" in formatted
    assert format_rules(Source("r.perfeval", text.replace("；", "")))[0] is None  # without it: PE102, with a help
    # a `；` is allowed after any derived value, and fmt leaves it out where nothing needs it
    top = "总分 5\n事实 偏差率: %\n令 绝对偏差 = abs(偏差率)；\n指标 偏差 分值 5 { 得分 5 若 绝对偏差 ≤ 10% 否则 0 }\n"
    assert pe.evaluate(pe.parse_rules(top), {"偏差率": "5%"}).total == 5
    assert "；" not in (format_rules(Source("r.perfeval", top))[0] or "；")


@pytest.mark.parametrize("word", ["其他", "其余", "否则", "otherwise"])
def test_the_last_grade_band_takes_each_word_for_otherwise(word: str) -> None:
    # 否则 is what a standard says (`60 分以下为差` is written `差 否则` as readily as `差 其他`).
    rules = pe.parse_rules(f"总分 10\n等级 优 >= 9, 差 {word}\n事实 甲: 个\n"
                           "指标 数量 分值 10 { 得分 10 若 甲 >= 1 个 否则 0 }\n")
    assert [band.label for band in rules.program.grades] == ["优", "差"]
    assert rules.program.grades[-1].threshold is None
    text = f'等级 优 >= 9, 差 {word}\n'
    assert convert_keywords(text, "en") == "grades 优 >= 9, 差 otherwise\n"


def test_otherwise_in_a_score_by_converts_to_otherwise() -> None:
    text = '指标 质量 分值 10 { 得分 按 甲 { "好" → 10，否则 → 0 } }\n'
    assert convert_keywords(text, "en") == 'indicator 质量 weight 10 { score by 甲 { "好" → 10，otherwise → 0 } }\n'
