"""The result of evaluating one unit, and its stable document form (the JSON output).

A `Result` keeps, for every indicator, its score, the values it read and the tier or judgement that fired,
so that renderers can explain each point given or withheld without evaluating anything again.
`Result.to_dict()` is the documented JSON document (docs/cli.md, "JSON output"): numbers stay exact
decimals, never floats. Imports `model`, `ast`, `check` (what a tier is about), `values`, `errors`, `unparse`.
"""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from perfeval_dsl import ast, model
from perfeval_dsl._version import __version__
from perfeval_dsl.ast import subject_of
from perfeval_dsl.compiler import (
    ChecklistWorking,
    DeductionWorking,
    InterpolationWorking,
    JudgedWorking,
    MissingWorking,
    MovedWeightWorking,
    NotApplicableWorking,
    OverrideWorking,
    ProportionWorking,
    RoundingWorking,
    VetoWorking,
    Working,
)
from perfeval_dsl.errors import Diagnostic
from perfeval_dsl.model import base_value
from perfeval_dsl.unparse import unparse
from perfeval_dsl.values import (
    CONTEXT,
    MONEY,
    POINTS,
    BoolType,
    DateType,
    JudgementType,
    ListType,
    NumberType,
    TextType,
    Value,
    ValueType,
    date_text,
    dim_name,
    format_value,
)

DOCUMENT_FORMAT = "perfeval-result/1"


@attrs.frozen(kw_only=True)
class UsedValue:
    """A fact or derived value an indicator read, as it was for this unit (None: not computed)."""

    name: str
    value: Value | None
    type: ValueType | None
    definition: model.LetDef | None = None  # set for derived values
    note: str | None = None

    @property
    def is_fact(self) -> bool:
        return self.definition is None


@attrs.frozen(kw_only=True)
class IndicatorResult:
    """One indicator's score and the reasons for it.

    `branch` is the index of the tier (or `score by` arm) that fired; for a tier chain, `len(tiers)`
    means its final `else`. None for a rule that is a single expression.
    """

    indicator: model.Indicator
    score: Decimal
    branch: int | None
    values: tuple[UsedValue, ...]
    workings: tuple[Working, ...] = ()  # the arithmetic of its deductions and checklists, in order

    @property
    def name(self) -> str:
        return self.indicator.name

    @property
    def weight(self) -> Decimal:
        return self.indicator.weight

    @property
    def weight_applied(self) -> Decimal:
        """The weight the score is out of: the declared one, with any moved to it from indicators that did not
        apply (`不适用时 分值转入 …`)."""
        if self.not_applicable and self.receivers:
            return Decimal(0)  # its weight went to the receivers
        moved = [w.moved for w in self.workings if isinstance(w, MovedWeightWorking)]
        return CONTEXT.add(self.indicator.weight, moved[0]) if moved else self.indicator.weight

    @property
    def path(self) -> tuple[str, ...]:
        return self.indicator.path

    @property
    def not_applicable(self) -> bool:
        """Whether the indicator was left out, reading a fact given as 不适用."""
        return any(isinstance(w, NotApplicableWorking) for w in self.workings)

    @property
    def receivers(self) -> list[str]:
        """The names of the groups or indicators that take its weight when it does not apply, as written."""
        moves = self.indicator.moves_weight
        return list(moves.targets) if moves is not None else []

    @property
    def givers(self) -> list[str]:
        """The indicators whose weight it took, as they did not apply."""
        return [name for w in self.workings if isinstance(w, MovedWeightWorking) for name in w.givers]

    @property
    def lost(self) -> Decimal:
        """The points withheld: none for an indicator left out as 不适用, whose weight does not count."""
        return Decimal(0) if self.not_applicable else CONTEXT.subtract(self.weight_applied, self.score)

    @property
    def actual(self) -> str:
        """The 实际完成值, as the report's table shows it (see `actual_value`)."""
        return actual_value(self)


@attrs.frozen(kw_only=True)
class GroupResult:
    group: model.Group
    score: Decimal  # as declared rounding (取整 小计) shows it
    exact: Decimal | None = None  # the sum of its indicators' scores

    @property
    def name(self) -> str:
        return self.group.name


