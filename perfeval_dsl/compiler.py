"""Checked program to compiled evaluator: each rule becomes a tree of Python closures, built once.

Evaluating a unit then runs closures over a `Frame` (the unit's facts and the derived values computed so
far) without walking the syntax tree again. Values at run time are bare `Decimal`, `str` or `bool`: units
were settled by the checker and literals are converted to base units here (`4800 万元` → 48,000,000).
A problem met while evaluating (division by zero, no tier matched, a score outside its weight) raises
`EvaluationFailure` carrying its diagnostic; `evaluate` collects them. Imports `ast`, `model`, `values`,
`errors`, `unparse`.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from perfeval_dsl import ast, model
from perfeval_dsl.check import subject_of
from perfeval_dsl.errors import Diagnostic, error
from perfeval_dsl.facts import Declared
from perfeval_dsl.unparse import unparse
from perfeval_dsl.values import UNITS, Value, ValueType, format_value

# Closures are type-erased on purpose: the checker has already proved every operand's type and unit, so
# an evaluator returns a Decimal, str or bool as its expression's static type says.
Evaluator = Callable[["Frame"], Any]
RuleEvaluator = Callable[["Frame"], tuple[Decimal, int | None]]


class EvaluationFailure(Exception):
    """A problem with one unit's data, met while evaluating; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class Frame:
    """The state of one evaluation: the unit's facts, and derived values memoised as they are computed."""

    __slots__ = ("facts", "lets", "local", "weight")

    def __init__(self, facts: dict[str, Value]) -> None:
        self.facts = facts
        self.lets: dict[str, Value | EvaluationFailure] = {}
        self.local: dict[str, Any] = {}
        self.weight: Decimal = Decimal(0)


@attrs.frozen
class CompiledIndicator:
    indicator: model.Indicator
    lets: tuple[tuple[str, Evaluator], ...]
    rule: RuleEvaluator


