"""The reviewer's trace: the report's indicator table (一级 › 二级 › 三级) with the reasons for every score.

For each indicator it shows the report's scoring standard, the rule as perfeval understood it, the values
it read (derived values with their formula and the numbers put in), each tier tried with its outcome, and
score / weight; then the subtotals, the total and the grade. Lines are built here with `rich.text.Text`
styles, so the layout is the same with or without colour and does not depend on rich's widgets.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from decimal import Decimal

from rich.console import Console
from rich.text import Text

from perfeval_dsl import ast
from perfeval_dsl.ast import LIST_FUNCTIONS
from perfeval_dsl.compiler import (
    DeductionWorking,
    InterpolationWorking,
    JudgedWorking,
    MissingWorking,
    MovedWeightWorking,
    NotApplicableWorking,
    OverrideWorking,
    ProportionWorking,
    RoundingWorking,
    VetoWorking,
)
from perfeval_dsl.result import GroupResult, IndicatorResult, Result, UsedValue
from perfeval_dsl.source import display_width
from perfeval_dsl.unparse import number_text, unparse
from perfeval_dsl.values import (
    CONTEXT,
    UNITS,
    DateType,
    ListType,
    NumberType,
    Value,
    format_points,
    format_value,
    plain,
)

EXPLAIN_LEVELS = ("full", "fails", "off")
LANGUAGES = ("en", "zh")

# The trace's own words, per language; names, rules and values are shown as written.
WORDS = {
    "en": {"rules": "rules", "facts": "facts", "standard": "standard", "target": "target", "rule": "rule",
           "values": "values", "judgement": "judgement", "tiers": "tiers", "score": "score", "else": "else",
           "otherwise": "otherwise", "is": "is", "fired": "fired", "not met": "not met",
           "not reached": "not reached", "Total": "Total", "Grade": "Grade", "grades": "grades",
           "below": "below", "below every other grade": "below every other grade", "audit": "audit",
           "evaluated": "evaluated", "not from a file": "(not read from a file)", "not computed": "(not computed)",
           "by": "by", "lang": "en", "deduction": "deduction", "checklist": "checklist",
           "steps": "{count} whole steps of {step}", "prorated steps": "{count} steps of {step}",
           "off": "{count} × {points} = {off} off",
           "in all": "{deducted} off in all, at most {limit}: {taken} off",
           "of": "of", "proportion": "prorated", "judged": "judged", "at most 100%": "at most 100%",
           "reverse": "反向, direction lower: less is better",
           "zero target": "the target is 0: nothing was asked, 100%",
           "zero actual": "the actual is 0: the best there is, 100%", "interpolation": "linear",
           "below first": "below the first level, {x}: its score", "above last": "at or above the last level, {x}: its "
           "score",
           "band": "within the band {low} to {high}", "override": "override",
           "overridden": "the rule gives {rule}; {fact} = {score}{reason} → {score}", "rounded": "rounded",
           "total rounded": "  (exact {exact}, rounded to {total}: {how})",
           "round half up": "{places} decimal places, half up", "round down": "{places} decimal places, cut off",
           "veto": "veto", "vetoed": "{condition} holds → 0   (the rule gives {rule})",
           "veto all": "{condition} holds ({where}): every score is 0", "veto cap": "{condition} holds ({where}): "
           "the grade is at most {grade}", "n/a": "n/a",
           "given n/a": "{facts} given as 不适用", "not given": "{facts} not given ({policy})",
           "left out": "{why}: left out, its weight {weight} with it",
           "moved out": "{why}: left out, its weight {weight} moved to {receivers}", "not given value": "(not given)",
           "weight moved": "moved in", "missing": "missing",
           "missing scored": "{facts} not given: {score} as `{policy}` says",
           "moved in": "weight {weight} + {moved} from {givers} (不适用) = {new}: {rule} × {new} / {weight} = {score}",
           "rescaled": "  (不适用 left out: {unscaled} of the applicable {applicable} points, rescaled: "
           "{unscaled} × {total} / {applicable} = {exact})"},
    "zh": {"rules": "规则文件", "facts": "事实文件", "standard": "评分标准", "target": "目标值", "rule": "规则",
           "values": "取值", "judgement": "判断", "tiers": "档次", "score": "得分", "else": "否则",
           "otherwise": "其他", "is": "为", "fired": "命中", "not met": "未满足", "not reached": "未判断",
           "Total": "总分", "Grade": "等级", "grades": "各档", "below": "以下",
           "below every other grade": "低于其他各档", "audit": "审计", "evaluated": "评价时间",
           "not from a file": "（非文件）", "not computed": "（未计算）", "by": "按", "lang": "zh",
           "deduction": "扣分", "checklist": "逐项", "steps": "满 {step} 的整档 {count} 档",
           "prorated steps": "按比例 {count} 档（每档 {step}）", "off": "扣 {count} × {points} = {off} 分",
           "in all": "共扣 {deducted} 分，最多扣 {limit} 分：扣 {taken} 分", "of": "满分",
           "proportion": "按比例", "judged": "评定", "at most 100%": "满分为止，最多 100%", "reverse": "反向：越少越好",
           "zero target": "目标为 0：没有要求，按 100%", "zero actual": "实际为 0：最好的情况，按 100%",
           "interpolation": "插值", "below first": "低于最低水平 {x}：取其得分",
           "above last": "达到最高水平 {x}：取其得分",
           "band": "在区间 {low} 至 {high} 之内", "override": "调整得分",
           "overridden": "规则得分 {rule}；{fact} = {score}{reason} → {score}", "rounded": "取整",
           "total rounded": "  （未取整 {exact}，取整为 {total}：{how}）",
           "round half up": "保留 {places} 位，四舍五入", "round down": "保留 {places} 位，截尾",
           "veto": "一票否决", "vetoed": "{condition} 成立 → 0   （规则得分 {rule}）",
           "veto all": "{condition} 成立（{where}）：各项得分均为 0",
           "veto cap": "{condition} 成立（{where}）：等级最高为 {grade}", "n/a": "不适用",
           "given n/a": "{facts} 为不适用", "not given": "{facts} 未给出（{policy}）",
           "left out": "{why}：本指标不计分，分值 {weight} 不计入",
           "moved out": "{why}：本指标不计分，分值 {weight} 转入 {receivers}", "not given value": "（未给出）",
           "weight moved": "分值转入", "missing": "缺失",
           "missing scored": "{facts} 未给出：按 `{policy}` 得 {score} 分",
           "moved in": "分值 {weight} + 转入 {moved}（{givers} 不适用）= {new}：{rule} × {new} / {weight} = {score}",
           "rescaled": "  （不适用的指标不计：适用指标 {applicable} 分中得 {unscaled} 分，折算为 "
           "{unscaled} × {total} / {applicable} = {exact}）"},
}
_LABEL_WIDTH = 10
_SCORE_WIDTH = 11
_LOST_WIDTH = 8


def trace_text(result: Result, *, explain: str = "full", width: int = 100, lang: str = "en") -> str:
    """The trace as plain text (no colour), `width` columns wide, its labels in `lang` ("en" or "zh")."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, legacy_windows=False, soft_wrap=True,
                      emoji=False, highlight=False)
    # One print of the lines joined: the same text as a print per line, for a fraction of rich's work.
    console.print(Text("\n").join(trace_lines(result, explain=explain, width=width, lang=lang)))
    return buffer.getvalue()


