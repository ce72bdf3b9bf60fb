"""Routing as a chain of next hops, through peerings and transit hubs.

From a VPC route table: the longest prefix decides; a local route delivers
in the table's network; a peering delivers in the network at its other end;
a hub hands the packet to the route table associated with the sending
attachment, whose longest prefix (static routes, then what attachments
propagate) picks the next attachment: a network (delivered there, or
forwarded on by the route tables of the attachment's subnets), or another
hub over a peering attachment (looked up again in the table associated with
that side). Any next hop vpclint does not model (a VPN, an internet or NAT
gateway, an appliance) ends the path as unknown — never as a failure. A
missing route, a blackhole, a missing association or a loop ends it as a
failure with the element and the destination that failed.

A walk splits the destination where routes split it: each ``Leg`` is one
part with the hops it crossed and how it ended.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from netaddr import IPNetwork, IPSet

from vpclint.analysis import routing
from vpclint.analysis.hops import Hop
from vpclint.analysis.index import BlockIndex
from vpclint.analysis.security import show_set
from vpclint.model import Attachment, Hub, HubRouteTable, Network, Peering, Route, RouteTable
from vpclint.providers import snippet
from vpclint.values import Ref, Unknown

MAX_HOPS = 32


@dataclass
class Leg:
    """One part of a destination and the way it went."""

    ranges: IPSet
    hops: list[Hop] = field(default_factory=list)
    verdict: str = "pass"  # pass (delivered), fail, unknown
    end: Network | None = None  # where it was delivered

    @property
    def failure(self) -> Hop | None:
        return self.hops[-1] if self.verdict == "fail" and self.hops else None


# -- associations, propagations, exports ---------------------------------------

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


# -- longest-prefix decisions ----------------------------------------------------

class _Lpm:
    """Routes by destination block; ``decide`` splits a destination by its longest-prefix route.

    Entries are (block, rank, route): on equal prefixes the lower rank wins
    (a static hub route before a propagated one).
    """

    def __init__(self, entries: list[tuple[IPNetwork, int, Any]]):
        self.entries = entries
        self.blocks = BlockIndex()
        for block, rank, route in entries:
            self.blocks.add(block, (block, rank, route))
        self.blocks.freeze()

    def decide(self, dest: IPSet) -> list[tuple[IPSet, Any]]:
        """(part, route) pairs, most specific first; route None for a part no route covers."""
        remaining = IPSet(dest)
        parts: dict[int, tuple[IPSet, Any]] = {}
        found = {id(entry): entry for entry in self.blocks.overlapping(remaining.iter_cidrs())}
        for block, _, route in sorted(found.values(), key=lambda e: (-e[0].prefixlen, e[1])):
            if not remaining:
                break
            part = remaining & IPSet([block])
            if not part:
                continue
            remaining -= part
            held = parts.get(id(route))
            parts[id(route)] = (held[0] | part, route) if held else (part, route)
        decided = list(parts.values())
        if remaining:
            decided.append((remaining, None))
        return decided


@dataclass
class _Propagated:
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
                entries[id(table)].extend((block, 1, _Propagated(attachment)) for block in ranges.iter_cidrs())
        self.tables = {key: _Lpm(found) for key, found in entries.items()}


_hub_indexes: "weakref.WeakKeyDictionary[Hub, tuple]" = weakref.WeakKeyDictionary()


def _hub_index(hub: Hub) -> _HubIndex:
    signature = (len(hub.attachments), len(hub.route_tables), sum(len(t.routes) for t in hub.route_tables),
                 sum(len(a.network.cidrs) for a in hub.attachments if a.network is not None))
    cached = _hub_indexes.get(hub)
    if cached is not None and cached[0] == signature:
        return cached[1]
    index = _HubIndex(hub)
    _hub_indexes[hub] = (signature, index)
    return index


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


_installed: "weakref.WeakKeyDictionary[RouteTable, tuple]" = weakref.WeakKeyDictionary()


def _vpc_lpm(table: RouteTable) -> _Lpm | None:
    """The table's routes, its network's local routes and the routes hubs
    install in the network (rank 1: a route written in the table wins); None
    when a destination is unknown."""
    network = table.network
    attachments = network.attachments if network is not None else []
    signature = (len(table.routes), None if network is None else (len(network.cidrs), len(attachments),
                                                                  len(network.clusters)))
    cached = _installed.get(table)
    if cached is not None and cached[0] == signature:
        return cached[1]
    entries: list[tuple[IPNetwork, int, Any]] = []
    lpm: _Lpm | None = None
    routes = routing._all_routes(table)
    if routes is not None and not any(r.destination is None or (r.destination.net is None and not r.destination.error)
                                      for r in routes):
        entries = [(r.destination.range, 0, r) for r in routes if r.destination.net is not None]
        if network is not None:
            entries.extend((c.range, 1, Route(c.address, c.resource, destination=c, target_kind="local"))
                           for c in _routed_pods(network))
        for attachment in attachments:
            if attachment.installs_routes:
                entries.extend((block, 1, Route(f"{attachment.address} (installed routes)", attachment.resource,
                                                target_kind="transit", target=attachment.hub))
                               for block in _installed_blocks(attachment))
        lpm = _Lpm(entries)
    _installed[table] = (signature, lpm)
    return lpm


def _installed_blocks(attachment: Attachment) -> list[IPNetwork]:
    """The destinations the attachment's associated table holds, except its own."""
    table = association_of(attachment)
    if not isinstance(table, HubRouteTable) or table.hub is None:
        return []
    blocks: list[IPNetwork] = []
    lpm = _hub_index(table.hub).tables.get(id(table))
    for block, _, route in (lpm.entries if lpm is not None else []):
        if route.target is not attachment:
            blocks.append(block)
    return blocks


