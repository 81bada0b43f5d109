"""The seed case: the 2020 evaluation of 安宁市公共就业和人才服务中心, reproduced exactly.

REPORT is transcribed by hand from the report's 绩效指标评价表 (../shared/seeds/000_90190e10a42d5ac3.txt),
independently of the rule file, so a mistake in either shows up here.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

import perfeval_dsl as pe

ROOT = Path(__file__).resolve().parent.parent
RULES = "rules/anning-2020.perfeval"
FACTS = "rules/anning-2020.facts.yaml"
GOLDEN = ROOT / "tests" / "golden"

# (一级, 二级, 三级, 指标分值, 评价得分) as the report prints them.
REPORT = [
    ("部门决策", "职能设置科学合理性", "职能设置明确性", 3, 3),
    ("部门决策", "职能设置科学合理性", "科室职能明确性", 3, 3),
    ("部门决策", "年度工作计划科学完整性", "工作计划的合理明确性", 3, 3),
    ("部门决策", "年度绩效目标明确性", "部门绩效目标的合理性、明确性、量化度", 8, 8),
    ("部门管理", "部门预算执行管理", "基本支出执行偏差率", 5, 5),
    ("部门管理", "部门预算执行管理", "项目支出执行偏差率", 5, 5),
    ("部门管理", "部门预算执行管理", "上级补助资金是否按文件内容执行", 6, 6),
    ("部门管理", "内部控制", "资产管理制度", 3, 3),
    ("部门管理", "内部控制", "财务管理制度", 3, 3),
    ("部门管理", "内部控制", "项目管理制度", 3, 3),
    ("部门绩效", "数量指标", "提供有效就业岗位数", 2, 2),
    ("部门绩效", "数量指标", "开发公益性岗位", 2, 2),
    ("部门绩效", "数量指标", "公益性岗位补贴", 2, 0),
    ("部门绩效", "数量指标", "失业保险稳岗返还户数", 2, 2),
    ("部门绩效", "数量指标", "农村劳动力培训人数", 2, 2),
    ("部门绩效", "数量指标", "转移培训人数", 2, 2),
    ("部门绩效", "数量指标", "引导性培训人数", 2, 2),
    ("部门绩效", "数量指标", "农村劳动力转移就业", 2, 2),
    ("部门绩效", "数量指标", "新增农村劳动力转移就业", 2, 2),
    ("部门绩效", "数量指标", "精准帮扶东川区农村劳动力转移就业", 2, 2),
    ("部门绩效", "数量指标", "精准帮扶禄劝县农村劳动力转移就业", 2, 2),
    ("部门绩效", "数量指标", "农村劳动力基础信息普查更新工作补贴", 2, 2),
    ("部门绩效", "数量指标", "高校毕业生、流动人员档案转寄", 2, 2),
    ("部门绩效", "数量指标", "就业招聘活动会", 2, 2),
    ("部门绩效", "时效指标", "补助资金到位率", 2, 2),
    ("部门绩效", "社会效益", "城镇登记失业率", 4, 4),
    ("部门绩效", "社会效益", "农村劳动力转移收入", 4, 4),
    ("部门绩效", "服务对象满意度指标", "公益性岗位满意度", 10, 10),
    ("部门绩效", "服务对象满意度指标", "求职人员满意度", 10, 10),
]


@pytest.fixture(scope="module")
def rules() -> pe.Rules:
    return pe.load_rules(ROOT / RULES)


@pytest.fixture(scope="module")
def seed_facts() -> dict[str, object]:
    return yaml.safe_load((ROOT / FACTS).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def result(rules: pe.Rules) -> pe.Result:
    return pe.evaluate(rules, pe.load_facts(ROOT / FACTS))


def test_every_indicator_matches_the_report(result: pe.Result) -> None:
    got = [(*r.path, r.name, r.weight, r.score) for r in result.indicators]
    assert got == [(a, b, c, Decimal(w), Decimal(s)) for a, b, c, w, s in REPORT]


def test_total_grade_and_subtotals(result: pe.Result) -> None:
    assert (result.total, result.max_total, result.grade) == (Decimal(98), Decimal(100), "优")
    top = {g.name: (g.group.weight, g.score) for g in result.groups if not g.group.path}
    assert top == {"部门决策": (17, 17), "部门管理": (25, 25), "部门绩效": (58, 56)}
    assert len(result.indicators) == 29


def test_rules_check_without_warnings(rules: pe.Rules) -> None:
    assert rules.diagnostics == ()


def _bless_or_compare(request: pytest.FixtureRequest, path: Path, text: str) -> None:
    if request.config.getoption("--bless", default=False):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_json_output_is_the_golden_document(result: pe.Result, request: pytest.FixtureRequest,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    relative = pe.evaluate(pe.load_rules(RULES), pe.load_facts(FACTS))
    _bless_or_compare(request, GOLDEN / "anning-2020.json", pe.render(relative, "json"))


def test_text_trace_is_the_golden_trace(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    relative = pe.evaluate(pe.load_rules(RULES), pe.load_facts(FACTS))
    _bless_or_compare(request, GOLDEN / "anning-2020.trace.txt", pe.render(relative, "text", width=100))


def test_json_numbers_are_exact_text(result: pe.Result) -> None:
    text = pe.render(result, "json")
    assert '"value": 8567111.51,' in text  # never 8567111.5100000001 or 8.56711151e6
    assert '"value": 82170700,' in text  # 8217.07 万元 in 元, exactly


def with_facts(seed: dict[str, object], **changes: object) -> dict[str, object]:
    facts = dict(seed)
    facts.update(changes)
    return facts


@pytest.mark.parametrize(
    ("budget", "actual", "score"),
    [
        ("8,567,111.50 元", "9,423,822.65 元", 5),   # exactly 10% above: the <= 10% tier
        ("8,567,111.50 元", "9,423,822.66 元", 3),   # one fen more
        ("8,567,111.50 元", "10,280,533.80 元", 3),  # exactly 20% above
        ("8,567,111.50 元", "10,280,533.81 元", 0),  # just over 20%
        ("8,567,111.50 元", "7,710,400.35 元", 5),   # 10% under: the report's formula keeps the sign
        ("856.711150 万元", "9,423,822.65 元", 5),   # units convert exactly
    ],
)
def test_basic_expenditure_deviation_tiers(rules: pe.Rules, seed_facts: dict[str, object], budget: str,
                                           actual: str, score: int) -> None:
    result = pe.evaluate(rules, with_facts(seed_facts, 预算基本支出=budget, 实际基本支出=actual))
    assert result.indicator("基本支出执行偏差率").score == score
    assert result.total == 98 - (5 - score)


@pytest.mark.parametrize(
    ("satisfied", "score"),
    [("30 份", 10), ("27 份", 10), ("26 份", 6), ("24 份", 6), ("19 份", 4), ("18 份", 4), ("17 份", 0)],
)
def test_satisfaction_bands_at_their_bounds(rules: pe.Rules, seed_facts: dict[str, object], satisfied: str,
                                            score: int) -> None:
    # Out of 30: 27 = 90%, 24 = 80%, 18 = 60%. 介于 includes both ends and the first tier wins, so 90% → 10
    # and 80% → 6.
    result = pe.evaluate(rules, with_facts(seed_facts, 求职人员问卷满意份数=satisfied))
    assert result.indicator("求职人员满意度").score == score


@pytest.mark.parametrize(
    ("with_indicators", "score"),
    [("24 个", 8), ("23 个", 5), ("20 个", 5), ("19 个", 0), ("12 个", 3), ("11 个", 0)],
)
def test_target_standard_as_written_leaves_gaps(rules: pe.Rules, seed_facts: dict[str, object],
                                                with_indicators: str, score: int) -> None:
    # 23/24 = 95.8% and 20/24 = 83.3% score 5; 19/24 = 79.17% falls between "80%-99%" and "50%-79%" and so
    # scores 0, exactly as the standard is worded (../shared/DOMAIN.md, P04).
    result = pe.evaluate(rules, with_facts(seed_facts, 设定指标体系的项目数=with_indicators))
    assert result.indicator("部门绩效目标的合理性、明确性、量化度").score == score


@pytest.mark.parametrize(
    ("fact", "value", "indicator", "score"),
    [
        ("城镇登记失业率", "5.3%", "城镇登记失业率", 4),
        ("城镇登记失业率", "5.31%", "城镇登记失业率", 0),
        ("农村劳动力转移收入", "4800 万元", "农村劳动力转移收入", 4),
        ("农村劳动力转移收入", "47,999,999.99 元", "农村劳动力转移收入", 0),
        ("农村劳动力转移收入", "0.48 亿元", "农村劳动力转移收入", 4),
        ("公益性岗位补贴人数", "109 人", "公益性岗位补贴", 2),
        ("与补助文件不一致的项目数", "1 个", "上级补助资金是否按文件内容执行", 3),
        ("与补助文件不一致的项目数", "2 个", "上级补助资金是否按文件内容执行", 1),
        ("与补助文件不一致的项目数", "3 个", "上级补助资金是否按文件内容执行", 0),
        ("财务管理制度", "制定未实施", "财务管理制度", 1),
        ("财务管理制度", "未制定", "财务管理制度", 0),
        ("部门职能", "不清晰合理", "职能设置明确性", 0),
    ],
)
def test_changing_one_fact_moves_one_indicator(rules: pe.Rules, seed_facts: dict[str, object], fact: str,
                                               value: str, indicator: str, score: int) -> None:
    result = pe.evaluate(rules, with_facts(seed_facts, **{fact: value}))
    lost_points = {r.name: r.score for r in result.indicators if r.score != r.weight}
    expected = {"公益性岗位补贴": Decimal(0), indicator: Decimal(score)}  # the seed loses 公益性岗位补贴 already
    assert lost_points == {k: v for k, v in expected.items() if v != result.indicator(k).weight}


def test_the_fired_tier_is_recorded(result: pe.Result) -> None:
    deviation = result.indicator("基本支出执行偏差率")
    assert deviation.branch == 0
    subsidy = result.indicator("公益性岗位补贴")
    assert subsidy.branch == 1  # the final else
    values = {v.name: v.value for v in deviation.values}
    assert values == {"实际基本支出": Decimal("8567111.51"), "预算基本支出": Decimal("8567111.51"),
                      "基本支出偏差率": Decimal(0)}
