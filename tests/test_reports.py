"""Printable reports: `perfeval eval --format md|html|xlsx` and `pe.render(result, "md"|"html"|"xlsx")`.

The expected 绩效指标评价表 is laid out here from the JSON document of the same evaluation (`layout`), not by
perfeval's own table code, and each format is read back the way a reader's tool reads it: the workbook with
openpyxl (and its XML with zipfile), the HTML with html.parser, the Markdown with a CommonMark parser. Hostile
rule and facts files check that nothing a user wrote becomes a formula, a tag or a table cell boundary.
`pytest --bless` rewrites tests/golden/anning-2020.report.md instead of comparing it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import html
import io
import json
import re
import time
import zipfile
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cli_support import run, succeeded
from openpyxl.utils import get_column_letter
from test_spreadsheet import seed_workbook

import perfeval_dsl as pe
from perfeval_dsl.errors import render as render_diagnostic
from perfeval_dsl.result import actual_value

ROOT = Path(__file__).resolve().parent.parent
RULES = "rules/anning-2020.perfeval"
FACTS = "rules/anning-2020.facts.yaml"
GOLDEN = ROOT / "tests" / "golden" / "anning-2020.report.md"
HEADERS = ["一级指标", "二级指标", "三级指标", "指标解释", "评分标准", "绩效目标值", "实际完成值", "指标分值",
           "评价得分"]
LEVELS = 3  # the seed's indicators are all 三级指标
LABEL_COLUMNS = 7  # a summary row's label covers the level and text columns
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[str, list[Any]]  # (kind, the row's nine cells)


pytestmark = pytest.mark.usefixtures("in_repo")


@functools.cache
def seed_rules() -> pe.Rules:
    """Named relatively, as the command is run in these tests (the fixture `in_repo` is in force)."""
    return pe.load_rules(RULES)


def seed_result() -> pe.Result:
    """The seed evaluated now (the audit record's time is SOURCE_DATE_EPOCH's), its files named relatively."""
    return pe.evaluate(seed_rules(), pe.load_facts(FACTS))


@functools.cache
def seed_findings() -> tuple[pe.Diagnostic, ...]:
    return tuple(pe.analyse(seed_rules()))


def layout(document: dict[str, Any]) -> tuple[list[Row], list[tuple[int, int, int]]]:
    """The table's body as the report prints it, from the JSON document: each 一级 group's indicators, its 小计
    row, then 合计 and 评价等级. Every hierarchy cell is written out (a merged cell's text in each row it covers);
    a summary row's label fills its seven label columns. Also the hierarchy cells a format merges: (column,
    first row, last row), 0-based in the body, for each run of two or more rows under one group."""
    rows: list[Row] = []
    merges: list[tuple[int, int, int]] = []
    subtotals = {group["name"]: group for group in document["groups"] if not group["path"]}
    indicators = document["indicators"]
    start = 0
    while start < len(indicators):
        top = indicators[start]["path"][0]
        end = start
        while end < len(indicators) and indicators[end]["path"][0] == top:
            end += 1
        first = len(rows)
        for indicator in indicators[start:end]:
            assert len(indicator["path"]) == LEVELS - 1
            rows.append(("indicator", [*indicator["path"], indicator["name"], indicator["explanation"] or "",
                                       indicator["standard"] or "", indicator["target"] or "", indicator["actual"],
                                       Decimal(indicator["weight"]), Decimal(indicator["score"])]))
        for column in range(LEVELS - 1):
            run_start = first
            for index in range(first + 1, len(rows) + 1):
                if index == len(rows) or rows[index][1][: column + 1] != rows[run_start][1][: column + 1]:
                    if index - 1 > run_start:
                        merges.append((column, run_start, index - 1))
                    run_start = index
        group = subtotals.pop(top)
        rows.append(("subtotal", [f"{top} 小计"] * LABEL_COLUMNS + [Decimal(group["weight"]),
                                                                     Decimal(group["score"])]))
        start = end
    assert not subtotals
    rows.append(("total", ["合计"] * LABEL_COLUMNS + [Decimal(document["max_total"]), Decimal(document["total"])]))
    rows.append(("grade", ["评价等级"] * LABEL_COLUMNS + [None, document["grade"]]))
    return rows, sorted(merges)


def json_document(text: str) -> dict[str, Any]:
    document = json.loads(text, parse_float=Decimal)
    assert isinstance(document, dict)
    return document


# ---- XLSX ------------------------------------------------------------------------------------------------


def cell_values(sheet: Any) -> dict[tuple[int, int], Any]:
    """Every non-empty cell of `sheet`; numbers as Decimal (through their text, as Excel shows them)."""
    values = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None or cell.value == "":
                continue
            if cell.data_type == "n":
                values[(cell.row, cell.column)] = Decimal(str(cell.value))
            else:
                assert cell.data_type == "s", f"{cell.coordinate}: {cell.data_type}"
                values[(cell.row, cell.column)] = cell.value
    return values


def resolved(sheet: Any, row: int, column: int) -> Any:
    """The value shown at (row, column): the top-left cell's when a merged range covers it."""
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            return sheet.cell(merged.min_row, merged.min_col).value
    return sheet.cell(row, column).value


