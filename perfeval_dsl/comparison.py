"""Two evaluations side by side: what `perfeval diff` compares, as a document (perfeval-diff/1).

The two sides are result documents (`Result.to_dict()`, or a `perfeval eval --format json` file read back):
two years of one unit, or one unit's facts under two versions of the rules. Indicators are matched by their
place and name (一级 › 二级 › name); one that moved to another group is matched by its name alone when that
is unambiguous. Scores are compared exactly, as decimals. Imports `errors`, `facts`, `result`.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from perfeval_dsl.errors import Chinese, PerfevalError, error
from perfeval_dsl.facts import read_text
from perfeval_dsl.result import DOCUMENT_FORMAT
from perfeval_dsl.values import CONTEXT

DIFF_FORMAT = "perfeval-diff/1"
_NEEDED = {"total": Decimal, "max_total": Decimal, "grade": str, "groups": list, "indicators": list}
_NEEDED_INDICATOR = {"name": str, "path": list, "weight": Decimal, "score": Decimal}


def read_result_document(path: str | Path) -> dict[str, Any]:
    """A result document read back from a JSON file, its numbers as exact decimals. Raises PerfevalError
    (PE009) when the file is not one."""
    source = read_text(path)
    shown = source.name
    hint = ("give a file written by `perfeval eval --format json` (or `perfeval batch --out`), or give rule "
            "files and facts: `perfeval diff RULES -f OLD_FACTS -f NEW_FACTS`")
    hint_zh = ("请给出由 `perfeval eval --format json`（或 `perfeval batch --out`）写出的文件，或给出规则文件和"
               "事实文件：`perfeval diff RULES -f OLD_FACTS -f NEW_FACTS`")
    try:
        document = json.loads(source.text, parse_float=Decimal, parse_int=Decimal)
    except (json.JSONDecodeError, RecursionError) as exc:
        at = getattr(exc, "pos", 0)
        raise PerfevalError([error("PE009", f"`{shown}` is not JSON: {getattr(exc, 'msg', 'too deeply nested')}",
                                   source.span(at, at + 1), "here", help=hint,
                                   zh=Chinese(f"`{shown}` 不是 JSON：{getattr(exc, 'msg', '嵌套太深')}", "此处",
                                              hint_zh))]) from None
    if not isinstance(document, dict) or document.get("format") != DOCUMENT_FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        what = f"a `{found}` document" if isinstance(found, str) else "JSON, but not a perfeval result"
        what_zh = f"`{found}` 文档" if isinstance(found, str) else "JSON，但不是 perfeval 的结果"
        raise PerfevalError([error("PE009", f"`{shown}` is {what}; `perfeval diff` compares `{DOCUMENT_FORMAT}` "
                                            "documents", path=shown, help=hint,
                                   zh=Chinese(f"`{shown}` 是 {what_zh}；`perfeval diff` 比较的是 "
                                              f"`{DOCUMENT_FORMAT}` 文档", help=hint_zh))])
    problem = _shape_problem(document)
    if problem is not None:
        raise PerfevalError([error("PE009", f"`{shown}` is not a complete result document: {problem[0]}",
                                   path=shown, help="write it again with `perfeval eval --format json -o FILE`",
                                   zh=Chinese(f"`{shown}` 不是完整的结果文档：{problem[1]}",
                                              help="请用 `perfeval eval --format json -o FILE` 重新写出"))])
    return document


def _shape_problem(document: dict[str, Any]) -> tuple[str, str] | None:
    """What keeps `document` from being compared, if anything: a missing field, a field of the wrong type, or
    a number no evaluation writes (beyond ±10^30, or with more than 30 places), which would make the arithmetic
    of the comparison unbounded. In English, then in Chinese."""
    problem = _fields_problem(document, _NEEDED, "", "")
    if problem is not None:
        return problem
    for kind, items in (("indicator", document["indicators"]), ("group", document["groups"])):
        kind_zh = {"indicator": "指标", "group": "指标组"}[kind]
        for index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                return f"{kind} {index} is not an object", f"第 {index} 个{kind_zh}不是对象"
            problem = _fields_problem(item, _NEEDED_INDICATOR, f"{kind} {index}: ", f"第 {index} 个{kind_zh}：")
            if problem is not None:
                return problem
            if not all(isinstance(part, str) for part in item["path"]):
                return (f"{kind} {index}: `path` holds something other than names",
                        f"第 {index} 个{kind_zh}：`path` 中有不是名称的内容")
    return None


_KIND_ZH = {Decimal: "数", str: "文本", list: "列表"}


def _fields_problem(item: dict[str, Any], needed: dict[str, type], where: str,
                    where_zh: str) -> tuple[str, str] | None:
    for key, kind in needed.items():
        value = item.get(key)
        if not isinstance(value, kind):
            return (f"{where}`{key}` is missing or not a {'number' if kind is Decimal else kind.__name__.lower()}",
                    f"{where_zh}`{key}` 缺失或不是{_KIND_ZH.get(kind, kind.__name__.lower())}")
        if isinstance(value, Decimal) and not _writable(value):
            return (f"{where}`{key}` is {value}, not a number an evaluation writes",
                    f"{where_zh}`{key}` 是 {value}，不是评价会写出的数")
    return None


def _writable(value: Decimal) -> bool:
    """A number an evaluation can write: finite, at most 30 digits before the point and 30 after it."""
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and value.adjusted() <= 30 and exponent >= -30


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The perfeval-diff/1 document of two result documents; differences exact, whatever the caller's decimal
    context."""
    with decimal.localcontext(CONTEXT):
        return _compare(old, new)


