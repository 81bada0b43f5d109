"""The command line's own words in Chinese (`perfeval --lang zh`): each command's and option's help text,
click's messages (usage errors, the help page's headings), and wrapping for a help page in Chinese.

`cli` puts these on its commands and into click for a run in Chinese; in English it shows what its own
decorators say. Imports `source`.
"""

from __future__ import annotations

import re

from perfeval_dsl.source import display_width

# Each command's Chinese words, by the command's name (`cli` is the `perfeval` group): the one line of the
# command list, the whole help text (click's layout: `\b` keeps a paragraph's lines as written), and each
# option's help by the option's name. A test checks that every command and option has its Chinese words.
COMMANDS: dict[str, tuple[str, str, dict[str, str]]] = {
    "cli": (
        "",
        "perfeval：根据规则文件和事实为预算绩效评价评分。\n\n"
        "\b\n退出码：0 成功 · 1 规则或事实有错误 ·\n"
        "        2 用法或文件错误 · 3 内部错误（perfeval 的缺陷，请报告）",
        {"version": "显示版本号并退出。",
         "lang": "输出的语言（默认：PERFEVAL_LANG，其次是系统的区域设置：zh_* 为中文）。"},
    ),
    "eval": (
        "为一个被评价单位评分：显示评分过程、总分和等级。",
        "为一个被评价单位评分：按规则文件 RULES 评价它的事实，显示评分过程、总分和等级。",
        {"facts_path": "被评价单位的事实：.yaml、.toml 或 .json 文件，或一张名称/数值两列的表（.xlsx 或 .csv）。",
         "output_format": "text：供评审核对的评分过程；json：有文档说明的结果文档；md、html、xlsx：可打印的报告"
                          "（绩效指标评价表、发现的问题、评分过程和审计记录）；xlsx 需要 -o FILE。",
         "explain": "评分过程显示多少：每个指标（full）、只显示失分的指标（fails），或不显示（off）。",
         "output": "把输出写入这个文件（原子写入），而不是显示在终端。"},
    ),
    "check": (
        "在事实到来之前找出规则文件中的错误。",
        "在事实到来之前找出规则文件中的错误。\n\n"
        "先查名称、类型、单位、分值和等级；再对每条评分规则查它在所有取值上的表现：档次之间的空档、"
        "重叠或永远用不到的档次、可能超出 0 到分值的得分、与声明的方向相反的得分变化。"
        "`perfeval explain CODE` 解释每一项发现。",
        {"strict": "有警告也不通过（退出码 1）。",
         "output_format": "text：诊断和汇总写到标准错误；json：一份文档写到标准输出。"},
    ),
    "test": (
        "运行为规则文件写的示例用例，并报告分档覆盖率。",
        "运行为规则文件写的示例用例，并报告分档覆盖率。\n\n"
        "TARGET 是测试文件（`anning-2020.tests.yaml`），或规则文件（使用与它同名的测试文件）。"
        "所有用例通过（且覆盖率不低于 --min-coverage）时退出码为 0，否则为 1。",
        {"min_coverage": "当用例覆盖到的规则分支少于 N% 时不通过（退出码 1）。",
         "output_format": "text：每个用例及覆盖率；json：供工具读取的一份文档。"},
    ),
    "batch": (
        "为多个被评价单位评分：UNITS 是每个单位一行的表，或存放事实文件的文件夹。",
        "为多个被评价单位评分：UNITS 是每个单位一行的 CSV 或 Excel（.xlsx）表，或存放事实文件的文件夹。\n\n"
        "某个单位的事实有错误时，报告它的诊断，其余单位照常评分。所有单位都评了分时退出码为 0，"
        "有单位无法评分时为 1。",
        {"out": "把每个单位的 JSON 文档写入这个文件夹，以单位名称命名。",
         "resume": "与 --out 一起用：跳过文档已在其中的单位（接着完成一次中断了的批量评分）。",
         "output_format": "汇总的形式：排名表、JSON 文档、CSV，或 Excel 工作簿（需要 -o FILE）。",
         "output": "把汇总写入这个文件（原子写入），而不是显示在终端。"},
    ),
    "boundaries": (
        "对每个分档界限，显示略低于、恰好等于和略高于它时的得分。",
        "对每个分档界限，显示略低于、恰好等于和略高于它时的得分。\n\n"
        "显示规则是单个值的分档链的所有指标，或只显示列出的 INDICATORS。“略低于”和“略高于”对计数相差 1，"
        "其他情况相差单位的 0.01（0.01%、0.01 元）；阈值写了更多小数位时相差更小。",
        {"output_format": "text：每个指标一张表；json：供工具读取的一份文档。"},
    ),
    "diff": (
        "逐个指标比较两次评价。",
        "逐个指标比较两次评价。\n\n"
        "\b\nperfeval diff OLD.json NEW.json                 两份 `eval --format json` 文档\n"
        "perfeval diff RULES -f OLD_FACTS -f NEW_FACTS   同一单位的两年（两套事实）\n"
        "perfeval diff OLD_RULES NEW_RULES -f FACTS      同一单位的事实在两版规则下\n"
        "perfeval diff OLD_RULES NEW_RULES -f OLD -f NEW 规则和事实都有变化",
        {"facts_paths": "用于评价的事实：给一次（同一套事实用于两个规则文件）或两次（先旧后新）。",
         "show_all": "没有变化的指标也列出。",
         "output_format": "text：以表格列出变化；json：perfeval-diff/1 文档。"},
    ),
    "fmt": (
        "把规则文件排成统一的规范格式，保留所有注释。",
        "把规则文件排成统一的规范格式，保留所有注释。给出文件夹时，处理其中及其子文件夹中的 .perfeval 文件。\n\n"
        "文件就地改写，原子写入（先写临时文件，再改名覆盖旧文件）。使用 --check 或 --diff 时不写入任何文件。"
        "退出码：0 完成（使用 --check 时：每个文件都已是规范格式）；1 有文件无法解析，或使用 --check 时有文件"
        "会被改动；2 有文件无法读取或写入。",
        {"check": "不做任何改动；有文件不是规范格式时退出码为 1。",
         "show_diff": "不做任何改动；打印格式化会改动的内容。",
         "keywords": "把关键字写成中文（得分、若、否则…）或英文；默认保持原样。"},
    ),
    "explain": (
        "解释一个诊断代码（如 PE601）：含义、示例和改法。",
        "解释一个诊断代码（PE601、pe601 或 601）：它的含义、一个示例和改法。\n\n不给 CODE 时，列出所有代码及其标题。",
        {},
    ),
}

