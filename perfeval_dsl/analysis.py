"""Static analysis: what every scoring rule does over all the values its facts could take, with no facts.

Reads a checked `model.Program` and returns findings as warnings with stable codes (PE6xx, docs/errors.md):

- **Tier charts.** A tier chain over one numeric subject (`5 if 偏差率 <= 10% else 3 if <= 20% else 0`) is
  turned into a partition of the subject's axis, exactly in decimals: which tier takes each value. From it
  come gaps between tiers that fall to `else` (PE601) or to no tier at all (PE607), tiers whose bands
  overlap (PE602), tiers that can never apply (PE603), an `else` that can never apply (PE604), and scores
  that move against the indicator's declared direction (PE606). `perfeval boundaries` prints the same charts.
- **Score ranges.** Interval arithmetic over the facts bounds what each branch can score (PE605). Counts
  are whole and never negative; other facts may take any value, except that a proportion (按比例) takes the facts
  it reads with no declared range as not negative. A tier's condition narrows what it compares within the tier's
  score, wherever the tier is written: `weight * 完成率 if 完成率 <= 100%` is known to stay within the weight, and
  in `let 比例 = 1 if 变动率 <= 10% else 10% / 变动率` only a 变动率 above 10% is divided by.

Findings are about the standard as written, so each names the values involved in the subject's own unit.
Imports `ast`, `model`, `check` (its tree helpers), `values`, `errors`, `unparse`.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from decimal import Decimal

import attrs
import portion as P

from perfeval_dsl import ast, model
from perfeval_dsl.ast import LIST_FUNCTIONS, subject_of, walk
from perfeval_dsl.errors import Chinese, Diagnostic, warning
from perfeval_dsl.model import band_points, base_value
from perfeval_dsl.unparse import unparse
from perfeval_dsl.values import (
    CONTEXT,
    FIRST_DAY,
    LAST_DAY,
    DateType,
    ListType,
    NumberType,
    counted_unit,
    date_text,
    day_number,
    format_value,
    number_type_for_unit,
    plain,
)

INFINITY = Decimal("Infinity")

# Interval arithmetic may meet ∞ - ∞ or 0 × ∞; those give "anything", never an exception.
_ARITHMETIC = CONTEXT.copy()
_ARITHMETIC.traps[decimal.InvalidOperation] = False
_ARITHMETIC.traps[decimal.DivisionByZero] = False
_ARITHMETIC.traps[decimal.Overflow] = False


# ---- value ranges ------------------------------------------------------------------------------


@attrs.frozen
class Range:
    """The values an expression can take: a closed hull `lo … hi` (either end may be infinite), and whether
    only whole numbers occur (a count of people, a number of projects)."""

    lo: Decimal
    hi: Decimal
    whole: bool = False

    @classmethod
    def point(cls, value: Decimal) -> Range:
        return cls(value, value, whole=value == value.to_integral_value())

    @classmethod
    def anything(cls) -> Range:
        return cls(-INFINITY, INFINITY)

    def as_interval(self) -> P.Interval:
        return P.closed(-P.inf if self.lo == -INFINITY else self.lo, P.inf if self.hi == INFINITY else self.hi)

    def hull(self, other: Range) -> Range:
        return Range(min(self.lo, other.lo), max(self.hi, other.hi), self.whole and other.whole)


def _clean(value: Decimal, fallback: Decimal) -> Decimal:
    return fallback if value.is_nan() else value


def _product(a: Decimal, b: Decimal) -> Decimal:
    if a == 0 or b == 0:  # 0 × ∞ is 0 here: a zero factor zeroes whatever the other becomes
        return Decimal(0)
    return _ARITHMETIC.multiply(a, b)


def _multiply(a: Range, b: Range) -> Range:
    corners = [_product(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Range(min(corners), max(corners), a.whole and b.whole)


def _divisor_sides(b: Range) -> list[Range]:
    """The values of a divisor other than 0 (dividing by 0 stops the evaluation, PE501), as stretches that
    each keep to one side of 0; an end at 0 stands for values approaching it."""
    if b.whole:
        # A whole divisor is never nearer 0 than 1 or -1.
        sides = [Range(b.lo, min(b.hi, Decimal(-1)), whole=True)] if b.lo <= -1 else []
        return sides + ([Range(max(b.lo, Decimal(1)), b.hi, whole=True)] if b.hi >= 1 else [])
    if b.lo == 0 and b.hi == 0:
        return []
    if b.lo < 0 < b.hi:
        return [Range(b.lo, Decimal(0)), Range(Decimal(0), b.hi)]
    return [b]


def _quotients(x: Decimal, y: Decimal, positive: bool) -> list[Decimal]:
    """`x / y` at a corner of two ranges, or the values it approaches there; `positive` is the side of 0 the
    divisor keeps to, for a `y` of 0 approached from it."""
    if x == 0:
        return [Decimal(0)]
    sign = 1 if (x > 0) == (positive if y == 0 else y > 0) else -1
    if y == 0:
        return [sign * INFINITY]
    if y.is_infinite():
        # ∞ / ∞ may approach any value of its sign; a finite number over ∞ approaches 0.
        return [Decimal(0), sign * INFINITY] if x.is_infinite() else [Decimal(0)]
    if x.is_infinite():
        return [sign * INFINITY]
    # Divided as the evaluator divides: a × (1 / b) can come out one digit above a bound the score meets.
    return [_ARITHMETIC.divide(x, y)]


def _quotient(a: Range, b: Range) -> Range | None:
    """a / b over the values of b other than 0, or None when b has no other value."""
    sides = _divisor_sides(b)
    if not sides:
        return None
    corners = [q for side in sides for x in (a.lo, a.hi) for y in (side.lo, side.hi)
               for q in _quotients(x, y, side.hi > 0)]
    return Range(min(corners), max(corners))


def _round_range(value: Range, call: ast.Call) -> Range:
    places_expr = call.args[1] if len(call.args) > 1 else None
    places = int(places_expr.value) if isinstance(places_expr, ast.Number) else 0
    exponent = Decimal(1).scaleb(-places)
    rounding = decimal.ROUND_HALF_UP if call.function == "round" else decimal.ROUND_DOWN

    def at(x: Decimal) -> Decimal:
        return x if x.is_infinite() else x.quantize(exponent, rounding=rounding, context=_ARITHMETIC)

    return Range(at(value.lo), at(value.hi), value.whole or places == 0)


class Ranges:
    """Computes `Range`s of expressions of one program; `assume` narrows chosen sub-expressions."""

    def __init__(self, program: model.Program) -> None:
        self.program = program
        # A derived value read in many places, or tested by a tier and then used in its branches, is worked out
        # once for each set of assumptions: without this, lets built on lets take time exponential in the chain.
        self._derived: dict[tuple[str, int, frozenset[tuple[ast.Expr, Range]]], Range] = {}

    def of(self, expr: ast.Expr, indicator: model.Indicator | None,
           assume: dict[ast.Expr, Range] | None = None) -> Range:
        assume = assume or {}
        if expr in assume:
            return assume[expr]
        match expr:
            case ast.Number():
                return Range.point(base_value(expr))
            case ast.Date(value=day) if day is not None:
                return Range.point(day_number(day))
            case ast.WeightRef():
                return Range.point(indicator.weight) if indicator is not None else Range.anything()
            case ast.FieldRef(name=name, field=field):  # one item's value, as a fact of the field's type
                list_type = self.program.value_type(name, indicator)
                field_type = list_type.field(field) if isinstance(list_type, ListType) else None
                label = counted_unit(field_type)
                return Range(Decimal(0), INFINITY, whole=label != "天") if label is not None else Range.anything()
            case ast.Ref(name=name):
                return self._name(name, indicator, assume)
            case ast.Unary(op="-", operand=operand):
                inner = self.of(operand, indicator, assume)
                return Range(-inner.hi, -inner.lo, inner.whole)
            case ast.Unary(operand=operand):
                return self.of(operand, indicator, assume)
            case ast.Binary(op=op, left=left, right=right):
                a, b = self.of(left, indicator, assume), self.of(right, indicator, assume)
                return self._binary(op, a, b)
            case ast.Call(function=function, args=args) if function in LIST_FUNCTIONS:  # over a list's items
                return self._over_items(LIST_FUNCTIONS[function], args, indicator, assume)
            case ast.Call(function=function, args=args):
                ranges = [self.of(arg, indicator, assume) for arg in args]
                if function == "abs":
                    (x,) = ranges
                    if x.lo >= 0:
                        return x
                    if x.hi <= 0:
                        return Range(-x.hi, -x.lo, x.whole)
                    return Range(Decimal(0), max(-x.lo, x.hi), x.whole)
                if function == "min":
                    return Range(min(r.lo for r in ranges), min(r.hi for r in ranges), all(r.whole for r in ranges))
                if function == "max":
                    return Range(max(r.lo for r in ranges), max(r.hi for r in ranges), all(r.whole for r in ranges))
                return _round_range(ranges[0], expr)
            case ast.Deduction(base=base, limit=limit):
                # Anything from the base down to 0, or down to the base less the limit.
                start = self.of(base, indicator, assume) if base is not None else (
                    Range.point(indicator.weight) if indicator is not None else Range.anything())
                floor = Decimal(0)
                if limit is not None:
                    floor = max(floor, _clean(_ARITHMETIC.subtract(start.lo, limit.value), -INFINITY))
                return Range(min(floor, max(start.lo, Decimal(0))), max(start.hi, Decimal(0)), whole=False)
            case ast.Proportion(actual=actual, target=target):
                return self._proportion(actual, target, indicator, assume)
            case ast.Judged(low=low, high=high):
                if indicator is None:
                    return Range.anything()
                return Range(band_points(low, indicator.weight), band_points(high, indicator.weight))
            case ast.Interpolation(levels=levels):
                scores = [base_value(points) for _, points in levels]
                return Range(min(scores), max(scores))
            case ast.Checklist(items=items):
                points = [item.points.value for item in items]
                return Range(Decimal(0), sum(points, Decimal(0)), whole=all(p == p.to_integral_value() for p in points))
            case ast.Tiered(tiers=tiers, default=default):
                found = [self.of(branch, indicator, within)
                         for branch, within in self.branches(expr, indicator, assume)]
                if not found:  # no value reaches any branch: such a unit stops with PE502 and scores nothing
                    found = [self.of(branch, indicator, assume) for branch in
                             [*(tier.score for tier in tiers), *([default] if default is not None else [])]]
                result = found[0]
                for other in found[1:]:
                    result = result.hull(other)
                return result
        return Range.anything()

    def branches(self, tiered: ast.Tiered, indicator: model.Indicator | None,
                 assume: dict[ast.Expr, Range]) -> list[tuple[ast.Expr, dict[ast.Expr, Range]]]:
        """The branches of a tier chain that some values reach, each with `assume` narrowed to what reaching it
        leaves: its own tier's condition holds and every earlier one fails (`1 if x <= 10% else 10% / x` divides
        only by an x above 10%)."""
        found: list[tuple[ast.Expr, dict[ast.Expr, Range]]] = []
        failed: list[dict[ast.Expr, P.Interval]] = []
        for tier in tiered.tiers:
            within = self._within(_all_of([_narrowed(tier.condition, True, indicator), *failed]), indicator, assume)
            if within is not None:
                found.append((tier.score, within))
            failed.append(_narrowed(tier.condition, False, indicator))
        if tiered.default is not None:
            within = self._within(_all_of(failed), indicator, assume)
            if within is not None:
                found.append((tiered.default, within))
        return found

    def _within(self, values: dict[ast.Expr, P.Interval], indicator: model.Indicator | None,
                assume: dict[ast.Expr, Range]) -> dict[ast.Expr, Range] | None:
        """`assume` with each subject of `values` narrowed to them; None when a subject has no value left."""
        narrowed = dict(assume)
        for subject, allowed in values.items():
            known = self.of(subject, indicator, assume)
            left = known.as_interval() & allowed
            if not _has_value(left, known.whole):
                return None
            narrowed[subject] = _hull(left, known.whole)
        return narrowed

    def _over_items(self, function: str, args: tuple[ast.Expr, ...], indicator: model.Indicator | None,
                    assume: dict[ast.Expr, Range]) -> Range:
        """`合计`, `加权平均` or `个数` over a list with any number of items: a sum keeps only the sign of its field's
        values, a weighted mean (with weights that cannot be negative) stays within them."""
        if function == "count":
            return Range(Decimal(0), INFINITY, whole=True)
        values = self.of(args[0], indicator, assume)
        if function == "sum":
            if values.lo >= 0:
                return Range(Decimal(0), INFINITY if values.hi > 0 else Decimal(0), values.whole)
            if values.hi <= 0:
                return Range(-INFINITY if values.lo < 0 else Decimal(0), Decimal(0), values.whole)
            return Range.anything()
        weights = self.of(args[1], indicator, assume)
        return Range(values.lo, values.hi) if weights.lo >= 0 else Range.anything()

    def _proportion(self, actual: ast.Expr, target: ast.Expr, indicator: model.Indicator | None,
                    assume: dict[ast.Expr, Range]) -> Range:
        """The weight times actual / target (target / actual for 反向), at most the weight; the weight when the
        divisor is 0, as the evaluator scores it. Nothing holds it at 0 from below: an actual or a target below 0
        gives a negative ratio, and the evaluation stops with PE503."""
        if indicator is None:
            return Range.anything()
        # 按比例 compares what was achieved with what was planned: amounts, counts, rates. A fact it reads with
        # no declared range is taken as not negative, as the form's promise of 0 to the weight takes it; a range
        # the rule declares or computes below 0 (a 变动率 of -100% to 1000%) is taken at its word.
        within = dict(assume)
        for ref in self._facts_read((actual, target), indicator):
            if self.of(ref, indicator).lo != -INFINITY:
                continue  # a count, or a fact with a declared range
            known = assume.get(ref, Range.anything())
            if known.hi > 0:  # a tier that keeps only values of 0 or below is taken at its word too
                within[ref] = Range(max(known.lo, Decimal(0)), known.hi)
        numerator, divisor = self.of(actual, indicator, within), self.of(target, indicator, within)
        if indicator.direction == "lower":
            numerator, divisor = divisor, numerator
        one = Decimal(1)
        ratios = []
        quotient = _quotient(numerator, divisor)
        if quotient is not None:
            ratios.append(quotient)
        if divisor.lo <= 0 <= divisor.hi:
            ratios.append(Range.point(one))
        if not ratios:  # a count declared between 0.5 and 0.7: no value, no score
            return Range.anything()
        ratio = ratios[0].hull(ratios[-1])
        capped = Range(min(ratio.lo, one), min(ratio.hi, one))
        return _multiply(Range.point(indicator.weight), capped)

    def _facts_read(self, exprs: tuple[ast.Expr, ...], indicator: model.Indicator) -> list[ast.Ref]:
        """The facts `exprs` read, directly or through derived values."""
        found: list[ast.Ref] = []
        seen: set[tuple[str, str | None]] = set()  # a list's fields are each read on their own
        pending = list(exprs)
        while pending:
            for sub in walk(pending.pop()):
                if not isinstance(sub, ast.Ref):
                    continue
                key = (sub.name, sub.field if isinstance(sub, ast.FieldRef) else None)
                if key in seen:
                    continue
                seen.add(key)
                definition = self.program.definition(sub.name, indicator)
                if definition is not None:
                    pending.append(definition.expr)
                elif sub.name in self.program.facts:
                    found.append(sub)
        return found

    def _name(self, name: str, indicator: model.Indicator | None, assume: dict[ast.Expr, Range]) -> Range:
        definition = self.program.definition(name, indicator)
        if definition is not None:
            # A top-level derived value never sees the indicator's own names.
            scope = indicator if definition not in self.program.lets.values() else None
            key = (name, id(scope), frozenset(assume.items()))
            if key not in self._derived:
                self._derived[key] = self.of(definition.expr, scope, assume)
            return self._derived[key]
        fact = self.program.facts.get(name)
        found = Range.anything()
        if fact is not None and isinstance(fact.type, DateType):  # a day number, within the years perfeval reads
            return Range(day_number(FIRST_DAY), day_number(LAST_DAY), whole=True)
        label = counted_unit(fact.type) if fact is not None else None
        if label is not None:
            found = Range(Decimal(0), INFINITY, whole=label != "天")
        if fact is not None and fact.low is not None and fact.high is not None:
            found = Range(max(found.lo, fact.low), min(found.hi, fact.high), found.whole)
        return found

    @staticmethod
    def _binary(op: str, a: Range, b: Range) -> Range:
        whole = a.whole and b.whole
        if op == "+":
            return Range(_clean(_ARITHMETIC.add(a.lo, b.lo), -INFINITY), _clean(_ARITHMETIC.add(a.hi, b.hi), INFINITY),
                         whole)
        if op == "-":
            return Range(_clean(_ARITHMETIC.subtract(a.lo, b.hi), -INFINITY),
                         _clean(_ARITHMETIC.subtract(a.hi, b.lo), INFINITY), whole)
        if op == "*":
            return _multiply(a, b)
        quotient = _quotient(a, b)
        return quotient if quotient is not None else Range.anything()  # only 0 to divide by: never a value


# ---- what a condition leaves of its subjects ----------------------------------------------------


def _narrowed(condition: ast.Expr, holds: bool, indicator: model.Indicator | None) -> dict[ast.Expr, P.Interval]:
    """For each value compared with a number in `condition`, the values it can take where the condition holds
    (or, with `holds` False, fails). A value the condition says nothing certain about is left out: in
    `a > 1 or b > 2`, neither is known from the condition holding."""
    match condition:
        case ast.Compare(operands=operands, ops=ops):
            pairs = [_compared(left, op, right, indicator)
                     for left, op, right in zip(operands, ops, operands[1:], strict=False)]
            if holds:
                return _all_of(pairs)
            # A chain fails when any one of its comparisons does.
            return _any_of([{subject: ~values for subject, values in pair.items()} for pair in pairs])
        case ast.Between(subject=subject, low=low, high=high):
            lo, hi = _constant(low, indicator), _constant(high, indicator)
            if lo is None or hi is None or _constant(subject, indicator) is not None:
                return {}
            values = P.closed(lo, hi) if lo <= hi else P.empty()
            return {subject: values if holds else ~values}
        case ast.BoolOp(op=op, operands=operands):
            parts = [_narrowed(part, holds, indicator) for part in operands]
            # `and` holding, like `or` failing, needs every part to; `or` holding needs only one.
            return _all_of(parts) if (op == "and") == holds else _any_of(parts)
        case ast.Not(operand=operand):
            return _narrowed(operand, not holds, indicator)
    return {}


def _compared(left: ast.Expr, op: str, right: ast.Expr, indicator: model.Indicator | None
              ) -> dict[ast.Expr, P.Interval]:
    """What `left op right` holding says of the one side that is not a number."""
    low, high = _constant(left, indicator), _constant(right, indicator)
    if high is not None and low is None:
        return {left: _values_where(op, high)}
    if low is not None and high is None:
        return {right: _values_where(_FLIPPED[op], low)}
    return {}


def _all_of(parts: list[dict[ast.Expr, P.Interval]]) -> dict[ast.Expr, P.Interval]:
    """What every one of `parts` holding together leaves: each value within all that name it."""
    found: dict[ast.Expr, P.Interval] = {}
    for part in parts:
        for subject, values in part.items():
            found[subject] = found[subject] & values if subject in found else values
    return found


def _any_of(parts: list[dict[ast.Expr, P.Interval]]) -> dict[ast.Expr, P.Interval]:
    """What at least one of `parts` holding leaves: only values every part narrows, to any part's values."""
    if not parts:
        return {}
    found = dict(parts[0])
    for part in parts[1:]:
        found = {subject: values | part[subject] for subject, values in found.items() if subject in part}
    return found


