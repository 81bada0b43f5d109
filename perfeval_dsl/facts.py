"""Facts files (YAML, TOML, JSON) and plain mappings to exact values, with a location for every value.

Two steps. `load_facts` reads a file into `Facts`: each value as written (`8,567,111.51 元`, `4.89%`,
`"清晰合理"`, `true`) with its span in the file. `bind` then reads those values against the types the rule
file declares: numbers become `Decimal` in the base unit (元, 人, a ratio for %), judgements are checked
against their set, and every problem becomes a diagnostic pointing into the facts file.

No number passes through binary floating point: YAML scalars are read from their text (the file is
composed, never constructed, so no YAML tag can build an object), JSON and TOML parse floats as Decimal.
Imports `source`, `errors`, `values`.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

import attrs
import yaml

from perfeval_dsl.errors import Chinese, Diagnostic, PerfevalError, did_you_mean, error, suggest, warning
from perfeval_dsl.limits import limit
from perfeval_dsl.source import Source, Span, first_control
from perfeval_dsl.values import (
    CONTEXT,
    NOT_APPLICABLE,
    NOT_APPLICABLE_WORDS,
    UNITS,
    BoolType,
    DateTextError,
    DateType,
    JudgementType,
    ListType,
    NumberTextError,
    NumberType,
    TextType,
    Value,
    ValueType,
    chinese_number_text,
    counted_unit,
    date_reason_zh,
    day_number,
    describe_zh,
    dim_name,
    format_value,
    in_range,
    parse_date_text,
    parse_number_text,
    plain,
)

FACT_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json", ".xlsx": "xlsx", ".csv": "csv"}
_OTHER_SPREADSHEETS = {".xls", ".xlsm", ".xlsb", ".et", ".ods", ".numbers", ".wps"}
# A mapping with these keys (and `value` among them) is one fact written with its provenance.
_FACT_KEYS = {"value", "note", "source"}
_YES = {"true", "yes", "是", "有", "对"}
_NO = {"false", "no", "否", "无", "没有"}


@attrs.frozen(kw_only=True)
class FactValue:
    """One fact as the file gives it: the value (Decimal, str or bool), where it is, and any note."""

    name: str
    value: Decimal | str | bool | tuple[dict[str, FactValue], ...]  # a tuple: a list's items, each field a fact
    span: Span | None = attrs.field(eq=False, default=None)  # the value as written
    note: str | None = None
    key_span: Span | None = attrs.field(eq=False, default=None)  # the fact's name as written


@attrs.frozen(kw_only=True)
class Facts:
    """The facts of one unit, by name, in file order. `sha256` is the SHA-256 of the file they were read from
    (for the audit record); None for facts given as a mapping."""

    name: str
    values: dict[str, FactValue]
    diagnostics: tuple[Diagnostic, ...] = attrs.field(eq=False, default=())
    sha256: str | None = attrs.field(eq=False, default=None)


# ---- reading files ------------------------------------------------------------------------------


def too_large(shown: str, size: int, most: int, variable: str = "PERFEVAL_MAX_FILE_BYTES") -> Diagnostic:
    return error("PE008", f"`{shown}` is {size:,} bytes; perfeval reads at most {most:,} bytes here", path=shown,
                 help=f"check that this is the file you meant, and split a very large one; the limit is set by "
                      f"the environment variable {variable}",
                 zh=Chinese(f"`{shown}` 有 {size:,} 字节；perfeval 在这里最多读取 {most:,} 字节",
                            help=f"请确认这是你要用的文件，并把很大的文件拆开；这个上限由环境变量 {variable} 设定"))


def check_size(path: str | Path, limit_name: str = "MAX_FILE_BYTES") -> None:
    """Refuse a file larger than the limit `limit_name` of `perfeval_dsl.limits` (PE008), before reading a
    byte of it. A missing file is PE001."""
    try:
        size = Path(path).stat().st_size
    except FileNotFoundError:
        raise PerfevalError([error("PE001", f"there is no file `{path}`", path=str(path),
                                   help="check the path; it is taken relative to the current folder",
                                   zh=Chinese(f"没有文件 `{path}`",
                                              help="请检查路径；路径相对于当前文件夹"))]) from None
    except OSError:
        return  # reading the file will say what is wrong
    most = limit(limit_name)
    if size > most:
        raise PerfevalError([too_large(str(path), size, most, f"PERFEVAL_{limit_name}")])


def read_text(path: str | Path, limit_name: str = "MAX_FILE_BYTES") -> Source:
    """Read a UTF-8 text file (a BOM is allowed) within the size limit `limit_name`. Raises PerfevalError with
    PE001/PE002/PE003/PE008."""
    shown = str(path)
    check_size(path, limit_name)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise PerfevalError([error("PE001", f"there is no file `{shown}`", path=shown,
                                   help="check the path; it is taken relative to the current folder",
                                   zh=Chinese(f"没有文件 `{shown}`",
                                              help="请检查路径；路径相对于当前文件夹"))]) from None
    except IsADirectoryError:
        raise PerfevalError([error("PE003", f"`{shown}` is a folder, not a file", path=shown,
                                   help="give the path of a file inside it",
                                   zh=Chinese(f"`{shown}` 是文件夹，不是文件",
                                              help="请给出其中某个文件的路径"))]) from None
    except OSError as exc:
        raise PerfevalError([error("PE003", f"cannot read `{shown}`: {exc.strerror or exc}", path=shown,
                                   help="check that the file exists and that you may read it",
                                   zh=Chinese(f"无法读取 `{shown}`：{exc.strerror or exc}",
                                              help="请确认文件存在，并且你有权读取它"))]) from None
    try:
        return Source(shown, data.decode("utf-8-sig"), hashlib.sha256(data).hexdigest())
    except UnicodeDecodeError as exc:
        raise PerfevalError([_not_utf8(shown, data, exc)]) from None


def _not_utf8(shown: str, data: bytes, exc: UnicodeDecodeError) -> Diagnostic:
    good = data[: exc.start].decode("utf-8", errors="replace")
    text = good + data[exc.start :].decode("utf-8", errors="replace")
    source = Source(shown, text)
    span = source.span(len(good), len(good) + 1)
    hint = "save the file as UTF-8"
    hint_zh = "请把文件另存为 UTF-8"
    try:
        data.decode("gb18030")
        hint = ("the file looks like GBK/GB18030, the older Chinese encoding; save it as UTF-8 "
                "(in Notepad: 另存为 → 编码 UTF-8; in Excel: 另存为 → CSV UTF-8)")
        hint_zh = ("这个文件看起来是 GBK/GB18030（较早的中文编码）；请另存为 UTF-8"
                   "（记事本：另存为 → 编码 UTF-8；Excel：另存为 → CSV UTF-8）")
    except UnicodeDecodeError:
        pass
    return error("PE002", f"`{shown}` is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                 span, "not UTF-8", help=hint,
                 zh=Chinese(f"`{shown}` 不是 UTF-8 文本（偏移 {exc.start} 处的字节 0x{data[exc.start]:02x}）",
                            "不是 UTF-8", hint_zh))


def load_facts(path: str | Path) -> Facts:
    """Read a facts file (.yaml/.yml, .toml, .json, or a key/value sheet: an Excel .xlsx workbook or a .csv
    file). Raises PerfevalError if it cannot be read."""
    suffix = Path(path).suffix.lower()
    if suffix not in FACT_FORMATS:
        hint = "use a .yaml, .toml, .json, .xlsx or .csv file"
        hint_zh = "请使用 .yaml、.toml、.json、.xlsx 或 .csv 文件"
        if suffix in _OTHER_SPREADSHEETS:
            hint = ("perfeval reads Excel workbooks saved as .xlsx: open the file and save it as Excel 工作簿 "
                    "(.xlsx), or as CSV UTF-8 (.csv)")
            hint_zh = ("perfeval 读取存为 .xlsx 的 Excel 工作簿：请打开文件，另存为 Excel 工作簿（.xlsx），"
                       "或 CSV UTF-8（.csv）")
        raise PerfevalError([error("PE004", f"`{path}` is not a facts file type I read", path=str(path),
                                   help=hint, zh=Chinese(f"`{path}` 不是能读取的事实文件类型", help=hint_zh))])
    if suffix == ".xlsx":
        from perfeval_dsl.spreadsheet import load_xlsx_facts  # the spreadsheet reader builds on this module

        return load_xlsx_facts(Path(path))
    if suffix == ".csv":
        from perfeval_dsl.units import load_csv_facts  # so does the CSV reader

        return load_csv_facts(Path(path))
    source = read_text(path)
    return parse_facts(source, FACT_FORMATS[suffix])


def parse_facts(source: Source, file_format: str) -> Facts:
    """Facts from the text of a YAML, TOML or JSON document."""
    reader = {"yaml": _yaml_facts, "toml": _toml_facts, "json": _json_facts}[file_format]
    values, diagnostics = reader(source)
    if any(d.is_error for d in diagnostics):
        raise PerfevalError(diagnostics)
    return Facts(name=source.name, values=values, diagnostics=tuple(diagnostics), sha256=source.sha256)


def facts_from_mapping(mapping: Mapping[str, object], name: str = "<facts>") -> Facts:
    """Facts given as a Python mapping; floats are read through their shortest text (`repr`)."""
    diagnostics: list[Diagnostic] = []
    values = _flatten(mapping, diagnostics, None)
    if any(d.is_error for d in diagnostics):
        raise PerfevalError(diagnostics)
    return Facts(name=name, values=values, diagnostics=tuple(diagnostics))


def _scalar(value: object) -> Decimal | str | bool | None:
    if isinstance(value, (bool, str, Decimal)):
        return value
    if isinstance(value, (datetime.date, datetime.time)):  # TOML's dates and times; Python's own
        return value.isoformat()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def _flatten(mapping: Mapping[str, object], diagnostics: list[Diagnostic],
             locate: _Locator | None) -> dict[str, FactValue]:
    """Facts from a mapping; nested mappings are sections whose keys are facts too."""
    values: dict[str, FactValue] = {}

    def visit(section: Mapping[str, object]) -> None:
        for key, raw in section.items():
            name = str(key)
            key_span, value_span = locate(name) if locate is not None else (None, None)
            note = None
            if isinstance(raw, Mapping) and "value" in raw and set(map(str, raw)) <= _FACT_KEYS:
                note = raw.get("note") or raw.get("source")
                raw = raw["value"]
                value_span = key_span
            elif isinstance(raw, Mapping):
                visit(raw)
                continue
            if isinstance(raw, list) and all(isinstance(item, Mapping) for item in raw):
                items = tuple({str(k): FactValue(name=str(k), value=v, span=value_span or key_span)
                               for k, v in ((k, _scalar(v)) for k, v in item.items()) if v is not None}
                              for item in raw)
                _add(values, FactValue(name=name, value=items, span=value_span or key_span, key_span=key_span),
                     diagnostics)
                continue
            value = _scalar(raw)
            if value is None:
                what = "has no value" if raw is None else "is a list or table, not a single value"
                what_zh = "没有值" if raw is None else "是列表或表，不是单个值"
                diagnostics.append(error("PE406", f"`{name}` {what}", value_span or key_span,
                                         help="write a single value, e.g. `8,567,111.51 元`",
                                         zh=Chinese(f"`{name}` {what_zh}",
                                                    help="请写单个值，例如 `8,567,111.51 元`")))
                continue
            _add(values, FactValue(name=name, value=value, span=value_span or key_span,
                                   note=str(note) if note else None, key_span=key_span), diagnostics)

    visit(mapping)
    return values


class _Locator:
    """Finds where each key and its value are written in a JSON or TOML text (their parsers keep no
    positions). The n-th call for a key finds its n-th occurrence, so a repeated key points at the repeat."""

    def __init__(self, source: Source, pattern: str) -> None:
        self.source = source
        self.pattern = pattern
        self.seen: dict[str, int] = {}

    def __call__(self, key: str) -> tuple[Span | None, Span | None]:
        matches = list(re.finditer(self.pattern.format(key=re.escape(key)), self.source.text, re.MULTILINE))
        index = self.seen.get(key, 0)
        self.seen[key] = index + 1
        if not matches:
            return None, None
        match = matches[min(index, len(matches) - 1)]
        key_span = self.source.span(match.start("key"), match.end("key"))
        value = match.group("value")
        value_span = self.source.span(match.start("value"), match.end("value")) if value else None
        return key_span, value_span


def _toml_facts(source: Source) -> tuple[dict[str, FactValue], list[Diagnostic]]:
    import tomllib  # here: most facts files are YAML, and a run starts sooner without it

    try:
        data = tomllib.loads(source.text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        line, col = _toml_error_position(str(exc))
        offset = _offset(source, line, col)
        help_text = "check the line against the TOML syntax: `\"名称\" = \"8,567,111.51 元\"` (texts in quotes)"
        help_zh = "请按 TOML 的语法检查这一行：`\"名称\" = \"8,567,111.51 元\"`（文字放在引号里）"
        line_start = source.line_text(line).lstrip()[:1]
        if line_start and not line_start.isascii():
            help_text = ("in TOML a name with Chinese characters must be in quotes: "
                         f"`\"{source.line_text(line).split('=')[0].strip()}\" = …`")
            help_zh = ("在 TOML 中，含汉字的名称必须放在引号里："
                       f"`\"{source.line_text(line).split('=')[0].strip()}\" = …`")
        return {}, [error("PE406", f"this is not valid TOML: {_toml_error_text(str(exc))}",
                          source.span(offset, offset + 1), help=help_text,
                          zh=Chinese(f"这不是有效的 TOML：{_parser_problem_zh(_toml_error_text(str(exc)))}",
                                     help=help_zh))]
    diagnostics: list[Diagnostic] = []
    locate = _Locator(source, r'^\s*(?P<key>"{key}"|\'{key}\'|{key})\s*=\s*(?P<value>"[^"\n]*"|[^#\n]*[^#\s])?')
    return _flatten(data, diagnostics, locate), diagnostics


def _toml_error_position(message: str) -> tuple[int, int]:
    match = re.search(r"line (\d+), column (\d+)", message)
    return (int(match[1]), int(match[2])) if match else (1, 1)


def _toml_error_text(message: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", message).lower()


def _offset(source: Source, line: int, col: int) -> int:
    lines = source.text.split("\n")
    offset = sum(len(text) + 1 for text in lines[: max(0, line - 1)])
    return min(offset + max(0, col - 1), len(source.text))


def _json_facts(source: Source) -> tuple[dict[str, FactValue], list[Diagnostic]]:
    import json  # here, as tomllib: most facts files are YAML

    def refuse_constant(word: str) -> str:
        return word  # NaN and Infinity stay text, and are then refused as numbers

    try:
        data = json.loads(source.text, parse_float=Decimal, parse_int=Decimal, parse_constant=refuse_constant,
                          object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        return {}, [error("PE406", f"this is not valid JSON: {exc.msg.lower()}",
                          source.span(exc.pos, exc.pos + 1), help="check the JSON syntax near here",
                          zh=Chinese(f"这不是有效的 JSON：{_parser_problem_zh(exc.msg.lower())}",
                                     help="请检查这附近的 JSON 语法"))]
    if not isinstance(data, _JsonObject):
        return {}, [error("PE406", "a JSON facts file must be an object of name: value pairs",
                          source.span(0, 1), help='write it as {"预算基本支出": "8,567,111.51 元", …}',
                          zh=Chinese("JSON 事实文件必须是由“名称: 值”对组成的对象",
                                     help='请写成 {"预算基本支出": "8,567,111.51 元", …}'))]
    diagnostics: list[Diagnostic] = []
    locate = _Locator(source, r'(?P<key>"{key}")\s*:\s*(?P<value>"(?:[^"\\\n]|\\.)*"|[^,}}\]\s]+)?')
    return _flatten(data, diagnostics, locate), diagnostics


class _JsonObject(dict[str, object]):
    """A JSON object that keeps a repeated key as a separate entry, so the repeat can be reported."""

    def __init__(self, pairs: list[tuple[str, object]]) -> None:
        super().__init__()
        self.pairs = pairs

    def items(self) -> Iterator[tuple[str, object]]:  # type: ignore[override]
        return iter(self.pairs)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self.pairs)

    def __getitem__(self, key: str) -> object:
        return next(v for k, v in self.pairs if k == key)

    def __iter__(self) -> Iterator[str]:
        return iter(k for k, _ in self.pairs)

    def get(self, key: str, default: object = None) -> object:
        return next((v for k, v in self.pairs if k == key), default)


def _json_object(pairs: list[tuple[str, object]]) -> _JsonObject:
    return _JsonObject(pairs)


_CUT_NUMBER = re.compile(r"^\d{3}(\.\d+)?\s*\S*$")


class _FactsLoader(yaml.SafeLoader):
    """Composes nodes only, and refuses aliases: a facts file needs none, and they are how YAML bombs work."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in a facts file; write the value out",
                event.start_mark)
        return super().compose_node(parent, index)


