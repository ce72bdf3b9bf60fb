"""Special forms: ``try`` and ``can`` take expressions, not values."""

from __future__ import annotations

from typing import Any

from vpclint.load.hcl.evaluate import (
    SPECIAL_FORMS,
    EvalError,
    Scope,
    derived,
    evaluate,
    find_unknown,
)
from vpclint.values import Ref


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
        value = _guarded(arg_nodes[0], scope)
    except EvalError:
        return False
    found = None if _plain_reference(value) else find_unknown(value)
    return derived(found) if found is not None else True


SPECIAL_FORMS["try"] = _try
SPECIAL_FORMS["can"] = _can
