"""Lists of sub-projects (P26: 绝对值直接累加计算，相对值按照资金额度加权平均计算): a fact that is a list of items
with the same fields, read by `合计`, `加权平均` and `个数`.

Exact sums and weighted means, both spellings of the functions, every facts format that can hold a list, the
trace's arithmetic, the JSON document, and a diagnostic for each way a list can be written wrong.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.facts import parse_facts
from perfeval_dsl.formatter import format_rules
from perfeval_dsl.source import Source
from perfeval_dsl.syntax import parse

RULES = """总分 30
事实 子项目: 列表 {{ 名称: 文本, 培训人数: 人, 资金: 万元, 合格率: % }}

令 培训人数 = {sum}(子项目.培训人数)
令 合格率 = {mean}(子项目.合格率, 子项目.资金)

指标 培训人数 分值 10 {{ 得分 按比例 培训人数 对 1000 人 }}
指标 培训合格率 分值 10 {{ 得分 按比例 合格率 对 90% }}
指标 子项目个数 分值 10 {{ 若 {count}(子项目) >= 2 得 10 分，否则不得分 }}
"""
CHINESE = RULES.format(sum="合计", mean="加权平均", count="个数")
ENGLISH = RULES.format(sum="sum", mean="weighted_mean", count="count")

TWO = [{"名称": "甲", "培训人数": "600 人", "资金": "300 万元", "合格率": "95%"},
       {"名称": "乙", "培训人数": "300 人", "资金": "100 万元", "合格率": "75%"}]


@pytest.mark.parametrize("text", [CHINESE, ENGLISH])
def test_counts_add_up_and_rates_are_weighted_by_funds(text: str) -> None:
    result = pe.evaluate(pe.parse_rules(text), {"子项目": TWO})
    # 900 of 1,000 trained: 9; (95% × 300 + 75% × 100) / 400 = 90% exactly: 10 (the plain mean, 85%, would not)
    assert result.scores == (Decimal(9), Decimal(10), Decimal(10))
    assert result.trace.lets == {"培训人数": Decimal(900), "合格率": Decimal("0.9")}


def test_one_item_and_an_exact_boundary() -> None:
    result = pe.evaluate(pe.parse_rules(CHINESE), {"子项目": [
        {"名称": "甲", "培训人数": "1000 人", "资金": "0.01 万元", "合格率": "90%"}]})
    assert result.scores == (Decimal(10), Decimal(10), Decimal(0))


def test_no_items_sum_to_nothing_and_a_mean_of_nothing_divides_by_zero() -> None:
    rules = pe.parse_rules(CHINESE)
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"子项目": []})
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [
        ("PE501", "`加权平均(子项目.合格率, 子项目.资金)` divides by zero: the weights of the items add up to 0")]


def test_the_trace_shows_each_items_values_and_the_arithmetic() -> None:
    result = pe.evaluate(pe.parse_rules(CHINESE, filename="r.perfeval"), {"子项目": TWO})
    text = pe.render(result, "text").splitlines()
    assert ('  values    子项目 = {名称 "甲", 培训人数 600 人, 资金 300 万元, 合格率 95%}; '
            '{名称 "乙", 培训人数 300 人, 资金 100 万元, 合格率 75%}') in text
    assert "                     = 600 人 + 300 人" in text
    assert "                   = (95% × 300 万元 + 75% × 100 万元) / (300 万元 + 100 万元)" in text
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    listed = document["indicators"][0]["values"][0]
    assert (listed["type"], listed["value"][1]) == ("list", {"名称": "乙", "培训人数": 300, "资金": 1000000,
                                                              "合格率": Decimal("0.75")})


YAML = """子项目:
  - 名称: 甲
    培训人数: 600 人
    资金: 300 万元
    合格率: 95%
  - 名称: 乙
    培训人数: 300 人
    资金: 100 万元
    合格率: 75%
"""
TOML = """[["子项目"]]
"名称" = "甲"
"培训人数" = "600 人"
"资金" = "300 万元"
"合格率" = "95%"

