"""The registry of diagnostic codes, docs/errors.md and the golden cases of tests/ui stay in step.

- Every code of `perfeval_dsl.errors.CODES` has a section `## PE201 — unknown name` in docs/errors.md, with the
  title from CODES, and every such heading names a registered code.
- Every code is produced by at least one golden case in tests/ui (a `[PE201]` in a `.stderr` of a case that is
  not a known bug), except the codes listed in UNREACHABLE, each with the reason.
- The examples in docs/errors.md are copies of tests/ui cases (command, rule file, facts file or test file,
  output); an .xlsx facts file is shown as a short text (`_workbook_text`).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from test_ui import CASES, UI, Case, load_case

from perfeval_dsl.errors import CODES

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "errors.md"

# Codes no golden case can produce today, each with the reason. Keep this list short and true: a test below
# fails when a listed code starts appearing in a golden.
UNREACHABLE: dict[str, str] = {}

HEADING = re.compile(r"^## (?P<code>PE\d{3})(?P<rest>.*)$", re.MULTILINE)
GOLDEN_CODE = re.compile(r"^(?:error|warning)\[(PE\d{3})\]", re.MULTILINE)
FENCE = re.compile(r"^```(?P<lang>\S*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"^<!-- ui: (?P<name>[\w-]+) -->$", re.MULTILINE)


@functools.cache
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


@functools.cache
def sections() -> dict[str, str]:
    """The text of each `## PE…` section of docs/errors.md, by code."""
    return document_sections(DOC)


@functools.cache
def document_sections(path: Path) -> dict[str, str]:
    """The text of each `## PE…` section of a document of codes (docs/errors.md, docs/errors.zh.md), by code,
    in the document's order."""
    text = path.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    headings = list(re.finditer(r"^## .*$", text, re.MULTILINE))
    for index, heading in enumerate(headings):
        match = HEADING.match(heading.group(0))
        if match is None:
            continue
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        assert match["code"] not in found, f"{path.name} has two sections for {match['code']}"
        found[match["code"]] = text[heading.start() : end]
    return found


