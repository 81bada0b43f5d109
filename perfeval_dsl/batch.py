"""Evaluating many units with one rule file: each unit's result or the problems that stopped it.

A broken unit never stops the batch: its diagnostics are kept with its name and the next unit goes on. With
an output folder, each unit's JSON document is written there (atomically, named after the unit) as soon as
it is scored, so an interrupted batch loses nothing, and `resume` skips the units already written, reading
their totals back for the summary. A CSV table scored without an output folder goes the columnar path
(`columnar`) where the rules allow, with the same outcome for every unit. Imports `compiler`, `evaluation`,
`units`, `result`, `errors`, `atomic`, `columnar`, and `report.jsondoc` for the per-unit documents.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from perfeval_dsl.atomic import write_text_atomically
from perfeval_dsl.compiler import CompiledRules, MovedWeightWorking, NotApplicableWorking
from perfeval_dsl.errors import Chinese, Diagnostic, PerfevalError, error
from perfeval_dsl.evaluation import evaluate, evaluation_time
from perfeval_dsl.facts import BindMemo, read_text
from perfeval_dsl.result import Result
from perfeval_dsl.units import Table, Unit, read_table, read_units
from perfeval_dsl.values import CONTEXT

if TYPE_CHECKING:
    from perfeval_dsl.columnar import ColumnarScores

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@attrs.frozen(kw_only=True)
class UnitOutcome:
    """One unit of a batch: its total, grade and the indicators that lost most, or its diagnostics."""

    name: str
    total: Decimal | None = None
    grade: str | None = None
    lost: tuple[tuple[str, Decimal], ...] = ()  # (indicator, points lost), most first
    diagnostics: tuple[Diagnostic, ...] = ()  # why it was not scored; for a scored unit, its facts' warnings
    resumed: bool = False  # read back from an earlier run's output
    row: int | None = None  # the table's row, when the row names no unit (its name is then `row N`)

    def shown_name(self, lang: str = "en") -> str:
        """The unit's name; a row that names no unit is `row 5` (in Chinese `第 5 行`)."""
        return f"第 {self.row} 行" if lang == "zh" and self.row is not None else self.name

    @property
    def ok(self) -> bool:
        return self.total is not None


@attrs.frozen(kw_only=True)
class BatchReport:
    """A batch's outcomes, and for its audit record what it read: the units' table or folder (with the
    table's digest; a folder's files each have theirs in the per-unit documents) and when it started."""

    rules: CompiledRules
    outcomes: tuple[UnitOutcome, ...]
    units: str = ""
    units_sha256: str | None = None
    evaluated_at: datetime.datetime = attrs.field(factory=evaluation_time)

    @property
    def failed(self) -> tuple[UnitOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok)

    def ranked(self) -> list[tuple[int, UnitOutcome]]:
        """Scored units by total, highest first, with their rank (equal totals share a rank)."""
        scored = sorted((o for o in self.outcomes if o.total is not None), key=lambda o: -o.total)  # type: ignore[operator]
        ranked: list[tuple[int, UnitOutcome]] = []
        for position, outcome in enumerate(scored, start=1):
            rank = ranked[-1][0] if ranked and ranked[-1][1].total == outcome.total else position
            ranked.append((rank, outcome))
        return ranked


def output_name(unit: str) -> str:
    """A file name for a unit's output: its name, or, when the name has characters no file system allows,
    the name with them replaced and a short hash of the real name (so `甲/乙` and `甲_乙` never share a file,
    and a unit always gets the same file, which `--resume` relies on)."""
    cleaned = _UNSAFE.sub("_", unit).strip(" .")
    if cleaned == unit:
        return unit + ".json"
    return f"{cleaned or 'unit'}~{hashlib.sha256(unit.encode('utf-8')).hexdigest()[:8]}.json"


def most_lost(result: Result, count: int = 3) -> tuple[tuple[str, Decimal], ...]:
    """The indicators that lost most: an indicator left out as 不适用 lost nothing, and one that took weight from
    it (`不适用时 分值转入 …`) lost what it lacks of its grown weight."""
    workings = result.trace.workings
    left_out = {w.indicator for w in workings if isinstance(w, NotApplicableWorking)}
    weights = [indicator.weight for indicator in result.program.indicators]
    for working in workings:
        if isinstance(working, MovedWeightWorking):
            weights[working.indicator] = CONTEXT.add(working.weight, working.moved)
    losses = [(indicator.name, CONTEXT.subtract(weight, score))
              for index, (indicator, weight, score) in enumerate(zip(result.program.indicators, weights,
                                                                     result.scores, strict=True))
              if score < weight and index not in left_out]
    losses.sort(key=lambda item: -item[1])
    return tuple(losses[:count])


def run_batch(rules: CompiledRules, units: Path, out: Path | None = None, resume: bool = False,
              on_unit: Callable[[UnitOutcome], None] | None = None, columnar: bool = True) -> BatchReport:
    """Score every unit of `units` (a CSV unit table or a folder of facts files). Raises PerfevalError only
    when `units` itself cannot be read; a unit's own problems are kept in its outcome.

    A CSV table scored without an output folder goes the columnar path where the rules allow it (see
    `columnar`): the same outcomes, much sooner. `columnar=False` scores every unit by itself."""
    if out is not None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PerfevalError([error("PE003", f"cannot create the folder `{out}`: {exc.strerror or exc}",
                                       path=str(out), help="give a folder you may write to",
                                       zh=Chinese(f"无法创建文件夹 `{out}`：{exc.strerror or exc}",
                                                  help="请给出一个你有权写入的文件夹"))]) from None
    started = evaluation_time()
    outcomes = []
    table_sha256: str | None = None
    read: Iterator[tuple[str | None, UnitOutcome]] | None = None
    if columnar and out is None and units.suffix.lower() == ".csv" and units.is_file():
        read = _columnar_outcomes(rules, read_table(read_text(units, "MAX_TABLE_BYTES")))
    if read is None:
        read = _with_digests(_outcomes(rules, read_units(units), out, resume))
    table = not units.is_dir()
    for digest, outcome in read:
        if digest is not None and table:
            table_sha256 = digest
        outcomes.append(outcome)
        if on_unit is not None:
            on_unit(outcome)
    return BatchReport(rules=rules, outcomes=tuple(outcomes), units=str(units), units_sha256=table_sha256,
                       evaluated_at=started)


