"""Indexes that answer "which elements are near this one" without a pass
over every element of the model.

Rules run once per cluster, peering or network; a primitive that scanned
every security group or endpoint for each cluster would make a lint of n
resources cost n². These indexes are built once per model (and rebuilt if
the model's element lists change) and answered in logarithmic time plus the
size of the answer.

CIDR blocks are either nested or disjoint, so the blocks that overlap a
block C are those that start inside C (a sorted list and two bisections)
and the supernets of C (at most one lookup per shorter prefix length).
"""

from __future__ import annotations

import weakref
from bisect import bisect_left, bisect_right
from typing import Any, Callable, Iterable, Iterator

from netaddr import IPNetwork, IPSet

from vpclint.analysis import security
from vpclint.model import Cluster, Model, Network


class BlockIndex:
    """Values stored under CIDR blocks; ``overlapping`` finds those whose block overlaps a range."""

    def __init__(self) -> None:
        self._pending: list[tuple[int, int, int, int, Any]] = []
        self._starts: list[tuple[int, int]] = []
        self._entries: list[tuple[int, int, int, int, Any]] = []
        self._exact: dict[tuple[int, int, int], list[Any]] = {}

    def add(self, block: IPNetwork, value: Any) -> None:
        entry = (block.version, int(block.first), int(block.last), block.prefixlen, value)
        self._pending.append(entry)
        self._exact.setdefault((block.version, block.prefixlen, int(block.first)), []).append(value)

    def freeze(self) -> "BlockIndex":
        self._entries = sorted(self._pending, key=lambda e: (e[0], e[1], e[2]))
        self._starts = [(e[0], e[1]) for e in self._entries]
        self._pending = []
        return self

    def overlapping(self, blocks: Iterable[IPNetwork]) -> list[Any]:
        """Values of every stored block overlapping one of ``blocks`` (repeats possible)."""
        return list(self.each_overlapping(blocks))

    def each_overlapping(self, blocks: Iterable[IPNetwork]) -> Iterator[Any]:
        """``overlapping`` one at a time, for a caller that may stop early (a
        summary route overlaps every spoke; "more than one" is all it needs)."""
        for block in blocks:
            version, first, last = block.version, int(block.first), int(block.last)
            # stored blocks that start inside this one: inside it, or equal
            low = bisect_left(self._starts, (version, first))
            high = bisect_right(self._starts, (version, last))
            for position in range(low, high):
                yield self._entries[position][4]
            # stored blocks that hold this one and start before it: its supernets
            width = 32 if version == 4 else 128
            for prefix in range(block.prefixlen):
                start = first & ~((1 << (width - prefix)) - 1)
                if start != first:
                    yield from self._exact.get((version, prefix, start), ())


class Nearby:
    """Security groups and whitelisted endpoints by where they sit, for one model."""

    def __init__(self, model: Model):
        self.groups = list(model.security_groups)
        self.endpoints = list(model.endpoints)
        self._group_at: dict[int, list[int]] = {}  # id(network) (0: none) -> positions
        self._endpoint_at: dict[int, list[int]] = {}
        self._rule_blocks = BlockIndex()
        for position, group in enumerate(self.groups):
            self._group_at.setdefault(_key(group.network), []).append(position)
            for rule in group.rules:
                intended = security.intended_sources(rule)
                if intended is None:
                    continue
                for block in intended.iter_cidrs():
                    self._rule_blocks.add(block, position)
        self._rule_blocks.freeze()
        for position, endpoint in enumerate(self.endpoints):
            if endpoint.network is not None and endpoint.whitelist is not None:
                self._endpoint_at.setdefault(_key(endpoint.network), []).append(position)

    def groups_near(self, cluster: Cluster, peers: list[Network], ranges: IPSet) -> list:
        """In model order, every group that sits in the cluster's VPC, a peered
        VPC or no VPC and has an ingress rule (an allow with sources other
        than any address) whose sources overlap ``ranges``; possibly more."""
        in_scope = list(self._group_at.get(0, ()))
        for network in [cluster.network, *peers]:
            if network is not None:
                in_scope.extend(self._group_at.get(_key(network), ()))
        admitting = self._rule_blocks.overlapping(ranges.iter_cidrs())
        if len(admitting) < len(in_scope):
            scope = set(in_scope)
            chosen = {p for p in admitting if p in scope}
        else:
            relevant = set(admitting)
            chosen = {p for p in in_scope if p in relevant}
        return [self.groups[p] for p in sorted(chosen)]

    def endpoints_near(self, cluster: Cluster, peers: list[Network]) -> list:
        """In model order, the endpoints with a whitelist in the cluster's VPC or a peered VPC."""
        chosen: set[int] = set()
        for network in [cluster.network, *peers]:
            if network is not None:
                chosen.update(self._endpoint_at.get(_key(network), ()))
        return [self.endpoints[p] for p in sorted(chosen)]


def _key(network: Network | None) -> int:
    return 0 if network is None else id(network)


# one index per model: rules ask for it once per cluster
_cache: dict[str, tuple[Callable[[], Any], tuple, Any]] = {}


def _signature(model: Model) -> tuple:
    lists = (model.networks, model.security_groups, model.endpoints, model.peerings, model.route_tables)
    return tuple((id(items), len(items)) for items in lists)


def nearby(model: Model) -> Nearby:
    """The ``Nearby`` index of ``model``, built on first use.

    Rules run on a finished model; the index is rebuilt when the model's
    element lists are replaced or grow, never patched.
    """
    cached = _cache.get("nearby")
    signature = _signature(model)
    if cached is not None and cached[0]() is model and cached[1] == signature:
        return cached[2]
    index = Nearby(model)
    _cache["nearby"] = (weakref.ref(model), signature, index)
    return index