def _hull(values: P.Interval, whole: bool) -> Range:
    """The closed hull of a non-empty set of values; for whole numbers, from the first whole value to the last."""
    lo = -INFINITY if values.lower == -P.inf else values.lower
    hi = INFINITY if values.upper == P.inf else values.upper
    if whole:
        lo = lo if lo.is_infinite() else _first(values, True)
        hi = hi if hi.is_infinite() else _last(values, True)
    return Range(lo, hi, whole)


# ---- tier charts -------------------------------------------------------------------------------


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _constant(expr: ast.Expr, indicator: model.Indicator | None) -> Decimal | None:
    """The value of a threshold written as a number (`10%` is 0.10, `4800 万元` is 48,000,000 元)."""
    match expr:
        case ast.Number():
            return base_value(expr)
        case ast.Date(value=day) if day is not None:
            return day_number(day)
        case ast.Unary(op=op, operand=operand):
            inner = _constant(operand, indicator)
            return None if inner is None else (-inner if op == "-" else inner)
        case ast.WeightRef():
            return indicator.weight if indicator is not None else None
    return None


def _values_where(op: str, threshold: Decimal) -> P.Interval:
    """The subject values x for which `x op threshold` holds."""
    return {
        "<": P.open(-P.inf, threshold),
        "<=": P.openclosed(-P.inf, threshold),
        ">": P.open(threshold, P.inf),
        ">=": P.closedopen(threshold, P.inf),
        "==": P.singleton(threshold),
        "!=": ~P.singleton(threshold),
    }[op]


