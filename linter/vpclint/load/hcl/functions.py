"""Terraform's built-in functions over evaluated values.

Each function is registered with how it treats unknown arguments:
``strict`` (any unknown anywhere in the arguments makes the result unknown),
``shallow`` (only an argument that is itself unknown does; unknown list
elements or map values are carried through, so ``concat([aws_vpc.a.id], x)``
keeps the reference) or ``own`` (the function looks at unknowns itself).
A bad argument raises ``EvalError``, which ``try``/``can`` catch and
everything else turns into ``Unknown`` with the message as reason.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import os
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Callable

import netaddr
import re2

from vpclint.load.hcl.evaluate import (
    FUNCTIONS,
    SPECIAL_FORMS,
    EvalError,
    LimitError,
    Scope,
    a_type,
    check_size,
    derived,
    evaluate,
    find_unknown,
    is_number,
    norm_number,
    tf_equal,
    to_bool,
    to_int,
    to_number,
    to_plain,
    to_str,
)
from vpclint.taint import CURRENT as TAINT, address_shaped, describe
from vpclint.values import Ref, Unknown

# Terraform refuses to build larger ranges
RANGE_LIMIT = 1024


def function(name: str, unknown: str = "strict", scope: bool = False) -> Callable:
    """Register `impl` as Terraform function `name` (see module docstring for `unknown`)."""

    def register(impl: Callable) -> Callable:
        def call(args: list, current: Scope) -> Any:
            if unknown == "strict":
                for arg in args:
                    found = find_unknown(arg)
                    if found is not None:
                        return derived(found)
            elif unknown == "shallow":
                for arg in args:
                    if isinstance(arg, Unknown):
                        return derived(arg)
            try:
                result = impl(current, *args) if scope else impl(*args)
            except EvalError as exc:
                raise EvalError(f"{name}(): {exc}") from None
            except (TypeError, ValueError, KeyError, IndexError, ArithmeticError, netaddr.AddrFormatError) as exc:
                raise EvalError(f"{name}(): invalid arguments ({_quoting_nothing(exc)})") from None
            if TAINT:  # what is computed from a secret is secret (taint.py)
                TAINT.propagate(args, result)
            return result

        FUNCTIONS[name] = call
        return impl

    return register


def _quoting_nothing(exc: Exception) -> str:
    """Python's message for ``exc`` unless it quotes an argument (taint.py: values are described, not quoted)."""
    text = str(exc)
    return type(exc).__name__ if "'" in text or '"' in text else text


def _unsupported(name: str, reason: str) -> None:
    FUNCTIONS[name] = lambda args, current: Unknown(reason)


for _name in ("timestamp", "plantimestamp", "uuid", "uuidv5", "bcrypt", "timeadd", "formatdate"):
    _unsupported(_name, f"{_name}() is known only after apply")
for _name in ("filebase64", "filemd5", "filesha1", "filesha256",
              "fileset", "yamlencode", "textencodebase64", "textdecodebase64", "type"):
    _unsupported(_name, f"function {_name} is not supported")


# ---------------------------------------------------------------------------
# argument helpers
# ---------------------------------------------------------------------------


def _list(value: Any, what: str = "argument") -> list:
    if isinstance(value, list):
        return value
    raise EvalError(f"{what} must be a list, got {a_type(value)}")


def _map(value: Any, what: str = "argument") -> Mapping:
    if isinstance(value, Mapping):
        return value
    raise EvalError(f"{what} must be a map, got {a_type(value)}")


def _unique(items: list) -> list:
    """``items`` without repeats (Terraform's equality), first occurrences in order."""
    unique: list = []
    for item in items:
        if not any(tf_equal(item, seen) for seen in unique):
            unique.append(item)
    return unique


def set_order(items: list) -> list:
    """Deduplicate like a Terraform set; strings and numbers come out sorted."""
    unique = _unique(items)
    if unique and all(isinstance(item, str) for item in unique):
        return sorted(unique)
    if unique and all(is_number(item) for item in unique):
        return sorted(unique)
    if any(isinstance(item, str) for item in unique) and all(
        isinstance(item, (str, bool)) or is_number(item) for item in unique
    ):
        return sorted({to_str(item) for item in unique})
    return unique


# ---------------------------------------------------------------------------
# special forms: their arguments are expressions, not values
# ---------------------------------------------------------------------------


