"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other viewers.

- one ``tool.driver.rules`` entry per rule that ran, sorted by id, with its
  summary, its documentation as help text and its configured severity;
- file URIs relative to the current directory, with ``uriBaseId: %SRCROOT%``
  (run vpclint from the repository root for code scanning);
- lines are 1-based; a finding without a source position (plan input) points
  at the plan file without a region, the resource address kept as a logical
  location (GitHub rejects a result without a file);
- when the resource came through modules, each ``module`` block it was called
  from is a related location, outermost first; a resource of a downloaded
  (remote) module under ``.terraform/`` is shown at the user's module call
  (the argument that feeds it, vpclint.downloaded), its position in the
  module the last related location;
- ``partialFingerprints`` carries the line-independent fingerprint the
  baseline uses, so alerts follow a block when it moves;
- input errors are ``toolExecutionNotifications`` of the invocation, which is
  then not ``executionSuccessful``;
- message texts are plain text in which the input cannot write an embedded
  link (SARIF's ``[text](target)``: its brackets are escaped), and a rule's
  examples are fenced so that they cannot close their fence; the document is
  JSON with every character a terminal or CI runner would act on escaped
  (``escape.json_text``).
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

from vpclint import __version__
from vpclint.reporters import escape

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "notice": "note"}
SRCROOT = "%SRCROOT%"


def _message(text: str) -> dict:
    """A SARIF message: ``[``, ``]`` and ``\\`` escaped when the text holds what
    would read as an embedded link (``](``), so the input cannot add one."""
    if "](" in text:
        text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return {"text": text}


def _uri(path: str) -> str:
    """A relative URI: percent-encoded UTF-8, and a name that is not UTF-8 by its own bytes."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/:@!$&'()*+,;=-._~")


def _artifact(path: str) -> dict:
    return {"uri": _uri(path), "uriBaseId": SRCROOT}


def _rule_entry(rule) -> dict:
    docs = rule.docs or {}
    text_parts, markdown_parts = [], []
    for title, key in (("What it does", "what"), ("Why it matters", "why"), ("How to fix", "fix")):
        if docs.get(key):
            body = " ".join(docs[key].split())
            text_parts.append(f"{title}: {body}")
            markdown_parts.append(f"**{title}.** {body}")
    for title, key in (("Example that fails", "bad"), ("The same, fixed", "good")):
        if docs.get(key):
            markdown_parts.append(f"**{title}:**\n\n" + "\n".join(escape.fence(docs[key].rstrip(), "hcl")))
    entry = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("_")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join((docs.get("what") or rule.summary).split())},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["terraform", "network"]},
    }
    if text_parts:
        entry["help"] = {"text": "\n\n".join(text_parts), "markdown": "\n\n".join(markdown_parts)}
    return entry


def _result(report, finding, rule_index: dict[str, int]) -> dict:
    from vpclint.baseline import fingerprint
    from vpclint.reporters import display_path, finding_location
    from vpclint.suppress import module_calls

    file, line = finding_location(report, finding)
    origin = report.origin(finding) if hasattr(report, "origin") else None
    sites = origin.call_sites if origin is not None else ()
    location: dict = {}
    if file is not None:
        physical: dict = {"artifactLocation": _artifact(file)}
        if line is not None:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    location["logicalLocations"] = [{"fullyQualifiedName": finding.resource, "kind": "resource"}]
    result: dict = {"ruleId": finding.rule_id}
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    result.update({
        "level": LEVELS[finding.severity],
        "message": _message(finding.message),
        "locations": [location],
        "partialFingerprints": {"vpclintFingerprint/v1": fingerprint(finding)},
    })
    related = []
    calls = module_calls(finding.resource)
    for index, site in enumerate(sites):
        name = calls[index] if index < len(calls) else "module"
        region = {"startLine": max(site.line, 1), "endLine": max(site.end_line, site.line, 1)}
        related.append({"id": len(related) + 1,
                        "physicalLocation": {"artifactLocation": _artifact(display_path(site.file)),
                                             "region": region},
                        "message": _message(f"{name} is called here")})
    if finding.defined_at is not None:  # shown at the module call (vpclint.downloaded)
        physical = {"artifactLocation": _artifact(display_path(finding.defined_at[0]))}
        if finding.defined_at[1] is not None:
            physical["region"] = {"startLine": finding.defined_at[1]}
        related.append({"id": len(related) + 1, "physicalLocation": physical,
                        "message": _message(f"{finding.resource} is defined here, in a downloaded module")})
    if related:
        result["relatedLocations"] = related
    if getattr(report, "baseline", None) is not None:
        result["baselineState"] = "new"
    properties = {"resource": finding.resource}
    if finding.related:
        properties["related"] = list(finding.related)
    if finding.fix:
        properties["fix"] = finding.fix
    result["properties"] = properties
    return result


def _notification(error) -> dict:
    from vpclint.reporters import error_location

    file, line = error_location(error)
    notification: dict = {"level": "error", "message": _message(error.message),
                          "descriptor": {"id": "input_error"}}
    if file and os.path.exists(error.file):
        physical: dict = {"artifactLocation": _artifact(file)}
        if line is not None:
            physical["region"] = {"startLine": line}
        notification["locations"] = [{"physicalLocation": physical}]
    else:
        notification["message"] = _message(f"{file}: {error.message}" if file else error.message)
    return notification


def render(report, context) -> str:
    rules = sorted(report.rules, key=lambda r: r.id)
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    invocation: dict = {"executionSuccessful": not report.errors}
    if report.errors:
        invocation["toolExecutionNotifications"] = [_notification(e) for e in report.errors]
    run: dict = {
        "tool": {"driver": {"name": "vpclint", "version": __version__, "semanticVersion": __version__,
                            "rules": [_rule_entry(rule) for rule in rules]}},
        "invocations": [invocation],
        "results": [_result(report, finding, rule_index) for finding in report.findings],
    }
    if getattr(report, "baseline", None) is not None:
        run["properties"] = {"baseline": {"suppressed": report.baseline.suppressed, "stale": report.baseline.stale}}
    document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return escape.json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