# click's own messages (its gettext message ids) in Chinese. Path's messages leave out click's English
# `{name}` (File, Directory). A message not listed here is shown as click words it.
CLICK: dict[str, str] = {
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Invalid value: {message}": "值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such option: {name}": "没有选项 {name}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Did you mean {possibility}?": "是否想写 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否想写以下之一：{possibilities}？）",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{filename!r} 是文件，这里要的是文件夹。",
    "{name} {filename!r} is a directory.": "{filename!r} 是文件夹，这里要的是文件。",
    "{name} {filename!r} is not readable.": "{filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{filename!r} 不可写。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Aborted!": "已中止！",
}

# ---- wrapping Chinese text -------------------------------------------------------------------------------

_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_PIECE = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")
_NO_LINE_START = set("，。；：、）」』”’！？》〉】,.;:!?)]")  # punctuation stays with what it follows
_NO_LINE_END = set("（「『“‘《〈【([")  # and an opening bracket with what follows it


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The unbreakable pieces of a paragraph, each with whether a space comes before it: a Chinese character,
    or a run of other characters (a word, `--out`, a path), with punctuation joined to its neighbour."""
    pieces: list[tuple[str, bool]] = []
    space = False
    for piece in _PIECE.findall(text):
        if piece.isspace():
            space = True
            continue
        if pieces and not space and (piece[0] in _NO_LINE_START or pieces[-1][0][-1] in _NO_LINE_END):
            pieces[-1] = (pieces[-1][0] + piece, pieces[-1][1])
        else:
            pieces.append((piece, space))
        space = False
    return pieces


def _fill(text: str, width: int, indent: str) -> list[str]:
    """One paragraph in lines of at most `width` columns (a Chinese character takes two), each after
    `indent`; a line breaks between two Chinese characters or at a space."""
    lines: list[str] = []
    line, used = indent, display_width(indent)
    for piece, space in _pieces(text):
        added = (" " if space and line != indent else "") + piece
        if line != indent and used + display_width(added) > width:
            lines.append(line)
            line, used = indent + piece, display_width(indent + piece)
        else:
            line, used = line + added, used + display_width(added)
    lines.append(line)
    return lines


def wrap(text: str, width: int, indent: str = "") -> str:
    """`text` wrapped as click wraps a help text (paragraphs apart by an empty line; a paragraph whose first
    line is `\\b` kept as written), but measured in columns, so that Chinese lines fit the terminal."""
    paragraphs: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
        lines = paragraph.split("\n")
        if lines[0].strip() == "\b":
            paragraphs.append("\n".join(indent + line for line in lines[1:]))
            continue
        stripped = lines[0].lstrip()
        inner = indent + " " * (len(lines[0]) - len(stripped))
        joined = stripped
        for line in lines[1:]:
            line = line.strip()
            joined += line if re.match(rf"[{_WIDE}]", line) and re.search(rf"[{_WIDE}]$", joined) else " " + line
        paragraphs.append("\n".join(_fill(joined, width, inner)))
    return "\n\n".join(paragraphs)
