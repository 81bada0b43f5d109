"""Rule tests: example units written next to a rule file, their expected scores, and tier coverage.

A test file is YAML that policy staff can write (docs/testing.md)::

    rules: anning-2020.perfeval          # optional: by default the rule file of the same name
    facts: anning-2020.facts.yaml        # optional: the facts every case starts from
    cases:
      - name: 偏差率恰好 10% 仍得 5 分
        facts: {预算基本支出: 100 元, 实际基本支出: 110 元}
        expect:
          scores: {基本支出执行偏差率: 5}

Each case starts from the shared facts, replaces or adds its own (`facts`), drops any named under
`without`, and is scored; `expect` may give `total`, `grade`, `scores` (by indicator), `groups` (subtotals
by group) or `error` (the diagnostic codes the evaluation must stop with). Every problem in the test file
is a diagnostic pointing into it. Tier coverage counts, over all cases, which branches of each indicator's
rule (each tier, the `else`, each `score by` arm) some case reached.
Imports `facts`, `compiler`, `evaluation`, `model`, `ast`, `result`, `errors`, `values`, `unparse`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

import attrs
import yaml

from perfeval_dsl import ast, model
from perfeval_dsl.compiler import CompiledRules
from perfeval_dsl.errors import CODES, Chinese, Diagnostic, PerfevalError, did_you_mean, did_you_mean_zh, error
from perfeval_dsl.evaluation import evaluate
from perfeval_dsl.facts import Facts, compose_yaml, facts_from_yaml_node, load_facts, node_span, read_text
from perfeval_dsl.result import IndicatorResult, Result
from perfeval_dsl.source import Source, Span
from perfeval_dsl.unparse import unparse
from perfeval_dsl.values import normalise_width, plain

TEST_SUFFIX = ".tests.yaml"
_FILE_KEYS = ("rules", "facts", "cases")
_CASE_KEYS = ("name", "facts", "without", "expect")
_EXPECT_KEYS = ("total", "grade", "scores", "groups", "error")
# The Chinese of the parts of a test file that messages name (`what`) and of the forms they suggest (`example`).
_ZH = {
    "a test file": "测试文件", "a case": "用例", "a case's `name`": "用例的 `name`",
    "`facts` at the top (the facts file every case starts from)": "顶层的 `facts`（每个用例所基于的事实文件）",
    "a name under `without`": "`without` 下的名称", "the expected `total`": "预期的 `total`",
    "the expected `grade`": "预期的 `grade`", "an expected error code": "预期的错误代码",
    "`cases:` followed by `- name: …` items": "`cases:` 后接若干 `- name: …` 项",
    "`- name: …` then `expect:`": "`- name: …` 然后是 `expect:`",
}


def _zh(words: str) -> str:
    """`words` (a `what` or an `example` of `_Reader`) in Chinese."""
    if words.startswith("the expected score of "):
        return words.removeprefix("the expected score of ") + " 的预期得分"
    return _ZH.get(words, words)


# ---- the test file -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Expected:
    total: Decimal | None = None
    grade: str | None = None
    grade_span: Span | None = None
    scores: tuple[tuple[str, Decimal, Span], ...] = ()
    groups: tuple[tuple[str, Decimal, Span], ...] = ()
    errors: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Case:
    name: str
    facts: Facts | None
    without: tuple[str, ...]
    expect: Expected
    without_spans: tuple[Span, ...] = attrs.field(eq=False, default=())
    span: Span = attrs.field(eq=False)
    number: int | None = attrs.field(eq=False, default=None)  # its place in the list, when it has no name

    def shown_name(self, lang: str = "en") -> str:
        """The case's name; a case without one is `case 2` (in Chinese `第 2 个用例`)."""
        return f"第 {self.number} 个用例" if lang == "zh" and self.number is not None else self.name


@attrs.frozen(kw_only=True)
class CaseFile:
    path: str
    rules_path: Path
    base_facts: Facts | None
    cases: tuple[Case, ...]
    source: Source = attrs.field(eq=False, repr=False)


