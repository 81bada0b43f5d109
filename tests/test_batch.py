"""`perfeval batch`: many units scored with one rule file, from a CSV unit table or a folder of facts files.

The tables are built from the seed's own facts (rules/anning-2020.facts.yaml): a row with those values must
score exactly what the report gives (98, 优); other rows change a few values so that the totals, ranks and
grades are known in advance.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.batch import output_name, run_batch
from perfeval_dsl.errors import PerfevalError
from perfeval_dsl.units import read_units

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "anning-2020.perfeval")
SEED_FACTS = ROOT / "rules" / "anning-2020.facts.yaml"
SEED_UNIT = "安宁市公共就业和人才服务中心"
TITLE = "安宁市公共就业和人才服务中心 2020 年度部门整体支出绩效评价"


def seed_values() -> dict[str, str]:
    """The seed's facts as a table cell writes them: the value of a fact given with a note, without the note."""
    document = yaml.safe_load(SEED_FACTS.read_text(encoding="utf-8"))
    return {name: str(value["value"] if isinstance(value, dict) else value) for name, value in document.items()}


SEED = seed_values()
FACT_NAMES = list(SEED)


def facts_of(changes: dict[str, str] | None = None) -> dict[str, str]:
    return {**SEED, **(changes or {})}


def row(name: str, changes: dict[str, str] | None = None, extra: tuple[str, ...] = ()) -> list[str]:
    values = facts_of(changes)
    return [name, *(values[fact] for fact in FACT_NAMES), *extra]


def table(*rows: list[str], header: list[str] | None = None) -> str:
    """CSV text as Excel writes it: cells with a comma in double quotes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header or ["单位名称", *FACT_NAMES])
    writer.writerows(rows)
    return buffer.getvalue()


# The small table: its totals are worked out by hand from the seed rules.
CHANGES: dict[str, dict[str, str]] = {
    SEED_UNIT: {},  # the report itself: 98, 公益性岗位补贴 −2 (95 人 < 109 人)
    "甲单位": {"公益性岗位补贴人数": "120 人"},  # every target met: 100
    "乙单位": {},  # the same as the report: 98, tied with it
    # 20/25 = 80% and 24/30 = 80% score 6 of 10 each; 制定未实施 scores 1 of 3: 98 − 4 − 4 − 2 = 88, 良
    "丙单位": {"公益性岗位问卷满意份数": "20 份", "求职人员问卷满意份数": "24 份", "资产管理制度": "制定未实施"},
    # 60% and 60% score 4 each (−6 −6), 6% > 5.3% (−4), 4000 < 4800 万元 (−4), 不清晰合理 (−3),
    # 未制定 (−3), and the −2 of the report: 72, 中
    "丁单位": {"公益性岗位问卷满意份数": "15 份", "求职人员问卷满意份数": "18 份", "城镇登记失业率": "6%",
            "农村劳动力转移收入": "4000 万元", "部门职能": "不清晰合理", "资产管理制度": "未制定"},
}
SMALL = table(*(row(name, changes) for name, changes in CHANGES.items()))
SMALL_WITH_UNCLOSED_QUOTE = SMALL + '戊单位,"清晰合理\n'


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tables are written to the test's folder and named relatively, so locations read `units.csv:7:5`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")


def write(name: str, text: str) -> str:
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_text(text, encoding="utf-8")
    return name


def json_of(text: str) -> dict[str, object]:
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)  # type: ignore[no-any-return]


def location(text: str, line: int, cell: str) -> str:
    """`units.csv:LINE:COL` of the first occurrence of `cell` on a line of the table (columns from 1)."""
    return f"units.csv:{line}:{text.split(chr(10))[line - 1].index(cell) + 1}"


# ---- the seed row, totals, ranks ----------------------------------------------------------------------


def test_a_row_with_the_reports_facts_scores_98_you(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", table(row(SEED_UNIT)))
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--format", "json")
    assert (code, err) == (0, "")
    document = json_of(out)
    assert document["units"] == [{"unit": SEED_UNIT, "scored": True, "rank": 1, "total": 98, "grade": "优",
                                  "lost_most": [{"indicator": "公益性岗位补贴", "lost": 2}]}]
    assert (document["scored"], document["failed"]) == (1, 0)


def test_the_seed_row_scores_every_indicator_as_the_golden_does(tmp_path: Path) -> None:
    write("units.csv", table(row(SEED_UNIT)))
    run_batch(pe.load_rules(RULES), Path("units.csv"), out=Path("out"))
    document = json_of(Path("out", f"{SEED_UNIT}.json").read_text(encoding="utf-8"))
    golden = json_of((ROOT / "tests/golden/anning-2020.json").read_text(encoding="utf-8"))
    scores = [(i["name"], i["score"]) for i in document["indicators"]]  # type: ignore[attr-defined]
    assert scores == [(i["name"], i["score"]) for i in golden["indicators"]]  # type: ignore[attr-defined]
    assert (document["total"], document["grade"]) == (98, "优")


def test_ranking_gives_equal_totals_the_same_rank_and_skips_the_next() -> None:
    write("units.csv", SMALL)
    report = run_batch(pe.load_rules(RULES), Path("units.csv"))
    assert [(rank, o.name, o.total, o.grade) for rank, o in report.ranked()] == [
        (1, "甲单位", 100, "优"),
        (2, SEED_UNIT, 98, "优"),  # tied: file order kept
        (2, "乙单位", 98, "优"),
        (4, "丙单位", 88, "良"),
        (5, "丁单位", 72, "中"),
    ]
    losses = {o.name: o.lost for o in report.outcomes}
    assert losses["甲单位"] == ()
    assert losses["丙单位"] == (("公益性岗位满意度", 4), ("求职人员满意度", 4), ("资产管理制度", 2))
    # at most three, the largest first; equal losses in file order
    assert losses["丁单位"] == (("公益性岗位满意度", 6), ("求职人员满意度", 6), ("城镇登记失业率", 4))
    assert report.failed == ()


def test_three_units_tied_at_the_top_all_rank_1() -> None:
    write("units.csv", table(row("甲", {"公益性岗位补贴人数": "120 人"}), row("乙"),
                             row("丙", {"公益性岗位补贴人数": "109 人"}), row("丁", {"公益性岗位补贴人数": "200 人"})))
    report = run_batch(pe.load_rules(RULES), Path("units.csv"))
    assert [(rank, o.name, o.total) for rank, o in report.ranked()] == [(1, "甲", 100), (1, "丙", 100),
                                                                        (1, "丁", 100), (4, "乙", 98)]


# ---- the summary: text, JSON, CSV -----------------------------------------------------------------------

QUOTE_HELP = ('close the quote; a value with a comma is written "8,567,111.51 元", and a quote inside one is '
              'written twice ("")')
TEXT_SUMMARY = f"""\
{TITLE}: 6 units
rank   unit                           total   grade   lost most
─────────────────────────────────────────────────────────────────────────
   1   甲单位                           100   优
   2   {SEED_UNIT}      98   优      公益性岗位补贴 −2
   2   乙单位                            98   优      公益性岗位补贴 −2
   4   丙单位                            88   良      公益性岗位满意度 −4
                                                      求职人员满意度 −4
                                                      资产管理制度 −2
   5   丁单位                            72   中      公益性岗位满意度 −6
                                                      求职人员满意度 −6
                                                      城镇登记失业率 −4