def _condition_values(condition: ast.Expr, subject: ast.Expr, indicator: model.Indicator) -> P.Interval | None:
    """The subject values for which `condition` holds, or None when it depends on anything else."""
    match condition:
        case ast.Compare(operands=operands, ops=ops):
            values = P.open(-P.inf, P.inf)
            for left, op, right in zip(operands, ops, operands[1:], strict=False):
                if left == subject and (threshold := _constant(right, indicator)) is not None:
                    values &= _values_where(op, threshold)
                elif right == subject and (threshold := _constant(left, indicator)) is not None:
                    values &= _values_where(_FLIPPED[op], threshold)
                else:
                    return None
            return values
        case ast.Between(subject=between_subject, low=low, high=high):
            lo, hi = _constant(low, indicator), _constant(high, indicator)
            if between_subject != subject or lo is None or hi is None:
                return None
            return P.closed(lo, hi) if lo <= hi else P.empty()
        case ast.BoolOp(op=op, operands=operands):
            parts = [_condition_values(part, subject, indicator) for part in operands]
            if any(part is None for part in parts):
                return None
            combined = parts[0]
            for part in parts[1:]:
                assert combined is not None and part is not None
                combined = combined & part if op == "and" else combined | part
            return combined
        case ast.Not(operand=operand):
            inner = _condition_values(operand, subject, indicator)
            return None if inner is None else ~inner
    return None


