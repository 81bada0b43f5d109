"""`perfeval test` output: each case passed or failed with a readable difference, and tier coverage.

Text for the person who wrote the cases; a JSON document (`perfeval-test/1`) for tools.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.text import Text

from perfeval_dsl.cases import CaseOutcome, CaseReport
from perfeval_dsl.errors import PerfevalError, render
from perfeval_dsl.values import plain

DOCUMENT_FORMAT = "perfeval-test/1"


def percent_text(value: Decimal) -> str:
    """One decimal, rounded down, so 99.97% never shows as 100.0%."""
    return plain(value.quantize(Decimal("0.1"), rounding=decimal.ROUND_DOWN)) + "%"


def report_lines(report: CaseReport, minimum: Decimal | None = None, lang: str = "en") -> Iterator[Text]:
    """The text report; with `lang="zh"`, its own words and the diagnostics in Chinese."""
    zh = lang == "zh"
    if zh:
        yield Text(f"{report.tests.path}  （规则文件：{report.rules.program.source.name}）", style="bold")
    else:
        yield Text(f"{report.tests.path}  (rules: {report.rules.program.source.name})", style="bold")
    for outcome in report.outcomes:
        yield from _outcome_lines(outcome, lang)
    failed = len(report.failed)
    passed = len(report.outcomes) - failed
    if zh:
        summary = Text(f"{len(report.outcomes)} 个用例：{passed} 个通过")
        if failed:
            summary.append(f"，{failed} 个未通过", style="bold red")
    else:
        summary = Text(f"{len(report.outcomes)} case{'s' if len(report.outcomes) != 1 else ''}: {passed} passed")
        if failed:
            summary.append(f", {failed} failed", style="bold red")
    yield summary
    coverage = report.coverage
    if zh:
        line = Text(f"分档覆盖：{len(coverage.branches)} 个分支中覆盖了 {coverage.count} 个"
                    f"（{percent_text(coverage.percent)}）")
    else:
        line = Text(f"tier coverage: {coverage.count} of {len(coverage.branches)} branches reached "
                    f"({percent_text(coverage.percent)})")
    if minimum is not None:
        below = not coverage.meets(minimum)
        line.append(f"，最低要求 {plain(minimum)}%" if zh else f", minimum {plain(minimum)}%",
                    style="bold red" if below else "")
        if below:
            line.append("：太低" if zh else ": too low", style="bold red")
    yield line
    for branch in coverage.missing:
        text = branch.text_zh or branch.text if zh else branch.text
        yield Text(f"  {'未覆盖：' if zh else 'not reached: '}{branch.indicator} — {text}", style="yellow")


def _outcome_lines(outcome: CaseOutcome, lang: str = "en") -> Iterator[Text]:
    zh = lang == "zh"
    name = outcome.case.shown_name(lang)
    if outcome.passed:
        yield Text("  ✓ ", style="green") + Text(name)
        return
    yield Text("  ✗ ", style="bold red") + Text(name, style="bold") + Text(
        f"  （{outcome.case.span.location()}）" if zh else f"  ({outcome.case.span.location()})", style="dim")
    for mismatch in outcome.mismatches:
        if zh:
            line = Text(f"      {mismatch.what_zh or mismatch.what}：预期 {mismatch.expected}，实际 ")
            line.append(mismatch.actual_zh or mismatch.actual, style="bold red")
        else:
            line = Text(f"      {mismatch.what}: expected {mismatch.expected}, got ")
            line.append(mismatch.actual, style="bold red")
        if mismatch.detail:
            line.append(f"  （{mismatch.detail_zh or mismatch.detail}）" if zh else f"  ({mismatch.detail})",
                        style="dim")
        yield line
    if outcome.diagnostics and not outcome.mismatches:
        yield Text("      评价中止：" if zh else "      the evaluation stopped:", style="red")
    for diagnostic in outcome.diagnostics:
        for text in render(diagnostic, lang).splitlines():
            yield Text("      " + text)


def report_document(reports: list[CaseReport], minimum: Decimal | None = None,
                    failures: Sequence[tuple[Path, PerfevalError]] = ()) -> str:
    """The `perfeval-test/1` document; a test file that could not be run is listed with its diagnostics."""
    files: list[dict[str, Any]] = [
        {"file": str(path), "passed": False, "diagnostics": [d.to_dict() for d in failure.diagnostics]}
        for path, failure in failures
    ]
    for report in reports:
        coverage = report.coverage
        files.append({
            "file": report.tests.path,
            "rules": report.rules.program.source.name,
            "passed": not report.failed and (minimum is None or coverage.meets(minimum)),
            "cases": [
                {
                    "name": outcome.case.name,
                    "passed": outcome.passed,
                    "mismatches": [
                        {"what": m.what, "expected": m.expected, "actual": m.actual, "detail": m.detail}
                        for m in outcome.mismatches
                    ],
                    "diagnostics": [d.to_dict() for d in outcome.diagnostics],
                }
                for outcome in report.outcomes
            ],
            "coverage": {
                "branches": len(coverage.branches),
                "reached": coverage.count,
                "percent": str(coverage.percent.quantize(Decimal("0.01"), rounding=decimal.ROUND_DOWN)),
                "missing": [{"indicator": b.indicator, "branch": b.index, "rule": b.text} for b in coverage.missing],
            },
        })
    document = {"format": DOCUMENT_FORMAT, "minimum_coverage": plain(minimum) if minimum is not None else None,
                "files": files}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
