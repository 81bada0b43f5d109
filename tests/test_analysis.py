"""Static analysis of scoring standards (`perfeval_dsl.analyse`, PE601–PE607) and `perfeval check` / `explain`.

Every finding kind has a small rule file that contains it, asserted exactly (codes, line:column, message,
label), next to close variants that must stay silent. A property test checks the tier charts against the
evaluator itself. `perfeval boundaries` is tested in tests/test_boundaries.py.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import portion as P
import pytest
from cli_support import run
from hypothesis import given, settings
from hypothesis import strategies as st

import perfeval_dsl as pe
from perfeval_dsl import ast
from perfeval_dsl.analysis import Ranges, TierChart, tier_chart
from perfeval_dsl.errors import CODES, Diagnostic

ROOT = Path(__file__).resolve().parent.parent
SEED = "rules/anning-2020.perfeval"

Finding = tuple[str, int, int, str, str]  # code, line, column, message, label


# ---- helpers -----------------------------------------------------------------------------------


def rule_file(facts: str, score: str, *, weight: int = 5, direction: str | None = None) -> str:
    """One indicator `指标`; the `score` line is line 4 + the number of fact lines after the first (+1 with
    a direction). Its expression starts in column 9."""
    lines = [f"total {weight}", *facts.splitlines(), f"indicator 指标 weight {weight} {{"]
    if direction is not None:
        lines.append(f"  direction {direction}")
    lines += [f"  score {score}", "}"]
    return "\n".join(lines) + "\n"


def compile_rules(text: str) -> pe.Rules:
    return pe.parse_rules(text, "t.perfeval")


def diagnostics(text: str) -> list[Diagnostic]:
    rules = compile_rules(text)
    assert rules.diagnostics == ()  # only the analysis speaks in these files
    return pe.analyse(rules)


def findings(text: str) -> list[Finding]:
    found = []
    for d in diagnostics(text):
        assert d.primary is not None and d.severity is pe.Severity.WARNING
        line, column = d.primary.span.line_col
        found.append((d.code, line, column, d.message, d.primary.text))
    return found


def codes(text: str) -> list[str]:
    return [d.code for d in diagnostics(text)]


def chart_of(rules: pe.Rules, index: int = 0) -> TierChart:
    program = rules.program
    chart = tier_chart(program, program.indicators[index])
    assert chart is not None
    return chart


def evaluated_branch(rules: pe.Rules, facts: dict[str, object], index: int = 0) -> int | None:
    """The branch the evaluator takes; None when no tier matches (PE502)."""
    try:
        result = pe.evaluate(rules, facts)
    except pe.PerfevalError as exc:
        assert [d.code for d in exc.errors] == ["PE502"], exc
        return None
    return result.indicators[index].branch


def percent(value: Decimal) -> str:
    """A fraction as a facts file writes a percentage: 0.0999 → `9.99%` (exactly)."""
    return format(value * 100, "f") + "%"


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")


PCT = "fact x: %"
COUNT = "fact n: 个"
PEOPLE = "fact n: 人"
RATIO = "fact 完成数: 个\nfact 目标数: 个\nlet 完成率 = 完成数 / 目标数"  # score line 6


# ---- PE601: values between tiers fall to a lower else ---------------------------------------------


def test_pe601_gap_between_percent_bands() -> None:
    text = rule_file(PCT, "5 if x >= 80% else 3 if between 50% and 79% else 0")
    assert findings(text) == [
        ("PE601", 4, 33, "values of `x` in (79%, 80%) fall between the tiers of `指标` to `else 0`",
         "the tiers leave (79%, 80%) out"),
    ]
    (found,) = diagnostics(text)
    assert found.notes == ("79% scores 3 (`x between 50% and 79%`) and 80% scores 5 (`x >= 80%`), but 79.5% scores 0",)
    assert found.help is not None and "`50% <= x < 80%`" in found.help


def test_pe601_a_missing_whole_count() -> None:
    text = rule_file(PEOPLE, "5 if n >= 10 人 else 3 if 5 人 <= n <= 8 人 else 0")
    assert findings(text) == [
        ("PE601", 4, 34, "values of `n` in 9 人 fall between the tiers of `指标` to `else 0`",
         "the tiers leave 9 人 out"),
    ]
    (found,) = diagnostics(text)
    assert found.notes == ("8 人 scores 3 (`5 人 <= n <= 8 人`) and 10 人 scores 5 (`n >= 10 人`), but 9 人 scores 0",)


def test_pe601_points_at_the_later_of_the_two_tiers() -> None:
    # The lower band is the first tier here, so the finding points at the second (`x >= 90%`).
    text = rule_file(PCT, "3 if x between 50% and 79% else 5 if x >= 90% else 0")
    assert findings(text) == [
        ("PE601", 4, 46, "values of `x` in (79%, 90%) fall between the tiers of `指标` to `else 0`",
         "the tiers leave (79%, 90%) out"),
    ]


@pytest.mark.parametrize("score", [
    "5 if x <= 10% else 3 if <= 20% else 0",  # the idiomatic chain
    "5 if x <= 10% else 3 if 10% < x <= 20% else 0",  # the same, both ends written
    "5 if x >= 90% else 3 if 80% <= x < 90% else 1 if 70% <= x < 80% else 0",  # meeting tiers
    "5 if x >= 80% else 3 if 50% <= x < 80% else 0",
    "2 if x >= 90% else 1 if x < 80% else 5",  # else above both neighbours: a deliberate middle band
    "2 if x >= 90% else 2 if x < 80% else 2",  # else equal to both neighbours
])
def test_pe601_not_reported_for_meeting_tiers_percent(score: str) -> None:
    assert codes(rule_file(PCT, score)) == []


@pytest.mark.parametrize(("facts", "score"), [
    (COUNT, "5 if n == 0 else 3 if == 1 else 1 if == 2 else 0"),  # no whole number between 0, 1, 2
    (PEOPLE, "5 if n >= 10 人 else 3 if 5 人 <= n <= 9 人 else 0"),  # no whole count between 9 and 10
    (PEOPLE, "5 if n >= 10 人 else 3 if between 5 人 and 9 人 else 0"),
    (COUNT, "5 if n <= 2 个 else 3 if between 3 个 and 5 个 else 0"),
])
def test_pe601_not_reported_for_whole_counts(facts: str, score: str) -> None:
    assert codes(rule_file(facts, score)) == []


def test_pe601_else_between_neighbours_is_a_gap_but_above_both_is_not() -> None:
    # else 4 is below the 5 on one side: a gap. else 6 is above both sides: a deliberate middle band.
    gap = rule_file(PCT, "5 if x >= 90% else 3 if x < 80% else 4")
    assert [(code, message) for code, _, _, message, _ in findings(gap)] == [
        ("PE601", "values of `x` in [80%, 90%) fall between the tiers of `指标` to `else 4`"),
    ]
    assert codes(rule_file(PCT, "5 if x >= 90% else 3 if x < 80% else 5")) == []


# ---- PE602: tiers that partly overlap ---------------------------------------------------------


def test_pe602_between_shares_its_end_with_the_tier_before() -> None:
    text = rule_file(PCT, "10 if x >= 90% else 6 if between 80% and 90% else 0", weight=10)
    assert findings(text) == [
        ("PE602", 4, 34, "tiers of `指标` overlap at 90%: both `x >= 90%` and `x between 80% and 90%` take it",
         "also takes 90%"),
    ]
    (found,) = diagnostics(text)
    assert found.notes == ("tiers are tried in order, so 90% scores 10 (`x >= 90%`), not 6",)
    assert found.help is not None and "`80% <= x < 90%`" in found.help


def test_pe602_a_shared_stretch() -> None:
    text = rule_file(PCT, "5 if x <= 10% else 3 if between 5% and 20% else 0")
    assert findings(text) == [
        ("PE602", 4, 33, "tiers of `指标` overlap at [5%, 10%]: both `x <= 10%` and `x between 5% and 20%` take it",
         "also takes [5%, 10%]"),
    ]


@pytest.mark.parametrize(("facts", "score", "expected"), [
    (PCT, "5 if x <= 10% else 3 if <= 20% else 0", []),  # earlier tier inside the later: the chain idiom
    (PCT, "5 if x <= 10% else 3 if x <= 20% else 0", []),
    (PCT, "5 if x >= 90% else 3 if >= 80% else 0", []),
    (PCT, "5 if x >= 90% else 3 if 80% <= x < 90% else 0", []),  # 80%（含）-90%
    (PCT, "5 if x >= 90% else 3 if between 80% and 89.99% else 0", ["PE601"]),  # no overlap, a gap instead
    (PCT, "5 if x between 40% and 50% else 3 if between 30% and 60% else 0", []),  # inner band first
    (COUNT, "5 if n <= 2 个 else 3 if n <= 5 个 else 0", []),
])
def test_pe602_not_reported(facts: str, score: str, expected: list[str]) -> None:
    assert codes(rule_file(facts, score)) == expected


# ---- PE603: a tier that can never apply ----------------------------------------------------------


def test_pe603_tier_wholly_covered_by_an_earlier_one() -> None:
    text = rule_file(PCT, "5 if x <= 20% else 3 if <= 10% else 0")
    assert findings(text) == [
        ("PE603", 4, 33, "this tier of `指标` can never apply: every value it takes is taken by an earlier tier",
         "already covered"),
    ]
    (found,) = diagnostics(text)
    assert found.notes == ("tiers are tried in order; its values go to `x <= 20%`",)


def test_pe603_empty_condition() -> None:
    text = rule_file(PCT, "5 if x >= 90% else 3 if between 80% and 70% else 0")
    assert findings(text) == [
        ("PE603", 4, 33, "this tier of `指标` can never apply: no value of `x` meets `x between 80% and 70%`",
         "never true"),
    ]


def test_pe603_no_whole_count_meets_the_condition() -> None:
    text = rule_file(COUNT, "5 if 1 个 < n < 2 个 else 3 if n <= 5 个 else 0")
    assert findings(text) == [
        ("PE603", 4, 14, "this tier of `指标` can never apply: no value of `n` meets `1 个 < n < 2 个`", "never true"),
    ]
    (found,) = diagnostics(text)
    assert found.notes == ("`n` can only be in [0 个, +∞)",)


def test_pe603_a_negative_count() -> None:
    assert findings(rule_file(COUNT, "5 if n < 0 个 else 3 if n <= 2 个 else 0")) == [
        ("PE603", 4, 14, "this tier of `指标` can never apply: no value of `n` meets `n < 0 个`", "never true"),
    ]


@pytest.mark.parametrize(("facts", "score"), [
    (COUNT, "5 if 1 个 < n <= 2 个 else 3 if n <= 5 个 else 0"),  # 2 meets it
    (COUNT, "5 if n < 1 个 else 3 if n <= 5 个 else 0"),  # 0 meets it
    (PCT, "5 if 1% < x < 1.01% else 3 if x <= 5% else 0"),  # a narrow band of a percentage is not empty
    (PCT, "5 if x <= 10% else 3 if <= 10.01% else 0"),  # (10%, 10.01%] is left for the second tier
])
def test_pe603_not_reported(facts: str, score: str) -> None:
    assert "PE603" not in codes(rule_file(facts, score))


# ---- PE604: an else that can never apply -----------------------------------------------------------


def test_pe604_last_tier_restates_otherwise() -> None:
    text = rule_file(PCT, "5 if x >= 90% else 3 if x < 90% else 0")
    assert findings(text) == [
        ("PE604", 4, 46, "the `else` of `指标` can never apply: the tiers take every value of `x`", "never reached"),
    ]


def test_pe604_whole_counts_leave_nothing_for_else() -> None:
    assert findings(rule_file(COUNT, "5 if n <= 2 个 else 3 if n >= 3 个 else 0")) == [
        ("PE604", 4, 47, "the `else` of `指标` can never apply: the tiers take every value of `n`", "never reached"),
    ]


@pytest.mark.parametrize(("facts", "score", "expected"), [
    (PCT, "5 if x <= 10% else 3 if <= 20% else 0", []),
    (PCT, "5 if x <= 10% else 3 if x >= 10.01% else 0", ["PE601"]),  # (10%, 10.01%) still reaches else
    (RATIO, "5 if 完成率 <= 50% else 3 if 完成率 >= 51% else 0", ["PE601"]),  # a ratio of counts is not whole
    (COUNT, "5 if n <= 2 个 else 3 if n >= 4 个 else 0", ["PE601"]),  # 3 reaches else
])
def test_pe604_not_reported(facts: str, score: str, expected: list[str]) -> None:
    assert codes(rule_file(facts, score)) == expected


# ---- PE605: a computed score that can leave 0 to the weight ----------------------------------------


def test_pe605_proportional_score_without_a_cap() -> None:
    assert findings(rule_file(RATIO, "weight * 完成率")) == [
        ("PE605", 6, 9, "this score of `指标` can range over [0, +∞) points, outside 0 to its weight 5",
         "can be above the weight"),
    ]


def test_pe605_a_percentage_may_be_negative() -> None:
    # A % fact with no declared range may be negative (偏差率 often is), so only the cap at the top is known.
    assert findings(rule_file("fact 完成率: %", "min(weight, weight * 完成率)")) == [
        ("PE605", 4, 9, "this score of `指标` can range over (−∞, 5] points, outside 0 to its weight 5",
         "can be below 0"),
    ]


def test_pe605_a_bound_one_hundredth_too_high() -> None:
    assert findings(rule_file(RATIO, "weight * 完成率 if 完成率 <= 100.01% else weight")) == [
        ("PE605", 6, 9, "this score of `指标` can range over [0, 5.0005] points, outside 0 to its weight 5",
         "can be above the weight"),
    ]


def test_pe605_declared_range_too_wide() -> None:
    assert findings(rule_file("fact 完成率: % between 0% and 120%", "weight * 完成率")) == [
        ("PE605", 4, 9, "this score of `指标` can range over [0, 6] points, outside 0 to its weight 5",
         "can be above the weight"),
    ]


@pytest.mark.parametrize(("facts", "score"), [
    (RATIO, "min(weight, weight * 完成率)"),
    (RATIO, "weight * 完成率 if 完成率 <= 100% else weight"),  # the tier's condition bounds 完成率
    (RATIO, "weight * 完成率 if 完成率 < 100% else weight"),
    (RATIO, "weight * min(完成率, 1)"),
    (RATIO, "round(weight * min(完成数 / 目标数, 1), 2)"),
    ("fact 完成率: %", "max(0, min(weight, weight * 完成率))"),
    ("fact 完成率: %", "weight * 完成率 if 0% <= 完成率 <= 100% else 0"),
    ("fact 完成率: % between 0% and 100%", "weight * 完成率"),
    ("fact 完成率: % between 0% and 100%", "min(weight, weight * 完成率)"),
    ("fact 打分: 分 between 0 and 5", "打分"),
    ("fact 缺少的制度数: number", "min(weight, max(0, weight - 0.5 * 缺少的制度数))"),
])
def test_pe605_not_reported(facts: str, score: str) -> None:
    assert codes(rule_file(facts, score)) == []


def evaluated_score(rules: pe.Rules, facts: dict[str, object]) -> Decimal | None:
    """The score the evaluator gives with `facts`, also when it is out of range (PE503 names it); None when it
    divides by 0 (PE501)."""
    try:
        return pe.evaluate(rules, facts).total
    except pe.PerfevalError as exc:
        (problem,) = exc.errors
        if problem.code == "PE501":
            return None
        assert problem.code == "PE503", exc
        found = re.search(r"scores (\S+),", problem.message)
        assert found is not None, problem.message
        return Decimal(found.group(1))


def witness_score(text: str, facts: dict[str, object]) -> Decimal:
    """The score the evaluator gives with `facts`, which must not divide by 0."""
    score = evaluated_score(compile_rules(text), facts)
    assert score is not None
    return score


def test_pe605_a_whole_divisor_is_never_nearer_0_than_1() -> None:
    # Dividing by 0 stops the evaluation (PE501); the next whole number is 1, so 1 个 / n is at most 1.
    assert codes(rule_file("fact n: 个 between 0 and 3", "weight * 1 个 / n")) == []
    text = rule_file("fact n: 个 between 0 and 3", "weight * 1 个 / (n - 1 个)")
    assert findings(text) == [
        ("PE605", 4, 9, "this score of `指标` can range over [-5, 5] points, outside 0 to its weight 5",
         "can be below 0"),
    ]
    assert witness_score(text, {"n": "0 个"}) == -5


def test_pe605_a_bound_met_exactly_by_a_division() -> None:
    # 14.995 × (1 / 2.999) is 5.000…001 in 34 digits; the evaluator divides, and 14.995 / 2.999 is 5.
    text = rule_file("fact 打分: 分 between 0 and 14.995", "打分 / 2.999")
    assert codes(text) == []


# A tier narrows what its condition compares within its own score, wherever the tier is written: in the score
# line, in a derived value (top level or the indicator's own), nested in a formula.

RATE = "fact 变动率: % between -100% and 1000%"  # a 结转结余变动率 can fall (cookbook P21)
COMPLETION = "1 if 变动率 <= 10% else min(10% / 变动率, 1)"


def indicator_let(facts: str, let: str, score: str, *, weight: int = 5, direction: str | None = None) -> str:
    """One indicator `指标` with its own `let 比例 = …` on line 3 + the number of fact lines, and the score line
    after it (its expression in column 9)."""
    lines = [f"total {weight}", *facts.splitlines(), f"indicator 指标 weight {weight} {{", f"  let 比例 = {let}"]
    if direction is not None:
        lines.append(f"  direction {direction}")
    lines += [f"  score {score}", "}"]
    return "\n".join(lines) + "\n"


def test_pe605_follows_a_tier_inside_a_top_level_let() -> None:
    # The division is reached only by a 变动率 above 10%: 10% / 变动率 lies in [1%, 100%), never negative.
    assert codes(rule_file(f"{RATE}\nlet 比例 = {COMPLETION}", "weight * 比例")) == []


def test_pe605_follows_a_tier_inside_an_indicator_let() -> None:
    assert codes(indicator_let(RATE, COMPLETION, "weight * 比例")) == []
    assert codes(indicator_let(RATE, "1 if 变动率 <= 10% else 10% / 变动率", "weight * 比例")) == []


def test_pe605_follows_tiers_nested_in_a_formula() -> None:
    assert codes(rule_file(RATE, "weight * (1 if 变动率 <= 10% else 10% / 变动率)")) == []
    assert codes(rule_file(RATE, "weight * (1 if 变动率 <= 10% else 0 if 变动率 > 500% else 10% / 变动率)")) == []
    # Nested: the inner tier is reached only within the outer one's else (变动率 above 10%).
    assert codes(rule_file(RATE, "weight * (1 if 变动率 <= 10% else (0 if 变动率 > 500% else 10% / 变动率))")) == []


def test_pe605_follows_a_let_used_inside_arithmetic() -> None:
    text = rule_file(f"{RATE}\nlet 比例 = {COMPLETION}", "weight * 0.5 + weight * 0.5 * 比例")
    assert codes(text) == []
    text = rule_file(f"{RATE}\nlet 比例 = {COMPLETION}", "weight * (1 - 比例) + weight * 比例 * 比例")
    assert codes(text) == ["PE605"]  # [0.01, 1] and [0.01, 1] are not known to be one value: up to 2 × weight


P21_DECLARED = """总分 10
事实 结转结余率: % 介于 0% 与 100% 之间
事实 结转结余变动率: % 介于 -100% 与 1000% 之间
事实 考核口径: "结转结余率" | "结转结余变动率"
令 结余率完成比例 = 1 若 结转结余率 ≤ 5% 否则 min(5% / 结转结余率, 1)
令 变动率完成比例 = 1 若 结转结余变动率 ≤ 10% 否则 min(10% / 结转结余变动率, 1)