def trace_lines(result: Result, *, explain: str = "full", width: int = 100, lang: str = "en") -> Iterator[Text]:
    """The trace, one styled line at a time."""
    if explain not in EXPLAIN_LEVELS:
        raise ValueError(f"explain must be one of {', '.join(EXPLAIN_LEVELS)}")
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
    words = WORDS[lang]
    yield Text(result.title, style="bold")
    yield _label_line(words["rules"], result.program.source.name, indent=0)
    yield _label_line(words["facts"], result.facts_name, indent=0)
    yield Text("")
    by_group = {id(g.group): g for g in result.groups}
    by_indicator = {id(r.indicator): r for r in result.indicators}

    def walk(nodes: tuple, depth: int) -> Iterator[Text]:  # type: ignore[type-arg]
        for node in nodes:
            if id(node) in by_group:
                group: GroupResult = by_group[id(node)]
                left_out = all(by_indicator[id(i)].not_applicable for i in group.group.indicators())
                weight = group.group.weight if left_out else result.group_weight(group)
                yield _score_line(group.name, group.score, weight, depth, width, bold=True,
                                  shown=words["n/a"] if left_out else None)
                yield from walk(group.group.children, depth + 1)
            else:
                indicator_result: IndicatorResult = by_indicator[id(node)]
                yield _score_line(indicator_result.name, indicator_result.score,
                                  indicator_result.weight if indicator_result.not_applicable
                                  else indicator_result.weight_applied,
                                  depth, width, bold=False, shown=words["n/a"] if indicator_result.not_applicable
                                  else None)
                if explain == "full" or (explain == "fails" and indicator_result.lost):
                    yield from _explain(indicator_result, depth + 1, words)

    yield from walk(result.program.tree, 0)
    yield Text("")
    for group in result.groups:
        if not group.group.path:
            left_out = all(by_indicator[id(i)].not_applicable for i in group.group.indicators())
            weight = group.group.weight if left_out else result.group_weight(group)
            yield _score_line(group.name, group.score, weight, 0, width, bold=False,
                              shown=words["n/a"] if left_out else None)
    yield _score_line(words["Total"], result.total, result.max_total, 0, width, bold=True)
    graded = result.total
    total_rule = result.program.rounding_of("total")
    if total_rule is not None and result.exact_total is not None and result.exact_total != result.total:
        yield Text(words["total rounded"].format(exact=plain(result.exact_total), total=plain(result.total),
                                                 how=words["round down" if total_rule.down else "round half up"].format(
                                                     places=total_rule.places)), style="dim")
        if total_rule.grade_exact:
            graded = result.exact_total
    if result.applicable_weight is not None and result.unscaled_total is not None:
        exact = result.exact_total if result.exact_total is not None else result.total
        yield Text(words["rescaled"].format(unscaled=plain(result.unscaled_total),
                                            applicable=plain(result.applicable_weight),
                                            total=plain(result.max_total), exact=plain(exact)), style="dim")
    yield from _veto_lines(result, words)
    band = result.program.grade_for(graded)
    bands = ", ".join(
        f"{b.label} {'≥' if b.inclusive else '>'} {plain(b.threshold)}" if b.threshold is not None
        else f"{b.label} {words['below']}" for b in result.program.grades
    )
    reason = (f"{plain(graded)} {'≥' if band.inclusive else '>'} {plain(band.threshold)}"
              if band.threshold is not None else words["below every other grade"])
    line = Text(words["Grade"] + " ", style="bold")
    line.append(result.grade, style="bold magenta")
    line.append(f"  ({reason}; {words['grades']}: {bands})", style="dim")
    yield line
    yield Text("")
    yield from audit_lines(result, lang)


