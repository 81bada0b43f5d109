"""Expressions back to text, in one canonical spelling, optionally with values substituted.

Traces and the JSON document show rules this way: `基本支出偏差率 <= 10%`, and with values
`(8,567,111.51 元 - 8,567,111.51 元) / 8,567,111.51 元`. A tier that left out its subject shows it filled in,
so a reader sees what was compared. Imports `ast`, `keywords`, `values`.
"""

from __future__ import annotations

from collections.abc import Callable

from perfeval_dsl import ast
from perfeval_dsl.keywords import quoted_name, quoted_text
from perfeval_dsl.values import normalise_width, plain

# Lower binds looser; used to decide where parentheses are needed.
_PRECEDENCE = {"tiered": 0, "or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6,
               "unary": 7, "atom": 8}
_SHOWN_OP = {"<=": "<=", ">=": ">=", "==": "==", "!=": "!=", "<": "<", ">": ">"}

ValueText = Callable[[str], "str | None"]


def _level(expr: ast.Expr) -> int:
    match expr:
        case ast.Tiered() | ast.Deduction() | ast.Checklist() | ast.Proportion() | ast.Judged() | ast.Interpolation():
            return _PRECEDENCE["tiered"]
        case ast.BoolOp(op=op):
            return _PRECEDENCE[op]
        case ast.Not():
            return _PRECEDENCE["not"]
        case ast.Compare() | ast.Between() | ast.PartialCompare() | ast.PartialBetween():
            return _PRECEDENCE["compare"]
        case ast.Binary(op=op):
            return _PRECEDENCE[op]
        case ast.Unary():
            return _PRECEDENCE["unary"]
    return _PRECEDENCE["atom"]


def number_text(number: ast.Number) -> str:
    if number.unit is None:
        return plain(number.value)
    unit = normalise_width(number.unit)
    return f"{plain(number.value)}{unit}" if unit in ("%", "‰") else f"{plain(number.value)} {unit}"


# The keywords of an expression, per language (`zh`: as a Chinese trace shows them).
_WORDS = {
    "en": {"if": "if", "else": "else", "between": "between", "to": "and", "and": "and", "or": "or", "not": "not",
           "true": "true", "false": "false", "weight": "weight", "by": "by", "per": "per", "deduct": "deduct",
           "limit": "limit", "prorated": "prorated", "checklist": "checklist", "then": "then", ",": ", ",
           "to_target": "to", "judged": "judged", "interpolate": "interpolate", "->": "->"},
    "zh": {"if": "若", "else": "否则", "between": "介于", "to": "与", "and": "且", "or": "或", "not": "非",
           "true": "是", "false": "否", "weight": "分值", "by": "按", "per": "每", "deduct": "扣", "limit": "最多扣",
           "prorated": "按比例", "checklist": "逐项", "then": "得", ",": "，", "to_target": "对",
           "judged": "评定", "interpolate": "插值", "->": "→"},
}


def unparse(expr: ast.Expr, value_of: ValueText | None = None, lang: str = "en") -> str:
    """Canonical text of `expr`, its keywords in `lang`. With `value_of`, names it returns a text for are
    replaced by that text."""
    words = _WORDS[lang]

    def sub(child: ast.Expr, level: int, right: bool = False) -> str:
        text = go(child)
        child_level = _level(child)
        if child_level < level or (right and child_level == level and level in (5, 6)):
            return f"({text})"
        return text

    def go(e: ast.Expr) -> str:
        match e:
            case ast.Number():
                return number_text(e)
            case ast.Date(text=text):
                return text  # as written: 2023-06-30 or 2023年6月30日
            case ast.String(value=value):
                return quoted_text(value)
            case ast.Bool(value=value):
                return words["true"] if value else words["false"]
            case ast.FieldRef(name=name, field=field):
                return f"{quoted_name(name)}.{quoted_name(field)}"
            case ast.Ref(name=name):
                shown = value_of(name) if value_of is not None else None
                if shown is not None:
                    return shown
                return quoted_name(name)
            case ast.WeightRef():
                shown = value_of("weight") if value_of is not None else None
                return shown if shown is not None else words["weight"]
            case ast.Call(function=function, args=args):
                return f"{function}(" + ", ".join(go(a) for a in args) + ")"
            case ast.Unary(op=op, operand=operand):
                return op + sub(operand, _PRECEDENCE["unary"])
            case ast.Binary(op=op, left=left, right=right):
                level = _PRECEDENCE[op]
                return f"{sub(left, level)} {op} {sub(right, level, right=True)}"
            case ast.Compare(operands=operands, ops=ops):
                parts = [sub(operands[0], 5)]
                for op, operand in zip(ops, operands[1:], strict=True):
                    parts += [_SHOWN_OP[op], sub(operand, 5)]
                return " ".join(parts)
            case ast.Between(subject=subject, low=low, high=high):
                return f"{sub(subject, 5)} {words['between']} {sub(low, 5)} {words['to']} {sub(high, 5)}"
            case ast.PartialCompare(op=op, right=right):
                return f"{_SHOWN_OP[op]} {sub(right, 5)}"
            case ast.PartialBetween(low=low, high=high):
                return f"{words['between']} {sub(low, 5)} {words['to']} {sub(high, 5)}"
            case ast.BoolOp(op=op, operands=operands):
                level = _PRECEDENCE[op]
                return f" {words[op]} ".join(sub(o, level + 1) for o in operands)
            case ast.Not(operand=operand):
                return words["not"] + " " + sub(operand, _PRECEDENCE["not"])
            case ast.Tiered(tiers=tiers, default=default):
                parts = [f"{sub(t.score, 1)} {words['if']} {sub(t.condition, 1)}" for t in tiers]
                if default is not None:
                    parts.append(sub(default, 1))
                return f" {words['else']} ".join(parts)
            case ast.Deduction(base=base, steps=steps, limit=limit, prorated=prorated):
                parts = [f"{words['by']} {sub(s.gap, 5)} {words['per']} {number_text(s.step)} "
                         f"{words['deduct']} {number_text(s.points)}" for s in steps]
                if limit is not None:
                    parts.append(f"{words['limit']} {number_text(limit)}")
                if prorated:
                    parts.append(words["prorated"])
                text = words[","].join(parts)
                return f"{sub(base, 5)} {text}" if base is not None else text
            case ast.Checklist(items=items):
                listed = words[","].join(f"{sub(item.condition, 1)} {words['then']} {number_text(item.points)}"
                                         for item in items)
                return f"{words['checklist']} {{ {listed} }}"
            case ast.Proportion(actual=actual, target=target):
                return f"{words['prorated']} {sub(actual, 5)} {words['to_target']} {sub(target, 5)}"
            case ast.Interpolation(subject=subject, levels=levels):
                listed = words[","].join(f"{number_text(x)} {words['->']} {number_text(y)}" for x, y in levels)
                return f"{words['by']} {sub(subject, 5)} {words['interpolate']} {{ {listed} }}"
            case ast.Judged(value=value, low=low, high=high):
                return (f"{words['judged']} {sub(value, 5)} {words['between']} {number_text(low)} {words['to']} "
                        f"{number_text(high)}")
        raise AssertionError(f"unhandled expression {e!r}")  # pragma: no cover

    return go(expr)
