"""Type conversion and sensitivity marks."""

from __future__ import annotations

from vpclint.load.hcl.evaluate import (
    derived,
    find_unknown,
    to_bool,
    to_number,
    to_str,
)
from vpclint.load.hcl.functions.base import _map, _unique, elements, function, members, set_order
from vpclint.taint import CURRENT as TAINT
from vpclint.values import Joined, Ref, Unknown


@function("tostring", unknown="own")
def _tostring(value):
    if isinstance(value, (Ref, Joined)):
        return value  # a resource's attribute or a string built from them: converting keeps what it stands for
    if isinstance(value, Unknown):
        return derived(value)
    if find_unknown(value) is not None:
        return derived(find_unknown(value))
    return None if value is None else to_str(value)


@function("tonumber")
def _tonumber(value):
    return None if value is None else to_number(value)


@function("tobool")
def _tobool(value):
    return None if value is None else to_bool(value)


@function("tolist", unknown="own")
def _tolist(value):
    if value is None:
        return None
    items, unordered = elements(value)
    return unordered if unordered is not None else list(items)  # a set's order stays unknown


@function("toset", unknown="own")
def _toset(value):
    if value is None:
        return None
    items, unordered = elements(value)
    if unordered is not None or find_unknown(items) is not None:
        return members(_unique(items))
    return set_order(items)


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
