"""Terraform's string functions, regular expressions (RE2) and ``format``."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any, Callable

import re2

from vpclint.load.hcl.evaluate import (
    EvalError,
    check_size,
    derived,
    find_unknown,
    to_bool,
    to_int,
    to_number,
    to_str,
)
from vpclint.load.hcl.functions.base import elements, function
from vpclint.load.hcl.functions.encoding import _json
from vpclint.values import Unknown, is_id, joined, split_unknown


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


@function("chomp", unknown="own")
def _chomp(text):
    if is_id(text):
        return text  # an id holds no line break
    if find_unknown(text) is not None:
        return derived(find_unknown(text))
    return re.sub(r"(\r\n|\n|\r)+\Z", "", to_str(text))


@function("trimspace", unknown="own")
def _trimspace(text):
    if is_id(text):
        return text  # an id holds no space
    if find_unknown(text) is not None:
        return derived(find_unknown(text))
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


@function("split", unknown="own")
def _split(separator, text):
    if isinstance(separator, Unknown):
        return derived(separator)
    separator = to_str(separator)
    if isinstance(text, Unknown):
        # `split(",", join(",", [a.id, b.id]))` is those references again
        elements = split_unknown(text, separator)
        return derived(text) if elements is None else elements
    text = to_str(text)
    if separator == "":
        return list(text)
    return text.split(separator)


@function("join", unknown="own")
def _join(separator, *lists):
    if not lists:
        raise EvalError("needs at least one list")
    if isinstance(separator, Unknown):
        return derived(separator)
    given = [elements(value) for value in lists]
    values = [item for items, _ in given for item in items]
    unordered = any(members is not None for _, members in given)
    if len(values) == 1 and isinstance(values[0], Unknown) and (is_id(values[0]) or not unordered):
        # one element joins to itself: `join("", aws_vpc.main.*.id)` (a count of 0 or 1) is still that reference
        return values[0]
    if unordered and not all(is_id(item) or not isinstance(item, Unknown) for item in values):
        return derived(find_unknown(values))  # an unknown member may be empty: even its separators are unknown
    items = []
    for item in values:
        if item is None:
            raise EvalError("cannot join a null element")
        items.append(item if isinstance(item, Unknown) else to_str(item))
    separator = to_str(separator)
    check_size(chars=sum(len(item) for item in items if isinstance(item, str))
               + len(separator) * max(len(items) - 1, 0))
    if any(isinstance(item, Unknown) for item in items):
        # a string that still says which references it was joined from (values.Joined)
        return joined([piece for index, item in enumerate(items) for piece in ((separator, item) if index else (item,))],
                      unordered=unordered)
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
        value = args[next_arg]
        if isinstance(value, Unknown) and verb in "sv" and not (flags or width or precision):
            out.append(value)  # the unknown string itself: the result is a Joined (values.py)
        elif find_unknown(value) is not None:
            return derived(find_unknown(value))
        else:
            out.append(_format_verb(verb, flags, width, precision, value))
        next_arg += 1
        position = match.end()
    if not explicit and next_arg < len(args):
        raise EvalError(f"too many arguments; only {next_arg} used by the format string")
    return joined(out)


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


@function("format", unknown="own")
def _format(spec, *args):
    if isinstance(spec, Unknown):
        return derived(spec)
    return tf_format(to_str(spec), list(args))


@function("formatlist", unknown="own")
def _formatlist(spec, *args):
    for arg in [spec, *args]:
        if isinstance(arg, Unknown):
            return derived(arg)
    spec = to_str(spec)
    lengths = {len(arg) for arg in args if isinstance(arg, list)}
    if len(lengths) > 1:
        raise EvalError("all list arguments must have the same length")
    count = lengths.pop() if lengths else 1
    check_size(items=count + count * len(spec) // 64)
    return [tf_format(spec, [arg[i] if isinstance(arg, list) else arg for arg in args]) for i in range(count)]
