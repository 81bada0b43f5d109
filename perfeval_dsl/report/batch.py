"""The summary of a batch: every unit's total and grade, ranked, the indicators that lost most points,
and the units that could not be scored with their problems. Text, JSON (`perfeval-batch/1`) and CSV (with a
byte-order mark, so Excel opens the Chinese correctly)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from perfeval_dsl.batch import BatchReport, UnitOutcome
from perfeval_dsl.errors import render
from perfeval_dsl.report.jsondoc import to_json
from perfeval_dsl.source import printable
from perfeval_dsl.values import plain

DOCUMENT_FORMAT = "perfeval-batch/1"


def _lost_text(outcome: UnitOutcome, separator: str = "、") -> str:
    return separator.join(f"{name} −{plain(points)}" for name, points in outcome.lost)


def summary_renderables(report: BatchReport) -> Iterator[Table | Text]:
    """The ranked table and the counts; `failure_text` gives the problems of the units not scored."""
    program = report.rules.program
    yield Text(f"{program.title or program.source.name}: {len(report.outcomes)} units", style="bold")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for heading, justify in (("rank", "right"), ("unit", "left"), ("total", "right"), ("grade", "left"),
                             ("lost most", "left")):
        table.add_column(heading, justify=justify, no_wrap=heading != "lost most")  # type: ignore[arg-type]
    for rank, outcome in report.ranked():
        assert outcome.total is not None
        table.add_row(str(rank), outcome.name, plain(outcome.total), outcome.grade or "",
                      _lost_text(outcome, "\n"))
    yield table
    grades = Counter(o.grade for o in report.outcomes if o.ok)
    counts = ", ".join(f"{band.label} {grades[band.label]}" for band in program.grades)
    scored = len(report.outcomes) - len(report.failed)
    line = Text(f"{scored} scored ({counts})")
    if report.failed:
        line.append(f", {len(report.failed)} could not be scored", style="bold red")
    resumed = sum(1 for o in report.outcomes if o.resumed)
    if resumed:
        line.append(f"; {resumed} read back from an earlier run (--resume)")
    warned = [o for o in report.outcomes if o.ok and o.diagnostics]
    if warned:
        line.append(f"; {len(warned)} scored with warnings about their facts", style="yellow")
    yield line


def failure_text(report: BatchReport) -> str:
    """Each unit that could not be scored, with its errors, then each scored unit's warnings, in the usual
    layout."""
    parts = []
    for outcome in report.failed:
        parts.append(f"\n{outcome.name}:\n")
        parts.extend(render(d) + "\n" for d in outcome.diagnostics if d.is_error)
    for outcome in report.outcomes:
        if outcome.ok and outcome.diagnostics:
            parts.append(f"\n{outcome.name} (scored {plain(outcome.total or Decimal(0))}):\n")
            parts.extend(render(d) + "\n" for d in outcome.diagnostics)
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
                    "failed": len(report.failed)})


def _cell(text: str) -> str:
    """A text cell Excel will not read as a formula: `=`, `+`, `-`, `@` (and tab, line ends) at the start get
    a leading apostrophe, which Excel shows as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else text


def summary_csv(report: BatchReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["排名", "单位", "总分", "等级", "失分最多的指标", "问题"])
    ranks = {id(outcome): rank for rank, outcome in report.ranked()}
    ordered = [o for _, o in report.ranked()] + list(report.failed)
    for outcome in ordered:
        if outcome.ok:
            assert outcome.total is not None
            warnings = "; ".join(f"{d.code} {d.location or ''}: {d.message}" for d in outcome.diagnostics)
            writer.writerow([ranks[id(outcome)], _cell(outcome.name), plain(outcome.total), _cell(outcome.grade or ""),
                             _cell(_lost_text(outcome)), _cell(printable(warnings))])
        else:
            problems = "; ".join(f"{d.code} {d.location or ''}: {d.message}" for d in outcome.diagnostics
                                 if d.is_error)
            writer.writerow(["", _cell(outcome.name), "", "", "", _cell(printable(problems))])
    return "\ufeff" + buffer.getvalue()