def _compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    pairs = _pairs(old["indicators"], new["indicators"])
    indicators = [_indicator_change(before, after) for before, after in pairs]
    groups = [_group_change(before, after)
              for before, after in _pairs(old["groups"], new["groups"], by_name=False)]
    counts = {status: sum(1 for item in indicators if item["status"] == status)
              for status in ("changed", "unchanged", "added", "removed")}
    return {
        "format": DIFF_FORMAT,
        "old": _side(old),
        "new": _side(new),
        "total_change": new["total"] - old["total"],
        "grade_changed": old["grade"] != new["grade"],
        "summary": counts,
        "groups": groups,
        "indicators": indicators,
    }


def _side(document: dict[str, Any]) -> dict[str, Any]:
    found = document.get("audit")
    audit: dict[str, Any] = found if isinstance(found, dict) else {}
    return {"rules": document.get("rules"), "facts": document.get("facts"),
            "rules_sha256": audit.get("rules_sha256"), "facts_sha256": audit.get("facts_sha256"),
            "total": document["total"], "max_total": document["max_total"], "grade": document["grade"]}


def _key(item: dict[str, Any]) -> tuple[str, ...]:
    return (*(str(part) for part in item["path"]), str(item["name"]))


def _pairs(old: list[dict[str, Any]], new: list[dict[str, Any]], *, by_name: bool = True,
           ) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Old and new items matched by place and name, then (if `by_name`) the rest by a name unique among the
    items left on both sides; in the new document's order, each removed item right after its old predecessor
    (first, if it had none)."""
    new_by_key = {_key(item): item for item in new}
    matched: dict[int, dict[str, Any]] = {}  # id(new item) -> old item
    unmatched_old = []
    for item in old:
        partner = new_by_key.get(_key(item))
        if partner is not None and id(partner) not in matched:
            matched[id(partner)] = item
        else:
            unmatched_old.append(item)
    if by_name:
        free_new = [item for item in new if id(item) not in matched]
        names_old = [str(item["name"]) for item in unmatched_old]
        names_new = [str(item["name"]) for item in free_new]
        for item in list(unmatched_old):
            name = str(item["name"])
            if names_old.count(name) == 1 and names_new.count(name) == 1:
                partner = next(candidate for candidate in free_new if str(candidate["name"]) == name)
                matched[id(partner)] = item
                unmatched_old.remove(item)
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = [(matched.get(id(item)), item) for item in new]
    # each removed item goes right after its old predecessor (matched or removed), wherever that is now
    removed = {id(item) for item in unmatched_old}
    for index, item in enumerate(old):
        if id(item) not in removed:
            continue
        at = 0
        if index > 0:
            before = old[index - 1]
            at = next(i + 1 for i, (old_item, _) in enumerate(pairs) if old_item is before)
        pairs.insert(at, (item, None))
    return pairs


def _indicator_change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    either = after if after is not None else before
    assert either is not None
    if before is None or after is None:
        status = "added" if before is None else "removed"
    else:
        status = "changed" if (before["score"], before["weight"]) != (after["score"], after["weight"]) else "unchanged"
    change: dict[str, Any] = {"name": either["name"], "path": either["path"], "status": status}
    if before is not None and after is not None:
        change["moved"] = before["path"] != after["path"]
        change["score_change"] = after["score"] - before["score"]
        change["rule_changed"] = before.get("rule") != after.get("rule")
    change["old"] = _indicator_side(before)
    change["new"] = _indicator_side(after)
    return change


def _indicator_side(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {"path": item["path"], "weight": item["weight"], "score": item["score"], "actual": item.get("actual"),
            "rule": item.get("rule"), "fired": item.get("fired")}


def _group_change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    either = after if after is not None else before
    assert either is not None
    return {"name": either["name"], "path": either["path"],
            "old": None if before is None else {"weight": before["weight"], "score": before["score"]},
            "new": None if after is None else {"weight": after["weight"], "score": after["score"]},
            "score_change": None if before is None or after is None else after["score"] - before["score"]}
