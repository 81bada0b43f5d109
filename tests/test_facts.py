"""Facts files: YAML, TOML and JSON read to the same exact values; numbers as reports write them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

import perfeval_dsl as pe
from perfeval_dsl.facts import FactValue, coerce, parse_facts
from perfeval_dsl.source import Source
from perfeval_dsl.values import (
    BoolType,
    JudgementType,
    NumberTextError,
    NumberType,
    chinese_number_text,
    number_type_for_unit,
    parse_number_text,
)

ROOT = Path(__file__).resolve().parent.parent


def seed_as_plain_mapping() -> dict[str, str]:
    data = yaml.safe_load((ROOT / "rules/anning-2020.facts.yaml").read_text(encoding="utf-8"))
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in data.items()}


@pytest.fixture(scope="module")
def rules() -> pe.Rules:
    return pe.load_rules(ROOT / "rules/anning-2020.perfeval")


def test_toml_and_json_give_the_same_result_as_yaml(rules: pe.Rules, tmp_path: Path) -> None:
    mapping = seed_as_plain_mapping()
    toml_path = tmp_path / "seed.toml"
    toml_path.write_text("".join(f'"{k}" = "{v}"\n' for k, v in mapping.items()), encoding="utf-8")
    json_path = tmp_path / "seed.json"
    json_path.write_text(json.dumps(mapping, ensure_ascii=False, indent=1), encoding="utf-8")
    expected = pe.evaluate(rules, pe.load_facts(ROOT / "rules/anning-2020.facts.yaml")).to_dict()
    for path in (toml_path, json_path):
        document = pe.evaluate(rules, pe.load_facts(path)).to_dict()
        for field in ("total", "grade", "groups"):
            assert document[field] == expected[field]
        assert [i["score"] for i in document["indicators"]] == [i["score"] for i in expected["indicators"]]


@pytest.mark.parametrize(("file_format", "text"), [
    ("yaml", "预算: 8567111.51\n"),
    ("yaml", "预算: 8,567,111.51 元\n"),
    ("yaml", "预算: '856.711151 万元'\n"),
    ("toml", '"预算" = 8567111.51\n'),
    ("json", '{"预算": 8567111.51}'),
    ("json", '{"预算": "８,５６７,１１１.５１ 元"}'),
])
def test_money_is_exact_in_every_format(file_format: str, text: str) -> None:
    facts = parse_facts(Source(f"f.{file_format}", text), file_format)
    value, problem = coerce(facts.values["预算"], number_type_for_unit("元"))
    assert problem is None
    assert value == Decimal("8567111.51") and str(value).replace(".510", ".51").startswith("8567111.51")


def test_bare_number_is_in_the_declared_unit() -> None:
    facts = parse_facts(Source("f.yaml", "收入: 8217.07\n"), "yaml")
    value, problem = coerce(facts.values["收入"], number_type_for_unit("万元"))
    assert (value, problem) == (Decimal("82170700.00"), None)


@pytest.mark.parametrize(("text", "expected"), [
    ("4.89%", Decimal("0.0489")), ("100%", Decimal(1)), ("５.３％", Decimal("0.053")), ("-22%", Decimal("-0.22")),
    ("1.5‰", Decimal("0.0015")),
])
def test_percentages(text: str, expected: Decimal) -> None:
    value, problem = coerce(FactValue(name="率", value=text), number_type_for_unit("%"))
    assert (value, problem) == (expected, None)


def test_a_percentage_needs_its_sign() -> None:
    value, problem = coerce(FactValue(name="率", value=Decimal("4.89")), number_type_for_unit("%"))
    assert value is None and problem is not None and problem.code == "PE407"


@pytest.mark.parametrize(("raw", "expected"), [
    (True, True), (False, False), ("是", True), ("否", False), ("有", True), ("无", False), ("yes", True),
])
def test_yes_no(raw: object, expected: bool) -> None:
    assert coerce(FactValue(name="b", value=raw), BoolType()) == (expected, None)  # type: ignore[arg-type]


def test_judgements_are_trimmed_and_checked() -> None:
    judgement = JudgementType(("制定并实施", "制定未实施", "未制定"))
    assert coerce(FactValue(name="j", value=" 制定并实施 "), judgement) == ("制定并实施", None)
    value, problem = coerce(FactValue(name="j", value="制定并实行"), judgement)
    assert value is None and problem is not None and problem.code == "PE405"
    assert problem.help == 'did you mean "制定并实施" or "制定未实施"?'


def test_sections_and_notes_in_yaml() -> None:
    facts = parse_facts(Source("f.yaml", "部门管理:\n  预算: 10 元\n  实际:\n    value: 12 元\n    note: 说明 1\n"),
                        "yaml")
    assert list(facts.values) == ["预算", "实际"]
    assert facts.values["实际"].note == "说明 1"
    assert facts.values["实际"].span is not None and facts.values["实际"].span.location() == "f.yaml:4:12"


def test_count_units_scale_with_wan() -> None:
    value, problem = coerce(FactValue(name="人数", value="6.6 万人"), number_type_for_unit("人"))
    assert (value, problem) == (Decimal("66000.0"), None)


def test_yaml_float_syntax_never_goes_through_binary() -> None:
    facts = parse_facts(Source("f.yaml", "a: 0.1\nb: 1.5e-7\nc: 0.0900000762939453\n"), "yaml")
    assert {k: v.value for k, v in facts.values.items()} == {
        "a": Decimal("0.1"), "b": Decimal("1.5e-7"), "c": Decimal("0.0900000762939453")}
    value, _ = coerce(facts.values["a"], NumberType())
    assert value == Decimal("0.1")


@pytest.mark.parametrize(("text", "amount", "unit"), [
    ("九十五人", "95", "人"), ("九十五", "95", ""), ("一万二千三百 元", "12300", "元"), ("一百零五", "105", ""),
    ("十五", "15", ""), ("十", "10", ""), ("两千", "2000", ""), ("一千零五十", "1050", ""), ("三千零五十", "3050", ""),
    ("四十万零三百", "400300", ""), ("一亿零五万", "100050000", ""), ("二〇二〇", "2020", ""), ("零", "0", ""),
    ("一点二三", "1.23", ""), ("零点五分", "0.5", "分"), ("三点五万元", "35000.0", "元"), ("负五", "-5", ""),
    ("百分之九十五", "95", "%"), ("百分之九十五点五", "95.5", "%"), ("千分之三", "3", "‰"),
    ("八千五百六十七万一千一百一十一点五一 元", "85671111.51", "元"),
])
def test_a_number_in_chinese_words_is_read(text: str, amount: str, unit: str) -> None:
    assert chinese_number_text(text) == (Decimal(amount), unit)
    assert parse_number_text(text) == (Decimal(amount), unit)


@pytest.mark.parametrize("text", ["一百二", "一二十", "二十零", "零五", "十几", "十几人", "九十多个", "约九十五人",
                                  "九十五人左右", "百分之九十五人", "一万万", "点五", "五点", "九十五点五五万万"])
def test_chinese_words_that_leave_the_number_open_are_not_a_number(text: str) -> None:
    assert chinese_number_text(text) is None
    with pytest.raises(NumberTextError):
        parse_number_text(text)


def test_a_fact_in_chinese_words_scores_as_its_number() -> None:
    rules = pe.parse_rules("total 2\nfact 人数: 人\nfact 到位率: %\n"
                           "indicator 人数 weight 1 { score 1 if 人数 >= 95 人 else 0 }\n"
                           "indicator 到位率 weight 1 { score 1 if 到位率 >= 90% else 0 }\n")
    result = pe.evaluate(rules, {"人数": "九十五人", "到位率": "百分之九十"})
    assert result.total == Decimal(2)
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"人数": "九十多人", "到位率": "百分之九十"})
    assert [d.code for d in caught.value.diagnostics] == ["PE402"]


@pytest.mark.parametrize("text", ["一百万", "一百"])
def test_words_without_a_unit_for_a_fact_in_wan_yuan_ask_for_the_unit(text: str) -> None:
    # `一百万` for a fact in 万元: 1,000,000 万元 (a bare number is in the declared unit) or 1,000,000 元?
    rules = pe.parse_rules("total 1\nfact 收入: 万元\nindicator 收入 weight 1 { score 1 if 收入 >= 100 万元 else 0 }\n")
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"收入": text})
    (problem,) = caught.value.diagnostics
    assert problem.code == "PE402" and "in words and without a unit" in problem.message
    assert pe.evaluate(rules, {"收入": "一百万元"}).total == Decimal(1)
    assert pe.evaluate(rules, {"收入": "一百 万元"}).total == Decimal(1)
