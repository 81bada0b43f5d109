"""The syntax tree of a rule file: small immutable nodes, each with the span it was written at.

Nodes mirror the grammar's rules (grammar/perfeval.lark) and carry no behaviour. Spans are excluded from
equality and repr, so two files that say the same thing compare equal wherever they were written. Imports
only `source`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Union

import attrs

from perfeval_dsl.source import Span

_span = attrs.field(eq=False, repr=False)


# ---- expressions -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Number:
    """A number as written: `5`, `10%` (value 0.10, unit `%`), `4800 万元` (value 4800, unit `万元`)."""

    value: Decimal
    unit: str | None
    span: Span = _span


@attrs.frozen(kw_only=True)
class Date:
    """A day as written in a rule: `2023-06-30` or `2023年6月30日`; `value` is None for a day the calendar lacks
    (`2023-02-30`), which the checker reports."""

    text: str
    value: datetime.date | None
    span: Span = _span


@attrs.frozen(kw_only=True)
class String:
    value: str
    span: Span = _span


@attrs.frozen(kw_only=True)
class Bool:
    value: bool
    span: Span = _span


@attrs.frozen(kw_only=True)
class Ref:
    """A name of a fact or a derived value."""

    name: str
    span: Span = _span


@attrs.frozen(kw_only=True)
class FieldRef(Ref):
    """`子项目.培训人数`: one field of every item of a list fact (`name`), read by `合计`, `加权平均` and the like.
    A `Ref` too, so that whatever collects the names a rule reads finds the list."""

    field: str
    field_span: Span = _span


@attrs.frozen(kw_only=True)
class WeightRef:
    """`weight`: the weight (分值) of the indicator the expression is in."""

    span: Span = _span


@attrs.frozen(kw_only=True)
class Call:
    function: str
    args: tuple[Expr, ...]
    span: Span = _span
    name_span: Span = _span


@attrs.frozen(kw_only=True)
class Unary:
    op: str  # "-" or "+"
    operand: Expr
    span: Span = _span


@attrs.frozen(kw_only=True)
class Binary:
    op: str  # "+", "-", "*", "/"
    left: Expr
    right: Expr
    span: Span = _span
    op_span: Span = _span


@attrs.frozen(kw_only=True)
class Compare:
    """`a <= b`, or a chain `80% <= x < 90%` meaning `80% <= x and x < 90%`."""

    operands: tuple[Expr, ...]
    ops: tuple[str, ...]  # canonical: "<", "<=", ">", ">=", "==", "!="
    span: Span = _span


@attrs.frozen(kw_only=True)
class Between:
    """`x between a and b`: a <= x <= b, both ends included (the reading of 介于 a-b)."""

    subject: Expr
    low: Expr
    high: Expr
    span: Span = _span


@attrs.frozen(kw_only=True)
class PartialCompare:
    """`<= 20%` in a later tier: the subject is the one of the tier before."""

    op: str
    right: Expr
    span: Span = _span


@attrs.frozen(kw_only=True)
class PartialBetween:
    low: Expr
    high: Expr
    span: Span = _span


@attrs.frozen(kw_only=True)
class BoolOp:
    op: str  # "and" or "or"
    operands: tuple[Expr, ...]
    span: Span = _span


@attrs.frozen(kw_only=True)
class Not:
    operand: Expr
    span: Span = _span


@attrs.frozen(kw_only=True)
class Tier:
    """`score if condition`: one band of a tiered rule."""

    score: Expr
    condition: Expr
    span: Span = _span


@attrs.frozen(kw_only=True)
class Tiered:
    """`5 if a else 3 if b else 0`: the first tier whose condition holds gives the value; else `default`."""

    tiers: tuple[Tier, ...]
    default: Expr | None
    span: Span = _span


@attrs.frozen(kw_only=True)
class DeductionStep:
    """`按 差距 每 3% 扣 1 分`: `points` off for each `step` of `gap` (nothing for a gap of 0 or less)."""

    gap: Expr
    step: Number
    points: Number
    span: Span = _span


@attrs.frozen(kw_only=True)
class Deduction:
    """Points off a base (the weight when `base` is None) per step of one or more gaps (扣分), at most
    `limit` in all, never below 0. Steps count whole unless `prorated` (按比例): 8% at 3% a step is 2."""

    base: Expr | None
    steps: tuple[DeductionStep, ...]
    limit: Number | None
    prorated: bool
    span: Span = _span


@attrs.frozen(kw_only=True)
class ChecklistItem:
    """`有财务管理制度 得 1 分`: one item of a checklist."""

    condition: Expr
    points: Number
    span: Span = _span


@attrs.frozen(kw_only=True)
class Checklist:
    """`逐项 { … }`: the points of every item whose condition holds, added up (逐项计分)."""

    items: tuple[ChecklistItem, ...]
    span: Span = _span


@attrs.frozen(kw_only=True)
class Proportion:
    """`按比例 实际 对 目标`: the weight times actual / target (target / actual for a 反向 indicator), at most
    the weight."""

    actual: Expr
    target: Expr
    span: Span = _span


@attrs.frozen(kw_only=True)
class Judged:
    """`评定 评价组打分 介于 80% 与 100%`: a score the evaluation team gives, which must lie in the band (a
    percentage is of the weight)."""

    value: Expr
    low: Number
    high: Number
    span: Span = _span


@attrs.frozen(kw_only=True)
class Interpolation:
    """`按 完成率 插值 { 60% → 0，80% → 6，100% → 10 }`: the score on the straight line between the two levels
    around the subject; the first level's score below them all, the last one's above."""

    subject: Expr
    levels: tuple[tuple[Number, Number], ...]
    span: Span = _span


Expr = Union[  # noqa: UP007
    Number, Date, String, Bool, Ref, FieldRef, WeightRef, Call, Unary, Binary, Compare, Between, PartialCompare,
    PartialBetween, BoolOp, Not, Tiered, Deduction, Checklist, Proportion, Judged,
    Interpolation,
]


# ---- declarations ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Title:
    text: str
    span: Span = _span


@attrs.frozen(kw_only=True)
class Total:
    points: Number
    span: Span = _span


@attrs.frozen(kw_only=True)
class GradeBand:
    """`优 >= 90` (threshold set) or `差 otherwise` (threshold None)."""

    label: str
    op: str | None
    threshold: Number | None
    span: Span = _span


@attrs.frozen(kw_only=True)
class Grades:
    bands: tuple[GradeBand, ...]
    span: Span = _span


@attrs.frozen(kw_only=True)
class Rounding:
    """`取整 总分 保留 1 位 截尾`: how `target` ("indicators", "groups" or "total") is rounded; `grade_exact`
    when the grade reads the total before rounding."""

    target: str
    places: int
    down: bool
    grade_exact: bool
    span: Span = _span


@attrs.frozen(kw_only=True)
class NotApplicable:
    """`不适用 按比例折算`: what an indicator reading a fact given as 不适用 does (today: `rescale`)."""

    mode: str
    span: Span = _span


@attrs.frozen(kw_only=True)
class FactTypeDecl:
    """`元`, `%`, `人`, `number`, `boolean`, `text`, `date`, `"a" | "b" | "c"` or `list { 名称: 单位, … }`."""

    kind: str  # "unit", "number", "boolean", "text", "date", "judgement", "list"
    unit: str | None = None
    options: tuple[String, ...] = ()
    fields: tuple[FactDecl, ...] = ()  # a list's fields
    span: Span = _span


@attrs.frozen(kw_only=True)
class FactRange:
    """`between 0% and 100%` after a fact's type: the values it can take, both ends included."""

    low: Number
    high: Number
    span: Span = _span


