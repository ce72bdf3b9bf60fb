"""The questions rules ask of hubs: where what a network sends through a
hub surely fails, on the way there or back; where the replies to a routed
container CIDR fail; whether a table sends a destination to a hub."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from netaddr import IPNetwork, IPSet

from vpclint.analysis import routing
from vpclint.analysis.hops import Hop
from vpclint.analysis.index import BlockIndex
from vpclint.analysis.transit.tables import connected, exported, holds, installed_route
from vpclint.analysis.transit.walk import Leg, Walk, walk, walk_route
from vpclint.model import Attachment, Hub, HubRouteTable, Network, Route, RouteTable


@dataclass
class Gap:
    """A definite failure on a path through a hub: the hop that fails and
    the path up to it."""

    leg: Leg
    hub: Hub
    sender: Network
    destination: IPSet
    back: bool  # it fails on the way back

    @property
    def hop(self) -> Hop:
        return self.leg.hops[-1]


def _hub_routes(network: Network) -> list[tuple[RouteTable, Route]]:
    """The routes of ``network`` (written, or installed by a hub) whose next hop is a hub."""
    found = []
    installing = [a for a in network.attachments if a.installs_routes and a.hub is not None]
    for table in network.route_tables:
        for route in table.routes:
            if route.target_kind == "transit" and isinstance(route.target, Hub):
                found.append((table, route))
        found.extend((table, installed_route(a)) for a in installing)
    return found


class _Component:
    """The networks attached to a hub and the hubs it peers with, by the
    blocks they hold (their CIDRs and routed container CIDRs)."""

    def __init__(self, hub: Hub):
        self.blocks = BlockIndex()
        seen: set[int] = set()
        for each in connected(hub):
            for attachment in each.attachments:
                network = attachment.network
                if attachment.kind != "vpc" or network is None or id(network) in seen:
                    continue
                seen.add(id(network))
                held = holds(network)
                for block in (held.iter_cidrs() if held is not None else ()):
                    self.blocks.add(block, network)
        self.blocks.freeze()

    def named(self, dest: IPNetwork, sender: Network) -> Network | None:
        """The one network behind the hub that ``dest`` names, if it names
        exactly one (besides the sender): a route for a summary covering
        several may leave some of them out by design (segmentation)."""
        found = None
        for network in self.blocks.each_overlapping([dest]):
            if network is sender or network is found:
                continue
            if found is not None:
                return None  # a second one: a summary
            found = network
        return found


_components: "weakref.WeakKeyDictionary[Hub, tuple]" = weakref.WeakKeyDictionary()


def _component(hub: Hub) -> _Component:
    signature = len(hub.attachments)
    cached = _components.get(hub)
    if cached is None or cached[0] != signature:
        cached = _components[hub] = (signature, _Component(hub))
    return cached[1]


def _named(route: Route, network: Network) -> tuple[Network, IPSet] | None:
    """The network a hub route of ``network`` names and the part of it the
    route covers; None for a summary of several networks, or none, or a
    destination not known before apply."""
    if route.destination is None or route.destination.range is None:
        return None
    other = _component(route.target).named(route.destination.range, network)
    held = holds(other) if other is not None else None
    if held is None:
        return None
    return other, held & IPSet([route.destination.range])


def _senders(table: RouteTable) -> IPSet | None:
    """The ranges of the subnets ``table`` serves: where what it sends comes
    from, and so where replies must find their way back to."""
    network = table.network
    subnets = list(table.subnets)
    if table.default and network is not None:
        subnets += [s for s in network.subnets if s.route_table is None]
    ranges = [s.cidr for s in subnets if s.cidr is not None]
    if any(c.net is None for c in ranges):
        return None
    return IPSet(c.range for c in ranges)


def _back(there: Network, home: Network, hub: Hub, ranges: IPSet | None) -> list[Leg]:
    """The failing legs of ``ranges`` sent back from ``there`` towards ``home``."""
    if ranges is None or not there.managed:
        return []
    failing = []
    for table in routing.tables_for_peering(there, hub):
        failing.extend(leg for leg in walk(table, ranges, via=hub) if leg.verdict == "fail")
    return failing


def hub_gaps(network: Network, hub: Hub | None = None) -> list[Gap]:
    """Where what ``network`` sends to a hub (``hub``, or any) fails: at the
    hub (no route, a blackhole, no association, a loop) or on the way back.

    Only routes that name one network behind the hub are judged: a hub that
    does not carry part of a summary route (10.0.0.0/8) may isolate spokes
    on purpose, and checking every pair a summary covers grows with the
    square of the spokes. ``expect:`` entries check such paths one by one.
    """
    if not network.managed:
        return []
    gaps: list[Gap] = []
    for table, route in _hub_routes(network):
        if hub is not None and route.target is not hub:
            continue
        named = _named(route, network)
        if named is None:
            continue
        senders = _senders(table)
        # replies are owed to what the network announces to the hub: a range its
        # attachment filters out of export (an NCC spoke's) is kept home on purpose
        announced = [exported(a) for a in network.attachments if a.hub is route.target and a.kind == "vpc"]
        if senders and len(announced) == 1 and announced[0] is not None:
            senders = senders & announced[0]
        for leg in walk_route(table, route, named[1]):
            if leg.verdict == "fail":
                gaps.append(Gap(leg, route.target, network, leg.ranges, False))
            elif leg.verdict == "pass" and leg.end is not None and leg.end is not network and senders:
                gaps.extend(Gap(back, route.target, network, leg.ranges, True)
                            for back in _back(leg.end, network, route.target, senders))
    return _unique(gaps)


_gaps: "weakref.WeakKeyDictionary[Network, list[Gap]]" = weakref.WeakKeyDictionary()


def cached_gaps(network: Network) -> list[Gap]:
    """``hub_gaps(network)``, computed once per (finished) model."""
    found = _gaps.get(network)
    if found is None:
        found = _gaps[network] = hub_gaps(network)
    return found




def gap_hub(gap: Gap) -> Hub:
    """The hub a gap belongs to: the hub of the failing table or attachment,
    else the hub the sender's route named."""
    element = gap.hop.element
    if isinstance(element, (HubRouteTable, Attachment)) and element.hub is not None:
        return element.hub
    return gap.hub


