"""The 绩效指标评价表 as an Excel workbook (.xlsx), ready to print or to paste into a report.

Sheets: 评分表 (the report's table, hierarchy cells merged, 小计/合计/评价等级 rows, A4 landscape, the header
row repeated on every page), 评分过程 (the reviewer's trace, one line per row), 发现 (the warnings, one per
row) and 审计 (the audit record). Scores and weights are number cells holding the exact decimals; text that
Excel would read as a formula (`= + - @` first) is written as text and marked so (quotePrefix), so opening the
file never runs anything a rule file or a facts file carried.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from perfeval_dsl.errors import Diagnostic, render
from perfeval_dsl.report.table import TEXT_COLUMNS, ScoreTable, audit_rows, report_words, score_table
from perfeval_dsl.report.trace import trace_text
from perfeval_dsl.result import Result
from perfeval_dsl.source import display_width

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEETS = ("评分表", "评分过程", "发现", "审计")
_TEXT_WIDTHS = {"指标解释": 24, "评分标准": 40, "绩效目标值": 16, "实际完成值": 16}


def xlsx_report(result: Result, findings: Sequence[Diagnostic] = (), lang: str = "en") -> bytes:
    """The workbook's bytes. `findings` are warnings found in the rules (`perfeval check`), shown with the
    result's own. With `lang="zh"` the trace, the findings and the audit record are in Chinese."""
    from openpyxl import Workbook

    report_words(lang)  # an unknown language fails before any sheet is built
    book = Workbook()
    table = score_table(result)
    _score_sheet(book.active, table)
    _trace_sheet(book.create_sheet(SHEETS[1]), result, lang)
    _findings_sheet(book.create_sheet(SHEETS[2]), [*result.diagnostics, *findings], lang)
    _audit_sheet(book.create_sheet(SHEETS[3]), result, lang)
    book.properties.title = result.title
    book.properties.creator = "perfeval"
    return workbook_bytes(book, result.evaluated_at)


def workbook_bytes(book: Any, evaluated_at: datetime.datetime) -> bytes:
    """The saved workbook, reproducible: its dates (the document's created and modified, and each part's time
    in the zip) are the evaluation's, not the wall clock's, so the same inputs give the same bytes (with
    `SOURCE_DATE_EPOCH`, as for JSON)."""
    when = evaluated_at.astimezone(datetime.UTC).replace(tzinfo=None)
    book.properties.created = when
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl stamps `modified` with the clock here; set it again below
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as saved, \
            zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as fixed:
        for entry in saved.infolist():
            data = saved.read(entry)
            if entry.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", data)
            info = zipfile.ZipInfo(entry.filename, date_time=max(when, datetime.datetime(1980, 1, 1)).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            fixed.writestr(info, data)
    return output.getvalue()


def put(sheet: Any, row: int, column: int, value: str | Decimal | None) -> Any:
    """Write one cell: a number as a number, text always as text (never a formula)."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, Decimal):
        cell.value = value
        return cell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _score_sheet(sheet: Any, table: ScoreTable) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    sheet.title = SHEETS[0]
    headers = table.headers
    levels = len(table.level_headers)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
    title = put(sheet, 1, 1, table.title)
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.row_dimensions[1].height = 30
    for column, header in enumerate(headers, start=1):
        cell = put(sheet, 2, column, header)
        cell.font = Font(bold=True)
        cell.alignment = centred
        cell.border = border
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    first = 3
    for offset, row in enumerate(table.rows):
        number = first + offset
        values: list[str | Decimal | None] = [*row.levels, *row.texts, row.weight, row.score]
        for column, value in enumerate(values, start=1):
            cell = put(sheet, number, column, value)
            cell.border = border
            cell.alignment = centred if column <= levels or column > levels + len(TEXT_COLUMNS) else wrap
            if row.kind != "indicator":
                cell.font = Font(bold=True)
        if row.kind != "indicator":  # the row's label across the level and text columns
            sheet.merge_cells(start_row=number, start_column=1, end_row=number,
                              end_column=levels + len(TEXT_COLUMNS))
    for merge in table.merges:
        sheet.merge_cells(start_row=first + merge.first, start_column=merge.column + 1,
                          end_row=first + merge.last, end_column=merge.column + 1)
    widths = [14 if column <= levels else _TEXT_WIDTHS.get(header, 10) for column, header in
              enumerate(headers, start=1)]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    # Excel and LibreOffice size a row to its wrapped text only when it is edited, so a new file would show
    # long standards cut off: give each row the height its longest cell needs.
    merged = {(first + m.first, m.column + 1) for m in table.merges}
    for offset, row in enumerate(table.rows):
        number = first + offset
        cells = [*row.levels, *row.texts] if row.kind == "indicator" else []
        lines = max([1, *(_lines_needed(text, widths[column - 1]) for column, text in enumerate(cells, start=1)
                          if (number, column) not in merged)])
        sheet.row_dimensions[number].height = 15 * lines + 3
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _lines_needed(text: str, width: float) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (a Chinese character is two)."""
    room = max(1, int(width) - 1)
    return sum(max(1, -(-display_width(part) // room)) for part in text.split("\n")) if text else 1


def _trace_sheet(sheet: Any, result: Result, lang: str) -> None:
    from openpyxl.styles import Font

    for number, line in enumerate(trace_text(result, width=120, lang=lang).rstrip("\n").split("\n"), start=1):
        put(sheet, number, 1, line).font = Font(name="Consolas")
    sheet.column_dimensions["A"].width = 160


def _findings_sheet(sheet: Any, diagnostics: Sequence[Diagnostic], lang: str) -> None:
    from openpyxl.styles import Alignment, Font

    words = report_words(lang)
    headers = [words[key] for key in ("code", "severity", "location", "message", "text")]
    for column, header in enumerate(headers, start=1):
        put(sheet, 1, column, header).font = Font(bold=True)
    for number, diagnostic in enumerate(diagnostics, start=2):
        put(sheet, number, 1, diagnostic.code)
        put(sheet, number, 2, diagnostic.severity_in(lang))
        put(sheet, number, 3, diagnostic.location or "")
        put(sheet, number, 4, diagnostic.message_in(lang))
        put(sheet, number, 5, render(diagnostic, lang)).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (10, 12, 40, 60, 100), strict=True):
        sheet.column_dimensions[letter].width = width


def _audit_sheet(sheet: Any, result: Result, lang: str) -> None:
    from openpyxl.styles import Font

    for number, row in enumerate(audit_rows(result, lang), start=1):
        put(sheet, number, 1, row.label).font = Font(bold=True)
        put(sheet, number, 2, row.value)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 70
