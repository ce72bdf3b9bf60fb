"""Type conversion and sensitivity marks."""

from __future__ import annotations

from vpclint.load.hcl.evaluate import (
    to_bool,
    to_number,
    to_str,
)
from vpclint.load.hcl.functions.base import _list, _map, function, set_order
from vpclint.taint import CURRENT as TAINT


@function("tostring")
def _tostring(value):
    return None if value is None else to_str(value)


@function("tonumber")
def _tonumber(value):
    return None if value is None else to_number(value)


@function("tobool")
def _tobool(value):
    return None if value is None else to_bool(value)


@function("tolist", unknown="shallow")
def _tolist(value):
    return None if value is None else list(_list(value))


@function("toset")
def _toset(value):
    return None if value is None else set_order(_list(value))


@function("tomap", unknown="shallow")
def _tomap(value):
    if value is None:
        return None
    mapping = _map(value)
    return {key: mapping[key] for key in mapping}


def _identity(value):
    return value


# nonsensitive() unmarks nothing: in a pull request, whoever calls it is the attacker
for _name in ("nonsensitive", "ephemeralasnull"):
    function(_name, unknown="own")(_identity)


@function("sensitive", unknown="own")
def _sensitive(value):
    return TAINT.mark(value, runner=True)


@function("issensitive", unknown="own")
def _issensitive(value):
    return TAINT.tainted(value)
