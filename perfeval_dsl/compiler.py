"""Checked program to compiled evaluator: the whole rule file becomes one generated Python function.

`compile_program` writes Python source for a function that scores every indicator of one unit in straight-
line code: facts read once into locals, derived values computed when first read and kept in locals (so a tier
guarding a division, `0 if 发出份数 == 0 else …`, works), each rule an `if/elif` chain, constants built once.
Evaluating a unit then costs about what a hand-written Decimal function costs; nothing walks the syntax tree.
The function returns plain data (scores, the branch each rule took, the derived values it computed); the
trace is built from that data only when someone asks for it (`result.Result`).

The generated text contains no text of the user's: names and strings enter it only as `repr()` literals
and constants through a table, so a rule file cannot inject code. Values at run time are bare `Decimal`,
`str` or `bool`: units were settled by the checker, and literals are converted to base units here
(`4800 万元` → 48,000,000). A problem met while evaluating (division by zero, no tier matched, a score
outside its weight, arithmetic out of range) becomes a diagnostic for that indicator. Imports `ast`, `model`,
`check`, `values`, `errors`, `facts`, `unparse`.
"""

from __future__ import annotations

import decimal
import functools
import operator
from collections.abc import Callable, Iterator
from decimal import Decimal
from types import CodeType
from typing import Any

import attrs

from perfeval_dsl import ast, model
from perfeval_dsl.ast import LIST_FUNCTIONS, subject_of, walk
from perfeval_dsl.errors import Chinese, Diagnostic, PerfevalError, error
from perfeval_dsl.facts import Declared
from perfeval_dsl.model import band_points, base_value
from perfeval_dsl.unparse import unparse
from perfeval_dsl.values import NOT_APPLICABLE, Value, day_number, format_value, plain

# The Chinese of the "needed by `指标`" note a failing derived value gets (`evaluation` merges the names).
NEEDED_BY_ZH = "需要它的指标："


class EvaluationFailure(Exception):
    """A problem with one unit's data, met while evaluating; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@attrs.frozen
class DeductionWorking:
    """How a deduction scored one unit: per step its gap, the steps counted and the points they take off;
    then the points taken off in all (after the limit) and the score."""

    indicator: int  # the position of the indicator in `program.indicators`
    node: ast.Deduction
    base: Decimal
    steps: tuple[tuple[Decimal, Decimal, Decimal], ...]  # (gap, steps counted, points off) per step rule
    deducted: Decimal  # before the limit
    taken: Decimal  # after the limit
    score: Decimal


@attrs.frozen
class ChecklistWorking:
    """How a checklist scored one unit: which items held."""

    indicator: int
    node: ast.Checklist
    held: tuple[bool, ...]
    score: Decimal


@attrs.frozen
class ProportionWorking:
    """How a proportional score went: the ratio (turned round for 反向), capped at 100%. `zero` says which
    value was 0 when the ratio was settled without dividing ("target" or "actual")."""

    indicator: int
    node: ast.Proportion
    actual: Decimal
    target: Decimal
    lower: bool  # 反向: target / actual
    ratio: Decimal
    capped: Decimal
    score: Decimal
    zero: str | None = None


@attrs.frozen
class JudgedWorking:
    """A score the evaluation team gave, and the band (in points) it was checked against."""

    indicator: int
    node: ast.Judged
    low: Decimal
    high: Decimal
    score: Decimal


@attrs.frozen
class OverrideWorking:
    """The evaluation team replaced the rule's score with the value of the fact `fact` (调整得分)."""

    indicator: int
    fact: str
    rule_score: Decimal
    score: Decimal
    reason: str | None = None  # the value's note in the facts file, set when the unit's result is built


@attrs.frozen
class RoundingWorking:
    """An indicator's score before and after the declared rounding (取整 指标), when they differ."""

    indicator: int
    exact: Decimal
    score: Decimal
    places: int
    down: bool  # 截尾 rather than 四舍五入


@attrs.frozen
class VetoWorking:
    """一票否决 number `veto` (in `program.vetoes`) held: the indicator's score `rule_score` became 0, or, for a
    veto that caps the grade (`indicator` None), the grade is capped."""

    indicator: int | None
    veto: int
    rule_score: Decimal | None = None
    rule: model.Veto | None = attrs.field(default=None, eq=False)


@attrs.frozen
class InterpolationWorking:
    """Where an interpolation's subject lay: `segment` is the index of the level it is at or above (-1 below the
    first level), and the score on the line from that level to the next."""

    indicator: int
    node: ast.Interpolation
    value: Decimal
    segment: int
    score: Decimal


@attrs.frozen
class NotApplicableWorking:
    """The indicator reads facts given as 不适用 (`facts`), so it was left out of the score; `missing`: they were
    not given at all, and the indicator says `缺失时 不适用`."""

    indicator: int
    facts: tuple[str, ...]
    missing: bool = False


@attrs.frozen
class MissingWorking:
    """The indicator reads facts not given (`facts`), and scores `score` as its `缺失时 …` says."""

    indicator: int
    facts: tuple[str, ...]
    score: Decimal


@attrs.frozen
class MovedWeightWorking:
    """The indicator took `moved` points of weight from indicators that did not apply (`givers`, by name), so its
    rule's `rule_score` out of `weight` became `score` out of `weight + moved`."""

    indicator: int
    givers: tuple[str, ...]
    weight: Decimal
    moved: Decimal
    rule_score: Decimal
    score: Decimal


