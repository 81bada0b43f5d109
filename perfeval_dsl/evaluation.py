"""Compiled rules and one unit's facts to a `Result`: a pure function, no I/O, no printing.

Binds the facts to the declared types, runs every indicator's compiled rule inside the project's decimal
context, checks each score lies within 0 to its weight (never clamped: a score outside is an error), and
adds up subtotals, the total and the grade. Every problem in the unit's data is collected; if there is any,
`PerfevalError` carries them all. Imports `compiler`, `facts`, `model`, `result`, `values`, `errors`.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from perfeval_dsl import model
from perfeval_dsl.compiler import CompiledIndicator, CompiledRules, EvaluationFailure, Frame
from perfeval_dsl.errors import Diagnostic, PerfevalError, error, has_errors
from perfeval_dsl.facts import Facts, bind, facts_from_mapping
from perfeval_dsl.result import GroupResult, IndicatorResult, Result, UsedValue
from perfeval_dsl.values import CONTEXT, Value, plain


def evaluate(rules: CompiledRules, facts: Facts | Mapping[str, object]) -> Result:
    """Score one unit. Raises PerfevalError with every problem found in its facts or while scoring."""
    if not isinstance(facts, Facts):
        facts = facts_from_mapping(facts)
    program = rules.program
    values, diagnostics = bind(facts, rules.declared)
    if has_errors(diagnostics):
        raise PerfevalError(diagnostics)
    frame = Frame(values)
    notes = {name: fact.note for name, fact in facts.values.items() if fact.note}
    results: list[IndicatorResult] = []
    failures: list[Diagnostic] = []
    with decimal.localcontext(CONTEXT):
        for compiled in rules.indicators:
            outcome = _score(compiled, frame, rules, notes)
            if isinstance(outcome, IndicatorResult):
                results.append(outcome)
            elif all(outcome is not seen for seen in failures):
                failures.append(outcome)
        if failures:
            raise PerfevalError([*diagnostics, *failures])
        groups = tuple(
            GroupResult(group=group, score=sum((results[i].score for i in members), Decimal(0)))
            for group, members in rules.groups
        )
        total = sum((r.score for r in results), Decimal(0))
    return Result(
        program=program,
        facts_name=facts.name,
        indicators=tuple(results),
        groups=groups,
        total=total,
        grade=program.grade_for(total).label,
        diagnostics=tuple([*program.diagnostics, *diagnostics]),
    )


def _score(compiled: CompiledIndicator, frame: Frame, rules: CompiledRules,
           notes: Mapping[str, str]) -> IndicatorResult | Diagnostic:
    indicator = compiled.indicator
    frame.local = {}
    frame.weight = indicator.weight
    try:
        score, branch = compiled.rule(frame)
    except EvaluationFailure as failure:
        return failure.diagnostic
    except decimal.DecimalException:
        return error("PE504", f"the arithmetic of `{indicator.name}` gives a number out of range",
                     indicator.rule.span, help="check the facts for values far too large or too small")
    if not isinstance(score, Decimal) or isinstance(score, bool):
        return error("PE503", f"the score of `{indicator.name}` is not a number", indicator.rule.span)
    if not 0 <= score <= indicator.weight:
        return error(
            "PE503", f"`{indicator.name}` scores {plain(score)}, outside 0 to its weight {plain(indicator.weight)}",
            indicator.rule.span, f"gives {plain(score)}",
            help="a score is never cut to fit: correct the rule (e.g. `min(…, weight)` for a cap) or the weight")
    return IndicatorResult(indicator=indicator, score=score, branch=branch,
                           values=tuple(_used(name, indicator, frame, rules, notes, compiled.lets)
                                        for name in indicator.inputs))


def _used(name: str, indicator: model.Indicator, frame: Frame, rules: CompiledRules,
          notes: Mapping[str, str], compiled_lets: tuple[tuple[str, Any], ...]) -> UsedValue:
    program = rules.program
    definition = program.definition(name, indicator)
    value: Value | None
    if definition is None:
        value = frame.facts.get(name)
    elif any(let.name == name for let in indicator.lets):
        value = frame.local.get(name)
        if value is None:  # not needed by the tier that fired; shown for completeness
            try:
                value = dict(compiled_lets)[name](frame)
            except (EvaluationFailure, decimal.DecimalException):
                value = None
    else:
        memo = frame.lets.get(name)
        if memo is None and name in rules.lets:
            # A derived value the rule did not need (a tier it never reached); shown for completeness.
            try:
                memo = rules.lets[name](frame)
            except (EvaluationFailure, decimal.DecimalException):
                memo = None
        value = None if isinstance(memo, EvaluationFailure) else memo
    return UsedValue(name=name, value=value, type=program.value_type(name, indicator), definition=definition,
                     note=notes.get(name) if definition is None else None)