def _try(arg_nodes: list, scope: Scope) -> Any:
    if not arg_nodes:
        raise EvalError("try() needs at least one argument")
    errors = []
    for node in arg_nodes:
        try:
            value = evaluate(node, scope)
        except EvalError as exc:
            errors.append(str(exc))
            continue
        if _plain_reference(value):
            return value  # a resource attribute itself: it will not fail once known
        found = find_unknown(value)
        if found is not None:
            # it might still fail once known, so the choice cannot be made yet
            return derived(found)
        return value
    raise EvalError(f"try(): no argument could be evaluated: {errors[-1]}")


def _plain_reference(value: Any) -> bool:
    """A Ref to an attribute itself (`aws_vpc.main.id`), not a path into one that may not exist."""
    return isinstance(value, Ref) and value.attr.isidentifier()


def _can(arg_nodes: list, scope: Scope) -> Any:
    if len(arg_nodes) != 1:
        raise EvalError("can() takes exactly one argument")
    try:
        value = evaluate(arg_nodes[0], scope)
    except EvalError:
        return False
    found = None if _plain_reference(value) else find_unknown(value)
    return derived(found) if found is not None else True


SPECIAL_FORMS["try"] = _try
SPECIAL_FORMS["can"] = _can


# ---------------------------------------------------------------------------
# numbers
# ---------------------------------------------------------------------------


@function("abs")
def _abs(value):
    return norm_number(abs(to_number(value)))


@function("ceil")
def _ceil(value):
    return math.ceil(to_number(value))


@function("floor")
def _floor(value):
    return math.floor(to_number(value))


@function("signum")
def _signum(value):
    number = to_number(value)
    return (number > 0) - (number < 0)


@function("pow")
def _pow(base, exponent):
    return norm_number(float(to_number(base)) ** to_number(exponent))


@function("log")
def _log(value, base):
    return norm_number(math.log(to_number(value), to_number(base)))


@function("max")
def _max(*values):
    if not values:
        raise EvalError("needs at least one number")
    return max(to_number(value) for value in values)


@function("min")
def _min(*values):
    if not values:
        raise EvalError("needs at least one number")
    return min(to_number(value) for value in values)


@function("sum")
def _sum(values):
    values = _list(values)
    if not values:
        raise EvalError("cannot sum an empty list")
    return norm_number(sum(to_number(value) for value in values))


@function("parseint")
def _parseint(text, base):
    base = to_int(base, "base")
    if not 2 <= base <= 36:
        raise EvalError(f"base {base} is not supported")
    if not isinstance(text, str):
        raise EvalError("the first argument must be a string")
    return int(text, base)


# ---------------------------------------------------------------------------
# strings
# ---------------------------------------------------------------------------


@function("upper")
def _upper(text):
    return to_str(text).upper()


@function("lower")
def _lower(text):
    return to_str(text).lower()


@function("title")
def _title(text):
    return re.sub(r"(?<![0-9A-Za-z_])([a-z])", lambda match: match.group(1).upper(), to_str(text))


@function("strrev")
def _strrev(text):
    return to_str(text)[::-1]


@function("chomp")
def _chomp(text):
    return re.sub(r"(\r\n|\n|\r)+\Z", "", to_str(text))


@function("trimspace")
def _trimspace(text):
    return to_str(text).strip()


@function("trim")
def _trim(text, cutset):
    return to_str(text).strip(to_str(cutset))


@function("trimprefix")
def _trimprefix(text, prefix):
    return to_str(text).removeprefix(to_str(prefix))


@function("trimsuffix")
def _trimsuffix(text, suffix):
    return to_str(text).removesuffix(to_str(suffix))


@function("startswith")
def _startswith(text, prefix):
    return to_str(text).startswith(to_str(prefix))


@function("endswith")
def _endswith(text, suffix):
    return to_str(text).endswith(to_str(suffix))


@function("strcontains")
def _strcontains(text, part):
    return to_str(part) in to_str(text)


@function("indent")
def _indent(spaces, text):
    text, spaces = to_str(text), to_int(spaces, "indent")
    check_size(chars=len(text) + text.count("\n") * spaces)
    pad = " " * spaces
    return text.replace("\n", "\n" + pad)


@function("split")
def _split(separator, text):
    separator, text = to_str(separator), to_str(text)
    if separator == "":
        return list(text)
    return text.split(separator)


@function("join", unknown="shallow")
def _join(separator, *lists):
    if not lists:
        raise EvalError("needs at least one list")
    elements = [item for value in lists for item in _list(value)]
    if len(elements) == 1 and isinstance(elements[0], Unknown):
        # one element joins to itself: `join("", aws_vpc.main.*.id)` (a count of 0 or 1) is still that reference
        return elements[0]
    found = find_unknown([separator, elements])
    if found is not None:
        return derived(found)
    items = []
    for item in elements:
        if item is None:
            raise EvalError("cannot join a null element")
        items.append(to_str(item))
    separator = to_str(separator)
    check_size(chars=sum(map(len, items)) + len(separator) * max(len(items) - 1, 0))
    return separator.join(items)