def _veto_lines(result: Result, words: dict[str, str]) -> Iterator[Text]:
    """Each 一票否决 of the whole evaluation, or capping the grade, that held for this unit."""
    shown: set[int] = set()
    for working in result.trace.workings:
        if not isinstance(working, VetoWorking) or working.rule is None or working.veto in shown:
            continue
        rule = working.rule
        if rule.where != "evaluation" and rule.grade_cap is None:
            continue  # shown at its group's indicators
        shown.add(working.veto)
        line_number, _ = rule.span.line_col
        text = words["veto cap" if rule.grade_cap else "veto all"].format(
            condition=unparse(rule.condition, lang=words["lang"]), where=f"{rule.span.source.name}:{line_number}",
            grade=rule.grade_cap)
        yield _label_line(words["veto"], Text(text, style="bold"), 0)


def audit_lines(result: Result, lang: str = "en") -> Iterator[Text]:
    """The audit record: the perfeval version, the time, and the SHA-256 of the rule file and the facts."""
    words = WORDS[lang]
    audit = result.audit
    yield _label_line(words["audit"], f"perfeval {audit.perfeval_version}, {words['evaluated']} "
                                      f"{audit.evaluated_at_text}", 0)
    yield _continuation(f"{words['rules']} sha256 {audit.rules_sha256}" if lang == "zh"
                        else f"rules sha256 {audit.rules_sha256}", 0)
    yield _continuation((f"{words['facts']} sha256 " if lang == "zh" else "facts sha256 ")
                        + (audit.facts_sha256 or words["not from a file"]), 0)


