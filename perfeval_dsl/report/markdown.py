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
from perfeval_dsl.report.table import NUMBER_COLUMNS, TableRow, score_table
from perfeval_dsl.report.trace import trace_text
from perfeval_dsl.result import Result
from perfeval_dsl.values import plain


def markdown_report(result: Result, findings: Sequence[Diagnostic] = ()) -> str:
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
    lines += ["## 发现 Findings", ""]
    lines += [fenced("\n\n".join(render(d) for d in diagnostics)), ""] if diagnostics else ["无。None.", ""]
    lines += ["## 评分过程 Trace", "", fenced(trace_text(result, width=120).rstrip("\n")), ""]
    audit = result.audit
    lines += ["## 审计 Audit record", "", "| | |", "|---|---|",
              f"| perfeval 版本 version | {cell(audit.perfeval_version)} |",
              f"| 评价时间 evaluated at (UTC) | {audit.evaluated_at_text} |",
              f"| 规则文件 rules | {cell(audit.rules)} |",
              f"| 规则 SHA-256 | `{audit.rules_sha256}` |",
              f"| 事实 facts | {cell(audit.facts)} |",
              f"| 事实 SHA-256 | {f'`{audit.facts_sha256}`' if audit.facts_sha256 else '(not read from a file)'} |"]
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
