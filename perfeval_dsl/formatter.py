"""`perfeval fmt`: one canonical layout for rule files, keeping every comment and the keywords' language.

The layout: one statement a line, two spaces per level of nesting, one space around operators, at most one
blank line where the file had any, a tier chain (or a `score by`'s arms) on one line when it fits in 100
columns and one tier (arm) a line when not (a Chinese character counts as two columns), and every comment
kept, at the statement it was written beside or above. A tier chain written condition first (`若 … 得 …`)
stays condition first. The keywords are written in the language most of the file's keywords were in (or the
one asked for), through `convert`; names, texts and numbers are written as `unparse` writes them, so
formatting never changes what a file means (a property test holds parse(fmt(x)) == parse(x)), and
formatting twice changes nothing. Imports `ast`, `syntax`, `source`, `keywords`, `unparse`, `convert`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import attrs

from perfeval_dsl import ast
from perfeval_dsl.convert import convert_keywords
from perfeval_dsl.errors import Diagnostic
from perfeval_dsl.keywords import KEYWORDS_ZH, quoted_name, quoted_text
from perfeval_dsl.source import Source, display_width
from perfeval_dsl.syntax import keyword_tokens, parse
from perfeval_dsl.unparse import number_text, unparse

WIDTH = 100
_INDENT = "  "
_QUOTES = {'"': '"', "“": "”", "‘": "’", "「": "」", "【": "】"}


@attrs.frozen
class _Statement:
    """Lines of output for one statement, and where the statement was in the source."""

    start: int
    end: int
    depth: int
    lines: tuple[str, ...]
    closing: bool = False  # a block's `}`: comments above it belong to the block's body


@attrs.frozen
class _Comment:
    start: int
    text: str
    trailing: bool  # written after code on its line


def format_rules(source: Source, keywords: str | None = None) -> tuple[str | None, list[Diagnostic]]:
    """The canonical text of a rule file, or None and the syntax error. `keywords` ("zh" or "en") converts
    the keywords; by default they stay in the language most of them are written in."""
    tree, diagnostics = parse(source)
    if tree is None:
        return None, diagnostics
    language = keywords or _language(source)
    statements: list[_Statement] = []
    for item in tree.items:
        _item(item, 0, statements, language, source.text)
    text = _layout(source.text, statements, _comments(source.text))
    if language == "zh":
        converted = convert_keywords(text, "zh", source.name)
        assert converted is not None, "the canonical text parses"
        text = converted
    return text, []


def _language(source: Source) -> str:
    tokens = keyword_tokens(source) or []
    chinese = sum(1 for token in tokens if token.word in KEYWORDS_ZH)
    return "zh" if chinese * 2 > len(tokens) else "en"


# ---- statements ---------------------------------------------------------------------------------


def _add(statements: list[_Statement], node_start: int, node_end: int, depth: int, *lines: str,
         closing: bool = False) -> None:
    statements.append(_Statement(node_start, node_end, depth, lines, closing))


def _item(item: ast.Item, depth: int, out: list[_Statement], language: str, text: str = "") -> None:
    span = item.span
    match item:
        case ast.Title(text=text):
            _add(out, span.start, span.end, depth, f"title {quoted_text(text)}")
        case ast.Total(points=points):
            _add(out, span.start, span.end, depth, f"total {number_text(points)}")
        case ast.Grades(bands=bands):
            _add(out, span.start, span.end, depth, "grades " + ", ".join(_band(band) for band in bands))
        case ast.Rounding(target=target, places=places, down=down, grade_exact=grade_exact):
            zh = language == "zh"  # `取整 总分 保留 0 位 截尾，等级按未取整总分`, as a standard words it
            _add(out, span.start, span.end, depth,
                 f"rounding {target} {'保留 ' if zh else ''}{places} places" + (" down" if down else "")
                 + (("，" if zh else ", ") + "grade_exact" if grade_exact else ""))
        case ast.Veto():
            _add(out, span.start, span.end, depth, _veto(item, language))
        case ast.NotApplicable(mode=mode):
            _add(out, span.start, span.end, depth, f"not_applicable {mode}")
        case ast.FactDecl():
            _add(out, span.start, span.end, depth, _fact(item))
        case ast.Let(name=name, expr=expr):
            _add(out, span.start, span.end, depth, f"let {quoted_name(name)} = {unparse(expr)}")
        case ast.Group(name=name, weight=weight, children=children, vetoes=vetoes):
            head = f"{_head(item, 'group', language, text)} {_label(name)}" + (
                f" weight {_weight(weight)}" if weight is not None else "")
            inner = sorted([*vetoes, *children], key=lambda node: node.span.start)  # as written
            _block(out, item, depth, head,
                   [partial(_item, child, depth + 1, out, language, text) for child in inner])
        case ast.Indicator(name=name, weight=weight, items=items):
            head = f"{_head(item, 'indicator', language, text)} {_label(name)} weight {_weight(weight)}"
            followed = (*items[1:], None)  # what comes after each item; one longer than `items`
            _block(out, item, depth, head,
                   [partial(_indicator_item, inner, depth + 1, out, language, ends=_needs_end(inner, after))
                    for inner, after in zip(items, followed, strict=False)])


def _weight(weight: ast.Number | ast.EqualShare) -> str:
    return "equal" if isinstance(weight, ast.EqualShare) else number_text(weight)


def _head(node: ast.Group | ast.Indicator, keyword: str, language: str, text: str) -> str:
    """The keyword opening a group or an indicator: in a Chinese file, the synonym its author chose (三级指标,
    一级指标, 分组 …, which say where it sits in the report's table), else the canonical one."""
    written = text[node.span.start:node.name_span.start].split()
    if language == "zh" and written and KEYWORDS_ZH.get(written[0]) == keyword:
        return written[0]
    return keyword


def _block(out: list[_Statement], node: ast.Group | ast.Indicator, depth: int, head: str,
           children: list[Callable[[], None]]) -> None:
    """`head {`, the statements of `children` (each adds its own), then `}`."""
    span = node.span
    _add(out, span.start, node.name_span.end, depth, head + " {")
    for add_child in children:
        add_child()
    _add(out, span.end - 1, span.end, depth, "}", closing=True)


def _needs_end(item: ast.IndicatorItem, after: ast.IndicatorItem | None) -> bool:
    """Whether `item` is a `let` that a condition-first score line follows: it needs its `；`."""
    return isinstance(item, ast.Let) and isinstance(after, ast.ScoreExpr) and after.condition_first


def _indicator_item(item: ast.IndicatorItem, depth: int, out: list[_Statement], language: str, *,
                    ends: bool = False) -> None:
    span = item.span
    match item:
        case ast.TextField(kind="direction", text=text):
            _add(out, span.start, span.end, depth, f"direction {text}")
        case ast.TextField(kind="override", text=text):
            _add(out, span.start, span.end, depth, f"override {quoted_name(text)}")
        case ast.TextField(kind=kind, text=text):
            _add(out, span.start, span.end, depth, f"{kind} {quoted_text(text)}")
        case ast.Let(name=name, expr=expr):
            end = "；" if ends else ""
            _add(out, span.start, span.end, depth, f"let {quoted_name(name)} = {unparse(expr)}{end}")
        case ast.Veto():
            _add(out, span.start, span.end, depth, _veto(item, language))
        case ast.IfMissing(score=score):
            if score is None:
                policy = "not_applicable"
            elif language == "zh":  # `缺失时 不得分`, `缺失时 得 2 分`
                policy = "不得分" if score.value == 0 and score.unit is None else f"then {number_text(score)}"
            else:
                policy = number_text(score)
            _add(out, span.start, span.end, depth, f"if_missing {policy}")
        case ast.MovesWeight(targets=targets):
            joined = ("、" if language == "zh" else ", ").join(quoted_name(name) for name in targets)
            _add(out, span.start, span.end, depth, f"if_not_applicable move_weight_to {joined}")
        case ast.ScoreExpr():
            _add(out, span.start, span.end, depth, *_score(item, depth, language))
        case ast.ScoreBy(subject=subject, arms=arms):
            one_line = f"score by {unparse(subject)} {{ " + ", ".join(_arm(arm) for arm in arms) + " }"
            if display_width(one_line) <= WIDTH - len(_INDENT) * depth:
                _add(out, span.start, span.end, depth, one_line)
            else:
                _add(out, span.start, span.end, depth, f"score by {unparse(subject)} {{",
                     *(f"{_INDENT}{_arm(arm)}" for arm in arms), "}")


def _score(item: ast.ScoreExpr, depth: int, language: str) -> list[str]:
    expr = item.expr
    room = WIDTH - len(_INDENT) * depth
    if isinstance(expr, ast.Checklist):  # one item a line, as the standard lists them
        # Each but the last ends with a comma: `得 0` and a next line `人数 …` would read `0 人` and `数`.
        comma = "，" if language == "zh" else ","
        items = [f"{_INDENT}{unparse(i.condition)} then {number_text(i.points)}" for i in expr.items]
        return ["score checklist {", *(item + comma for item in items[:-1]), items[-1], "}"]
    if isinstance(expr, (ast.Deduction, ast.Interpolation)):  # `，` and `→` in a Chinese file
        return [f"score {unparse(expr, lang=language)}"]
    if not isinstance(expr, ast.Tiered):
        return [f"score {unparse(expr)}"]
    if item.condition_first:
        return _condition_first(expr, room, language)
    one_line = f"score {unparse(expr)}"
    if display_width(one_line) <= room:
        return [one_line]
    tiers = [f"{_tier_value(t.score)} if {unparse(t.condition)}" for t in expr.tiers]
    lines = [f"score {tiers[0]}", *(f"{_INDENT}else {tier}" for tier in tiers[1:])]
    if expr.default is not None:
        # After `else` a deduction or checklist stands as it is; a chain keeps its parentheses.
        default = expr.default
        lines.append(f"{_INDENT}else {_tier_value(default) if isinstance(default, ast.Tiered) else unparse(default)}")
    return lines


def _condition_first(expr: ast.Tiered, room: int, language: str) -> list[str]:
    """`if … then 5, else if … then 3, else 0`; in Chinese as standards are written:
    `若 … 得 5 分，否则若 … 得 3 分，否则不得分`."""
    zh = language == "zh"
    clauses = [(f"若 {unparse(t.condition)} 得 " if zh else f"if {unparse(t.condition)} then ") + _tier_value(t.score)
               for t in expr.tiers]
    joined = ["否则" + clause if zh else "else " + clause for clause in clauses[1:]]
    if expr.default is not None:
        nothing = isinstance(expr.default, ast.Number) and expr.default.value == 0
        joined.append("否则不得分" if zh and nothing else ("否则 " if zh else "else ") + _tier_value(expr.default))
    comma = "，" if zh else ", "
    parts = [clauses[0], *joined]
    one_line = comma.join(parts)
    if display_width(one_line) <= room:
        return [one_line]
    sep = comma.rstrip()
    return [parts[0] + sep] + [_INDENT + part + (sep if n < len(parts) - 2 else "") for n, part in enumerate(parts[1:])]


def _veto(veto: ast.Veto, language: str) -> str:
    cap = f"{'，' if language == 'zh' else ', '}grade_at_most {_label(veto.grade_cap)}" if veto.grade_cap else ""
    return f"veto if {unparse(veto.condition)}{cap}"


_LOOSEST = (ast.Tiered, ast.Deduction, ast.Checklist, ast.Proportion, ast.Judged, ast.Interpolation)


def _tier_value(expr: ast.Expr) -> str:
    text = unparse(expr)
    # A chain, a deduction, a checklist, a proportion or a judged score inside a tier keeps its parentheses.
    return f"({text})" if isinstance(expr, _LOOSEST) else text


def _arm(arm: ast.MatchArm) -> str:
    head = quoted_text(arm.value.value) if arm.value is not None else "otherwise"
    return f"{head} -> {unparse(arm.score)}"


def _band(band: ast.GradeBand) -> str:
    if band.threshold is None:
        return f"{_label(band.label)} otherwise"
    return f"{_label(band.label)} {band.op} {number_text(band.threshold)}"


def _fact(item: ast.FactDecl) -> str:
    return f"fact {_fact_body(item)}"


def _fact_body(item: ast.FactDecl) -> str:
    """`名称: 单位 …`: a fact's declaration after `fact`, or a list's field."""
    declared = item.type
    match declared.kind:
        case "unit":
            kind = declared.unit or ""
        case "judgement":
            kind = " | ".join(quoted_text(option.value) for option in declared.options)
        case "list":
            kind = "list { " + ", ".join(_fact_body(field) for field in declared.fields) + " }"
        case other:
            kind = other
    text = f"{quoted_name(item.name)}: {kind}"
    if item.range is not None:
        text += f" between {number_text(item.range.low)} and {number_text(item.range.high)}"
    return text


def _label(name: str) -> str:
    """A group's, indicator's or grade's name: bare when it can be, else as a quoted text (as reports and
    the seed write a name holding `、`)."""
    return name if quoted_name(name) == name else quoted_text(name)


# ---- comments and layout ------------------------------------------------------------------------


def _comments(text: str) -> list[_Comment]:
    """Every comment: a `#` (or `＃`) outside quotes, to the end of its line."""
    found = []
    line_start = 0
    for line in text.split("\n"):
        closing: str | None = None
        code = False
        for index, char in enumerate(line):
            if closing is not None:
                if char == closing:
                    closing = None
            elif char in _QUOTES:
                closing = _QUOTES[char]
                code = True
            elif char in "#＃":
                found.append(_Comment(line_start + index, line[index:].rstrip(), code))
                break
            elif not char.isspace():
                code = True
        line_start += len(line) + 1
    return found


def _layout(text: str, statements: list[_Statement], comments: list[_Comment]) -> str:
    before: dict[int, list[_Comment]] = {}
    after: dict[int, list[_Comment]] = {}
    for comment in comments:
        if comment.trailing:
            owner = max((i for i, s in enumerate(statements) if s.start <= comment.start), default=None)
            if owner is not None:
                after.setdefault(owner, []).append(comment)
                continue
        # an own-line comment goes above the statement it stands in, or the next one
        owner = next((i for i, s in enumerate(statements) if s.end > comment.start), None)
        before.setdefault(owner if owner is not None else len(statements), []).append(comment)
    lines: list[str] = []
    previous_end: int | None = None

    def gap(start: int) -> None:
        """A blank line where the source had at least one (never two, never at the top)."""
        if previous_end is not None and lines and lines[-1] != "" and text.count("\n", previous_end, start) >= 2:
            lines.append("")

    for index, statement in enumerate([*statements, None]):
        depth = 0 if statement is None else statement.depth + statement.closing
        for comment in before.get(index, []):
            gap(comment.start)
            lines.append(_INDENT * depth + comment.text)
            previous_end = comment.start + len(comment.text)
        if statement is None:
            break
        gap(statement.start)
        body = [(_INDENT * statement.depth + line) if line else "" for line in statement.lines]
        trailing = after.get(index, [])
        if trailing:
            body[-1] += "  " + trailing[0].text
            body.extend(_INDENT * statement.depth + comment.text for comment in trailing[1:])
        lines.extend(body)
        previous_end = max([statement.end, *(c.start + len(c.text) for c in trailing)])
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""