def _score_line(name: str, score: Decimal, weight: Decimal, depth: int, width: int, *, bold: bool,
                shown: str | None = None) -> Text:
    """`name … score / weight  -lost`; `shown` in place of the score (and no loss) for an indicator left out."""
    indent = "  " * depth
    # Right-align "score / weight" so a column of scores can be read down the page, as in the report.
    score_text = f"{shown or format_points(score)} / {format_points(weight)}"
    score_text = " " * max(0, _SCORE_WIDTH - display_width(score_text)) + score_text
    lost = Decimal(0) if shown else CONTEXT.subtract(weight, score)
    gap = max(2, width - _SCORE_WIDTH - _LOST_WIDTH - display_width(indent + name))
    line = Text(indent)
    line.append(name, style="bold" if bold else "bold cyan")
    line.append(" " * gap)
    style = "green" if not lost else ("red" if score == 0 else "yellow")
    line.append(score_text, style=style)
    if lost:
        line.append(f"  {format_points(-lost)}", style=style)
    return line


def _label_line(label: str, body: str | Text, indent: int) -> Text:
    line = Text("  " * indent)
    line.append(label + " " * max(1, _LABEL_WIDTH - display_width(label)), style="dim")
    line.append(body if isinstance(body, Text) else Text(body))
    return line


def _continuation(body: str | Text, indent: int) -> Text:
    line = Text("  " * indent + " " * _LABEL_WIDTH)
    line.append(body if isinstance(body, Text) else Text(body))
    return line


def _explain(result: IndicatorResult, indent: int, words: dict[str, str]) -> Iterator[Text]:
    indicator = result.indicator
    if indicator.standard:
        yield _label_line(words["standard"], indicator.standard, indent)
    if indicator.target:
        yield _label_line(words["target"], indicator.target, indent)
    rule = indicator.rule
    lang = words["lang"]
    rule_text = (unparse(rule.expr, lang=lang) if isinstance(rule, ast.ScoreExpr)
                 else f"{words['by']} {unparse(rule.subject, lang=lang)}")
    line, _ = indicator.span.line_col
    body = Text(rule_text)
    body.append(f"   ({indicator.span.source.name}:{line})", style="dim")
    yield _label_line(words["rule"], body, indent)
    values = {used.name: used for used in result.values}
    first = True
    for used in result.values:
        for text in _value_lines(used, values, words):
            yield _label_line(words["values"], text, indent) if first else _continuation(text, indent)
            first = False
    yield from _decision(result, values, indent, words)


def _shown(used: UsedValue, words: dict[str, str] = WORDS["en"]) -> str:
    if isinstance(used.value, bool) and words["lang"] == "zh":
        return "是" if used.value else "否"
    if used.value is None:
        return words["not given value" if used.is_fact else "not computed"]
    return format_value(used.value, used.type)


def _value_lines(used: UsedValue, values: dict[str, UsedValue], words: dict[str, str]) -> Iterator[str]:
    if used.definition is None:
        note = f"   ({used.note})" if used.note else ""
        yield f"{used.name} = {_shown(used, words)}{note}"
        return
    formula = unparse(used.definition.expr, lang=words["lang"])
    substituted = unparse(used.definition.expr, _substitute(values, words), lang=words["lang"])
    if isinstance(used.definition.expr, ast.Call) and used.definition.expr.function in LIST_FUNCTIONS:
        substituted = _over_items(used.definition.expr, values) or substituted
    head = f"{used.name} = "
    yield head + formula
    pad = " " * display_width(head[:-2])
    if substituted != formula:
        yield f"{pad}= {substituted}"
    if _shown(used, words) != substituted:
        yield f"{pad}= {_shown(used, words)}"


def _over_items(call: ast.Call, values: dict[str, UsedValue]) -> str | None:
    """`合计(子项目.培训人数)` as the sum of the items' values, `加权平均(…)` as its weighted sum over the weights'
    sum: the arithmetic a reviewer checks against the sub-projects' table."""
    fields = [arg for arg in call.args if isinstance(arg, ast.FieldRef)]
    used = values.get(fields[0].name) if fields else None
    if used is None or not isinstance(used.value, tuple) or not isinstance(used.type, ListType) or not used.value:
        return None
    types = dict(used.type.fields)

    def shown(item: dict[str, Value], field: str) -> str:
        return format_value(item[field], types.get(field))

    items = used.value
    if LIST_FUNCTIONS[call.function] == "sum":
        return " + ".join(shown(item, fields[0].field) for item in items)
    if LIST_FUNCTIONS[call.function] == "weighted_mean" and len(fields) == 2:
        value, weight = fields[0].field, fields[1].field
        products = " + ".join(f"{shown(item, value)} × {shown(item, weight)}" for item in items)
        return f"({products}) / ({' + '.join(shown(item, weight) for item in items)})"
    return None