@attrs.frozen(kw_only=True)
class UnitTrace:
    """The raw data behind a result's explanations: the unit's bound facts, the derived values the evaluation
    computed (top level, and each indicator's own), the facts' notes, and a way to compute the derived values
    no rule needed (shown for completeness)."""

    facts: Mapping[str, Value]
    lets: dict[str, Value | None]  # None: not computed (no rule needed it)
    local_lets: list[dict[str, Value | None] | None]
    notes: dict[str, str]
    complete: Callable[[], tuple[dict[str, Value | None], list[dict[str, Value | None]]]] = attrs.field(repr=False)
    workings: tuple[Working, ...] = ()  # how each deduction and checklist reached scored


@attrs.frozen(kw_only=True)
class AuditRecord:
    """Enough for an auditor to prove which rules and facts produced a score: `sha256sum` of the files gives
    the same digests. `facts_sha256` is None for facts not read from a file (a mapping given to `evaluate`)."""

    perfeval_version: str
    rules: str
    rules_sha256: str
    facts: str
    facts_sha256: str | None
    evaluated_at: datetime.datetime

    @property
    def evaluated_at_text(self) -> str:
        """ISO 8601 in UTC, to the second: `2026-11-26T04:30:00Z`."""
        return self.evaluated_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def to_dict(self) -> dict[str, Any]:
        return {"perfeval_version": self.perfeval_version, "evaluated_at": self.evaluated_at_text,
                "rules": self.rules, "rules_sha256": self.rules_sha256,
                "facts": self.facts, "facts_sha256": self.facts_sha256}


