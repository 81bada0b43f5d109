"""Run every example of docs/language.md and docs/cookbook.md, so the documents cannot drift from the language.

The convention (also stated in an HTML comment at the top of each document):

- A fenced block ```` ```perfeval ```` is a complete rule file. It is parsed, checked and compiled with
  `perfeval_dsl.parse_rules` and must succeed with no error and no warning, counting the warnings of
  `perfeval_dsl.analyse` (what `perfeval check` prints). ```` ```perfeval warning=PE306 ````
  allows exactly the listed warning codes (comma-separated).
- ```` ```perfeval error=PE203 ```` must fail with a `PerfevalError` whose first error diagnostic has that code.
- A ```` ```yaml facts ```` block (or ```` ```toml facts ````, ```` ```json facts ````) that is the next fenced
  block after a ```` ```perfeval ```` block holds that example's facts; the next fenced block after it must be
  a ```` ```yaml expect ```` block. The expect block gives `total`, `grade` and optionally `scores:`
  (indicator name → score), compared exactly as decimals; or `error: PE502` when evaluating must fail with
  that code; and optionally `warnings: [PE404]`, the exact warning codes of the result (none when absent).
- ```` ```perfeval xfail=KeyError ```` shows intended behaviour that a known bug, described next to it, breaks today
  with that exception. It is a strict xfail: when the bug is fixed the test fails, as a reminder to remove `xfail=…`
  and the note; any other failure is reported as usual.
- ```` ```text ```` and ```` ```sh ```` blocks are illustrations and are not run. A ```` ```csv ```` block is a
  facts sheet; tests/test_spreadsheet.py reads it. Any other fence is a mistake.

Each example is a test case named by its document and the line of its opening fence, e.g. `language.md:123`
or `cookbook.md:45`.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

import perfeval_dsl as pe
from perfeval_dsl.errors import CODES
from perfeval_dsl.facts import parse_facts
from perfeval_dsl.source import Source

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"
# Each document, with the fewest examples, examples with an expect block and `error=` examples it must have.
DOCS = {DOCS_DIR / "language.md": (25, 10, 5), DOCS_DIR / "cookbook.md": (60, 55, 1)}
ILLUSTRATIONS = {"text", "sh", "csv"}  # csv: read by tests/test_spreadsheet.py
FACT_FORMATS = {"yaml", "toml", "json"}
EXPECT_KEYS = {"total", "grade", "scores", "error", "warnings"}
CODE = re.compile(r"^PE\d{3}$")


@dataclass(frozen=True)
class Block:
    """One fenced block of the document: the line of its opening fence, its info string and its text."""

    line: int
    info: str
    text: str

    @property
    def words(self) -> list[str]:
        return self.info.split()

    @property
    def lang(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def options(self) -> dict[str, str]:
        return dict(word.split("=", 1) for word in self.words[1:] if "=" in word)

    @property
    def role(self) -> str | None:
        roles = [word for word in self.words[1:] if "=" not in word]
        return roles[0] if roles else None


@dataclass(frozen=True)
class Example:
    doc: Path
    rules: Block
    facts: Block | None = None
    expect: Block | None = None

    @property
    def name(self) -> str:
        return f"{self.doc.name}:{self.rules.line}"


def read_blocks(text: str) -> tuple[list[Block], list[str]]:
    """Every fenced block, and the problems with the fences themselves (unclosed, indented)."""
    blocks: list[Block] = []
    problems: list[str] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith("```") and line != line.lstrip():
            problems.append(f"line {index + 1}: an indented fence is not run; start it at the left margin")
        if not line.startswith("```"):
            index += 1
            continue
        start, info, body = index + 1, line[3:].strip(), []
        index += 1
        while index < len(lines) and lines[index].rstrip() != "```":
            body.append(lines[index])
            index += 1
        if index == len(lines):
            problems.append(f"line {start}: this fence is never closed")
        blocks.append(Block(line=start, info=info, text="\n".join(body) + "\n"))
        index += 1
    return blocks, problems


def block_problem(block: Block) -> str | None:
    """Why a block's info string is not one the convention knows, or None."""
    where = f"line {block.line} (```{block.info})"
    if block.lang in ILLUSTRATIONS and len(block.words) == 1:
        return None
    if block.lang == "perfeval":
        if block.role is not None or set(block.options) - {"error", "warning", "xfail"}:
            return f"{where}: a perfeval block takes only `error=CODE`, `warning=CODE,CODE` or `xfail=Exception`"
        if "error" in block.options and len(block.options) > 1:
            return f"{where}: `error=` goes alone"
        if "xfail" in block.options and not isinstance(getattr(builtins, block.options["xfail"], None), type):
            return f"{where}: `xfail=` names the exception the known bug raises, such as KeyError"
        codes = [c for key, value in block.options.items() if key != "xfail" for c in value.split(",")]
        unknown = [c for c in codes if not CODE.match(c) or c not in CODES]
        return f"{where}: unknown diagnostic code(s) {unknown}" if unknown else None
    if block.lang in FACT_FORMATS and block.role == "facts" and len(block.words) == 2:
        return None
    if block.lang == "yaml" and block.role == "expect" and len(block.words) == 2:
        return None
    return f"{where}: unknown fence; use perfeval, yaml facts, toml facts, json facts, yaml expect, text or sh"


