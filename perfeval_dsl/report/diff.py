"""`perfeval diff` for people: the two evaluations, the change of total and grade, then a table of the
indicators whose score, weight, rule or place changed (all of them with `show_all`), each with its 实际完成值
on both sides; then the 一级 subtotals."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from perfeval_dsl.source import printable
from perfeval_dsl.values import format_points

_STATUS = {"changed": "changed", "unchanged": "", "added": "added", "removed": "removed"}


def diff_text(document: dict[str, Any], *, show_all: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, legacy_windows=False, soft_wrap=False,
                      emoji=False, highlight=False)
    for part in diff_parts(document, show_all=show_all):
        console.print(part)
    return buffer.getvalue()


def diff_parts(document: dict[str, Any], *, show_all: bool = False) -> Iterator[RenderableType]:
    old, new = document["old"], document["new"]
    for label, side in (("old", old), ("new", new)):
        line = Text(f"{label}   ", style="dim")
        line.append(f"{_shown(side['rules'])} · {_shown(side['facts'])}")
        line.append(f"   {_score(side['total'], side['max_total'])}  {_shown(side['grade'])}", style="bold")
        yield line
    change = document["total_change"]
    line = Text("total ", style="bold")
    line.append(f"{format_points(old['total'])} → {format_points(new['total'])}  ({_signed(change)})",
                style=_style(change))
    line.append("   grade ", style="bold")
    line.append(f"{_shown(old['grade'])} → {_shown(new['grade'])}",
                style="bold magenta" if document["grade_changed"] else "")
    yield line
    yield Text("")
    rows = [item for item in document["indicators"]
            if show_all or item["status"] != "unchanged" or item.get("moved") or item.get("rule_changed")]
    if rows:
        yield _indicator_table(rows)
    summary = document["summary"]
    yield Text(f"{summary['changed']} changed, {summary['unchanged']} unchanged, {summary['added']} added, "
               f"{summary['removed']} removed", style="dim")
    groups = [g for g in document["groups"] if not g["path"]]
    if groups:
        yield Text("")
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for header, justify in (("一级指标", "left"), ("old", "right"), ("new", "right"), ("change", "right")):
            table.add_column(header, justify=justify)  # type: ignore[arg-type]
        for group in groups:
            before, after, delta = group["old"], group["new"], group["score_change"]
            table.add_row(Text(_shown(group["name"])), _side_score(before), _side_score(after),
                          Text(_signed(delta), style=_style(delta)) if delta is not None else "")
        yield table


def _indicator_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, justify in (("indicator", "left"), ("old", "right"), ("new", "right"), ("change", "right"),
                            ("实际完成值", "left"), ("", "left")):
        table.add_column(header, justify=justify, no_wrap=header in ("old", "new", "change"),  # type: ignore[arg-type]
                         overflow="fold")
    for item in rows:
        before, after = item["old"], item["new"]
        delta = item.get("score_change")
        notes = [_STATUS[item["status"]]] if item["status"] in ("added", "removed") else []
        if item.get("moved"):
            notes.append(f"moved from {' › '.join(_shown(p) for p in before['path'])}")
        if item.get("rule_changed"):
            notes.append("rule changed")
        if before is not None and after is not None and before["weight"] != after["weight"]:
            notes.append("weight changed")
        actual = " → ".join(_shown(side.get("actual") or "—") for side in (before, after) if side is not None)
        # Text, not str: rich would read `[...]` in a name as markup
        table.add_row(Text(_shown(item["name"])), _side_score(before), _side_score(after),
                      Text(_signed(delta), style=_style(delta)) if delta is not None else "",
                      Text(actual), Text("; ".join(notes)))
    return table


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
