"""The `perfeval` command: the only module that prints or exits.

Commands: `eval` (score one unit and show the trace or the JSON document) and `check` (read rule files
and report what is wrong with them). Exit codes, documented in docs/cli.md:
0 success; 1 the rules or facts have errors; 2 usage or file errors (missing file, not UTF-8, bad option);
3 an internal error, which is a bug in perfeval. A Python traceback never reaches the user.

With `--lang zh` (or PERFEVAL_LANG=zh, or a zh_* locale) everything the command says is Chinese: the help
pages, click's usage errors and the commands' own messages (their words are in `cli_zh`), besides the
diagnostics and reports, which take the language as an argument.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from perfeval_dsl._version import __version__
from perfeval_dsl.errors import Chinese, Diagnostic, PerfevalError, Severity, error, render

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
    context = click.get_current_context(silent=True)
    lang = context.find_root().obj["lang"] if context is not None and context.find_root().obj else "en"
    for diagnostic in diagnostics:
        head, _, rest = render(diagnostic, lang).partition("\n")
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


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write `content` (text as UTF-8) to `path` atomically. Raises PerfevalError (PE003) when the file cannot
    be written."""
    from perfeval_dsl.atomic import write_bytes_atomically

    try:
        write_bytes_atomically(path, content.encode("utf-8") if isinstance(content, str) else content)
    except OSError as exc:
        raise PerfevalError([error("PE003", f"cannot write `{path}`: {exc.strerror or exc}", path=str(path),
                                   help="check that the folder exists and that you may write to it",
                                   zh=Chinese(f"无法写入 `{path}`：{exc.strerror or exc}",
                                              help="请确认文件夹存在，并且你有权写入"))]) from None


def output_language(chosen: str | None = None) -> str:
    """The language of the output: `--lang`, else PERFEVAL_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG:
    zh_* gives Chinese), else English."""
    import os

    if chosen:
        return chosen
    for variable in ("PERFEVAL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "").strip().lower()
        if value:
            return "zh" if value.startswith("zh") else "en"
    return "en"


# ---- the command line's own language ------------------------------------------------------------------

# The language of this run's help pages and messages. `main` sets it from the command line before click
# parses it: click shows `--help` while it parses, before any command has run.
_language = "en"


def argv_language(argv: Sequence[str]) -> str:
    """The language of a run, read before click parses the arguments: the last `--lang zh`, `--lang=zh`
    (or `en`) before a `--`, else `output_language()`."""
    chosen = None
    for index, argument in enumerate(argv):
        if argument == "--":
            break
        if argument == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif argument.startswith("--lang="):
            value = argument.removeprefix("--lang=")
        else:
            continue
        if value in ("zh", "en"):
            chosen = value
    return output_language(chosen)


def _say(english: str, chinese: str) -> str:
    """A message of the command line, in this run's language."""
    return chinese if _language == "zh" else english


def _click_gettext(message: str) -> str:
    """click's `gettext`: its messages in Chinese in a Chinese run."""
    import gettext

    if _language != "zh":
        return gettext.gettext(message)
    from perfeval_dsl.cli_zh import CLICK

    return CLICK.get(message, message)


def _click_ngettext(singular: str, plural: str, count: int) -> str:
    import gettext

    if _language != "zh":
        return gettext.ngettext(singular, plural, count)
    from perfeval_dsl.cli_zh import CLICK

    message = singular if count == 1 else plural
    return CLICK.get(message, message)


@contextmanager
def _click_words(lang: str) -> Iterator[None]:
    """For a run in `lang`: the commands' help texts in that language, and, in Chinese, click's own messages
    (usage errors, the headings of a help page), which click words through gettext."""
    import importlib

    global _language
    before = _language
    _language = lang
    _localise(lang)
    patched: list[tuple[object, str, object]] = []
    if lang == "zh":
        for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "utils", "termui"):
            try:
                module = importlib.import_module(f"click.{name}")
            except ImportError:  # pragma: no cover - a click without that module
                continue
            for function, ours in (("_", _click_gettext), ("ngettext", _click_ngettext)):
                if hasattr(module, function):
                    patched.append((module, function, getattr(module, function)))
                    setattr(module, function, ours)
    try:
        yield
    finally:
        for owner, function, original in reversed(patched):
            setattr(owner, function, original)
        _language = before
        _localise(before)