[["子项目"]]
"名称" = "乙"
"培训人数" = "300 人"
"资金" = "100 万元"
"合格率" = "75%"
"""


@pytest.mark.parametrize(("suffix", "text"), [(".yaml", YAML), (".toml", TOML),
                                               (".json", json.dumps({"子项目": TWO}, ensure_ascii=False))])
def test_every_facts_format_that_holds_lists(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"f{suffix}"
    path.write_text(text, encoding="utf-8")
    result = pe.evaluate(pe.parse_rules(CHINESE), pe.load_facts(path))
    assert result.total == 29


@pytest.mark.parametrize(("facts", "expected"), [
    ("子项目: 3\n", [("PE406", "`子项目` must be a list of items, each with `名称`, `培训人数`, `资金`, `合格率`")]),
    ("子项目:\n  - 名称: 甲\n    培训人数: 600 人\n    资金: 300 万元\n",
     [("PE401", "item 1 of `子项目` does not give `合格率`")]),
    ("子项目:\n  - 名称: 甲\n    培训人数: 600\n    资金: 300 万元\n    合格率: 95\n",
     [("PE407", "`子项目[1].合格率` is a percentage, but `95` has no percent sign")]),
    ("子项目:\n  - 名称: 甲\n    培训人数: 600 人\n    资金: 300 万元\n    合格率: 95%\n    备注: 新建\n",
     [("PE404", "item 1 of `子项目` gives `备注`, which the list does not declare")]),
    ("子项目:\n  - 名称: 甲\n    培训人数: -1 人\n    资金: 300 万元\n    合格率: 95%\n",
     [("PE409", "`子项目[1].培训人数` is -1 人: a count of 人 cannot be negative")]),
])
def test_each_way_a_list_is_written_wrong(facts: str, expected: list[tuple[str, str]]) -> None:
    rules = pe.parse_rules(CHINESE)
    parsed = parse_facts(Source("f.yaml", facts), "yaml")
    try:
        result = pe.evaluate(rules, parsed)
        found = [(d.code, d.message) for d in result.diagnostics]
    except pe.PerfevalError as caught:
        found = [(d.code, d.message) for d in caught.diagnostics]
    assert found == expected


@pytest.mark.parametrize(("rule", "code", "message"), [
    ("得分 子项目.培训人数", "PE204", "`子项目.培训人数` is one value per item of `子项目`"),
    ("得分 合计(子项目.人数) / 100", "PE201", "the list `子项目` has no field `人数`"),
    ("得分 合计(子项目)", "PE208", "`合计` works on a field of a list, such as `子项目.培训人数`"),
    ("得分 个数(子项目.资金)", "PE208", "`个数` counts the items of a list"),
    ("得分 合计(子项目.名称)", "PE204", "expected a number here, but this is a text"),
    ("得分 加权平均(子项目.合格率)", "PE208", "`加权平均` takes 2 values, but is given 1"),
    ("得分 加权平均(子项目.合格率, 其他.资金)", "PE201", "I cannot find a fact or value named `其他`"),
    ("得分 合计(金额.资金)", "PE204", "`金额` is money (元), not a list with fields"),
])
def test_the_checker_explains_each_misuse(rule: str, code: str, message: str) -> None:
    text = (f"总分 10\n事实 子项目: 列表 {{ 名称: 文本, 培训人数: 人, 资金: 万元, 合格率: % }}\n事实 金额: 元\n"
            f"指标 甲 分值 10 {{\n  {rule}\n}}\n")
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(text)
    assert (code, message) in [(d.code, d.message) for d in caught.value.diagnostics]


def test_a_list_inside_a_list_and_a_field_given_twice_are_refused() -> None:
    for fields, code in (("甲: 列表 { 乙: 人 }", "PE204"), ("甲: 人, 甲: 元", "PE202")):
        with pytest.raises(pe.PerfevalError) as caught:
            pe.parse_rules(f"总分 10\n事实 子项目: 列表 {{ {fields} }}\n指标 甲 分值 10 {{ 得分 个数(子项目) }}\n")
        assert code in [d.code for d in caught.value.diagnostics]


def test_fmt_writes_a_list_in_either_language() -> None:
    formatted, _ = format_rules(Source("r.perfeval", CHINESE), "en")
    assert formatted is not None
    assert "fact 子项目: list { 名称: text, 培训人数: 人, 资金: 万元, 合格率: % }" in formatted
    back, _ = format_rules(Source("r.perfeval", formatted), "zh")
    assert back is not None
    assert "事实 子项目: 列表 { 名称: 文本, 培训人数: 人, 资金: 万元, 合格率: % }" in back
    assert parse(Source("r", back))[0] == parse(Source("r", CHINESE))[0]


def test_a_unit_table_cannot_hold_a_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r.perfeval").write_text(CHINESE, encoding="utf-8")
    (tmp_path / "units.csv").write_text("单位,子项目\n甲,600\n", encoding="utf-8")
    code, out, _ = run(capsys, "batch", str(tmp_path / "r.perfeval"), str(tmp_path / "units.csv"))
    assert code == 1
    assert "error[PE406]: `子项目` must be a list of items" in out
