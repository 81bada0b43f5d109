"""`perfeval boundaries`: each tier boundary of a rule with the score just below, at and just above it.

Reads the tier charts of `analysis`; a reviewer sees every transition of a scoring standard at a glance
(`10%`: 9.99% → 5, 10% → 5, 10.01% → 3). Text for people, a JSON document for tools.
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
from perfeval_dsl.unparse import unparse
from perfeval_dsl.values import plain

DOCUMENT_FORMAT = "perfeval-boundaries/1"


def _tier_name(chart: TierChart, branch: int | None) -> str:
    if branch is None:
        return "no tier"
    if branch == chart.else_branch:
        return "else"
    return f"tier {branch + 1}"


def _score_text(chart: TierChart, branch: int | None) -> str:
    points = chart.points(branch)
    if points is not None:
        return plain(points)
    score = chart.score_expr(branch)
    return unparse(score) if score is not None else "—"


def _cell(chart: TierChart, probe: Probe) -> Text:
    if not probe.inside:
        return Text(f"{chart.show(probe.value)}: cannot occur", style="dim")
    text = Text(f"{chart.show(probe.value)} → ")
    text.append(_score_text(chart, probe.branch), style="bold")
    text.append(f" ({_tier_name(chart, probe.branch)})", style="dim")
    return text


def boundaries_text(charts: list[TierChart], *, width: int = 100, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system="standard" if color else None, soft_wrap=False,
                      emoji=False, highlight=False)
    for chart in charts:
        indicator = chart.indicator
        console.print(Text(" › ".join((*indicator.path, indicator.name)), style="bold")
                      + Text(f"  weight {plain(indicator.weight)} · by {unparse(chart.subject)}"), soft_wrap=True)
        for index, tier in enumerate(chart.tiered.tiers):
            console.print(Text(f"  tier {index + 1}: {_score_text(chart, index)} if {unparse(tier.condition)}",
                               style="dim"), soft_wrap=True)
        if chart.tiered.default is not None:
            console.print(Text(f"  else: {_score_text(chart, chart.else_branch)}", style="dim"))
        transitions = chart.transitions()
        if not transitions:
            console.print("  no boundary: one branch takes every value")
        else:
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 2, 0, 2))
            for heading in ("boundary", "just below", "at", "just above"):
                table.add_column(heading, no_wrap=True)
            for transition in transitions:
                table.add_row(chart.show(transition.boundary), _cell(chart, transition.below),
                              _cell(chart, transition.at), _cell(chart, transition.above))
            console.print(table)
        console.print()
    return buffer.getvalue()


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
