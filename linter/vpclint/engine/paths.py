"""Paths into the model, as rules write them: ``cluster.network.subnets.cidr``.

A path starts at a name bound by the rule (the ``for_each`` item or a
primitive's capture) and follows public attributes; lists are flattened on
the way, absent links (``None``) drop out. Only data attributes are
followed — never methods — so a rule can read the model but never run code.
"""

from __future__ import annotations

import re
from typing import Any

from vpclint.model import Cidr, Element
from vpclint.values import Unknown

_SEGMENT = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_.]*)\}")


class PathError(ValueError):
    pass


def resolve(bindings: dict[str, Any], path: str) -> list[Any]:
    """Every value ``path`` reaches from ``bindings``, lists flattened."""
    head, *rest = path.split(".")
    if head not in bindings:
        raise PathError(f"unknown name {head!r} in path {path!r}")
    values = _flatten([bindings[head]])
    for segment in rest:
        if not _SEGMENT.match(segment):
            raise PathError(f"bad segment {segment!r} in path {path!r}")
        step = []
        for value in values:
            if isinstance(value, Unknown) or isinstance(value, (str, int, float, bool)):
                continue
            attr = getattr(type(value), segment, None)
            if callable(attr) and not isinstance(attr, property):
                raise PathError(f"{segment!r} is not a data attribute (path {path!r})")
            if not hasattr(value, segment):
                raise PathError(f"{type(value).__name__} has no attribute {segment!r} (path {path!r})")
            step.append(getattr(value, segment))
        values = _flatten(step)
    return values


def path_condition(bindings: dict[str, Any], spec: dict[str, Any]) -> tuple[bool | None, Any]:
    """Whether the value at ``spec["path"]`` meets the test beside it
    (``exists``, ``equals``, ``in`` or ``not_in``), and that value; None when
    it is unknown. One meaning for ``where`` conditions and the ``holds`` primitive."""
    values = resolve(bindings, spec["path"])
    if any(isinstance(v, Unknown) for v in values):
        return None, None
    value = values[0] if len(values) == 1 else (values or None)
    if "exists" in spec:
        return (value is not None) == spec["exists"], value
    if "equals" in spec:
        return value == spec["equals"], value
    if "in" in spec:
        return value in spec["in"], value
    return value not in spec["not_in"], value


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            out.extend(_flatten(list(value)))
        else:
            out.append(value)
    return out


def show(value: Any) -> str:
    """How a value reads in a message."""
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    if isinstance(value, Cidr):
        return str(value)
    if isinstance(value, Element):
        return value.address
    if isinstance(value, Unknown):
        return "(unknown)"
    return str(value)


def format_message(template: str, bindings: dict[str, Any]) -> str:
    """Fill ``{path}`` placeholders; nothing else in the template is interpreted."""

    def fill(match: re.Match) -> str:
        try:
            values = resolve(bindings, match.group(1))
        except PathError:
            return match.group(0)
        return show(values[0] if len(values) == 1 else values)

    return _PLACEHOLDER.sub(fill, template)
