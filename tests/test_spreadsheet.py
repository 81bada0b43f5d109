"""Facts from Excel workbooks (.xlsx): one unit's key/value sheet for `eval`, a unit table for `batch`.

The workbooks are written with openpyxl in the test's folder, and named relatively, so that locations read
`facts.xlsx[事实]:2:13`. openpyxl saves a formula without a value; a formula with the value Excel would
have saved is written into the sheet's XML by hand (`saved=`), as is the entity bomb.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.errors import PerfevalError, Severity
from perfeval_dsl.units import read_units

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules" / "anning-2020.perfeval")
SEED_FACTS = ROOT / "rules" / "anning-2020.facts.yaml"
SEED_UNIT = "安宁市公共就业和人才服务中心"
HEADER = ["名称", "值", "单位", "说明"]

# Two facts in 人 and a rule using both: small enough to read every message whole.
SMALL_RULES = """\
fact 在岗人数: 人
fact 补贴人数: 人
indicator 公益性岗位补贴 weight 100 {
  score 100 if 补贴人数 >= 在岗人数 else 0
}
"""


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")


@pytest.fixture(scope="module")
def seed_rules() -> pe.Rules:
    return pe.load_rules(RULES)


def workbook(path: str, rows: list[list[Any]], *, title: str = "事实", formats: dict[str, str] | None = None,
             saved: dict[str, str] | None = None) -> str:
    """Write `rows` from A1 on; `formats`: number formats by cell; `saved`: the value Excel saved for a formula
    cell (openpyxl saves none)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for address, number_format in (formats or {}).items():
        sheet[address].number_format = number_format
    book.save(path)
    if saved:
        def with_values(xml: str) -> str:
            for address, value in saved.items():
                xml, count = re.subn(rf'(<c r="{address}"[^>]*><f>[^<]*</f>)<v ?/>', rf"\g<1><v>{value}</v>", xml)
                assert count == 1, f"no formula in {address}"
            return xml
        replace_sheet(path, with_values)
    return path


