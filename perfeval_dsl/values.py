"""Units, value types and the exact-decimal policy.

Owns the unit table (money converts exactly: 万元 = 10⁴ 元, 亿元 = 10⁸ 元; counts such as 人 个 户 场 份 are
labels; 分 is points; % and ‰ are ratios), unit algebra for the checker, the static types of values
(`NumberType`, `JudgementType`, `BoolType`, `TextType`), parsing of numbers as reports write them
(`8,567,111.51 元`, `4.89%`, `8217.07 万元`) and formatting for traces. At run time a number is a bare
`Decimal` in its base unit: units are settled before evaluation, so the evaluator does no unit work.

Never import `float` into this flow: every number is built from its text. Imports only `source`-free stdlib.
"""

from __future__ import annotations

import datetime
import decimal
import re
from decimal import Decimal
from typing import Union

import attrs

# One decimal context for all evaluation: precision well above any money amount, and an exponent range
# small enough that no input can make a number take unbounded memory or time.
CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_UP,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

MONEY = "元"
POINTS = "分"

Dim = tuple[tuple[str, int], ...]
DIMENSIONLESS: Dim = ()


@attrs.frozen
class UnitInfo:
    """What a unit word means: its dimension, its factor to the base unit, and how it displays."""

    word: str
    dim: Dim
    factor: Decimal
    percent: bool = False


def _unit_table() -> dict[str, UnitInfo]:
    table: dict[str, UnitInfo] = {
        "元": UnitInfo("元", ((MONEY, 1),), Decimal(1)),
        "万元": UnitInfo("万元", ((MONEY, 1),), Decimal(10) ** 4),
        "亿元": UnitInfo("亿元", ((MONEY, 1),), Decimal(10) ** 8),
        "分": UnitInfo("分", ((POINTS, 1),), Decimal(1)),
        "%": UnitInfo("%", DIMENSIONLESS, Decimal("0.01"), percent=True),
        "％": UnitInfo("％", DIMENSIONLESS, Decimal("0.01"), percent=True),
        "‰": UnitInfo("‰", DIMENSIONLESS, Decimal("0.001"), percent=True),
    }
    for label in COUNT_UNITS:
        table[label] = UnitInfo(label, ((label, 1),), Decimal(1))
    for label in ("人次", "人", "户"):
        table["万" + label] = UnitInfo("万" + label, ((label, 1),), Decimal(10) ** 4)
    return table


COUNT_UNITS = ("人次", "人", "个", "户", "场", "份", "件", "次", "项", "家", "名", "所", "台", "套", "批", "期",
               "篇", "天")
UNITS: dict[str, UnitInfo] = _unit_table()


def dim_mul(a: Dim, b: Dim, sign: int = 1) -> Dim:
    powers: dict[str, int] = dict(a)
    for base, power in b:
        powers[base] = powers.get(base, 0) + sign * power
    return tuple(sorted((base, p) for base, p in powers.items() if p != 0))


def dim_name(dim: Dim) -> str:
    """`元`, `人`, `元/人`, or `no unit`."""
    if not dim:
        return "no unit"
    top = [b if p == 1 else f"{b}^{p}" for b, p in dim if p > 0]
    bottom = [b if p == -1 else f"{b}^{-p}" for b, p in dim if p < 0]
    text = "·".join(top) or "1"
    return text + ("/" + "·".join(bottom) if bottom else "")


# ---- static types ------------------------------------------------------------------------------


@attrs.frozen
class NumberType:
    """A number of some dimension. `flexible` marks a bare literal (`12000`), which takes the count unit of
    what it meets; `percent` and `display` only change how values print."""

    dim: Dim = DIMENSIONLESS
    percent: bool = False
    flexible: bool = False
    display: UnitInfo | None = None

    def describe(self) -> str:
        if self.flexible:
            return "a plain number"
        if not self.dim:
            return "a percentage" if self.percent else "a plain number"
        if self.dim == ((MONEY, 1),):
            return "money (元)"
        if self.dim == ((POINTS, 1),):
            return "points (分)"
        return f"a number of {dim_name(self.dim)}"


@attrs.frozen
class JudgementType:
    """One of a fixed set of judgement texts, such as 制定并实施 / 制定未实施 / 未制定."""

    options: tuple[str, ...]

    def describe(self) -> str:
        return "a judgement (" + " | ".join(f'"{o}"' for o in self.options) + ")"


@attrs.frozen
class StringType:
    """A string literal written in a rule; it may be compared with a judgement or a text."""

    value: str

    def describe(self) -> str:
        return "a text"


@attrs.frozen
class BoolType:
    def describe(self) -> str:
        return "yes/no"


@attrs.frozen
class TextType:
    def describe(self) -> str:
        return "a text"