# The commonest problems the YAML, JSON and TOML readers state (and the loader's own), in Chinese; any other
# is shown as the reader words it.
_PARSER_PROBLEMS_ZH = {
    "YAML aliases (*name) are not allowed in a facts file; write the value out":
        "事实文件中不允许使用 YAML 别名（*name），请直接写出值",
    "mapping values are not allowed here": "此处不允许出现 `名称: 值`",
    "could not find expected ':'": "找不到应有的 `:`",
    "expecting value": "此处应为一个值",
    "expecting property name enclosed in double quotes": "此处应为用双引号括起的名称",
    "expecting ',' delimiter": "此处应为分隔符 `,`",
    "expecting ':' delimiter": "此处应为分隔符 `:`",
    "extra data": "后面多出了内容",
    "invalid statement": "无效的语句",
    "invalid value": "无效的值",
    "expected newline or end of document after a statement": "一条语句之后应当换行或结束文档",
}


def _parser_problem_zh(problem: str) -> str:
    return _PARSER_PROBLEMS_ZH.get(problem, problem)


def facts_from_yaml_node(source: Source, node: yaml.MappingNode, name: str) -> Facts:
    """Facts written as a mapping inside a larger YAML document (a case of a rule test file), with spans
    into that document."""
    values: dict[str, FactValue] = {}
    diagnostics: list[Diagnostic] = []
    _yaml_mapping(source, node, values, diagnostics)
    if any(d.is_error for d in diagnostics):
        raise PerfevalError(diagnostics)
    return Facts(name=name, values=values, diagnostics=tuple(diagnostics))