@attrs.frozen(kw_only=True)
class Result:
    """The evaluation of one unit: indicator scores, group subtotals, total and grade.

    `scores` and `branches` are in the order of `program.indicators`; `indicators` builds, on first use, the
    per-indicator results with the values each read (a loop that only wants totals never pays for them).
    """

    program: model.Program
    facts_name: str
    scores: tuple[Decimal, ...]
    branches: tuple[int | None, ...]
    group_members: tuple[tuple[int, ...], ...]  # per group of `program.groups`, its indicators' positions
    total: Decimal
    grade: str
    diagnostics: tuple[Diagnostic, ...] = ()
    exact_total: Decimal | None = None  # the total before the declared rounding (取整 总分), when one is declared
    applicable_weight: Decimal | None = None  # when indicators were left out as 不适用: the weight of the rest
    unscaled_total: Decimal | None = None  # and the sum of their scores, before it was rescaled to the total
    trace: UnitTrace = attrs.field(eq=False, repr=False)
    facts_sha256: str | None = attrs.field(eq=False, default=None)
    evaluated_seconds: float = attrs.field(eq=False)  # when, as `evaluation.evaluation_seconds` gives it

    @property
    def evaluated_at(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.evaluated_seconds, datetime.UTC)

    @property
    def audit(self) -> AuditRecord:
        return AuditRecord(perfeval_version=__version__, rules=self.program.source.name,
                           rules_sha256=self.program.source.sha256, facts=self.facts_name,
                           facts_sha256=self.facts_sha256, evaluated_at=self.evaluated_at)

    def group_weight(self, group: GroupResult) -> Decimal:
        """The weight a group's subtotal is out of: its declared weight, unless weight moved into or out of it
        (`不适用时 分值转入 …`)."""
        if not any(isinstance(w, MovedWeightWorking) for w in self.trace.workings):
            return group.group.weight  # no weight moved for this unit: the per-indicator results are not needed
        by_indicator = {id(r.indicator): r for r in self.indicators}
        members = [by_indicator[id(i)] for i in group.group.indicators()]
        if not any(r.weight_applied != r.weight for r in members):
            return group.group.weight
        return sum((r.weight_applied for r in members), Decimal(0))

    @functools.cached_property
    def groups(self) -> tuple[GroupResult, ...]:
        """Each group's subtotal, parents before children, in file order."""
        scores = self.scores
        with decimal.localcontext(CONTEXT):  # the evaluation's context, whatever the caller's is
            subtotals = [sum([scores[i] for i in members], Decimal(0)) for members in self.group_members]
            return tuple(GroupResult(group=group, score=self.program.rounded("groups", subtotal), exact=subtotal)
                         for group, subtotal in zip(self.program.groups, subtotals, strict=True))

    @functools.cached_property
    def indicators(self) -> tuple[IndicatorResult, ...]:
        """Each indicator's score, the branch that fired and the values it read, in file order."""
        with decimal.localcontext(CONTEXT):  # values no rule needed are computed now: exactly, as the rest
            return self._indicators()

    def _indicators(self) -> tuple[IndicatorResult, ...]:
        trace = self.trace
        completed: tuple[dict[str, Value | None], list[dict[str, Value | None]]] | None = None
        results = []
        for index, indicator in enumerate(self.program.indicators):
            used = []
            for name in indicator.inputs:
                definition = self.program.definition(name, indicator)
                value: Value | None
                if definition is None:
                    value = trace.facts.get(name)
                else:
                    local = any(let.name == name for let in indicator.lets)
                    computed = (trace.local_lets[index] or {}) if local else trace.lets
                    value = computed.get(name)
                    if value is None:  # a value the rule did not need (a tier it never reached)
                        if completed is None:
                            completed = trace.complete()
                        value = (completed[1][index] if local else completed[0]).get(name)
                used.append(UsedValue(name=name, value=value, type=self.program.value_type(name, indicator),
                                      definition=definition,
                                      note=trace.notes.get(name) if definition is None else None))
            results.append(IndicatorResult(indicator=indicator, score=self.scores[index],
                                           branch=self.branches[index], values=tuple(used),
                                           workings=tuple(w for w in trace.workings if w.indicator == index)))
        return tuple(results)

    @property
    def max_total(self) -> Decimal:
        return self.program.total

    @property
    def title(self) -> str:
        return self.program.title

    def indicator(self, name: str) -> IndicatorResult:
        """The result of the indicator called `name` (KeyError if there is none)."""
        for result in self.indicators:
            if result.name == name:
                return result
        raise KeyError(name)

    def _vetoes(self) -> list[dict[str, Any]]:
        """Every 一票否决 of the rules, and whether it held for this unit."""
        held = {w.veto for w in self.trace.workings if isinstance(w, VetoWorking)}
        return [_veto_dict(self.program, key, key in held) for key in range(len(self.program.vetoes))]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document; numbers are Decimals, to be written exactly (see `report.json_report`)."""
        return {
            "format": DOCUMENT_FORMAT,
            "title": self.program.title,
            "rules": self.program.source.name,
            "facts": self.facts_name,
            "total": self.total,
            **({"total_exact": self.exact_total} if self.exact_total is not None else {}),
            **({"applicable_weight": self.applicable_weight, "unscaled_total": self.unscaled_total}
               if self.applicable_weight is not None else {}),
            "max_total": self.program.total,
            "grade": self.grade,
            "grades": [
                {"grade": band.label, "min": band.threshold,
                 **({"inclusive": band.inclusive} if band.threshold is not None else {})}
                for band in self.program.grades
            ],
            "groups": [
                {"name": g.group.name, "path": list(g.group.path), "weight": g.group.weight,
                 **({"weight_applied": self.group_weight(g)} if self.group_weight(g) != g.group.weight else {}),
                 "score": g.score,
                 **({"score_exact": g.exact} if self.program.rounding_of("groups") is not None else {})}
                for g in self.groups
            ],
            "indicators": [_indicator_dict(r, self.program) for r in self.indicators],
            **({"vetoes": self._vetoes()} if self.program.vetoes else {}),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "audit": self.audit.to_dict(),
        }


def _veto_dict(program: model.Program, key: int, held: bool) -> dict[str, Any]:
    veto = program.vetoes[key]
    return {"condition": text_of(program, veto.condition), "where": veto.where, "name": veto.name,
            "effect": "grade_at_most" if veto.grade_cap else "zero", "grade": veto.grade_cap, "held": held}


def unit_name(value_type: ValueType | None) -> str | None:
    """The unit a JSON number is in: `元`, a count unit, `ratio` (for percentages), or None."""
    if isinstance(value_type, NumberType):
        if value_type.percent or not value_type.dim:
            return "ratio" if value_type.percent else None
        if value_type.dim == ((MONEY, 1),):
            return "元"
        if value_type.dim == ((POINTS, 1),):
            return "分"
        return dim_name(value_type.dim)
    return None


def kind_name(value_type: ValueType | None) -> str:
    if isinstance(value_type, NumberType):
        return "number"
    if isinstance(value_type, JudgementType):
        return "judgement"
    if isinstance(value_type, BoolType):
        return "boolean"
    if isinstance(value_type, TextType):
        return "text"
    if isinstance(value_type, DateType):
        return "date"
    if isinstance(value_type, ListType):
        return "list"
    return "text"


def _value_dict(used: UsedValue, program: model.Program) -> dict[str, Any]:
    data: dict[str, Any] = {"name": used.name, "kind": "fact" if used.is_fact else "derived",
                            "type": kind_name(used.type)}
    unit = unit_name(used.type)
    if unit is not None:
        data["unit"] = unit
    data["value"] = date_text(used.value) if isinstance(used.type, DateType) and isinstance(used.value, Decimal) \
        else used.value
    data["display"] = format_value(used.value, used.type) if used.value is not None else None
    if used.definition is not None:
        data["formula"] = text_of(program, used.definition.expr)
    if used.note:
        data["note"] = used.note
    return data


def text_of(program: model.Program, node: ast.Expr | ast.ScoreBy) -> str:
    """`unparse(node)` for a node of `program`, computed once per program."""
    texts = program.node_texts
    entry = texts.get(id(node))
    if entry is not None and entry[0] is node:  # the node itself, not one that reused a dead node's id
        return entry[1]
    text = _score_by_text(program, node) if isinstance(node, ast.ScoreBy) else unparse(node)
    texts[id(node)] = (node, text)
    return text


def fired_description(result: IndicatorResult, program: model.Program) -> dict[str, Any] | None:
    """What decided the score: the tier or judgement arm that fired, in document form."""
    rule = result.indicator.rule
    if result.branch is None:
        return None
    if isinstance(rule, ast.ScoreBy):
        arm = rule.arms[result.branch]
        return {"kind": "judgement", "index": result.branch,
                "value": arm.value.value if arm.value is not None else None,
                "score": text_of(program, arm.score)}
    assert isinstance(rule.expr, ast.Tiered)
    tiers = rule.expr.tiers
    if result.branch >= len(tiers):
        assert rule.expr.default is not None
        return {"kind": "else", "index": result.branch, "condition": None,
                "score": text_of(program, rule.expr.default)}
    tier = tiers[result.branch]
    return {"kind": "tier", "index": result.branch, "condition": text_of(program, tier.condition),
            "score": text_of(program, tier.score)}


def _working_dict(working: Working, program: model.Program) -> dict[str, Any]:
    """How a deduction or a checklist scored, in document form (exact decimals in base units: 8% is 0.08)."""
    if isinstance(working, DeductionWorking):
        node = working.node
        return {"kind": "deduction", "base": working.base, "prorated": node.prorated,
                "steps": [{"gap": text_of(program, step.gap), "gap_value": gap, "step": base_value(step.step),
                           "steps": count, "points_per_step": step.points.value, "points_off": off}
                          for step, (gap, count, off) in zip(node.steps, working.steps, strict=True)],
                "deducted": working.deducted, "limit": node.limit.value if node.limit is not None else None,
                "taken": working.taken, "score": working.score}
    if isinstance(working, ProportionWorking):
        return {"kind": "proportion", "actual": text_of(program, working.node.actual), "actual_value": working.actual,
                "target": text_of(program, working.node.target), "target_value": working.target,
                "direction": "lower" if working.lower else "higher", "ratio": working.ratio,
                "capped": working.capped, "zero": working.zero, "score": working.score}
    if isinstance(working, InterpolationWorking):
        levels = working.node.levels
        return {"kind": "interpolation", "subject": text_of(program, working.node.subject), "value": working.value,
                "levels": [[base_value(x), base_value(y)] for x, y in levels],
                "segment": working.segment, "score": working.score}
    if isinstance(working, NotApplicableWorking):
        missing = {"missing": True} if working.missing else {}
        return {"kind": "not_applicable", "facts": list(working.facts), **missing}
    if isinstance(working, MissingWorking):
        return {"kind": "missing", "facts": list(working.facts), "score": working.score}
    if isinstance(working, MovedWeightWorking):
        return {"kind": "weight_moved_in", "from": list(working.givers),
                "weight": working.weight, "moved": working.moved, "rule_score": working.rule_score,
                "score": working.score}
    if isinstance(working, VetoWorking):
        assert working.rule is not None
        return {"kind": "veto", "condition": text_of(program, working.rule.condition), "where": working.rule.where,
                "rule_score": working.rule_score, "score": 0}
    if isinstance(working, RoundingWorking):
        return {"kind": "rounding", "exact": working.exact, "score": working.score, "places": working.places,
                "mode": "down" if working.down else "half_up"}
    if isinstance(working, OverrideWorking):
        return {"kind": "override", "fact": working.fact, "rule_score": working.rule_score, "score": working.score,
                "reason": working.reason}
    if isinstance(working, JudgedWorking):
        return {"kind": "judged", "value": text_of(program, working.node.value), "low": working.low,
                "high": working.high, "score": working.score}
    assert isinstance(working, ChecklistWorking)
    return {"kind": "checklist",
            "items": [{"condition": text_of(program, item.condition), "held": held, "points": item.points.value}
                      for item, held in zip(working.node.items, working.held, strict=True)],
            "score": working.score}


def _indicator_dict(result: IndicatorResult, program: model.Program) -> dict[str, Any]:
    indicator = result.indicator
    rule = indicator.rule
    line, column = indicator.span.line_col
    workings = {"workings": [_working_dict(w, program) for w in result.workings]} if result.workings else {}
    return {
        "name": indicator.name,
        "path": list(indicator.path),
        "weight": indicator.weight,
        **({"weight_applied": result.weight_applied} if result.weight_applied != indicator.weight else {}),
        "score": result.score,
        "lost": result.lost,
        "explanation": indicator.explanation,
        "standard": indicator.standard,
        "target": indicator.target,
        "actual": result.actual,
        "rule": text_of(program, rule.expr if isinstance(rule, ast.ScoreExpr) else rule),
        "line": line,
        "column": column,
        "fired": fired_description(result, program),
        "values": [_value_dict(v, program) for v in result.values],
        **workings,
    }


def _score_by_text(program: model.Program, rule: ast.ScoreBy) -> str:
    arms = ", ".join(
        (f'"{arm.value.value}"' if arm.value is not None else "otherwise") + f" -> {text_of(program, arm.score)}"
        for arm in rule.arms
    )
    return f"by {text_of(program, rule.subject)} {{ {arms} }}"


def actual_value(result: IndicatorResult) -> str:
    """The 实际完成值: the value the scoring standard is about (the subject of its tiers or judgement), as the
    trace shows it, with the report's wording when the facts give one; else every fact the rule read."""
    by_name = {used.name: used for used in result.values}
    rule = result.indicator.rule
    subject: ast.Expr | None = None
    if isinstance(rule, ast.ScoreBy):
        subject = rule.subject
    elif isinstance(rule.expr, ast.Tiered):
        subjects = {found for tier in rule.expr.tiers for found in _subjects(tier.condition)}
        subject = subjects.pop() if len(subjects) == 1 else None
    if isinstance(subject, ast.Ref) and subject.name in by_name:
        return _shown(by_name[subject.name])
    facts = [used for used in result.values if used.is_fact]
    if len(facts) == 1:
        return _shown(facts[0])
    return "；".join(f"{used.name} {_shown(used)}" for used in facts)


def _subjects(condition: ast.Expr) -> set[ast.Expr | None]:
    """What each part of a condition is about: `甲 >= 3 人 and 乙 >= 2 人` is about 甲 and 乙."""
    if isinstance(condition, ast.BoolOp):
        return {found for operand in condition.operands for found in _subjects(operand)}
    if isinstance(condition, ast.Not):
        return _subjects(condition.operand)
    return {subject_of(condition)}


def _shown(used: UsedValue) -> str:
    if used.value is None:
        return "—"
    shown = format_value(used.value, used.type)
    if isinstance(used.value, str) and shown.startswith('"') and shown.endswith('"'):
        shown = shown[1:-1]
    return f"{shown}（{used.note}）" if used.note else shown
