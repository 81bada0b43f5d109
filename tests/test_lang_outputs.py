"""`--lang zh` beyond the trace and the diagnostics: the printable reports (`eval --format md|html|xlsx`), the
text of `perfeval diff` and `perfeval boundaries`, and `perfeval explain CODE`.

In Chinese every label is Chinese: the outputs are compared exactly (with goldens for the Markdown report and
the boundaries, as for their English forms; `pytest --bless` rewrites them), and no English is left in them
besides names, code, paths and digests (`_english_left`, the check tests/test_lang.py makes of diagnostics,
and a stricter one for single words). In English they print what they printed before.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from cli_support import succeeded
from test_diff import _second_version
from test_lang import _NOT_WORDS, _SOURCE_LINE, _english_left
from test_reports import Page

import perfeval_dsl as pe
from perfeval_dsl.errors import CODES, CODES_ZH
from perfeval_dsl.errors import render as render_diagnostic
from perfeval_dsl.explain import explanation

ROOT = Path(__file__).resolve().parent.parent
RULES_ZH = "rules/anning-2020.zh.perfeval"  # the seed in Chinese keywords, as a Chinese report is written
RULES = "rules/anning-2020.perfeval"
FACTS = "rules/anning-2020.facts.yaml"
CHANGED = "docs/examples/anning-changed.facts.yaml"
REPORT_GOLDEN = ROOT / "tests" / "golden" / "anning-2020.zh.report.md"
BOUNDARIES_GOLDEN = ROOT / "tests" / "golden" / "anning-2020.zh.boundaries.txt"
RULES_ZH_SHA256 = "610db1fd08dd97e78be583a0be99a7113b62ddc92f12f6a74365aabba450abf9"
FACTS_SHA256 = "2e301420ae8495cb62d942cb038fe57954dd24dd51b79150d4f44a0ab4ee4322"


pytestmark = pytest.mark.usefixtures("in_repo")


# ---- no English left ---------------------------------------------------------------------------------------

# What reads the same in both languages: the program's name, `SHA-256`/`sha256`, `UTC`, `UTF-8`, a digest, a
# time.
_SAME_IN_BOTH = {"perfeval", "SHA", "sha", "UTC", "UTF"}
_DIGEST_OR_TIME = re.compile(r"\b[0-9a-f]{64}\b|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|`{3,}text")


def english_words(text: str) -> set[str]:
    """Every English word of a Chinese output, besides what `_english_left` also leaves out (code, quoted
    names, paths, codes) and what reads the same in both languages. The lines of a rule file that a
    diagnostic quotes are the user's own and are left out too."""
    lines = [line for line in text.split("\n") if not _SOURCE_LINE.match(line)]
    kept = _NOT_WORDS.sub(" ", _DIGEST_OR_TIME.sub(" ", "\n".join(lines)))
    return set(re.findall(r"[A-Za-z]+", kept)) - _SAME_IN_BOTH


def assert_all_chinese(text: str) -> None:
    left = [line for line in text.split("\n") if not _SOURCE_LINE.match(line) and _english_left(line)]
    assert not left, left
    assert not english_words(text), english_words(text)


def test_the_check_finds_a_single_english_label() -> None:
    assert english_words("## 发现 Findings\n## 审计 Audit record") == {"Findings", "Audit", "record"}
    assert english_words(f"| 规则文件 SHA-256 | `{RULES_ZH_SHA256}` |\n审计      perfeval 0.1.0, 评价时间 "
                         f"2026-01-01T00:00:00Z\n          规则文件 sha256 {RULES_ZH_SHA256}") == set()
    assert english_words("92 |         else 5 if between 80% and 99%") == set()  # a rule file's own line


# ---- the printable reports ---------------------------------------------------------------------------------


def seed_zh() -> tuple[pe.Result, list[pe.Diagnostic]]:
    rules = pe.load_rules(RULES_ZH)
    return pe.evaluate(rules, pe.load_facts(FACTS)), pe.analyse(rules)