def expected_score_sheet(document: dict[str, Any]) -> tuple[dict[tuple[int, int], Any], set[str]]:
    """The 评分表 sheet's cells and merged ranges: title in row 1 (merged across), headers in row 2, the body
    from row 3 with hierarchy cells merged down and each summary row's label merged across A:G."""
    rows, merges = layout(document)
    width = get_column_letter(len(HEADERS))
    grid: dict[tuple[int, int], Any] = {(1, 1): document["title"]}
    grid.update({(2, column): header for column, header in enumerate(HEADERS, start=1)})
    ranges = {f"A1:{width}1"}
    covered = {(row, column) for column, first, last in merges for row in range(first + 1, last + 1)}
    for index, (kind, cells) in enumerate(rows):
        number = 3 + index
        shown = cells if kind == "indicator" else [cells[0], *[None] * (LABEL_COLUMNS - 1), *cells[LABEL_COLUMNS:]]
        for column, value in enumerate(shown):
            if value not in ("", None) and (index, column) not in covered:
                grid[(number, column + 1)] = value
        if kind != "indicator":
            ranges.add(f"A{number}:{get_column_letter(LABEL_COLUMNS)}{number}")
    for column, first, last in merges:
        letter = get_column_letter(column + 1)
        ranges.add(f"{letter}{3 + first}:{letter}{3 + last}")
    return grid, ranges


