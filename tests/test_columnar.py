"""The columnar path of `perfeval batch` gives every unit exactly what the per-unit path gives.

The property tests write unit tables of every kind of cell a spreadsheet holds — plain and grouped numbers,
every unit word, full-width digits, padding, signs, 不适用, words, empty cells, odd quoting, repeated or
missing unit names, ragged rows, undeclared columns — and compare, unit by unit, the outcomes of the two
paths: names, totals (value and written form), grades, most lost indicators and every diagnostic. The other
tests show that the columnar path does take the rows it should (so the comparison is not of the per-unit
path with itself), and pin the exactness guards.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from batch_support import assert_same_on_both_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import perfeval_dsl as pe
from perfeval_dsl.batch import BatchReport
from perfeval_dsl.columnar import NotColumnar, score_columns, supported
from perfeval_dsl.compiler import CompiledRules
from perfeval_dsl.facts import read_text
from perfeval_dsl.units import read_table
from perfeval_dsl.values import BoolType, JudgementType, NumberType

ROOT = Path(__file__).resolve().parent.parent
SEED = pe.load_rules(ROOT / "rules" / "anning-2020.perfeval")
FORMS = pe.load_rules(Path(__file__).parent / "columnar" / "forms.perfeval")

PADDING = ["", "", "", " ", "  ", "\t", "\u3000", "\u00a0", "\u200b"]
UNIT_WORDS = ["", "", "元", "万元", "亿元", "%", "％", "‰", "人", "万人", "个", "天", "份", "户", "场", "分", "人左右",
              "kg"]
WORDS = ["不适用", "N/A", "n/a", "NA", "", " ", "九十五人", "1e5", "nan", "0x10", "约 95 人", "-", ".", "1.", ".5",
         "1,2,3", "12,345,67", "٣٤", "１２３", "１,２３４.５ 元", "+ 5", "− 5", "5 5"]
NAMES = ["甲", "乙", "丙", "丁", "戊", "己", "壬", "癸", " 庚 ", "", "辛\x07", "甲", "单位,一"]
YES_NO = ["是", "否", "yes", "NO", "True", "false", "对", "没有", "有", "无", "maybe", " 是 ", "YES ", "N/A", "不适用",
          "", "Ｙｅｓ"]


def _grouped(number: int) -> str:
    return f"{number:,}"


@st.composite
def number_cell(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(WORDS))
    magnitude = draw(st.sampled_from([10, 1000, 10**6, 10**9, 10**18, 10**21]))
    whole = draw(st.integers(0, magnitude))
    digits = _grouped(whole) if draw(st.booleans()) else str(whole)
    places = draw(st.sampled_from([0, 0, 0, 1, 2, 2, 3, 8, 9, 19]))
    if places:
        digits += "." + "".join(str(draw(st.integers(0, 9))) for _ in range(places))
    sign = draw(st.sampled_from(["", "", "", "", "-", "+", "−", "- "]))
    space = draw(st.sampled_from(["", " ", " ", "  ", "\u3000"]))
    unit = draw(st.sampled_from(UNIT_WORDS))
    return draw(st.sampled_from(PADDING)) + sign + digits + (space + unit if unit else "") + draw(
        st.sampled_from(PADDING))


@st.composite
def judgement_cell(draw: st.DrawFn, options: tuple[str, ...]) -> str:
    word = draw(st.sampled_from([*options, *options, *options, "不适用", "N/A", "", "其他", options[0] + "。"]))
    return draw(st.sampled_from(PADDING)) + word + draw(st.sampled_from(PADDING))


@st.composite
def text_cell(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["", "无", "N/A", "不适用", "有,逗号", 'a "quoted" word', " 空格 ", "=1+2", "x\x07y"]))


@st.composite
def tidy_number_cell(draw: st.DrawFn, value_type: NumberType) -> str:
    """A number as a tidy table writes it, in the fact's own unit or a sibling of it."""
    words = [value_type.display.word] if value_type.display is not None else []
    if value_type.percent:
        words = ["%"]
    elif value_type.display is not None and value_type.display.word in ("元", "万元"):
        words = ["元", "万元", "亿元"]
    elif not words:
        words = [""]
    whole = draw(st.integers(0, draw(st.sampled_from([3, 100, 20_000, 10**8]))))
    digits = _grouped(whole) if draw(st.booleans()) else str(whole)
    if not words[0] or (words[0] in ("元", "万元", "%", "天") and draw(st.booleans())):
        digits += "." + str(draw(st.integers(0, 99))).rjust(draw(st.integers(1, 2)), "0")
    word = draw(st.sampled_from(words))
    return digits + draw(st.sampled_from(["", " "])) + word if word else digits


