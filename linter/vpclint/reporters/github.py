"""``--format github``: GitHub Actions workflow commands, shown as annotations.

    ::error file=network.tf,line=12,title=vpclint peering_route_missing::MESSAGE

``error``/``warning``/``notice`` findings become ``::error``/``::warning``/
``::notice``; input errors are ``::error`` titled ``vpclint input error``.
Data is escaped as the runner requires (``%``, CR, LF) and property values
also escape ``:`` and ``,``; before that, control characters from the input
(a line break in a name included) are shown as escapes, so the only line
breaks in a message are vpclint's own (before ``Fix:`` and between the lines of
an HCL fix), and the "#" of a runner's legacy ``##[`` command is shown as an
escape too. A finding without a source position is attached to its input
file without a line. The last line is a plain summary.
"""

from __future__ import annotations

from vpclint.reporters import escape


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, file: str | None = None, line: int | None = None,
            title: str | None = None) -> str:
    properties = []
    if file:
        properties.append(f"file={escape_property(escape.visible(file))}")
        if line:
            properties.append(f"line={line}")
    if title:
        properties.append(f"title={escape_property(escape.visible(title))}")
    head = f"::{name} {','.join(properties)}" if properties else f"::{name}"
    return escape.inline_commands(f"{head}::{escape_data(message)}")


def render(report, context) -> str:
    from vpclint.reporters import error_location, finding_location, naming_resource, severity_breakdown

    lines = []
    for error in report.errors:
        file, line = error_location(error)
        lines.append(command("error", escape.visible(error.message), file, line, "vpclint input error"))
    for finding in report.findings:
        file, line = finding_location(report, finding)
        message = escape.visible(naming_resource(finding.message, finding.resource, "()"))
        if finding.fix:
            message += "\nFix: " + "\n".join(escape.fix_lines(finding))
        lines.append(command(finding.severity, message, file, line, f"vpclint {finding.rule_id}"))
    summary = f"vpclint: {len(report.findings)} finding(s)"
    if report.findings:
        summary += f" ({severity_breakdown(report.findings)})"
    if report.errors:
        summary += f", {len(report.errors)} input error(s)"
    stats = getattr(report, "baseline", None)
    if stats is not None:
        summary += f"; baseline: {stats.suppressed} suppressed, {stats.stale} stale"
    lines.append(summary)
    return "".join(f"{line}\n" for line in lines)
