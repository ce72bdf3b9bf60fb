"""Terraform's JSON syntax (``*.tf.json``) in the plain form parse.py gives HCL.

Tools such as CDK for Terraform write configurations only in this syntax, and
a linter that skipped those files would say "no issues" about networks it
never read. The mapping follows Terraform's JSON configuration syntax:

* top-level properties are block types; ``resource`` and ``data`` nest two
  labels (type, name), ``module``, ``variable`` and ``output`` one, and at
  every level an array of objects may stand for one object (repeated names);
* in most places a string is a template: ``"${var.cidr}"`` is the variable
  itself, ``"10.${var.n}.0.0/16"`` a string built from it, ``"$${"`` a literal
  ``${``; a variable's ``default`` and a module's ``source`` and ``version``
  are literal, a variable's ``type`` is a type expression;
* ``dynamic`` holds dynamic blocks by block type; ``"//"`` properties are
  comments (``"//": "vpclint-ignore: RULE reason"`` inside a block suppresses
  as the HCL comment would);
* lifecycle, provisioners, ``depends_on`` and ``provider`` say nothing about
  the network and are skipped.

Without the providers' schemas a JSON object may be a map attribute or one
nested block; it is kept as a map, and the provider adapters read a map where
they expect blocks as one block (``providers.common.blocks``).

Positions: this module reads JSON itself (json's own decoder keeps none) to
give every block and attribute the line of its property name.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

from vpclint.load.hcl.cache import SCHEMA

MAX_DEPTH = 200

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1}
_SKIPPED = frozenset({"depends_on", "lifecycle", "provisioner", "connection", "provider", "providers"})


@dataclass
class _Object:
    pairs: list  # [(key, line of the key, value)]
    line: int
    end_line: int


class _Bad(Exception):
    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index


# ---------------------------------------------------------------------------
# reading JSON with lines
# ---------------------------------------------------------------------------


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, index: int) -> int:
        return bisect.bisect_left(self.newlines, index) + 1

    def document(self) -> Any:
        value, end = self.value(_SPACE.match(self.text, 0).end(), 0)
        end = _SPACE.match(self.text, end).end()
        if end != len(self.text):
            raise _Bad(end, "extra data after the JSON document")
        return value

    def value(self, index: int, depth: int) -> tuple[Any, int]:
        text = self.text
        if index >= len(text):
            raise _Bad(index, "unexpected end of file")
        char = text[index]
        if char == "{":
            return self.object(index, depth + 1)
        if char == "[":
            return self.array(index, depth + 1)
        if char == '"':
            return self.string(index)
        number = _NUMBER.match(text, index)
        if number:
            digits = number.group()
            try:
                value = float(digits) if number.group(1) or number.group(2) else int(digits)
            except ValueError:
                raise _Bad(index, "number too large") from None
            return value, number.end()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, index):
                return value, index + len(word)
        raise _Bad(index, f"unexpected {char!r}")

    def string(self, index: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, index + 1, True)
        except json.JSONDecodeError as exc:
            raise _Bad(exc.pos, exc.msg) from None

    def object(self, index: int, depth: int) -> tuple[_Object, int]:
        if depth > MAX_DEPTH:
            raise _Bad(index, "nested too deeply")
        start, pairs = index, []
        index = _SPACE.match(self.text, index + 1).end()
        if self.text.startswith("}", index):
            return _Object(pairs, self.line(start), self.line(index)), index + 1
        while True:
            if not self.text.startswith('"', index):
                raise _Bad(index, "expected a property name in double quotes")
            key_line = self.line(index)
            key, index = self.string(index)
            index = _SPACE.match(self.text, index).end()
            if not self.text.startswith(":", index):
                raise _Bad(index, "expected ':' after a property name")
            value, index = self.value(_SPACE.match(self.text, index + 1).end(), depth)
            pairs.append((key, key_line, value))
            index = _SPACE.match(self.text, index).end()
            if self.text.startswith(",", index):
                index = _SPACE.match(self.text, index + 1).end()
            elif self.text.startswith("}", index):
                return _Object(pairs, self.line(start), self.line(index)), index + 1
            else:
                raise _Bad(index, "expected ',' or '}'")

    def array(self, index: int, depth: int) -> tuple[list, int]:
        if depth > MAX_DEPTH:
            raise _Bad(index, "nested too deeply")
        items: list = []
        index = _SPACE.match(self.text, index + 1).end()
        if self.text.startswith("]", index):
            return items, index + 1
        while True:
            value, index = self.value(index, depth)
            items.append(value)
            index = _SPACE.match(self.text, index).end()
            if self.text.startswith(",", index):
                index = _SPACE.match(self.text, index + 1).end()
            elif self.text.startswith("]", index):
                return items, index + 1
            else:
                raise _Bad(index, "expected ',' or ']'")


# ---------------------------------------------------------------------------
# the plain form
# ---------------------------------------------------------------------------


def parse_json_bytes(data: bytes) -> dict:
    """A ``.tf.json`` file's content in the plain form; never raises."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _failed(data[: exc.start].count(b"\n") + 1, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})")
    reader = _Reader(text)
    try:
        root = reader.document()
    except _Bad as exc:
        return _failed(reader.line(exc.index), f"invalid JSON: {exc}")
    if not isinstance(root, _Object):
        return _failed(1, "a .tf.json file must hold a JSON object")
    converter = _Converter()
    for key, line, value in root.pairs:
        converter.top(key, line, value)
    return {"v": SCHEMA, "blocks": converter.blocks, "comments": sorted(converter.comments),
            "errors": converter.errors}


