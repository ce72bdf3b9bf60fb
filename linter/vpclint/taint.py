"""Secrets never reach the output: the values a message may quote.

A pull request's ``.tf`` files are the attacker's, so they can route any
secret the runner holds into an attribute vpclint complains about:
``cidr_block = strrev(var.db_password)`` with ``TF_VAR_db_password`` set, or
``regex(".*", file(".git/config"))``. Two rules keep it out of every format:

1. Taint. Values from the runner (``TF_VAR_*`` of declared variables),
   from ``sensitive = true`` variables, from ``sensitive()``, from files
   read by functions (``file()``, ``templatefile()``) and a plan's
   sensitive attributes are *marked*: their strings (and numbers) go into
   the load's ``Taint``. The function dispatcher marks the result of every
   function that got a marked argument (``strrev``, ``upper``, ``regex``,
   ``cidrsubnet``...), a template marks what it builds around a marked
   value, arithmetic what it computes from one. At the boundary (lint.py: every finding's message, fix, address
   and path, every error, every unknown; the pictures) ``redact`` replaces
   each marked string, as written or as repr()/JSON quote it, with
   ``REDACTED``. A repository file's content is marked *softly*: its
   address-shaped strings (rule 2) and map keys stay quotable, everything
   else is hidden, so a credentials file a CI step left in the checkout
   never shows while the CIDRs a module reads from its YAML still do.
   ``nonsensitive()`` unmarks nothing: in a pull request its
   caller is the attacker. A load that marked a value of the runner's is
   never stored in the result cache.

   Why a set of strings rather than a wrapper type carried by the values:
   values stay plain ``str``/``int``, so none of the evaluator's, adapters'
   or rules' ``isinstance`` checks can drop a wrapper silently (and lint a
   sensitive CIDR differently: a finding is still reported, its value
   redacted); a new rule, message or output format cannot forget a check,
   because the check is where everything leaves the run. The price is
   over-marking: everything a function returns from a marked argument is
   marked, a literal beside it too (``toset([var.secret, "x"])`` marks
   ``"x"``). What it cannot see: a secret's bits turned into a decision
   (``var.s == "x" ? ...``, ``length(var.s) > 8``), and a
   short marked string (under MIN_SUBSTRING characters) inside a longer
   word, which ``redact`` leaves alone so that "22" does not blank every
   address holding it.

2. Describe, do not quote. A message that shows a value the configuration
   gave quotes it only when it is address-shaped (a CIDR, an address, a
   port or port range, a protocol name); anything else is described by
   ``describe`` ("a 40-character value").
"""

from __future__ import annotations

import json
import re
from typing import Any

from vpclint.values import Joined, Members

REDACTED = "(a sensitive value)"
# a marked string at least this long is redacted wherever it appears; a
# shorter one only as a token of its own (not inside "10.0.0.0/16")
MIN_SUBSTRING = 6
_EDGE = re.compile(r"[\w.:/-]")

_IPV4ISH = re.compile(r"\A[0-9][0-9./-]{0,42}\Z")
_IPV6ISH = re.compile(r"\A(?=.*:)[0-9a-fA-F:./-]{2,50}\Z")
_PROTOCOLS = {"tcp", "udp", "icmp", "icmpv6", "ipv6-icmp", "esp", "ah", "gre", "sctp", "all", "any", "*", "-1"}