@attrs.frozen
class DateType:
    """A calendar date (`2023-06-30`). At run time a date is the `Decimal` number of its day (`date.toordinal`),
    so that comparing dates and subtracting them (days, in 天) are the evaluator's plain decimal operations."""

    def describe(self) -> str:
        return "a date"


@attrs.frozen
class ListType:
    """A list of items with the same fields (sub-projects, 子项目), each field a single value."""

    fields: tuple[tuple[str, ValueType], ...]

    def field(self, name: str) -> ValueType | None:
        return next((t for n, t in self.fields if n == name), None)

    def describe(self) -> str:
        return "a list of items (" + ", ".join(n for n, _ in self.fields) + ")"


ValueType = Union[NumberType, JudgementType, StringType, BoolType, TextType, DateType, ListType]  # noqa: UP007
# A list fact's value is a tuple of items, each its fields' values by name.
Value = Union[Decimal, str, bool, tuple[dict[str, "Value"], ...]]  # noqa: UP007


class NotApplicable(str):
    """The value of a fact given as 不适用 (N/A): a text, so that it is a `Value`, told apart by its type."""

    __slots__ = ()


NOT_APPLICABLE = NotApplicable("不适用")
NOT_APPLICABLE_WORDS = frozenset({"不适用", "N/A", "n/a", "NA"})


def dim_name_zh(dim: Dim) -> str:
    """`dim_name` in Chinese: `元`, `人`, `元/人`, or `无单位`."""
    return dim_name(dim) if dim else "无单位"


def describe_zh(value_type: ValueType) -> str:
    """`value_type.describe()` in Chinese, for the Chinese words of a diagnostic."""
    if isinstance(value_type, NumberType):
        if value_type.flexible or not value_type.dim:
            return "百分比" if value_type.percent and not value_type.flexible else "不带单位的数"
        if value_type.dim == ((MONEY, 1),):
            return "金额（元）"
        if value_type.dim == ((POINTS, 1),):
            return "分数（分）"
        return f"以 {dim_name(value_type.dim)} 计的数"
    if isinstance(value_type, JudgementType):
        return "答案（" + " | ".join(f'"{o}"' for o in value_type.options) + "）"
    if isinstance(value_type, BoolType):
        return "是/否"
    if isinstance(value_type, DateType):
        return "日期"
    if isinstance(value_type, ListType):
        return "列表（" + "、".join(n for n, _ in value_type.fields) + "）"
    return "文本"


def counted_unit(value_type: ValueType | None) -> str | None:
    """The count label (人, 个, 户 …) of a count type, else None. Counts are never negative; all but 天 are
    whole."""
    if isinstance(value_type, NumberType) and len(value_type.dim) == 1:
        (base, power), = value_type.dim
        if power == 1 and base in COUNT_UNITS:
            return base
    return None


def number_type_for_unit(word: str) -> NumberType:
    info = UNITS[word]
    return NumberType(dim=info.dim, percent=info.percent, display=None if info.percent else info)


# ---- numbers as reports write them -------------------------------------------------------------

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")
_NUMBER_TEXT = re.compile(
    r"^\s*(?P<sign>[+\-−]?)\s*(?P<digits>(\d{1,3}(,\d{3})+|\d+)(\.\d+)?)\s*(?P<unit>\S*)\s*$"
)


class NumberTextError(ValueError):
    """The text is not a number in a form perfeval reads."""


def normalise_width(text: str) -> str:
    """Full-width digits and signs to ASCII, so `８,５６７．５１` reads like `8,567.51`."""
    return text.translate(_FULL_WIDTH).replace("\u3000", " ")


def parse_number_text(text: str) -> tuple[Decimal, str]:
    """Split `8,567,111.51 元` into (Decimal('8567111.51'), '元'); the unit may be empty. A number written in
    Chinese words (`九十五人`, `一万二千三百 元`, `百分之九十五`) is read too, where it can mean one thing only.

    Raises NumberTextError when the text is not a number followed by at most one word.
    """
    match = _NUMBER_TEXT.match(normalise_width(text))
    if match is None:
        words = chinese_number_text(text)
        if words is None:
            raise NumberTextError(text)
        return words
    digits = match["digits"].replace(",", "")
    amount = Decimal(digits)
    if match["sign"] in ("-", "−"):
        amount = -amount
    return amount, match["unit"]


# ---- numbers in Chinese words --------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PLACES = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "零〇一二两三四五六七八九十百千万亿点"
_ABOUT = ("几", "多", "余", "来", "左右", "上下", "以上", "以下", "约", "近")
_CHINESE_NUMBER = re.compile(
    rf"^\s*(?P<sign>负?)\s*(?P<share>百分之|千分之)?(?P<words>[{_NUMERAL}]+)\s*(?P<unit>\S*)\s*$")


