"""The 绩效指标评价表 as evaluation reports print it: one row per indicator, under its 一级/二级 groups.

This is the layout the printable formats share (XLSX, Markdown, HTML): the columns of the report's table
(一级/二级/三级指标, 指标解释, 评分标准, 绩效目标值, 实际完成值, 指标分值, 评价得分), the hierarchy cells
each group covers (which a format may merge), a 小计 row after each 一级 group, then 合计 and 评价等级; and
the words of the parts around the table (findings, trace, audit record) in either language.
Nothing is evaluated here: every value comes from the `Result`.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from perfeval_dsl.report.trace import LANGUAGES, WORDS
from perfeval_dsl.result import IndicatorResult, Result

LEVEL_NAMES = ("一级指标", "二级指标", "三级指标", "四级指标", "五级指标", "六级指标")
TEXT_COLUMNS = ("指标解释", "评分标准", "绩效目标值", "实际完成值")
NUMBER_COLUMNS = ("指标分值", "评价得分")

# The words of a printable report around its table, per language. The table is the report's own, so it is in
# Chinese in both; in English the other parts are named in both languages, for readers of either, and in
# Chinese in Chinese only. The trace's words (WORDS) give those the two share.
REPORT_WORDS = {
    "en": {"findings": "发现 Findings", "no findings": "无。None.", "trace": "评分过程 Trace",
           "audit": "审计 Audit record", "version": "perfeval 版本 version",
           "evaluated": "评价时间 evaluated at (UTC)", "rules": "规则文件 rules", "rules sha256": "规则 SHA-256",
           "facts": "事实 facts", "facts sha256": "事实 SHA-256", "not from a file": WORDS["en"]["not from a file"],
           "code": "代码 code", "severity": "级别 severity", "location": "位置 location", "message": "说明 message",
           "text": "全文 text"},
    "zh": {"findings": "发现", "no findings": "无。", "trace": "评分过程", "audit": "审计记录",
           "version": "perfeval 版本", "evaluated": "评价时间（UTC）", "rules": WORDS["zh"]["rules"],
           "rules sha256": f"{WORDS['zh']['rules']} SHA-256", "facts": WORDS["zh"]["facts"],
           "facts sha256": f"{WORDS['zh']['facts']} SHA-256", "not from a file": WORDS["zh"]["not from a file"],
           "code": "代码", "severity": "级别", "location": "位置", "message": "说明", "text": "全文"},
}


def report_words(lang: str) -> dict[str, str]:
    """The printable report's own words in `lang` ("en" or "zh")."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    return REPORT_WORDS[lang]


@attrs.frozen
class AuditRow:
    """One line of the audit record: its label and value; a `digest` (a SHA-256) is shown as code."""

    label: str
    value: str
    digest: bool = False


def audit_rows(result: Result, lang: str) -> tuple[AuditRow, ...]:
    """The audit record as the printable reports list it: version, time, and each file with its SHA-256."""
    words = report_words(lang)
    audit = result.audit
    facts_digest = (AuditRow(words["facts sha256"], audit.facts_sha256, digest=True) if audit.facts_sha256
                    else AuditRow(words["facts sha256"], words["not from a file"]))
    return (AuditRow(words["version"], audit.perfeval_version),
            AuditRow(words["evaluated"], audit.evaluated_at_text),
            AuditRow(words["rules"], audit.rules),
            AuditRow(words["rules sha256"], audit.rules_sha256, digest=True),
            AuditRow(words["facts"], audit.facts),
            facts_digest)


@attrs.frozen
class TableRow:
    """One row of the table. `kind` is "indicator", "subtotal" (a 一级 group's 小计), "total" (合计) or "grade"
    (评价等级); for the last three, `levels[0]` is the row's label and the other level cells are empty."""

    kind: str
    levels: tuple[str, ...]
    explanation: str = ""
    standard: str = ""
    target: str = ""
    actual: str = ""
    weight: Decimal | None = None
    score: Decimal | str | None = None  # the grade's label on the grade row
    indicator: IndicatorResult | None = None

    @property
    def texts(self) -> tuple[str, str, str, str]:
        return self.explanation, self.standard, self.target, self.actual


@attrs.frozen
class Merge:
    """A hierarchy cell covering rows `first`..`last` (inclusive, 0-based in `ScoreTable.rows`) of `column`."""

    column: int
    first: int
    last: int


@attrs.frozen
class ScoreTable:
    title: str
    level_headers: tuple[str, ...]
    rows: tuple[TableRow, ...]
    merges: tuple[Merge, ...]
    grade: str

    @property
    def headers(self) -> tuple[str, ...]:
        return (*self.level_headers, *TEXT_COLUMNS, *NUMBER_COLUMNS)


def score_table(result: Result) -> ScoreTable:
    """The result laid out as the report's indicator table."""
    indicators = result.indicators
    depth = max([3, *(len(r.path) + 1 for r in indicators)])
    headers = tuple(LEVEL_NAMES[i] if i < len(LEVEL_NAMES) else f"{i + 1}级指标" for i in range(depth))
    subtotals = {(*group.group.path, group.name): group for group in result.groups if not group.group.path}
    rows: list[TableRow] = []
    merges: list[Merge] = []
    block: list[IndicatorResult] = []

    def close_block() -> None:
        if not block:
            return
        first = len(rows)
        for indicator in block:
            rows.append(_indicator_row(indicator, depth))
        merges.extend(_merges(rows, first, len(rows) - 1, depth))
        top = block[0].path[:1]
        if top and top in subtotals:
            group = subtotals[top]
            rows.append(TableRow(kind="subtotal", levels=(f"{group.name} 小计", *[""] * (depth - 1)),
                                 weight=result.group_weight(group), score=group.score))
        block.clear()

    for indicator in indicators:
        if block and block[0].path[:1] != indicator.path[:1]:
            close_block()
        block.append(indicator)
    close_block()
    rows.append(TableRow(kind="total", levels=("合计", *[""] * (depth - 1)), weight=result.max_total,
                         score=result.total))
    rows.append(TableRow(kind="grade", levels=("评价等级", *[""] * (depth - 1)), score=result.grade))
    return ScoreTable(title=result.title, level_headers=headers, rows=tuple(rows), merges=tuple(merges),
                      grade=result.grade)


def _indicator_row(result: IndicatorResult, depth: int) -> TableRow:
    # The indicator's name goes in the last level column; a shallower indicator leaves the levels between empty.
    levels = (*result.path, *[""] * (depth - 1 - len(result.path)), result.name)
    indicator = result.indicator
    return TableRow(kind="indicator", levels=levels, explanation=indicator.explanation or "",
                    standard=indicator.standard or "", target=indicator.target or "", actual=result.actual,
                    weight=result.weight_applied, score="不适用" if result.not_applicable else result.score,
                    indicator=result)


def _merges(rows: list[TableRow], first: int, last: int, depth: int) -> list[Merge]:
    """The group cells of rows first..last: each run of rows under one group, per level column."""
    merges = []
    for column in range(depth - 1):
        start = first
        for index in range(first + 1, last + 2):
            same = (index <= last and rows[index].levels[: column + 1] == rows[start].levels[: column + 1]
                    and rows[start].levels[column] != "")
            if not same:
                if index - 1 > start and rows[start].levels[column]:
                    merges.append(Merge(column, start, index - 1))
                start = index
    return merges