Working = (DeductionWorking | ChecklistWorking | ProportionWorking | JudgedWorking | OverrideWorking
           | RoundingWorking | VetoWorking | NotApplicableWorking | InterpolationWorking | MissingWorking
           | MovedWeightWorking)


@attrs.frozen
class UnitScores:
    """What the generated function returns for one unit: per indicator its score (None when it failed) and
    branch, the failures, the top-level derived values it computed, and each indicator's own ones."""

    scores: list[Decimal | None]
    branches: list[int | None]
    failures: list[Diagnostic]
    lets: dict[str, Value | None]  # None: not computed (no rule read it); values are never None
    local_lets: list[dict[str, Value | None] | None]
    total: Decimal | None  # None when a rule failed
    workings: list[Working] | None = None  # how each deduction and checklist that was reached scored


ScoreUnit = Callable[[dict[str, Value]], UnitScores]


@attrs.frozen
class CompiledRules:
    """A rule file ready to evaluate any number of units; immutable, so safe to share between threads."""

    program: model.Program
    declared: dict[str, Declared]
    groups: tuple[tuple[model.Group, tuple[int, ...]], ...]  # each group with its indicators' positions, in the
    # order of `model.Program.groups` (the order of `UnitScores.subtotals`)
    score_unit: ScoreUnit = attrs.field(repr=False)
    all_lets: Callable[[dict[str, Value]], tuple[dict[str, Value | None], list[dict[str, Value | None]]]] = (
        attrs.field(repr=False))
    python: str = attrs.field(repr=False)  # the generated source, for the curious and for debugging
    code: CodeType = attrs.field(repr=False, eq=False)  # `python` compiled (the rule cache keeps it)

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """The warnings found when the rules were checked."""
        return self.program.diagnostics

    @property
    def title(self) -> str:
        return self.program.title


def compile_program(program: model.Program, compiled: tuple[str, CodeType] | None = None) -> CompiledRules:
    """Generate and compile the evaluator of a checked program.

    `compiled` is a generated source and its code from an earlier run (the rule cache keeps them): when the
    source generated now is the same text, that code is used instead of compiling it again.
    """
    writer = _Writer(program)
    source = writer.module()
    namespace: dict[str, Any] = dict(writer.constants)
    namespace.update(_runtime(program, writer))
    if compiled is not None and compiled[0] == source:
        code = compiled[1]
    else:
        try:
            code = compile(source, f"<perfeval: {program.source.name}>", "exec")
        except (SyntaxError, RecursionError, MemoryError) as exc:  # the checker's limits should keep this away
            raise PerfevalError([error(
                "PE212", f"the rules are too large or too deeply nested to compile ({type(exc).__name__})",
                program.source.span(0, 0),
                help="name inner parts of long expressions with `let`, or split the rule file",
                zh=Chinese(f"规则太大或嵌套太深，无法编译（{type(exc).__name__}）",
                           help="请用 `let` 给长表达式的内层部分命名，或拆分规则文件"))]) from None
    exec(code, namespace)  # our own generated code: no text of the rule file enters it but as literals
    position = {id(indicator): index for index, indicator in enumerate(program.indicators)}
    groups = tuple((group, tuple(position[id(i)] for i in group.indicators())) for group in program.groups)
    return CompiledRules(program=program, declared=declared_facts(program), groups=groups,
                         score_unit=namespace["score_unit"], all_lets=namespace["all_lets"], python=source, code=code)


def used_names(program: model.Program) -> set[str]:
    """The facts and derived values some rule or 一票否决 reads (each derived value with what it reads)."""
    used = {name for indicator in program.indicators for name in indicator.inputs}
    for veto in program.vetoes:
        used |= veto_reads(program, veto)
    return used


def veto_reads(program: model.Program, veto: model.Veto) -> set[str]:
    """The facts and derived values the condition of `veto` reads, derived values with what they read."""
    used: set[str] = set()
    pending = [(veto.condition, program.indicators[veto.indicator] if veto.indicator is not None else None)]
    while pending:
        expr, scope = pending.pop()
        for sub in walk(expr):
            if isinstance(sub, ast.Ref) and sub.name not in used:
                used.add(sub.name)
                definition = program.definition(sub.name, scope)
                if definition is not None:
                    pending.append((definition.expr, scope))
    return used


def declared_facts(program: model.Program) -> dict[str, Declared]:
    """The facts a unit must supply: every declared fact, required when a 一票否决 reads it, or a rule without
    `缺失时 …` (which says what the indicator scores without it)."""
    required = required_names(program)
    return {name: Declared(fact.type, fact.span, required=name in required, low=fact.low, high=fact.high)
            for name, fact in program.facts.items()}


def required_names(program: model.Program) -> set[str]:
    """The facts and derived values read by a 一票否决 or by a rule without `缺失时 …`."""
    required = {name for indicator in program.indicators if indicator.if_missing is None
                for name in indicator.inputs}
    for veto in program.vetoes:
        required |= veto_reads(program, veto)
    return required


# ---- run-time helpers the generated code calls ----------------------------------------------------

_MISSING = object()  # the value of a fact not given, read by a rule that says what it scores without it


