"""Reporters: one module per output format, each a ``render(report, context)``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from vpclint.reporters import json_report, text


@dataclass
class Context:
    color: bool = False
    minimum_failure_severity: str = "warning"


def display_path(path: str | None) -> str | None:
    """A file path relative to the current directory, with forward slashes."""
    if path is None:
        return None
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = path
    return rel.replace(os.sep, "/")


FORMATS = {
    "text": text.render,
    "json": json_report.render,
}
