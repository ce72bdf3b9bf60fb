"""``--format markdown``: a pull-request comment.

Layout: a marker comment (``<!-- vpclint-report -->``, for bots that update
their comment in place), a one-line verdict, a summary table by rule and
severity, input errors, the findings table, the baseline counts, then the topology of each input
as a Mermaid diagram (GitHub renders it; failing hops are red).

What came from the input cannot change the layout: a name or path is a code
span its content cannot close (``escape.code_span``), message text is one
line with its HTML and inline markup escaped, and the
diagram's fence is longer than any backtick run inside it. No line can be
taken for a CI command when the report is printed in a CI log.
"""

from __future__ import annotations

from vpclint.findings import SEVERITY_RANK
from vpclint.reporters import escape

MARKER = "<!-- vpclint-report -->"
# findings beyond this many are folded into a <details> block
FOLD_AFTER = 30

# characters that open inline markup (emphasis, links, images, code, strikethrough),
# HTML and entities, the table's cell separator and the backslash itself
# (in this order: the backslash and "&" first, as the escapes after them hold them)
_MARKUP = [("\\", "\\\\"), *((c, "\\" + c) for c in "`*_[]~|"), ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"),
           ("#", "&#35;")]


def cell(text: str) -> str:
    """Plain text safe inside a table cell or a list item: one line, no markup, no HTML."""
    text = escape.visible(" ".join(str(text).split()))  # white space (line breaks too) becomes one space
    for char, escaped in _MARKUP:
        text = text.replace(char, escaped)
    return text


def code(text: str) -> str:
    """An inline code span for an address or path, that its content cannot close."""
    text = str(text)
    if escape.has_command(text):  # a runner's "##[" cannot be escaped inside a code span
        return cell(text)
    return escape.code_span(text).replace("|", "\\|")


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
            out += [code(target), ""]
        picture = report.secrets.redact(graph.mermaid(graph.build(model)))
        out += [*escape.fence(picture.rstrip("\n"), "mermaid"), ""]
    return out