def test_xlsx_round_trip_from_an_xlsx_facts_workbook(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Facts from a workbook, scored, written as a workbook, read back: every cell equals the JSON document.
    monkeypatch.chdir(tmp_path)
    rules = str(ROOT / RULES)
    seed_workbook("facts.xlsx", "numbers")
    document = json_document(succeeded(capsys, "eval", rules, "-f", "facts.xlsx", "--format", "json"))
    assert (document["total"], document["grade"], len(document["indicators"])) == (98, "优", 29)
    assert succeeded(capsys, "eval", rules, "-f", "facts.xlsx", "--format", "xlsx", "-o", "report.xlsx") == ""
    book = openpyxl.load_workbook("report.xlsx")
    assert book.sheetnames == ["评分表", "评分过程", "发现", "审计"]

    sheet = book["评分表"]
    grid, ranges = expected_score_sheet(document)
    assert {str(merged) for merged in sheet.merged_cells.ranges} == ranges
    assert cell_values(sheet) == grid
    assert (sheet.max_row, sheet.max_column) == (2 + 29 + 3 + 2, len(HEADERS))
    # Read as a person reads the printed table: each indicator row's 一级/二级 cells through their merged ranges.
    rows, _ = layout(document)
    shown = [[resolved(sheet, 3 + index, column) for column in range(1, LEVELS + 1)]
             for index, (kind, _cells) in enumerate(rows) if kind == "indicator"]
    assert shown == [[*indicator["path"], indicator["name"]] for indicator in document["indicators"]]
    assert [resolved(sheet, 3 + index, column) for index, (kind, _cells) in enumerate(rows) if kind != "indicator"
            for column in range(1, LABEL_COLUMNS + 1)] == [
        label for kind, cells in rows if kind != "indicator" for label in cells[:LABEL_COLUMNS]]
    for index, (kind, _cells) in enumerate(rows):  # weights and scores are numbers, not text
        assert sheet.cell(3 + index, 9).data_type == ("s" if kind == "grade" else "n")
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (9, "landscape")  # 9: A4

    audit = document["audit"]
    assert list(book["审计"].iter_rows(values_only=True)) == [
        ("perfeval 版本 version", audit["perfeval_version"]),
        ("评价时间 evaluated at (UTC)", audit["evaluated_at"]),
        ("规则文件 rules", audit["rules"]),
        ("规则 SHA-256", audit["rules_sha256"]),
        ("事实 facts", audit["facts"]),
        ("事实 SHA-256", audit["facts_sha256"]),
    ]
    assert set(audit) == {"perfeval_version", "evaluated_at", "rules", "rules_sha256", "facts", "facts_sha256"}
    assert (audit["evaluated_at"], audit["facts"]) == ("2026-01-01T00:00:00Z", "facts.xlsx")
    assert audit["facts_sha256"] == hashlib.sha256(Path("facts.xlsx").read_bytes()).hexdigest()

    result = pe.evaluate(pe.load_rules(rules), pe.load_facts("facts.xlsx"))
    trace = [row[0] or "" for row in book["评分过程"].iter_rows(values_only=True)]
    assert trace == pe.render(result, "text", width=120).rstrip("\n").split("\n")
    assert book["评分过程"].max_column == 1

    findings = pe.analyse(pe.load_rules(rules))
    listed = list(book["发现"].iter_rows(values_only=True))
    assert listed[0] == ("代码 code", "级别 severity", "位置 location", "说明 message", "全文 text")
    assert listed[1:] == [(d.code, d.severity.value, d.location, d.message, render_diagnostic(d)) for d in findings]
    assert Counter(row[0] for row in listed[1:]) == {"PE601": 2, "PE602": 4}
    assert {row[1] for row in listed[1:]} == {"warning"}


def test_render_xlsx_returns_the_workbook_bytes_and_findings_are_optional() -> None:
    result = seed_result()
    plain = pe.render(result, "xlsx")
    assert isinstance(plain, bytes) and plain.startswith(b"PK")
    assert openpyxl.load_workbook(io.BytesIO(plain))["发现"].max_row == 1  # the header only: the result has none
    with_findings = openpyxl.load_workbook(io.BytesIO(pe.render(result, "xlsx", findings=seed_findings())))
    assert [row[0] for row in with_findings["发现"].iter_rows(min_row=2, values_only=True)] == [
        "PE601", "PE601", "PE602", "PE602", "PE602", "PE602"]
    assert with_findings.properties.created == datetime.datetime(2026, 1, 1)


def test_the_workbook_dates_are_the_evaluations() -> None:
    # xlsx.py: "the workbook's own dates say when the evaluation ran, not when this file was written".
    book = openpyxl.load_workbook(io.BytesIO(pe.render(seed_result(), "xlsx")))
    assert book.properties.created == book.properties.modified == datetime.datetime(2026, 1, 1)


FORMULA_RULES = """\
title “=HYPERLINK("http://x","y")”
total 15
fact 人数: 人
fact 差额: 元
fact 制度: "=1+1" | "未制定"
group “=HYPERLINK("http://x","y")” weight 15 {
  group "+cmd|' /C calc'!A0" weight 15 {
    indicator "@SUM(A1)" weight 5 {
      explanation "-2+3"
      standard “=HYPERLINK("http://x","y")”
      target "\t=1"
      score 5 if 人数 >= 3 人 else 0
    }
    indicator "=1+1" weight 5 {
      explanation "@SUM(A1)"
      standard "+1"
      target "=A1"
      score by 制度 { "=1+1" -> 5, otherwise -> 0 }
    }
    indicator "-差额" weight 5 {
      score 5 if 差额 <= 0 元 else 0
    }
  }
}
"""
FORMULA_FACTS = """\
人数:
  value: 5 人
  note: '=HYPERLINK("http://x","y")'
差额: -2 元
制度: "=1+1"
"""


def test_text_that_looks_like_a_formula_stays_text(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("rules.perfeval").write_text(FORMULA_RULES, encoding="utf-8")
    Path("facts.yaml").write_text(FORMULA_FACTS, encoding="utf-8")
    assert succeeded(capsys, "eval", "rules.perfeval", "-f", "facts.yaml", "--format", "xlsx", "-o", "r.xlsx") == ""
    book = openpyxl.load_workbook("r.xlsx")
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    looks_like_formula = [cell for cell in cells
                          if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)]
    assert [f"{cell.parent.title}!{cell.coordinate}" for cell in looks_like_formula if not cell.quotePrefix] == []
    assert [cell.coordinate for cell in cells if cell.quotePrefix and cell not in looks_like_formula] == []

    hyperlink = '=HYPERLINK("http://x","y")'
    scores = book["评分表"]
    assert [[scores.cell(row, column).value for column in range(1, 8)] for row in (3, 4, 5)] == [
        [hyperlink, "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3", hyperlink, "\t=1", f"5 人（{hyperlink}）"],
        [None, None, "=1+1", "@SUM(A1)", "+1", "=A1", "=1+1"],
        [None, None, "-差额", None, None, None, "-2 元"],
    ]
    assert (scores["A1"].value, scores["A6"].value) == (hyperlink, f"{hyperlink} 小计")
    assert sum(cell.parent.title == "评分表" for cell in looks_like_formula) == 15
    assert book["评分过程"]["A1"].value == hyperlink and book["评分过程"]["A1"].quotePrefix

    with zipfile.ZipFile("r.xlsx") as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert len(sheets) == 4
        for name in sheets:
            xml = archive.read(name).decode("utf-8")
            assert re.search(r"<(?:\w+:)?f[\s/>]", xml) is None, name
            assert 't="str"' not in xml and 't="e"' not in xml, name


# ---- HTML ------------------------------------------------------------------------------------------------


class Page(HTMLParser):
    """An HTML document read back: its tags (every one closed, in order), its text, and its tables as rows of
    (attributes, text) cells."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "wbr"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.tables: list[list[list[tuple[dict[str, str | None], str]]]] = []
        self.in_cell = False
        self.feed(text)
        self.close()
        if self.open:
            self.problems.append(f"never closed: {self.open}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append((dict(attrs), ""))
            self.in_cell = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:]}")
            return
        self.open.pop()
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.in_cell:
            attrs, text = self.tables[-1][-1][-1]
            self.tables[-1][-1][-1] = (attrs, text + data)


def spread(rows: list[list[tuple[dict[str, str | None], str]]]) -> tuple[list[list[str]], list[tuple[int, int, int]]]:
    """A table's rows with rowspan/colspan spread out: each covered slot holds its cell's text. Also the
    rowspans, as (column, first row, last row)."""
    slots: dict[tuple[int, int], str] = {}
    spans = []
    for number, row in enumerate(rows):
        column = 0
        for attrs, text in row:
            while (number, column) in slots:
                column += 1
            down, across = int(attrs.get("rowspan") or 1), int(attrs.get("colspan") or 1)
            if down > 1:
                spans.append((column, number, number + down - 1))
            for row_offset in range(down):
                for column_offset in range(across):
                    slots[(number + row_offset, column + column_offset)] = text
            column += across
    width = 1 + max(column for _, column in slots)
    return [[slots.get((number, column), "<missing>") for column in range(width)]
            for number in range(len(rows))], sorted(spans)


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def test_html_report_of_the_seed(capsys: pytest.CaptureFixture[str]) -> None:
    text = succeeded(capsys, "eval", RULES, "-f", FACTS, "--format", "html")
    assert text == pe.render(seed_result(), "html", findings=seed_findings())
    page = Page(text)
    assert page.problems == []
    assert text.startswith("<!DOCTYPE html>\n")
    for outside in ("http://", "https://", "src=", "<script", "<link", "url(", "@import"):
        assert outside not in text, outside
    assert {tag for tag, _ in page.tags} <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "table",
                                             "colgroup", "col", "thead", "tbody", "tr", "th", "td", "p", "b", "pre",
                                             "code"}
    style = re.search(r"<style>(.*?)</style>", text, re.DOTALL)
    assert style is not None and re.search(r"@page\s*\{[^}]*size:\s*A4 landscape", style.group(1))

    document = json_document(succeeded(capsys, "eval", RULES, "-f", FACTS, "--format", "json"))
    rows, merges = layout(document)
    scores, audit_table = page.tables
    grid, spans = spread(scores)
    assert grid[0] == HEADERS
    assert grid[1:] == [[as_text(value) for value in cells] for _, cells in rows]
    assert spans == [(column, first + 1, last + 1) for column, first, last in merges]
    assert [attrs.get("colspan") for row in scores[1:] for attrs, _ in row if "colspan" in attrs] == ["7"] * 5
    assert [[text for _, text in row] for row in audit_table] == [
        ["perfeval 版本 version", document["audit"]["perfeval_version"]],
        ["评价时间 evaluated at (UTC)", "2026-01-01T00:00:00Z"],
        ["规则文件 rules", RULES],
        ["规则 SHA-256", document["audit"]["rules_sha256"]],
        ["事实 facts", FACTS],
        ["事实 SHA-256", document["audit"]["facts_sha256"]],
    ]
    shown = "".join(page.text)
    assert pe.render(seed_result(), "text", width=120).rstrip() in shown
    assert all(render_diagnostic(d) in shown for d in seed_findings())


MARKUP_RULES = """\
title "<script>alert(1)</script> & 报告 | 表"
total 10
fact 人数: 人
group "<script>alert(1)</script>" weight 10 {
  group "A & B | C" weight 10 {
    indicator "x<y>z & w|v" weight 6 {
      explanation "a|b`c*d_e[f](g)\\h &amp; &#60;"
      standard "<script>alert(1)</script> ``` <img src=x onerror=alert(2)>"
      target "1 < 2 | 3 > 2"
      score 6 if 人数 >= 3 人 else 0
    }
    indicator 第二 weight 4 {
      score 4 if 人数 >= 10 人 else 0
    }
  }
}
"""
MARKUP_FACTS = """\
人数:
  value: 5 人
  note: "<i>注</i> | & **粗**"
"""
MARKUP_TEXTS = ["<script>alert(1)</script> & 报告 | 表", "<script>alert(1)</script>", "A & B | C", "x<y>z & w|v",
                "a|b`c*d_e[f](g)\\h &amp; &#60;", "<script>alert(1)</script> ``` <img src=x onerror=alert(2)>",
                "1 < 2 | 3 > 2", "5 人（<i>注</i> | & **粗**）"]


def markup_result(tmp_path: Path, rules: str = MARKUP_RULES, facts: str = MARKUP_FACTS) -> pe.Result:
    (tmp_path / "rules.perfeval").write_text(rules, encoding="utf-8")
    (tmp_path / "facts.yaml").write_text(facts, encoding="utf-8")
    return pe.evaluate(pe.load_rules(tmp_path / "rules.perfeval"), pe.load_facts(tmp_path / "facts.yaml"))


def test_html_escapes_everything_the_user_wrote(tmp_path: Path) -> None:
    result = markup_result(tmp_path)
    text = pe.render(result, "html")
    page = Page(text)
    assert page.problems == []
    assert {tag for tag, _ in page.tags} & {"script", "img", "i"} == set()
    assert "<script" not in text and "<img" not in text and "<i>" not in text
    assert re.findall(r"&(?!(?:amp|lt|gt|quot|#x27);)", text) == []  # every & starts an entity
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    grid, spans = spread(page.tables[0])
    assert grid[1][:7] == MARKUP_TEXTS[1:]
    assert grid[2][:3] == ["<script>alert(1)</script>", "A & B | C", "第二"]
    assert spans == [(0, 1, 2), (1, 1, 2)]
    shown = "".join(page.text)
    assert shown.count(MARKUP_TEXTS[0]) == 3  # <title>, <h1> and the trace's first line


# ---- Markdown --------------------------------------------------------------------------------------------


def table_lines(markdown: str) -> list[str]:
    """The lines of the report's table: from its header to the first line that is not a row."""
    lines = markdown.split("\n")
    start = lines.index("| " + " | ".join(HEADERS) + " |")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[start:end]


def cells_of(line: str) -> list[str]:
    """A Markdown table row's cells, unescaped: split at `|` not preceded by a backslash."""
    inner = line.strip()[1:-1]
    cells = re.split(r"(?<!\\)\|", inner)
    out = []
    for cell in cells:
        text = cell.strip()
        bold = re.fullmatch(r"\*\*(.*)\*\*", text)
        text = bold.group(1) if bold else text
        out.append(html.unescape(re.sub(r"\\(.)", r"\1", text)))
    return out


def test_markdown_report_of_the_seed_is_the_golden_report(capsys: pytest.CaptureFixture[str],
                                                          request: pytest.FixtureRequest) -> None:
    text = succeeded(capsys, "eval", RULES, "-f", FACTS, "--format", "md")
    assert text == pe.render(seed_result(), "md", findings=seed_findings())
    if request.config.getoption("--bless", default=False):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_markdown_table_of_the_seed(capsys: pytest.CaptureFixture[str]) -> None:
    text = succeeded(capsys, "eval", RULES, "-f", FACTS, "--format", "md")
    document = json_document(succeeded(capsys, "eval", RULES, "-f", FACTS, "--format", "json"))
    lines = table_lines(text)
    assert len(lines) == 2 + 34  # header, separator, 29 indicators, 3 小计, 合计, 评价等级
    assert lines[1] == "|---|---|---|---|---|---|---|---:|---:|"
    rows, _ = layout(document)
    expected = []
    previous: list[Any] = []
    for kind, cells in rows:  # a group's name only on its first row, as a printed table reads
        if kind == "indicator":
            levels = [name if cells[: index + 1] != previous[: index + 1] else ""
                      for index, name in enumerate(cells[: LEVELS - 1])]
            expected.append([*levels, *(as_text(value) for value in cells[LEVELS - 1:])])
            previous = cells
        else:
            expected.append([cells[0], *[""] * (LABEL_COLUMNS - 1), *(as_text(value) for value in cells[7:])])
            previous = []
    assert [cells_of(line) for line in lines[2:]] == expected
    assert "总分 98 / 100，评价等级 **优**。" in text.split("\n")


def test_markdown_escapes_cells_and_lengthens_the_fence(tmp_path: Path) -> None:
    text = pe.render(markup_result(tmp_path), "md")
    assert text.startswith("# &lt;script&gt;alert(1)&lt;/script&gt; &amp; 报告 \\| 表\n")
    assert "<script" not in text.split("## 评分过程 Trace")[0]  # the trace is in a fence: text, not HTML
    lines = table_lines(text)
    assert len(lines) == 2 + 5
    assert [len(re.findall(r"(?<!\\)\|", line)) for line in lines] == [len(HEADERS) + 1] * 7
    assert cells_of(lines[2])[:7] == MARKUP_TEXTS[1:]
    assert "| x&lt;y&gt;z &amp; w\\|v |" in lines[2]
    # The standard holds ``` and the trace shows it: the trace's fence is longer.
    trace = pe.render(markup_result(tmp_path), "text", width=120).rstrip("\n")
    assert "```" in trace
    assert f"## 评分过程 Trace\n\n````text\n{trace}\n````\n" in text


def test_markdown_reads_back_through_a_commonmark_parser(tmp_path: Path) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    result = markup_result(tmp_path)
    page = Page(parser.render(pe.render(result, "md")))
    assert page.problems == []
    assert {tag for tag, _ in page.tags} & {"script", "img", "i"} == set()
    table = [[text for _, text in row] for row in page.tables[0]]
    assert table[0] == HEADERS
    assert [row[:7] for row in table[1:3]] == [MARKUP_TEXTS[1:], ["", "", "第二", "", "", "", MARKUP_TEXTS[-1]]]
    assert [row[7:] for row in table[1:]] == [["6", "6"], ["4", "0"], ["10", "6"], ["10", "6"], ["", "中"]]
    assert "h1" in {tag for tag, _ in page.tags} and MARKUP_TEXTS[0] in "".join(page.text)
    code = re.findall(r"<pre><code class=\"language-text\">(.*?)</code></pre>", parser.render(pe.render(result, "md")),
                      re.DOTALL)
    assert html.unescape(code[-1]) == pe.render(result, "text", width=120).rstrip("\n") + "\n"


def test_a_carriage_return_in_a_note_does_not_split_the_markdown_row(tmp_path: Path) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    result = markup_result(tmp_path, facts='人数:\n  value: 5 人\n  note: "上半年\\r下半年"\n')
    page = Page(markdown_it.MarkdownIt("commonmark").enable("table").render(pe.render(result, "md")))
    table = [[text for _, text in row] for row in page.tables[0]]
    assert len(table) == 1 + 5
    assert "上半年" in table[1][6] and "下半年" in table[1][6]


# ---- the command line ------------------------------------------------------------------------------------


def test_xlsx_without_an_output_file_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "eval", str(ROOT / RULES), "-f", str(ROOT / FACTS), "--format", "xlsx")
    assert (code, out) == (2, "")
    assert err.startswith("Usage: ")
    assert "Error: an Excel workbook cannot be shown in the terminal: add -o FILE.xlsx to write it" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("format", ["md", "html"])
