"""Values that Terraform cannot know before apply.

Loaders put an ``Unknown`` wherever a value cannot be computed statically
(``known after apply``, an unset variable, a remote module that is not
downloaded, an unsupported expression). Rules never report a finding from an
unknown value. A ``Ref`` is an unknown value that still says *which* resource
attribute it stands for (``aws_vpc.main.id``), so adapters can link resources
whose ids do not exist yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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

    @property
    def names_id(self) -> bool:
        """Whether it stands for an id (``id``, ``ipv4_subnet_id``, ``arn``,
        ``self_link``, an element of ``subnet_ids``): never null nor empty once
        the resource exists, and never holding a comma, semicolon, space or pipe."""
        name = _INDEXES.sub("", self.attr)
        indexed = name != self.attr
        name = name.rsplit(".", 1)[-1]
        return bool(_ID_NAME.search(name) or (indexed and _IDS_NAME.search(name)))


_INDEXES = re.compile(r"(\[[^\]]*\])+$")
_ID_NAME = re.compile(r"(^|_)(id|arn|self_link)$")
_IDS_NAME = re.compile(r"(^|_)(ids|arns|self_links)$")


def is_id(value: Any) -> bool:
    """A reference to an id (see ``Ref.names_id``)."""
    return isinstance(value, Ref) and value.names_id


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


@dataclass(frozen=True, repr=False)
class Joined(Unknown):
    """An unknown string built from pieces, some of them unknown.

    ``join(",", [aws_subnet.a.id, aws_subnet.b.id])``, ``format("%s,%s", ...)``
    or a template: ``parts`` are the known texts and the unknowns in order,
    so ``split`` and the adapters that read a comma-separated list of ids
    (CCE Turbo's ``eni_subnet_id``) get the references back. Any other use
    of it is unknown (``derived`` makes it a plain ``Unknown``). ``unordered``:
    it was joined from a list whose order is unknown (``Members``), so its
    elements are too.
    """

    parts: tuple = ()
    unordered: bool = False

    def __repr__(self) -> str:
        return f"Joined({self.parts!r}{', unordered' if self.unordered else ''})"

    def split(self, separator: str) -> list | None:
        """The elements between ``separator``s (see ``split_unknown``)."""
        return split_unknown(self, separator)


def split_unknown(value: Unknown, separator: str) -> list | Members | None:
    """``split(separator, value)`` of a ``Joined`` string or a reference to an id; None when unknown.

    A reference to an id is taken whole: ids hold no comma, semicolon,
    space or pipe, so a separator made of those never cuts one. Another
    separator, or an unknown that is no id (a variable may hold the
    separator), leaves the elements unknown.
    """
    parts = value.parts if isinstance(value, Joined) else (value,)
    if not separator or not all(char in _ID_FREE for char in separator):
        return None
    if any(isinstance(part, Unknown) and not is_id(part) for part in parts):
        return None
    elements: list = []
    current: list = []
    for part in parts:
        if isinstance(part, Unknown):
            current.append(part)
            continue
        pieces = part.split(separator)
        for piece in pieces[:-1]:
            elements.append(joined([*current, piece], value.reason))
            current = []
        current.append(pieces[-1])
    elements.append(joined(current, value.reason))
    if isinstance(value, Joined) and value.unordered:
        return Members(value.reason, items=tuple(elements))
    return elements


# characters no id holds: a separator of these never cuts a reference to one
_ID_FREE = frozenset(",; |\t\n\r")


def joined(parts: list, reason: str | None = None, unordered: bool = False) -> Any:
    """The string made of ``parts`` (texts and unknowns): a ``str`` when all are
    known, the unknown itself when it stands alone, else a ``Joined``."""
    merged: list = []
    unordered = unordered or any(isinstance(part, Joined) and part.unordered for part in parts)
    for part in (piece for part in parts for piece in (part.parts if isinstance(part, Joined) else (part,))):
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif not (isinstance(part, str) and part == ""):
            merged.append(part)
    if not merged:
        return ""
    if len(merged) == 1:
        return merged[0]
    if reason is None:
        reason = next(part.reason for part in merged if isinstance(part, Unknown))
    return Joined(reason, parts=tuple(merged), unordered=unordered)


@dataclass(frozen=True, repr=False)
class Members(Unknown):
    """An unknown list or set whose members are known but not their order,
    repeats or number (``toset([aws_subnet.a.id, aws_subnet.b.id])``,
    ``distinct``, ``sort``, ``compact`` over references).

    Every element is the value of one of ``items``, and every item whose value
    is neither null nor empty is an element. Indexing it, its length, or
    iterating it is unknown; adapters reading a list of ids read ``items``.
    """

    items: tuple = field(default=(), hash=False)

    def __repr__(self) -> str:
        return f"Members({list(self.items)!r})"


def id_elements(value: Any) -> list:
    """The values a list-of-ids attribute holds, for the adapters to resolve.

    A list as it is; a comma-separated string split; a string joined from
    references split back into them (``join(",", [a.id, b.id])``); an unknown
    list's members; any other unknown as itself (resolving it notes why);
    nothing for null.
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, Joined):
        parts = value.split(",")
        if parts is None:
            return [value]
        elements = [_trimmed(part) for part in (parts.items if isinstance(parts, Members) else parts)]
        return [part for part in elements if part != ""]
    if isinstance(value, Members):
        return [element for item in value.items for element in id_elements(item)]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _trimmed(part: Any) -> Any:
    """An element of a comma-separated list without the spaces around it."""
    if isinstance(part, str):
        return part.strip()
    if isinstance(part, Joined):
        return joined([piece.strip() if isinstance(piece, str) else piece for piece in part.parts], part.reason)
    return part
