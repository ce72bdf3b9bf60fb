"""Encoding, decoding and hashing."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import urllib.parse
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