def pod_gaps(network: Network, pods: IPSet) -> list[Gap]:
    """Where the way back to ``pods`` (container CIDRs of a cluster in
    ``network``) fails from the networks its hub routes deliver to."""
    gaps: list[Gap] = []
    for table, route in _hub_routes(network):
        named = _named(route, network)
        if named is None:
            continue
        for leg in walk_route(table, route, named[1]):
            there = leg.end
            if leg.verdict != "pass" or there is None or there is network or not there.managed:
                continue
            gaps.extend(Gap(back, route.target, network, leg.ranges, True)
                        for back in _back(there, network, route.target, pods))
            # the hub's part, even while the VPC route before it is missing too
            arrived = next((h.element for h in reversed(leg.hops) if isinstance(h.element, Attachment)
                            and h.element.network is there), None)
            if arrived is not None and not arrived.installs_routes:  # else the way back above is the hub's
                found = Walk(arrived.hub)
                found.hub(arrived, pods, [], frozenset())
                gaps.extend(Gap(back, route.target, network, leg.ranges, True)
                            for back in found.legs if back.verdict == "fail")
    return _unique(gaps)


def _unique(gaps: list[Gap]) -> list[Gap]:
    seen: set[tuple] = set()
    found = []
    for gap in gaps:
        key = (id(gap.hop.element), gap.hop.detail)
        if key not in seen:
            seen.add(key)
            found.append(gap)
    return found


def sent_to_hub(table: RouteTable, ranges: IPSet) -> bool:
    """Whether ``table`` sends all of ``ranges`` to a hub: the way there is
    the hub's (``transit_route_missing`` judges it), and a peering route for
    the same destination would duplicate a route the table has."""
    legs = walk(table, ranges)
    return bool(legs) and all(any(h.name.startswith("hub") for h in leg.hops) for leg in legs)


_reached: "weakref.WeakKeyDictionary[Network, list[Network]]" = weakref.WeakKeyDictionary()


def reached(network: Network | None) -> list[Network]:
    """The networks ``network``'s routes that name one network behind a hub
    deliver to (pods show them the address they show a peered VPC)."""
    if network is None:
        return []
    found = _reached.get(network)
    if found is None:
        found = []
        for table, route in _hub_routes(network):
            named = _named(route, network)
            if named is None:
                continue
            for leg in walk_route(table, route, named[1]):
                if leg.verdict == "pass" and leg.end is not None and leg.end is not network and leg.end not in found:
                    found.append(leg.end)
        _reached[network] = found
    return found