@attrs.frozen
class CompiledRules:
    """A rule file ready to evaluate any number of units; immutable, so safe to share between threads."""

    program: model.Program
    indicators: tuple[CompiledIndicator, ...]
    lets: dict[str, Evaluator]
    declared: dict[str, Declared]
    groups: tuple[tuple[model.Group, tuple[int, ...]], ...]  # each group with its indicators' positions

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The warnings found when the rules were checked."""
        return self.program.diagnostics

    @property
    def title(self) -> str:
        return self.program.title


def compile_program(program: model.Program) -> CompiledRules:
    """Build the closures for every derived value and indicator of a checked program."""
    compiler = _Compiler(program)
    # Filled in place: closures compiled earlier look derived values up in this same dict, so a derived
    # value may use another whatever their order in the file.
    lets = compiler.global_lets
    for name, let in program.lets.items():
        lets[name] = compiler.expr(let.expr, None)
    indicators = tuple(compiler.indicator(indicator) for indicator in program.indicators)
    position = {id(indicator): index for index, indicator in enumerate(program.indicators)}
    groups = tuple((group, tuple(position[id(i)] for i in group.indicators())) for group in program.groups)
    return CompiledRules(program=program, indicators=indicators, lets=lets, declared=declared_facts(program),
                         groups=groups)


def declared_facts(program: model.Program) -> dict[str, Declared]:
    """The facts a unit must supply: every declared fact, required when some indicator reads it."""
    used = {name for indicator in program.indicators for name in indicator.inputs}
    return {name: Declared(fact.type, fact.span, required=name in used, low=fact.low, high=fact.high)
            for name, fact in program.facts.items()}


class _Compiler:
    def __init__(self, program: model.Program) -> None:
        self.program = program
        self.global_lets: dict[str, Evaluator] = {}
        self.local_lets: dict[int, dict[str, Evaluator]] = {}

    def indicator(self, indicator: model.Indicator) -> CompiledIndicator:
        local: dict[str, Evaluator] = {}
        self.local_lets[id(indicator)] = local
        for let in indicator.lets:
            local[let.name] = self.expr(let.expr, indicator)
        return CompiledIndicator(indicator=indicator, lets=tuple(local.items()), rule=self.rule(indicator))

    # -- score rules: return (score, the tier or arm that fired)
    def rule(self, indicator: model.Indicator) -> RuleEvaluator:
        rule = indicator.rule
        if isinstance(rule, ast.ScoreBy):
            return self._score_by(rule, indicator)
        if isinstance(rule.expr, ast.Tiered):
            return self._tiers(rule.expr, indicator)
        score = self.expr(rule.expr, indicator)

        def plain_score(frame: Frame) -> tuple[Decimal, int | None]:
            return score(frame), None

        return plain_score

    def _tiers(self, tiered: ast.Tiered, indicator: model.Indicator) -> RuleEvaluator:
        tiers = tuple((self.expr(t.condition, indicator), self.expr(t.score, indicator)) for t in tiered.tiers)
        default = self.expr(tiered.default, indicator) if tiered.default is not None else None
        else_index = len(tiers)
        subject = subject_of(tiered.tiers[0].condition)
        subject_value = self.expr(subject, indicator) if subject is not None else None
        subject_type = self._type_of(subject, indicator) if subject is not None else None

        def run(frame: Frame) -> tuple[Decimal, int | None]:
            for index, (condition, score) in enumerate(tiers):
                if condition(frame):
                    return score(frame), index
            if default is not None:
                return default(frame), else_index
            shown = ""
            if subject_value is not None and subject is not None:
                shown = f": {unparse(subject)} is {format_value(subject_value(frame), subject_type)}"
            raise EvaluationFailure(error(
                "PE502", f"no tier of `{indicator.name}` matched{shown}", tiered.span, "no tier matched",
                help="add a final `else 0` for values no tier covers, or correct the tiers' bounds"))

        return run

    def _score_by(self, rule: ast.ScoreBy, indicator: model.Indicator) -> RuleEvaluator:
        subject = self.expr(rule.subject, indicator)
        arms: dict[str, tuple[int, Evaluator]] = {}
        otherwise: tuple[int, Evaluator] | None = None
        for index, arm in enumerate(rule.arms):
            score = self.expr(arm.score, indicator)
            if arm.value is None:
                otherwise = (index, score)
            else:
                arms.setdefault(arm.value.value, (index, score))

        def run(frame: Frame) -> tuple[Decimal, int | None]:
            value = subject(frame)
            found = arms.get(value) if isinstance(value, str) else None
            if found is None:
                found = otherwise
            if found is None:
                raise EvaluationFailure(error(
                    "PE505", f"`{indicator.name}` has no score for {format_value(value)}", rule.span,
                    help="add an arm for this judgement, or `otherwise -> 0`"))
            index, score = found
            return score(frame), index

        return run

    def _type_of(self, expr: ast.Expr, indicator: model.Indicator | None) -> ValueType | None:
        if isinstance(expr, ast.Ref):
            return self.program.value_type(expr.name, indicator)
        return None

    # -- expressions
    def expr(self, expr: ast.Expr, indicator: model.Indicator | None) -> Evaluator:
        match expr:
            case ast.Number(value=value, unit=unit):
                constant: Value = value * UNITS[unit].factor if unit is not None else value
                return lambda frame: constant
            case ast.String(value=text):
                return lambda frame: text
            case ast.Bool(value=flag):
                return lambda frame: flag
            case ast.WeightRef():
                return lambda frame: frame.weight
            case ast.Ref(name=name):
                return self._ref(name, indicator)
            case ast.Unary(op=op, operand=operand):
                inner = self.expr(operand, indicator)
                if op == "-":
                    return lambda frame: -inner(frame)
                return inner
            case ast.Binary(op=op, left=left, right=right):
                return self._binary(expr, self.expr(left, indicator), self.expr(right, indicator), indicator)
            case ast.Compare(operands=operands, ops=ops):
                return self._compare(tuple(self.expr(o, indicator) for o in operands), ops)
            case ast.Between(subject=subject, low=low, high=high):
                s, lo, hi = (self.expr(e, indicator) for e in (subject, low, high))
                return lambda frame: lo(frame) <= s(frame) <= hi(frame)
            case ast.BoolOp(op=op, operands=operands):
                parts = tuple(self.expr(o, indicator) for o in operands)
                if op == "and":
                    return lambda frame: all(p(frame) for p in parts)
                return lambda frame: any(p(frame) for p in parts)
            case ast.Not(operand=operand):
                inner = self.expr(operand, indicator)
                return lambda frame: not inner(frame)
            case ast.Call():
                return self._call(expr, indicator)
            case ast.Tiered():
                tiers = tuple((self.expr(t.condition, indicator), self.expr(t.score, indicator))
                              for t in expr.tiers)
                default = self.expr(expr.default, indicator) if expr.default is not None else None
                span = expr.span

                def tiered(frame: Frame) -> Any:
                    for condition, score in tiers:
                        if condition(frame):
                            return score(frame)
                    if default is not None:
                        return default(frame)
                    raise EvaluationFailure(error("PE502", "no tier matched", span, "no tier matched",
                                                  help="add a final `else …` for values no tier covers"))

                return tiered
        raise AssertionError(f"cannot compile {expr!r}")  # pragma: no cover

    def _ref(self, name: str, indicator: model.Indicator | None) -> Evaluator:
        # Derived values are computed when first read and remembered for the unit (top level) or the
        # indicator (its own `let`s): a tier guarding a division (`0 if 发出份数 == 0 else …`) then works.
        if indicator is not None and any(let.name == name for let in indicator.lets):
            local = self.local_lets[id(indicator)]

            def local_value(frame: Frame) -> Any:
                memo = frame.local.get(name)
                if memo is None:
                    memo = frame.local[name] = local[name](frame)
                return memo

            return local_value
        if name in self.program.lets:
            global_lets = self.global_lets

            def derived(frame: Frame) -> Value:
                memo = frame.lets.get(name)
                if memo is None:
                    try:
                        memo = global_lets[name](frame)
                    except EvaluationFailure as failure:
                        memo = failure
                    frame.lets[name] = memo
                if isinstance(memo, EvaluationFailure):
                    raise memo
                return memo

            return derived
        return lambda frame: frame.facts[name]

    def _binary(self, expr: ast.Binary, left: Evaluator, right: Evaluator,
                indicator: model.Indicator | None) -> Evaluator:
        op = expr.op
        if op == "+":
            return lambda frame: left(frame) + right(frame)
        if op == "-":
            return lambda frame: left(frame) - right(frame)
        if op == "*":
            return lambda frame: left(frame) * right(frame)
        denominator_text = unparse(expr.right)
        span = expr.span
        where = f" in `{indicator.name}`" if indicator is not None else ""

        def divide(frame: Frame) -> Any:
            denominator = right(frame)
            if denominator == 0:
                raise EvaluationFailure(error(
                    "PE501", f"division by zero{where}: `{denominator_text}` is 0", span, "divides by 0",
                    help="check the facts; if 0 is a real value here, score it in a tier before dividing, "
                         "e.g. `0 if 预算 == 0 else …`"))
            return left(frame) / denominator

        return divide

    def _compare(self, operands: tuple[Evaluator, ...], ops: tuple[str, ...]) -> Evaluator:
        tests: dict[str, Callable[[Any, Any], bool]] = {
            "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
        }
        if len(ops) == 1:
            test, (a, b) = tests[ops[0]], operands
            return lambda frame: test(a(frame), b(frame))
        chain = tuple(tests[op] for op in ops)

        def chained(frame: Frame) -> Value:
            values = [o(frame) for o in operands]
            return all(test(values[i], values[i + 1]) for i, test in enumerate(chain))

        return chained

    def _call(self, call: ast.Call, indicator: model.Indicator | None) -> Evaluator:
        args = tuple(self.expr(a, indicator) for a in call.args)
        name = call.function
        if name == "abs":
            (x,) = args
            return lambda frame: abs(x(frame))
        if name == "min":
            return lambda frame: min(a(frame) for a in args)
        if name == "max":
            return lambda frame: max(a(frame) for a in args)
        places_expr = call.args[1] if len(call.args) > 1 else None
        places = int(places_expr.value) if isinstance(places_expr, ast.Number) else 0
        exponent = Decimal(1).scaleb(-places)
        # round() is 四舍五入 (half up), the convention of Chinese evaluation reports; trunc() cuts digits off.
        rounding = decimal.ROUND_HALF_UP if name == "round" else decimal.ROUND_DOWN
        (x, *_) = args
        return lambda frame: x(frame).quantize(exponent, rounding=rounding)

