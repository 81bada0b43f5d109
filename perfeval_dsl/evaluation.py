"""Compiled rules and one unit's facts to a `Result`: a pure function, no I/O, no printing.

Binds the facts to the declared types, runs the compiled evaluator inside the project's decimal context
(every score checked to lie within 0 to its weight, never clamped: a score outside is an error), and adds up
subtotals, the total and the grade. Every problem in the unit's data is collected; if there is any,
`PerfevalError` carries them all. The trace (the values each indicator read) is kept as the evaluator's raw
data and built only when a renderer asks for it. Imports `compiler`, `facts`, `result`, `values`, `errors`.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import operator
import os
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from perfeval_dsl import model
from perfeval_dsl.compiler import (
    NEEDED_BY_ZH,
    CompiledRules,
    MissingWorking,
    MovedWeightWorking,
    NotApplicableWorking,
    OverrideWorking,
    VetoWorking,
    Working,
)
from perfeval_dsl.errors import Chinese, Diagnostic, PerfevalError, error, has_errors, warning
from perfeval_dsl.facts import BindMemo, Facts, bind, facts_from_mapping
from perfeval_dsl.result import Result, UnitTrace
from perfeval_dsl.values import CONTEXT, Value, plain


def evaluate(rules: CompiledRules, facts: Facts | Mapping[str, object], memo: BindMemo | None = None) -> Result:
    """Score one unit. Raises PerfevalError with every problem found in its facts or while scoring.

    `memo` (for a batch) remembers the values read from text, so the same cell text is read once.
    """
    if not isinstance(facts, Facts):
        facts = facts_from_mapping(facts)
    values, diagnostics = bind(facts, rules.declared, memo)
    if has_errors(diagnostics):
        raise PerfevalError(diagnostics)
    return evaluate_bound(rules, values, facts.name, diagnostics,
                          {name: fact.note for name, fact in facts.values.items() if fact.note}, facts.sha256)


def evaluation_seconds() -> float:
    """Now, in seconds since 1970; or the time `SOURCE_DATE_EPOCH` gives (the reproducible-builds convention),
    so that the same inputs can give byte-identical outputs. A malformed value is ignored. A number, not a
    datetime: it is taken for every unit scored, and turned into a date only when an output shows it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        epoch = epoch.strip()
        if epoch.isascii() and epoch.isdigit() and len(epoch) <= 11:
            return float(int(epoch))
    return time.time()


def evaluation_time() -> datetime.datetime:
    """`evaluation_seconds` as a datetime in UTC."""
    return datetime.datetime.fromtimestamp(evaluation_seconds(), datetime.UTC)


