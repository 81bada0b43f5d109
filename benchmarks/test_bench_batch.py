"""Many units from a one-row-per-unit CSV table: `perfeval batch`'s path against a hand-written one.

The baseline reads the same CSV with the csv module, turns each cell into a Decimal by hand (`peers.hand_parse`)
and scores it with the hand-written function. The target (≤ 0.5× the hand-written time per unit) needs the
columnar path, which is not built yet; these rows measure the per-unit path it would replace.
"""

from __future__ import annotations

import csv
import decimal
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from generate import seed_unit_table
from peers import hand_parse
from test_bench_seed import hand_written

import perfeval_dsl as pe
from perfeval_dsl.batch import run_batch
from perfeval_dsl.values import CONTEXT

ROOT = Path(__file__).resolve().parent.parent
UNITS = 2000
GROUP = f"batch: {UNITS:,} units from CSV"


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "units.csv"
    path.write_text(seed_unit_table(UNITS), encoding="utf-8")
    return path


def hand_written_batch(path: Path) -> list[Decimal]:
    totals = []
    with path.open(encoding="utf-8", newline="") as stream, decimal.localcontext(CONTEXT):
        rows = csv.reader(stream)
        header = next(rows)
        for row in rows:
            values = {name: hand_parse(cell) for name, cell in zip(header[1:], row[1:], strict=True)}
            totals.append(hand_written(values))  # type: ignore[arg-type]
    return totals


def test_both_paths_give_the_same_totals(table: Path) -> None:
    report = run_batch(pe.load_rules(ROOT / "rules/anning-2020.perfeval"), table)
    assert [o.total for o in report.outcomes] == hand_written_batch(table)


@pytest.mark.benchmark(group=GROUP)
def test_hand_written_batch_baseline(benchmark: Any, table: Path) -> None:
    assert len(benchmark.pedantic(hand_written_batch, args=(table,), rounds=3)) == UNITS


@pytest.mark.benchmark(group=GROUP)
def test_perfeval_batch(benchmark: Any, table: Path) -> None:
    rules = pe.load_rules(ROOT / "rules/anning-2020.perfeval")
    report = benchmark.pedantic(run_batch, args=(rules, table), rounds=3)
    assert len(report.outcomes) == UNITS and not report.failed