def _substitute(values: dict[str, UsedValue], words: dict[str, str] = WORDS["en"]) -> Callable[[str], str | None]:
    def value_of(name: str) -> str | None:
        used = values.get(name)
        return _shown(used, words) if used is not None and used.value is not None else None

    return value_of


def _decision(result: IndicatorResult, values: dict[str, UsedValue], indent: int,
              words: dict[str, str]) -> Iterator[Text]:
    rule = result.indicator.rule
    substitute = _substitute(values, words)
    rows: list[Text] = []
    if isinstance(rule, ast.ScoreBy):
        for index, arm in enumerate(rule.arms):
            case = f'"{arm.value.value}"' if arm.value is not None else words["otherwise"]
            rows.append(_tier_row(index, result.branch, f"{unparse(rule.subject)} {words['is']} {case}", None,
                                  unparse(arm.score, lang=words["lang"]), words))
        label = words["judgement"]
    elif isinstance(rule.expr, ast.Tiered):
        tiered = rule.expr
        # Judgements compared with their texts need no second look; numbers are shown as substituted.
        numeric = any(isinstance(used.type, (NumberType, DateType)) for used in result.values)
        for index, tier in enumerate(tiered.tiers):
            condition = unparse(tier.condition, lang=words["lang"])
            detail = unparse(tier.condition, substitute, lang=words["lang"])
            rows.append(_tier_row(index, result.branch, condition,
                                  detail if numeric and detail != condition and index <= (result.branch or 0)
                                  else None,
                                  unparse(tier.score, lang=words["lang"]), words))
        if tiered.default is not None:
            rows.append(_tier_row(len(tiered.tiers), result.branch, words["else"], None,
                                  unparse(tiered.default, lang=words["lang"]), words))
        label = words["tiers"]
    elif result.workings and isinstance(rule.expr, (ast.Deduction, ast.Checklist, ast.Proportion, ast.Judged,
                                                    ast.Interpolation)):
        label = ""  # the form's own lines say it all
    else:  # a formula: the forms inside it first, then what it adds up to
        yield from _working_lines(result, values, indent, words)
        substituted = unparse(rule.expr, substitute, lang=words["lang"])
        if "weight" in unparse(rule.expr):
            substituted = unparse(rule.expr, lambda n: plain(result.weight) if n == "weight" else substitute(n),
                                  lang=words["lang"])
        text = Text(f"{substituted} = ")
        text.append(format_points(_rule_score(result)), style="bold")
        rows.append(text)
        label = words["score"]
    for index, row in enumerate(rows):
        yield _label_line(label, row, indent) if index == 0 else _continuation(row, indent)
    if label != words["score"]:
        yield from _working_lines(result, values, indent, words)  # a deduction, say, that a tier or an arm gave
    yield from _after_rule_lines(result, indent, words)


def _rule_score(result: IndicatorResult) -> Decimal:
    """The score the rule itself gave: before an override (调整得分) and the declared rounding."""
    for working in result.workings:
        if isinstance(working, OverrideWorking):
            return working.rule_score
    for working in result.workings:
        if isinstance(working, RoundingWorking):
            return working.exact
    for working in result.workings:
        if isinstance(working, VetoWorking) and working.rule_score is not None:
            return working.rule_score
    for working in result.workings:
        if isinstance(working, MovedWeightWorking):
            return working.rule_score
    return result.score


