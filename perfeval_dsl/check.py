"""Syntax tree to checked program: names, types, units, tiers, weights and grades.

Every finding is a `Diagnostic`; nothing here raises for a user mistake. The checks run as one pass over
the tree because each needs the types found by the one before (a tier's subject, a unit, a judgement set):
- the header (title, total, grade bands) and fact declarations;
- derived values (`let`), in dependency order, with cycles reported;
- each indicator: its fields, its rule's types and units, tiers without a subject filled in from the tier
  before, judgement sets covered, literal scores within 0 to the weight;
- weights: a group's declared weight equals its indicators' sum, and the top level adds up to the total.
Imports `ast`, `model`, `values`, `errors`, `source`.
"""

from __future__ import annotations

import decimal
import itertools
from collections.abc import Iterator, Sequence
from decimal import Decimal

import attrs

from perfeval_dsl import ast, model
from perfeval_dsl.ast import LIST_FUNCTIONS, children, is_literal, subject_of, walk
from perfeval_dsl.errors import Chinese, Diagnostic, did_you_mean, did_you_mean_zh, error, suggest, warning
from perfeval_dsl.limits import MAX_DEPTH, limit
from perfeval_dsl.model import band_points, base_value
from perfeval_dsl.source import Source, Span
from perfeval_dsl.unparse import unparse
from perfeval_dsl.values import (
    CONTEXT,
    DIMENSIONLESS,
    FIRST_DAY,
    LAST_DAY,
    MONEY,
    POINTS,
    UNITS,
    BoolType,
    DateTextError,
    DateType,
    JudgementType,
    ListType,
    NumberType,
    StringType,
    TextType,
    ValueType,
    chinese_number_text,
    date_reason_zh,
    describe_zh,
    dim_mul,
    dim_name,
    dim_name_zh,
    in_range,
    number_type_for_unit,
    parse_date_text,
    plain,
)

FUNCTIONS = {"abs": (1, 1), "min": (2, None), "max": (2, None), "round": (1, 2), "trunc": (1, 2)}
DIRECTIONS = {"higher": "higher", "lower": "lower", "正向": "higher", "反向": "lower"}
DEFAULT_GRADES = (("优", Decimal("0.9")), ("良", Decimal("0.8")), ("中", Decimal("0.6")))
POINTS_TYPE = NumberType(dim=((POINTS, 1),))
DAYS_TYPE = number_type_for_unit("天")


def _what_zh(what: str) -> str:
    """The Chinese of what a unit mismatch tried (`add`, `compare`, a function's name …), to end a sentence."""
    return {"add": "相加", "subtract": "相减", "compare": "比较", "mix": "混用"}.get(what, f"一起用于 `{what}`")


def check(tree: ast.RuleFile, source: Source) -> tuple[model.Program | None, list[Diagnostic]]:
    """Check a parsed rule file. Returns the program (None if there are errors) and all findings."""
    beyond = list(_too_deep(tree)) + list(_beyond_limits(tree))
    if beyond:  # refused before any other check: every later stage walks expressions recursively
        return None, beyond
    checker = _Checker(source)
    program = checker.run(tree)
    diagnostics = sorted(checker.diagnostics, key=lambda d: d.primary.span.start if d.primary else -1)
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    return attrs.evolve(program, diagnostics=tuple(diagnostics)), diagnostics




def _too_deep(tree: ast.RuleFile) -> Iterator[Diagnostic]:
    def expressions(items: tuple[object, ...]) -> Iterator[ast.Expr]:
        for item in items:
            match item:
                case ast.Let(expr=expr) | ast.ScoreExpr(expr=expr):
                    yield expr
                case ast.ScoreBy(subject=subject, arms=arms):
                    yield subject
                    yield from (arm.score for arm in arms)
                case ast.Indicator(items=inner):
                    yield from expressions(inner)
                case ast.Group(children=inner, vetoes=vetoes):
                    yield from expressions(vetoes)
                    yield from expressions(inner)
                case ast.Veto(condition=condition):
                    yield condition

    for expr in expressions(tree.items):
        levels = depth(expr)
        if levels > MAX_DEPTH:
            yield error("PE212", f"this expression nests {levels} levels deep; perfeval takes at most {MAX_DEPTH}",
                        expr.span.to(expr.span), "too deep",
                        help="name inner parts with `let` (a derived value may use other derived values), or "
                             "write a long sum as a few partial sums",
                        zh=Chinese(f"这个表达式嵌套了 {levels} 层；perfeval 最多接受 {MAX_DEPTH} 层", "嵌套太深",
                                   "请用 `let` 给内层部分命名（计算值可以使用其他计算值），"
                                   "或把很长的求和拆成几个部分和"))


def _nodes(tree: ast.RuleFile) -> Iterator[object]:
    """Every node of the syntax tree, without recursion."""
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        yield node
        # Pushed in reverse, so nodes come out in file order.
        if isinstance(node, tuple):
            stack.extend(reversed(node))
        elif attrs.has(type(node)):
            stack.extend(reversed([getattr(node, field.name) for field in attrs.fields(type(node))  # type: ignore[arg-type]
                                   if field.name not in ("span", "name_span")]))


def _beyond_limits(tree: ast.RuleFile) -> Iterator[Diagnostic]:
    indicators = 0
    most_indicators, most_text = limit("MAX_INDICATORS"), limit("MAX_TEXT")
    for node in _nodes(tree):
        if isinstance(node, ast.Indicator):
            indicators += 1
            if indicators == most_indicators + 1:
                yield error("PE309", f"the rule file has more than {most_indicators:,} indicators", node.name_span,
                            "one too many", help="split the evaluation into several rule files; the limit is set "
                                                 "by the environment variable PERFEVAL_MAX_INDICATORS",
                            zh=Chinese(f"规则文件的指标超过 {most_indicators:,} 个", "多出的一个",
                                       "请把评价拆成几个规则文件；这个上限由环境变量 PERFEVAL_MAX_INDICATORS 设定"))
        elif isinstance(node, ast.Number) and not in_range(node.value):
            yield error("PE213", "this number is too large or has too many decimals", node.span, "out of range",
                        help="a number has at most 18 digits before the decimal point and 18 after",
                        zh=Chinese("这个数太大或小数位太多", "超出范围", "数的整数部分和小数部分各不超过 18 位"))
        elif isinstance(node, (ast.String, ast.TextField, ast.Title)):
            text = node.value if isinstance(node, ast.String) else node.text
            if len(text) > most_text:
                yield error("PE214", f"this text is {len(text):,} characters long; perfeval takes at most "
                                     f"{most_text:,}", node.span, "too long",
                            help="shorten it: the rule does not depend on a report's wording; the limit is set by "
                                 "the environment variable PERFEVAL_MAX_TEXT",
                            zh=Chinese(f"这段文字长 {len(text):,} 个字符；perfeval 最多接受 {most_text:,} 个", "太长",
                                       "请缩短它：规则不依赖报告的措辞；这个上限由环境变量 PERFEVAL_MAX_TEXT 设定"))


def _glued_keyword(name: str, known: list[str]) -> tuple[str, str, str] | None:
    """(left, keyword, right) when `name` is two known names joined by a Chinese keyword typed without spaces
    (`已公开且已审计`): a name runs on through 且 and 或, which only a space or an operator ends."""
    for keyword in ("并且", "或者", "且", "或"):
        left, found, right = name.partition(keyword)
        if found and left in known and right in known:
            return left, keyword, right
    return None


def depth(expr: ast.Expr) -> int:
    """How deeply `expr` nests (1 for a name or a number), computed without recursion."""
    deepest = 0
    stack = [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(node))
    return deepest


def _literal_value(expr: ast.Expr) -> Decimal | None:
    """The value of a number written without a unit (`90`, `-1`), else None."""
    if isinstance(expr, ast.Unary) and expr.op == "-":
        inner = _literal_value(expr.operand)
        return -inner if inner is not None else None
    if isinstance(expr, ast.Number) and expr.unit is None:
        return expr.value
    return None


def _literal_score(expr: ast.Expr) -> Decimal | None:
    """The points a literal score stands for (`5`, `5分`, `-1`), else None."""
    if isinstance(expr, ast.Unary) and expr.op == "-":
        inner = _literal_score(expr.operand)
        return -inner if inner is not None else None
    if isinstance(expr, ast.Number) and expr.unit in (None, "分"):
        return expr.value
    return None


class _Scope:
    """Names visible at one place: facts, derived values, and the indicator's own `let`s and weight."""

    def __init__(self, indicator_lets: dict[str, ast.Let] | None, weight: Decimal | None):
        self.local = indicator_lets or {}
        self.local_types: dict[str, ValueType | None] = {}
        self.weight = weight