@attrs.frozen(kw_only=True)
class FactDecl:
    name: str
    type: FactTypeDecl
    range: FactRange | None = None
    span: Span = _span
    name_span: Span = _span


@attrs.frozen(kw_only=True)
class Let:
    name: str
    expr: Expr
    span: Span = _span
    name_span: Span = _span


@attrs.frozen(kw_only=True)
class TextField:
    """`explanation`, `standard` or `target` of an indicator (the report's wording, kept as text), its
    `direction` (the word as written: `higher`, `lower`, `正向`, `反向`), or its `override` (the name of the fact
    that may replace its score)."""

    kind: str
    text: str
    span: Span = _span


@attrs.frozen(kw_only=True)
class ScoreExpr:
    """`score <expr>`; `condition_first` when the tiers were written `若 … 得 …` / `if … then …` (the same
    meaning, kept so that `perfeval fmt` writes the form the user chose)."""

    expr: Expr
    span: Span = _span
    condition_first: bool = attrs.field(default=False, eq=False, repr=False)


@attrs.frozen(kw_only=True)
class MatchArm:
    """`"制定并实施" -> 3`, or `otherwise -> 0` when `value` is None."""

    value: String | None
    score: Expr
    span: Span = _span


@attrs.frozen(kw_only=True)
class ScoreBy:
    """`score by 资产管理制度 { "制定并实施" -> 3 ... }`: a score per judgement."""

    subject: Expr
    arms: tuple[MatchArm, ...]
    span: Span = _span


