"""Safety: thread safety and re-entrancy of the embedding API, input that must never run as code, YAML that
must not blow up, outputs that must not carry spreadsheet formulas or terminal control sequences, and limits
that end in a diagnostic rather than a crash or a hang.

Tests of behaviour that is not there yet are strict xfails: each states the behaviour expected.
"""

from __future__ import annotations

import ast as pyast
import contextlib
import csv
import decimal
import io
import json
import re
import sys
import threading
import time
import tokenize
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl import syntax

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules" / "anning-2020.perfeval"
SEED_FACTS = ROOT / "rules" / "anning-2020.facts.yaml"
THREADS = 8
T = TypeVar("T")


def seed_values() -> dict[str, str]:
    """The seed's facts as text, a fact given with a note reduced to its value."""
    document = yaml.safe_load(SEED_FACTS.read_text(encoding="utf-8"))
    return {name: str(value["value"] if isinstance(value, dict) else value) for name, value in document.items()}


SEED = seed_values()

# 基本支出偏差率 for 预算基本支出 8,567,111.50 元: exactly 0, exactly 10% (5 points), exactly 20% (3 points), just
# over 20% (0 points).
ACTUAL_BASIC = ("8,567,111.50 元", "9,423,822.65 元", "10,280,533.80 元", "10,280,533.81 元")


def variant(k: int) -> dict[str, str]:
    """The seed's facts with a few values changed by `k`, so that different `k` give different totals."""
    return {
        **SEED,
        "预算基本支出": "8,567,111.50 元",
        "实际基本支出": ACTUAL_BASIC[k % 4],
        "公益性岗位补贴人数": f"{100 + k} 人",  # 2 points from 109 人
        "公益性岗位问卷满意份数": f"{25 - k % 7} 份",  # of 25
        "求职人员问卷满意份数": f"{30 - k % 5} 份",  # of 30
        "城镇登记失业率": f"{Decimal('5.27') + Decimal(k % 3) / 100}%",  # 4 points up to 5.3%
    }


def in_threads(worker: Callable[[int], T], count: int = THREADS) -> list[T]:
    """Run `worker(0)` … `worker(count - 1)` in `count` threads that start together; thread switches are made
    frequent, so that interleavings a slower switch would hide do happen."""
    barrier = threading.Barrier(count)

    def start(index: int) -> T:
        barrier.wait(timeout=30)
        return worker(index)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(start, range(count)))
    finally:
        sys.setswitchinterval(interval)


def context_state(context: decimal.Context) -> tuple[object, ...]:
    return (context.prec, context.rounding, context.Emax, context.Emin, context.capitals, context.clamp,
            dict(context.traps), dict(context.flags))


# ==== 1. Threads, re-entrancy and the decimal context ===================================================


def test_one_rules_object_scores_different_units_in_8_threads_at_once() -> None:
    rules = pe.load_rules(RULES)
    variants = [variant(k) for k in range(24)]
    shared_facts = [pe.facts_from_mapping(v, name=f"variant {k}") for k, v in enumerate(variants)]
    expected_dict = [pe.render(pe.evaluate(rules, v), "json") for v in variants]
    expected_facts = [pe.render(pe.evaluate(rules, f), "json") for f in shared_facts]
    totals = {json.loads(document)["total"] for document in expected_dict}
    assert len(totals) >= 8, totals  # the units really differ
    iterations = 16

    def worker(index: int) -> tuple[list[int], tuple[object, ...], tuple[object, ...]]:
        context = decimal.getcontext()
        context.prec = 5 + index  # each thread its own context, none of them the project's
        context.rounding = decimal.ROUND_DOWN if index % 2 else decimal.ROUND_CEILING
        before = context_state(context)
        wrong = []
        for step in range(iterations):
            k = (index * 5 + step) % len(variants)
            if step % 2:
                got = pe.render(pe.evaluate(rules, variants[k]), "json")
                want = expected_dict[k]
            else:  # a loaded Facts object, shared by all threads
                got = pe.render(pe.evaluate(rules, shared_facts[k]), "json")
                want = expected_facts[k]
            if got != want:
                wrong.append(k)
        return wrong, before, context_state(decimal.getcontext())

    for wrong, before, after in in_threads(worker):
        assert wrong == []
        assert after == before


PARSE_TEMPLATE = """
title "并发 {k}"
total 10
fact 预算: 万元
fact 实际: 万元
fact 制度: "制定并实施" | "制定未实施" | "未制定"
let 执行率 = 实际 / 预算
group 管理 {{
  indicator 预算执行 weight 6 {{
    score 6 if 执行率 >= {high}% else 3 if >= {low}% else 0
  }}
  indicator 制度建设 weight 4 {{
    score by 制度 {{ "制定并实施" -> 4, "制定未实施" -> {partial}, otherwise -> 0 }}
  }}
}}
"""


def parse_text(k: int) -> str:
    """Rule texts that differ with `k`: most valid, some with a syntax error, some with a type error."""
    text = PARSE_TEMPLATE.format(k=k, high=90 + k % 9, low=50 + k % 40, partial=k % 5)
    if k % 5 == 3:
        text = text.replace("else 0", "else", 1)  # syntax error
    elif k % 5 == 4:
        text = text.replace("执行率 >=", "制度 >=", 1)  # a judgement compared with a number
    return text


