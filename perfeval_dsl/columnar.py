"""Every row of a unit table at once, column by column: the columnar path of `perfeval batch`.

The per-unit path reads each row into facts and runs the compiled evaluator once per unit. Here Apache Arrow
reads the whole table into columns of text, each fact's column becomes exact scaled integers
(`8,567,111.51 元` is 856711151 at scale 2) through vectorised kernels, and each rule is evaluated over whole
columns: the result is, for each row, the branch each indicator's rule took. Only rules whose every score is
a number written in the rule file (tiers, `score by`) are taken, so the branches decide the scores, which the
batch adds up with the same Decimal arithmetic as the per-unit path.

Exactness: integers are 64-bit, and a row whose numbers would not fit goes the per-unit path (every
operation is overflow-checked besides); a quotient is kept as numerator and denominator and compared by
cross-multiplying, and only where the per-unit path's 34-digit rounding of that quotient cannot change the
comparison, which is checked on each row's own numbers (`_rounding_cannot_matter`).

What this path does not read exactly as the per-unit path does leaves that row to the per-unit path, which
gives its score or its diagnostics: a cell written another way (full-width digits, 不适用, a value outside
its range, an empty required cell), a line quoted in an unusual way or holding a control character, a
division by zero, no tier or arm that matched. Rules with forms this path does not evaluate (deductions,
checklists, proportions, judged scores, interpolation, overrides, 一票否决, declared rounding, round() and
trunc(), tiers inside a derived value, texts read by a rule) leave the whole table to the per-unit path.

Imports `ast`, `model`, `check`, `compiler`, `facts`, `units`, `values`; and pyarrow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from perfeval_dsl import ast, model
from perfeval_dsl.compiler import CompiledRules, constant_scores
from perfeval_dsl.facts import _NO, _YES, Declared
from perfeval_dsl.model import base_value
from perfeval_dsl.units import Table
from perfeval_dsl.values import (
    CONTEXT,
    UNITS,
    BoolType,
    JudgementType,
    NumberType,
    TextType,
    counted_unit,
)

_INT64 = pa.int64()
_MAX_DIGITS = 18  # an int64 holds every number of 18 digits
_MAX_PLACES = 8  # a cell with more places is left to the per-unit path, so one such cell cannot make the
# column's scale overflow every other row
# What `str.strip()` removes and Arrow is told to: a cell padded otherwise is read by the per-unit path.
_PADDING = " \t\u00a0\u3000"
_CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # `source.first_control`'s characters


class NotColumnar(Exception):
    """The rules or the table cannot be scored column by column; the per-unit path scores them."""


Lost = tuple[tuple[str, Decimal], ...]  # (indicator, points lost), most first, at most three


@attrs.frozen
class ColumnarScores:
    """What the columnar path found for each row of the table: its unit's name, and its total, grade and
    most lost indicators (None for a row left to the per-unit path)."""

    names: list[str]  # as the per-unit path reads them
    scores: list[tuple[Decimal, str, Lost] | None]


# ---- values over columns -------------------------------------------------------------------------------


@attrs.frozen
class _Scaled:
    """Exact numbers, `values / 10**scale`; `values` is an int64 array or scalar, null where unknown."""

    values: Any
    scale: int


@attrs.frozen
class _Quotient:
    """Exact quotients `num / den`, with `den > 0` (null where the denominator was 0)."""

    num: Any
    den: Any


@attrs.frozen
class _Codes:
    """A judgement: each row's answer as its position among `options`."""

    codes: Any
    options: tuple[str, ...]


@attrs.frozen
class _Flags:
    """Yes or no for each row (a boolean array, null where unknown)."""

    values: Any


Column = _Scaled | _Quotient | _Codes | _Flags | Decimal | str | bool


def _int64(value: int) -> pa.Scalar:
    if not -(2**63) <= value < 2**63:
        raise NotColumnar("a constant too large for 64 bits")
    return pa.scalar(value, _INT64)


def _scaled(value: Column) -> _Scaled:
    if isinstance(value, _Scaled):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        scale = max(0, -exponent)
        return _Scaled(_int64(int(value.scaleb(scale))), scale)
    raise NotColumnar(f"not a number: {value!r}")


_LARGEST = 2**63 - 1


