"""Special forms: ``try`` and ``can`` take expressions, not values."""

from __future__ import annotations

from typing import Any

from vpclint.load.hcl.evaluate import (
    SPECIAL_FORMS,
    UNSET,
    EvalError,
    Lazy,
    Scope,
    derived,
    evaluate,
    find_unknown,
)
from vpclint.values import Joined, Members, Ref, Unknown, is_id


class _Guarded:
    """How many try()/can() calls are being evaluated: an error they catch (a factory's optional
    file that does not exist) is no error of the run."""

    depth = 0


GUARDED = _Guarded()


def _guarded(node: list, scope: Scope) -> Any:
    GUARDED.depth += 1
    try:
        return evaluate(node, scope)
    finally:
        GUARDED.depth -= 1


def _try(arg_nodes: list, scope: Scope) -> Any:
    if not arg_nodes:
        raise EvalError("try() needs at least one argument")
    errors = []
    for node in arg_nodes:
        try:
            value = _guarded(node, scope)
        except EvalError as exc:
            errors.append(str(exc))
            continue
        if _settled(value):
            return value  # resource attributes themselves, or built from them: it will not fail once known
        found = find_unknown(value)
        if found is not None:
            # it might still fail once known, so the choice cannot be made yet
            return derived(found)
        return value
    raise EvalError(f"try(): no argument could be evaluated: {errors[-1]}")


def _plain_reference(value: Any) -> bool:
    """A Ref to an attribute itself (`aws_vpc.main.id`), or to an attribute a block the configuration
    writes leaves to the provider (`azurerm_firewall.hub.ip_configuration[0].private_ip_address`: the
    block is there, the address computed); not a path into a value that may not exist once known."""
    return isinstance(value, Ref) and (value.attr.isidentifier() or value.reason.endswith(UNSET))


def _settled(value: Any) -> bool:
    """Whether every unknown in ``value`` is a plain reference (``[a.id, b.id]``, ``join(",", ...)`` of them),
    so that nothing in it can fail once known."""
    if isinstance(value, Joined):  # a string of ids: an object or a list in a template would fail
        return all(is_id(part) for part in value.parts if isinstance(part, Unknown))
    if isinstance(value, Members):
        return all(_settled(item) for item in value.items)
    if isinstance(value, Unknown):
        return _plain_reference(value)
    if isinstance(value, (list, dict)) and not isinstance(value, Lazy):
        return all(_settled(item) for item in (value.values() if isinstance(value, dict) else value))
    return find_unknown(value) is None


def _can(arg_nodes: list, scope: Scope) -> Any:
    if len(arg_nodes) != 1:
        raise EvalError("can() takes exactly one argument")
    try:
        value = _guarded(arg_nodes[0], scope)
    except EvalError:
        return False
    found = None if _settled(value) else find_unknown(value)
    return derived(found) if found is not None else True


SPECIAL_FORMS["try"] = _try
SPECIAL_FORMS["can"] = _can
