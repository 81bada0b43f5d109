"""The seed's 29 scoring standards for other engines, and a hand-written baseline reading the facts' text.

Both peers take one expression: the sum of 29 conditional terms, over facts renamed x0, x1, … (rule-engine
reads only ASCII names). zen-engine's expressions compute in decimals (Rust); rule-engine's FLOAT is Python's
Decimal. The terms follow `test_bench_seed.hand_written` exactly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

FACTS = [
    "部门职能", "科室职能", "年度工作计划", "项目总数", "设定指标体系的项目数", "预算基本支出", "实际基本支出",
    "预算项目支出", "实际项目支出", "与补助文件不一致的项目数", "资产管理制度", "财务管理制度", "项目管理制度",
    "提供有效就业岗位数", "开发公益性岗位数", "公益性岗位补贴人数", "失业保险稳岗返还户数", "农村劳动力培训人数",
    "转移培训人数", "引导性培训人数", "农村劳动力转移就业人数", "新增农村劳动力转移就业人数",
    "精准帮扶东川区转移就业人数", "精准帮扶禄劝县转移就业人数", "农村劳动力基础信息普查更新人数", "档案转寄份数",
    "就业招聘活动会场数", "补助资金到位率", "城镇登记失业率", "农村劳动力转移收入", "公益性岗位问卷发出份数",
    "公益性岗位问卷满意份数", "求职人员问卷发出份数", "求职人员问卷满意份数",
]
X = {name: f"x{i}" for i, name in enumerate(FACTS)}
# The seed's fourteen "≥ target, 2 points" standards of 数量指标.
COUNT_TARGETS = (("提供有效就业岗位数", 12000), ("开发公益性岗位数", 200), ("公益性岗位补贴人数", 109),
                 ("失业保险稳岗返还户数", 100), ("农村劳动力培训人数", 11965), ("转移培训人数", 3965),
                 ("引导性培训人数", 3000), ("农村劳动力转移就业人数", 4000), ("新增农村劳动力转移就业人数", 400),
                 ("精准帮扶东川区转移就业人数", 700), ("精准帮扶禄劝县转移就业人数", 700),
                 ("农村劳动力基础信息普查更新人数", 65000), ("档案转寄份数", 500), ("就业招聘活动会场数", 17))


def _terms() -> list[str]:
    x = X
    terms = [
        f"({x['部门职能']} == '清晰合理' ? 3 : 0)",
        f"({x['科室职能']} == '清晰合理' ? 3 : 0)",
        f"({x['年度工作计划']} == '制定了计划' ? 3 : 0)",
    ]
    share = f"{x['设定指标体系的项目数']} / {x['项目总数']}"
    terms.append(f"({share} == 1 ? 8 : ({share} >= 0.8 and {share} <= 0.99) ? 5 : "
                 f"({share} >= 0.5 and {share} <= 0.79) ? 3 : 0)")
    for actual, budget, first, second in (("实际基本支出", "预算基本支出", "0.1", "0.2"),
                                          ("实际项目支出", "预算项目支出", "0.05", "0.1")):
        rate = f"({x[actual]} - {x[budget]}) / {x[budget]}"
        terms.append(f"({rate} <= {first} ? 5 : {rate} <= {second} ? 3 : 0)")
    n = x["与补助文件不一致的项目数"]
    terms.append(f"({n} == 0 ? 6 : {n} == 1 ? 3 : {n} == 2 ? 1 : 0)")
    for name in ("资产管理制度", "财务管理制度", "项目管理制度"):
        terms.append(f"({x[name]} == '制定并实施' ? 3 : {x[name]} == '制定未实施' ? 1 : 0)")
    for name, target in COUNT_TARGETS:
        terms.append(f"({x[name]} >= {target} ? 2 : 0)")
    terms.append(f"({x['补助资金到位率']} >= 0.9 ? 2 : 0)")
    terms.append(f"({x['城镇登记失业率']} <= 0.053 ? 4 : 0)")
    terms.append(f"({x['农村劳动力转移收入']} >= 48000000 ? 4 : 0)")
    for sent, satisfied in (("公益性岗位问卷发出份数", "公益性岗位问卷满意份数"),
                            ("求职人员问卷发出份数", "求职人员问卷满意份数")):
        rate = f"{x[satisfied]} / {x[sent]}"
        terms.append(f"({rate} >= 0.9 ? 10 : ({rate} >= 0.8 and {rate} <= 0.9) ? 6 : "
                     f"({rate} >= 0.6 and {rate} <= 0.8) ? 4 : 0)")
    return terms


EXPRESSION = " + ".join(_terms())


def renamed(values: dict[str, Any], number: type = Decimal) -> dict[str, Any]:
    """The seed's bound values under the peers' names; numbers as `number` (zen-engine takes floats)."""
    return {X[name]: (number(value) if isinstance(value, Decimal) else value) for name, value in values.items()
            if name in X}


def hand_parse(text: str) -> Decimal | str:
    """What a hand-written reader of the facts file does: `8,567,111.51 元` → Decimal, `4.89%` → 0.0489."""
    head = text.split()[0].replace(",", "") if text[:1].isdigit() or text[:1] == "-" else None
    if head is None:
        return text
    if head.endswith("%"):
        return Decimal(head[:-1]) / 100
    for unit, factor in (("万元", 10000), ("元", 1)):
        if text.endswith(unit):
            return Decimal(head.removesuffix(unit)) * factor
    digits = head.rstrip("个人户份场")
    return Decimal(digits)