def parse_outcome(k: int) -> tuple[str, str]:
    """What parsing text `k` gives: the generated evaluator and a unit's document, or the errors."""
    try:
        rules = pe.parse_rules(parse_text(k), filename=f"rules-{k}.perfeval")
    except pe.PerfevalError as error:
        return "error", str(error)
    result = pe.evaluate(rules, {"预算": "100 万元", "实际": f"{70 + k} 万元", "制度": "制定未实施"})
    return rules.python, pe.render(result, "json")


def test_parse_rules_of_different_texts_in_8_threads_at_once() -> None:
    texts = range(20)
    expected = {k: parse_outcome(k) for k in texts}
    assert sum(1 for python, _ in expected.values() if python == "error") == 8  # both error paths are raced
    assert len({document for python, document in expected.values() if python != "error"}) == 12

    def worker(index: int) -> list[int]:
        order = list(texts)[index * 3:] + list(texts)[: index * 3]
        return [k for k in order if parse_outcome(k) != expected[k]]

    assert in_threads(worker) == [[]] * THREADS


def test_parse_rules_with_the_cache_in_8_threads_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFEVAL_CACHE_DIR", str(tmp_path / "cache"))
    text = parse_text(0)
    facts = {"预算": "100 万元", "实际": "95 万元", "制度": "制定未实施"}
    expected = pe.render(pe.evaluate(pe.parse_rules(text, "cached.perfeval"), facts), "json")

    def worker(index: int) -> list[str]:
        documents = []
        for _ in range(2):  # the first round races to write the cache, the second reads it
            rules = pe.parse_rules(text, "cached.perfeval", cache=True)
            documents.append(pe.render(pe.evaluate(rules, facts), "json"))
        return documents

    assert in_threads(worker) == [[expected] * 2] * THREADS
    assert [path for path in (tmp_path / "cache").rglob("*") if path.is_file()] != []  # the cache was used


def test_first_access_to_the_lazy_parts_of_a_shared_result_from_8_threads() -> None:
    rules = pe.load_rules(RULES)
    for k in range(8):
        reference = pe.evaluate(rules, variant(k))
        expected_indicators = reference.indicators
        expected_groups = reference.groups
        expected_document = pe.render(reference, "json")
        shared = pe.evaluate(rules, variant(k))  # nothing lazy built yet

        def worker(index: int, shared: pe.Result = shared) -> tuple[Any, Any]:
            if index % 2:
                return shared.indicators, shared.groups
            groups = shared.groups
            return shared.indicators, groups

        for indicators, groups in in_threads(worker):
            assert indicators == expected_indicators
            assert groups == expected_groups
            assert len(indicators) == 29
        assert pe.render(shared, "json") == expected_document


@contextlib.contextmanager
def low_precision() -> Iterator[decimal.Context]:
    """The caller's decimal context: 3 digits, rounding toward -∞, Inexact and Rounded trapped, flags clear."""
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        context.clear_flags()
        yield context


def test_evaluate_restores_the_callers_decimal_context() -> None:
    rules = pe.load_rules(RULES)  # in Python's default context (parse_rules and the context: see the xfail below)
    with decimal.localcontext() as context:
        context.prec = 5
        context.rounding = decimal.ROUND_05UP
        context.traps[decimal.Inexact] = False
        context.traps[decimal.Rounded] = False
        context.clear_flags()
        before = context_state(context)
        result = pe.evaluate(rules, SEED)
        assert decimal.getcontext() is context
        assert context_state(context) == before
        with pytest.raises(pe.PerfevalError) as raised:  # a unit that fails mid-evaluation: division by zero
            pe.evaluate(rules, {**SEED, "预算基本支出": "0 元"})
        assert "PE501" in [d.code for d in raised.value.errors]
        assert decimal.getcontext() is context
        assert context_state(context) == before
    assert result.total == 98


def test_evaluation_does_not_depend_on_the_callers_decimal_context() -> None:
    rules = pe.load_rules(RULES)
    with decimal.localcontext(decimal.Context()):
        plain_result = pe.evaluate(rules, pe.load_facts(SEED_FACTS))
        expected = pe.render(plain_result, "json"), pe.render(plain_result, "text")
    with low_precision() as context:
        before = context_state(context)
        result = evaluate_at_low_precision(rules)
        assert decimal.getcontext() is context
        assert context_state(context) == before
        documents = pe.render(result, "json"), pe.render(result, "text")
        assert context_state(context) == before
    assert documents == expected


def evaluate_at_low_precision(rules: pe.Rules) -> pe.Result:
    result = pe.evaluate(rules, pe.load_facts(SEED_FACTS))
    assert (result.total, result.grade) == (Decimal(98), "优")
    exactly_10 = pe.evaluate(rules, {**SEED, "预算基本支出": "8,567,111.50 元", "实际基本支出": "9,423,822.65 元"})
    assert exactly_10.indicator("基本支出执行偏差率").score == 5
    assert exactly_10.indicator("基本支出执行偏差率").branch == 0
    # 10.0000001%: 3 digits rounded toward -∞ would make it 10% and score 5.
    just_over = pe.evaluate(rules, {**SEED, "预算基本支出": "8,567,111.50 元", "实际基本支出": "9,423,822.66 元"})
    assert just_over.indicator("基本支出执行偏差率").score == 3
    assert just_over.total == 96
    return result


