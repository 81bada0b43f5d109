"""docs/errors.zh.md, the Chinese counterpart of docs/errors.md that `perfeval --lang zh explain CODE` prints,
stays in step with the registry, with docs/errors.md and with what the program prints in Chinese.

- Every code of `perfeval_dsl.errors.CODES` has exactly one section `## PE201 — 未知的名称` (the title from
  CODES_ZH), in the order of docs/errors.md, and every such heading names a registered code.
- Each section shows the examples (`<!-- ui: name -->`) of the same section of docs/errors.md, in the same order:
  the command with `--lang zh`, the same rule, facts and test file blocks, and as `text` exactly what the case
  prints to standard error with `--lang zh` (as tests/test_lang.py runs it).
- The prose, outside code blocks and inline code, leaves no English sentence untranslated (`_english_left`,
  the check tests/test_lang.py makes of the Chinese diagnostics).
- `perfeval --lang zh explain CODE` prints the code's section; the wheel ships the document.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

import pytest
from cli_support import run
from test_errors_registry import EXAMPLES, FENCE, HEADING, MARKER, document_sections, documented_case
from test_errors_registry import sections as english_sections
from test_lang import _CJK, _chinese_stderr, _english_left

from perfeval_dsl.errors import CODES, CODES_ZH
from perfeval_dsl.explain import explanation

ROOT = Path(__file__).resolve().parent.parent
DOC_ZH = ROOT / "docs" / "errors.zh.md"
COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
INLINE_CODE = re.compile(r"`[^`]*`")


@functools.cache
def doc_text() -> str:
    return DOC_ZH.read_text(encoding="utf-8")


def sections() -> dict[str, str]:
    """The text of each `## PE…` section of docs/errors.zh.md, by code, in the document's order."""
    return document_sections(DOC_ZH)


def _blocks_after(section: str, marker: re.Match[str]) -> list[tuple[str, str]]:
    """The fenced blocks of the example that `marker` introduces: up to the next marker or the section's end."""
    following = MARKER.search(section, marker.end())
    chunk = section[marker.end() : following.start() if following else len(section)]
    return [(fence["lang"], fence["body"]) for fence in FENCE.finditer(chunk)]