@function("substr")
def _substr(text, offset, length):
    text = to_str(text)
    offset, length = to_int(offset, "offset"), to_int(length, "length")
    if offset < 0:
        offset += len(text)
    if offset < 0 or offset > len(text):
        raise EvalError("offset is out of range")
    if length < 0:
        return text[offset:]
    return text[offset : offset + length]


# Terraform's regular expressions are Go's, RE2 syntax: google-re2 matches
# them in time linear in the text, with a bounded program, so no pattern can
# make a function backtrack for ever (Python's re took hours on "^(a|aa)+$")
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # an invalid pattern is the user's error, reported once, not logged by the C++ side
_RE2_OPTIONS.max_mem = 8 << 20  # RE2's own default, stated: a pattern needing a larger program is refused


@functools.lru_cache(maxsize=256)  # once per pattern, not per instance of a counted block
def _go_regex(pattern: str) -> Any:
    """Compile a Terraform (RE2) pattern."""
    try:
        return re2.compile(pattern, options=_RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        raise EvalError(f"invalid regular expression {pattern!r}: {reason}") from None


def _go_expand(template: str) -> Callable[[Any], str]:
    """A re.sub replacement implementing Go's $1 / ${name} / $$ expansion."""
    token = re.compile(r"\$\$|\$\{(\w+)\}|\$(\w+)")

    def expand(match: Any) -> str:
        def group(found: re.Match) -> str:
            if found.group(0) == "$$":
                return "$"
            name = found.group(1) or found.group(2)
            try:
                value = match.group(int(name) if name.isdigit() else name)
            except IndexError:
                return ""
            return value or ""

        return token.sub(group, template)

    return expand


@function("replace")
def _replace(text, search, replacement):
    text, search, replacement = to_str(text), to_str(search), to_str(replacement)
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        pattern = _go_regex(search[1:-1])
        check_size(chars=len(text) + (len(text) + 1) * len(replacement) * (pattern.search("") is not None))
        return pattern.sub(_go_expand(replacement), text)
    matches = len(text) + 1 if search == "" else text.count(search)
    check_size(chars=len(text) + matches * len(replacement))
    return text.replace(search, replacement)


def _match_value(pattern: Any, match: Any) -> Any:
    if pattern.groupindex:
        return {name: match.group(name) for name in pattern.groupindex}
    if pattern.groups:
        return list(match.groups())
    return match.group(0)


@function("regex")
def _regex(pattern, text):
    compiled = _go_regex(to_str(pattern))
    match = compiled.search(to_str(text))
    if match is None:
        raise EvalError("pattern did not match any part of the given string")
    return _match_value(compiled, match)


@function("regexall")
def _regexall(pattern, text):
    compiled = _go_regex(to_str(pattern))
    return [_match_value(compiled, match) for match in compiled.finditer(to_str(text))]


_VERB_RE = re.compile(r"%(?:\[(\d+)\])?([-+# 0]*)(\d+)?(?:\.(\d+))?(.)", re.S)


def tf_format(spec: str, args: list) -> str:
    """Terraform's format(): Go-style verbs over Terraform values."""
    out: list = []
    position = 0
    next_arg = 0
    explicit = False
    while True:
        start = spec.find("%", position)
        if start < 0:
            out.append(spec[position:])
            break
        out.append(spec[position:start])
        if spec.startswith("%%", start):
            out.append("%")
            position = start + 2
            continue
        match = _VERB_RE.match(spec, start)
        if match is None:
            raise EvalError("unterminated format verb at the end of the string")
        index, flags, width, precision, verb = match.groups()
        if index:
            next_arg = int(index) - 1
            explicit = True
        if next_arg >= len(args):
            raise EvalError(f"not enough arguments for the verb %{verb}")
        out.append(_format_verb(verb, flags, width, precision, args[next_arg]))
        next_arg += 1
        position = match.end()
    if not explicit and next_arg < len(args):
        raise EvalError(f"too many arguments; only {next_arg} used by the format string")
    return "".join(out)


def _format_verb(verb: str, flags: str, width: str | None, precision: str | None, value: Any) -> str:
    check_size(chars=max(int(width or 0), int(precision or 0) if verb in "feEgG" else 0))
    if verb == "v":
        if "#" in flags or isinstance(value, (list, Mapping)):
            text = _json(value)
        elif value is None:
            text = "null"
        else:
            text = to_str(value)
    elif verb == "s":
        text = to_str(value)
        if precision is not None:
            text = text[: int(precision)]
    elif verb == "q":
        text = json.dumps(to_str(value), ensure_ascii=False)
    elif verb == "t":
        text = "true" if to_bool(value) else "false"
    elif verb in "dxXob":
        number = to_int(value, f"the value for %{verb}")
        sign = "+" if "+" in flags else ""
        zero = "0" if "0" in flags and "-" not in flags else ""
        return format(number, f"{'<' if '-' in flags else ''}{sign}{zero}{width or ''}{verb}")
    elif verb in "feEgG":
        number = float(to_number(value))
        sign = "+" if "+" in flags else ""
        zero = "0" if "0" in flags and "-" not in flags else ""
        digits = f".{precision}" if precision is not None else (".6" if verb in "feE" else "")
        return format(number, f"{'<' if '-' in flags else ''}{sign}{zero}{width or ''}{digits}{verb}")
    else:
        raise EvalError(f"unsupported format verb %{verb}")
    if width:
        text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width))
    return text


