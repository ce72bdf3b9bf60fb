"""Findings inside downloaded modules, shown where the user fixes them.

A module `terraform init` downloaded (under ``.terraform/modules``, or
``$TF_DATA_DIR``) is not the user's code: a finding about one of its resources
is shown at the ``module`` block in the user's files that leads to it — at
the argument that feeds the attribute the finding is about, when the value
comes from one ``var.x`` the call sets, else at the block's first line — and
the position inside the module is kept as ``Finding.defined_at`` (JSON
``related_locations``, SARIF ``relatedLocations``). Nested downloaded modules
are walked up, argument by argument, to the first call written in the user's
files. Local modules keep their own positions. As tflint does (its module
inspection reports at the module argument the value comes from), so that an
inline ``vpclint-ignore`` can be written where the finding is shown.

Only the position changes: the resource address, the facts and so the
baseline fingerprint stay those of the resource, whatever the position.
This runs over the findings, after the rules and before the suppressions,
reading the plain forms of the module files again (from the parse cache).
"""

from __future__ import annotations

import os
from typing import Any, Callable

from vpclint.findings import Finding
from vpclint.load import config_files
from vpclint.resources import Resource

# how many locals deep a value is followed back to the variables it comes from
MAX_LOCAL_DEPTH = 16


def downloaded_test(root: str, data_dir: str = ".terraform") -> Callable[[str], bool]:
    """Whether a file lies in a module terraform downloaded: under ``root``'s data
    directory (``data_dir``, TF_DATA_DIR) or any ``.terraform`` directory."""
    base = os.path.abspath(os.path.join(root, data_dir))

    def downloaded(path: str) -> bool:
        full = os.path.abspath(path)
        if ".terraform" in full.split(os.sep):
            return True
        try:
            return os.path.commonpath([full, base]) == base
        except ValueError:  # another drive on Windows
            return False

    return downloaded


def relocate(findings: list[Finding], resources: list[Resource], downloaded: Callable[[str], bool],
             cache_dir: str | None = None) -> None:
    """Show each finding about a resource of a downloaded module at the user's module call."""
    by_address: dict[str, Resource] = {}
    for resource in resources:
        by_address.setdefault(resource.address, resource)
    feeds = _Feeds(downloaded, cache_dir)
    for finding in findings:
        resource = by_address.get(finding.resource)
        if finding.file is None or resource is None or not resource.call_sites or not downloaded(finding.file):
            continue
        target = feeds.position(resource, finding.attributes)
        if target is not None:
            finding.defined_at = (finding.file, finding.line)
            finding.file, finding.line = target


class _Feeds:
    """Reads module files (once each) to follow an attribute back to the caller's argument."""

    def __init__(self, downloaded: Callable[[str], bool], cache_dir: str | None):
        self.downloaded = downloaded
        self.cache_dir = cache_dir
        self._files: dict[str, list[dict]] = {}
        self._locals: dict[str, dict[str, Any]] = {}

    def position(self, resource: Resource, attributes: tuple[str, ...]) -> tuple[str, int] | None:
        """(file, line) in the user's files for ``resource``'s finding; None when no call is the user's."""
        block = self._block(resource.file, resource.line, ("resource", "data"))
        directory = os.path.dirname(resource.file)
        names: set[str] = set()
        if block is not None:
            iterators = {"each": block["attrs"]["for_each"][0]} if "for_each" in block["attrs"] else {}
            for attribute in attributes:
                for expr, scope in _attribute_exprs(block, attribute.split("."), iterators):
                    names |= self._variables(expr, directory, scope)
        for site in reversed(resource.call_sites):  # innermost call first
            call = self._block(site.file, site.line, ("module",))
            arguments = call["attrs"] if call is not None else {}
            if not self.downloaded(site.file):
                chosen = sorted(name for name in names if name in arguments)
                return (site.file, arguments[chosen[0]][1]) if len(chosen) == 1 else (site.file, site.line)
            caller_dir = os.path.dirname(site.file)
            iterators = {"each": arguments["for_each"][0]} if "for_each" in arguments else {}
            names = set().union(*(self._variables(arguments[name][0], caller_dir, iterators)
                                  for name in names if name in arguments))
        return None

    def _block(self, path: str | None, line: int | None, types: tuple[str, ...]) -> dict | None:
        if path is None or line is None:
            return None
        return next((b for b in self._plain(path) if b["line"] == line and b["type"] in types), None)

    def _plain(self, path: str) -> list[dict]:
        if path not in self._files:
            from vpclint.load.hcl import plain_forms

            self._files[path] = plain_forms([path], self.cache_dir)[0]["blocks"]
        return self._files[path]

    def _module_locals(self, directory: str) -> dict[str, Any]:
        if directory not in self._locals:
            found: dict[str, Any] = {}
            for path in config_files(directory):
                for block in self._plain(path):
                    if block["type"] == "locals":
                        for name, (expr, _line) in block["attrs"].items():
                            found.setdefault(name, expr)
            self._locals[directory] = found
        return self._locals[directory]

    def _variables(self, expr: Any, directory: str, iterators: dict[str, Any]) -> set[str]:
        """The input variables (``var.x``) a value is taken from, through locals and
        iterators (``each.value``, a dynamic block's); not the conditions that choose
        between values, nor the keys that index them."""
        found: set[str] = set()
        seen: set[str] = set()
        pending = [(expr, iterators, 0)]
        while pending:
            node, scope, depth = pending.pop()
            if not isinstance(node, list) or not node:
                continue
            kind = node[0]
            if kind == "attr" and isinstance(node[1], list) and node[1][:1] == ["var"]:
                root = node[1][1]
                if root == "var":
                    found.add(node[2])
                elif root == "local" and node[2] not in seen and depth < MAX_LOCAL_DEPTH:
                    seen.add(node[2])
                    local = self._module_locals(directory).get(node[2])
                    if local is not None:
                        pending.append((local, {}, depth + 1))
                elif root in scope:
                    pending.append((scope[root], {}, depth + 1))
                continue
            if kind == "var" and len(node) == 2 and node[1] in scope:
                pending.append((scope[node[1]], {}, depth + 1))
                continue
            if kind == "cond":  # the condition only chooses
                pending.extend((part, scope, depth) for part in node[2:])
                continue
            if kind == "index":  # the key only selects
                pending.append((node[1], scope, depth))
                continue
            parts = node[1:] if isinstance(kind, str) else node  # a node, or a list of them (arguments)
            pending.extend((part, scope, depth) for part in parts if isinstance(part, list))
        return found


def _attribute_exprs(block: dict, path: list[str], iterators: dict[str, Any]) -> list[tuple[Any, dict]]:
    """The expressions that write attribute ``path`` (``cidr_block``, ``route.destination``)
    in ``block`` and its nested blocks (dynamic ones too), each with the iterators in scope."""
    first, rest = path[0], path[1:]
    if first in block["attrs"]:
        return [(block["attrs"][first][0], iterators)]
    if not rest:
        return []
    found = []
    for child in block["blocks"]:
        if child["type"] == first:
            found.extend(_attribute_exprs(child, rest, iterators))
        elif child["type"] == "dynamic" and child["labels"][:1] == [first] and "for_each" in child["attrs"]:
            iterator = child["attrs"].get("iterator")
            name = iterator[0][1] if iterator and iterator[0][:1] == ["var"] else first
            inner = {**iterators, name: child["attrs"]["for_each"][0]}
            for content in child["blocks"]:
                if content["type"] == "content":
                    found.extend(_attribute_exprs(content, rest, inner))
    return found

