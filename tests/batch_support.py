"""Comparing two batches unit by unit: what `tests/test_columnar.py` and the fuzz tests check of the columnar
path against scoring each unit by itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from perfeval_dsl.batch import BatchReport, run_batch
from perfeval_dsl.compiler import CompiledRules
from perfeval_dsl.errors import PerfevalError


def _diagnostic_key(diagnostic: Any) -> tuple[object, ...]:
    primary = diagnostic.primary
    span = (primary.span.start, primary.span.end, primary.text) if primary is not None else None
    return (diagnostic.severity, diagnostic.code, diagnostic.message, span, diagnostic.path, diagnostic.notes,
            diagnostic.help, diagnostic.zh)


def outcomes(report: BatchReport) -> list[tuple[object, ...]]:
    """Everything a batch's outcome says, with each total and loss in its written form too (`98` and
    `98.0` are equal Decimals but print differently)."""
    return [(o.name, o.total, str(o.total), o.grade, tuple((name, str(lost)) for name, lost in o.lost), o.row,
             o.resumed, tuple(_diagnostic_key(d) for d in o.diagnostics)) for o in report.outcomes]


def assert_same_on_both_paths(rules: CompiledRules, path: Path) -> BatchReport | None:
    """Score the table at `path` column by column and unit by unit, and check that every unit's outcome is
    the same (or that both refuse the table with the same diagnostics). Returns the columnar batch."""
    try:
        columnar = run_batch(rules, path)
    except PerfevalError as refused:
        try:
            run_batch(rules, path, columnar=False)
        except PerfevalError as also:
            assert [_diagnostic_key(d) for d in refused.diagnostics] == [_diagnostic_key(d) for d in also.diagnostics]
            raise
        raise AssertionError("only the columnar path refused the table") from refused
    single = run_batch(rules, path, columnar=False)
    assert outcomes(columnar) == outcomes(single)
    assert columnar.units_sha256 == single.units_sha256
    return columnar
