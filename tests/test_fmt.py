"""`perfeval fmt`: one canonical layout that never changes what a file means, keeps every comment, is
idempotent, converts keywords between English and Chinese, and rewrites files atomically."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
from cli_support import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import SEED_RULES, mutated, rule_files

from perfeval_dsl.convert import convert_keywords
from perfeval_dsl.formatter import _comments, format_rules
from perfeval_dsl.source import Source
from perfeval_dsl.syntax import parse

ROOT = Path(__file__).resolve().parent.parent
ZH_SEED = (ROOT / "rules" / "anning-2020.zh.perfeval").read_text(encoding="utf-8")
PROPERTY = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def formatted(text: str, keywords: str | None = None) -> str:
    result, diagnostics = format_rules(Source("t.perfeval", text), keywords)
    assert result is not None, diagnostics
    return result


def meaning(text: str) -> object:
    tree, diagnostics = parse(Source("t.perfeval", text))
    assert tree is not None, diagnostics
    return tree


def comment_texts(text: str) -> collections.Counter[str]:
    return collections.Counter(comment.text.strip() for comment in _comments(text))


def assert_formats_faithfully(text: str) -> None:
    once = formatted(text)
    assert meaning(once) == meaning(text)  # the same syntax tree (spans aside)
    assert formatted(once) == once  # idempotent
    assert comment_texts(once) == comment_texts(text)  # every comment kept
    for language in ("zh", "en"):
        converted = formatted(text, language)
        assert meaning(converted) == meaning(text)
        assert formatted(converted) == converted


@PROPERTY
@given(rule_files())
def test_formatting_generated_rule_files_keeps_their_meaning(text: str) -> None:
    assert_formats_faithfully(text)


@PROPERTY
@given(st.data())
def test_formatting_mutated_seeds_keeps_their_meaning(data: st.DataObject) -> None:
    text = data.draw(mutated(data.draw(st.sampled_from([SEED_RULES, ZH_SEED]))))
    tree, _ = parse(Source("t.perfeval", text))
    if tree is None:  # a mutation that no longer parses: fmt refuses it (tested below)
        return
    assert_formats_faithfully(text)


def test_the_seeds_are_formatted_and_convert_into_each_other() -> None:
    assert formatted(SEED_RULES) == SEED_RULES
    assert formatted(ZH_SEED) == ZH_SEED
    assert formatted(SEED_RULES, "zh") == ZH_SEED == convert_keywords(SEED_RULES, "zh")
    assert formatted(ZH_SEED, "en") == SEED_RULES


MESSY = """\
# header comment

title   "示例"   # trailing on the title
total 100
grades 优>=90,良>=80 , 中>=60,差 otherwise
fact 偏差率 :%
fact 制度:"制定并实施"|"未制定"


indicator 偏差   weight 60{
  # above the score
  score 60 if 偏差率<=10% else 30 if <=20%   # trailing on the score
    else 0
  # before the closing brace
}
indicator 制度建设 weight 40 { score by 制度 {"制定并实施"->40,otherwise->0} }
# at the end
"""

MESSY_FORMATTED = """\
# header comment

title "示例"  # trailing on the title
total 100
grades 优 >= 90, 良 >= 80, 中 >= 60, 差 otherwise
fact 偏差率: %
fact 制度: "制定并实施" | "未制定"

indicator 偏差 weight 60 {
  # above the score
  score 60 if 偏差率 <= 10% else 30 if <= 20% else 0  # trailing on the score
  # before the closing brace
}
indicator 制度建设 weight 40 {
  score by 制度 { "制定并实施" -> 40, otherwise -> 0 }
}
# at the end
"""


def test_a_messy_file_gets_the_canonical_layout_with_its_comments_in_place() -> None:
    assert formatted(MESSY) == MESSY_FORMATTED
    assert_formats_faithfully(MESSY)


CONDITION_FIRST = """\
fact 偏差率: %
fact 已公开: boolean
indicator 执行 weight 60 {
  若偏差率≤10%得60分，否则若偏差率≤20%得30分，否则不得分
}
indicator 公开 weight 40 {
  if 已公开 then 40, else 0
}
"""


def test_a_standard_written_condition_first_stays_condition_first() -> None:
    assert formatted(CONDITION_FIRST) == """\
