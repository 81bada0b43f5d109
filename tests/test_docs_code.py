"""Every Python example in README.md and docs/api.md runs, and the README's rule example checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import perfeval_dsl as pe

ROOT = Path(__file__).resolve().parent.parent


def blocks(path: Path, language: str) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        found.append((text.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


PYTHON = [(path, line, code) for path in (ROOT / "README.md", ROOT / "docs/api.md")
          for line, code in blocks(path, "python")]


@pytest.mark.parametrize(("path", "line", "code"), PYTHON, ids=[f"{p.name}:{n}" for p, n, _ in PYTHON])
def test_python_examples_run(path: Path, line: int, code: str, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, f"{path.name}:{line}", "exec"), {})  # our own documentation, not user input


def test_readme_rule_example_checks_and_scores_the_boundary() -> None:
    ((_, text),) = blocks(ROOT / "README.md", "perfeval")
    rules = pe.parse_rules(text, filename="README.md")
    result = pe.evaluate(rules, {"预算基本支出": "8,567,111.50 元", "实际基本支出": "9,423,822.65 元"})
    assert result.total == 5
