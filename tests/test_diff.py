"""`perfeval diff` (docs/cli.md, "perfeval diff: compare two evaluations"): the four command forms, the
perfeval-diff/1 document of `comparison.compare`, matching across two rule versions, the PE009 checks of
result documents read back, usage errors, and the text and JSON outputs."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_support import run

import perfeval_dsl as pe
from perfeval_dsl.comparison import DIFF_FORMAT, compare, read_result_document
from perfeval_dsl.errors import PerfevalError
from perfeval_dsl.report.diff import diff_text
from perfeval_dsl.report.jsondoc import to_json

ROOT = Path(__file__).resolve().parent.parent
RULES = "rules/anning-2020.perfeval"
FACTS = "rules/anning-2020.facts.yaml"
CHANGED = "docs/examples/anning-changed.facts.yaml"
SEED_TEXT = (ROOT / RULES).read_text(encoding="utf-8")
FACTS_TEXT = (ROOT / FACTS).read_text(encoding="utf-8")


pytestmark = pytest.mark.usefixtures("in_repo")


# ---- helpers ---------------------------------------------------------------------------------------------


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@functools.cache
def _evaluation(rules: str, facts: str, rules_text: str) -> dict[str, Any]:
    return pe.evaluate(pe.load_rules(rules, cache=True), pe.load_facts(facts)).to_dict()


def _evaluated(rules: str | Path, facts: str | Path) -> dict[str, Any]:
    """`Result.to_dict()` of the rules and facts (a fresh copy; evaluated once per content)."""
    text = Path(rules).read_text(encoding="utf-8") + "\0" + Path(facts).read_text(encoding="utf-8")
    return copy.deepcopy(_evaluation(str(rules), str(facts), text))


def _diff_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, dict[str, Any]]:
    code, out, err = run(capsys, "diff", *args, "--format", "json")
    assert (code, err) == (0, ""), err
    return out, json.loads(out, parse_float=Decimal)


def _write_result(capsys: pytest.CaptureFixture[str], rules: str, facts: str, target: Path) -> Path:
    code, out, err = run(capsys, "eval", rules, "-f", facts, "--format", "json", "-o", str(target))
    assert (code, out) == (0, ""), err
    return target


def _table_rows(out: str) -> list[str]:
    """The rows of the indicator table of the text output (the table before the summary line), without the
    continuation lines of a cell folded onto two lines."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("indicator "))
    assert set(lines[start + 1].strip()) == {"─"}
    end = next(i for i, line in enumerate(lines) if re.match(r"\d+ changed, \d+ unchanged, ", line))
    return [line.rstrip() for line in lines[start + 2:end] if not line.startswith(" ")]


def _by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for item in document["indicators"]:
        assert item["name"] not in items, f"{item['name']} twice"
        items[item["name"]] = item
    return items


@pytest.fixture
def grade_facts(tmp_path: Path) -> Path:
    """The seed's facts with both surveys worse: 15/25 = 60% scores 4 of 10, 24/30 = 80% scores 6 of 10, so
    98 - 6 - 4 = 88, grade 良."""
    text = _replace(FACTS_TEXT, "公益性岗位问卷满意份数: 25 份", "公益性岗位问卷满意份数: 15 份")
    text = _replace(text, "求职人员问卷满意份数: 30 份", "求职人员问卷满意份数: 24 份")
    path = tmp_path / "grade.facts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _second_version() -> str:
    """The seed's rules, revised: weights moved between two indicators (公益性岗位补贴 2 -> 3, 失业保险稳岗返还户数
    2 -> 1), one threshold changed (提供有效就业岗位数 12000 -> 13000 个), the 二级 group 时效指标 renamed
    时效性指标 (its indicator 补助资金到位率 moves), 引导性培训人数 deleted and 档案管理 added at the end of 数量指标.
    The weights still add up to 100."""
    text = _replace(SEED_TEXT, "indicator 公益性岗位补贴 weight 2 {", "indicator 公益性岗位补贴 weight 3 {")
    text = _replace(text, "score 2 if 公益性岗位补贴人数 >= 109 人 else 0",
                    "score 3 if 公益性岗位补贴人数 >= 109 人 else 0")
    text = _replace(text, "indicator 失业保险稳岗返还户数 weight 2 {", "indicator 失业保险稳岗返还户数 weight 1 {")
    text = _replace(text, "score 2 if 失业保险稳岗返还户数 >= 100 户 else 0",
                    "score 1 if 失业保险稳岗返还户数 >= 100 户 else 0")
    text = _replace(text, "score 2 if 提供有效就业岗位数 >= 12000 个 else 0",
                    "score 2 if 提供有效就业岗位数 >= 13000 个 else 0")
    text, deleted = re.subn(r"    indicator 引导性培训人数 weight 2 \{.*?\n    \}\n", "", text, flags=re.S)
    assert deleted == 1
    text = _replace(text, "  }\n  group 时效指标 weight 2 {", (
        "    indicator 档案管理 weight 2 {\n"
        "      score 2 if 档案转寄份数 >= 100 份 else 0\n"
        "    }\n"
        "  }\n"
        "  group 时效性指标 weight 2 {"))
    return text