class _Formatter(click.HelpFormatter):
    """click's help layout; in Chinese, text is wrapped by columns (a Chinese character takes two) and may
    break between two Chinese characters."""

    def write_text(self, text: str) -> None:
        if _language != "zh":
            super().write_text(text)
            return
        from perfeval_dsl.cli_zh import wrap

        self.write(wrap(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        if _language != "zh":
            super().write_dl(rows, col_max, col_spacing)
            return
        from perfeval_dsl.cli_zh import wrap
        from perfeval_dsl.source import display_width

        rows = list(rows)
        first_column = min(max((display_width(first) for first, _ in rows), default=0), col_max) + col_spacing
        margin = " " * (first_column + self.current_indent)
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_column - col_spacing:
                self.write(" " * (first_column - display_width(first)))
            else:
                self.write("\n" + margin)
            lines = wrap(second, max(self.width - first_column - 2, 10)).split("\n")
            self.write("\n".join([lines[0], *(margin + line if line else "" for line in lines[1:])]) + "\n")


class _Context(click.Context):
    formatter_class = _Formatter


def _help_in_language(option: click.Option | None) -> click.Option | None:
    """`--help`'s own help text in this run's language (click makes the option once, in the language of the
    first run, and keeps it)."""
    if option is not None:
        option.help = _click_gettext("Show this message and exit.")
    return option


class _Command(click.Command):
    context_class = _Context

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _help_in_language(super().get_help_option(ctx))


class _Group(click.Group):
    context_class = _Context
    command_class = _Command

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _help_in_language(super().get_help_option(ctx))


def _show_version(context: click.Context, _: click.Parameter, value: bool) -> None:
    if not value or context.resilient_parsing:
        return
    click.echo(_say(f"perfeval, version {__version__}", f"perfeval，版本 {__version__}"))
    context.exit()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-V", "--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and exit.")
@click.option("--lang", type=click.Choice(["zh", "en"]),
              help="The output's language (默认: PERFEVAL_LANG, or the locale: zh_* gives Chinese).")
@click.pass_context
def cli(context: click.Context, lang: str | None) -> None:
    """perfeval: score performance evaluations (预算绩效评价) from rule files and facts.

    \b
    Exit codes: 0 success · 1 the rules or facts have errors ·
                2 usage or file errors · 3 internal error (a bug; please report it)
    """
    context.obj = {"lang": output_language(lang)}


@cli.command("eval")
@click.argument("rules", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-f", "--facts", "facts_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The unit's facts: a .yaml, .toml or .json file, or a sheet of name/value rows (.xlsx or .csv).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "md", "html", "xlsx"]), default="text",
              show_default=True,
              help="text: the reviewer's trace; json: the documented result document; md, html, xlsx: a printable "
                   "report (the 绩效指标评价表, findings, trace and audit record); xlsx needs -o FILE.")
@click.option("--explain", type=click.Choice(["full", "fails", "off"]), default="full", show_default=True,
              help="How much of the trace to show: every indicator, only those that lost points, or none.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the output to this file (atomically) instead of the terminal.")
def eval_command(rules: Path, facts_path: Path, output_format: str, explain: str, output: Path | None) -> None:
    """Score one unit: evaluate RULES against its facts and show the trace, total and grade."""
    import perfeval_dsl as pe

    if output_format == "xlsx" and output is None:
        raise click.UsageError(_no_workbook_in_terminal())
    compiled = _run(lambda: pe.load_rules(rules, cache=True))
    facts = _run(lambda: pe.load_facts(facts_path))
    result = _run(lambda: pe.evaluate(compiled, facts))
    if result.diagnostics:
        print_diagnostics(result.diagnostics)
    lang = click.get_current_context().obj["lang"]
    if output_format == "xlsx":
        assert output is not None
        data = pe.render(result, "xlsx", findings=pe.analyse(compiled), lang=lang)
        _run(lambda: write_atomically(output, data))
        return
    if output_format in ("json", "md", "html"):
        findings = pe.analyse(compiled) if output_format != "json" else []
        text = pe.render(result, output_format, findings=findings, lang=lang)
        if output is not None:
            _run(lambda: write_atomically(output, text))
        else:
            click.echo(text, nl=False)
        return
    if output is not None:
        _run(lambda: write_atomically(output, pe.render(result, "text", explain=explain, lang=lang)))
        return
    from rich.text import Text

    from perfeval_dsl.report.trace import trace_lines

    console = _console()
    lines = trace_lines(result, explain=explain, width=max(60, min(console.width, 120)), lang=lang)
    console.print(Text("\n").join(lines))  # the same output as a print per line, for a fraction of rich's work


@cli.command("check")
@click.argument("rules", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: diagnostics and a summary on standard error; json: one document on standard output.")
def check_command(rules: tuple[Path, ...], strict: bool, output_format: str) -> None:
    """Find mistakes in rule files before any facts arrive.

    Names, types, units, weights and grade bands; then, for every scoring rule, what it does over all values:
    gaps between tiers, overlapping or unreachable tiers, scores that can leave 0 to the weight, scores that
    move against the declared direction. `perfeval explain CODE` explains each finding.
    """
    import json

    from rich.text import Text

    import perfeval_dsl as pe
    from perfeval_dsl.values import plain

    worst = EXIT_OK
    console = _console(stderr=True)
    reports: list[dict[str, object]] = []
    for path in rules:
        report: dict[str, object] = {"file": str(path)}
        reports.append(report)
        try:
            compiled = pe.load_rules(path, cache=True)
        except PerfevalError as error:
            if output_format == "text":
                print_diagnostics(error.diagnostics)
            worst = max(worst, _exit_code(error))
            report.update(ok=False, errors=len(error.errors),
                          warnings=len(error.diagnostics) - len(error.errors),
                          diagnostics=[d.to_dict() for d in error.diagnostics])
            continue
        findings = sorted([*compiled.diagnostics, *pe.analyse(compiled)],
                          key=lambda d: d.primary.span.start if d.primary else -1)
        warnings = len(findings)
        if warnings and strict:
            worst = max(worst, EXIT_INPUT)
        program = compiled.program
        count = len(program.indicators)
        added = sum((i.weight for i in program.indicators), start=program.total * 0)
        report.update(ok=not (warnings and strict), errors=0, warnings=warnings, indicators=count,
                      weights=plain(added), total=plain(program.total),
                      diagnostics=[d.to_dict() for d in findings])
        if output_format == "text":
            print_diagnostics(findings)
            if click.get_current_context().find_root().obj["lang"] == "zh":
                summary = (f"{path}：{count} 个指标，分值合计 {plain(added)}（总分 {plain(program.total)}），"
                           f"{warnings} 个警告" + ("（--strict：不通过）" if warnings and strict else ""))
            else:
                summary = (f"{path}: {count} indicator{'s' if count != 1 else ''}, weights add up to "
                           f"{plain(added)} of {plain(program.total)}, {warnings} warning{'s' if warnings != 1 else ''}"
                           + (" (failing: --strict)" if warnings and strict else ""))
            console.print(Text(summary, style="yellow" if warnings else "green"))
    if output_format == "json":
        click.echo(json.dumps({"format": "perfeval-check/1", "files": reports}, ensure_ascii=False, indent=2))
    sys.exit(worst)


def _no_workbook_in_terminal() -> str:
    return _say("an Excel workbook cannot be shown in the terminal: add -o FILE.xlsx to write it",
                "Excel 工作簿无法显示在终端：请加上 -o FILE.xlsx 把它写入文件")


def _percentage(text: str | None) -> Decimal | None:
    """`--min-coverage 66.7` as an exact decimal (a float would not hold 66.66666666666666666)."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip().removesuffix("%"))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= 100:
        raise click.BadParameter(_say(f"{text!r} is not a percentage from 0 to 100",
                                      f"{text!r} 不是 0 到 100 之间的百分数"))
    return value


@cli.command("test")
@click.argument("targets", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--min-coverage", type=str, default=None, metavar="N", callback=lambda ctx, param, value: _percentage(
    value),
              help="Fail (exit 1) when fewer than N% of the rules' branches are reached by some case.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: each case and the coverage; json: one document for tools.")
def test_command(targets: tuple[Path, ...], min_coverage: Decimal | None, output_format: str) -> None:
    """Run the example cases written for rule files, and report tier coverage.

    A TARGET is a test file (`anning-2020.tests.yaml`) or a rule file, whose test file of the same name
    is used. Exit 0 when every case passes (and coverage is at least --min-coverage), 1 otherwise.
    """
    import perfeval_dsl as pe
    from perfeval_dsl.cases import TEST_SUFFIX, cases_file_for, load_tests, run_tests
    from perfeval_dsl.report.tests import report_document, report_lines

    minimum = min_coverage
    worst = EXIT_OK
    reports = []
    failures: list[tuple[Path, PerfevalError]] = []
    for target in targets:
        path = target if target.name.endswith(TEST_SUFFIX) else cases_file_for(target)
        if target.suffix.lower() in (".yaml", ".yml") and path != target:
            print_diagnostics([error("PE004", f"`{target}` is not named as a test file", path=str(target),
                                     help=f"a test file is named after its rule file and ends in `{TEST_SUFFIX}`, "
                                          "e.g. `anning-2020.tests.yaml`; docs/testing.md shows the form",
                                     zh=Chinese(f"`{target}` 的文件名不是测试文件的命名",
                                                help=f"测试文件以其规则文件命名，并以 `{TEST_SUFFIX}` 结尾，"
                                                     "例如 `anning-2020.tests.yaml`；写法见 docs/testing.md"))])
            worst = max(worst, EXIT_USAGE)
            continue
        if not path.name.endswith(TEST_SUFFIX) or (path != target and not path.exists()):
            print_diagnostics([error("PE001", f"there is no test file `{path}` for `{target}`", path=str(target),
                                     help=f"write the cases in `{path}`; docs/testing.md shows the form",
                                     zh=Chinese(f"没有 `{target}` 的测试文件 `{path}`",
                                                help=f"请在 `{path}` 中写用例；写法见 docs/testing.md"))])
            worst = max(worst, EXIT_USAGE)
            continue
        try:
            tests = load_tests(path)
            rules = pe.load_rules(tests.rules_path, cache=True)
            report = run_tests(tests, rules)
        except PerfevalError as failure:
            if output_format == "text":
                print_diagnostics(failure.diagnostics)
            failures.append((path, failure))
            worst = max(worst, _exit_code(failure))
            continue
        reports.append(report)
        if report.failed or (minimum is not None and not report.coverage.meets(minimum)):
            worst = max(worst, EXIT_INPUT)
        if output_format == "text":
            console = _console()
            for line in report_lines(report, minimum, click.get_current_context().find_root().obj["lang"]):
                console.print(line)
    if output_format == "json":
        click.echo(report_document(reports, minimum, failures), nl=False)
    sys.exit(worst)


@cli.command("batch")
@click.argument("rules", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("units", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Write each unit's JSON document into this folder, named after the unit.")
@click.option("--resume", is_flag=True,
              help="With --out: skip the units whose document is already there (an interrupted batch goes on).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "csv", "xlsx"]), default="text",
              show_default=True,
              help="The summary: a ranked table, a JSON document, CSV, or an Excel workbook (needs -o FILE).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the summary to this file (atomically) instead of the terminal.")
def batch_command(rules: Path, units: Path, out: Path | None, resume: bool, output_format: str,
                  output: Path | None) -> None:
    """Score many units: UNITS is a CSV or Excel (.xlsx) table with one row per unit, or a folder of facts files.

    A unit whose facts are broken is reported with its diagnostics and the batch goes on. Exit 0 when every
    unit was scored, 1 when some could not be.
    """
    import perfeval_dsl as pe
    from perfeval_dsl.batch import count_units, run_batch
    from perfeval_dsl.report.batch import (
        failure_text,
        summary_csv,
        summary_document,
        summary_renderables,
        summary_xlsx,
    )

    if resume and out is None:
        raise click.UsageError(_say("--resume needs --out: it skips the units whose document is in that folder",
                                    "--resume 需要 --out：它跳过文档已在那个文件夹中的单位"))
    if output_format == "xlsx" and output is None:
        raise click.UsageError(_no_workbook_in_terminal())
    compiled = _run(lambda: pe.load_rules(rules, cache=True))
    console = _console(stderr=True)
    if console.is_terminal:
        from rich.progress import Progress

        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(_say("scoring", "评分中"), total=count_units(units))
            report = _run(lambda: run_batch(compiled, units, out, resume,
                                            on_unit=lambda _: progress.advance(task)))
    else:
        report = _run(lambda: run_batch(compiled, units, out, resume))
    text: str | bytes
    lang = click.get_current_context().find_root().obj["lang"]
    if output_format == "json":
        text = summary_document(report)
    elif output_format == "csv":
        text = summary_csv(report, lang)
    elif output_format == "xlsx":
        text = summary_xlsx(report, lang)
    else:
        import io

        from rich.console import Console

        buffer = io.StringIO()
        width = max(80, min(_console().width, 160)) if output is None else 120
        printer = Console(file=buffer, width=width, color_system=None, soft_wrap=False, emoji=False,
                          highlight=False)
        for renderable in summary_renderables(report, lang):
            printer.print(renderable)
        text = buffer.getvalue() + failure_text(report, lang)
    if output is not None:
        _run(lambda: write_atomically(output, text))
    else:
        click.echo(text, nl=False)
    sys.exit(EXIT_INPUT if report.failed else EXIT_OK)


@cli.command("boundaries")
@click.argument("rules", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("indicators", nargs=-1)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a table per indicator; json: one document for tools.")
def boundaries_command(rules: Path, indicators: tuple[str, ...], output_format: str) -> None:
    """For each tier boundary, the score just below, at and just above it.

    Shows every indicator whose rule is a tier chain over one value, or only the INDICATORS named.
    "Just below" and "just above" are one apart for counts, 0.01 of the unit otherwise (0.01%, 0.01 元),
    finer when a threshold is written with more decimals.
    """
    import perfeval_dsl as pe
    from perfeval_dsl.analysis import Ranges, tier_chart
    from perfeval_dsl.report.boundaries import boundaries_document, boundaries_text

    compiled = _run(lambda: pe.load_rules(rules, cache=True))
    program = compiled.program
    by_name = {indicator.name: indicator for indicator in program.indicators}
    problems = []
    for name in indicators:
        if name not in by_name:
            problems.append(error("PE006", f"the rule file has no indicator named `{name}`", path=str(rules),
                                  help=_indicator_hint(name, list(by_name)),
                                  zh=Chinese(f"规则文件中没有名为 `{name}` 的指标",
                                             help=_indicator_hint_zh(name, list(by_name)))))
    if problems:
        print_diagnostics(problems)
        sys.exit(EXIT_USAGE)
    ranges = Ranges(program)
    chosen = [by_name[name] for name in indicators] if indicators else list(program.indicators)
    charts = []
    for indicator in chosen:
        chart = tier_chart(program, indicator, ranges)
        if chart is not None:
            charts.append(chart)
        elif indicators:
            problems.append(error("PE007", f"`{indicator.name}` has no tier boundaries: its rule is not a tier "
                                           "chain over one value", indicator.span,
                                  help="boundaries are shown for rules such as "
                                       "`score 5 if 偏差率 <= 10% else 3 if <= 20% else 0`",
                                  zh=Chinese(f"`{indicator.name}` 没有分档界限：它的规则不是针对单个值的分档链",
                                             help="分档界限只对这样的规则显示："
                                                  "`score 5 if 偏差率 <= 10% else 3 if <= 20% else 0`")))
    if problems:
        print_diagnostics(problems)
        sys.exit(EXIT_USAGE)
    if output_format == "json":
        click.echo(boundaries_document(charts), nl=False)
        return
    if not charts:
        click.echo(_say(f"{rules}: no indicator's rule is a tier chain over one value, so there are no boundaries "
                        "to show", f"{rules}：没有哪个指标的规则是针对单个值的分档链，所以没有可显示的分档界限"),
                   err=True)
        return
    console = _console()
    lang = click.get_current_context().find_root().obj["lang"]
    click.echo(boundaries_text(charts, width=max(60, min(console.width, 140)), color=console.is_terminal, lang=lang),
               nl=False)


def _indicator_hint(name: str, known: list[str]) -> str:
    from perfeval_dsl.errors import did_you_mean

    containing = [k for k in known if name in k][:3]
    if containing:
        return "did you mean " + " or ".join(f"`{k}`" for k in containing) + "?"
    return did_you_mean(name, known) or ("name an indicator as the rule file writes it; without names, every "
                                         "indicator is shown")


def _indicator_hint_zh(name: str, known: list[str]) -> str:
    """`_indicator_hint` in Chinese."""
    from perfeval_dsl.errors import did_you_mean_zh

    containing = [k for k in known if name in k][:3]
    if containing:
        return "是否想写 " + " 或 ".join(f"`{k}`" for k in containing) + "？"
    return did_you_mean_zh(name, known) or "请按规则文件的写法给出指标名称；不给名称时显示所有指标"


@cli.command("diff")
@click.argument("sides", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path),
                metavar="OLD [NEW]")
@click.option("-f", "--facts", "facts_paths", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Facts to evaluate with: once (the same facts under two rule files) or twice (old, then new).")
@click.option("--all", "show_all", is_flag=True, help="List unchanged indicators too.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: the changes as tables; json: the perfeval-diff/1 document.")
def diff_command(sides: tuple[Path, ...], facts_paths: tuple[Path, ...], show_all: bool, output_format: str) -> None:
    """Compare two evaluations, indicator by indicator.

    \b
    perfeval diff OLD.json NEW.json                 two `eval --format json` documents
    perfeval diff RULES -f OLD_FACTS -f NEW_FACTS   one unit, two years (two sets of facts)
    perfeval diff OLD_RULES NEW_RULES -f FACTS      one unit's facts under two versions of the rules
    perfeval diff OLD_RULES NEW_RULES -f OLD -f NEW both changed
    """
    from perfeval_dsl.comparison import compare

    documents = _run(lambda: _diff_sides(sides, facts_paths))
    document = compare(*documents)
    if output_format == "json":
        from perfeval_dsl.report.jsondoc import to_json

        click.echo(to_json(document), nl=False)
        return
    from perfeval_dsl.report.diff import diff_parts

    console = _console()
    if not console.is_terminal:  # a file or a pipe: lay the tables out as wide as a page, not as 80 columns
        console.width = 120
    for part in diff_parts(document, show_all=show_all, lang=click.get_current_context().find_root().obj["lang"]):
        console.print(part)


def _diff_sides(sides: tuple[Path, ...], facts_paths: tuple[Path, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two result documents `perfeval diff` was asked to compare."""
    import perfeval_dsl as pe
    from perfeval_dsl.comparison import read_result_document

    documents = [path.suffix.lower() == ".json" for path in sides]
    if len(sides) == 2 and all(documents) and not facts_paths:
        return read_result_document(sides[0]), read_result_document(sides[1])
    if any(documents) or not 1 <= len(facts_paths) <= 2 or len(sides) + len(facts_paths) < 3 or len(sides) > 2:
        raise click.UsageError(_say(
            "give two result documents (OLD.json NEW.json), or rule files and facts: RULES -f OLD_FACTS -f "
            "NEW_FACTS, OLD_RULES NEW_RULES -f FACTS, or OLD_RULES NEW_RULES -f OLD_FACTS -f NEW_FACTS",
            "请给出两份结果文档（OLD.json NEW.json），或规则文件和事实：RULES -f OLD_FACTS -f NEW_FACTS、"
            "OLD_RULES NEW_RULES -f FACTS，或 OLD_RULES NEW_RULES -f OLD_FACTS -f NEW_FACTS"))
    rules = [pe.load_rules(path, cache=True) for path in sides]
    facts = [pe.load_facts(path) for path in facts_paths]
    old = pe.evaluate(rules[0], facts[0])
    new = pe.evaluate(rules[-1], facts[-1])
    return old.to_dict(), new.to_dict()


@cli.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a file is not in the canonical layout.")
@click.option("--diff", "show_diff", is_flag=True, help="Change nothing; print what formatting would change.")
@click.option("--keywords", type=click.Choice(["zh", "en"]),
              help="Write the keywords in Chinese (得分, 若, 否则…) or English; by default they stay as written.")
def fmt_command(files: tuple[Path, ...], check: bool, show_diff: bool, keywords: str | None) -> None:
    """Lay out rule files in one canonical form, keeping every comment. A folder stands for the .perfeval
    files in it and its subfolders.

    Files are rewritten in place, atomically (a temporary file renamed over the old one). With --check or
    --diff nothing is written. Exit codes: 0 done (or, with --check, every file already formatted); 1 a file
    does not parse, or with --check a file would change; 2 a file cannot be read or written.
    """
    import difflib

    from perfeval_dsl.facts import read_text
    from perfeval_dsl.formatter import format_rules

    worst = EXIT_OK
    changed = []
    files = tuple(found for path in files
                  for found in (sorted(path.rglob("*.perfeval")) if path.is_dir() else [path]))
    for path in files:
        try:
            source = read_text(path)
        except PerfevalError as failure:
            print_diagnostics(failure.diagnostics)
            worst = max(worst, _exit_code(failure))
            continue
        formatted, problems = format_rules(source, keywords)
        if formatted is None:
            print_diagnostics(problems)
            worst = max(worst, EXIT_INPUT)
            continue
        original = source.text
        newline = "\r\n" if "\r\n" in original else "\n"  # keep the file's line ends
        formatted = formatted.replace("\n", newline) if newline != "\n" else formatted
        if formatted == original:
            continue
        changed.append(str(path))
        if show_diff:
            click.echo("".join(difflib.unified_diff(original.splitlines(keepends=True),
                                                    formatted.splitlines(keepends=True),
                                                    fromfile=str(path),
                                                    tofile=_say(f"{path} (formatted)", f"{path}（格式化后）"))),
                       nl=False)
        if check or show_diff:
            continue
        bom = "\ufeff" if _starts_with_bom(path) else ""
        try:
            write_atomically(path, bom + formatted)
        except PerfevalError as failure:
            print_diagnostics(failure.diagnostics)
            worst = max(worst, EXIT_USAGE)
    if check and changed:
        for name in changed:
            click.echo(_say(f"would reformat {name}", f"会重新格式化 {name}"), err=True)
        worst = max(worst, EXIT_INPUT)
    elif not check and not show_diff and changed:
        click.echo(_say(f"reformatted {len(changed)} of {len(files)} files",
                        f"重新格式化了 {len(files)} 个文件中的 {len(changed)} 个"), err=True)
    sys.exit(worst)


def _starts_with_bom(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(3) == b"\xef\xbb\xbf"
    except OSError:
        return False


@cli.command("explain")
@click.argument("code", required=False)
def explain_command(code: str | None) -> None:
    """Explain a diagnostic code (PE601, pe601 or 601): what it means, an example, and how to fix it.

    Without CODE, list every code with its title.
    """
    from perfeval_dsl.errors import CODES, CODES_ZH
    from perfeval_dsl.explain import explanation

    console = _console()
    lang = click.get_current_context().find_root().obj["lang"]
    if code is None:
        for known, title in CODES.items():
            console.print(f"{known}  {CODES_ZH.get(known, title) if lang == 'zh' else title}")
        return
    text = _run(lambda: explanation(code, lang))
    # Plain Markdown, as written: rich's rendering would crop the long lines of the example output.
    click.echo(text, nl=False)


# ---- each command's help texts, in English as the decorators above give them, and in Chinese ----------------

HelpTexts = tuple[str | None, str | None, dict[str, str | None]]  # short help, help, each option's help


def _help_texts() -> dict[str, HelpTexts]:
    return {command.name or "": (command.short_help, command.help,
                                 {param.name or "": param.help for param in command.params
                                  if isinstance(param, click.Option)})
            for command in (cli, *cli.commands.values())}


_ENGLISH_HELP = _help_texts()


def _localise(lang: str) -> None:
    """Put the help texts of `lang` on the commands and their options (`cli_zh.COMMANDS` for Chinese)."""
    chinese: dict[str, tuple[str, str, dict[str, str]]] | None = None
    if lang == "zh":  # imported only then: an English run need not pay for it at start
        from perfeval_dsl.cli_zh import COMMANDS

        chinese = COMMANDS
    for command in (cli, *cli.commands.values()):
        name = command.name or ""
        english_short, english, english_options = _ENGLISH_HELP[name]
        short, text, options = chinese[name] if chinese is not None else (english_short, english, english_options)
        command.short_help, command.help = short or None, text
        for param in command.params:
            if isinstance(param, click.Option):
                key = param.name or ""
                param.help = options.get(key) or english_options[key]


def _show_usage_error(exc: click.ClickException) -> None:
    if _language == "zh" and isinstance(exc, click.MissingParameter):
        # click ends "缺少参数 'RULES'" with an English full stop of its own
        exc = click.UsageError(exc.format_message().replace(".", "。", 1), exc.ctx)
    exc.show()


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the `perfeval` console script."""
    args = list(argv) if argv is not None else None
    with _click_words(argv_language(sys.argv[1:] if args is None else args)):
        try:
            cli.main(args=args, prog_name="perfeval", standalone_mode=False)
        except click.exceptions.Abort:
            click.echo(_say("Aborted.", "已中止。"), err=True)
            sys.exit(130)
        except click.ClickException as exc:
            _show_usage_error(exc)
            sys.exit(EXIT_USAGE)
        except SystemExit as exc:
            raise exc
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as exc:  # the last line of defence: never show a traceback
            click.echo(_say(f"internal error: {type(exc).__name__}: {exc}\n"
                            "This is a bug in perfeval; please report it with the command you ran.",
                            f"内部错误：{type(exc).__name__}: {exc}\n"
                            "这是 perfeval 的缺陷；请连同你运行的命令一起报告。"), err=True)
            sys.exit(EXIT_INTERNAL)
        sys.exit(EXIT_OK)
