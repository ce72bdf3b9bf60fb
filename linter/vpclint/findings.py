"""Findings: what rules report and reporters print."""

from __future__ import annotations

import json
import os
import re
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
    # the attributes of the resource whose values the finding is about (``cidr_block``,
    # ``route.destination``): the module argument that feeds them is where a finding
    # inside a downloaded module is shown (vpclint.downloaded)
    attributes: tuple[str, ...] = ()
    # where the resource is written when the finding is shown elsewhere: (file, line)
    # inside a downloaded module, the finding being shown at the module call
    defined_at: tuple[str, int | None] | None = None

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.rule_id, self.resource, self.message)


# ---------------------------------------------------------------------------
# one finding for what count / for_each repeats
# ---------------------------------------------------------------------------

# an instance key in a Terraform address: [0], ["key"]
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"]*)\]')
# how many instances a grouped finding's message names before "…"
SHOWN_INSTANCES = 5


def instance_base(address: str) -> str:
    """``address`` without its instance keys: ``module.m["x"].aws_subnet.a[3]`` -> ``module.m.aws_subnet.a``."""
    return _INSTANCE_KEY.sub("", address)


def _instance_sort_key(address: str) -> tuple:
    """Numeric keys in numeric order (``a[2]`` before ``a[10]``)."""
    return tuple((0, int(key), "") if key.isdigit() else (1, 0, key)
                 for key in (k[1:-1] for k in _INSTANCE_KEY.findall(address))) + ((2, 0, address),)


def _without_keys(finding: Finding) -> tuple:
    """What the finding says with every instance key of the addresses it names taken out."""
    addresses = sorted({finding.resource, *finding.related}, key=len, reverse=True)

    def strip(text: str | None) -> str | None:
        if text is None:
            return None
        for address in addresses:
            if "[" in address:
                text = text.replace(address, instance_base(address))
        return text

    extra = json.dumps(finding.extra, sort_keys=True, default=str) if finding.extra else ""
    return (finding.rule_id, finding.severity, finding.file, finding.line, instance_base(finding.resource),
            tuple(instance_base(r) for r in finding.related), strip(finding.message), strip(finding.fix), strip(extra))


def describe_instances(addresses: list[str]) -> str:
    """``aws_subnet.a[2..1999]``, or the first few addresses and "…"."""
    keys = [_INSTANCE_KEY.findall(a) for a in addresses]
    bases = {instance_base(a) for a in addresses}
    if len(bases) == 1 and all(len(k) == 1 and k[0][1:-1].isdigit() for k in keys):
        numbers = [int(k[0][1:-1]) for k in keys]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))) and len(numbers) > 2:
            prefix = addresses[0][: addresses[0].rindex("[")]
            return f"{prefix}[{numbers[0]}..{numbers[-1]}]"
    shown = ", ".join(addresses[:SHOWN_INSTANCES])
    return shown + (", …" if len(addresses) > SHOWN_INSTANCES else "")


def group_instances(findings: list[Finding]) -> list[Finding]:
    """Findings that differ only in the instance keys of the resources they
    name (``count``/``for_each`` instances of the same blocks) become one: the
    first instance, its message naming how many more instances share it, and
    ``extra["instances"]`` listing every instance (JSON ``instances``; or
    ``related_instances`` when one resource meets many instances of another).

    A finding alone in its group is returned unchanged. Order is kept.
    """
    groups: dict[tuple, list[Finding]] = {}
    for finding in findings:
        keyed = "[" in finding.resource or any("[" in r for r in finding.related)
        groups.setdefault(_without_keys(finding) if keyed else (id(finding),), []).append(finding)
    out = []
    for group in groups.values():
        if len(group) > 1:  # the first instance in key order (a[1], not a[100]) stands for the group
            first = min(group, key=lambda f: (_instance_sort_key(f.resource),
                                              [_instance_sort_key(r) for r in f.related]))
            _merge_into(first, group)
        else:
            first = group[0]
        out.append(first)
    return out


def _merge_into(first: Finding, group: list[Finding]) -> None:
    """Name in ``first`` the instances the other findings of its group are about."""
    instances = sorted({f.resource for f in group}, key=_instance_sort_key)
    if len(instances) > 1:
        others, key, what = [a for a in instances if a != first.resource], "instances", "instance"
    else:  # one resource, the same finding against many instances of a related block
        instances = sorted({r for f in group for r in f.related}, key=_instance_sort_key)
        others, key, what = [a for a in instances if a not in first.related], "related_instances", "related instance"
    first.message = (f"{first.message} (and the same for {len(others):,} more {what}"
                     f"{'s' if len(others) != 1 else ''}: {describe_instances(others)})")
    first.extra = {**first.extra, key: instances}