指标 结转结余 分值 10 {
  方向 反向
  若 考核口径 == "结转结余率" 得 分值 × 结余率完成比例，否则 得 分值 × 变动率完成比例
}
"""

P21_EACH = """总分 20
事实 结转结余率: % 介于 0% 与 100% 之间
事实 结转结余变动率: % 介于 -100% 与 1000% 之间
令 结余率完成比例 = 1 若 结转结余率 ≤ 5% 否则 min(5% / 结转结余率, 1)
令 变动率完成比例 = 1 若 结转结余变动率 ≤ 10% 否则 min(10% / 结转结余变动率, 1)

指标 结余率 分值 10 { 得分 分值 × 结余率完成比例 }
指标 变动率 分值 10 { 得分 分值 × 变动率完成比例 }
"""


@pytest.mark.parametrize(("text", "total"), [(P21_DECLARED, 10), (P21_EACH, 20)],
                         ids=["the declared measure", "each measure"])
def test_pe605_not_reported_for_one_of_two_measures(text: str, total: int) -> None:
    # cookbook P21: both completion ratios stay within 1% to 100%, whichever tier is taken.
    assert codes(text) == []
    for rate in ("-100%", "-30%", "0%", "10%", "10.01%", "20%", "1000%"):
        facts = {"结转结余率": "8%", "结转结余变动率": rate, "考核口径": "结转结余变动率"}
        assert 0 <= witness_score(text, facts) <= total


def test_pe605_a_let_whose_tier_has_an_unbounded_branch() -> None:
    # The tier keeps 变动率 above 10% in its else, but 变动率 / 10% is still as large as 100 there.
    text = rule_file(f"{RATE}\nlet 比例 = 1 if 变动率 <= 10% else 变动率 / 10%", "weight * 比例")
    assert findings(text) == [
        ("PE605", 5, 9, "this score of `指标` can range over [5, 500] points, outside 0 to its weight 5",
         "can be above the weight"),
    ]
    assert witness_score(text, {"变动率": "20%"}) == 10


def test_pe605_an_indicator_let_whose_tier_divides_too_close_to_0() -> None:
    # `> 5%` is not the target of 10%: 10% / 6% is above 1.
    text = indicator_let(RATE, "1 if 变动率 <= 5% else 10% / 变动率", "weight * 比例")
    assert findings(text) == [
        ("PE605", 5, 9, "this score of `指标` can range over [0.05, 10] points, outside 0 to its weight 5",
         "can be above the weight"),
    ]
    assert witness_score(text, {"变动率": "6%"}) > 5


def test_pe605_a_nested_tier_whose_inner_branch_leaves_the_range() -> None:
    text = rule_file(RATE, "weight * (1 if 变动率 <= 10% else (0 if 变动率 > 500% else 20% / 变动率))")
    assert findings(text) == [
        ("PE605", 4, 9, "this score of `指标` can range over [0, 10] points, outside 0 to its weight 5",
         "can be above the weight"),
    ]
    assert witness_score(text, {"变动率": "15%"}) > 5


def test_pe605_a_tier_with_the_wrong_comparison_does_not_guard_its_division() -> None:
    # `>=` instead of `<=`: the else divides by every 变动率 below 10%, negative ones too.
    text = rule_file(f"{RATE}\nlet 比例 = 1 if 变动率 >= 10% else min(10% / 变动率, 1)", "weight * 比例")
    assert codes(text) == ["PE605"]
    assert witness_score(text, {"变动率": "-30%"}) < 0


def test_pe605_reports_each_branch_of_a_score_line_tier_on_its_own() -> None:
    text = rule_file(RATE, "weight if 变动率 <= 10% else weight * 变动率")
    assert findings(text) == [
        ("PE605", 4, 35, "this score of `指标` can range over [0.5, 50] points, outside 0 to its weight 5",
         "can be above the weight"),
    ]


@pytest.mark.parametrize(("facts", "score"), [
    # conditions of every form narrow: `and`, `or`, `not`, `between`, a chain, an earlier tier that failed
    (RATE, "weight * (1 if 变动率 <= 10% or 变动率 > 500% else 10% / 变动率)"),
    (RATE, "weight * (10% / 变动率 if 变动率 > 10% and 变动率 <= 1000% else 1)"),
    (RATE, "weight * (10% / 变动率 if not (变动率 <= 10%) else 1)"),
    (RATE, "weight * (10% / 变动率 if 变动率 between 10% and 1000% else 1)"),
    (RATE, "weight * (10% / 变动率 if 10% <= 变动率 <= 1000% else 1)"),
    (RATE, "weight * (1 if 变动率 < 10% else 1 if == 10% else 10% / 变动率)"),
    (RATE, "weight * (1 if 变动率 <= 10% else 10% / 变动率 if <= 500% else 0)"),
    (RATE, "weight * (1 if 10% >= 变动率 else 10% / 变动率)"),
    (f"{RATE}\nfact 申报: 是否", "weight * (1 if 变动率 <= 10% or 申报 else 10% / 变动率)"),  # both failed
    # a branch no value reaches is not counted
    ("fact 完成率: % between 0% and 100%", "weight * (完成率 if 完成率 >= 0% else 完成率 - 1)"),
    # a condition on something else says nothing of the subject, and a tier may test one value and use another
    (f"{RATE}\nfact 申报: 是否\nlet 比例 = 1 if 申报 else 1 if 变动率 <= 10% else 10% / 变动率", "weight * 比例"),
    # a count compared with a number is whole: `n > 2` leaves 3 and up
    ("fact n: 个", "weight if n <= 2 个 else weight * 3 个 / n"),
    ("fact n: 个", "0 if n == 0 else weight * min(1, 1 个 / n)"),
])
def test_pe605_not_reported_for_narrowed_values(facts: str, score: str) -> None:
    assert codes(rule_file(facts, score)) == []


@pytest.mark.parametrize(("facts", "score"), [
    (RATE, "weight * (10% / 变动率 if 变动率 > 10% or 申报 else 1)"),  # `or` with something else: nothing known
    (RATE, "weight * (10% / 变动率 if 变动率 != 0% else 1)"),  # near 0 from either side
])
def test_pe605_still_reported_where_the_condition_leaves_out_of_range_values(facts: str, score: str) -> None:
    text = rule_file(facts + ("\nfact 申报: 是否" if "申报" in score else ""), score)
    assert codes(text) == ["PE605"]


# Proportions (按比例): the facts they read with no declared range are amounts, counts and rates, not negative;
# a range the rule declares or computes below 0 is taken at its word.


def test_pe605_proportion_of_facts_with_no_declared_range() -> None:
    assert codes(rule_file("fact 实际: %\nfact 目标: %", "prorated 实际 to 目标")) == []
    assert codes(rule_file("fact 实际: %\nfact 目标: %", "weight if 实际 >= 目标 else prorated 实际 to 目标")) == []
    assert codes(rule_file("fact 实际: %", "weight if 实际 >= 50% else prorated 实际 to 50%")) == []
    assert codes(rule_file("fact 实际: %", "(prorated 实际 to 50%) if 实际 < 0% else weight")) == ["PE605"]
    assert codes(rule_file("fact 实际: 万元\nfact 目标: 万元", "prorated 实际 to 目标", direction="lower")) == []
    assert codes(rule_file("fact 实际: 万元\nfact 目标: 万元", "prorated round(实际 / 目标, 2) to 100%")) == []


def test_pe605_proportion_of_a_rate_declared_to_fall_below_0() -> None:
    text = rule_file(RATE, "prorated 变动率 to 10%", direction="lower")
    assert findings(text) == [
        ("PE605", 5, 9, "this score of `指标` can range over (−∞, 5] points, outside 0 to its weight 5",
         "can be below 0"),
    ]
    assert witness_score(text, {"变动率": "-30%"}) < 0


def test_pe605_proportion_of_a_difference() -> None:
    text = rule_file("fact 实际: 万元\nfact 基数: 万元\nfact 目标: 万元", "prorated 实际 - 基数 to 目标")
    assert codes(text) == ["PE605"]
    assert witness_score(text, {"实际": "1 万元", "基数": "2 万元", "目标": "2 万元"}) < 0


def test_pe605_proportion_guarded_by_a_tier() -> None:
    text = rule_file(RATE, "weight if 变动率 <= 10% else prorated 变动率 to 10%", direction="lower")
    assert codes(text) == []
    text = indicator_let(RATE, "1 if 变动率 <= 10% else 0", "weight if 比例 == 1 else prorated 变动率 to 10%",
                         direction="lower")
    assert codes(text) == ["PE605"]  # the tier tests 比例, so nothing is known of 变动率 in the else


def test_pe605_proportion_scores_the_weight_when_the_divisor_can_be_0() -> None:
    # 正向 with a target of 0 is met: the weight, not a division.
    assert codes(rule_file("fact 实际: % between 0% and 100%\nfact 目标: % between 0% and 100%",
                           "prorated 实际 to 目标")) == []


def test_pe605_proportion_to_a_count_that_can_take_no_value() -> None:
    # No whole number lies between 0.5 and 0.7, so no unit is ever scored: the analysis finishes and, knowing
    # nothing of a score that never comes, warns as for any unknown one.
    text = rule_file("fact 完成数: 个\nfact 计划数: 个 between 0.5 and 0.7", "prorated 完成数 to 计划数")
    assert codes(text) == ["PE605"]


def test_score_ranges_of_let_chains_take_linear_time() -> None:
    # Each let tests the one before and uses it in a branch: worked out afresh, 2 ** 60 evaluations.
    lets = "\n".join(f"let a{i} = 1 if a{i - 1} <= 10% else a{i - 1}" for i in range(1, 60))
    text = rule_file(f"fact a0: % between 0% and 100%\n{lets}", "weight * min(1, a59)")
    assert codes(text) == []


# ---- PE606: scores against the declared direction ------------------------------------------------


def test_pe606_lower_is_better_but_the_score_rises() -> None:
    text = rule_file("fact 偏差率: %", "60 if 偏差率 <= 10% else 100 if <= 20% else 0", weight=100, direction="lower")
    assert findings(text) == [
        ("PE606", 5, 38,
         "the score of `指标` rises as `偏差率` rises, but the indicator is declared `direction lower` (反向)",
         "20% scores 100"),
    ]
    (found,) = diagnostics(text)
    assert found.notes == ("10% scores 60, but the higher 20% scores 100",)


@pytest.mark.parametrize("direction", ["higher", "正向"])
def test_pe606_higher_is_better_but_the_score_falls(direction: str) -> None:
    text = rule_file(PCT, "5 if x <= 10% else 3 if <= 20% else 0", direction=direction)
    assert findings(text) == [
        ("PE606", 5, 33,
         "the score of `指标` falls as `x` rises, but the indicator is declared `direction higher` (正向)",
         "20% scores 3"),
    ]


def test_pe606_reports_only_the_first_wrong_step() -> None:
    text = rule_file(PCT, "5 if x >= 90% else 2 if 80% <= x < 90% else 3 if 70% <= x < 80% else 0", direction="正向")
    assert findings(text) == [
        ("PE606", 5, 33,
         "the score of `指标` falls as `x` rises, but the indicator is declared `direction higher` (正向)",
         "80% scores 2"),
    ]


@pytest.mark.parametrize(("score", "direction", "expected"), [
    ("5 if x <= 10% else 3 if <= 20% else 0", "lower", []),
    ("5 if x <= 10% else 3 if <= 20% else 0", "反向", []),
    ("5 if x >= 90% else 3 if >= 80% else 0", "higher", []),
    ("5 if x >= 90% else 3 if >= 80% else 0", "正向", []),
    ("5 if x >= 90% else 3 if >= 80% else 0", None, []),  # no direction declared: nothing to check
    ("5 if x <= 10% else 3 if <= 20% else 0", None, []),
    ("5 if x >= 90% else 5 if >= 80% else 0", "higher", []),  # equal scores are not against the direction
    # the gap is PE601, and is not reported a second time as a fall in the score
    ("5 if x >= 90% else 3 if 70% <= x < 80% else 0", "higher", ["PE601"]),
])
def test_pe606_not_reported(score: str, direction: str | None, expected: list[str]) -> None:
    assert codes(rule_file(PCT, score, direction=direction)) == expected


def test_unknown_direction_is_an_error() -> None:
    with pytest.raises(pe.PerfevalError) as raised:
        compile_rules(rule_file(PCT, "5 if x >= 90% else 0", direction="sideways"))
    assert [d.code for d in raised.value.errors] == ["PE211"]


# ---- PE607: values no tier takes, without else --------------------------------------------------


def test_pe607_values_above_the_last_tier() -> None:
    assert findings(rule_file(PCT, "5 if x <= 10% else 3 if <= 20%")) == [
        ("PE607", 4, 33, "no tier of `指标` takes values of `x` in (20%, +∞)", "no tier for some values"),
    ]


def test_pe607_counts_below_the_lowest_tier() -> None:
    text = rule_file(COUNT, "100 if n >= 10 个 else 60 if between 5 个 and 9 个", weight=100)
    assert findings(text) == [
        ("PE607", 4, 37, "no tier of `指标` takes values of `n` in [0 个, 4 个]", "no tier for some values"),
    ]


def test_pe607_each_stretch_is_reported_in_file_order() -> None:
    assert findings(rule_file(COUNT, "5 if n == 0 else 3 if == 1 else 1 if == 3")) == [
        ("PE607", 4, 46, "no tier of `指标` takes values of `n` in 2 个", "no tier for some values"),
        ("PE607", 4, 46, "no tier of `指标` takes values of `n` in (3 个, +∞)", "no tier for some values"),
    ]


@pytest.mark.parametrize(("facts", "score"), [
    (PCT, "5 if x <= 10% else 3 if x > 10%"),
    (PCT, "5 if x <= 10% else 3 if 10% < x <= 20% else 0"),
    (COUNT, "5 if n == 0 else 3 if n >= 1 个"),
    (COUNT, "5 if n <= 2 个 else 3 if n >= 3 个"),
    (COUNT, "5 if n == 0 else 3 if == 1 else 1 if n >= 2 个"),
    (PCT, "5 if x >= 90% else 3 if x < 90%"),
])
def test_pe607_not_reported_when_the_tiers_cover_everything(facts: str, score: str) -> None:
    assert codes(rule_file(facts, score)) == []


# ---- exactness: decimals and units ---------------------------------------------------------------


def test_79_99_percent_and_80_percent_leave_a_gap() -> None:
    text = rule_file(PCT, "5 if x >= 80% else 3 if between 50% and 79.99% else 0")
    assert findings(text) == [
        ("PE601", 4, 33, "values of `x` in (79.99%, 80%) fall between the tiers of `指标` to `else 0`",
         "the tiers leave (79.99%, 80%) out"),
    ]
    rules = compile_rules(text)
    for value, branch in (("79.99%", 1), ("79.995%", 2), ("79.9999999%", 2), ("80%", 0)):
        assert evaluated_branch(rules, {"x": value}) == branch
        assert chart_of(rules).branch_at(Decimal(value.rstrip("%")) / 100) == branch


def test_a_fraction_and_a_percentage_are_the_same_bound() -> None:
    # 0.3 is exactly 30%: no gap, no overlap; the else is unreachable.
    assert codes(rule_file(PCT, "5 if x <= 0.3 else 3 if x > 30% else 0")) == ["PE604"]
    assert findings(rule_file(PCT, "5 if x <= 0.3 else 3 if x >= 30.000001% else 0")) == [
        ("PE601", 4, 33, "values of `x` in (30%, 30.000001%) fall between the tiers of `指标` to `else 0`",
         "the tiers leave (30%, 30.000001%) out"),
    ]


def test_a_sum_of_tenths_is_exact() -> None:
    text = "total 5\nfact a: %\nfact b: %\nlet s = a + b\nindicator 指标 weight 5 {\n  score 5 if s <= 30% else 0\n}\n"
    rules = compile_rules(text)
    chart = chart_of(rules)
    assert chart.branch_at(Decimal("0.1") + Decimal("0.2")) == 0
    assert chart.branch_at(Decimal("0.3000000000000001")) == 1
    assert evaluated_branch(rules, {"a": "10%", "b": "20%"}) == 0
    assert evaluated_branch(rules, {"a": "10%", "b": "20.0000001%"}) == 1
    assert codes(text) == []


def test_wan_yuan_and_yuan_thresholds_meet_exactly() -> None:
    facts = "fact 收入: 万元"
    assert codes(rule_file(facts, "4 if 收入 >= 4800 万元 else 2 if 4000 万元 <= 收入 < 48000000 元 else 0",
                           weight=4)) == []
    assert codes(rule_file(facts, "4 if 收入 >= 4800 万元 else 2 if 收入 >= 40000000 元 else 0", weight=4)) == []


@pytest.mark.parametrize(("unit", "shown"), [
    ("万元", "[4,799.999999 万元, 4,800 万元)"),  # in the fact's own unit
    ("元", "[47,999,999.99 元, 48,000,000 元)"),
])
def test_money_gap_one_fen_wide(unit: str, shown: str) -> None:
    text = rule_file(f"fact 收入: {unit}",
                     "4 if 收入 >= 4800 万元 else 2 if 4000 万元 <= 收入 < 47999999.99 元 else 0", weight=4)
    assert findings(text) == [
        ("PE601", 4, 38, f"values of `收入` in {shown} fall between the tiers of `指标` to `else 0`",
         f"the tiers leave {shown} out"),
    ]
    rules = compile_rules(text)
    assert evaluated_branch(rules, {"收入": "47999999.98 元"}) == 1
    assert evaluated_branch(rules, {"收入": "47999999.99 元"}) == 2
    assert evaluated_branch(rules, {"收入": "4799.999999 万元"}) == 2
    assert evaluated_branch(rules, {"收入": "4800 万元"}) == 0


def test_money_gap_of_a_single_value() -> None:
    text = rule_file("fact 收入: 元", "4 if 收入 > 4800 万元 else 2 if 4000 万元 <= 收入 < 48000000 元 else 0",
                     weight=4)
    assert findings(text) == [
        ("PE601", 4, 37, "values of `收入` in 48,000,000 元 fall between the tiers of `指标` to `else 0`",
         "the tiers leave 48,000,000 元 out"),
    ]


# ---- the seed ------------------------------------------------------------------------------------


def seed_line(snippet: str) -> int:
    """The line of the seed holding `snippet` (the seed's comments are still being edited, so lines move)."""
    lines = (ROOT / SEED).read_text(encoding="utf-8").splitlines()
    (found,) = [number for number, line in enumerate(lines, start=1) if snippet in line]
    return found


def test_seed_has_exactly_six_findings() -> None:
    found = [(d.code, *d.primary.span.line_col, d.message) for d in pe.analyse(pe.load_rules(ROOT / SEED))
             if d.primary is not None]
    goal = "部门绩效目标的合理性、明确性、量化度"
    public, seekers = seed_line("score 10 if 公益性岗位满意率") + 1, seed_line("score 10 if 求职人员满意率") + 1
    assert (seed_line("else 5 if between 80% and 99%"), seed_line("else 3 if between 50% and 79%")) == (92, 93)
    # each finding points at the second tier's condition, on its own line in the formatted seed
    assert found == [
        ("PE601", 92, 19,
         f"values of `设定指标的项目比例` in (99%, 100%) fall between the tiers of `{goal}` to `else 0`"),
        ("PE601", 93, 19,
         f"values of `设定指标的项目比例` in (79%, 80%) fall between the tiers of `{goal}` to `else 0`"),
        ("PE602", public, 19, "tiers of `公益性岗位满意度` overlap at 90%: both `公益性岗位满意率 >= 90%` and "
                              "`公益性岗位满意率 between 80% and 90%` take it"),
        ("PE602", public + 1, 19, "tiers of `公益性岗位满意度` overlap at 80%: both "
                                  "`公益性岗位满意率 between 80% and 90%` and "
                                  "`公益性岗位满意率 between 60% and 80%` take it"),
        ("PE602", seekers, 19, "tiers of `求职人员满意度` overlap at 90%: both `求职人员满意率 >= 90%` and "
                               "`求职人员满意率 between 80% and 90%` take it"),
        ("PE602", seekers + 1, 19, "tiers of `求职人员满意度` overlap at 80%: both "
                                   "`求职人员满意率 between 80% and 90%` and "
                                   "`求职人员满意率 between 60% and 80%` take it"),
    ]


def test_seed_findings_agree_with_evaluation() -> None:
    """79.17% (19 of 24 projects) falls in the gap and scores 0; 90% and 80% go to the first band."""
    program = pe.load_rules(ROOT / SEED).program
    names = [indicator.name for indicator in program.indicators]
    goal = tier_chart(program, program.indicators[names.index("部门绩效目标的合理性、明确性、量化度")])
    satisfaction = tier_chart(program, program.indicators[names.index("公益性岗位满意度")])
    assert goal is not None and satisfaction is not None
    assert [goal.points(goal.branch_at(Decimal(19) / 24)), goal.points(goal.branch_at(Decimal("0.79")))] == [0, 3]
    assert [satisfaction.points(satisfaction.branch_at(v)) for v in (Decimal("0.9"), Decimal("0.8"))] == [10, 6]


# ---- notes tell the truth -----------------------------------------------------------------------

CLAIM = re.compile(r"(-?[\d.]+%) scores (\d+)")


def note_claims(text: str) -> list[tuple[str, int, int]]:
    """Each "V scores N" of every note, with what the evaluator actually scores at V."""
    rules = compile_rules(text)
    checked: list[tuple[str, int, int]] = []
    for d in pe.analyse(rules):
        for note in d.notes:
            for value, points in CLAIM.findall(note):
                result = pe.evaluate(rules, {"x": value})
                checked.append((value, int(points), int(result.total)))
    return checked


@pytest.mark.parametrize("score", [
    "5 if x >= 80% else 3 if between 50% and 79% else 0",
    "5 if x <= 10% else 3 if x >= 10.01% else 0",
    "10 if x >= 90% else 6 if between 80% and 90% else 0",
])
def test_note_claims_agree_with_evaluation(score: str) -> None:
    checked = note_claims(rule_file(PCT, score, weight=10))
    assert checked and all(claimed == scored for _, claimed, scored in checked), checked


@pytest.mark.parametrize("score", [
    "5 if x > 80% else 3 if 50% <= x < 80% else 0",
    "5 if x >= 90% else 3 if 70% <= x < 80% else 0",
])
def test_note_claims_at_open_ends_agree_with_evaluation(score: str) -> None:
    checked = note_claims(rule_file(PCT, score))
    assert all(claimed == scored for _, claimed, scored in checked), checked


@pytest.mark.parametrize("score", ["5 if x != 10% else 0", "5 if x <= 10% or x >= 20% else 0"])
def test_pe601_not_reported_for_a_hole_inside_one_tier(score: str) -> None:
    assert "PE601" not in codes(rule_file(PCT, score))


@pytest.mark.parametrize("value", ["9.5 人", "-1 人"])
def test_a_count_fact_is_whole_and_not_negative(value: str) -> None:
    rules = compile_rules(rule_file(PEOPLE, "5 if n >= 10 人 else 3 if 5 人 <= n <= 9 人 else 0"))
    assert codes(rule_file(PEOPLE, "5 if n >= 10 人 else 3 if 5 人 <= n <= 9 人 else 0")) == []
    with pytest.raises(pe.PerfevalError):
        pe.evaluate(rules, {"n": value})


# ---- property: the chart is the evaluator ---------------------------------------------------------

THRESHOLD = st.decimals(min_value=-20, max_value=120, places=2, allow_nan=False, allow_infinity=False)
VALUE = st.decimals(min_value=-30, max_value=130, places=4, allow_nan=False, allow_infinity=False)
OPS = ["<", "<=", ">", ">=", "==", "!="]


def _pct(value: Decimal) -> str:
    return format(value, "f") + "%"


@st.composite
def conditions(draw: st.DrawFn, first: bool, shorthand: bool) -> tuple[str, list[Decimal]]:
    """A condition on `x` (a percentage) and its thresholds, in percent. `shorthand`: may leave out `x`."""
    a, b = draw(THRESHOLD), draw(THRESHOLD)
    # A first tier must name its subject; `not (…)` names none (check.subject_of), so it comes later only.
    kind = draw(st.sampled_from(["compare", "between", "range", "or", "and", *([] if first else ["not"])]))
    short = shorthand and draw(st.booleans())
    if kind == "compare":
        op = draw(st.sampled_from(OPS))
        return (f"{op} {_pct(a)}" if short else f"x {op} {_pct(a)}"), [a]
    if kind == "between":
        return (f"between {_pct(a)} and {_pct(b)}" if short else f"x between {_pct(a)} and {_pct(b)}"), [a, b]
    if kind == "range":
        low, high = sorted((a, b))
        left, right = draw(st.sampled_from(["<", "<="])), draw(st.sampled_from(["<", "<="]))
        return f"{_pct(low)} {left} x {right} {_pct(high)}", [low, high]
    if kind == "or":
        return f"x <= {_pct(a)} or x >= {_pct(b)}", [a, b]
    if kind == "and":
        return f"x > {_pct(a)} and x < {_pct(b)}", [a, b]
    return f"not (x > {_pct(a)})", [a]


@st.composite
def tier_chains(draw: st.DrawFn) -> tuple[str, list[Decimal]]:
    count = draw(st.integers(min_value=1, max_value=4))
    parts: list[str] = []
    thresholds: list[Decimal] = []
    for index in range(count):
        # a tier may leave out `x` unless the tier before names no subject (`not (…)`: PE206)
        shorthand = index > 0 and not parts[-1].split(" if ", 1)[1].startswith("not")
        condition, used = draw(conditions(first=index == 0, shorthand=shorthand))
        parts.append(f"{draw(st.integers(min_value=0, max_value=5))} if {condition}")
        thresholds += used
    chain = " else ".join(parts)
    if draw(st.booleans()):
        chain += f" else {draw(st.integers(min_value=0, max_value=5))}"
    return chain, thresholds


@settings(max_examples=100, deadline=None)
@given(tier_chains(), st.lists(VALUE, max_size=4))
def test_chart_agrees_with_the_evaluator(chain: tuple[str, list[Decimal]], extra: list[Decimal]) -> None:
    score, thresholds = chain
    rules = compile_rules(rule_file(PCT, score))
    chart = chart_of(rules)
    step = Decimal("0.0001")  # 0.01%, as fractions
    values = {v / 100 for v in extra} | {t / 100 + d for t in thresholds for d in (-step, 0, step)}
    for value in sorted(values):
        assert chart.branch_at(value) == evaluated_branch(rules, {"x": percent(value)}), (score, value)
    for transition in chart.transitions():
        assert transition.boundary in {t / 100 for t in thresholds}
        for probe in (transition.below, transition.at, transition.above):
            assert probe.inside  # a percentage can take any value
            assert probe.branch == chart.branch_at(probe.value)
            assert probe.branch == evaluated_branch(rules, {"x": percent(probe.value)}), (score, probe)
    for band in chart.bands:  # every band is scored by the branch it names
        for end, closed in ((band.values.lower, band.values.left), (band.values.upper, band.values.right)):
            if closed == P.CLOSED and isinstance(end, Decimal):
                assert chart.branch_at(end) == band.branch


BRANCHES = ["1", "0", "x", "10% / x", "min(10% / x, 1)", "x / 10%", "1 - x", "(0 if x > 50% else 1 - x)"]


@st.composite
def derived_tiers(draw: st.DrawFn) -> tuple[str, list[Decimal]]:
    """A tier chain over `x` whose scores are formulas of `x`, ending in an `else`, and its thresholds."""
    parts: list[str] = []
    thresholds: list[Decimal] = []
    for index in range(draw(st.integers(min_value=1, max_value=3))):
        condition, used = draw(conditions(first=index == 0, shorthand=False))
        parts.append(f"{draw(st.sampled_from(BRANCHES))} if {condition}")
        thresholds += used
    return " else ".join(parts) + f" else {draw(st.sampled_from(BRANCHES))}", thresholds


@settings(max_examples=100, deadline=None)
@given(derived_tiers(), st.lists(VALUE, max_size=4), st.sampled_from(["top level", "indicator", "score line"]))
def test_score_range_holds_every_score_the_evaluator_gives(chain: tuple[str, list[Decimal]], extra: list[Decimal],
                                                           where: str) -> None:
    tiers, thresholds = chain
    if where == "top level":
        text = rule_file(f"{PCT}\nlet 比例 = {tiers}", "weight * 比例")
    elif where == "indicator":
        text = indicator_let(PCT, tiers, "weight * 比例")
    else:
        text = rule_file(PCT, f"weight * ({tiers})")
    rules = compile_rules(text)
    indicator = rules.program.indicators[0]
    assert isinstance(indicator.rule, ast.ScoreExpr)
    reach = Ranges(rules.program).of(indicator.rule.expr, indicator)
    warned = "PE605" in codes(text)
    step = Decimal("0.0001")
    values = {v / 100 for v in extra} | {t / 100 + d for t in [*thresholds, Decimal(0)] for d in (-step, 0, step)}
    for value in sorted(values):
        score = evaluated_score(rules, {"x": percent(value)})
        if score is None:
            continue
        assert reach.lo <= score <= reach.hi, (tiers, value, reach)
        assert warned or 0 <= score <= 5, (tiers, value)


# ---- perfeval check ---------------------------------------------------------------------------------

CLEAN = rule_file(PCT, "5 if x <= 10% else 3 if <= 20% else 0")
WARNS = rule_file(PCT, "5 if x >= 80% else 3 if between 50% and 79% else 0")
BROKEN = "total 10\nfact x: %\nindicator 指标 weight 5 {\n  score 5 if x <= 10% else 0\n}\n"  # PE301


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    for name, text in (("clean", CLEAN), ("warns", WARNS), ("broken", BROKEN)):
        (tmp_path / f"{name}.perfeval").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.usefixtures("files")
@pytest.mark.parametrize(("args", "exit_code"), [
    (["clean.perfeval"], 0),
    (["clean.perfeval", "--strict"], 0),
    (["warns.perfeval"], 0),  # warnings alone do not fail
    (["warns.perfeval", "--strict"], 1),
    (["broken.perfeval"], 1),
    (["missing.perfeval"], 2),
    (["clean.perfeval", "warns.perfeval", "--strict"], 1),
    (["broken.perfeval", "missing.perfeval"], 2),  # the worst of the files
])
def test_check_exit_codes(capsys: pytest.CaptureFixture[str], args: list[str], exit_code: int) -> None:
    code, out, _ = run(capsys, "check", *args)
    assert (code, out) == (exit_code, "")


@pytest.mark.usefixtures("files")
def test_check_text_prints_findings_then_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", "warns.perfeval", "--strict")
    assert code == 1
    assert err.startswith("warning[PE601]: values of `x` in (79%, 80%) fall between the tiers of `指标` to `else 0`\n"
                          "  --> warns.perfeval:4:33\n")
    assert err.endswith("\nwarns.perfeval: 1 indicator, weights add up to 5 of 5, 1 warning (failing: --strict)\n")


@pytest.mark.usefixtures("in_repo")
def test_check_seed_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", SEED)
    assert code == 0
    assert err.count("warning[PE60") == 6
    assert err.endswith(f"\n{SEED}: 29 indicators, weights add up to 100 of 100, 6 warnings\n")


@pytest.mark.usefixtures("files")
def test_check_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "warns.perfeval", "clean.perfeval", "missing.perfeval", "--strict",
                         "--format", "json")
    assert (code, err) == (2, "")
    document = json.loads(out)
    assert document["format"] == "perfeval-check/1"
    warns, clean, missing = document["files"]
    assert {key: warns[key] for key in ("file", "ok", "errors", "warnings", "indicators", "weights", "total")} == {
        "file": "warns.perfeval", "ok": False, "errors": 0, "warnings": 1, "indicators": 1, "weights": "5",
        "total": "5"}
    (diagnostic,) = warns["diagnostics"]
    assert {key: diagnostic[key] for key in ("severity", "code", "file", "line", "column", "message", "label")} == {
        "severity": "warning", "code": "PE601", "file": "warns.perfeval", "line": 4, "column": 33,
        "message": "values of `x` in (79%, 80%) fall between the tiers of `指标` to `else 0`",
        "label": "the tiers leave (79%, 80%) out"}
    assert (clean["ok"], clean["warnings"], clean["diagnostics"]) == (True, 0, [])
    assert (missing["ok"], missing["errors"], [d["code"] for d in missing["diagnostics"]]) == (False, 1, ["PE001"])