# -- the walk --------------------------------------------------------------------------

class _Walk:
    def __init__(self, via: Hub | None = None) -> None:
        self.legs: list[Leg] = []
        self.via = via  # the hub a VPC table lacking a route should send to (its fix)

    def end(self, ranges: IPSet, hops: list[Hop], verdict: str, end: Network | None = None) -> None:
        self.legs.append(Leg(IPSet(ranges), hops, verdict, end))

    # a VPC route table
    def table(self, table: RouteTable, dest: IPSet, hops: list[Hop], seen: frozenset) -> None:
        network = table.network
        if id(table) in seen:
            self.end(dest, hops + [Hop("route", "fail", f"routing loop: {show_set(dest)} comes back to "
                                       f"{table.address}", table, extra=_missing(table, dest))], "fail")
            return
        if len(hops) >= MAX_HOPS:
            self.end(dest, hops + [Hop("route", "unknown", "the path is too long to follow", table)], "unknown")
            return
        seen = seen | {id(table)}
        lpm = _vpc_lpm(table)
        if lpm is None or not table.complete or (network is not None and not network.routes_complete):
            self.end(dest, hops + [Hop("route", "unknown", f"{table.address} has routes not known", table)],
                     "unknown")
            return
        for part, route in lpm.decide(dest):
            shown = show_set(part)
            if route is None:
                fix = vpc_hub_route_fix(table, [str(c) for c in part.iter_cidrs()], self.via) if self.via else None
                self.end(part, hops + [Hop("route", "fail", f"{table.address} has no route for {shown}", table,
                                           fix=fix, extra=_missing(table, part))], "fail")
            elif route.target_kind == "local":
                self.end(part, hops + [Hop("route", "pass", f"{shown} lies in {network.name}", table)], "pass",
                         network)
            elif route.target_kind == "peering" and isinstance(route.target, Peering):
                self.peering(table, route.target, part, hops, seen)
            elif route.target_kind == "transit" and isinstance(route.target, Hub):
                self.into_hub(table, route, part, hops, seen)
            elif route.target_kind in ("peering", "transit", "unknown"):
                self.end(part, hops + [Hop("route", "unknown", f"{table.address} sends {shown} to a next hop not "
                                           f"known here ({_show_target(route.target)})", table)], "unknown")
            else:
                self.end(part, hops + [Hop("route", "unknown", f"{table.address} sends {shown} to a "
                                           f"{route.target_kind} ({_show_target(route.target)}), which vpclint "
                                           "does not follow", table)], "unknown")

    def peering(self, table: RouteTable, peering: Peering, part: IPSet, hops: list[Hop], seen: frozenset) -> None:
        shown = show_set(part)
        step = hops + [Hop("route", "pass", f"{table.address} sends {shown} through {peering.address}", table)]
        if peering.state != "active":
            known = isinstance(peering.state, str)
            verdict = "fail" if known else "unknown"
            state = peering.state if known else "not known to be active"
            self.end(part, step + [Hop("peering", verdict, f"{peering.address} is {state}", peering)], verdict)
            return
        other = peering.other_end(table.network) if table.network is not None else None
        if other is None:
            self.end(part, step + [Hop("peering", "unknown", f"the other end of {peering.address} is not known",
                                       peering)], "unknown")
            return
        inside = _holds(other)
        if inside is None:
            self.end(part, step + [Hop("peering", "unknown", f"the CIDRs of {other.name} are not known", peering)],
                     "unknown")
        elif part - inside:
            self.end(part, step + [Hop("peering", "fail", f"{peering.address} delivers only to {other.name}; "
                                       f"{show_set(part - inside)} lies beyond it (peerings are not transitive)",
                                       peering)], "fail")
        else:
            self.end(part, step + [Hop("peering", "pass", f"{peering.address} delivers {shown} in {other.name}",
                                       peering)], "pass", other)

    def into_hub(self, table: RouteTable, route: Route, part: IPSet, hops: list[Hop], seen: frozenset) -> None:
        hub, network = route.target, table.network
        shown = show_set(part)
        step = hops + [Hop("route", "pass", f"{table.address} sends {shown} to {hub.address}", table)]
        mine = [a for a in (network.attachments if network is not None else []) if a.hub is hub and a.kind == "vpc"]
        if not mine:
            sure = hub.complete and hub.managed and network is not None and network.managed
            verdict = "fail" if sure else "unknown"
            self.end(part, step + [Hop("hub attachment", verdict, f"{network.name if network else 'the VPC'} has "
                                       f"no attachment on {hub.address}", hub)], verdict)
            return
        self.hub(mine[0], part, step, seen)

    def hub(self, attachment: Attachment, part: IPSet, hops: list[Hop], seen: frozenset) -> None:
        """``part`` arrives at ``attachment``'s hub from ``attachment``."""
        hub = attachment.hub
        if attachment.state != "active":
            known = isinstance(attachment.state, str)
            verdict = "fail" if known else "unknown"
            state = attachment.state if known else "not known to be active"
            self.end(part, hops + [Hop("hub attachment", verdict, f"{attachment.address} is {state}",
                                       attachment)], verdict)
            return
        table = association_of(attachment)
        if not isinstance(table, HubRouteTable):
            sure = table is None and hub is not None and hub.complete
            why = (f"{attachment.address} is associated with no route table of {hub.address if hub else 'its hub'}"
                   if table is None else f"the route table {attachment.address} is associated with is not known")
            self.end(part, hops + [Hop("hub route table", "fail" if sure else "unknown", why, attachment,
                                       extra=_hub_missing(hub, None, part))], "fail" if sure else "unknown")
            return
        if id(table) in seen:
            self.end(part, hops + [Hop("hub route table", "fail", f"routing loop: {show_set(part)} comes back to "
                                       f"{table.address}", table, extra=_hub_missing(hub, table, part))], "fail")
            return
        if len(hops) >= MAX_HOPS:
            self.end(part, hops + [Hop("hub route table", "unknown", "the path is too long to follow", table)],
                     "unknown")
            return
        seen = seen | {id(table)}
        decided, uncertain = hub_decide(table, part)
        of = "" if table.address.startswith(f"{hub.address} ") else f" of {hub.address}"
        where = f"{table.address}{of} (serving {attachment.address})"
        for piece, route in decided:
            shown = show_set(piece)
            if route is None or route.target_kind == "blackhole":
                what = "has no route for" if route is None else f"drops ({route.address}, a blackhole route)"
                verdict = "unknown" if uncertain else "fail"
                detail = f"{where} {what} {shown}" + (f"; {uncertain}" if uncertain else "")
                fix = hub_route_fix(table, [str(c) for c in piece.iter_cidrs()], toward(hub, owner(hub, piece)))
                self.end(piece, hops + [Hop("hub route table", verdict, detail, table, fix=fix,
                                            extra=_hub_missing(hub, table, piece))], verdict)
                continue
            target = route.target
            if route.target_kind != "attachment" or not isinstance(target, Attachment):
                self.end(piece, hops + [Hop("hub route table", "unknown", f"{where} sends {shown} to a next hop "
                                            f"not known here ({_show_target(target)})", table)], "unknown")
                continue
            how = "propagated" if isinstance(route, _Propagated) else f"static, {route.address}"
            step = hops + [Hop("hub route table", "pass", f"{where} sends {shown} to {target.address} ({how})",
                               table)]
            self.attachment_out(target, piece, step, seen)

    def attachment_out(self, attachment: Attachment, part: IPSet, hops: list[Hop], seen: frozenset) -> None:
        """``part`` leaves a hub through ``attachment``."""
        shown = show_set(part)
        if attachment.state != "active":
            known = isinstance(attachment.state, str)
            verdict = "fail" if known else "unknown"
            state = attachment.state if known else "not known to be active"
            self.end(part, hops + [Hop("hub attachment", verdict, f"{attachment.address} is {state}", attachment)],
                     verdict)
            return
        if attachment.kind == "peering":
            peer = attachment.peer
            if peer is None or peer.hub is None:
                self.end(part, hops + [Hop("hub peering", "unknown", f"the other side of {attachment.address} is "
                                           "not known", attachment)], "unknown")
                return
            self.hub(peer, part, hops + [Hop("hub peering", "pass", f"{attachment.address} carries {shown} to "
                                             f"{peer.hub.address}", attachment)], seen)
            return
        network = attachment.network
        if attachment.kind != "vpc" or network is None:
            self.end(part, hops + [Hop("hub attachment", "unknown", f"{attachment.address} leads to a "
                                       f"{attachment.kind if attachment.kind != 'vpc' else 'network'} vpclint does "
                                       "not follow", attachment)], "unknown")
            return
        inside = _holds(network)
        if inside is not None and not part - inside:
            self.end(part, hops + [Hop("hub attachment", "pass", f"{attachment.address} delivers {shown} in "
                                       f"{network.name}", attachment)], "pass", network)
            return
        # not the network's own addresses: its route tables forward it on
        tables = []
        for subnet in attachment.subnets:
            found = routing.serving_table(subnet)
            if found is not None and found not in tables:
                tables.append(found)
        step = hops + [Hop("hub attachment", "pass", f"{attachment.address} hands {shown} to {network.name}",
                           attachment)]
        if len(tables) != 1:
            self.end(part, step + [Hop("route", "unknown", f"which route table of {network.name} forwards what "
                                       f"arrives from {attachment.address} is not known", network)], "unknown")
            return
        self.table(tables[0], part, step, seen)


