"""Range primitives: overlap, containment, validity, distinct counts, and
``holds`` (a plain condition on one value).

Range arithmetic is netaddr's (``IPNetwork``, ``IPSet``); nothing here does
CIDR math by hand.
"""

from __future__ import annotations

import heapq
from typing import Any, Iterable, Iterator

from netaddr import IPNetwork, IPSet

from vpclint.engine.paths import path_condition, resolve
from vpclint.engine.primitives import Violation, primitive
from vpclint.findings import instance_base
from vpclint.model import Cidr, Element
from vpclint.taint import describe


class _Literal(Element):
    """The owner of a CIDR written in a rule file (``172.17.0.0/16``)."""


def _ranges(bindings: dict[str, Any], spec: Any) -> list[Cidr]:
    """The Cidrs a path (or list of paths / literal CIDRs) reaches."""
    specs = spec if isinstance(spec, list) else [spec]
    found: list[Cidr] = []
    for item in specs:
        if "/" in item:  # a literal range written in the rule
            found.append(Cidr(_Literal(item), "", "literal", text=item, net=IPNetwork(item)))
            continue
        found.extend(v for v in resolve(bindings, item) if isinstance(v, Cidr))
    return found


def _known(cidrs: Iterable[Cidr]) -> list[Cidr]:
    return [c for c in cidrs if c.net is not None and c.error is None]


def _span(cidr: Cidr) -> tuple[int, int]:
    net = cidr.range
    return (net.version, int(net.first)), (net.version, int(net.last))