def _runtime(program: model.Program, writer: _Writer) -> dict[str, Any]:
    problems = writer.problems

    def item_sum(items: tuple[dict[str, Decimal], ...], field: str) -> Decimal:
        found = [item[field] for item in items]
        return functools.reduce(operator.add, found) if found else Decimal(0)  # added left to right

    def weighted_mean(items: tuple[dict[str, Decimal], ...], field: str, weight: str, problem: int) -> Decimal:
        weights = item_sum(items, weight)
        if not weights:  # no items, or weights adding up to 0
            raise EvaluationFailure(problems[problem])
        return functools.reduce(operator.add, [item[field] * item[weight] for item in items]) / weights

    def divide(numerator: Decimal, denominator: Decimal, problem: int) -> Decimal:
        if not denominator:
            raise EvaluationFailure(problems[problem])
        return numerator / denominator

    def no_tier(problem: int, subject: Callable[[], Value] | None) -> Any:
        diagnostic = problems[problem]
        if subject is not None:
            try:
                value = subject()
            except Exception:  # only to show the value; the problem reported is the unmatched tier
                value = None
            if value is not None:
                shown = format_value(value, writer.subject_types.get(problem))
                zh = diagnostic.zh
                if zh is not None:
                    zh = attrs.evolve(zh, message=f"{zh.message}：{writer.subject_texts[problem]} 为 {shown}")
                diagnostic = attrs.evolve(diagnostic, message=f"{diagnostic.message}: {writer.subject_texts[problem]} "
                                                              f"is {shown}", zh=zh)
        raise EvaluationFailure(diagnostic)

    def no_arm(problem: int, value: Value) -> Any:
        diagnostic = problems[problem]
        zh = diagnostic.zh
        if zh is not None:
            zh = attrs.evolve(zh, message=f"{zh.message}{format_value(value)}")
        raise EvaluationFailure(attrs.evolve(diagnostic, message=f"{diagnostic.message} {format_value(value)}",
                                             zh=zh))

    def out_of_range(index: int, score: Any, overridden: bool = False) -> Diagnostic:
        indicator = program.indicators[index]
        if overridden and indicator.override is not None:  # the team's score, not the rule's
            return error(
                "PE503", f"`{indicator.name}` is given {plain(score)} by `{indicator.override.text}`, outside 0 to its "
                         f"weight {plain(indicator.weight)}", indicator.override.span, f"gives {plain(score)}",
                help="correct the value in the facts file",
                zh=Chinese(f"`{indicator.override.text}` 把 `{indicator.name}` 的得分调整为 {plain(score)}，"
                           f"超出了 0 到其分值 {plain(indicator.weight)} 的范围", f"给出 {plain(score)}",
                           "请更正事实文件中的值"))
        if not isinstance(score, Decimal) or isinstance(score, bool):
            return error("PE503", f"the score of `{indicator.name}` is not a number", indicator.rule.span,
                         zh=Chinese(f"`{indicator.name}` 的得分不是数"))
        return error(
            "PE503", f"`{indicator.name}` scores {plain(score)}, outside 0 to its weight {plain(indicator.weight)}",
            indicator.rule.span, f"gives {plain(score)}",
            help="a score is never cut to fit: correct the rule (e.g. `min(…, weight)` for a cap) or the weight",
            zh=Chinese(f"`{indicator.name}` 得 {plain(score)} 分，超出了 0 到其分值 {plain(indicator.weight)} 的范围",
                       f"得 {plain(score)} 分",
                       "得分从不会被截到范围内：请更正规则（例如用 `min(…, weight)` 设上限）或分值"))

    def arithmetic(index: int) -> Diagnostic:
        indicator = program.indicators[index]
        return error("PE504", f"the arithmetic of `{indicator.name}` gives a number out of range",
                     indicator.rule.span, help="check the facts for values far too large or too small",
                     zh=Chinese(f"`{indicator.name}` 的计算得出了超出范围的数",
                                help="请检查事实中是否有过大或过小的值"))

    constructs = writer.constructs
    zero = Decimal(0)

    def deduct(workings: list[Working], key: int, base: Decimal,
               steps: tuple[tuple[Decimal, Decimal, Decimal], ...], limit: Decimal | None,
               prorated: bool) -> Decimal:
        counted = []
        deducted = zero
        for gap, step, points in steps:
            count = gap / step if gap > 0 else zero
            if not prorated:  # 每相差 3%: only a whole step takes points off
                count = count.to_integral_value(rounding=decimal.ROUND_FLOOR)
            off = count * points
            counted.append((gap, count, off))
            deducted += off
        taken = min(deducted, limit) if limit is not None else deducted
        score = max(base - taken, zero)  # 扣完为止: never below 0
        index, node = constructs[key]
        assert isinstance(node, ast.Deduction)
        workings.append(DeductionWorking(index, node, base, tuple(counted), deducted, taken, score))
        return score

    def checklist(workings: list[Working], key: int, held: tuple[bool, ...],
                  points: tuple[Decimal, ...]) -> Decimal:
        score = sum((p for h, p in zip(held, points, strict=True) if h), zero)
        index, node = constructs[key]
        assert isinstance(node, ast.Checklist)
        workings.append(ChecklistWorking(index, node, held, score))
        return score

    one = Decimal(1)

    def proportion(workings: list[Working], key: int, actual: Decimal, target: Decimal, weight: Decimal,
                   lower: bool) -> Decimal:
        zero = None
        if lower:  # 反向: less is better; an actual of 0 is the best there is, beyond a target of 0 the worst
            if not actual:
                ratio, zero = one, "actual"
            else:
                ratio = target / actual
        elif not target:  # nothing was asked for: met
            ratio, zero = one, "target"
        else:
            ratio = actual / target
        capped = min(ratio, one)  # 满分为止
        score = weight * capped
        index, node = constructs[key]
        assert isinstance(node, ast.Proportion)
        workings.append(ProportionWorking(index, node, actual, target, lower, ratio, capped, score, zero))
        return score

    def judged(workings: list[Working], key: int, value: Decimal, low: Decimal, high: Decimal,
               problem: int) -> Decimal:
        index, node = constructs[key]
        assert isinstance(node, ast.Judged)
        if not low <= value <= high:
            diagnostic = problems[problem]
            raise EvaluationFailure(attrs.evolve(
                diagnostic, message=diagnostic.message.format(value=plain(value)),
                zh=attrs.evolve(diagnostic.zh, message=diagnostic.zh.message.format(value=plain(value)))
                if diagnostic.zh is not None else None))
        workings.append(JudgedWorking(index, node, low, high, value))
        return value

    def interpolate(workings: list[Working], key: int, value: Decimal,
                    levels: tuple[tuple[Decimal, Decimal], ...]) -> Decimal:
        segment = -1
        for index, (at, _) in enumerate(levels):
            if value >= at:
                segment = index
        if segment == -1:
            score = levels[0][1]  # below the first level: its score
        elif segment == len(levels) - 1:
            score = levels[-1][1]  # at or above the last: its score
        else:
            (x0, y0), (x1, y1) = levels[segment], levels[segment + 1]
            score = y0 + (value - x0) * (y1 - y0) / (x1 - x0)
        index, node = constructs[key]
        assert isinstance(node, ast.Interpolation)
        workings.append(InterpolationWorking(index, node, value, segment, score))
        return score

    def vetoed(indicator: int | None, key: int, rule_score: Decimal | None = None) -> VetoWorking:
        return VetoWorking(indicator, key, rule_score, program.vetoes[key])

    shared = {id(problem) for problem in writer.shared_problems}

    def needed_by(index: int, diagnostic: Diagnostic) -> Diagnostic:
        # A top-level derived value that fails says which indicator needed it (evaluation merges the names).
        if id(diagnostic) not in shared and not diagnostic.message.startswith("no tier matched"):
            return diagnostic
        zh = diagnostic.zh
        if zh is not None:
            zh = attrs.evolve(zh, notes=(*(zh.notes if zh.notes is not None else diagnostic.notes),
                                         f"{NEEDED_BY_ZH}`{program.indicators[index].name}`"))
        return attrs.evolve(diagnostic, notes=(*diagnostic.notes,
                                               f"needed by `{program.indicators[index].name}`"), zh=zh)

    return {"_needed_by": needed_by, "_divide": divide, "_no_tier": no_tier, "_no_arm": no_arm,
            "_out_of_range": out_of_range, "_deduct": deduct, "_checklist": checklist,
            "_proportion": proportion, "_judged": judged, "_Override": OverrideWorking, "_Rounded": RoundingWorking,
            "_Vetoed": vetoed, "_NotApplicable": NotApplicableWorking, "_NA": NOT_APPLICABLE,
            "_Missing": MissingWorking, "_MISSING": _MISSING, "_sum": item_sum, "_weighted_mean": weighted_mean,
            "_problems": problems, "_interpolate": interpolate,
            "_arithmetic": arithmetic, "_Failure": EvaluationFailure, "_DecimalException": decimal.DecimalException,
            "UnitScores": UnitScores}