def test_md_and_html_go_to_standard_output_or_to_the_file(format: str, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    out = succeeded(capsys, "eval", RULES, "-f", FACTS, "--format", format)
    assert out == pe.render(seed_result(), format, findings=seed_findings())
    target = tmp_path / f"report.{format}"
    assert succeeded(capsys, "eval", RULES, "-f", FACTS, "--format", format, "-o", str(target)) == ""
    assert target.read_text(encoding="utf-8") == out
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_xlsx_is_written_to_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"an older report")
    assert succeeded(capsys, "eval", RULES, "-f", FACTS, "--format", "xlsx", "-o", str(target)) == ""
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]
    book = openpyxl.load_workbook(target)
    assert book["评分表"]["A1"].value == "安宁市公共就业和人才服务中心 2020 年度部门整体支出绩效评价"
    assert book["发现"].max_row == 1 + 6  # the command line adds `perfeval check`'s findings


# ---- 实际完成值 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("indicator", "actual"), [
    ("部门绩效目标的合理性、明确性、量化度", "100%"),  # the subject of its tiers, a derived value
    ("基本支出执行偏差率", "0%"),
    ("补助资金到位率", "100%"),
    ("资产管理制度", "制定并实施"),  # a judgement
    ("职能设置明确性", "清晰合理"),
    ("公益性岗位补贴", "95 人（平均每月 95 人左右）"),  # a fact with the report's wording as its note
    ("农村劳动力转移收入", "8,217.07 万元"),
])
def test_actual_value_of_the_seed(indicator: str, actual: str) -> None:
    assert actual_value(seed_result().indicator(indicator)) == actual


