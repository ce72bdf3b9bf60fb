"""Hub tables: which table an attachment is associated with, what
propagations teach a table, and longest-prefix decisions in hub and VPC
tables (a hub may install what it holds in a network's routing)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

from netaddr import IPNetwork, IPSet

from vpclint.analysis import routing
from vpclint.analysis.index import BlockIndex
from vpclint.model import Attachment, Hub, HubRouteTable, Network, Route, RouteTable, make_cidr
from vpclint.values import Unknown


def association_of(attachment: Attachment) -> Any:
    """The hub table forwarding what arrives from ``attachment``: a table,
    None (none: the hub drops it) or Unknown."""
    if attachment.association is not None:
        return attachment.association
    if attachment.associate_default is True:
        hub = attachment.hub
        return hub.default_association if hub is not None else Unknown("the hub is not known")
    if isinstance(attachment.associate_default, Unknown):
        return attachment.associate_default
    return None


def propagation_tables(attachment: Attachment) -> tuple[list[HubRouteTable], bool]:
    """The tables ``attachment`` propagates into, and whether that list may miss some."""
    tables = [t for t in attachment.propagations if isinstance(t, HubRouteTable)]
    uncertain = len(tables) != len(attachment.propagations)
    default = attachment.hub.default_propagation if attachment.hub is not None else None
    if attachment.propagate_default is True or isinstance(attachment.propagate_default, Unknown):
        if isinstance(default, HubRouteTable):
            if attachment.propagate_default is True:
                tables.append(default)
            else:
                uncertain = True
        elif isinstance(default, Unknown):
            uncertain = True
    return tables, uncertain


def exported(attachment: Attachment) -> IPSet | None:
    """The ranges a propagation of ``attachment`` teaches a hub table; None when unknown.

    "network": the network's CIDRs, primary and secondary; "subnets": every
    subnet range, secondary ranges included. The include / exclude filters
    drop a range that does not lie within an included range, or that lies
    within an excluded one (NCC export filters).
    """
    if attachment.exports == "none" or attachment.state == "pending":
        return IPSet()
    if attachment.exports == "unknown" or not isinstance(attachment.state, str):
        return None
    network = attachment.network
    if network is None:
        return None if attachment.kind == "vpc" else IPSet()
    if attachment.exports == "subnets":
        cidrs = [s.cidr for s in network.subnets if s.cidr is not None]
    else:
        cidrs = list(network.cidrs)
    if any(c.net is None and not c.error for c in cidrs):
        return None
    ranges = [c.range for c in cidrs if c.net is not None]
    include = attachment.export_include
    if include is not None:
        if any(c.net is None for c in include):
            return None
        ranges = [r for r in ranges if any(r in c.range for c in include)]
    if any(c.net is None for c in attachment.export_exclude):
        return None
    ranges = [r for r in ranges if not any(r in c.range for c in attachment.export_exclude)]
    return IPSet(ranges)



class Lpm:
    """Routes by destination block; ``decide`` splits a destination by its longest-prefix route.

    Entries are (block, rank, route): on equal prefixes the lower rank wins
    (a static hub route before a propagated one).
    """

    def __init__(self, entries: list[tuple[IPNetwork, int, Any]]):
        self.blocks = BlockIndex()
        for block, rank, route in entries:
            self.blocks.add(block, (block, rank, route))
        self.blocks.freeze()

    def decide(self, dest: IPSet) -> list[tuple[IPSet, Any]]:
        """(part, route) pairs, most specific first; route None for a part no route covers."""
        return [(part, route) for part, route, _ in self.decide_prefixed(dest)]

    def decide_prefixed(self, dest: IPSet) -> list[tuple[IPSet, Any, int]]:
        """(part, route, the route's prefix length) triples; -1 for no route."""
        remaining = IPSet(dest)
        parts: dict[int, tuple[IPSet, Any, int]] = {}
        found = {id(entry): entry for entry in self.blocks.overlapping(remaining.iter_cidrs())}
        for block, _, route in sorted(found.values(), key=lambda e: (-e[0].prefixlen, e[1])):
            if not remaining:
                break
            part = remaining & IPSet([block])
            if not part:
                continue
            remaining -= part
            held = parts.get(id(route))
            parts[id(route)] = (held[0] | part, route, held[2]) if held else (part, route, block.prefixlen)
        decided = list(parts.values())
        if remaining:
            decided.append((remaining, None, -1))
        return decided


@dataclass
class Propagated:
    """A route a propagation installs in a hub table."""

    attachment: Attachment
    target_kind: str = "attachment"

    @property
    def target(self) -> Attachment:
        return self.attachment


class _HubIndex:
    """For one hub: each table's routes (static and propagated) and whether
    its contents are only partly known."""

    def __init__(self, hub: Hub):
        entries: dict[int, list] = {id(t): [] for t in hub.route_tables}
        self.uncertain: dict[int, str] = {}
        for table in hub.route_tables:
            if not table.complete or not hub.complete:
                self.uncertain[id(table)] = f"the routes of {table.address} are not all known"
            for route in table.routes:
                dest = route.destination
                if dest is None or dest.net is None:
                    if dest is None or not dest.error:
                        self.uncertain[id(table)] = f"{route.address} has a destination that is not known"
                    continue
                entries[id(table)].append((dest.range, 0, route))
        for attachment in hub.attachments:
            tables, partly = propagation_tables(attachment)
            if partly:
                for table in hub.route_tables:
                    self.uncertain.setdefault(id(table), f"where {attachment.address} propagates is not known")
            ranges = exported(attachment) if tables else IPSet()
            for table in tables:
                if id(table) not in entries:
                    continue
                if ranges is None:
                    self.uncertain.setdefault(id(table), f"what {attachment.address} propagates is not known")
                    continue
                entries[id(table)].extend((block, 1, Propagated(attachment)) for block in ranges.iter_cidrs())
        self.tables = {key: Lpm(found) for key, found in entries.items()}


_hub_indexes: "weakref.WeakKeyDictionary[Hub, tuple]" = weakref.WeakKeyDictionary()


def _hub_index(hub: Hub) -> _HubIndex:
    # rules run on a finished model: its hubs gain no attachment or table after
    signature = (len(hub.attachments), len(hub.route_tables))
    cached = _hub_indexes.get(hub)
    if cached is not None and cached[0] == signature:
        return cached[1]
    index = _HubIndex(hub)
    _hub_indexes[hub] = (signature, index)
    return index


def uncertainty(table: HubRouteTable) -> str | None:
    """Why routes ``table`` seems to lack may exist after all, if they may."""
    return _hub_index(table.hub).uncertain.get(id(table)) if table.hub is not None else "its hub is not known"


def hub_decide(table: HubRouteTable, dest: IPSet) -> tuple[list[tuple[IPSet, Any]], str | None]:
    """How ``table`` forwards ``dest``: (part, route) pairs (a HubRoute or a
    propagated route; None: no route), and why absent routes may exist, if they may."""
    hub = table.hub
    if hub is None:
        return [(IPSet(dest), None)], f"the hub of {table.address} is not known"
    index = _hub_index(hub)
    lpm = index.tables.get(id(table))
    if lpm is None:
        return [(IPSet(dest), None)], f"{table.address} is not a table of {hub.address}"
    return lpm.decide(dest), index.uncertain.get(id(table))


def vpc_lpm(table: RouteTable) -> Lpm | None:
    """The table's routes, its network's local routes and its routed
    container CIDRs (delivered to the nodes: rank 1, a written route wins);
    None when a destination is unknown."""
    network = table.network
    signature = (len(table.routes), None if network is None else (len(network.cidrs), len(network.clusters)))
    cached = _vpc_lpms.get(table)
    if cached is not None and cached[0] == signature:
        return cached[1]
    lpm: Lpm | None = None
    routes = routing._all_routes(table)
    if routes is not None and not any(r.destination is None or (r.destination.net is None and not r.destination.error)
                                      for r in routes):
        entries: list[tuple[IPNetwork, int, Any]] = [(r.destination.range, 0, r) for r in routes
                                                     if r.destination.net is not None]
        if network is not None:
            entries.extend((c.range, 1, Route(c.address, c.resource, destination=c, target_kind="local"))
                           for c in routed_pods(network))
        lpm = Lpm(entries)
    _vpc_lpms[table] = (signature, lpm)
    return lpm


_vpc_lpms: "weakref.WeakKeyDictionary[RouteTable, tuple]" = weakref.WeakKeyDictionary()
_installed: "weakref.WeakKeyDictionary[Attachment, Route]" = weakref.WeakKeyDictionary()


def installed_route(attachment: Attachment) -> Route:
    """The route a hub installs in an attachment's network (``installs_routes``):
    every destination its associated table holds goes to the hub."""
    route = _installed.get(attachment)
    if route is None:
        route = Route(f"{attachment.address} (routes the hub installs)", attachment.resource,
                      target_kind="transit", target=attachment.hub)
        route.destination = make_cidr(route, "destination", "route", "0.0.0.0/0")
        _installed[attachment] = route
    return route


def vpc_decide(table: RouteTable) -> Any:
    """A function splitting a destination by how ``table`` routes it: (part,
    route) pairs, route None for no route; None when the table's routes are
    not known. A route a hub installs (Azure vWAN, NCC) wins where its
    destination in the hub table is more specific than the table's own."""
    lpm = vpc_lpm(table)
    if lpm is None:
        return None
    network = table.network
    installing = [a for a in (network.attachments if network is not None else []) if a.installs_routes]

    def decide(dest: IPSet) -> list[tuple[IPSet, Any]]:
        decided = lpm.decide_prefixed(dest)
        for attachment in installing:
            hub_table = association_of(attachment)
            hub_lpm = _hub_index(hub_table.hub).tables.get(id(hub_table)) \
                if isinstance(hub_table, HubRouteTable) and hub_table.hub is not None else None
            if hub_lpm is None:
                continue
            overlaid = []
            for part, route, prefix in decided:
                for piece, hub_route, hub_prefix in hub_lpm.decide_prefixed(part):
                    wins = hub_route is not None and hub_route.target is not attachment and hub_prefix > prefix
                    overlaid.append((piece, installed_route(attachment), hub_prefix) if wins
                                    else (piece, route, prefix))
            decided = overlaid
        merged: dict[int, tuple[IPSet, Any]] = {}
        for part, route, _ in decided:
            held = merged.get(id(route))
            merged[id(route)] = (held[0] | part, route) if held else (part, route)
        return list(merged.values())

    return decide


def routed_pods(network: Network) -> list:
    """The container CIDRs of the network's clusters whose pods keep them:
    the network routes them to the nodes itself (CCE's vpc-router adds
    those routes), so they are delivered there like its own CIDRs."""
    return [c for cluster in network.clusters if cluster.pod_addressing == "routed"
            for c in cluster.container_cidrs if c.net is not None]


_held: "weakref.WeakKeyDictionary[Network, tuple]" = weakref.WeakKeyDictionary()


def holds(network: Network) -> IPSet | None:
    """What is delivered once in ``network``: its CIDRs and routed container CIDRs (once per network
    of a finished model: every hop into a spoke asks; callers never change the set)."""
    shape = (len(network.cidrs), len(network.clusters))
    cached = _held.get(network)
    if cached is not None and cached[0] == shape:
        return cached[1]
    own = routing.as_set(network.cidrs)
    held = None if own is None else own | IPSet(c.range for c in routed_pods(network))
    _held[network] = (shape, held)
    return held


_connected: "weakref.WeakKeyDictionary[Hub, tuple]" = weakref.WeakKeyDictionary()


def connected(hub: Hub) -> list[Hub]:
    """``hub`` and every hub its peering attachments reach, in order found
    (once per hub of a finished model: a hub has thousands of attachments)."""
    cached = _connected.get(hub)
    if cached is not None and cached[0] == len(hub.attachments):
        return cached[1]
    found, queue = [hub], [hub]
    while queue:
        for attachment in queue.pop().attachments:
            other = attachment.peer.hub if attachment.kind == "peering" and attachment.peer else None
            if other is not None and other not in found:
                found.append(other)
                queue.append(other)
    _connected[hub] = (len(hub.attachments), found)
    return found