fact 偏差率: %
fact 已公开: boolean
indicator 执行 weight 60 {
  if 偏差率 <= 10% then 60 分, else if 偏差率 <= 20% then 30 分, else 0
}
indicator 公开 weight 40 {
  if 已公开 then 40, else 0
}
"""
    assert formatted(CONDITION_FIRST, "zh") == """\
事实 偏差率: %
事实 已公开: 是否
指标 执行 分值 60 {
  若 偏差率 <= 10% 得 60 分，否则若 偏差率 <= 20% 得 30 分，否则不得分
}
指标 公开 分值 40 {
  若 已公开 得 40，否则不得分
}
"""
    assert_formats_faithfully(CONDITION_FIRST)


def test_a_long_tier_chain_gets_one_tier_a_line() -> None:
    long_names = "fact 这是一个名字很长很长的用于测试换行的事实: %\n"
    rule = ("indicator 测试 weight 10 {\n  score 10 if 这是一个名字很长很长的用于测试换行的事实 >= 90% "
            "else 8 if >= 80% else 6 if >= 70% else 4 if >= 60% else 0\n}\n")
    out = formatted(long_names + rule)
    assert out.splitlines()[2:7] == [
        "  score 10 if 这是一个名字很长很长的用于测试换行的事实 >= 90%",
        "    else 8 if >= 80%",
        "    else 6 if >= 70%",
        "    else 4 if >= 60%",
        "    else 0",
    ]
    assert meaning(out) == meaning(long_names + rule)


def test_names_and_texts_are_quoted_only_where_the_grammar_needs_it() -> None:
    text = ('fact 「若干项目数」: 个\nfact 「是」: 个\nfact 目标值: 个\n'
            'indicator "高校毕业生、流动人员档案转寄" weight 100 {\n'
            '  standard “含\"引号\"的标准”\n'
            '  score 100 if 「若干项目数」 >= 1 个 and 「是」 >= 目标值 else 0\n}\n')
    out = formatted(text)
    assert 'fact 「若干项目数」: 个' in out and 'fact 「是」: 个' in out and "fact 目标值: 个" in out
    assert 'indicator "高校毕业生、流动人员档案转寄" weight 100 {' in out
    assert 'standard “含"引号"的标准”' in out
    assert_formats_faithfully(text)


# ---- the command -------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def test_fmt_rewrites_in_place_and_then_has_nothing_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    Path("a.perfeval").write_text(MESSY, encoding="utf-8")
    Path("b.perfeval").write_text(MESSY_FORMATTED, encoding="utf-8")
    code, out, err = run(capsys, "fmt", "a.perfeval", "b.perfeval")
    assert (code, out, err) == (0, "", "reformatted 1 of 2 files\n")
    assert Path("a.perfeval").read_text(encoding="utf-8") == MESSY_FORMATTED
    assert sorted(p.name for p in Path().iterdir()) == ["a.perfeval", "b.perfeval"]  # no temporary file left
    code, out, err = run(capsys, "fmt", "--check", "a.perfeval", "b.perfeval")
    assert (code, out, err) == (0, "", "")


def test_check_and_diff_change_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    Path("a.perfeval").write_text(MESSY, encoding="utf-8")
    code, out, err = run(capsys, "fmt", "--check", "a.perfeval")
    assert (code, out, err) == (1, "", "would reformat a.perfeval\n")
    code, out, _ = run(capsys, "fmt", "--diff", "a.perfeval")
    assert code == 0
    assert out.startswith("--- a.perfeval\n+++ a.perfeval (formatted)\n")
    assert "-title   \"示例\"   # trailing on the title\n+title \"示例\"  # trailing on the title\n" in out
    assert Path("a.perfeval").read_text(encoding="utf-8") == MESSY


def test_fmt_keeps_a_byte_order_mark_and_windows_line_ends(capsys: pytest.CaptureFixture[str]) -> None:
    Path("a.perfeval").write_bytes(("\ufeff" + MESSY.replace("\n", "\r\n")).encode("utf-8"))
    code, _, _ = run(capsys, "fmt", "a.perfeval")
    assert code == 0
    assert Path("a.perfeval").read_bytes() == ("\ufeff" + MESSY_FORMATTED.replace("\n", "\r\n")).encode("utf-8")


def test_keywords_convert_both_ways(capsys: pytest.CaptureFixture[str]) -> None:
    Path("a.perfeval").write_text(SEED_RULES, encoding="utf-8")
    assert run(capsys, "fmt", "--keywords", "zh", "a.perfeval")[0] == 0
    assert Path("a.perfeval").read_text(encoding="utf-8") == ZH_SEED
    assert run(capsys, "fmt", "--keywords", "en", "a.perfeval")[0] == 0
    assert Path("a.perfeval").read_text(encoding="utf-8") == SEED_RULES


def test_a_file_that_does_not_parse_is_reported_and_left_alone(capsys: pytest.CaptureFixture[str]) -> None:
    broken = "indicator x weight 10 {\n  score 10 if\n}\n"
    Path("broken.perfeval").write_text(broken, encoding="utf-8")
    Path("good.perfeval").write_text(MESSY, encoding="utf-8")
    code, _, err = run(capsys, "fmt", "broken.perfeval", "good.perfeval", "missing.perfeval")
    assert code == 2  # the worst: a file that cannot be read
    assert re.search(r"error\[PE10\d\].*\n  --> broken.perfeval:3:1", err)
    assert "error[PE001]: there is no file `missing.perfeval`" in err
    assert Path("broken.perfeval").read_text(encoding="utf-8") == broken
    assert Path("good.perfeval").read_text(encoding="utf-8") == MESSY_FORMATTED  # the others are formatted
    code, _, _ = run(capsys, "fmt", "--check", "broken.perfeval")
    assert code == 1


def test_an_indicator_without_items_is_formatted() -> None:
    # Found by the fuzzing of generated files: an empty indicator (a check error, PE305) made fmt raise ValueError.
    text = "total 1\nindicator 甲 weight 1 {\n}\n"
    assert format_rules(Source("r.perfeval", text)) == (text, [])


def test_checklist_items_keep_apart_after_fmt() -> None:
    # Found by fuzzing generated files: items one a line, `人数 then 0` after `… then 0`, read as `0 人` and `数`.
    text = "total 1\nfact 人数: boolean\nindicator 甲 weight 1 {\n  score checklist { 人数 then 0, 人数 then 1 }\n}\n"
    formatted, _ = format_rules(Source("r.perfeval", text))
    assert formatted == ("total 1\nfact 人数: boolean\nindicator 甲 weight 1 {\n  score checklist {\n"
                         "    人数 then 0,\n    人数 then 1\n  }\n}\n")
    assert parse(Source("f", formatted))[0] == parse(Source("t", text))[0]


LEVELS = """标题 "测试"
总分 10
等级 优 >= 9, 差 其他
事实 甲: 个
{top} 部门决策 分值 10 {{
  {middle} 目标 分值 10 {{
    {leaf} 数量 分值 6 {{
      得分 6 若 甲 >= 1 个 否则 0
    }}
    指标 质量 分值 4 {{
      得分 4 若 甲 >= 2 个 否则 0
    }}
  }}
}}
"""


@pytest.mark.parametrize(("top", "middle", "leaf"), [("分组", "二级指标", "三级指标"), ("一级指标", "分组", "指标"),
                                                     ("分组", "分组", "三级指标")])
def test_the_chinese_word_for_a_level_of_the_table_is_kept(top: str, middle: str, leaf: str) -> None:
    # 一级指标/二级指标/三级指标 say where a row sits in the report's table; 分组 and 指标 do not: fmt keeps
    # whichever the author wrote, and only a conversion to English makes them `group` and `indicator`.
    text = LEVELS.format(top=top, middle=middle, leaf=leaf)
    assert formatted(text) == text
    english = formatted(text, "en")
    assert [line.split()[0] for line in english.splitlines() if line.rstrip().endswith("{")] == [
        "group", "group", "indicator", "indicator"]
    back = formatted(english, "zh")
    assert [line.split()[0] for line in back.splitlines() if line.rstrip().endswith("{")] == [
        "一级指标", "二级指标", "指标", "指标"]
