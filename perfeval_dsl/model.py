"""The checked program: what a rule file means once names, types, units and weights are settled.

`check.check` builds it from a syntax tree; `compiler` and the renderers read it. Expressions stay syntax
tree nodes (`perfeval_dsl.ast`), but resolved: a tier that left out its subject (`else 3 if <= 20%`) has it
filled in, so later stages never guess. Weights are Decimals in points. Imports `ast`, `values`, `errors`,
`source`.
"""

from __future__ import annotations

import decimal
import functools
from decimal import Decimal
from typing import Union

import attrs

from perfeval_dsl import ast
from perfeval_dsl.errors import Diagnostic
from perfeval_dsl.source import Source, Span
from perfeval_dsl.values import UNITS, ValueType

_span = attrs.field(eq=False, repr=False)


@attrs.frozen(kw_only=True)
class FactDef:
    """A fact the evaluator must supply, with its type (unit, judgement set, yes/no, text)."""

    name: str
    type: ValueType
    low: Decimal | None = None  # the declared range (`between 0% and 100%`), in the base unit
    high: Decimal | None = None
    span: Span = _span


@attrs.frozen(kw_only=True)
class LetDef:
    """A derived value: a name for an expression over facts and other derived values."""

    name: str
    expr: ast.Expr
    type: ValueType
    span: Span = _span


ScoreRule = Union[ast.ScoreExpr, ast.ScoreBy]  # noqa: UP007


@attrs.frozen(kw_only=True)
class Indicator:
    """A level-3 indicator (三级指标): its weight, the report's wording, and its scoring rule.

    `inputs` lists the facts and derived values the rule reads, each derived value after the values it is
    computed from: the order in which a trace shows them.
    """

    name: str
    path: tuple[str, ...]
    weight: Decimal
    explanation: str | None
    standard: str | None
    target: str | None
    lets: tuple[LetDef, ...]
    rule: ScoreRule
    inputs: tuple[str, ...]
    direction: str | None = None  # "higher" (正向) or "lower" (反向) when declared
    override: ast.TextField | None = None  # `调整得分 事实`: the fact (in 分) that may replace the rule's score
    if_missing: ast.IfMissing | None = None  # `缺失时 …`: what it scores when a fact it reads is not given
    moves_weight: ast.MovesWeight | None = None  # `不适用时 分值转入 …`, as written
    span: Span = _span


@attrs.frozen(kw_only=True)
class Group:
    """A level-1 or level-2 indicator (一级/二级指标): a named group whose weight is its children's sum."""

    name: str
    path: tuple[str, ...]
    weight: Decimal
    children: tuple[Group | Indicator, ...]
    span: Span = _span

    def indicators(self) -> tuple[Indicator, ...]:
        found: list[Indicator] = []
        for child in self.children:
            found.extend(child.indicators() if isinstance(child, Group) else (child,))
        return tuple(found)


@attrs.frozen(kw_only=True)
class Veto:
    """一票否决: when `condition` holds, the scores of the indicators at `members` are 0 (or, with `grade_cap`,
    the grade is at most that one). `where` is "evaluation", "group" or "indicator", `name` the group's or
    indicator's; `indicator` is the position of the indicator whose own derived values the condition may read."""

    condition: ast.Expr
    grade_cap: str | None
    where: str
    name: str
    members: tuple[int, ...]
    indicator: int | None = None
    span: Span = _span


@attrs.frozen(kw_only=True)
class GradeBand:
    """`优 >= 90`: totals at or above `threshold` get `label`; the last band has no threshold."""

    label: str
    threshold: Decimal | None
    inclusive: bool = True
    span: Span | None = _span


@attrs.frozen(kw_only=True)
class Program:
    """A checked rule file, ready to compile and evaluate."""

    source: Source = attrs.field(eq=False, repr=False)
    title: str
    total: Decimal
    grades: tuple[GradeBand, ...]
    facts: dict[str, FactDef]
    lets: dict[str, LetDef]
    tree: tuple[Group | Indicator, ...]
    indicators: tuple[Indicator, ...]
    diagnostics: tuple[Diagnostic, ...] = attrs.field(eq=False, repr=False, default=())
    rounding: tuple[ast.Rounding, ...] = ()  # declared rounding (取整), at most one per target
    vetoes: tuple[Veto, ...] = ()  # 一票否决, in file order
    not_applicable: str | None = None  # "rescale" when the file says `不适用 按比例折算`
    # `不适用时 分值转入 …`: per indicator that says it, the positions of the indicators that take its weight
    weight_moves: dict[int, tuple[int, ...]] = attrs.field(factory=dict)

    def rounding_of(self, target: str) -> ast.Rounding | None:
        """The declared rounding of "indicators", "groups" or "total", if any."""
        return next((r for r in self.rounding if r.target == target), None)

    @functools.cached_property
    def node_texts(self) -> dict[int, tuple[object, str]]:
        """A cache for renderers: the canonical text of this program's expressions, by `id`, beside the node
        itself (so an entry is used only for that very node), so that a thousand units' documents unparse each
        rule once."""
        return {}

    @property
    def groups(self) -> tuple[Group, ...]:
        """Every group, parents before children, in file order."""
        found: list[Group] = []

        def walk(nodes: tuple[Group | Indicator, ...]) -> None:
            for node in nodes:
                if isinstance(node, Group):
                    found.append(node)
                    walk(node.children)

        walk(self.tree)
        return tuple(found)

    def rounded(self, target: str, value: Decimal) -> Decimal:
        """`value` rounded as declared for `target` (四舍五入 unless 截尾), or as it is."""
        rule = self.rounding_of(target)
        if rule is None:
            return value
        return value.quantize(Decimal(1).scaleb(-rule.places),
                              rounding=decimal.ROUND_DOWN if rule.down else decimal.ROUND_HALF_UP)

    def grade_for(self, total: Decimal) -> GradeBand:
        for band in self.grades:
            if band.threshold is None:
                return band
            if total > band.threshold or (band.inclusive and total == band.threshold):
                return band
        return self.grades[-1]

    def value_type(self, name: str, indicator: Indicator | None = None) -> ValueType | None:
        """The type of a fact or derived value visible from `indicator`."""
        if indicator is not None:
            for let in indicator.lets:
                if let.name == name:
                    return let.type
        if name in self.lets:
            return self.lets[name].type
        if name in self.facts:
            return self.facts[name].type
        return None

    def definition(self, name: str, indicator: Indicator | None = None) -> LetDef | None:
        """The derived value `name` as seen from `indicator`, or None for a fact."""
        if indicator is not None:
            for let in indicator.lets:
                if let.name == name:
                    return let
        return self.lets.get(name)


def base_value(number: ast.Number) -> Decimal:
    """A written number in base units: `10%` is 0.10, `4800 万元` is 48,000,000 (元), `5 分` is 5."""
    return number.value * UNITS[number.unit].factor if number.unit is not None else number.value


def band_points(bound: ast.Number, weight: Decimal) -> Decimal:
    """An end of a judged band (评定 … 介于 80% 与 100%) in points: a percentage is of the weight."""
    return bound.value / 100 * weight if bound.unit == "%" else bound.value