@pytest.mark.usefixtures("in_repo")
def test_check_json_seed_lists_the_six_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", SEED, "--format", "json")
    assert code == 0
    (report,) = json.loads(out)["files"]
    assert (report["ok"], report["errors"], report["warnings"]) == (True, 0, 6)
    public, seekers = seed_line("score 10 if 公益性岗位满意率") + 1, seed_line("score 10 if 求职人员满意率") + 1
    assert [(d["code"], d["line"], d["column"]) for d in report["diagnostics"]] == [
        ("PE601", 92, 19), ("PE601", 93, 19), ("PE602", public, 19), ("PE602", public + 1, 19),
        ("PE602", seekers, 19), ("PE602", seekers + 1, 19)]


# ---- perfeval explain ---------------------------------------------------------------------------------


def heading(out: str) -> str:
    """The first line printed, as Markdown (`## PE601 — …`, to a pipe) or rendered (to a terminal)."""
    return out.lstrip("\n").splitlines()[0].strip().removeprefix("## ")


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("given_code", ["PE601", "601", "pe601", "PE 601"])
def test_explain_prints_the_section_heading(capsys: pytest.CaptureFixture[str], given_code: str) -> None:
    code, out, err = run(capsys, "explain", given_code)
    assert (code, err) == (0, "")
    assert heading(out) == "PE601 — values fall between tiers"


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize("known", ["PE602", "PE603", "PE604", "PE605", "PE606", "PE607"])
def test_explain_every_analysis_code(capsys: pytest.CaptureFixture[str], known: str) -> None:
    code, out, _ = run(capsys, "explain", known)
    assert code == 0
    assert heading(out) == f"{known} — {CODES[known]}"


@pytest.mark.usefixtures("in_repo")
def test_explain_without_a_code_lists_them_all(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain")
    assert code == 0
    assert out.splitlines() == [f"{known}  {title}" for known, title in CODES.items()]
    assert "PE607  values no tier takes" in out.splitlines()


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(("given_code", "shown"), [("PE999", "PE999"), ("frobnicate", "frobnicate")])
def test_explain_unknown_code(capsys: pytest.CaptureFixture[str], given_code: str, shown: str) -> None:
    code, out, err = run(capsys, "explain", given_code)
    assert (code, out) == (2, "")
    assert err.startswith(f"error[PE005]: `{shown}` is not a perfeval diagnostic code\n")