CONTEXT_RULES = """
total 100
fact 收入: 万元
fact 率: %
group 甲 {
  indicator 收入指标 weight 33.33 { score 33.33 if 收入 >= 8217.07 万元 else 0 }
  indicator 比率指标 weight 33.34 { score 33.34 if 率 >= 12.345% else 0 }
}
group 乙 {
  indicator 完成指标 weight 33.33 { score round(weight * min(收入 / 8217.07 万元, 1), 2) }
}
"""
CONTEXT_FACTS = ({"收入": "8217.06 万元", "率": "12.344%"}, {"收入": "8217.07 万元", "率": "12.345%"})


def test_parse_rules_does_not_depend_on_the_callers_decimal_context() -> None:
    expected = [pe.render(pe.evaluate(pe.parse_rules(CONTEXT_RULES), facts), "json") for facts in CONTEXT_FACTS]
    assert [json.loads(document, parse_float=Decimal)["total"] for document in expected] == [Decimal("33.33"), 100]
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        context.clear_flags()
        rules = pe.parse_rules(CONTEXT_RULES)
        assert not any(context.flags.values())
    assert [pe.render(pe.evaluate(rules, facts), "json") for facts in CONTEXT_FACTS] == expected


def test_group_subtotals_do_not_depend_on_the_callers_decimal_context() -> None:
    rules = pe.parse_rules(CONTEXT_RULES)
    facts = CONTEXT_FACTS[1]
    expected = pe.render(pe.evaluate(rules, facts), "json")
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        result = pe.evaluate(rules, facts)
        assert [(g.name, g.score) for g in result.groups] == [("甲", Decimal("66.67")), ("乙", Decimal("33.33"))]
        assert pe.render(result, "json") == expected
    with decimal.localcontext() as context:
        context.traps[decimal.Rounded] = True
        result = pe.evaluate(rules, facts)
        assert pe.render(result, "json") == expected


LAZY_RULES = """
total 5
fact 收入: 元
fact 预算: 元
let 比例 = 收入 / 预算
group 管理 { indicator 收入指标 weight 5 { score 5 if 收入 >= 1 元 else 3 if 比例 > 50% else 0 } }
"""


def test_values_no_rule_needed_are_computed_in_the_projects_context() -> None:
    rules = pe.parse_rules(LAZY_RULES)

    def ratio(result: pe.Result) -> object:
        return {used.name: used.value for used in result.indicators[0].values}["比例"]

    expected = Decimal("0." + "3" * 34)
    assert ratio(pe.evaluate(rules, {"收入": "0.5 元", "预算": "1.5 元"})) == expected  # needed: the first tier fails
    for precision in (3, 28):
        with decimal.localcontext() as context:
            context.prec = precision
            result = pe.evaluate(rules, {"收入": "1 元", "预算": "3 元"})  # not needed: the first tier fires
            assert ratio(result) == expected


# ==== 2. Nothing from the input executes ===============================================================

# Names and texts that would be code if the generated Python or any output pasted them in unquoted.
EVIL_FACT = "__import__('os').system('echo pwned > {marker}')"
EVIL_TEXT = "'); import os; os._exit(1); ('"
EVIL_OPEN = "\"); open('{marker}', 'w'); (\""
BACKSLASH = "a\\b\\"  # a, backslash, b, backslash
ESCAPES = "\\n\\x00\\'\\u2028"  # backslash escapes, as written: no newline, NUL or quote
TRIPLE = "'''" + '"""'
LINE_BREAKS = "x\u2028\u2029y"  # line breaks for str.splitlines, not for Python's tokenizer
EVIL_LET = "x" + ESCAPES + TRIPLE
EVIL_GROUP = "'); os._exit(1); ('"
EVIL_INDICATOR_1 = '"""; os._exit(1); """'
EVIL_INDICATOR_2 = "{__import__('os')}"
EVIL_INDICATOR_3 = "#\\"


def evil_rules(marker: Path) -> tuple[str, dict[str, str], dict[str, str]]:
    """A rule file whose names and texts are code, its facts, and every user name in it by role."""
    fact = EVIL_FACT.format(marker=marker)
    opener = EVIL_OPEN.format(marker=marker)
    lines = [
        f'title "{EVIL_TEXT}"',
        "total 15",
        f"fact 「{fact}」: 元",
        f'fact 「{BACKSLASH}」: "{EVIL_TEXT}" | "{ESCAPES}" | “{opener}”',
        f"fact 「{TRIPLE}」: 个",
        f"fact 「{LINE_BREAKS}」: %",
        f"let 「{EVIL_LET}」 = 「{fact}」 * 2",
        f"group 「{EVIL_GROUP}」 {{",
        f"  indicator 「{EVIL_INDICATOR_1}」 weight 5 {{",
        '    standard "ends in a backslash \\"',
        "    explanation “\"; __import__('os')._exit(3) #”",
        f"    target “{TRIPLE}”",
        f"    score 5 if 「{EVIL_LET}」 >= 10 元 else 2 if 「{EVIL_LET}」 / 「{fact}」 > 1 else 0",
        "  }",
        f'  indicator "{EVIL_INDICATOR_2}" weight 5 {{',
        f"    let 「{TRIPLE}2」 = 「{TRIPLE}」 + 1",
        f'    score by 「{BACKSLASH}」 {{ "{EVIL_TEXT}" -> 5 if 「{TRIPLE}2」 > 1 else 4, "{ESCAPES}" -> 1,'
        f" “{opener}” -> 0 }}",
        "  }",
        f"  indicator 「{EVIL_INDICATOR_3}」 weight 5 {{",
        f"    score round(weight * min(abs(「{LINE_BREAKS}」), 1), 2) if 「{LINE_BREAKS}」 >= 0% "
        f"else trunc(max(0, 1), 0)",
        "  }",
        "}",
    ]
    facts = {fact: "6 元", BACKSLASH: EVIL_TEXT, TRIPLE: "1 个", LINE_BREAKS: "50%"}
    names = {"fact": fact, "backslash": BACKSLASH, "triple": TRIPLE, "breaks": LINE_BREAKS, "let": EVIL_LET,
             "local": TRIPLE + "2", "group": EVIL_GROUP, "i1": EVIL_INDICATOR_1, "i2": EVIL_INDICATOR_2,
             "i3": EVIL_INDICATOR_3, "text": EVIL_TEXT, "escapes": ESCAPES, "opener": opener}
    return "\n".join(lines) + "\n", facts, names


