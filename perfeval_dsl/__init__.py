"""perfeval-dsl: executable scoring standards for government performance evaluations (预算绩效评价).

The embedding API, in three lines::

    import perfeval_dsl as pe
    rules = pe.load_rules("rules/anning-2020.perfeval")
    result = pe.evaluate(rules, pe.load_facts("rules/anning-2020.facts.yaml"))
    print(result.total, result.grade)          # 98 优

Every function raises `PerfevalError` (carrying all diagnostics) when its input has errors; warnings are
kept on the returned objects (`rules.diagnostics`, `result.diagnostics`). Nothing here prints.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from pathlib import Path

import attrs

from perfeval_dsl import model
from perfeval_dsl._version import __version__
from perfeval_dsl.compiler import CompiledRules as Rules
from perfeval_dsl.errors import Diagnostic, PerfevalError, Severity
from perfeval_dsl.facts import Facts, facts_from_mapping
from perfeval_dsl.facts import load_facts as _load_facts
from perfeval_dsl.report import render
from perfeval_dsl.result import IndicatorResult, Result
from perfeval_dsl.source import Source
from perfeval_dsl.values import CONTEXT

__all__ = (
    "Diagnostic",
    "Facts",
    "IndicatorResult",
    "PerfevalError",
    "Result",
    "Rules",
    "Severity",
    "__version__",
    "analyse",
    "evaluate",
    "facts_from_mapping",
    "load_facts",
    "load_rules",
    "parse_rules",
    "render",
)


def parse_rules(text: str, filename: str = "<string>", *, cache: bool = False) -> Rules:
    """Parse, check and compile rule text. Raises PerfevalError if it has errors.

    Args:
        text: the rule file's content.
        filename: the name diagnostics show for it.
        cache: keep the checked rules in the user's cache folder and reuse them while the text is unchanged
            (what the command line does; see `perfeval_dsl.cache`).
    """
    return _rules(Source(filename, text.removeprefix("\ufeff")), cache)  # a byte-order mark is not part of the rules


def _rules(source: Source, cache: bool) -> Rules:
    from perfeval_dsl.compiler import compile_program
    from perfeval_dsl.facts import too_large
    from perfeval_dsl.limits import limit

    text, filename = source.text, source.name
    most = limit("MAX_FILE_BYTES")
    if len(text) * 4 > most and len(text.encode("utf-8", "surrogatepass")) > most:  # a character is at most 4 bytes
        raise PerfevalError([too_large(filename, len(text.encode("utf-8", "surrogatepass")), most)])
    with decimal.localcontext(CONTEXT):  # weights, literals and checks exact, whatever the caller's context
        if cache:
            from perfeval_dsl import cache as rule_cache

            cached = rule_cache.load(text, filename)
            if cached is not None:  # the same text, but this file's bytes may differ (a BOM): keep its digest
                program, compiled = cached
                return compile_program(attrs.evolve(program, source=source), compiled)
        rules = compile_program(_check(source))
        if cache:
            rule_cache.store(rules, text, filename)
        return rules


def _check(source: Source) -> model.Program:
    from perfeval_dsl.check import check
    from perfeval_dsl.syntax import parse

    tree, diagnostics = parse(source)
    if tree is None:
        raise PerfevalError(diagnostics)
    program, diagnostics = check(tree, source)
    if program is None:
        raise PerfevalError(diagnostics)
    return program


def load_rules(path: str | Path, *, cache: bool = False) -> Rules:
    """Read a rule file (UTF-8) and parse, check and compile it. Raises PerfevalError on any problem.

    `cache=True` reuses the checked rules while the file is unchanged (see `parse_rules`).
    """
    from perfeval_dsl.facts import read_text

    return _rules(read_text(path), cache)


def load_facts(path: str | Path) -> Facts:
    """Read a facts file (.yaml, .toml or .json). Values are checked against the rules in `evaluate`."""
    return _load_facts(path)


def evaluate(rules: Rules, facts: Facts | Mapping[str, object]) -> Result:
    """Score one unit: `facts` is a loaded facts file or a plain mapping of fact names to values.

    Values may be written as reports write them (`"8,567,111.51 元"`, `"4.89%"`, `"制定并实施"`), or be
    Decimal, int or bool. Raises PerfevalError with every problem found.
    """
    from perfeval_dsl.evaluation import evaluate as _evaluate

    return _evaluate(rules, facts)


def analyse(rules: Rules) -> list[Diagnostic]:
    """What `perfeval check` finds in the scoring standards beyond errors: gaps between tiers, overlapping or
    unreachable tiers, scores that can leave 0 to the weight or move against the declared direction.

    Returns warnings (codes PE6xx), in file order; `rules.diagnostics` holds the checker's own warnings.
    """
    from perfeval_dsl.analysis import analyse as _analyse

    return _analyse(rules.program)