def test_the_chinese_markdown_report_is_the_golden_one(capsys: pytest.CaptureFixture[str],
                                                       request: pytest.FixtureRequest) -> None:
    text = succeeded(capsys, "--lang", "zh", "eval", RULES_ZH, "-f", FACTS, "--format", "md")
    result, findings = seed_zh()
    assert text == pe.render(result, "md", findings=findings, lang="zh")
    if request.config.getoption("--bless"):
        REPORT_GOLDEN.write_text(text, encoding="utf-8")
    assert text == REPORT_GOLDEN.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert [line for line in lines if line.startswith("## ")] == ["## 发现", "## 评分过程", "## 审计记录"]
    assert "总分 98 / 100，评价等级 **优**。" in lines
    assert lines[lines.index("## 审计记录"):] == [
        "## 审计记录", "", "| | |", "|---|---|",
        f"| perfeval 版本 | {pe.__version__} |",
        "| 评价时间（UTC） | 2026-01-01T00:00:00Z |",
        f"| 规则文件 | {RULES_ZH} |",
        f"| 规则文件 SHA-256 | `{RULES_ZH_SHA256}` |",
        f"| 事实文件 | {FACTS} |",
        f"| 事实文件 SHA-256 | `{FACTS_SHA256}` |", ""]
    # the findings and the trace as the Chinese commands print them
    assert "\n\n".join(render_diagnostic(d, "zh") for d in findings) in text
    assert pe.render(result, "text", width=120, lang="zh").rstrip("\n") in text
    assert_all_chinese(text)


def test_the_chinese_html_report(capsys: pytest.CaptureFixture[str]) -> None:
    text = succeeded(capsys, "--lang", "zh", "eval", RULES_ZH, "-f", FACTS, "--format", "html")
    result, findings = seed_zh()
    assert text == pe.render(result, "html", findings=findings, lang="zh")
    assert re.findall(r"<h2>(.*?)</h2>", text) == ["发现", "评分过程", "审计记录"]
    page = Page(text)
    assert page.problems == []
    assert [[cell for _, cell in row] for row in page.tables[-1]] == [
        ["perfeval 版本", pe.__version__], ["评价时间（UTC）", "2026-01-01T00:00:00Z"], ["规则文件", RULES_ZH],
        ["规则文件 SHA-256", RULES_ZH_SHA256], ["事实文件", FACTS], ["事实文件 SHA-256", FACTS_SHA256]]
    shown = "".join(page.text)
    assert all(render_diagnostic(d, "zh") in shown for d in findings)
    assert pe.render(result, "text", width=120, lang="zh").rstrip() in shown
    assert_all_chinese("\n".join(Page(re.sub(r"<style>.*?</style>", "", text, flags=re.DOTALL)).text))