def _times(left: Any, right: Any) -> Any:
    """`left · right`, null in a row where the product would not fit 64 bits (that row goes the per-unit
    path), so that one huge value does not send the whole table there."""
    if isinstance(left, pa.Scalar) and isinstance(right, pa.Scalar):
        return _int64(left.as_py() * right.as_py()) if left.is_valid and right.is_valid else left
    if isinstance(left, pa.Scalar):
        left, right = right, left
    if isinstance(right, pa.Scalar):
        factor = abs(right.as_py() or 0)
        fits = pc.less_equal(pc.abs(left), _int64(_LARGEST // factor)) if factor > 1 else None
    else:
        size = pc.abs(left)
        room = pc.divide(_int64(_LARGEST), pc.if_else(pc.equal(size, 0), _int64(1), size))
        fits = pc.or_(pc.equal(size, 0), pc.less_equal(pc.abs(right), room))
    if fits is not None:
        left = pc.if_else(fits, left, None)
    return pc.multiply_checked(left, right)


def _rescaled(value: _Scaled, scale: int) -> Any:
    if scale == value.scale:
        return value.values
    return _times(value.values, _int64(10 ** (scale - value.scale)))


def _aligned(left: Column, right: Column) -> tuple[Any, Any, int]:
    a, b = _scaled(left), _scaled(right)
    scale = max(a.scale, b.scale)
    return _rescaled(a, scale), _rescaled(b, scale), scale


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": pc.less, "<=": pc.less_equal, ">": pc.greater, ">=": pc.greater_equal, "==": pc.equal, "!=": pc.not_equal,
}
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_PYTHON_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def _rounding_cannot_matter(quotient: _Quotient, other: _Scaled) -> Any:
    """Where comparing the exact quotient with `other` gives what comparing the per-unit path's quotient
    (rounded to 34 digits) does: True, or null (that row goes the per-unit path).

    With x = num/den exact and y = Y/10**s, a nonzero x - y is at least 1/(den·10**s) in size, and the
    rounding moves x by less than |x|·10**-32; so the comparison cannot change while |num|·10**s < 10**32.
    An x equal to y has at most 19 digits and is not rounded at all.
    """
    bound = 10 ** (32 - other.scale)
    if bound > _LARGEST:
        return True
    return pc.if_else(pc.less(pc.abs(quotient.num), _int64(bound)), True, None)


def _compare(op: str, left: Column, right: Column) -> Column:
    if not isinstance(left, _Scaled | _Quotient | _Codes | _Flags) and not isinstance(
            right, _Scaled | _Quotient | _Codes | _Flags):
        return _PYTHON_COMPARE[op](left, right)  # two constants: as the generated code compares them
    if isinstance(right, _Quotient) and not isinstance(left, _Quotient):
        return _compare(_MIRRORED[op], right, left)
    if isinstance(left, _Quotient):
        if isinstance(right, _Quotient):
            raise NotColumnar("two quotients compared")
        other = _scaled(right)
        held = _COMPARE[op](_times(left.num, _int64(10**other.scale)), _times(other.values, left.den))
        return _Flags(_then(_rounding_cannot_matter(left, other), held, None))
    if isinstance(right, _Codes) and not isinstance(left, _Codes):
        return _compare(_MIRRORED[op], right, left)
    if isinstance(left, _Codes):
        if not isinstance(right, str) or op not in ("==", "!="):
            raise NotColumnar("a judgement compared with something other than a text")
        matched: Any = (pc.equal(left.codes, _int64(left.options.index(right))) if right in left.options
                        else pc.if_else(pc.is_valid(left.codes), False, None))
        return _Flags(matched if op == "==" else pc.invert(matched))
    if isinstance(left, _Flags) or isinstance(right, _Flags):
        if op not in ("==", "!="):
            raise NotColumnar("yes/no compared by order")
        a = left.values if isinstance(left, _Flags) else left
        b = right.values if isinstance(right, _Flags) else right
        if not isinstance(a, bool | pa.Array | pa.ChunkedArray) or not isinstance(b, bool | pa.Array | pa.ChunkedArray):
            raise NotColumnar("yes/no compared with something else")
        return _Flags(_COMPARE[op](a, b))
    a, b, _ = _aligned(left, right)
    return _Flags(_COMPARE[op](a, b))


def _flags(value: Column) -> Any:
    """A condition as a boolean array or a Python bool."""
    if isinstance(value, _Flags):
        return value.values
    if isinstance(value, bool):
        return value
    raise NotColumnar(f"not a condition: {value!r}")


def _then(condition: Any, when_true: Any, when_false: Any) -> Any:
    """`when_true if condition else when_false`, row by row; unknown where the condition is unknown."""
    if isinstance(condition, bool):
        return when_true if condition else when_false
    return pc.if_else(condition, when_true, when_false)


# ---- facts from text columns ---------------------------------------------------------------------------


def _exponent(factor: Decimal) -> int:
    """The power of ten a unit's factor is (万元: 4, %: -2)."""
    sign, digits, exponent = factor.normalize().as_tuple()
    if sign or digits != (1,) or not isinstance(exponent, int):
        raise NotColumnar(f"a unit factor that is not a power of ten: {factor}")
    return exponent


def _holds(column: Any, text: str) -> bool:
    """Whether some cell of `column` may hold `text` (a quick look at the bytes; never a false no)."""
    needle = text.encode("utf-8")
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    return any(chunk.buffers()[2] is not None and needle in chunk.buffers()[2].to_pybytes() for chunk in chunks)


def _number_column(text: Any, value_type: NumberType, declaration: Declared) -> _Scaled:
    """A number column as `_Scaled` values, null where the per-unit path would read the cell otherwise.

    A cell is read here only in the plainest form the per-unit path reads (`values.parse_number_text`):
    ASCII digits, optionally grouped by commas in threes, a point, spaces, then a unit of the fact's kind.
    """
    words = sorted((word for word, info in UNITS.items()
                    if info.dim == value_type.dim and (value_type.percent or not info.percent)), key=len)
    count = counted_unit(value_type)
    whole_only = count is not None and count != "天"
    pattern = ("^" + ("" if count is not None else "[+-]?")  # a count is never negative
               + r"(?:\d{1,3}(?:,\d{3})+|\d+)" + ("" if whole_only else r"(?:\.\d+)?")
               + " *(?:" + "|".join(re.escape(word) for word in words) + ("|" if not value_type.percent else "")
               + ")$")
    matched = pc.match_substring_regex(text, pattern)
    rows = len(text)
    # value = amount · 10**(exponent - places); a bare number is in the declared unit
    bare = _exponent(value_type.display.factor) if value_type.display is not None else 0
    exponent: Any = pa.repeat(_int64(bare), rows)
    for word in words:  # shortest first, so that 万元 overrides 元
        exponent = pc.if_else(pc.ends_with(text, word), _int64(_exponent(UNITS[word].factor)), exponent)
    number = pc.utf8_rtrim(text, characters=" " + "".join(sorted({c for word in words for c in word})))
    negative = None
    if count is None and _holds(text, "-"):
        negative = pc.starts_with(number, "-")
    if count is None:
        number = pc.utf8_ltrim(number, characters="+-")
    if _holds(text, ","):
        number = pc.replace_substring(number, ",", "")
    places: Any = _int64(0)
    if not whole_only and _holds(text, "."):
        point = pc.find_substring(number, ".")
        places = pc.if_else(pc.less(point, 0), 0, pc.subtract(pc.subtract(pc.utf8_length(number), point), 1))
        number = pc.replace_substring(number, ".", "")
    matched = pc.and_(matched, pc.less_equal(pc.utf8_length(number), _MAX_DIGITS))
    amount = pc.cast(pc.if_else(matched, number, "0"), _INT64)
    if negative is not None:
        amount = pc.if_else(negative, pc.negate_checked(amount), amount)
    down = pc.subtract(pc.cast(places, _INT64), exponent)  # digits after the point
    matched = pc.and_(matched, pc.less_equal(down, _int64(_MAX_PLACES)))
    down = pc.if_else(matched, down, _int64(0))
    scale = max(0, pc.max(down).as_py() or 0)
    shift = pc.subtract(_int64(scale), down)
    values = amount
    if (pc.max(shift).as_py() or 0) > 0:
        values = _times(amount, pc.power_checked(_int64(10), shift))
    column = _Scaled(pc.if_else(matched, values, None), scale)
    within: Any = pc.is_valid(column.values)
    if declaration.low is not None:
        within = pc.and_(within, _flags(_compare(">=", column, declaration.low)))
    if declaration.high is not None:
        within = pc.and_(within, _flags(_compare("<=", column, declaration.high)))
    return _Scaled(pc.if_else(within, column.values, None), scale)


def _fact_column(text: Any, declaration: Declared) -> Column | None:
    """A declared fact's column, read as the per-unit path reads each cell (null where it would not read
    it the same way); None for a text, which no rule this path takes reads."""
    value_type = declaration.type
    if isinstance(value_type, NumberType):
        return _number_column(text, value_type, declaration)
    if isinstance(value_type, JudgementType):
        return _Codes(pc.index_in(text, value_set=pa.array(value_type.options)), value_type.options)
    if isinstance(value_type, BoolType):
        word = pc.ascii_lower(text)
        yes = pc.is_in(word, value_set=pa.array(sorted(_YES)))
        known = pc.or_(yes, pc.is_in(word, value_set=pa.array(sorted(_NO))))
        return _Flags(pc.if_else(known, yes, None))
    if isinstance(value_type, TextType):
        return None
    raise NotColumnar(f"a fact of type {value_type!r}")


# ---- rules over columns --------------------------------------------------------------------------------


class _Evaluator:
    """Evaluates expressions over the fact columns, each derived value once."""

    def __init__(self, program: model.Program, facts: dict[str, Column | None]) -> None:
        self.program = program
        self.facts = facts
        self.lets: dict[int, Column] = {}

    def ref(self, name: str, indicator: model.Indicator | None) -> Column:
        definition = self.program.definition(name, indicator)
        if definition is None:
            column = self.facts.get(name)
            if column is None:
                raise NotColumnar(f"`{name}` is a text or has no column")
            return column
        known = self.lets.get(id(definition))
        if known is None:
            local = indicator is not None and any(let is definition for let in indicator.lets)
            known = self.lets[id(definition)] = self.expr(definition.expr, indicator if local else None)
        return known

    def expr(self, expr: ast.Expr, indicator: model.Indicator | None) -> Column:
        match expr:
            case ast.Number():
                return base_value(expr)
            case ast.String(value=text):
                return text
            case ast.Bool(value=flag):
                return flag
            case ast.WeightRef():
                assert indicator is not None
                return indicator.weight
            case ast.Ref(name=name):
                return self.ref(name, indicator)
            case ast.Unary(op=op, operand=operand):
                value = self.expr(operand, indicator)
                return self._negated(value) if op == "-" else value
            case ast.Binary(op=op, left=left, right=right):
                return self._arithmetic(op, self.expr(left, indicator), self.expr(right, indicator))
            case ast.Compare(operands=operands, ops=ops):
                values = [self.expr(operand, indicator) for operand in operands]
                held: Any = True
                for op, before, after in zip(ops, values, values[1:], strict=False):
                    held = _then(held, _flags(_compare(op, before, after)), False)
                return held if isinstance(held, bool) else _Flags(held)
            case ast.Between(subject=subject, low=low, high=high):
                value = self.expr(subject, indicator)
                above = _flags(_compare("<=", self.expr(low, indicator), value))
                below = _flags(_compare("<=", value, self.expr(high, indicator)))
                held = _then(above, below, False)
                return held if isinstance(held, bool) else _Flags(held)
            case ast.BoolOp(op=op, operands=operands):
                held = _flags(self.expr(operands[0], indicator))
                for operand in operands[1:]:  # left to right, as `and` and `or` stop early
                    other = _flags(self.expr(operand, indicator))
                    held = _then(held, other, False) if op == "and" else _then(held, True, other)
                return held if isinstance(held, bool) else _Flags(held)
            case ast.Not(operand=operand):
                held = _flags(self.expr(operand, indicator))
                return (not held) if isinstance(held, bool) else _Flags(pc.invert(held))
            case ast.Call(function="abs", args=(argument,)):
                value = self.expr(argument, indicator)
                if isinstance(value, _Quotient):
                    return _Quotient(pc.abs_checked(value.num), value.den)
                if isinstance(value, Decimal):
                    return abs(value)
                number = _scaled(value)
                return _Scaled(pc.abs_checked(number.values), number.scale)
            case ast.Call(function="min" | "max" as function, args=args) if args:
                values = [self.expr(argument, indicator) for argument in args]
                numbers = [value for value in values if isinstance(value, Decimal)]
                if len(numbers) == len(values):
                    return min(numbers) if function == "min" else max(numbers)
                scale = max(_scaled(value).scale for value in values)
                combine = pc.min_element_wise if function == "min" else pc.max_element_wise
                return _Scaled(combine(*(_rescaled(_scaled(value), scale) for value in values), skip_nulls=False),
                               scale)
        raise NotColumnar(f"a form the columnar path does not evaluate: {type(expr).__name__}")

    @staticmethod
    def _negated(value: Column) -> Column:
        if isinstance(value, Decimal):
            return -value
        if isinstance(value, _Quotient):
            return _Quotient(pc.negate_checked(value.num), value.den)
        number = _scaled(value)
        return _Scaled(pc.negate_checked(number.values), number.scale)

    @staticmethod
    def _arithmetic(op: str, left: Column, right: Column) -> Column:
        if isinstance(left, _Quotient) or isinstance(right, _Quotient):
            raise NotColumnar("arithmetic on a quotient")  # its rounding would carry into the result
        if isinstance(left, Decimal) and isinstance(right, Decimal):
            if op == "/" and not right:
                raise NotColumnar("a constant divided by zero")
            operation = {"+": CONTEXT.add, "-": CONTEXT.subtract, "*": CONTEXT.multiply, "/": CONTEXT.divide}[op]
            return operation(left, right)
        if op == "*":
            a, b = _scaled(left), _scaled(right)
            return _Scaled(_times(a.values, b.values), a.scale + b.scale)
        x, y, scale = _aligned(left, right)
        if op == "+":
            return _Scaled(pc.add_checked(x, y), scale)
        if op == "-":
            return _Scaled(pc.subtract_checked(x, y), scale)
        if isinstance(y, pa.Scalar):
            if not y.as_py():
                raise NotColumnar("a constant divided by zero")
            negative = y.as_py() < 0
            return _Quotient(pc.negate_checked(x) if negative else x, pc.abs_checked(y))
        negative = pc.less(y, _int64(0))
        den = pc.if_else(pc.equal(y, _int64(0)), None, pc.abs_checked(y))  # a division by 0: the per-unit path
        return _Quotient(pc.if_else(negative, pc.negate_checked(x), x), den)

    def branches(self, indicator: model.Indicator, rows: int) -> tuple[Any, tuple[Decimal, ...]]:
        """The branch the indicator's rule takes in each row (null where the per-unit path must decide), and
        the points of each branch."""
        rule = indicator.rule
        none = pa.nulls(rows, _INT64)
        if isinstance(rule, ast.ScoreBy):
            subject = self.expr(rule.subject, indicator)
            if not isinstance(subject, _Codes):
                raise NotColumnar("`score by` of something other than a judgement")
            points = tuple(base_value(arm.score) for arm in rule.arms)  # type: ignore[arg-type]
            otherwise = next((i for i, arm in enumerate(rule.arms) if arm.value is None), None)
            branch: Any = pa.repeat(_int64(otherwise), rows) if otherwise is not None else none
            seen: dict[str, int] = {}
            for index, arm in enumerate(rule.arms):
                if arm.value is not None:
                    seen.setdefault(arm.value.value, index)  # a repeated arm never matches
            for text, index in reversed(seen.items()):
                if text in subject.options:
                    branch = pc.if_else(pc.equal(subject.codes, _int64(subject.options.index(text))), _int64(index),
                                        branch)
            return pc.if_else(pc.is_valid(subject.codes), branch, None), points
        if not isinstance(rule.expr, ast.Tiered):
            return pa.repeat(_int64(0), rows), (base_value(rule.expr),)  # type: ignore[arg-type]
        tiered = rule.expr
        points = tuple(base_value(tier.score) for tier in tiered.tiers)  # type: ignore[arg-type]
        branch = none
        if tiered.default is not None:
            points += (base_value(tiered.default),)  # type: ignore[arg-type]
            branch = pa.repeat(_int64(len(tiered.tiers)), rows)
        for index in reversed(range(len(tiered.tiers))):
            held = _flags(self.expr(tiered.tiers[index].condition, indicator))
            branch = _then(held, pa.repeat(_int64(index), rows), branch)
        return branch, points


def supported(rules: CompiledRules) -> bool:
    """Whether the columnar path can score units of these rules (it then still leaves rows it cannot read
    exactly to the per-unit path)."""
    program = rules.program
    if program.vetoes or program.rounding or not program.indicators:
        return False
    if any(indicator.override is not None or indicator.if_missing is not None or not constant_scores(indicator)
           for indicator in program.indicators):
        return False
    empty = pa.array([], pa.string())
    try:
        facts = {name: _fact_column(empty, declaration) for name, declaration in rules.declared.items()}
        evaluator = _Evaluator(program, facts)
        for indicator in program.indicators:
            evaluator.branches(indicator, 0)
    except NotColumnar:
        return False
    return True


# ---- the table -----------------------------------------------------------------------------------------


def _read(table: Table) -> pa.Table:
    """The rows of `table` as Arrow columns of text, one row per line of `table.lines`."""
    body = "\n".join(line for _, line in table.lines).encode("utf-8")
    try:
        columns = pa_csv.read_csv(
            pa.py_buffer(body),
            read_options=pa_csv.ReadOptions(column_names=[f"c{i}" for i in range(len(table.names))]),
            parse_options=pa_csv.ParseOptions(delimiter=",", quote_char='"', double_quote=True,
                                              escape_char=False, newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(table.names))},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowException, ValueError) as exc:  # a ragged or broken line: the per-unit path reports it
        raise NotColumnar(f"Arrow cannot read the table: {exc}") from None
    if columns.num_rows != len(table.lines):
        raise NotColumnar("Arrow read another number of rows")
    return columns


