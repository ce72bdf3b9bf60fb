"""The walk: a destination from a VPC route table, next hop after next
hop, split where routes split it; each part ends delivered, failed (with
the hop that failed) or unknown (a next hop vpclint does not follow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netaddr import IPSet

from vpclint.analysis import routing
from vpclint.analysis.hops import Hop
from vpclint.analysis.security import show_set
from vpclint.analysis.transit.fixes import hub_fix, vpc_hub_route_fix
from vpclint.analysis.transit.tables import Propagated, association_of, holds, hub_decide, uncertainty, vpc_decide
from vpclint.model import Attachment, Hub, HubRouteTable, Network, Peering, Route, RouteTable
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


class Walk:
    def __init__(self, via: Hub | None = None, goal: Network | None = None) -> None:
        self.legs: list[Leg] = []
        self.via = via  # the hub a VPC table lacking a route should send to (its fix)
        self.goal = goal  # the network the destination lies in, if the caller knows (a hub's fix may attach it)

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
        decide = vpc_decide(table)
        if decide is None or not table.complete or (network is not None and not network.routes_complete):
            self.end(dest, hops + [Hop("route", "unknown", f"{table.address} has routes not known", table)],
                     "unknown")
            return
        for part, route in decide(dest):
            shown = show_set(part)
            if route is None and self.installed_gap(table, part, hops):
                continue
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
            elif route.target_kind == "transit":
                self.end(part, hops + [Hop("hub", "unknown", f"{table.address} sends {shown} to a hub not known "
                                           f"here ({_show_target(route.target)})", table)], "unknown")
            elif route.target_kind in ("peering", "unknown"):
                self.end(part, hops + [Hop("route", "unknown", f"{table.address} sends {shown} to a next hop not "
                                           f"known here ({_show_target(route.target)})", table)], "unknown")
            else:
                self.end(part, hops + [Hop("route", "unknown", f"{table.address} sends {shown} to a "
                                           f"{route.target_kind} ({_show_target(route.target)}), which vpclint "
                                           "does not follow", table)], "unknown")

    def installed_gap(self, table: RouteTable, part: IPSet, hops: list[Hop]) -> bool:
        """A network whose routes a hub installs (Azure vWAN, NCC) misses a
        destination because the hub table serving it lacks it: that table is
        the failing hop, and the fix belongs to the hub, never to the VPC."""
        network = table.network
        for attachment in (network.attachments if network is not None else []):
            hub_table = association_of(attachment)
            if not attachment.installs_routes or not isinstance(hub_table, HubRouteTable) or hub_table.hub is None:
                continue
            hub = hub_table.hub
            uncertain = uncertainty(hub_table)
            verdict = "unknown" if uncertain else "fail"
            detail = (f"{hub_table.address} (serving {attachment.address}, whose routes {hub.address} installs in "
                      f"{network.name}) has no route for {show_set(part)}" + (f"; {uncertain}" if uncertain else ""))
            self.end(part, hops + [Hop("hub route table", verdict, detail, hub_table, fix=hub_fix(hub, hub_table, part, self.goal),
                                       extra=_hub_missing(hub, hub_table, part, attachment))], verdict)
            return True
        return False

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
        inside = holds(other)
        if inside is None:
            self.end(part, step + [Hop("peering", "unknown", f"the CIDRs of {other.name} are not known", peering)],
                     "unknown")
        elif part - inside:
            beyond = part - inside
            if peering.delivers_beyond == "public" and beyond - routing.PRIVATE:
                self.end(part, step + [Hop("peering", "unknown", f"{peering.address} may carry "
                                           f"{show_set(beyond - routing.PRIVATE)} beyond {other.name} through a NAT "
                                           "gateway shared over it, which vpclint does not follow", peering)],
                         "unknown")
                return
            shown_beyond = show_set(beyond)
            network = table.network.name if table.network is not None else "the VPC"
            self.end(part, step + [Hop("peering", "fail", f"{peering.address} delivers only to {other.name}; "
                                       f"{shown_beyond} lies beyond it (peerings are not transitive)", peering,
                                       fix=f"peer {network} directly with the VPC that holds {shown_beyond}, or "
                                       "attach both VPCs to a transit hub and route there")], "fail")
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

    def inactive(self, attachment: Attachment, part: IPSet, hops: list[Hop]) -> None:
        """``part`` meets ``attachment``, which is not (known to be) active: fail when its state is known."""
        known = isinstance(attachment.state, str)
        verdict = "fail" if known else "unknown"
        state = attachment.state if known else "not known to be active"
        why = f": {attachment.missing}" if attachment.missing else ""
        self.end(part, hops + [Hop("hub attachment", verdict, f"{attachment.address} is {state}{why}",
                                   attachment, fix=attachment.remedy or None)], verdict)

    def hub(self, attachment: Attachment, part: IPSet, hops: list[Hop], seen: frozenset) -> None:
        """``part`` arrives at ``attachment``'s hub from ``attachment``."""
        hub = attachment.hub
        if attachment.state != "active":
            self.inactive(attachment, part, hops)
            return
        table = association_of(attachment)
        if not isinstance(table, HubRouteTable):
            sure = table is None and hub is not None and hub.complete
            why = (f"{attachment.address} is associated with no route table of {hub.address if hub else 'its hub'}"
                   if table is None else f"the route table {attachment.address} is associated with is not known")
            self.end(part, hops + [Hop("hub route table", "fail" if sure else "unknown", why, attachment,
                                       extra=_hub_missing(hub, None, part, attachment))], "fail" if sure else "unknown")
            return
        if id(table) in seen:
            self.end(part, hops + [Hop("hub route table", "fail", f"routing loop: {show_set(part)} comes back to "
                                       f"{table.address}", table, extra=_hub_missing(hub, table, part, attachment))],
                     "fail")
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
                fix = _blackhole_fix(route, piece) or hub_fix(hub, table, piece, self.goal)
                self.end(piece, hops + [Hop("hub route table", verdict, detail, table, fix=fix,
                                            extra=_hub_missing(hub, table, piece, attachment))], verdict)
                continue
            target = route.target
            if route.target_kind != "attachment" or not isinstance(target, Attachment):
                self.end(piece, hops + [Hop("hub route table", "unknown", f"{where} sends {shown} to a next hop "
                                            f"not known here ({_show_target(target)})", table)], "unknown")
                continue
            how = "propagated" if isinstance(route, Propagated) else f"static, {route.address}"
            step = hops + [Hop("hub route table", "pass", f"{where} sends {shown} to {target.address} ({how})",
                               table)]
            self.attachment_out(target, piece, step, seen)

    def attachment_out(self, attachment: Attachment, part: IPSet, hops: list[Hop], seen: frozenset) -> None:
        """``part`` leaves a hub through ``attachment``."""
        shown = show_set(part)
        if attachment.state != "active":
            self.inactive(attachment, part, hops)
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
        inside = holds(network)
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


