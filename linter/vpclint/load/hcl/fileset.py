"""``fileset()``: Terraform's glob over the files of a checkout, confined and bounded.

Terraform joins PATH and PATTERN, cleans the result and globs it with
doublestar v1 (``**`` any number of directories, ``*`` and ``?`` within one
name, ``[...]`` classes, ``{a,b}`` alternatives, ``\\`` escapes; a name that
starts with a dot is matched like any other), keeps the regular files (links
followed) and returns their paths relative to PATH with ``/`` separators, as a
set of strings (sorted).

A pull request is hostile input (inputs.py): every directory listed and every
file returned must resolve inside the root of the run, and nothing inside
``.git`` is listed. A pattern that would need either is refused as a whole
(``Refused``) rather than answered with part of the set, and so is one that
looks at more than ``MAX_ENTRIES`` directory entries or matches more than
``MAX_MATCHES`` files (``Unlisted``): a partial set would read as "no more
files". Every look at the disk goes through the loader's ``Reads``, so the
result cache sees a file added to a factory directory.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from vpclint.inputs import GIT_DIR, outside

# files one fileset() call may return, and directory entries it may look at
MAX_MATCHES = 10_000
MAX_ENTRIES = 100_000
# directories nested deeper than this below the start of the pattern are not walked
MAX_DEPTH = 64

_MAGIC = re.compile(r"[*?\[{\\]")


class BadPattern(ValueError):
    """A pattern doublestar refuses (Terraform: "failed to glob pattern")."""


class Refused(Exception):
    """A directory or file the pattern reaches that vpclint does not read."""

    def __init__(self, path: str, why: str, error: bool, shown: str):
        super().__init__(f"{shown} {why}")
        self.path = path
        self.why = why
        self.error = error  # outside the repository: an error of the run, as for file()


class Unlisted(Exception):
    """More than vpclint lists for one call."""


def glob(reads: Any, base: str, pattern: str, root: str) -> list[str]:
    """The files ``pattern`` matches below ``base``, relative to it, sorted.

    ``base`` is PATH already joined with the directory Terraform runs in;
    ``reads`` is the loader's ``Reads``; ``root`` the root of the run.
    """
    base = posixpath.normpath(base)
    full = posixpath.normpath(f"{base}/{pattern}")  # Go's filepath.Join: an absolute PATTERN stays below PATH
    components = _split(full)
    walker = _Walker(reads, root)
    if components and components[0] == "":
        walker.walk("/", components[1:], 0)
    else:
        walker.walk(".", components, 0)
    found = {os.path.relpath(match, base).replace(os.sep, "/") for match in walker.matches}
    return sorted(found)


def _split(pattern: str) -> list[str]:
    """``pattern`` split at each ``/`` that is not escaped."""
    parts, current, index = [], [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            current.append(pattern[index: index + 2])
            index += 2
            continue
        if char == "/":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


class _Walker:
    def __init__(self, reads: Any, root: str):
        self.reads = reads
        self.root = root
        self.matches: list[str] = []
        self.entries = 0
        self.active: set[str] = set()  # real paths of the directories being walked (links that loop)

    def walk(self, directory: str, components: list[str], depth: int) -> None:
        literal = 0
        while literal < len(components) and not _MAGIC.search(components[literal]):
            literal += 1
        if literal:
            directory = os.path.join(directory, *components[:literal])
            components = components[literal:]
        if not components:
            self._match(directory)
            return
        if depth > MAX_DEPTH:
            raise Unlisted(f"the pattern reaches more than {MAX_DEPTH} directories deep, which vpclint does not walk")
        if not self.reads.isdir(directory):
            return
        real = self._inside(directory)
        if real in self.active:
            return  # a link back to a directory being walked: Terraform would loop, vpclint stops
        names = self.reads.listdir(directory) or []
        self.entries += len(names)
        if self.entries > MAX_ENTRIES:
            raise Unlisted(f"the pattern looks at more than {MAX_ENTRIES:,} directory entries, "
                           "which vpclint does not list")
        self.active.add(real)
        try:
            self._walk_names(directory, names, components, depth)
        finally:
            self.active.discard(real)

    def _walk_names(self, directory: str, names: list[str], components: list[str], depth: int) -> None:
        last = len(components) == 1
        if components[0] == "**":
            for name in names:
                child = os.path.join(directory, name)
                if self.reads.isdir(child):
                    self.walk(child, components, depth + 1)
                elif last:
                    self._match(child)
            if last:
                return
            components = components[1:]
            last = len(components) == 1
        matcher = _compile(components[0])
        for name in names:
            if matcher.fullmatch(name):
                child = os.path.join(directory, name)
                if last:
                    self._match(child)
                else:
                    self.walk(child, components[1:], depth + 1)

    def _inside(self, path: str) -> str:
        """The real path of ``path``; Refused when links take it out of the root."""
        real = self.reads.realpath(path)
        why = outside(real, self.root)
        if why is not None:
            raise self._refused(path, real, why)
        return real

    def _refused(self, path: str, real: str, why: str) -> Refused:
        """Git's metadata is named within the repository; a path outside it, as written."""
        inside = os.path.relpath(real, self.root)
        if GIT_DIR in inside.split(os.sep) and not inside.startswith(os.pardir):
            return Refused(path, why, error=False, shown=inside)
        return Refused(path, why, error=True, shown=os.path.normpath(path))

    def _match(self, path: str) -> None:
        """Keep ``path`` if it is a regular file (links followed) inside the root."""
        if not self.reads.isfile(path):
            return
        self._inside(path)
        self.matches.append(path)
        if len(self.matches) > MAX_MATCHES:
            raise Unlisted(f"more than {MAX_MATCHES:,} files match, which vpclint does not list")


