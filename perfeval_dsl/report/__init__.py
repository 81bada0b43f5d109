"""Renderers: a `Result` (or diagnostics) to text for people and documents for tools.

Each format is its own module; none evaluates anything. `render` picks one by name.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from typing import Literal, overload

from perfeval_dsl.errors import Diagnostic
from perfeval_dsl.result import Result
from perfeval_dsl.values import CONTEXT

FORMATS = ("text", "json", "md", "html", "xlsx")


@overload
def render(  # type: ignore[overload-overlap]  # "xlsx" is also a str: the first match wins
    result: Result, format: Literal["xlsx"], *, explain: str = ..., width: int = ...,
    findings: Sequence[Diagnostic] = ..., lang: str = ...,
) -> bytes: ...
@overload
def render(result: Result, format: str = ..., *, explain: str = ..., width: int = ...,
           findings: Sequence[Diagnostic] = ..., lang: str = ...) -> str: ...
def render(result: Result, format: str = "text", *, explain: str = "full", width: int = 100,
           findings: Sequence[Diagnostic] = (), lang: str = "en") -> str | bytes:
    """Render a result as `text` (the reviewer's trace), `json` (the documented document), or a printable
    report: `md`, `html`, or `xlsx` (the workbook's bytes). `findings` (from `analyse`) are listed in the
    printable reports beside the result's own warnings; `lang="zh"` writes the trace's labels and the rules'
    keywords in Chinese, and a printable report's headings, findings and audit record too. Computed in
    perfeval's own decimal context whatever the caller's is."""
    with decimal.localcontext(CONTEXT):
        if format == "xlsx":
            from perfeval_dsl.report.xlsx import xlsx_report

            return xlsx_report(result, findings, lang)
        return _render(result, format, explain=explain, width=width, findings=findings, lang=lang)


def _render(result: Result, format: str, *, explain: str, width: int, findings: Sequence[Diagnostic],
            lang: str) -> str:
    if format == "md":
        from perfeval_dsl.report.markdown import markdown_report

        return markdown_report(result, findings, lang)
    if format == "html":
        from perfeval_dsl.report.htmldoc import html_report

        return html_report(result, findings, lang)
    if format == "json":
        from perfeval_dsl.report.jsondoc import to_json

        return to_json(result.to_dict())
    if format == "text":
        from perfeval_dsl.report.trace import trace_text

        return trace_text(result, explain=explain, width=width, lang=lang)
    raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