@function("format")
def _format(spec, *args):
    return tf_format(to_str(spec), list(args))


@function("formatlist")
def _formatlist(spec, *args):
    spec = to_str(spec)
    lengths = {len(arg) for arg in args if isinstance(arg, list)}
    if len(lengths) > 1:
        raise EvalError("all list arguments must have the same length")
    count = lengths.pop() if lengths else 1
    check_size(items=count + count * len(spec) // 64)
    return [tf_format(spec, [arg[i] if isinstance(arg, list) else arg for arg in args]) for i in range(count)]


# ---------------------------------------------------------------------------
# collections
# ---------------------------------------------------------------------------


@function("length", unknown="shallow")
def _length(value):
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, Mapping)):
        return len(value)
    raise EvalError(f"cannot take the length of {a_type(value)}")


@function("concat", unknown="shallow")
def _concat(*lists):
    result: list = []
    for value in lists:
        result.extend(_list(value))
    return result


@function("element", unknown="shallow")
def _element(values, index):
    values = _list(values)
    index = to_int(index)
    if not values:
        raise EvalError("cannot use element() with an empty list")
    if index < 0:
        raise EvalError("index must not be negative")
    return values[index % len(values)]


@function("lookup", unknown="shallow")
def _lookup(mapping, key, *default):
    mapping = _map(mapping)
    key = to_str(key)
    if len(default) > 1:
        raise EvalError("takes two or three arguments")
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


@function("flatten", unknown="shallow")
def _flatten(values):
    result: list = []
    for item in _list(values):
        if isinstance(item, Unknown):
            return derived(item)  # it may itself be a list
        if isinstance(item, list):
            flat = _flatten(item)
            if isinstance(flat, Unknown):
                return flat
            result.extend(flat)
        else:
            result.append(item)
    return result


@function("distinct")
def _distinct(values):
    return _unique(_list(values))


@function("compact", unknown="shallow")
def _compact(values):
    result = []
    for item in _list(values):
        if isinstance(item, Unknown):
            return derived(item)
        if item is None or item == "":
            continue
        result.append(to_str(item))
    return result


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


@function("reverse", unknown="shallow")
def _reverse(values):
    return list(reversed(_list(values)))


@function("sort")
def _sort(values):
    return sorted(to_str(item) for item in _list(values))


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
        if isinstance(value, Unknown):
            return derived(value)
        if value is None or value == "":
            continue
        return value
    raise EvalError("no non-null, non-empty-string arguments")


@function("coalescelist", unknown="own")
def _coalescelist(*lists):
    for value in lists:
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


@function("setunion")
def _setunion(*lists):
    return set_order([item for value in lists for item in _list(value)])


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


# ---------------------------------------------------------------------------
# type conversion
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# encoding and hashing
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# files and paths
# ---------------------------------------------------------------------------


@function("file", scope=True)
def _file(scope, path):
    if scope.ctx is None:
        raise EvalError("file() is not available here")
    return scope.ctx.read_file(to_str(path))


@function("fileexists", scope=True)
def _fileexists(scope, path):
    if scope.ctx is None:
        raise EvalError("fileexists() is not available here")
    return scope.ctx.file_exists(to_str(path))


@function("templatefile", unknown="shallow", scope=True)
def _templatefile(scope, path, variables):
    if scope.ctx is None:
        raise EvalError("templatefile() is not available here")
    text = scope.ctx.read_file(to_str(path))
    if isinstance(text, Unknown):
        return text
    return _render(text, variables)