@attrs.frozen
class Band:
    """One stretch of the subject's axis and the branch that scores it: a tier's index, `len(tiers)` for the
    `else`, or None when no tier takes it (the evaluation stops with PE502 there)."""

    values: P.Interval
    branch: int | None


@attrs.frozen
class Probe:
    """One value of the subject tried against the tiers; `inside` is False for a value the subject cannot take
    (a count below 0), which no tier is asked about."""

    value: Decimal
    branch: int | None
    inside: bool = True


@attrs.frozen
class Transition:
    """A tier boundary with the branch just below it, at it, and just above it."""

    boundary: Decimal
    below: Probe
    at: Probe
    above: Probe


@attrs.frozen(kw_only=True)
class TierChart:
    """A tier chain over one numeric subject, laid out along the subject's axis."""

    indicator: model.Indicator
    tiered: ast.Tiered
    subject: ast.Expr
    subject_type: NumberType | DateType  # a date's axis is its day number
    domain: Range
    conditions: tuple[P.Interval, ...]  # the values each tier's condition accepts, within the domain
    bands: tuple[Band, ...]  # ascending, covering the domain

    @property
    def else_branch(self) -> int:
        return len(self.tiered.tiers)

    def branch_at(self, value: Decimal) -> int | None:
        for index, values in enumerate(self.conditions):
            if value in values:
                return index
        return self.else_branch if self.tiered.default is not None else None

    def score_expr(self, branch: int | None) -> ast.Expr | None:
        if branch is None:
            return None
        if branch < len(self.tiered.tiers):
            return self.tiered.tiers[branch].score
        return self.tiered.default

    def points(self, branch: int | None) -> Decimal | None:
        score = self.score_expr(branch)
        return None if score is None else literal_points(score, self.indicator)

    def show(self, value: Decimal) -> str:
        return show_value(value, self.subject_type)

    def show_interval(self, values: P.Interval) -> str:
        if self.domain.whole:
            values = P.Interval(*(P.closed(_first(a, True), _last(a, True)) if a.lower != -P.inf and a.upper != P.inf
                                  else a for a in values))
        return show_interval(values, self.subject_type)

    def boundaries(self) -> tuple[Decimal, ...]:
        """The values where the scoring branch changes, ascending."""
        found: list[Decimal] = []
        for below, above in zip(self.bands, self.bands[1:], strict=False):
            if below.branch != above.branch and above.values.lower not in found:
                found.append(above.values.lower)
        return tuple(found)

    def probe(self, value: Decimal) -> Probe:
        if value not in self.domain.as_interval():
            return Probe(value, None, inside=False)
        return Probe(value, self.branch_at(value))

    def transitions(self) -> tuple[Transition, ...]:
        """For each boundary, what scores just below, at and just above it (`step` away)."""
        step = self.step()
        return tuple(
            Transition(boundary, self.probe(boundary - step), self.probe(boundary), self.probe(boundary + step))
            for boundary in self.boundaries())

    def step(self) -> Decimal:
        """The distance to "just below" and "just above" a boundary: 1 for whole numbers; else a hundredth of
        the subject's display unit (0.01%, 0.01 元), finer if a threshold is written with more places."""
        if self.domain.whole:
            return Decimal(1)
        subject_type = self.subject_type
        factor = Decimal(1) if isinstance(subject_type, DateType) else Decimal("0.01") if subject_type.percent else (
            subject_type.display.factor if subject_type.display is not None else Decimal(1))
        places = 2
        for boundary in self.boundaries():
            shown = (boundary / factor).normalize(context=_ARITHMETIC)
            exponent = shown.as_tuple().exponent
            if isinstance(exponent, int):
                places = max(places, -exponent)
        step = factor * Decimal(1).scaleb(-places)
        # Every band must show: no two boundaries, and no band, may lie within one step.
        widths = [band.values.upper - band.values.lower for band in self.bands
                  if -P.inf < band.values.lower < band.values.upper < P.inf]
        while widths and step >= min(widths):
            step /= 10
        return step


