"""Facts from Excel workbooks (.xlsx): one unit's key/value sheet, or a table with one row per unit.

Cells are read as Excel last saved them: a formula is never evaluated (its cached value is read, with a
warning), and the workbook's XML is parsed through defusedxml (openpyxl uses it when installed), so entity
bombs are refused. A number cell becomes an exact decimal from its shortest text; a cell holding a binary
float artefact (`0.0900000762939453`, what a typed 9% can become) gets a warning with its address; a cell
formatted as a percentage is read as a percentage.

So that every diagnostic can show the cell as it was, the sheet is laid out as text, one line per row, each
cell after its address: `5 | A5 公益性岗位补贴人数 | B5 95 | C5 人`, under the name `表.xlsx[事实]`: the line is
the row. Imports `facts`, `source`, `errors`, `units`.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfeval_dsl.errors import Chinese, Diagnostic, PerfevalError, error, warning
from perfeval_dsl.facts import Facts, check_size
from perfeval_dsl.source import Source, Span

if TYPE_CHECKING:
    from perfeval_dsl.units import Unit


class _Sheet:
    """One worksheet as text lines, with the span of each cell's text."""

    def __init__(self, path: Path, title: str, rows: list[list[tuple[str, Any, str]]], digest: str) -> None:
        lines = []
        self.cells: dict[tuple[int, int], tuple[int, int]] = {}  # (row, column) -> offsets in the text
        offset = 0
        for row_index, row in enumerate(rows, start=1):
            parts = []
            position = offset
            for column_index, (address, _, shown) in enumerate(row):
                piece = f"{address} {shown}"
                start = position + len(address) + 1
                self.cells[(row_index, column_index)] = (start, start + len(shown))
                parts.append(piece)
                position += len(piece) + 3
            line = " | ".join(parts)
            lines.append(line)
            offset += len(line) + 1
        self.source = Source(f"{path}[{title}]", "\n".join(lines), digest)
        self.rows = rows

    def span(self, row: int, column: int) -> Span:
        start, end = self.cells[(row, column)]
        return self.source.span(start, max(end, start + 1))


def _workbook_bytes(path: Path) -> bytes:
    """The workbook file, read once: both of its readings (values, formulas) and its digest use these bytes."""
    check_size(path, "MAX_TABLE_BYTES")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PerfevalError([error("PE003", f"cannot read `{path}`: {exc.strerror or exc}", path=str(path),
                                   help="check that the file exists and that you may read it",
                                   zh=Chinese(f"无法读取 `{path}`：{exc.strerror or exc}",
                                              help="请确认文件存在，并且你有权读取它"))]) from None


def _open(path: Path, data: bytes, data_only: bool) -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency of the package
        raise PerfevalError([error("PE004", "reading .xlsx files needs the openpyxl package", path=str(path),
                                   help="pip install openpyxl defusedxml",
                                   zh=Chinese("读取 .xlsx 文件需要 openpyxl 包",
                                              help="请运行 pip install openpyxl defusedxml"))]) from None
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # a broken or not-really-xlsx file, an XML bomb refused by defusedxml
        raise PerfevalError([error("PE406", f"`{path}` is not a workbook perfeval can read: {type(exc).__name__}",
                                   path=str(path), help="save it again from Excel as .xlsx (Excel 工作簿)",
                                   zh=Chinese(f"`{path}` 不是 perfeval 能读取的工作簿：{type(exc).__name__}",
                                              help="请在 Excel 中重新另存为 .xlsx（Excel 工作簿）"))]) from None


def _cell_text(value: Any, number_format: str) -> tuple[Any, str, bool]:
    """(the value as perfeval reads it, the text shown, whether it looks like a float artefact)."""
    if value is None:
        return None, "", False
    if isinstance(value, bool):
        return value, "true" if value else "false", False
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat(), value.isoformat(), False
    else:
        text = str(value).strip()
        return text, text, False
    artefact = isinstance(value, float) and len(number.as_tuple().digits) >= 15
    if "%" in (number_format or ""):
        shown = format(number * 100, "f")
        shown = shown.rstrip("0").rstrip(".") if "." in shown else shown
        return shown + "%", shown + "%", artefact
    shown = format(number, "f")
    return number, shown, artefact


def _is_formula(value: Any) -> bool:
    # A plain formula reads as text starting with `=`; an array formula (Excel 365's dynamic arrays) as an object.
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ == "ArrayFormula"


def _read_sheet(path: Path) -> tuple[_Sheet, list[list[bool]], list[Diagnostic]]:
    """The first worksheet, and which cells hold formulas."""
    data = _workbook_bytes(path)
    values_book = _open(path, data, data_only=True)
    formulas_book = _open(path, data, data_only=False)
    try:
        return _rows(path, values_book, formulas_book, hashlib.sha256(data).hexdigest())
    except PerfevalError:
        raise
    except Exception as exc:  # a sheet broken after its first rows: openpyxl reads rows only as they are iterated
        raise PerfevalError([error("PE406", f"`{path}` is not a workbook perfeval can read: {type(exc).__name__} "
                                            "in its first sheet", path=str(path),
                                   help="save it again from Excel as .xlsx (Excel 工作簿)",
                                   zh=Chinese(f"`{path}` 不是 perfeval 能读取的工作簿：第一个工作表中出现 "
                                              f"{type(exc).__name__}",
                                              help="请在 Excel 中重新另存为 .xlsx（Excel 工作簿）"))]) from None
    finally:
        values_book.close()
        formulas_book.close()


