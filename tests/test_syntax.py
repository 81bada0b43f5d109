"""The grammar and the syntax tree: keyword and unit tables in step, full-width input, spans."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from perfeval_dsl import ast
from perfeval_dsl.keywords import NAME_PATTERN
from perfeval_dsl.source import Source
from perfeval_dsl.syntax import KEYWORDS, KEYWORDS_ZH, grammar_text, parse
from perfeval_dsl.values import UNITS

DUMMY = Source("x", "").span(0, 0)


def number(value: str, unit: str | None = None) -> ast.Number:
    return ast.Number(value=Decimal(value), unit=unit, span=DUMMY)


def tree(text: str) -> ast.RuleFile:
    result, diagnostics = parse(Source("t.perfeval", text))
    assert diagnostics == [] and result is not None
    return result


def test_keyword_list_matches_the_grammar() -> None:
    quoted = set(re.findall(r'"([a-z_]+)"', grammar_text()))
    assert quoted == set(KEYWORDS)
    rules = "\n".join(line.split("//")[0] for line in grammar_text().splitlines())
    chinese = {word for word in re.findall(r'"([^"]*)"', rules) if re.fullmatch(r"[\u4e00-\u9fff]+", word)}
    assert chinese == set(KEYWORDS_ZH)
    assert set(KEYWORDS_ZH.values()) - {"", "0"} <= set(KEYWORDS)


def test_name_pattern_is_the_grammars() -> None:
    (pattern,) = re.findall(r"^NAME: /(.*)/$", grammar_text(), re.MULTILINE)
    assert pattern == NAME_PATTERN


def test_unit_terminal_matches_the_unit_table() -> None:
    (pattern,) = re.findall(r"^UNIT\.2: /(.*)/$", grammar_text(), re.MULTILINE)
    assert set(pattern.split("|")) == set(UNITS)


ASCII = """
title "t"
fact 预算: 元
fact 实际: 元
fact 制度: "制定并实施" | "未制定"
let 偏差率 = (实际 - 预算) / 预算
group 管理 weight 10 {
  indicator 偏差 weight 5 { score 5 if 偏差率 <= 10% else 3 if <= 20% else 0 }
  indicator 制度 weight 5 { score by 制度 { "制定并实施" -> 5, otherwise -> 0 } }
}
"""

FULL_WIDTH = """
title “t”
fact 预算：元
fact 实际：元
fact 制度："制定并实施"｜"未制定"
let 偏差率＝（实际－预算）／预算
group 管理 weight １０ ｛
\u3000indicator 偏差 weight ５ { score ５ if 偏差率≤１０％ else ３ if ≤２０％ else ０ }
\u3000indicator 制度 weight ５ { score by 制度 { "制定并实施" → ５， otherwise → ０ } }
｝
"""


def test_full_width_punctuation_and_digits_mean_the_same() -> None:
    assert tree(FULL_WIDTH) == tree(ASCII)


@pytest.mark.parametrize(("written", "canonical"), [
    ("≤", "<="), ("≦", "<="), ("＜＝", "<="), (">=", ">="), ("≥", ">="), ("＞＝", ">="), ("≠", "!="),
    ("！＝", "!="), ("＝＝", "=="), ("＜", "<"), ("＞", ">"),
])
def test_comparison_spellings(written: str, canonical: str) -> None:
    text = f"group g {{ indicator i weight 1 {{ score 1 if x {written} 1 else 0 }} }}"
    indicator = tree(text).items[0].children[0]  # type: ignore[union-attr]
    rule = indicator.items[0]
    assert rule.expr.tiers[0].condition.ops == (canonical,)


def test_spans_index_the_original_text() -> None:
    text = "let 偏差率＝（实际－预算）／预算"
    let = tree(text).items[0]
    assert isinstance(let, ast.Let)
    assert let.expr.span.text == "（实际－预算）／预算"
    assert let.name_span.text == "偏差率"
    assert let.expr.left.span.text == "实际－预算"  # type: ignore[union-attr]


def test_tier_chain_is_flattened_with_partial_conditions() -> None:
    let = tree("let s = 5 if x <= 10% else 3 if <= 20% else 0").items[0]
    assert isinstance(let, ast.Let) and isinstance(let.expr, ast.Tiered)
    assert len(let.expr.tiers) == 2
    assert isinstance(let.expr.tiers[1].condition, ast.PartialCompare)
    assert let.expr.default == number("0")


def test_names_in_corner_brackets_and_quoted_indicator_names() -> None:
    items = tree('fact 「高校毕业生、流动人员档案转寄份数」: 份\n'
                 'group g { indicator "档案转寄（份）" weight 2 {\n'
                 '  score 2 if 「高校毕业生、流动人员档案转寄份数」 >= 500 份 else 0 } }').items
    assert isinstance(items[0], ast.FactDecl) and items[0].name == "高校毕业生、流动人员档案转寄份数"
    assert isinstance(items[1], ast.Group) and items[1].children[0].name == "档案转寄（份）"


def test_numbers_keep_their_units_as_written() -> None:
    let = tree("let a = 4800 万元 + 8217.07万元").items[0]
    assert isinstance(let, ast.Let) and isinstance(let.expr, ast.Binary)
    assert (let.expr.left, let.expr.right) == (number("4800", "万元"), number("8217.07", "万元"))
