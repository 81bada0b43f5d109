"""`perfeval boundaries`: each tier boundary with the score just below, at and just above it."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.analysis import tier_chart

ROOT = Path(__file__).resolve().parent.parent
SEED = "rules/anning-2020.perfeval"
GOLDEN = ROOT / "tests/golden/anning-2020.boundaries.txt"


pytestmark = pytest.mark.usefixtures("in_repo")


Rows = dict[str, list[tuple[str, ...]]]


def rows(document: str) -> Rows:
    """indicator → [(boundary, below, at, above)], each probe as `shown → score (branch)`."""
    def cell(probe: dict[str, object]) -> str:
        if not probe["possible"]:
            return f"{probe['shown']}: cannot occur"
        return f"{probe['shown']} → {probe['score']} ({probe['branch']})"

    data = json.loads(document)
    assert data["format"] == "perfeval-boundaries/1"
    return {entry["indicator"]: [(b["shown"], cell(b["below"]), cell(b["at"]), cell(b["above"]))
                                 for b in entry["boundaries"]] for entry in data["indicators"]}


def boundaries_json(capsys: pytest.CaptureFixture[str], path: str, *indicators: str) -> Rows:
    code, out, err = run(capsys, "boundaries", path, *indicators, "--format", "json")
    assert (code, err) == (0, "")
    return rows(out)


def test_seed_deviation_rate_transitions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "boundaries", SEED, "基本支出执行偏差率", "--format", "json")
    assert code == 0
    (entry,) = json.loads(out)["indicators"]
    assert (entry["indicator"], entry["path"], entry["weight"], entry["subject"]) == (
        "基本支出执行偏差率", ["部门管理", "部门预算执行管理"], "5", "基本支出偏差率")
    values = [(b["boundary"], b["below"]["value"], b["at"]["value"], b["above"]["value"]) for b in entry["boundaries"]]
    assert values == [("0.10", "0.0999", "0.10", "0.1001"), ("0.20", "0.1999", "0.20", "0.2001")]
    assert rows(out) == {"基本支出执行偏差率": [
        ("10%", "9.99% → 5 (tier 1)", "10% → 5 (tier 1)", "10.01% → 3 (tier 2)"),
        ("20%", "19.99% → 3 (tier 2)", "20% → 3 (tier 2)", "20.01% → 0 (else)"),
    ]}
    assert entry["boundaries"][1]["above"]["score_rule"] == "0"


def test_seed_json_rows_of_gap_overlap_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    found = boundaries_json(capsys, SEED, "部门绩效目标的合理性、明确性、量化度", "公益性岗位满意度",
                            "上级补助资金是否按文件内容执行", "农村劳动力转移收入")
    assert found == {
        "部门绩效目标的合理性、明确性、量化度": [
            ("50%", "49.99% → 0 (else)", "50% → 3 (tier 3)", "50.01% → 3 (tier 3)"),
            ("79%", "78.99% → 3 (tier 3)", "79% → 3 (tier 3)", "79.01% → 0 (else)"),  # the gap (79%, 80%)
            ("80%", "79.99% → 0 (else)", "80% → 5 (tier 2)", "80.01% → 5 (tier 2)"),
            ("99%", "98.99% → 5 (tier 2)", "99% → 5 (tier 2)", "99.01% → 0 (else)"),  # the gap (99%, 100%)
            ("100%", "99.99% → 0 (else)", "100% → 8 (tier 1)", "100.01% → 0 (else)"),
        ],
        "公益性岗位满意度": [
            ("60%", "59.99% → 0 (else)", "60% → 4 (tier 3)", "60.01% → 4 (tier 3)"),
            ("80%", "79.99% → 4 (tier 3)", "80% → 6 (tier 2)", "80.01% → 6 (tier 2)"),  # the earlier tier wins
            ("90%", "89.99% → 6 (tier 2)", "90% → 10 (tier 1)", "90.01% → 10 (tier 1)"),
        ],
        "上级补助资金是否按文件内容执行": [  # whole counts: one apart
            ("1 个", "0 个 → 6 (tier 1)", "1 个 → 3 (tier 2)", "2 个 → 1 (tier 3)"),
            ("2 个", "1 个 → 3 (tier 2)", "2 个 → 1 (tier 3)", "3 个 → 0 (else)"),
        ],
        "农村劳动力转移收入": [  # money in its own unit, 0.01 万元 apart
            ("4,800 万元", "4,799.99 万元 → 0 (else)", "4,800 万元 → 4 (tier 1)", "4,800.01 万元 → 4 (tier 1)"),
        ],
    }


def test_seed_boundaries_agree_with_evaluation() -> None:
    """Every probe of the deviation-rate chart scores what `perfeval eval` gives for that deviation."""
    rules = pe.load_rules(ROOT / SEED)
    program = rules.program
    (indicator,) = [i for i in program.indicators if i.name == "基本支出执行偏差率"]
    chart = tier_chart(program, indicator)
    assert chart is not None
    budget = Decimal("1000000.00")
    facts: dict[str, object] = yaml.safe_load((ROOT / "rules/anning-2020.facts.yaml").read_text(encoding="utf-8"))
    for transition in chart.transitions():
        for probe in (transition.below, transition.at, transition.above):
            facts.update(预算基本支出=f"{budget} 元", 实际基本支出=f"{budget * (1 + probe.value)} 元")
            result = pe.evaluate(rules, facts)
            (scored,) = [r for r in result.indicators if r.name == "基本支出执行偏差率"]
            assert (scored.branch, scored.score) == (probe.branch, chart.points(probe.branch))


def test_text_output_is_the_golden(capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest) -> None:
    code, out, err = run(capsys, "boundaries", SEED)
    assert (code, err) == (0, "")
    if request.config.getoption("--bless"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_text_output_for_one_indicator(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "boundaries", SEED, "基本支出执行偏差率")
    assert code == 0
    assert [line.rstrip() for line in out.splitlines()] == [
        "部门管理 › 部门预算执行管理 › 基本支出执行偏差率  weight 5 · by 基本支出偏差率",
        "  tier 1: 5 if 基本支出偏差率 <= 10%",
        "  tier 2: 3 if 基本支出偏差率 <= 20%",
        "  else: 0",
        "boundary     just below              at                   just above",
        "─" * 77,
        "10%          9.99% → 5 (tier 1)      10% → 5 (tier 1)     10.01% → 3 (tier 2)",
        "20%          19.99% → 3 (tier 2)     20% → 3 (tier 2)     20.01% → 0 (else)",
        "",
    ]


def test_unknown_indicator_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "boundaries", SEED, "偏差率")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE006]: the rule file has no indicator named `偏差率`\n")
    assert "did you mean `基本支出执行偏差率` or `项目支出执行偏差率`?" in err


def test_indicator_without_tiers_over_one_value_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "boundaries", SEED, "资产管理制度")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE007]: `资产管理制度` has no tier boundaries: its rule is not a tier chain over "
                          "one value\n")


def test_missing_rule_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "boundaries", "rules/none.perfeval")
    assert code == 2
    assert err.startswith("error[PE001]")


Rule = Callable[[str, str], str]


@pytest.fixture
def rule(tmp_path: Path) -> Rule:
    """Writes a one-indicator rule file and returns its path."""

    def write(facts: str, score: str) -> str:
        path = tmp_path / "r.perfeval"
        path.write_text(f"total 5\n{facts}\nindicator 指标 weight 5 {{\n  score {score}\n}}\n", encoding="utf-8")
        return str(path)
    return write


def test_a_count_below_zero_cannot_occur(capsys: pytest.CaptureFixture[str], rule: Rule) -> None:
    assert boundaries_json(capsys, rule("fact n: 个", "5 if n > 0 else 0")) == {"指标": [
        ("0 个", "-1 个: cannot occur", "0 个 → 0 (else)", "1 个 → 5 (tier 1)"),
    ]}


def test_step_follows_the_places_of_the_thresholds(capsys: pytest.CaptureFixture[str], rule: Rule) -> None:
    assert boundaries_json(capsys, rule("fact x: %", "5 if x <= 10.005% else 0")) == {"指标": [
        ("10.005%", "10.004% → 5 (tier 1)", "10.005% → 5 (tier 1)", "10.006% → 0 (else)"),
    ]}


def test_yuan_thresholds_step_one_fen(capsys: pytest.CaptureFixture[str], rule: Rule) -> None:
    assert boundaries_json(capsys, rule("fact 收入: 元", "5 if 收入 >= 4800 万元 else 0")) == {"指标": [
        ("48,000,000 元", "47,999,999.99 元 → 0 (else)", "48,000,000 元 → 5 (tier 1)",
         "48,000,000.01 元 → 5 (tier 1)"),
    ]}


def test_one_branch_for_every_value(capsys: pytest.CaptureFixture[str], rule: Rule) -> None:
    path = rule("fact n: 个", "5 if n >= 0 个 else 0")  # a count is never below 0
    assert boundaries_json(capsys, path) == {"指标": []}
    code, out, _ = run(capsys, "boundaries", path)
    assert code == 0
    assert "  no boundary: one branch takes every value\n" in out


def test_every_band_shows_in_the_table(capsys: pytest.CaptureFixture[str], rule: Rule) -> None:
    path = rule("fact x: %", "5 if x >= 80% else 3 if between 50% and 79.99% else 0")
    table = boundaries_json(capsys, path)["指标"]
    shown = " ".join(" ".join(row) for row in table)
    assert shown.count("(else)") >= 2  # below 50% and in (79.99%, 80%)
    rules = pe.parse_rules(Path(path).read_text(encoding="utf-8"))
    chart = tier_chart(rules.program, rules.program.indicators[0])
    assert chart is not None
    probed = {p.branch for t in chart.transitions() for p in (t.below, t.at, t.above)}
    assert [band.branch for band in chart.bands if band.branch not in probed] == []
