"""The embedding API: three lines to a score, plain dicts as facts, errors as PerfevalError."""

from __future__ import annotations

import importlib
import json
import pkgutil
from decimal import Decimal
from pathlib import Path

import pytest

import perfeval_dsl as pe

ROOT = Path(__file__).resolve().parent.parent

SMALL = """
title "小例子"
total 10
fact 预算: 万元
fact 实际: 万元
fact 制度: "制定并实施" | "制定未实施" | "未制定"
let 执行率 = 实际 / 预算
group 管理 {
  indicator 预算执行 weight 6 {
    score weight * min(执行率, 1)
  }
  indicator 制度建设 weight 4 {
    score by 制度 { "制定并实施" -> 4, "制定未实施" -> 2, otherwise -> 0 }
  }
}
"""


def test_three_lines() -> None:
    rules = pe.load_rules(ROOT / "rules/anning-2020.perfeval")
    result = pe.evaluate(rules, pe.load_facts(ROOT / "rules/anning-2020.facts.yaml"))
    assert (result.total, result.grade) == (Decimal(98), "优")


def test_facts_as_a_plain_dict_written_as_reports_write_them() -> None:
    rules = pe.parse_rules(SMALL, filename="small.perfeval")
    result = pe.evaluate(rules, {"预算": "100 万元", "实际": "980,000 元", "制度": "制定未实施"})
    assert result.indicator("预算执行").score == Decimal("5.88")  # 6 × 98%, exactly
    assert result.indicator("制度建设").score == 2
    assert result.total == Decimal("7.88")
    assert result.grade == "中"  # default bands scale with the total: 优 ≥ 9, 良 ≥ 8, 中 ≥ 6 of 10


def test_dict_values_may_be_decimal_int_or_float_without_binary_error() -> None:
    rules = pe.parse_rules(SMALL)
    result = pe.evaluate(rules, {"预算": Decimal("100"), "实际": 0.1 + 0.2, "制度": "未制定"})
    # 0.1 + 0.2 is the float 0.30000000000000004; it is read through its shortest text, never rounded silently.
    assert result.indicator("预算执行").score == Decimal("6") * Decimal("0.30000000000000004") / 100


def test_to_dict_is_the_json_document() -> None:
    rules = pe.parse_rules(SMALL)
    result = pe.evaluate(rules, {"预算": "100 万元", "实际": "100 万元", "制度": "制定并实施"})
    document = result.to_dict()
    assert json.loads(pe.render(result, "json"), parse_float=Decimal) == json.loads(
        pe.render(result, "json"), parse_float=Decimal)
    assert document["total"] == Decimal(10) and document["grade"] == "优"
    assert [i["name"] for i in document["indicators"]] == ["预算执行", "制度建设"]
    assert document["indicators"][0]["path"] == ["管理"]
    parsed = json.loads(pe.render(result, "json"), parse_float=Decimal, parse_int=Decimal)
    assert parsed["total"] == document["total"] and parsed["max_total"] == Decimal(10)


def test_errors_raise_perfeval_error_with_all_diagnostics() -> None:
    text = SMALL.replace("实际 / 预算", "实际 / 预箅").replace('otherwise -> 0', 'otherwise -> 5')
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(text, filename="two-errors.perfeval")
    assert [d.code for d in caught.value.errors] == ["PE201", "PE503"]
    assert caught.value.errors[0].location == "two-errors.perfeval:7:16"
    # 预算 is no longer read by any rule: a warning comes with the errors
    assert [d.code for d in caught.value.diagnostics if not d.is_error] == ["PE306"]


def test_bad_facts_raise_perfeval_error() -> None:
    rules = pe.parse_rules(SMALL)
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"预算": "一百万", "制度": "制定"})
    assert sorted(d.code for d in caught.value.errors) == ["PE401", "PE402", "PE405"]


def test_rules_are_reusable_for_many_units() -> None:
    rules = pe.parse_rules(SMALL)
    totals = [pe.evaluate(rules, {"预算": "100 万元", "实际": f"{n} 万元", "制度": "未制定"}).total
              for n in (50, 100, 150)]
    assert totals == [Decimal(3), Decimal(6), Decimal(6)]


def test_submodules_do_not_shadow_the_api() -> None:
    for module in pkgutil.walk_packages(pe.__path__, "perfeval_dsl."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    for name in pe.__all__:
        assert hasattr(pe, name)
    assert callable(pe.evaluate) and callable(pe.render) and callable(pe.load_facts)
