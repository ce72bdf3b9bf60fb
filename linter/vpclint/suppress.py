"""Inline suppressions: ``vpclint-ignore`` comments in Terraform files.

Two forms, written with ``#`` or ``//``::

    # vpclint-ignore: RULE_ID[,RULE_ID...] [reason]
    # vpclint-ignore-file: RULE_ID[,RULE_ID...] [reason]

A ``vpclint-ignore`` comment applies to a block when it stands inside the
block (anywhere from its header line to its closing brace, trailing comments
included) or on the line just before its header. On a ``module`` block it
applies to every resource instantiated through that call
(``Resource.call_sites``). ``vpclint-ignore-file`` applies to every block of
its file, module calls in the file included.

A finding belongs to the resource its ``resource`` address names; a finding
whose address matches no loaded resource is matched by its file only (so
only ``vpclint-ignore-file`` reaches it).

A reason may carry an expiry date, ``exp:YYYY-MM-DD`` (as trivy writes it):
from the day after, the comment suppresses nothing and is reported, so that
"fix it later" does not become "never".

Each comment that suppresses nothing for a rule that ran, names a rule that
does not exist, has expired, or cannot be read, is itself reported under
``unused_ignore`` at the comment's line. This runs after the rules, over their findings: the
pipeline stays load -> model -> rules -> findings -> filters -> reporters.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field
from typing import Iterable

from vpclint.findings import Finding, display_path
from vpclint.resources import LoadResult, Resource, Span

UNUSED_IGNORE = "unused_ignore"

_MENTION = re.compile(r"^(?:#|//)\s*vpclint-ignore(?:-file)?\b")
_DIRECTIVE = re.compile(
    r"^(?:#|//)\s*vpclint-ignore(?P<file>-file)?\s*:\s*"
    r"(?P<ids>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)"
    r"(?:\s+(?P<reason>.*))?\s*$"
)
# one step of a module path: module.NAME with an optional instance key
_MODULE_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(?:\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\])?(?:\.|$)')
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')
_EXPIRY = re.compile(r"(?:^|\s)exp:(\S+)")  # "exp: soon" is prose, not a date


@dataclass(frozen=True)
class Directive:
    """One suppression comment as written."""

    file: str
    line: int
    rule_ids: tuple[str, ...]
    whole_file: bool
    reason: str = ""
    malformed: bool = False
    text: str = ""
    expires: datetime.date | None = None  # the last day it suppresses (exp:YYYY-MM-DD in the reason)
    problem: str = ""  # why a malformed comment cannot be read, when more can be said than its form


def parse_comment(file: str, line: int, text: str) -> Directive | None:
    """The directive in one comment, None when the comment is not one."""
    text = text.strip()
    if not _MENTION.match(text):
        return None
    match = _DIRECTIVE.match(text)
    if match is None:
        return Directive(file, line, (), whole_file="-file" in text.split(":")[0], malformed=True, text=text)
    ids = tuple(dict.fromkeys(part.strip() for part in match.group("ids").split(",")))
    reason = (match.group("reason") or "").strip()
    expires = None
    expiry = _EXPIRY.search(reason)
    if expiry:
        try:
            expires = datetime.date.fromisoformat(expiry.group(1))
        except ValueError:
            return Directive(file, line, ids, whole_file=bool(match.group("file")), reason=reason, malformed=True,
                             text=text, problem=f"exp:{expiry.group(1)} is not a date; write exp:YYYY-MM-DD")
    return Directive(file, line, ids, whole_file=bool(match.group("file")), reason=reason, text=text,
                     expires=expires)


def directives(comments: dict[str, list[tuple[int, str]]]) -> list[Directive]:
    found = []
    for file, items in comments.items():
        for line, text in items:
            directive = parse_comment(file, line, text)
            if directive is not None:
                found.append(directive)
    return sorted(set(found), key=lambda d: (d.file, d.line, d.text))


def _same_file(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and _norm(a) == _norm(b)


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _at(span: Span | None, directive: Directive) -> bool:
    """Whether a comment at ``directive`` applies to the block at ``span``."""
    if span is None or not _same_file(span.file, directive.file):
        return False
    return span.line <= directive.line <= span.end_line or span.line == directive.line + 1


def config_address(address: str) -> str:
    """A resource address without instance keys: the block it comes from."""
    return _INSTANCE_KEY.sub("", address)


def module_calls(address: str) -> list[str]:
    """The module calls an address goes through, outermost first, each as a full path:
    ``module.a["x"].module.b.aws_vpc.v`` -> ``['module.a["x"]', 'module.a["x"].module.b']``."""
    calls, pos = [], 0
    while True:
        match = _MODULE_STEP.match(address, pos)
        if match is None:
            return calls
        pos = match.end()
        calls.append(address[:pos].rstrip("."))


@dataclass
class _State:
    directive: Directive
    used: set[str] = field(default_factory=set)
    covered: set[str] = field(default_factory=set)  # resource addresses it applies to
    block: str | None = None  # the block it stands on, for the unused_ignore finding


class Suppressor:
    """Applies inline suppressions target by target and remembers which were used.

    ``known`` are every rule id that exists; ``enabled`` those that ran. An
    ignore naming a rule that did not run is neither used nor unused.
    """

    def __init__(self, known: Iterable[str], enabled: Iterable[str], today: datetime.date | None = None):
        self.known = set(known)
        self.enabled = set(enabled)
        self.today = today or datetime.date.today()
        self._states: dict[tuple[str, int, str], _State] = {}
        self.suppressed = 0

    def apply(self, loaded: LoadResult, findings: list[Finding]) -> list[Finding]:
        """The findings no suppression comment in ``loaded`` covers."""
        found = directives(loaded.comments)
        if not found:
            return findings
        by_address: dict[str, Resource] = {}
        for resource in loaded.resources:
            by_address.setdefault(resource.address, resource)
        active: list[tuple[_State, set[str]]] = []
        for directive in found:
            state = self._states.setdefault((_norm(directive.file), directive.line, directive.text), _State(directive))
            covered, block = self._cover(directive, loaded.resources)
            state.covered |= covered
            if state.block is None or (block is not None and block < state.block):
                state.block = block
            if not directive.malformed and not self.expired(directive):
                active.append((state, covered))
        kept = []
        for finding in findings:
            resource = by_address.get(finding.resource)
            hits = [state for state, covered in active if finding.rule_id in state.directive.rule_ids
                    and (finding.resource in covered
                         or (resource is None and state.directive.whole_file
                             and _same_file(finding.file, state.directive.file)))]
            for state in hits:
                state.used.add(finding.rule_id)
            if hits:
                self.suppressed += 1
            else:
                kept.append(finding)
        return kept

    @staticmethod
    def _cover(directive: Directive, resources: list[Resource]) -> tuple[set[str], str | None]:
        covered: set[str] = set()
        blocks: set[str] = set()
        for resource in resources:
            if directive.whole_file:
                if _same_file(resource.file, directive.file) or any(
                        _same_file(site.file, directive.file) for site in resource.call_sites):
                    covered.add(resource.address)
                continue
            if _at(resource.span, directive):
                covered.add(resource.address)
                blocks.add(config_address(resource.address))
                continue
            for depth, site in enumerate(resource.call_sites):
                if _at(site, directive):
                    covered.add(resource.address)
                    calls = module_calls(resource.module or resource.address)
                    blocks.add(config_address(calls[depth]) if depth < len(calls) else site.file)
                    break
        # the innermost block the comment stands on names it: the longest address
        block = min(blocks, key=lambda b: (-len(b), b)) if blocks else None
        return covered, block

    def unused(self, severity: str) -> list[Finding]:
        """``unused_ignore`` findings for every comment (and rule id in it) that did nothing."""
        findings: list[tuple[_State, Finding]] = []
        for state in sorted(self._states.values(), key=lambda s: (s.directive.file, s.directive.line, s.directive.text)):
            directive = state.directive
            form = "vpclint-ignore-file" if directive.whole_file else "vpclint-ignore"
            where = display_path(directive.file) if directive.whole_file or state.block is None else state.block
            if directive.malformed:
                findings.append(self._finding(state, severity, where, "malformed", directive.text,
                                              f"not a valid suppression comment: {directive.problem}"
                                              if directive.problem else f"not a valid suppression comment; write "
                                              f'"# {form}: RULE_ID[,RULE_ID...] [reason]"'))
                continue
            if self.expired(directive):
                findings.append(self._finding(state, severity, where, "expired", directive.expires.isoformat(),
                                              f"{form}: {', '.join(directive.rule_ids)} expired on "
                                              f"{directive.expires.isoformat()}: what it suppressed is reported "
                                              "again; fix it, or renew the date"))
                continue
            for rule_id in directive.rule_ids:
                if rule_id == UNUSED_IGNORE:
                    continue
                if rule_id not in self.known:
                    findings.append(self._finding(state, severity, where, "unknown", rule_id,
                                                  f"{form} names an unknown rule id {rule_id!r}; "
                                                  "`vpclint rules` lists the ids"))
                elif rule_id in self.enabled and rule_id not in state.used:
                    target = f"in {where}" if directive.whole_file else (
                        f"on {where}" if state.block else "here: it stands on no resource or module block")
                    findings.append(self._finding(state, severity, where, "unused", rule_id,
                                                  f"{form}: {rule_id} suppresses no finding {target}"))
        # a comment naming unused_ignore silences these for the blocks it covers
        silencers = [s for s in self._states.values()
                     if UNUSED_IGNORE in s.directive.rule_ids and not s.directive.malformed
                     and not self.expired(s.directive)]
        kept = []
        for state, finding in findings:
            hits = [s for s in silencers if s is state
                    or (s.directive.whole_file and _same_file(s.directive.file, state.directive.file))
                    or (s.covered & state.covered)]
            for silencer in hits:
                silencer.used.add(UNUSED_IGNORE)
            if hits:
                self.suppressed += 1
            else:
                kept.append(finding)
        return kept

    def expired(self, directive: Directive) -> bool:
        return directive.expires is not None and directive.expires < self.today

    @staticmethod
    def _finding(state: _State, severity: str, where: str, kind: str, subject: str,
                 message: str) -> tuple[_State, Finding]:
        return state, Finding(rule_id=UNUSED_IGNORE, severity=severity, message=message, resource=where,
                              file=state.directive.file, line=state.directive.line, facts=(kind, where, subject))