@pytest.fixture
def second_rules(tmp_path: Path) -> Path:
    path = tmp_path / "anning-2021.perfeval"
    path.write_text(_second_version(), encoding="utf-8")
    return path


# ---- 1. the four command forms --------------------------------------------------------------------------


def test_documents_form_equals_evaluating_form_byte_for_byte(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    old = _write_result(capsys, RULES, FACTS, tmp_path / "old.json")
    new = _write_result(capsys, RULES, CHANGED, tmp_path / "new.json")
    from_documents, document = _diff_json(capsys, str(old), str(new))
    evaluated, _ = _diff_json(capsys, RULES, "-f", FACTS, "-f", CHANGED)
    assert from_documents == evaluated
    assert document["format"] == "perfeval-diff/1"
    assert document["summary"]["changed"] == 2
    # the text output too
    code, text_documents, _ = run(capsys, "diff", str(old), str(new))
    assert code == 0
    code, text_evaluated, _ = run(capsys, "diff", RULES, "-f", FACTS, "-f", CHANGED)
    assert code == 0
    assert text_documents == text_evaluated


def test_documents_read_back_compare_as_the_api_documents(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    old = _write_result(capsys, RULES, FACTS, tmp_path / "old.json")
    new = _write_result(capsys, RULES, CHANGED, tmp_path / "new.json")
    read_back = compare(read_result_document(old), read_result_document(new))
    in_memory = compare(_evaluated(RULES, FACTS), _evaluated(RULES, CHANGED))
    assert read_back == in_memory
    assert to_json(read_back) == to_json(in_memory)


def test_same_rules_twice_with_one_facts_file_is_no_change(capsys: pytest.CaptureFixture[str]) -> None:
    _, document = _diff_json(capsys, RULES, RULES, "-f", FACTS)
    assert document["summary"] == {"changed": 0, "unchanged": 29, "added": 0, "removed": 0}
    assert document["total_change"] == 0 and document["grade_changed"] is False
    assert document["old"] == document["new"]


def test_two_rule_versions_with_one_facts_file_equals_the_api(capsys: pytest.CaptureFixture[str],
                                                              second_rules: Path) -> None:
    out, _ = _diff_json(capsys, RULES, str(second_rules), "-f", FACTS)
    assert out == to_json(compare(_evaluated(RULES, FACTS), _evaluated(str(second_rules), FACTS)))


def test_both_changed_equals_the_documents_form(capsys: pytest.CaptureFixture[str], second_rules: Path,
                                                tmp_path: Path) -> None:
    old = _write_result(capsys, RULES, FACTS, tmp_path / "old.json")
    new = _write_result(capsys, str(second_rules), CHANGED, tmp_path / "new.json")
    both, document = _diff_json(capsys, RULES, str(second_rules), "-f", FACTS, "-f", CHANGED)
    documents, _ = _diff_json(capsys, str(old), str(new))
    assert both == documents
    assert (document["old"]["rules"], document["old"]["facts"]) == (RULES, FACTS)
    assert (document["new"]["rules"], document["new"]["facts"]) == (str(second_rules), CHANGED)
    # with the same rules on both sides, the four-argument form is the one-rule-file form
    same_rules, _ = _diff_json(capsys, RULES, RULES, "-f", FACTS, "-f", CHANGED)
    one_rule_file, _ = _diff_json(capsys, RULES, "-f", FACTS, "-f", CHANGED)
    assert same_rules == one_rule_file


# ---- 2. compare() ---------------------------------------------------------------------------------------


def test_compare_two_years_of_the_seed() -> None:
    document = compare(_evaluated(RULES, FACTS), _evaluated(RULES, CHANGED))
    assert document["format"] == DIFF_FORMAT == "perfeval-diff/1"
    assert document["summary"] == {"changed": 2, "unchanged": 27, "added": 0, "removed": 0}
    assert document["total_change"] == 0 and isinstance(document["total_change"], Decimal)
    assert document["grade_changed"] is False
    items = _by_name(document)
    assert len(items) == 29
    lost, gained = items["开发公益性岗位"], items["公益性岗位补贴"]
    assert lost["status"] == gained["status"] == "changed"
    assert isinstance(lost["score_change"], Decimal) and lost["score_change"] == Decimal("-2")
    assert isinstance(gained["score_change"], Decimal) and gained["score_change"] == Decimal("2")
    assert (lost["old"]["score"], lost["new"]["score"]) == (2, 0)
    assert (lost["old"]["actual"], lost["new"]["actual"]) == ("211 个", "190 个")
    assert lost["moved"] is False and lost["rule_changed"] is False
    assert all(item["status"] == "unchanged" and item["score_change"] == 0
               for name, item in items.items() if name not in ("开发公益性岗位", "公益性岗位补贴"))
    # the order is the rule file's
    assert [item["name"] for item in document["indicators"]] == [
        item["name"] for item in _evaluated(RULES, CHANGED)["indicators"]]


def test_compare_reports_a_change_of_grade(grade_facts: Path) -> None:
    document = compare(_evaluated(RULES, FACTS), _evaluated(RULES, grade_facts))
    assert (document["old"]["total"], document["new"]["total"]) == (98, 88)
    assert (document["old"]["grade"], document["new"]["grade"]) == ("优", "良")
    assert document["grade_changed"] is True
    assert document["total_change"] == Decimal("-10")
    assert document["summary"] == {"changed": 2, "unchanged": 27, "added": 0, "removed": 0}
    items = _by_name(document)
    assert items["公益性岗位满意度"]["score_change"] == Decimal("-6")
    assert items["求职人员满意度"]["score_change"] == Decimal("-4")
    groups = {group["name"]: group for group in document["groups"]}
    assert groups["部门绩效"]["score_change"] == Decimal("-10")
    assert groups["服务对象满意度指标"]["score_change"] == Decimal("-10")
    assert groups["部门绩效"]["old"] == {"weight": 58, "score": 56}
    assert groups["部门绩效"]["new"] == {"weight": 58, "score": 46}
    assert groups["部门决策"]["score_change"] == 0


def test_compare_identical_inputs() -> None:
    seed = _evaluated(RULES, FACTS)
    document = compare(seed, _evaluated(RULES, FACTS))
    assert document["summary"] == {"changed": 0, "unchanged": 29, "added": 0, "removed": 0}
    assert document["total_change"] == 0 and document["grade_changed"] is False
    assert all(item["status"] == "unchanged" and item["score_change"] == 0 and item["moved"] is False
               and item["rule_changed"] is False for item in document["indicators"])
    assert all(group["score_change"] == 0 for group in document["groups"])
    assert len(document["groups"]) == len(seed["groups"])


EXACT_RULES = """\
total 10
fact 发出: 份
fact 满意: 份
let 满意率 = 满意 / 发出
indicator 满意度 weight 10 {
  score min(weight, weight * 满意率)
}
"""


def test_score_change_is_exact_for_34_digit_scores() -> None:
    rules = pe.parse_rules(EXACT_RULES, filename="exact.perfeval")
    old = pe.evaluate(rules, {"发出": "3 份", "满意": "2 份"}).to_dict()
    new = pe.evaluate(rules, {"发出": "3 份", "满意": "3 份"}).to_dict()
    assert old["total"] == Decimal("6.666666666666666666666666666666667")
    document = compare(old, new)
    exact = Decimal("3.333333333333333333333333333333333")  # 10 - 6.666666666666666666666666666666667
    assert document["indicators"][0]["score_change"] == exact
    assert document["total_change"] == exact


# ---- 3. two versions of the rules -----------------------------------------------------------------------


def test_second_version_is_a_valid_rule_file(second_rules: Path) -> None:
    rules = pe.load_rules(second_rules)
    result = pe.evaluate(rules, pe.load_facts(FACTS)).to_dict()
    assert len(result["indicators"]) == 29
    assert (result["total"], result["max_total"]) == (97, 100)


def test_two_rule_versions_statuses(second_rules: Path) -> None:
    document = compare(_evaluated(RULES, FACTS), _evaluated(second_rules, FACTS))
    assert document["summary"] == {"changed": 2, "unchanged": 26, "added": 1, "removed": 1}
    assert document["total_change"] == Decimal("-1")
    items = _by_name(document)

    removed = items["引导性培训人数"]
    assert removed["status"] == "removed" and removed["new"] is None
    assert removed["old"]["path"] == ["部门绩效", "数量指标"]
    assert "moved" not in removed and "score_change" not in removed and "rule_changed" not in removed

    added = items["档案管理"]
    assert added["status"] == "added" and added["old"] is None
    assert added["new"]["path"] == ["部门绩效", "数量指标"]
    assert added["new"]["rule"] == "2 if 档案转寄份数 >= 100 份 else 0"

    moved = items["补助资金到位率"]
    assert moved["status"] == "unchanged" and moved["moved"] is True
    assert moved["old"]["path"] == ["部门绩效", "时效指标"]
    assert moved["new"]["path"] == moved["path"] == ["部门绩效", "时效性指标"]
    assert moved["rule_changed"] is False and moved["score_change"] == 0

    threshold = items["提供有效就业岗位数"]
    assert threshold["status"] == "unchanged" and threshold["rule_changed"] is True
    assert "12000 个" in threshold["old"]["rule"] and "13000 个" in threshold["new"]["rule"]
    assert threshold["moved"] is False

    heavier = items["公益性岗位补贴"]  # 0 of 2 -> 0 of 3: the weight alone changed
    assert heavier["status"] == "changed" and heavier["score_change"] == 0
    assert (heavier["old"]["weight"], heavier["new"]["weight"]) == (2, 3)
    assert heavier["rule_changed"] is True

    lighter = items["失业保险稳岗返还户数"]
    assert lighter["status"] == "changed" and lighter["score_change"] == Decimal("-1")
    assert (lighter["old"]["weight"], lighter["new"]["weight"]) == (2, 1)

    untouched = items["职能设置明确性"]
    assert (untouched["status"], untouched["moved"], untouched["rule_changed"]) == ("unchanged", False, False)


def test_two_rule_versions_order(second_rules: Path) -> None:
    new = _evaluated(second_rules, FACTS)
    document = compare(_evaluated(RULES, FACTS), new)
    expected = [item["name"] for item in new["indicators"]]
    expected.insert(expected.index("转移培训人数") + 1, "引导性培训人数")  # after its old neighbour
    assert [item["name"] for item in document["indicators"]] == expected
    assert len(expected) == 30
    group_names = [group["name"] for group in document["groups"]]
    # the removed group right after its old predecessor (数量指标), before the group that replaced it
    assert (group_names.index("数量指标") + 1 == group_names.index("时效指标") < group_names.index("时效性指标")
            < group_names.index("社会效益"))
    groups = {group["name"]: group for group in document["groups"]}
    assert groups["时效指标"]["new"] is None and groups["时效指标"]["score_change"] is None
    assert groups["时效指标"]["old"] == {"weight": 2, "score": 2}
    assert groups["时效性指标"]["old"] is None and groups["时效性指标"]["new"] == {"weight": 2, "score": 2}


def test_two_rule_versions_text(capsys: pytest.CaptureFixture[str], second_rules: Path) -> None:
    code, out, err = run(capsys, "diff", RULES, str(second_rules), "-f", FACTS)
    assert (code, err) == (0, "")
    rows = {row.split()[0]: row for row in _table_rows(out)}
    assert set(rows) == {"提供有效就业岗位数", "公益性岗位补贴", "失业保险稳岗返还户数", "引导性培训人数", "档案管理",
                         "补助资金到位率"}
    assert rows["提供有效就业岗位数"].endswith("rule changed")
    assert rows["公益性岗位补贴"].endswith("rule changed; weight changed")
    assert rows["失业保险稳岗返还户数"].split()[1:8] == ["2", "/", "2", "1", "/", "1", "-1"]
    assert rows["引导性培训人数"].endswith("removed")
    assert rows["档案管理"].endswith("added")
    assert rows["补助资金到位率"].endswith("moved from 部门绩效 › 时效指标")
    assert "1 changed" not in out and "2 changed, 26 unchanged, 1 added, 1 removed" in out
    assert "total 98 → 97  (-1)   grade 优 → 优" in out


def test_removed_indicator_follows_its_old_neighbour_when_that_moved() -> None:
    def document(items: list[tuple[list[str], str]]) -> dict[str, Any]:
        indicators = [{"name": name, "path": path, "weight": Decimal(1), "score": Decimal(1)} for path, name in items]
        return {"total": Decimal(len(items)), "max_total": Decimal(len(items)), "grade": "优", "groups": [],
                "indicators": indicators}

    # old: 甲 { A, X }, 乙 { B }; new: 乙 { B, A }: A moved after B, X was removed
    old = document([(["甲"], "A"), (["甲"], "X"), (["乙"], "B")])
    new = document([(["乙"], "B"), (["乙"], "A")])
    changes = compare(old, new)["indicators"]
    assert [(item["name"], item["status"]) for item in changes] == [
        ("B", "unchanged"), ("A", "unchanged"), ("X", "removed")]


# ---- 4. matching by name alone --------------------------------------------------------------------------


def _tiny_rules(groups: dict[str, list[str]]) -> str:
    lines = [f"total {sum(len(names) for names in groups.values())}", "fact n: 个"]
    for group, names in groups.items():
        lines.append(f'group "{group}" weight {len(names)} {{')
        lines.extend(f'  indicator "{name}" weight 1 {{ score 1 if n >= 1 个 else 0 }}' for name in names)
        lines.append("}")
    return "\n".join(lines) + "\n"


def _tiny(groups: dict[str, list[str]]) -> dict[str, Any]:
    rules = pe.parse_rules(_tiny_rules(groups), filename="tiny.perfeval")
    return pe.evaluate(rules, {"n": "1 个"}).to_dict()


def test_a_name_on_two_groups_is_not_matched_by_name_alone() -> None:
    old = _tiny({"社会效益": ["满意度", "独有"], "服务对象": ["满意度"]})
    new = _tiny({"效益指标": ["满意度", "独有"], "满意度指标": ["满意度"]})
    document = compare(old, new)
    statuses = [(item["name"], item["path"], item["status"]) for item in document["indicators"]]
    assert ("满意度", ["效益指标"], "added") in statuses
    assert ("满意度", ["满意度指标"], "added") in statuses
    assert ("满意度", ["社会效益"], "removed") in statuses
    assert ("满意度", ["服务对象"], "removed") in statuses
    assert document["summary"] == {"changed": 0, "unchanged": 1, "added": 2, "removed": 2}
    unique = next(item for item in document["indicators"] if item["name"] == "独有")
    assert unique["status"] == "unchanged" and unique["moved"] is True
    assert (unique["old"]["path"], unique["new"]["path"]) == (["社会效益"], ["效益指标"])


def test_a_name_unique_on_one_side_only_is_not_matched() -> None:
    old = _tiny({"甲": ["满意度"], "乙": ["其他"]})
    new = _tiny({"丙": ["满意度"], "丁": ["满意度", "其他"]})
    document = compare(old, new)
    assert document["summary"] == {"changed": 0, "unchanged": 1, "added": 2, "removed": 1}
    assert not any(item.get("moved") for item in document["indicators"] if item["name"] == "满意度")
    assert next(item for item in document["indicators"] if item["name"] == "其他")["moved"] is True
    # and the other way round
    document = compare(new, old)
    assert document["summary"] == {"changed": 0, "unchanged": 1, "added": 1, "removed": 2}


def test_name_matching_on_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    old, new, facts = tmp_path / "old.perfeval", tmp_path / "new.perfeval", tmp_path / "facts.yaml"
    old.write_text(_tiny_rules({"甲": ["满意度"], "乙": ["满意度"]}), encoding="utf-8")
    new.write_text(_tiny_rules({"丙": ["满意度"], "丁": ["满意度"]}), encoding="utf-8")
    facts.write_text("n: 1 个\n", encoding="utf-8")
    code, out, err = run(capsys, "diff", str(old), str(new), "-f", str(facts))
    assert (code, err) == (0, "")
    assert "moved from" not in out
    # removed first: the first had no predecessor, the second follows it
    assert [row.split()[-1] for row in _table_rows(out)] == ["removed", "removed", "added", "added"]


# ---- 5. files that are not result documents (PE009) ---------------------------------------------------------


def _assert_pe009(capsys: pytest.CaptureFixture[str], path: Path, other: Path) -> str:
    for args in ((str(path), str(other)), (str(other), str(path))):
        code, out, err = run(capsys, "diff", *args)
        assert (code, out) == (2, "")
        assert err.startswith("error[PE009]: "), err[:300]
        assert "Traceback" not in err and "internal error" not in err
    with pytest.raises(PerfevalError) as raised:
        read_result_document(path)
    assert [d.code for d in raised.value.errors] == ["PE009"]
    return err


@pytest.fixture
def seed_document() -> Path:
    """The seed's result document as `perfeval eval --format json` writes it (tests/test_cli.py checks that)."""
    return ROOT / "tests/golden/anning-2020.json"


def test_not_json_points_at_the_place(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      seed_document: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "format": "perfeval-result/1",\n  oops\n}\n', encoding="utf-8")
    err = _assert_pe009(capsys, bad, seed_document)
    assert err.startswith(f"error[PE009]: `{bad}` is not JSON: Expecting property name enclosed in double quotes\n"
                          f"  --> {bad}:3:3\n")
    assert "3 |   oops\n  |   ^ here\n" in err
    with pytest.raises(PerfevalError) as raised:
        read_result_document(bad)
    assert raised.value.errors[0].location == f"{bad}:3:3"


def test_a_check_document_is_not_a_result(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          seed_document: Path) -> None:
    code, out, _ = run(capsys, "check", RULES, "--format", "json")
    assert code == 0 and json.loads(out)["format"] == "perfeval-check/1"
    check = tmp_path / "check.json"
    check.write_text(out, encoding="utf-8")
    err = _assert_pe009(capsys, check, seed_document)
    assert "is a `perfeval-check/1` document; `perfeval diff` compares `perfeval-result/1` documents" in err


def _edited(seed: Path, edit: str) -> str:
    text = seed.read_text(encoding="utf-8")
    document = json.loads(text)
    if edit == "no indicators":
        del document["indicators"]
    elif edit == "indicator without score":
        del document["indicators"][3]["score"]
    elif edit == "indicator score text":
        document["indicators"][0]["score"] = "3"
    elif edit == "path of numbers":
        document["indicators"][0]["path"] = [1, 2]
    elif edit == "not an object":
        document = [document]
    else:
        raise AssertionError(edit)
    return json.dumps(document, ensure_ascii=False)


@pytest.mark.parametrize("edit, message", [
    ("no indicators", "`indicators` is missing or not a list"),
    ("indicator without score", "indicator 4: `score` is missing or not a number"),
    ("indicator score text", "indicator 1: `score` is missing or not a number"),
    ("path of numbers", "indicator 1: `path` holds something other than names"),
    ("not an object", "is JSON, but not a perfeval result"),
])
def test_incomplete_documents(capsys: pytest.CaptureFixture[str], tmp_path: Path, seed_document: Path,
                              edit: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(_edited(seed_document, edit), encoding="utf-8")
    err = _assert_pe009(capsys, bad, seed_document)
    assert message in err


@pytest.mark.parametrize("old, new", [
    ('"total": 98,', '"total": 1e999999999,'),
    ('"total": 98,', '"total": -1e-999999999,'),
    ('"total": 98,', '"total": NaN,'),
    ('"total": 98,', '"total": Infinity,'),
    ('"total": 98,', '"total": ' + "9" * 5000 + ","),
    ('"weight": 3,', '"weight": 1e999999999,'),  # the first group's
])
def test_numbers_no_evaluation_writes(capsys: pytest.CaptureFixture[str], tmp_path: Path, seed_document: Path,
                                      old: str, new: str) -> None:
    text = seed_document.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    err = _assert_pe009(capsys, bad, seed_document)
    assert "is not a complete result document" in err


def test_a_score_of_1e999999999(capsys: pytest.CaptureFixture[str], tmp_path: Path, seed_document: Path) -> None:
    document = json.loads(seed_document.read_text(encoding="utf-8"))
    text = json.dumps(document, ensure_ascii=False, indent=2)
    marker = '"score": 3,'
    at = text.index('"name": "职能设置明确性"')
    bad = tmp_path / "bad.json"
    bad.write_text(text[:at] + text[at:].replace(marker, '"score": 1e999999999,', 1), encoding="utf-8")
    err = _assert_pe009(capsys, bad, seed_document)
    assert "`score` is 1E+999999999, not a number an evaluation writes" in err


@pytest.mark.parametrize("text", ["[" * 100000, '{"a": ' * 100000, ""])
def test_deeply_nested_or_empty_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, seed_document: Path,
                                     text: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    err = _assert_pe009(capsys, bad, seed_document)
    assert "is not JSON" in err


def test_a_missing_file_is_pe001(capsys: pytest.CaptureFixture[str], tmp_path: Path, seed_document: Path) -> None:
    missing = tmp_path / "missing.json"
    code, out, err = run(capsys, "diff", str(missing), str(seed_document))
    assert (code, out) == (2, "")
    assert err.startswith(f"error[PE001]: there is no file `{missing}`\n")
    code, out, err = run(capsys, "diff", RULES, "-f", FACTS, "-f", "rules/none.facts.yaml")
    assert (code, out) == (2, "")
    assert err.startswith("error[PE001]: there is no file `rules/none.facts.yaml`\n")


# ---- 6. usage errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["OLD.json"],                                     # one document
    [RULES],                                          # one rule file, no facts
    [RULES, "-f", FACTS],                             # one side only
    [RULES, RULES],                                   # two rule files, no facts
    [RULES, "-f", FACTS, "-f", FACTS, "-f", FACTS],  # three facts
    [RULES, RULES, RULES, "-f", FACTS],               # three rule files
    ["OLD.json", RULES, "-f", FACTS],                 # a document mixed with a rule file
    [RULES, "NEW.json", "-f", FACTS],
    ["OLD.json", "NEW.json", "-f", FACTS],            # documents and facts
    [],
])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, seed_document: Path,
                             args: list[str]) -> None:
    args = [str(seed_document) if arg in ("OLD.json", "NEW.json") else arg for arg in args]
    code, out, err = run(capsys, "diff", *args)
    assert (code, out) == (2, "")
    assert "Error" in err and "Traceback" not in err
    if args:
        assert "give two result documents (OLD.json NEW.json), or rule files and facts" in err