5 scored (优 3, 良 1, 中 1, 差 0), 1 could not be scored
audit: perfeval {pe.__version__}, evaluated 2026-01-01T00:00:00Z
rules sha256 {{rules_sha256}}
units sha256 {{units_sha256}}

戊单位:
error[PE406]: a quoted cell is not closed on its line
  --> units.csv:7:5
  |
7 | 戊单位,"清晰合理
  |        ^ here
  = help: {QUOTE_HELP}
"""


def test_text_summary_is_the_ranked_table_the_counts_and_the_errors(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL_WITH_UNCLOSED_QUOTE)
    code, out, err = run(capsys, "batch", RULES, "units.csv")
    assert (code, err) == (1, "")
    expected = TEXT_SUMMARY.format(rules_sha256=hashlib.sha256(Path(RULES).read_bytes()).hexdigest(),
                                   units_sha256=hashlib.sha256(Path("units.csv").read_bytes()).hexdigest())
    # spaces at the ends of lines are the table's padding and are not compared
    assert [line.rstrip() for line in out.split("\n")] == expected.split("\n")


def test_json_summary(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL_WITH_UNCLOSED_QUOTE)
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--format", "json")
    assert (code, err) == (1, "")
    document = json_of(out)
    assert (document["format"], document["title"], document["rules"]) == ("perfeval-batch/1", TITLE, RULES)
    assert (document["scored"], document["failed"]) == (5, 1)
    units = document["units"]
    assert isinstance(units, list)
    # in the table's order, not ranked
    assert [(u["unit"], u["scored"], u.get("rank"), u.get("total"), u.get("grade")) for u in units] == [
        (SEED_UNIT, True, 2, 98, "优"), ("甲单位", True, 1, 100, "优"), ("乙单位", True, 2, 98, "优"),
        ("丙单位", True, 4, 88, "良"), ("丁单位", True, 5, 72, "中"), ("戊单位", False, None, None, None)]
    assert units[3]["lost_most"] == [{"indicator": "公益性岗位满意度", "lost": 4},
                                     {"indicator": "求职人员满意度", "lost": 4},
                                     {"indicator": "资产管理制度", "lost": 2}]
    assert units[1]["lost_most"] == []
    assert units[5]["diagnostics"] == [{
        "severity": "error", "code": "PE406", "message": "a quoted cell is not closed on its line",
        "file": "units.csv", "line": 7, "column": 5, "label": "here",
        "help": QUOTE_HELP}]
    assert "rank" not in units[5] and "lost_most" not in units[5]


def test_csv_summary_has_a_bom_chinese_headers_ranked_rows_then_the_failures(
        capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL_WITH_UNCLOSED_QUOTE)
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--format", "csv")
    assert (code, err) == (1, "")
    assert out.startswith("\ufeff排名,单位,总分,等级,失分最多的指标,问题\r\n")
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"), newline="")))
    assert rows == [
        ["排名", "单位", "总分", "等级", "失分最多的指标", "问题"],
        ["1", "甲单位", "100", "优", "", ""],
        ["2", SEED_UNIT, "98", "优", "公益性岗位补贴 −2", ""],
        ["2", "乙单位", "98", "优", "公益性岗位补贴 −2", ""],
        ["4", "丙单位", "88", "良", "公益性岗位满意度 −4；求职人员满意度 −4；资产管理制度 −2", ""],
        ["5", "丁单位", "72", "中", "公益性岗位满意度 −6；求职人员满意度 −6；城镇登记失业率 −4", ""],
        ["", "戊单位", "", "", "", "PE406 units.csv:7:5: a quoted cell is not closed on its line"],
    ]


def test_csv_summary_file_starts_with_the_utf8_bom(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL)
    code, out, _ = run(capsys, "batch", RULES, "units.csv", "--format", "csv", "-o", "summary.csv")
    assert (code, out) == (0, "")
    data = Path("summary.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF8 + "排名,单位,总分,等级".encode())
    assert data.count(codecs.BOM_UTF8) == 1


# ---- broken units: reported where they are, and the batch goes on ----------------------------------------


def broken_table() -> str:
    return (table(row(SEED_UNIT),
                  row("文字单位", {"公益性岗位补贴人数": "约九十五人"}),
                  row("判断单位", {"资产管理制度": "已制定"}),
                  row("多格单位", extra=("多余",)),
                  row(SEED_UNIT, {"公益性岗位补贴人数": "120 人"}))
            + '引号单位,"清晰合理,清晰合理,制定了计划\n'
            + table(row("甲单位", {"公益性岗位补贴人数": "120 人"})).split("\n", 1)[1])


def test_broken_rows_are_reported_at_their_cell_and_the_batch_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    text = broken_table()
    write("units.csv", text)
    code, out, err = run(capsys, "batch", RULES, "units.csv")
    assert (code, err) == (1, "")
    expected = {
        "文字单位": ("error[PE402]: `公益性岗位补贴人数` must be a number, but is `约九十五人`",
                 location(text, 3, "约九十五人")),
        "判断单位": ('error[PE405]: "已制定" is not one of the judgements of `资产管理制度`',
                 location(text, 4, "已制定")),
        "多格单位": ("error[PE406]: row 5 has 36 cells, but the header names 35 columns", location(text, 5, "多余")),
        SEED_UNIT: (f"error[PE406]: the unit `{SEED_UNIT}` has two rows", "units.csv:6:1"),
        "引号单位": ("error[PE406]: a quoted cell is not closed on its line", location(text, 7, '"')),
    }
    # the columns, counted by hand: 16 cells before 公益性岗位补贴人数, two of them money in quotes
    assert expected["文字单位"][1] == "units.csv:3:138"
    assert expected["引号单位"][1] == "units.csv:7:6"
    lines = out.split("\n")
    for unit, (message, where) in expected.items():
        heading = lines.index(f"{unit}:")
        assert lines[heading + 1] == message
        assert lines[heading + 2] == f"  --> {where}"
    # the units before and after the broken rows were scored
    assert "2 scored (优 2, 良 0, 中 0, 差 0), 5 could not be scored" in lines
    assert [line.split()[:3] for line in lines[3:5]] == [["1", "甲单位", "100"], ["2", SEED_UNIT, "98"]]


def test_broken_rows_through_the_api() -> None:
    text = broken_table()
    write("units.csv", text)
    units = list(read_units(Path("units.csv")))
    assert [(u.name, u.facts is not None) for u in units] == [
        (SEED_UNIT, True), ("文字单位", True), ("判断单位", True), ("多格单位", False), (SEED_UNIT, False),
        ("引号单位", False),  # the name cell is read even when a later quote is not closed
        ("甲单位", True)]
    report = run_batch(pe.load_rules(RULES), Path("units.csv"))
    failed = {o.name: [(d.code, d.location) for d in o.diagnostics] for o in report.failed}
    assert failed == {
        "文字单位": [("PE402", location(text, 3, "约九十五人"))],
        "判断单位": [("PE405", location(text, 4, "已制定"))],
        "多格单位": [("PE406", location(text, 5, "多余"))],
        SEED_UNIT: [("PE406", "units.csv:6:1")],
        "引号单位": [("PE406", location(text, 7, '"'))],
    }
    assert [o.name for o in report.outcomes if o.ok] == [SEED_UNIT, "甲单位"]


def test_read_units_keeps_each_cell_with_its_place() -> None:
    text = table(row(SEED_UNIT), ["甲单位", "清晰合理", "", " 制定了计划 "])
    write("units.csv", text)
    first, second = read_units(Path("units.csv"))
    assert first.name == SEED_UNIT and first.diagnostics == ()
    assert first.facts is not None and second.facts is not None
    assert first.facts.name == f"units.csv ({SEED_UNIT})"
    assert {name: fact.value for name, fact in first.facts.values.items()} == SEED
    money = first.facts.values["预算基本支出"]
    assert money.span is not None and money.key_span is not None
    assert money.span.location() == location(text, 2, '"8,567,111.51 元"')
    assert money.span.text == '"8,567,111.51 元"'  # the span covers the quotes
    assert money.key_span.location() == location(text, 1, "预算基本支出")
    # an empty cell is a fact not given; a short row gives the facts it has; spaces around a value go
    assert {name: fact.value for name, fact in second.facts.values.items()} == {"部门职能": "清晰合理",
                                                                               "年度工作计划": "制定了计划"}


def test_read_units_accepts_excels_bom_and_crlf() -> None:
    Path("units.csv").write_bytes(codecs.BOM_UTF8 + table(row(SEED_UNIT), row("甲单位")).replace("\n", "\r\n")
                                  .encode())
    units = list(read_units(Path("units.csv")))
    assert [u.name for u in units] == [SEED_UNIT, "甲单位"]
    assert units[1].facts is not None
    assert units[1].facts.values["部门职能"].span.location() == "units.csv:3:5"  # type: ignore[union-attr]


@pytest.mark.parametrize(("header", "problems"), [
    ("单位,部门职能,,科室职能\n", ["error[PE406]: a column has no name", "  --> units.csv:1:9"]),
    ("单位,部门职能,科室职能,部门职能\n", ["error[PE406]: two columns are headed `部门职能`", "  --> units.csv:1:14"]),
    ("单位,部门职能,,科室职能,部门职能\n", ["error[PE406]: a column has no name", "  --> units.csv:1:9",
                                   "error[PE406]: two columns are headed `部门职能`", "  --> units.csv:1:15"]),
])
def test_header_problems_stop_the_batch_with_exit_1(capsys: pytest.CaptureFixture[str], header: str,
                                                   problems: list[str]) -> None:
    write("units.csv", header + "甲单位,清晰合理,清晰合理,清晰合理\n")
    code, out, err = run(capsys, "batch", RULES, "units.csv")
    assert (code, out) == (1, "")
    assert [line for line in err.split("\n") if line.startswith(("error", "  -->"))] == problems
    with pytest.raises(PerfevalError) as raised:
        list(read_units(Path("units.csv")))
    assert [d.location for d in raised.value.diagnostics] == [p.removeprefix("  --> ") for p in problems[1::2]]


def test_an_empty_table_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", "\n")
    code, out, err = run(capsys, "batch", RULES, "units.csv")
    assert (code, out) == (1, "")
    assert err.startswith("error[PE406]: `units.csv` is empty\n")


def test_a_missing_table_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "batch", RULES, "none.csv")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE001]: there is no file `none.csv`\n  --> none.csv\n")


def test_a_txt_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.txt", SMALL)
    code, out, err = run(capsys, "batch", RULES, "units.txt")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE004]: `units.txt` is neither a folder of facts files nor a unit table\n")
    with pytest.raises(PerfevalError) as raised:
        list(read_units(Path("units.txt")))
    assert [d.code for d in raised.value.diagnostics] == ["PE004"]


def test_a_missing_rule_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL)
    code, out, err = run(capsys, "batch", "none.perfeval", "units.csv")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE001]: there is no file `none.perfeval`")


# ---- a folder of facts files ------------------------------------------------------------------------------


def test_a_folder_of_facts_files_one_broken(capsys: pytest.CaptureFixture[str]) -> None:
    write("units/安宁.yaml", SEED_FACTS.read_text(encoding="utf-8"))  # with its notes: the report, 98
    write("units/甲单位.json", json.dumps(facts_of({"公益性岗位补贴人数": "120 人"}), ensure_ascii=False))
    toml = "".join(f'"{name}" = "{value}"\n' for name, value in facts_of({"资产管理制度": "已制定"}).items())
    write("units/乙单位.toml", toml)
    write("units/说明.txt", "not a facts file: left out\n")
    Path("units/子目录").mkdir()
    code, out, err = run(capsys, "batch", RULES, "units", "--format", "json")
    assert (code, err) == (1, "")
    document = json_of(out)
    units = document["units"]
    assert isinstance(units, list)
    assert [(u["unit"], u.get("rank"), u.get("total")) for u in units] == [
        ("乙单位", None, None), ("安宁", 2, 98), ("甲单位", 1, 100)]  # sorted by file name
    (diagnostic,) = units[0]["diagnostics"]
    line = toml.split("\n").index('"资产管理制度" = "已制定"') + 1
    assert (diagnostic["code"], diagnostic["file"], diagnostic["line"], diagnostic["column"]) == (
        "PE405", os.path.join("units", "乙单位.toml"), line, len('"资产管理制度" = ') + 1)


def test_a_folder_without_facts_files_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("units/说明.txt", "nothing here\n")
    code, out, err = run(capsys, "batch", RULES, "units")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE001]: the folder `units` holds no facts files\n")


def test_a_malformed_facts_file_in_a_folder_is_one_failed_unit() -> None:
    write("units/a.json", json.dumps(SEED, ensure_ascii=False))
    write("units/b.yaml", "部门职能: [清晰合理\n")
    report = run_batch(pe.load_rules(RULES), Path("units"))
    assert [(o.name, o.ok) for o in report.outcomes] == [("a", True), ("b", False)]
    assert report.failed[0].diagnostics[0].code == "PE406"


# ---- --out: one result document per unit ----------------------------------------------------------------


def test_out_writes_each_units_eval_document(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL_WITH_UNCLOSED_QUOTE)
    code, _, _ = run(capsys, "batch", RULES, "units.csv", "--out", "results")
    assert code == 1
    assert sorted(p.name for p in Path("results").iterdir()) == sorted(f"{name}.json" for name in CHANGES)
    for name, changes in CHANGES.items():
        facts_file = write(f"facts/{name}.json", json.dumps(facts_of(changes), ensure_ascii=False))
        code, expected, _ = run(capsys, "eval", RULES, "-f", facts_file, "--format", "json")
        assert code == 0
        written = Path("results", f"{name}.json").read_text(encoding="utf-8")
        # byte for byte the document `eval` prints, but for the fields that name the facts: the table and row,
        # and the table's digest
        table_sha256 = hashlib.sha256(Path("units.csv").read_bytes()).hexdigest()
        facts_sha256 = hashlib.sha256(Path(facts_file).read_bytes()).hexdigest()
        assert f'"facts": "units.csv ({name})",' in written
        assert f'"facts_sha256": "{table_sha256}"' in written
        assert written == expected.replace(f'"facts": {json.dumps(facts_file, ensure_ascii=False)},',
                                           f'"facts": "units.csv ({name})",').replace(facts_sha256, table_sha256)


def test_out_names_files_after_the_unit_with_unsafe_characters_replaced(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", table(row("a/b:c*d?"), row("<甲>|\"乙\""), row(" 丙. ")))
    code, _, _ = run(capsys, "batch", RULES, "units.csv", "--out", "results")
    assert code == 0
    names = sorted(p.name for p in Path("results").iterdir())
    assert names == sorted(output_name(unit) for unit in ("a/b:c*d?", '<甲>|"乙"', "丙."))
    # a name with unsafe characters keeps a readable stem and gets a short hash of the real name
    assert [name.split("~")[0] for name in names] == sorted(["a_b_c_d_", "_甲___乙_", "丙"])
    assert output_name("单位一") == "单位一.json"
    assert output_name("..").startswith("unit~") and output_name("..").endswith(".json")
    assert output_name("单位\t一") != output_name("单位_一") == "单位_一.json"


def test_resume_rescores_only_the_missing_documents(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    write("units.csv", SMALL_WITH_UNCLOSED_QUOTE)
    code, full, _ = run(capsys, "batch", RULES, "units.csv", "--out", "results", "--format", "json")
    assert code == 1
    documents = {p.name: p.read_text(encoding="utf-8") for p in Path("results").iterdir()}
    long_ago = 1_000_000_000
    for path in Path("results").iterdir():
        os.utime(path, (long_ago, long_ago))
    Path("results/甲单位.json").unlink()
    Path("results/丁单位.json").unlink()
    Path("results/乙单位.json").write_text("{not a result", encoding="utf-8")  # damaged: scored again

    import perfeval_dsl.batch

    written: list[str] = []
    real_write = perfeval_dsl.batch.write_text_atomically

    def counting_write(path: Path, text: str) -> None:
        written.append(path.name)
        real_write(path, text)

    monkeypatch.setattr(perfeval_dsl.batch, "write_text_atomically", counting_write)
    code, resumed, _ = run(capsys, "batch", RULES, "units.csv", "--out", "results", "--resume", "--format", "json")
    assert code == 1  # the broken row is still broken
    assert written == ["甲单位.json", "乙单位.json", "丁单位.json"]
    assert resumed == full
    assert {p.name: p.read_text(encoding="utf-8") for p in Path("results").iterdir()} == documents
    untouched = {p.name for p in Path("results").iterdir() if p.stat().st_mtime == long_ago}
    assert untouched == {f"{SEED_UNIT}.json", "丙单位.json"}

    written.clear()
    code, text, _ = run(capsys, "batch", RULES, "units.csv", "--out", "results", "--resume")
    assert (code, written) == (1, [])
    assert ("5 scored (优 3, 良 1, 中 1, 差 0), 1 could not be scored; 5 read back from an earlier run (--resume)"
            in text.split("\n"))
    code, plain_text, _ = run(capsys, "batch", RULES, "units.csv")
    assert text.split("\n")[:12] == plain_text.split("\n")[:12]  # the same ranked table


def test_resume_through_the_api_marks_the_units_read_back() -> None:
    write("units.csv", SMALL)
    rules = pe.load_rules(RULES)
    first = run_batch(rules, Path("units.csv"), out=Path("results"))
    Path("results/丙单位.json").unlink()
    seen: list[str] = []
    again = run_batch(rules, Path("units.csv"), out=Path("results"), resume=True,
                      on_unit=lambda outcome: seen.append(outcome.name))
    assert seen == list(CHANGES)
    assert [(o.name, o.resumed) for o in again.outcomes] == [(name, name != "丙单位") for name in CHANGES]
    assert [(o.name, o.total, o.grade, o.lost) for o in again.outcomes] == [
        (o.name, o.total, o.grade, o.lost) for o in first.outcomes]


def test_resume_without_out_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL)
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--resume")
    assert (code, out) == (2, "")
    assert "Error: --resume needs --out" in err


# ---- -o: the summary written atomically ----------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "csv"])
def test_output_file_holds_the_summary_and_nothing_else(capsys: pytest.CaptureFixture[str],
                                                        output_format: str) -> None:
    write("units.csv", SMALL_WITH_UNCLOSED_QUOTE)
    _, printed, _ = run(capsys, "batch", RULES, "units.csv", "--format", output_format)
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--format", output_format, "-o", "summary")
    assert (code, out, err) == (1, "", "")
    assert Path("summary").read_bytes() == printed.encode()
    assert sorted(p.name for p in Path(".").iterdir()) == ["summary", "units.csv"]  # no temporary file left


def test_output_file_is_replaced_whole_or_not_at_all(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write("units.csv", SMALL)
    write("summary.json", "the earlier summary\n")
    real_replace = os.replace

    def failing_replace(source: str, target: str | Path) -> None:
        if Path(target).name == "summary.json":
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--format", "json", "-o", "summary.json")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE003]: cannot write `summary.json`: No space left on device\n")
    assert Path("summary.json").read_text(encoding="utf-8") == "the earlier summary\n"
    assert sorted(p.name for p in Path(".").iterdir()) == ["summary.json", "units.csv"]


def test_output_file_in_a_missing_folder_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL)
    code, out, err = run(capsys, "batch", RULES, "units.csv", "-o", "no/such/folder/summary.txt")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE003]: cannot write `no/such/folder/summary.txt`")


# ---- a large generated table ----------------------------------------------------------------------------


def test_a_thousand_generated_units_with_twenty_broken(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import seed_unit_table
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    text = seed_unit_table(1000, broken_every=50)
    write("units.csv", text)
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--format", "json")
    assert (code, err) == (1, "")
    document = json_of(out)
    assert (document["scored"], document["failed"]) == (980, 20)
    units = document["units"]
    assert isinstance(units, list) and len(units) == 1000
    failed = [u for u in units if not u["scored"]]
    assert [u["unit"] for u in failed] == [f"单位{n:06d}" for n in range(50, 1001, 50)]
    for unit in failed:
        (diagnostic,) = unit["diagnostics"]
        number = int(unit["unit"].removeprefix("单位"))
        # the generator writes the broken value in the 开发公益性岗位数 column (its comment says 公益性岗位补贴人数)
        assert diagnostic["message"] == "`公益性岗位补贴人数` must be a number, but is `约九十五人`"
        line = text.split("\n")[number]
        assert (diagnostic["line"], diagnostic["column"]) == (number + 1, line.index("约九十五人") + 1)
    ranks = [u["rank"] for u in units if u["scored"]]
    assert min(ranks) == 1 and max(ranks) <= 980


def generated_table(units: int, broken_every: int) -> str:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import seed_unit_table
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return seed_unit_table(units, broken_every=broken_every)


def folder_state(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


def test_an_interrupted_batch_of_a_thousand_units_resumes_with_none_lost_or_duplicated(
        capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", generated_table(1000, broken_every=40))
    code, full, _ = run(capsys, "batch", RULES, "units.csv", "--out", "complete", "--format", "json")
    assert code == 1
    expected = folder_state(Path("complete"))
    assert len(expected) == 975  # 25 broken units get no document

    rules = pe.load_rules(RULES)

    def interrupt_after(count: int) -> Callable[[object], None]:
        seen = []

        def on_unit(outcome: object) -> None:
            seen.append(outcome)
            if len(seen) == count:
                raise KeyboardInterrupt  # Ctrl-C, in the middle of the table
        return on_unit

    with pytest.raises(KeyboardInterrupt):
        run_batch(rules, Path("units.csv"), out=Path("results"), on_unit=interrupt_after(400))
    partial = folder_state(Path("results"))
    assert 380 <= len(partial) <= 400 and not [n for n in partial if not n.endswith(".json")]
    with pytest.raises(KeyboardInterrupt):  # interrupted again, while resuming
        run_batch(rules, Path("units.csv"), out=Path("results"), resume=True, on_unit=interrupt_after(700))
    code, resumed, _ = run(capsys, "batch", RULES, "units.csv", "--out", "results", "--resume", "--format", "json")
    assert code == 1
    assert resumed == full  # the same summary: every unit once, the broken ones reported
    assert folder_state(Path("results")) == expected  # every document whole, none missing, none extra
    document = json_of(resumed)
    names = [u["unit"] for u in document["units"]]  # type: ignore[index]
    assert len(names) == len(set(names)) == 1000


def test_a_batch_killed_outright_resumes_with_every_document_whole(capsys: pytest.CaptureFixture[str]) -> None:
    """SIGKILL, as a power cut: no chance to clean up. Documents are written to a temporary file and renamed,
    so the folder holds whole documents (and perhaps one stray temporary file), never half of one."""
    write("units.csv", generated_table(1000, broken_every=40))
    run(capsys, "batch", RULES, "units.csv", "--out", "complete")
    expected = folder_state(Path("complete"))
    process = subprocess.Popen([sys.executable, "-m", "perfeval_dsl", "batch", RULES, "units.csv", "--out", "results"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if Path("results").is_dir() and len(list(Path("results").iterdir())) >= 100:
                break
            time.sleep(0.005)
        process.kill()
    finally:
        process.wait()
    written = [p for p in Path("results").iterdir() if p.suffix == ".json"]
    stray = [p for p in Path("results").iterdir() if p.suffix != ".json"]
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in stray)
    for path in written:  # each document there is whole, and is the one a full run writes
        assert path.read_text(encoding="utf-8") == expected[path.name]
    code, _, _ = run(capsys, "batch", RULES, "units.csv", "--out", "results", "--resume")
    assert code == 1
    for path in stray:
        path.unlink()
    assert folder_state(Path("results")) == expected


def test_resume_scores_again_the_units_whose_rules_changed(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL)
    rules = write("rules.perfeval", Path(RULES).read_text(encoding="utf-8"))
    run(capsys, "batch", rules, "units.csv", "--out", "results")
    write(rules, Path(RULES).read_text(encoding="utf-8") + "\n# a comment: another file, the same scores\n")
    _, text, _ = run(capsys, "batch", rules, "units.csv", "--out", "results", "--resume")
    assert "read back" not in text  # written from other rules: every unit scored again
    new_digest = hashlib.sha256(Path(rules).read_bytes()).hexdigest()
    for path in Path("results").iterdir():
        assert json_of(path.read_text(encoding="utf-8"))["audit"]["rules_sha256"] == new_digest  # type: ignore[index]


def test_resume_scores_again_only_the_units_whose_facts_file_changed(capsys: pytest.CaptureFixture[str]) -> None:
    for name, changes in CHANGES.items():
        write(f"units/{name}.json", json.dumps(facts_of(changes), ensure_ascii=False))
    run(capsys, "batch", RULES, "units", "--out", "results")
    write("units/乙单位.json", json.dumps(facts_of({"公益性岗位补贴人数": "120 人"}), ensure_ascii=False))
    _, out, _ = run(capsys, "batch", RULES, "units", "--out", "results", "--resume", "--format", "json")
    units = {u["unit"]: u for u in json_of(out)["units"]}  # type: ignore[attr-defined]
    assert units["乙单位"]["total"] == 100  # scored again from its new facts
    _, text, _ = run(capsys, "batch", RULES, "units", "--out", "results", "--resume")
    assert "5 read back from an earlier run" in text


# ---- the summary's audit record and its Excel form -------------------------------------------------------------


def test_json_summary_ends_with_the_batch_audit_record(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL)
    _, out, _ = run(capsys, "batch", RULES, "units.csv", "--format", "json")
    document = json_of(out)
    assert list(document)[-1] == "audit"
    assert document["audit"] == {
        "perfeval_version": pe.__version__, "evaluated_at": "2026-01-01T00:00:00Z",
        "rules": RULES, "rules_sha256": hashlib.sha256(Path(RULES).read_bytes()).hexdigest(),
        "units": "units.csv", "units_sha256": hashlib.sha256(Path("units.csv").read_bytes()).hexdigest()}
    for name, changes in CHANGES.items():
        write(f"units/{name}.json", json.dumps(facts_of(changes), ensure_ascii=False))
    _, out, _ = run(capsys, "batch", RULES, "units", "--format", "json")
    audit = json_of(out)["audit"]
    assert (audit["units"], audit["units_sha256"]) == ("units", None)  # type: ignore[index]


def test_xlsx_summary_holds_the_csv_rows_with_numbers_and_the_audit_record(capsys: pytest.CaptureFixture[str]) -> None:
    import openpyxl

    write("units.csv", SMALL_WITH_UNCLOSED_QUOTE + table(row("=HYPERLINK(\"http://x\")")).split("\n", 1)[1])
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--format", "xlsx", "-o", "summary.xlsx")
    assert (code, out, err) == (1, "", "")
    _, csv_text, _ = run(capsys, "batch", RULES, "units.csv", "--format", "csv")
    csv_rows = list(csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"))))
    book = openpyxl.load_workbook("summary.xlsx")
    assert book.sheetnames == ["汇总", "审计"]
    sheet = book["汇总"]
    rows = [[cell.value for cell in r] for r in sheet.iter_rows()]
    assert len(rows) == len(csv_rows) == 8
    assert rows[0] == csv_rows[0] == ["排名", "单位", "总分", "等级", "失分最多的指标", "问题"]
    for got, want in zip(rows[1:], csv_rows[1:], strict=True):
        rank, name, total, grade, lost, problems = got
        assert (str(rank) if rank is not None else "") == want[0]
        assert isinstance(rank, (int, type(None))) and isinstance(total, (int, float, type(None)))
        assert (str(total) if total is not None else "") == want[2]
        assert [name, grade or "", lost or "", problems or ""] == [w.removeprefix("'") for w in
                                                                  (want[1], want[3], want[4], want[5])]
    formula_cells = [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert formula_cells == []
    injected = next(c for r in sheet.iter_rows() for c in r if str(c.value).startswith("=HYPERLINK"))
    assert injected.data_type == "s" and injected.quotePrefix
    audit = {r[0].value: r[1].value for r in book["审计"].iter_rows()}
    assert audit["rules_sha256"] == hashlib.sha256(Path(RULES).read_bytes()).hexdigest()
    assert audit["units_sha256"] == hashlib.sha256(Path("units.csv").read_bytes()).hexdigest()
    assert audit["evaluated_at"] == "2026-01-01T00:00:00Z"


def test_xlsx_summary_needs_an_output_file(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL)
    code, out, err = run(capsys, "batch", RULES, "units.csv", "--format", "xlsx")
    assert (code, out) == (2, "")
    assert "add -o FILE.xlsx" in err


# ---- known bugs -----------------------------------------------------------------------------------------


def test_units_whose_names_clean_to_the_same_file_keep_separate_documents(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", table(row("甲/乙"), row("甲_乙", {"公益性岗位补贴人数": "120 人"})))
    run(capsys, "batch", RULES, "units.csv", "--out", "results")
    _, out, _ = run(capsys, "batch", RULES, "units.csv", "--out", "results", "--resume", "--format", "json")
    totals = {u["unit"]: u.get("total") for u in json_of(out)["units"]}  # type: ignore[attr-defined]
    assert totals == {"甲/乙": 98, "甲_乙": 100}  # today: {"甲/乙": 100, "甲_乙": 100}
    assert len(list(Path("results").iterdir())) == 2  # today: 1


def test_two_facts_files_with_the_same_stem_are_one_unit_too_many() -> None:
    write("units/a.json", json.dumps(SEED, ensure_ascii=False))
    write("units/a.yaml", SEED_FACTS.read_text(encoding="utf-8"))
    report = run_batch(pe.load_rules(RULES), Path("units"))
    assert [o.ok for o in report.outcomes] == [True, False]


def test_the_title_stays_on_one_line_with_short_unit_names(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", table(row("甲"), row("乙")))
    _, out, _ = run(capsys, "batch", RULES, "units.csv")
    assert out.split("\n")[0].rstrip() == f"{TITLE}: 2 units"  # today: `… 2020` then `年度…: 2 units`


def test_text_after_a_closing_quote_is_not_called_an_unclosed_quote() -> None:
    write("units.csv", table(row(SEED_UNIT)).replace('"8,567,111.51 元",', '"8,567,111.51 元" ,', 1))
    (unit,) = read_units(Path("units.csv"))
    assert all("not closed" not in d.message for d in unit.diagnostics)


def test_a_table_not_in_utf8_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    Path("units.csv").write_bytes(SMALL.encode("gb18030"))
    code, out, err = run(capsys, "batch", RULES, "units.csv")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE002]: `units.csv` is not UTF-8 text")
    assert "GBK/GB18030" in err


def test_an_out_folder_that_cannot_be_written_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    write("units.csv", SMALL)
    write("taken", "a file, not a folder\n")
    code, _, _ = run(capsys, "batch", RULES, "units.csv", "--out", "taken/results", "--format", "json")
    assert code == 2  # today: 1, and each of the five units fails with PE003 `… Not a directory`