def _routed_pods(network: Network) -> list:
    """The container CIDRs of the network's clusters whose pods keep them:
    the network routes them to the nodes itself (CCE's vpc-router adds
    those routes), so they are delivered there like its own CIDRs."""
    return [c for cluster in network.clusters if cluster.pod_addressing == "routed"
            for c in cluster.container_cidrs if c.net is not None]


def _holds(network: Network) -> IPSet | None:
    """What is delivered once in ``network``: its CIDRs and routed container CIDRs."""
    own = routing.as_set(network.cidrs)
    return None if own is None else own | IPSet(c.range for c in _routed_pods(network))


def walk(table: RouteTable, dest: IPSet, via: Hub | None = None) -> list[Leg]:
    """Every part of ``dest`` sent from ``table``, hop by hop (``via``: the
    hub a missing VPC route should send to, for its fix)."""
    found = _Walk(via)
    found.table(table, IPSet(dest), [], frozenset())
    return found.legs


def walk_route(table: RouteTable, route: Route) -> list[Leg]:
    """The parts of ``route``'s destination that ``table`` sends by ``route`` (a
    route to a hub), hop by hop from the hub on."""
    lpm = _vpc_lpm(table)
    if lpm is None or route.destination is None or route.destination.net is None:
        return []
    found = _Walk(route.target if isinstance(route.target, Hub) else None)
    for part, chosen in lpm.decide(IPSet([route.destination.range])):
        if chosen is route:
            found.into_hub(table, route, part, [], frozenset({id(table)}))
    return found.legs