# ---- 7. text output -------------------------------------------------------------------------------------


def test_text_shows_only_the_changed_rows(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", RULES, "-f", FACTS, "-f", CHANGED)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["old", RULES, "·", FACTS, "98", "/", "100", "优"]
    assert lines[1].split() == ["new", RULES, "·", CHANGED, "98", "/", "100", "优"]
    assert lines[2] == "total 98 → 98  (±0)   grade 优 → 优"
    rows = _table_rows(out)
    assert [row.split()[:8] for row in rows] == [
        ["开发公益性岗位", "2", "/", "2", "0", "/", "2", "-2"],
        ["公益性岗位补贴", "0", "/", "2", "2", "/", "2", "+2"],
    ]
    assert rows[0].endswith("211 个 → 190 个")
    assert rows[1].endswith("95 人（平均每月 95 人左右） → 112 人")
    assert "2 changed, 27 unchanged, 0 added, 0 removed" in lines
    subtotals = lines[lines.index("2 changed, 27 unchanged, 0 added, 0 removed") + 2:]
    assert subtotals[0].split() == ["一级指标", "old", "new", "change"]
    assert [line.split() for line in subtotals[2:]] == [
        ["部门决策", "17", "/", "17", "17", "/", "17", "±0"],
        ["部门管理", "25", "/", "25", "25", "/", "25", "±0"],
        ["部门绩效", "56", "/", "58", "56", "/", "58", "±0"],
    ]


def test_text_all_lists_every_indicator(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", RULES, "-f", FACTS, "-f", CHANGED, "--all")
    assert code == 0
    rows = _table_rows(out)
    assert len(rows) == 29
    names = [item["name"] for item in _evaluated(RULES, FACTS)["indicators"]]
    assert [row.split()[0] for row in rows] == names


def test_text_of_identical_evaluations_has_no_indicator_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", RULES, "-f", FACTS, "-f", FACTS)
    assert code == 0
    assert not any(line.startswith("indicator ") for line in out.splitlines())
    assert "0 changed, 29 unchanged, 0 added, 0 removed" in out.splitlines()


def test_grade_change_in_text(capsys: pytest.CaptureFixture[str], grade_facts: Path) -> None:
    code, out, _ = run(capsys, "diff", RULES, "-f", FACTS, "-f", str(grade_facts))
    assert code == 0
    assert out.splitlines()[2] == "total 98 → 88  (-10)   grade 优 → 良"


MARKUP_RULES = """\
total 4
fact n: 个
group "[bold]组" weight 4 {
  indicator "[red]x[/red]" weight 2 {
    score 2 if n >= 2 个 else 0
  }
  indicator "[/bold]" weight 2 {
    score 2 if n >= 2 个 else 0
  }
}
"""


def test_rich_markup_in_names_is_printed_literally(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules, old, new = tmp_path / "markup.perfeval", tmp_path / "old.yaml", tmp_path / "new.yaml"
    rules.write_text(MARKUP_RULES, encoding="utf-8")
    old.write_text("n: 1 个\n", encoding="utf-8")
    new.write_text("n: 2 个\n", encoding="utf-8")
    code, out, err = run(capsys, "diff", str(rules), "-f", str(old), "-f", str(new))
    assert (code, err) == (0, "")
    assert [row.split()[0] for row in _table_rows(out)] == ["[red]x[/red]", "[/bold]"]
    assert any(line.split()[:1] == ["[bold]组"] for line in out.splitlines())


def _document_with_names(seed: Path, first_name: str, group_name: str) -> dict[str, Any]:
    document = read_result_document(seed)
    document["indicators"][0]["name"] = first_name
    document["groups"][0]["name"] = group_name
    return document


def test_markup_and_escape_from_a_json_document(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                seed_document: Path) -> None:
    name = "\x1b[31m[red]红[/red]\x1b[0m"
    old = json.loads(seed_document.read_text(encoding="utf-8"))
    new = json.loads(seed_document.read_text(encoding="utf-8"))
    for document in (old, new):
        document["indicators"][0]["name"] = name
        document["groups"][0]["name"] = "组\x1b]0;title\x07"
    new["indicators"][0]["score"] = 0
    new["indicators"][0]["actual"] = "不清晰\x1b[2J"
    new["grade"] = "优\x1b[5m"
    paths = tmp_path / "old.json", tmp_path / "new.json"
    for path, document in zip(paths, (old, new), strict=True):
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "diff", *map(str, paths))
    assert (code, err) == (0, "")
    assert "\x1b" not in out and "\x07" not in out
    rows = _table_rows(out)
    assert len(rows) == 1
    assert rows[0].startswith("␛[31m[red]红[/red]␛[0m ")
    assert rows[0].endswith("清晰合理 → 不清晰␛[2J")
    assert "grade 优 → 优␛[5m" in out
    assert any(line.startswith("组␛]0;title␇ ") for line in out.splitlines())
    # the JSON output keeps the names as they are, escaped by JSON
    code, out, _ = run(capsys, "diff", *map(str, paths), "--format", "json")
    assert code == 0 and "\x1b" not in out
    assert json.loads(out)["indicators"][0]["name"] == name


def test_diff_text_escapes_control_characters(seed_document: Path) -> None:
    old = _document_with_names(seed_document, "a\x1bb", "[bold]g")
    new = _document_with_names(seed_document, "a\x1bb", "[bold]g")
    new["indicators"][0]["score"] = Decimal(1)
    text = diff_text(compare(old, new))
    assert "\x1b" not in text and "a␛b" in text and "[bold]g" in text
    everything = diff_text(compare(old, new), show_all=True, width=200)
    assert len(_table_rows(everything)) == 29


# ---- 8. --format json -----------------------------------------------------------------------------------


SIDE_FIELDS = {"rules", "facts", "rules_sha256", "facts_sha256", "total", "max_total", "grade"}
INDICATOR_SIDE_FIELDS = {"path", "weight", "score", "actual", "rule", "fired"}


def test_json_output_has_the_documented_fields(capsys: pytest.CaptureFixture[str], second_rules: Path) -> None:
    _, document = _diff_json(capsys, RULES, str(second_rules), "-f", FACTS, "-f", CHANGED)
    assert set(document) == {"format", "old", "new", "total_change", "grade_changed", "summary", "groups",
                             "indicators"}
    assert document["format"] == "perfeval-diff/1"
    for side, rules, facts in (("old", RULES, FACTS), ("new", str(second_rules), CHANGED)):
        assert set(document[side]) == SIDE_FIELDS
        assert document[side]["rules"] == rules and document[side]["facts"] == facts
        assert document[side]["rules_sha256"] == hashlib.sha256(Path(rules).read_bytes()).hexdigest()
        assert document[side]["facts_sha256"] == hashlib.sha256(Path(facts).read_bytes()).hexdigest()
        assert document[side]["max_total"] == 100 and document[side]["grade"] == "优"
    # 失业保险稳岗返还户数 -1, 开发公益性岗位 -2 (190 个), 公益性岗位补贴 +3 (112 人, now of 3)
    assert (document["old"]["total"], document["new"]["total"]) == (98, 98)
    assert document["total_change"] == 0 and document["grade_changed"] is False
    assert document["summary"] == {"changed": 3, "unchanged": 25, "added": 1, "removed": 1}
    for group in document["groups"]:
        assert set(group) == {"name", "path", "old", "new", "score_change"}
        for side in ("old", "new"):
            assert group[side] is None or set(group[side]) == {"weight", "score"}
    statuses = set()
    for item in document["indicators"]:
        statuses.add(item["status"])
        if item["status"] in ("added", "removed"):
            assert set(item) == {"name", "path", "status", "old", "new"}
            assert (item["old"] is None) == (item["status"] == "added")
            assert (item["new"] is None) == (item["status"] == "removed")
        else:
            assert set(item) == {"name", "path", "status", "moved", "score_change", "rule_changed", "old", "new"}
            assert item["score_change"] == item["new"]["score"] - item["old"]["score"]
            assert item["status"] == ("changed" if (item["old"]["score"], item["old"]["weight"])
                                      != (item["new"]["score"], item["new"]["weight"]) else "unchanged")
        for side in ("old", "new"):
            assert item[side] is None or set(item[side]) == INDICATOR_SIDE_FIELDS
    assert statuses == {"changed", "unchanged", "added", "removed"}
    fired = _by_name(document)["开发公益性岗位"]["old"]["fired"]
    assert fired["kind"] == "tier" and fired["index"] == 0


def test_json_numbers_are_exact(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rules, old, new = tmp_path / "exact.perfeval", tmp_path / "old.yaml", tmp_path / "new.yaml"
    rules.write_text(EXACT_RULES, encoding="utf-8")
    old.write_text("发出: 3 份\n满意: 2 份\n", encoding="utf-8")
    new.write_text("发出: 3 份\n满意: 1 份\n", encoding="utf-8")
    out, document = _diff_json(capsys, str(rules), "-f", str(old), "-f", str(new))
    item = document["indicators"][0]
    assert item["old"]["score"] == Decimal("6.666666666666666666666666666666667")
    assert item["new"]["score"] == Decimal("3.333333333333333333333333333333333")
    assert '"score": 6.666666666666666666666666666666667' in out


def test_json_without_audit_records_has_null_hashes(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    seed_document: Path) -> None:
    document = json.loads(seed_document.read_text(encoding="utf-8"))
    del document["audit"]
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    _, diff = _diff_json(capsys, str(bare), str(seed_document))
    assert (diff["old"]["rules_sha256"], diff["old"]["facts_sha256"]) == (None, None)
    assert diff["old"]["rules"] == RULES
    assert diff["new"]["rules_sha256"] == hashlib.sha256((ROOT / RULES).read_bytes()).hexdigest()
    assert diff["summary"] == {"changed": 0, "unchanged": 29, "added": 0, "removed": 0}
