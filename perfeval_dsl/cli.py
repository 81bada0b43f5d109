"""The `perfeval` command: the only module that prints or exits.

Commands: `eval` (score one unit and show the trace or the JSON document) and `check` (read rule files
and report what is wrong with them). Exit codes, documented in docs/cli.md:
0 success; 1 the rules or facts have errors; 2 usage or file errors (missing file, not UTF-8, bad option);
3 an internal error, which is a bug in perfeval. A Python traceback never reaches the user.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TypeVar

import click

from perfeval_dsl._version import __version__
from perfeval_dsl.errors import Diagnostic, PerfevalError, Severity, error, render

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

T = TypeVar("T")


def _console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=True)


def print_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    """Diagnostics to standard error: plain text layout, header coloured by severity."""
    from rich.text import Text

    console = _console(stderr=True)
    for diagnostic in diagnostics:
        head, _, rest = render(diagnostic).partition("\n")
        text = Text(head, style="bold red" if diagnostic.severity is Severity.ERROR else "bold yellow")
        if rest:
            text.append("\n" + rest)
        console.print(text)
        console.print()


def _exit_code(error: PerfevalError) -> int:
    codes = {d.code for d in error.errors}
    return EXIT_USAGE if codes and all(code.startswith("PE0") for code in codes) else EXIT_INPUT


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except PerfevalError as error:
        print_diagnostics(error.diagnostics)
        sys.exit(_exit_code(error))


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and a rename, so a reader never sees half a file.

    Raises PerfevalError (PE003) when the file cannot be written.
    """
    folder = path.resolve().parent
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise PerfevalError([error("PE003", f"cannot write `{path}`: {exc.strerror or exc}", path=str(path),
                                   help="check that the folder exists and that you may write to it")]) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="perfeval")
def cli() -> None:
    """perfeval: score performance evaluations (预算绩效评价) from rule files and facts.

    \b
    Exit codes: 0 success · 1 the rules or facts have errors ·
                2 usage or file errors · 3 internal error (a bug; please report it)
    """


@cli.command("eval")
@click.argument("rules", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-f", "--facts", "facts_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The unit's facts: a .yaml, .toml or .json file.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: the reviewer's trace; json: the documented result document.")
@click.option("--explain", type=click.Choice(["full", "fails", "off"]), default="full", show_default=True,
              help="How much of the trace to show: every indicator, only those that lost points, or none.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the output to this file (atomically) instead of the terminal.")
def eval_command(rules: Path, facts_path: Path, output_format: str, explain: str, output: Path | None) -> None:
    """Score one unit: evaluate RULES against its facts and show the trace, total and grade."""
    import perfeval_dsl as pe

    compiled = _run(lambda: pe.load_rules(rules))
    facts = _run(lambda: pe.load_facts(facts_path))
    result = _run(lambda: pe.evaluate(compiled, facts))
    if result.diagnostics:
        print_diagnostics(result.diagnostics)
    if output_format == "json":
        text = pe.render(result, "json")
        if output is not None:
            _run(lambda: write_atomically(output, text))
        else:
            click.echo(text, nl=False)
        return
    if output is not None:
        _run(lambda: write_atomically(output, pe.render(result, "text", explain=explain)))
        return
    from perfeval_dsl.report.trace import trace_lines

    console = _console()
    for line in trace_lines(result, explain=explain, width=max(60, min(console.width, 120))):
        console.print(line)


@cli.command("check")
@click.argument("rules", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def check_command(rules: tuple[Path, ...], strict: bool) -> None:
    """Read rule files and report every problem in them, without any facts."""
    from rich.text import Text

    import perfeval_dsl as pe
    from perfeval_dsl.values import plain

    worst = EXIT_OK
    console = _console(stderr=True)
    for path in rules:
        try:
            compiled = pe.load_rules(path)
        except PerfevalError as error:
            print_diagnostics(error.diagnostics)
            worst = max(worst, _exit_code(error))
            continue
        warnings = len(compiled.diagnostics)
        if warnings:
            print_diagnostics(compiled.diagnostics)
            if strict:
                worst = max(worst, EXIT_INPUT)
        program = compiled.program
        count = len(program.indicators)
        summary = (f"{path}: {count} indicator{'s' if count != 1 else ''}, weights add up to "
                   f"{plain(sum((i.weight for i in program.indicators), start=program.total * 0))} of "
                   f"{plain(program.total)}, {warnings} warning{'s' if warnings != 1 else ''}"
                   + (" (failing: --strict)" if warnings and strict else ""))
        console.print(Text(summary, style="yellow" if warnings else "green"))
    sys.exit(worst)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the `perfeval` console script."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="perfeval", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except SystemExit as exc:
        raise exc
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last line of defence: never show a traceback
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in perfeval; please report it with the command you ran.", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_OK)
