"""Evaluate plain-form expressions (see parse.py) to Python values.

Values are str, int, float, bool, None, list and dict, ``Unknown``/``Ref``
where nothing can be known statically, and lazy mappings (resource instances,
module outputs) that evaluate an attribute only when it is read, so that a
reference to ``aws_vpc.main.id`` needs nothing but the VPC's expansion.

Two kinds of failure are kept apart: an *unknown* value flows on as a value
(any operation on it is unknown), while an *error* (wrong type, missing key,
bad function argument) raises ``EvalError`` so that ``try``/``can`` can catch
it; whoever stores a value turns a remaining error into ``Unknown(reason)``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Callable

from vpclint.taint import CURRENT as TAINT, describe
from vpclint.values import Joined, Members, Ref, Unknown, joined


class EvalError(Exception):
    """An expression that Terraform would reject; becomes Unknown unless caught."""


class LimitError(Exception):
    """More than vpclint evaluates: a value too large, or too much work.

    A guard against configurations that grow exponentially (strings doubled
    in a chain of locals, lists multiplied in for expressions), not a
    Terraform rule. It is no EvalError: try() and can() do not catch it and
    it never turns into an Unknown; the loader reports it as an error at the
    block being evaluated.
    """


class BudgetExhausted(LimitError):
    """The load as a whole did too much work; it stops here."""


# a value holding more than this many elements (list items and map values,
# what one value repeats counted each time, and every 64 characters of its
# strings) is refused
MAX_VALUE_ITEMS = 1_000_000
# and so is a string longer than this (file() reads at most 1 MiB)
MAX_STRING_CHARS = 4 * 1024 * 1024
# and a whole number of more bits than this (Terraform keeps 512 bits of precision)
MAX_INT_BITS = 4096
# the evaluation steps one load may take: expression nodes, comparisons and
# walks over values (a large real configuration takes well under a million)
MAX_STEPS = 10_000_000


class _Budget:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_STEPS


BUDGET = _Budget()  # what is left for the load under way; load_module resets it


def reset_budget() -> None:
    BUDGET.left = MAX_STEPS


def spend(steps: int) -> None:
    BUDGET.left -= steps
    if BUDGET.left < 0:
        raise BudgetExhausted(f"evaluating the configuration takes more than {MAX_STEPS:,} steps, which vpclint "
                              "does not do (an expression that grows exponentially?)")


def check_size(chars: int = 0, items: int = 0) -> None:
    """Refuse, before building it, a string of ``chars`` characters or a list of ``items``."""
    if chars > MAX_STRING_CHARS:
        raise LimitError(f"a string would be longer than {MAX_STRING_CHARS:,} characters")
    if items > MAX_VALUE_ITEMS:
        raise LimitError(f"a value would hold more than {MAX_VALUE_ITEMS:,} elements")


def bounded(value: Any) -> Any:
    """``value`` itself, once it is known to be no larger than vpclint evaluates."""
    if isinstance(value, str):
        check_size(chars=len(value))
        return value
    if not isinstance(value, (list, dict)):
        return norm_number(value) if type(value) is int else value
    items, stack = 1, [value]
    while stack:
        container = stack.pop()
        children = container.values() if isinstance(container, dict) else container
        items += len(children)
        for child in children:
            if isinstance(child, (list, dict)):
                stack.append(child)
            elif isinstance(child, str):
                items += len(child) >> 6
        check_size(items=items)
    spend(items)
    return value


class _Text(list):
    """Template output that refuses to grow past MAX_STRING_CHARS."""

    __slots__ = ("chars", "tainted", "unknown")

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0
        self.tainted = False  # it interpolates a marked value (taint.py)
        self.unknown = False  # it interpolates references (the result is a values.Joined)

    def interpolate(self, value: Unknown) -> None:
        self.unknown = True
        super().append(value)

    def append(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > MAX_STRING_CHARS:
            raise LimitError(f"a string would be longer than {MAX_STRING_CHARS:,} characters")
        super().append(text)


class Lazy(Mapping):
    """An object whose attributes are evaluated on first access."""

    def get_attr(self, name: str) -> Any:
        raise NotImplementedError

    def names(self) -> list:
        raise NotImplementedError

    def first_unknown(self) -> Unknown | None:
        for name in self.names():
            found = find_unknown(self.get_attr(name))
            if found is not None:
                return found
        return None

    def __getitem__(self, name: str) -> Any:
        if name not in self.names():
            raise KeyError(name)
        return self.get_attr(name)

    def __iter__(self):
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def __eq__(self, other: object) -> bool:
        return self is other  # comparing contents would evaluate every attribute

    __hash__ = object.__hash__


class Namespace:
    """A reference root (``var``, ``local``, ``aws_vpc``...) that only resolves attributes."""

    def __init__(self, label: str, resolve: Callable[[str], Any]):
        self.label = label
        self.resolve = resolve

    def get_attr(self, name: str) -> Any:
        return self.resolve(name)

    def __repr__(self) -> str:
        return f"<{self.label}>"


class BlockDict(dict):
    """A nested block's values: an attribute the block does not set may be computed.

    ``origin`` (resource address, block path such as ``ip_configuration[0]``),
    when known, makes such an attribute a ``Ref`` that still names the
    resource (an Azure route to ``azurerm_firewall.x.ip_configuration[0].private_ip_address``).
    """

    origin: tuple[str, str] | None = None


# the reason of an attribute a configured block leaves to the provider (unset below)
UNSET = "is not set in the configuration"


def unset(obj: "BlockDict", name: str) -> Unknown:
    """An attribute a block does not set: computed, so unknown before apply."""
    reason = f"attribute {name!r} {UNSET}"
    if obj.origin is not None:
        return Ref(reason, address=obj.origin[0], attr=f"{obj.origin[1]}.{name}")
    return Unknown(reason)


class Scope:
    """Where names resolve: the module instance and iteration variables."""

    __slots__ = ("ctx", "names")

    def __init__(self, ctx: Any, names: dict | None = None):
        self.ctx = ctx  # a module instance, or None for constant expressions
        self.names = names or {}

    def child(self, names: dict) -> "Scope":
        merged = dict(self.names)
        merged.update(names)
        return Scope(self.ctx, merged)


# ---------------------------------------------------------------------------
# helpers on values
# ---------------------------------------------------------------------------


def find_unknown(value: Any) -> Unknown | None:
    """The first Unknown in value, if any."""
    BUDGET.left -= 1
    if BUDGET.left < 0:
        spend(0)
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Lazy):
        return value.first_unknown()
    if isinstance(value, dict):
        for item in value.values():
            found = find_unknown(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = find_unknown(item)
            if found is not None:
                return found
    return None


def derived(unknown: Unknown) -> Unknown:
    """The unknown result of an operation on `unknown`, keeping its reason."""
    return unknown if type(unknown) is Unknown else Unknown(unknown.reason)


def norm_number(value: int | float) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e300:
        return int(value)
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:  # squaring in a chain of locals
        raise LimitError(f"a number would be larger than 2^{MAX_INT_BITS}")
    return value


def is_number(value: Any) -> bool:
    return type(value) in (int, float)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, Namespace):
        return f"reference {value.label}"
    return type(value).__name__


def a_type(value: Any) -> str:
    """The type of value with its article, for messages: "a string", "an object", "null"."""
    name = type_name(value)
    return name if name == "null" else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def format_number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if math.isinf(value) or math.isnan(value):
        raise EvalError("number is not finite")
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_str(value: Any) -> str:
    """Terraform's automatic conversion to string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)
    if value is None:
        raise EvalError("a null value cannot be used as a string")
    raise EvalError(f"{a_type(value)} cannot be used as a string")


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvalError("a bool cannot be used as a number")
    if is_number(value):
        return value
    if isinstance(value, str):
        try:
            return norm_number(int(value) if value.strip().lstrip("+-").isdigit() else float(value))
        except ValueError:
            pass
        raise EvalError(f"{describe(value)} is not a number")
    raise EvalError(f"{a_type(value)} cannot be used as a number")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    # go-cty's string-to-bool conversion (cty/convert/conversion_primitive.go) takes "1" and "0" too
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise EvalError(f"{a_type(value)} cannot be used as a bool")