def _show_target(target: Any) -> str:
    if isinstance(target, Ref):
        return target.address
    if isinstance(target, Unknown):
        return f"unknown: {target.reason}"
    if hasattr(target, "address"):
        return target.address
    return str(target)


def _missing(table: RouteTable, part: IPSet) -> dict[str, Any]:
    return {"table": table.terraform_address, "destination": [str(c) for c in part.iter_cidrs()]}


def _hub_missing(hub: Hub | None, table: HubRouteTable | None, part: IPSet) -> dict[str, Any]:
    return {"hub": hub.terraform_address if hub is not None else None,
            "table": table.address if table is not None else None,
            "destination": [str(c) for c in part.iter_cidrs()]}


# -- what fixes a failure ---------------------------------------------------------------

def owner(hub: Hub, part: IPSet) -> Network | None:
    """The network attached to ``hub`` (or to a hub it peers with) whose
    CIDRs or clusters' container CIDRs hold ``part``."""
    hubs = [hub] + [a.peer.hub for a in hub.attachments if a.kind == "peering" and a.peer and a.peer.hub]
    for each in hubs:
        for attachment in each.attachments:
            network = attachment.network
            if network is None:
                continue
            ranges = [c for c in network.cidrs if c.net is not None]
            ranges += [c for cluster in network.clusters for c in cluster.container_cidrs if c.net is not None]
            if ranges and not part - IPSet(c.range for c in ranges):
                return network
    return None


