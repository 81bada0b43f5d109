"""The example outputs of docs/cli.md and docs/教程.md are what the commands print today.

The convention is stated at the top of docs/cli.md: a ```text block right after `<!-- output -->` or
`<!-- output exit=N -->` starts with `$ perfeval …`; the command is run from the project folder and the rest
of the block is exactly its standard output followed by its standard error. After `<!-- output excerpt -->`
the rest of the block appears in that output as consecutive whole lines. Spaces at the ends of lines (the
padding of tables) are not compared. Other ```text blocks are illustrations.

docs/教程.md, the Chinese tutorial, follows the same convention, with these additions (stated at its top too),
so that every command it shows is run:

- its commands run in a scratch folder holding copies of rules/ and docs/examples/, so the paths are those of
  the project folder, and commands that write files (`-o`, `--out`, `fmt`) leave the project alone;
- `<!-- file: NAME -->` on the line before a fenced block writes the block to NAME in the scratch folder for
  the commands after it (a later block for the same NAME replaces it);
- `<!-- excerpt: PATH -->` on the line before a fenced block: the block (indented as a whole, or not) appears
  as consecutive lines in the project's file PATH;
- every line `perfeval …` of a ```sh block is run in the scratch folder and must exit with 0, or with N when
  the line ends with the comment `# 退出码 N`; the file it names with `-o FILE` and the folder it names with
  `--out DIR` must exist afterwards;
- every other fenced block is a ```text illustration that shows no `$ perfeval` command, and every inline
  `perfeval …` code span is the start of some command that is run.

pytest escapes non-ASCII test ids, so the tutorial's examples are named `tutorial:LINE` (the line in 教程.md).

docs/templates.md (the rule-file templates of rules/templates/) follows the convention of cli.md for its output
blocks, run from the project folder; and every line of its ```sh blocks is run, in a scratch folder holding a
copy of rules/: a `perfeval …` line in-process, which must exit with 0 (or N, with `# 退出码 N`), every other
line (`mkdir`, `cp`) in the shell, before the `perfeval` lines after it. Its examples are named
`templates.md:LINE`.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from perfeval_dsl.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cli.md"
TUTORIAL = ROOT / "docs" / "教程.md"
TEMPLATES = ROOT / "docs" / "templates.md"
MARKER = re.compile(r"^<!-- output( excerpt)?(?: exit=(\d+))? -->$")
FILE_MARKER = re.compile(r"^<!-- file: (\S+) -->$")
EXCERPT_MARKER = re.compile(r"^<!-- excerpt: (\S+) -->$")
EXIT_COMMENT = re.compile(r"#\s*退出码\s*(\d+)\s*$")
INLINE_COMMAND = re.compile(r"`(perfeval [^`]+)`")
LABELS = {DOC: "cli.md", TUTORIAL: "tutorial", TEMPLATES: "templates.md"}


@dataclass(frozen=True)
class Output:
    doc: Path
    line: int
    command: list[str]
    expected: list[str]
    excerpt: bool
    exit_code: int

    @property
    def id(self) -> str:
        return f"{LABELS[self.doc]}:{self.line}"


@dataclass(frozen=True)
class Fence:
    """A fenced block: the line of its opening fence (1-based), its info string, the line before it, its lines."""

    line: int
    info: str
    before: str
    body: list[str]


def fences(doc: Path) -> list[Fence]:
    lines = doc.read_text(encoding="utf-8").split("\n")
    found, index = [], 0
    while index < len(lines):
        if not lines[index].startswith("```"):
            index += 1
            continue
        end = lines.index("```", index + 1)
        found.append(Fence(index + 1, lines[index][3:].strip(), lines[index - 1] if index else "",
                           lines[index + 1:end]))
        index = end + 1
    return found


def outputs(doc: Path) -> list[Output]:
    lines = doc.read_text(encoding="utf-8").split("\n")
    found = []
    for index, line in enumerate(lines):
        match = MARKER.match(line)
        if match is None:
            continue
        assert lines[index + 1] == "```text", f"{doc.name}:{index + 1}: an output marker goes right before ```text"
        end = lines.index("```", index + 2)
        command, *expected = lines[index + 2:end]
        assert command.startswith("$ perfeval "), f"{doc.name}:{index + 3}: the block starts with `$ perfeval …`"
        found.append(Output(doc, index + 2, shlex.split(command)[2:], expected, bool(match.group(1)),
                            int(match.group(2) or 0)))
    return found


@dataclass(frozen=True)
class Command:
    """A `perfeval …` line of a ```sh block of the tutorial (or of templates.md)."""

    line: int
    command: list[str]
    exit_code: int
    doc: Path = TUTORIAL

    @property
    def id(self) -> str:
        return f"{LABELS[self.doc]}:{self.line}"


def sh_commands(doc: Path) -> list[Command]:
    found = []
    for fence in fences(doc):
        if fence.info != "sh":
            continue
        for offset, text in enumerate(fence.body, start=1):
            if not text.startswith("perfeval "):
                continue
            exit_code = EXIT_COMMENT.search(text)
            found.append(Command(fence.line + offset, shlex.split(text, comments=True)[1:],
                                 int(exit_code.group(1)) if exit_code else 0, doc))
    return found


def shell_lines(doc: Path) -> list[tuple[int, str]]:
    """The lines of the ```sh blocks of `doc` that are neither `perfeval …`, blank nor a comment: (line, text)."""
    return [(fence.line + offset, text) for fence in fences(doc) if fence.info == "sh"
            for offset, text in enumerate(fence.body, start=1)
            if text.strip() and not text.startswith(("perfeval ", "#"))]


OUTPUTS = outputs(DOC)
TUTORIAL_OUTPUTS = outputs(TUTORIAL)
TUTORIAL_COMMANDS = sh_commands(TUTORIAL)
TEMPLATES_OUTPUTS = outputs(TEMPLATES)
TEMPLATES_COMMANDS = sh_commands(TEMPLATES)
EXCERPTS = [f for f in fences(TUTORIAL) if EXCERPT_MARKER.match(f.before)]


def test_the_document_has_its_examples() -> None:
    assert len(OUTPUTS) >= 10


def test_the_tutorial_has_its_examples() -> None:
    assert len(TUTORIAL_OUTPUTS) >= 10
    assert len(TUTORIAL_COMMANDS) >= 5
    assert len(EXCERPTS) >= 5


def test_the_templates_document_has_its_examples() -> None:
    assert len(TEMPLATES_OUTPUTS) >= 1
    assert len(TEMPLATES_COMMANDS) >= 3
    assert len(shell_lines(TEMPLATES)) >= 2


def run(command: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """`perfeval COMMAND` in-process: the exit code and the lines of standard output then standard error."""
    with pytest.raises(SystemExit) as exited:
        main(command)
    captured = capsys.readouterr()
    return int(exited.value.code or 0), [line.rstrip() for line in (captured.out + captured.err).split("\n")]


def compare(example: Output, actual: list[str]) -> None:
    expected = [line.rstrip() for line in example.expected]
    if not example.excerpt:
        assert actual == [*expected, ""]
        return
    starts = [i for i in range(len(actual) - len(expected) + 1) if actual[i:i + len(expected)] == expected]
    assert starts, "not in the output:\n" + "\n".join(expected)


def scratch_folder(folder: Path, before_line: int) -> Path:
    """A copy of rules/ and docs/examples/, plus the tutorial's `<!-- file: NAME -->` blocks above the line."""
    shutil.copytree(ROOT / "rules", folder / "rules")
    shutil.copytree(ROOT / "docs" / "examples", folder / "docs" / "examples")
    for fence in fences(TUTORIAL):
        match = FILE_MARKER.match(fence.before)
        if match is not None and fence.line < before_line:
            target = folder / match.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n".join(fence.body) + "\n", encoding="utf-8")
    return folder


