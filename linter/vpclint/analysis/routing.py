"""Routing questions over the model: which table serves a subnet, and which
addresses a table sends through a given peering (longest-prefix match).

Answers are netaddr ``IPSet``s, or ``None`` when the configuration does not
say enough to decide (a route whose destination or target is unknown, a
table whose routes are managed elsewhere).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Iterable, Iterator

from netaddr import IPSet

from vpclint.analysis.index import BlockIndex
from vpclint.model import Cidr, Network, Peering, Route, RouteTable, Subnet
from vpclint.values import Unknown


def default_table(network: Network | None) -> RouteTable | None:
    """The table that serves subnets without an association (AWS main, Huawei default)."""
    if network is None:
        return None
    for table in network.route_tables:
        if table.default:
            return table
    return None


def serving_table(subnet: Subnet) -> RouteTable | None:
    """The route table a subnet's outbound traffic uses."""
    return subnet.route_table or default_table(subnet.network)


def as_set(cidrs: Iterable[Cidr]) -> IPSet | None:
    """The union of known ranges; None if any is unknown or malformed."""
    ranges = []
    for cidr in cidrs:
        if cidr.net is None:
            return None
        ranges.append(cidr.range)
    return IPSet(ranges)


def targets(route: Route, via: Peering) -> bool | None:
    """Whether ``route`` sends traffic through ``via``; None when unknown."""
    if route.target is via:
        return True
    if isinstance(route.target, Unknown):
        return None if route.target_kind in ("peering", "unknown") else False
    if isinstance(route.target, str) and via.resource is not None:
        known_id = via.resource.values.get("id")
        if isinstance(known_id, str) and route.target == known_id:
            return True
        if route.target_kind == "peering" and not isinstance(known_id, str):
            return None  # an id string we cannot match to a peering created here
    return False


def _all_routes(table: RouteTable) -> list[Route] | None:
    """The table's routes plus the implicit local routes of its VPC."""
    routes = list(table.routes)
    if table.network is not None:
        for cidr in table.network.cidrs:
            if cidr.net is None:
                return None
            routes.append(Route(table.address, table.resource, destination=cidr, target_kind="local"))
    return routes


def _specificity(route: Route) -> int:
    """Sort key: unknown destinations first (they might be the most specific), then longest prefix."""
    dest = route.destination
    if dest is None or dest.net is None:
        return -999
    return -dest.net.prefixlen


def through(table: RouteTable, ranges: IPSet, via: Peering) -> IPSet | None:
    """The part of ``ranges`` that ``table`` sends through ``via``.

    Longest-prefix match: a more specific route decides for its addresses.
    None when a route that could decide is unknown. Only the routes whose
    destination overlaps ``ranges`` can decide; the table's index finds them
    without a pass over all its routes.
    """
    if not table.complete or (table.network is not None and not table.network.routes_complete):
        return None
    index = _route_index(table)
    if index is None:
        return None
    remaining, covered = IPSet(ranges), IPSet()
    if not remaining:
        return covered
    if index.unknown:
        return None  # an unknown destination might be the most specific route
    for _, route in sorted(set(index.blocks.overlapping(remaining.iter_cidrs())), key=lambda item: item[0]):
        if not remaining:
            break
        part = remaining & IPSet([route.destination.range])
        if not part:
            continue
        verdict = targets(route, via)
        if verdict is None:
            return None
        if verdict:
            covered |= part
        remaining -= part
    return covered


class _RouteIndex:
    """A table's routes (its own and the implicit local ones), most specific
    first, by destination block; ``unknown`` when a destination is unknown."""

    def __init__(self, routes: list[Route]):
        self.unknown = False
        self.blocks = BlockIndex()
        for rank, route in enumerate(sorted(routes, key=_specificity)):
            dest = route.destination
            if dest is None or dest.net is None:
                if dest is None or not dest.error:  # a malformed route routes nothing
                    self.unknown = True
                continue
            self.blocks.add(dest.range, (rank, route))
        self.blocks.freeze()


_route_indexes: "weakref.WeakKeyDictionary[RouteTable, tuple]" = weakref.WeakKeyDictionary()


def _route_index(table: RouteTable) -> _RouteIndex | None:
    """The route index of ``table``, built once (rebuilt if its routes or its VPC's CIDRs change in number)."""
    network = table.network
    signature = (id(table.routes), len(table.routes), id(network),
                 None if network is None else (id(network.cidrs), len(network.cidrs)))
    cached = _route_indexes.get(table)
    if cached is not None and cached[0] == signature:
        return cached[1]
    routes = _all_routes(table)
    index = None if routes is None else _RouteIndex(routes)
    _route_indexes[table] = (signature, index)
    return index


def any_route_through(network: Network, ranges: IPSet, via: Peering) -> bool | None:
    """Whether any table of ``network`` sends some of ``ranges`` through ``via``."""
    unknown = False
    for table in network.route_tables:
        covered = through(table, ranges, via)
        if covered is None:
            unknown = True
        elif covered:
            return True
    return None if unknown else False