def _quoted(column: Any) -> Any:
    return pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")


def _as_written(columns: pa.Table, lines: Any) -> Any:
    """Whether each line is exactly its cells written back, quoted only where needed or every one quoted:
    a line the per-unit path's reader (`units._cells`) reads into exactly these cells."""
    sparing = [pc.if_else(pc.match_substring_regex(column, '[",]'), _quoted(column), column)
               if _holds(column, ",") or _holds(column, '"') else column for column in columns.columns]
    held = pc.equal(pc.binary_join_element_wise(*sparing, ","), lines)
    if pc.all(held).as_py():
        return held
    return pc.or_(held, pc.equal(pc.binary_join_element_wise(*map(_quoted, columns.columns), ","), lines))


def score_columns(rules: CompiledRules, table: Table) -> ColumnarScores:
    """The branches of every row of `table` that the columnar path reads exactly. Raises NotColumnar when the
    rules or the table as a whole are for the per-unit path."""
    try:
        return _score_columns(rules, table)
    except (pa.ArrowException, ArithmeticError) as exc:  # an overflow: every unit goes the per-unit path
        raise NotColumnar(str(exc)) from None


def _score_columns(rules: CompiledRules, table: Table) -> ColumnarScores:
    declared = rules.declared
    facts_named = table.names[1:]
    if any(name not in declared for name in facts_named):
        raise NotColumnar("a column the rules do not declare")  # a warning on every unit: per-unit path
    if any(declaration.required and name not in facts_named for name, declaration in declared.items()):
        raise NotColumnar("a required fact without a column")
    columns = _read(table)
    rows = columns.num_rows
    lines = pa.array([line for _, line in table.lines], pa.string())
    readable = pc.and_(_as_written(columns, lines), pc.invert(pc.match_substring_regex(lines, _CONTROL)))
    facts: dict[str, Column | None] = {}
    for position, name in enumerate(facts_named, start=1):
        declaration = declared[name]
        text = pc.utf8_trim(columns.column(position), characters=_PADDING)
        column = _fact_column(text, declaration)
        facts[name] = column
        if column is None:
            continue
        values = column.codes if isinstance(column, _Codes) else column.values  # type: ignore[union-attr]
        given = pc.is_valid(values)
        if not declaration.required:  # an empty cell of a fact no rule reads is no problem
            given = pc.or_(given, pc.equal(text, ""))
        readable = pc.and_(readable, given)
    program = rules.program
    evaluator = _Evaluator(program, facts)
    chosen = []
    for indicator in program.indicators:
        branch, points = evaluator.branches(indicator, rows)
        readable = pc.and_(readable, pc.is_valid(branch))
        chosen.append((pc.fill_null(branch, 0), points))
    totals, most_lost = _totals(program, chosen)
    names = [cell.strip() for cell in columns.column(0).to_pylist()]
    known: dict[tuple[int, int], tuple[Decimal, str]] = {}
    lost: dict[tuple[int | None, ...], Lost] = {}
    scores: list[tuple[Decimal, str, Lost] | None] = []
    for ok, name, total, places, *ranks in zip(readable.to_pylist(), names, *totals, *most_lost, strict=True):
        if not ok or not name:
            scores.append(None)
            continue
        graded = known.get((total, places))
        if graded is None:
            graded = known[(total, places)] = _graded(program, total, places, chosen)
        found = lost.get(tuple(ranks))
        if found is None:
            found = lost[tuple(ranks)] = _lost(program, chosen, ranks)
        scores.append((*graded, found))
    return ColumnarScores(names=names, scores=scores)


