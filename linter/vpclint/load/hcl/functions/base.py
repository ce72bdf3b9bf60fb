"""The registry of Terraform's built-in functions and their argument helpers.

Each function is registered with how it treats unknown arguments:
``strict`` (any unknown anywhere in the arguments makes the result unknown),
``shallow`` (only an argument that is itself unknown does; unknown list
elements or map values are carried through, so ``concat([aws_vpc.a.id], x)``
keeps the reference) or ``own`` (the function looks at unknowns itself).
Functions that pass values through keep what an unknown stands for: a
``Ref`` stays itself, a string built from references is a ``Joined`` that
``split`` takes apart again, and a list whose order or length is unknown
but whose members are known (``toset``, ``distinct``, ``sort``, ``compact``
over references) is ``Members`` (values.py).
A bad argument raises ``EvalError``, which ``try``/``can`` catch and
everything else turns into ``Unknown`` with the message as reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

import netaddr

from vpclint.load.hcl.evaluate import (
    FUNCTIONS,
    EvalError,
    Scope,
    a_type,
    derived,
    find_unknown,
    is_number,
    tf_equal,
    to_str,
)
from vpclint.taint import CURRENT as TAINT
from vpclint.values import Members, Unknown

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
            except Unknowable as exc:
                return exc.unknown
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


# the functions that stay unknown are registered with their reasons in catalog.py


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


def elements(value: Any, what: str = "argument") -> tuple[list, Members | None]:
    """A list argument's elements, and the ``Members`` it was when its order is unknown.

    Any other unknown is returned as the caller's result: raise ``Unknowable``.
    """
    if isinstance(value, Members):
        return list(value.items), value
    if isinstance(value, Unknown):
        raise Unknowable(derived(value))
    return _list(value, what), None


class Unknowable(Exception):
    """The result is this unknown (raised out of an argument walk, caught by ``function``)."""

    def __init__(self, unknown: Unknown):
        super().__init__(unknown.reason)
        self.unknown = unknown


def members(items: list) -> list | Members:
    """``items`` as a list when all are known, else the ``Members`` they are."""
    found = find_unknown(items)
    if found is None:
        return items
    kept: list = []
    for item in items:  # repeats say nothing of a list whose number of elements is unknown
        if not (isinstance(item, Unknown) and item in kept):
            kept.append(item)
    return Members(found.reason, items=tuple(kept))
