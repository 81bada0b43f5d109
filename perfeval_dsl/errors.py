"""Diagnostics: what went wrong, where, and how to fix it.

Owns `Diagnostic` (rustc's structure: severity, stable code, message, primary span with a label, notes,
help), `PerfevalError` (the one exception embedders catch; it carries every diagnostic of a failed step),
the registry of diagnostic codes, the plain-text renderer and the "did you mean" helper. Stages return
diagnostics as values and raise `PerfevalError` only at the API boundary. Imports only `source`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import attrs

from perfeval_dsl.source import Span, display_width, printable


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


# Stable codes, never reused. docs/errors.md has one section per code; a test keeps the two in step.
CODES: dict[str, str] = {
    # files
    "PE001": "file not found",
    "PE002": "file is not UTF-8",
    "PE003": "file cannot be read",
    "PE004": "unsupported facts file type",
    "PE005": "unknown diagnostic code",
    "PE006": "unknown indicator",
    "PE007": "indicator has no tier boundaries",
    "PE008": "file too large",
    "PE009": "not a result document",
    # syntax
    "PE101": "unexpected character",
    "PE102": "unexpected word or symbol",
    "PE103": "unexpected end of file",
    # names, types and units
    "PE201": "unknown name",
    "PE202": "defined twice",
    "PE203": "unit mismatch",
    "PE204": "type mismatch",
    "PE205": "unknown judgement",
    "PE206": "tier without a subject",
    "PE207": "derived value depends on itself",
    "PE208": "wrong use of a function",
    "PE209": "judgement not covered",
    "PE210": "unknown unit",
    "PE211": "unknown direction",
    "PE212": "expression nests too deeply",
    "PE213": "number out of range",
    "PE214": "text too long",
    "PE215": "invalid scoring form",
    "PE216": "not a calendar day",
    # structure of the indicator tree
    "PE301": "weights do not add up to the total",
    "PE302": "group weight differs from its indicators",
    "PE303": "invalid grade bands",
    "PE304": "indicator field given twice",
    "PE305": "indicator has no score rule",
    "PE306": "fact declared but never used",
    "PE307": "header given twice",
    "PE308": "weight is not a positive number of points",
    "PE309": "too many indicators",
    "PE310": "an equal share of a group's weight cannot be worked out",
    "PE311": "weight moved to an unknown or wrong place",
    # facts
    "PE401": "missing fact",
    "PE402": "fact value is not a number",
    "PE403": "fact has the wrong unit",
    "PE404": "fact not declared by the rules",
    "PE405": "fact value is not one of the judgements",
    "PE406": "facts file is malformed",
    "PE407": "percentage without a percent sign",
    "PE408": "fact value is not yes or no",
    "PE409": "fact value outside its declared range",
    "PE410": "inexact number in a spreadsheet cell",
    "PE411": "formula in a spreadsheet cell",
    "PE412": "override without a reason",
    "PE413": "score set by the evaluation team",
    "PE414": "not applicable without a rule for it",
    "PE415": "fact value is not a date",
    "PE416": "missing fact scored by the rule's policy",
    # evaluation
    "PE501": "division by zero",
    "PE502": "no tier matched",
    "PE503": "score outside 0 to the weight",
    "PE504": "arithmetic out of range",
    "PE505": "judgement has no score",
    "PE506": "judged score outside its band",
    # static analysis of the scoring standards (perfeval check)
    "PE601": "values fall between tiers",
    "PE602": "tiers overlap",
    "PE603": "tier can never apply",
    "PE604": "else can never apply",
    "PE605": "score can leave 0 to the weight",
    "PE606": "score moves against the declared direction",
    "PE607": "values no tier takes",
    # rule tests (perfeval test)
    "PE701": "malformed test file",
    "PE702": "test names something the rules do not have",
}

# The titles in Chinese (`perfeval --lang zh explain`); a test keeps the two in step.
CODES_ZH: dict[str, str] = {
    "PE001": "文件不存在",
    "PE002": "文件不是 UTF-8 编码",
    "PE003": "文件无法读取",
    "PE004": "不支持的事实文件类型",
    "PE005": "未知的诊断代码",
    "PE006": "未知的指标",
    "PE007": "指标没有分档界限",
    "PE008": "文件太大",
    "PE009": "不是结果文档",
    "PE101": "意外的字符",
    "PE102": "意外的词或符号",
    "PE103": "文件意外结束",
    "PE201": "未知的名称",
    "PE202": "重复定义",
    "PE203": "单位不一致",
    "PE204": "类型不一致",
    "PE205": "未知的判断",
    "PE206": "档次没有比较对象",
    "PE207": "派生值依赖自身",
    "PE208": "函数用法错误",
    "PE209": "判断没有全部覆盖",
    "PE210": "未知的单位",
    "PE211": "未知的方向",
    "PE212": "表达式嵌套太深",
    "PE213": "数超出范围",
    "PE214": "文本太长",
    "PE215": "无效的评分形式",
    "PE216": "日历上没有这一天",
    "PE301": "分值合计不等于总分",
    "PE302": "指标组分值与其指标不一致",
    "PE303": "无效的等级划分",
    "PE304": "指标的字段重复给出",
    "PE305": "指标没有评分规则",
    "PE306": "事实已声明但从未使用",
    "PE307": "文件头重复给出",
    "PE308": "分值不是正的分数",
    "PE309": "指标太多",
    "PE310": "无法算出平分的分值",
    "PE311": "分值转入的去处不存在或有误",
    "PE401": "缺少事实",
    "PE402": "事实的值不是数",
    "PE403": "事实的单位不对",
    "PE404": "规则没有声明的事实",
    "PE405": "事实的值不是可选的判断之一",
    "PE406": "事实文件格式有误",
    "PE407": "百分数没有百分号",
    "PE408": "事实的值不是“是”或“否”",
    "PE409": "事实的值超出声明的范围",
    "PE410": "表格单元格中的数不精确",
    "PE411": "表格单元格中有公式",
    "PE412": "调整得分没有理由",
    "PE413": "得分由评价组评定",
    "PE414": "不适用，但规则没有为它写评分",
    "PE415": "事实的值不是日期",
    "PE416": "缺失的事实按规则的约定计分",
    "PE501": "除数为零",
    "PE502": "没有匹配的档次",
    "PE503": "得分超出 0 到分值",
    "PE504": "运算超出范围",
    "PE505": "判断没有对应的得分",
    "PE506": "评定的得分超出其区间",
    "PE601": "有取值落在档次之间",
    "PE602": "档次重叠",
    "PE603": "档次永远用不到",
    "PE604": "否则永远用不到",
    "PE605": "得分可能超出 0 到分值",
    "PE606": "得分变化与声明的方向相反",
    "PE607": "有取值没有档次接住",
    "PE701": "测试文件格式有误",
    "PE702": "测试提到了规则中没有的内容",
}


@attrs.frozen
class Label:
    """A span of source with a short text shown under its caret."""

    span: Span
    text: str = ""


@attrs.frozen
class Chinese:
    """A diagnostic's words in Chinese; the code, the place and the source line are the same in both."""

    message: str
    label: str = ""
    help: str | None = None
    notes: tuple[str, ...] | None = None  # None: the English notes are shown


