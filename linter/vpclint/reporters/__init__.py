"""Reporters: one module per output format, each a ``render(report, context)``."""

from __future__ import annotations

import copy
import os
from collections import Counter
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


# Output that people read is capped: at most this many findings of one rule,
# and this many characters in all (cut at a line); a note says what was left
# out. Machine formats (json, sarif, junit, checkstyle) always hold every
# finding: they stay complete, valid documents.
MAX_SHOWN_PER_RULE = 100
MAX_SHOWN_CHARS = 8 * 1024 * 1024
CAPPED_FORMATS = ("text", "compact", "github", "markdown")
_FOR_ALL = "use --format json --output FILE for all"


def render(format_: str, report, context: Context) -> str:
    """The report in ``format_``; for people's formats, capped with a note."""
    if format_ not in CAPPED_FORMATS:
        return FORMATS[format_](report, context)
    shown, per_rule, hidden = [], Counter(), Counter()
    for finding in report.findings:
        if per_rule[finding.rule_id] < MAX_SHOWN_PER_RULE:
            per_rule[finding.rule_id] += 1
            shown.append(finding)
        else:
            hidden[finding.rule_id] += 1
    notes = []
    if hidden:
        counts = ", ".join(f"{rule_id} {count:,}" for rule_id, count in sorted(hidden.items()))
        left_out = sum(hidden.values())
        notes.append(f"… and {left_out:,} more finding{'s' if left_out != 1 else ''} not shown "
                     f"({len(report.findings):,} in all; at most {MAX_SHOWN_PER_RULE} per rule are shown: {counts} "
                     f"more); {_FOR_ALL}")
        report = copy.copy(report)  # the same report (origins, baseline), fewer findings
        report.findings = shown
    rendered = FORMATS[format_](report, context)
    if len(rendered) > MAX_SHOWN_CHARS:
        rendered = rendered[: rendered.rfind("\n", 0, MAX_SHOWN_CHARS) + 1]
        notes.append(f"… output cut at {MAX_SHOWN_CHARS // (1024 * 1024)} MiB; {_FOR_ALL}")
    for note in notes:
        rendered += f"::notice title=vpclint::{github.escape_data(note)}\n" if format_ == "github" else f"\n{note}\n"
    return rendered