def test_names_and_texts_that_are_python_code_are_only_data(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text, facts, names = evil_rules(marker)
    rules = pe.parse_rules(text, filename="evil.perfeval")
    result = pe.evaluate(rules, facts)
    assert result.title == EVIL_TEXT
    assert result.indicator(EVIL_INDICATOR_1).score == 5  # 12 元 >= 10 元
    assert result.indicator(EVIL_INDICATOR_2).score == 5  # the judgement EVIL_TEXT, and 2 个 > 1
    assert result.indicator(EVIL_INDICATOR_2).branch == 0
    assert result.indicator(EVIL_INDICATOR_3).score == Decimal("2.50")  # 5 × 50%
    assert result.total == Decimal("12.50")
    assert [g.name for g in result.groups] == [EVIL_GROUP]
    document = json.loads(pe.render(result, "json"), parse_float=Decimal)
    assert document["title"] == EVIL_TEXT
    assert [i["name"] for i in document["indicators"]] == [EVIL_INDICATOR_1, EVIL_INDICATOR_2, EVIL_INDICATOR_3]
    assert document["indicators"][0]["standard"] == "ends in a backslash \\"
    assert document["indicators"][0]["explanation"] == "\"; __import__('os')._exit(3) #"
    assert document["indicators"][0]["target"] == TRIPLE
    assert {v["name"]: v["value"] for i in document["indicators"] for v in i["values"]} == {
        names["fact"]: 6, EVIL_LET: 12, BACKSLASH: EVIL_TEXT, TRIPLE: 1, TRIPLE + "2": 2,
        LINE_BREAKS: Decimal("0.5")}
    trace = pe.render(result, "text")
    assert EVIL_TEXT in trace and names["fact"] in trace
    other = pe.evaluate(rules, {**facts, BACKSLASH: names["opener"]})
    assert other.indicator(EVIL_INDICATOR_2).score == 0
    pe.render(other, "text")
    pe.analyse(rules)
    assert not marker.exists()


GENERATED_NAME = re.compile(r"(?:[fgK]\d+|l\d+_\d+|_c_(?:g\d+|l\d+_\d+))\Z")
HELPERS = {
    "F", "s", "b", "v", "scores", "branches", "failures", "failure", "lets", "local_lets", "score_unit",
    "all_lets", "UnitScores", "_Decimal", "_DecimalException", "_Failure", "_arithmetic", "_divide", "_needed_by",
    "_no_arm", "W", "_deduct", "_checklist", "_proportion", "_judged", "_Override", "_Rounded", "_Vetoed",
    "_NotApplicable", "_NA", "_problems", "o", "r", "i", "n", "given", "tuple", "any",
    "_no_tier", "_out_of_range", "Exception", "abs", "min", "max", "append", "get", "diagnostic", "quantize",
    "rounding", "__class__",
}


def identifiers(tree: pyast.AST) -> Iterator[str]:
    for node in pyast.walk(tree):
        for field in ("id", "attr", "name", "arg"):
            value = getattr(node, field, None)
            if isinstance(value, str):
                yield value
        if isinstance(node, (pyast.Nonlocal, pyast.Global)):
            yield from node.names
        if isinstance(node, pyast.alias):
            yield node.name


def test_generated_python_holds_user_text_only_in_quoted_literals(tmp_path: Path) -> None:
    text, _, names = evil_rules(tmp_path / "pwned")
    rules = pe.parse_rules(text, filename="evil.perfeval")
    source = rules.python
    tree = pyast.parse(source)
    assert not any(isinstance(node, (pyast.Import, pyast.ImportFrom)) for node in pyast.walk(tree))
    strange = {name for name in identifiers(tree) if name not in HELPERS and not GENERATED_NAME.match(name)}
    assert strange == set()
    constants = {node.value for node in pyast.walk(tree) if isinstance(node, pyast.Constant)}
    for role in ("fact", "backslash", "triple", "breaks", "let", "local"):
        assert names[role] in constants, role  # read from F or kept in `lets` under its own name
    # Token by token: user text may stand only in string literals and in the `# n: 'name'` comments.
    code = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            assert isinstance(pyast.literal_eval(token.string), str)
        elif token.type == tokenize.COMMENT:
            match = re.fullmatch(r"# (\d+): (.*)", token.string)
            assert match is not None, token.string
            assert pyast.literal_eval(match[2]) == rules.program.indicators[int(match[1])].name
        else:
            code.append(token.string)
    words = {"__import__", "import", "os", "_exit", "system", "open", "echo", "pwned", "exec", "eval"}
    assert words & set(code) == set()
    assert [token for token in code if re.search(r"['\"\\「」\u2028\u2029]", token)] == []
    # the rule file's string literals are constants of the generated code (K0, K1, …), never part of it
    table = _constants(rules)
    for role in ("text", "escapes", "opener"):
        assert names[role] in table, role
        assert names[role] not in source, role


def _constants(rules: pe.Rules) -> list[object]:
    """The values of the constants the generated code names K0, K1, …, read from its module namespace."""
    namespace = rules.score_unit.__globals__
    return [namespace[name] for name in namespace if re.fullmatch(r"K\d+", name)]


def test_evil_rule_files_through_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    text, facts, names = evil_rules(marker)
    Path("evil.perfeval").write_text(text, encoding="utf-8")
    Path("evil.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "eval", "evil.perfeval", "--facts", "evil.json")
    assert code == 0, err
    assert EVIL_TEXT in out and "Total" in out
    code, out, err = run(capsys, "eval", "evil.perfeval", "--facts", "evil.json", "--format", "json")
    assert code == 0, err
    assert json.loads(out, parse_float=Decimal)["total"] == Decimal("12.50")
    code, out, err = run(capsys, "check", "evil.perfeval")
    assert code == 0, err
    code, out, err = run(capsys, "boundaries", "evil.perfeval")
    assert code == 0, err
    assert names["i3"] in out  # the one rule that is a chain of tiers over one value
    # a unit table whose unit names are code, scored with --out: every document lands inside the folder
    units = [names["fact"], EVIL_TEXT, "../escape", "..", "/tmp/abs", "C:\\x", ".hidden", "a/../../b"]
    rows = [["单位名称", *facts]] + [[unit, *facts.values()] for unit in units]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    Path("units.csv").write_text(buffer.getvalue(), encoding="utf-8")
    code, out, err = run(capsys, "batch", "evil.perfeval", "units.csv", "--out", "out", "--format", "json")
    assert code == 0, err
    assert [u["unit"] for u in json.loads(out)["units"]] == units
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    documents = [p for p in written if p.suffix == ".json" and p.name != "evil.json"]
    assert len(documents) == len(units)
    assert all(p.parent == tmp_path / "out" for p in documents)
    assert {json.loads(p.read_text(encoding="utf-8"))["facts"] for p in documents} == {
        f"units.csv ({unit})" for unit in units}
    assert not marker.exists()


# ==== 3. YAML that must not blow up ====================================================================

# Billion laughs: nine levels of nine aliases each, 9⁹ strings once expanded.
ALIAS_BOMB = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)) + "收入: 100 元\n"