@attrs.frozen(kw_only=True)
class Diagnostic:
    """One finding about the user's input.

    `message` states the problem in one sentence; `help` says how to fix it (rustc's rule: the fix lives only
    in `help`). `path` names the file when there is no span to point at (a missing file, say).
    """

    severity: Severity
    code: str
    message: str
    primary: Label | None = None
    path: str | None = None
    notes: tuple[str, ...] = ()
    help: str | None = None
    zh: Chinese | None = attrs.field(default=None, eq=False, repr=False)  # shown with `--lang zh`

    def __attrs_post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered diagnostic code {self.code}")

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def location(self) -> str | None:
        if self.primary is not None:
            return self.primary.span.location()
        return self.path

    def message_in(self, lang: str) -> str:
        """The one-sentence message in `lang`: Chinese where the diagnostic has its Chinese words."""
        return self.zh.message if lang == "zh" and self.zh is not None else self.message

    def severity_in(self, lang: str) -> str:
        """`error` or `warning`, or 错误 or 警告 in Chinese."""
        return _SEVERITY_ZH[self.severity] if lang == "zh" else self.severity.value

    def to_dict(self) -> dict[str, object]:
        """The diagnostic as plain data (the `diagnostics` entries of the JSON output)."""
        data: dict[str, object] = {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }
        if self.primary is not None:
            line, col = self.primary.span.line_col
            data.update(file=self.primary.span.source.name, line=line, column=col)
            if self.primary.text:
                data["label"] = self.primary.text
        elif self.path is not None:
            data["file"] = self.path
        if self.notes:
            data["notes"] = list(self.notes)
        if self.help:
            data["help"] = self.help
        return data