def count_units(units: Path) -> int | None:
    """How many units a batch will score (for a progress bar), or None if that is not known cheaply."""
    if units.is_dir():
        return None
    try:
        with units.open(encoding="utf-8-sig") as stream:
            return max(0, sum(1 for line in stream if line.strip()) - 1)
    except (OSError, UnicodeDecodeError):
        return None


def _outcomes(rules: CompiledRules, units: Iterator[Unit], out: Path | None,
              resume: bool, memo: BindMemo | None = None) -> Iterator[tuple[Unit, UnitOutcome]]:
    from perfeval_dsl.report.jsondoc import to_json

    memo = BindMemo() if memo is None else memo
    for unit in units:
        target = out / output_name(unit.name) if out is not None else None
        if resume and target is not None and target.exists():
            earlier = _read_back(unit, target, rules.program.source.sha256)
            if earlier is not None:
                yield unit, earlier
                continue
        if unit.facts is None:
            yield unit, UnitOutcome(name=unit.name, diagnostics=unit.diagnostics, row=unit.row)
            continue
        try:
            result = evaluate(rules, unit.facts, memo)
        except PerfevalError as failure:
            yield unit, UnitOutcome(name=unit.name, diagnostics=failure.diagnostics, row=unit.row)
            continue
        if target is not None:
            try:
                write_text_atomically(target, to_json(result.to_dict()))
            except OSError as exc:
                yield unit, UnitOutcome(name=unit.name, row=unit.row, diagnostics=(error(
                    "PE003", f"cannot write `{target}`: {exc.strerror or exc}", path=str(target),
                    help="check that the folder exists and that you may write to it",
                    zh=Chinese(f"无法写入 `{target}`：{exc.strerror or exc}",
                               help="请确认文件夹存在，并且你有权写入")),))
                continue
        # The unit's own warnings (an inexact cell, a formula, an undeclared fact); the rule file's are the same
        # for every unit and were shown by `check`.
        own = tuple(d for d in result.diagnostics if d not in rules.program.diagnostics)
        yield unit, UnitOutcome(name=unit.name, total=result.total, grade=result.grade, lost=most_lost(result),
                                diagnostics=own, row=unit.row)


def _with_digests(outcomes: Iterator[tuple[Unit, UnitOutcome]]) -> Iterator[tuple[str | None, UnitOutcome]]:
    """Each outcome with the digest of the file its unit's facts came from (None when they were not read)."""
    for unit, outcome in outcomes:
        yield (unit.facts.sha256 if unit.facts is not None else None), outcome


def _columnar_outcomes(rules: CompiledRules, table: Table) -> Iterator[tuple[str | None, UnitOutcome]] | None:
    """The outcomes of a unit table's rows, each with the table's digest when the row was read, scored column
    by column; a row the columnar path leaves is scored by itself. None when the rules or the table are for the
    per-unit path only."""
    from perfeval_dsl.columnar import NotColumnar, score_columns, supported

    if not supported(rules):
        return None
    try:
        scored = score_columns(rules, table)
    except NotColumnar:
        return None
    return _merged_outcomes(rules, table, scored)


def _merged_outcomes(rules: CompiledRules, table: Table,
                     scored: ColumnarScores) -> Iterator[tuple[str | None, UnitOutcome]]:
    seen: set[str] = set()
    memo = BindMemo()
    for index, (name, score) in enumerate(zip(scored.names, scored.scores, strict=True)):
        if score is None or name in seen:  # read and scored by itself, diagnostics and all
            yield from _with_digests(_outcomes(rules, iter([table.unit(index, seen)]), None, False, memo))
            continue
        seen.add(name)
        total, grade, lost = score
        yield table.source.sha256, UnitOutcome(name=name, total=total, grade=grade, lost=lost)


def _read_back(unit: Unit, target: Path, rules_sha256: str) -> UnitOutcome | None:
    """The outcome recorded in an earlier run's output, or None if that file is not a result document, or
    was written from other rules or other facts than this unit's now (its audit record says): such a unit is
    scored again, so a resumed batch never mixes old and new scores."""
    name = unit.name
    try:
        document = json.loads(target.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)
        audit = document["audit"]
        if audit["rules_sha256"] != rules_sha256:
            return None
        if unit.facts is not None and unit.facts.sha256 is not None and audit["facts_sha256"] != unit.facts.sha256:
            return None
        lost = [(i["name"], Decimal(i["lost"])) for i in document["indicators"] if Decimal(i["lost"]) > 0]
        lost.sort(key=lambda item: -item[1])
        return UnitOutcome(name=name, total=Decimal(document["total"]), grade=str(document["grade"]),
                           lost=tuple(lost[:3]), resumed=True, row=unit.row)
    except (OSError, ValueError, KeyError, TypeError, ArithmeticError):
        return None
