"""``--format compact``: one line per finding, for editors and problem matchers.

    FILE:LINE:COL: SEVERITY - MESSAGE (RULE_ID)

vpclint reports blocks, not expressions, so COL is always 1. A finding
without a source position prints its input file (or, failing that, the
resource address) alone; input errors print as ``Error`` with the id
``input_error``. Nothing else is printed: no summary, no colour. Each line
is one line whatever the input holds (``escape.line``: control characters
shown as escapes, never a CI command).
"""

from __future__ import annotations

from vpclint.reporters import escape


def _where(file: str | None, line: int | None, fallback: str) -> str:
    if file is None:
        return fallback
    return f"{file}:{line}:1" if line else file


def render(report, context) -> str:
    from vpclint.reporters import error_location, finding_location, naming_resource

    lines = []
    for error in report.errors:
        file, line = error_location(error)
        lines.append(f"{_where(file, line, 'vpclint')}: Error - {' '.join(error.message.split())} (input_error)")
    for finding in report.findings:
        file, line = finding_location(report, finding)
        message = " ".join(finding.message.split())
        if file is None or line is None:
            message = naming_resource(message, finding.resource)
        lines.append(f"{_where(file, line, finding.resource)}: {finding.severity.capitalize()} - {message} "
                     f"({finding.rule_id})")
    return "".join(f"{escape.line(line)}\n" for line in lines)
