"""`perfeval boundaries`: each tier boundary of a rule with the score just below, at and just above it.

Reads the tier charts of `analysis`; a reviewer sees every transition of a scoring standard at a glance
(`10%`: 9.99% → 5, 10% → 5, 10.01% → 3). Text for people, in English or (`lang="zh"`) in Chinese; a JSON
document for tools, always in English.
"""

from __future__ import annotations

import io
import json
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from perfeval_dsl.analysis import Probe, TierChart
from perfeval_dsl.report.trace import LANGUAGES
from perfeval_dsl.report.trace import WORDS as TRACE_WORDS
from perfeval_dsl.unparse import unparse
from perfeval_dsl.values import plain

DOCUMENT_FORMAT = "perfeval-boundaries/1"

# The text's own words, per language; a tier is numbered as `perfeval test` numbers it (第 1 档), and a cell's
# branch is in ASCII brackets, as the trace writes its asides, so that the table fits the width the English one
# does. The JSON document keeps the English names of the branches (`tier 1`, `else`, `no tier`), being read by
# programs.
WORDS = {
    "en": {"heading": "  weight {weight} · by {subject}", "tier": "tier {number}", "else": "else",
           "no tier": "no tier", "tier line": "  tier {number}: {score} if {condition}", "else line": "  else: {score}",
           "cannot occur": "{value}: cannot occur",
           "no boundary": "  no boundary: one branch takes every value", "lang": "en"},
    "zh": {"heading": "  分值 {weight} · " + TRACE_WORDS["zh"]["by"] + " {subject}", "tier": "第 {number} 档",
           "else": TRACE_WORDS["zh"]["else"], "no tier": "无档次",
           "tier line": "  第 {number} 档：{score} 若 {condition}", "else line": "  否则：{score}",
           "cannot occur": "{value}：不可能出现",
           "no boundary": "  没有界限：所有取值都落在同一分支", "lang": "zh"},
}
# The table's columns: the boundary, and the score just below, at and just above it.
COLUMNS = {"en": ("boundary", "just below", "at", "just above"), "zh": ("界限", "略低于", "恰好", "略高于")}


def _tier_name(chart: TierChart, branch: int | None, words: dict[str, str] = WORDS["en"]) -> str:
    if branch is None:
        return words["no tier"]
    if branch == chart.else_branch:
        return words["else"]
    return words["tier"].format(number=branch + 1)


def _score_text(chart: TierChart, branch: int | None, lang: str = "en") -> str:
    points = chart.points(branch)
    if points is not None:
        return plain(points)
    score = chart.score_expr(branch)
    return unparse(score, lang=lang) if score is not None else "—"


def _cell(chart: TierChart, probe: Probe, words: dict[str, str]) -> Text:
    if not probe.inside:
        return Text(words["cannot occur"].format(value=chart.show(probe.value)), style="dim")
    text = Text(f"{chart.show(probe.value)} → ")
    text.append(_score_text(chart, probe.branch, words["lang"]), style="bold")
    text.append(f" ({_tier_name(chart, probe.branch, words)})", style="dim")
    return text


def boundaries_text(charts: list[TierChart], *, width: int = 100, color: bool = False, lang: str = "en") -> str:
    """Each chart as its heading, its tiers and a table of its boundaries; the words in `lang` ("en" or "zh")."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    words = WORDS[lang]
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system="standard" if color else None, soft_wrap=False,
                      emoji=False, highlight=False)
    for chart in charts:
        _print_chart(console, chart, words)
        console.print()
    return buffer.getvalue()


def _print_chart(console: Console, chart: TierChart, words: dict[str, str]) -> None:
    """One indicator: its place and weight, its tiers as perfeval reads them, then its boundaries."""
    indicator = chart.indicator
    lang = words["lang"]
    console.print(Text(" › ".join((*indicator.path, indicator.name)), style="bold")
                  + Text(words["heading"].format(weight=plain(indicator.weight),
                                                 subject=unparse(chart.subject, lang=lang))), soft_wrap=True)
    for index, tier in enumerate(chart.tiered.tiers):
        console.print(Text(words["tier line"].format(number=index + 1, score=_score_text(chart, index, lang),
                                                     condition=unparse(tier.condition, lang=lang)),
                           style="dim"), soft_wrap=True)
    if chart.tiered.default is not None:
        console.print(Text(words["else line"].format(score=_score_text(chart, chart.else_branch, lang)),
                           style="dim"))
    transitions = chart.transitions()
    if not transitions:
        console.print(words["no boundary"])
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 2, 0, 2))
    for heading in COLUMNS[lang]:
        table.add_column(heading, no_wrap=True)
    for transition in transitions:
        table.add_row(chart.show(transition.boundary), _cell(chart, transition.below, words),
                      _cell(chart, transition.at, words), _cell(chart, transition.above, words))
    console.print(table)


def _probe_dict(chart: TierChart, probe: Probe) -> dict[str, Any]:
    data: dict[str, Any] = {"value": str(probe.value), "shown": chart.show(probe.value), "possible": probe.inside}
    if probe.inside:
        points = chart.points(probe.branch)
        score = chart.score_expr(probe.branch)
        data.update(branch=_tier_name(chart, probe.branch), score=str(points) if points is not None else None,
                    score_rule=unparse(score) if score is not None else None)
    return data


def boundaries_document(charts: list[TierChart]) -> str:
    indicators = []
    for chart in charts:
        indicators.append({
            "indicator": chart.indicator.name,
            "path": list(chart.indicator.path),
            "weight": str(chart.indicator.weight),
            "subject": unparse(chart.subject),
            "boundaries": [
                {"boundary": str(t.boundary), "shown": chart.show(t.boundary), "below": _probe_dict(chart, t.below),
                 "at": _probe_dict(chart, t.at), "above": _probe_dict(chart, t.above)}
                for t in chart.transitions()
            ],
        })
    return json.dumps({"format": DOCUMENT_FORMAT, "indicators": indicators}, ensure_ascii=False, indent=2) + "\n"