def routes_back(peer: Network, via: Peering, ranges: IPSet) -> Iterator[tuple[RouteTable, IPSet]]:
    """The tables of ``peer`` that do not send all of ``ranges`` back through
    ``via``, each with the part it misses (tables whose routes are unknown say nothing)."""
    for table in tables_for_peering(peer, via):
        covered = through(table, ranges, via)
        if covered is not None and ranges - covered:
            yield table, ranges - covered


def tables_for_peering(network: Network, via: Peering) -> list[RouteTable]:
    """The tables of ``network`` that must route back through ``via``.

    Those already holding a route through the peering (set up for it);
    else those serving the network's subnets; else its default table.
    """
    using = _tables_by_target(network).get(id(via))
    if using:
        return list(using)
    default = default_table(network)
    serving: list[RouteTable] = []
    seen: set[int] = set()
    for subnet in network.subnets:
        table = subnet.route_table or default
        if table is not None and id(table) not in seen:
            seen.add(id(table))
            serving.append(table)
    if serving:
        return serving
    return [default] if default is not None else []


_tables_by_targets: "weakref.WeakKeyDictionary[Network, tuple]" = weakref.WeakKeyDictionary()


def _tables_by_target(network: Network) -> dict[int, list[RouteTable]]:
    """id(target) -> the tables of ``network`` holding a route to it, in table order (built once)."""
    signature = (id(network.route_tables), len(network.route_tables))
    cached = _tables_by_targets.get(network)
    if cached is not None and cached[0] == signature:
        return cached[1]
    found: dict[int, list[RouteTable]] = {}
    for table in network.route_tables:
        for target in {id(route.target) for route in table.routes}:
            found.setdefault(target, []).append(table)
    _tables_by_targets[network] = (signature, found)
    return found


def active_peerings(network: Network) -> list[tuple[Peering, Network]]:
    """Peerings of ``network`` known to be active, with their other end."""
    return [(p, p.other_end(network)) for p in network.peerings
            if p.state == "active" and p.other_end(network) is not None]


def peering_between(a: Network, b: Network) -> Peering | None:
    for peering in a.peerings:
        if peering.other_end(a) is b:
            return peering
    return None


# the private and shared address space (RFC 1918, RFC 6598): never reached through a NAT gateway
PRIVATE = IPSet(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"])


@dataclass
class Beyond:
    """A route through a peering whose destination lies wholly outside what
    the peering's other end holds: peerings are not transitive, so it never
    delivers. ``ranges``: what the route decides (its destination less the
    more specific routes of its table; on a peering that carries public
    destinations further, its private part only)."""

    table: RouteTable
    route: Route
    peering: Peering
    other: Network
    ranges: IPSet


_beyond: "weakref.WeakKeyDictionary[RouteTable, tuple]" = weakref.WeakKeyDictionary()


def beyond_peer(table: RouteTable) -> list[Beyond]:
    """The routes of ``table`` through a peering that can deliver none of what
    they decide. A route that covers part of the other end (a summary route)
    is not one; nor is one whose table, other end or range is not fully known."""
    signature = (id(table.routes), len(table.routes))
    cached = _beyond.get(table)
    if cached is None or cached[0] != signature:
        cached = _beyond[table] = (signature, _beyond_peer(table))
    return cached[1]


def _beyond_peer(table: RouteTable) -> list[Beyond]:
    from vpclint.analysis.transit.tables import holds  # transit builds on this module

    network = table.network
    index = _route_index(table)
    if network is None or index is None or index.unknown:
        return []
    found = []
    for route in table.routes:
        peering = route.target
        if route.target_kind != "peering" or not isinstance(peering, Peering) or route.destination is None \
                or route.destination.net is None or peering.state != "active":
            continue
        other = peering.other_end(network)
        held = holds(other) if other is not None and other.managed else None
        if held is None:
            continue
        decided = IPSet([route.destination.range])
        for _, rival in index.blocks.overlapping([route.destination.range]):
            if rival.destination.net.prefixlen > route.destination.net.prefixlen:
                decided -= IPSet([rival.destination.range])
        if peering.delivers_beyond == "public":
            decided &= PRIVATE
        if not decided or IPSet([route.destination.range]) & held:
            continue
        onward = _sent_onward(other, decided)
        if onward is not None and decided - onward:
            found.append(Beyond(table, route, peering, other, decided - onward))
    return found


def _sent_onward(network: Network, ranges: IPSet) -> IPSet | None:
    """The part of ``ranges`` that a table of ``network`` sends on through
    anything but a peering (a VPN or Direct Connect gateway, a NAT gateway, a
    hub, an appliance): whether the peering carries it there (gateway
    transit, edge-to-edge routing) is not judged here. None when the
    network's routes are not all known."""
    if not network.routes_complete or not network.route_tables:
        return None
    onward = IPSet()
    for table in network.route_tables:
        if not table.complete:
            return None
        for route in table.routes:
            dest = route.destination
            if dest is None or dest.net is None:
                return None
            if route.target_kind != "peering":
                onward |= IPSet([dest.range]) & ranges
    return onward


def holders(networks: Iterable[Network], ranges: IPSet) -> list[Network]:
    """The networks whose CIDRs overlap ``ranges``."""
    return [n for n in networks if n.cidrs and (held := as_set(n.cidrs)) is not None and held & ranges]
