"""Baselines: accept today's findings, report only new ones.

A baseline file is JSON::

    {"version": 1, "tool": "vpclint",
     "findings": [{"fingerprint": "...", "rule_id": "...", "resource": "...", "message": "..."}]}

The fingerprint hashes the rule id, the resource address and the finding's
facts (the ranges and addresses that make it what it is), never a file name
or line number, so moving a block, reformatting or editing other blocks
leaves it unchanged, while a changed CIDR makes it a new finding. Entries are
matched as a multiset: two identical findings need two entries. ``rule_id``,
``resource`` and ``message`` are kept for the reader only.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass

from vpclint import safefs
from vpclint.findings import Finding
from vpclint.inputs import read_regular
from vpclint.resources import LoadError

VERSION = 1


class BaselineError(Exception):
    def __init__(self, error: LoadError):
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class BaselineStats:
    path: str
    suppressed: int  # findings the baseline accepted
    stale: int  # baseline entries no finding matched any more


def fingerprint(finding: Finding) -> str:
    facts = list(finding.facts) if finding.facts else [finding.message]
    payload = json.dumps([finding.rule_id, finding.resource, facts], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def read(path: str) -> Counter:
    """The fingerprints recorded in ``path``, with their counts; BaselineError when unusable."""
    from vpclint import load as _load

    try:
        if os.path.getsize(path) > _load.MAX_FILE_BYTES:
            raise BaselineError(LoadError(path, None, f"baseline is larger than "
                                          f"{_load.MAX_FILE_BYTES // (1024 * 1024)} MiB; not read"))
        text = read_regular(path, _load.MAX_FILE_BYTES).decode("utf-8")
    except OSError as exc:
        raise BaselineError(LoadError(path, None, f"cannot read baseline: {exc.strerror or exc}")) from None
    except UnicodeDecodeError as exc:
        raise BaselineError(LoadError(path, None, f"cannot read baseline: {exc}")) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(LoadError(path, exc.lineno, f"baseline is not valid JSON: {exc.msg}")) from None
    except RecursionError:
        raise BaselineError(LoadError(path, None, "baseline is not valid JSON: nested too deeply")) from None
    if not isinstance(data, dict) or "version" not in data:
        raise BaselineError(LoadError(path, 1, "not a vpclint baseline: no \"version\" field "
                                      "(write one with --write-baseline)"))
    if data["version"] != VERSION:
        raise BaselineError(LoadError(path, 1, f"baseline version {data['version']!r} is not supported "
                                      f"(this vpclint reads version {VERSION}); write it again with --write-baseline"))
    entries = data.get("findings")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("fingerprint"), str) and e["fingerprint"] for e in entries):
        raise BaselineError(LoadError(path, 1, "baseline \"findings\" must be a list of objects, "
                                      "each with a \"fingerprint\" string"))
    return Counter(entry["fingerprint"] for entry in entries)


def render(findings: list[Finding]) -> str:
    entries = sorted(({"fingerprint": fingerprint(f), "rule_id": f.rule_id, "resource": f.resource,
                       "message": f.message} for f in findings),
                     key=lambda e: (e["rule_id"], e["resource"], e["fingerprint"], e["message"]))
    document = {"version": VERSION, "tool": "vpclint", "findings": entries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write(path: str, findings: list[Finding]) -> None:
    """Record ``findings`` in ``path``, never through a link or into a special file (safefs)."""
    try:
        safefs.write_file(path, render(findings).encode("utf-8"))
    except (safefs.Refused, OSError) as exc:
        raise BaselineError(LoadError(path, None, f"cannot write baseline: {exc}")) from None


def apply(findings: list[Finding], recorded: Counter, path: str) -> tuple[list[Finding], BaselineStats]:
    """The findings the baseline does not account for, and the counts for the summary.

    ``findings`` must be sorted, so which of several identical findings is
    reported as new is deterministic.
    """
    remaining = Counter(recorded)
    kept, suppressed = [], 0
    for finding in findings:
        key = fingerprint(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            suppressed += 1
        else:
            kept.append(finding)
    return kept, BaselineStats(path=path, suppressed=suppressed, stale=sum(remaining.values()))
