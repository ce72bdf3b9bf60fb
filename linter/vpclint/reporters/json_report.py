"""``--format json``: the document the contract fixes, byte-stable.

Values are the input's, unchanged; the text holds nothing a terminal or a CI
runner acts on (``escape.json_text``: JSON escapes for control characters and
for the "#" of a runner's "##[" command).
"""

from __future__ import annotations

import json

from vpclint import __version__
from vpclint.reporters import escape


def render(report, context) -> str:
    from vpclint.reporters import display_path

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
