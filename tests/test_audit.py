"""The audit record of every result: the SHA-256 of the rule file and of the facts, the perfeval version and the
time of evaluation, in the JSON document and at the end of the trace.

Every digest is compared with `hashlib.sha256` of the file's bytes, as `sha256sum` gives them: a byte-order mark
and CRLF line ends are part of the file. conftest.py fixes the time (`SOURCE_DATE_EPOCH`, 2026-01-01T00:00:00Z);
the tests of the real clock unset it.
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import json
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.evaluation import evaluation_time
from perfeval_dsl.units import read_units

ROOT = Path(__file__).resolve().parent.parent
SEED_RULES = "rules/anning-2020.perfeval"
SEED_FACTS = "rules/anning-2020.facts.yaml"
FIXED = "2026-01-01T00:00:00Z"  # SOURCE_DATE_EPOCH=1767225600, set by conftest.py
NOT_A_FILE = "(not read from a file)"

# Two facts in 人 and one rule: small, so that every test is quick.
RULES = """\
fact 在岗人数: 人
fact 补贴人数: 人
indicator 公益性岗位补贴 weight 100 {
  score 100 if 补贴人数 >= 在岗人数 else 0
}
"""
FACTS = {
    "yaml": "在岗人数: 3 人\n补贴人数: 4 人\n",
    "toml": '"在岗人数" = "3 人"\n"补贴人数" = "4 人"\n',
    "json": '{\n  "在岗人数": "3 人",\n  "补贴人数": "4 人"\n}\n',
}
AUDIT_FIELDS = ["perfeval_version", "evaluated_at", "rules", "rules_sha256", "facts", "facts_sha256"]


pytestmark = pytest.mark.usefixtures("in_repo")


def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def encoded(text: str, *, bom: bool = False, crlf: bool = False) -> bytes:
    """`text` as a file's bytes: UTF-8, optionally with the byte-order mark and CRLF line ends Windows tools write."""
    data = (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")
    return codecs.BOM_UTF8 + data if bom else data


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def workbook(path: Path, rows: list[list[Any]]) -> Path:
    """A workbook whose first sheet holds `rows` from A1 on (as tests/test_spreadsheet.py writes them)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "事实"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def document(text: str) -> dict[str, Any]:
    parsed = json.loads(text)
    assert isinstance(parsed, dict)
    return parsed


def clock_bounds(action: Any) -> tuple[datetime.datetime, Any, datetime.datetime]:
    """The clock just before and just after `action()`, and what it returned."""
    before = datetime.datetime.now(datetime.UTC)
    value = action()
    after = datetime.datetime.now(datetime.UTC)
    return before, value, after


# ---- the rule file's digest ---------------------------------------------------------------------------------

VARIANTS = [
    pytest.param({}, id="lf"),
    pytest.param({"bom": True}, id="bom"),
    pytest.param({"crlf": True}, id="crlf"),
    pytest.param({"bom": True, "crlf": True}, id="bom-crlf"),
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_rules_digest_is_the_sha256_of_the_file_bytes(tmp_path: Path, variant: dict[str, bool]) -> None:
    path = write(tmp_path / "rules.perfeval", encoded(RULES, **variant))
    rules = pe.load_rules(path)
    assert rules.program.source.file_sha256 == rules.program.source.sha256 == sha256_of(path)
    audit = pe.evaluate(rules, {"在岗人数": "3 人", "补贴人数": "4 人"}).audit
    assert (audit.rules, audit.rules_sha256) == (str(path), sha256_of(path))


def test_bom_and_line_ends_change_the_digest_but_not_the_score(tmp_path: Path) -> None:
    results = []
    for index, variant in enumerate([{}, {"bom": True}, {"crlf": True}, {"bom": True, "crlf": True}]):
        path = write(tmp_path / f"rules{index}.perfeval", encoded(RULES, **variant))
        results.append(pe.evaluate(pe.load_rules(path), {"在岗人数": "3 人", "补贴人数": "2 人"}))
    assert {(r.total, r.grade) for r in results} == {(Decimal(0), "差")}
    assert len({r.audit.rules_sha256 for r in results}) == 4
    # only the plain file has the digest of its text
    assert results[0].audit.rules_sha256 == hashlib.sha256(RULES.encode("utf-8")).hexdigest()


def test_rules_given_as_text_have_the_digest_of_their_utf8_text() -> None:
    rules = pe.parse_rules(RULES, filename="given.perfeval")
    assert rules.program.source.file_sha256 is None
    assert rules.program.source.sha256 == hashlib.sha256(RULES.encode("utf-8")).hexdigest()
    audit = pe.evaluate(rules, {"在岗人数": "3 人", "补贴人数": "4 人"}).audit
    assert (audit.rules, audit.rules_sha256) == ("given.perfeval", hashlib.sha256(RULES.encode("utf-8")).hexdigest())


@pytest.mark.parametrize("first_bom", [False, True], ids=["plain-then-bom", "bom-then-plain"])
def test_a_cache_hit_keeps_the_digest_of_the_file_just_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            first_bom: bool) -> None:
    # a name no other test uses, so the first load is a miss whatever ran before in this session
    path = tmp_path / f"cached-{first_bom}.perfeval"
    write(path, encoded(RULES, bom=first_bom))
    first = pe.load_rules(path, cache=True)
    first_digest = sha256_of(path)
    assert first.program.source.sha256 == first_digest

    write(path, encoded(RULES, bom=not first_bom))  # the same text, so the same cache entry

    def not_checked_again(source: object) -> object:
        raise AssertionError("the second load should be a cache hit")

    monkeypatch.setattr(pe, "_check", not_checked_again)
    second = pe.load_rules(path, cache=True)
    assert second.program.source.sha256 == sha256_of(path) != first_digest
    result = pe.evaluate(second, {"在岗人数": "3 人", "补贴人数": "4 人"})
    assert result.audit.rules_sha256 == sha256_of(path)
    assert document(pe.render(result, "json"))["audit"]["rules_sha256"] == sha256_of(path)


def test_the_command_line_names_the_file_it_read_through_its_cache(capsys: pytest.CaptureFixture[str],
                                                                   tmp_path: Path) -> None:
    rules = tmp_path / "cli-cached.perfeval"
    facts = write(tmp_path / "facts.yaml", encoded(FACTS["yaml"]))
    digests = []
    for bom in (False, True, False):
        write(rules, encoded(RULES, bom=bom))
        code, out, err = run(capsys, "eval", str(rules), "-f", str(facts), "--format", "json")
        assert (code, err) == (0, "")
        digests.append(document(out)["audit"]["rules_sha256"])
        assert digests[-1] == sha256_of(rules)
    assert digests[0] == digests[2] != digests[1]


# ---- the facts' digest ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [pytest.param({}, id="lf"), pytest.param({"bom": True, "crlf": True},
                                                                              id="bom-crlf")])
@pytest.mark.parametrize("file_format", ["yaml", "toml", "json"])
def test_facts_digest_is_the_sha256_of_the_file_bytes(tmp_path: Path, file_format: str,
                                                      variant: dict[str, bool]) -> None:
    path = write(tmp_path / f"facts.{file_format}", encoded(FACTS[file_format], **variant))
    facts = pe.load_facts(path)
    assert facts.sha256 == sha256_of(path)
    result = pe.evaluate(pe.parse_rules(RULES), facts)
    assert result.total == 100
    assert result.facts_sha256 == result.audit.facts_sha256 == sha256_of(path)
    assert document(pe.render(result, "json"))["audit"]["facts"] == str(path)
    if variant:
        assert sha256_of(path) != hashlib.sha256(FACTS[file_format].encode("utf-8")).hexdigest()


def test_xlsx_facts_digest_is_the_sha256_of_the_workbook(tmp_path: Path) -> None:
    path = workbook(tmp_path / "facts.xlsx", [["名称", "值", "单位", "说明"], ["在岗人数", 3, "人", None],
                                               ["补贴人数", "4 人", None, "平均每月 4 人"]])
    facts = pe.load_facts(path)
    assert facts.sha256 == sha256_of(path)
    result = pe.evaluate(pe.parse_rules(RULES), facts)
    assert result.total == 100
    assert (result.audit.facts, result.audit.facts_sha256) == (str(path), sha256_of(path))


def test_a_csv_unit_table_gives_every_unit_the_tables_digest(tmp_path: Path) -> None:
    table = write(tmp_path / "units.csv", encoded("单位名称,在岗人数,补贴人数\n甲单位,3 人,4 人\n乙单位,3 人,2 人\n",
                                                  bom=True, crlf=True))
    units = list(read_units(table))
    assert [unit.name for unit in units] == ["甲单位", "乙单位"]
    rules = pe.parse_rules(RULES)
    for unit in units:
        assert unit.facts is not None
        assert unit.facts.sha256 == sha256_of(table)
        audit = pe.evaluate(rules, unit.facts).audit
        assert (audit.facts, audit.facts_sha256) == (f"{table} ({unit.name})", sha256_of(table))


def test_an_xlsx_unit_table_gives_every_unit_the_workbooks_digest(tmp_path: Path) -> None:
    table = workbook(tmp_path / "units.xlsx", [["单位名称", "在岗人数", "补贴人数"], ["甲单位", "3 人", "4 人"],
                                               ["乙单位", "3 人", "2 人"]])
    units = list(read_units(table))
    assert [unit.name for unit in units] == ["甲单位", "乙单位"]
    for unit in units:
        assert unit.facts is not None
        assert unit.facts.sha256 == sha256_of(table)


def test_a_folder_of_facts_files_gives_each_unit_its_own_files_digest(tmp_path: Path) -> None:
    folder = tmp_path / "units"
    folder.mkdir()
    write(folder / "甲单位.yaml", encoded(FACTS["yaml"]))
    write(folder / "乙单位.json", encoded(FACTS["json"], bom=True, crlf=True))
    units = {unit.name: unit for unit in read_units(folder)}
    assert set(units) == {"甲单位", "乙单位"}
    assert units["甲单位"].facts is not None and units["乙单位"].facts is not None
    assert units["甲单位"].facts.sha256 == sha256_of(folder / "甲单位.yaml")
    assert units["乙单位"].facts.sha256 == sha256_of(folder / "乙单位.json")


def test_facts_given_as_a_mapping_have_no_digest() -> None:
    assert pe.facts_from_mapping({"在岗人数": "3 人"}).sha256 is None
    result = pe.evaluate(pe.parse_rules(RULES), {"在岗人数": "3 人", "补贴人数": "4 人"})
    assert result.facts_sha256 is None
    assert result.audit.facts_sha256 is None
    assert document(pe.render(result, "json"))["audit"]["facts_sha256"] is None
    assert pe.render(result, "text").rstrip("\n").splitlines()[-1] == f"          facts sha256 {NOT_A_FILE}"


# ---- the record in the JSON document and in the trace ------------------------------------------------------


def test_the_json_document_ends_with_the_audit_record(tmp_path: Path) -> None:
    rules = write(tmp_path / "rules.perfeval", encoded(RULES))
    facts = write(tmp_path / "facts.toml", encoded(FACTS["toml"]))
    result = pe.evaluate(pe.load_rules(rules), pe.load_facts(facts))
    parsed = document(pe.render(result, "json"))
    assert list(parsed)[-1] == "audit"
    assert list(parsed["audit"]) == AUDIT_FIELDS
    assert parsed["audit"] == {
        "perfeval_version": pe.__version__,
        "evaluated_at": FIXED,
        "rules": str(rules),
        "rules_sha256": sha256_of(rules),
        "facts": str(facts),
        "facts_sha256": sha256_of(facts),
    }
    assert parsed["audit"] == result.audit.to_dict()


def test_the_golden_documents_digests_are_those_of_the_shipped_files() -> None:
    golden = document((ROOT / "tests/golden/anning-2020.json").read_text(encoding="utf-8"))
    assert golden["audit"]["rules_sha256"] == sha256_of(SEED_RULES)
    assert golden["audit"]["facts_sha256"] == sha256_of(SEED_FACTS)
    assert golden["audit"]["evaluated_at"] == FIXED


@pytest.mark.parametrize("explain", ["full", "fails", "off"])
def test_the_trace_ends_with_the_audit_lines(capsys: pytest.CaptureFixture[str], explain: str) -> None:
    code, out, err = run(capsys, "eval", SEED_RULES, "-f", SEED_FACTS, "--explain", explain)
    assert (code, err) == (0, "")
    lines = out.rstrip("\n").splitlines()
    assert lines[-5].startswith("Grade 优")
    assert lines[-4:] == [
        "",
        f"audit     perfeval {pe.__version__}, evaluated {FIXED}",
        f"          rules sha256 {sha256_of(SEED_RULES)}",
        f"          facts sha256 {sha256_of(SEED_FACTS)}",
    ]


def test_the_rendered_trace_has_the_same_audit_lines_as_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", SEED_RULES, "-f", SEED_FACTS)
    assert code == 0
    rendered = pe.render(pe.evaluate(pe.load_rules(SEED_RULES), pe.load_facts(SEED_FACTS)), "text")
    assert rendered.rstrip("\n").splitlines()[-4:] == out.rstrip("\n").splitlines()[-4:]


def test_the_trace_of_facts_not_read_from_a_file() -> None:
    result = pe.evaluate(pe.parse_rules(RULES, filename="small.perfeval"), {"在岗人数": "3 人", "补贴人数": "4 人"})
    assert pe.render(result, "text").rstrip("\n").splitlines()[-3:] == [
        f"audit     perfeval {pe.__version__}, evaluated {FIXED}",
        f"          rules sha256 {hashlib.sha256(RULES.encode('utf-8')).hexdigest()}",
        f"          facts sha256 {NOT_A_FILE}",
    ]


# ---- the time of evaluation -----------------------------------------------------------------------------------

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def assert_clock_time(monkeypatch: pytest.MonkeyPatch, epoch: str | None) -> None:
    """With SOURCE_DATE_EPOCH unset (None) or set to `epoch`, the evaluation takes the clock's time."""
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH")
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    rules = pe.parse_rules(RULES)
    before, result, after = clock_bounds(lambda: pe.evaluate(rules, {"在岗人数": "3 人", "补贴人数": "4 人"}))
    evaluated_at = result.evaluated_at
    assert isinstance(evaluated_at, datetime.datetime)
    assert evaluated_at.utcoffset() == datetime.timedelta(0)
    assert before <= evaluated_at <= after
    text = result.audit.evaluated_at_text
    assert ISO_UTC.match(text)
    assert text == evaluated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert document(pe.render(result, "json"))["audit"]["evaluated_at"] == text
    assert f"evaluated {text}" in pe.render(result, "text")


def test_without_source_date_epoch_the_time_is_the_clocks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert_clock_time(monkeypatch, None)


@pytest.mark.parametrize("epoch", ["abc", "", "   ", "-5", "+5", "1e9", "12.5", "0x10", "١٢٣", "１２３",
                                   "99999999999999", "999999999999"])
def test_a_malformed_source_date_epoch_is_ignored(monkeypatch: pytest.MonkeyPatch, epoch: str) -> None:
    assert_clock_time(monkeypatch, epoch)


@pytest.mark.parametrize(("epoch", "text"), [
    ("0", "1970-01-01T00:00:00Z"),
    ("1767225600", FIXED),
    ("1795667400", "2026-11-26T04:30:00Z"),
    ("99999999999", "5138-11-16T09:46:39Z"),  # 11 digits, the most taken
])
def test_source_date_epoch_sets_the_time(monkeypatch: pytest.MonkeyPatch, epoch: str, text: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert evaluation_time() == datetime.datetime.fromisoformat(text)
    result = pe.evaluate(pe.parse_rules(RULES), {"在岗人数": "3 人", "补贴人数": "4 人"})
    assert result.audit.evaluated_at_text == text
    assert document(pe.render(result, "json"))["audit"]["evaluated_at"] == text


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="time.tzset is Unix only")
def test_the_time_is_utc_whatever_the_local_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        result = pe.evaluate(pe.parse_rules(RULES), {"在岗人数": "3 人", "补贴人数": "4 人"})
        assert result.audit.evaluated_at_text == FIXED
        monkeypatch.delenv("SOURCE_DATE_EPOCH")
        result = pe.evaluate(pe.parse_rules(RULES), {"在岗人数": "3 人", "补贴人数": "4 人"})
        assert result.evaluated_at.utcoffset() == datetime.timedelta(0)
        now = datetime.datetime.now(datetime.UTC)
        assert abs(result.evaluated_at - now) < datetime.timedelta(minutes=1)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_same_epoch_gives_byte_identical_documents() -> None:
    rules = pe.load_rules(SEED_RULES)
    first = pe.render(pe.evaluate(rules, pe.load_facts(SEED_FACTS)), "json")
    second = pe.render(pe.evaluate(pe.load_rules(SEED_RULES), pe.load_facts(SEED_FACTS)), "json")
    assert first == second
    assert f'"evaluated_at": "{FIXED}"' in first


def test_the_same_epoch_gives_byte_identical_command_output(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    outputs = []
    for _ in range(2):
        code, out, err = run(capsys, "eval", SEED_RULES, "-f", SEED_FACTS, "--format", "json")
        assert (code, err) == (0, "")
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert f'"evaluated_at": "{FIXED}"' in outputs[0]
    files = []
    for name in ("first.json", "second.json"):
        code, _, _ = run(capsys, "eval", SEED_RULES, "-f", SEED_FACTS, "--format", "json", "-o", str(tmp_path / name))
        assert code == 0
        files.append((tmp_path / name).read_bytes())
    assert files[0] == files[1] == outputs[0].encode("utf-8")


def test_another_epoch_changes_only_the_time(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _, fixed, _ = run(capsys, "eval", SEED_RULES, "-f", SEED_FACTS, "--format", "json")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795667400")
    _, later, _ = run(capsys, "eval", SEED_RULES, "-f", SEED_FACTS, "--format", "json")
    assert later != fixed
    assert later == fixed.replace(FIXED, "2026-11-26T04:30:00Z")


# ---- batch --out ----------------------------------------------------------------------------------------------


def test_batch_out_documents_name_the_tables_digest(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules = write(tmp_path / "rules.perfeval", encoded(RULES, crlf=True))
    table = write(tmp_path / "units.csv", encoded("单位名称,在岗人数,补贴人数\n甲单位,3 人,4 人\n乙单位,3 人,2 人\n",
                                                  bom=True, crlf=True))
    out = tmp_path / "results"
    code, _, err = run(capsys, "batch", str(rules), str(table), "--out", str(out))
    assert (code, err) == (0, "")
    assert sorted(p.name for p in out.iterdir()) == ["乙单位.json", "甲单位.json"]
    for name, total in (("甲单位", 100), ("乙单位", 0)):
        written = document((out / f"{name}.json").read_text(encoding="utf-8"))
        assert written["total"] == total
        assert written["audit"] == {
            "perfeval_version": pe.__version__,
            "evaluated_at": FIXED,
            "rules": str(rules),
            "rules_sha256": sha256_of(rules),
            "facts": f"{table} ({name})",
            "facts_sha256": sha256_of(table),
        }


def test_batch_out_from_a_folder_names_each_files_digest(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "units"
    folder.mkdir()
    write(folder / "甲单位.toml", encoded(FACTS["toml"], crlf=True))
    write(folder / "乙单位.yaml", encoded(FACTS["yaml"], bom=True))
    rules = write(tmp_path / "rules.perfeval", encoded(RULES))
    out = tmp_path / "results"
    code, _, err = run(capsys, "batch", str(rules), str(folder), "--out", str(out))
    assert (code, err) == (0, "")
    for name, suffix in (("甲单位", "toml"), ("乙单位", "yaml")):
        audit = document((out / f"{name}.json").read_text(encoding="utf-8"))["audit"]
        assert audit["facts_sha256"] == sha256_of(folder / f"{name}.{suffix}")
        assert audit["rules_sha256"] == sha256_of(rules)
