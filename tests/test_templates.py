"""The rule-file templates of rules/templates/ (docs/templates.md): each checks with no error and no warning,
scores its example facts to the total and grade written here, ships a test file whose cases all pass and reach
every branch (through `perfeval test --min-coverage 100`, in-process), says in its opening comment what it is
for, where it comes from and what a user must fill in, gives every indicator its 评分标准, and is laid out as
`perfeval fmt` lays it out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.formatter import format_rules
from perfeval_dsl.source import Source

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "rules" / "templates"
# Each template, with the total and grade of its example facts, its number of indicators and of test cases.
EXPECTED = {
    "10号文-单位自评": ("91.905", "优", 10, 25),
    "10号文-项目支出": ("80", "良", 20, 52),
    "53号文-部门整体支出": ("86.845", "良", 28, 61),
}
NAMES = sorted(EXPECTED)



def rules_path(name: str) -> Path:
    return TEMPLATES / f"{name}.perfeval"


def test_the_templates_are_all_here() -> None:
    assert sorted(p.name.removesuffix(".perfeval") for p in TEMPLATES.glob("*.perfeval")) == NAMES
    for name in NAMES:
        assert (TEMPLATES / f"{name}.facts.yaml").is_file()
        assert (TEMPLATES / f"{name}.tests.yaml").is_file()


@pytest.mark.parametrize("name", NAMES)
def test_checks_with_no_error_and_no_warning(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--strict", str(rules_path(name)))
    _, _, indicators, _ = EXPECTED[name]
    assert code == 0, out + err
    assert f"{indicators} indicators, weights add up to 100 of 100, 0 warnings" in out + err


@pytest.mark.parametrize("name", NAMES)
def test_scores_its_example_facts(name: str) -> None:
    total, grade, indicators, _ = EXPECTED[name]
    rules = pe.load_rules(rules_path(name))
    result = pe.evaluate(rules, pe.load_facts(TEMPLATES / f"{name}.facts.yaml"))
    assert (result.total, result.grade) == (Decimal(total), grade)
    assert result.max_total == 100
    assert len(result.indicators) == indicators
    assert result.diagnostics == ()


@pytest.mark.parametrize("name", NAMES)
def test_its_cases_pass_and_reach_every_branch(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, _, cases = EXPECTED[name]
    code, out, err = run(capsys, "test", str(rules_path(name)), "--min-coverage", "100")
    assert code == 0, out + err
    assert f"{cases} cases: {cases} passed" in out
    assert "(100%), minimum 100%\n" in out
    assert "not reached" not in out


@pytest.mark.parametrize("name", NAMES)
def test_its_cases_include_the_boundaries(name: str) -> None:
    text = (TEMPLATES / f"{name}.tests.yaml").read_text(encoding="utf-8")
    assert text.count("恰好") >= 4  # values exactly on a bound
    assert "expect: {error: PE506}" in text  # a judged score outside its band
    assert "各档下限" in text and "各档上限" in text  # a judged score at each end of each band
    assert ("expect: {error: PE501}" in text) or ("为 0" in text)  # a zero denominator


@pytest.mark.parametrize("name", NAMES)
def test_says_what_it_is_and_what_to_fill_in(name: str) -> None:
    lines = rules_path(name).read_text(encoding="utf-8").split("\n")
    opening = "\n".join(lines[:lines.index("")])
    assert all(line.startswith("#") for line in opening.split("\n"))
    assert opening.startswith("# 模板：")
    assert "依据：" in opening and ("财预〔2020〕10号" in opening or "财预〔2013〕53号" in opening)
    assert "使用前必须填写或改写的部分" in opening
    assert "分值" in opening and "评分标准" in opening and "事实" in opening


@pytest.mark.parametrize("name", NAMES)
def test_every_indicator_has_its_standard(name: str) -> None:
    program = pe.load_rules(rules_path(name)).program
    assert [i.name for i in program.indicators if not i.standard] == []


def top_weights(name: str) -> dict[str, Decimal]:
    return {node.name: node.weight for node in pe.load_rules(rules_path(name)).program.tree}


def test_the_10号文_weights() -> None:
    # 单位自评: "预算执行率和一级指标权重统一设置为：产出指标50%、效益指标30%、服务对象满意度指标10%、预算执行率10%"
    assert top_weights("10号文-单位自评") == {"预算执行率": 10, "产出指标": 50, "效益指标": 30, "满意度指标": 10}
    # 部门评价、财政评价: "原则上产出、效益指标权重不低于60%"
    project = top_weights("10号文-项目支出")
    assert list(project) == ["决策", "过程", "产出", "效益"]
    assert project["产出"] + project["效益"] >= 60


def test_the_53号文_framework() -> None:
    assert list(top_weights("53号文-部门整体支出")) == ["投入", "过程", "产出", "效果"]
    program = pe.load_rules(rules_path("53号文-部门整体支出")).program
    second_level = {group.name for group in program.groups if len(group.path) == 1}
    assert second_level == {"目标设定", "预算配置", "预算执行", "预算管理", "资产管理", "职责履行", "履职效益",
                            "可持续影响"}


def formatted(name: str) -> tuple[str, str]:
    text = rules_path(name).read_text(encoding="utf-8")
    result, diagnostics = format_rules(Source(str(rules_path(name)), text))
    assert result is not None, diagnostics
    return text, result


@pytest.mark.parametrize("name", NAMES)
def test_fmt_leaves_it_unchanged(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "fmt", "--check", str(rules_path(name)))
    assert (code, out, err) == (0, "", "")