def chinese_number_text(text: str) -> tuple[Decimal, str] | None:
    """`九十五人` as (95, '人'), `百分之九十五` as (95, '%'), `三点五万元` as (35000, '元'), or None when the text
    is not a number in words that means one thing only: `一百二` (120, or 100 and 2?), `十几`, `九十多`, `约九十`
    are None, as is a number of more than 18 digits."""
    match = _CHINESE_NUMBER.match(text.replace("\u3000", " "))
    if match is None:
        return None
    words, unit = match["words"], match["unit"]
    if any(word in unit for word in _ABOUT):
        return None  # `十几人`, `九十多个`, `95 人左右`: a number only roughly
    if match["share"]:
        if unit:
            return None  # `百分之九十五人` is no percentage
        unit = "%" if match["share"] == "百分之" else "‰"
    scale = 1
    if "点" in words and words[-1] in "万亿":  # 三点五万: 3.5 × 10,000
        scale, words = (10**4 if words[-1] == "万" else 10**8), words[:-1]
    whole, point, fraction = words.partition("点")
    amount = _chinese_whole(whole)
    if amount is None or (point and not fraction) or any(c not in _DIGITS for c in fraction):
        return None
    value = Decimal(f"{amount}.{''.join(str(_DIGITS[c]) for c in fraction)}" if point else amount) * scale
    if match["sign"]:
        value = -value
    if not in_range(value):
        return None
    return value, unit


def _chinese_whole(words: str) -> int | None:
    """The whole number `words` writes (`一万二千零五` is 12005), or None when it is not written in one way only."""
    if not words:
        return None
    if all(c in _DIGITS for c in words):  # read digit by digit, as a year is: 二〇二〇
        return int("".join(str(_DIGITS[c]) for c in words)) if len(words) == 1 or words[0] not in "零〇" else None
    total = 0
    rest = words
    for big, size in (("亿", 10**8), ("万", 10**4)):
        head, found, tail = rest.partition(big)
        if found:
            part = _chinese_section(head)
            if part is None or part == 0 or big in tail:
                return None
            total += part * size
            rest = tail.removeprefix("零")
    section = _chinese_section(rest) if rest else 0
    return None if section is None else total + section


def _chinese_section(words: str) -> int | None:
    """A number below 10,000 in words: `三千零五十` is 3050, `十五` is 15; None for `一百二` (colloquial, read by
    some as 120) or a place out of order."""
    value, place, digit, zero = 0, 10_000, None, False
    for index, char in enumerate(words):
        if char in ("零", "〇"):
            if digit is not None or zero:
                return None
            zero = True
        elif char in _DIGITS:
            if digit is not None:
                return None  # two digits running together: 一二十
            digit = _DIGITS[char]
        elif char in _PLACES:
            size = _PLACES[char]
            if size >= place or (digit is None and not (char == "十" and index == 0)) or digit == 0:
                return None
            value += (digit if digit is not None else 1) * size
            place, digit, zero = size, None, False
        else:
            return None
    if digit is not None:
        if place == 10_000 or place == 10 or zero:
            value += digit  # the ones: 十五, 一百零五, or a single digit
        else:
            return None  # `一百二`: 102 or 120 — not one reading
    elif zero:
        return None  # ends in 零
    return value


# Facts and literals beyond this are refused: no evaluation report counts past 10¹⁸ (a billion 亿元), and a
# bound keeps every computation small.
MAGNITUDE_LIMIT = 18


def in_range(amount: Decimal) -> bool:
    """Finite, and at most 18 digits before the decimal point and 18 after (as written)."""
    if not amount.is_finite():
        return False
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAGNITUDE_LIMIT:
        return False
    return amount.is_zero() or -MAGNITUDE_LIMIT <= amount.adjusted() < MAGNITUDE_LIMIT


def literal_number(digits: str) -> Decimal:
    """A NUMBER token of the grammar (ASCII or full-width digits) as a Decimal."""
    return Decimal(normalise_width(digits))


# ---- display -----------------------------------------------------------------------------------