def compose_yaml(source: Source) -> yaml.Node | None:
    """The YAML document of `source` as nodes with positions (never constructed into objects); PE406 on a
    malformed document."""
    try:
        return _compose(source.text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        offset = mark.index if mark is not None else 0
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        problem_zh = _parser_problem_zh(problem) if exc.problem or exc.context else "格式有误"
        raise PerfevalError([error("PE406", f"this is not valid YAML: {problem}", source.span(offset, offset + 1),
                                   help="check the indentation and quote values that contain `:` or `#`",
                                   zh=Chinese(f"这不是有效的 YAML：{problem_zh}",
                                              help="请检查缩进，并给含有 `:` 或 `#` 的值加上引号"))]) from None
    except yaml.YAMLError as exc:
        raise PerfevalError([error("PE406", f"this is not valid YAML: {exc}", source.span(0, 1),
                                   zh=Chinese(f"这不是有效的 YAML：{exc}"))]) from None


def node_span(source: Source, node: yaml.Node) -> Span:
    return _node_span(source, node)


def _compose(text: str) -> yaml.Node | None:
    loader = _FactsLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _full_width_colon(source: Source) -> Diagnostic | None:
    """A line written `名称：值`, with the full-width colon a Chinese input method types: YAML does not read it
    as the separator, and its own message would point elsewhere."""
    offset = 0
    for line in source.text.split("\n"):
        head = line.split("#", 1)[0]
        if "：" in head and ":" not in head.split("：", 1)[0] and not head.lstrip().startswith(("\"", "'", "-")):
            at = offset + head.index("：")
            name, _, value = head.partition("：")
            return error("PE406", "a fact's name and value are separated by a full-width `：`", source.span(at, at + 1),
                         "full-width colon",
                         help=f"write the ASCII colon and a space: `{name.strip()}: {value.strip()}`",
                         zh=Chinese("事实的名称和值之间用了全角冒号 `：`", "全角冒号",
                                    f"请改用半角冒号加一个空格：`{name.strip()}: {value.strip()}`"))
        offset += len(line) + 1
    return None


def _yaml_facts(source: Source) -> tuple[dict[str, FactValue], list[Diagnostic]]:
    try:
        root = _compose(source.text)
    except yaml.MarkedYAMLError as exc:
        colon = _full_width_colon(source)
        if colon is not None:
            return {}, [colon]
        mark = exc.problem_mark or exc.context_mark
        offset = mark.index if mark is not None else 0
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        problem_zh = _parser_problem_zh(problem) if exc.problem or exc.context else "格式有误"
        return {}, [error("PE406", f"this is not valid YAML: {problem}", source.span(offset, offset + 1),
                          help="each fact goes on its own line as `名称: 值`; quote values that contain `:` or `#`",
                          zh=Chinese(f"这不是有效的 YAML：{problem_zh}",
                                     help="每个事实单独一行，写作 `名称: 值`；含有 `:` 或 `#` 的值请加上引号"))]
    except yaml.YAMLError as exc:
        return {}, [error("PE406", f"this is not valid YAML: {exc}", source.span(0, 1),
                          zh=Chinese(f"这不是有效的 YAML：{exc}"))]
    if root is None:
        return {}, []
    tagged = _foreign_tag(root)
    if tagged is not None:  # `!!python/object` and friends: refused wherever they stand, never constructed
        shown = "!!" + tagged.tag.removeprefix("tag:yaml.org,2002:") if tagged.tag.startswith("tag:yaml.org,2002:") \
            else tagged.tag
        return {}, [error("PE406", f"the YAML tag `{shown}` is not read in a facts file",
                          _node_span(source, tagged), "tag", help="write plain values without `!` tags",
                          zh=Chinese(f"事实文件不读取 YAML 标签 `{shown}`", "标签", "请写不带 `!` 标签的普通值"))]
    diagnostics: list[Diagnostic] = []
    values: dict[str, FactValue] = {}
    if not isinstance(root, yaml.MappingNode):
        colon = _full_width_colon(source)
        if colon is not None:
            return {}, [colon]
        return {}, [error("PE406", "a YAML facts file must be a list of `名称: 值` lines",
                          _node_span(source, root),
                          help="write one fact per line, e.g. `预算基本支出: 8,567,111.51 元`",
                          zh=Chinese("YAML 事实文件必须由一行行 `名称: 值` 组成",
                                     help="请每行写一个事实，例如 `预算基本支出: 8,567,111.51 元`"))]
    _yaml_mapping(source, root, values, diagnostics)
    return values, diagnostics


_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "map",
                                                           "seq")}