def literal_points(expr: ast.Expr, indicator: model.Indicator) -> Decimal | None:
    """The points a score written as a constant gives (`5`, `5分`, `weight`), else None."""
    if isinstance(expr, ast.Number) and expr.unit not in (None, "分"):
        return None
    return _constant(expr, indicator)


def show_value(value: Decimal, value_type: NumberType | DateType) -> str:
    if value.is_infinite():
        return "+∞" if value > 0 else "−∞"
    return format_value(value, value_type)


def show_interval(values: P.Interval, value_type: NumberType | DateType) -> str:
    """`(79%, 80%)`, `[80%, 90%]`, `90%` for a single value, `(20%, +∞)`; pieces joined with ` ∪ `."""
    pieces = []
    for atomic in values:
        if atomic.lower == atomic.upper:
            pieces.append(show_value(atomic.lower, value_type))
            continue
        lower = "−∞" if atomic.lower == -P.inf else show_value(atomic.lower, value_type)
        upper = "+∞" if atomic.upper == P.inf else show_value(atomic.upper, value_type)
        left = "[" if atomic.left == P.CLOSED else "("
        right = "]" if atomic.right == P.CLOSED else ")"
        pieces.append(f"{left}{lower}, {upper}{right}")
    return " ∪ ".join(pieces) if pieces else "no value"


def _has_value(values: P.Interval, whole: bool) -> bool:
    """Whether `values` holds any value the subject can take (a whole number, for counts)."""
    if values.empty:
        return False
    if not whole:
        return True
    for atomic in values:
        if atomic.lower == -P.inf or atomic.upper == P.inf:
            return True
        first = atomic.lower.to_integral_value(rounding=decimal.ROUND_CEILING)
        if first == atomic.lower and atomic.left == P.OPEN:
            first += 1
        if first < atomic.upper or (first == atomic.upper and atomic.right == P.CLOSED):
            return True
    return False


def _between(lower: P.Interval, upper: P.Interval) -> P.Interval:
    """The values strictly between two stretches of the axis (the first below the second)."""
    if lower.upper == upper.lower:
        return P.singleton(lower.upper) if lower.right == P.OPEN and upper.left == P.OPEN else P.empty()
    return P.open(lower.upper, upper.lower)


def _sort_key(values: P.Interval) -> tuple[object, bool]:
    return (values.lower, values.left == P.OPEN)


def _subject_type(program: model.Program, indicator: model.Indicator, subject: ast.Expr,
                  conditions: tuple[ast.Expr, ...]) -> NumberType | DateType | None:
    if isinstance(subject, ast.Ref):
        found = program.value_type(subject.name, indicator)
        return found if isinstance(found, (NumberType, DateType)) else None
    if isinstance(subject, (ast.Binary, ast.Call, ast.Unary)):
        for condition in conditions:
            for part in _numbers(condition):
                if part.unit is not None:
                    return number_type_for_unit(part.unit)
        return NumberType()
    return None


def _numbers(expr: ast.Expr) -> Iterator[ast.Number]:
    for sub in walk(expr):
        if isinstance(sub, ast.Number):
            yield sub


def tier_chart(program: model.Program, indicator: model.Indicator, ranges: Ranges | None = None) -> TierChart | None:
    """The chart of `indicator`'s rule, or None when it is not a tier chain over one numeric subject."""
    rule = indicator.rule
    if not isinstance(rule, ast.ScoreExpr) or not isinstance(rule.expr, ast.Tiered):
        return None
    tiered = rule.expr
    first = tiered.tiers[0].condition
    while isinstance(first, ast.Not):
        first = first.operand
    subject = subject_of(first)
    if subject is None:
        return None
    subject_type = _subject_type(program, indicator, subject, tuple(t.condition for t in tiered.tiers))
    if subject_type is None:
        return None
    sets: list[P.Interval] = []
    for tier in tiered.tiers:
        values = _condition_values(tier.condition, subject, indicator)
        if values is None:
            return None
        sets.append(values)
    domain = (ranges or Ranges(program)).of(subject, indicator)
    domain_values = domain.as_interval()
    taken = P.empty()
    pieces: list[Band] = []
    for index, values in enumerate(sets):
        for atomic in (values & domain_values) - taken:
            pieces.append(Band(atomic, index))
        taken |= values
    rest = domain_values - taken
    for atomic in rest:
        if _has_value(atomic, domain.whole):
            pieces.append(Band(atomic, len(sets) if tiered.default is not None else None))
    pieces = [piece for piece in pieces if _has_value(piece.values, domain.whole)]
    pieces.sort(key=lambda piece: _sort_key(piece.values))
    # Neighbours taken by the same branch are one band: a count's `== 0.01` takes no value, and must not
    # split the `else` around it in two.
    merged: list[Band] = []
    for piece in pieces:
        between = _between(merged[-1].values, piece.values) if merged else P.empty()
        if merged and merged[-1].branch == piece.branch and not _has_value(between, domain.whole):
            merged[-1] = Band(merged[-1].values | between | piece.values, piece.branch)
        else:
            merged.append(piece)
    pieces = merged
    return TierChart(indicator=indicator, tiered=tiered, subject=subject, subject_type=subject_type, domain=domain,
                     conditions=tuple(values & domain_values for values in sets), bands=tuple(pieces))


# ---- findings ----------------------------------------------------------------------------------


def analyse(program: model.Program) -> list[Diagnostic]:
    """Every finding about `program`'s scoring rules, in file order."""
    ranges = Ranges(program)
    findings: list[Diagnostic] = []
    for indicator in program.indicators:
        chart = tier_chart(program, indicator, ranges)
        if chart is not None:
            findings.extend(_chart_findings(chart))
        findings.extend(_score_range_findings(program, indicator, ranges))
    return sorted(findings, key=lambda d: d.primary.span.start if d.primary else -1)


def _tier_text(chart: TierChart, branch: int | None, lang: str = "en") -> str:
    nothing = "无档可取" if lang == "zh" else "no tier"
    if branch is None:
        return nothing
    if branch == chart.else_branch:
        if chart.tiered.default is None:
            return nothing
        return f"`{'否则' if lang == 'zh' else 'else'} {unparse(chart.tiered.default, lang=lang)}`"
    return f"`{unparse(chart.tiered.tiers[branch].condition, lang=lang)}`"