SMALL_RULES = """
total 5
fact 收入: 元
group 管理 { indicator 收入指标 weight 5 { score 5 if 收入 >= 100 元 else 0 } }
"""


def load_and_evaluate(path: Path) -> pe.Result:
    return pe.evaluate(pe.parse_rules(SMALL_RULES), pe.load_facts(path))


def refused(path: Path, code: str = "PE406") -> pe.Diagnostic:
    """The facts file is refused quickly, with `code` pointing into it."""
    started = time.perf_counter()
    with pytest.raises(pe.PerfevalError) as raised:
        load_and_evaluate(path)
    assert time.perf_counter() - started < 2
    errors = raised.value.errors
    assert [d.code for d in errors] == [code], [str(d.message) for d in errors]
    assert errors[0].location is not None and errors[0].location.startswith(f"{path}:")
    return errors[0]


def test_a_billion_laughs_facts_file_is_refused_at_its_first_alias(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    diagnostic = refused(path)
    assert "alias" in diagnostic.message
    assert diagnostic.location == f"{path}:2:10"


@pytest.mark.parametrize("text", [
    "b: &x 100 元\n收入: *x\n",
    "base: &b {收入: 100 元}\nunit:\n  <<: *b\n",
], ids=["alias", "merge key"])
def test_any_yaml_alias_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text(text, encoding="utf-8")
    assert "alias" in refused(path).message


def test_an_alias_bomb_in_a_rule_test_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "small.perfeval").write_text(SMALL_RULES, encoding="utf-8")
    (tmp_path / "small.tests.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    started = time.perf_counter()
    code, _, err = run(capsys, "test", str(tmp_path / "small.perfeval"))
    assert time.perf_counter() - started < 2
    assert code == 1
    assert "alias" in err


@pytest.mark.parametrize("text", [
    "收入: !!python/object:decimal.Decimal 100\n",
    "收入: !!python/name:os.system 100\n",
    "收入: !!python/object/apply:os.system ['echo pwned > {marker}']\n",
], ids=["object", "name", "object/apply"])
def test_python_tags_on_values_are_refused(tmp_path: Path, text: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "tagged.yaml"
    path.write_text(text.format(marker=marker), encoding="utf-8")
    refused(path)
    assert not marker.exists()


@pytest.mark.parametrize("text", [
    "收入: !!python/object:os.system {value: 100 元}\n",
    "收入: !!python/object/new:os.system {value: 100 元}\n",
    "--- !!python/object:__main__.Exploit\n收入: 100 元\n",
    "!!python/str 收入: 100 元\n",
    "部门: !!python/object/apply:os.system\n  收入: 100 元\n",
], ids=["object on a fact with value", "object/new on a fact with value", "on the document", "on a key",
        "object/apply on a section"])
def test_python_tags_anywhere_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "tagged.yaml"
    path.write_text(text, encoding="utf-8")
    assert "tag" in refused(path).message


@pytest.mark.parametrize(("suffix", "text"), [
    (".yaml", "收入: 1e999999999\n"),
    (".yaml", "收入: 1.0e+999999999\n"),
    (".yaml", "收入: 1e999999999 元\n"),
    (".yaml", "收入: " + "9" * 400 + "\n"),
    (".yaml", "收入: " + "9" * 400 + " 元\n"),
    (".yaml", "收入: " + "9" * 100_000 + "\n"),
    (".json", '{"收入": 1e999999999}'),
    (".json", '{"收入": ' + "9" * 400 + "}"),
    (".toml", '"收入" = 1e999999999'),
    (".toml", '"收入" = ' + "9" * 400),
], ids=["yaml 1e999999999", "yaml 1.0e+999999999", "yaml 1e999999999 元", "yaml 400 digits",
        "yaml 400 digits 元", "yaml 100000 digits", "json 1e999999999", "json 400 digits", "toml 1e999999999",
        "toml 400 digits"])
def test_huge_numbers_in_facts_files_give_a_diagnostic_not_a_hang(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"huge{suffix}"
    path.write_text(text, encoding="utf-8")
    assert "收入" in refused(path, "PE402").message


@pytest.mark.parametrize("value", [10**400, Decimal("1e999999999"), "9" * 400 + " 元", 1e308, float("inf")],
                         ids=["int", "Decimal", "text", "float", "inf"])
def test_huge_numbers_in_a_mapping_give_a_diagnostic(value: object) -> None:
    with pytest.raises(pe.PerfevalError) as raised:
        pe.evaluate(pe.parse_rules(SMALL_RULES), {"收入": value})
    assert [d.code for d in raised.value.errors] == ["PE402"]


def test_a_fact_with_400_decimals_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "decimals.yaml"
    path.write_text("收入: 0." + "9" * 400 + " 元\n", encoding="utf-8")
    refused(path, "PE402")


# ==== 4. Outputs: spreadsheet formulas and terminal control sequences ===================================

FORMULA_RULES = """
title "公式"
total 10
fact 制度: "制定并实施" | "未制定"
fact 金额: 元
group 管理 {
  indicator 制度建设 weight 5 { score 5 if 制度 == "制定并实施" else 0 }
  indicator "=1+1" weight 5 { score 5 if 金额 >= 100 元 else 0 }
}
"""
FORMULA_UNITS = ['=HYPERLINK("http://x","y")', "+SUM(1)", "-2+3", "@cmd", "甲单位"]
FORMULA_FAILED = "=1+2"  # a unit not scored


def write_table(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([["单位名称", "制度", "金额"], *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def formula_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("rules.perfeval").write_text(FORMULA_RULES, encoding="utf-8")
    rows = [[unit, "制定并实施" if i % 2 else "未制定", "50 元" if i % 3 == 0 else "100 元"]
            for i, unit in enumerate(FORMULA_UNITS)]  # @cmd loses only "=1+1"
    write_table(Path("units.csv"), [*rows, [FORMULA_FAILED, "未制定", "abc"]])
    return tmp_path


def test_batch_json_keeps_unit_names_as_written(formula_batch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "batch", "rules.perfeval", "units.csv", "--format", "json")
    assert code == 1
    assert [u["unit"] for u in json.loads(out)["units"]] == [*FORMULA_UNITS, FORMULA_FAILED]


def test_batch_csv_neutralises_formulas(formula_batch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "batch", "rules.perfeval", "units.csv", "--format", "csv")
    assert code == 1
    rows = csv_rows(out)
    assert [row[:5] for row in rows] == [
        ["排名", "单位", "总分", "等级", "失分最多的指标"],
        ["1", "'+SUM(1)", "10", "优", ""],
        ["2", "'-2+3", "5", "差", "制度建设 −5"],
        ["2", "'@cmd", "5", "差", "'=1+1 −5"],  # the indicator's name, from the rule file
        ["2", "甲单位", "5", "差", "制度建设 −5"],
        ["5", "'=HYPERLINK(\"http://x\",\"y\")", "0", "差", "制度建设 −5；=1+1 −5"],
        ["", "'=1+2", "", "", ""],
    ]
    assert rows[-1][5].startswith("PE402 units.csv:7:10: ")
    assert [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")] == []
    code, _, _ = run(capsys, "batch", "rules.perfeval", "units.csv", "--format", "csv", "-o", "summary.csv")
    assert code == 1
    assert csv_rows(Path("summary.csv").read_text(encoding="utf-8")) == rows


CSI = "\x1b[31m"  # red
OSC = "\x1b]0;title\x07"  # set the terminal's title


def controls(text: str) -> list[str]:
    """The control characters of `text` other than line feeds and tabs (ESC, BEL, CR, C1 controls, …)."""
    return sorted({char for char in text if unicodedata.category(char) == "Cc" and char not in "\n\t"})


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Output as on a terminal: click keeps the escape sequences it strips when writing to a pipe."""
    import click.utils

    monkeypatch.setattr(click.utils, "should_strip_ansi", lambda stream=None, color=None: False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


CONTROL_RULES = """
title "标题"
total 10
fact 制度: "制定并实施" | "未制定"
fact 金额: 元
fact 备注: text
group 管理 {
  indicator 制度建设 weight 5 { score 5 if 制度 == "制定并实施" else 0 }
  indicator 金额指标 weight 5 { score 5 if 金额 >= 100 元 and 备注 != "无" else 0 }
}
"""

# Each way user text with escape sequences reaches `perfeval eval`: (facts file, its text, the text that shows the
# value was reported). Shown with the control characters replaced, or refused with a diagnostic: either is safe.
CONTROL_FACTS = {
    "note": ("facts.json", {"制度": "未制定", "金额": {"value": "100 元", "note": OSC + "说明" + CSI}, "备注": "x"}),
    "text value": ("facts.json", {"制度": "未制定", "金额": "100 元", "备注": CSI + "备注值" + OSC}),
    "judgement": ("facts.json", {"制度": CSI + "未制定" + OSC, "金额": "100 元", "备注": "x"}),
    "number": ("facts.json", {"制度": "未制定", "金额": CSI + "100 元", "备注": "x"}),
    "undeclared name": ("facts.json", {"制度": "未制定", "金额": "100 元", "备注": "x", "多余" + OSC: 1}),
    "yaml": ("facts.yaml", '制度: 未制定\n金额: "\x1b[31m100 元\x1b]0;title\x07"\n备注: x\n'),
    "toml": ("facts.toml", '"制度" = "未制定"\n"金额" = "100 元"\n"备注" = "\\u001b[31m备注值\\u0007"\n'),
}


@pytest.mark.parametrize("case", list(CONTROL_FACTS))
def test_eval_passes_no_control_sequences_from_facts(terminal: Path, capsys: pytest.CaptureFixture[str],
                                                     case: str) -> None:
    Path("rules.perfeval").write_text(CONTROL_RULES, encoding="utf-8")
    name, content = CONTROL_FACTS[case]
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    Path(name).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "eval", "rules.perfeval", "--facts", name)
    assert (code == 0 and "Total" in out) or (code == 1 and out == "" and "error[PE40" in err), (code, out, err)
    assert controls(out) == []
    assert controls(err) == []


def test_a_rule_file_with_control_characters_is_refused_and_shown_safely(terminal: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    rules = CONTROL_RULES.replace('title "标题"', f'title "标题{OSC}"').replace("fact 备注", f"fact 「备注{CSI}」")
    Path("rules.perfeval").write_text(rules, encoding="utf-8")
    Path("facts.yaml").write_text("制度: 未制定\n金额: 100 元\n备注: x\n", encoding="utf-8")
    for args in (("check", "rules.perfeval"), ("eval", "rules.perfeval", "--facts", "facts.yaml")):
        code, out, err = run(capsys, *args)
        assert code == 1
        assert "error[PE101]" in err
        assert "rules.perfeval:2:10" in err  # the first one, BEL of the title
        assert controls(out + err) == []
    with pytest.raises(pe.PerfevalError) as raised:
        pe.parse_rules(rules)
    assert [d.code for d in raised.value.errors] == ["PE101"]
    assert controls(str(raised.value)) == []


def test_batch_text_summary_passes_no_control_sequences(terminal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("rules.perfeval").write_text(FORMULA_RULES, encoding="utf-8")
    write_table(Path("units.csv"), [[f"红{CSI}单位", "制定并实施", "100 元"],
                                    [f"标题{OSC}单位", "未制定", "100 元"],
                                    ["正常单位", "制定并实施", f"{CSI}5 元"],
                                    ["甲单位", "制定并实施", "100 元"]])
    code, out, err = run(capsys, "batch", "rules.perfeval", "units.csv")
    assert code == 1
    assert "甲单位" in out and "正常单位" in out and "PE40" in out
    assert controls(out) == []
    assert controls(err) == []
    code, out, err = run(capsys, "batch", "rules.perfeval", "units.csv", "--format", "csv")
    assert controls(out.replace("\r\n", "\n")) == []


def test_json_outputs_escape_control_characters(terminal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("rules.perfeval").write_text(FORMULA_RULES, encoding="utf-8")
    write_table(Path("units.csv"), [[f"红{CSI}单位", "制定并实施", "100 元"], ["甲单位", "制定并实施", f"{OSC}5 元"]])
    code, out, _ = run(capsys, "batch", "rules.perfeval", "units.csv", "--format", "json")
    assert code == 1
    assert controls(out) == []
    json.loads(out)  # whatever the units' fate, the document is valid JSON


# ==== 5. Limits, each with a clear diagnostic ==========================================================


def one_indicator(score: str, fact: str = "分") -> str:
    return f"total 5\nfact a: {fact}\ngroup g {{ indicator x weight 5 {{ score {score} }} }}\n"


def refusal(text: str) -> list[str]:
    """The codes of the errors parse_rules raises for `text` (a RecursionError fails the test)."""
    with pytest.raises(pe.PerfevalError) as raised:
        pe.parse_rules(text, filename="limit.perfeval")
    return [d.code for d in raised.value.errors]


N = 10_000


def test_ten_thousand_open_parentheses_give_a_syntax_error() -> None:
    assert refusal(one_indicator("(" * N)) == ["PE102"]
    assert refusal(one_indicator("(" * N + "a")) == ["PE102"]


@pytest.mark.parametrize("score", [
    "-" * N + "a",
    "5 if " + "not " * N + "a > 1 分 else 0",
    "+".join(["0"] * N) + " + a",
    "min(" * N + "a" + ", 5)" * N,
], ids=["unary minus", "not", "long sum", "nested calls"])
def test_deep_nesting_gives_a_diagnostic(score: str) -> None:
    assert refusal(one_indicator(score)) in (["PE102"], ["PE212"])


def test_ten_thousand_parentheses_around_a_name_are_only_grouping() -> None:
    rules = pe.parse_rules(one_indicator("(" * N + "a" + ")" * N))
    assert pe.evaluate(rules, {"a": "4 分"}).total == 4


def test_an_expression_101_levels_deep_is_refused_with_pe212() -> None:
    assert refusal(one_indicator("(1 + " * 101 + "a" + ")" * 101)) == ["PE212"]


@pytest.mark.parametrize("score", [
    "(1 + " * 500 + "a" + ")" * 500,
    "(1 + " * N + "a" + ")" * N,
    "5 if a > 1 分 else " * 2_000 + "0",
], ids=["500 nested sums", "10000 nested sums", "2000 tiers"])
def test_deep_nesting_that_raises_recursion_error(score: str) -> None:
    assert refusal(one_indicator(score)) in (["PE102"], ["PE212"])


def test_there_is_no_power_operator() -> None:
    assert refusal(one_indicator("10 ** 10 ** 10")) == ["PE102"]
    assert refusal(one_indicator("a ** 2")) == ["PE102"]
    assert "**" not in syntax.grammar_text()


def test_a_literal_with_1000_digits_is_refused() -> None:
    assert refusal(one_indicator("0 if a > " + "9" * 1000 + " else 5")) == ["PE213"]
    assert refusal(one_indicator("0 if a > 1" + "0" * 999 + " 分 else 5")) == ["PE213"]


def test_a_literal_with_1000_decimal_digits_is_refused() -> None:
    assert refusal(one_indicator("0 if a > 0." + "9" * 999 + " else 5")) == ["PE213"]


@pytest.mark.parametrize("where", ["title", "standard", "judgement", "comparison"])
def test_a_string_of_more_than_10000_characters_is_refused(where: str) -> None:
    def text(length: int) -> str:
        long = "长" * length
        title = long if where == "title" else "t"
        standard = long if where == "standard" else "s"
        option = long if where == "judgement" else "甲"
        compared = long if where == "comparison" else "甲"
        return (f'title "{title}"\ntotal 5\nfact a: "{option}" | "乙"\nfact b: text\n'
                f'group g {{ indicator x weight 5 {{ standard "{standard}"\n'
                f'  score 5 if a == "乙" or b == "{compared}" else 0 }} }}\n')

    pe.parse_rules(text(10_000))  # exactly 10,000 characters: accepted
    assert refusal(text(10_001)) == ["PE214"]


def test_more_than_10000_indicators_are_refused() -> None:
    indicators = "".join(f"indicator i{i} weight 1 {{ score 1 }}\n" for i in range(N + 1))
    assert refusal(f"total {N + 1}\ngroup g {{\n{indicators}}}\n") == ["PE309"]


ELEVEN_MB = 11 * 1024 * 1024


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a rule file or a facts file is parsed."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("parsed a file that should have been refused before parsing")

    monkeypatch.setattr(syntax, "parse", refuse)
    monkeypatch.setattr(syntax, "parser", refuse)
    import perfeval_dsl.facts

    monkeypatch.setattr(perfeval_dsl.facts, "parse_facts", refuse)


def too_large(call: Callable[[], object]) -> None:
    with pytest.raises(pe.PerfevalError) as raised:
        call()
    assert [d.code for d in raised.value.errors] == ["PE008"]


def test_a_rule_file_over_10_mb_is_refused_before_parsing(tmp_path: Path, no_parsing: None) -> None:
    path = tmp_path / "big.perfeval"
    path.write_text(SMALL_RULES + ("# " + "注" * 1000 + "\n") * (ELEVEN_MB // 3002 + 1), encoding="utf-8")
    assert path.stat().st_size > ELEVEN_MB
    too_large(lambda: pe.load_rules(path))
    ascii_text = SMALL_RULES + ("# " + "x" * 1000 + "\n") * (ELEVEN_MB // 1002 + 1)
    too_large(lambda: pe.parse_rules(ascii_text))


def test_rule_text_over_10_mb_of_chinese_is_refused_before_parsing(no_parsing: None) -> None:
    text = SMALL_RULES + ("# " + "注" * 1000 + "\n") * 4000
    assert len(text.encode("utf-8")) > ELEVEN_MB
    too_large(lambda: pe.parse_rules(text))


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
def test_a_facts_file_over_10_mb_is_refused_before_parsing(tmp_path: Path, no_parsing: None, suffix: str) -> None:
    path = tmp_path / f"big{suffix}"
    filler = {".yaml": "# " + "x" * 1000 + "\n", ".toml": "# " + "x" * 1000 + "\n", ".json": " " * 1000 + "\n"}[suffix]
    body = {".yaml": "收入: 100 元\n", ".toml": '"收入" = "100 元"\n', ".json": '{"收入": "100 元"}\n'}[suffix]
    path.write_text(body + filler * (ELEVEN_MB // len(filler) + 1), encoding="utf-8")
    too_large(lambda: pe.load_facts(path))


def test_a_facts_file_over_10_mb_fails_only_its_unit_in_a_batch(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "rules.perfeval").write_text(SMALL_RULES, encoding="utf-8")
    units = tmp_path / "units"
    units.mkdir()
    (units / "甲.yaml").write_text("收入: 100 元\n", encoding="utf-8")
    (units / "乙.yaml").write_text("收入: 100 元\n" + ("# " + "x" * 1000 + "\n") * (ELEVEN_MB // 1002 + 1),
                                   encoding="utf-8")
    code, out, _ = run(capsys, "batch", str(tmp_path / "rules.perfeval"), str(units), "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert [(u["unit"], u["scored"]) for u in document["units"]] == [("乙", False), ("甲", True)]
    assert [d["code"] for d in document["units"][0]["diagnostics"]] == ["PE008"]
