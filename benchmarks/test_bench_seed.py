"""Scoring one unit of the seed: perfeval against a hand-written Decimal function and other engines.

Run with `python -m pytest benchmarks --benchmark-only --benchmark-group-by=group` and compare the rows of
each group with its baseline, measured in the same run (ratios, not absolute times: these machines are
shared); docs/performance.md has the table. CI runs this file with timing disabled, so it cannot rot.
The peers (zen-engine, rule-engine) are the `bench` extra; without them their rows are skipped.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from peers import COUNT_TARGETS, EXPRESSION, hand_parse, renamed

import perfeval_dsl as pe
from perfeval_dsl.evaluation import evaluate_bound
from perfeval_dsl.facts import bind
from perfeval_dsl.values import CONTEXT

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def seed() -> tuple[pe.Rules, pe.Facts, dict[str, Any]]:
    rules = pe.load_rules(ROOT / "rules/anning-2020.perfeval")
    facts = pe.load_facts(ROOT / "rules/anning-2020.facts.yaml")
    values, _ = bind(facts, rules.declared)
    return rules, facts, values


def hand_written(f: dict[str, Any]) -> Decimal:
    """The seed's 29 standards written directly in Python with Decimal: the fastest exact baseline."""
    def tier(value: Decimal, bands: list[tuple[Decimal, int]], otherwise: int) -> int:
        for bound, points in bands:
            if value <= bound:
                return points
        return otherwise

    total = 0
    total += 3 if f["部门职能"] == "清晰合理" else 0
    total += 3 if f["科室职能"] == "清晰合理" else 0
    total += 3 if f["年度工作计划"] == "制定了计划" else 0
    share = f["设定指标体系的项目数"] / f["项目总数"]
    total += 8 if share == 1 else 5 if Decimal("0.8") <= share <= Decimal("0.99") else \
        3 if Decimal("0.5") <= share <= Decimal("0.79") else 0
    basic = (f["实际基本支出"] - f["预算基本支出"]) / f["预算基本支出"]
    total += tier(basic, [(Decimal("0.1"), 5), (Decimal("0.2"), 3)], 0)
    project = (f["实际项目支出"] - f["预算项目支出"]) / f["预算项目支出"]
    total += tier(project, [(Decimal("0.05"), 5), (Decimal("0.1"), 3)], 0)
    mismatches = f["与补助文件不一致的项目数"]
    total += 6 if mismatches == 0 else 3 if mismatches == 1 else 1 if mismatches == 2 else 0
    for name in ("资产管理制度", "财务管理制度", "项目管理制度"):
        total += {"制定并实施": 3, "制定未实施": 1}.get(f[name], 0)
    for name, target in COUNT_TARGETS:
        total += 2 if f[name] >= target else 0
    total += 2 if f["补助资金到位率"] >= Decimal("0.9") else 0
    total += 4 if f["城镇登记失业率"] <= Decimal("0.053") else 0
    total += 4 if f["农村劳动力转移收入"] >= 48_000_000 else 0
    for sent, satisfied in (("公益性岗位问卷发出份数", "公益性岗位问卷满意份数"),
                            ("求职人员问卷发出份数", "求职人员问卷满意份数")):
        rate = f[satisfied] / f[sent]
        total += 10 if rate >= Decimal("0.9") else 6 if Decimal("0.8") <= rate <= Decimal("0.9") else \
            4 if Decimal("0.6") <= rate <= Decimal("0.8") else 0
    return Decimal(total)


def test_baseline_agrees_with_perfeval(seed: tuple[pe.Rules, pe.Facts, dict[str, Any]]) -> None:
    rules, facts, values = seed
    with decimal.localcontext(CONTEXT):
        assert hand_written(values) == pe.evaluate(rules, facts).total == 98
        texts = {name: fact.value for name, fact in facts.values.items()}
        assert hand_written({name: hand_parse(text) for name, text in texts.items()}) == 98


# ---- from values already bound to the rules' types (Decimal, str): the engines' own work -------------

BOUND = "seed: one unit, bound values"


@pytest.mark.benchmark(group=BOUND)
def test_hand_written_decimal_baseline(benchmark: Any, seed: tuple[pe.Rules, pe.Facts, dict[str, Any]]) -> None:
    _, _, values = seed

    def run() -> Decimal:
        with decimal.localcontext(CONTEXT):
            return hand_written(values)

    assert benchmark(run) == 98


@pytest.mark.benchmark(group=BOUND)
def test_perfeval_evaluate_bound(benchmark: Any, seed: tuple[pe.Rules, pe.Facts, dict[str, Any]]) -> None:
    rules, _, values = seed
    assert benchmark(evaluate_bound, rules, values).total == 98


@pytest.mark.benchmark(group=BOUND)
def test_zen_engine_expression(benchmark: Any, seed: tuple[pe.Rules, pe.Facts, dict[str, Any]]) -> None:
    zen = pytest.importorskip("zen")
    expression = zen.compile_expression(EXPRESSION)
    context = renamed(seed[2], float)  # zen reads numbers from JSON-like values; it computes in decimals
    assert benchmark(expression.evaluate, context) == 98


@pytest.mark.benchmark(group=BOUND)
def test_rule_engine_expression(benchmark: Any, seed: tuple[pe.Rules, pe.Facts, dict[str, Any]]) -> None:
    rule_engine = pytest.importorskip("rule_engine")
    rule = rule_engine.Rule(EXPRESSION)
    context = renamed(seed[2])
    assert benchmark(rule.evaluate, context) == 98


# ---- from the facts file's text ("8,567,111.51 元", "4.89%"): reading included ------------------------

TEXT = "seed: one unit, from the facts' text"


@pytest.mark.benchmark(group=TEXT)
def test_hand_written_reading_baseline(benchmark: Any, seed: tuple[pe.Rules, pe.Facts, dict[str, Any]]) -> None:
    texts = {name: fact.value for name, fact in seed[1].values.items()}

    def run() -> Decimal:
        with decimal.localcontext(CONTEXT):
            return hand_written({name: hand_parse(text) for name, text in texts.items()})  # type: ignore[arg-type]

    assert benchmark(run) == 98


@pytest.mark.benchmark(group=TEXT)
def test_perfeval_evaluate_facts(benchmark: Any, seed: tuple[pe.Rules, pe.Facts, dict[str, Any]]) -> None:
    rules, facts, _ = seed
    assert benchmark(pe.evaluate, rules, facts).total == 98


@pytest.mark.benchmark(group=TEXT)
def test_perfeval_evaluate_and_build_the_trace(benchmark: Any,
                                               seed: tuple[pe.Rules, pe.Facts, dict[str, Any]]) -> None:
    rules, facts, _ = seed
    assert len(benchmark(lambda: pe.evaluate(rules, facts).indicators)) == 29


# ---- parsing and checking -----------------------------------------------------------------------

@pytest.mark.benchmark(group="seed: parse and check")
def test_parse_and_check_the_seed(benchmark: Any) -> None:
    text = (ROOT / "rules/anning-2020.perfeval").read_text(encoding="utf-8")
    assert len(benchmark(pe.parse_rules, text).program.indicators) == 29