def _failed(line: int, message: str) -> dict:
    return {"v": SCHEMA, "blocks": [], "comments": [], "errors": [[line, message]]}


class _Converter:
    def __init__(self) -> None:
        self.blocks: list = []
        self.comments: list = []
        self.errors: list = []

    def top(self, kind: str, line: int, value: Any) -> None:
        if kind == "//":
            self.comment(line, value)
        elif kind == "locals":
            for body, body_line in self.bodies(value, line, kind):
                self.blocks.append(self.block("locals", [], body_line, body))
        elif kind in _LABELS:
            for labels, body, body_line in self.labelled(value, _LABELS[kind], [], line, kind):
                self.blocks.append(self.block(kind, labels, body_line, body))
        # terraform, provider, moved, import, check, removed: nothing the network model reads

    def labelled(self, value: Any, depth: int, labels: list, line: int, kind: str):
        """(labels, body, line) for each block under ``value``, ``depth`` labels deep."""
        if depth == 0:
            for body, body_line in self.bodies(value, line, kind):
                yield labels, body, body_line
            return
        for level in (value if isinstance(value, list) else [value]):
            if not isinstance(level, _Object):
                self.errors.append([line, f"{kind}: expected an object of {' and '.join(['labels'] * depth)}"])
                continue
            for label, label_line, inner in level.pairs:
                if label == "//":
                    self.comment(label_line, inner)
                    continue
                yield from self.labelled(inner, depth - 1, [*labels, label], label_line, kind)

    def bodies(self, value: Any, line: int, kind: str):
        for body in (value if isinstance(value, list) else [value]):
            if isinstance(body, _Object):
                yield body, line
            else:
                self.errors.append([line, f"{kind}: a block's body must be a JSON object"])

    def comment(self, line: int, value: Any) -> None:
        for text in (value if isinstance(value, list) else [value]):
            if isinstance(text, str):
                self.comments.append([line, f"// {text}"])

    def block(self, kind: str, labels: list, line: int, body: _Object) -> dict:
        attrs: dict = {}
        nested: list = []
        for name, name_line, value in body.pairs:
            if name == "//":
                self.comment(name_line, value)
            elif name in _SKIPPED or (kind == "variable" and name == "validation"):
                continue
            elif name == "dynamic" and kind in ("resource", "data"):
                nested.extend(self.dynamic(value, name_line))
            else:
                attrs[name] = [self.attribute(kind, name, value, name_line), name_line]
        return {"type": kind, "labels": labels, "line": line, "end_line": body.end_line, "attrs": attrs,
                "blocks": nested}

    def attribute(self, kind: str, name: str, value: Any, line: int) -> list:
        if kind == "variable":
            if name == "type" and isinstance(value, str):
                return self.expression_text(value, line)
            return _literal(value)
        if kind == "module" and name in ("source", "version"):
            return _literal(value)
        return self.expression(value, line)

    def dynamic(self, value: Any, line: int) -> list:
        """``"dynamic": {"ingress": {"for_each": ..., "content": {...}}}`` as HCL's dynamic blocks."""
        found = []
        for labels, body, body_line in self.labelled(value, 1, [], line, "dynamic"):
            attrs, content = {}, []
            for name, name_line, item in body.pairs:
                if name == "content":
                    for inner, inner_line in self.bodies(item, name_line, "content"):
                        content.append(self.block("content", [], inner_line, inner))
                elif name == "iterator" and isinstance(item, str):
                    attrs[name] = [["var", item], name_line]
                elif name == "for_each":
                    attrs[name] = [self.expression(item, name_line), name_line]
            found.append({"type": "dynamic", "labels": labels, "line": body_line, "end_line": body.end_line,
                          "attrs": attrs, "blocks": content})
        return found

    # -- expressions -------------------------------------------------------

    def expression(self, value: Any, line: int) -> list:
        """A JSON value where strings are templates."""
        if isinstance(value, str):
            if "${" not in value and "%{" not in value:
                return ["lit", value]
            return self.template(value, line)
        if isinstance(value, list):
            return ["tuple", [self.expression(item, line) for item in value]]
        if isinstance(value, _Object):
            return ["object", [[["lit", key], self.expression(item, key_line)]
                               for key, key_line, item in value.pairs if key != "//"]]
        return ["lit", value]

    def template(self, text: str, line: int) -> list:
        from vpclint.load.hcl.parse import parse_template  # the parser: only for files that need it

        return self._parsed(parse_template, text, line)

    def expression_text(self, text: str, line: int) -> list:
        from vpclint.load.hcl.parse import parse_expression

        return self._parsed(parse_expression, text, line)

    def _parsed(self, parse: Any, text: str, line: int) -> list:
        try:
            return parse(text)
        except ValueError as exc:
            message = exc.args[1] if len(exc.args) == 2 else str(exc)
            self.errors.append([line, f"invalid expression: {message}"])
            return ["error", message]


def _literal(value: Any) -> list:
    if isinstance(value, list):
        return ["tuple", [_literal(item) for item in value]]
    if isinstance(value, _Object):
        return ["object", [[["lit", key], _literal(item)] for key, _, item in value.pairs if key != "//"]]
    return ["lit", value]
