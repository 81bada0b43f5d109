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