Chosen = list[tuple[Any, tuple[Decimal, ...]]]  # each indicator's branches and the points of each branch


def _common_scale(program: model.Program, chosen: Chosen) -> int:
    exponents = [number.as_tuple().exponent for _, points in chosen for number in points]
    exponents += [indicator.weight.as_tuple().exponent for indicator in program.indicators]
    return max(0, *(-e for e in exponents if isinstance(e, int)))


def _totals(program: model.Program, chosen: Chosen) -> tuple[list[list[Any]], list[list[Any]]]:
    """Each row's total (as an integer at the common scale, with the exponent the Decimal sum would have)
    and its three most lost indicators (each as `indicator << 16 | branch`, None when fewer lost points).

    An indicator's loss ranks by its points lost, then by its place in the file, as a stable sort does: each
    row's key is `loss · M + (M - 1 - indicator)`, so the largest key is the first in that order."""
    scale = _common_scale(program, chosen)
    spread = 1 << max(1, (len(chosen) - 1).bit_length())
    total: Any = None
    places: Any = None
    keys, picks = [], []
    for index, ((branch, points), indicator) in enumerate(zip(chosen, program.indicators, strict=True)):
        score = pc.take(pa.array([int(p.scaleb(scale)) for p in points], _INT64), branch)
        exponent = pc.take(pa.array([p.as_tuple().exponent for p in points], _INT64), branch)
        total = score if total is None else pc.add_checked(total, score)
        places = exponent if places is None else pc.min_element_wise(places, exponent)
        loss = pc.subtract_checked(_int64(int(indicator.weight.scaleb(scale))), score)
        keys.append(pc.if_else(pc.greater(loss, 0),
                               pc.add_checked(pc.multiply_checked(loss, _int64(spread)), _int64(spread - 1 - index)),
                               _int64(-1)))
        picks.append(pc.add(pc.multiply(_int64(index), _int64(1 << 16)), branch))
    ranks = []
    for _ in range(min(3, len(keys))):
        top = pc.max_element_wise(*keys)
        which = pc.if_else(pc.less(top, 0), None,
                           pc.subtract(_int64(spread - 1), pc.bit_wise_and(top, _int64(spread - 1))))
        ranks.append(pc.choose(which, *picks).to_pylist())
        keys = [pc.if_else(pc.equal(key, top), _int64(-1), key) for key in keys]
    return [total.to_pylist(), places.to_pylist()], ranks


def _graded(program: model.Program, total: int, places: int,
            chosen: Chosen) -> tuple[Decimal, str]:
    """A row's total as the per-unit path's Decimal sum gives it (the same value and exponent), and its grade."""
    scale = _common_scale(program, chosen)
    exact = CONTEXT.quantize(Decimal(total).scaleb(-scale, CONTEXT), Decimal(1).scaleb(places))
    return exact, program.grade_for(exact).label


def _lost(program: model.Program, chosen: Chosen, ranks: list[int | None]) -> Lost:
    found = []
    for pick in ranks:
        if pick is not None:
            indicator = program.indicators[pick >> 16]
            found.append((indicator.name, CONTEXT.subtract(indicator.weight, chosen[pick >> 16][1][pick & 0xFFFF])))
    return tuple(found)
