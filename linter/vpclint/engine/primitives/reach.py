"""Reachability primitives: routes through peerings, ingress, whitelists, paths.

They ask ``vpclint.analysis`` the questions and turn definite "no" answers
into violations; an answer of "cannot tell" (None) is never a violation.
"""

from __future__ import annotations

from typing import Any, Iterator

from netaddr import IPSet

from vpclint.analysis import routing, security, transit
from vpclint.analysis.index import nearby
from vpclint.analysis.paths import trace
from vpclint.engine.paths import resolve
from vpclint.engine.primitives import Violation, primitive
from vpclint.model import Cidr, Cluster, Network, Peering
from vpclint.model.build import sources_towards
from vpclint.providers import route_fix, snippet


def _one(bindings: dict[str, Any], path: str) -> Any:
    found = resolve(bindings, path)
    return found[0] if len(found) == 1 else None


def _ranges(bindings: dict[str, Any], path: str) -> list[Cidr] | None:
    """Known ranges at ``path``; None when absent or any is unknown."""
    found = [c for c in resolve(bindings, path) if isinstance(c, Cidr)]
    if not found or any(c.net is None for c in found):
        return None
    return found


@primitive
def no_route_through(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """``network`` has no route, in any of its tables, for any part of
    ``ranges`` through the active peering ``via``."""
    network, via = _one(bindings, args["network"]), _one(bindings, args["via"])
    ranges = _ranges(bindings, args["ranges"])
    if not isinstance(network, Network) or not isinstance(via, Peering) or ranges is None:
        return
    if not network.managed or via.state != "active":
        return
    wanted = IPSet(c.range for c in ranges)
    if routing.any_route_through(network, wanted, via) is False:
        if any(transit.sent_to_hub(t, wanted) for t in network.route_tables):
            return  # it goes through a hub beside the peering
        if _sent_beyond(network, wanted):
            return  # sent through another peering, which cannot deliver it: routes_beyond_peer names that route
        table = routing.default_table(network) if not [t for t in network.route_tables if not t.default] else None
        fixes = [route_fix(t, [str(c) for c in ranges], via) for t in ([table] if table else network.route_tables[:1])]
        yield Violation({"network": network, "ranges": ranges, "via": via, "hcl": "\n".join(fixes)},
                        subject=via, related=[network], facts=(network.address, *map(str, ranges)))


def _sent_beyond(network: Network, wanted: IPSet) -> bool:
    """Whether a table of ``network`` sends part of ``wanted`` through a peering
    that cannot deliver it (``routes_beyond_peer`` reports that route)."""
    return any(b.ranges & wanted for table in network.route_tables for b in routing.beyond_peer(table))


@primitive
def routes_beyond_peer(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Routes of either end of the active peering ``via`` through it whose
    destination lies wholly outside what its other end holds (``route``,
    ``table``, ``network``, ``peer``, ``beyond``, ``remedy``)."""
    via = _one(bindings, args["via"])
    if not isinstance(via, Peering):
        return
    networks = getattr(bindings.get("model"), "networks", [])
    for network in via.ends:
        if not network.managed:
            continue
        for table in network.route_tables:
            for found in routing.beyond_peer(table):
                if found.peering is not via:
                    continue  # another peering's route: its own binding of ``via`` reports it
                # a range of another network of these inputs: one outside them (on premises, behind a
                # gateway the peer may learn routes for) is not judged
                holding = [n for n in routing.holders(networks, found.ranges) if n not in (network, found.other)]
                if holding:
                    yield Violation({"route": found.route, "table": table, "network": network, "peer": found.other,
                                     "beyond": security.show_set(found.ranges),
                                     "remedy": _beyond_remedy(found, holding)},
                                    subject=found.route, related=[via], facts=(found.route.address,
                                                                               str(found.ranges)))


def _beyond_remedy(found: routing.Beyond, holding: list[Network]) -> str:
    """Point the route at a peering that reaches the range, or make one: a direct peering, or a hub."""
    network, shown = found.table.network, security.show_set(found.ranges)
    for holder in holding:
        direct = routing.peering_between(network, holder)
        if direct is not None and direct is not found.peering:
            return (f"point {found.route.address} at {direct.address}, the peering of {network.name} with "
                    f"{holder.name}, which holds {shown}")
    where = f"{holding[0].name}, which holds {shown}" if len(holding) == 1 else f"the VPC that holds {shown}"
    return (f"peer {network.name} directly with {where}, and send {shown} through that peering; or attach both "
            f"VPCs to a transit hub and send {shown} to the hub")


@primitive
def return_route_missing(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """For each active peering of ``network``, the tables of the other end
    that do not send all of ``ranges`` back through it (``table``, ``peer``,
    ``peering``, ``missing``)."""
    network = _one(bindings, args["network"])
    ranges = _ranges(bindings, args["ranges"])
    if not isinstance(network, Network) or ranges is None:
        return
    wanted = IPSet(c.range for c in ranges)
    for peering, peer in routing.active_peerings(network):
        if not peer.managed:
            continue
        for table, gap in routing.routes_back(peer, peering, wanted):
            if transit.sent_to_hub(table, gap):
                continue  # it goes back through a hub beside the peering
            missing = [str(c) for c in gap.iter_cidrs()]
            yield Violation({"table": table, "peer": peer, "peering": peering, "missing": missing,
                             "hcl": route_fix(table, missing, peering)}, subject=table, related=[peering],
                            facts=(peering.address, *missing))


def _cluster_ranges(cluster: Cluster) -> IPSet:
    """Everything that is "the cluster's network": node subnets, VPC, container CIDRs."""
    ranges = [s.cidr for s in cluster.node_subnets if s.cidr is not None]
    ranges += cluster.container_cidrs
    if cluster.network is not None:
        ranges += cluster.network.cidrs
    return IPSet(c.range for c in ranges if c.net is not None)


def _meant_for(cluster: Cluster, admitted: IPSet) -> bool:
    """Whether ``admitted`` is meant for the cluster: it holds a whole node or
    pod subnet (the subnet itself, or the VPC around it), or part of a
    container CIDR. A single host or another subnet of the VPC is not."""
    for subnet in [*cluster.node_subnets, *cluster.pod_subnets]:
        if subnet.cidr is not None and subnet.cidr.net is not None and subnet.cidr.range in admitted:
            return True
    return any(c.net is not None and IPSet([c.range]) & admitted for c in cluster.container_cidrs)


def _sources_for(cluster: Cluster, network: Network | None, peers: set[Network]) -> list[Cidr] | None:
    """The addresses pods present to something in ``network`` (None: unknown,
    or a network neither the cluster's nor one of its ``peers``)."""
    if network is None:
        same = [str(c) for c in cluster.sources_local or []] == [str(c) for c in cluster.sources_peered or []]
        return cluster.sources_local if same else None
    if network is cluster.network:
        return cluster.sources_local
    if network in peers:
        return sources_towards(cluster, network)
    return None


@primitive
def ingress_missing(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Security groups near ``cluster`` that admit part of its network on some
    ports but not the addresses its pods' traffic carries there."""
    cluster = _one(bindings, args["cluster"])
    if not isinstance(cluster, Cluster) or cluster.network is None:
        return
    network_ranges = _cluster_ranges(cluster)
    peers = [*cluster.peer_networks, *transit.reached(cluster.network)]  # peered, or through a hub
    peer_set = set(peers)  # elements hash by identity
    # only groups near the cluster with a rule admitting some of its addresses
    # can answer (a superset of the rules _meant_for keeps), found by index
    pod_subnets = IPSet(s.cidr.range for s in cluster.pod_subnets if s.cidr is not None and s.cidr.net is not None)
    for group in nearby(bindings["model"]).groups_near(cluster, peers, network_ranges | pod_subnets):
        if group in cluster.node_security_groups:
            continue
        sources = _sources_for(cluster, group.network, peer_set)
        if sources is None:
            continue
        pods = IPSet(c.range for c in sources)
        gaps: dict[tuple, tuple[IPSet, IPSet]] = {}  # (protocol, port ranges or None) -> (admitted, missing)
        for rule in group.rules:
            intended = security.intended_sources(rule)
            if intended is None or not _meant_for(cluster, intended):
                continue
            protocol = rule.protocol if isinstance(rule.protocol, str) else None
            if protocol is None or not isinstance(rule.ports, (list, type(None))):
                continue
            gap = security.missing(group, pods, protocol, rule.ports, cluster)
            if gap:
                key = (protocol, None if rule.ports is None else tuple(rule.ports))
                admitted, missing = gaps.get(key, (IPSet(), IPSet()))
                gaps[key] = (admitted | (intended & network_ranges), missing | gap)
        if not gaps:
            continue
        admitted, missing = IPSet(), IPSet()
        for part_admitted, part_missing in gaps.values():
            admitted |= part_admitted
            missing |= part_missing
        labels = {key: key[0] if key[1] is None else f"{key[0]}/{','.join(map(str, key[1]))}" for key in gaps}
        ports = sorted(labels.values())
        fixes = []
        for key in sorted(gaps, key=labels.__getitem__):
            protocol, ranges = key
            first = ranges[0] if ranges else None
            for cidr in gaps[key][1].iter_cidrs():
                fixes.append(snippet(group, "ingress", group=group.terraform_address, protocol=protocol,
                                     ports=",".join(map(str, ranges)) if ranges else "1-65535", source=str(cidr),
                                     from_port=str(first.low) if first else "0",
                                     to_port=str(first.high) if first else "65535")
                             or f"an inbound rule allowing {labels[key]} from {cidr}")
        yield Violation({"group": group, "cluster": cluster, "admitted": security.show_set(admitted),
                         "missing": security.show_set(missing), "ports": ", ".join(ports),
                         "model": cluster.network_model, "hcl": "\n".join(f for f in fixes if f)},
                        subject=group, related=[cluster], facts=(cluster.address, *ports,
                                                                 security.show_set(missing)))


@primitive
def whitelist_missing(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Managed services near ``cluster`` whose enabled whitelist admits part
    of its network but not the addresses its pods' traffic carries."""
    cluster = _one(bindings, args["cluster"])
    if not isinstance(cluster, Cluster) or cluster.network is None:
        return
    network_ranges = _cluster_ranges(cluster)
    peers = [*cluster.peer_networks, *transit.reached(cluster.network)]  # peered, or through a hub
    peer_set = set(peers)  # elements hash by identity
    for endpoint in nearby(bindings["model"]).endpoints_near(cluster, peers):
        whitelist = endpoint.whitelist
        if whitelist is None or whitelist.enabled is not True or endpoint.network is None:
            continue
        sources = _sources_for(cluster, endpoint.network, peer_set)
        entries = routing.as_set(e for e in whitelist.entries if not e.error)
        if sources is None or entries is None or not _meant_for(cluster, entries):
            continue
        gap = IPSet(c.range for c in sources) - entries
        if gap:
            missing = [str(c) for c in gap.iter_cidrs()]
            fix = snippet(endpoint, "whitelist", sources=", ".join(f'"{m}"' for m in missing)) or \
                f"whitelist entries for {', '.join(missing)}"
            yield Violation({"endpoint": endpoint, "cluster": cluster, "missing": missing,
                             "admitted": security.show_set(entries & network_ranges),
                             "model": cluster.network_model, "hcl": fix or ""},
                            subject=endpoint, related=[cluster], facts=(cluster.address, *missing))


@primitive
def path_blocked(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """The first hop that fails on the path an expectation asks for."""
    expectation = _one(bindings, args["expectation"])
    hops = trace(expectation)
    failed = next((h for h in hops if h.verdict == "fail"), None)
    if failed is None:
        return
    yield Violation({"hop": failed.name, "detail": failed.detail, "hcl": failed.fix or "",
                     "expectation": expectation},
                    extra={"path": [h.as_dict() for h in hops]},
                    subject=failed.element, related=[e for e in (expectation.source, expectation.target) if e],
                    facts=(failed.name, failed.detail))