def _examples() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(code, case name, [(fence language, body), …]) for each `<!-- ui: name -->` of docs/errors.zh.md."""
    return [(code, marker["name"], _blocks_after(section, marker))
            for code, section in sections().items() for marker in MARKER.finditer(section)]


EXAMPLES_ZH = _examples()
ENGLISH_BLOCKS = dict(EXAMPLES)


def _prose(text: str) -> str:
    """`text` without its fenced blocks and comments: the words written for the reader."""
    return COMMENT.sub("", FENCE.sub("", text))


def _english_in_prose(text: str) -> list[str]:
    """The runs of English words left in the prose of `text`, outside code blocks and inline code (taken out
    first: a Chinese sentence has no spaces to end a path-like word before a backtick)."""
    return _english_left(INLINE_CODE.sub(" ", " ".join(_prose(text).split("\n"))))


# ---- the sections ------------------------------------------------------------------------------------------


def test_every_code_has_one_section_with_its_chinese_title_in_the_order_of_errors_md() -> None:
    headings = [(m["code"], m["rest"]) for m in HEADING.finditer(doc_text())]
    codes = [code for code, _ in headings]
    assert len(codes) == len(set(codes)), "docs/errors.zh.md has two sections for one code"
    assert codes == list(english_sections()) == list(CODES)
    wrong = {code: f"## {code}{rest}" for code, rest in headings if rest != f" — {CODES_ZH[code]}"}
    assert not wrong, f"headings must read `## PE201 — <title from CODES_ZH>`: {wrong}"


@pytest.mark.parametrize("code", list(CODES))
def test_every_section_shows_the_examples_of_errors_md_and_a_fix(code: str) -> None:
    section = sections()[code]
    english = [m["name"] for m in MARKER.finditer(english_sections()[code])]
    assert [m["name"] for m in MARKER.finditer(section)] == english, f"{code}: show the examples of docs/errors.md"
    assert "**怎样改正。**" in section, f"{code}: no fix"


def test_the_document_names_the_english_one() -> None:
    introduction = doc_text()[: doc_text().index("\n## ")]
    assert "docs/errors.md" in _prose(introduction)


# ---- the examples: the program's Chinese output ------------------------------------------------------------


def test_there_are_examples() -> None:
    assert len(EXAMPLES_ZH) == len(EXAMPLES) >= 60


@pytest.mark.parametrize(("code", "name", "blocks"), EXAMPLES_ZH, ids=[name for _, name, _ in EXAMPLES_ZH])
def test_each_example_is_the_case_run_in_chinese(code: str, name: str, blocks: list[tuple[str, str]],
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    case, by_lang = documented_case(name, blocks, "perfeval --lang zh")
    _, chinese = _chinese_stderr(name, capsys, monkeypatch)
    assert by_lang.pop("text") == chinese.rstrip("\n") + "\n", \
        f"{name}: copy the output of `perfeval --lang zh {' '.join(case.argv)}` into docs/errors.zh.md"
    # the rule file, facts file and test file: as docs/errors.md shows them (which tests/ui holds)
    english = {lang: body for lang, body in ENGLISH_BLOCKS[name] if lang not in ("sh", "text")}
    assert by_lang == english, f"{name}: copy the file blocks of docs/errors.md"


def test_the_introduction_shows_a_diagnostic_as_the_program_prints_it(capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    introduction = doc_text()[: doc_text().index("\n## ")]
    ((lang, shown),) = [(fence["lang"], fence["body"]) for fence in FENCE.finditer(introduction)]
    _, chinese = _chinese_stderr("unknown-name-did-you-mean", capsys, monkeypatch)
    assert lang == "text" and shown.startswith("错误[PE201]：")
    assert f"\n{shown}" in chinese, "copy the PE201 diagnostic of tests/ui/unknown-name-did-you-mean, run in Chinese"


# ---- the prose: in Chinese ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(CODES))
def test_the_prose_of_every_section_is_chinese(code: str) -> None:
    prose = _prose(sections()[code])
    paragraphs = [p for p in re.split(r"\n\s*\n", prose.split("\n", 1)[1]) if p.strip()]
    assert paragraphs and all(_CJK.search(p) for p in paragraphs), paragraphs
    left = _english_in_prose(sections()[code].split("\n", 1)[1])
    assert not left, f"{code}: English left in the prose: {left}"


def test_the_prose_before_the_sections_is_chinese() -> None:
    assert not _english_in_prose(doc_text()[: doc_text().index("\n## PE")])


def test_the_check_finds_an_english_sentence_in_the_prose() -> None:
    text = "## PE201 — 未知的名称\n\n规则用到了未声明的名称。\n\n```text\nnot in the prose at all\n```\n\n" \
           "**怎样改正。** 声明它：`let the name = 1`。Correct the name as the help says\n"
    assert _english_in_prose(text) == ["Correct the name as the help says"]


# ---- perfeval --lang zh explain ----------------------------------------------------------------------------


def _printed(code: str) -> str:
    """What `perfeval --lang zh explain CODE` prints: the section without its comments."""
    return COMMENT.sub("", sections()[code]).rstrip() + "\n"


def test_explain_prints_the_chinese_section(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "--lang", "zh", "explain", "PE601")
    assert (code, err) == (0, "")
    assert out == _printed("PE601")
    assert out.startswith("## PE601 — 有取值落在档次之间\n\n警告：")
    assert "```sh\nperfeval --lang zh check tests/ui/tiers-gap-falls-to-else.perfeval\n```" in out
    assert "<!--" not in out and "docs/errors.md 的原文" not in out


@pytest.mark.parametrize("code", list(CODES))
def test_every_code_is_explained_from_the_chinese_document(code: str) -> None:
    assert explanation(code, "zh") == _printed(code)
    assert explanation(code.lower(), "zh") == explanation(code[2:], "zh") == _printed(code)


def test_the_wheel_ships_the_chinese_document() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included["docs/errors.zh.md"] == "perfeval_dsl/docs/errors.zh.md"
    assert included["docs/errors.md"] == "perfeval_dsl/docs/errors.md"