def to_int(value: Any, what: str = "index") -> int:
    number = to_number(value)
    if isinstance(number, float):
        raise EvalError(f"{what} must be a whole number, got {format_number(number)}")
    return number


def tf_equal(left: Any, right: Any) -> bool:
    """Terraform ==: values of different types are never equal."""
    BUDGET.left -= 1
    if BUDGET.left < 0:
        spend(0)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return left == right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(tf_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return set(left) == set(right) and all(tf_equal(left[k], right[k]) for k in left)
    return False


def get_attr(obj: Any, name: str) -> Any:
    if type(obj) is dict and name in obj:
        return obj[name]
    if isinstance(obj, Namespace):
        return obj.get_attr(name)
    if isinstance(obj, Ref):
        return Ref(obj.reason, address=obj.address, attr=f"{obj.attr}.{name}")
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, Lazy):
        return obj.get_attr(name)
    if isinstance(obj, BlockDict):
        if name in obj:
            return obj[name]
        return unset(obj, name)
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        raise EvalError(f"object has no attribute {name!r}")
    if obj is None:
        raise EvalError(f"cannot read attribute {name!r} of a null value")
    raise EvalError(f"cannot read attribute {name!r} of {a_type(obj)}")


def get_index(obj: Any, key: Any) -> Any:
    if isinstance(key, Unknown):
        return derived(key)
    if isinstance(obj, Ref):
        shown = json.dumps(key) if isinstance(key, str) else to_str(key)
        return Ref(obj.reason, address=obj.address, attr=f"{obj.attr}[{shown}]")
    if isinstance(obj, Unknown):
        return obj
    if isinstance(obj, list):
        index = to_int(key)
        if not 0 <= index < len(obj):
            raise EvalError(f"index {index} is out of range for a list of {len(obj)} elements")
        return obj[index]
    if isinstance(obj, Mapping):
        name = to_str(key)
        if isinstance(obj, Lazy):
            return obj.get_attr(name)
        if name in obj:
            return obj[name]
        if isinstance(obj, BlockDict):
            return unset(obj, name)
        raise EvalError(f"key {describe(name)} does not exist")
    if obj is None:
        raise EvalError("cannot index a null value")
    raise EvalError(f"cannot index {a_type(obj)}")