@attrs.frozen(kw_only=True)
class Veto:
    """`一票否决 若 条件`: when the condition holds, every score of what it stands in is 0; with `grade_cap`
    (`，等级最高为 中`) the scores stay and the grade is at most that one."""

    condition: Expr
    grade_cap: str | None
    span: Span = _span


@attrs.frozen(kw_only=True)
class IfMissing:
    """`缺失时 不得分` / `缺失时 得 2 分` (`score` is the points) or `缺失时 不适用` (`score` is None): what the
    indicator does when a fact it reads is not in the facts."""

    score: Number | None
    span: Span = _span


@attrs.frozen(kw_only=True)
class MovesWeight:
    """`不适用时 分值转入 产出, 效益`: the groups or indicators that take the indicator's weight when it does not
    apply, and where each name is written."""

    targets: tuple[str, ...]
    target_spans: tuple[Span, ...] = _span
    span: Span = _span


ScoreRule = Union[ScoreExpr, ScoreBy]  # noqa: UP007
IndicatorItem = Union[TextField, Let, ScoreExpr, ScoreBy, Veto, IfMissing, MovesWeight]  # noqa: UP007


@attrs.frozen
class EqualShare:
    """`分值 平分`: an equal share of what the group's weight leaves after the weights of its other parts."""

    span: Span = _span


@attrs.frozen(kw_only=True)
class Indicator:
    name: str
    weight: Number | EqualShare
    items: tuple[IndicatorItem, ...]
    span: Span = _span
    name_span: Span = _span


@attrs.frozen(kw_only=True)
class Group:
    name: str
    weight: Number | EqualShare | None
    children: tuple[Group | Indicator, ...]
    span: Span = _span
    name_span: Span = _span
    vetoes: tuple[Veto, ...] = ()


Item = Union[Title, Total, Grades, Rounding, NotApplicable, FactDecl, Let, Veto, Group, Indicator]  # noqa: UP007


@attrs.frozen(kw_only=True)
class RuleFile:
    items: tuple[Item, ...]
    span: Span = _span


# ---- walking the tree -------------------------------------------------------------------------


# Functions over a list fact's items (P26: 绝对值直接累加计算，相对值按照资金额度加权平均计算), by name as written.
LIST_FUNCTIONS = {"sum": "sum", "合计": "sum", "count": "count", "个数": "count", "weighted_mean": "weighted_mean",
                  "加权平均": "weighted_mean"}


def is_literal(expr: Expr) -> bool:
    if isinstance(expr, Unary):
        return is_literal(expr.operand)
    return isinstance(expr, (Number, String, Bool, Date))


def subject_of(condition: Expr) -> Expr | None:
    """What a tier's condition is about: `偏差率` in `偏差率 <= 10%` or in `80% <= 偏差率 < 90%`.

    None when that is not clear: `目标值 <= 实际值` compares two values, and a later tier written as
    `if >= 90 个` could mean either.
    """
    if isinstance(condition, Compare):
        values = [operand for operand in condition.operands if not is_literal(operand)]
        return values[0] if len(values) == 1 else None
    if isinstance(condition, Between):
        return condition.subject
    if isinstance(condition, BoolOp):
        return subject_of(condition.operands[0])
    return None


def walk(expr: Expr) -> Iterator[Expr]:
    """`expr` and every expression inside it, parents first."""
    yield expr
    for child in children(expr):
        yield from walk(child)


def children(expr: Expr) -> tuple[Expr, ...]:
    """The expressions directly inside `expr`."""
    children: tuple[Expr, ...]
    match expr:
        case Call(args=args):
            children = args
        case Unary(operand=operand) | Not(operand=operand):
            children = (operand,)
        case Binary(left=left, right=right):
            children = (left, right)
        case Compare(operands=operands) | BoolOp(operands=operands):
            children = operands
        case Between(subject=subject, low=low, high=high):
            children = (subject, low, high)
        case PartialCompare(right=right):
            children = (right,)
        case PartialBetween(low=low, high=high):
            children = (low, high)
        case Tiered(tiers=tiers, default=default):
            children = tuple(e for t in tiers for e in (t.condition, t.score))
            children += (default,) if default is not None else ()
        case Deduction(base=base, steps=steps, limit=limit):
            children = (base,) if base is not None else ()
            children += tuple(e for s in steps for e in (s.gap, s.step, s.points))
            children += (limit,) if limit is not None else ()
        case Checklist(items=items):
            children = tuple(e for item in items for e in (item.condition, item.points))
        case Proportion(actual=actual, target=target):
            children = (actual, target)
        case Judged(value=value, low=low, high=high):
            children = (value, low, high)
        case Interpolation(subject=subject, levels=levels):
            children = (subject, *(end for level in levels for end in level))
        case _:
            children = ()
    return children