def _foreign_tag(root: yaml.Node) -> yaml.Node | None:
    """The first node, in document order, carrying a tag other than YAML's plain ones."""
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack.pop()
        if node.tag not in _PLAIN_TAGS:
            return node
        if isinstance(node, yaml.MappingNode):
            stack.extend(reversed([part for pair in node.value for part in pair]))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return None


def _node_span(source: Source, node: yaml.Node) -> Span:
    return source.span(node.start_mark.index, max(node.end_mark.index, node.start_mark.index + 1))


def _yaml_mapping(source: Source, node: yaml.MappingNode, values: dict[str, FactValue],
                  diagnostics: list[Diagnostic]) -> None:
    cut: set[str] = set()  # facts whose value a comma cut apart, reported once each
    previous = ""
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            diagnostics.append(error("PE406", "a fact's name must be plain text", _node_span(source, key_node),
                                     zh=Chinese("事实的名称必须是普通文字")))
            continue
        name = str(key_node.value)
        span = _node_span(source, key_node)
        if node.flow_style and _CUT_NUMBER.match(name) and value_node.tag == "tag:yaml.org,2002:null":
            # `{预算: 1,000,000.00 元}`: inside braces YAML splits at every comma, so thousands separators
            # turn one value into several facts named `000`.
            if previous not in cut:
                cut.add(previous)
                diagnostics.append(error(
                    "PE406", f"the value of `{previous}` was cut apart at a comma", span, "cut here",
                    help="inside `{ }` a comma separates facts: put the value in quotes "
                         f"(`{previous}: \"1,000,000.00 元\"`), drop the thousands separators, or write "
                         "each fact on its own line",
                    zh=Chinese(f"`{previous}` 的值在逗号处被截断了", "在此截断",
                               "在 `{ }` 中逗号用来分隔事实：请给值加上引号"
                               f"（`{previous}: \"1,000,000.00 元\"`），去掉千位分隔符，或把每个事实写在单独一行")))
            continue
        previous = name
        if isinstance(value_node, yaml.MappingNode):
            keys = {k.value for k, _ in value_node.value if isinstance(k, yaml.ScalarNode)}
            if "value" in keys and keys <= _FACT_KEYS:
                fields = {k.value: v for k, v in value_node.value}
                value = _yaml_scalar(source, fields["value"], name, diagnostics)
                note_node = fields.get("note") or fields.get("source")
                note = str(note_node.value) if isinstance(note_node, yaml.ScalarNode) else None
                if value is not None:
                    _add(values, FactValue(name=name, value=value, span=_node_span(source, fields["value"]),
                                           note=note, key_span=span), diagnostics)
            else:
                _yaml_mapping(source, value_node, values, diagnostics)
            continue
        if isinstance(value_node, yaml.SequenceNode) and all(
                isinstance(item, yaml.MappingNode) for item in value_node.value):
            items = tuple(_yaml_item(source, item, f"{name}[{number}]", diagnostics)
                          for number, item in enumerate(value_node.value, 1))
            _add(values, FactValue(name=name, value=items, span=_node_span(source, value_node), key_span=span),
                 diagnostics)
            continue
        value = _yaml_scalar(source, value_node, name, diagnostics)
        if value is not None:
            _add(values, FactValue(name=name, value=value, span=_node_span(source, value_node), key_span=span),
                 diagnostics)


