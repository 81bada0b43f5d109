"""What an indicator does when a fact it reads is missing (`缺失时 …`), and where the weight of an indicator
that does not apply goes (`不适用时 分值转入 …`, 10号文: 其权重相应调整到产出、效益指标中).

The defaults stay: a missing fact is an error (PE401), and 不适用 without a declaration is PE414. A declared
policy scores the indicator, warns (PE416) and says so in the trace and the JSON document; moved weight goes to
the named groups or indicators in proportion to their weights, exactly, and their scores grow with it.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.formatter import format_rules
from perfeval_dsl.source import Source
from perfeval_dsl.syntax import parse

FRAMEWORK = """总分 100
事实 完成率: % 介于 0% 与 200%
事实 制度健全: 是否
事实 满意率: % 介于 0% 与 100%

一级指标 产出 {{
  指标 完成率 分值 50 {{ 得分 按比例 完成率 对 100% }}
}}
一级指标 效益 {{
  指标 制度 分值 30 {{ 若 制度健全 得 30 分，否则不得分 }}
}}
一级指标 满意度 {{
  指标 服务对象满意度 分值 20 {{
    {policy}
    得分 按比例 满意率 对 90%
  }}
}}
"""


def framework(policy: str) -> pe.CompiledRules:
    rules = pe.parse_rules(FRAMEWORK.format(policy=policy), filename="r.perfeval")
    assert not [d for d in rules.diagnostics if d.is_error]
    return rules


# ---- 缺失时 (a missing fact) ------------------------------------------------------------------------------


def test_without_a_policy_a_missing_fact_is_an_error() -> None:
    rules = framework("")
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(rules, {"完成率": "90%", "制度健全": "是"})
    assert [d.code for d in caught.value.diagnostics] == ["PE401"]


@pytest.mark.parametrize(("policy", "score"), [("缺失时 不得分", "0"), ("缺失时 得 5 分", "5"),
                                               ("if_missing 0", "0"), ("if_missing 2.5", "2.5")])
def test_a_missing_fact_scores_what_the_rule_says_and_warns(policy: str, score: str) -> None:
    result = pe.evaluate(framework(policy), {"完成率": "90%", "制度健全": "是"})
    assert result.scores == (Decimal(45), Decimal(30), Decimal(score))
    assert result.total == 75 + Decimal(score)
    assert [d.code for d in result.diagnostics] == ["PE416"]
    assert result.diagnostics[0].message == (f"`满意率` is not given, so `服务对象满意度` scores {score}, as its rule "
                                             "says")
    text = pe.render(result, "text").splitlines()
    assert "    values    满意率 = (not given)" in text
    assert f"    missing   满意率 not given: {score} as `{policy}` says" in text
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    assert document["indicators"][2]["workings"] == [{"kind": "missing", "facts": ["满意率"],
                                                      "score": Decimal(score)}]


def test_a_given_fact_is_scored_by_the_rule_whatever_the_policy() -> None:
    result = pe.evaluate(framework("缺失时 不得分"), {"完成率": "90%", "制度健全": "是", "满意率": "81%"})
    assert result.scores[2] == 18
    assert result.diagnostics == ()


def test_the_policy_does_not_excuse_a_fact_another_rule_needs() -> None:
    text = FRAMEWORK.format(policy="缺失时 不得分").replace("得分 按比例 完成率 对 100%", "得分 按比例 满意率 对 100%")
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(pe.parse_rules(text.replace("事实 完成率: % 介于 0% 与 200%\n", "")), {"制度健全": "是"})
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [
        ("PE401", "the facts file `<facts>` does not give `满意率`")]


def test_missing_as_not_applicable_follows_the_file_rescale() -> None:
    text = FRAMEWORK.format(policy="缺失时 不适用")
    rules = pe.parse_rules(text.replace("总分 100\n", "总分 100\n不适用 按比例折算\n"))
    result = pe.evaluate(rules, {"完成率": "90%", "制度健全": "是"})
    assert result.total == Decimal("93.75")  # 75 of the 80 points that apply, out of 100
    assert result.applicable_weight == 80
    assert [d.code for d in result.diagnostics] == ["PE416"]


def test_missing_as_not_applicable_without_a_rule_for_it_is_pe414() -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(framework("缺失时 不适用"), {"完成率": "90%", "制度健全": "是"})
    assert [d.code for d in caught.value.diagnostics] == ["PE414"]


@pytest.mark.parametrize(("policy", "code"), [
    ("缺失时 得 25 分", "PE503"),  # more than the weight of 20
    ("缺失时 得 5%", "PE204"),  # a percentage is not points
    ("缺失时 不得分\n    缺失时 不适用", "PE304"),  # given twice
])
def test_the_checker_refuses_a_policy_that_cannot_score(policy: str, code: str) -> None:
    tree, diagnostics = parse(Source("r.perfeval", FRAMEWORK.format(policy=policy)))
    assert tree is not None and diagnostics == []
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(FRAMEWORK.format(policy=policy))
    assert code in [d.code for d in caught.value.diagnostics]


# ---- 不适用时 分值转入 (moving the weight) ---------------------------------------------------------------------

MOVED = "缺失时 不适用\n    不适用时 分值转入 产出、效益"


def test_the_weight_moves_in_proportion_to_the_receivers_weights() -> None:
    result = pe.evaluate(framework(MOVED), {"完成率": "90%", "制度健全": "是", "满意率": "不适用"})
    # 20 points go 50 : 30, 12.5 and 7.5: 完成率 45 of 50 becomes 56.25 of 62.5, 制度 30 of 30 becomes 37.5
    assert result.scores == (Decimal("56.25"), Decimal("37.5"), Decimal(0))
    assert result.total == Decimal("93.75")
    assert result.applicable_weight is None  # nothing is rescaled: the total stays out of 100
    assert [r.weight_applied for r in result.indicators] == [Decimal("62.5"), Decimal("37.5"), Decimal(0)]
    assert [r.lost for r in result.indicators] == [Decimal("6.25"), Decimal(0), Decimal(0)]
    text = pe.render(result, "text").splitlines()
    assert ("    moved in  weight 50 + 12.5 from 服务对象满意度 (不适用) = 62.5: 45 × 62.5 / 50 = 56.25"
            in text)
    assert "    n/a       满意率 given as 不适用: left out, its weight 20 moved to 产出、效益" in text
    assert any(line.startswith("产出") and line.rstrip().endswith("56.25 / 62.5  -6.25") for line in text)
    assert any(line.startswith("满意度") and line.rstrip().endswith("n/a / 20") for line in text)
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    first = document["indicators"][0]
    assert (first["weight"], first["weight_applied"], first["score"]) == (50, Decimal("62.5"), Decimal("56.25"))
    assert first["workings"][-1] == {"kind": "weight_moved_in", "from": ["服务对象满意度"], "weight": 50,
                                     "moved": Decimal("12.5"), "rule_score": 45, "score": Decimal("56.25")}
    assert document["groups"][0]["weight_applied"] == Decimal("62.5")


def test_a_missing_fact_moves_the_weight_too_and_an_applicable_one_moves_nothing() -> None:
    rules = framework(MOVED)
    missing = pe.evaluate(rules, {"完成率": "90%", "制度健全": "是"})
    assert missing.total == Decimal("93.75")
    assert [d.code for d in missing.diagnostics] == ["PE416"]
    given = pe.evaluate(rules, {"完成率": "90%", "制度健全": "是", "满意率": "90%"})
    assert given.scores == (Decimal(45), Decimal(30), Decimal(20))
    assert [r.weight_applied for r in given.indicators] == [Decimal(50), Decimal(30), Decimal(20)]


def test_weight_moved_to_an_indicator_that_does_not_apply_goes_to_the_others() -> None:
    text = FRAMEWORK.format(policy="不适用时 分值转入 产出、效益").replace(
        "若 制度健全 得 30 分，否则不得分", "若 制度健全 得 30 分，否则不得分\n    缺失时 不适用")
    rules = pe.parse_rules(text.replace("总分 100\n", "总分 100\n不适用 按比例折算\n"))
    result = pe.evaluate(rules, {"完成率": "90%", "满意率": "不适用"})
    # 制度 is missing, so left out and rescaled; all 20 points of 满意度 go to 完成率: 45 × 70 / 50 = 63
    assert result.scores == (Decimal(63), Decimal(0), Decimal(0))
    assert result.applicable_weight == 70
    assert result.total == Decimal(90)  # 63 of 70, out of 100


def test_nowhere_to_move_the_weight_is_pe414() -> None:
    text = FRAMEWORK.format(policy="不适用时 分值转入 效益").replace(
        "若 制度健全 得 30 分，否则不得分", "若 制度健全 得 30 分，否则不得分\n    缺失时 不适用")
    with pytest.raises(pe.PerfevalError) as caught:
        pe.evaluate(pe.parse_rules(text), {"完成率": "90%", "满意率": "不适用"})
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [
        ("PE414", "`服务对象满意度` does not apply, and neither does any indicator its weight moves to")]


@pytest.mark.parametrize(("targets", "message"), [
    ("产岀", "no group or indicator is named `产岀`"),
    ("满意度", "`服务对象满意度` cannot move its weight to `满意度`, which holds it"),
    ("服务对象满意度", "`服务对象满意度` cannot move its weight to `服务对象满意度`, which is itself"),
])
def test_the_checker_refuses_a_place_the_weight_cannot_go(targets: str, message: str) -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(FRAMEWORK.format(policy=f"不适用时 分值转入 {targets}"))
    assert [(d.code, d.message) for d in caught.value.diagnostics] == [("PE311", message)]


def test_an_unknown_place_suggests_the_closest_name() -> None:
    with pytest.raises(pe.PerfevalError) as caught:
        pe.parse_rules(FRAMEWORK.format(policy="不适用时 分值转入 产岀"))
    assert "产出" in (caught.value.diagnostics[0].help or "")


# ---- the CLI and fmt -----------------------------------------------------------------------------------


def test_the_cli_warns_and_exits_0(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path
    folder = Path(str(tmp_path))
    (folder / "r.perfeval").write_text(FRAMEWORK.format(policy=MOVED), encoding="utf-8")
    (folder / "f.yaml").write_text("完成率: 90%\n制度健全: 是\n", encoding="utf-8")
    code, out, err = run(capsys, "eval", str(folder / "r.perfeval"), "--facts", str(folder / "f.yaml"),
                         "--explain", "off")
    assert code == 0
    assert "warning[PE416]" in err
    assert "Total" in out and "93.75 / 100" in out


@pytest.mark.parametrize("policy", ["缺失时 不得分", "缺失时 得 5 分", MOVED])
def test_fmt_keeps_the_policies_in_either_language(policy: str) -> None:
    text = FRAMEWORK.format(policy=policy)
    formatted, _ = format_rules(Source("r.perfeval", text))
    assert formatted is not None
    for keywords in ("en", "zh"):
        again, _ = format_rules(Source("r.perfeval", formatted), keywords)
        assert again is not None
        assert parse(Source("r", again))[0] == parse(Source("r", text))[0]
    english, _ = format_rules(Source("r.perfeval", text), "en")
    assert english is not None and ("if_missing" in english)


def test_declared_rounding_holds_after_the_move() -> None:
    rules = pe.parse_rules(FRAMEWORK.format(policy=MOVED).replace("总分 100\n", "总分 100\n取整 指标 保留 0 位\n"))
    result = pe.evaluate(rules, {"完成率": "91%", "制度健全": "是", "满意率": "不适用"})
    # 45.5 rounds to 46, grows to 46 × 62.5 / 50 = 57.5, and rounds to 58; 30 of 30 is the whole 37.5, which no
    # rounding takes past the weight
    assert result.scores == (Decimal(58), Decimal("37.5"), Decimal(0))


def test_full_points_are_the_whole_new_weight_exactly() -> None:
    text = FRAMEWORK.format(policy=MOVED).replace("分值 20 {", "分值 10 {").replace("分值 30 {", "分值 40 {").replace(
        "得 30 分", "得 40 分")
    result = pe.evaluate(pe.parse_rules(text), {"完成率": "90%", "制度健全": "是", "满意率": "不适用"})
    制度 = result.indicators[1]
    assert 制度.score == 制度.weight_applied  # 40 + 10 × 40 / 90, to 34 digits, on both sides
    assert 制度.lost == 0


def test_a_receivers_formula_shows_the_rules_own_score() -> None:
    text = FRAMEWORK.format(policy=MOVED).replace("得分 按比例 完成率 对 100%", "得分 分值 × 完成率")
    result = pe.evaluate(pe.parse_rules(text), {"完成率": "90%", "制度健全": "是", "满意率": "不适用"})
    lines = pe.render(result, "text").splitlines()
    assert "    score     50 * 90% = 45" in lines
    assert "    moved in  weight 50 + 12.5 from 服务对象满意度 (不适用) = 62.5: 45 × 62.5 / 50 = 56.25" in lines


def test_a_batch_counts_no_loss_for_an_indicator_left_out_and_the_grown_weight_for_a_receiver(
        tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from perfeval_dsl.batch import run_batch
    folder = Path(str(tmp_path))
    (folder / "units.csv").write_text("单位,完成率,制度健全,满意率\n甲,90%,是,\n乙,90%,否,不适用\n", encoding="utf-8")
    report = run_batch(framework(MOVED), folder / "units.csv")
    # 甲: 完成率 56.25 of 62.5; 服务对象满意度 moved its weight away and lost nothing
    assert [(o.name, o.total, o.lost) for o in report.outcomes] == [
        ("甲", Decimal("93.75"), (("完成率", Decimal("6.25")),)),
        ("乙", Decimal("56.25"), (("制度", Decimal("37.5")), ("完成率", Decimal("6.25"))))]