def address_shaped(value: Any) -> bool:
    """Whether ``value`` looks like a CIDR, an address, a port (range) or a protocol: safe to quote."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(_IPV4ISH.match(text) or _IPV6ISH.match(text) or text.lower() in _PROTOCOLS)


def describe(value: Any) -> str:
    """``value`` quoted when address-shaped, else described without its content."""
    if address_shaped(value):
        return repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, str):
        return f"a {len(value)}-character value" if value else "an empty string"
    if isinstance(value, bool) or value is None:
        return repr(value).lower() if value is not None else "null"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"a map of {len(value)}"
    return f"a value of type {type(value).__name__}"


class Taint:
    """The marked strings of one load (see the module docstring)."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        # strings from files of the repository (file(), templatefile()): redacted like the rest, but an
        # address-shaped one is never held here — a CIDR a module reads from its YAML is configuration,
        # and rule 2 lets it be quoted; nor are map keys (a credentials file's secrets are its values,
        # and a for_each over a file's map keeps readable addresses)
        self.soft: set[str] = set()
        # a value of the runner's was marked (TF_VAR_*, a sensitive variable, sensitive()): the load is
        # never cached; marks from repository files and functions alone keep it cacheable
        self.runner = False
        self._index: tuple[dict[str, list[tuple[str, bool]]], set[str]] | None = None

    def __bool__(self) -> bool:
        return bool(self.values or self.soft)

    def clear(self) -> None:
        self.values.clear()
        self.soft.clear()
        self.runner = False
        self._index = None

    def mark(self, value: Any, runner: bool = False, soft: bool = False) -> Any:
        """Mark every string and number in ``value`` (map keys too); returns ``value``.

        ``runner``: the value is the runner's secret, not a repository file's content or derived.
        ``soft``: the value comes from a repository file only: its address-shaped strings and map keys
        stay quotable."""
        if soft:
            for text in _leaves(value):
                if text and not address_shaped(text) and text not in self.soft and text not in self.values:
                    self.soft.add(text)
                    self._index = None
            return value
        for text in _leaves(value, keys=True):
            self.runner = self.runner or runner
            if text and text not in self.values:
                self.values.add(text)
                self._index = None
        return value

    def level(self, value: Any) -> int:
        """2 when ``value`` holds a string marked outright, 1 when only a repository file's, else 0."""
        if not self:
            return 0
        found = 0
        for text in _leaves(value, keys=True):
            if text in self.values:
                return 2
            if text in self.soft:
                found = 1
        return found

    def propagate(self, source: Any, result: Any) -> Any:
        """Mark ``result`` as ``source`` is marked: what is computed from a secret is secret."""
        level = self.level(source)
        return self.mark(result, soft=level == 1) if level else result

    def update(self, texts: Any, soft: bool = False) -> None:
        for text in texts:
            self.mark(text, soft=soft)

    def tainted(self, value: Any) -> bool:
        """Whether ``value`` holds a marked string (a template that interpolates one is marked itself)."""
        return self.level(value) > 0

    def redact(self, text: str | None) -> str | None:
        """``text`` with every marked string in it replaced by REDACTED (linear in ``text``)."""
        if not self or not text:
            return text
        long, short = self._lookup()
        spans = []
        for start in range(len(text)):
            for secret, soft in long.get(text[start:start + MIN_SUBSTRING], ()):
                # a repository file's string is hidden where it stands as a token of its own, not inside a
                # word or an address ("compute" read from a YAML file leaves google_compute_instance alone)
                if text.startswith(secret, start) and (not soft or _alone(text, start, start + len(secret))):
                    spans.append((start, start + len(secret)))
                    break  # longest first
            for size in range(1, MIN_SUBSTRING):
                end = start + size
                if end <= len(text) and text[start:end] in short and _alone(text, start, end):
                    spans.append((start, end))
        if not spans:
            return text
        out, last = [], 0
        for start, end in sorted(spans):
            if end <= last:
                continue
            out.append(text[last:max(start, last)] + (REDACTED if start >= last else ""))
            last = end
        return "".join(out) + text[last:]

    def _lookup(self) -> tuple[dict[str, list[tuple[str, bool]]], set[str]]:
        """Long marked strings by their first characters (longest first, each with whether it is only a
        repository file's), and the short ones; each as written and as repr() and JSON quote it."""
        if self._index is None:
            long: dict[str, list[tuple[str, bool]]] = {}
            short: set[str] = set()
            for text in self.values | self.soft:
                soft = text not in self.values
                for form in {text, repr(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}:
                    if len(form) >= MIN_SUBSTRING:
                        long.setdefault(form[:MIN_SUBSTRING], []).append((form, soft))
                    elif form:
                        short.add(form)
            for forms in long.values():
                forms.sort(key=lambda item: len(item[0]), reverse=True)
            self._index = (long, short)
        return self._index


def _alone(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a token of its own, not part of a word, address or path."""
    return not (start > 0 and _EDGE.match(text[start - 1])) and not (end < len(text) and _EDGE.match(text[end]))


def _leaves(value: Any, keys: bool = False):
    """The strings of ``value``, numbers as text; lazy objects (resources, modules) are not walked."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, (int, float)):
            yield str(item) if isinstance(item, int) or not item.is_integer() else str(int(item))
        elif isinstance(item, dict):  # a Mapping that is no dict (a resource, a module) is lazy
            if keys:
                stack.extend(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, Joined):  # an unknown string's known pieces
            stack.extend(item.parts)
        elif isinstance(item, Members):
            stack.extend(item.items)


# the marks of the load under way (load_module clears it, and hands its values to the LoadResult)
CURRENT = Taint()