def _yaml_item(source: Source, node: yaml.MappingNode, name: str,
               diagnostics: list[Diagnostic]) -> dict[str, FactValue]:
    """One item of a list fact (`- 培训人数: 600 人`): its fields, each a fact named `子项目[1].培训人数`."""
    fields: dict[str, FactValue] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
        value = _yaml_scalar(source, value_node, f"{name}.{key}", diagnostics)
        if value is None:
            continue
        field = FactValue(name=key, value=value, span=_node_span(source, value_node),
                          key_span=_node_span(source, key_node))
        if key in fields:
            diagnostics.append(error("PE406", f"`{name}` gives `{key}` twice", field.key_span, "given again",
                                     help="give each field of an item once",
                                     zh=Chinese(f"`{name}` 两次给出 `{key}`", "再次给出", "每一项的每个字段只给一次")))
            continue
        fields[key] = field
    return fields


def control_problem(fact: FactValue) -> Diagnostic | None:
    """A diagnostic when a fact's name or value holds a control character (from a JSON or TOML escape, or a
    spreadsheet cell), which no fact has and a terminal would act on."""
    for text, span in ((fact.name, fact.key_span), (fact.value if isinstance(fact.value, str) else "", fact.span),
                       (fact.note or "", fact.span)):
        at = first_control(text)
        if at is not None:
            return error("PE406", f"a fact holds a control character (U+{ord(text[at]):04X}), which no value has",
                         span or fact.span, "control character",
                         help="delete it; it often comes from copying text out of another program",
                         zh=Chinese(f"事实中有控制字符（U+{ord(text[at]):04X}），任何值都不会含有它", "控制字符",
                                    "请删除它；它常来自从其他程序复制的文字"))
    return None


def _add(values: dict[str, FactValue], fact: FactValue, diagnostics: list[Diagnostic]) -> None:
    problem = control_problem(fact)
    if problem is not None:
        diagnostics.append(problem)
        return
    if fact.name in values:
        first = values[fact.name].key_span or values[fact.name].span
        diagnostics.append(error("PE406", f"the fact `{fact.name}` is given twice", fact.key_span or fact.span,
                                 "given again",
                                 notes=(f"the first is at {first.location()}",) if first else (),
                                 help="give each fact once",
                                 zh=Chinese(f"事实 `{fact.name}` 给出了两次", "再次给出", "每个事实只给一次",
                                            (f"第一次在 {first.location()}",) if first else ())))
        return
    values[fact.name] = fact


def _yaml_scalar(source: Source, node: yaml.Node, name: str,
                 diagnostics: list[Diagnostic]) -> Decimal | str | bool | None:
    span = _node_span(source, node)
    if not isinstance(node, yaml.ScalarNode):
        diagnostics.append(error("PE406", f"the value of `{name}` is a list or table, not a single value",
                                 span, help="write a single value, e.g. `8,567,111.51 元`",
                                 zh=Chinese(f"`{name}` 的值是列表或表，不是单个值",
                                            help="请写单个值，例如 `8,567,111.51 元`")))
        return None
    text = str(node.value)
    if node.tag == "tag:yaml.org,2002:bool":
        return text.lower() in ("true", "yes", "on", "y")
    if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and not node.style:
        try:
            return Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text
    if node.tag == "tag:yaml.org,2002:null":
        diagnostics.append(error("PE402", f"`{name}` has no value", span,
                                 help="write the value after the colon, or remove the line",
                                 zh=Chinese(f"`{name}` 没有值", help="请在冒号后写上值，或删除这一行")))
        return None
    if node.tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                        "tag:yaml.org,2002:timestamp"):
        diagnostics.append(error("PE406", f"the value of `{name}` has a YAML tag I do not read", span,
                                 help="write plain values without `!` tags",
                                 zh=Chinese(f"`{name}` 的值带有不能读取的 YAML 标签",
                                            help="请写不带 `!` 标签的普通值")))
        return None
    return text


# ---- binding to the rule file's declarations -----------------------------------------------------


@attrs.frozen
class Declared:
    """What the rule file says about one fact: its type, where it is declared, and whether a rule uses it."""

    type: ValueType
    span: Span
    required: bool = True
    low: Decimal | None = None
    high: Decimal | None = None


MEMO_LIMIT = 100_000  # values remembered by one `BindMemo`: enough for a batch's repeated cells, bounded


class BindMemo(dict[tuple[str, object], Value]):
    """Values already read in a batch, by fact and text: a judgement or a count written the same way in many
    units is read once. Only values read without a problem are kept."""


