"""A printable report as Markdown: the 绩效指标评价表, the findings, the trace and the audit record.

Markdown tables cannot merge cells, so a group's name is written on its first row only, as a printed table
reads. Everything the user wrote is escaped: a `|` cannot split a cell, and `<`, `>`, `&` become entities, so
text from a rule or facts file never becomes HTML in a viewer; the trace sits in a fence longer than any run
of backticks inside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from perfeval_dsl.errors import Diagnostic, render
from perfeval_dsl.report.table import NUMBER_COLUMNS, TableRow, audit_rows, report_words, score_table
from perfeval_dsl.report.trace import trace_text
from perfeval_dsl.result import Result
from perfeval_dsl.values import plain


def markdown_report(result: Result, findings: Sequence[Diagnostic] = (), lang: str = "en") -> str:
    """The report as Markdown; with `lang="zh"` its headings, findings, trace and audit record in Chinese."""
    words = report_words(lang)
    table = score_table(result)
    lines = [f"# {cell(result.title)}", ""]
    headers = table.headers
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "|".join("---:" if h in NUMBER_COLUMNS else "---" for h in headers) + "|")
    previous: tuple[str, ...] = ()
    for row in table.rows:
        lines.append(_row(row, previous))
        previous = row.levels if row.kind == "indicator" else ()
    lines += ["", f"总分 {plain(result.total)} / {plain(result.max_total)}，评价等级 **{cell(result.grade)}**。", ""]
    diagnostics = [*result.diagnostics, *findings]
    lines += [f"## {words['findings']}", ""]
    lines += ([fenced("\n\n".join(render(d, lang) for d in diagnostics)), ""] if diagnostics
              else [words["no findings"], ""])
    lines += [f"## {words['trace']}", "", fenced(trace_text(result, width=120, lang=lang).rstrip("\n")), ""]
    lines += [f"## {words['audit']}", "", "| | |", "|---|---|"]
    lines += [f"| {row.label} | {f'`{row.value}`' if row.digest else cell(row.value)} |"
              for row in audit_rows(result, lang)]
    return "\n".join(lines) + "\n"


def _row(row: TableRow, previous: tuple[str, ...]) -> str:
    numbers = [plain(row.weight) if row.weight is not None else "",
               plain(row.score) if isinstance(row.score, Decimal) else (row.score or "")]
    if row.kind != "indicator":
        label = [f"**{cell(row.levels[0])}**", *[""] * (len(row.levels) - 1 + len(row.texts))]
        return "| " + " | ".join([*label, *(f"**{cell(n)}**" if n else "" for n in numbers)]) + " |"
    levels = []
    for index, name in enumerate(row.levels):
        repeated = index < len(row.levels) - 1 and row.levels[: index + 1] == previous[: index + 1]
        levels.append("" if repeated else cell(name))
    return "| " + " | ".join([*levels, *(cell(t) for t in row.texts), *numbers]) + " |"


def cell(text: str) -> str:
    """`text` safe inside a Markdown table cell."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\|`*_\[\]])", r"\\\1", text)
    return text.replace("\r\n", "<br>").replace("\r", "<br>").replace("\n", "<br>")


def fenced(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"