def test_actual_value_without_one_subject_lists_every_fact_read() -> None:
    rules = pe.parse_rules("""\
total 10
fact 甲: 人
fact 乙: 人
indicator 两项 weight 10 {
  score 10 if 甲 >= 3 人 else 5 if 乙 >= 2 人 else 0
}
""", filename="t.perfeval")
    result = pe.evaluate(rules, {"甲": "1 人", "乙": {"value": "5 人", "note": "约 5 人"}})
    assert actual_value(result.indicator("两项")) == "甲 1 人；乙 5 人（约 5 人）"


def test_actual_value_of_a_condition_on_two_facts_shows_both() -> None:
    rules = pe.parse_rules("""\
total 10
fact 甲: 人
fact 乙: 人
indicator 两项 weight 10 {
  score 10 if 甲 >= 3 人 and 乙 >= 2 人 else 0
}
""", filename="t.perfeval")
    result = pe.evaluate(rules, {"甲": "5 人", "乙": "1 人"})
    assert result.total == 0
    shown = actual_value(result.indicator("两项"))
    assert "5 人" in shown and "1 人" in shown


def test_the_workbook_is_byte_for_byte_reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    first = pe.render(seed_result(), "xlsx")
    time.sleep(1.1)  # a later second on the clock must not show in the file
    assert pe.render(seed_result(), "xlsx") == first
    with zipfile.ZipFile(io.BytesIO(first)) as book:
        assert {info.date_time for info in book.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")  # a day later: other dates, other bytes
    assert pe.render(seed_result(), "xlsx") != first


def test_each_score_row_is_as_high_as_its_longest_wrapped_cell(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(io.BytesIO(pe.render(seed_result(), "xlsx")))
    sheet = book["评分表"]
    heights = {row: sheet.row_dimensions[row].height for row in range(3, sheet.max_row + 1)}
    # row 6: 部门绩效目标的合理性、明确性、量化度 with its long explanation and standard wraps to several lines
    assert heights[6] == 15 * 4 + 3
    # 职能设置明确性 is 14 columns wide in a column of 14: two lines (the merged group cells do not count)
    assert heights[3] == 15 * 2 + 3
    assert heights[7] == 15 * 1 + 3  # 部门决策 小计
    assert sheet.cell(row=7, column=1).value == "部门决策 小计"
