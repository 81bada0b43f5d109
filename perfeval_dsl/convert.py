"""Rule files from English keywords to Chinese ones and back (`perfeval fmt --keywords zh|en`).

Only keywords change: names, texts, numbers, comments and layout stay as written, so a file converted and
converted back is the file again (a test holds it for the seed). Where a Chinese keyword has no English twin
word for word, the phrase is rewritten: `否则不得分` is `else 0`, and `介于 80% 与 90% 之间` drops `之间`.
Imports `keywords`, `syntax`, `source`.
"""

from __future__ import annotations

from perfeval_dsl.keywords import KEYWORDS_ZH
from perfeval_dsl.source import Source
from perfeval_dsl.syntax import KeywordToken, keyword_tokens

LANGUAGES = ("zh", "en")

# The Chinese a converted file uses for each English keyword, where it does not depend on the place.
TO_CHINESE = {
    "title": "标题", "total": "总分", "grades": "等级", "otherwise": "其他", "fact": "事实", "number": "数值",
    "boolean": "是否", "text": "文本", "let": "令", "indicator": "指标", "weight": "分值",
    "explanation": "指标解释", "standard": "评分标准", "target": "目标值", "direction": "方向", "score": "得分",
    "by": "按", "if": "若", "then": "得", "else": "否则", "between": "介于", "or": "或", "not": "非",
    "true": "是", "false": "否", "per": "每", "deduct": "扣", "limit": "最多扣", "prorated": "按比例",
    "checklist": "逐项", "to": "对", "judged": "评定", "override": "调整得分",
    "rounding": "取整", "indicators": "指标", "groups": "小计", "places": "位", "half_up": "四舍五入", "down": "截尾",
    "grade_exact": "等级按未取整总分", "veto": "一票否决", "grade_at_most": "等级最高为",
    "not_applicable": "不适用", "rescale": "按比例折算", "interpolate": "插值",
    "equal": "平分", "date": "日期", "if_missing": "缺失时", "if_not_applicable": "不适用时",
    "move_weight_to": "分值转入", "list": "列表",
}
_BETWEEN_RULES = {"between", "partial_between", "fact_range", "judged"}


def convert_keywords(text: str, to: str, name: str = "<string>") -> str | None:
    """`text` with every keyword in language `to` ("zh" or "en"); None if the text does not parse."""
    if to not in LANGUAGES:
        raise ValueError(f"unknown keyword language {to!r}; choose zh or en")
    tokens = keyword_tokens(Source(name, text))
    if tokens is None:
        return None
    pieces: list[str] = []
    position = 0
    last = ""  # the last character written
    previous: str | None = None  # the English keyword written last, if only spaces followed it
    for token in tokens:
        word = _chinese(token) if to == "zh" else _english(token)
        start = token.start
        if to == "en" and word == "then" and previous == "else" and not text[position:start].strip():
            word = ""  # `否则 得 0 分` is `else 0`, not `else then 0`
        if word == "" and to == "en":  # 之间, a dropped 得: drop it with the space before it
            while start > position and text[start - 1] in " \u3000":
                start -= 1
        between = text[position:start]
        pieces.append(between)
        last = between[-1:] or last
        if word and to == "en":  # an English word glued to a Chinese name would become part of the name
            if last and _joins(last):
                word = " " + word
            if token.end < len(text) and _joins(text[token.end]):
                word = word + " "
        pieces.append(word)
        last = word[-1:] or last
        position = token.end
        if to == "en":
            previous = word.strip() or previous
    pieces.append(text[position:])
    return "".join(pieces)


def _joins(char: str) -> bool:
    return char.isalnum() or char == "_" or char in "%％‰"


def _chinese(token: KeywordToken) -> str:
    word = token.word
    if word not in TO_CHINESE and word not in ("and", "group"):
        return word  # already Chinese
    if word == "group":
        return {1: "一级指标", 2: "二级指标"}.get(token.depth, "分组")
    if word == "and":
        return "与" if token.rule in _BETWEEN_RULES else "且"
    return TO_CHINESE[word]


def _english(token: KeywordToken) -> str:
    word = token.word
    if word not in KEYWORDS_ZH:
        return word  # already English
    if token.rule == "round_indicators":
        return "indicators"  # `取整 指标`: the indicators' scores, not the `indicator` keyword
    if token.rule in ("grade_otherwise", "otherwise_arm"):
        return "otherwise"  # `差 否则`, `否则 → 0`: not the `else` of a tier chain
    return KEYWORDS_ZH[word]