def _scores_text(chart: TierChart, branch: int | None, lang: str = "en") -> str:
    scores = "得" if lang == "zh" else "scores"
    points = chart.points(branch)
    if points is not None:
        return f"{scores} {plain(points)}" + (" 分" if lang == "zh" else "")
    score = chart.score_expr(branch)
    if score is not None:
        return f"{scores} `{unparse(score, lang=lang)}`"
    return "无档可取" if lang == "zh" else "matches no tier"


def _sample(values: P.Interval, chart: TierChart) -> Decimal:
    """A representative value of one band: an end it includes, else a value just inside it."""
    lower, upper = values.lower, values.upper
    if lower != -P.inf and values.left == P.CLOSED:
        return lower  # type: ignore[no-any-return]
    if upper != P.inf and values.right == P.CLOSED:
        return upper  # type: ignore[no-any-return]
    if lower != -P.inf and upper != P.inf:
        if chart.domain.whole:
            return _first(values, True)
        return (lower + upper) / 2  # type: ignore[no-any-return]
    if lower != -P.inf:
        return _first(values, True) if chart.domain.whole else lower + chart.step()
    if upper != P.inf:
        return _last(values, True) if chart.domain.whole else upper - chart.step()
    return Decimal(0)


def _chart_findings(chart: TierChart) -> Iterator[Diagnostic]:
    tiers = chart.tiered.tiers
    whole = chart.domain.whole
    subject = unparse(chart.subject)
    name = chart.indicator.name
    for index, tier in enumerate(tiers):
        own = chart.conditions[index]
        earlier = [(j, chart.conditions[j]) for j in range(index)]
        if not _has_value(own, whole):
            yield warning("PE603", f"this tier of `{name}` can never apply: no value of `{subject}` meets "
                                   f"`{unparse(tier.condition)}`", tier.condition.span, "never true",
                          notes=(f"`{subject}` can only be in {chart.show_interval(chart.domain.as_interval())}",)
                          if chart.domain != Range.anything() else (),
                          help="check the numbers of the condition, or remove the tier",
                          zh=Chinese(f"`{name}` 的这一档永远不会适用：`{subject}` 没有任何值满足 "
                                     f"`{unparse(tier.condition, lang='zh')}`", "永远不成立",
                                     "请检查条件中的数，或删除这一档",
                                     (f"`{subject}` 只能在 {chart.show_interval(chart.domain.as_interval())} 之内",)
                                     if chart.domain != Range.anything() else ()))
            continue
        covered = P.empty()
        for _, values in earlier:
            covered |= values
        if not _has_value(own - covered, whole):
            takers = [f"`{unparse(tiers[j].condition)}`" for j, values in earlier if _has_value(values & own, whole)]
            yield warning("PE603", f"this tier of `{name}` can never apply: every value it takes is taken by an "
                                   "earlier tier", tier.condition.span, "already covered",
                          notes=("tiers are tried in order; its values go to " + " and ".join(takers),),
                          help="reorder the tiers so the narrower comes first, or remove this one",
                          zh=Chinese(f"`{name}` 的这一档永远不会适用：它取的每个值都已被前面的档取走", "已被覆盖",
                                     "请调整各档的顺序，让范围较窄的一档在前，或删除这一档",
                                     ("各档按顺序判断；它的值归入 " + " 和 ".join(
                                         f"`{unparse(tiers[j].condition, lang='zh')}`" for j, values in earlier
                                         if _has_value(values & own, whole)),)))
            continue
        for j, values in earlier:
            shared = values & own
            # Sharing values is the idiom of a chain (`<= 10%` then `<= 20%`) when the earlier tier lies wholly
            # inside the later one; it is a flaw when each has values of its own (`>= 90%`, `between 80% and 90%`).
            if _has_value(shared, whole) and _has_value(values - own, whole):
                winner = _scores_text(chart, j)
                loser = _scores_text(chart, index).removeprefix("scores ")
                at = chart.show_interval(shared)
                first, second = unparse(tiers[j].condition), unparse(tier.condition)
                first_zh, second_zh = unparse(tiers[j].condition, lang="zh"), unparse(tier.condition, lang="zh")
                suggestion = condition_text(own - values, chart)
                yield warning(
                    "PE602", f"tiers of `{name}` overlap at {at}: both `{first}` and `{second}` take it",
                    tier.condition.span, f"also takes {at}",
                    notes=(f"tiers are tried in order, so {at} {winner} (`{first}`), not {loser}",),
                    help="if the standard means the tiers to meet without sharing values, leave the shared "
                         f"values out of one of them, e.g. `{suggestion}`; if the order settles it as the "
                         "standard intends, say so in a comment",
                    zh=Chinese(f"`{name}` 的两档在 {at} 重叠：`{first_zh}` 和 `{second_zh}` 都包含它", f"也包含 {at}",
                               "若评分标准的本意是两档相接而不共用边界值，请把共用的值从其中一档去掉，例如 "
                               f"`{suggestion}`；若按先后顺序判定正合标准本意，请在注释中说明",
                               (f"各档按顺序判断，所以 {at} {_scores_text(chart, j, 'zh')}（`{first_zh}`），"
                                f"而不是 {_scores_text(chart, index, 'zh').removeprefix('得 ')}",)))
    yield from _gap_findings(chart)
    if chart.tiered.default is not None and not any(band.branch == chart.else_branch for band in chart.bands):
        yield warning("PE604", f"the `else` of `{name}` can never apply: the tiers take every value of "
                               f"`{subject}`", chart.tiered.default.span, "never reached",
                      help="remove the last condition and let `else` take those values, or drop the `else`",
                      zh=Chinese(f"`{name}` 的 `else` 永远不会适用：各档已取走 `{subject}` 的所有值", "永远不会用到",
                                 "请删除最后一个条件，让 `else` 取这些值，或去掉 `else`"))
    yield from _direction_findings(chart)


def _gap_positions(chart: TierChart) -> list[int]:
    """Positions in `chart.bands` of stretches between two tiers that fall to an `else` scoring less than
    both sides: values the standard, as written, leaves out."""
    bands = chart.bands
    found = []
    for position in range(1, len(bands) - 1):
        band, below, above = bands[position], bands[position - 1], bands[position + 1]
        if band.branch != chart.else_branch or below.branch is None or above.branch is None:
            continue
        if chart.else_branch in (below.branch, above.branch):
            continue  # only a stretch between two tiers is a gap
        if below.branch == above.branch:
            continue  # a hole in one tier's own condition (`x != 10%`, `x <= 10% or x >= 20%`): written so
        gap_points = chart.points(band.branch)
        neighbour_points = [chart.points(below.branch), chart.points(above.branch)]
        if gap_points is not None and all(p is not None and gap_points >= p for p in neighbour_points):
            continue  # the else scores at least what both sides do: a deliberate middle band, not a hole
        found.append(position)
    return found


