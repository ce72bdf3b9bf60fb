"""Root module variable values and loose type conversion.

Sources in Terraform's order of precedence, later wins: declared defaults
(applied by the module), ``TF_VAR_name``, ``terraform.tfvars``,
``terraform.tfvars.json``, ``*.auto.tfvars(.json)`` in lexical order,
``--var-file`` in order, ``--var`` in order.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable

from vpclint.load import LoadOptions
from vpclint.load.hcl.evaluate import (
    EvalError,
    Scope,
    a_type,
    evaluate,
    evaluate_value,
    to_bool,
    to_number,
    to_str,
)
from vpclint.load.hcl.functions import from_json, set_order
from vpclint.inputs import outside
from vpclint.resources import LoadError
from vpclint.taint import CURRENT as TAINT
from vpclint.values import Unknown

if TYPE_CHECKING:
    from vpclint.load.hcl.results import Reads

CONSTANT = Scope(None)  # for values that may not refer to anything
_INVALID = object()  # a raw value that did not parse (already reported)
_LOOKS_LIKE_HCL = re.compile(r"\A\s*(?:[\[{]|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*\Z|(?:true|false)\s*\Z)")


def root_values(
    directory: str,
    options: LoadOptions,
    declared_types: dict[str, list | None],
    read_plain: Callable[[str], dict],
    errors: list,
    files_read: list,
    reads: "Reads",
    root: str,
) -> dict[str, Any]:
    """Collect the root module's variable values from every source, later wins.

    A variables file found in the directory or named by the config must
    resolve inside ``root``, the root of the run (inputs.py); one named on
    the command line (``options.explicit``) may lie anywhere. The runner's
    values are marked secret (taint.py): ``TF_VAR_*``, ``--var``, and the
    files named with ``--var-file`` that lie outside the repository (what
    the repository holds, the pull request's author knows already). They are
    marked whatever the declarations say: the pull request writes those.
    """
    values: dict[str, Any] = {}
    for key in sorted(options.env):
        if key.startswith("TF_VAR_") and len(key) > 7:
            name = key[7:]
            value = _raw_value(options.env[key], declared_types.get(name), key, errors)
            if value is not _INVALID:
                values[name] = TAINT.mark(value, runner=True) if name in declared_types else value
    names = reads.listdir(directory) or []
    automatic = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    automatic += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    for name in automatic:
        path = os.path.join(directory, name)
        why = outside(reads.realpath(path), root)
        if why is not None:
            errors.append(LoadError(path, None, f"variables file {why}; name it with --var-file to read it"))
            continue
        files_read.append(path)
        values.update(_file_values(path, read_plain, errors, reads))
    for path in options.var_files:
        if not reads.isfile(path) and not os.path.lexists(path):  # a FIFO or device: the read says what it is
            errors.append(LoadError(path, None, "cannot read variables file: no such file"))
            continue
        why = outside(reads.realpath(path), root)
        if why is not None and path not in options.explicit:
            errors.append(LoadError(path, None, f"variables file {why}; name it with --var-file to read it"))
            continue
        files_read.append(path)
        found = _file_values(path, read_plain, errors, reads)
        if why is not None:  # the runner's own file
            TAINT.mark([value for name, value in found.items() if name in declared_types], runner=True)
        values.update(found)
    for name, raw in options.vars:
        value = _raw_value(raw, declared_types.get(name), f"--var {name}", errors)
        if value is not _INVALID:
            values[name] = TAINT.mark(value, runner=True) if name in declared_types else value
    return values


def _raw_value(raw: str, type_node: list | None, origin: str, errors: list) -> Any:
    """A -var / TF_VAR_ value: HCL when it looks like one, else the string itself."""
    if _is_primitive(type_node, "string") or not _LOOKS_LIKE_HCL.match(raw):
        return raw
    from vpclint.load.hcl.parse import parse_expression  # here: a run without -var values never loads the parser

    try:
        node = parse_expression(raw)
    except ValueError as exc:
        line, message = exc.args
        errors.append(LoadError(origin, min(line or 1, raw.count("\n") + 1), f"invalid value: {message}"))
        return _INVALID
    return evaluate_value(node, CONSTANT)


def _file_values(path: str, read_plain: Callable[[str], dict], errors: list, reads: "Reads") -> dict[str, Any]:
    if path.endswith(".json"):
        return _json_values(path, errors, reads)
    plain = read_plain(path)
    for line, message in plain["errors"]:
        errors.append(LoadError(path, line, message))
    values: dict[str, Any] = {}
    for block in plain["blocks"]:
        if block["type"] == "__attrs__":
            for name, (node, _line) in block["attrs"].items():
                values[name] = evaluate_value(node, CONSTANT)
    return values


def _json_values(path: str, errors: list, reads: "Reads") -> dict[str, Any]:
    from vpclint import load as _load

    try:
        if reads.size(path) > _load.MAX_FILE_BYTES:
            errors.append(LoadError(path, None, f"file is larger than {_load.MAX_FILE_BYTES // (1024 * 1024)} MiB; "
                                                "not read"))
            return {}
        data = json.loads(reads.read(path).decode("utf-8-sig"))
    except json.JSONDecodeError as exc:
        errors.append(LoadError(path, exc.lineno, f"invalid JSON: {exc.msg}"))
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(LoadError(path, None, f"cannot read variables file: {getattr(exc, 'strerror', None) or exc}"))
        return {}
    except RecursionError:
        errors.append(LoadError(path, None, "invalid JSON: nested too deeply"))
        return {}
    if not isinstance(data, dict):
        errors.append(LoadError(path, 1, "a variables file must hold a JSON object"))
        return {}
    return {key: from_json(value) for key, value in data.items()}


# ---------------------------------------------------------------------------
# type constraints
# ---------------------------------------------------------------------------


def _is_primitive(type_node: list | None, name: str) -> bool:
    return type_node is not None and type_node[0] in ("var", "lit") and type_node[1] == name


def convert(value: Any, type_node: list | None) -> Any:
    """Convert `value` to a declared variable type, loosely; raises EvalError."""
    if type_node is None or value is None or isinstance(value, Unknown):
        return value
    kind = type_node[0]
    if kind in ("var", "lit"):
        name = type_node[1]
        if name == "string":
            if isinstance(value, (list, Mapping)):
                raise EvalError(f"a string is required, got {a_type(value)}")
            return to_str(value)
        if name == "number":
            return to_number(value)
        if name == "bool":
            return to_bool(value)
        if name in ("list", "set"):
            return convert(value, ["call", name, [["var", "any"]], False])
        if name == "map":
            return convert(value, ["call", "map", [["var", "any"]], False])
        return value
    if kind != "call" or not type_node[2]:
        return value
    name, argument = type_node[1], type_node[2][0]
    if name in ("list", "set"):
        if not isinstance(value, list):
            raise EvalError(f"a {name} is required, got {a_type(value)}")
        items = [convert(item, argument) for item in value]
        return set_order(items) if name == "set" and not any(isinstance(i, Unknown) for i in items) else items
    if name == "map":
        if not isinstance(value, Mapping):
            raise EvalError(f"a map is required, got {a_type(value)}")
        return {key: convert(value[key], argument) for key in value}
    if name == "tuple" and argument[0] == "tuple":
        if not isinstance(value, list) or len(value) != len(argument[1]):
            raise EvalError(f"a tuple of {len(argument[1])} elements is required")
        return [convert(item, element) for item, element in zip(value, argument[1])]
    if name == "object" and argument[0] == "object":
        return _convert_object(value, argument[1])
    return value


def _convert_object(value: Any, attributes: list) -> dict:
    if not isinstance(value, Mapping):
        raise EvalError(f"an object is required, got {a_type(value)}")
    result = {}
    for key_node, attribute_type in attributes:
        key = to_str(evaluate(key_node, CONSTANT))
        optional = attribute_type[0] == "call" and attribute_type[1] == "optional" and attribute_type[2]
        inner = attribute_type[2][0] if optional else attribute_type
        if key in value and value[key] is not None:
            result[key] = convert(value[key], inner)
        elif optional:
            default = attribute_type[2][1] if len(attribute_type[2]) > 1 else None
            result[key] = convert(evaluate_value(default, CONSTANT), inner) if default is not None else None
        elif key in value:
            result[key] = None
        else:
            raise EvalError(f"attribute {key!r} is required")
    return result
