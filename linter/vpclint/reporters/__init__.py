"""Reporters: one module per output format, each a ``render(report, context)``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from vpclint.findings import SEVERITIES, display_path  # display_path: reporters and the CLI take it from here

from vpclint.reporters import checkstyle, compact, github, json_report, junit, markdown, sarif, text


@dataclass
class Context:
    color: bool = False
    minimum_failure_severity: str = "warning"


def error_text(error) -> str:
    """``file:line: message`` for an input error (no line when it has none)."""
    where = display_path(error.file) + (f":{error.line}" if error.line else "")
    return f"{where}: {error.message}"


def finding_location(report, finding) -> tuple[str | None, int | None]:
    """Where a finding is shown: its file and line (1-based, else None).

    A finding without a source position (plan input) is shown at the input
    it came from, without a line; None when even that is unknown.
    """
    if finding.file:
        line = finding.line if isinstance(finding.line, int) and finding.line >= 1 else None
        return display_path(finding.file), line
    origin = report.origin(finding) if hasattr(report, "origin") else None
    if origin is not None and origin.input and os.path.isfile(origin.input):
        return display_path(origin.input), None
    return None, None


def error_location(error) -> tuple[str, int | None]:
    line = error.line if isinstance(error.line, int) and error.line >= 1 else None
    return display_path(error.file) or "", line


FORMATS = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "checkstyle": checkstyle.render,
    "compact": compact.render,
    "github": github.render,
    "markdown": markdown.render,
}


def naming_resource(message: str, resource: str, brackets: str = "[]") -> str:
    """``message``, followed by the finding's resource when it does not name it already."""
    return message if resource in message else f"{message} {brackets[0]}{resource}{brackets[1]}"


def severity_breakdown(findings) -> str:
    """How many findings of each severity: "1 error, 2 warning"."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n)
