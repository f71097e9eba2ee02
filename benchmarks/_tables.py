"""Markdown pieces of ``benchmarks/speed.py``'s report.

- :func:`section_table`: the table of (a), (b) and (e), one row per method:
  median fit and predict seconds, throughput, and the median ratios of
  per-sequence times to a reference method;
- :func:`goal_line`: a measured ratio next to its goal, **met** or
  **missed**.
"""

import statistics

# isort: split
from _timing import median_ratio


def section_table(times, epochs, reference, against="RNNClassifier's"):
    """Markdown table: medians, throughput, ratios to ``reference``.

    ``against`` names the reference in the header.
    """
    lines = [
        "| method | sequences | fit s | train seq/s | predict s | predict seq/s "
        f"| fit time ÷ {against} | predict time ÷ {against} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t in times.items():
        fit, predict = statistics.median(t["fit"]), statistics.median(t["predict"])
        lines.append(
            f"| {name} | {t['n']} | {fit:.2f} | {t['n'] * epochs / fit:,.0f} "
            f"| {predict:.3f} | {t['n'] / predict:,.0f} "
            f"| {median_ratio(times, name, reference, 'fit'):.2f}x "
            f"| {median_ratio(times, name, reference, 'predict'):.2f}x |"
        )
    return lines


def goal_line(label, ratio, goal, at_most):
    met = ratio <= goal if at_most else ratio >= goal
    sign = "<=" if at_most else ">="
    return f"- {label}: {ratio:.2f}x (goal {sign} {goal:.2f}x): " + (
        "**met**" if met else "**missed**"
    )
