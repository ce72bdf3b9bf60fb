"""Encoding, decoding and hashing."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import urllib.parse
import uuid
from collections.abc import Mapping
from typing import Any

from vpclint.load.hcl.evaluate import (
    EvalError,
    LimitError,
    a_type,
    norm_number,
    to_str,
)
from vpclint.load.hcl.functions.base import function


def _json(value: Any) -> str:
    text = json.dumps(_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # Go's encoder escapes these, and Terraform's jsonencode shows it
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace(
        "\u2028", "\\u2028"
    ).replace("\u2029", "\\u2029")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _jsonable(value[key]) for key in value}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        raise EvalError("cannot encode a non-finite number")
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise EvalError(f"cannot encode {a_type(value)}")


def from_json(value: Any) -> Any:
    """A decoded JSON or YAML value as Terraform holds it (numbers normalized); tfvars.json files too."""
    if isinstance(value, dict):
        return {key: from_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_json(item) for item in value]
    if isinstance(value, float):
        return norm_number(value)
    return value


@function("jsonencode")
def _jsonencode(value):
    return _json(value)


@function("jsondecode")
def _jsondecode(text):
    try:
        return from_json(json.loads(to_str(text)))
    except json.JSONDecodeError as exc:
        raise EvalError(f"invalid JSON: {exc}") from None


@function("yamldecode")
def _yamldecode(text):
    """Bounded as YAML files are: an alias bomb is refused before it is expanded."""
    import yaml

    from vpclint.load.boundedyaml import YamlTooLarge, load_single

    try:
        return from_json(load_single(to_str(text)))
    except yaml.YAMLError as exc:
        raise EvalError(f"invalid YAML: {exc}") from None
    except YamlTooLarge as exc:  # more than vpclint evaluates, as for a file: not an error try() hides
        raise LimitError(f"yamldecode(): {exc}") from None


@function("base64encode")
def _base64encode(text):
    return base64.b64encode(to_str(text).encode()).decode()


@function("base64decode")
def _base64decode(text):
    try:
        return base64.b64decode(to_str(text), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise EvalError(f"invalid base64 or not UTF-8: {exc}") from None


@function("urlencode")
def _urlencode(text):
    return urllib.parse.quote_plus(to_str(text), safe="")


def _hash(name: str, algorithm: str, encoding: str) -> None:
    def impl(text):
        digest = hashlib.new(algorithm, to_str(text).encode())
        return digest.hexdigest() if encoding == "hex" else base64.b64encode(digest.digest()).decode()

    function(name)(impl)


for _name, _algorithm, _encoding in (
    ("md5", "md5", "hex"), ("sha1", "sha1", "hex"), ("sha256", "sha256", "hex"),
    ("sha512", "sha512", "hex"), ("base64sha256", "sha256", "b64"), ("base64sha512", "sha512", "b64"),
):
    _hash(_name, _algorithm, _encoding)


@function("csvdecode")
def _csvdecode(text):
    """A list of objects, one per row, keyed by the header row, as Terraform (Go's encoding/csv) reads it."""
    import csv

    try:
        rows = [row for row in csv.reader(io.StringIO(to_str(text), newline=""), strict=True) if row]
    except csv.Error as exc:
        raise EvalError(f"invalid CSV: {exc}") from None
    if not rows:
        raise EvalError("missing header line")
    header = rows[0]
    result = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise EvalError(f"record on line {number}: wrong number of fields")
        result.append(dict(zip(header, row)))
    return result


@function("yamlencode")
def _yamlencode(value):
    """YAML in block style, as Terraform writes it (go-cty-yaml): keys and strings double-quoted, keys
    sorted, multi-line strings as literal blocks; a scalar document ends with ``...``. Unlike
    Terraform's emitter, long strings are never folded across lines (the decoded value is the same)."""
    lines: list[str] = []
    if isinstance(value, (list, Mapping)) and len(value):
        _yaml_block(value, 0, lines)
        return "\n".join(lines) + "\n"
    text = _yaml_scalar(value, 0)
    if isinstance(value, str):
        return text + "\n"
    return text + "\n" if isinstance(value, (list, Mapping)) else text + "\n...\n"


def _yaml_block(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            item = value[key]
            head = f"{pad}{_yaml_quoted(str(key))}:"
            if isinstance(item, Mapping) and len(item):
                lines.append(head)
                _yaml_block(item, indent + 2, lines)
            elif isinstance(item, list) and item:
                lines.append(head)
                _yaml_block(item, indent, lines)  # a sequence in a mapping is not indented
            else:
                lines.append(f"{head} {_yaml_scalar(item, indent + 2)}")
        return
    for item in value:
        if isinstance(item, (Mapping, list)) and len(item):
            nested: list[str] = []
            _yaml_block(item, indent + 2, nested)
            lines.append(f"{pad}- {nested[0][indent + 2:]}")
            lines.extend(nested[1:])
        else:
            lines.append(f"{pad}- {_yaml_scalar(item, indent + 2)}")


def _yaml_scalar(value: Any, indent: int) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return to_str(value)
    if isinstance(value, str):
        if "\n" in value and _literal_allowed(value):
            return _yaml_literal(value, indent)
        return _yaml_quoted(value)
    if isinstance(value, list):
        return "[]"
    if isinstance(value, Mapping):
        return "{}"
    raise EvalError(f"cannot encode {a_type(value)}")


def _printable(char: str) -> bool:
    code = ord(char)
    return (char == "\n" or 0x20 <= code <= 0x7E or code == 0x85 or 0xA0 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD and code != 0xFEFF or 0x10000 <= code <= 0x10FFFF)


def _literal_allowed(text: str) -> bool:
    """The YAML emitter writes a literal block unless a space ends a line or the text holds special characters."""
    return not (text.endswith(" ") or " \n" in text or any(not _printable(char) for char in text))


def _yaml_literal(text: str, indent: int) -> str:
    hints = "2" if text[0] in " \n" else ""
    if not text.endswith("\n"):
        hints += "-"
    elif len(text) == 1 or text[-2] == "\n":
        hints += "+"
    pad = " " * max(indent, 2)
    body = text[:-1] if text.endswith("\n") else text
    return "|" + hints + "".join("\n" + (pad + line if line else "") for line in body.split("\n"))


_YAML_ESCAPES = {"\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f",
                 "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\", "\x85": "\\N", "\xa0": "\\_",
                 "\u2028": "\\L", "\u2029": "\\P"}


def _yaml_quoted(text: str) -> str:
    out = []
    for char in text:
        if char in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[char])
        elif not _printable(char) or char == "\ufeff":
            code = ord(char)
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _codec(name: Any) -> str:
    import codecs

    name = to_str(name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise EvalError(f"{name!r} is not a supported IANA encoding name or alias") from None


@function("textencodebase64")
def _textencodebase64(text, encoding):
    codec = _codec(encoding)
    try:
        return base64.b64encode(to_str(text).encode(codec)).decode()
    except UnicodeEncodeError:
        raise EvalError(f"the given string contains characters that cannot be represented in {codec}") from None


@function("textdecodebase64")
def _textdecodebase64(text, encoding):
    codec = _codec(encoding)
    try:
        data = base64.b64decode(to_str(text), validate=True)
    except ValueError:
        raise EvalError("the given value has an invalid base64 symbol") from None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise EvalError(f"the given value is has an invalid {codec} sequence") from None


_UUID_NAMESPACES = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL, "oid": uuid.NAMESPACE_OID,
                    "x500": uuid.NAMESPACE_X500}


@function("uuidv5")
def _uuidv5(namespace, name):
    """Name-based (RFC 4122 version 5), so known before apply."""
    namespace = to_str(namespace)
    space = _UUID_NAMESPACES.get(namespace)
    if space is None:
        try:
            space = uuid.UUID(namespace)
        except ValueError:
            raise EvalError(f"uuidv5() doesn't support namespace {namespace!r}") from None
    return str(uuid.uuid5(space, to_str(name)))