def iterate(collection: Any) -> list:
    """(key, value) pairs of a list or map; maps in lexical key order."""
    if isinstance(collection, list):
        return list(enumerate(collection))
    if isinstance(collection, Mapping):
        return [(key, collection[key]) for key in sorted(collection)]
    raise EvalError(f"cannot iterate over {a_type(collection)}")


def to_plain(value: Any, _open: frozenset = frozenset()) -> Any:
    """Resolve lazy objects into plain dicts and lists for storing."""
    BUDGET.left -= 1
    if BUDGET.left < 0:
        spend(0)
    if isinstance(value, Lazy):
        if id(value) in _open:
            return Unknown(f"{value!r} contains itself")
        inner = _open | {id(value)}
        return {name: to_plain(value.get_attr(name), inner) for name in value.names()}
    if isinstance(value, dict):
        return {key: to_plain(item, _open) for key, item in value.items()}
    if isinstance(value, list):
        return [to_plain(item, _open) for item in value]
    if isinstance(value, Members):  # toset([aws_subnet.a]): the members are resolved like a list's elements
        return Members(value.reason, items=tuple(to_plain(item, _open) for item in value.items))
    if isinstance(value, Namespace):
        return Unknown(f"{value.label} is not a value")
    return value


# ---------------------------------------------------------------------------
# the evaluator
# ---------------------------------------------------------------------------


def evaluate(node: list, scope: Scope) -> Any:
    """Evaluate one expression; raises EvalError for errors (LimitError past the limits)."""
    BUDGET.left -= 1
    if BUDGET.left < 0:
        spend(0)
    return _NODES[node[0]](node, scope)


def evaluate_value(node: list, scope: Scope) -> Any:
    """Evaluate for storing: errors become Unknown with the reason."""
    try:
        return evaluate(node, scope)
    except EvalError as exc:
        return Unknown(str(exc))
    except RecursionError:
        return Unknown("expression is nested too deeply")


def _lit(node: list, scope: Scope) -> Any:
    return node[1]


def _tuple(node: list, scope: Scope) -> list:
    return bounded([evaluate(item, scope) for item in node[1]])


def _object(node: list, scope: Scope) -> Any:
    result: dict = {}
    for key_node, value_node in node[1]:
        key = evaluate(key_node, scope)
        if isinstance(key, Unknown):
            return derived(key)
        result[to_str(key)] = evaluate(value_node, scope)
    return bounded(result)


def _var(node: list, scope: Scope) -> Any:
    name = node[1]
    if name in scope.names:
        return scope.names[name]
    if name in ("count", "each"):
        raise EvalError(f"{name} is only available in blocks that use {name if name == 'count' else 'for_each'}")
    if scope.ctx is None:
        raise EvalError(f"reference to {name!r}: references are not allowed here")
    return scope.ctx.root_name(name)


