"""A printable report as one HTML file: the 绩效指标评价表, the findings, the trace and the audit record.

Self-contained (its style inline; no script, no font, no image fetched), so it opens in a browser with no
network, and laid out for A4 landscape: the header row repeats on each printed page and a row is never split.
Everything shown is escaped (`html.escape`), so text from a rule or facts file is only ever text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal

from perfeval_dsl.errors import Diagnostic, render
from perfeval_dsl.report.table import TableRow, audit_rows, report_words, score_table
from perfeval_dsl.report.trace import trace_text
from perfeval_dsl.result import Result
from perfeval_dsl.values import plain

STYLE = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", SimSun, sans-serif;
       font-size: 10.5pt; color: #000; margin: 1.5em; }
h1 { font-size: 16pt; text-align: center; }
h2 { font-size: 13pt; margin-top: 1.5em; break-after: avoid; }
table { border-collapse: collapse; width: 100%; }
table.scores { table-layout: fixed; }
td, th { overflow-wrap: anywhere; }
th, td { border: 1px solid #000; padding: 3px 5px; vertical-align: middle; }
th { background: #ddd; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.level { text-align: center; }
td.number { text-align: right; white-space: nowrap; }
tr.sum td { font-weight: bold; }
td.lost { color: #b00; }
pre { font-family: "Sarasa Mono SC", "Noto Sans Mono CJK SC", Consolas, monospace; font-size: 8.5pt;
      white-space: pre-wrap; border: 1px solid #999; padding: 6px; }
.summary { font-size: 12pt; }
table.audit td:first-child { white-space: nowrap; font-weight: bold; }
code { font-family: Consolas, monospace; }
@media print { body { margin: 0; font-size: 9pt; } pre { font-size: 7.5pt; } }
"""


def html_report(result: Result, findings: Sequence[Diagnostic] = (), lang: str = "en") -> str:
    """The report as one HTML page; with `lang="zh"` its headings, findings, trace and audit record in Chinese."""
    words = report_words(lang)
    table = score_table(result)
    merged = {(m.first, m.column): m.last - m.first + 1 for m in table.merges}
    covered = {(row, m.column) for m in table.merges for row in range(m.first + 1, m.last + 1)}
    out = ["<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(result.title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
           f"<h1>{_e(result.title)}</h1>", "<table class=\"scores\">", _columns(len(table.level_headers)),
           "<thead><tr>"]
    out += [f"<th>{_e(header)}</th>" for header in table.headers]
    out += ["</tr></thead>", "<tbody>"]
    levels = len(table.level_headers)
    for index, row in enumerate(table.rows):
        out.append(_row(row, index, levels, merged, covered))
    out += ["</tbody>", "</table>",
            f'<p class="summary">总分 <b>{plain(result.total)}</b> / {plain(result.max_total)}，'
            f"评价等级 <b>{_e(result.grade)}</b>。</p>"]
    diagnostics = [*result.diagnostics, *findings]
    out.append(f"<h2>{words['findings']}</h2>")
    out.append(f"<pre>{_e(chr(10).join(render(d, lang) + chr(10) for d in diagnostics))}</pre>" if diagnostics
               else f"<p>{words['no findings']}</p>")
    out += [f"<h2>{words['trace']}</h2>", f"<pre>{_e(trace_text(result, width=120, lang=lang).rstrip())}</pre>"]
    out += [f"<h2>{words['audit']}</h2>", '<table class="audit">']
    out += [f"<tr><td>{_e(row.label)}</td><td>{f'<code>{row.value}</code>' if row.digest else _e(row.value)}</td></tr>"
            for row in audit_rows(result, lang)]
    out += ["</table>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _columns(levels: int) -> str:
    """Column widths for a page: the scoring standard widest, the numbers narrow (percent of the table)."""
    texts = (14, 28, 10, 11)
    numbers = (4.5, 4.5)
    level = (100 - sum(texts) - sum(numbers)) / levels
    widths = [level] * levels + [*texts, *numbers]
    return "<colgroup>" + "".join(f'<col style="width: {width:.1f}%">' for width in widths) + "</colgroup>"


def _row(row: TableRow, index: int, levels: int, merged: dict[tuple[int, int], int],
         covered: set[tuple[int, int]]) -> str:
    weight = plain(row.weight) if row.weight is not None else ""
    score = plain(row.score) if isinstance(row.score, Decimal) else _e(row.score or "")
    lost = row.kind != "grade" and isinstance(row.score, Decimal) and row.weight is not None \
        and row.score < row.weight
    numbers = (f'<td class="number">{weight}</td>'
               f'<td class="number{" lost" if lost else ""}">{score}</td>')
    if row.kind != "indicator":
        span = levels + len(row.texts)
        return f'<tr class="sum"><td colspan="{span}">{_e(row.levels[0])}</td>{numbers}</tr>'
    cells = []
    for column, name in enumerate(row.levels):
        if (index, column) in covered:
            continue
        rowspan = merged.get((index, column))
        attribute = f' rowspan="{rowspan}"' if rowspan else ""
        cells.append(f'<td class="level"{attribute}>{_e(name)}</td>')
    cells += [f"<td>{_e(text)}</td>" for text in row.texts]
    return f"<tr>{''.join(cells)}{numbers}</tr>"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