def _merged(failures: list[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per problem: a derived value that fails fails every indicator reading it, and is
    reported once, naming them all."""
    merged: dict[tuple[object, ...], Diagnostic] = {}
    for failure in failures:
        key = (failure.code, failure.message, failure.primary, failure.help)
        needed = [note for note in failure.notes if note.startswith("needed by ")]
        if key not in merged:
            merged[key] = failure
            continue
        earlier = merged[key]
        names = [note.removeprefix("needed by ") for note in (*earlier.notes, *needed) if note.startswith("needed by ")]
        other = [note for note in earlier.notes if not note.startswith("needed by ")]
        zh = earlier.zh  # the Chinese notes, merged the same way
        if zh is not None and zh.notes is not None and failure.zh is not None:
            zh_notes = (*zh.notes, *(failure.zh.notes or ()))
            zh_names = [note.removeprefix(NEEDED_BY_ZH) for note in zh_notes if note.startswith(NEEDED_BY_ZH)]
            zh_other = [note for note in zh.notes if not note.startswith(NEEDED_BY_ZH)]
            zh = attrs.evolve(zh, notes=(*zh_other, NEEDED_BY_ZH + "、".join(dict.fromkeys(zh_names))))
        merged[key] = attrs.evolve(earlier, notes=(*other, "needed by " + ", ".join(dict.fromkeys(names))), zh=zh)
    return list(merged.values())


def evaluate_bound(rules: CompiledRules, values: dict[str, Value], facts_name: str = "<facts>",
                   diagnostics: list[Diagnostic] | None = None, notes: Mapping[str, str] | None = None,
                   facts_sha256: str | None = None) -> Result:
    """Score one unit whose facts are already bound to the rules' types (`facts.bind`). `facts_sha256` is the
    digest of the file the facts came from, for the audit record."""
    with decimal.localcontext(CONTEXT):
        unit = rules.score_unit(values)
        if unit.failures:
            raise PerfevalError([*(diagnostics or ()), *_merged(unit.failures)])
    scores: list[Decimal] = unit.scores  # type: ignore[assignment]  # no failure: every score is set
    assert unit.total is not None
    program = rules.program
    workings = list(unit.workings or ())
    moved = _moved_weights(program, scores, workings)
    unscaled = unit.total
    if moved:  # `不适用时 分值转入 …`: the receivers' scores, out of their larger weights, replace the rule's
        scores = list(scores)
        for working in moved:
            scores[working.indicator] = working.score
        with decimal.localcontext(CONTEXT):
            unscaled = functools.reduce(operator.add, scores)  # left to right, as the evaluator adds them
        workings.extend(moved)
    exact_total = unscaled
    applicable = _applicable_weight(program, workings)
    if applicable is not None:  # `不适用 按比例折算`: 用适用指标得分汇总后按百分制折算
        exact_total = CONTEXT.divide(CONTEXT.multiply(exact_total, program.total), applicable)
    total = program.rounded("total", exact_total)
    total_rule = program.rounding_of("total")
    graded = exact_total if total_rule is not None and total_rule.grade_exact else total
    overridden = [*_overrides(program, workings, notes or {}), *_missing_facts(program, workings)]
    if overridden:
        problems = [d for d in overridden if d.severity.value == "error"]
        if problems:
            raise PerfevalError([*(diagnostics or ()), *problems])
        diagnostics = [*(diagnostics or ()), *overridden]
    trace = UnitTrace(
        facts=values,
        lets=unit.lets,
        local_lets=unit.local_lets,
        notes=dict(notes or {}),
        complete=lambda: rules.all_lets(values),
        workings=tuple(attrs.evolve(w, reason=(notes or {}).get(w.fact)) if isinstance(w, OverrideWorking) else w
                       for w in workings),
    )
    return Result(
        program=program,
        facts_name=facts_name,
        scores=tuple(scores),
        branches=tuple(unit.branches),
        group_members=tuple(members for _, members in rules.groups),
        total=total,
        exact_total=exact_total if total_rule is not None else None,
        applicable_weight=applicable,
        unscaled_total=unscaled if applicable is not None else None,
        grade=_capped_grade(program, program.grade_for(graded).label, workings),
        diagnostics=(*program.diagnostics, *diagnostics) if diagnostics else program.diagnostics,
        trace=trace,
        facts_sha256=facts_sha256,
        evaluated_seconds=evaluation_seconds(),
    )


def _overrides(program: model.Program, workings: Iterable[Working], notes: Mapping[str, str]) -> list[Diagnostic]:
    """A warning for each score the evaluation team replaced (调整得分) with a different one, showing both; an
    error for a replacement given without its reason."""
    found: list[Diagnostic] = []
    for working in workings:
        if not isinstance(working, OverrideWorking):
            continue
        indicator = program.indicators[working.indicator]
        field = indicator.override
        assert field is not None
        reason = notes.get(working.fact)
        if not reason:
            found.append(error(
                "PE412", f"`{indicator.name}` is given the score {plain(working.score)} by `{working.fact}`, "
                         "without a reason", field.span, "no reason given",
                help=f"write the reason as the value's note in the facts file: `{working.fact}: {{value: "
                     f"{plain(working.score)} 分, note: 理由}}`",
                zh=Chinese(f"`{working.fact}` 把 `{indicator.name}` 的得分调整为 {plain(working.score)}，但没有写理由",
                           "没有理由",
                           f"请在事实文件中把理由写作这个值的备注：`{working.fact}: "
                           f"{{value: {plain(working.score)} 分, note: 理由}}`")))
        elif working.score != working.rule_score:
            found.append(warning(
                "PE413", f"`{indicator.name}` scores {plain(working.score)} as the evaluation team set it, where its "
                         f"rule gives {plain(working.rule_score)}: {reason}", field.span, "score set by hand",
                help="check that the reason holds; the trace and the JSON document show both scores",
                zh=Chinese(f"`{indicator.name}` 的得分由评价组调整为 {plain(working.score)}，规则给出的是 "
                           f"{plain(working.rule_score)}：{reason}", "人工调整的得分",
                           "请核实理由是否成立；评分过程和 JSON 文档同时列出两个得分")))
    return found


def _missing_facts(program: model.Program, workings: Iterable[Working]) -> list[Diagnostic]:
    """A warning for each indicator scored by its `缺失时 …` because a fact it reads was not given: a reviewer
    must see that no value stood behind that score."""
    found: list[Diagnostic] = []
    for working in workings:
        if not isinstance(working, MissingWorking) and not (isinstance(working, NotApplicableWorking)
                                                            and working.missing):
            continue
        indicator = program.indicators[working.indicator]
        policy = indicator.if_missing
        assert policy is not None
        facts = ", ".join(f"`{name}`" for name in working.facts)
        facts_zh = "、".join(f"`{name}`" for name in working.facts)
        if isinstance(working, MissingWorking):
            what = f"scores {plain(working.score)}"
            what_zh = f"得 {plain(working.score)} 分"
        else:
            what, what_zh = "is left out as 不适用", "按不适用处理"
        found.append(warning(
            "PE416", f"{facts} {'is' if len(working.facts) == 1 else 'are'} not given, so `{indicator.name}` {what}, "
                     "as its rule says", policy.span, "what a missing fact scores",
            help="give the value if it exists; the rule file decides what a missing one scores",
            zh=Chinese(f"没有给出 {facts_zh}，`{indicator.name}` 按规则的约定{what_zh}", "缺失时的计分",
                       "若有这个值，请给出；缺失时如何计分由规则文件决定")))
    return found


def _moved_weights(program: model.Program, scores: list[Decimal],
                   workings: Iterable[Working]) -> list[MovedWeightWorking]:
    """`不适用时 分值转入 …`: the weight of each indicator left out as 不适用 goes to the indicators it names (those
    of a group named) that apply, in proportion to their weights; each one's score grows with its weight.
    Raises PE414 when none of them applies."""
    if not program.weight_moves:
        return []
    left_out = {w.indicator for w in workings if isinstance(w, NotApplicableWorking)}
    givers = sorted(i for i in left_out if i in program.weight_moves)
    if not givers:
        return []
    indicators = program.indicators
    moved: dict[int, Decimal] = {}
    sources: dict[int, list[str]] = {}
    with decimal.localcontext(CONTEXT):
        for giver in givers:
            receivers = [r for r in program.weight_moves[giver] if r not in left_out]
            if not receivers:
                declared = indicators[giver].moves_weight
                assert declared is not None
                raise PerfevalError([error(
                    "PE414", f"`{indicators[giver].name}` does not apply, and neither does any indicator its weight "
                             "moves to", declared.span, "nowhere to go",
                    help="give the facts' values, or name more groups or indicators to take the weight",
                    zh=Chinese(f"`{indicators[giver].name}` 不适用，而它的分值要转入的指标也都不适用", "无处转入",
                               "请给出这些事实的值，或写出更多接收分值的组或指标"))])
            weight_sum = sum((indicators[r].weight for r in receivers), Decimal(0))
            for receiver in receivers:
                share = indicators[giver].weight * indicators[receiver].weight / weight_sum
                moved[receiver] = moved.get(receiver, Decimal(0)) + share
                sources.setdefault(receiver, []).append(indicators[giver].name)
        found = []
        for r in sorted(moved):
            weight, rule_score = indicators[r].weight, scores[r]
            applied = weight + moved[r]
            # Full points are the whole new weight, exactly, whatever digits the share has; the declared rounding
            # of indicators (取整 指标) holds for the score the unit ends with.
            score = applied if rule_score == weight else min(
                program.rounded("indicators", _tidy(rule_score * applied / weight)), applied)
            found.append(MovedWeightWorking(indicator=r, givers=tuple(sources[r]), weight=weight, moved=moved[r],
                                            rule_score=rule_score, score=score))
        return found


def _tidy(value: Decimal) -> Decimal:
    """`value` without trailing zeros after the point: 60.000… is 60, 56.250 is 56.25 (the same number)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    exponent = value.normalize().as_tuple().exponent
    return value.quantize(Decimal(1).scaleb(exponent)) if isinstance(exponent, int) and exponent < 0 else value


def _capped_grade(program: model.Program, grade: str, workings: Iterable[Working]) -> str:
    """The grade, after every 一票否决 that held and caps it (`等级最高为 中`): the worse of the two."""
    labels = [band.label for band in program.grades]
    for working in workings:
        if isinstance(working, VetoWorking) and working.indicator is None:
            cap = program.vetoes[working.veto].grade_cap
            assert cap is not None
            grade = labels[max(labels.index(grade), labels.index(cap))]
    return grade


def _applicable_weight(program: model.Program, workings: Iterable[Working]) -> Decimal | None:
    """The weight of the indicators that apply, when some read a fact given as 不适用 (None when all apply).
    Raises PE414 when the rule file does not say what 不适用 means, or nothing applies."""
    left_out = [w for w in workings if isinstance(w, NotApplicableWorking) and w.indicator not in program.weight_moves]
    if not left_out:
        return None
    first = program.indicators[left_out[0].indicator]
    facts = ", ".join(f"`{name}`" for name in left_out[0].facts)
    if program.not_applicable is None:
        given, given_zh = ("is given as 不适用", "给为不适用")
        if left_out[0].missing:
            given = "is not given, and `缺失时 不适用` makes it 不适用"
            given_zh = "没有给出，按 `缺失时 不适用` 作不适用处理"
        raise PerfevalError([error(
            "PE414", f"{facts} {given}, and the rule file does not say what that means", first.span,
            f"`{first.name}` reads it",
            help="declare `不适用 按比例折算` (`not_applicable rescale`) to leave such indicators out and rescale the "
                 f"total to the weights of the rest, or move the weight in `{first.name}`: `不适用时 分值转入 …`; "
                 "or give the fact's value",
            zh=Chinese(f"{facts} {given_zh}，但规则文件没有说明不适用时如何处理", f"`{first.name}` 读取了它",
                       "请声明 `不适用 按比例折算`，把这样的指标排除在外，并按其余指标的分值折算总分；"
                       f"或在 `{first.name}` 中写 `不适用时 分值转入 …` 转移它的分值；或给出这个事实的值"))])
    applicable = program.total - sum((program.indicators[w.indicator].weight for w in left_out), Decimal(0))
    if applicable <= 0:
        raise PerfevalError([error(
            "PE414", "every indicator reads a fact given as 不适用: there is nothing left to score", first.span,
            help="give the facts' values",
            zh=Chinese("每个指标都读取了不适用的事实：没有可以评分的指标", help="请给出这些事实的值"))])
    return applicable