def cases_file_for(rules_path: Path) -> Path:
    """`rules/anning-2020.perfeval` → `rules/anning-2020.tests.yaml`."""
    return rules_path.with_name(rules_path.name.removesuffix(".perfeval") + TEST_SUFFIX)


def rules_file_for(tests_path: Path) -> Path:
    return tests_path.with_name(tests_path.name.removesuffix(TEST_SUFFIX) + ".perfeval")


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def span(self, node: yaml.Node) -> Span:
        return node_span(self.source, node)

    def problem(self, message: str, node: yaml.Node, label: str = "", **kw: object) -> None:
        self.diagnostics.append(error("PE701", message, self.span(node), label, **kw))

    def mapping(self, node: yaml.Node, what: str, keys: tuple[str, ...], example: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(f"{what} must be a list of `key: value` lines", node, help=f"write it as {example}",
                         zh=Chinese(f"{_zh(what)}必须由一行行 `key: value` 组成", help=f"请写成 {_zh(example)}"))
            return {}
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            if key not in keys:
                close = did_you_mean(key, keys)
                self.problem(f"`{key}` is not a key of {what}", key_node, "unknown key",
                             help=close or "the keys are " + ", ".join(f"`{k}`" for k in keys),
                             zh=Chinese(f"`{key}` 不是{_zh(what)}的键", "未知的键",
                                        did_you_mean_zh(key, keys)
                                        or "可用的键有 " + "、".join(f"`{k}`" for k in keys)))
                continue
            if key in found:
                self.problem(f"`{key}` is given twice in {what}", key_node, "given again", help="give it once",
                             zh=Chinese(f"`{key}` 在{_zh(what)}中给出了两次", "再次给出", "只给一次"))
                continue
            found[key] = value_node
        return found

    def text(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            self.problem(f"{what} must be a single value", node, help="write one value after the colon",
                         zh=Chinese(f"{_zh(what)}必须是单个值", help="请在冒号后写一个值"))
            return None
        return str(node.value)

    def texts(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """One value or a list of them (`error: PE501`, `without: [甲, 乙]`), each with its node."""
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        return [(text, item) for item in nodes if (text := self.text(item, what)) is not None]

    def points(self, node: yaml.Node, what: str) -> Decimal | None:
        text = self.text(node, what)
        if text is None:
            return None
        cleaned = normalise_width(text).strip().removesuffix("分").strip()
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.problem(f"{what} must be a number of points, not `{text}`", node, "not points",
                         help="write the score as a number, e.g. `5` or `4.5`",
                         zh=Chinese(f"{_zh(what)}必须是分数，而不是 `{text}`", "不是分数",
                                    "请把得分写成数，例如 `5` 或 `4.5`"))
            return None
        return value

    def named_points(self, node: yaml.Node, what: str) -> tuple[tuple[str, Decimal, Span], ...]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(f"`{what}` must list `名称: 分数` lines", node,
                         help=f"write e.g. `{what}: {{基本支出执行偏差率: 5}}`",
                         zh=Chinese(f"`{what}` 必须由一行行 `名称: 分数` 组成",
                                    help=f"请写成例如 `{what}: {{基本支出执行偏差率: 5}}`"))
            return ()
        found = []
        for key_node, value_node in node.value:
            name = str(key_node.value)
            points = self.points(value_node, f"the expected score of `{name}`")
            if points is not None:
                found.append((name, points, self.span(key_node)))
        return tuple(found)


def load_tests(path: Path) -> CaseFile:
    """Read a rule test file. Raises PerfevalError with every problem in it (PE701), or PE0xx for files."""
    source = read_text(path)
    root = compose_yaml(source)
    reader = _Reader(source)
    if root is None:
        raise PerfevalError([error("PE701", f"`{path}` has no cases", path=str(path),
                                   help="add `cases:` with at least one case; docs/testing.md shows the form",
                                   zh=Chinese(f"`{path}` 中没有用例",
                                              help="请加上 `cases:` 并至少写一个用例；写法见 docs/testing.md"))])
    top = reader.mapping(root, "a test file", _FILE_KEYS, "`cases:` followed by `- name: …` items")
    rules_path = rules_file_for(path)
    if "rules" in top and (text := reader.text(top["rules"], "`rules`")) is not None:
        rules_path = path.parent / text
    base: Facts | None = None
    if "facts" in top and (text := reader.text(top["facts"], "`facts` at the top (the facts file every case "
                                                             "starts from)")) is not None:
        try:
            base = load_facts(path.parent / text)
        except PerfevalError as failure:
            reader.diagnostics.extend(failure.diagnostics)
    cases: list[Case] = []
    if "cases" not in top:
        if isinstance(root, yaml.MappingNode):
            reader.problem("the test file has no `cases`", root, help="add `cases:` followed by `- name: …` items",
                           zh=Chinese("测试文件中没有 `cases`", help="请加上 `cases:`，后接若干 `- name: …` 项"))
    elif not isinstance(top["cases"], yaml.SequenceNode) or not top["cases"].value:
        reader.problem("`cases` must be a list of cases, each starting with `- name:`", top["cases"],
                       help="write `cases:` and under it `- name: …` items",
                       zh=Chinese("`cases` 必须是用例的列表，每个用例以 `- name:` 开头",
                                  help="请写 `cases:`，并在其下写若干 `- name: …` 项"))
    else:
        seen: dict[str, Span] = {}
        for number, node in enumerate(top["cases"].value, start=1):
            case = _case(reader, node, number, str(path))
            if case is None:
                continue
            if case.name in seen:
                reader.problem(f"two cases are named `{case.name}`", node, "named again",
                               notes=(f"the first is at {seen[case.name].location()}",),
                               help="give each case its own name: failures are reported by name",
                               zh=Chinese(f"有两个用例都名为 `{case.name}`", "重复的名称",
                                          "请给每个用例取不同的名称：未通过的用例按名称报告",
                                          (f"第一个在 {seen[case.name].location()}",)))
            seen.setdefault(case.name, case.span)
            cases.append(case)
    if reader.diagnostics:
        raise PerfevalError(reader.diagnostics)
    return CaseFile(path=str(path), rules_path=rules_path, base_facts=base, cases=tuple(cases), source=source)


def _case(reader: _Reader, node: yaml.Node, number: int, path: str) -> Case | None:
    before = len(reader.diagnostics)
    fields = reader.mapping(node, "a case", _CASE_KEYS, "`- name: …` then `expect:`")
    if not fields:
        return None
    misspelt = len(reader.diagnostics) > before  # an unknown key, likely `expect` mistyped: said already
    name = reader.text(fields["name"], "a case's `name`") if "name" in fields else f"case {number}"
    facts: Facts | None = None
    if "facts" in fields:
        facts_node = fields["facts"]
        if isinstance(facts_node, yaml.MappingNode):
            try:
                facts = facts_from_yaml_node(reader.source, facts_node, f"{path}: {name}")
            except PerfevalError as failure:
                reader.diagnostics.extend(failure.diagnostics)
        else:
            reader.problem("a case's `facts` must list `名称: 值` lines", facts_node,
                           help="write e.g. `facts: {实际基本支出: 110 元}`",
                           zh=Chinese("用例的 `facts` 必须由一行行 `名称: 值` 组成",
                                      help="请写成例如 `facts: {实际基本支出: 110 元}`"))
    without: list[str] = []
    without_spans: list[Span] = []
    if "without" in fields:
        for text, item in reader.texts(fields["without"], "a name under `without`"):
            without.append(text)
            without_spans.append(reader.span(item))
    if "expect" not in fields:
        if misspelt:
            return None
        reader.problem(f"the case `{name}` expects nothing", node, "no `expect`",
                       help="add `expect:` with `total`, `grade`, `scores`, `groups` or `error`",
                       zh=Chinese(f"用例 `{name}` 没有任何预期", "没有 `expect`",
                                  "请加上 `expect:`，写明 `total`、`grade`、`scores`、`groups` 或 `error`"))
        return None
    expect = _expected(reader, fields["expect"])
    return Case(name=name or f"case {number}", facts=facts, without=tuple(without), expect=expect,
                without_spans=tuple(without_spans), span=reader.span(fields.get("name", node)),
                number=None if name and "name" in fields else number)


def _expected(reader: _Reader, node: yaml.Node) -> Expected:
    fields = reader.mapping(node, "`expect`", _EXPECT_KEYS, "`expect: {total: 98, grade: 优}`")
    total = reader.points(fields["total"], "the expected `total`") if "total" in fields else None
    grade = reader.text(fields["grade"], "the expected `grade`") if "grade" in fields else None
    scores = reader.named_points(fields["scores"], "scores") if "scores" in fields else ()
    groups = reader.named_points(fields["groups"], "groups") if "groups" in fields else ()
    codes: list[str] = []
    if "error" in fields:
        error_node = fields["error"]
        for text, item in reader.texts(error_node, "an expected error code"):
            code = text.strip().upper()
            if code not in CODES or not code.startswith(("PE4", "PE5")):
                reader.problem(f"`{text}` is not a code an evaluation can stop with", item, "not an evaluation error",
                               help="write a facts (PE4xx) or evaluation (PE5xx) code, e.g. `PE501`; "
                                    "`perfeval explain` lists them",
                               zh=Chinese(f"`{text}` 不是评价会因之停止的代码", "不是评价错误",
                                          "请写事实（PE4xx）或评价（PE5xx）的代码，例如 `PE501`；"
                                          "`perfeval explain` 会列出它们"))
                continue
            codes.append(code)
        if codes and (total is not None or grade is not None or scores or groups):
            reader.problem("a case that expects an error cannot also expect scores", error_node,
                           help="split it into two cases",
                           zh=Chinese("预期出错的用例不能同时预期得分", help="请把它拆成两个用例"))
    if isinstance(node, yaml.MappingNode) and not node.value:
        reader.problem("this case expects nothing", node, "empty",
                       help="add `total`, `grade`, `scores`, `groups` or `error` under `expect`",
                       zh=Chinese("这个用例没有任何预期", "空的",
                                  "请在 `expect` 下写明 `total`、`grade`、`scores`、`groups` 或 `error`"))
    grade_span = reader.span(fields["grade"]) if "grade" in fields else None
    return Expected(total=total, grade=grade, grade_span=grade_span, scores=scores, groups=groups,
                    errors=tuple(codes))


# ---- running -----------------------------------------------------------------------------------


@attrs.frozen
class Mismatch:
    """One expectation a case did not meet: what, the expected and the actual text, and why if known; with
    the Chinese of those that have words (`what_zh`, `actual_zh`, `detail_zh`; None: the same in both)."""

    what: str
    expected: str
    actual: str
    detail: str | None = None
    what_zh: str | None = attrs.field(default=None, eq=False)
    actual_zh: str | None = attrs.field(default=None, eq=False)
    detail_zh: str | None = attrs.field(default=None, eq=False)


@attrs.frozen(kw_only=True)
class CaseOutcome:
    case: Case
    mismatches: tuple[Mismatch, ...]
    diagnostics: tuple[Diagnostic, ...] = ()  # an evaluation that stopped, when no error was expected
    result: Result | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and not self.diagnostics


@attrs.frozen
class Branch:
    """One branch of an indicator's rule: a tier, the `else`, or a `score by` arm (index as in results).
    `where` is the indicator's place in the tree, which tells apart two indicators of the same name."""

    indicator: str
    index: int
    text: str
    where: tuple[str, ...] = ()
    text_zh: str = attrs.field(default="", eq=False)  # `text` with the rules' keywords in Chinese


@attrs.frozen(kw_only=True)
class Coverage:
    branches: tuple[Branch, ...]
    reached: frozenset[tuple[tuple[str, ...], int]]

    @property
    def missing(self) -> tuple[Branch, ...]:
        return tuple(b for b in self.branches if (b.where, b.index) not in self.reached)

    @property
    def count(self) -> int:
        return len(self.branches) - len(self.missing)

    @property
    def percent(self) -> Decimal:
        if not self.branches:
            return Decimal(100)
        return Decimal(self.count * 100) / Decimal(len(self.branches))

    def meets(self, minimum: Decimal) -> bool:
        return self.count * 100 >= minimum * len(self.branches)


@attrs.frozen(kw_only=True)
class CaseReport:
    tests: CaseFile
    rules: CompiledRules
    outcomes: tuple[CaseOutcome, ...]
    coverage: Coverage

    @property
    def failed(self) -> tuple[CaseOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)


def branches(indicator: model.Indicator) -> tuple[Branch, ...]:
    """Every branch of `indicator`'s rule, numbered as `IndicatorResult.branch` numbers them."""
    rule = indicator.rule
    name = indicator.name
    where = (*indicator.path, name)
    if isinstance(rule, ast.ScoreBy):
        return tuple(Branch(name, i, (f'"{arm.value.value}"' if arm.value is not None else "otherwise")
                            + f" -> {unparse(arm.score)}", where,
                            (f'"{arm.value.value}"' if arm.value is not None else "其他")
                            + f" -> {unparse(arm.score, lang='zh')}") for i, arm in enumerate(rule.arms))
    if isinstance(rule.expr, ast.Tiered):
        tiered = rule.expr
        found = [Branch(name, i, f"tier {i + 1}: {unparse(t.score)} if {unparse(t.condition)}", where,
                        f"第 {i + 1} 档：{unparse(t.score, lang='zh')} 若 {unparse(t.condition, lang='zh')}")
                 for i, t in enumerate(tiered.tiers)]
        if tiered.default is not None:
            found.append(Branch(name, len(tiered.tiers), f"else {unparse(tiered.default)}", where,
                                f"否则 {unparse(tiered.default, lang='zh')}"))
        return tuple(found)
    return (Branch(name, 0, f"score {unparse(rule.expr)}", where, f"得分 {unparse(rule.expr, lang='zh')}"),)


def run_tests(tests: CaseFile, rules: CompiledRules) -> CaseReport:
    """Score every case and compare with what it expects; unknown names in expectations are PE702."""
    program = rules.program
    _check_names(tests, program)
    outcomes = []
    reached: set[tuple[tuple[str, ...], int]] = set()
    for case in tests.cases:
        outcome = _run_case(tests, case, rules)
        outcomes.append(outcome)
        if outcome.result is not None:
            for scored in outcome.result.indicators:
                reached.add(((*scored.path, scored.name), scored.branch if scored.branch is not None else 0))
    coverage = Coverage(branches=tuple(b for i in program.indicators for b in branches(i)),
                        reached=frozenset(reached))
    return CaseReport(tests=tests, rules=rules, outcomes=tuple(outcomes), coverage=coverage)


_AS_THE_RULES_ZH = "请使用规则文件中的名称"


def _check_names(tests: CaseFile, program: model.Program) -> None:
    indicators = [i.name for i in program.indicators]
    groups = [g.name for g in program.groups]
    labels = [band.label for band in program.grades]
    problems = []
    for case in tests.cases:
        for name, _, span in case.expect.scores:
            if name not in indicators:
                problems.append(error("PE702", f"the rules have no indicator named `{name}`", span, "unknown",
                                      help=did_you_mean(name, indicators) or "name it as the rule file does",
                                      zh=Chinese(f"规则中没有名为 `{name}` 的指标", "未知",
                                                 did_you_mean_zh(name, indicators) or _AS_THE_RULES_ZH)))
        for name, _, span in case.expect.groups:
            if name not in groups:
                problems.append(error("PE702", f"the rules have no group named `{name}`", span, "unknown",
                                      help=did_you_mean(name, groups) or "name it as the rule file does",
                                      zh=Chinese(f"规则中没有名为 `{name}` 的指标组", "未知",
                                                 did_you_mean_zh(name, groups) or _AS_THE_RULES_ZH)))
        if case.expect.grade is not None and case.expect.grade not in labels:
            problems.append(error("PE702", f"the rules have no grade `{case.expect.grade}`",
                                  case.expect.grade_span or case.span, "unknown",
                                  help="the grades are " + ", ".join(labels),
                                  zh=Chinese(f"规则中没有等级 `{case.expect.grade}`", "未知",
                                             "可用的等级有 " + "、".join(labels))))
        given = case.facts.values.values() if case.facts is not None else ()
        for fact in given:
            if fact.name not in program.facts:
                problems.append(error("PE702", f"the rules declare no fact named `{fact.name}`",
                                      fact.key_span or fact.span, "unknown",
                                      help=did_you_mean(fact.name, program.facts) or "name it as the rule file does",
                                      zh=Chinese(f"规则没有声明名为 `{fact.name}` 的事实", "未知",
                                                 did_you_mean_zh(fact.name, program.facts) or _AS_THE_RULES_ZH)))
        for name, span in zip(case.without, case.without_spans, strict=True):
            if name not in program.facts:
                problems.append(error("PE702", f"the rules declare no fact named `{name}`", span, "unknown",
                                      help=did_you_mean(name, program.facts) or "name it as the rule file does",
                                      zh=Chinese(f"规则没有声明名为 `{name}` 的事实", "未知",
                                                 did_you_mean_zh(name, program.facts) or _AS_THE_RULES_ZH)))
    if problems:
        raise PerfevalError(problems)


def facts_for(tests: CaseFile, case: Case) -> Facts:
    """A case's facts: the file's shared facts, then the case's own, less those it names in `without`."""
    values = dict(tests.base_facts.values) if tests.base_facts is not None else {}
    if case.facts is not None:
        values.update(case.facts.values)
    for name in case.without:
        values.pop(name, None)
    return Facts(name=f"{tests.path}: {case.name}", values=values)


def _run_case(tests: CaseFile, case: Case, rules: CompiledRules) -> CaseOutcome:
    expect = case.expect
    try:
        result = evaluate(rules, facts_for(tests, case))
    except PerfevalError as failure:
        codes = sorted({d.code for d in failure.errors})
        if expect.errors:
            wanted = sorted(set(expect.errors))
            if wanted == codes:
                return CaseOutcome(case=case, mismatches=())
            return CaseOutcome(case=case, mismatches=(Mismatch("error", ", ".join(wanted), ", ".join(codes),
                                                               what_zh="错误"),),
                               diagnostics=failure.diagnostics)
        return CaseOutcome(case=case, mismatches=(), diagnostics=failure.diagnostics)
    mismatches: list[Mismatch] = []
    if expect.errors:
        mismatches.append(Mismatch("error", ", ".join(expect.errors), f"no error (total {plain(result.total)})",
                                   what_zh="错误", actual_zh=f"没有错误（总分 {plain(result.total)}）"))
    for name, points, _ in expect.scores:
        scored = result.indicator(name)
        if scored.score != points:
            branch = _why(scored)
            mismatches.append(Mismatch(name, plain(points), plain(scored.score), branch.text if branch else None,
                                       detail_zh=branch.text_zh if branch else None))
    subtotals = {g.group.name: g.score for g in result.groups}
    for name, points, _ in expect.groups:
        if subtotals[name] != points:
            mismatches.append(Mismatch(name, plain(points), plain(subtotals[name])))
    if expect.total is not None and result.total != expect.total:
        mismatches.append(Mismatch("total", plain(expect.total), plain(result.total), what_zh="总分"))
    if expect.grade is not None and result.grade != expect.grade:
        mismatches.append(Mismatch("grade", expect.grade, result.grade, what_zh="等级"))
    return CaseOutcome(case=case, mismatches=tuple(mismatches), result=result)


def _why(scored: IndicatorResult) -> Branch | None:
    """The branch of its rule that gave an indicator its score."""
    for branch in branches(scored.indicator):
        if branch.index == (scored.branch if scored.branch is not None else 0):
            return branch
    return None


__all__ = [
    "TEST_SUFFIX",
    "Branch",
    "Case",
    "CaseFile",
    "CaseOutcome",
    "CaseReport",
    "Coverage",
    "Mismatch",
    "branches",
    "cases_file_for",
    "load_tests",
    "rules_file_for",
    "run_tests",
]