def _rows(path: Path, values_book: Any, formulas_book: Any,
          digest: str) -> tuple[_Sheet, list[list[bool]], list[Diagnostic]]:
    from openpyxl.utils import get_column_letter

    sheet = values_book.worksheets[0]
    formula_sheet = formulas_book.worksheets[0]
    rows: list[list[tuple[str, Any, str]]] = []
    formulas: list[list[bool]] = []
    artefacts: list[tuple[int, int, str]] = []
    for row_index, (row, formula_row) in enumerate(zip(sheet.iter_rows(), formula_sheet.iter_rows(),
                                                       strict=False), start=1):
        cells = []
        marks = []
        for column_index, (cell, formula_cell) in enumerate(zip(row, formula_row, strict=False)):
            # An empty cell keeps its place: the cells after it stay in their columns.
            address = f"{get_column_letter(column_index + 1)}{row_index}"
            value, shown, artefact = _cell_text(getattr(cell, "value", None), getattr(cell, "number_format", ""))
            cells.append((address, value, shown))
            marks.append(_is_formula(getattr(formula_cell, "value", None)))
            if artefact:
                artefacts.append((row_index, column_index, shown))
        while cells and cells[-1][1] is None and not marks[-1]:
            cells.pop()
            marks.pop()
        rows.append(cells)
        formulas.append(marks)
    text_sheet = _Sheet(path, sheet.title, rows, digest)
    notes = [warning("PE410", f"the cell holds {shown}, a binary fraction rather than the number typed",
                     text_sheet.span(r, c), "inexact",
                     help="type the number again, or format the column as text, so the value is what the report "
                          "says; perfeval reads the cell's shortest exact form",
                     zh=Chinese(f"单元格中是 {shown}，这是一个二进制小数，而不是输入的那个数", "不精确",
                                "请重新输入这个数，或把这一列设为文本格式，使值与报告所写一致；"
                                "perfeval 读取的是单元格最短的精确形式"))
             for r, c, shown in artefacts]
    return text_sheet, formulas, notes


def _formula_warning(sheet: _Sheet, row: int, column: int, unsaved: bool = False) -> Diagnostic:
    if unsaved:
        return warning("PE411", "the cell holds a formula with no saved value, so it gives no fact; perfeval "
                                "never computes a formula", sheet.span(row, column), "formula",
                       help="open the workbook in Excel and save it (Excel saves each formula's value), or "
                            "paste the value",
                       zh=Chinese("单元格中是没有保存值的公式，因此它不给出事实；perfeval 从不计算公式", "公式",
                                  "请在 Excel 中打开工作簿并保存（Excel 会保存每个公式的值），或粘贴为数值"))
    return warning("PE411", "the cell holds a formula; perfeval reads the value Excel last saved, and never "
                            "computes a formula", sheet.span(row, column), "formula",
                   help="check that the workbook was saved after its last change (or paste the value)",
                   zh=Chinese("单元格中是公式；perfeval 读取 Excel 最后保存的值，从不计算公式", "公式",
                              "请确认工作簿在最后一次修改后保存过（或粘贴为数值）"))


def load_xlsx_facts(path: Path) -> Facts:
    """One unit's facts from the first sheet: a fact per row (name, value, optional unit, optional note)."""
    from perfeval_dsl.units import Cell, key_value_facts

    sheet, formulas, diagnostics = _read_sheet(path)
    rows = []
    for row_index, row in enumerate(sheet.rows, start=1):
        if len(row) >= 2 and row[0][1] is not None and formulas[row_index - 1][1]:
            diagnostics.append(_formula_warning(sheet, row_index, 1, row[1][1] is None))
        rows.append([Cell(value, sheet.span(row_index, column)) for column, (_, value, _) in enumerate(row)])
    return key_value_facts(str(path), rows, diagnostics, sheet.source.file_sha256)


def xlsx_units(path: Path) -> Iterator[Unit]:
    """The units of a workbook whose first sheet has one row per unit (first column its name, a header row
    naming the facts), read by the same rules as a CSV unit table."""
    from perfeval_dsl.units import Cell, header_names, row_unit
    sheet, formulas, notes = _read_sheet(path)
    if not sheet.rows:
        raise PerfevalError([error("PE406", f"`{path}` has an empty first sheet", path=str(path),
                                   help="the first row names the columns: the unit's name, then one fact per column",
                                   zh=Chinese(f"`{path}` 的第一个工作表是空的",
                                              help="第一行是各列的列名：先是被评价单位的名称，然后每列一个事实"))])
    header = [Cell(value, sheet.span(1, column)) for column, (_, value, _) in enumerate(sheet.rows[0])]
    names = header_names(header)
    header_spans = [cell.span for cell in header]
    seen: set[str] = set()
    for row_index, row in enumerate(sheet.rows[1:], start=2):
        if not row or all(value is None for _, value, _ in row):
            continue
        warnings = [n for n in notes if n.primary is not None and n.primary.span.line_col[0] == row_index]
        warnings += [_formula_warning(sheet, row_index, column, value is None)
                     for column, (_, value, _) in enumerate(row) if column and formulas[row_index - 1][column]]
        cells = [Cell(value, sheet.span(row_index, column)) for column, (_, value, _) in enumerate(row)]
        yield row_unit(str(path), names, header_spans, row_index, cells, seen, tuple(warnings),
                       sheet.source.file_sha256)