def _after_rule_lines(result: IndicatorResult, indent: int, words: dict[str, str]) -> Iterator[Text]:
    """The replacement of the rule's score by the evaluation team, the declared rounding, then 一票否决."""
    for working in result.workings:
        policy = result.indicator.if_missing
        if isinstance(working, NotApplicableWorking):
            facts = "、".join(working.facts)
            # Not 不适用 in the facts, but not given, and the rule says `缺失时 不适用`.
            why = words["not given"].format(facts=facts, policy=policy.span.text) \
                if working.missing and policy is not None else words["given n/a"].format(facts=facts)
            text = words["moved out" if result.receivers else "left out"].format(
                why=why, weight=plain(result.weight), receivers="、".join(result.receivers))
            yield _label_line(words["n/a"], Text(text, style="bold"), indent)
        if isinstance(working, MissingWorking) and policy is not None:
            yield _label_line(words["missing"], Text(words["missing scored"].format(
                facts="、".join(working.facts), policy=policy.span.text, score=plain(working.score)), style="bold"),
                indent)
        if isinstance(working, MovedWeightWorking):
            new = format_points(CONTEXT.add(working.weight, working.moved))
            yield _label_line(words["weight moved"], Text(words["moved in"].format(
                weight=plain(working.weight), moved=format_points(working.moved), givers="、".join(result.givers),
                new=new, rule=plain(working.rule_score), score=format_points(working.score))), indent)
        if isinstance(working, VetoWorking) and working.rule is not None and working.rule_score is not None:
            yield _label_line(words["veto"], Text(words["vetoed"].format(
                condition=unparse(working.rule.condition, lang=words["lang"]), rule=plain(working.rule_score)),
                style="bold"), indent)
        if isinstance(working, RoundingWorking):
            how = words["round down" if working.down else "round half up"].format(places=working.places)
            yield _label_line(words["rounded"], Text(f"{plain(working.exact)} → {plain(working.score)}   ({how})"),
                              indent)
        if isinstance(working, OverrideWorking):
            reason = f"（{working.reason}）" if working.reason else ""
            if reason and words["lang"] == "en":
                reason = f" ({working.reason})"
            yield _label_line(words["override"], Text(words["overridden"].format(
                rule=plain(working.rule_score), fact=working.fact, score=plain(working.score), reason=reason),
                style="bold"), indent)