@function("templatestring", unknown="shallow")
def _templatestring(text, variables):
    return _render(to_str(text), variables)


_TEMPLATES: dict[str, list] = {}  # parsed templates by text, for the instances of one counted block


def _render(text: str, variables: Any) -> Any:
    """A template rendered with ``variables`` as its only names, as Terraform does."""
    variables = to_plain(variables)  # module outputs, resource objects: plain maps
    if isinstance(variables, Unknown):
        return variables
    if not isinstance(variables, Mapping):
        raise EvalError("the template's variables must be a map or object")
    node = _TEMPLATES.get(text)
    if node is None:
        from vpclint.load.hcl.parse import parse_template  # python-hcl2: only when a template is rendered

        try:
            node = parse_template(text)
        except ValueError as exc:
            line, message = exc.args
            raise EvalError(f"invalid template (line {line}): {message}") from None
        if len(_TEMPLATES) > 256:
            _TEMPLATES.clear()
        _TEMPLATES[text] = node
    return evaluate(node, Scope(None, dict(variables)))


@function("basename")
def _basename(path):
    path = to_str(path).rstrip("/") or "/"
    return os.path.basename(path) or path


@function("dirname")
def _dirname(path):
    return os.path.dirname(to_str(path)) or "."


# ---------------------------------------------------------------------------
# IP networks (netaddr does the address arithmetic)
# ---------------------------------------------------------------------------


def _not_a_cidr(text: str) -> EvalError:
    """The value is quoted only when it looks like an address (taint.py)."""
    if address_shaped(text):
        return EvalError(f"invalid CIDR address {text!r}")
    return EvalError(f"{describe(text)} that is not a CIDR address")


def _network(text: Any) -> netaddr.IPNetwork:
    text = to_str(text)
    address, slash, prefix = text.partition("/")
    if not slash or not prefix.isdigit():
        raise _not_a_cidr(text)
    try:
        return netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise _not_a_cidr(text) from None


@function("cidrsubnet")
def _cidrsubnet(prefix, newbits, netnum):
    network = _network(prefix)
    newbits, netnum = to_int(newbits, "newbits"), to_int(netnum, "netnum")
    if newbits < 0:
        raise EvalError("newbits must not be negative")
    length = network.prefixlen + newbits
    if length > _width(network):
        raise EvalError(f"insufficient address space to extend prefix of {network.prefixlen} by {newbits}")
    if not 0 <= netnum < 2**newbits:
        raise EvalError(f"prefix extension of {newbits} does not accommodate a subnet numbered {netnum}")
    first = netaddr.IPNetwork(f"{network.network}/{length}")
    return str((first.next(netnum) if netnum else first).cidr)


@function("cidrsubnets")
def _cidrsubnets(prefix, *newbits_list):
    network = _network(prefix)
    result = []
    start = network.first
    for newbits in newbits_list:
        newbits = to_int(newbits, "newbits")
        if newbits < 1:
            raise EvalError("each newbits value must be at least 1")
        length = network.prefixlen + newbits
        if length > _width(network):
            raise EvalError(f"insufficient address space to extend prefix of {network.prefixlen} by {newbits}")
        if start > network.last:
            raise EvalError(f"not enough remaining address space for a subnet with a prefix of {length} bits")
        candidate = netaddr.IPNetwork(f"{netaddr.IPAddress(start, network.version)}/{length}").cidr
        if candidate.first != start:
            try:
                candidate = candidate.next()
            except IndexError:
                raise EvalError(
                    f"not enough remaining address space for a subnet with a prefix of {length} bits"
                ) from None
        if candidate.first < network.first or candidate.last > network.last:
            raise EvalError(f"not enough remaining address space for a subnet with a prefix of {length} bits")
        result.append(str(candidate))
        start = candidate.last + 1
    return result


@function("cidrhost")
def _cidrhost(prefix, hostnum):
    network = _network(prefix).cidr
    hostnum = to_int(hostnum, "hostnum")
    size = 2 ** (_width(network) - network.prefixlen)
    if not -size <= hostnum < size:
        raise EvalError(f"prefix of {network.prefixlen} does not accommodate a host numbered {hostnum}")
    return str(network[hostnum])


@function("cidrnetmask")
def _cidrnetmask(prefix):
    network = _network(prefix)
    if network.version != 4:
        raise EvalError("only IPv4 networks have a netmask")
    return str(network.netmask)


def _width(network: netaddr.IPNetwork) -> int:
    return 32 if network.version == 4 else 128

