"""Reading rule files: parse and check a generated 1,000-indicator file (target: 5,000 indicators a second).

The baseline in the same run is Lark alone parsing the same text with our grammar (no syntax tree, no
checks): what perfeval adds on top of its parser.
"""

from __future__ import annotations

from typing import Any

import pytest
from generate import rule_file

import perfeval_dsl as pe
from perfeval_dsl.syntax import parser

TEXT = rule_file(1000)
GROUP = "parse and check: 1,000 indicators"


def test_the_generated_file_checks_clean() -> None:
    rules = pe.parse_rules(TEXT)
    assert len(rules.program.indicators) == 1000
    assert rules.diagnostics == ()
    assert pe.analyse(rules) == []


@pytest.mark.benchmark(group=GROUP)
def test_lark_parse_baseline(benchmark: Any) -> None:
    lark = parser()
    benchmark(lark.parse, TEXT)


@pytest.mark.benchmark(group=GROUP)
def test_perfeval_parse_check_compile(benchmark: Any) -> None:
    assert len(benchmark(pe.parse_rules, TEXT).program.indicators) == 1000


@pytest.mark.benchmark(group=GROUP)
def test_perfeval_static_analysis(benchmark: Any) -> None:
    rules = pe.parse_rules(TEXT)
    assert benchmark(pe.analyse, rules) == []
