"""The trace in Chinese: `--lang zh`, PERFEVAL_LANG, or a zh_* locale; English otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.cli import output_language

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "anning-2020.zh.trace.txt"
RULES, FACTS = "rules/anning-2020.zh.perfeval", "rules/anning-2020.facts.yaml"


def test_the_chinese_trace_is_the_golden_one(request: pytest.FixtureRequest,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--lang", "zh", "eval", RULES, "-f", FACTS)
    assert (code, err) == (0, "")
    if request.config.getoption("--bless"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")
    lines = out.splitlines()
    assert lines[1].startswith("规则文件  rules/anning-2020.zh.perfeval")
    assert "      规则      5 若 基本支出偏差率 <= 10% 否则 3 若 基本支出偏差率 <= 20% 否则 0   " \
           "(rules/anning-2020.zh.perfeval:102)" in lines
    assert any(line.startswith("总分") and line.split()[1:] == ["98", "/", "100", "-2"] for line in lines)
    assert "等级 优  (98 ≥ 90; 各档: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 以下)" in lines


def test_the_api_renders_the_same_chinese_trace() -> None:
    result = pe.evaluate(pe.load_rules(ROOT / RULES), pe.load_facts(ROOT / FACTS))
    text = pe.render(result, "text", lang="zh")
    assert "命中" in text and "fired" not in text
    with pytest.raises(ValueError):
        pe.render(result, "text", lang="fr")


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL wins over LANG
    ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US"}, "zh"),
    ({"LANG": "en_US.UTF-8", "PERFEVAL_LANG": "zh"}, "zh"),  # PERFEVAL_LANG wins over the locale
])
def test_the_language_follows_the_environment(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str],
                                              expected: str) -> None:
    for variable in ("PERFEVAL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert output_language() == expected
    assert output_language("en") == "en"  # --lang wins over everything


def test_a_chinese_locale_gives_the_chinese_trace(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PERFEVAL_LANG")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    _, out, _ = run(capsys, "eval", RULES, "-f", FACTS, "--explain", "off")
    assert "总分" in out and "Total" not in out
    _, out, _ = run(capsys, "--lang", "en", "eval", RULES, "-f", FACTS, "--explain", "off")
    assert "Total" in out and "总分" not in out


# ---- diagnostics in Chinese -------------------------------------------------------------------------------

# The codes written in Chinese so far: syntax errors, unknown names, weights, the facts a policy officer types,
# and the gaps and overlaps `perfeval check` finds in a standard.
SYNTAX_CODES = ("PE101", "PE102", "PE103", "PE210", "PE201", "PE202", "PE301", "PE302", "PE306", "PE401", "PE402",
                "PE404", "PE405", "PE408", "PE601", "PE602")


def _syntax_cases() -> list[str]:
    from test_ui import CASES, UI, load_case

    found = []
    for name in CASES:
        case = load_case(name)
        first = case.stderr.read_text(encoding="utf-8").split("\n", 1)[0]
        if case.xfail is None and first.startswith(tuple(f"{severity}[{code}]" for code in SYNTAX_CODES
                                                          for severity in ("error", "warning"))):
            found.append(name)
    assert UI.is_dir()
    return found


SYNTAX_CASES = _syntax_cases()


def test_there_are_syntax_cases_to_translate() -> None:
    assert len(SYNTAX_CASES) >= 15


@pytest.mark.parametrize("name", SYNTAX_CASES)
def test_syntax_errors_read_in_chinese_at_the_same_place(name: str, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from test_ui import load_case, run_cli

    case = load_case(name)
    monkeypatch.chdir(ROOT)
    for variable, value in case.env:
        monkeypatch.setenv(variable, value)
    english = case.stderr.read_text(encoding="utf-8").split("\n\n")[0].split("\n")
    code, _, err = run_cli(("--lang", "zh", *case.argv), capsys)
    assert code == case.exit
    chinese = err.split("\n\n")[0].split("\n")
    severity, _, code_of = english[0].split("]")[0].partition("[")
    assert chinese[0].startswith(f"{'错误' if severity == 'error' else '警告'}[{code_of}]：")
    # the place, the source line and the caret are the same; only the words change
    assert chinese[1:4] == english[1:4]
    assert [line.rstrip("^ ").split("^")[0] for line in chinese[4:5]] == \
           [line.rstrip("^ ").split("^")[0] for line in english[4:5]]
    assert any(line.lstrip().startswith("= 提示: ") for line in chinese)
    assert not any(line.lstrip().startswith("= help: ") for line in chinese)


def test_a_diagnostic_without_chinese_words_is_shown_in_english() -> None:
    from perfeval_dsl.errors import error, render

    diagnostic = error("PE001", "there is no file `x`", path="x", help="check the path")
    assert render(diagnostic, "zh") == render(diagnostic) == "error[PE001]: there is no file `x`\n  --> x\n" \
                                                              "  = help: check the path"


def test_check_on_the_seed_reads_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--lang", "zh", "check", RULES)
    assert (code, out) == (0, "")
    headers = [line for line in err.splitlines() if line.startswith(("警告[", "错误[", "warning[", "error["))]
    assert len(headers) == 6 and all(line.startswith("警告[PE60") for line in headers)
    assert "= note:" not in err and "= help:" not in err
    summary = "rules/anning-2020.zh.perfeval：29 个指标，分值合计 100（总分 100），6 个警告"
    assert err.rstrip().splitlines()[-1] == summary
