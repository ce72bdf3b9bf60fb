"""``--format junit``: JUnit XML for CI test-report views (GitLab, Jenkins, Azure).

One ``testsuite`` per rule that ran, named by its id. Each finding is a
``testcase`` named after the resource (and its position); findings at or above
the failure severity carry a ``<failure>``, those below it pass with the
finding in ``<system-out>``. A rule without findings is one passing testcase,
so the report shows what was checked. Input errors (unparsable files, invalid
config or rules) form the suite ``vpclint.inputs``, one errored testcase each.
No timestamps or durations: the file is byte-identical across runs. Names,
paths and messages from the input are one line, their control characters
shown as escapes (the lines of an HCL fix stay lines), so the document is
always well-formed XML (``escape.xml_clean``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from vpclint.findings import SEVERITY_RANK
from vpclint.reporters import escape


def _where(report, finding) -> tuple[str | None, str]:
    """The finding's file, and file:line as text ("" when unknown)."""
    from vpclint.reporters import finding_location

    file, line = finding_location(report, finding)
    if file is None:
        return None, ""
    return file, (f"{file}:{line}" if line else file)


def _details(finding, where: str) -> str:
    lines = [f"{finding.severity}: {finding.message} ({finding.rule_id})", f"resource: {finding.resource}"]
    if where:
        lines.append(f"at: {where}")
    if finding.related:
        lines.append(f"related: {', '.join(finding.related)}")
    lines = [escape.visible(line) for line in lines]
    if finding.fix:
        lines.append("fix: " + "\n".join(escape.fix_lines(finding)))
    return "\n".join(lines)


def render(report, context) -> str:
    from vpclint.reporters import error_location

    minimum = SEVERITY_RANK[context.minimum_failure_severity]
    root = ET.Element("testsuites", {"name": "vpclint"})
    totals = {"tests": 0, "failures": 0, "errors": 0}

    if report.errors:
        suite = ET.SubElement(root, "testsuite", {"name": "vpclint.inputs", "tests": str(len(report.errors)),
                                                  "failures": "0", "errors": str(len(report.errors))})
        for error in report.errors:
            file, line = error_location(error)
            where = escape.visible(f"{file}:{line}" if line else file)
            message = escape.visible(error.message)
            case = ET.SubElement(suite, "testcase", {"classname": "vpclint.inputs", "name": where or "input"})
            element = ET.SubElement(case, "error", {"type": "input_error", "message": message})
            element.text = f"{where}: {message}" if where else message
        totals["tests"] += len(report.errors)
        totals["errors"] += len(report.errors)

    by_rule: dict[str, list] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    rule_ids = sorted({rule.id for rule in report.rules} | set(by_rule))
    for rule_id in rule_ids:
        findings = by_rule.get(rule_id, [])
        failing = [f for f in findings if SEVERITY_RANK[f.severity] >= minimum]
        tests = max(len(findings), 1)
        suite = ET.SubElement(root, "testsuite", {"name": rule_id, "tests": str(tests),
                                                  "failures": str(len(failing)), "errors": "0"})
        if not findings:
            ET.SubElement(suite, "testcase", {"classname": rule_id, "name": rule_id})
        for finding in findings:
            file, where = _where(report, finding)
            name = escape.visible(f"{finding.resource} ({where})" if where else finding.resource)
            case = ET.SubElement(suite, "testcase", {"classname": rule_id, "name": name})
            if file:
                case.set("file", escape.visible(file))
            if SEVERITY_RANK[finding.severity] >= minimum:
                failure = ET.SubElement(case, "failure", {"type": finding.severity,
                                                          "message": escape.visible(finding.message)})
                failure.text = _details(finding, where)
            else:
                ET.SubElement(case, "system-out").text = _details(finding, where)
        totals["tests"] += tests
        totals["failures"] += len(failing)

    for key, value in totals.items():
        root.set(key, str(value))
    escape.xml_clean(root)
    ET.indent(root, space="  ")
    document = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return escape.xml_document(document)