def _attr(node: list, scope: Scope) -> Any:
    return get_attr(evaluate(node[1], scope), node[2])


def _index(node: list, scope: Scope) -> Any:
    return get_index(evaluate(node[1], scope), evaluate(node[2], scope))


def _splat(node: list, scope: Scope) -> Any:
    base = evaluate(node[1], scope)
    if isinstance(base, Unknown):
        return derived(base)
    if base is None:
        return []
    items = base if isinstance(base, list) else [base]
    ops = [(kind, arg if kind == "attr" else evaluate(arg, scope)) for kind, arg in node[2]]
    result = []
    for item in items:
        for kind, arg in ops:
            item = get_attr(item, arg) if kind == "attr" else get_index(item, arg)
        result.append(item)
    return result


def _cond(node: list, scope: Scope) -> Any:
    condition = evaluate(node[1], scope)
    if isinstance(condition, Unknown):
        # only when both outcomes are the same known value is the result known
        try:
            when_true = evaluate(node[2], scope)
            when_false = evaluate(node[3], scope)
        except EvalError:
            return derived(condition)
        if find_unknown(when_true) is None and find_unknown(when_false) is None and tf_equal(when_true, when_false):
            return when_true
        return derived(condition)
    return evaluate(node[2] if to_bool(condition) else node[3], scope)


def _binop(node: list, scope: Scope) -> Any:
    operator = node[1]
    left = evaluate(node[2], scope)
    if operator in ("&&", "||"):
        if not isinstance(left, Unknown) and to_bool(left) == (operator == "||"):
            return operator == "||"
        right = evaluate(node[3], scope)
        if isinstance(right, Unknown):
            return derived(right)
        right_bool = to_bool(right)
        if isinstance(left, Unknown):
            return right_bool if right_bool == (operator == "||") else derived(left)
        return right_bool
    right = evaluate(node[3], scope)
    if operator in ("==", "!="):
        if (left is None) != (right is None) and not isinstance(left, Unknown) and not isinstance(right, Unknown):
            # Terraform (cty) compares with null shallowly: an object is not null
            # whatever unknowns it holds (`if v.firewall != null` in for_each maps)
            return operator == "!="
        unknown = find_unknown([left, right])
        if unknown is not None:
            return derived(unknown)
        return tf_equal(left, right) == (operator == "==")
    for side in (left, right):
        if isinstance(side, Unknown):
            return derived(side)
    result = _arith(operator, to_number(left), to_number(right))
    if TAINT:  # a number computed from a secret is secret (taint.py)
        TAINT.propagate([left, right], result)
    return result


def _arith(operator: str, a: Any, b: Any) -> Any:
    if operator == "+":
        return norm_number(a + b)
    if operator == "-":
        return norm_number(a - b)
    if operator == "*":
        return norm_number(a * b)
    if operator == "/":
        if b == 0:
            raise EvalError("division by zero")
        return norm_number(a / b)
    if operator == "%":
        if b == 0:
            raise EvalError("modulo by zero")
        return norm_number(math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else _int_mod(a, b))
    if operator == "<":
        return a < b
    if operator == ">":
        return a > b
    if operator == "<=":
        return a <= b
    if operator == ">=":
        return a >= b
    raise EvalError(f"unsupported operator {operator}")


def _int_mod(a: int, b: int) -> int:
    """The remainder takes the sign of the dividend, as in Terraform."""
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _unop(node: list, scope: Scope) -> Any:
    value = evaluate(node[2], scope)
    if isinstance(value, Unknown):
        return derived(value)
    if node[1] == "!":
        return not to_bool(value)
    result = norm_number(-to_number(value))
    return TAINT.propagate(value, result) if TAINT else result


def _for_items(node: list, scope: Scope) -> Any:
    collection = evaluate(node[3], scope)
    if isinstance(collection, Unknown):
        return derived(collection)
    if collection is None:
        raise EvalError("cannot iterate over a null value")
    key_name, value_name = node[1], node[2]
    scopes = []
    for key, value in iterate(collection):
        names = {value_name: value}
        if key_name is not None:
            names[key_name] = key
        scopes.append(scope.child(names))
    return scopes