_COMPILED: dict[str, re.Pattern] = {}


def _compile(component: str) -> re.Pattern:
    """One path component of a doublestar pattern as a regular expression."""
    found = _COMPILED.get(component)
    if found is None:
        text, end = _translate(component, 0, in_braces=False)
        if end != len(component):
            raise BadPattern(f"syntax error in pattern {component!r}")
        found = re.compile(text, re.S)
        if len(_COMPILED) > 512:
            _COMPILED.clear()
        _COMPILED[component] = found
    return found


def _translate(pattern: str, index: int, in_braces: bool) -> tuple[str, int]:
    """The regular expression for ``pattern[index:]`` up to the end, or (in
    braces) up to the ``,`` or ``}`` that ends this alternative."""
    out = []
    while index < len(pattern):
        char = pattern[index]
        if in_braces and char in ",}":
            return "".join(out), index
        if char == "\\":
            if index + 1 >= len(pattern):
                raise BadPattern("pattern ends with an escape")
            out.append(re.escape(pattern[index + 1]))
            index += 2
        elif char == "*":
            out.append("[^/]*")
            index += 1
        elif char == "?":
            out.append("[^/]")
            index += 1
        elif char == "[":
            text, index = _char_class(pattern, index + 1)
            out.append(text)
        elif char == "{":
            alternatives = []
            index += 1
            while True:
                text, index = _translate(pattern, index, in_braces=True)
                alternatives.append(text)
                if index >= len(pattern):
                    raise BadPattern("unterminated { in pattern")
                index += 1
                if pattern[index - 1] == "}":
                    break
            out.append("(?:" + "|".join(alternatives) + ")")
        else:
            out.append(re.escape(char))
            index += 1
    return "".join(out), index


def _char_class(pattern: str, index: int) -> tuple[str, int]:
    """``[...]`` starting after the ``[``: the class and the index after its ``]``."""
    negate = index < len(pattern) and pattern[index] in "^!"
    if negate:
        index += 1
    members = []
    while True:
        if index >= len(pattern):
            raise BadPattern("unterminated [ in pattern")
        char = pattern[index]
        if char == "]" and members:
            break
        if char == "\\":
            if index + 1 >= len(pattern):
                raise BadPattern("pattern ends with an escape")
            char = pattern[index + 1]
            index += 1
        index += 1
        if index + 1 < len(pattern) and pattern[index] == "-" and pattern[index + 1] != "]":
            high = pattern[index + 1]
            if high == "\\" and index + 2 < len(pattern):
                high = pattern[index + 2]
                index += 1
            if high < char:
                raise BadPattern("character range out of order in pattern")
            members.append(f"{re.escape(char)}-{re.escape(high)}")
            index += 2
        else:
            members.append(re.escape(char))
    body = "".join(members)
    return (f"[^/{body}]" if negate else f"[{body}]"), index + 1
