"""The summary of a batch: every unit's total and grade, ranked, the indicators that lost most points,
and the units that could not be scored with their problems. Text, JSON (`perfeval-batch/1`), CSV (with a
byte-order mark, so Excel opens the Chinese correctly) and an Excel workbook; all but the CSV end with the
batch's audit record."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from perfeval_dsl._version import __version__
from perfeval_dsl.batch import BatchReport, UnitOutcome
from perfeval_dsl.errors import Diagnostic, render
from perfeval_dsl.report.jsondoc import to_json
from perfeval_dsl.source import printable
from perfeval_dsl.values import plain

DOCUMENT_FORMAT = "perfeval-batch/1"
# The text table's headings in Chinese (those of the CSV and the workbook).
_HEADINGS_ZH = {"rank": "排名", "unit": "单位", "total": "总分", "grade": "等级", "lost most": "失分最多的指标"}


def _lost_text(outcome: UnitOutcome, separator: str = "；") -> str:  # 、 occurs inside names
    return separator.join(f"{name} −{plain(points)}" for name, points in outcome.lost)


def summary_renderables(report: BatchReport, lang: str = "en") -> Iterator[Table | Text]:
    """The ranked table and the counts; `failure_text` gives the problems of the units not scored. With
    `lang="zh"`, in Chinese."""
    zh = lang == "zh"
    program = report.rules.program
    if zh:
        yield Text(f"{program.title or program.source.name}：{len(report.outcomes)} 个被评价单位", style="bold")
    else:
        yield Text(f"{program.title or program.source.name}: {len(report.outcomes)} units", style="bold")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for heading, justify in (("rank", "right"), ("unit", "left"), ("total", "right"), ("grade", "left"),
                             ("lost most", "left")):
        shown = _HEADINGS_ZH[heading] if zh else heading
        table.add_column(shown, justify=justify, no_wrap=heading != "lost most")  # type: ignore[arg-type]
    for rank, outcome in report.ranked():
        assert outcome.total is not None
        table.add_row(str(rank), outcome.shown_name(lang), plain(outcome.total), outcome.grade or "",
                      _lost_text(outcome, "\n"))
    yield table
    grades = Counter(o.grade for o in report.outcomes if o.ok)
    counts = ", ".join(f"{band.label} {grades[band.label]}" for band in program.grades)
    scored = len(report.outcomes) - len(report.failed)
    if zh:
        counts_zh = "，".join(f"{band.label} {grades[band.label]}" for band in program.grades)
        line = Text(f"{scored} 个已评分（{counts_zh}）")
    else:
        line = Text(f"{scored} scored ({counts})")
    if report.failed:
        line.append(f"，{len(report.failed)} 个无法评分" if zh else f", {len(report.failed)} could not be scored",
                    style="bold red")
    resumed = sum(1 for o in report.outcomes if o.resumed)
    if resumed:
        line.append(f"；{resumed} 个读自之前的运行（--resume）" if zh
                    else f"; {resumed} read back from an earlier run (--resume)")
    warned = [o for o in report.outcomes if o.ok and o.diagnostics]
    if warned:
        line.append(f"；{len(warned)} 个已评分但其事实有警告" if zh
                    else f"; {len(warned)} scored with warnings about their facts", style="yellow")
    yield line
    audit = audit_record(report)
    if zh:
        lines = [f"审计：perfeval {audit['perfeval_version']}，评价时间 {audit['evaluated_at']}",
                 f"规则文件 sha256 {audit['rules_sha256']}"]
        if audit["units_sha256"]:
            lines.append(f"单位表 sha256 {audit['units_sha256']}")
    else:
        lines = [f"audit: perfeval {audit['perfeval_version']}, evaluated {audit['evaluated_at']}",
                 f"rules sha256 {audit['rules_sha256']}"]
        if audit["units_sha256"]:
            lines.append(f"units sha256 {audit['units_sha256']}")
    yield Text("\n".join(lines), style="dim", no_wrap=True, overflow="ignore")  # a digest is copied whole


def audit_record(report: BatchReport) -> dict[str, Any]:
    """What the batch read and when: the rule file's digest, and the unit table's (for a folder, each unit's
    document records its own file's)."""
    source = report.rules.program.source
    return {"perfeval_version": __version__,
            "evaluated_at": report.evaluated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rules": source.name, "rules_sha256": source.sha256,
            "units": report.units, "units_sha256": report.units_sha256}


def failure_text(report: BatchReport, lang: str = "en") -> str:
    """Each unit that could not be scored, with its errors, then each scored unit's warnings, in the usual
    layout (in Chinese with `lang="zh"`)."""
    zh = lang == "zh"
    parts = []
    for outcome in report.failed:
        parts.append(f"\n{outcome.shown_name(lang)}：\n" if zh else f"\n{outcome.name}:\n")
        parts.extend(render(d, lang) + "\n" for d in outcome.diagnostics if d.is_error)
    for outcome in report.outcomes:
        if outcome.ok and outcome.diagnostics:
            if zh:
                parts.append(f"\n{outcome.shown_name(lang)}（得分 {plain(outcome.total or Decimal(0))}）：\n")
            else:
                parts.append(f"\n{outcome.name} (scored {plain(outcome.total or Decimal(0))}):\n")
            parts.extend(render(d, lang) + "\n" for d in outcome.diagnostics)
    return "".join(parts)


def summary_document(report: BatchReport) -> str:
    ranks = {id(outcome): rank for rank, outcome in report.ranked()}
    units: list[dict[str, Any]] = []
    for outcome in report.outcomes:
        entry: dict[str, Any] = {"unit": outcome.name, "scored": outcome.ok}
        if outcome.ok:
            entry.update(rank=ranks[id(outcome)], total=outcome.total, grade=outcome.grade,
                         lost_most=[{"indicator": name, "lost": points} for name, points in outcome.lost])
            if outcome.diagnostics:
                entry["warnings"] = [d.to_dict() for d in outcome.diagnostics]
        else:
            entry["diagnostics"] = [d.to_dict() for d in outcome.diagnostics]
        units.append(entry)
    program = report.rules.program
    return to_json({"format": DOCUMENT_FORMAT, "title": program.title, "rules": program.source.name,
                    "units": units, "scored": len(report.outcomes) - len(report.failed),
                    "failed": len(report.failed), "audit": audit_record(report)})


def _cell(text: str) -> str:
    """A text cell Excel will not read as a formula: `=`, `+`, `-`, `@` (and tab, line ends) at the start get
    a leading apostrophe, which Excel shows as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else text


SUMMARY_HEADERS = ("排名", "单位", "总分", "等级", "失分最多的指标", "问题")


def _problems(diagnostics: Iterable[Diagnostic], lang: str) -> str:
    """The 问题 cell: each diagnostic's code, place and message (in Chinese with `lang="zh"`, where it has its
    Chinese words)."""
    if lang == "zh":
        return printable("；".join(f"{d.code} {d.location or ''}：{d.message_in(lang)}" for d in diagnostics))
    return printable("; ".join(f"{d.code} {d.location or ''}: {d.message}" for d in diagnostics))


def summary_rows(report: BatchReport,
                 lang: str = "en") -> Iterator[tuple[int | None, str, Decimal | None, str, str, str]]:
    """The summary's rows: the scored units by rank, then the units not scored, with their problems (in
    Chinese with `lang="zh"`)."""
    ranks = {id(outcome): rank for rank, outcome in report.ranked()}
    ordered = [o for _, o in report.ranked()] + list(report.failed)
    for outcome in ordered:
        name = outcome.shown_name(lang)
        if outcome.ok:
            yield (ranks[id(outcome)], name, outcome.total, outcome.grade or "", _lost_text(outcome),
                   _problems(outcome.diagnostics, lang))
        else:
            yield None, name, None, "", "", _problems(tuple(d for d in outcome.diagnostics if d.is_error), lang)


def summary_csv(report: BatchReport, lang: str = "en") -> str:
    """The summary as CSV (with a byte-order mark); the 问题 column in Chinese with `lang="zh"`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SUMMARY_HEADERS)
    for rank, name, total, grade, lost, problems in summary_rows(report, lang):
        writer.writerow(["" if rank is None else rank, _cell(name), "" if total is None else plain(total),
                         _cell(grade), _cell(lost), _cell(problems)])
    return "\ufeff" + buffer.getvalue()


def summary_xlsx(report: BatchReport, lang: str = "en") -> bytes:
    """The summary as a workbook: sheet 汇总 (the CSV's columns, totals as numbers, ranks as whole numbers)
    and sheet 审计 (the batch's audit record). Text is never written as a formula. With `lang="zh"`, the 问题
    column is in Chinese."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from perfeval_dsl.report.xlsx import put, workbook_bytes

    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    for column, header in enumerate(SUMMARY_HEADERS, start=1):
        put(sheet, 1, column, header).font = Font(bold=True)
    for number, row in enumerate(summary_rows(report, lang), start=2):
        rank, *rest = row
        put(sheet, number, 1, None if rank is None else Decimal(rank))
        for column, value in enumerate(rest, start=2):
            put(sheet, number, column, value)
    for letter, width in zip("ABCDEF", (6, 30, 10, 8, 50, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    audit = book.create_sheet("审计")
    for number, (key, value) in enumerate(audit_record(report).items(), start=1):
        put(audit, number, 1, key).font = Font(bold=True)
        put(audit, number, 2, value if value is not None else "")
    audit.column_dimensions["A"].width = 20
    audit.column_dimensions["B"].width = 70
    return workbook_bytes(book, report.evaluated_at)
