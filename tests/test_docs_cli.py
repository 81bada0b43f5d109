"""The example outputs of docs/cli.md are what the commands print today.

The convention is stated at the top of docs/cli.md: a ```text block right after `<!-- output -->` or
`<!-- output exit=N -->` starts with `$ perfeval …`; the command is run from the project folder and the rest
of the block is exactly its standard output followed by its standard error. After `<!-- output excerpt -->`
the rest of the block appears in that output as consecutive whole lines. Spaces at the ends of lines (the
padding of tables) are not compared. Other ```text blocks are illustrations.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from perfeval_dsl.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cli.md"
MARKER = re.compile(r"^<!-- output( excerpt)?(?: exit=(\d+))? -->$")


@dataclass(frozen=True)
class Output:
    line: int
    command: list[str]
    expected: list[str]
    excerpt: bool
    exit_code: int


def outputs() -> list[Output]:
    lines = DOC.read_text(encoding="utf-8").split("\n")
    found = []
    for index, line in enumerate(lines):
        match = MARKER.match(line)
        if match is None:
            continue
        assert lines[index + 1] == "```text", f"cli.md:{index + 1}: an output marker goes right before ```text"
        end = lines.index("```", index + 2)
        command, *expected = lines[index + 2:end]
        assert command.startswith("$ perfeval "), f"cli.md:{index + 3}: the block starts with `$ perfeval …`"
        found.append(Output(index + 2, shlex.split(command)[2:], expected, bool(match.group(1)),
                            int(match.group(2) or 0)))
    return found


OUTPUTS = outputs()


def test_the_document_has_its_examples() -> None:
    assert len(OUTPUTS) >= 10


@pytest.mark.parametrize("example", OUTPUTS, ids=[f"cli.md:{o.line}" for o in OUTPUTS])
def test_output(example: Output, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as exited:
        main(example.command)
    captured = capsys.readouterr()
    assert int(exited.value.code or 0) == example.exit_code
    actual = [line.rstrip() for line in (captured.out + captured.err).split("\n")]
    expected = [line.rstrip() for line in example.expected]
    if not example.excerpt:
        assert actual == [*expected, ""]
        return
    starts = [i for i in range(len(actual) - len(expected) + 1) if actual[i:i + len(expected)] == expected]
    assert starts, "not in the output:\n" + "\n".join(expected)


def test_boundaries_keeps_each_heading_on_one_line(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["boundaries", "rules/anning-2020.perfeval", "部门绩效目标的合理性、明确性、量化度"])
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("部门决策 › 年度绩效目标明确性 › 部门绩效目标的合理性、明确性、量化度  weight 8 · "
                     "by 设定指标的项目比例")
