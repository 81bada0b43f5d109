"""Text to syntax tree: the only module that knows about Lark.

Loads grammar/perfeval.lark once (LALR, positions kept, Lark's grammar cache on), parses a `Source`, and
turns Lark's tree into `perfeval_dsl.ast` nodes with spans. Lark's exceptions never leave this module: a
syntax error becomes a `Diagnostic` whose message and help speak of the rule file, not of parser states.
Only the first syntax error is reported; after it, the parser's guesses would mislead more than help.
Imports `source`, `errors`, `ast`, `values`.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
import lark
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from perfeval_dsl import ast
from perfeval_dsl.errors import Chinese, Diagnostic, did_you_mean, error, suggest
from perfeval_dsl.grammar_file import grammar_text
from perfeval_dsl.keywords import KEYWORDS, KEYWORDS_ZH
from perfeval_dsl.source import Source, Span, first_control
from perfeval_dsl.values import UNITS, DateTextError, literal_number, normalise_width, parse_date_text

_COMPARISONS = {
    "<=": "<=", "≤": "<=", "≦": "<=", "＜＝": "<=",
    ">=": ">=", "≥": ">=", "≧": ">=", "＞＝": ">=",
    "==": "==", "＝＝": "==",
    "!=": "!=", "≠": "!=", "！＝": "!=",
    "<": "<", "＜": "<",
    ">": ">", "＞": ">",
}
_ARITHMETIC = {"+": "+", "＋": "+", "-": "-", "－": "-", "−": "-",
               "*": "*", "×": "*", "＊": "*", "/": "/", "÷": "/", "／": "/"}


@functools.cache
def parser() -> Lark:
    # The cache keeps start-up fast: Lark stores the analysed LALR tables in the temp folder, keyed by a
    # hash of the grammar and options, and rebuilds them only when those change.
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=True,
    )


def parse(source: Source) -> tuple[ast.RuleFile | None, list[Diagnostic]]:
    """Parse a rule file. Returns the tree, or None and the syntax error as a diagnostic."""
    control = first_control(source.text)
    if control is not None:
        code = ord(source.text[control])
        return None, [error("PE101", f"the rule file holds a control character (U+{code:04X}), which is never "
                                     "part of a rule", source.span(control, control + 1), "control character",
                            help="delete it; it often comes from copying text out of another program",
                            zh=Chinese(f"规则文件中有控制字符（U+{code:04X}），它不属于任何规则", "控制字符",
                                       "请删除它；它常来自从其他程序复制的文字"))]
    try:
        tree = parser().parse(source.text)
    except UnexpectedInput as exc:
        return None, [_syntax_diagnostic(source, exc)]
    except RecursionError:
        span = source.span(0, min(1, len(source.text)))
        return None, [error("PE102", "the rule file nests too deeply to read", span,
                            help="split deeply nested parentheses into named `let` values",
                            zh=_TOO_DEEP_ZH)]
    try:
        return _ToAst(source).transform(tree), []
    except VisitError as exc:  # a bug in a transformer callback, not a user error, unless it ran out of stack
        if not isinstance(exc.orig_exc, RecursionError):
            raise exc.orig_exc from exc
        span = source.span(0, min(1, len(source.text)))
        return None, [error("PE102", "the rule file nests too deeply to read", span,
                            help="split deeply nested parentheses into named `let` values",
                            zh=_TOO_DEEP_ZH)]
    except RecursionError:
        span = source.span(0, min(1, len(source.text)))
        return None, [error("PE102", "the rule file nests too deeply to read", span,
                            help="split deeply nested parentheses into named `let` values",
                            zh=_TOO_DEEP_ZH)]


_TOO_DEEP_ZH = Chinese("规则文件嵌套太深，无法读取", help="请把层层嵌套的括号拆成用 `let` 命名的值")


@attrs.frozen
class KeywordToken:
    """A keyword as written in a rule file: where, the word, the rule it belongs to (`and_op`, `between`,
    `grade_otherwise`, …) and, for `group`, how deeply the group is nested (1 for a 一级指标)."""

    start: int
    end: int
    word: str
    rule: str
    depth: int = 0


@functools.cache
def _token_parser() -> Lark:
    return Lark(grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=True, keep_all_tokens=True, cache=True)


def keyword_tokens(source: Source) -> list[KeywordToken] | None:
    """Every keyword of a rule file, in order; None if the file does not parse."""
    words = set(KEYWORDS) | set(KEYWORDS_ZH)
    try:
        tree = _token_parser().parse(source.text)
    except (UnexpectedInput, RecursionError):
        return None
    found: list[KeywordToken] = []
    stack: list[tuple[lark.Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        depth += node.data == "group"
        for child in node.children:
            if isinstance(child, lark.Tree):
                stack.append((child, depth))
            elif isinstance(child, Token) and str(child) in words and child.type not in _NOT_KEYWORDS:
                found.append(KeywordToken(child.start_pos or 0, child.end_pos or 0, str(child), str(node.data),
                                          depth))
    return sorted(found, key=lambda token: token.start)


_NOT_KEYWORDS = {"NAME", "QUOTED_NAME", "STRING", "UNIT", "NUMBER"}
_NAME_CANNOT_START = ("若", "如果", "否则")  # the grammar's NAME says the same


# ---- syntax errors ------------------------------------------------------------------------------

_TERMINAL_WORDS = {
    "NAME": "a name", "QUOTED_NAME": "a name", "NUMBER": "a number", "STRING": 'a quoted text ("…")',
    "UNIT": "a unit", "COMPOP": "a comparison (<=, >=, ==, …)", "ADDOP": "`+` or `-`", "MULOP": "`*` or `/`",
    "_EQ": "`=`", "_COLON": "`:`", "_COMMA": "`,`", "_BAR": "`|`", "_ARROW": "`->`", "_LPAR": "`(`",
    "_RPAR": "`)`", "_LBRACE": "`{`", "_RBRACE": "`}`", "$END": "the end of the file",
}
# The words of `_TERMINAL_WORDS` that are not code, in Chinese (for the Chinese help).
_TERMINAL_WORDS_ZH = {
    "a name": "名称", "a number": "数", 'a quoted text ("…")': '带引号的文字（"…"）', "a unit": "单位",
    "a comparison (<=, >=, ==, …)": "比较符号（<=、>=、== 等）", "the end of the file": "文件结尾",
}


def _in_chinese(words: Sequence[str]) -> list[str]:
    return [_TERMINAL_WORDS_ZH.get(word, word) for word in words]


def _expected_words(expected: Sequence[str]) -> list[str]:
    words = set()
    for name in expected:
        if name in _TERMINAL_WORDS:
            words.add(_TERMINAL_WORDS[name])
        elif name.lower() in KEYWORDS:
            words.add(f"`{name.lower()}`")
    # Closers first: the list is cut short in messages, and a missing `}` is the likeliest mistake.
    closers = ("`}`", "`)`", "the end of the file")
    return sorted(words, key=lambda word: (word not in closers, word))


def _syntax_diagnostic(source: Source, exc: UnexpectedInput) -> Diagnostic:
    text = source.text
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        return _unexpected_character(source, char, pos)
    if isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END"
    ):
        end = len(text.rstrip())
        span = source.span(max(0, end - 1), max(end, 1)) if text.strip() else source.span(0, 0)
        expected = _expected_words(getattr(exc, "expected", ()) or ())
        help_text = "check that every `{` has its `}` and every `(` its `)`"
        help_zh = "请检查每个 `{` 都有对应的 `}`，每个 `(` 都有对应的 `)`"
        if expected:
            help_text = "the file ends where I expected " + ", ".join(expected[:6]) + "; " + help_text
            help_zh = "文件结束处本应是 " + "、".join(_in_chinese(expected[:6])) + "；" + help_zh
        return error("PE103", "the rule file ends in the middle of a statement", span, "ends here",
                     help=help_text, zh=Chinese("规则文件在一条语句的中间结束了", "在此结束", help_zh))
    assert isinstance(exc, UnexpectedToken)
    token: Token = exc.token
    if token.type in ("_SEMI", "_STOP"):  # punctuation the grammar takes only between a standard's clauses
        return _unexpected_character(source, str(token), token.start_pos or 0)
    start = token.start_pos if token.start_pos is not None else 0
    end = token.end_pos if token.end_pos is not None else start + len(str(token))
    span = source.span(start, max(end, start + 1))
    accepted = _accepted(exc)
    word = str(token)
    if token.type == "NAME":  # `10 万人民币`: a unit (万人) ran into the rest of an unknown word
        glued_start = start
        while glued_start > 0 and (text[glued_start - 1].isalnum() or text[glued_start - 1] in "%％‰"):
            glued_start -= 1
        if glued_start < start and normalise_width(text[glued_start:start]) in UNITS \
                and _after_number(text, glued_start):
            start, word = glued_start, text[glued_start:end]
            span = source.span(start, end)
    if token.type in ("NAME", "QUOTED_NAME") and _after_number(text, start):
        close = suggest(word, UNITS)
        help_text = (f"{did_you_mean(word, UNITS)} " if close else "") + "the units are listed in docs/language.md"
        help_zh = ("是否想写 " + " 或 ".join(f"`{unit}`" for unit in close) + "？" if close else "") + \
            "可用的单位见 docs/language.md"
        return error("PE210", f"`{word}` is not a unit I know", span, "unknown unit", help=help_text,
                     zh=Chinese(f"不认识的单位 `{word}`", "未知单位", help_zh))
    helps = _help_for_token(token, accepted | set(exc.expected), text, start)
    expected = _expected_words(sorted(accepted))
    if helps is None and expected:
        helps = ("here I expected " + ", ".join(expected[:8]), "此处应为 " + "、".join(_in_chinese(expected[:8])))
    return error("PE102", f"I did not expect `{word}` here", span, "unexpected",
                 help=helps[0] if helps else None,
                 zh=Chinese(f"此处不应出现 `{word}`", "不应出现", helps[1] if helps else None))


def _unexpected_character(source: Source, char: str, pos: int) -> Diagnostic:
    help_text, help_zh = _help_for_character(char, source.text, pos)
    return error("PE101", f"I do not understand the character `{char}` here", source.span(pos, pos + 1),
                 "unexpected", help=help_text, zh=Chinese(f"此处不能识别字符 `{char}`", "无法识别", help_zh))


def _accepted(exc: UnexpectedToken) -> set[str]:
    """The terminals the parser could really take at the error. `exc.expected` is wider: LALR merges
    states, so it lists what could follow in any of them."""
    try:
        return set(exc.interactive_parser.accepts())  # type: ignore[no-untyped-call]
    except Exception:  # the wider set is still a useful answer
        return set(exc.expected)


def _after_number(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return bool(before) and before[-1] in "0123456789０１２３４５６７８９"


def _help_for_character(char: str, text: str, pos: int) -> tuple[str, str]:
    """How to fix an unexpected character, in English and Chinese."""
    if char in "\"“”":
        return ("a quoted text must end on the same line it starts; close it with the same kind of quote",
                "带引号的文字必须在同一行内结束：请用同一种引号把它闭合")
    if char == "=":
        return ("to compare, write `==` (or `>=`, `<=`); a single `=` only names a value in `let`",
                "比较请写 `==`（或 `>=`、`<=`）；单个 `=` 只用于 `令`（let）定义计算值")
    if char in "；;":
        return ("statements need no `;` — start the next one on a new line",
                "语句末尾不需要 `；`，下一条语句另起一行即可")
    if char == "。":
        return ("a `。` may end a standard written condition first (`若…得5分，否则不得分。`); elsewhere, delete it",
                "`。` 只能用在条件在前的评分标准末尾（`若…得5分，否则不得分。`）；其他位置请删除")
    if char in "、":
        return ("a name containing `、` must be quoted: write it as 「名称」 or, for an indicator, \"名称\"",
                "含有 `、` 的名称要加引号：写作「名称」，指标名称也可写作 \"名称\"")
    return "remove it, or quote the text it belongs to", "请删除它，或把它所在的文字加上引号"


_LET_LINE = re.compile(r"^[ \t\u3000]*(?:let|令|设)\s*(\S+?)\s*[=＝]", re.MULTILINE)


def _let_taking_a_condition(text: str, pos: int) -> str | None:
    """The name of a `令` whose statement runs on into a condition-first score line before `pos`, if any."""
    lets = list(_LET_LINE.finditer(text, 0, pos))
    if not lets:
        return None
    last = lets[-1]
    tail = text[last.end():pos]
    newline = tail.find("\n")
    if newline < 0 or not re.match(r"\s*(?:若|如果|if\b)", tail[newline:]):
        return None
    return last.group(1)


def _help_for_token(token: Token, expected: set[str], text: str, pos: int) -> tuple[str, str] | None:
    """How to fix an unexpected word or symbol, in English and Chinese; None when nothing specific fits."""
    word = str(token)
    before = text[:pos].rstrip()
    if token.type == "_COMMA" and before.endswith(tuple("0123456789")) and text[pos + 1 : pos + 2].isdigit():
        return ("write numbers in a rule file without thousands separators, e.g. `8567111.51 元`",
                "规则文件中的数字不要写千位分隔符，例如 `8567111.51 元`")
    if token.type == "_LBRACE" and "WEIGHT" in expected:
        return ("every indicator needs its weight (分值): `indicator 名称 weight 5 { … }`",
                "每个指标都要写分值：`指标 名称 分值 5 { … }`")
    if token.type == "_EQ":
        return ("to compare, write `==` (or `>=`, `<=`); a single `=` only names a value in `let`",
                "比较请写 `==`（或 `>=`、`<=`）；单个 `=` 只用于 `令`（let）定义计算值")
    if word in _NAME_CANNOT_START and "NAME" in expected:
        run = re.match(r"\w+", text[pos:])
        name = run.group() if run else word
        return (f"a name cannot start with `{word}`, which begins a condition (`若…得…`): write the name in "
                f"corner brackets, 「{name}」, here and wherever it is used",
                f"名称不能以 `{word}` 开头（它表示条件：`若…得…`）：请把名称写在「」中，写作「{name}」，各处一致")
    if word in ("得", "then"):
        let = _let_taking_a_condition(text, pos)
        if let is not None:
            return (f"the derived value `{let}` on the line before takes this `若 …` as one of its tiers: end that "
                    "line with `；` (`令 … = …；`), or write the score line before the `令`",
                    f"上一行的计算值 `{let}` 把这里的 `若 …` 当成了它自己的一档：请在那一行末尾加 `；`"
                    "（`令 … = …；`），或把得分行写在 `令` 之前")
    statement = before[before.rfind("score"):]
    if token.type == "OTHERWISE" and re.search(r"(^|[\s\d%％])if([\s\w]|$)", statement) and "{" not in statement:
        return ("in a tier chain the last value comes after `else`: `5 if … else 0`",
                "分档规则最后一档写在 `否则`（else）之后：`5 若 … 否则 0`")
    if token.type == "STRING" and "NAME" in expected:
        return (f"a fact or value is named without quotes: `{word[1:-1]}`; a name with punctuation such as "
                f"`、` goes in corner brackets: 「{word[1:-1]}」",
                f"事实或计算值的名称不加引号：`{word[1:-1]}`；含 `、` 等标点的名称写在「」中：「{word[1:-1]}」")
    if token.type == "NAME":
        glued = next((k for k in sorted(KEYWORDS, key=len, reverse=True)
                      if word.startswith(k) and len(word) > len(k) and not word[len(k)].isascii()), None)
        if glued is not None:
            return (f"put a space after the keyword `{glued}`: `{glued} {word[len(glued):]}`",
                    f"在关键字 `{glued}` 后面加一个空格：`{glued} {word[len(glued):]}`")
        if word.lower() in KEYWORDS and word not in KEYWORDS:
            return (f"keywords are lower case: write `{word.lower()}`", f"英文关键字用小写：写作 `{word.lower()}`")
        keywords = [k for k in KEYWORDS if k.upper() in expected] or list(KEYWORDS)
        close = suggest(word, keywords)
        if close:
            shown = " 或 ".join(f"`{k}`" for k in close)
            return (f"`{word}` is not a keyword; {did_you_mean(word, keywords)}",
                    f"`{word}` 不是关键字；是否想写 {shown}？")
    return None


# ---- Lark tree to perfeval syntax tree -----------------------------------------------------------


def _unquote(token: Token) -> str:
    return str(token)[1:-1]


class _ToAst(Transformer[Token, Any]):
    """Lark's tree to `ast` nodes. Each method takes the node's position (`meta`) and its children."""

    __visit_tokens__ = False  # tokens stay tokens: no method is named after a terminal

    def _call_userfunc(self, tree: lark.Tree[Token], new_children: list[Any] | None = None) -> Any:
        # What `v_args(meta=True)` does, without wrapping each method again at every node: a third of the
        # parse time of a large rule file went to those wrappers.
        children = new_children if new_children is not None else tree.children
        method = getattr(self, tree.data, None)
        if method is None:
            return self.__default__(tree.data, children, tree.meta)  # type: ignore[no-untyped-call]
        try:
            return method(tree.meta, children)
        except Exception as exc:
            raise VisitError(tree.data, tree, exc) from exc  # type: ignore[no-untyped-call]

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    def _span(self, meta: Any) -> Span:
        if getattr(meta, "empty", True):
            return self.source.span(0, 0)
        return self.source.span(meta.start_pos, meta.end_pos)

    def _token_span(self, token: Token) -> Span:
        return self.source.span(token.start_pos or 0, token.end_pos or 0)

    # -- file and header
    def start(self, meta: Any, items: list[ast.Item]) -> ast.RuleFile:
        return ast.RuleFile(items=tuple(items), span=self.source.span(0, len(self.source.text)))

    def title(self, meta: Any, children: list[Token]) -> ast.Title:
        return ast.Title(text=_unquote(children[0]), span=self._span(meta))

    def total(self, meta: Any, children: list[ast.Number]) -> ast.Total:
        return ast.Total(points=children[0], span=self._span(meta))

    def grades(self, meta: Any, bands: list[ast.GradeBand]) -> ast.Grades:
        return ast.Grades(bands=tuple(bands), span=self._span(meta))

    def rounding(self, meta: Any, children: list[Any]) -> ast.Rounding:
        target, places, mode, *rest = children
        return ast.Rounding(target=target, places=int(literal_number(str(places))), down=mode == "down",
                            grade_exact=bool(rest), span=self._span(meta))

    def not_applicable(self, meta: Any, children: list[Any]) -> ast.NotApplicable:
        return ast.NotApplicable(mode="rescale", span=self._span(meta))

    def round_indicators(self, meta: Any, children: list[Any]) -> str:
        return "indicators"

    def round_groups(self, meta: Any, children: list[Any]) -> str:
        return "groups"

    def round_total(self, meta: Any, children: list[Any]) -> str:
        return "total"

    def half_up(self, meta: Any, children: list[Any]) -> str:
        return "half_up"

    def round_down(self, meta: Any, children: list[Any]) -> str:
        return "down"

    def grade_exact(self, meta: Any, children: list[Any]) -> bool:
        return True

    def grade_at_least(self, meta: Any, children: list[Any]) -> ast.GradeBand:
        label, op, number = children
        threshold = ast.Number(value=literal_number(str(number)), unit=None, span=self._token_span(number))
        return ast.GradeBand(label=self._label(label)[0], op=_COMPARISONS[str(op)], threshold=threshold,
                             span=self._span(meta))

    def grade_otherwise(self, meta: Any, children: list[Any]) -> ast.GradeBand:
        return ast.GradeBand(label=self._label(children[0])[0], op=None, threshold=None, span=self._span(meta))

    # -- names: each becomes (text, span)
    def name(self, meta: Any, children: list[Token]) -> tuple[str, Span]:
        token = children[0]
        text = _unquote(token) if token.type == "QUOTED_NAME" else str(token)
        return text, self._token_span(token)

    def _label(self, child: Any) -> tuple[str, Span]:
        if isinstance(child, Token):
            return _unquote(child), self._token_span(child)
        return child  # type: ignore[no-any-return]

    # -- facts and lets
    def fact_decl(self, meta: Any, children: list[Any]) -> ast.FactDecl:
        (name, name_span), fact_type, *rest = children
        return ast.FactDecl(name=name, type=fact_type, range=rest[0] if rest else None, span=self._span(meta),
                            name_span=name_span)

    def fact_range(self, meta: Any, children: list[ast.Number]) -> ast.FactRange:
        low, high = children
        return ast.FactRange(low=low, high=high, span=self._span(meta))

    def signed_quantity(self, meta: Any, children: list[Any]) -> ast.Number:
        *sign, number = children
        assert isinstance(number, ast.Number)
        if sign and normalise_width(str(sign[0])) in ("-", "−"):
            return attrs.evolve(number, value=-number.value, span=self._span(meta))
        return attrs.evolve(number, span=self._span(meta))

    def unit_type(self, meta: Any, children: list[Token]) -> ast.FactTypeDecl:
        return ast.FactTypeDecl(kind="unit", unit=normalise_width(children[0]), span=self._span(meta))

    def number_type(self, meta: Any, children: list[Any]) -> ast.FactTypeDecl:
        return ast.FactTypeDecl(kind="number", span=self._span(meta))

    def boolean_type(self, meta: Any, children: list[Any]) -> ast.FactTypeDecl:
        return ast.FactTypeDecl(kind="boolean", span=self._span(meta))

    def text_type(self, meta: Any, children: list[Any]) -> ast.FactTypeDecl:
        return ast.FactTypeDecl(kind="text", span=self._span(meta))

    def fact_type(self, meta: Any, children: list[ast.FactTypeDecl]) -> ast.FactTypeDecl:
        return children[0]  # a list's type: the one alternative without a name of its own

    field_type = fact_type

    def list_type(self, meta: Any, children: list[ast.FactDecl]) -> ast.FactTypeDecl:
        return ast.FactTypeDecl(kind="list", fields=tuple(children), span=self._span(meta))

    def list_field(self, meta: Any, children: list[Any]) -> ast.FactDecl:
        (name, name_span), fact_type = children
        return ast.FactDecl(name=name, type=fact_type, range=None, span=self._span(meta), name_span=name_span)

    def date_type(self, meta: Any, children: list[Any]) -> ast.FactTypeDecl:
        return ast.FactTypeDecl(kind="date", span=self._span(meta))

    def judgement_type(self, meta: Any, children: list[Token]) -> ast.FactTypeDecl:
        options = tuple(ast.String(value=_unquote(t), span=self._token_span(t)) for t in children)
        return ast.FactTypeDecl(kind="judgement", options=options, span=self._span(meta))

    def let_decl(self, meta: Any, children: list[Any]) -> ast.Let:
        (name, name_span), expr = children
        return ast.Let(name=name, expr=expr, span=self._span(meta), name_span=name_span)

    # -- tree
    def group(self, meta: Any, children: list[Any]) -> ast.Group:
        name, name_span = self._label(children[0])
        rest = children[1:]
        weight = None
        if rest and isinstance(rest[0], (ast.Number, ast.EqualShare)):
            weight, rest = rest[0], rest[1:]
        return ast.Group(name=name, weight=weight, children=tuple(c for c in rest if not isinstance(c, ast.Veto)),
                         span=self._span(meta), name_span=name_span,
                         vetoes=tuple(c for c in rest if isinstance(c, ast.Veto)))

    def veto(self, meta: Any, children: list[Any]) -> ast.Veto:
        condition, *cap = children
        return ast.Veto(condition=condition, grade_cap=cap[0] if cap else None, span=self._span(meta))

    def grade_cap(self, meta: Any, children: list[Any]) -> str:
        label: str = self._label(children[0])[0]
        return label

    def indicator(self, meta: Any, children: list[Any]) -> ast.Indicator:
        name, name_span = self._label(children[0])
        return ast.Indicator(name=name, weight=children[1], items=tuple(children[2:]), span=self._span(meta),
                             name_span=name_span)

    def weight(self, meta: Any, children: list[ast.Number | ast.EqualShare]) -> ast.Number | ast.EqualShare:
        return children[0]

    def equal_share(self, meta: Any, children: list[Any]) -> ast.EqualShare:
        return ast.EqualShare(span=self._span(meta))

    def _text_field(self, kind: str, meta: Any, children: list[Token]) -> ast.TextField:
        return ast.TextField(kind=kind, text=_unquote(children[0]), span=self._span(meta))

    def explanation(self, meta: Any, children: list[Token]) -> ast.TextField:
        return self._text_field("explanation", meta, children)

    def standard(self, meta: Any, children: list[Token]) -> ast.TextField:
        return self._text_field("standard", meta, children)

    def target(self, meta: Any, children: list[Token]) -> ast.TextField:
        return self._text_field("target", meta, children)

    def direction(self, meta: Any, children: list[Token]) -> ast.TextField:
        return ast.TextField(kind="direction", text=str(children[0]), span=self._token_span(children[0]))

    def override(self, meta: Any, children: list[Any]) -> ast.TextField:
        name, _ = children[0]
        return ast.TextField(kind="override", text=name, span=self._span(meta))

    def if_missing(self, meta: Any, children: list[Any]) -> ast.IfMissing:
        policy = children[0]
        return ast.IfMissing(score=policy if isinstance(policy, ast.Number) else None, span=self._span(meta))

    def missing_not_applicable(self, meta: Any, children: list[Any]) -> str:
        return "not_applicable"

    def moves_weight(self, meta: Any, children: list[Any]) -> ast.MovesWeight:
        labels = [self._label(child) for child in children]
        return ast.MovesWeight(targets=tuple(name for name, _ in labels),
                               target_spans=tuple(span for _, span in labels), span=self._span(meta))

    def score_expr(self, meta: Any, children: list[ast.Expr]) -> ast.ScoreExpr:
        return ast.ScoreExpr(expr=children[0], span=self._span(meta))

    def score_when(self, meta: Any, children: list[Any]) -> ast.ScoreExpr:
        """`若 条件 得 分数，否则若 … ，否则 …`: the tier chain written condition first."""
        pairs, default = children[: len(children) // 2 * 2], children[-1] if len(children) % 2 else None
        tiers = tuple(ast.Tier(score=score, condition=condition, span=condition.span.to(score.span))
                      for condition, score in zip(pairs[::2], pairs[1::2], strict=True))
        span = self._span(meta)
        return ast.ScoreExpr(expr=ast.Tiered(tiers=tiers, default=default, span=span), span=span,
                             condition_first=True)

    def no_score(self, meta: Any, children: list[Any]) -> ast.Number:
        """`不得分`: no points."""
        return ast.Number(value=Decimal(0), unit=None, span=self._span(meta))

    def score_by(self, meta: Any, children: list[Any]) -> ast.ScoreBy:
        return ast.ScoreBy(subject=children[0], arms=tuple(children[1:]), span=self._span(meta))

    def match_arm(self, meta: Any, children: list[Any]) -> ast.MatchArm:
        token, score = children
        value = ast.String(value=_unquote(token), span=self._token_span(token))
        return ast.MatchArm(value=value, score=score, span=self._span(meta))

    def otherwise_arm(self, meta: Any, children: list[Any]) -> ast.MatchArm:
        return ast.MatchArm(value=None, score=children[0], span=self._span(meta))

    # -- expressions
    def tier(self, meta: Any, children: list[Any]) -> ast.Tiered:
        score, condition, rest = children[0], children[1], children[2] if len(children) > 2 else None
        first = ast.Tier(score=score, condition=condition, span=score.span.to(condition.span))
        if isinstance(rest, ast.Tiered):
            return ast.Tiered(tiers=(first, *rest.tiers), default=rest.default, span=self._span(meta))
        return ast.Tiered(tiers=(first,), default=rest, span=self._span(meta))

    def deduction(self, meta: Any, children: list[Any]) -> ast.Deduction:
        base, *rest = children
        steps = tuple(child for child in rest if isinstance(child, ast.DeductionStep))
        limits = [child for child in rest if isinstance(child, ast.Number)]
        return ast.Deduction(base=base, steps=steps, limit=limits[-1] if limits else None,
                             prorated=any(child == "prorated" for child in rest), span=self._span(meta))

    def deduction_step(self, meta: Any, children: list[Any]) -> ast.DeductionStep:
        gap, step, points = children
        return ast.DeductionStep(gap=gap, step=step, points=points, span=self._span(meta))

    def deduction_limit(self, meta: Any, children: list[Any]) -> ast.Number:
        number: ast.Number = children[0]
        return number

    def prorated(self, meta: Any, children: list[Any]) -> str:
        return "prorated"

    def proportion(self, meta: Any, children: list[Any]) -> ast.Proportion:
        actual, target = children
        return ast.Proportion(actual=actual, target=target, span=self._span(meta))

    def interpolation(self, meta: Any, children: list[Any]) -> ast.Interpolation:
        subject, *levels = children
        return ast.Interpolation(subject=subject, levels=tuple(levels), span=self._span(meta))

    def level(self, meta: Any, children: list[Any]) -> tuple[ast.Number, ast.Number]:
        return children[0], children[1]

    def judged(self, meta: Any, children: list[Any]) -> ast.Judged:
        value, low, high = children
        return ast.Judged(value=value, low=low, high=high, span=self._span(meta))

    def checklist(self, meta: Any, children: list[Any]) -> ast.Checklist:
        return ast.Checklist(items=tuple(children), span=self._span(meta))

    def check_item(self, meta: Any, children: list[Any]) -> ast.ChecklistItem:
        condition, number, unit = children
        end = unit if unit is not None else number
        points = ast.Number(value=literal_number(str(number)),
                            unit=normalise_width(unit) if unit is not None else None,
                            span=self._token_span(number).to(self._token_span(end)))
        return ast.ChecklistItem(condition=condition, points=points, span=self._span(meta))

    def partial_compare(self, meta: Any, children: list[Any]) -> ast.PartialCompare:
        op, right = children
        return ast.PartialCompare(op=_COMPARISONS[str(op)], right=right, span=self._span(meta))

    def partial_between(self, meta: Any, children: list[Any]) -> ast.PartialBetween:
        low, high = children
        return ast.PartialBetween(low=low, high=high, span=self._span(meta))

    def or_op(self, meta: Any, children: list[Any]) -> ast.BoolOp:
        return self._bool_op("or", meta, children)

    def and_op(self, meta: Any, children: list[Any]) -> ast.BoolOp:
        return self._bool_op("and", meta, children)

    def _bool_op(self, op: str, meta: Any, children: list[Any]) -> ast.BoolOp:
        left, right = children
        operands = (*left.operands, right) if isinstance(left, ast.BoolOp) and left.op == op else (left, right)
        return ast.BoolOp(op=op, operands=operands, span=self._span(meta))

    def not_op(self, meta: Any, children: list[Any]) -> ast.Not:
        return ast.Not(operand=children[0], span=self._span(meta))

    def compare(self, meta: Any, children: list[Any]) -> ast.Compare:
        operands = tuple(children[0::2])
        ops = tuple(_COMPARISONS[str(t)] for t in children[1::2])
        return ast.Compare(operands=operands, ops=ops, span=self._span(meta))

    def between(self, meta: Any, children: list[Any]) -> ast.Between:
        subject, low, high = children
        return ast.Between(subject=subject, low=low, high=high, span=self._span(meta))

    def binary(self, meta: Any, children: list[Any]) -> ast.Binary:
        left, op, right = children
        return ast.Binary(op=_ARITHMETIC[str(op)], left=left, right=right, span=self._span(meta),
                          op_span=self._token_span(op))

    def unary_op(self, meta: Any, children: list[Any]) -> ast.Unary:
        op, operand = children
        return ast.Unary(op=_ARITHMETIC[str(op)], operand=operand, span=self._span(meta))

    def quantity(self, meta: Any, children: list[Token | None]) -> ast.Number:
        number, unit = children
        assert number is not None
        return ast.Number(value=literal_number(str(number)), unit=normalise_width(unit) if unit is not None else None,
                          span=self._span(meta))

    def date(self, meta: Any, children: list[Token]) -> ast.Date:
        text = normalise_width(str(children[0]))
        try:
            day: datetime.date | None = parse_date_text(text)
        except DateTextError:
            day = None
        return ast.Date(text=text, value=day, span=self._span(meta))

    def string(self, meta: Any, children: list[Token]) -> ast.String:
        return ast.String(value=_unquote(children[0]), span=self._span(meta))

    def field_ref(self, meta: Any, children: list[tuple[str, Span]]) -> ast.FieldRef:
        (name, _), (field, field_span) = children
        return ast.FieldRef(name=name, field=field, span=self._span(meta), field_span=field_span)

    def ref(self, meta: Any, children: list[tuple[str, Span]]) -> ast.Ref:
        name, span = children[0]
        return ast.Ref(name=name, span=span)

    def weight_ref(self, meta: Any, children: list[Any]) -> ast.WeightRef:
        return ast.WeightRef(span=self._span(meta))

    def true(self, meta: Any, children: list[Any]) -> ast.Bool:
        return ast.Bool(value=True, span=self._span(meta))

    def false(self, meta: Any, children: list[Any]) -> ast.Bool:
        return ast.Bool(value=False, span=self._span(meta))

    def call(self, meta: Any, children: list[Any]) -> ast.Call:
        name_token, *args = children
        return ast.Call(function=str(name_token), args=tuple(a for a in args if a is not None),
                        span=self._span(meta), name_span=self._token_span(name_token))


__all__ = ["KEYWORDS", "KEYWORDS_ZH", "KeywordToken", "grammar_text", "keyword_tokens", "lark", "parse", "parser"]
