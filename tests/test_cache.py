"""The command line's cache of checked rule files (perfeval_dsl.cache)."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import pytest

import perfeval_dsl as pe
from perfeval_dsl import cache
from perfeval_dsl.compiler import compile_program

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "rules" / "anning-2020.perfeval"
FACTS = ROOT / "rules" / "anning-2020.facts.yaml"


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PERFEVAL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PERFEVAL_NO_CACHE", raising=False)
    return tmp_path / "cache"


def test_a_hit_gives_the_same_rules_and_scores(folder: Path) -> None:
    first = pe.load_rules(SEED, cache=True)
    entries = list(folder.iterdir())
    assert len(entries) == 1 and entries[0].suffix == ".pickle"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    again = pe.load_rules(SEED, cache=True)
    assert again.program == first.program
    assert again.python == first.python
    facts = pe.load_facts(FACTS)
    assert pe.render(pe.evaluate(again, facts), "json") == pe.render(pe.evaluate(first, facts), "json")


def test_a_hit_does_not_compile_the_evaluator_again(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = pe.load_rules(SEED, cache=True)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(builtins, "compile", refuse)
    again = pe.load_rules(SEED, cache=True)
    assert again.python == first.python
    facts = pe.load_facts(FACTS)
    assert pe.render(pe.evaluate(again, facts), "json") == pe.render(pe.evaluate(first, facts), "json")


def test_a_kept_evaluator_of_other_source_is_not_used() -> None:
    rules = pe.load_rules(SEED)
    other = compile("def score_unit(facts):\n    return None\n", "<other>", "exec")
    again = compile_program(rules.program, ("# other source\n", other))
    assert again.code is not other and again.python == rules.python
    facts = pe.load_facts(FACTS)
    assert pe.evaluate(again, facts).total == pe.evaluate(rules, facts).total == 98


def test_a_changed_text_is_a_miss(folder: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    pe.parse_rules(text, "a.perfeval", cache=True)
    changed = pe.parse_rules(text.replace('"安宁市', '"昆明市安宁市', 1), "a.perfeval", cache=True)
    assert changed.title.startswith("昆明市")
    assert len(list(folder.iterdir())) == 2


def test_the_same_text_under_another_name_is_a_miss(folder: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    pe.parse_rules(text, "a.perfeval", cache=True)
    assert pe.parse_rules(text, "b.perfeval", cache=True).program.source.name == "b.perfeval"


def test_a_damaged_entry_is_a_miss_and_is_replaced(folder: Path) -> None:
    pe.load_rules(SEED, cache=True)
    (entry,) = folder.iterdir()
    entry.write_bytes(b"not a pickle")
    assert cache.load(SEED.read_text(encoding="utf-8"), str(SEED)) is None
    assert len(pe.load_rules(SEED, cache=True).program.indicators) == 29
    assert entry.read_bytes() != b"not a pickle"


def test_rules_with_errors_are_not_cached(folder: Path) -> None:
    with pytest.raises(pe.PerfevalError):
        pe.parse_rules("indicator 甲 weight 100 { score 未知 }", "bad.perfeval", cache=True)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_the_api_does_not_cache_unless_asked(folder: Path) -> None:
    pe.load_rules(SEED)
    assert not folder.exists()


def test_no_cache_turns_it_off(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERFEVAL_NO_CACHE", "1")
    pe.load_rules(SEED, cache=True)
    assert not folder.exists()


def test_an_unwritable_folder_is_no_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("PERFEVAL_CACHE_DIR", str(blocker / "cache"))  # a folder inside a file: cannot exist
    assert len(pe.load_rules(SEED, cache=True).program.indicators) == 29


def test_a_hit_does_not_import_the_parser(folder: Path) -> None:
    env = {**os.environ, "PERFEVAL_CACHE_DIR": str(folder)}
    code = ("import sys, perfeval_dsl as pe; pe.load_rules(sys.argv[1], cache=True); "
            "print('lark' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code, str(SEED)], env=env, capture_output=True, text=True,
                           check=True)
    second = subprocess.run([sys.executable, "-c", code, str(SEED)], env=env, capture_output=True, text=True,
                            check=True)
    assert (first.stdout, second.stdout) == ("True\n", "False\n")


# What `perfeval eval` of a YAML facts file needs only to parse and check rule files, or for other commands and
# output formats: none of it is imported when the rule file is unchanged since the last run.
NOT_FOR_A_CACHED_EVAL = (
    "lark", "portion", "pyarrow", "numpy", "openpyxl", "tomllib",
    *(f"perfeval_dsl.{name}" for name in (
        "syntax", "check", "analysis", "formatter", "convert", "cases", "spreadsheet", "comparison", "units",
        "batch", "columnar", "explain", "cli_zh", "atomic", "report.jsondoc", "report.markdown",
        "report.htmldoc", "report.xlsx", "report.table", "report.batch", "report.diff", "report.boundaries",
        "report.tests")),
)


@pytest.mark.parametrize("explain", ["full", "off"])
def test_a_cached_eval_imports_only_what_it_needs(folder: Path, explain: str) -> None:
    env = {**os.environ, "PERFEVAL_CACHE_DIR": str(folder)}
    code = ("import sys\n"
            "from perfeval_dsl.cli import main\n"
            "try:\n"
            "    main(sys.argv[1:])\n"
            "except SystemExit:\n"
            "    pass\n"
            f"print(sorted(name for name in {NOT_FOR_A_CACHED_EVAL!r} if name in sys.modules), file=sys.stderr)\n")
    command = [sys.executable, "-c", code, "eval", str(SEED), "--facts", str(FACTS), "--explain", explain]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    second = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert "'lark'" in first.stderr and "98 / 100" in first.stdout
    assert second.stderr == "[]\n"
    assert second.stdout == first.stdout