def _gap_findings(chart: TierChart) -> Iterator[Diagnostic]:
    bands = chart.bands
    subject = unparse(chart.subject)
    name = chart.indicator.name
    tiers = chart.tiered.tiers
    for position, band in enumerate(bands):
        if band.branch is None:
            nearest = _neighbour_tier(bands, position)
            where = tiers[nearest].condition.span if nearest is not None else chart.tiered.span
            yield warning("PE607", f"no tier of `{name}` takes values of `{subject}` in "
                                   f"{chart.show_interval(band.values)}", where, "no tier for some values",
                          notes=("the evaluation of such a value stops with PE502 (no tier matched)",),
                          help="add a final `else …` (for 否则不得分, `else 0`), or widen the tiers",
                          zh=Chinese(f"`{name}` 没有哪一档取 `{subject}` 在 {chart.show_interval(band.values)} 的值",
                                     "有些值没有对应的档",
                                     "请在最后加上 `else …`（否则不得分即 `else 0`），或放宽各档",
                                     ("对这样的值，评价会因 PE502（没有一档符合）而停止",)))
    for position in _gap_positions(chart):
        band, below, above = bands[position], bands[position - 1], bands[position + 1]
        assert below.branch is not None and above.branch is not None
        later = max(below.branch, above.branch)
        inside = _sample(band.values, chart)
        gap = chart.show_interval(band.values)
        low, high, middle = (chart.show(_near_top(below.values, chart)), chart.show(_near_bottom(above.values, chart)),
                             chart.show(inside))
        suggestion = condition_text(_joined(chart, below, band), chart)
        yield warning(
            "PE601", f"values of `{subject}` in {gap} fall between the tiers of `{name}` to "
                     f"{_tier_text(chart, band.branch)}",
            tiers[later].condition.span, f"the tiers leave {gap} out",
            notes=(f"{low} {_scores_text(chart, below.branch)} ({_tier_text(chart, below.branch)}) and {high} "
                   f"{_scores_text(chart, above.branch)} ({_tier_text(chart, above.branch)}), but "
                   f"{middle} {_scores_text(chart, band.branch)}",),
            help=f"make the tiers meet: end one where the next begins, e.g. `{suggestion}`; if the standard "
                 "really leaves these values out, say so in a comment",
            zh=Chinese(f"`{subject}` 在 {gap} 的值落在 `{name}` 各档之间，归入 {_tier_text(chart, band.branch, 'zh')}",
                       f"各档漏掉了 {gap}",
                       f"请让各档首尾相接：一档在下一档开始处结束，例如 `{suggestion}`；若评分标准确实不包括这些值，"
                       "请在注释中说明",
                       (f"{low} {_scores_text(chart, below.branch, 'zh')}（{_tier_text(chart, below.branch, 'zh')}），"
                        f"{high} {_scores_text(chart, above.branch, 'zh')}（{_tier_text(chart, above.branch, 'zh')}），"
                        f"而 {middle} {_scores_text(chart, band.branch, 'zh')}",)))


def _near_top(values: P.Interval, chart: TierChart) -> Decimal:
    """The highest value of a band, or one step below its open upper end."""
    if chart.domain.whole:
        return _last(values, True)
    upper: Decimal = values.upper
    if values.right == P.CLOSED:
        return upper
    below = upper - chart.step()
    return below if values.lower == -P.inf else max(below, (values.lower + upper) / 2)


def _near_bottom(values: P.Interval, chart: TierChart) -> Decimal:
    """The lowest value of a band, or one step above its open lower end."""
    if chart.domain.whole:
        return _first(values, True)
    lower: Decimal = values.lower
    if values.left == P.CLOSED:
        return lower
    above = lower + chart.step()
    return above if values.upper == P.inf else min(above, (lower + values.upper) / 2)


def _first(values: P.Interval, whole: bool) -> Decimal:
    lower: Decimal = values.lower
    if whole:
        first = lower.to_integral_value(rounding=decimal.ROUND_CEILING)
        return first + 1 if first == lower and values.left == P.OPEN else first
    return lower


def _last(values: P.Interval, whole: bool) -> Decimal:
    upper: Decimal = values.upper
    if whole:
        last = upper.to_integral_value(rounding=decimal.ROUND_FLOOR)
        return last - 1 if last == upper and values.right == P.OPEN else last
    return upper


def _joined(chart: TierChart, below: Band, gap: Band) -> P.Interval:
    """The values of the tier below a gap, stretched to take the gap too."""
    assert below.branch is not None
    for atomic in chart.conditions[below.branch]:
        if atomic.upper == below.values.upper:
            return atomic | gap.values | below.values
    return below.values | gap.values


def condition_text(values: P.Interval, chart: TierChart) -> str:
    """A condition on the chart's subject that holds exactly for `values` (one stretch of the axis)."""
    subject = unparse(chart.subject)
    if len(values) != 1:
        return " or ".join(condition_text(atomic, chart) for atomic in values)
    lower = None if values.lower == -P.inf else _literal(values.lower, chart.subject_type)
    upper = None if values.upper == P.inf else _literal(values.upper, chart.subject_type)
    if lower is not None and lower == upper:
        return f"{subject} == {lower}"
    low_op = "<=" if values.left == P.CLOSED else "<"
    high_op = "<=" if values.right == P.CLOSED else "<"
    if lower is None and upper is None:
        return "true"
    if lower is None:
        return f"{subject} {high_op} {upper}"
    if upper is None:
        return f"{subject} {'>=' if values.left == P.CLOSED else '>'} {lower}"
    return f"{lower} {low_op} {subject} {high_op} {upper}"


def _literal(value: Decimal, value_type: NumberType | DateType) -> str:
    """`value` as the rule language writes it: `80%`, `4800 万元`, `12000 个`, `2023-06-30`."""
    if isinstance(value_type, DateType):
        return date_text(value)
    if value_type.percent:
        return plain(value * 100) + "%"
    if value_type.display is not None:
        return f"{plain(value / value_type.display.factor)} {value_type.display.word}"
    if value_type.dim:
        (base, _), *_rest = value_type.dim
        return f"{plain(value)} {base}"
    return plain(value)


def _neighbour_tier(bands: tuple[Band, ...], position: int) -> int | None:
    for offset in (1, -1):
        index = position + offset
        if 0 <= index < len(bands) and bands[index].branch is not None:
            return bands[index].branch
    return None


