"""Default output, in tflint's manner: severity, message, rule id, then where.

Every line passes through ``escape.line``: what came from the input (names,
values, paths, the quoted source line) cannot move the cursor, colour the
terminal, start a line of its own or be taken for a CI command.
"""

from __future__ import annotations

import linecache

from vpclint.reporters import escape

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "notice": "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def render(report, context) -> str:
    from vpclint.reporters import display_path, error_text

    safe = escape.line

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if context.color else text

    lines: list[str] = []
    for error in report.errors:
        lines.append(paint("Error", _COLORS["error"] + _BOLD) + f": {safe(error_text(error))}")
        lines.append("")
    if report.findings:
        lines.append(f"{len(report.findings)} issue(s) found:")
        lines.append("")
    for finding in report.findings:
        label = finding.severity.capitalize()
        lines.append(paint(label, _COLORS[finding.severity] + _BOLD) + f": {safe(finding.message)} "
                     f"({safe(finding.rule_id)})")
        lines.append("")
        if finding.file and finding.line:
            lines.append(f"  on {safe(display_path(finding.file))} line {finding.line}:")
            source = linecache.getline(finding.file, finding.line).rstrip("\r\n")
            if source:
                lines.append(f"  {finding.line:>3}: {safe(source)}")
        else:
            lines.append(f"  in {safe(finding.resource)} (plan: no source position)")
        if finding.defined_at is not None:
            where = display_path(finding.defined_at[0]) + (f" line {finding.defined_at[1]}"
                                                            if finding.defined_at[1] else "")
            lines.append(f"  defined in a downloaded module: {safe(where)}")
        if finding.related:
            lines.append(f"  related: {safe(', '.join(finding.related))}")
        if finding.fix:
            lines.append("")
            first, *rest = escape.fix_lines(finding)
            lines.append(f"  Fix: {safe(first)}")
            lines.extend(f"    {safe(row)}" if row else "" for row in rest)
        lines.append("")
    if not report.findings and not report.errors:
        lines.append("No issues found.")
    stats = getattr(report, "baseline", None)
    if stats is not None:
        lines.append("")
        lines.append(f"Baseline {safe(display_path(stats.path))}: {stats.suppressed} known finding(s) not shown, "
                     f"{stats.stale} stale entr{'y' if stats.stale == 1 else 'ies'}"
                     + (" (refresh it with --write-baseline)." if stats.stale else "."))
    return "\n".join(lines).rstrip("\n") + "\n"
