"""Generated inputs for the benchmarks: a rule file of any number of indicators, in the seed's shapes."""

from __future__ import annotations


def rule_file(indicators: int) -> str:
    """A valid rule file: `indicators` indicators in groups of ten, each worth 100/indicators points … made
    whole by giving every indicator weight 1 and the file a total of `indicators`."""
    lines = ['title "生成的规则文件"', f"total {indicators}",
             "grades 优 >= " + str(indicators * 9 // 10) + ", 良 >= " + str(indicators * 8 // 10) + ", 差 otherwise"]
    for i in range(indicators):
        kind = i % 4
        if kind == 0:
            lines += [f"fact 预算{i}: 元", f"fact 实际{i}: 元", f"let 偏差率{i} = (实际{i} - 预算{i}) / 预算{i}"]
        elif kind == 1:
            lines.append(f"fact 满意率{i}: %")
        elif kind == 2:
            lines.append(f'fact 制度{i}: "制定并实施" | "制定未实施" | "未制定"')
        else:
            lines.append(f"fact 人数{i}: 人")
    for group in range(0, indicators, 10):
        lines.append(f"group 分组{group // 10} {{")
        for i in range(group, min(group + 10, indicators)):
            lines.append(f"  indicator 指标{i} weight 1 {{")
            lines.append(f'    standard "第 {i} 项的评分标准"')
            kind = i % 4
            if kind == 0:
                lines.append(f"    score 1 if 偏差率{i} <= 10% else 0.6 if <= 20% else 0")
            elif kind == 1:
                lines.append(f"    score 1 if 满意率{i} >= 90% else 0.6 if 满意率{i} >= 80% else 0")
            elif kind == 2:
                lines.append(f'    score by 制度{i} {{ "制定并实施" -> 1, "制定未实施" -> 0.3, otherwise -> 0 }}')
            else:
                lines.append(f"    score 1 if 人数{i} >= 1000 人 else 0")
            lines.append("  }")
        lines.append("}")
    return "\n".join(lines) + "\n"


def seed_unit_table(units: int, broken_every: int = 0) -> str:
    """A CSV unit table for the seed rules: `units` rows of varied but plausible facts, as Excel writes them
    (money with thousands separators, in quotes). With `broken_every`, every such row has a mistyped value."""
    import csv
    import io
    import random

    facts = [
        ("部门职能", lambda r: r.choice(["清晰合理", "清晰合理", "不清晰合理"])),
        ("科室职能", lambda r: "清晰合理"),
        ("年度工作计划", lambda r: r.choice(["制定了计划", "未制定"])),
        ("项目总数", lambda r: f"{r.randint(10, 40)} 个"),
        ("设定指标体系的项目数", lambda r: f"{r.randint(5, 10)} 个"),
        ("预算基本支出", lambda r: f"{r.randint(5_000_000, 9_000_000):,}.{r.randint(0, 99):02d} 元"),
        ("实际基本支出", lambda r: f"{r.randint(5_000_000, 9_000_000):,}.{r.randint(0, 99):02d} 元"),
        ("预算项目支出", lambda r: f"{r.randint(20, 30)},{r.randint(0, 999):03d},{r.randint(0, 999):03d}.08 元"),
        ("实际项目支出", lambda r: f"{r.randint(20, 30)},{r.randint(0, 999):03d},{r.randint(0, 999):03d}.08 元"),
        ("与补助文件不一致的项目数", lambda r: f"{r.choice([0, 0, 0, 1, 2, 3])} 个"),
        ("资产管理制度", lambda r: r.choice(["制定并实施", "制定未实施", "未制定"])),
        ("财务管理制度", lambda r: r.choice(["制定并实施", "制定并实施", "制定未实施"])),
        ("项目管理制度", lambda r: "制定并实施"),
        ("提供有效就业岗位数", lambda r: f"{r.randint(10_000, 18_000)} 个"),
        ("开发公益性岗位数", lambda r: f"{r.randint(150, 250)} 个"),
        ("公益性岗位补贴人数", lambda r: f"{r.randint(90, 130)} 人"),
        ("失业保险稳岗返还户数", lambda r: f"{r.randint(80, 150)} 户"),
        ("农村劳动力培训人数", lambda r: f"{r.randint(10_000, 14_000)} 人"),
        ("转移培训人数", lambda r: f"{r.randint(3_000, 5_000)} 人"),
        ("引导性培训人数", lambda r: f"{r.randint(2_500, 3_500)} 人"),
        ("农村劳动力转移就业人数", lambda r: f"{r.randint(3_500, 5_000)} 人"),
        ("新增农村劳动力转移就业人数", lambda r: f"{r.randint(350, 500)} 人"),
        ("精准帮扶东川区转移就业人数", lambda r: f"{r.randint(600, 800)} 人"),
        ("精准帮扶禄劝县转移就业人数", lambda r: f"{r.randint(600, 800)} 人"),
        ("农村劳动力基础信息普查更新人数", lambda r: f"{r.randint(60_000, 70_000)} 人"),
        ("档案转寄份数", lambda r: f"{r.randint(450, 550)} 份"),
        ("就业招聘活动会场数", lambda r: f"{r.randint(12, 20)} 场"),
        ("补助资金到位率", lambda r: f"{r.randint(8_500, 10_000) / 100}%"),
        ("城镇登记失业率", lambda r: f"{r.randint(400, 600) / 100}%"),
        ("农村劳动力转移收入", lambda r: f"{r.randint(4_000, 9_000)}.{r.randint(0, 99):02d} 万元"),
        ("公益性岗位问卷发出份数", lambda r: f"{r.randint(20, 30)} 份"),
        ("公益性岗位问卷满意份数", lambda r: f"{r.randint(14, 20)} 份"),
        ("求职人员问卷发出份数", lambda r: f"{r.randint(25, 35)} 份"),
        ("求职人员问卷满意份数", lambda r: f"{r.randint(15, 25)} 份"),
    ]
    rng = random.Random(2020)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["单位名称"] + [name for name, _ in facts])
    for number in range(1, units + 1):
        row = [f"单位{number:06d}"] + [make(rng) for _, make in facts]
        if broken_every and number % broken_every == 0:
            row[16] = "约九十五人"  # 公益性岗位补贴人数 (the header's 17th column), written in words
        writer.writerow(row)
    return buffer.getvalue()