def _filter(scopes: list, cond: list | None) -> Any:
    if cond is None:
        return scopes
    kept = []
    for inner in scopes:
        keep = evaluate(cond, inner)
        if isinstance(keep, Unknown):
            return derived(keep)
        if to_bool(keep):
            kept.append(inner)
    return kept


def _fortuple(node: list, scope: Scope) -> Any:
    scopes = _for_items(node, scope)
    if isinstance(scopes, Unknown):
        return scopes
    scopes = _filter(scopes, node[5])
    if isinstance(scopes, Unknown):
        return scopes
    return bounded([evaluate(node[4], inner) for inner in scopes])


def _forobject(node: list, scope: Scope) -> Any:
    scopes = _for_items(node, scope)
    if isinstance(scopes, Unknown):
        return scopes
    scopes = _filter(scopes, node[6])
    if isinstance(scopes, Unknown):
        return scopes
    group = node[7]
    result: dict = {}
    for inner in scopes:
        key = evaluate(node[4], inner)
        if isinstance(key, Unknown):
            return derived(key)
        key = to_str(key)
        value = evaluate(node[5], inner)
        if group:
            result.setdefault(key, []).append(value)
        elif key in result:
            raise EvalError(f"duplicate key in a for expression: {describe(key)} (use ... to group)")
        else:
            result[key] = value
    return bounded(result)


def _tmpl(node: list, scope: Scope) -> Any:
    out = _Text()
    unknown = _render(node[1], scope, out)
    if unknown is not None:
        return derived(unknown)
    if out.unknown:
        return joined(list(out))  # "${a.id},${b.id}" keeps its references (a marked piece stays marked)
    text = "".join(out)
    return TAINT.mark(text, soft=out.tainted == 1) if out.tainted else text


def _render(parts: list, scope: Scope, out: list) -> Unknown | None:
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind = part[0]
        if kind == "i":
            value = evaluate(part[1], scope)
            if isinstance(value, (Ref, Joined)):
                out.interpolate(value)
                continue
            if isinstance(value, Unknown):
                return value
            text = to_str(value)
            if TAINT:  # a template around a secret is secret (taint.py)
                out.tainted = max(out.tainted, TAINT.level(value))
            out.append(text)
        elif kind == "if":
            condition = evaluate(part[1], scope)
            if isinstance(condition, Unknown):
                return condition
            found = _render(part[2] if to_bool(condition) else part[3], scope, out)
            if found is not None:
                return found
        else:  # for
            _, key_name, value_name, collection_node, body = part
            collection = evaluate(collection_node, scope)
            if isinstance(collection, Unknown):
                return collection
            for key, value in iterate(collection):
                spend(1)  # a body of plain text evaluates nothing, yet loops may nest
                names = {value_name: value}
                if key_name is not None:
                    names[key_name] = key
                found = _render(body, scope.child(names), out)
                if found is not None:
                    return found
    return None


# filled by functions.py: name -> f(args) and name -> f(arg_nodes, scope)
FUNCTIONS: dict[str, Callable[..., Any]] = {}
SPECIAL_FORMS: dict[str, Callable[[list, Scope], Any]] = {}


def _call(node: list, scope: Scope) -> Any:
    name, arg_nodes, expand = node[1], node[2], node[3]
    if name in SPECIAL_FORMS:
        return SPECIAL_FORMS[name](arg_nodes, scope)
    args = [evaluate(arg, scope) for arg in arg_nodes]
    if expand:
        if not args:
            raise EvalError("... needs an argument")
        last = args.pop()
        if isinstance(last, Unknown):
            return derived(last)
        if not isinstance(last, list):
            raise EvalError(f"... expects a list, got {a_type(last)}")
        args.extend(last)
    function = FUNCTIONS.get(name)
    if function is None:
        if name.startswith("provider::"):  # it runs in the provider's plugin
            return Unknown(f"{name} is a provider-defined function, which vpclint does not run")
        return Unknown(f"function {name} is not supported")
    return bounded(function(args, scope))


def _error(node: list, scope: Scope) -> Any:
    raise EvalError(node[1])


_NODES: dict[str, Callable[[list, Scope], Any]] = {
    "lit": _lit,
    "tuple": _tuple,
    "object": _object,
    "var": _var,
    "attr": _attr,
    "index": _index,
    "splat": _splat,
    "cond": _cond,
    "binop": _binop,
    "unop": _unop,
    "fortuple": _fortuple,
    "forobject": _forobject,
    "tmpl": _tmpl,
    "call": _call,
    "error": _error,
}
