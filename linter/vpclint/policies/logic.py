"""Three-valued logic for policy evaluation: True, False, or ``UNKNOWN``.

A verdict that depends on something the linter cannot know (a label a pod
may or may not carry, a Terraform value known only after apply, the IP a
pod will get) is ``UNKNOWN``, an instance of ``vpclint.values.Unknown``: its
truth cannot be tested by accident (``bool(UNKNOWN)`` raises), and a rule
never reports a finding from it.
"""

from __future__ import annotations

from typing import Iterable, Union

from vpclint.values import Unknown, is_unknown  # noqa: F401  (one definition, used through here by the policy modules)

UNKNOWN = Unknown("cannot be decided statically")

Tri = Union[bool, Unknown]


def tri_and(values: Iterable[Tri]) -> Tri:
    """False if any is False, else True if all are True, else unknown."""
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is not True:
            result = UNKNOWN
    return result


def tri_or(values: Iterable[Tri]) -> Tri:
    """True if any is True, else False if all are False, else unknown."""
    result: Tri = False
    for value in values:
        if value is True:
            return True
        if value is not False:
            result = UNKNOWN
    return result


def tri_not(value: Tri) -> Tri:
    if value is True:
        return False
    if value is False:
        return True
    return UNKNOWN

