"""Terraform's collection functions: lists, sets and maps."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from vpclint.load.hcl.evaluate import (
    EvalError,
    a_type,
    check_size,
    derived,
    find_unknown,
    norm_number,
    tf_equal,
    to_bool,
    to_int,
    to_number,
    to_str,
)
from vpclint.load.hcl.functions.base import (
    RANGE_LIMIT,
    _list,
    _map,
    _unique,
    elements,
    function,
    members,
    set_order,
)
from vpclint.taint import describe
from vpclint.values import Joined, Members, Unknown, is_id


@function("length", unknown="shallow")
def _length(value):
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, Mapping)):
        return len(value)
    raise EvalError(f"cannot take the length of {a_type(value)}")


@function("concat", unknown="own")
def _concat(*lists):
    result: list = []
    unordered = False
    for value in lists:
        items, unordered_part = elements(value)
        result.extend(items)
        unordered = unordered or unordered_part is not None
    return members(result) if unordered else result


@function("element", unknown="shallow")
def _element(values, index):
    values = _list(values)
    index = to_int(index)
    if not values:
        raise EvalError("cannot use element() with an empty list")
    if index < 0:
        raise EvalError("index must not be negative")
    return values[index % len(values)]


@function("lookup", unknown="own")
def _lookup(mapping, key, *default):
    if len(default) > 1:
        raise EvalError("takes two or three arguments")
    if isinstance(mapping, Unknown):
        return derived(mapping)
    mapping = _map(mapping)
    if isinstance(key, Unknown):
        # whatever the key turns out to be, an empty map gives the default: cloud-foundation-fabric's
        # lookup(local.ctx.networks, var.peer_self_link, var.peer_self_link) with no context is the peer
        return default[0] if default and not mapping else derived(key)
    key = to_str(key)
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"the map has no key {describe(key)} and no default was given")


@function("merge", unknown="shallow")
def _merge(*maps):
    result: dict = {}
    for value in maps:
        if value is None:
            continue
        value = _map(value)
        for key in value:
            result[key] = value[key]
    return result


@function("keys", unknown="shallow")
def _keys(mapping):
    return sorted(_map(mapping))


@function("values", unknown="shallow")
def _values(mapping):
    mapping = _map(mapping)
    return [mapping[key] for key in sorted(mapping)]


@function("zipmap", unknown="shallow")
def _zipmap(keys, values):
    keys, values = _list(keys), _list(values)
    if len(keys) != len(values):
        raise EvalError("the keys and values lists must have the same length")
    for key in keys:
        if isinstance(key, Unknown):
            return derived(key)
    return {to_str(key): value for key, value in zip(keys, values)}


@function("flatten", unknown="own")
def _flatten(values):
    items, given = elements(values)
    unordered = given is not None
    result: list = []
    for item in items:
        if is_id(item):
            result.append(item)  # an id is a string, not a list to flatten
            continue
        if isinstance(item, Unknown) and not isinstance(item, Members):
            return derived(item)  # it may itself be a list
        if isinstance(item, (list, Members)):
            flat = _flatten(item)
            if isinstance(flat, Members):
                unordered = True
                result.extend(flat.items)
            elif isinstance(flat, Unknown):
                return flat
            else:
                result.extend(flat)
        else:
            result.append(item)
    return members(result) if unordered else result


@function("distinct", unknown="own")
def _distinct(values):
    items, unordered = elements(values)
    if unordered is None and find_unknown(items) is None:
        return _unique(items)
    return members(_unique(items))  # which unknowns are equal is unknown: the number of elements too


@function("compact", unknown="own")
def _compact(values):
    items, unordered = elements(values)
    result = []
    for item in items:
        if isinstance(item, Unknown):
            result.append(item)
        elif item is None or item == "":
            continue
        else:
            result.append(to_str(item))
    if unordered is None and all(is_id(item) for item in result if isinstance(item, Unknown)):
        return result  # an id is never null nor empty: it stays where it is
    return members(result)  # another unknown may be empty and drop out


def _search(values: list, needle: Any) -> tuple:
    """(first index of needle or -1, first unknown element seen before it or None)."""
    pending = None
    for position, item in enumerate(values):
        found = find_unknown(item)
        if found is not None:
            pending = found if pending is None else pending
        elif tf_equal(item, needle):
            return position, pending
    return -1, pending


@function("contains", unknown="shallow")
def _contains(values, needle):
    if find_unknown(needle) is not None:
        return derived(find_unknown(needle))
    position, pending = _search(_list(values), needle)
    if position < 0 and pending is not None:
        return derived(pending)
    return position >= 0


@function("index", unknown="shallow")
def _index(values, needle):
    if find_unknown(needle) is not None:
        return derived(find_unknown(needle))
    position, pending = _search(_list(values), needle)
    if pending is not None:
        return derived(pending)  # an unknown element before it may be the match
    if position < 0:
        raise EvalError("the value is not in the list")
    return position


@function("range")
def _range(*args):
    if not 1 <= len(args) <= 3:
        raise EvalError("takes one to three arguments")
    numbers = [to_number(arg) for arg in args]
    start, step = 0, 1
    if len(numbers) == 1:
        end = numbers[0]
    else:
        start, end = numbers[0], numbers[1]
        step = numbers[2] if len(numbers) == 3 else (1 if end >= start else -1)
    if step == 0:
        raise EvalError("step must not be zero")
    if (end - start) * step < 0:
        raise EvalError("step goes the wrong way for the start and end")
    count = max(0, math.ceil((end - start) / step))
    if count > RANGE_LIMIT:
        raise EvalError(f"more than {RANGE_LIMIT} elements")
    return [norm_number(start + step * i) for i in range(count)]


@function("slice", unknown="shallow")
def _slice(values, start, end):
    values = _list(values)
    start, end = to_int(start, "start"), to_int(end, "end")
    if start < 0 or end > len(values) or start > end:
        raise EvalError(f"indices {start}..{end} are out of range for a list of {len(values)}")
    return values[start:end]


@function("reverse", unknown="own")
def _reverse(values):
    items, unordered = elements(values)
    return unordered if unordered is not None else list(reversed(items))


@function("sort", unknown="own")
def _sort(values):
    items, _ = elements(values)
    if find_unknown(items) is not None:
        return members(items)  # where an unknown sorts is unknown, not whether it is there
    return sorted(to_str(item) for item in items)


@function("one", unknown="shallow")
def _one(values):
    if values is None:
        return None
    values = _list(values)
    if len(values) > 1:
        raise EvalError(f"must have zero or one elements, has {len(values)}")
    return values[0] if values else None


@function("chunklist", unknown="shallow")
def _chunklist(values, size):
    values = _list(values)
    size = to_int(size, "size")
    if size < 0:
        raise EvalError("size must not be negative")
    if size == 0:
        return [values]
    return [values[i : i + size] for i in range(0, len(values), size)]


@function("coalesce", unknown="own")
def _coalesce(*values):
    for value in values:
        if is_id(value) or isinstance(value, Joined) and any(is_id(part) for part in value.parts):
            return value  # an id is never null nor empty, nor a string holding one
        if isinstance(value, Unknown):
            return derived(value)
        if value is None or value == "":
            continue
        return value
    raise EvalError("no non-null, non-empty-string arguments")


@function("coalescelist", unknown="own")
def _coalescelist(*lists):
    for value in lists:
        if isinstance(value, Members) and any(is_id(item) for item in value.items):
            return value  # it holds an id: it is not empty
        if isinstance(value, Unknown):
            return derived(value)
        if _list(value):
            return value
    return []


@function("alltrue", unknown="shallow")
def _alltrue(values):
    pending = None
    for item in _list(values):
        if isinstance(item, Unknown):
            pending = item if pending is None else pending
        elif not to_bool(item):
            return False
    return derived(pending) if pending is not None else True


@function("anytrue", unknown="shallow")
def _anytrue(values):
    pending = None
    for item in _list(values):
        if isinstance(item, Unknown):
            pending = item if pending is None else pending
        elif to_bool(item):
            return True
    return derived(pending) if pending is not None else False


@function("setproduct", unknown="shallow")
def _setproduct(*lists):
    if not lists:
        raise EvalError("needs at least one list")
    total = 1
    for value in lists:
        total *= len(_list(value))
        check_size(items=total * (len(lists) + 1))
    result: list = [[]]
    for value in lists:
        result = [prefix + [item] for prefix in result for item in _list(value)]
    return result


@function("setunion", unknown="own")
def _setunion(*lists):
    items = [item for value in lists for item in elements(value)[0]]
    if find_unknown(items) is not None:
        return members(_unique(items))
    return set_order(items)


@function("setintersection")
def _setintersection(first, *others):
    items = set_order(_list(first))
    for value in others:
        other = _list(value)
        items = [item for item in items if any(tf_equal(item, x) for x in other)]
    return items


@function("setsubtract")
def _setsubtract(first, second):
    other = _list(second)
    return [item for item in set_order(_list(first)) if not any(tf_equal(item, x) for x in other)]


@function("matchkeys", unknown="shallow")
def _matchkeys(values, keys, searchset):
    values, keys, searchset = _list(values), _list(keys), _list(searchset)
    if len(values) != len(keys):
        raise EvalError("the values and keys lists must have the same length")
    found = find_unknown([keys, searchset])
    if found is not None:
        return derived(found)
    return [value for value, key in zip(values, keys) if any(tf_equal(key, s) for s in searchset)]


@function("transpose")
def _transpose(mapping):
    result: dict = {}
    for key in sorted(_map(mapping)):
        for item in _list(mapping[key], "each value"):
            result.setdefault(to_str(item), []).append(key)
    return result