def bind(facts: Facts, declared: Mapping[str, Declared],
         memo: BindMemo | None = None) -> tuple[dict[str, Value], list[Diagnostic]]:
    """Read each fact against its declared type. Returns the values and every problem found."""
    values: dict[str, Value] = {}
    diagnostics: list[Diagnostic] = list(facts.diagnostics)
    for name, declaration in declared.items():
        fact = facts.values.get(name)
        if fact is None:
            if declaration.required:
                diagnostics.append(_missing(name, declaration, facts, declared))
            continue
        if memo is not None and not isinstance(fact.value, tuple):
            known = memo.get((name, fact.value))
            if known is not None:
                values[name] = known
                continue
        if isinstance(fact.value, str) and fact.value.strip() in NOT_APPLICABLE_WORDS and not (
                isinstance(declaration.type, JudgementType) and fact.value.strip() in declaration.type.options):
            values[name] = NOT_APPLICABLE  # what it means is the rule file's to say (`不适用 按比例折算`)
            continue
        if isinstance(declaration.type, ListType) or isinstance(fact.value, tuple):
            value, problems = _items(fact, declaration)
            diagnostics.extend(problems)
            if value is not None:
                values[name] = value
            continue
        value, problem = coerce(fact, declaration.type)
        if problem is None and isinstance(value, Decimal):
            problem = _outside(fact, value, declaration)
        if problem is not None:
            diagnostics.append(problem)
        elif value is not None:
            values[name] = value
            if memo is not None and len(memo) < MEMO_LIMIT and not isinstance(fact.value, tuple):
                memo[(name, fact.value)] = value
    for name, fact in facts.values.items():
        if name not in declared:
            close = did_you_mean(name, declared)
            close_zh = suggest(name, declared)
            diagnostics.append(warning(
                "PE404", f"the facts file gives `{name}`, which the rules do not declare", fact.key_span or fact.span,
                "not used", path=facts.name,
                help=close or "remove it, or declare it in the rule file with `fact 名称: 单位`",
                zh=Chinese(f"事实文件给出了 `{name}`，但规则文件没有声明它", "未使用",
                           _did_you_mean_zh(close_zh) or "请删除它，或在规则文件中用 `事实 名称: 单位` 声明")))
    return values, diagnostics


def _items(fact: FactValue, declaration: Declared) -> tuple[Value | None, list[Diagnostic]]:
    """A list fact's items, each field read against its declared type, with every problem found."""
    list_type = declaration.type
    if not isinstance(list_type, ListType):
        return None, [error("PE406", f"the value of `{fact.name}` is a list, but the rules declare "
                                     f"{list_type.describe()}", fact.span, "a list",
                            help="write a single value, e.g. `8,567,111.51 元`",
                            zh=Chinese(f"`{fact.name}` 的值是列表，但规则声明的是{describe_zh(list_type)}", "列表",
                                       "请写单个值，例如 `8,567,111.51 元`"))]
    if not isinstance(fact.value, tuple):
        sample = ", ".join(f"{name}: {_sample(field_type)}" for name, field_type in list_type.fields)
        return None, [error("PE406", f"`{fact.name}` must be a list of items, each with "
                                     + ", ".join(f"`{n}`" for n, _ in list_type.fields), fact.span, "not a list",
                            help=f"give it as a list in a YAML, JSON or TOML facts file, one item per "
                                 f"sub-project: `{fact.name}: [{{{sample}}}, …]`",
                            zh=Chinese(f"`{fact.name}` 应为列表，每一项有 "
                                       + "、".join(f"`{n}`" for n, _ in list_type.fields),
                                       "不是列表", "请在 YAML、JSON 或 TOML 事实文件中写成列表，每个子项目一项："
                                       f"`{fact.name}: [{{{sample}}}, …]`"))]
    problems: list[Diagnostic] = []
    items: list[dict[str, Value]] = []
    for number, item in enumerate(fact.value, 1):
        read: dict[str, Value] = {}
        for field, field_type in list_type.fields:
            given = item.get(field)
            label = f"{fact.name}[{number}].{field}"
            if given is None:
                problems.append(error("PE401", f"item {number} of `{fact.name}` does not give `{field}`",
                                      fact.span or declaration.span, f"item {number}",
                                      help=f"add `{field}` to every item of `{fact.name}`",
                                      zh=Chinese(f"`{fact.name}` 的第 {number} 项没有给出 `{field}`", f"第 {number} 项",
                                                 f"请在 `{fact.name}` 的每一项中加上 `{field}`")))
                continue
            value, problem = coerce(attrs.evolve(given, name=label), field_type)
            if problem is None and isinstance(value, Decimal):
                problem = _outside(attrs.evolve(given, name=label), value,
                                   Declared(field_type, declaration.span))
            if problem is not None:
                problems.append(problem)
            elif value is not None:
                read[field] = value
        for field, given in item.items():
            if list_type.field(field) is None:
                close = did_you_mean(field, [n for n, _ in list_type.fields])
                problems.append(warning("PE404", f"item {number} of `{fact.name}` gives `{field}`, which the list does "
                                               "not declare", given.key_span or given.span, "not declared",
                                      help=close or f"declare it among the fields of `{fact.name}`, or remove it",
                                      zh=Chinese(f"`{fact.name}` 的第 {number} 项给出了列表未声明的 `{field}`",
                                                 "未声明", f"请在 `{fact.name}` 的字段中声明它，或删除它")))
        items.append(read)
    return (tuple(items) if not any(p.is_error for p in problems) else None), problems


def _outside(fact: FactValue, value: Decimal, declaration: Declared) -> Diagnostic | None:
    label = counted_unit(declaration.type)
    if label is not None and (value < 0 or (label != "天" and value != value.to_integral_value())):
        what = "negative" if value < 0 else "not a whole number"
        rule = "cannot be negative" if value < 0 else "is a whole number"
        return error("PE409", f"`{fact.name}` is {format_value(value, declaration.type)}: a count of {label} {rule}",
                     fact.span, what,
                     notes=(f"declared as a count at {declaration.span.location()}",),
                     help=f"enter the number of {label} as counted (a report's \"95 人左右\" is entered as 95 人, "
                          "with the wording as its note)",
                     zh=Chinese(f"`{fact.name}` 是 {format_value(value, declaration.type)}：{label}数不能是"
                                f"{'负数' if value < 0 else '非整数'}", "负数" if value < 0 else "不是整数",
                                f"请按实际清点的{label}数填写（报告中的“95 人左右”填作 95 人，原话作为备注）",
                                (f"在 {declaration.span.location()} 声明为计数",)))
    low, high = declaration.low, declaration.high
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    shown = [format_value(end, declaration.type) for end in (low, high) if end is not None]
    return error("PE409", f"`{fact.name}` is {format_value(value, declaration.type)}, outside the range the rules "
                          f"declare ({' to '.join(shown)})", fact.span, "out of range", path=None,
                 notes=(f"declared at {declaration.span.location()}",),
                 help="check the value in the facts file; if it is right, the rule file's range is wrong",
                 zh=Chinese(f"`{fact.name}` 是 {format_value(value, declaration.type)}，超出了规则声明的范围"
                            f"（{' 到 '.join(shown)}）", "超出范围",
                            "请检查事实文件中的值；如果值没错，就是规则文件的范围有误",
                            (f"在 {declaration.span.location()} 声明",)))