def plain(amount: Decimal) -> str:
    """The exact decimal without exponent or trailing zeros: 98, 0.1, 8567111.51.

    Works on the digits alone (no context arithmetic), so it cannot fail on any finite value.
    """
    text = format(amount, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _grouped(amount: Decimal) -> str:
    exponent = amount.as_tuple().exponent
    # Money reads in yuan and fen (8,567,111.50 元) whenever that is exact.
    text = plain(amount)
    if isinstance(exponent, int) and exponent >= -2 and "." in text:
        text = text.partition(".")[0] + "." + text.partition(".")[2].ljust(2, "0")
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    whole = ",".join([whole, *groups])
    return sign + whole + ("." + frac if frac else "")


def _short(amount: Decimal, places: int) -> str:
    """Exact when it has at most `places` decimals, else rounded and marked with ≈."""
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -places:
        return plain(amount)
    context = decimal.Context(prec=max(CONTEXT.prec, amount.adjusted() + places + 2), rounding=decimal.ROUND_HALF_UP)
    return "≈" + plain(amount.quantize(Decimal(1).scaleb(-places), context=context))


def format_value(value: Value, value_type: ValueType | None = None) -> str:
    """A value as a reviewer reads it: `8,567,111.51 元`, `4.89%`, `16763 个`, `"清晰合理"`, `yes`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):  # a list: each item's fields
        fields = dict(value_type.fields) if isinstance(value_type, ListType) else {}
        return "; ".join("{" + ", ".join(f"{name} {format_value(field, fields.get(name))}"
                                          for name, field in item.items()) + "}" for item in value) or "(no items)"
    if isinstance(value_type, DateType):
        return date_text(value)
    with decimal.localcontext(CONTEXT):
        if isinstance(value_type, NumberType):
            if value_type.percent:
                return _short(value * 100, 10) + "%"
            if value_type.display is not None:
                info = value_type.display
                shown = value / info.factor
                if info.dim == ((MONEY, 1),):
                    return _grouped(shown) + " " + info.word
                return _short(shown, 6) + " " + info.word
            if value_type.dim == ((MONEY, 1),):
                return _grouped(value) + " 元"
            if value_type.dim and value_type.dim != ((POINTS, 1),):
                return _short(value, 6) + " " + dim_name(value_type.dim)
        return _short(value, 6)


# ---- dates --------------------------------------------------------------------------------------

# The ways reports and spreadsheets write a day: 2023-06-30, 2023/6/30, 2023.6.30, 2023年6月30日 (digits full-width
# or not), and the ISO text of a spreadsheet's date cell (2023-06-30T00:00:00).
_DATE_TEXT = re.compile(r"^\s*(\d{4})\s*(?:(-|/|\.)\s*(\d{1,2})\s*\2\s*(\d{1,2})"
                        r"|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)(?P<time>[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                        r"(?:Z|[+-]\d{2}:?\d{2})?)?\s*$")
_MIDNIGHT = re.compile(r"^[T ]0{1,2}:00(?::00(?:\.0+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
FIRST_DAY = datetime.date(1900, 1, 1)  # dates before it are typing slips (20230630 read as 2023-06-30 is not)
LAST_DAY = datetime.date(2199, 12, 31)


class DateTextError(ValueError):
    """Why a text is not a date: not written as one, or a day the calendar does not have."""


def parse_date_text(text: str) -> datetime.date:
    """A day as written: `2023-06-30`, `2023/6/30`, `2023.6.30` or `2023年6月30日`."""
    match = _DATE_TEXT.match(normalise_width(text))
    if match is None:
        raise DateTextError("not a date")
    if match.group("time") and not _MIDNIGHT.match(match.group("time")):
        raise DateTextError("a date with a time of day, and perfeval reads whole days")
    year = int(match.group(1))
    month = int(match.group(3) or match.group(5))
    day = int(match.group(4) or match.group(6))
    try:
        found = datetime.date(year, month, day)
    except ValueError:
        raise DateTextError("not a day of the calendar") from None
    if not FIRST_DAY <= found <= LAST_DAY:
        raise DateTextError(f"outside the years {FIRST_DAY.year} to {LAST_DAY.year}")
    return found


def date_reason_zh(reason: str) -> str:
    """Why a text is not a date (a `DateTextError`), in Chinese."""
    if reason == "not a date":
        return "不是按年-月-日写的日期"
    if reason.startswith("outside"):
        return f"不在 {FIRST_DAY.year} 到 {LAST_DAY.year} 年之间"
    if "time of day" in reason:
        return "带有时刻，而 perfeval 按整天读取日期"
    return "是日历上没有的一天"


def day_number(day: datetime.date) -> Decimal:
    """A date as the evaluator holds it: the number of its day, counted from 0001-01-01 as day 1."""
    return Decimal(day.toordinal())


def date_text(value: Decimal) -> str:
    """The evaluator's day number as a date: `2023-06-30`; part of a day (a date plus `0.5 天`) as `+ 0.5 天`."""
    whole = value.to_integral_value(rounding=decimal.ROUND_FLOOR)
    try:
        shown = datetime.date.fromordinal(int(whole)).isoformat()
    except (ValueError, OverflowError):  # arithmetic went past the calendar (a date plus 10⁹ 天)
        return f"day {plain(value)}"
    return shown if whole == value else f"{shown} + {plain(value - whole)} 天"


def format_points(amount: Decimal) -> str:
    """A score for a trace: exact up to four decimals, else rounded and marked with ≈ (JSON keeps all digits)."""
    return _short(amount, 4)
