"""Findings: what rules report and reporters print."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "notice")
SEVERITY_RANK = {"notice": 0, "warning": 1, "error": 2}


def display_path(path: str | None) -> str | None:
    """A file path as findings show it: relative to the current directory, with forward slashes."""
    if path is None:
        return None
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = path
    return rel.replace(os.sep, "/")


@dataclass
class Finding:
    rule_id: str
    severity: str
    message: str
    resource: str  # Terraform address of the resource the finding is about
    file: str | None = None
    line: int | None = None
    related: list[str] = field(default_factory=list)
    # the facts of the finding (ranges, addresses) that identify it across edits
    facts: tuple[str, ...] = ()
    fix: str | None = None  # HCL or advice that fixes it, when the rule knows
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the path of expected_path_blocked

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.rule_id, self.resource, self.message)
