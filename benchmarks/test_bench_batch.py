"""Many units from a one-row-per-unit CSV table, from the file on disk to each unit's total, grade and most
lost indicators (what `perfeval batch` summarises): perfeval's columnar path and its per-unit path against a
hand-written one.

The baseline reads the same CSV with the csv module, turns each cell into a Decimal by hand
(`peers.hand_parse`) and scores it with the hand-written function. Target for the columnar path: ≤ 0.5× the
baseline's time, with a peak memory under 1 GB, and every outcome the per-unit path's.

`PERFEVAL_BENCH_UNITS` sets the number of units (100,000 unless set; CI, which runs each benchmark once
without timing, sets it lower).
"""

from __future__ import annotations

import csv
import decimal
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from generate import seed_unit_table
from peers import hand_parse
from test_bench_seed import hand_written

import perfeval_dsl as pe
from perfeval_dsl.batch import BatchReport, run_batch
from perfeval_dsl.values import CONTEXT

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules/anning-2020.perfeval"
UNITS = int(os.environ.get("PERFEVAL_BENCH_UNITS", "100000"))
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


def summary(report: BatchReport) -> tuple[int, int]:
    return len(report.outcomes), len(report.failed)


def test_every_path_gives_the_same_totals(table: Path) -> None:
    rules = pe.load_rules(RULES)
    columnar, single = run_batch(rules, table), run_batch(rules, table, columnar=False)
    assert columnar.outcomes == single.outcomes  # names, totals, grades, most lost: every one
    assert [o.total for o in columnar.outcomes] == hand_written_batch(table)


@pytest.mark.benchmark(group=GROUP)
def test_hand_written_batch_baseline(benchmark: Any, table: Path) -> None:
    assert len(benchmark.pedantic(hand_written_batch, args=(table,), rounds=3)) == UNITS


@pytest.mark.benchmark(group=GROUP)
def test_perfeval_batch_columnar(benchmark: Any, table: Path) -> None:
    rules = pe.load_rules(RULES)
    report = benchmark.pedantic(run_batch, args=(rules, table), rounds=3)
    assert summary(report) == (UNITS, 0)


@pytest.mark.benchmark(group=GROUP)
def test_perfeval_batch_per_unit(benchmark: Any, table: Path) -> None:
    rules = pe.load_rules(RULES)
    report = benchmark.pedantic(run_batch, args=(rules, table), kwargs={"columnar": False}, rounds=1)
    assert summary(report) == (UNITS, 0)


PEAK = """
import resource, sys
from pathlib import Path
import perfeval_dsl as pe
from perfeval_dsl.batch import run_batch
report = run_batch(pe.load_rules(Path(sys.argv[1])), Path(sys.argv[2]))
assert len(report.outcomes) == int(sys.argv[3]) and not report.failed
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux")
def test_columnar_batch_peak_memory(table: Path) -> None:
    """The whole process's peak resident memory, Python and the imports included: under 1 GB."""
    peak_kib = int(subprocess.run([sys.executable, "-c", PEAK, str(RULES), str(table), str(UNITS)], check=True,
                                  capture_output=True, text=True).stdout)
    print(f"peak memory of a columnar batch of {UNITS:,} units: {peak_kib / 1024:.0f} MiB")
    assert peak_kib < 1024 * 1024