def toward(hub: Hub, goal: Network | None) -> Attachment | None:
    """The attachment of ``hub`` that leads to ``goal``: its own attachment
    of the network, else a peering attachment whose other hub has one."""
    if goal is None:
        return None
    for attachment in hub.attachments:
        if attachment.kind == "vpc" and attachment.network is goal:
            return attachment
    for attachment in hub.attachments:
        peer = attachment.peer if attachment.kind == "peering" else None
        if peer is not None and peer.hub is not None and any(
                a.kind == "vpc" and a.network is goal for a in peer.hub.attachments):
            return attachment
    return None


def hub_route_fix(table: HubRouteTable, destinations: list[str], attachment: Attachment | None) -> str:
    """HCL for a static route in ``table`` to ``attachment`` (words where the provider has none)."""
    if attachment is None:
        return "\n".join(f"a static route for {d} in {table.address} to the attachment that leads there"
                         for d in destinations)
    implicit = table.address != table.terraform_address
    kind, where = ("hub_default_route", {"hub": table.terraform_address}) if implicit else \
        ("hub_route", {"table": table.terraform_address})
    return "\n".join(snippet(table, kind, destination=d, attachment=attachment.terraform_address,
                             name=_route_name(table, d), **where)
                     or f"a static route for {d} in {table.address} to {attachment.address}" for d in destinations)


def _route_name(table: Any, destination: str) -> str:
    """A resource name for a new route: ``<table>_to_10_1_0_0_16``."""
    base = table.resource.name if table.resource is not None else "hub"
    return re.sub(r"[^a-z0-9_]+", "_", f"{base}_to_{destination}".lower())


def vpc_hub_route_fix(table: RouteTable, destinations: list[str], hub: Hub) -> str:
    """HCL for a route in a VPC table sending ``destinations`` to ``hub``."""
    owner = table.terraform_address
    kind, where = ("hub_vpc_route", {"table": owner}) if table.address == owner else \
        ("hub_vpc_default_route", {"network": owner})
    return "\n".join(snippet(table, kind, destination=d, hub=hub.terraform_address, name=_route_name(table, d),
                             **where)
                     or f"a route for {d} to {hub.address} in {table.address}" for d in destinations)


# -- questions rules ask ----------------------------------------------------------------

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
    for table in network.route_tables:
        lpm = _vpc_lpm(table)
        if lpm is None:
            continue
        for _, _, route in lpm.entries:
            if route.target_kind == "transit" and isinstance(route.target, Hub):
                found.append((table, route))
    return found


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
    hub (no route, a blackhole, no association, a loop) or on the way back."""
    if not network.managed:
        return []
    gaps: list[Gap] = []
    own = routing.as_set(network.cidrs)
    for table, route in _hub_routes(network):
        if hub is not None and route.target is not hub:
            continue
        for leg in walk_route(table, route):
            if leg.verdict == "fail":
                gaps.append(Gap(leg, route.target, network, leg.ranges, False))
            elif leg.verdict == "pass" and leg.end is not None and leg.end is not network:
                gaps.extend(Gap(back, route.target, network, leg.ranges, True)
                            for back in _back(leg.end, network, route.target, own))
    return _unique(gaps)


_gaps: "weakref.WeakKeyDictionary[Network, list[Gap]]" = weakref.WeakKeyDictionary()


def cached_gaps(network: Network) -> list[Gap]:
    """``hub_gaps(network)``, computed once per (finished) model."""
    found = _gaps.get(network)
    if found is None:
        found = _gaps[network] = hub_gaps(network)
    return found


def connected(hub: Hub) -> list[Hub]:
    """``hub`` and every hub its peering attachments reach, in order found."""
    found, queue = [hub], [hub]
    while queue:
        for attachment in queue.pop().attachments:
            other = attachment.peer.hub if attachment.kind == "peering" and attachment.peer else None
            if other is not None and other not in found:
                found.append(other)
                queue.append(other)
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
        for leg in walk_route(table, route):
            there = leg.end
            if leg.verdict != "pass" or there is None or there is network or not there.managed:
                continue
            gaps.extend(Gap(back, route.target, network, leg.ranges, True)
                        for back in _back(there, network, route.target, pods))
            # the hub's part, even while the VPC route before it is missing too
            arrived = next((h.element for h in reversed(leg.hops) if isinstance(h.element, Attachment)
                            and h.element.network is there), None)
            if arrived is not None:
                found = _Walk(arrived.hub)
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