def _missing(name: str, declaration: Declared, facts: Facts, declared: Mapping[str, Declared]) -> Diagnostic:
    # Only names the rules do not declare can be a misspelling of this one.
    close = did_you_mean(name, [given for given in facts.values if given not in declared])
    example = {NumberType: "8,567,111.51 元", JudgementType: '"…"', BoolType: "true", TextType: '"…"'}
    sample = example.get(type(declaration.type), "…")
    if isinstance(declaration.type, JudgementType):
        sample = f'"{declaration.type.options[0]}"'
    elif isinstance(declaration.type, NumberType):
        sample = _sample_number(declaration.type)
    elif isinstance(declaration.type, DateType):
        sample = "2023-06-30"
    help_text = f"add `{name}: {sample}` to {facts.name}"
    lowered = facts.name.lower()
    if ".csv (" in lowered or ".xlsx (" in lowered:  # a row of a unit table
        help_text = f"fill the column `{name}` of this unit's row (e.g. `{sample}`), adding the column if needed"
    elif lowered.endswith(".xlsx"):
        help_text = f"add a row to {facts.name}: `{name}` in the first column, `{sample}` in the second"
    close_names = suggest(name, [given for given in facts.values if given not in declared])
    help_zh = f"请在 {facts.name} 中加上 `{name}: {sample}`"
    if ".csv (" in lowered or ".xlsx (" in lowered:
        help_zh = f"请填写这个单位那一行的 `{name}` 列（例如 `{sample}`），没有这一列就加上"
    elif lowered.endswith(".xlsx"):
        help_zh = f"请在 {facts.name} 中加一行：第一列 `{name}`，第二列 `{sample}`"
    if close:
        help_text = f"the facts file has a similar name: {close} Otherwise {help_text}"
        help_zh = f"事实文件中有相近的名称：{_did_you_mean_zh(close_names)} 否则，{help_zh}"
    return error("PE401", f"the facts file `{facts.name}` does not give `{name}`", declaration.span,
                 "declared here", help=help_text,
                 zh=Chinese(f"事实文件 `{facts.name}` 没有给出 `{name}`", "在此声明", help_zh))


def _sample(value_type: ValueType) -> str:
    """A value of `value_type` as a facts file writes it, for a help."""
    if isinstance(value_type, NumberType):
        return _sample_number(value_type)
    if isinstance(value_type, JudgementType):
        return value_type.options[0]
    if isinstance(value_type, DateType):
        return "2023-06-30"
    return "是" if isinstance(value_type, BoolType) else "…"


def _did_you_mean_zh(close: list[str], quote: str = "`") -> str | None:
    return ("是否想写 " + " 或 ".join(f"{quote}{c}{quote}" for c in close) + "？") if close else None


def _sample_number(value_type: NumberType) -> str:
    if value_type.percent:
        return "95%"
    if value_type.display is not None:
        return "100 " + value_type.display.word
    return "100"


def coerce(fact: FactValue, value_type: ValueType) -> tuple[Value | None, Diagnostic | None]:
    """One fact as a value of `value_type`, or the diagnostic saying why it is not one."""
    raw = fact.value
    if isinstance(raw, tuple):  # a list where one value belongs
        return None, error("PE406", f"the value of `{fact.name}` is a list or table, not a single value", fact.span,
                           help="write a single value, e.g. `8,567,111.51 元`",
                           zh=Chinese(f"`{fact.name}` 的值是列表或表，不是单个值",
                                      help="请写单个值，例如 `8,567,111.51 元`"))
    if isinstance(value_type, NumberType):
        return _number(fact, value_type)
    if isinstance(value_type, JudgementType):
        text = str(raw).strip() if not isinstance(raw, bool) else None
        if text is not None and text in value_type.options:
            return text, None
        shown = f'"{raw}"' if isinstance(raw, str) else str(raw)
        close = did_you_mean(str(raw), value_type.options, quote='"')
        return None, error("PE405", f"{shown} is not one of the judgements of `{fact.name}`", fact.span,
                           "unknown judgement",
                           notes=("the judgements are " + ", ".join(f'"{o}"' for o in value_type.options),),
                           help=close or "use one of the judgements the rule file declares",
                           zh=Chinese(f"{shown} 不是 `{fact.name}` 的可选答案之一", "未知答案",
                                      _did_you_mean_zh(suggest(str(raw), value_type.options), '"')
                                      or "请使用规则文件声明的答案之一",
                                      ("可选答案为 " + "、".join(f'"{o}"' for o in value_type.options),)))
    if isinstance(value_type, DateType):
        return _date(fact)
    if isinstance(value_type, BoolType):
        if isinstance(raw, bool):
            return raw, None
        word = str(raw).strip().lower()
        if word in _YES or word in _NO:
            return word in _YES, None
        return None, error("PE408", f"`{fact.name}` must be yes or no, but is `{raw}`", fact.span,
                           help="write true or false (是 / 否 also work)",
                           zh=Chinese(f"`{fact.name}` 应为是或否，但写的是 `{raw}`",
                                      help="请写 是 或 否（true / false 也可以）"))
    return (str(raw) if not isinstance(raw, Decimal) else format(raw, "f")), None


def _date(fact: FactValue) -> tuple[Value | None, Diagnostic | None]:
    raw = fact.value
    text = raw if isinstance(raw, str) else str(raw).lower()
    try:
        return day_number(parse_date_text(text)), None
    except DateTextError as exc:
        reason = str(exc)
    if reason == "not a date":
        message = f"`{fact.name}` must be a date, but is `{text}`"
        message_zh = f"`{fact.name}` 应为日期，但写的是 `{text}`"
    else:
        message = f"`{fact.name}` is `{text}`, {reason}"
        message_zh = f"`{fact.name}` 写的是 `{text}`，{date_reason_zh(reason)}"
    return None, error("PE415", message, fact.span, "not a date",
                       help="write the day as year-month-day: `2023-06-30` (or `2023/6/30`, `2023年6月30日`)",
                       zh=Chinese(message_zh, "不是日期",
                                  "请按年-月-日写出这一天：`2023-06-30`（或 `2023/6/30`、`2023年6月30日`）"))