def _working_lines(result: IndicatorResult, values: dict[str, UsedValue], indent: int,
                   words: dict[str, str]) -> Iterator[Text]:
    """The arithmetic of each deduction and checklist of the rule, as it went for this unit."""
    lang = words["lang"]
    substitute = _substitute(values, words)
    for working in result.workings:
        rows: list[Text] = []
        if isinstance(working, (OverrideWorking, RoundingWorking, VetoWorking, NotApplicableWorking, MissingWorking,
                                MovedWeightWorking)):
            continue  # shown after the rule's own decision
        if isinstance(working, DeductionWorking):
            label = words["deduction"]
            node = working.node
            for step, (gap, count, off) in zip(node.steps, working.steps, strict=True):
                formula = unparse(step.gap, lang=lang)
                substituted = unparse(step.gap, substitute, lang=lang)
                shown = f"{formula} = {substituted}" if substituted not in (formula, in_unit(gap, step.step)) \
                    else formula
                counted = words["prorated steps" if node.prorated else "steps"].format(
                    count=plain(count), step=number_text(step.step))
                if count == 1:
                    counted = counted.replace(" steps of ", " step of ")
                taken = words["off"].format(count=plain(count), points=plain(step.points.value), off=plain(off))
                rows.append(Text(f"{shown} = {in_unit(gap, step.step)}: {counted}, {taken}" if lang == "en"
                                 else f"{shown} = {in_unit(gap, step.step)}：{counted}，{taken}"))
            if node.limit is not None:
                rows.append(Text(words["in all"].format(deducted=plain(working.deducted),
                                                        limit=plain(node.limit.value), taken=plain(working.taken))))
            row = Text(f"{plain(working.base)} − {plain(working.taken)} = ")
            if working.base - working.taken < 0:
                row = Text(f"{plain(working.base)} − {plain(working.taken)} < 0 → ")
            row.append(format_points(working.score), style="bold")
            rows.append(row)
        elif isinstance(working, ProportionWorking):
            label = words["proportion"]
            ratio_of = working.node
            top, bottom = ((ratio_of.target, ratio_of.actual) if working.lower
                           else (ratio_of.actual, ratio_of.target))
            formula = f"{unparse(top, lang=lang)} / {unparse(bottom, lang=lang)}"
            if working.zero is not None:
                rows.append(Text(words[f"zero {working.zero}"]))
            else:
                substituted = f"{unparse(top, substitute, lang=lang)} / {unparse(bottom, substitute, lang=lang)}"
                ratio = f"{plain(CONTEXT.multiply(working.ratio, 100))}%"
                rows.append(Text(f"{formula} = {substituted} = {ratio}"
                                 + (f"   ({words['reverse']})" if working.lower else "")))
            if working.ratio > 1:
                rows.append(Text(words["at most 100%"]))
            row = Text(f"{plain(result.weight)} × {plain(CONTEXT.multiply(working.capped, 100))}% = ")
            row.append(format_points(working.score), style="bold")
            rows.append(row)
        elif isinstance(working, InterpolationWorking):
            label = words["interpolation"]
            levels = working.node.levels
            subject = unparse(working.node.subject, lang=lang)
            shown = in_unit(working.value, levels[0][0])
            if working.segment == -1 or working.segment == len(levels) - 1:
                at = levels[0] if working.segment == -1 else levels[-1]
                where = words["below first" if working.segment == -1 else "above last"].format(x=number_text(at[0]))
                rows.append(Text(f"{subject} = {shown}: {where}" if lang == "en" else f"{subject} = {shown}：{where}"))
            else:
                (x0, y0), (x1, y1) = levels[working.segment], levels[working.segment + 1]
                rows.append(Text(f"{subject} = {shown}, {number_text(x0)} → {plain(y0.value)} … "
                                 f"{number_text(x1)} → {plain(y1.value)}"))
                rows.append(Text(f"{plain(y0.value)} + ({shown} − {number_text(x0)}) × ({plain(y1.value)} − "
                                 f"{plain(y0.value)}) / ({number_text(x1)} − {number_text(x0)})"))
            row = Text("= ")
            row.append(format_points(working.score), style="bold")
            rows.append(row)
        elif isinstance(working, JudgedWorking):
            label = words["judged"]
            row = Text(f"{unparse(working.node.value, lang=lang)} = ")
            row.append(format_points(working.score), style="bold")
            row.append("   " + words["band"].format(low=plain(working.low), high=plain(working.high)), style="dim")
            rows.append(row)
        else:
            label = words["checklist"]
            items = working.node.items
            for index, (item, held) in enumerate(zip(items, working.held, strict=True)):
                points = plain(item.points.value)
                rows.append(_tier_row(0, 0 if held else -1, unparse(item.condition, lang=lang), None,
                                      points if held else f"0 ({words['of']} {points})", words, outcome=False))
                del index
            added = " + ".join(plain(item.points.value) if held else "0"
                               for item, held in zip(items, working.held, strict=True))
            row = Text(f"{added} = ")
            row.append(format_points(working.score), style="bold")
            rows.append(row)
        for index, row in enumerate(rows):
            yield _label_line(label, row, indent) if index == 0 else _continuation(row, indent)


def in_unit(value: Decimal, like: ast.Number) -> str:
    """`value` (in base units) written in the unit of the number `like`: 0.08 as `8%` next to `3%`."""
    unit = like.unit
    if unit is None:
        return plain(value)
    factor = UNITS[unit].factor
    shown = plain(CONTEXT.divide(value, factor))
    return f"{shown}{unit}" if unit in ("%", "％", "‰") else f"{shown} {unit}"


def _tier_row(index: int, fired: int | None, condition: str, detail: str | None, score: str,
              words: dict[str, str], *, outcome: bool = True) -> Text:
    if fired == -1:  # a checklist item that does not hold
        mark, style, outcome_text = "✗", "red", words["not met"]
    elif fired is None or index > fired:
        mark, style, outcome_text = "·", "dim", words["not reached"]
    elif index == fired:
        mark, style, outcome_text = "✓", "green", words["fired"]
    else:
        mark, style, outcome_text = "✗", "red", words["not met"]
    row = Text()
    row.append(mark + " ", style=style)
    row.append(condition, style="bold" if index == fired else "")
    if detail is not None:
        row.append(f"   [{detail}]", style="dim")
    row.append(f"  → {score}", style="bold" if index == fired else "")
    if outcome:
        row.append(f"   {outcome_text}", style=style)
    return row