@functools.cache
def exercised_codes() -> dict[str, list[str]]:
    """Each code printed by a golden case that is not a known bug, with the cases printing it."""
    found: dict[str, list[str]] = {}
    for name in CASES:
        case = load_case(name)
        if case.xfail is not None or not case.stderr.exists():
            continue
        for code in GOLDEN_CODE.findall(case.stderr.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(name)
    return found


def test_every_code_has_a_section_with_its_title() -> None:
    headings = {m["code"]: m["rest"] for m in HEADING.finditer(doc_text())}
    missing = [code for code in CODES if code not in headings]
    assert not missing, f"docs/errors.md has no section for {missing}"
    wrong = {code: f"## {code}{rest}" for code, rest in headings.items()
             if code in CODES and rest != f" — {CODES[code]}"}
    assert not wrong, f"headings must read `## PE201 — <title from CODES>`: {wrong}"


def test_every_section_is_a_registered_code() -> None:
    unknown = [m["code"] for m in HEADING.finditer(doc_text()) if m["code"] not in CODES]
    assert not unknown, f"docs/errors.md documents codes that are not in CODES: {unknown}"


def test_sections_follow_the_order_of_the_registry() -> None:
    assert list(sections()) == list(CODES)


@pytest.mark.parametrize("code", list(CODES))
def test_every_section_explains_and_shows_a_fix(code: str) -> None:
    section = sections()[code]
    assert "**How to fix it.**" in section, f"{code}: no fix"
    assert MARKER.search(section), f"{code}: no example from tests/ui"


@pytest.mark.parametrize("code", list(CODES))
def test_every_code_is_exercised_by_a_golden(code: str) -> None:
    exercised = exercised_codes()
    if code in UNREACHABLE:
        assert code not in exercised, (f"{code} is listed as unreachable but {exercised[code]} produce it; "
                                       "remove it from UNREACHABLE")
    else:
        assert code in exercised, f"no golden case in tests/ui produces {code} ({CODES[code]})"


def test_unreachable_codes_are_registered() -> None:
    assert set(UNREACHABLE) <= set(CODES)


def test_goldens_print_only_registered_codes() -> None:
    unknown = set(exercised_codes()) - set(CODES)
    assert not unknown


def _file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        return _workbook_text(path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # the not-UTF-8 cases: shown decoded in the document
        return data.decode("gb18030")


def _workbook_text(path: Path) -> str:
    """An .xlsx facts file as docs/errors.md shows it (a workbook is no text): `sheet <title>`, then each row of
    the first sheet with its cells after their addresses, `A2 名称 | B2 0.09`; a number format other than
    General follows the number in brackets, and a formula (as written, `=B2-1`) the value Excel saved."""
    import openpyxl

    formulas = openpyxl.load_workbook(path).worksheets[0]
    saved = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    lines = [f"sheet {formulas.title}"]
    for row in formulas.iter_rows():
        cells = []
        for cell in row:
            if cell.value is None:
                continue
            text = str(cell.value)
            if cell.data_type == "f":
                value = saved[cell.coordinate].value
                text += f" (saved value {value})" if value is not None else " (no saved value)"
            if cell.number_format != "General":
                text += f" [{cell.number_format}]"
            cells.append(f"{cell.coordinate} {text}")
        lines.append(" | ".join(cells))
    return "\n".join(lines) + "\n"


def _examples() -> list[tuple[str, list[tuple[str, str]]]]:
    """(case name, [(fence language, body), …]) for each `<!-- ui: name -->` marker of the document."""
    text = doc_text()
    markers = list(MARKER.finditer(text))
    examples = []
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        chunk = text[marker.end() : end]
        chunk = chunk[: chunk.find("\n##")] if "\n##" in chunk else chunk
        examples.append((marker["name"], [(m["lang"], m["body"]) for m in FENCE.finditer(chunk)]))
    return examples


EXAMPLES = _examples()


def documented_case(name: str, blocks: list[tuple[str, str]], command: str) -> tuple[Case, dict[str, str]]:
    """The UI case a document shows, and its blocks by kind, the `sh` one taken out: the case is not a known
    bug, there is one block per kind, and the `sh` block is `command` (`perfeval`, `perfeval --lang zh`) run as
    the case runs it."""
    case = load_case(name)
    assert case.xfail is None, f"{name} is a known bug; document a case whose output is right"
    by_lang = dict(blocks)
    assert len(by_lang) == len(blocks), f"{name}: one block per kind"
    env = "".join(f"{variable}={value} " for variable, value in case.env)
    assert by_lang.pop("sh", None) == f"{env}{command} " + " ".join(case.argv) + "\n"
    return case, by_lang


@pytest.mark.parametrize(("name", "blocks"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_documented_examples_are_the_ui_cases(name: str, blocks: list[tuple[str, str]]) -> None:
    assert name in CASES, f"docs/errors.md shows tests/ui/{name}, which does not exist"
    case, by_lang = documented_case(name, blocks, "perfeval")
    tests = UI / f"{name}.tests.yaml"  # `perfeval test`: the test file, and the rule file it tests
    if case.argv[1] in (f"tests/ui/{name}.perfeval", f"tests/ui/{tests.name}"):
        assert by_lang.get("perfeval") == _file_text(UI / f"{name}.perfeval")
    if case.argv[1] == f"tests/ui/{tests.name}":
        assert by_lang.get("yaml") == _file_text(tests)
    facts = sorted(UI.glob(f"{name}.facts.*"))
    if facts:
        assert by_lang.get(facts[0].suffix.lstrip(".")) == _file_text(facts[0])
    expected = case.stderr.read_text(encoding="utf-8").rstrip("\n") + "\n"
    assert by_lang.get("text") == expected, f"{name}: copy tests/ui/{name}.stderr into docs/errors.md"


def test_other_forms_named_in_the_document_exist() -> None:
    # a case name starts with a letter: `2023-06-30` in a date's message or help is a date, not a case
    named = set(re.findall(r"`(?:tests/ui/)?([a-z][a-z0-9]*(?:-[a-z0-9]+)+)`", doc_text()))
    missing = sorted(n for n in named if n not in CASES and not (UI / n).exists())
    assert not missing, f"docs/errors.md names cases that are not in tests/ui: {missing}"
    buggy = sorted(n for n in named if n in CASES and load_case(n).xfail is not None)
    assert not buggy, f"docs/errors.md points readers at known-bug cases, whose golden is not today's output: {buggy}"