def walk(table: RouteTable, dest: IPSet, via: Hub | None = None, goal: Network | None = None) -> list[Leg]:
    """Every part of ``dest`` sent from ``table``, hop by hop (``via``: the
    hub a missing VPC route should send to, ``goal``: the network ``dest`` is
    meant to reach; both for fixes)."""
    found = Walk(via, goal)
    found.table(table, IPSet(dest), [], frozenset())
    return found.legs


def walk_route(table: RouteTable, route: Route, within: IPSet | None = None) -> list[Leg]:
    """The parts of ``route``'s destination (those ``within``, if given) that
    ``table`` sends by ``route`` (a route to a hub), hop by hop from the hub on."""
    decide = vpc_decide(table)
    if decide is None or route.destination is None or route.destination.net is None:
        return []
    found = Walk(route.target if isinstance(route.target, Hub) else None)
    dest = IPSet([route.destination.range])
    if within is not None:
        dest &= within
    if not dest:
        return []
    for part, chosen in decide(dest):
        if chosen is route:
            found.into_hub(table, route, part, [], frozenset({id(table)}))
    return found.legs


def _blackhole_fix(route: Route | None, piece: IPSet) -> str | None:
    """A blackhole route for exactly the destination: a static route for the
    same prefix cannot sit beside it (the apply fails), so the fix removes it."""
    if route is None or route.target_kind != "blackhole" or route.destination is None \
            or route.destination.net is None or route.destination.range not in piece.iter_cidrs():
        return None
    return (f"remove the blackhole route {route.address} for {route.destination.range} (a route to the attachment "
            "that leads there cannot be added beside it: both would name the same destination)")


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


def _hub_missing(hub: Hub | None, table: HubRouteTable | None, part: IPSet,
                 attachment: Attachment) -> dict[str, Any]:
    """What a failing hub hop lacks, for JSON: the hub, the table serving
    ``attachment`` (where the traffic came from) and the destination."""
    return {"hub": hub.terraform_address if hub is not None else None,
            "table": table.address if table is not None else None,
            "attachment": attachment.address,
            "destination": [str(c) for c in part.iter_cidrs()]}