# ---- the code writer -----------------------------------------------------------------------------


class _Writer:
    """Writes the module: constants, `score_unit(F)` and `all_lets(F)`."""

    def __init__(self, program: model.Program) -> None:
        self.program = program
        self.constants: dict[str, Any] = {}
        self._constant_names: dict[tuple[type, str], str] = {}
        self.problems: list[Diagnostic] = []
        self.shared_problems: list[Diagnostic] = []  # raised by top-level derived values, shared by indicators
        self.subject_texts: dict[int, str] = {}
        self.subject_types: dict[int, Any] = {}
        self.constructs: list[tuple[int, ast.Expr]] = []  # each deduction and checklist, with its indicator
        self.indicator_index = {id(indicator): i for i, indicator in enumerate(program.indicators)}
        self.fact_vars = {name: f"f{i}" for i, name in enumerate(program.facts)}
        self.let_vars = {name: f"g{i}" for i, name in enumerate(program.lets)}
        self.local_vars: dict[int, dict[str, str]] = {
            id(indicator): {let.name: f"l{i}_{j}" for j, let in enumerate(indicator.lets)}
            for i, indicator in enumerate(program.indicators)
        }

    # -- building blocks
    def constant(self, value: Any) -> str:
        key = (type(value), repr(value))  # 1.00 and 1 are equal but print differently: two constants
        name = self._constant_names.get(key)
        if name is None:
            name = self._constant_names[key] = f"K{len(self._constant_names)}"
            self.constants[name] = value
        return name

    def problem(self, diagnostic: Diagnostic) -> int:
        self.problems.append(diagnostic)
        return len(self.problems) - 1

    def ref(self, name: str, indicator: model.Indicator | None, lazy: bool) -> str:
        """A read of `name`. `lazy`: a derived value is computed on first read (`score_unit`); otherwise it
        was computed before, in dependency order (`all_lets`)."""
        local = self.local_vars[id(indicator)] if indicator is not None else {}
        if name in local:
            var = local[name]
        elif name in self.let_vars:
            var = self.let_vars[name]
        else:
            return self.fact_vars[name]
        if not lazy:
            return var
        # Computed by its own nested function (see `_let_function`): inlining the definition would nest a
        # chain of derived values ever deeper, past what Python's compiler accepts.
        return f"({var} if {var} is not None else _c_{var}())"

    def _let_function(self, var: str, expr: ast.Expr, indicator: model.Indicator | None) -> list[str]:
        """A function inside `score_unit` computing one derived value and keeping it in its local variable."""
        return [f"def _c_{var}():", f"    nonlocal {var}", f"    {var} = {self.expr(expr, indicator)}",
                f"    return {var}"]

    # -- expressions
    def expr(self, expr: ast.Expr, indicator: model.Indicator | None, lazy: bool = True) -> str:
        def go(e: ast.Expr) -> str:
            return self.expr(e, indicator, lazy)

        match expr:
            case ast.Number():
                return self.constant(base_value(expr))
            case ast.Date(value=day):
                assert day is not None  # the checker refused a day the calendar lacks (PE216)
                return self.constant(day_number(day))
            case ast.String(value=text):
                return self.constant(text)
            case ast.Bool(value=flag):
                return "True" if flag else "False"
            case ast.WeightRef():
                assert indicator is not None
                return self.constant(indicator.weight)
            case ast.Ref(name=name):
                return self.ref(name, indicator, lazy)
            case ast.Unary(op=op, operand=operand):
                return f"(-{go(operand)})" if op == "-" else go(operand)
            case ast.Binary(op="/", left=left, right=right):
                where = f" in `{indicator.name}`" if indicator is not None else ""
                problem = self.problem(error(
                    "PE501", f"division by zero{where}: `{unparse(right)}` is 0", expr.span, "divides by 0",
                    help="check the facts; if 0 is a real value here, score it in a tier before dividing, "
                         "e.g. `0 if 预算 == 0 else …`",
                    zh=Chinese(f"除数为零{'（`' + indicator.name + '` 中）' if indicator is not None else ''}："
                               f"`{unparse(right)}` 为 0", "除以 0",
                               "请检查事实；如果这里 0 是真实的值，请在相除之前用一档给它评分，"
                               "例如 `0 if 预算 == 0 else …`")))
                if indicator is None:
                    self.shared_problems.append(self.problems[problem])
                return f"_divide({go(left)}, {go(right)}, {problem})"
            case ast.Binary(op=op, left=left, right=right):
                return f"({go(left)} {op} {go(right)})"
            case ast.Compare(operands=operands, ops=ops):
                parts = [go(operands[0])]
                for op, operand in zip(ops, operands[1:], strict=True):
                    parts.extend((op, go(operand)))
                return f"({' '.join(parts)})"
            case ast.Between(subject=subject, low=low, high=high):
                return f"({go(low)} <= {go(subject)} <= {go(high)})"
            case ast.BoolOp(op=op, operands=operands):
                return "(" + f" {op} ".join(go(o) for o in operands) + ")"
            case ast.Not(operand=operand):
                return f"(not {go(operand)})"
            case ast.Call():
                return self._call(expr, go)
            case ast.Deduction(base=base, steps=steps, limit=limit, prorated=prorated):
                key = self._construct(expr, indicator)
                base_text = go(base) if base is not None else go(ast.WeightRef(span=expr.span))
                step_texts = "".join(f"({go(s.gap)}, {go(s.step)}, {go(s.points)}), " for s in steps)
                limit_text = go(limit) if limit is not None else "None"
                return f"_deduct(W, {key}, {base_text}, ({step_texts}), {limit_text}, {prorated})"
            case ast.Checklist(items=items):
                key = self._construct(expr, indicator)
                held = "".join(f"{go(item.condition)}, " for item in items)
                points = "".join(f"{go(item.points)}, " for item in items)
                return f"_checklist(W, {key}, ({held}), ({points}))"
            case ast.Proportion(actual=actual, target=target):
                key = self._construct(expr, indicator)
                assert indicator is not None
                weight = self.constant(indicator.weight)
                return f"_proportion(W, {key}, {go(actual)}, {go(target)}, {weight}, {indicator.direction == 'lower'})"
            case ast.Judged(value=value, low=low, high=high):
                key = self._construct(expr, indicator)
                assert indicator is not None
                low_points, high_points = (band_points(bound, indicator.weight) for bound in (low, high))
                name = indicator.name
                problem = self.problem(error(
                    "PE506", f"`{name}` is judged {{value}}, outside the band {plain(low_points)} to "
                             f"{plain(high_points)} its rule allows", expr.span, "outside the band",
                    help="check the score in the facts file against the standard's band; if the standard allows "
                         "it, correct the band in the rule file",
                    zh=Chinese(f"`{name}` 的评定得分为 {{value}}，不在规则允许的 {plain(low_points)} 至 "
                               f"{plain(high_points)} 之间", "超出区间",
                               "请对照评分标准的区间检查事实文件中的得分；若评分标准允许，请改正规则文件中的区间")))
                return (f"_judged(W, {key}, {go(value)}, {self.constant(low_points)}, "
                        f"{self.constant(high_points)}, {problem})")
            case ast.Interpolation(subject=subject, levels=levels):
                key = self._construct(expr, indicator)
                points = "".join(f"({go(x)}, {go(y)}), " for x, y in levels)
                return f"_interpolate(W, {key}, {go(subject)}, ({points}))"
            case ast.Tiered(tiers=tiers, default=default):
                text = go(default) if default is not None else self._no_tier(expr, indicator, lazy)
                for tier in reversed(tiers):
                    text = f"({go(tier.score)} if {go(tier.condition)} else {text})"
                return text
        raise AssertionError(f"cannot compile {expr!r}")  # pragma: no cover

    def _construct(self, expr: ast.Expr, indicator: model.Indicator | None) -> int:
        assert indicator is not None  # the checker keeps deductions and checklists inside indicators (PE215)
        self.constructs.append((self.indicator_index[id(indicator)], expr))
        return len(self.constructs) - 1

    def _call(self, call: ast.Call, go: Callable[[ast.Expr], str]) -> str:
        function = LIST_FUNCTIONS.get(call.function)
        if function == "count":
            return f"_Decimal(len({go(call.args[0])}))"
        if function is not None:  # over the items of a list: `合计(子项目.培训人数)`
            fields = [arg for arg in call.args if isinstance(arg, ast.FieldRef)]
            items = go(ast.Ref(name=fields[0].name, span=fields[0].span))
            names = ", ".join(repr(field.field) for field in fields)
            problem = self.problem(error(
                "PE501", f"`{unparse(call)}` divides by zero: the weights of the items add up to 0", call.span,
                "weights add up to 0", help="give the items' weights, or give 0 its own tier before this value",
                zh=Chinese(f"`{unparse(call)}` 除以零：各项的权数之和为 0", "权数之和为 0",
                           "请给出各项的权数，或在此之前为 0 单设一档"))) if function == "weighted_mean" else None
            return f"_{function}({items}, {names}{f', {problem}' if problem is not None else ''})"
        args = [go(a) for a in call.args]
        if call.function in ("abs", "min", "max"):
            return f"{call.function}({', '.join(args)})"
        places_expr = call.args[1] if len(call.args) > 1 else None
        places = int(places_expr.value) if isinstance(places_expr, ast.Number) else 0
        exponent = self.constant(Decimal(1).scaleb(-places))
        # round() is 四舍五入 (half up), the convention of Chinese evaluation reports; trunc() cuts digits off.
        rounding = "'ROUND_HALF_UP'" if call.function == "round" else "'ROUND_DOWN'"
        return f"{args[0]}.quantize({exponent}, rounding={rounding})"

    def _no_tier(self, tiered: ast.Tiered, indicator: model.Indicator | None, lazy: bool) -> str:
        name = f" of `{indicator.name}`" if indicator is not None else ""
        problem = self.problem(error(
            "PE502", f"no tier{name} matched", tiered.span, "no tier matched",
            help="add a final `else 0` for values no tier covers, or correct the tiers' bounds",
            zh=Chinese(f"{'`' + indicator.name + '` 的' if indicator is not None else ''}各档都不符合", "没有一档符合",
                       "请在最后加上 `else 0` 以涵盖各档之外的值，或更正各档的界限")))
        subject = subject_of(tiered.tiers[0].condition)
        if subject is None:
            return f"_no_tier({problem}, None)"
        self.subject_texts[problem] = unparse(subject)
        if isinstance(subject, ast.Ref):
            self.subject_types[problem] = self.program.value_type(subject.name, indicator)
        # Not lazy: the tiers' conditions have read the subject already, and a lambda cannot assign to the
        # function's locals.
        return f"_no_tier({problem}, lambda: {self.expr(subject, indicator, lazy=False)})"

    # -- rules
    def _rule_lines(self, index: int, indicator: model.Indicator) -> Iterator[str]:
        """Statements setting `s` (the score) and `b` (the branch) for one indicator."""
        rule = indicator.rule
        if isinstance(rule, ast.ScoreBy):
            subject = self.expr(rule.subject, indicator)
            yield f"v = {subject}"
            otherwise = None
            keyword = "if"
            seen: set[str] = set()
            for arm_index, arm in enumerate(rule.arms):
                if arm.value is None:
                    otherwise = (arm_index, arm)
                    continue
                if arm.value.value in seen:
                    continue
                seen.add(arm.value.value)
                yield f"{keyword} v == {self.constant(arm.value.value)}:"
                yield f"    s = {self.expr(arm.score, indicator)}; b = {arm_index}"
                keyword = "elif"
            if otherwise is not None:
                arm_index, arm = otherwise
                lines = [f"s = {self.expr(arm.score, indicator)}; b = {arm_index}"]
            else:
                problem = self.problem(error(
                    "PE505", f"`{indicator.name}` has no score for", rule.span,
                    help="add an arm for this judgement, or `otherwise -> 0`",
                    zh=Chinese(f"`{indicator.name}` 没有为以下答案给出得分：",
                               help="请为这个答案加一条分支，或加上 `otherwise -> 0`")))
                lines = [f"s = _no_arm({problem}, v); b = None"]
            if keyword == "if":
                yield from lines
            else:
                yield "else:"
                yield from ("    " + line for line in lines)
            return
        if not isinstance(rule.expr, ast.Tiered):
            yield f"s = {self.expr(rule.expr, indicator)}; b = None"
            return
        tiered = rule.expr
        for tier_index, tier in enumerate(tiered.tiers):
            yield f"{'if' if tier_index == 0 else 'elif'} {self.expr(tier.condition, indicator)}:"
            yield f"    s = {self.expr(tier.score, indicator)}; b = {tier_index}"
        yield "else:"
        if tiered.default is not None:
            yield f"    s = {self.expr(tiered.default, indicator)}; b = {len(tiered.tiers)}"
        else:
            yield f"    s = {self._no_tier(tiered, indicator, True)}; b = None"

    def module(self) -> str:
        program = self.program
        lines = ["def score_unit(F):"]
        body: list[str] = []
        used = used_names(program)
        required = required_names(program)
        for name, var in self.fact_vars.items():
            if name in required:
                body.append(f"{var} = F[{name!r}]")
            elif name in used:  # read only by rules that say what they score without it (`缺失时 …`)
                body.append(f"{var} = F.get({name!r}, _MISSING)")
        for var in self.let_vars.values():
            body.append(f"{var} = None")
        for name, var in self.let_vars.items():
            if name in used:
                body.extend(self._let_function(var, program.lets[name].expr, None))
        count = len(program.indicators)
        body.append(f"scores = [None] * {count}; branches = [None] * {count}; failures = []; "
                    f"local_lets = [None] * {count}; W = []")
        for index, indicator in enumerate(program.indicators):
            local = self.local_vars[id(indicator)]
            body.append(f"# {index}: {indicator.name!r}")
            facts = tuple(name for name in indicator.inputs
                          if name in program.facts and program.definition(name, indicator) is None)
            outer, body = body, []
            for var in local.values():
                body.append(f"{var} = None")
            for let in indicator.lets:
                body.extend(self._let_function(local[let.name], let.expr, indicator))
            body.append("try:")
            body.extend("    " + line for line in self._rule_lines(index, indicator))
            rounding = program.rounding_of("indicators")
            if rounding is not None:  # the rule's score, rounded as declared (取整 指标)
                mode = "'ROUND_DOWN'" if rounding.down else "'ROUND_HALF_UP'"
                exponent = self.constant(Decimal(1).scaleb(-rounding.places))
                body.append(f"    r = s.quantize({exponent}, rounding={mode})")
                body.append(f"    if r != s: W.append(_Rounded({index}, s, r, {rounding.places}, {rounding.down})); "
                            "s = r")
            overridden = "False"
            if indicator.override is not None:  # the team's score is final: after the rounding
                body.append(f"    o = F.get({indicator.override.text!r}); given = o is not None and o is not _NA")
                body.append("    if given:")
                body.append(f"        W.append(_Override({index}, {indicator.override.text!r}, s, o)); s = o")
                overridden = "given"
            store = f"scores[{index}] = s; branches[{index}] = b"
            if constant_scores(indicator) and indicator.override is None and rounding is None:  # each within 0 to
                # the weight, or the checker said PE503
                body.append("    " + store)
            else:
                weight = self.constant(indicator.weight)
                body.append(f"    if s.__class__ is not _Decimal or not (0 <= s <= {weight}):")
                body.append(f"        failures.append(_out_of_range({index}, s, {overridden}))")
                body.append("    else:")
                body.append("        " + store)
            body.append("except _Failure as failure:")
            body.append(f"    failures.append(_needed_by({index}, failure.diagnostic))")
            body.append("except _DecimalException:")
            body.append(f"    failures.append(_arithmetic({index}))")
            if local:
                names = ", ".join(f"{name!r}: {var}" for name, var in local.items())
                body.append(f"local_lets[{index}] = {{{names}}}")
            policy = indicator.if_missing
            zero = self.constant(Decimal(0))
            if facts and policy is not None:  # `缺失时 …`: what it scores when a fact it reads is not given
                missing = " or ".join(f"{self.fact_vars[name]} is _MISSING" for name in facts)
                which = f"tuple(n for n in {tuple(facts)!r} if n not in F)"
                outer.append(f"if {missing}:")
                if policy.score is None:
                    outer.append(f"    W.append(_NotApplicable({index}, {which}, True)); scores[{index}] = {zero}")
                else:
                    points = self.constant(base_value(policy.score))
                    outer.append(f"    W.append(_Missing({index}, {which}, {points})); scores[{index}] = {points}")
                outer.append("else:")
                outer.extend("    " + line for line in self._not_applicable_check(index, facts, body))
            elif facts:
                outer.extend(self._not_applicable_check(index, facts, body))
            else:
                outer.extend(body)
            body = outer
        for key, veto in enumerate(program.vetoes):
            scope = program.indicators[veto.indicator] if veto.indicator is not None else None
            read = tuple(sorted(name for name in veto_reads(program, veto) if name in program.facts))
            indent = ""
            if read:
                problem = self.problem(error(
                    "PE414", f"a 一票否决 reads {', '.join(f'`{n}`' for n in read)}, and one of them is 不适用",
                    veto.span, "reads a fact given as 不适用",
                    help="give the fact's value, or write the veto's condition without it: a veto must be decided",
                    zh=Chinese(f"一票否决读取了 {'、'.join(f'`{n}`' for n in read)}，其中有不适用的事实",
                               "读取了不适用的事实",
                               "请给出这个事实的值，或改写一票否决的条件：一票否决必须能够判定")))
                body.append(f"if any(F.get(n) is _NA for n in {read!r}):")
                body.append(f"    failures.append(_problems[{problem}])")
                body.append("else:")
                indent = "    "
            veto_lines = ["try:", f"    if {self.expr(veto.condition, scope)}:"]
            if veto.grade_cap is not None:
                veto_lines.append(f"        W.append(_Vetoed(None, {key}))")
            else:
                zero = self.constant(Decimal(0))
                veto_lines += [f"        for i in {veto.members!r}:", "            if scores[i] is not None:",
                          f"                W.append(_Vetoed(i, {key}, scores[i])); scores[i] = {zero}"]
            veto_lines += ["except _Failure as failure:", "    failures.append(failure.diagnostic)",
                      "except _DecimalException:", f"    failures.append(_arithmetic({veto.members[0]}))"]
            body.extend(indent + line for line in veto_lines)
        names = ", ".join(f"{name!r}: {var}" for name, var in self.let_vars.items())
        body.append(f"lets = {{{names}}}")
        body.append("if failures:")
        body.append("    return UnitScores(scores, branches, failures, lets, local_lets, None, W)")
        # Added left to right, as `sum` would: the same exact Decimals either way. Group subtotals are
        # added only when asked for (`Result.groups`).
        total = " + ".join(f"scores[{i}]" for i in range(count)) or self.constant(Decimal(0))
        body.append(f"return UnitScores(scores, branches, failures, lets, local_lets, {total}, W)")
        lines.extend("    " + line for line in body)
        lines.append("")
        lines.extend(self._all_lets())
        self.constants["_Decimal"] = Decimal
        return "\n".join(lines) + "\n"

    def _not_applicable_check(self, index: int, facts: tuple[str, ...], body: list[str]) -> list[str]:
        """`body`, unless the indicator reads a fact given as 不适用: then it is left out (what that means:
        `evaluation`)."""
        given = " or ".join(f"{self.fact_vars[name]} is _NA" for name in facts)
        return [f"if {given}:",
                f"    W.append(_NotApplicable({index}, tuple(n for n in {tuple(facts)!r} if F.get(n) is _NA))); "
                f"scores[{index}] = {self.constant(Decimal(0))}",
                "else:", *("    " + line for line in body)]

    def _all_lets(self) -> Iterator[str]:
        """`all_lets(F)`: every derived value, each None when it cannot be computed (for traces that show
        values a rule did not need)."""
        program = self.program
        yield "def all_lets(F):"
        yield "    W = []"  # workings of values no rule needed are not shown
        for name, var in self.fact_vars.items():
            yield f"    {var} = F.get({name!r})"
        for name in _dependency_order(program.lets):
            yield from self._guarded(self.let_vars[name], program.lets[name].expr, None)
        yield "    local_lets = []"
        for indicator in program.indicators:
            local = self.local_vars[id(indicator)]
            for name in _dependency_order({let.name: let for let in indicator.lets}):
                definition = program.definition(name, indicator)
                assert definition is not None
                yield from self._guarded(local[name], definition.expr, indicator)
            names = ", ".join(f"{name!r}: {var}" for name, var in local.items())
            yield f"    local_lets.append({{{names}}})"
        names = ", ".join(f"{name!r}: {var}" for name, var in self.let_vars.items())
        yield f"    return {{{names}}}, local_lets"

    def _guarded(self, var: str, expr: ast.Expr, indicator: model.Indicator | None) -> Iterator[str]:
        yield "    try:"
        yield f"        {var} = {self.expr(expr, indicator, lazy=False)}"
        yield "    except Exception:"  # a value that cannot be computed is shown as not computed
        yield f"        {var} = None"


def constant_scores(indicator: model.Indicator) -> bool:
    """Whether every score the rule can give is a number written in it (`5`, `3分`)."""
    rule = indicator.rule
    if isinstance(rule, ast.ScoreBy):
        scores = [arm.score for arm in rule.arms]
    elif isinstance(rule.expr, ast.Tiered):
        scores = [tier.score for tier in rule.expr.tiers]
        scores += [rule.expr.default] if rule.expr.default is not None else []
    else:
        scores = [rule.expr]
    return all(isinstance(score, ast.Number) and score.unit in (None, "分") for score in scores)


def _dependency_order(lets: dict[str, Any]) -> list[str]:
    """The names of `lets`, each after the derived values of the same scope it reads."""
    ordered: list[str] = []

    def visit(name: str) -> None:  # the checker refused cycles (PE207), so this ends
        if name in ordered:
            return
        for sub in walk(lets[name].expr):
            if isinstance(sub, ast.Ref) and sub.name in lets and sub.name != name:
                visit(sub.name)
        ordered.append(name)

    for name in lets:
        visit(name)
    return ordered
