"""The words of the rule language: its keywords in English and Chinese, and which names need no quotes.

Kept apart from `syntax` (the only module that knows Lark) so that the stages writing rule text back
(`unparse`, `formatter`, `convert`) can quote a name exactly when the grammar needs it. A test keeps these
lists and `NAME_PATTERN` equal to grammar/perfeval.lark. Imports nothing of perfeval's.
"""

from __future__ import annotations

import re

# Every keyword of the language, as the grammar spells it (a test checks this list against the grammar).
KEYWORDS = (
    "title", "total", "grades", "otherwise", "fact", "number", "boolean", "text", "let", "group",
    "indicator", "weight", "explanation", "standard", "target", "direction", "score", "by", "if", "then", "else",
    "between", "and", "or", "not", "true", "false", "per", "deduct", "limit", "prorated", "checklist",
    "to", "judged", "override", "rounding", "indicators", "groups", "places", "half_up", "down", "grade_exact",
    "veto", "grade_at_most", "not_applicable", "rescale", "interpolate", "equal",
    "date", "if_missing", "if_not_applicable", "move_weight_to", "list",
)

# The Chinese forms of the keywords, each with the English keyword it stands for (the first form of each is
# the one `perfeval fmt --keywords zh` writes). `不得分` is a phrase: `否则不得分` is `else 0`.
KEYWORDS_ZH = {
    "标题": "title", "总分": "total", "满分": "total", "等级": "grades", "评价等级": "grades",
    "其他": "otherwise", "其余": "otherwise", "事实": "fact", "数值": "number", "是否": "boolean", "文本": "text",
    "令": "let", "设": "let", "分组": "group", "一级指标": "group", "二级指标": "group", "指标": "indicator",
    "三级指标": "indicator", "分值": "weight", "指标解释": "explanation", "评分标准": "standard",
    "目标值": "target", "绩效目标值": "target", "方向": "direction", "得分": "score", "按": "by", "若": "if",
    "如果": "if", "得": "then", "否则": "else", "介于": "between", "与": "and", "和": "and", "至": "and",
    "到": "and", "之间": "", "且": "and", "并且": "and", "或": "or", "或者": "or", "非": "not", "是": "true",
    "真": "true", "否": "false", "假": "false", "不得分": "0",
    "每": "per", "扣": "deduct", "最多扣": "limit", "扣满": "limit", "为止": "", "按比例": "prorated",
    "扣完为止": "", "逐项": "checklist", "对": "to", "评定": "judged", "调整得分": "override",
    "取整": "rounding", "小计": "groups", "保留": "", "位": "places", "四舍五入": "half_up", "截尾": "down",
    "等级按未取整总分": "grade_exact", "一票否决": "veto", "等级最高为": "grade_at_most",
    "不适用": "not_applicable", "按比例折算": "rescale", "插值": "interpolate", "平分": "equal", "平均分配": "equal",
    "日期": "date", "缺失时": "if_missing", "不适用时": "if_not_applicable", "分值转入": "move_weight_to",
    "权重调整到": "move_weight_to", "列表": "list",
}

# The grammar's NAME terminal: a name never starts with 若, 如果 or 否则, is never one of the words of `_SPLIT`
# alone, and never runs on into one of them before a digit.
_SPLIT = "得|分值|介于|每|扣|扣满|最多扣|保留"
NAME_PATTERN = (rf"(?!若|如果|否则)(?!(?:{_SPLIT})(?!\w))(?!(?:{_SPLIT})[0-9０-９])[^\W\d]"
                rf"(?:(?!(?:{_SPLIT})[0-9０-９])\w)*")
_NAME = re.compile(NAME_PATTERN)


# Keywords that can begin an expression or a condition: there, a name spelt like one would read as the keyword.
# Elsewhere a name may be spelt like a keyword (`fact 目标值: 个`, `目标值 <= 实际值`): the parser only takes a
# keyword where one can stand.
EXPRESSION_KEYWORDS = frozenset({"weight", "分值", "true", "false", "是", "真", "否", "假", "not", "非",
                                 "between", "介于", "by", "按", "checklist", "逐项",
                                 "prorated", "按比例", "judged", "评定"})


def is_bare_name(name: str) -> bool:
    """Whether `name` can be written without 「」 wherever a name goes."""
    return _NAME.fullmatch(name) is not None and name not in EXPRESSION_KEYWORDS


def quoted_name(name: str) -> str:
    """`name` as a rule file writes it: bare, or in corner brackets (【】 if it holds a 」)."""
    if is_bare_name(name):
        return name
    return f"【{name}】" if "」" in name else f"「{name}」"


def quoted_text(text: str) -> str:
    """`text` as a rule file writes a text: in "…", or in “…” or ‘…’ when it holds a `"`."""
    if '"' not in text:
        return f'"{text}"'
    return f"“{text}”" if "”" not in text else f"‘{text}’"