def replace_sheet(path: str, change: Any) -> None:
    """Rewrite the first sheet's XML of the workbook at `path` with `change(xml) -> xml`."""
    with zipfile.ZipFile(path) as old:
        parts = {name: old.read(name) for name in old.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = change(parts[name].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for part, data in parts.items():
            new.writestr(part, data)


def rules_file(text: str = SMALL_RULES) -> str:
    Path("rules.perfeval").write_text(text, encoding="utf-8")
    return "rules.perfeval"


def first_error(path: str) -> PerfevalError:
    with pytest.raises(PerfevalError) as raised:
        pe.load_facts(path)
    return raised.value


# ---- the seed: the same result from a workbook as from the YAML file ------------------------------------


def seed_rows() -> list[tuple[str, str, str | None]]:
    """(name, value as the YAML file writes it, note) for every fact of the seed."""
    document = yaml.safe_load(SEED_FACTS.read_text(encoding="utf-8"))
    return [(name, str(value["value"]), value.get("note")) if isinstance(value, dict) else (name, str(value), None)
            for name, value in document.items()]


NUMBER = re.compile(r"^(?P<number>[\d,]+(?:\.\d+)?)\s*(?P<unit>\S*)$")


def as_number(text: str) -> Decimal | int | float:
    number = Decimal(text.replace(",", ""))
    return int(number) if number == number.to_integral_value() else float(number)


def seed_workbook(path: str, shape: str) -> str:
    """The seed's facts as a key/value sheet with a header row and the notes in column D.

    text: every value as the YAML writes it (`8,567,111.51 元`), column C empty;
    text-unit-column: numbers as text without their unit (`8,567,111.51`), the unit in column C;
    numbers: number cells with the unit in column C, percentages as text (`4.89%`);
    numbers-percent-format: the same, percentages as number cells formatted 0.00% (0.0489).
    """
    rows: list[list[Any]] = [HEADER]
    formats = {}
    for row_number, (name, value, note) in enumerate(seed_rows(), start=2):
        match = NUMBER.match(value)
        cell: Any = value
        unit = None
        if match and shape != "text":
            if match["unit"] == "%":
                if shape == "numbers-percent-format":
                    cell = as_number(str(Decimal(match["number"]) / 100))
                    formats[f"B{row_number}"] = "0.00%"
            else:
                unit = match["unit"] or None
                cell = match["number"] if shape == "text-unit-column" else as_number(match["number"])
        rows.append([name, cell, unit, note])
    return workbook(path, rows, formats=formats)


def without_facts_name(result: pe.Result) -> dict[str, Any]:
    """The JSON document but for what names the facts file: its name, and its digest in the audit record."""
    document = json.loads(pe.render(result, "json"))
    assert isinstance(document, dict)
    del document["facts"]
    assert document["audit"]["facts_sha256"] == hashlib.sha256(Path(result.facts_name).read_bytes()).hexdigest()
    del document["audit"]["facts"], document["audit"]["facts_sha256"]
    return document


SHAPES = [
    "text",
    "text-unit-column",
    "numbers",
    "numbers-percent-format",
]


@pytest.mark.parametrize("shape", SHAPES)
def test_the_seed_workbook_gives_the_result_of_the_yaml_facts(shape: str, seed_rules: pe.Rules) -> None:
    expected = without_facts_name(pe.evaluate(seed_rules, pe.load_facts(SEED_FACTS)))
    facts = pe.load_facts(seed_workbook("seed.xlsx", shape))
    result = pe.evaluate(seed_rules, facts)
    assert (result.total, result.grade) == (98, "优")
    assert without_facts_name(result) == expected


def test_percentages_as_formatted_numbers_are_read_as_percentages() -> None:
    facts = pe.load_facts(seed_workbook("seed.xlsx", "numbers-percent-format"))
    assert (facts.values["城镇登记失业率"].value, facts.values["补助资金到位率"].value) == ("4.89%", "100%")
    assert facts.values["预算基本支出"].value == "8567111.51 元"
    assert facts.values["项目总数"].value == "24 个"
    assert facts.diagnostics == ()


def test_the_header_row_is_skipped_and_only_the_first_row_can_be_one(seed_rules: pe.Rules) -> None:
    facts = pe.load_facts(workbook("facts.xlsx", [HEADER, ["项目总数", 24, "个"]]))
    assert list(facts.values) == ["项目总数"]
    # without a header, the first row is a fact; a header below it is a fact the rules do not declare
    facts = pe.load_facts(workbook("facts.xlsx", [["项目总数", 24, "个"], HEADER]))
    assert {name: fact.value for name, fact in facts.values.items()} == {"项目总数": "24 个", "名称": "值 单位"}


def test_a_note_is_shown_in_the_trace(capsys: pytest.CaptureFixture[str]) -> None:
    seed_workbook("seed.xlsx", "numbers")
    code, out, err = run(capsys, "eval", RULES, "-f", "seed.xlsx")
    assert (code, err) == (0, "")
    assert "      values    公益性岗位补贴人数 = 95 人   (平均每月 95 人左右)" in out.splitlines()
    assert "facts     seed.xlsx" in out.splitlines()


def test_a_note_beside_an_empty_unit_cell_stays_a_note() -> None:
    facts = pe.load_facts(workbook("facts.xlsx", [HEADER, ["补贴人数", "95 人", None, "平均每月 95 人左右"]]))
    fact = facts.values["补贴人数"]
    assert (fact.value, fact.note) == ("95 人", "平均每月 95 人左右")


# ---- the sheet as text: where a diagnostic points ----------------------------------------------------


def test_a_value_in_words_is_pe402_at_its_cell(capsys: pytest.CaptureFixture[str]) -> None:
    workbook("facts.xlsx", [HEADER, ["在岗人数", 109, "人"], ["补贴人数", "约九十五人"]])
    code, out, err = run(capsys, "eval", rules_file(), "-f", "facts.xlsx")
    assert (code, out) == (1, "")
    assert err == (
        "error[PE402]: `补贴人数` must be a number, but is `约九十五人`\n"
        "  --> facts.xlsx[事实]:3:14\n"
        "  |\n"
        "3 | A3 补贴人数 | B3 约九十五人\n"
        "  |                  ^^^^^^^^^^ not a number\n"
        "  = help: write the number itself, e.g. `100 人`; the report's own wording can be kept as a note beside "
        "it (see \"Facts files\" in docs/language.md)\n"
        "\n"
    )


def test_the_location_names_the_sheet_and_the_line_shows_every_cell_of_the_row() -> None:
    workbook("facts.xlsx", [HEADER, ["在岗人数", 109, "人", "2020 年末"], ["补贴人数", "约九十五", "人", "平均每月"]],
             title="2020年")
    rules = pe.parse_rules(SMALL_RULES)
    with pytest.raises(PerfevalError) as raised:
        pe.evaluate(rules, pe.load_facts("facts.xlsx"))
    (problem,) = raised.value.diagnostics
    assert problem.code == "PE402"
    assert problem.message == "`补贴人数` must be a number, but is `约九十五 人`"  # the value and the unit of C
    assert problem.location == "facts.xlsx[2020年]:3:14"
    assert problem.primary is not None
    assert problem.primary.span.source.line_text(3) == "A3 补贴人数 | B3 约九十五 | C3 人 | D3 平均每月"
    assert problem.primary.span.source.line_text(1) == "A1 名称 | B1 值 | C1 单位 | D1 说明"


def test_a_fact_given_on_two_rows_is_pe406_at_the_second(capsys: pytest.CaptureFixture[str]) -> None:
    workbook("facts.xlsx", [["在岗人数", 109, "人"], ["补贴人数", 95, "人"], ["在岗人数", 120, "人"]])
    code, out, err = run(capsys, "eval", rules_file(), "-f", "facts.xlsx")
    assert (code, out) == (1, "")
    assert err == (
        "error[PE406]: the fact `在岗人数` is given twice\n"
        "  --> facts.xlsx[事实]:3:4\n"
        "  |\n"
        "3 | A3 在岗人数 | B3 120 | C3 人\n"
        "  |    ^^^^^^^^ given again\n"
        "  = help: give each fact one row\n"
        "\n"
    )


# ---- PE410: a number that is a binary fraction; PE411: a formula -------------------------------------


def test_a_float_artefact_is_pe410_with_its_cell(capsys: pytest.CaptureFixture[str]) -> None:
    rules = rules_file("fact 结余率: %\nindicator 资金结余率 weight 100 { score 100 if 结余率 <= 9% else 0 }\n")
    workbook("facts.xlsx", [["名称", "值"], ["结余率", 0.0900000762939453]], formats={"B2": "0.00%"})
    code, out, err = run(capsys, "eval", rules, "-f", "facts.xlsx", "--explain", "off")
    assert code == 0
    assert err == (
        "warning[PE410]: the cell holds 9.00000762939453%, a binary fraction rather than the number typed\n"
        "  --> facts.xlsx[事实]:2:13\n"
        "  |\n"
        "2 | A2 结余率 | B2 9.00000762939453%\n"
        "  |                ^^^^^^^^^^^^^^^^^ inexact\n"
        "  = help: type the number again, or format the column as text, so the value is what the report says; "
        "perfeval reads the cell's shortest exact form\n"
        "\n"
    )
    assert "Total                                                                                0 / 100  -100" \
        in out.splitlines()  # 9.00000762939453% is above 9%: the artefact costs the points


def test_a_float_artefact_without_a_format_and_a_plain_number() -> None:
    facts = pe.load_facts(workbook("facts.xlsx", [["系数", 0.1 + 0.7], ["比例", 0.09]]))
    assert {name: fact.value for name, fact in facts.values.items()} == {
        "系数": Decimal("0.7999999999999999"), "比例": Decimal("0.09")}
    (warning,) = facts.diagnostics
    assert (warning.code, warning.severity, warning.location) == ("PE410", Severity.WARNING, "facts.xlsx[事实]:1:12")
    assert warning.message == "the cell holds 0.7999999999999999, a binary fraction rather than the number typed"


def test_a_formula_is_read_from_its_saved_value_with_pe411() -> None:
    facts = pe.load_facts(workbook("facts.xlsx", [["在岗人数", "=100+9", "人"]], saved={"B1": "109"}))
    assert facts.values["在岗人数"].value == "109 人"
    (warning,) = facts.diagnostics
    assert (warning.code, warning.severity, warning.location) == ("PE411", Severity.WARNING, "facts.xlsx[事实]:1:14")
    assert warning.message == ("the cell holds a formula; perfeval reads the value Excel last saved, and never "
                               "computes a formula")
    assert warning.help == "check that the workbook was saved after its last change (or paste the value)"
    assert warning.primary is not None and warning.primary.span.text == "109"


def test_a_formula_without_a_saved_value_gives_no_fact_and_pe411(capsys: pytest.CaptureFixture[str]) -> None:
    workbook("facts.xlsx", [["在岗人数", 109, "人"], ["补贴人数", "=B1-14", "人"]])  # as openpyxl saves it
    facts = pe.load_facts("facts.xlsx")
    assert list(facts.values) == ["在岗人数"]
    (warning,) = facts.diagnostics
    assert (warning.code, warning.severity, warning.location) == ("PE411", Severity.WARNING, "facts.xlsx[事实]:2:14")
    assert warning.message == ("the cell holds a formula with no saved value, so it gives no fact; perfeval never "
                               "computes a formula")
    assert warning.help == ("open the workbook in Excel and save it (Excel saves each formula's value), or paste "
                            "the value")
    code, out, err = run(capsys, "eval", rules_file(), "-f", "facts.xlsx")
    assert (code, out) == (1, "")
    assert err.startswith("warning[PE411]: the cell holds a formula with no saved value")
    assert "error[PE401]: the facts file `facts.xlsx` does not give `补贴人数`" in err


def test_a_missing_fact_of_a_workbook_is_not_helped_with_yaml() -> None:
    workbook("facts.xlsx", [["在岗人数", 109, "人"]])
    with pytest.raises(PerfevalError) as raised:
        pe.evaluate(pe.parse_rules(SMALL_RULES), pe.load_facts("facts.xlsx"))
    (missing,) = raised.value.diagnostics
    assert missing.code == "PE401"
    assert "补贴人数: 100 人" not in (missing.help or "")


def test_an_array_formula_is_pe411_too() -> None:
    workbook("facts.xlsx", [["在岗人数", "=100+9", "人"]])
    replace_sheet("facts.xlsx", lambda xml: xml.replace("<f>100+9</f><v />",
                                                        '<f t="array" ref="B1">SUM(100,9)</f><v>109</v>'))
    facts = pe.load_facts("facts.xlsx")
    assert facts.values["在岗人数"].value == "109 人"
    assert [d.code for d in facts.diagnostics] == ["PE411"]


# ---- sheets and files that are not facts ---------------------------------------------------------------


def test_an_empty_sheet_gives_no_facts(capsys: pytest.CaptureFixture[str]) -> None:
    workbook("facts.xlsx", [])
    assert pe.load_facts("facts.xlsx").values == {}
    code, out, err = run(capsys, "eval", rules_file(), "-f", "facts.xlsx")
    assert (code, out) == (1, "")
    assert re.findall(r"^error\[(PE\d+)\]: (.*)$", err, re.MULTILINE) == [
        ("PE401", "the facts file `facts.xlsx` does not give `在岗人数`"),
        ("PE401", "the facts file `facts.xlsx` does not give `补贴人数`")]


def test_an_empty_unit_table_is_pe406(capsys: pytest.CaptureFixture[str]) -> None:
    workbook("units.xlsx", [])
    code, out, err = run(capsys, "batch", rules_file(), "units.xlsx")
    assert (code, out) == (1, "")
    assert err == (
        "error[PE406]: `units.xlsx` has an empty first sheet\n"
        "  --> units.xlsx\n"
        "  = help: the first row names the columns: the unit's name, then one fact per column\n"
        "\n"
    )


@pytest.mark.parametrize("command", ["eval", "batch"])
def test_a_file_that_is_not_a_workbook_is_pe406(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path("facts.xlsx").write_bytes(bytes(range(256)) * 40)
    argv = ("eval", rules_file(), "-f", "facts.xlsx") if command == "eval" else ("batch", rules_file(), "facts.xlsx")
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, "")
    assert err == (
        "error[PE406]: `facts.xlsx` is not a workbook perfeval can read: BadZipFile\n"
        "  --> facts.xlsx\n"
        "  = help: save it again from Excel as .xlsx (Excel 工作簿)\n"
        "\n"
    )
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("command", ["eval", "batch"])
def test_a_missing_workbook_is_pe001_exit_2(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("eval", rules_file(), "-f", "nowhere.xlsx") if command == "eval" else ("batch", rules_file(),
                                                                                   "nowhere.xlsx")
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err == (
        "error[PE001]: there is no file `nowhere.xlsx`\n"
        "  --> nowhere.xlsx\n"
        "  = help: check the path; it is taken relative to the current folder\n"
        "\n"
    )


@pytest.mark.parametrize("broken", ["mismatched-tag", "number-that-is-not"])
def test_a_sheet_broken_after_its_first_rows_is_pe406(broken: str, capsys: pytest.CaptureFixture[str]) -> None:
    workbook("facts.xlsx", [["在岗人数", 109, "人"], ["补贴人数", 95, "人"]])
    if broken == "mismatched-tag":
        replace_sheet("facts.xlsx", lambda xml: xml.replace("</sheetData>", '<row r="3"><c r="A3"></sheetData>'))
    else:
        replace_sheet("facts.xlsx", lambda xml: xml.replace("<v>95</v>", "<v>abc</v>"))
    code, out, err = run(capsys, "eval", rules_file(), "-f", "facts.xlsx")
    assert (code, out) == (1, "")
    assert err.startswith("error[PE406]: `facts.xlsx` is not a workbook perfeval can read")


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE worksheet [\n'
    '  <!ENTITY lol "lol">\n'
    + "".join(f'  <!ENTITY lol{level} "{f"&lol{level - 1};" * 10 if level > 1 else "&lol;" * 10}">\n'
              for level in range(1, 10))
    + ']>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:B1"/>'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>在岗人数</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


@pytest.mark.parametrize("command", ["eval", "batch"])
def test_an_entity_bomb_is_refused_not_expanded(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    workbook("bomb.xlsx", [["在岗人数", 109, "人"]])
    replace_sheet("bomb.xlsx", lambda _: BILLION_LAUGHS)  # 10⁹ × "lol" once expanded: 3 GB
    argv = ("eval", rules_file(), "-f", "bomb.xlsx") if command == "eval" else ("batch", rules_file(), "bomb.xlsx")
    started = time.monotonic()
    code, out, err = run(capsys, *argv)
    assert time.monotonic() - started < 5
    assert (code, out) == (1, "")
    assert err.startswith("error[PE406]: `bomb.xlsx` is not a workbook perfeval can read: ")
    assert "lollol" not in err and "Traceback" not in err


# ---- batch: a unit table in a workbook --------------------------------------------------------------------


def unit_rows() -> list[list[str]]:
    names = [name for name, _, _ in seed_rows()]
    seed = {name: value for name, value, _ in seed_rows()}
    changes: dict[str, dict[str, str]] = {
        SEED_UNIT: {},
        "甲单位": {"公益性岗位补贴人数": "120 人"},
        "乙单位": {"公益性岗位问卷满意份数": "20 份", "求职人员问卷满意份数": "24 份", "资产管理制度": "制定未实施"},
        "丙单位": {"公益性岗位补贴人数": "约九十五人"},
        "丁单位": {"城镇登记失业率": "6%", "农村劳动力转移收入": "4000 万元", "部门职能": "不清晰合理"},
    }
    return [["单位名称", *names], *([unit, *({**seed, **change}[name] for name in names)]
                                   for unit, change in changes.items())]


def without_locations(document: dict[str, Any]) -> dict[str, Any]:
    for unit in document["units"]:
        for diagnostic in unit.get("diagnostics", []):
            for field in ("file", "line", "column"):
                diagnostic.pop(field, None)
    return document


def test_batch_over_a_workbook_equals_batch_over_the_same_csv(capsys: pytest.CaptureFixture[str]) -> None:
    rows = unit_rows()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    Path("units.csv").write_text(buffer.getvalue(), encoding="utf-8")
    workbook("units.xlsx", rows)
    code, from_csv, err = run(capsys, "batch", RULES, "units.csv", "--format", "json")
    assert (code, err) == (1, "")
    code, from_xlsx, err = run(capsys, "batch", RULES, "units.xlsx", "--format", "json")
    assert (code, err) == (1, "")
    xlsx_document = json.loads(from_xlsx)
    csv_document = json.loads(from_csv)
    # the audit records name different tables
    assert (xlsx_document.pop("audit")["units"], csv_document.pop("audit")["units"]) == ("units.xlsx", "units.csv")
    assert without_locations(xlsx_document) == without_locations(csv_document)
    assert [(u["unit"], u.get("total")) for u in xlsx_document["units"]] == [
        (SEED_UNIT, 98), ("甲单位", 100), ("乙单位", 88), ("丙单位", None), ("丁单位", 87)]
    (failed,) = [u for u in json.loads(from_xlsx)["units"] if not u["scored"]]
    assert [(d["code"], d["file"], d["line"]) for d in failed["diagnostics"]] == [("PE402", "units.xlsx[事实]", 5)]


def test_batch_over_a_workbook_of_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    rows: list[list[Any]] = [list(row) for row in unit_rows()[:2]]
    formats = {}
    for column, value in enumerate(rows[1][1:], start=2):
        match = NUMBER.match(value)
        if match and match["unit"] == "%":
            rows[1][column - 1] = as_number(str(Decimal(match["number"]) / 100))
            formats[f"{openpyxl.utils.get_column_letter(column)}2"] = "0.00%"
        elif match:  # a bare number is in the declared unit, and every seed number is
            rows[1][column - 1] = as_number(match["number"])
    workbook("units.xlsx", rows, formats=formats)
    code, out, err = run(capsys, "batch", RULES, "units.xlsx", "--format", "json")
    assert (code, err) == (0, "")
    assert [(u["unit"], u["total"], u["grade"]) for u in json.loads(out)["units"]] == [(SEED_UNIT, 98, "优")]


def test_an_empty_cell_of_a_unit_table_leaves_the_next_cells_in_their_columns() -> None:
    workbook("units.xlsx", [["单位名称", "甲", "乙", "丙"], ["一", "1 人", None, "3 人"]])
    (unit,) = read_units(Path("units.xlsx"))
    assert unit.facts is not None
    assert {name: fact.value for name, fact in unit.facts.values.items()} == {"甲": "1 人", "丙": "3 人"}


def test_two_columns_with_one_heading_are_pe406() -> None:
    workbook("units.xlsx", [["单位名称", "在岗人数", "在岗人数"], ["一", "109 人", "95 人"]])
    with pytest.raises(PerfevalError) as raised:
        list(read_units(Path("units.xlsx")))
    assert [d.code for d in raised.value.diagnostics] == ["PE406"]


def test_the_help_names_workbooks(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("eval", "batch"):
        code, out, _ = run(capsys, command, "--help")
        assert code == 0
        assert ".xlsx" in out


def test_a_batch_keeps_a_units_warnings_in_its_document(capsys: pytest.CaptureFixture[str]) -> None:
    rules = rules_file("fact 结余率: %\nindicator 资金结余率 weight 100 { score 100 if 结余率 <= 9% else 0 }\n")
    workbook("units.xlsx", [["单位名称", "结余率"], ["甲单位", 0.0900000762939453]], formats={"B2": "0.00%"})
    code, out, err = run(capsys, "batch", rules, "units.xlsx", "--out", "out", "--format", "json")
    assert (code, err) == (0, "")
    (unit,) = json.loads(out)["units"]  # the summary names a scored unit's warnings too
    assert [(d["code"], d["line"], d["column"]) for d in unit["warnings"]] == [("PE410", 2, 13)]
    document = json.loads(Path("out", "甲单位.json").read_text(encoding="utf-8"))
    assert [(d["code"], d["file"], d["line"], d["column"]) for d in document["diagnostics"]] == [
        ("PE410", "units.xlsx[事实]", 2, 13)]


# ---- a key/value sheet saved as CSV ----------------------------------------------------------------------


def test_the_csv_sheet_of_the_language_reference_gives_the_facts_of_its_workbook(tmp_path: Path) -> None:
    document = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    block = document.split("```csv\n", 1)[1].split("```", 1)[0]
    sheet = tmp_path / "事实.csv"
    sheet.write_bytes(("\ufeff" + block).replace("\n", "\r\n").encode("utf-8"))  # as Excel saves CSV UTF-8
    facts = pe.load_facts(sheet)
    assert {name: (fact.value, fact.note) for name, fact in facts.values.items()} == {
        "预算基本支出": ("8,567,111.51 元", "说明 1"), "城镇登记失业率": ("4.89%", None),
        "资产管理制度": ("制定并实施", None), "公益性岗位补贴人数": ("95 人", "平均每月 95 人左右")}
    assert facts.sha256 == hashlib.sha256(sheet.read_bytes()).hexdigest()
    assert facts.values["公益性岗位补贴人数"].span.location() == f"{sheet}:5:11"


def test_a_csv_sheet_of_the_seed_scores_as_its_yaml(tmp_path: Path, seed_rules: pe.Rules) -> None:
    import yaml

    rows = ["名称,值,单位,备注"]
    for name, value in yaml.safe_load(SEED_FACTS.read_text(encoding="utf-8")).items():
        text, note = (value["value"], value.get("note", "")) if isinstance(value, dict) else (value, "")
        rows.append(f'{name},"{text}",,{note}')
    sheet = tmp_path / "seed.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert without_facts_name(pe.evaluate(seed_rules, pe.load_facts(sheet))) == without_facts_name(
        pe.evaluate(seed_rules, pe.load_facts(SEED_FACTS)))


def test_a_csv_sheet_with_a_fact_given_twice_or_an_unclosed_quote_is_refused(tmp_path: Path) -> None:
    sheet = tmp_path / "f.csv"
    sheet.write_text("项目总数,24,个\n项目总数,25,个\n", encoding="utf-8")
    with pytest.raises(PerfevalError) as raised:
        pe.load_facts(sheet)
    (problem,) = raised.value.diagnostics
    assert (problem.code, problem.message, problem.location) == ("PE406", "the fact `项目总数` is given twice",
                                                                  f"{sheet}:2:1")
    sheet.write_text('项目总数,"24\n', encoding="utf-8")
    with pytest.raises(PerfevalError) as raised:
        pe.load_facts(sheet)
    assert [(d.code, d.location) for d in raised.value.diagnostics] == [("PE406", f"{sheet}:1:6")]


def test_an_empty_cell_in_the_middle_of_a_row_is_a_value_not_given(tmp_path: Path) -> None:
    from perfeval_dsl.units import read_units

    facts = pe.load_facts(workbook(str(tmp_path / "f.xlsx"), [
        ["名称", "值", "单位", "备注"], ["公益性岗位补贴人数", 95, None, "平均每月 95 人左右"]]))
    fact = facts.values["公益性岗位补贴人数"]
    assert (fact.value, fact.note) == (Decimal(95), "平均每月 95 人左右")  # the note stays a note
    table = workbook(str(tmp_path / "u.xlsx"), [["单位", "项目总数", "设定指标体系的项目数", "部门职能"],
                                                 ["甲", 24, None, "清晰合理"]])
    (unit,) = read_units(Path(table))
    assert unit.facts is not None
    assert {name: fact.value for name, fact in unit.facts.values.items()} == {"项目总数": Decimal(24),
                                                                             "部门职能": "清晰合理"}
