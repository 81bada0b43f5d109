"""Many units at once: a table with one row per unit, or a folder of facts files.

A unit table is a CSV file (UTF-8, as Excel's "CSV UTF-8" writes it): the first row names the columns, the
first column holds each unit's name (its header is free, e.g. 单位名称), and every other column is a fact,
headed by the fact's name as the rule file declares it. Cells hold values as a facts file writes them
(`8,567,111.51 元`, `4.89%`, `制定并实施`); an empty cell means the fact is not given. Every value keeps its
place in the file, so a mistake is reported at its row and column. A folder holds one facts file per unit
(.yaml, .toml or .json), the unit named after the file's stem.

`read_units` yields each unit's facts, or the diagnostics that kept a unit from being read, so a batch can
report a broken unit and go on. Imports `facts`, `source`, `errors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from perfeval_dsl.errors import Chinese, Diagnostic, PerfevalError, error
from perfeval_dsl.facts import FACT_FORMATS, Facts, FactValue, control_problem, load_facts, read_text
from perfeval_dsl.source import Source, Span, first_control, printable
from perfeval_dsl.values import plain

TABLE_FORMATS = (".csv", ".xlsx")


@attrs.frozen
class Unit:
    """One unit of a batch: its name, and its facts or what kept them from being read."""

    name: str
    facts: Facts | None
    diagnostics: tuple[Diagnostic, ...] = ()
    row: int | None = None  # the table's row, when the row names no unit (its name is then `row N`)


def read_units(path: Path) -> Iterator[Unit]:
    """The units of a unit table (CSV) or a folder of facts files. Raises PerfevalError when `path` itself
    cannot be read (missing, not UTF-8, no header)."""
    if path.is_dir():
        yield from _folder(path)
        return
    if not path.exists():
        raise PerfevalError([error("PE001", f"there is no file `{path}`", path=str(path),
                                   help="check the path; it is taken relative to the current folder",
                                   zh=Chinese(f"没有文件 `{path}`", help="请检查路径；路径相对于当前文件夹"))])
    if path.suffix.lower() not in TABLE_FORMATS:
        raise PerfevalError([error("PE004", f"`{path}` is neither a folder of facts files nor a unit table",
                                   path=str(path),
                                   help="give a .csv or .xlsx file with one row per unit, or a folder of "
                                        ".yaml/.toml/.json/.xlsx/.csv facts files",
                                   zh=Chinese(f"`{path}` 既不是存放事实文件的文件夹，也不是单位表",
                                              help="请给出每个单位一行的 .csv 或 .xlsx 文件，或存放 "
                                                   ".yaml/.toml/.json/.xlsx/.csv 事实文件的文件夹"))])
    if path.suffix.lower() == ".xlsx":
        from perfeval_dsl.spreadsheet import xlsx_units

        yield from xlsx_units(path)
        return
    yield from _table(read_text(path, "MAX_TABLE_BYTES"))


def _folder(folder: Path) -> Iterator[Unit]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FACT_FORMATS
                   and not p.name.startswith("~$"))  # Excel's lock file of an open workbook
    if not files:
        raise PerfevalError([error("PE001", f"the folder `{folder}` holds no facts files", path=str(folder),
                                   help="put one .yaml, .toml or .json facts file per unit in it",
                                   zh=Chinese(f"文件夹 `{folder}` 中没有事实文件",
                                              help="请在其中为每个被评价单位放一个 .yaml、.toml 或 .json 事实文件"))])
    seen: dict[str, Path] = {}
    for file in files:
        if file.stem in seen:
            yield Unit(file.stem, None, (error(
                "PE406", f"two facts files are for the unit `{file.stem}`: `{seen[file.stem].name}` and "
                         f"`{file.name}`", path=str(file),
                help="keep one facts file per unit; the unit is named after the file",
                zh=Chinese(f"有两个事实文件对应被评价单位 `{file.stem}`：`{seen[file.stem].name}` 和 `{file.name}`",
                           help="每个被评价单位只保留一个事实文件；被评价单位以文件名命名")),))
            continue
        seen[file.stem] = file
        try:
            yield Unit(file.stem, load_facts(file))
        except PerfevalError as failure:
            yield Unit(file.stem, None, failure.diagnostics)


def _cells(line: str, start: int) -> Iterator[tuple[int, int, str]]:
    """The cells of one CSV record on one line: (start, end, value), offsets into the whole text.

    RFC 4180 quoting: a cell in double quotes may hold commas, and `""` stands for one quote.
    """
    position = 0
    length = len(line)
    while True:
        if position < length and line[position] == '"':
            end = position + 1
            value = []
            while end < length:
                if line[end] == '"':
                    if end + 1 < length and line[end + 1] == '"':
                        value.append('"')
                        end += 2
                        continue
                    break
                value.append(line[end])
                end += 1
            else:
                raise ValueError(start + position, "unclosed")
            cell_end = end + 1
            yield start + position, start + cell_end, "".join(value)
            position = cell_end
            while position < length and line[position] in " \t":  # Excel writes none; people do
                position += 1
            if position < length and line[position] != ",":
                raise ValueError(start + position, "after")
        else:
            comma = line.find(",", position)
            cell_end = length if comma < 0 else comma
            yield start + position, start + cell_end, line[position:cell_end]
            position = cell_end
        if position >= length:
            return
        position += 1  # the comma
        if position == length:
            yield start + position, start + position, ""
            return


@attrs.frozen
class Cell:
    """One cell of a unit table: its value (text from a CSV file; text, a number or a yes/no from a
    workbook; None or blank when empty) and where it is."""

    value: Any
    span: Span

    @property
    def empty(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value).strip()


HEADER_WORDS = {"名称", "事实", "指标", "fact", "name", "值", "数值", "实际值", "实际完成值", "value", "单位", "unit",
                "来源", "说明", "备注", "source", "note"}


def key_value_facts(name: str, rows: Iterable[list[Cell]], diagnostics: Iterable[Diagnostic] = (),
                    sha256: str | None = None) -> Facts:
    """One unit's facts from a key/value sheet (CSV or a workbook's sheet): a fact per row, its name, its
    value, then optionally its unit and a note; a first row of column titles (名称, 值, 单位, 备注…) is
    skipped, and a row without a value is left out. Raises PerfevalError for a name given twice or holding a
    control character."""
    values: dict[str, FactValue] = {}
    problems: list[Diagnostic] = []
    for index, cells in enumerate(rows):
        if len(cells) < 2 or cells[0].empty:
            continue
        fact_name = cells[0].text
        if index == 0 and fact_name.lower() in HEADER_WORDS:
            continue
        cell = cells[1]
        if cell.empty:
            continue
        value = cell.value.strip() if isinstance(cell.value, str) else cell.value
        unit = cells[2].text if len(cells) > 2 else ""
        if unit and not isinstance(value, bool):
            value = f"{value if isinstance(value, str) else plain(value)} {unit}"
        note = cells[3].text if len(cells) > 3 and not cells[3].empty else None
        fact = FactValue(name=fact_name, value=value, span=cell.span, note=note, key_span=cells[0].span)
        problem = control_problem(fact)
        if problem is None and fact_name in values:
            problem = error("PE406", f"the fact `{fact_name}` is given twice", fact.key_span, "given again",
                            help="give each fact one row",
                            zh=Chinese(f"事实 `{fact_name}` 给出了两次", "再次给出", "每个事实只占一行"))
        if problem is not None:
            problems.append(problem)
            continue
        values[fact_name] = fact
    if problems:
        raise PerfevalError(problems)
    return Facts(name=name, values=values, diagnostics=tuple(diagnostics), sha256=sha256)


def load_csv_facts(path: Path) -> Facts:
    """One unit's facts from a CSV key/value sheet (see `key_value_facts`)."""
    source = read_text(path)
    rows = []
    for offset, line in _lines(source.text):
        try:
            rows.append([Cell(value, source.span(start, max(end, start + 1)))
                         for start, end, value in _cells(line, offset)])
        except ValueError as exc:
            raise PerfevalError([_unclosed(source, exc)]) from None
    return key_value_facts(source.name, rows, sha256=source.sha256)