def _direction_findings(chart: TierChart) -> Iterator[Diagnostic]:
    direction = chart.indicator.direction
    if direction is None:
        return
    gaps = set(_gap_positions(chart))  # reported as PE601 already
    scored = [(band, chart.points(band.branch)) for position, band in enumerate(chart.bands)
              if band.branch is not None and position not in gaps]
    previous: tuple[Band, Decimal] | None = None
    for band, points in scored:
        if points is None:
            previous = None
            continue
        if previous is not None:
            before_band, before_points = previous
            wrong = points < before_points if direction == "higher" else points > before_points
            if wrong:
                lower, higher = _sample(before_band.values, chart), _sample(band.values, chart)
                moves = "falls" if direction == "higher" else "rises"
                branch = band.branch if band.branch is not None and band.branch < len(chart.tiered.tiers) else None
                span = (chart.tiered.tiers[branch].condition.span if branch is not None
                        else (chart.tiered.default or chart.tiered).span)
                yield warning(
                    "PE606", f"the score of `{chart.indicator.name}` {moves} as `{unparse(chart.subject)}` rises, "
                             f"but the indicator is declared `direction {direction}` "
                             f"({'正向' if direction == 'higher' else '反向'})", span,
                    f"{chart.show(higher)} {_scores_text(chart, band.branch)}",
                    notes=(f"{chart.show(lower)} {_scores_text(chart, before_band.branch)}, but the higher "
                           f"{chart.show(higher)} {_scores_text(chart, band.branch)}",),
                    help="check the order of the tiers and their scores, or the declared direction "
                         "(`higher`: 正向, more is better; `lower`: 反向, less is better)",
                    zh=Chinese(f"`{chart.indicator.name}` 的得分随 `{unparse(chart.subject)}` 升高而"
                               f"{'降低' if direction == 'higher' else '升高'}，但这个指标声明为 "
                               f"`direction {direction}`（{'正向' if direction == 'higher' else '反向'}）",
                               f"{chart.show(higher)} {_scores_text(chart, band.branch, 'zh')}",
                               "请检查各档的顺序和得分，或声明的方向（`higher`：正向，越多越好；`lower`：反向，越少越好）",
                               (f"{chart.show(lower)} {_scores_text(chart, before_band.branch, 'zh')}，而更高的 "
                                f"{chart.show(higher)} {_scores_text(chart, band.branch, 'zh')}",)))
                return
        previous = (band, points)


def _score_range_findings(program: model.Program, indicator: model.Indicator,
                          ranges: Ranges) -> Iterator[Diagnostic]:
    weight = indicator.weight
    branches: list[tuple[ast.Expr, dict[ast.Expr, Range]]]
    rule = indicator.rule
    if isinstance(rule, ast.ScoreBy):
        branches = [(arm.score, {}) for arm in rule.arms]
    elif isinstance(rule.expr, ast.Tiered):
        # Each branch on its own, so a warning points at the branch that can leave the range.
        branches = ranges.branches(rule.expr, indicator, {})
    else:
        branches = [(rule.expr, {})]
    for expr, assume in branches:
        if literal_points(expr, indicator) is not None:
            continue  # a constant score was checked against the weight already (PE503)
        reach = ranges.of(expr, indicator, assume)
        if reach.lo >= 0 and reach.hi <= weight:
            continue
        low = "(−∞" if reach.lo == -INFINITY else f"[{plain(reach.lo)}"
        high = "+∞)" if reach.hi == INFINITY else f"{plain(reach.hi)}]"
        open_facts = _unbounded_facts(program, indicator, expr)
        declare = declare_zh = ""
        if open_facts:
            fact = program.facts[open_facts[0]]
            assert isinstance(fact.type, NumberType)
            example = ("0% and 100%" if fact.type.percent else "0 and " + plain(weight) if fact.type.dim == (
                ("分", 1),) else "… and …")
            declare = (f"; if {' and '.join(f'`{name}`' for name in open_facts)} cannot take any value, declare "
                       f"the range, e.g. `fact {fact.name}: {_type_word(fact.type)} between {example}`")
            declare_zh = (f"；若 {'、'.join(f'`{name}`' for name in open_facts)} 并非可取任意值，请声明其范围，"
                          f"例如 `fact {fact.name}: {_type_word(fact.type)} between {example}`")
        yield warning(
            "PE605", f"this score of `{indicator.name}` can range over {low}, {high} points, outside 0 to "
                     f"its weight {plain(weight)}", expr.span,
            "can be " + " or ".join(["below 0"] * (reach.lo < 0) + ["above the weight"] * (reach.hi > weight)),
            notes=("counts are taken as whole and not negative, facts declared `between … and …` as in their "
                   "range, other facts as any value",),
            help=f"cap the score, e.g. `{_capped(unparse(expr), reach, weight)}`, or score it in tiers{declare}; "
                 "the evaluation stops with PE503 if a unit's facts do push it out",
            zh=Chinese(f"`{indicator.name}` 的这个得分可取 {low}, {high} 分，超出了 0 到分值 {plain(weight)} 的范围",
                       "可能" + "或".join(["低于 0"] * (reach.lo < 0) + ["高于分值"] * (reach.hi > weight)),
                       f"请给得分设上下限，例如 `{_capped(unparse(expr), reach, weight)}`，或改为分档评分{declare_zh}；"
                       "若某个被评价单位的事实确实使它超出范围，评价会因 PE503 而停止",
                       ("计数按非负整数计，声明了 `between … and …` 的事实按其范围计，其他事实按任意值计",)))


def _capped(text: str, reach: Range, weight: Decimal) -> str:
    if reach.lo < 0 and reach.hi > weight:
        return f"min(weight, max(0, {text}))"
    return f"max(0, {text})" if reach.lo < 0 else f"min(weight, {text})"


def _type_word(value_type: NumberType) -> str:
    if value_type.percent:
        return "%"
    if value_type.display is not None:
        return value_type.display.word
    return "number"


def _unbounded_facts(program: model.Program, indicator: model.Indicator, expr: ast.Expr) -> list[str]:
    """Numeric facts `expr` reads (directly or through derived values) whose values have no bound."""
    found: list[str] = []
    ranges = Ranges(program)

    def visit(node: ast.Expr, seen: frozenset[str]) -> None:
        for sub in walk(node):
            if not isinstance(sub, ast.Ref) or sub.name in seen:
                continue
            definition = program.definition(sub.name, indicator)
            if definition is not None:
                visit(definition.expr, seen | {sub.name})
            elif sub.name in program.facts and sub.name not in found:
                reach = ranges.of(sub, indicator)
                unbounded = reach.lo.is_infinite() or reach.hi.is_infinite()
                if unbounded and isinstance(program.facts[sub.name].type, NumberType) and not reach.whole:
                    found.append(sub.name)

    visit(expr, frozenset())
    return found


__all__ = [
    "Band",
    "Probe",
    "Range",
    "Ranges",
    "TierChart",
    "Transition",
    "analyse",
    "literal_points",
    "show_interval",
    "show_value",
    "tier_chart",
]