class _Checker:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.facts: dict[str, model.FactDef] = {}
        self.global_lets: dict[str, ast.Let] = {}
        self.checked_lets: dict[str, model.LetDef] = {}
        self.let_stack: list[str] = []
        self.failed_lets: set[str] = set()
        self.invalid_weight = False  # a weight already reported invalid: sums over it would mislead
        self.weight_mismatches = 0
        self.used_names: set[str] = set()
        # Each 一票否决 checked, with what it stands in (None: the whole evaluation); made `model.Veto`s once the
        # indicators' positions are known.
        self.vetoes: list[tuple[ast.Veto, ast.Expr, ast.Group | ast.Indicator | None]] = []
        self.built: dict[int, model.Group | model.Indicator] = {}  # id of a syntax node -> its model node

    # -- reporting
    def err(self, code: str, message: str, span: Span, label: str = "", **kw: object) -> None:
        self.diagnostics.append(error(code, message, span, label, **kw))

    def warn(self, code: str, message: str, span: Span, label: str = "", **kw: object) -> None:
        self.diagnostics.append(warning(code, message, span, label, **kw))

    # -- the file
    def run(self, tree: ast.RuleFile) -> model.Program:
        title, total, grades = self._header(tree)
        for item in tree.items:
            if isinstance(item, ast.FactDecl):
                self._fact(item)
        for item in tree.items:
            if isinstance(item, ast.Let):
                self._declare_let(item, self.global_lets)
        top_scope = _Scope(None, None)
        for name in self.global_lets:
            self._let_type(name, top_scope)

        for item in tree.items:
            if isinstance(item, ast.Veto):
                self._veto(item, top_scope, None)
        nodes = [item for item in tree.items if isinstance(item, (ast.Group, ast.Indicator))]
        self._unique_siblings(nodes, "at the top level")
        built = self._parts(nodes, (), total[0])
        indicators = tuple(i for node in built for i in self._leaves(node))
        if not indicators:
            self.err("PE305", "the rule file has no indicator", self.source.span(0, 0),
                     help="add at least one `indicator 名称 weight 5 { score … }`",
                     zh=Chinese("规则文件中没有指标", help="请至少添加一个 `indicator 名称 weight 5 { score … }`"))
        weight_sum = sum((node.weight for node in built), Decimal(0))
        if indicators and weight_sum != total[0] and not self.invalid_weight and not self.weight_mismatches:
            self.err(
                "PE301",
                f"the weights add up to {weight_sum}, but the total is {total[0]}",
                total[1] or nodes[0].span,
                f"total {total[0]}" if total[1] else "",
                notes=tuple(f"{node.name}: {node.weight}" for node in built),
                help=(f"correct the weights, or declare `total {weight_sum}` if the evaluation really "
                      "is out of that many points"),
                zh=Chinese(f"各项分值之和为 {weight_sum}，但总分是 {total[0]}", f"总分 {total[0]}" if total[1] else "",
                           f"请更正分值；若评价确实是 {weight_sum} 分制，请写 `总分 {weight_sum}`"),
            )
        for name, fact in self.facts.items():
            if name not in self.used_names:
                self.warn("PE306", f"the fact `{name}` is declared but no rule uses it", fact.span,
                          "never used", help="remove the declaration, or use the fact in a rule",
                          zh=Chinese(f"事实 `{name}` 已声明，但没有规则用到它", "未被使用",
                                     "请删除这条声明，或在规则中用到这个事实"))
        grade_bands = self._grades(grades, total[0])
        return model.Program(
            source=self.source,
            title=title,
            total=total[0],
            grades=grade_bands,
            facts=self.facts,
            lets=self.checked_lets,
            tree=built,
            indicators=indicators,
            rounding=self._rounding(tree, indicators),
            vetoes=self._model_vetoes(indicators, grade_bands),
            not_applicable=self._not_applicable(tree),
            weight_moves=self._weight_moves(built, indicators),
        )

    def _weight_moves(self, tree: tuple[model.Group | model.Indicator, ...],
                      indicators: tuple[model.Indicator, ...]) -> dict[int, tuple[int, ...]]:
        """For each indicator that says where its weight goes when it does not apply (`不适用时 分值转入 …`), the
        positions of the indicators that take it: those of every group or indicator named."""
        position = {id(indicator): index for index, indicator in enumerate(indicators)}
        by_name: dict[str, list[model.Group | model.Indicator]] = {}

        def index(nodes: tuple[model.Group | model.Indicator, ...]) -> None:
            for node in nodes:
                by_name.setdefault(node.name, []).append(node)
                if isinstance(node, model.Group):
                    index(node.children)

        index(tree)
        moves: dict[int, tuple[int, ...]] = {}
        for source_index, indicator in enumerate(indicators):
            declared = indicator.moves_weight
            if declared is None:
                continue
            receivers: list[int] = []
            for name, span in zip(declared.targets, declared.target_spans, strict=True):
                found = by_name.get(name, [])
                if not found:
                    # suggest only a place the weight can go: neither the indicator nor a group holding it
                    places = [n for n in by_name if n != indicator.name and n not in indicator.path]
                    self.err("PE311", f"no group or indicator is named `{name}`", span, "where?",
                             help=did_you_mean(name, places)
                             or "write the name of a group (一级/二级指标) or an indicator of this file",
                             zh=Chinese(f"没有名为 `{name}` 的组或指标", "在哪里？", did_you_mean_zh(name, places)
                                        or "请写本文件中一个组（一级/二级指标）或指标的名称"))
                    continue
                if len(found) > 1:
                    self.err("PE311", f"{len(found)} groups or indicators are named `{name}`", span, "which one?",
                             help="give the one meant a name of its own",
                             zh=Chinese(f"有 {len(found)} 个组或指标名为 `{name}`", "是哪一个？",
                                        "请给要指的那一个另取一个名称"))
                    continue
                node = found[0]
                members = [position[id(i)] for i in (node.indicators() if isinstance(node, model.Group)
                                                      else (node,))]
                if source_index in members:
                    self.err("PE311", f"`{indicator.name}` cannot move its weight to `{name}`, which "
                                      + ("is itself" if node is indicator else "holds it"), span,
                             "itself" if node is indicator else "holds it",
                             help="name the groups or indicators that take the weight when it does not apply, "
                                  "e.g. `不适用时 分值转入 产出指标, 效益指标`",
                             zh=Chinese(f"`{indicator.name}` 不能把分值转入 `{name}`，"
                                        + ("那就是它自己" if node is indicator else "它就在其中"),
                                        "自己" if node is indicator else "包含它",
                                        "请写出不适用时接收分值的组或指标，"
                                        "例如 `不适用时 分值转入 产出指标, 效益指标`"))
                    continue
                receivers.extend(m for m in members if m not in receivers)
            if receivers:
                moves[source_index] = tuple(receivers)
        return moves

    def _not_applicable(self, tree: ast.RuleFile) -> str | None:
        found: ast.NotApplicable | None = None
        for item in tree.items:
            if not isinstance(item, ast.NotApplicable):
                continue
            if found is not None:
                self.err("PE307", "`not_applicable` (不适用) is given twice", item.span, "second one",
                         notes=(f"the first is at {found.span.location()}",), help="keep one of them",
                         zh=Chinese("`不适用` 写了两次", "第二个", "请只保留其中一个",
                                    (f"第一个在 {found.span.location()}",)))
                continue
            found = item
        return found.mode if found is not None else None

    def _veto(self, veto: ast.Veto, scope: _Scope, node: ast.Group | ast.Indicator | None) -> None:
        condition_type, condition = self._expr(veto.condition, scope)
        if self._boolean(condition_type, veto.condition):
            self.vetoes.append((veto, condition, node))

    def _model_vetoes(self, indicators: tuple[model.Indicator, ...],
                      grades: tuple[model.GradeBand, ...]) -> tuple[model.Veto, ...]:
        position = {id(indicator): index for index, indicator in enumerate(indicators)}
        labels = [band.label for band in grades]
        found = []
        for veto, condition, node in self.vetoes:
            if veto.grade_cap is not None and veto.grade_cap not in labels:
                self.err("PE303", f"`{veto.grade_cap}` is not one of the grades ({', '.join(labels)})", veto.span,
                         "unknown grade", help=did_you_mean(veto.grade_cap, labels) or "name one of the grades",
                         zh=Chinese(f"`{veto.grade_cap}` 不是等级之一（{'、'.join(labels)}）", "未知等级",
                                    did_you_mean_zh(veto.grade_cap, labels) or "请写出其中一个等级"))
                continue
            built = self.built.get(id(node)) if node is not None else None
            if node is not None and built is None:
                continue  # the node itself had errors
            members = tuple(position[id(i)] for i in (indicators if built is None else self._leaves(built)))
            where = "evaluation" if built is None else "group" if isinstance(built, model.Group) else "indicator"
            found.append(model.Veto(condition=condition, grade_cap=veto.grade_cap, where=where,
                                    name=built.name if built is not None else "", members=members,
                                    indicator=members[0] if where == "indicator" else None, span=veto.span))
        return tuple(found)

    def _rounding(self, tree: ast.RuleFile, indicators: tuple[model.Indicator, ...]) -> tuple[ast.Rounding, ...]:
        declared = self._declared_rounding(tree)
        rule = next((r for r in declared if r.target == "indicators"), None)
        if rule is None or rule.down:
            return declared
        exponent = Decimal(1).scaleb(-rule.places)
        above = [i for i in indicators if i.weight.quantize(exponent, rounding=decimal.ROUND_HALF_UP) > i.weight]
        if above:
            first = above[0]
            rounded = plain(first.weight.quantize(exponent, rounding=decimal.ROUND_HALF_UP))
            names = ", ".join(f"`{i.name}`" for i in above)
            names_zh = "、".join(f"`{i.name}`" for i in above)
            self.warn("PE605", f"rounding scores to {rule.places} decimal places can take a full score above its "
                               f"weight: {names} (a full {plain(first.weight)} rounds to {rounded})", rule.span,
                      "can round above the weight",
                      help="write the weights with no more decimal places than the scores keep, or round down "
                           "(`截尾`); the evaluation stops with PE503 if a unit's score does round above its weight",
                      zh=Chinese(f"得分保留 {rule.places} 位小数时，满分可能被进位到分值以上：{names_zh}"
                                 f"（满分 {plain(first.weight)} 进位为 {rounded}）",
                                 "可能进位到分值以上",
                                 "请让分值的小数位不多于得分保留的位数，或改为截尾（`截尾`）；若某单位的得分确实进位到分值以上，"
                                 "评价会以 PE503 停止"))
        return declared

    def _declared_rounding(self, tree: ast.RuleFile) -> tuple[ast.Rounding, ...]:
        found: dict[str, ast.Rounding] = {}
        words = {"indicators": "指标", "groups": "小计", "total": "总分"}
        for item in tree.items:
            if not isinstance(item, ast.Rounding):
                continue
            if item.target in found:
                first = found[item.target].span.location()
                self.err("PE307", f"the rounding of the {item.target} is given twice", item.span, "second one",
                         notes=(f"the first is at {first}",), help="keep one of them",
                         zh=Chinese(f"`取整 {words[item.target]}` 写了两次", "第二个", "请只保留其中一个",
                                    (f"第一个在 {first}",)))
                continue
            if item.places > 10:
                self.err("PE213", f"{item.places} decimal places is more than perfeval rounds to (10)", item.span,
                         "too many places", help="a report shows a score with 0, 1 or 2 decimal places",
                         zh=Chinese(f"保留 {item.places} 位小数超过了 perfeval 的上限（10 位）", "位数过多",
                                    "报告中的得分一般保留 0、1 或 2 位小数"))
                continue
            if item.grade_exact and item.target != "total":
                self.err("PE303", "the grade reads the total: `grade_exact` (等级按未取整总分) belongs on the "
                                  "rounding of the total", item.span, "not the total",
                         help="write it on the `取整 总分 …` line",
                         zh=Chinese("等级只看总分：`等级按未取整总分` 应写在总分的取整声明上", "不是总分",
                                    "请把它写在 `取整 总分 …` 这一行"))
                continue
            found[item.target] = item
        return tuple(found.values())

    def _leaves(self, node: model.Group | model.Indicator) -> tuple[model.Indicator, ...]:
        return node.indicators() if isinstance(node, model.Group) else (node,)

    def _header(self, tree: ast.RuleFile) -> tuple[str, tuple[Decimal, Span | None], ast.Grades | None]:
        title: ast.Title | None = None
        total: ast.Total | None = None
        grades: ast.Grades | None = None
        for item in tree.items:
            if isinstance(item, (ast.Title, ast.Total, ast.Grades)):
                seen = {ast.Title: title, ast.Total: total, ast.Grades: grades}[type(item)]
                if seen is not None:
                    keyword = {ast.Title: "title", ast.Total: "total", ast.Grades: "grades"}[type(item)]
                    self.err("PE307", f"`{keyword}` is given twice", item.span, "second one",
                             notes=(f"the first is at {seen.span.location()}",),
                             help="keep one of them",
                             zh=Chinese(f"`{keyword}` 写了两次", "第二个", "请只保留其中一个",
                                        (f"第一个在 {seen.span.location()}",)))
                    continue
                if isinstance(item, ast.Title):
                    title = item
                elif isinstance(item, ast.Total):
                    total = item
                else:
                    grades = item
        points = Decimal(100)
        if total is not None:
            if total.points.unit not in (None, "分") or total.points.value <= 0:
                self.err("PE308", "the total must be a positive number of points", total.points.span,
                         help="write it as `total 100`",
                         zh=Chinese("总分必须是正的分数", help="请写成 `total 100`"))
            else:
                points = total.points.value
        name = title.text if title is not None else self.source.name
        return name, (points, total.points.span if total else None), grades

    def _grades(self, grades: ast.Grades | None, total: Decimal) -> tuple[model.GradeBand, ...]:
        if grades is None:
            bands = [model.GradeBand(label=label, threshold=total * share, span=None)
                     for label, share in DEFAULT_GRADES]
            return (*bands, model.GradeBand(label="差", threshold=None, span=None))
        result: list[model.GradeBand] = []
        labels: set[str] = set()
        previous: Decimal | None = None
        for index, band in enumerate(grades.bands):
            last = index == len(grades.bands) - 1
            if band.label in labels:
                self.err("PE303", f"the grade `{band.label}` is listed twice", band.span,
                         help="give each grade once",
                         zh=Chinese(f"等级 `{band.label}` 列了两次", help="每个等级只列一次"))
            labels.add(band.label)
            if band.threshold is None:
                if not last:
                    self.err("PE303", f"`{band.label} otherwise` must be the last grade", band.span,
                             help="list grades from the highest threshold down, ending with `… otherwise`",
                             zh=Chinese(f"`{band.label} otherwise` 必须是最后一个等级",
                                        help="请按分数线从高到低列出各等级，并以 `… otherwise` 结尾"))
                result.append(model.GradeBand(label=band.label, threshold=None, span=band.span))
                continue
            value = band.threshold.value
            if band.op not in (">=", ">"):
                self.err("PE303", f"the grade `{band.label}` uses `{band.op}`, but a grade starts at a threshold",
                         band.span, help=f"write `{band.label} >= {plain(value)}` (含, at or above) or "
                                         f"`{band.label} > {plain(value)}` (above)",
                         zh=Chinese(f"等级 `{band.label}` 用了 `{band.op}`，但等级从一条分数线开始",
                                    help=f"请写 `{band.label} >= {plain(value)}`（含，达到或高于）或 "
                                         f"`{band.label} > {plain(value)}`（高于）"))
            elif previous is not None and value >= previous:
                self.err("PE303", f"the grade `{band.label}` starts at {value}, not below the grade before it",
                         band.threshold.span, help="list grades from the highest threshold down",
                         zh=Chinese(f"等级 `{band.label}` 从 {value} 开始，没有低于前一个等级",
                                    help="请按分数线从高到低列出各等级"))
            elif not 0 <= value <= total:
                self.err("PE303", f"the grade threshold {value} is outside 0 to {total}", band.threshold.span,
                         help=f"use a threshold between 0 and the total, {total}",
                         zh=Chinese(f"等级分数线 {value} 不在 0 到 {total} 之间",
                                    help=f"请使用 0 到总分 {total} 之间的分数线"))
            previous = value
            result.append(model.GradeBand(label=band.label, threshold=value, inclusive=band.op == ">=",
                                          span=band.span))
            if last:
                self.err("PE303", "the grade bands do not end with a grade for every lower total",
                         band.span, help="end the list with a band such as `差 otherwise`",
                         zh=Chinese("等级列表没有以一个涵盖所有更低总分的等级结尾",
                                    help="请以 `差 otherwise` 这样的等级结束列表"))
        return tuple(result)

    # -- facts
    def _fact(self, decl: ast.FactDecl) -> None:
        if decl.name in self.facts:
            self.err("PE202", f"the fact `{decl.name}` is declared twice", decl.name_span, "declared again",
                     notes=(f"the first declaration is at {self.facts[decl.name].span.location()}",),
                     help="remove one of the declarations",
                     zh=Chinese(f"事实 `{decl.name}` 声明了两次", "再次声明", "请删除其中一条声明",
                                (f"第一次声明在 {self.facts[decl.name].span.location()}",)))
            return
        value_type = self._fact_type(decl)
        if value_type is None:
            return
        low, high = self._fact_range(decl, value_type)
        self.facts[decl.name] = model.FactDef(name=decl.name, type=value_type, low=low, high=high, span=decl.span)

    def _fact_type(self, decl: ast.FactDecl, in_list: bool = False) -> ValueType | None:
        value_type: ValueType
        t = decl.type
        if t.kind == "list":
            if in_list:
                self.err("PE204", f"the field `{decl.name}` is a list inside a list", t.span, "list in a list",
                         help="give each field a single value (a unit, `number`, `text`, `date` or judgements); "
                              "write a list of lists as one list with a field that says which group an item is in",
                         zh=Chinese(f"字段 `{decl.name}` 是列表中的列表", "列表中的列表",
                                    "每个字段只能是单个值（单位、数值、文本、日期或答案）；"
                                    "列表的列表请写成一个列表，用一个字段说明每一项属于哪一组"))
                return None
            fields: list[tuple[str, ValueType]] = []
            for field in t.fields:
                if any(name == field.name for name, _ in fields):
                    self.err("PE202", f"the field `{field.name}` is declared twice in `{decl.name}`", field.name_span,
                             "declared again", help="declare each field once",
                             zh=Chinese(f"`{decl.name}` 中的字段 `{field.name}` 声明了两次", "再次声明",
                                        "每个字段只声明一次"))
                    continue
                field_type = self._fact_type(field, in_list=True)
                if field_type is not None:
                    fields.append((field.name, field_type))
            return ListType(tuple(fields))
        if t.kind == "unit":
            assert t.unit is not None
            value_type = number_type_for_unit(t.unit)
        elif t.kind == "number":
            value_type = NumberType()
        elif t.kind == "boolean":
            value_type = BoolType()
        elif t.kind == "text":
            value_type = TextType()
        elif t.kind == "date":
            value_type = DateType()
        else:
            seen: set[str] = set()
            for option in t.options:
                if option.value in seen:
                    self.err("PE202", f'the judgement "{option.value}" is listed twice', option.span,
                             help="list each judgement once",
                             zh=Chinese(f'答案 "{option.value}" 列了两次', help="每个答案只列一次"))
                seen.add(option.value)
            value_type = JudgementType(tuple(dict.fromkeys(o.value for o in t.options)))
        return value_type

    def _fact_range(self, decl: ast.FactDecl, value_type: ValueType) -> tuple[Decimal | None, Decimal | None]:
        declared = decl.range
        if declared is None:
            return None, None
        if not isinstance(value_type, NumberType):
            self.err("PE204", f"only a number can have a range, but `{decl.name}` is {value_type.describe()}",
                     declared.span, help="remove `between … and …`, or declare the fact with a unit",
                     zh=Chinese(f"只有数才能有范围，但 `{decl.name}` 是{describe_zh(value_type)}",
                                help="请删除 `between … and …`，或用一个单位声明这个事实"))
            return None, None
        ends: list[Decimal] = []
        for end in (declared.low, declared.high):
            end_type = number_type_for_unit(end.unit) if end.unit is not None else NumberType(flexible=True)
            if end.unit is not None and end.unit in UNITS and end_type.dim != value_type.dim:
                self.err("PE203", f"the range of `{decl.name}` is written in {end_type.describe()}, but the fact "
                                  f"is {value_type.describe()}", end.span, "other unit",
                         help="write both ends in the fact's unit, e.g. `between 0 and 100` for "
                              f"{dim_name(value_type.dim)}",
                         zh=Chinese(f"`{decl.name}` 的范围用的是{describe_zh(end_type)}，但这个事实是"
                                    f"{describe_zh(value_type)}", "单位不同",
                                    "请用事实的单位写范围的两端，例如单位为 "
                                    f"{dim_name_zh(value_type.dim)} 时写 `between 0 and 100`"))
                return None, None
            if end.unit is None and value_type.percent:
                self.err("PE203", f"`{plain(end.value)}` has no % sign, but `{decl.name}` is a percentage",
                         end.span, "no % sign", help=f"write `{plain(end.value)}%`",
                         zh=Chinese(f"`{plain(end.value)}` 没有 % 号，但 `{decl.name}` 是百分比", "没有 % 号",
                                    f"请写 `{plain(end.value)}%`"))
                return None, None
            ends.append(base_value(end))
        low, high = ends
        if low > high:
            self.err("PE204", f"the range of `{decl.name}` is empty: {plain(declared.low.value)} is above "
                              f"{plain(declared.high.value)}", declared.span, "empty range",
                     help="write the lower end first: `between 0% and 100%`",
                     zh=Chinese(f"`{decl.name}` 的范围是空的：{plain(declared.low.value)} 大于 "
                                f"{plain(declared.high.value)}", "空范围", "请先写下限：`between 0% and 100%`"))
            return None, None
        return low, high

    # -- derived values
    def _declare_let(self, let: ast.Let, into: dict[str, ast.Let]) -> bool:
        clash = into.get(let.name) or self.global_lets.get(let.name)
        if clash is not None or let.name in self.facts:
            where = clash.name_span.location() if clash is not None else self.facts[let.name].span.location()
            self.err("PE202", f"the name `{let.name}` is already defined", let.name_span, "defined again",
                     notes=(f"it is first defined at {where}",), help="choose another name for this value",
                     zh=Chinese(f"名称 `{let.name}` 已经定义过", "再次定义", "请给这个计算值换一个名称",
                                (f"第一次定义在 {where}",)))
            return False
        into[let.name] = let
        return True

    def _let_type(self, name: str, scope: _Scope) -> ValueType | None:
        if name in self.checked_lets:
            return self.checked_lets[name].type
        if name in self.failed_lets:  # reported once, where the value is defined
            return None
        let = self.global_lets[name]
        if name in self.let_stack:
            cycle = [*self.let_stack[self.let_stack.index(name):], name]
            self.err("PE207", f"`{name}` is computed from itself: {' → '.join(cycle)}", let.name_span,
                     help="break the cycle: one of these values must come from facts only",
                     zh=Chinese(f"`{name}` 由它自身算出：{' → '.join(cycle)}",
                                help="请打破这个循环：其中至少一个值必须只由事实算出"))
            return None
        self.let_stack.append(name)
        try:
            value_type, expr = self._expr(let.expr, _Scope(None, None))
        finally:
            self.let_stack.pop()
        if value_type is None:
            self.failed_lets.add(name)
            return None
        self.checked_lets[name] = model.LetDef(name=name, expr=expr, type=value_type, span=let.span)
        return value_type

    # -- the tree
    def _unique_siblings(self, nodes: list[ast.Group | ast.Indicator], where: str) -> None:
        seen: dict[str, ast.Group | ast.Indicator] = {}
        for node in nodes:
            if node.name in seen:
                self.err("PE202", f"`{node.name}` appears twice {where}", node.name_span, "again",
                         notes=(f"the first is at {seen[node.name].name_span.location()}",),
                         help="give each indicator and group a distinct name",
                         zh=Chinese(f"`{node.name}` 在同一层出现了两次", "重复",
                                    "请给每个指标和指标组取不同的名称",
                                    (f"第一次出现在 {seen[node.name].name_span.location()}",)))
            seen[node.name] = node

    def _weight(self, number: ast.Number, parent: Decimal | None) -> Decimal:
        """A weight in points; `分值 40%` is that share of `parent`, the weight of the group it is in (of the
        total at the top level), as tables write 一级指标(25%)、其中 1.1(40%)."""
        if number.unit == "%" and 0 < number.value <= 100:
            if parent is None:
                self.err("PE308", "a weight in % is a share of its group's weight, and the group has none",
                         number.span, "a share of what?",
                         help="give the group a weight (`分值 25`, or itself a share: `分值 25%`), or write this "
                              "weight in points",
                         zh=Chinese("百分比分值是所在指标组分值的占比，但这个指标组没有分值", "占谁的比例？",
                                    "请给这个指标组写上分值（`分值 25`，或同样写成占比：`分值 25%`），"
                                    "或把这个分值写成分数"))
                self.invalid_weight = True
                return Decimal(0)
            return CONTEXT.divide(CONTEXT.multiply(parent, number.value), Decimal(100))
        if number.unit not in (None, "分") or number.value <= 0:
            self.err("PE308", "a weight must be a positive number of points, or a share of the group's weight "
                              "up to 100%", number.span,
                     help="write it as `weight 5` (or `weight 5分`), or as a share: `weight 40%`",
                     zh=Chinese("分值必须是正的分数，或不超过 100% 的占所在指标组分值的比例",
                                help="请写成 `weight 5`（或 `weight 5分`），或写成占比：`weight 40%`"))
            self.invalid_weight = True
            return Decimal(0)
        return number.value

    def _parts(self, nodes: Sequence[ast.Group | ast.Indicator], path: tuple[str, ...],
               parent: Decimal | None) -> tuple[model.Group | model.Indicator, ...]:
        """The checked parts of a group, or of the top level, in file order. `parent` is that group's weight
        (the total at the top): a share (`分值 40%`) is of it, and the parts with an equal share (`分值 平分`)
        split what it leaves after the others' weights."""
        equal = [node for node in nodes if isinstance(node.weight, ast.EqualShare)]
        built = {id(node): self._node(node, path, parent) for node in nodes if node not in equal}
        if equal:
            share = self._equal_share(equal, parent, sum((part.weight for part in built.values()), Decimal(0)))
            built.update((id(node), self._node(node, path, parent, share)) for node in equal)
        return tuple(built[id(node)] for node in nodes)

    def _equal_share(self, equal: list[ast.Group | ast.Indicator], parent: Decimal | None, taken: Decimal) -> Decimal:
        """Each equal share: what `parent` leaves after `taken`, split evenly among `equal`, exactly."""
        first = equal[0].weight
        assert isinstance(first, ast.EqualShare)
        count = len(equal)
        names = "、".join(f"`{node.name}`" for node in equal)
        if parent is None:
            self.err("PE310", "`平分` (equal) splits the weight of the group it is in, and the group has none",
                     first.span, "a share of what?",
                     help="give the group a weight (`分值 15`), or write these weights in points",
                     zh=Chinese("`平分` 平分的是所在指标组的分值，但这个指标组没有分值", "平分什么？",
                                "请给这个指标组写上分值（`分值 15`），或把这些分值写成分数"))
            self.invalid_weight = True
            return Decimal(0)
        left = parent - taken
        share = CONTEXT.divide(left, Decimal(count)) if left > 0 else Decimal(0)
        if left > 0 and CONTEXT.multiply(share, Decimal(count)) == left:
            return share
        if left <= 0:
            message = f"the other parts take all {plain(parent)} points: nothing is left to share among {names}"
            message_zh = f"其他各项已占满 {plain(parent)} 分：没有分值可以在 {names} 之间平分"
            help_text = "write these weights in points, or correct the others"
            help_zh = "请把这些分值写成分数，或更正其他各项的分值"
        else:
            whole, extra = divmod(left, count) if left == left.to_integral_value() else (None, None)
            example = (", ".join(plain(whole + 1 if i < extra else whole) for i in range(count))
                       if whole is not None and extra is not None and whole > 0 else None)
            message = (f"{plain(left)} points do not split evenly among {count} ({names}): each would get "
                       f"{plain(left)} ÷ {count}, which is not an exact number of points")
            message_zh = (f"{plain(left)} 分不能在 {count} 项（{names}）之间平分："
                          f"每项 {plain(left)} ÷ {count} 不是确切的分数")
            help_text = ("write each weight in points" + (f", e.g. {example}" if example else "")
                         + "; a table that rounds the split (四舍五入) no longer adds up to the group: decide which "
                           "part gets less")
            help_zh = ("请把每项分值写成分数" + (f"，例如 {example}" if example else "")
                       + "；四舍五入后的平分与指标组的分值对不上，需要决定哪一项少给")
        self.err("PE310", message, first.span, "equal shares", help=help_text,
                 zh=Chinese(message_zh, "平分", help_zh))
        self.invalid_weight = True
        self.weight_mismatches += 1  # the sums above would only echo it
        return Decimal(0)

    def _node(self, node: ast.Group | ast.Indicator, path: tuple[str, ...], parent: Decimal | None,
              share: Decimal | None = None) -> model.Group | model.Indicator:
        """The checked group or indicator; `parent` is the weight a share (`分值 40%`) is of, and `share` its
        weight when it has an equal share (`分值 平分`)."""
        built = (self._indicator(node, path, parent, share) if isinstance(node, ast.Indicator)
                 else self._group(node, path, parent, share))
        self.built[id(node)] = built
        return built

    def _group(self, node: ast.Group, path: tuple[str, ...], parent: Decimal | None,
               share: Decimal | None = None) -> model.Group:
        self._unique_siblings(list(node.children), f"in the group `{node.name}`")
        for veto in node.vetoes:
            self._veto(veto, _Scope(None, None), node)
        mismatches_before = self.weight_mismatches
        declared = None
        if isinstance(node.weight, ast.EqualShare):
            declared = share
        elif node.weight is not None:
            declared = self._weight(node.weight, parent)
        children = self._parts(node.children, (*path, node.name), declared or None)
        computed = sum((child.weight for child in children), Decimal(0))
        if not children:
            self.err("PE305", f"the group `{node.name}` has no indicators", node.name_span,
                     help="add indicators to it, or remove it",
                     zh=Chinese(f"指标组 `{node.name}` 中没有指标", help="请在其中添加指标，或删除这个指标组"))
        # A wrong sum inside is reported once, where it is; the sums above it would only echo it.
        if node.weight is not None and declared and declared != computed and (
                self.weight_mismatches == mismatches_before):
            self.weight_mismatches += 1
            self.err(
                "PE302",
                f"the group `{node.name}` has weight {declared}, but its parts add up to {computed}",
                node.weight.span,
                f"weight {declared}",
                notes=tuple(f"{child.name}: {child.weight}" for child in children),
                help="correct the group's weight or the weights inside it",
                zh=Chinese(f"指标组 `{node.name}` 的分值为 {declared}，但其下各项之和为 {computed}",
                           f"分值 {declared}", "请更正这一组的分值，或其下各项的分值"),
            )
        return model.Group(name=node.name, path=path, weight=computed, children=children, span=node.span)

    def _indicator(self, node: ast.Indicator, path: tuple[str, ...], parent: Decimal | None,
                   share: Decimal | None = None) -> model.Indicator:
        if isinstance(node.weight, ast.EqualShare):
            weight = share if share is not None else Decimal(0)
        else:
            weight = self._weight(node.weight, parent)
        fields: dict[str, ast.TextField] = {}
        rules: list[ast.ScoreExpr | ast.ScoreBy] = []
        vetoes: list[ast.Veto] = []
        if_missing: ast.IfMissing | None = None
        moves_weight: ast.MovesWeight | None = None
        local: dict[str, ast.Let] = {}
        for item in node.items:
            if isinstance(item, ast.TextField):
                if item.kind in fields:
                    self.err("PE304", f"`{item.kind}` is given twice for `{node.name}`", item.span,
                             notes=(f"the first is at {fields[item.kind].span.location()}",),
                             help="keep one of them",
                             zh=Chinese(f"`{node.name}` 的 `{item.kind}` 写了两次", help="请只保留其中一个",
                                        notes=(f"第一个在 {fields[item.kind].span.location()}",)))
                fields[item.kind] = item
            elif isinstance(item, ast.Let):
                self._declare_let(item, local)
            elif isinstance(item, ast.Veto):
                vetoes.append(item)
            elif isinstance(item, (ast.IfMissing, ast.MovesWeight)):
                kind = "if_missing" if isinstance(item, ast.IfMissing) else "if_not_applicable"
                earlier = if_missing if isinstance(item, ast.IfMissing) else moves_weight
                if earlier is not None:
                    self.err("PE304", f"`{kind}` is given twice for `{node.name}`", item.span,
                             notes=(f"the first is at {earlier.span.location()}",), help="keep one of them",
                             zh=Chinese(f"`{node.name}` 的 `{kind}` 写了两次", help="请只保留其中一个",
                                        notes=(f"第一个在 {earlier.span.location()}",)))
                elif isinstance(item, ast.IfMissing):
                    if_missing = item
                    if item.score is not None:
                        points_type, _ = self._expr(item.score, _Scope(None, weight))
                        if self._points(points_type, item.score):
                            self._score_in_range(item.score, weight, node.name)
                else:
                    moves_weight = item
            else:
                if rules:
                    self.err("PE304", f"`{node.name}` has more than one `score` rule", item.span,
                             notes=(f"the first is at {rules[0].span.location()}",),
                             help="combine them into one rule with tiers: `score 5 if … else 3 if … else 0`",
                             zh=Chinese(f"`{node.name}` 有不止一条 `score` 规则",
                                        help="请把它们合并成一条分档的规则：`score 5 if … else 3 if … else 0`",
                                        notes=(f"第一条在 {rules[0].span.location()}",)))
                rules.append(item)
        scope = _Scope(local, weight)
        lets: list[model.LetDef] = []
        for let in local.values():
            value_type, expr = self._expr(let.expr, scope)
            scope.local_types[let.name] = value_type
            if value_type is not None:
                lets.append(model.LetDef(name=let.name, expr=expr, type=value_type, span=let.span))
        rule: model.ScoreRule = ast.ScoreExpr(expr=ast.Number(value=Decimal(0), unit=None, span=node.span),
                                              span=node.span)
        if not rules:
            self.err("PE305", f"the indicator `{node.name}` has no score rule", node.name_span,
                     help="add a line such as `score 3 if 部门职能 == \"清晰合理\" else 0`",
                     zh=Chinese(f"指标 `{node.name}` 没有评分规则",
                                help="请添加一行，例如 `score 3 if 部门职能 == \"清晰合理\" else 0`"))
        else:
            rule = self._rule(rules[0], scope, node, weight)
        for veto in vetoes:
            self._veto(veto, scope, node)
        inputs = self._inputs(rule, local)
        return model.Indicator(
            name=node.name,
            path=path,
            weight=weight,
            explanation=fields["explanation"].text if "explanation" in fields else None,
            standard=fields["standard"].text if "standard" in fields else None,
            target=fields["target"].text if "target" in fields else None,
            lets=tuple(lets),
            rule=rule,
            inputs=inputs,
            direction=self._direction(fields.get("direction")),
            override=self._override(fields.get("override")),
            if_missing=if_missing,
            moves_weight=moves_weight,
            span=node.span,
        )

    def _override(self, field: ast.TextField | None) -> ast.TextField | None:
        if field is None:
            return None
        fact = self.facts.get(field.text)
        if fact is None:
            close = did_you_mean(field.text, self.facts)
            help_zh = did_you_mean_zh(field.text, self.facts) or f"请把它声明为分数：`事实 {field.text}: 分`"
            self.err("PE201", f"`{field.text}` is not a declared fact", field.span, "not declared",
                     help=close or f"declare it as points: `fact {field.text}: 分`",
                     zh=Chinese(f"`{field.text}` 不是已声明的事实", "未声明", help_zh))
            return None
        self.used_names.add(field.text)
        if not self._points(fact.type, ast.Ref(name=field.text, span=field.span)):
            return None
        return field

    def _direction(self, field: ast.TextField | None) -> str | None:
        if field is None:
            return None
        if field.text in DIRECTIONS:
            return DIRECTIONS[field.text]
        close = did_you_mean(field.text, DIRECTIONS)
        self.err("PE211", f"`{field.text}` is not a direction", field.span, "unknown direction",
                 help=close or "write `direction higher` (正向: more is better) or `direction lower` (反向: less "
                               "is better)",
                 zh=Chinese(f"`{field.text}` 不是一个方向", "未知方向",
                            did_you_mean_zh(field.text, DIRECTIONS) or "请写 `direction higher`（正向：越多越好）或 "
                                                                       "`direction lower`（反向：越少越好）"))
        return None

    def _inputs(self, rule: model.ScoreRule, local: dict[str, ast.Let]) -> tuple[str, ...]:
        ordered: dict[str, None] = {}

        def visit(expr: ast.Expr, visiting: frozenset[str]) -> None:
            for sub in walk(expr):
                if isinstance(sub, ast.Ref) and sub.name not in visiting:
                    definition = local.get(sub.name) or self.global_lets.get(sub.name)
                    if definition is not None and sub.name not in ordered:
                        visit(definition.expr, visiting | {sub.name})
                    ordered.setdefault(sub.name, None)

        root = rule.expr if isinstance(rule, ast.ScoreExpr) else rule.subject
        visit(root, frozenset())
        if isinstance(rule, ast.ScoreBy):
            for arm in rule.arms:
                visit(arm.score, frozenset())
        return tuple(ordered)

    # -- score rules
    def _rule(self, rule: ast.ScoreExpr | ast.ScoreBy, scope: _Scope, node: ast.Indicator,
              weight: Decimal) -> model.ScoreRule:
        if isinstance(rule, ast.ScoreExpr):
            value_type, expr = self._expr(rule.expr, scope)
            self._expect_points(value_type, rule.expr)
            for literal in self._literal_scores(expr):
                self._score_in_range(literal, weight, node.name)
            return ast.ScoreExpr(expr=expr, span=rule.span)
        subject_type, subject = self._expr(rule.subject, scope)
        options: tuple[str, ...] | None = None
        if isinstance(subject_type, JudgementType):
            options = subject_type.options
        elif subject_type is not None and not isinstance(subject_type, (TextType, StringType)):
            self.err("PE204", f"`score by` needs a judgement, but this is {subject_type.describe()}",
                     rule.subject.span, help="use `score by` with a fact declared as `\"甲\" | \"乙\" | …`",
                     zh=Chinese(f"`score by` 需要一个答案，但这里是{describe_zh(subject_type)}",
                                help="请对声明为 `\"甲\" | \"乙\" | …` 的事实使用 `score by`"))
        arms: list[ast.MatchArm] = []
        seen: dict[str, ast.MatchArm] = {}
        has_otherwise = False
        for arm in rule.arms:
            value_type, score = self._expr(arm.score, scope)
            self._expect_points(value_type, arm.score)
            for literal in self._literal_scores(score):
                self._score_in_range(literal, weight, node.name)
            if arm.value is None:
                has_otherwise = True
            else:
                if arm.value.value in seen:
                    self.err("PE202", f'"{arm.value.value}" has two scores', arm.value.span,
                             help="give each judgement one score",
                             zh=Chinese(f'"{arm.value.value}" 有两个得分', help="每个答案只给一个得分"))
                seen[arm.value.value] = arm
                if options is not None and arm.value.value not in options:
                    self._unknown_judgement(arm.value, options, rule.subject)
            arms.append(attrs.evolve(arm, score=score))
        if options is not None and not has_otherwise:
            missing = [o for o in options if o not in seen]
            if missing:
                self.err("PE209", "these judgements have no score: " + ", ".join(f'"{m}"' for m in missing),
                         rule.span, help='add an arm for each, or `otherwise -> 0`',
                         zh=Chinese("这些答案没有得分：" + "、".join(f'"{m}"' for m in missing),
                                    help="请为每个答案各加一条分支，或加上 `otherwise -> 0`"))
        return ast.ScoreBy(subject=subject, arms=tuple(arms), span=rule.span)

    def _literal_scores(self, expr: ast.Expr) -> list[ast.Expr]:
        if isinstance(expr, ast.Tiered):
            found = [t.score for t in expr.tiers]
            if expr.default is not None:
                found.append(expr.default)
            return found
        return [expr]

    def _score_in_range(self, literal: ast.Expr, weight: Decimal, name: str) -> None:
        value = _literal_score(literal)
        if value is not None and weight and not 0 <= value <= weight:
            self.err("PE503", f"the score {plain(value)} is outside 0 to the weight {plain(weight)} of `{name}`",
                     literal.span,
                     help=f"a score must lie between 0 and {plain(weight)}; check the weight or the score",
                     zh=Chinese(f"得分 {plain(value)} 不在 0 到 `{name}` 的分值 {plain(weight)} 之间",
                                help=f"得分必须在 0 到 {plain(weight)} 之间；请检查分值或得分"))

    def _expect_points(self, value_type: ValueType | None, expr: ast.Expr) -> None:
        if value_type is None:
            return
        if isinstance(value_type, NumberType) and value_type.percent:
            self.err("PE204", "a score must be a number of points, but this is a percentage", expr.span,
                     help="turn a percentage into points with the weight, e.g. `score weight * 完成率`",
                     zh=Chinese("得分必须是分数，但这里是百分比",
                                help="请用分值把百分比换算成分数，例如 `score weight * 完成率`"))
            return
        if isinstance(value_type, NumberType) and (value_type.dim in (DIMENSIONLESS, ((POINTS, 1),))):
            return
        self.err("PE204", f"a score must be a number of points, but this is {value_type.describe()}",
                 expr.span, help="score with points, e.g. `score 5 if … else 0` or `score weight * 完成率`",
                 zh=Chinese(f"得分必须是分数，但这里是{describe_zh(value_type)}",
                            help="请用分数评分，例如 `score 5 if … else 0` 或 `score weight * 完成率`"))

    def _unknown_judgement(self, literal: ast.String, options: tuple[str, ...], about: ast.Expr) -> None:
        close = did_you_mean(literal.value, options, quote='"')
        self.err("PE205", f'"{literal.value}" is not one of the judgements of `{unparse(about)}`', literal.span,
                 "unknown judgement",
                 notes=("the judgements are " + ", ".join(f'"{o}"' for o in options),),
                 help=close or "use one of the declared judgements, or add it to the fact's declaration",
                 zh=Chinese(f'"{literal.value}" 不是 `{unparse(about)}` 的可选答案之一', "未知答案",
                            did_you_mean_zh(literal.value, options, quote='"')
                            or "请使用已声明的答案之一，或把它加进这个事实的声明",
                            ("可选答案为 " + "、".join(f'"{o}"' for o in options),)))

    # -- expressions: each returns (type or None on error, the resolved expression)
    def _expr(self, expr: ast.Expr, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        match expr:
            case ast.Number():
                if expr.unit is None:
                    return NumberType(flexible=True), expr
                if expr.unit not in UNITS:  # pragma: no cover - the grammar admits only known units
                    self.err("PE210", f"`{expr.unit}` is not a unit", expr.span,
                             zh=Chinese(f"`{expr.unit}` 不是单位"))
                    return None, expr
                return number_type_for_unit(expr.unit), expr
            case ast.Date():
                if expr.value is None:
                    try:
                        parse_date_text(expr.text)
                        reason = "not a day of the calendar"  # pragma: no cover - the parser found none
                    except DateTextError as exc:
                        reason = str(exc)
                    calendar = reason == "not a day of the calendar"
                    self.err("PE216", f"`{expr.text}` is {reason}", expr.span,
                             "no such day" if calendar else "year out of range",
                             help="write a day of the calendar as year-month-day, e.g. `2023-06-30` or "
                                  "`2023年6月30日`" if calendar else
                                  f"perfeval reads dates from {FIRST_DAY.year} to {LAST_DAY.year}: check the year",
                             zh=Chinese(f"`{expr.text}` {date_reason_zh(reason)}",
                                        "没有这一天" if calendar else "年份超出范围",
                                        "请按年-月-日写出日历上有的一天，例如 `2023-06-30` 或 `2023年6月30日`"
                                        if calendar else f"perfeval 读取 {FIRST_DAY.year} 到 {LAST_DAY.year} 年的日期："
                                                         "请检查年份"))
                    return None, expr
                return DateType(), expr
            case ast.String():
                return StringType(expr.value), expr
            case ast.Bool():
                return BoolType(), expr
            case ast.FieldRef():
                field_type = self._field(expr, scope)
                if field_type is not None:
                    self.err("PE204", f"`{expr.name}.{expr.field}` is one value per item of `{expr.name}`", expr.span,
                             "many values",
                             help=f"add them up with `合计({expr.name}.{expr.field})`, or weight them with "
                                  f"`加权平均({expr.name}.{expr.field}, {expr.name}.资金)`",
                             zh=Chinese(f"`{expr.name}.{expr.field}` 是 `{expr.name}` 每一项的值，有多个", "多个值",
                                        f"请用 `合计({expr.name}.{expr.field})` 相加，或用 "
                                        f"`加权平均({expr.name}.{expr.field}, {expr.name}.资金)` 加权平均"))
                return None, expr
            case ast.Ref():
                return self._ref(expr, scope), expr
            case ast.WeightRef():
                if scope.weight is None:
                    self.err("PE201", "`weight` means an indicator's weight, and here there is none",
                             expr.span, help="use `weight` only inside an indicator's score rule",
                             zh=Chinese("`分值`（weight）指一个指标的分值，此处没有指标",
                                        help="`分值` 只能用在指标的评分规则中"))
                    return None, expr
                return POINTS_TYPE, expr
            case ast.Call():
                return self._call(expr, scope)
            case ast.Unary():
                operand_type, operand = self._expr(expr.operand, scope)
                number = self._number(operand_type, expr.operand)
                return number, attrs.evolve(expr, operand=operand)
            case ast.Binary():
                return self._binary(expr, scope)
            case ast.Compare():
                return self._compare(expr, scope)
            case ast.Between():
                types = [self._expr(e, scope) for e in (expr.subject, expr.low, expr.high)]
                resolved = attrs.evolve(expr, subject=types[0][1], low=types[1][1], high=types[2][1])
                if any(isinstance(t, DateType) for t, _ in types):
                    ok = all(self._dates(a, b, a_expr, b_expr) for (a, _), (b, _), a_expr, b_expr in (
                        (types[0], types[1], expr.subject, expr.low), (types[0], types[2], expr.subject, expr.high)))
                    return (BoolType() if ok else None), resolved
                unified = self._unify_all([(t, e) for (t, _), e in zip(types, (expr.subject, expr.low, expr.high),
                                                                          strict=True)], "compare")
                return (BoolType() if unified is not None else None), resolved
            case ast.PartialCompare() | ast.PartialBetween():
                self.err("PE206", "this condition has no subject", expr.span, "compares what?",
                         help="only a later tier may leave out its subject (`5 if 偏差率 <= 10% else 3 if <= 20%`);"
                              " here, write it out: `偏差率 <= 20%`",
                         zh=Chinese("这个条件没有比较对象", "比较什么？",
                                    "只有后面的档才能省略比较对象（`5 if 偏差率 <= 10% else 3 if <= 20%`）；"
                                    "这里请写完整：`偏差率 <= 20%`"))
                return None, expr
            case ast.BoolOp():
                checked = [self._expr(e, scope) for e in expr.operands]
                ok = all(self._boolean(t, e) for (t, _), e in zip(checked, expr.operands, strict=True))
                return (BoolType() if ok else None), attrs.evolve(expr, operands=tuple(e for _, e in checked))
            case ast.Not():
                operand_type, operand = self._expr(expr.operand, scope)
                ok = self._boolean(operand_type, expr.operand)
                return (BoolType() if ok else None), attrs.evolve(expr, operand=operand)
            case ast.Tiered():
                return self._tiered(expr, scope)
            case ast.Deduction():
                return self._deduction(expr, scope)
            case ast.Checklist():
                return self._checklist(expr, scope)
            case ast.Proportion():
                return self._proportion(expr, scope)
            case ast.Judged():
                return self._judged(expr, scope)
            case ast.Interpolation():
                return self._interpolation(expr, scope)
        raise AssertionError(f"unhandled expression {expr!r}")  # pragma: no cover

    def _ref(self, ref: ast.Ref, scope: _Scope) -> ValueType | None:
        name = ref.name
        if name in scope.local:
            self.used_names.add(name)
            if name not in scope.local_types:
                self.err("PE207", f"`{name}` is used before it is computed", ref.span,
                         help=f"compute `{name}` from facts or from values defined above it",
                         zh=Chinese(f"`{name}` 在算出之前就被使用了",
                                    help=f"请由事实或在它上面定义的值算出 `{name}`"))
                return None
            return scope.local_types[name]
        if name in self.global_lets:
            self.used_names.add(name)
            return self._let_type(name, scope)
        if name in self.facts:
            self.used_names.add(name)
            return self.facts[name].type
        candidates = [*self.facts, *self.global_lets, *scope.local]
        glued = _glued_keyword(name, candidates)
        close = suggest(name, candidates)
        help_text = did_you_mean(name, candidates) or \
            f"declare it at the top of the file, e.g. `fact {name}: 元` (or `个`, `%`, …)"
        if glued:
            left, keyword, right = glued
            help_text = (f"`{name}` reads as one name; to join two conditions, put spaces around `{keyword}`: "
                         f"`{left} {keyword} {right}`")
            help_zh = (f"`{name}` 被读成了一个名称；要连接两个条件，请在 `{keyword}` 前后加空格："
                       f"`{left} {keyword} {right}`")
        elif close:
            help_zh = "是否想写 " + " 或 ".join(f"`{c}`" for c in close) + "？"
        else:
            help_zh = f"请在文件开头声明它，例如 `事实 {name}: 元`（或 `个`、`%` 等）"
        in_words = chinese_number_text(name) if not close else None
        if in_words is not None and not glued:  # `得 五 分`: a number in words, which a rule reads as a name
            digits = plain(in_words[0]) + in_words[1]
            help_text = f"a number in a rule is written in digits: `{digits}`"
            help_zh = f"规则中的数要用数字写：`{digits}`"
        self.err("PE201", f"I cannot find a fact or value named `{name}`", ref.span, "not declared",
                 help=help_text, zh=Chinese(f"找不到名为 `{name}` 的事实或计算值", "未声明", help_zh))
        return None

    def _field(self, ref: ast.FieldRef, scope: _Scope) -> ValueType | None:
        """The type of one field of a list fact (`子项目.培训人数`), or None after reporting why there is none."""
        list_type = self._ref(ast.Ref(name=ref.name, span=ref.span), scope)
        if list_type is None:
            return None
        if not isinstance(list_type, ListType):
            self.err("PE204", f"`{ref.name}` is {list_type.describe()}, not a list with fields", ref.span,
                     help=f"declare it as a list: `fact {ref.name}: list {{ {ref.field}: 人 }}`",
                     zh=Chinese(f"`{ref.name}` 是{describe_zh(list_type)}，不是带字段的列表",
                                help=f"请把它声明为列表：`事实 {ref.name}: 列表 {{ {ref.field}: 人 }}`"))
            return None
        field_type = list_type.field(ref.field)
        if field_type is None:
            names = [name for name, _ in list_type.fields]
            self.err("PE201", f"the list `{ref.name}` has no field `{ref.field}`", ref.field_span, "no such field",
                     help=did_you_mean(ref.field, names) or "its fields are " + ", ".join(names),
                     zh=Chinese(f"列表 `{ref.name}` 没有字段 `{ref.field}`", "没有这个字段",
                                did_you_mean_zh(ref.field, names) or "它的字段有 " + "、".join(names)))
        return field_type

    def _list_call(self, call: ast.Call, scope: _Scope) -> ValueType | None:
        """`合计(子项目.培训人数)`, `加权平均(子项目.合格率, 子项目.资金)`, `个数(子项目)`."""
        function = LIST_FUNCTIONS[call.function]
        wanted = {"sum": 1, "count": 1, "weighted_mean": 2}[function]
        example = {"sum": f"{call.function}(子项目.培训人数)", "count": f"{call.function}(子项目)",
                   "weighted_mean": f"{call.function}(子项目.合格率, 子项目.资金)"}[function]
        if len(call.args) != wanted:
            self.err("PE208", f"`{call.function}` takes {wanted} value{'s' if wanted > 1 else ''}, but is given "
                              f"{len(call.args)}", call.span, help=f"e.g. `{example}`",
                     zh=Chinese(f"`{call.function}` 接受 {wanted} 个值，但给了 {len(call.args)} 个",
                                help=f"例如 `{example}`"))
            return None
        if function == "count":
            argument = call.args[0]
            named = isinstance(argument, ast.Ref) and not isinstance(argument, ast.FieldRef)
            list_type = self._ref(argument, scope) if named else None  # type: ignore[arg-type]
            if isinstance(list_type, ListType):
                return number_type_for_unit("项")
            if list_type is not None or not named:  # an unknown name is reported by `_ref` already
                self.err("PE208", f"`{call.function}` counts the items of a list", argument.span, "not a list",
                         help=f"e.g. `{example}`", zh=Chinese(f"`{call.function}` 统计列表的项数", "不是列表",
                                                              f"例如 `{example}`"))
            return None
        types: list[NumberType] = []
        for argument in call.args:
            if not isinstance(argument, ast.FieldRef):
                self.err("PE208", f"`{call.function}` works on a field of a list, such as `子项目.培训人数`",
                         argument.span, "not a list's field", help=f"e.g. `{example}`",
                         zh=Chinese(f"`{call.function}` 作用于列表的字段，例如 `子项目.培训人数`", "不是列表的字段",
                                    f"例如 `{example}`"))
                return None
            number = self._number(self._field(argument, scope), argument)
            if number is None:
                return None
            types.append(number)
        if function == "weighted_mean" and call.args[0].name != call.args[1].name:  # type: ignore[union-attr]
            self.err("PE208", "a weighted mean weighs each item's value by the same item's weight: both must be "
                              "fields of one list", call.span,
                     help=f"e.g. `{example}`",
                     zh=Chinese("加权平均用每一项自己的权数加权：两个值必须是同一个列表的字段",
                                help=f"例如 `{example}`"))
            return None
        return types[0]

    def _call(self, call: ast.Call, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        if call.function in LIST_FUNCTIONS:
            return self._list_call(call, scope), call
        checked = [self._expr(arg, scope) for arg in call.args]
        resolved = attrs.evolve(call, args=tuple(e for _, e in checked))
        if call.function not in FUNCTIONS:
            known = [*FUNCTIONS, *LIST_FUNCTIONS]
            close = did_you_mean(call.function, known)
            self.err("PE208", f"there is no function `{call.function}`", call.name_span, "unknown function",
                     help=close or "the functions are " + ", ".join(known),
                     zh=Chinese(f"没有名为 `{call.function}` 的函数", "未知函数",
                                did_you_mean_zh(call.function, known) or "可用的函数有 " + "、".join(known)))
            return None, resolved
        low, high = FUNCTIONS[call.function]
        count = len(call.args)
        if count < low or (high is not None and count > high):
            wanted = {"abs": "one value", "min": "two or more values", "max": "two or more values",
                      "round": "a value and, optionally, a number of decimal places",
                      "trunc": "a value and, optionally, a number of decimal places"}[call.function]
            wanted_zh = {"abs": "一个值", "min": "两个或更多的值", "max": "两个或更多的值",
                         "round": "一个值，以及可选的小数位数", "trunc": "一个值，以及可选的小数位数"}[call.function]
            example = {"abs": "偏差率", "min": "完成率, 1", "max": "a, b", "round": "得分, 2",
                       "trunc": "比率, 4"}[call.function]
            self.err("PE208", f"`{call.function}` takes {wanted}, but is given {count}", call.span,
                     help=f"e.g. `{call.function}(" + {"abs": "偏差率", "min": "完成率, 1", "max": "a, b",
                                                       "round": "得分, 2", "trunc": "比率, 4"}[call.function] + ")`",
                     zh=Chinese(f"`{call.function}` 接受{wanted_zh}，但给了 {count} 个",
                                help=f"例如 `{call.function}({example})`"))
            return None, resolved
        if any(t is None for t, _ in checked):
            return None, resolved
        if call.function in ("round", "trunc"):
            value = self._number(checked[0][0], call.args[0])
            if count == 2:
                places = call.args[1]
                if not (isinstance(places, ast.Number) and places.unit is None
                        and places.value == places.value.to_integral_value() and 0 <= places.value <= 20):
                    self.err("PE208", "the number of decimal places must be a whole number from 0 to 20",
                             places.span, help=f"e.g. `{call.function}(得分, 2)`",
                             zh=Chinese("小数位数必须是 0 到 20 之间的整数",
                                        help=f"例如 `{call.function}(得分, 2)`"))
                    return None, resolved
            return value, resolved
        if call.function == "abs":
            return self._number(checked[0][0], call.args[0]), resolved
        return self._unify_all(list(zip((t for t, _ in checked), call.args, strict=True)), call.function), resolved

    def _scores_an_indicator(self, expr: ast.Deduction | ast.Checklist | ast.Proportion | ast.Judged
                             | ast.Interpolation, scope: _Scope) -> bool:
        if scope.weight is not None:
            return True
        what, what_zh = {ast.Deduction: ("a deduction", "扣分"), ast.Checklist: ("a checklist", "逐项计分"),
                         ast.Proportion: ("a proportional score", "按比例得分"),
                         ast.Judged: ("a judged score", "评定得分"),
                         ast.Interpolation: ("an interpolated score", "插值得分")}[type(expr)]
        self.err("PE215", f"{what} gives an indicator's points, and here there is no indicator", expr.span,
                 help="write it in an indicator's score rule, or in a `let` inside the indicator",
                 zh=Chinese(f"{what_zh}给出的是一个指标的得分，此处没有指标",
                            help="请把它写在指标的评分规则中，或指标内部的 `令`（let）中"))
        return False

    def _positive(self, number: ast.Number, what: str, what_zh: str) -> bool:
        if number.value > 0:
            return True
        self.err("PE215", f"{what} must be more than 0", number.span, "not more than 0",
                 help=f"write {what} as the standard gives it, e.g. `by 100% - 完成率 per 3% deduct 1` "
                      "(`按 100% - 完成率 每 3% 扣 1 分`)",
                 zh=Chinese(f"{what_zh}必须大于 0", "不大于 0",
                            help=f"请按评分标准写出{what_zh}，例如 `按 100% - 完成率 每 3% 扣 1 分`"))
        return False

    def _deduction(self, expr: ast.Deduction, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        ok = self._scores_an_indicator(expr, scope)
        base = expr.base
        if base is not None:
            base_type, base = self._expr(base, scope)
            ok = base_type is not None and self._points(base_type, expr.base) and ok  # type: ignore[arg-type]
        steps = []
        for step in expr.steps:
            gap_type, gap = self._expr(step.gap, scope)
            step_type, _ = self._expr(step.step, scope)
            gap_number = self._number(gap_type, step.gap)
            step_number = self._number(step_type, step.step)
            if gap_number is None or step_number is None \
                    or self._unify(gap_number, step_number, step.gap, step.step, "compare") is None:
                ok = False
            ok = self._positive(step.step, "a step", "每档的大小") and ok
            points_type, _ = self._expr(step.points, scope)
            ok = self._points(points_type, step.points) and ok
            ok = self._positive(step.points, "the points a step takes off", "每档扣的分数") and ok
            steps.append(attrs.evolve(step, gap=gap))
        if expr.limit is not None:
            limit_type, _ = self._expr(expr.limit, scope)
            ok = self._points(limit_type, expr.limit) and ok
            ok = self._positive(expr.limit, "the most points taken off", "最多扣的分数") and ok
        resolved = attrs.evolve(expr, base=base, steps=tuple(steps))
        return (POINTS_TYPE if ok else None), resolved

    def _checklist(self, expr: ast.Checklist, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        ok = self._scores_an_indicator(expr, scope)
        items = []
        for item in expr.items:
            condition_type, condition = self._expr(item.condition, scope)
            ok = self._boolean(condition_type, item.condition) and ok
            points_type, _ = self._expr(item.points, scope)
            ok = self._points(points_type, item.points) and ok
            ok = self._positive(item.points, "an item's points", "每项的分数") and ok
            items.append(attrs.evolve(item, condition=condition))
        return (POINTS_TYPE if ok else None), attrs.evolve(expr, items=tuple(items))

    def _proportion(self, expr: ast.Proportion, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        ok = self._scores_an_indicator(expr, scope)
        checked = [self._expr(e, scope) for e in (expr.actual, expr.target)]
        resolved = attrs.evolve(expr, actual=checked[0][1], target=checked[1][1])
        ok = self._unify_all([(t, e) for (t, _), e in zip(checked, (expr.actual, expr.target), strict=True)],
                             "compare") is not None and ok
        return (POINTS_TYPE if ok else None), resolved

    def _interpolation(self, expr: ast.Interpolation, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        ok = self._scores_an_indicator(expr, scope)
        subject_type, subject = self._expr(expr.subject, scope)
        levels = [(self._expr(x, scope), x) for x, _ in expr.levels]
        ok = self._unify_all([(subject_type, expr.subject), *((t, x) for (t, _), x in levels)],
                             "compare") is not None and ok
        for _, points in expr.levels:
            points_type, _ = self._expr(points, scope)
            ok = self._points(points_type, points) and ok
        ends = [base_value(x) for x, _ in expr.levels]
        if any(later <= earlier for earlier, later in itertools.pairwise(ends)):
            self.err("PE215", "the levels of an interpolation must rise, each above the one before",
                     expr.levels[0][0].span.to(expr.levels[-1][1].span), "not rising",
                     help="list the levels from the lowest value up, e.g. `60% → 0，80% → 6，100% → 10`",
                     zh=Chinese("插值的各个水平必须逐个升高", "没有逐个升高",
                                "请从最低的值开始列出各个水平，例如 `60% → 0，80% → 6，100% → 10`"))
            ok = False
        if len(expr.levels) < 2:
            self.err("PE215", "an interpolation needs at least two levels", expr.span, "one level",
                     help="give the levels the standard names, e.g. `60% → 0，100% → 10`",
                     zh=Chinese("插值至少需要两个水平", "只有一个水平",
                                "请写出评分标准给出的水平，例如 `60% → 0，100% → 10`"))
            ok = False
        return (POINTS_TYPE if ok else None), attrs.evolve(expr, subject=subject)

    def _judged(self, expr: ast.Judged, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        ok = self._scores_an_indicator(expr, scope)
        value_type, value = self._expr(expr.value, scope)
        ok = self._points(value_type, expr.value) and ok
        bounds = []
        for bound in (expr.low, expr.high):
            if bound.unit in ("%", None, "分"):
                bounds.append(band_points(bound, scope.weight) if scope.weight is not None else None)
            else:
                self.err("PE204", f"a band of points is written in points or as a percentage of the weight, but "
                                  f"this is in {bound.unit}", bound.span,
                         help="write e.g. `评定 评价组打分 介于 80% 与 100%` or `介于 8 分 与 10 分`",
                         zh=Chinese(f"分数区间应以分或分值的百分比表示，但这里的单位是 {bound.unit}",
                                    help="请写作例如 `评定 评价组打分 介于 80% 与 100%` 或 `介于 8 分 与 10 分`"))
                ok = False
                bounds.append(None)
        low, high = bounds
        if ok and low is not None and high is not None and scope.weight is not None \
                and not 0 <= low <= high <= scope.weight:
            self.err("PE215", f"the band {plain(low)} to {plain(high)} does not lie within 0 to the weight "
                              f"{plain(scope.weight)}, low end first", expr.low.span.to(expr.high.span),
                     "not a band of the weight",
                     help="write the band the standard gives, low end first, e.g. `介于 80% 与 100%`",
                     zh=Chinese(f"区间 {plain(low)} 至 {plain(high)} 不在 0 与分值 {plain(scope.weight)} 之间，"
                                "或低端没有写在前面", "不是分值内的区间",
                                help="请按评分标准写出区间，低端在前，例如 `介于 80% 与 100%`"))
            ok = False
        return (POINTS_TYPE if ok else None), attrs.evolve(expr, value=value)

    def _points(self, value_type: ValueType | None, expr: ast.Expr) -> bool:
        """Whether `value_type` is a number of points (分, or a plain number); reports it when not."""
        if value_type is None:
            return False
        if isinstance(value_type, NumberType) and not value_type.percent \
                and value_type.dim in (DIMENSIONLESS, ((POINTS, 1),)):
            return True
        self._expect_points(value_type, expr)
        return False

    def _number(self, value_type: ValueType | None, expr: ast.Expr) -> NumberType | None:
        if value_type is None:
            return None
        if isinstance(value_type, NumberType):
            return value_type
        if isinstance(value_type, DateType):
            self.err("PE204", "expected a number here, but this is a date", expr.span,
                     help="subtract two dates for the days between them (`完成日期 - 计划完成日期`, in 天)",
                     zh=Chinese("此处应为数，但这里是日期",
                                help="两个日期相减得到相差的天数（`完成日期 - 计划完成日期`，单位为天）"))
            return None
        self.err("PE204", f"expected a number here, but this is {value_type.describe()}", expr.span,
                 help="arithmetic and ordering work on numbers; compare judgements with `==`",
                 zh=Chinese(f"此处应为数，但这里是{describe_zh(value_type)}",
                            help="算术和大小比较只适用于数；答案请用 `==` 比较"))
        return None

    def _boolean(self, value_type: ValueType | None, expr: ast.Expr) -> bool:
        if value_type is None:
            return False
        if isinstance(value_type, BoolType):
            return True
        self.err("PE204", f"expected a condition (yes/no) here, but this is {value_type.describe()}", expr.span,
                 help="write a comparison such as `满意率 >= 90%`, or use a fact declared as `boolean`",
                 zh=Chinese(f"此处应为条件（是/否），但这里是{describe_zh(value_type)}",
                            help="请写一个比较，例如 `满意率 >= 90%`，或使用声明为 `boolean` 的事实"))
        return False

    def _unify(self, a: NumberType, b: NumberType, a_expr: ast.Expr, b_expr: ast.Expr,
               what: str) -> NumberType | None:
        """The common unit of two numbers that are added, subtracted or compared."""
        if a.flexible and b.flexible:
            return a
        if a.flexible or b.flexible:
            fixed, bare = (b, a_expr) if a.flexible else (a, b_expr)
            problem = self._bare_number_problem(fixed, bare)
            if problem is not None:
                message, help_text, message_zh, help_zh = problem
                self.err("PE203", message.format(what=what), bare.span, "which unit?", help=help_text,
                         zh=Chinese(message_zh.format(what=_what_zh(what)), "哪个单位？", help_zh))
                return None
            return fixed
        if a.dim != b.dim:
            # Points and plain numbers meet in deductions such as `weight - 0.5 * 项数`: a plain number of
            # points. Any other pair of different units is a mistake.
            points = ((POINTS, 1),)
            if {a.dim, b.dim} == {points, DIMENSIONLESS} and not (a.percent or b.percent):
                return POINTS_TYPE
            self.err("PE203", f"cannot {what} {a.describe()} and {b.describe()}", a_expr.span.to(b_expr.span),
                     notes=(f"left: {dim_name(a.dim)}, right: {dim_name(b.dim)}",),
                     help="both sides need the same unit; check the facts' declared units",
                     zh=Chinese(f"不能将{describe_zh(a)}与{describe_zh(b)}{_what_zh(what)}",
                                help="两边需要相同的单位；请检查事实声明的单位",
                                notes=(f"左边：{dim_name_zh(a.dim)}，右边：{dim_name_zh(b.dim)}",)))
            return None
        if a.percent or b.percent:
            return NumberType(dim=a.dim, percent=True)
        return a if a.display is not None else b

    def _bare_number_problem(self, fixed: NumberType, bare: ast.Expr) -> tuple[str, str, str, str] | None:
        """Why a number written without a unit cannot stand next to `fixed`, or None if it can.

        A bare number takes the unit of what it meets, except where that would silently mean something else
        than the writer sees: money (元 or 万元?), a count declared in 万人 (2 is 2 人, not 2 万人), or a
        percentage (90 is 9000%). The message and help come in English, then in Chinese.
        """
        value = _literal_value(bare)
        if value is None:
            return None
        if value == 0:
            return None  # 0 is 0 in any unit
        if any(base == MONEY for base, _ in fixed.dim):
            return ("a plain number cannot be used to {what} money",
                    "write the unit after the number, e.g. `4800 万元` or `8567111.51 元`",
                    "不带单位的数不能与金额{what}",
                    "请在数的后面写上单位，例如 `4800 万元` 或 `8567111.51 元`")
        if fixed.display is not None and fixed.display.factor != 1:
            word = fixed.display.word
            return (f"a plain number cannot be used to {{what}} a number of {word}",
                    f"write the unit after the number, e.g. `{plain(value)} {word}`",
                    f"不带单位的数不能与以 {word} 计的数{{what}}",
                    f"请在数的后面写上单位，例如 `{plain(value)} {word}`")
        if fixed.percent and abs(value) > 1:
            return ("a plain number above 1 cannot be used to {what} a percentage",
                    f"write it as a percentage, e.g. `{plain(value)}%` (a plain {plain(value)} would mean "
                    f"{plain(value * 100)}%)",
                    "大于 1 的不带单位的数不能与百分比{what}",
                    f"请写成百分比，例如 `{plain(value)}%`（不带单位的 {plain(value)} 表示 "
                    f"{plain(value * 100)}%）")
        return None

    def _unify_all(self, items: list[tuple[ValueType | None, ast.Expr]], what: str) -> NumberType | None:
        numbers: list[tuple[NumberType, ast.Expr]] = []
        for value_type, expr in items:
            number = self._number(value_type, expr)
            if number is None:
                return None
            numbers.append((number, expr))
        result, result_expr = numbers[0]
        for number, expr in numbers[1:]:
            unified = self._unify(result, number, result_expr, expr, what)
            if unified is None:
                return None
            result, result_expr = unified, expr
        return result

    def _binary(self, expr: ast.Binary, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        left_type, left = self._expr(expr.left, scope)
        right_type, right = self._expr(expr.right, scope)
        resolved = attrs.evolve(expr, left=left, right=right)
        if isinstance(left_type, DateType) or isinstance(right_type, DateType):
            return self._date_arithmetic(expr, left_type, right_type), resolved
        a = self._number(left_type, expr.left)
        b = self._number(right_type, expr.right)
        if a is None or b is None:
            return None, resolved
        if expr.op in "+-":
            return self._unify(a, b, expr.left, expr.right, "add" if expr.op == "+" else "subtract"), resolved
        if expr.op == "*":
            dim = dim_mul(a.dim, b.dim)
            percent = not dim and (a.percent or b.percent)
            display = a.display if b.flexible else b.display if a.flexible else None
            return NumberType(dim=dim, percent=percent, flexible=a.flexible and b.flexible,
                              display=display), resolved
        dim = dim_mul(a.dim, b.dim, -1)
        if b.flexible:
            return attrs.evolve(a, flexible=a.flexible), resolved
        # A ratio of two like quantities (元/元, 人/人) reads as a percentage.
        return NumberType(dim=dim, percent=not dim), resolved

    def _compare(self, expr: ast.Compare, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        checked = [self._expr(e, scope) for e in expr.operands]
        resolved = attrs.evolve(expr, operands=tuple(e for _, e in checked))
        types = [t for t, _ in checked]
        if any(t is None for t in types):
            return None, resolved
        if any(isinstance(t, DateType) for t in types):
            ok = all([self._dates(types[i], types[i + 1], expr.operands[i], expr.operands[i + 1])
                      for i in range(len(expr.ops))])
            return (BoolType() if ok else None), resolved
        if all(isinstance(t, NumberType) for t in types):
            ok = self._unify_all(list(zip(types, expr.operands, strict=True)), "compare") is not None
            return (BoolType() if ok else None), resolved
        ok = True
        for index, op in enumerate(expr.ops):
            left_type, right_type = types[index], types[index + 1]
            left, right = expr.operands[index], expr.operands[index + 1]
            if op not in ("==", "!="):
                self.err("PE204", f"`{op}` orders numbers, but this compares {left_type.describe()} "  # type: ignore[union-attr]
                                  f"with {right_type.describe()}", left.span.to(right.span),  # type: ignore[union-attr]
                         help="compare judgements and texts with `==` or `!=`",
                         zh=Chinese(f"`{op}` 比较数的大小，但这里比较的是{describe_zh(left_type)}"  # type: ignore[arg-type]
                                    f"与{describe_zh(right_type)}",  # type: ignore[arg-type]
                                    help="答案和文本请用 `==` 或 `!=` 比较"))
                ok = False
                continue
            ok = self._comparable(left_type, right_type, left, right) and ok
        return (BoolType() if ok else None), resolved

    def _date_arithmetic(self, expr: ast.Binary, a: ValueType | None, b: ValueType | None) -> ValueType | None:
        """Days between two dates (`完成日期 - 计划完成日期`, in 天), or a date moved by days (`截止日期 + 30 天`)."""
        if a is None or b is None:
            return None
        if isinstance(a, DateType) and isinstance(b, DateType):
            if expr.op == "-":
                return DAYS_TYPE
            problem, problem_zh = "two dates cannot be " + ("added" if expr.op == "+" else "multiplied or divided"), \
                "两个日期不能" + ("相加" if expr.op == "+" else "相乘或相除")
        else:
            days, days_expr = (b, expr.right) if isinstance(a, DateType) else (a, expr.left)
            date_first = isinstance(a, DateType)
            if expr.op == "+" or (expr.op == "-" and date_first):
                # the days as written, with their unit or without (`1.5 天`, `1.5`)
                literal = days_expr.value if isinstance(days_expr, ast.Number) and days_expr.unit in (None, "天") \
                    else _literal_value(days_expr)
                if literal is not None and literal != literal.to_integral_value() and isinstance(days, NumberType):
                    self.err("PE203", "a date moves by whole days", days_expr.span, "part of a day",
                             help=f"write a whole number of days, e.g. `{plain(literal.to_integral_value())} 天`",
                             zh=Chinese("日期只能按整天加减", "不足一天",
                                        f"请写整数天，例如 `{plain(literal.to_integral_value())} 天`"))
                    return None
                if isinstance(days, NumberType) and (days.dim == DAYS_TYPE.dim or
                                                     (days.flexible and literal == 0)):
                    return DateType()
                if isinstance(days, NumberType) and days.flexible:
                    shown = plain(literal) if literal is not None else "30"
                    moved = "added to" if expr.op == "+" else "taken from"
                    self.err("PE203", f"a number {moved} a date needs its unit: days", days_expr.span, "which unit?",
                             help=f"write `{shown} 天`",
                             zh=Chinese("与日期相加减的数要写单位：天", "哪个单位？", f"请写 `{shown} 天`"))
                    return None
                problem = f"a date can be moved by a number of days (天), not by {days.describe()}"
                problem_zh = f"日期只能加减天数（天），不能加减{describe_zh(days)}"
            else:
                problem = ("a date cannot be taken from a number" if expr.op == "-"
                           else "a date cannot be multiplied or divided")
                problem_zh = "不能从一个数中减去日期" if expr.op == "-" else "日期不能相乘或相除"
        self.err("PE204", problem, expr.span, help="subtract two dates for the days between them "
                 "(`完成日期 - 计划完成日期`, in 天), or add days to a date (`计划完成日期 + 30 天`)",
                 zh=Chinese(problem_zh, help="两个日期相减得到相差的天数（`完成日期 - 计划完成日期`，单位为天），"
                                             "或给日期加上天数（`计划完成日期 + 30 天`）"))
        return None

    def _dates(self, a: ValueType | None, b: ValueType | None, a_expr: ast.Expr, b_expr: ast.Expr) -> bool:
        """Whether two values compared beside a date are both dates; reports it when not."""
        if a is None or b is None:
            return False
        if isinstance(a, DateType) and isinstance(b, DateType):
            return True
        other = b if isinstance(a, DateType) else a
        self.err("PE204", f"cannot compare a date with {other.describe()}", a_expr.span.to(b_expr.span),
                 help="compare a date with a date, written year-month-day (`完成日期 <= 2023-06-30`; `2023/6/30` "
                      "in a rule is a division), or the days between two dates with a number of days "
                      "(`完成日期 - 计划完成日期 <= 30 天`)",
                 zh=Chinese(f"不能比较日期与{describe_zh(other)}",
                            help="日期请与按年-月-日写的日期比较（`完成日期 <= 2023-06-30`；规则中的 `2023/6/30` "
                                 "是除法），或用两个日期相差的天数与天数比较（`完成日期 - 计划完成日期 <= 30 天`）"))
        return False

    def _comparable(self, a: ValueType | None, b: ValueType | None, a_expr: ast.Expr, b_expr: ast.Expr) -> bool:
        textual = (JudgementType, StringType, TextType)
        if isinstance(a, textual) and isinstance(b, textual):
            for judgement, literal, about in ((a, b_expr, a_expr), (b, a_expr, b_expr)):
                if isinstance(judgement, JudgementType) and isinstance(literal, ast.String) \
                        and literal.value not in judgement.options:
                    self._unknown_judgement(literal, judgement.options, about)
                    return False
            return True
        if isinstance(a, BoolType) and isinstance(b, BoolType):
            return True
        self.err("PE204", f"cannot compare {a.describe()} with {b.describe()}",  # type: ignore[union-attr]
                 a_expr.span.to(b_expr.span), help="compare like with like: numbers with numbers, "
                 "judgements with the quoted judgement texts",
                 zh=Chinese(f"不能比较{describe_zh(a)}与{describe_zh(b)}",  # type: ignore[arg-type]
                            help="请比较同类的值：数与数比较，答案与加引号的答案文字比较"))
        return False

    def _no_subject(self, condition: ast.Expr, previous: ast.Expr | None) -> None:
        if previous is None:
            self.err("PE206", "this tier does not say what it compares", condition.span, "compares what?",
                     help="the first tier must name its subject, e.g. `5 if 偏差率 <= 10%`; later tiers "
                          "may then write just `<= 20%`",
                     zh=Chinese("这一档没有说明比较的是什么", "比较什么？",
                                "第一档必须写出比较对象，例如 `5 if 偏差率 <= 10%`；之后的档才可以只写 `<= 20%`"))
            return
        named = [o for o in previous.operands if not is_literal(o)] if isinstance(previous, ast.Compare) else []
        what = "no fact or value" if isinstance(previous, ast.Compare) and not named else "more than one value"
        self.err("PE206", f"the tier before compares {what} (`{unparse(previous)}`), so this tier does not say "
                          "what it is about", condition.span, "compares what?",
                 help=f"write out what this tier compares, e.g. `实际完成值 {unparse(condition)}` (with the name of "
                      "the value it is about)",
                 zh=Chinese(f"前一档{'的比较中没有事实或计算值' if what == 'no fact or value' else '比较了不止一个值'}"
                            f"（`{unparse(previous)}`），所以这一档没有说明它针对的是什么", "比较什么？",
                            f"请写出这一档比较的是什么，例如 `实际完成值 {unparse(condition)}`"
                            "（用它所针对的值的名称）"))

    def _tiered(self, expr: ast.Tiered, scope: _Scope) -> tuple[ValueType | None, ast.Expr]:
        tiers: list[ast.Tier] = []
        score_types: list[tuple[ValueType | None, ast.Expr]] = []
        ok = True
        previous_subject: ast.Expr | None = None
        previous_condition: ast.Expr | None = None
        for tier in expr.tiers:
            condition = tier.condition
            partial = isinstance(condition, (ast.PartialCompare, ast.PartialBetween))
            if isinstance(condition, (ast.PartialCompare, ast.PartialBetween)):
                if previous_subject is None:
                    if ok:  # one report per chain: the later tiers fail for the same reason
                        self._no_subject(condition, previous_condition)
                    ok = False
                    tiers.append(tier)
                    continue
                if isinstance(condition, ast.PartialCompare):
                    condition = ast.Compare(operands=(previous_subject, condition.right), ops=(condition.op,),
                                            span=condition.span)
                else:
                    condition = ast.Between(subject=previous_subject, low=condition.low, high=condition.high,
                                            span=condition.span)
            condition_type, condition = self._expr(condition, scope)
            ok = self._boolean(condition_type, tier.condition) and ok
            if not partial:
                previous_subject = subject_of(condition)
                previous_condition = condition
            score_type, score = self._expr(tier.score, scope)
            score_types.append((score_type, tier.score))
            tiers.append(attrs.evolve(tier, score=score, condition=condition))
        default = expr.default
        if default is not None:
            default_type, default = self._expr(default, scope)
            score_types.append((default_type, expr.default))  # type: ignore[arg-type]
        resolved = attrs.evolve(expr, tiers=tuple(tiers), default=default)
        if not ok or any(t is None for t, _ in score_types):
            return None, resolved
        if all(isinstance(t, NumberType) for t, _ in score_types):
            return self._unify_all(score_types, "mix"), resolved
        first = score_types[0][0]
        for value_type, value_expr in score_types[1:]:
            if not self._comparable(first, value_type, score_types[0][1], value_expr):
                return None, resolved
        return first, resolved