@primitive
def overlaps_within(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Pairs of ranges among ``ranges`` that overlap (``a`` before ``b``).

    Ranges of the same owner are not compared with each other. Sorted sweep:
    n log n plus the number of overlapping pairs. The same range written by
    every instance of one block (``count``/``for_each``) sweeps as one class:
    each instance is paired with the first of the class and of each
    overlapping class, not with every other, so 2,000 identical subnets give
    about 2,000 pairs, not 2 million (``findings.group_instances`` then
    makes them one finding).
    """
    classes: dict[tuple, list[Cidr]] = {}
    for cidr in sorted(_known(_ranges(bindings, args["ranges"])), key=_instance_order):
        classes.setdefault(_instance_class(cidr), []).append(cidr)
    items = sorted(classes.values(), key=lambda members: (_span(members[0])[0], -_span(members[0])[1][1]))
    active: list[tuple[tuple[int, int], int, list[Cidr]]] = []  # (last, order, class) heap
    for order, members in enumerate(items):
        first, last = _span(members[0])
        while active and active[0][0] < first:
            heapq.heappop(active)
        pairs = [(members[0], other) for other in members[1:]]  # within the class
        for _, _, earlier in sorted(active, key=lambda entry: entry[1]):
            pairs.extend((earlier[0], cidr) for cidr in members)
            pairs.extend((cidr, members[0]) for cidr in earlier[1:])
        for x, y in pairs:
            if x.owner is not y.owner and x.range.version == y.range.version:
                a, b = _ordered(x, y)
                yield Violation({"a": a, "b": b}, subject=b.owner, related=[a.owner], facts=(str(a), str(b)))
        heapq.heappush(active, (last, order, members))


def _instance_class(cidr: Cidr) -> tuple:
    """Ranges equal but for the instance of the block that writes them; any
    other range is a class of its own (every pair of them is reported)."""
    owner = cidr.owner
    if "[" not in owner.terraform_address:
        return (id(cidr),)
    return (_span(cidr), cidr.attribute, cidr.role, cidr.text, instance_base(owner.terraform_address),
            owner.file, owner.line, type(owner))


def _instance_order(cidr: Cidr) -> tuple:
    return (cidr.owner.file or "", cidr.owner.line or 0, len(cidr.owner.terraform_address), cidr.owner.terraform_address)


def _ordered(x: Cidr, y: Cidr) -> tuple[Cidr, Cidr]:
    """Order a pair by source position, so the later block is the one reported."""
    def key(c: Cidr) -> tuple:
        return (c.owner.file or "", c.owner.line or 0, c.owner.address)

    return (x, y) if key(x) <= key(y) else (y, x)


@primitive
def overlaps_between(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Each range of ``ranges`` (``a``) that overlaps a range of ``others`` (``b``).

    ``others`` is a path, a literal CIDR, or a list of them. A range never
    overlaps itself or another range of the same owner.
    """
    left = _known(_ranges(bindings, args["ranges"]))
    right = _known(_ranges(bindings, args["others"]))
    for a in left:
        for b in right:
            if a is b or a.owner is b.owner or a.range.version != b.range.version:
                continue
            if a.range.first <= b.range.last and b.range.first <= a.range.last:
                yield Violation({"a": a, "b": b}, subject=a.owner, related=[] if isinstance(b.owner, _Literal)
                                else [b.owner], facts=(str(a), str(b)))


@primitive
def not_within(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Each range of ``ranges`` (``cidr``) not inside the union of ``of``.

    Silent when any range of ``of`` is unknown or none is known.
    """
    container = _ranges(bindings, args["of"])
    if not container or any(c.unknown is not None for c in container):
        return
    known = _known(container)
    if len(known) != len(container):
        return  # a malformed container range is cidr_invalid's finding
    union = IPSet(c.range for c in known)
    for cidr in _known(_ranges(bindings, args["ranges"])):
        if cidr.range not in union:
            yield Violation({"cidr": cidr, "of": known}, subject=cidr.owner, facts=(str(cidr),))


@primitive
def cidr_invalid(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Each range of ``ranges`` that is malformed, has host bits set, or breaks
    the limits its provider's API sets (``problem`` says which)."""
    for cidr in _ranges(bindings, args["ranges"]):
        problem = _cidr_problem(cidr)
        if problem:
            yield Violation({"cidr": cidr, "problem": problem}, subject=cidr.origin or cidr.owner,
                            facts=(cidr.text, problem))


def _cidr_problem(cidr: Cidr) -> str | None:
    if cidr.unknown is not None:
        return None
    if cidr.error is not None:
        return f"{describe(cidr.text)} {cidr.error}"  # quoted only when address-shaped (taint.py)
    limits, net = cidr.limits, cidr.net
    if cidr.host_bits_set and not (limits and limits.host_bits_allowed):
        return f"{cidr.text} has host bits set; the network address is {net.cidr}"
    if limits is None or net.version != 4:
        return None
    if not limits.min_prefix <= net.prefixlen <= limits.max_prefix:
        return (f"{cidr.text}: prefix length /{net.prefixlen} is outside /{limits.min_prefix}–/{limits.max_prefix}, "
                f"which {limits.label} accepts")
    if limits.within and not any(net in IPNetwork(r) for r in limits.within):
        return f"{cidr.text} is outside the ranges {limits.label} accepts ({', '.join(limits.within)})"
    for holder in (IPNetwork(r).cidr for r in limits.within if limits.reserved_first):
        if net in holder and net.first < holder.first + limits.reserved_first:
            last = holder[min(limits.reserved_first, holder.size) - 1]
            return (f"{cidr.text} is one of the first {limits.reserved_first} addresses of {holder} "
                    f"({holder[0]}–{last}), which {limits.label} must not use")
    for reserved in limits.not_within:
        if IPSet([net]) & IPSet([reserved]):
            return f"{cidr.text} overlaps the reserved range {reserved}, which {limits.label} rejects"
    return None


@primitive
def holds(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """One violation when the value at ``path`` meets the condition written
    beside it (``equals``, ``in``, ``not_in`` or ``exists``, as in ``where``);
    silent when the value is unknown. The value is captured as ``value``."""
    met, value = path_condition(bindings, args)
    if met is True:
        yield Violation({"value": value}, facts=(args["path"], str(value)))


@primitive
def fewer_distinct(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """One violation when the ``key`` attribute of ``items`` takes fewer
    distinct values than ``minimum`` (a number or a path). Silent when any
    item's value or the minimum is unknown or not given."""
    items = resolve(bindings, args["items"])
    minimum = args["minimum"]
    if isinstance(minimum, str):
        found = resolve(bindings, minimum)
        minimum = found[0] if found else None
    if not isinstance(minimum, int) or not items:
        return
    values = [getattr(item, args["key"], None) for item in items]
    if any(not isinstance(v, (str, int)) or v == "" for v in values):
        return
    distinct = sorted({str(v) for v in values})
    if len(distinct) < minimum:
        yield Violation({"count": len(distinct), "minimum": minimum, "values": distinct},
                        facts=tuple(distinct))