def _lines(text: str) -> list[tuple[int, str]]:
    """The non-blank lines of a CSV text, each with its offset (a CR before the line end is dropped)."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for raw in text.split("\n"):
        line = raw.removesuffix("\r")
        if line.strip():
            lines.append((offset, line))
        offset += len(raw) + 1
    return lines


def header_names(header: list[Cell]) -> list[str]:
    """The fact names of a unit table's header row (its first cell heads the units' names). Raises
    PerfevalError for a column without a name or a name given twice."""
    names = [cell.text for cell in header]
    problems = []
    for column, (cell, name) in enumerate(zip(header, names, strict=True)):
        if column == 0:
            continue
        if not name:
            problems.append(error("PE406", "a column has no name", cell.span, "no name",
                                  help="head every column with the name of a fact, as the rule file declares it",
                                  zh=Chinese("有一列没有列名", "没有列名",
                                             "请用规则文件声明的事实名称作为每一列的列名")))
        elif name in names[1:column]:
            problems.append(error("PE406", f"two columns are headed `{name}`", cell.span, "named again",
                                  help="give each fact one column",
                                  zh=Chinese(f"有两列的列名都是 `{name}`", "重复列名", "每个事实只占一列")))
    if problems:
        raise PerfevalError(problems)
    return names


def row_unit(table: str, names: list[str], header: list[Span], row_number: int, cells: list[Cell], seen: set[str],
             warnings: tuple[Diagnostic, ...] = (), table_sha256: str | None = None) -> Unit:
    """One row of a unit table as a unit: its facts, or the problems that keep it from being scored. `seen`
    collects the units' names, so a second row of one unit is refused; `table_sha256` is the table file's
    digest, which the unit's audit record names."""
    unnamed = None if cells and not cells[0].empty else row_number
    unit_name = cells[0].text if unnamed is None else f"row {row_number}"
    control = first_control(unit_name)
    if control is not None:
        return Unit(printable(unit_name), None, (error(
            "PE406", f"the unit's name holds a control character (U+{ord(unit_name[control]):04X})", cells[0].span,
            "control character", help="delete it; it often comes from copying text out of another program",
            zh=Chinese(f"被评价单位的名称中有控制字符（U+{ord(unit_name[control]):04X}）", "控制字符",
                       "请删除它；它常来自从其他程序复制的文字")),))
    beyond = [cell for cell in cells[len(names):] if not cell.empty]
    if beyond:
        return Unit(unit_name, None, row=unnamed, diagnostics=(error(
            "PE406", f"row {row_number} has {len(cells)} cells, but the header names {len(names)} columns",
            beyond[0].span, "no column for this cell",
            help="check for a comma inside a value: write such a value in double quotes, e.g. \"8,567,111.51 元\"",
            zh=Chinese(f"第 {row_number} 行有 {len(cells)} 个单元格，但表头只有 {len(names)} 列",
                       "这个单元格没有对应的列",
                       "请检查值中是否有逗号：这样的值请放在双引号里，例如 \"8,567,111.51 元\"")),))
    if unit_name in seen:
        return Unit(unit_name, None, row=unnamed, diagnostics=(error(
            "PE406", f"the unit `{unit_name}` has two rows", cells[0].span, "named again",
            help="give each unit one row, or tell them apart by name",
            zh=Chinese(f"被评价单位 `{unit_name}` 有两行", "重复的名称",
                       "每个被评价单位只占一行，或用名称把它们区分开")),))
    seen.add(unit_name)
    values: dict[str, FactValue] = {}
    problems = []
    for cell, name, key_span in zip(cells[1:], names[1:], header[1:], strict=False):
        if cell.empty:
            continue
        fact = FactValue(name=name, value=cell.value.strip() if isinstance(cell.value, str) else cell.value,
                         span=cell.span, key_span=key_span)
        problem = control_problem(fact)
        if problem is not None:
            problems.append(problem)
        values[name] = fact
    if problems:
        return Unit(unit_name, None, tuple(problems), row=unnamed)
    return Unit(unit_name, Facts(name=f"{table} ({unit_name})", values=values, diagnostics=warnings,
                                 sha256=table_sha256), row=unnamed)


