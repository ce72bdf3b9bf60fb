"""``--format checkstyle``: Checkstyle XML, as reviewdog, Jenkins and SonarQube read it.

Findings are grouped by file (sorted), each an ``<error>`` with its line,
severity (``notice`` is Checkstyle's ``info``), message and ``source``
``vpclint.RULE_ID``. A finding without a source position is listed under
its input file without a line; one without any file under the pseudo-file
``(plan)``. Input errors are ``<error>`` entries with source
``vpclint.input_error`` under the file that failed. Names, paths and
messages from the input are one line, their control characters shown as
escapes, so the document is always well-formed XML (``escape.xml_clean``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from vpclint.reporters import escape

SEVERITIES = {"error": "error", "warning": "warning", "notice": "info"}
NO_FILE = "(plan)"


def render(report, context) -> str:
    from vpclint.reporters import error_location, finding_location, naming_resource

    entries: dict[str, list[tuple[int, int, str, dict[str, str]]]] = {}
    for order, error in enumerate(report.errors):
        file, line = error_location(error)
        attrs = {"line": str(line)} if line else {}
        attrs.update({"severity": "error", "message": escape.visible(error.message),
                      "source": "vpclint.input_error"})
        entries.setdefault(file or NO_FILE, []).append((line or 0, 0, f"{order:08d}", attrs))
    for order, finding in enumerate(report.findings):
        file, line = finding_location(report, finding)
        attrs = {"line": str(line)} if line else {}
        message = escape.visible(naming_resource(finding.message, finding.resource))
        attrs.update({"severity": SEVERITIES[finding.severity], "message": message,
                      "source": f"vpclint.{finding.rule_id}"})
        entries.setdefault(file or NO_FILE, []).append((line or 0, 1, f"{order:08d}", attrs))
    root = ET.Element("checkstyle", {"version": "4.3"})
    for file in sorted(entries):
        element = ET.SubElement(root, "file", {"name": escape.visible(file)})
        for _line, _kind, _order, attrs in sorted(entries[file], key=lambda e: e[:3]):
            ET.SubElement(element, "error", attrs)
    escape.xml_clean(root)
    ET.indent(root, space="  ")
    document = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return escape.xml_document(document)