def collect(doc: Path) -> tuple[list[Example], list[str]]:
    """The runnable examples of a document, and every violation of the convention."""
    if not doc.is_file():
        return [], [f"{doc} is missing"]
    blocks, problems = read_blocks(doc.read_text(encoding="utf-8"))
    problems += [p for p in map(block_problem, blocks) if p is not None]
    examples: list[Example] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        if block.lang == "perfeval":
            after = blocks[index] if index < len(blocks) else None
            if after is None or after.role != "facts":
                examples.append(Example(doc, block))
                continue
            if "error" in block.options:
                problems.append(f"line {after.line}: facts follow a rule file that must fail to check")
            expect = blocks[index + 1] if index + 1 < len(blocks) else None
            if expect is None or expect.role != "expect":
                problems.append(f"line {after.line}: facts without a ```yaml expect block after them")
                examples.append(Example(doc, block, after))
                index += 1
                continue
            examples.append(Example(doc, block, after, expect))
            index += 2
        elif block.role == "facts":
            problems.append(f"line {block.line}: facts that do not follow a ```perfeval block")
        elif block.role == "expect":
            problems.append(f"line {block.line}: an expect block that does not follow a facts block")
    return examples, problems


COLLECTED = {doc: collect(doc) for doc in DOCS}
EXAMPLES = [example for examples, _ in COLLECTED.values() for example in examples]


def first_error_code(error: pe.PerfevalError) -> str | None:
    errors = [d for d in error.diagnostics if d.is_error]
    return errors[0].code if errors else None


def decimal_of(text: object, what: str) -> Decimal:
    assert isinstance(text, str), f"{what} must be a single number, not {text!r}"
    return Decimal(text)


@pytest.mark.parametrize("doc", DOCS, ids=[doc.name for doc in DOCS])
def test_the_document_follows_the_convention(doc: Path) -> None:
    assert doc.is_file(), f"{doc} is missing"
    problems = COLLECTED[doc][1]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=[doc.name for doc in DOCS])
def test_the_document_has_its_examples(doc: Path) -> None:
    # A broken fence can hide every example after it; this count notices that.
    examples = COLLECTED[doc][0]
    fewest, with_expect, with_error = DOCS[doc]
    assert len(examples) >= fewest
    assert sum(1 for e in examples if e.expect is not None) >= with_expect
    assert sum(1 for e in examples if "error" in e.rules.options) >= with_error


def as_param(example: Example) -> object:
    exception = example.rules.options.get("xfail")
    if exception is None or block_problem(example.rules) is not None:
        return pytest.param(example, id=example.name)
    reason = f"a known bug, described in {example.doc.name} next to line {example.rules.line}"
    mark = pytest.mark.xfail(strict=True, raises=getattr(builtins, exception), reason=reason)
    return pytest.param(example, id=example.name, marks=mark)


@pytest.mark.parametrize("example", [as_param(e) for e in EXAMPLES])
def test_example(example: Example) -> None:
    filename = f"{example.name} (```perfeval)"
    expected_error = example.rules.options.get("error")
    if expected_error is not None:
        with pytest.raises(pe.PerfevalError) as failure:
            pe.parse_rules(example.rules.text, filename=filename)
        assert first_error_code(failure.value) == expected_error, str(failure.value)
        return

    try:
        rules = pe.parse_rules(example.rules.text, filename=filename)
    except pe.PerfevalError as failure:
        pytest.fail(f"the rule file of {example.name} should check cleanly:\n{failure}")
    allowed = sorted(c for c in example.rules.options.get("warning", "").split(",") if c)
    warnings = [*rules.diagnostics, *pe.analyse(rules)]  # what `perfeval check` reports
    found = sorted(d.code for d in warnings)
    assert found == allowed, pe.PerfevalError(warnings)

    if example.facts is None:
        return
    assert example.expect is not None
    expect = yaml.load(example.expect.text, Loader=yaml.BaseLoader)  # every scalar stays a string
    assert isinstance(expect, dict), f"line {example.expect.line}: the expect block must be a mapping"
    assert set(expect) <= EXPECT_KEYS, f"line {example.expect.line}: unknown keys {set(expect) - EXPECT_KEYS}"

    source = Source(f"{example.name} (```{example.facts.info})", example.facts.text)
    if "error" in expect:
        assert not {"total", "grade", "scores"} & set(expect), "an expected error leaves no total, grade or scores"
        with pytest.raises(pe.PerfevalError) as failure:
            pe.evaluate(rules, parse_facts(source, example.facts.lang))
        assert first_error_code(failure.value) == expect["error"], str(failure.value)
        return

    try:
        result = pe.evaluate(rules, parse_facts(source, example.facts.lang))
    except pe.PerfevalError as failure:
        pytest.fail(f"{example.name} should evaluate:\n{failure}")
    warnings = sorted(d.code for d in result.diagnostics)
    assert warnings == sorted(expect.get("warnings", [])), pe.PerfevalError(result.diagnostics)
    assert {"total", "grade"} <= set(expect), f"line {example.expect.line}: give `total` and `grade`"
    assert isinstance(result.total, Decimal)
    assert result.total == decimal_of(expect["total"], "total"), f"total is {result.total}"
    assert result.grade == expect["grade"]
    scores = {r.name: r.score for r in result.indicators}
    for name, score in expect.get("scores", {}).items():
        assert name in scores, f"no indicator named {name!r}; the indicators are {list(scores)}"
        assert isinstance(scores[name], Decimal)
        assert scores[name] == decimal_of(score, f"the score of {name}"), f"{name} scores {scores[name]}"
