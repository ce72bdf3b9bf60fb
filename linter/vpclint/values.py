"""Values that Terraform cannot know before apply.

Loaders put an ``Unknown`` wherever a value cannot be computed statically
(``known after apply``, an unset variable, a remote module that is not
downloaded, an unsupported expression). Rules never report a finding from an
unknown value. A ``Ref`` is an unknown value that still says *which* resource
attribute it stands for (``aws_vpc.main.id``), so adapters can link resources
whose ids do not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known before apply; ``reason`` says why."""

    reason: str = "known after apply"

    def __bool__(self) -> bool:  # an unknown is never silently truthy
        raise TypeError("the truth of an unknown value is unknown")

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


@dataclass(frozen=True)
class Ref(Unknown):
    """An unknown attribute of another resource, e.g. ``aws_vpc.main.id``.

    ``address`` is the absolute instance address of the resource
    (``module.net.aws_vpc.main`` or ``aws_subnet.private[0]``); ``attr`` the
    attribute name (usually ``id``).
    """

    address: str = ""
    attr: str = "id"

    def __repr__(self) -> str:
        return f"Ref({self.address}.{self.attr})"


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    """True when ``value`` or anything nested in it is unknown."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    return False
