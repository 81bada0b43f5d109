"""Golden diagnostics, in the manner of rustc's UI tests; tests/ui/README.md explains the layout.

Each case `tests/ui/<name>.perfeval` runs through the command line in-process (`perfeval_dsl.cli.main`),
from the repository root with relative paths, and what it prints to standard error must equal
`tests/ui/<name>.stderr` exactly. `pytest --bless` rewrites the goldens instead of comparing them.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import attrs
import pytest

from perfeval_dsl.cli import main

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "tests" / "ui"
CASES = sorted(path.name.removesuffix(".perfeval") for path in UI.glob("*.perfeval"))

_DIRECTIVE = re.compile(rb"^#\s*(?P<key>exit|rules|facts|args|command|env|xfail)\s*:\s*(?P<value>.*?)\s*$")


@attrs.frozen
class Case:
    name: str
    exit: int
    argv: tuple[str, ...]
    stderr: Path
    stdout: Path
    xfail: str | None = None
    env: tuple[tuple[str, str], ...] = ()  # `# env: PERFEVAL_MAX_TEXT=20`: variables set for the run


def load_case(name: str) -> Case:
    """Read the directive comments at the top of `<name>.perfeval` (bytes: a case may not be UTF-8)."""
    rules = UI / f"{name}.perfeval"
    directives: dict[str, str] = {}
    for line in rules.read_bytes().splitlines():
        match = _DIRECTIVE.match(line)
        if match is None:
            break
        directives[match["key"].decode()] = match["value"].decode("utf-8")
    if "exit" not in directives:
        raise ValueError(f"{rules} must start with a `# exit: N` line")
    relative = directives.get("rules", f"tests/ui/{name}.perfeval")
    facts = directives.get("facts")
    if facts is None:
        beside = sorted(UI.glob(f"{glob_escape(name)}.facts.*"))
        facts = f"tests/ui/{beside[0].name}" if beside else None
    extra = tuple(shlex.split(directives.get("args", "")))
    if "command" in directives:  # another command than eval/check, written out: `# command: explain PE699`
        argv = (*shlex.split(directives["command"]), *extra)
    else:
        argv = ("eval", relative, "--facts", facts, *extra) if facts else ("check", relative, *extra)
    env = tuple(tuple(item.split("=", 1)) for item in shlex.split(directives.get("env", "")))
    return Case(name=name, exit=int(directives["exit"]), argv=argv, stderr=UI / f"{name}.stderr",
                stdout=UI / f"{name}.stdout", xfail=directives.get("xfail"),
                env=env)  # type: ignore[arg-type]


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def run_cli(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run `perfeval ARGV`; returns the exit code, standard output and standard error."""
    capsys.readouterr()
    try:
        main(list(argv))
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    else:  # pragma: no cover - main always exits
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository root as the current folder, and an environment that cannot make rich colour or wrap."""
    monkeypatch.chdir(ROOT)
    for variable in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("COLUMNS", "100")  # the text trace's width; diagnostics never wrap
    monkeypatch.setenv("LINES", "25")


def _params() -> list[object]:
    params: list[object] = []
    for name in CASES:
        reason = load_case(name).xfail
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.usefixtures("plain_terminal")
@pytest.mark.parametrize("name", _params())
def test_ui(name: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest,
            monkeypatch: pytest.MonkeyPatch) -> None:
    case = load_case(name)
    for variable, value in case.env:
        monkeypatch.setenv(variable, value)
    code, out, err = run_cli(case.argv, capsys)
    assert "\x1b" not in err + out, "output to a non-terminal must not contain colour codes"
    # A known bug's golden is what perfeval *should* print, written by hand: never bless it.
    if request.config.getoption("--bless") and case.xfail is None:
        case.stderr.write_text(err, encoding="utf-8")
        if out or case.stdout.exists():
            case.stdout.write_text(out, encoding="utf-8")
    assert err == case.stderr.read_text(encoding="utf-8")
    if case.stdout.exists():
        assert out == case.stdout.read_text(encoding="utf-8")
    else:
        assert out == "", f"{name} prints to standard output; record it in {case.stdout.name}"
    assert code == case.exit, f"exit code {code}, expected {case.exit}\n{err}"


@pytest.mark.usefixtures("plain_terminal")
def test_every_case_has_a_golden() -> None:
    names = {p.name.split(".")[0] for p in UI.iterdir() if p.suffix in (".stderr", ".stdout")}
    assert names <= set(CASES), f"goldens without a case: {sorted(names - set(CASES))}"
    for name in CASES:
        assert (UI / f"{name}.stderr").exists(), f"{name}: run pytest tests/test_ui.py --bless"
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), f"{name}: name cases with lower-case words and dashes"
    for path in UI.iterdir():
        assert path.name == "README.md" or path.name.split(".")[0] in CASES, f"{path.name} belongs to no case"


@pytest.mark.usefixtures("plain_terminal")
@pytest.mark.parametrize("columns", ["20", "300"])
def test_diagnostics_do_not_depend_on_the_terminal_width(
    columns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    case = load_case("unit-mismatch-money-count")
    code, _, err = run_cli(case.argv, capsys)
    assert (code, err) == (case.exit, case.stderr.read_text(encoding="utf-8"))


# ---- command-line behaviour that a golden case cannot pin (paths outside tests/ui) -------------------


@pytest.mark.usefixtures("plain_terminal")
@pytest.mark.parametrize("folder", ["unit[bold]", "unit[/b]"])
def test_check_prints_a_path_as_written(folder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / folder).mkdir(parents=True)
    rules = tmp_path / folder / "rules.perfeval"
    rules.write_text((UI / "unused-fact.perfeval").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # The summary line is not rich markup: `[bold]` is printed as written, and `[/b]` is no internal error.
    code, _, err = run_cli(("check", f"{folder}/rules.perfeval"), capsys)
    assert (code, err.splitlines()[-1]) == (
        0, f"{folder}/rules.perfeval: 1 indicator, weights add up to 100 of 100, 1 warning")
    code, _, err = run_cli(("check", "--strict", f"{folder}/rules.perfeval"), capsys)
    assert (code, err.splitlines()[-1]) == (
        1, f"{folder}/rules.perfeval: 1 indicator, weights add up to 100 of 100, 1 warning (failing: --strict)")


@pytest.mark.usefixtures("plain_terminal")
@pytest.mark.parametrize("output_format", ["json", "text"])
def test_an_output_file_that_cannot_be_written_is_a_file_error(output_format: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    output = "tests/ui/no-such-folder/result.json"
    code, out, err = run_cli(("eval", "rules/anning-2020.perfeval", "--facts", "rules/anning-2020.facts.yaml",
                              "--format", output_format, "-o", output), capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"error[PE003]: cannot write `{output}`: No such file or directory\n"
        f"  --> {output}\n"
        "  = help: check that the folder exists and that you may write to it\n"
        "\n"
    )
    assert not (ROOT / "tests/ui/no-such-folder").exists()
