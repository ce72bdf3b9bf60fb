"""``--format json``: the document the contract fixes, byte-stable.

Values are the input's, unchanged; a finding about a resource of a downloaded
module is shown at the user's module call, the position inside the module in
``related_locations`` (present only then: ``related`` stays a list of addresses); the text holds nothing a terminal or a CI
runner acts on (``escape.json_text``: JSON escapes for control characters and
for the "#" of a runner's "##[" command).
"""

from __future__ import annotations

import json

from vpclint import __version__
from vpclint.findings import display_path
from vpclint.reporters import escape


def defined_here(finding) -> dict:
    """Where a finding shown at a module call is written inside the downloaded module."""
    file, line = finding.defined_at
    return {"file": display_path(file), "line": line, "resource": finding.resource,
            "message": "defined here, in a downloaded module"}


def render(report, context) -> str:

    document = {
        "version": __version__,
        "findings": [
            {
                "rule_id": f.rule_id,
                "severity": f.severity,
                "message": f.message,
                "resource": f.resource,
                "file": display_path(f.file),
                "line": f.line,
                "related": f.related,
                **({"related_locations": [defined_here(f)]} if f.defined_at else {}),
                **({"fix": f.fix} if f.fix else {}),
                **f.extra,
            }
            for f in report.findings
        ],
        "errors": [{"file": display_path(e.file), "line": e.line, "message": e.message} for e in report.errors],
        "unknowns": [{"resource": u.resource, "attribute": u.attribute, "reason": u.reason} for u in report.unknowns],
    }
    stats = getattr(report, "baseline", None)
    if stats is not None:  # only with --baseline/--write-baseline: the contract's shape is unchanged otherwise
        document["baseline"] = {"suppressed": stats.suppressed, "stale": stats.stale}
    return escape.json_text(json.dumps(document, indent=2, sort_keys=False)) + "\n"
