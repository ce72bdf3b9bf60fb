"""``--format markdown``: a pull-request comment.

Layout: a marker comment (``<!-- vpclint-report -->``, for bots that update
their comment in place), a one-line verdict, a summary table by rule and
severity, input errors, the findings table, the baseline counts, then the topology of each input
as a Mermaid diagram (GitHub renders it; failing hops are red).
"""

from __future__ import annotations


from vpclint.findings import SEVERITY_RANK

MARKER = "<!-- vpclint-report -->"
# findings beyond this many are folded into a <details> block
FOLD_AFTER = 30

def cell(text: str) -> str:
    """Text safe inside a table cell."""
    return (" ".join(str(text).split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|"))


def code(text: str) -> str:
    """An inline code span for an address or path (escaped cell text when it holds a backtick)."""
    text = " ".join(str(text).split())
    if "`" in text:
        return cell(text)
    return "`" + text.replace("|", "\\|") + "`"


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


def render(report, context) -> str:
    from vpclint.reporters import error_location, finding_location, severity_breakdown

    minimum = context.minimum_failure_severity
    failing = [f for f in report.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[minimum]]
    out = [MARKER, "## vpclint", ""]

    if report.errors:
        verdict = ":x: **The run could not be trusted**: "
    elif failing:
        verdict = ":x: "
    else:
        verdict = ":white_check_mark: "
    if report.findings:
        verdict += f"**{_plural(len(report.findings), 'finding')}** ({severity_breakdown(report.findings)})"
    else:
        verdict += "**no findings**"
    if report.errors:
        verdict += f", {_plural(len(report.errors), 'input error')}"
    verdict += f"; the check fails on `{minimum}` and above."
    out += [verdict, ""]

    if report.findings:
        by_rule: dict[tuple[str, str], int] = {}
        for finding in report.findings:
            key = (finding.rule_id, finding.severity)
            by_rule[key] = by_rule.get(key, 0) + 1
        out += ["| Rule | Severity | Findings |", "| --- | --- | ---: |"]
        for (rule_id, severity), count in sorted(by_rule.items(), key=lambda i: (-SEVERITY_RANK[i[0][1]], i[0][0])):
            out.append(f"| {code(rule_id)} | {severity} | {count} |")
        out.append("")

    if report.errors:
        out += ["### Input errors", "",
                "These inputs could not be read; the rest was linted.", ""]
        for error in report.errors:
            file, line = error_location(error)
            where = f"{file}:{line}" if line else file
            out.append(f"- {code(where)}: {cell(error.message)}" if where else f"- {cell(error.message)}")
        out.append("")

    if report.findings:
        rows = ["| Severity | Rule | Location | Resource | Message |", "| --- | --- | --- | --- | --- |"]
        for finding in report.findings:
            file, line = finding_location(report, finding)
            where = code(f"{file}:{line}" if line else file) if file else ""
            message = cell(finding.message)
            if finding.fix:
                message += "<br>**Fix:** " + cell(finding.fix)
            rows.append(f"| {finding.severity} | {code(finding.rule_id)} | {where} | {code(finding.resource)} "
                        f"| {message} |")
        out += ["### Findings", ""]
        if len(report.findings) > FOLD_AFTER:
            out += [f"<details><summary>All {len(report.findings)} findings</summary>", "", *rows, "",
                    "</details>"]
        else:
            out += rows
        out.append("")

    stats = getattr(report, "baseline", None)
    if stats is not None:
        out += [f"Baseline {code(stats.path)}: {_plural(stats.suppressed, 'known finding')} not shown, "
                f"{_plural(stats.stale, 'stale entry', 'stale entries')}" + (" (refresh it with `--write-baseline`)."
                                                              if stats.stale else "."), ""]

    out += _topology(report)

    return "\n".join(out).rstrip("\n") + "\n"


def _topology(report) -> list[str]:
    """A Mermaid diagram per input that holds networks."""
    from vpclint import graph

    out = []
    for target, model in report.models:
        if not model.networks:
            continue
        if not out:
            out += ["### Topology", ""]
        if len(report.models) > 1:
            out += [f"`{target}`", ""]
        out += ["```mermaid", report.secrets.redact(graph.mermaid(graph.build(model))).rstrip("\n"), "```", ""]
    return out