def test_the_chinese_workbook(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "评分表.xlsx"
    assert succeeded(capsys, "--lang", "zh", "eval", RULES_ZH, "-f", FACTS, "--format", "xlsx", "-o", str(target)) == ""
    result, findings = seed_zh()
    assert target.read_bytes() == pe.render(result, "xlsx", findings=findings, lang="zh")
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["评分表", "评分过程", "发现", "审计"]
    rows = [list(row) for row in book["发现"].iter_rows(values_only=True)]
    assert rows[0] == ["代码", "级别", "位置", "说明", "全文"]
    first = findings[0]
    assert first.zh is not None
    assert rows[1] == ["PE601", "警告", "rules/anning-2020.zh.perfeval:92:16", first.zh.message,
                       render_diagnostic(first, "zh")]
    assert first.zh.message == ("`设定指标的项目比例` 在 (99%, 100%) 的值落在 `部门绩效目标的合理性、明确性、量化度` "
                                "各档之间，归入 `否则 0`")
    assert [row[0] or "" for row in book["评分过程"].iter_rows(values_only=True)] == \
        pe.render(result, "text", width=120, lang="zh").rstrip("\n").split("\n")
    assert [list(row) for row in book["审计"].iter_rows(values_only=True)] == [
        ["perfeval 版本", pe.__version__], ["评价时间（UTC）", "2026-01-01T00:00:00Z"], ["规则文件", RULES_ZH],
        ["规则文件 SHA-256", RULES_ZH_SHA256], ["事实文件", FACTS], ["事实文件 SHA-256", FACTS_SHA256]]
    everything = "\n".join(str(value) for sheet in book for row in sheet.iter_rows(values_only=True)
                           for value in row if isinstance(value, str))
    assert_all_chinese(everything)


QUIET_RULES = "total 10\nfact 人数: 人\nindicator 人数达标 weight 10 {\n  score 10 if 人数 >= 3 人 else 0\n}\n"


def test_a_chinese_report_without_findings_or_a_facts_file(tmp_path: Path) -> None:
    (tmp_path / "quiet.perfeval").write_text(QUIET_RULES, encoding="utf-8")
    result = pe.evaluate(pe.load_rules(tmp_path / "quiet.perfeval"), {"人数": "5 人"})
    text = pe.render(result, "md", lang="zh")
    assert "## 发现\n\n无。\n\n## 评分过程\n" in text
    assert text.endswith("| 事实文件 SHA-256 | （非文件） |\n")
    assert "<h2>发现</h2>\n<p>无。</p>" in pe.render(result, "html", lang="zh")
    audit = openpyxl.load_workbook(_saved(tmp_path, pe.render(result, "xlsx", lang="zh")))["审计"]
    assert audit.cell(6, 1).value == "事实文件 SHA-256" and audit.cell(6, 2).value == "（非文件）"
    # in English, as before
    english = pe.render(result, "md")
    assert "## 发现 Findings\n\n无。None.\n\n## 评分过程 Trace\n" in english
    assert english.endswith("| 事实 SHA-256 | (not read from a file) |\n")


def _saved(folder: Path, data: bytes) -> Path:
    path = folder / "report.xlsx"
    path.write_bytes(data)
    return path


def test_the_english_reports_are_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    result, findings = seed_zh()
    for format in ("md", "html", "xlsx"):
        assert pe.render(result, format, findings=findings) == pe.render(result, format, findings=findings,
                                                                          lang="en")
        with pytest.raises(ValueError, match="lang must be one of en, zh"):
            pe.render(result, format, lang="fr")
    english = succeeded(capsys, "--lang", "en", "eval", RULES_ZH, "-f", FACTS, "--format", "md")
    assert "## 发现 Findings" in english and "## 审计 Audit record" in english and "warning[PE601]" in english


# ---- perfeval diff ---------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.split("\n")]


def test_the_chinese_diff(capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeded(capsys, "--lang", "zh", "diff", RULES, "-f", FACTS, "-f", CHANGED)
    assert _lines(out) == [
        f"旧   {RULES} · {FACTS}   98 / 100  优",
        f"新   {RULES} · {CHANGED}   98 / 100  优",
        "总分 98 → 98（±0）   等级 优 → 优",
        "",
        "指标                旧      新   变化   实际完成值",
        "─" * 79,
        "开发公益性岗位   2 / 2   0 / 2     -2   211 个 → 190 个",
        "公益性岗位补贴   0 / 2   2 / 2     +2   95 人（平均每月 95 人左右） → 112 人",
        "2 个有变化，27 个无变化，0 个新增，0 个删除",
        "",
        "一级指标        旧        新   变化",
        "─" * 35,
        "部门决策   17 / 17   17 / 17     ±0",
        "部门管理   25 / 25   25 / 25     ±0",
        "部门绩效   56 / 58   56 / 58     ±0",
        "",
    ]
    assert_all_chinese(out)


def test_the_chinese_diff_names_every_kind_of_change(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    revised = tmp_path / "anning-2021.perfeval"
    revised.write_text(_second_version(), encoding="utf-8")
    out = succeeded(capsys, "--lang", "zh", "diff", RULES, str(revised), "-f", FACTS)
    lines = _lines(out)
    assert lines[2] == "总分 98 → 97（-1）   等级 优 → 优"
    notes = {line.split()[0]: line.split("   ")[-1].strip() for line in lines[6:13] if not line.startswith(" ")}
    assert notes == {"提供有效就业岗位数": "规则有变化", "公益性岗位补贴": "规则有变化；分值有变化",
                     "失业保险稳岗返还户数": "规则有变化；分值有变化", "引导性培训人数": "删除", "档案管理": "新增",
                     "补助资金到位率": "移自 部门绩效 › 时效指标"}
    assert "2 个有变化，26 个无变化，1 个新增，1 个删除" in lines
    assert_all_chinese(out)
    english = succeeded(capsys, "--lang", "en", "diff", RULES, str(revised), "-f", FACTS)
    assert "2 changed, 26 unchanged, 1 added, 1 removed" in english.split("\n")
    assert "moved from 部门绩效 › 时效指标" in english and "rule changed; weight changed" in english


# ---- perfeval boundaries -----------------------------------------------------------------------------------


def test_the_chinese_boundaries_are_the_golden_ones(capsys: pytest.CaptureFixture[str],
                                                    request: pytest.FixtureRequest) -> None:
    out = succeeded(capsys, "--lang", "zh", "boundaries", RULES_ZH)
    if request.config.getoption("--bless"):
        BOUNDARIES_GOLDEN.write_text(out, encoding="utf-8")
    assert out == BOUNDARIES_GOLDEN.read_text(encoding="utf-8")
    assert_all_chinese(out)
    # the same rules in English keywords give the same Chinese text
    assert succeeded(capsys, "--lang", "zh", "boundaries", RULES) == out


def test_the_chinese_boundaries_of_one_indicator(capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeded(capsys, "--lang", "zh", "boundaries", RULES_ZH, "基本支出执行偏差率")
    assert _lines(out) == [
        "部门管理 › 部门预算执行管理 › 基本支出执行偏差率  分值 5 · 按 基本支出偏差率",
        "  第 1 档：5 若 基本支出偏差率 <= 10%",
        "  第 2 档：3 若 基本支出偏差率 <= 20%",
        "  否则：0",
        "界限     略低于                   恰好                  略高于",
        "─" * 76,
        "10%      9.99% → 5 (第 1 档)      10% → 5 (第 1 档)     10.01% → 3 (第 2 档)",
        "20%      19.99% → 3 (第 2 档)     20% → 3 (第 2 档)     20.01% → 0 (否则)",
        "",
        "",
    ]


def _one_indicator(folder: Path, facts: str, score: str) -> str:
    path = folder / "r.perfeval"
    path.write_text(f"total 5\n{facts}\nindicator 指标 weight 5 {{\n  score {score}\n}}\n", encoding="utf-8")
    return str(path)


def test_the_chinese_boundaries_of_values_that_cannot_occur_or_no_tier_takes(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def boundaries(facts: str, score: str) -> list[str]:
        out = succeeded(capsys, "--lang", "zh", "boundaries", _one_indicator(tmp_path, facts, score))
        assert_all_chinese(out)
        return _lines(out)

    assert "0 个     -1 个：不可能出现     0 个 → 0 (否则)     1 个 → 5 (第 1 档)" in boundaries(
        "fact 件数: 个", "5 if 件数 > 0 else 0")
    assert "80%      79.99% → — (无档次)     80% → 5 (第 1 档)     80.01% → 5 (第 1 档)" in boundaries(
        "fact 比例: %", "5 if 比例 >= 80%")
    assert "  没有界限：所有取值都落在同一分支" in boundaries("fact 件数: 个", "5 if 件数 >= 0 个 else 0")
    # the JSON document keeps its English branch names in either language
    document = succeeded(capsys, "--lang", "zh", "boundaries", str(tmp_path / "r.perfeval"), "--format", "json")
    assert document == succeeded(capsys, "--lang", "en", "boundaries", str(tmp_path / "r.perfeval"), "--format", "json")


# ---- perfeval explain CODE ---------------------------------------------------------------------------------


def test_the_chinese_explanation_is_the_chinese_section(capsys: pytest.CaptureFixture[str]) -> None:
    out = succeeded(capsys, "--lang", "zh", "explain", "601")
    english = succeeded(capsys, "--lang", "en", "explain", "601")
    lines = out.split("\n")
    assert lines[:3] == ["## PE601 — 有取值落在档次之间", "",
                         "警告：按所写的评分标准，两档之间留下了一段取值，落在那里的值归入 `else`（否则），"
                         "得分比两边的档次都低。评分标准用整数"]
    assert "英文" not in out and "Warning" not in out  # no note that the explanation is English: it is not
    assert english.split("\n")[0] == "## PE601 — values fall between tiers"
    # the same example, run in Chinese
    assert "perfeval check tests/ui/tiers-gap-falls-to-else.perfeval\n" in english
    assert "perfeval --lang zh check tests/ui/tiers-gap-falls-to-else.perfeval\n" in out
    assert "警告[PE601]：`设定指标的项目比例` 在 (99%, 100%) 的值落在 `绩效目标明确性` 各档之间，归入 `否则 0`" in lines


@pytest.mark.parametrize("code", list(CODES))
def test_every_code_is_explained_under_its_chinese_title(code: str) -> None:
    text = explanation(code, "zh")
    heading, blank, first, *_ = text.split("\n")
    assert (heading, blank) == (f"## {code} — {CODES_ZH[code]}", "")
    assert "docs/errors.md 的原文" not in text
    assert_all_chinese(heading)
    assert not _english_left(first), first


def test_a_code_without_a_chinese_section_is_explained_in_english_under_its_chinese_title(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import perfeval_dsl.explain

    monkeypatch.setattr(perfeval_dsl.explain, "DOCUMENT_ZH", "no-such-document.zh.md")
    text = explanation("601", "zh")
    lines = text.split("\n")
    assert lines[:3] == ["## PE601 — 有取值落在档次之间", "",
                         "（本代码的详细说明只有英文版，以下为 docs/errors.md 的原文；英文标题："
                         "“values fall between tiers”。）"]
    english = explanation("601")
    assert "\n".join(lines[3:]) == "\n".join(english.split("\n")[1:])  # the English explanation, whole
    assert_all_chinese(f"{lines[0]}\n{lines[2]}")
