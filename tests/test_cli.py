"""The `perfeval` command as a reviewer runs it: output, formats, exit codes, files written."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from cli_support import run

from perfeval_dsl import __version__

ROOT = Path(__file__).resolve().parent.parent
RULES = "rules/anning-2020.perfeval"
FACTS = "rules/anning-2020.facts.yaml"


pytestmark = pytest.mark.usefixtures("in_repo")


def test_eval_prints_the_trace_ending_in_total_and_grade(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "eval", RULES, "--facts", FACTS)
    assert (code, err) == (0, "")
    lines = out.rstrip("\n").splitlines()
    assert lines[-6].split() == ["Total", "98", "/", "100", "-2"]
    assert lines[-5].startswith("Grade 优  (98 ≥ 90;")
    assert lines[-3:] == [
        f"audit     perfeval {__version__}, evaluated 2026-01-01T00:00:00Z",
        f"          rules sha256 {hashlib.sha256(Path(RULES).read_bytes()).hexdigest()}",
        f"          facts sha256 {hashlib.sha256(Path(FACTS).read_bytes()).hexdigest()}",
    ]


def test_eval_json_is_the_golden_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", RULES, "-f", FACTS, "--format", "json")
    assert code == 0
    assert out == (ROOT / "tests/golden/anning-2020.json").read_text(encoding="utf-8")
    document = json.loads(out, parse_float=Decimal)
    assert (document["total"], document["max_total"], document["grade"]) == (98, 100, "优")


def test_output_file_is_written_whole(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    code, out, _ = run(capsys, "eval", RULES, "-f", FACTS, "--format", "json", "-o", str(target))
    assert (code, out) == (0, "")
    assert target.read_text(encoding="utf-8") == (ROOT / "tests/golden/anning-2020.json").read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temporary file left behind


def test_explain_fails_shows_only_indicators_that_lost_points(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", RULES, "-f", FACTS, "--explain", "fails")
    assert code == 0
    assert out.count("rule      ") == 1
    assert "公益性岗位补贴人数 = 95 人   (平均每月 95 人左右)" in out


CLEAN = """\
title "示例"
fact 偏差率: %
indicator 基本支出执行偏差率 weight 40 {
  score 40 if 偏差率 <= 10% else 24 if <= 20% else 0
}
fact 满意率: %
indicator 满意度 weight 60 {
  score 60 if 满意率 >= 90% else 36 if 满意率 >= 80% else 0
}
"""


def test_check_reports_a_clean_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = tmp_path / "clean.perfeval"
    rules.write_text(CLEAN, encoding="utf-8")
    code, _, err = run(capsys, "check", str(rules))
    assert code == 0
    assert err == f"{rules}: 2 indicators, weights add up to 100 of 100, 0 warnings\n"


def test_check_lists_the_seed_standards_real_flaws(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", RULES)
    assert code == 0
    headers = [line for line in err.splitlines() if line.startswith("warning[")]
    assert [h.split("]")[0] + "]" for h in headers] == ["warning[PE601]", "warning[PE601]"] + ["warning[PE602]"] * 4
    assert err.endswith("rules/anning-2020.perfeval: 29 indicators, weights add up to 100 of 100, 6 warnings\n")
    code, _, _ = run(capsys, "check", "--strict", RULES)
    assert code == 1


@pytest.mark.parametrize("command", [[], ["eval"], ["check"]])
def test_help_on_every_command(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "Usage: perfeval" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"perfeval, version {__version__}\n")


@pytest.mark.parametrize(
    "args",
    [["eval", RULES], ["eval", RULES, "-f", FACTS, "--format", "xml"], ["frobnicate"]],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2
    assert "Traceback" not in err and "Error" in err


def test_missing_rule_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "eval", "rules/none.perfeval", "-f", FACTS)
    assert (code, out) == (2, "")
    assert err.startswith("error[PE001]: there is no file `rules/none.perfeval`\n  --> rules/none.perfeval\n")


def test_python_dash_m_runs_the_same_tool() -> None:
    completed = subprocess.run([sys.executable, "-m", "perfeval_dsl", "eval", RULES, "-f", FACTS, "--format", "json"],
                               cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["grade"] == "优"
