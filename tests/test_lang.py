"""The trace in Chinese: `--lang zh`, PERFEVAL_LANG, or a zh_* locale; English otherwise. Every diagnostic
has its Chinese words, and the summaries of `check`, `test` and `batch` read in Chinese too; so do the help
pages, the usage errors, the commands' own messages, the report of `perfeval test` and a batch's 问题 column."""

from __future__ import annotations

import ast
import errno
import os
import re
from pathlib import Path

import pytest
from cli_support import run
from test_cases import RULES as CASE_RULES

import perfeval_dsl as pe
from perfeval_dsl.cli import cli, output_language
from perfeval_dsl.cli_zh import COMMANDS
from perfeval_dsl.errors import CODES

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "anning-2020.zh.trace.txt"
RULES, FACTS = "rules/anning-2020.zh.perfeval", "rules/anning-2020.facts.yaml"


def test_the_chinese_trace_is_the_golden_one(request: pytest.FixtureRequest,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--lang", "zh", "eval", RULES, "-f", FACTS)
    assert (code, err) == (0, "")
    if request.config.getoption("--bless"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")
    lines = out.splitlines()
    assert lines[1].startswith("规则文件  rules/anning-2020.zh.perfeval")
    assert "      规则      5 若 基本支出偏差率 <= 10% 否则 3 若 基本支出偏差率 <= 20% 否则 0   " \
           "(rules/anning-2020.zh.perfeval:102)" in lines
    assert any(line.startswith("总分") and line.split()[1:] == ["98", "/", "100", "-2"] for line in lines)
    assert "等级 优  (98 ≥ 90; 各档: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 以下)" in lines


def test_the_api_renders_the_same_chinese_trace() -> None:
    result = pe.evaluate(pe.load_rules(ROOT / RULES), pe.load_facts(ROOT / FACTS))
    text = pe.render(result, "text", lang="zh")
    assert "命中" in text and "fired" not in text
    with pytest.raises(ValueError):
        pe.render(result, "text", lang="fr")


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL wins over LANG
    ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US"}, "zh"),
    ({"LANG": "en_US.UTF-8", "PERFEVAL_LANG": "zh"}, "zh"),  # PERFEVAL_LANG wins over the locale
])
def test_the_language_follows_the_environment(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str],
                                              expected: str) -> None:
    for variable in ("PERFEVAL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert output_language() == expected
    assert output_language("en") == "en"  # --lang wins over everything


def test_a_chinese_locale_gives_the_chinese_trace(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PERFEVAL_LANG")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    _, out, _ = run(capsys, "eval", RULES, "-f", FACTS, "--explain", "off")
    assert "总分" in out and "Total" not in out
    _, out, _ = run(capsys, "--lang", "en", "eval", RULES, "-f", FACTS, "--explain", "off")
    assert "Total" in out and "总分" not in out


# ---- diagnostics in Chinese -------------------------------------------------------------------------------

# Every diagnostic code has its Chinese words: each golden case of tests/ui is run again with `--lang zh`.
TRANSLATED_CODES = tuple(CODES)

_ENGLISH_HEADER = re.compile(r"^(?P<severity>error|warning)\[(?P<code>PE\d{3})\]: (?P<message>.*)$")
_CHINESE_HEADER = re.compile(r"^(?P<severity>错误|警告)\[(?P<code>PE\d{3})\]：(?P<message>.*)$")
_SEVERITY_ZH = {"error": "错误", "warning": "警告"}
# A source line or the line above or below it (`  |`, `4 | fact …`); the `-->` line.
_SOURCE_LINE = re.compile(r"^ *\d* \|")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Three or more English words in a row: a sentence left untranslated. Code in backticks, quoted names and
# texts, paths, codes and environment variables are taken out first; they read the same in both languages.
_ENGLISH_RUN = re.compile(r"[A-Za-z]+(?:[ ,'’-]+[A-Za-z]+){2,}")
_NOT_WORDS = re.compile(r"`[^`]*`|\"[^\"]*\"|“[^”]*”|「[^」]*」|\S*[/\\.]\S*|PE\d{3}|[A-Z][A-Z0-9_]{3,}")
_OS_ERRORS = sorted({os.strerror(number) for number in range(1, 134)}, key=len, reverse=True)


def _english_left(text: str) -> list[str]:
    """The runs of English words in a Chinese text, besides code, names, paths and the system's own error
    messages (`exc.strerror`, which the operating system words)."""
    for message in _OS_ERRORS:
        text = text.replace(message, "")
    return _ENGLISH_RUN.findall(_NOT_WORDS.sub(" ", text))


def _blocks(text: str, header: re.Pattern[str]) -> tuple[list[list[str]], list[str]]:
    """The diagnostics of a command's standard error, each as its lines, and the other lines (a summary)."""
    blocks: list[list[str]] = []
    other: list[str] = []
    current: list[str] | None = None
    for line in text.split("\n"):
        if header.match(line):
            current = [line]
            blocks.append(current)
        elif current is not None and line:
            current.append(line)
        else:
            current = None
            if line:
                other.append(line)
    return blocks, other


def _translated_cases() -> list[str]:
    from test_ui import CASES, UI, load_case

    found = []
    for name in CASES:
        case = load_case(name)
        if case.xfail is None and case.stderr.exists() and any(
                (match := _ENGLISH_HEADER.match(line)) and match["code"] in TRANSLATED_CODES
                for line in case.stderr.read_text(encoding="utf-8").split("\n")):
            found.append(name)
    assert UI.is_dir()
    return found


TRANSLATED_CASES = _translated_cases()


def test_there_are_cases_to_translate() -> None:
    assert len(TRANSLATED_CASES) >= 100


def test_every_code_is_shown_in_chinese_by_a_golden_case() -> None:
    from test_ui import load_case

    shown = {match["code"] for name in TRANSLATED_CASES
             for line in load_case(name).stderr.read_text(encoding="utf-8").split("\n")
             if (match := _ENGLISH_HEADER.match(line))}
    missing = sorted(set(CODES) - shown)
    assert not missing, f"no golden case of tests/ui shows {missing}, so nothing checks their Chinese words; add one"


def _chinese_stderr(name: str, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The English golden of a case, and what the case prints to standard error with `--lang zh`."""
    from test_ui import load_case, run_cli

    case = load_case(name)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    for variable in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in case.env:
        monkeypatch.setenv(variable, value)
    code, _, err = run_cli(("--lang", "zh", *case.argv), capsys)
    assert code == case.exit
    return case.stderr.read_text(encoding="utf-8"), err


@pytest.mark.parametrize("name", TRANSLATED_CASES)
def test_every_diagnostic_reads_in_chinese_at_the_same_place(name: str, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    english_text, chinese_text = _chinese_stderr(name, capsys, monkeypatch)
    english, english_other = _blocks(english_text, _ENGLISH_HEADER)
    chinese, chinese_other = _blocks(chinese_text, _CHINESE_HEADER)
    assert not _blocks(chinese_text, _ENGLISH_HEADER)[0], f"a diagnostic is left in English:\n{chinese_text}"
    assert len(chinese) == len(english)
    for en, zh in zip(english, chinese, strict=True):
        en_head, zh_head = _ENGLISH_HEADER.match(en[0]), _CHINESE_HEADER.match(zh[0])
        assert en_head is not None and zh_head is not None
        assert (zh_head["severity"], zh_head["code"]) == (_SEVERITY_ZH[en_head["severity"]], en_head["code"])
        assert zh_head["message"] != en_head["message"] and _CJK.search(zh_head["message"]), zh[0]
        # the same lines: the place, the source line and the caret are the same; only the words change
        assert len(zh) == len(en), f"{en}\n{zh}"
        for en_line, zh_line in zip(en[1:], zh[1:], strict=True):
            if en_line.startswith("  --> "):
                assert zh_line == en_line
            elif _SOURCE_LINE.match(en_line):
                caret = re.compile(r"^.*?\^+")
                en_caret, zh_caret = caret.match(en_line), caret.match(zh_line)
                if en_caret is None:
                    assert zh_line == en_line
                    continue
                assert zh_caret is not None and zh_caret.group(0) == en_caret.group(0)
                en_label, zh_label = en_line[en_caret.end():], zh_line[zh_caret.end():]
                assert bool(zh_label) == bool(en_label), f"{en_line}\n{zh_line}"
                assert not _english_left(zh_label), zh_line
            else:
                indent, _, kind = en_line.partition("= ")
                assert kind.startswith(("note: ", "help: ")), en_line
                word = "说明" if kind.startswith("note: ") else "提示"
                assert zh_line.startswith(f"{indent}= {word}: "), f"{en_line}\n{zh_line}"
                assert not _english_left(zh_line), zh_line
        assert not _english_left(zh_head["message"]), zh[0]
    # no English help or note anywhere, and the lines around the diagnostics (a summary) are in Chinese too
    assert "= help: " not in chinese_text and "= note: " not in chinese_text
    assert len(chinese_other) == len(english_other)
    assert not [line for line in chinese_other if _english_left(line)], chinese_other


PACKAGE = ROOT / "perfeval_dsl"
_MAKERS = {"error", "warning", "Diagnostic"}  # the functions that build a diagnostic (perfeval_dsl.errors)


def _called(call: ast.Call) -> str | None:
    function = call.func
    return function.id if isinstance(function, ast.Name) else function.attr if isinstance(function, ast.Attribute) \
        else None


def _forwards(call: ast.Call) -> bool:
    """`error(code, message, span, label, **kw)`: a helper passing its caller's keywords on, `zh` among them."""
    return any(keyword.arg is None for keyword in call.keywords)


def _untranslated_calls() -> list[str]:
    """file:line of each call building a diagnostic without its Chinese words (`zh=`): a call of `error`,
    `warning` or `Diagnostic`, or of a helper passing its keywords on to one (`self.err(…)`); and each
    `attrs.evolve` of a diagnostic's message or notes that leaves its Chinese words as they were."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))}
    found = []
    for path, tree in trees.items():
        makers = set(_MAKERS)  # and the module's own helpers, found by what they do
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and function.args.kwarg and any(
                    isinstance(node, ast.Call) and _called(node) in _MAKERS and _forwards(node)
                    for node in ast.walk(function)):
                makers.add(function.name)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called(node)
            keywords = {keyword.arg for keyword in node.keywords}
            if path.name == "errors.py" and name == "Diagnostic":
                continue  # `error` and `warning` themselves
            if name in makers and not _forwards(node) and "zh" not in keywords:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}(…) without zh=")
            elif name == "evolve" and keywords & {"message", "notes", "help"} and "zh" not in keywords:
                evolved = ast.unparse(node.args[0]) if node.args else ""
                if not evolved.endswith("zh"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: evolve({evolved}, …) without zh=")
    return found


def test_every_diagnostic_is_built_with_its_chinese_words() -> None:
    untranslated = _untranslated_calls()
    assert not untranslated, "diagnostics without Chinese words (add zh=Chinese(…)):\n" + "\n".join(untranslated)


def test_the_scan_finds_the_helpers_that_build_diagnostics() -> None:
    # the scan above would pass vacuously if it found no call: it must see the calls and the helpers
    calls = [node for path in PACKAGE.rglob("*.py") for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and _called(node) in {"error", "warning", "err", "warn", "problem"}]
    assert len(calls) > 150


def test_the_english_left_in_a_chinese_text_is_found() -> None:
    assert _english_left("这不是有效的 YAML：mapping values are not allowed here") == \
           ["mapping values are not allowed here"]
    assert _english_left("请写成 `score 5 if … else 0`，见 docs/language.md 的“Facts files”") == []
    assert _english_left(f"无法读取 `a.yaml`：{os.strerror(errno.ENOENT)}") == []


def test_a_diagnostic_without_chinese_words_is_shown_in_english() -> None:
    from perfeval_dsl.errors import error, render

    diagnostic = error("PE001", "there is no file `x`", path="x", help="check the path")
    assert render(diagnostic, "zh") == render(diagnostic) == "error[PE001]: there is no file `x`\n  --> x\n" \
                                                              "  = help: check the path"


def test_check_on_the_seed_reads_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--lang", "zh", "check", RULES)
    assert (code, out) == (0, "")
    headers = [line for line in err.splitlines() if line.startswith(("警告[", "错误[", "warning[", "error["))]
    assert len(headers) == 6 and all(line.startswith("警告[PE60") for line in headers)
    assert "= note:" not in err and "= help:" not in err
    summary = "rules/anning-2020.zh.perfeval：29 个指标，分值合计 100（总分 100），6 个警告"
    assert err.rstrip().splitlines()[-1] == summary


# ---- the summaries of `perfeval test` and `perfeval batch` in Chinese ----------------------------------------

UNIT_RULES = CASE_RULES  # the rules `perfeval test` is tried on in test_cases.py
UNIT_FACTS = "预算基本支出: 1,000.00 元\n实际基本支出: 1,000.00 元\n资产管理制度: 制定并实施\n"


def _write_unit(folder: Path, tests: str) -> None:
    (folder / "unit.perfeval").write_text(UNIT_RULES, encoding="utf-8")
    (folder / "unit.facts.yaml").write_text(UNIT_FACTS, encoding="utf-8")
    (folder / "unit.tests.yaml").write_text(tests, encoding="utf-8")


def test_the_test_report_reads_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    _write_unit(tmp_path, "facts: unit.facts.yaml\ncases:\n"
                          "  - name: 报告原值\n    expect: {total: 10}\n"
                          "  - name: 偏差率 15%\n    facts: {实际基本支出: 1150 元}\n"
                          "    expect: {scores: {基本支出执行偏差率: 5}}\n"
                          "  - name: 预算为零\n    facts: {预算基本支出: 0 元}\n    expect: {total: 10}\n")
    code, out, err = run(capsys, "--lang", "zh", "test", "unit.perfeval", "--min-coverage", "90")
    assert (code, err) == (1, "")
    assert out == (
        "unit.tests.yaml  （规则文件：unit.perfeval）\n"
        "  ✓ 报告原值\n"
        "  ✗ 偏差率 15%  （unit.tests.yaml:5:11）\n"
        "      基本支出执行偏差率：预期 5，实际 3  （第 2 档：3 若 偏差率 <= 20%）\n"
        "  ✗ 预算为零  （unit.tests.yaml:8:11）\n"
        "      评价中止：\n"
        "      错误[PE501]：除数为零：`预算基本支出` 为 0\n"
        "        --> unit.perfeval:6:11\n"
        "        |\n"
        "      6 | let 偏差率 = (实际基本支出 - 预算基本支出) / 预算基本支出\n"
        "        |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ 除以 0\n"
        "        = 说明: 需要它的指标：`基本支出执行偏差率`\n"
        "        = 提示: 请检查事实；如果这里 0 是真实的值，请在相除之前用一档给它评分，例如 `0 if 预算 == 0 else …`\n"
        "3 个用例：1 个通过，2 个未通过\n"
        "分档覆盖：5 个分支中覆盖了 3 个（60%），最低要求 90%：太低\n"
        "  未覆盖：基本支出执行偏差率 — 否则 0\n"
        "  未覆盖：资产管理制度 — \"未制定\" -> 0\n"
    )
    # the English report is unchanged by the language option
    code, out, _ = run(capsys, "--lang", "en", "test", "unit.perfeval")
    assert code == 1
    assert out.splitlines()[-4:-2] == ["3 cases: 1 passed, 2 failed", "tier coverage: 3 of 5 branches reached (60%)"]


def test_a_passing_test_report_reads_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    _write_unit(tmp_path, "facts: unit.facts.yaml\ncases:\n  - name: 报告原值\n    expect: {total: 10}\n")
    code, out, err = run(capsys, "--lang", "zh", "test", "unit.tests.yaml")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[2:5] == ["1 个用例：1 个通过", "分档覆盖：5 个分支中覆盖了 2 个（40%）",
                          "  未覆盖：基本支出执行偏差率 — 第 2 档：3 若 偏差率 <= 20%"]


def test_a_value_needed_by_two_indicators_names_both_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "two.perfeval").write_text(
        "fact 满意份数: 份\nfact 发出份数: 份\nlet 满意率 = 满意份数 / 发出份数\n"
        "indicator 甲 weight 50 { score 50 if 满意率 >= 90% else 0 }\n"
        "indicator 乙 weight 50 { score 50 if 满意率 >= 80% else 0 }\n", encoding="utf-8")
    (tmp_path / "two.facts.yaml").write_text("满意份数: 0 份\n发出份数: 0 份\n", encoding="utf-8")
    _, _, english = run(capsys, "eval", "two.perfeval", "-f", "two.facts.yaml")
    code, _, chinese = run(capsys, "--lang", "zh", "eval", "two.perfeval", "-f", "two.facts.yaml")
    assert code == 1
    assert "  = note: needed by `甲`, `乙`" in english.splitlines()
    assert "  = 说明: 需要它的指标：`甲`、`乙`" in chinese.splitlines()
    assert chinese.startswith("错误[PE501]：除数为零：`发出份数` 为 0\n")


def test_the_batch_summary_reads_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from test_batch import CHANGES, FACT_NAMES, TITLE, row, table
    from test_batch import RULES as BATCH_RULES

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    # a column the rules do not declare: every unit is scored with a warning about its facts (PE404)
    units = table(*(row(name, changes, extra=("多余",)) for name, changes in CHANGES.items()),
                  header=["单位名称", *FACT_NAMES, "多余的事实"]) + '戊单位,"清晰合理\n'
    (tmp_path / "units.csv").write_text(units, encoding="utf-8")
    code, out, err = run(capsys, "--lang", "zh", "batch", BATCH_RULES, "units.csv")
    assert (code, err) == (1, "")
    lines = [line.rstrip() for line in out.split("\n")]
    assert lines[0] == f"{TITLE}：6 个被评价单位"
    assert lines[1].split() == ["排名", "单位", "总分", "等级", "失分最多的指标"]
    assert "5 个已评分（优 3，良 1，中 1，差 0），1 个无法评分；5 个已评分但其事实有警告" in lines
    audit = [line for line in lines if line.startswith(("审计：", "规则文件 sha256 ", "单位表 sha256 "))]
    assert len(audit) == 3 and audit[0].startswith("审计：perfeval ") and "，评价时间 2026-01-01T00:00:00Z" in audit[0]
    assert lines[lines.index("戊单位：") + 1] == "错误[PE406]：加引号的单元格在这一行内没有结束"
    assert lines[lines.index("甲单位（得分 100）：") + 1] == \
        "警告[PE404]：事实文件给出了 `多余的事实`，但规则文件没有声明它"
    assert "= help:" not in out and "= note:" not in out and "error[" not in out and "warning[" not in out
    # the English summary is the same as ever
    _, english, _ = run(capsys, "--lang", "en", "batch", BATCH_RULES, "units.csv")
    assert english.startswith(f"{TITLE}: 6 units\n")
    assert "甲单位 (scored 100):" in english.splitlines()


@pytest.mark.parametrize(("document", "english", "chinese"), [
    ('{"format": "perfeval-result/1"}', "`total` is missing or not a number", "`total` 缺失或不是数"),
    ('{"format": "perfeval-result/1", "total": 1, "max_total": 2, "grade": "优", "groups": [], "indicators": '
     '[{"name": "甲", "path": [1], "weight": 1, "score": 1}]}',
     "indicator 1: `path` holds something other than names", "第 1 个指标：`path` 中有不是名称的内容"),
])
def test_an_incomplete_result_document_is_described_in_chinese(
        document: str, english: str, chinese: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.json").write_text(document, encoding="utf-8")
    _, _, err = run(capsys, "diff", "old.json", "old.json")
    assert err.startswith(f"error[PE009]: `old.json` is not a complete result document: {english}\n")
    code, _, err = run(capsys, "--lang", "zh", "diff", "old.json", "old.json")
    assert code == 2
    assert err.startswith(f"错误[PE009]：`old.json` 不是完整的结果文档：{chinese}\n")


# ---- the command line's own words in Chinese: help pages, usage errors, messages -----------------------------

SUBCOMMANDS = sorted(cli.commands)
_PLACEHOLDERS = re.compile(r"--?\w[\w-]*|\[[^\]]*\]|\b[A-Z][A-Z_]+\b(?:\.\.\.)?")


def _english_in_help(text: str) -> list[str]:
    """The English left in a help page, besides option names, placeholders (RULES, FILE) and choices."""
    return [run for line in text.splitlines() for run in _english_left(_PLACEHOLDERS.sub(" ", line))]


def test_every_command_and_option_has_its_chinese_help() -> None:
    import click

    assert set(COMMANDS) == {"cli", *SUBCOMMANDS}
    for command in (cli, *cli.commands.values()):
        _, text, options = COMMANDS[command.name]
        assert _CJK.search(text) and not _english_in_help(text), command.name
        named = {param.name for param in command.params if isinstance(param, click.Option)}
        assert set(options) == named, command.name
        assert all(_CJK.search(words) for words in options.values())


@pytest.mark.parametrize("command", [[], *([name] for name in SUBCOMMANDS)], ids=lambda c: " ".join(c) or "perfeval")
def test_the_help_reads_in_chinese(command: list[str], capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    _, before, _ = run(capsys, "--lang", "en", *command, "--help")
    code, out, err = run(capsys, "--lang", "zh", *command, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"用法: perfeval {' '.join(command)}".rstrip() + " ")
    assert "\n选项:\n" in out and "显示本帮助并退出。" in out
    assert not _english_in_help(out), out
    _, text, options = COMMANDS["cli" if not command else command[0]]
    flat = re.sub(r"\s+", "", out)  # the texts, however they are wrapped
    for words in [*text.split("\n\n"), *options.values()]:
        assert re.sub(r"\s+", "", words.replace("\b", "")) in flat, words
    if not command:  # the list of commands, each with its Chinese line
        assert "\n命令:\n" in out
        assert all(COMMANDS[name][0] in out for name in SUBCOMMANDS)
    # every line fits the 100 columns, a Chinese character taking two
    from perfeval_dsl.source import display_width

    assert max(display_width(line) for line in out.splitlines()) <= 100
    # and in English, the same as before the Chinese run
    code, english, _ = run(capsys, "--lang", "en", *command, "--help")
    assert code == 0 and english == before
    assert english.startswith("Usage: perfeval") and "Show this message and exit." in english


@pytest.mark.parametrize(("arguments", "environment"), [
    (["--lang=zh", "check", "--help"], {}),
    (["check", "--help"], {"PERFEVAL_LANG": "zh"}),
    (["check", "--help"], {"LANG": "zh_CN.UTF-8"}),
    (["--lang", "en", "--lang", "zh", "check", "--help"], {}),  # the last `--lang` wins, as click takes it
])
def test_the_help_follows_the_language_before_click_parses(arguments: list[str], environment: dict[str, str],
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("PERFEVAL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    code, out, _ = run(capsys, *arguments)
    assert code == 0 and out.startswith("用法: perfeval check [OPTIONS] RULES...\n")
    assert COMMANDS["check"][2]["strict"] in out


def test_the_argument_language_is_read_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from perfeval_dsl.cli import argv_language

    monkeypatch.setenv("PERFEVAL_LANG", "en")
    assert argv_language(["--lang", "zh", "eval"]) == argv_language(["--lang=zh"]) == "zh"
    assert argv_language(["eval", "x", "--", "--lang", "zh"]) == "en"  # after `--`, an argument
    assert argv_language(["--lang", "fr"]) == argv_language(["--lang"]) == "en"
    monkeypatch.setenv("PERFEVAL_LANG", "zh")
    assert argv_language([]) == "zh" and argv_language(["--lang", "en"]) == "en"


@pytest.mark.parametrize(("arguments", "usage", "message"), [
    (["eval"], "perfeval eval [OPTIONS] RULES", "缺少参数 'RULES'。"),
    (["eval", RULES, "-f", "tests/ui"], "perfeval eval [OPTIONS] RULES",
     "'-f' / '--facts' 的值无效：'tests/ui' 是文件夹，这里要的是文件。"),
    (["eval", RULES, "-f", FACTS, "--format", "xml"], "perfeval eval [OPTIONS] RULES",
     "'--format' 的值无效：'xml' 不是 'text', 'json', 'md', 'html', 'xlsx' 之一。"),
    (["eval", RULES, "-f", FACTS, "--format", "xlsx"], "perfeval eval [OPTIONS] RULES",
     "Excel 工作簿无法显示在终端：请加上 -o FILE.xlsx 把它写入文件"),
    (["eval", RULES, "-f", FACTS, "--nope"], "perfeval eval [OPTIONS] RULES", "没有选项 '--nope'。"),
    (["chekc", RULES], "perfeval [OPTIONS] COMMAND [ARGS]...", "没有命令 'chekc'。 是否想写 'check'？"),
    (["batch", RULES, "units.csv", "--resume"], "perfeval batch [OPTIONS] RULES UNITS",
     "--resume 需要 --out：它跳过文档已在那个文件夹中的单位"),
    (["test", RULES, "--min-coverage", "200"], "perfeval test [OPTIONS] TARGETS...",
     "'--min-coverage' 的值无效：'200' 不是 0 到 100 之间的百分数"),
    (["diff", "a.json"], "perfeval diff [OPTIONS] OLD [NEW]",
     "请给出两份结果文档（OLD.json NEW.json），或规则文件和事实：RULES -f OLD_FACTS -f NEW_FACTS、"
     "OLD_RULES NEW_RULES -f FACTS，或 OLD_RULES NEW_RULES -f OLD_FACTS -f NEW_FACTS"),
])
def test_a_usage_error_reads_in_chinese(arguments: list[str], usage: str, message: str,
                                        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "--lang", "zh", *arguments)
    command = usage.split(" [")[0]
    assert (code, out) == (2, "")  # exit 2: a usage error, as docs/cli.md says
    assert err == f"用法: {usage}\n运行 '{command} --help' 查看帮助。\n\n错误：{message}\n"
    code, _, english = run(capsys, "--lang", "en", *arguments)
    assert code == 2 and english.startswith(f"Usage: {usage}\n") and "\nError: " in english


def test_the_commands_own_messages_read_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flat.perfeval").write_text("fact 甲: 元\n\nindicator 乙 weight 100 {\n  score 100\n}\n",
                                            encoding="utf-8")
    assert run(capsys, "--lang", "zh", "boundaries", "flat.perfeval") == (
        0, "", "flat.perfeval：没有哪个指标的规则是针对单个值的分档链，所以没有可显示的分档界限\n")
    (tmp_path / "loose.perfeval").write_text("fact 甲: 元\nindicator 乙 weight 100 {score 100}\n", encoding="utf-8")
    assert run(capsys, "--lang", "zh", "fmt", "--check", "loose.perfeval") == (1, "", "会重新格式化 loose.perfeval\n")
    code, out, _ = run(capsys, "--lang", "zh", "fmt", "--diff", "loose.perfeval")
    assert code == 0 and "+++ loose.perfeval（格式化后）\n" in out
    assert run(capsys, "--lang", "zh", "fmt", "loose.perfeval", "flat.perfeval") == (
        0, "", "重新格式化了 2 个文件中的 1 个\n")
    code, out, _ = run(capsys, "--lang", "zh", "explain")
    assert code == 0 and out.splitlines()[0] == "PE001  文件不存在" and not _english_left(out)
    assert run(capsys, "--lang", "zh", "--version") == (0, f"perfeval，版本 {pe.__version__}\n", "")
    assert run(capsys, "--lang", "en", "--version") == (0, f"perfeval, version {pe.__version__}\n", "")


def test_every_code_has_its_chinese_title() -> None:
    from perfeval_dsl.errors import CODES_ZH

    assert list(CODES_ZH) == list(CODES)
    assert all(_CJK.search(title) for title in CODES_ZH.values())


def test_the_test_report_names_its_mismatches_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    _write_unit(tmp_path, "facts: unit.facts.yaml\ncases:\n"
                          "  - expect: {total: 9, grade: 差}\n"
                          "  - facts: {实际基本支出: 1150 元}\n    expect: {error: [PE501]}\n"
                          "  - name: 预算为零\n    facts: {预算基本支出: 0 元}\n    expect: {error: [PE401]}\n"
                          "  - name: 资产管理\n    facts: {资产管理制度: 未制定}\n"
                          "    expect: {scores: {资产管理制度: 5}}\n")
    code, out, _ = run(capsys, "--lang", "zh", "test", "unit.tests.yaml")
    assert code == 1
    lines = out.splitlines()
    assert lines[1:6] == ["  ✗ 第 1 个用例  （unit.tests.yaml:3:5）",
                          "      总分：预期 9，实际 10",
                          "      等级：预期 差，实际 优",
                          "  ✗ 第 2 个用例  （unit.tests.yaml:4:5）",
                          "      错误：预期 PE501，实际 没有错误（总分 8）"]
    assert lines[7] == "      错误：预期 PE401，实际 PE501"
    assert "      资产管理制度：预期 5，实际 0  （\"未制定\" -> 0）" in lines
    assert not [line for line in lines if not line.startswith(("      ", "  = ")) and _english_left(line)]
    # the English report and the JSON document keep their words
    _, english, _ = run(capsys, "--lang", "en", "test", "unit.tests.yaml")
    assert english.splitlines()[1:3] == ["  ✗ case 1  (unit.tests.yaml:3:5)", "      total: expected 9, got 10"]
    _, document, _ = run(capsys, "--lang", "zh", "test", "unit.tests.yaml", "--format", "json")
    assert '"name": "case 1"' in document and '"what": "total"' in document


def test_branches_read_in_chinese() -> None:
    from perfeval_dsl.cases import branches

    program = pe.parse_rules(UNIT_RULES).program
    texts = [(branch.text, branch.text_zh) for indicator in program.indicators for branch in branches(indicator)]
    assert texts == [("tier 1: 5 if 偏差率 <= 10%", "第 1 档：5 若 偏差率 <= 10%"),
                     ("tier 2: 3 if 偏差率 <= 20%", "第 2 档：3 若 偏差率 <= 20%"),
                     ("else 0", "否则 0"),
                     ('"制定并实施" -> 5', '"制定并实施" -> 5'), ('"未制定" -> 0', '"未制定" -> 0')]


BATCH_UNITS = ("单位名称,预算基本支出,实际基本支出,资产管理制度,多余\n"
               "甲,100 元,100 元,制定并实施,1\n"
               ",100 元,100 元,未制定,\n"
               "乙,0 元,100 元,制定并实施,\n")


def test_the_batch_problems_column_reads_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    monkeypatch.chdir(tmp_path)
    _write_unit(tmp_path, "cases: []\n")
    (tmp_path / "units.csv").write_text(BATCH_UNITS, encoding="utf-8")
    code, out, _ = run(capsys, "--lang", "zh", "batch", "unit.perfeval", "units.csv", "--format", "csv")
    assert code == 1
    assert out.removeprefix("\ufeff").splitlines() == [
        "排名,单位,总分,等级,失分最多的指标,问题",
        "1,甲,10,优,,PE404 units.csv:1:27：事实文件给出了 `多余`，但规则文件没有声明它",
        "2,第 3 行,5,差,资产管理制度 −5,",
        ",乙,,,,PE501 unit.perfeval:6:11：除数为零：`预算基本支出` 为 0",
    ]
    code, _, _ = run(capsys, "--lang", "zh", "batch", "unit.perfeval", "units.csv", "--format", "xlsx",
                     "-o", "summary.xlsx")
    assert code == 1
    sheet = openpyxl.load_workbook("summary.xlsx")["汇总"]
    assert [sheet.cell(row, 6).value for row in range(2, 5)] == [
        "PE404 units.csv:1:27：事实文件给出了 `多余`，但规则文件没有声明它", None,
        "PE501 unit.perfeval:6:11：除数为零：`预算基本支出` 为 0"]
    assert sheet.cell(3, 2).value == "第 3 行"
    # in English, and in the JSON document in either language, the words and the name are as ever
    _, english, _ = run(capsys, "--lang", "en", "batch", "unit.perfeval", "units.csv", "--format", "csv")
    assert english.splitlines()[1:3] == [
        '1,甲,10,优,,"PE404 units.csv:1:27: the facts file gives `多余`, which the rules do not declare"',
        "2,row 3,5,差,资产管理制度 −5,"]
    _, document, _ = run(capsys, "--lang", "zh", "batch", "unit.perfeval", "units.csv", "--format", "json")
    assert '"unit": "row 3"' in document and "division by zero" in document
    _, text, _ = run(capsys, "--lang", "zh", "batch", "unit.perfeval", "units.csv")
    assert "第 3 行" in text and "row 3" not in text
