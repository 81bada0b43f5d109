"""Renderers: a `Result` (or diagnostics) to text for people and documents for tools.

Each format is its own module; none evaluates anything. `render` picks one by name.
"""

from __future__ import annotations

import decimal

from perfeval_dsl.result import Result
from perfeval_dsl.values import CONTEXT

FORMATS = ("text", "json")


def render(result: Result, format: str = "text", *, explain: str = "full", width: int = 100) -> str:
    """`result` as text (the trace a reviewer reads) or JSON (the documented document), computed in
    perfeval's own decimal context whatever the caller's is."""
    with decimal.localcontext(CONTEXT):
        return _render(result, format, explain=explain, width=width)


def _render(result: Result, format: str, *, explain: str, width: int) -> str:
    if format == "json":
        from perfeval_dsl.report.jsondoc import to_json

        return to_json(result.to_dict())
    if format == "text":
        from perfeval_dsl.report.trace import trace_text

        return trace_text(result, explain=explain, width=width)
    raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