@attrs.frozen
class Table:
    """A unit table's header and its non-blank lines (each with its offset), ready to read row by row."""

    source: Source
    names: list[str]  # the header's cells: the column of units' names, then one fact per column
    header_spans: list[Span]
    lines: list[tuple[int, str]]  # the rows after the header

    def unit(self, index: int, seen: set[str]) -> Unit:
        """The unit of row `index` (0 for the first row after the header); `seen` collects the units' names
        read so far, so that a second row of one unit is refused."""
        row_number = index + 2
        row_start, line = self.lines[index]
        try:
            cells = list(_cells(line, row_start))
        except ValueError as exc:
            first = line.split(",", 1)[0].strip()
            unnamed = None if first and '"' not in first else row_number
            return Unit(first if unnamed is None else f"row {row_number}", None, (_unclosed(self.source, exc),),
                        row=unnamed)
        return row_unit(self.source.name, self.names, self.header_spans, row_number,
                        [Cell(value, self.source.span(start, end)) for start, end, value in cells], seen,
                        table_sha256=self.source.sha256)


def read_table(source: Source) -> Table:
    """The header and rows of a unit table's text. Raises PerfevalError for an empty table or a broken
    header."""
    lines = _lines(source.text)
    if not lines:
        raise PerfevalError([error("PE406", f"`{source.name}` is empty", path=source.name,
                                   help="the first row names the columns: the unit's name, then one fact per column",
                                   zh=Chinese(f"`{source.name}` 是空的",
                                              help="第一行是各列的列名：先是被评价单位的名称，然后每列一个事实"))])
    header_start, header_line = lines[0]
    try:
        header = list(_cells(header_line, header_start))
    except ValueError as exc:
        raise PerfevalError([_unclosed(source, exc)]) from None
    names = header_names([Cell(value, source.span(start, max(end, start + 1))) for start, end, value in header])
    return Table(source, names, [source.span(start, end) for start, end, _ in header], lines[1:])


def _table(source: Source) -> Iterator[Unit]:
    table = read_table(source)
    seen: set[str] = set()
    for index in range(len(table.lines)):
        yield table.unit(index, seen)


def _unclosed(source: Source, exc: ValueError) -> Diagnostic:
    at = int(exc.args[0])
    if exc.args[1:] == ("after",):
        return error("PE406", "a quoted cell goes on after its closing quote", source.span(at, at + 1), "here",
                     help='put the whole value inside the quotes, e.g. "8,567,111.51 元", then a comma',
                     zh=Chinese("加引号的单元格在结束引号之后还有内容", "此处",
                                '请把整个值放在引号里，例如 "8,567,111.51 元"，然后是逗号'))
    return error("PE406", "a quoted cell is not closed on its line", source.span(at, at + 1), "here",
                 help='close the quote; a value with a comma is written "8,567,111.51 元", and a quote inside '
                      'one is written twice ("")',
                 zh=Chinese("加引号的单元格在这一行内没有结束", "此处",
                            '请补上结束引号；含逗号的值写作 "8,567,111.51 元"，值中的引号要写两次（""）'))