ALL_OUTPUTS = OUTPUTS + TUTORIAL_OUTPUTS + TEMPLATES_OUTPUTS


@pytest.mark.parametrize("example", ALL_OUTPUTS, ids=[o.id for o in ALL_OUTPUTS])
def test_output(example: Output, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                tmp_path: Path) -> None:
    monkeypatch.chdir(scratch_folder(tmp_path, example.line) if example.doc == TUTORIAL else ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    exit_code, actual = run(example.command, capsys)
    assert exit_code == example.exit_code, "\n".join(actual)
    compare(example, actual)


def option(command: list[str], *names: str) -> str | None:
    for index, word in enumerate(command[:-1]):
        if word in names:
            return command[index + 1]
    return None


@pytest.mark.parametrize("example", TUTORIAL_COMMANDS, ids=[c.id for c in TUTORIAL_COMMANDS])
def test_tutorial_command(example: Command, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                          tmp_path: Path) -> None:
    folder = scratch_folder(tmp_path, example.line)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COLUMNS", "100")
    exit_code, actual = run(example.command, capsys)
    assert exit_code == example.exit_code, "\n".join(actual)
    written = option(example.command, "-o", "--output")
    if written is not None:
        assert (folder / written).is_file(), f"`{' '.join(example.command)}` did not write {written}"
        if written.endswith(".xlsx"):
            assert zipfile.is_zipfile(folder / written)
    out = option(example.command, "--out")
    if out is not None:
        assert any((folder / out).iterdir()), f"`{' '.join(example.command)}` wrote nothing into {out}"


@pytest.mark.parametrize("example", TEMPLATES_COMMANDS, ids=[c.id for c in TEMPLATES_COMMANDS])
def test_templates_command(example: Command, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                           tmp_path: Path) -> None:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    for line, text in shell_lines(TEMPLATES):
        if line < example.line:
            subprocess.run(text, shell=True, cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    exit_code, actual = run(example.command, capsys)
    assert exit_code == example.exit_code, "\n".join(actual)


@pytest.mark.parametrize("fence", EXCERPTS, ids=[f"tutorial:{f.line}" for f in EXCERPTS])
def test_tutorial_excerpt(fence: Fence) -> None:
    match = EXCERPT_MARKER.match(fence.before)
    assert match is not None
    lines = (ROOT / match.group(1)).read_text(encoding="utf-8").split("\n")
    block = fence.body

    def found_at(start: int) -> bool:
        extra = len(lines[start]) - len(lines[start].lstrip()) - (len(block[0]) - len(block[0].lstrip()))
        indent = " " * extra if extra >= 0 else None
        return indent is not None and all(lines[start + i] == (indent + text if text else "")
                                          for i, text in enumerate(block))

    assert any(found_at(start) for start in range(len(lines) - len(block) + 1)), (
        f"not in {match.group(1)}:\n" + "\n".join(block))


def test_every_tutorial_block_is_run_or_an_illustration() -> None:
    for fence in fences(TUTORIAL):
        where = f"教程.md:{fence.line} (```{fence.info})"
        if MARKER.match(fence.before) or FILE_MARKER.match(fence.before) or EXCERPT_MARKER.match(fence.before):
            continue
        assert fence.info in {"sh", "text"}, f"{where}: give it a `<!-- file: … -->` or `<!-- excerpt: … -->` marker"
        if fence.info == "text":
            shown = [line for line in fence.body if line.startswith("$ perfeval")]
            assert not shown, f"{where}: a command with its output needs an `<!-- output -->` marker"
        else:
            others = [line for line in fence.body if "perfeval " in line and not line.startswith("perfeval ")]
            assert not others, f"{where}: start each perfeval command at the start of its line: {others}"


def test_every_inline_tutorial_command_is_run() -> None:
    run_commands = [o.command for o in TUTORIAL_OUTPUTS] + [c.command for c in TUTORIAL_COMMANDS]
    text = TUTORIAL.read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```|^<!--$.*?^-->$|<!--.*?-->", "", text, flags=re.MULTILINE | re.DOTALL)
    for span in INLINE_COMMAND.findall(prose):
        words = shlex.split(span)[1:]
        assert any(command[:len(words)] == words for command in run_commands), (
            f"`{span}` is shown in 教程.md but no block runs a command starting so")


def test_boundaries_keeps_each_heading_on_one_line(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["boundaries", "rules/anning-2020.perfeval", "部门绩效目标的合理性、明确性、量化度"])
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("部门决策 › 年度绩效目标明确性 › 部门绩效目标的合理性、明确性、量化度  weight 8 · "
                     "by 设定指标的项目比例")