def error(code: str, message: str, span: Span | None = None, label: str = "", **kw: object) -> Diagnostic:
    """Shorthand for an error diagnostic at `span`."""
    return Diagnostic(
        severity=Severity.ERROR,
        code=code,
        message=message,
        primary=Label(span, label) if span is not None else None,
        **kw,  # type: ignore[arg-type]
    )


def warning(code: str, message: str, span: Span | None = None, label: str = "", **kw: object) -> Diagnostic:
    """Shorthand for a warning diagnostic at `span`."""
    return Diagnostic(
        severity=Severity.WARNING,
        code=code,
        message=message,
        primary=Label(span, label) if span is not None else None,
        **kw,  # type: ignore[arg-type]
    )


class PerfevalError(Exception):
    """Raised by the embedding API when the inputs have errors; carries all diagnostics found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__(render_all(self.diagnostics))

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def suggest(name: str, candidates: Iterable[str]) -> list[str]:
    """Close names for a "did you mean", Elm's rule of thumb: short names allow fewer edits."""
    import difflib  # only when there is a mistake to suggest for: a run without one need not import it

    pool = sorted(set(candidates))
    cutoff = 0.5 if len(name) <= 4 else 0.6
    return difflib.get_close_matches(name, pool, n=3, cutoff=cutoff)


def did_you_mean(name: str, candidates: Iterable[str], quote: str = "`") -> str | None:
    close = suggest(name, candidates)
    if not close:
        return None
    return "did you mean " + " or ".join(f"{quote}{c}{quote}" for c in close) + "?"


def did_you_mean_zh(name: str, candidates: Iterable[str], quote: str = "`") -> str | None:
    """`did_you_mean` in Chinese, for the Chinese words of a diagnostic."""
    close = suggest(name, candidates)
    if not close:
        return None
    return "是否想写 " + " 或 ".join(f"{quote}{c}{quote}" for c in close) + "？"


_SEVERITY_ZH = {Severity.ERROR: "错误", Severity.WARNING: "警告"}


def render(diagnostic: Diagnostic, lang: str = "en") -> str:
    """Plain text in the rustc layout: header, `--> file:line:col`, the source line, a caret, note, help;
    with `lang="zh"`, in Chinese where the diagnostic has its Chinese words (else in English).

    Control characters from the input are shown as symbols (␛), never sent to the terminal."""
    return printable(_render(diagnostic, diagnostic.zh if lang == "zh" else None))


def _render(diagnostic: Diagnostic, zh: Chinese | None = None) -> str:
    if zh is not None:
        label_text = zh.label or (diagnostic.primary.text if diagnostic.primary is not None else "")
        header = f"{_SEVERITY_ZH[diagnostic.severity]}[{diagnostic.code}]：{zh.message}"
        help_text, help_word, note_word = zh.help or diagnostic.help, "提示", "说明"
        notes = zh.notes if zh.notes is not None else diagnostic.notes
    else:
        label_text = diagnostic.primary.text if diagnostic.primary is not None else ""
        header = f"{diagnostic.severity.value}[{diagnostic.code}]: {diagnostic.message}"
        help_text, help_word, note_word = diagnostic.help, "help", "note"
        notes = diagnostic.notes
    lines = [header]
    if diagnostic.primary is not None:
        span = diagnostic.primary.span
        line, col = span.line_col
        lines.append(f"  --> {span.location()}")
        source_line = span.source.line_text(line).replace("\t", " ")
        number = str(line)
        gutter = " " * len(number)
        start_in_line = col - 1
        end_line, end_col = span.source.line_col(span.end)
        end_in_line = end_col - 1 if end_line == line else len(source_line)
        end_in_line = max(end_in_line, start_in_line + 1)
        pad = display_width(source_line[:start_in_line])
        carets = "^" * max(1, display_width(source_line[start_in_line:end_in_line]))
        label = f" {label_text}" if label_text else ""
        lines += [
            f"{gutter} |",
            f"{number} | {source_line}",
            f"{gutter} | {' ' * pad}{carets}{label}",
        ]
        indent = f"{gutter} = "
    else:
        if diagnostic.path is not None:
            lines.append(f"  --> {diagnostic.path}")
        indent = "  = "
    lines += [f"{indent}{note_word}: {note}" for note in notes]
    if help_text:
        lines.append(f"{indent}{help_word}: {help_text}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic], lang: str = "en") -> str:
    return "\n\n".join(render(d, lang) for d in diagnostics)
