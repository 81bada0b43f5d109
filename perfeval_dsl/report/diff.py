"""`perfeval diff` for people: the two evaluations, the change of total and grade, then a table of the
indicators whose score, weight, rule or place changed (all of them with `show_all`), each with its 实际完成值
on both sides; then the 一级 subtotals. Its words in English or, with `lang="zh"`, in Chinese."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from perfeval_dsl.report.trace import LANGUAGES
from perfeval_dsl.report.trace import WORDS as TRACE_WORDS
from perfeval_dsl.source import display_width, printable
from perfeval_dsl.values import format_points

# The comparison's own words, per language; names, values and grades are shown as the documents hold them.
# In Chinese, the words the trace also uses are the trace's (总分, 等级).
WORDS = {
    "en": {"old": "old", "new": "new", "total": "total", "grade": "grade", "indicator": "indicator",
           "change": "change", "added": "added", "removed": "removed", "moved from": "moved from {path}",
           "rule changed": "rule changed", "weight changed": "weight changed", "separator": "; ",
           "total change": "  ({change})",
           "summary": "{changed} changed, {unchanged} unchanged, {added} added, {removed} removed"},
    "zh": {"old": "旧", "new": "新", "total": TRACE_WORDS["zh"]["Total"], "grade": TRACE_WORDS["zh"]["Grade"],
           "indicator": "指标", "change": "变化", "added": "新增", "removed": "删除",
           "moved from": "移自 {path}", "rule changed": "规则有变化", "weight changed": "分值有变化",
           "separator": "；", "total change": "（{change}）",
           "summary": "{changed} 个有变化，{unchanged} 个无变化，{added} 个新增，{removed} 个删除"},
}


def diff_text(document: dict[str, Any], *, show_all: bool = False, width: int = 120, lang: str = "en") -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, legacy_windows=False, soft_wrap=False,
                      emoji=False, highlight=False)
    for part in diff_parts(document, show_all=show_all, lang=lang):
        console.print(part)
    return buffer.getvalue()


def diff_parts(document: dict[str, Any], *, show_all: bool = False, lang: str = "en") -> Iterator[RenderableType]:
    """The comparison's lines and tables, its words in `lang` ("en" or "zh")."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    words = WORDS[lang]
    yield from _heading_lines(document, words)
    yield Text("")
    rows = [item for item in document["indicators"]
            if show_all or item["status"] != "unchanged" or item.get("moved") or item.get("rule_changed")]
    if rows:
        yield _indicator_table(rows, words)
    yield Text(words["summary"].format(**document["summary"]), style="dim")
    groups = [g for g in document["groups"] if not g["path"]]
    if groups:
        yield Text("")
        yield _group_table(groups, words)


def _heading_lines(document: dict[str, Any], words: dict[str, str]) -> Iterator[Text]:
    """Each side (its files, total and grade), then the change of total and of grade."""
    old, new = document["old"], document["new"]
    # the labels padded to one width, so the two sides' files start in one column in either language
    width = max(display_width(words["old"]), display_width(words["new"]))
    for label, side in ((words["old"], old), (words["new"], new)):
        line = Text(label + " " * (width - display_width(label) + 3), style="dim")
        line.append(f"{_shown(side['rules'])} · {_shown(side['facts'])}")
        line.append(f"   {_score(side['total'], side['max_total'])}  {_shown(side['grade'])}", style="bold")
        yield line
    change = document["total_change"]
    line = Text(f"{words['total']} ", style="bold")
    line.append(f"{format_points(old['total'])} → {format_points(new['total'])}"
                + words["total change"].format(change=_signed(change)), style=_style(change))
    line.append(f"   {words['grade']} ", style="bold")
    line.append(f"{_shown(old['grade'])} → {_shown(new['grade'])}",
                style="bold magenta" if document["grade_changed"] else "")
    yield line


def _group_table(groups: list[dict[str, Any]], words: dict[str, str]) -> Table:
    """The 一级 subtotals on both sides."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify in (("一级指标", "left"), (words["old"], "right"), (words["new"], "right"),
                            (words["change"], "right")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for group in groups:
        before, after, delta = group["old"], group["new"], group["score_change"]
        table.add_row(Text(_shown(group["name"])), _side_score(before), _side_score(after),
                      Text(_signed(delta), style=_style(delta)) if delta is not None else "")
    return table


def _indicator_table(rows: list[dict[str, Any]], words: dict[str, str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify, numbers in ((words["indicator"], "left", False), (words["old"], "right", True),
                                     (words["new"], "right", True), (words["change"], "right", True),
                                     ("实际完成值", "left", False), ("", "left", False)):
        table.add_column(header, justify=justify, no_wrap=numbers, overflow="fold")  # type: ignore[arg-type]
    for item in rows:
        before, after = item["old"], item["new"]
        delta = item.get("score_change")
        actual = " → ".join(_shown(side.get("actual") or "—") for side in (before, after) if side is not None)
        # Text, not str: rich would read `[...]` in a name as markup
        table.add_row(Text(_shown(item["name"])), _side_score(before), _side_score(after),
                      Text(_signed(delta), style=_style(delta)) if delta is not None else "",
                      Text(actual), Text(words["separator"].join(_notes(item, words))))
    return table


def _notes(item: dict[str, Any], words: dict[str, str]) -> list[str]:
    """What else changed for an indicator: added or removed, moved, its rule, its weight."""
    before, after = item["old"], item["new"]
    notes = [words[item["status"]]] if item["status"] in ("added", "removed") else []
    if item.get("moved"):
        notes.append(words["moved from"].format(path=" › ".join(_shown(p) for p in before["path"])))
    if item.get("rule_changed"):
        notes.append(words["rule changed"])
    if before is not None and after is not None and before["weight"] != after["weight"]:
        notes.append(words["weight changed"])
    return notes


def _side_score(side: dict[str, Any] | None) -> Text:
    return Text(_score(side["score"], side["weight"]) if side is not None else "—")


def _score(score: Decimal, weight: Decimal) -> str:
    return f"{format_points(score)} / {format_points(weight)}"


def _signed(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return "±0" if amount == 0 else (f"+{format_points(amount)}" if amount > 0 else format_points(amount))


def _style(amount: Decimal | None) -> str:
    if not amount:
        return ""
    return "green" if amount > 0 else "red"


def _shown(text: object) -> str:
    """User text from a document as safe terminal text: no control sequences."""
    return printable(str(text)) if text is not None else "—"