def _number(fact: FactValue, value_type: NumberType) -> tuple[Value | None, Diagnostic | None]:
    raw = fact.value
    assert not isinstance(raw, tuple)  # `coerce` refused a list
    example = _sample_number(value_type)
    if isinstance(raw, bool):
        return None, error("PE402", f"`{fact.name}` must be a number, but is {str(raw).lower()}", fact.span,
                           "not a number", help=f"write a number, e.g. `{example}`",
                           zh=Chinese(f"`{fact.name}` 应为数字，但写的是 {'是' if raw else '否'}", "不是数字",
                                      f"请写一个数字，例如 `{example}`"))
    if isinstance(raw, Decimal):
        amount, word = raw, ""
    else:
        try:
            amount, word = parse_number_text(raw)
        except NumberTextError:
            return None, error(
                "PE402", f"`{fact.name}` must be a number, but is `{raw}`", fact.span, "not a number",
                help=f"write the number itself, e.g. `{example}`; the report's own wording can be kept as a "
                     "note beside it (see \"Facts files\" in docs/language.md)",
                zh=Chinese(f"`{fact.name}` 应为数字，但写的是 `{raw}`", "不是数字",
                           f"请直接写数字，例如 `{example}`；报告的原话可以作为备注写在旁边"
                           "（见 docs/language.md 的“Facts files”）"))
    display = value_type.display
    if (display is not None and display.factor != 1 and not word and isinstance(raw, str)
            and chinese_number_text(raw) is not None):  # `一百万` for a fact in 万元: 100 万 万元, or 100 万 元?
        unit, base = display.word, display.word.lstrip("万亿")
        return None, error(
            "PE402", f"`{fact.name}` is `{raw}`, in words and without a unit: for a fact in {unit} that "
                     f"could mean {plain(amount)} {unit} or {plain(amount)} {base}", fact.span,
            "which unit?", help=f"write the unit too, e.g. `{raw}{base}`, or the number: `{example}`",
            zh=Chinese(f"`{fact.name}` 写的是 `{raw}`，用了汉字又没有单位：对于以{unit}计的事实，可能是 "
                       f"{plain(amount)} {unit}，也可能是 {plain(amount)} {base}", "哪个单位？",
                       f"请把单位也写上，例如 `{raw}{base}`，或写数字：`{example}`"))
    if not in_range(amount):
        return None, error(
            "PE402", f"`{fact.name}` is `{raw}`, which is not a number perfeval accepts", fact.span,
            "out of range",
            help="a fact must be a finite number with at most 18 digits before and 18 after the decimal point",
            zh=Chinese(f"`{fact.name}` 写的是 `{raw}`，不是 perfeval 接受的数字", "超出范围",
                       "事实必须是有限的数，整数部分和小数部分各不超过 18 位"))
    if word:
        info = UNITS.get(word)
        if info is None:
            same_kind = [w for w, i in UNITS.items() if i.dim == value_type.dim and i.percent == value_type.percent]
            close = did_you_mean(word, same_kind)
            close_zh = _did_you_mean_zh(suggest(word, same_kind))
            return None, error(
                "PE402", f"`{fact.name}` is `{raw}`: `{word}` is not a unit I know", fact.span, "unknown unit",
                help=(close + " " if close else "") + f"write the number and one unit, e.g. `{example}`; the "
                     "report's own wording can be kept as a note beside it",
                zh=Chinese(f"`{fact.name}` 写的是 `{raw}`：不认识单位 `{word}`", "未知单位",
                           (close_zh or "") + f"请写数字和一个单位，例如 `{example}`；报告的原话可以作为备注写在旁边"))
        if info.dim != value_type.dim:
            return None, error(
                "PE403", f"`{fact.name}` is declared as {value_type.describe()}, but the facts give `{raw}`",
                fact.span, f"{dim_name(info.dim) if info.dim else 'a percentage'}",
                help=f"write it in {_unit_words(value_type)}, or correct the declaration in the rule file",
                zh=Chinese(f"`{fact.name}` 声明为{describe_zh(value_type)}，但事实写的是 `{raw}`",
                           f"{dim_name(info.dim) if info.dim else '百分比'}",
                           f"请用 {_unit_words_zh(value_type)} 来写，或更正规则文件中的声明"))
        if value_type.percent != info.percent and not value_type.percent:
            return None, error("PE403", f"`{fact.name}` is a plain number, but the facts give `{raw}`",
                               fact.span, "a percentage", help="write the number without a percent sign",
                               zh=Chinese(f"`{fact.name}` 是不带单位的数，但事实写的是 `{raw}`", "百分比",
                                          "请写不带百分号的数"))
        return CONTEXT.multiply(amount, info.factor), None
    if value_type.percent:
        shown = plain(amount)
        return None, error(
            "PE407", f"`{fact.name}` is a percentage, but `{raw}` has no percent sign", fact.span,
            "no percent sign",
            help=f"write it with a percent sign: `{shown}%` if that is meant, or `{plain(amount * 100)}%` if "
                 f"{shown} is a fraction",
            zh=Chinese(f"`{fact.name}` 是百分比，但 `{raw}` 没有百分号", "没有百分号",
                       f"请带上百分号：若本意如此，写 `{shown}%`；若 {shown} 是小数比例，写 `{plain(amount * 100)}%`"))
    factor = value_type.display.factor if value_type.display is not None else Decimal(1)
    return CONTEXT.multiply(amount, factor), None


def _unit_words(value_type: NumberType) -> str:
    words = [w for w, info in UNITS.items() if info.dim == value_type.dim and not info.percent]
    return " or ".join(f"`{w}`" for w in words[:3]) or "the declared unit"


def _unit_words_zh(value_type: NumberType) -> str:
    words = [w for w, info in UNITS.items() if info.dim == value_type.dim and not info.percent]
    return " 或 ".join(f"`{w}`" for w in words[:3]) or "声明的单位"