def cell_for(rules: CompiledRules, name: str, tidy: bool = False) -> st.SearchStrategy[str]:
    value_type = rules.declared[name].type
    if tidy and isinstance(value_type, NumberType):
        return tidy_number_cell(value_type)
    if tidy and isinstance(value_type, JudgementType):
        return st.sampled_from(value_type.options)
    if tidy and isinstance(value_type, BoolType):
        return st.sampled_from(["是", "否", "yes", "NO", "True"])
    if tidy:
        return st.sampled_from(["", "无", "有,逗号", 'a "quoted" word'])
    if isinstance(value_type, NumberType):
        return number_cell()
    if isinstance(value_type, JudgementType):
        return judgement_cell(value_type.options)
    if isinstance(value_type, BoolType):
        return st.sampled_from(YES_NO)
    return text_cell()


@st.composite
def written(draw: st.DrawFn, cell: str, style: str) -> str:
    """A cell as a CSV writer writes it: quoted where needed (`minimal`, as Excel does) or always (`all`);
    or as a person might (`any`), now and then with a quote left open or text after the closing quote."""
    quoted = '"' + cell.replace('"', '""') + '"'
    if style == "all" or '"' in cell or "," in cell:
        if style == "any" and draw(st.integers(0, 29)) == 0:
            return draw(st.sampled_from([quoted + " ", quoted[:-1], quoted + "x", " " + quoted]))
        return quoted
    if style == "any" and draw(st.booleans()):
        return quoted
    return cell


@st.composite
def unit_table(draw: st.DrawFn, rules: CompiledRules) -> str:
    facts = [name for name in rules.declared]
    columns = draw(st.permutations(facts))
    if draw(st.integers(0, 19)) == 0:
        columns = columns[1:]  # a fact without a column
    if draw(st.integers(0, 19)) == 0:
        columns = [*columns, "未声明"]
    header = ["单位", *columns]
    lines = [",".join(header)]
    style = draw(st.sampled_from(["minimal", "minimal", "all"]))
    ragged = draw(st.integers(0, 9)) == 0
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(NAMES))
        tidy = draw(st.integers(0, 3)) > 0  # most rows tidy, for the columnar path to take
        cells = [name, *(draw(cell_for(rules, column, tidy)) if column in rules.declared else "x"
                         for column in columns)]
        if tidy and draw(st.booleans()):  # one messy cell
            spot = draw(st.integers(1, len(columns))) if columns else 0
            if spot and columns[spot - 1] in rules.declared:
                cells[spot] = draw(cell_for(rules, columns[spot - 1]))
        if ragged and draw(st.integers(0, 3)) == 0:
            cells = cells[:-1] if draw(st.booleans()) else [*cells, "多余"]  # a short or a long row
        by_hand = not tidy and draw(st.booleans())
        lines.append(",".join(draw(written(cell, "any" if by_hand else style)) for cell in cells))
        if draw(st.integers(0, 29)) == 0:
            lines.append(draw(st.sampled_from(["", "   ", ","])))
    ending = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return draw(st.sampled_from(["", "", "\ufeff"])) + ending.join(lines) + ending


def assert_same(rules: CompiledRules, path: Path) -> BatchReport:
    report = assert_same_on_both_paths(rules, path)
    assert report is not None
    return report


EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@EXAMPLES
@given(data=st.data())
def test_the_seeds_units_score_the_same_on_both_paths(data: st.DataObject, tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(data.draw(unit_table(SEED)), encoding="utf-8", newline="")
    assert_same(SEED, path)


@EXAMPLES
@given(data=st.data())
def test_every_form_the_columnar_path_takes_scores_the_same_on_both_paths(data: st.DataObject,
                                                                           tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(data.draw(unit_table(FORMS)), encoding="utf-8", newline="")
    assert_same(FORMS, path)


# ---- the columnar path is really taken ------------------------------------------------------------------


def clean_table(rows: int, seed: int = 7) -> str:
    """Rows of plausible values for FORMS, every cell in a form the columnar path reads."""
    chance = random.Random(seed)
    lines = ["单位,预算,实际,满意率,人数,天数,系数,按时报送,制度,备注"]
    for index in range(rows):
        budget = chance.randint(50, 2000)
        spent = budget * 10_000 + chance.randint(-300_000, 300_000)
        lines.append(",".join([
            f"单位{index}", f"{budget} 万元", f'"{spent:,}.{chance.randint(0, 99):02d} 元"',
            f"{chance.randint(30, 100)}%", f"{chance.randint(1, 300)} 人", f"{chance.randint(0, 30) / 2} 天",
            str(Decimal(chance.randint(0, 20)) / 10), chance.choice(["是", "否", "yes", "NO"]),
            chance.choice(["制定并实施", "制定未实施", "未制定"]), chance.choice(["", "无", '"有,逗号"'])]))
    return "\n".join(lines) + "\n"


def test_clean_rows_are_all_scored_column_by_column(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(clean_table(300), encoding="utf-8")
    scored = score_columns(FORMS, read_table(read_text(path)))
    report = assert_same(FORMS, path)
    # Every row the per-unit path scores, the columnar path scored; the rest matched no tier of 判断 (PE502).
    assert [score is not None for score in scored.scores] == [o.ok for o in report.outcomes]
    assert {d.code for o in report.failed for d in o.diagnostics} == {"PE502"}
    assert 100 < len(report.outcomes) - len(report.failed) < 300
    assert len({o.grade for o in report.outcomes if o.ok}) > 1  # more than one grade reached


def test_the_seed_rules_go_the_columnar_path() -> None:
    assert supported(SEED) and supported(FORMS)


@pytest.mark.parametrize("template", sorted((ROOT / "rules" / "templates").glob("*.perfeval")),
                         ids=lambda path: path.stem)
def test_rules_with_forms_it_does_not_evaluate_go_the_per_unit_path(template: Path) -> None:
    # The templates use proportions, deductions and judged scores (see rules/templates).
    assert not supported(pe.load_rules(template))


def test_a_rule_reading_a_text_goes_the_per_unit_path() -> None:
    text = (Path(__file__).parent / "columnar" / "forms.perfeval").read_text(encoding="utf-8")
    rules = pe.parse_rules(text.replace("score 2 if 按时报送 and", 'score 2 if 备注 == "无" and'))
    assert not supported(rules)


def test_rows_it_cannot_read_exactly_are_left_to_the_per_unit_path(tmp_path: Path) -> None:
    lines = clean_table(4).splitlines()
    lines[2] = lines[2].replace("万元", " 万元\u200b")  # a zero-width space: not padding to str.strip
    lines[3] = lines[3].replace("单位2", "单位0")  # a second row of one unit
    lines[4] = lines[4].replace(" 人", " 人以上")
    path = tmp_path / "units.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scored = score_columns(FORMS, read_table(read_text(path)))
    assert [score is None for score in scored.scores] == [False, True, False, True]  # the repeat: by name
    report = assert_same(FORMS, path)
    assert [o.ok for o in report.outcomes] == [True, False, False, False]
    assert [d.code for o in report.outcomes[1:] for d in o.diagnostics] == ["PE402", "PE406", "PE402"]


# ---- exactness ------------------------------------------------------------------------------------------


def one_row(tmp_path: Path, **values: str) -> Path:
    row = {"单位": "甲", "预算": "100 万元", "实际": "1,000,000 元", "满意率": "95%", "人数": "10 人", "天数": "1 天",
           "系数": "1", "按时报送": "是", "制度": "制定并实施", "备注": ""}
    row.update(values)
    path = tmp_path / "units.csv"
    path.write_text(",".join(row) + "\n" + ",".join(f'"{v}"' for v in row.values()) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("spent", "points"), [("1,100,000 元", "4"), ("1,100,000.01 元", "2.5"),
                                               ("900,000 元", "4"), ("899,999.99 元", "2.5"),
                                               ("1,200,000 元", "2.5"), ("1,200,000.01 元", "0")])
def test_a_deviation_of_exactly_the_bound_lands_in_its_tier(tmp_path: Path, spent: str, points: str) -> None:
    path = one_row(tmp_path, 实际=spent)
    scored = score_columns(FORMS, read_table(read_text(path)))
    assert scored.scores[0] is not None  # taken by the columnar path
    report = assert_same(FORMS, path)
    lost = dict(report.outcomes[0].lost)
    assert Decimal(4) - lost.get("偏差", Decimal(0)) == Decimal(points)


def quotient_rules(bound: str) -> CompiledRules:
    return pe.parse_rules(f"""
total 1
grades 优 >= 1, 差 otherwise
fact 甲: 个
fact 乙: 个
indicator 比例 weight 1 {{
  score 1 if 甲 / 乙 <= {bound} else 0
}}
""")


def test_a_quotient_whose_rounding_could_matter_goes_the_per_unit_path(tmp_path: Path) -> None:
    # Against a bound of 14 places, a quotient with a numerator of 18 digits is past what the guard allows
    # (the per-unit path compares the quotient rounded to 34 digits): that row is left to it, the other not.
    rules = quotient_rules("0.33333333333333")
    path = tmp_path / "units.csv"
    path.write_text("单位,甲,乙\n一,1 个,3 个\n二,333333333333333333 个,999999999999999999 个\n", encoding="utf-8")
    scored = score_columns(rules, read_table(read_text(path)))
    assert [s[0] if s else None for s in scored.scores] == [Decimal(0), None]
    report = assert_same(rules, path)
    assert [o.total for o in report.outcomes] == [Decimal(0), Decimal(0)]


def test_a_quotient_far_from_its_bound_is_compared_exactly(tmp_path: Path) -> None:
    rules = quotient_rules("33.34%")
    path = tmp_path / "units.csv"
    path.write_text("单位,甲,乙\n一,1 个,3 个\n二,1668 个,5000 个\n三,3334 个,10000 个\n四,5 个,0 个\n",
                    encoding="utf-8")
    scored = score_columns(rules, read_table(read_text(path)))
    assert [s[0] if s else None for s in scored.scores] == [Decimal(1), Decimal(0), Decimal(1), None]  # 四: ÷ 0
    report = assert_same(rules, path)
    assert report.outcomes[3].diagnostics[0].code == "PE501"


def test_a_product_past_64_bits_leaves_its_row_to_the_per_unit_path(tmp_path: Path) -> None:
    rules = pe.parse_rules("""
total 1
grades 优 >= 1, 差 otherwise
fact 甲: 个
fact 乙: 个
indicator 乘积 weight 1 {
  score 1 if 甲 * 乙 > 10 else 0
}
""")
    path = tmp_path / "units.csv"
    path.write_text("单位,甲,乙\n一,999999999999999999 个,999999999999999999 个\n二,3 个,4 个\n", encoding="utf-8")
    scored = score_columns(rules, read_table(read_text(path)))
    assert [s[0] if s else None for s in scored.scores] == [None, Decimal(1)]
    report = assert_same(rules, path)
    assert [o.total for o in report.outcomes] == [Decimal(1), Decimal(1)]


def test_a_table_arrow_cannot_read_goes_the_per_unit_path(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("单位,甲,乙\n一,1 个\n二,3 个,4 个\n", encoding="utf-8")  # a short row
    with pytest.raises(NotColumnar):
        score_columns(quotient_rules("50%"), read_table(read_text(path)))
    report = assert_same(quotient_rules("50%"), path)
    assert [o.ok for o in report.outcomes] == [False, True]
