"""Trace the path a reachability expectation asks for, hop by hop.

From the pods of a cluster (or an instance, a subnet, a CIDR) to an endpoint
(or a subnet, a CIDR): the addresses the source carries, the peering (when
the target sits in a peered VPC) or, where a transit hub is involved or no
peering connects, every next hop out of the source's subnets and back
(``analysis.transit``), else the route out of the source's subnets and the
return route in the target's VPC; then the target's security groups, network
ACL and whitelist. Each hop's verdict is pass, fail or unknown; the first
failing hop is what ``expected_path_blocked`` reports.
"""

from __future__ import annotations

import weakref

from netaddr import IPSet

from vpclint.analysis import firewall, routing, security, service_paths, transit
from vpclint.analysis.hops import Hop
from vpclint.model import (
    Cluster, Element, Endpoint, Expectation, HubRouteTable, PortRange, Range, SecurityGroup, Service, Subnet,
)
from vpclint.model.build import sending_subnets, sources_towards
from vpclint.policies.reach import PodsHint, egress_verdict
from vpclint.providers import route_fix, snippet
from vpclint.resources import UnknownNote


def _dest_ranges(target: Element) -> IPSet | None:
    """Where the target's address lies: the range it is, its subnet, else its VPC."""
    if isinstance(target, Endpoint) and target.kind == "range":
        return IPSet([target.address_ip.range])
    subnet = target if isinstance(target, Subnet) else getattr(target, "subnet", None)
    if subnet is not None and subnet.cidr is not None and subnet.cidr.net is not None:
        return IPSet([subnet.cidr.range])
    network = getattr(target, "network", None)
    if network is not None:
        return routing.as_set(network.cidrs)
    return None


def _source_subnets(source: Element) -> list[Subnet]:
    """The subnets whose route tables send the source's traffic out."""
    if isinstance(source, Cluster):
        return sending_subnets(source)
    if isinstance(source, Subnet):
        return [source]
    subnet = getattr(source, "subnet", None)
    return [subnet] if subnet is not None else []


def _source_tables(source: Element) -> list:
    """The route tables serving the source's subnets, each once; for an
    on-premises range (``networks:``) the default table of the network it lands in."""
    if isinstance(source, Range) and source.lands and source.subnet is None:
        table = routing.default_table(source.network)
        return [table] if table is not None else []
    tables = []
    for subnet in _source_subnets(source):
        table = routing.serving_table(subnet)
        if table is not None and table not in tables:
            tables.append(table)
    return tables


def _source_ranges(source: Element) -> IPSet | None:
    """The addresses a source that is not a cluster sends from: the range it
    is, a subnet's range, an instance's subnet's range."""
    if isinstance(source, Endpoint) and source.kind == "range":
        return IPSet([source.address_ip.range])
    subnets = _source_subnets(source)
    if not subnets or subnets[0].cidr is None or subnets[0].cidr.net is None:
        return None
    return IPSet([subnets[0].cidr.range])


def _route_out_of_several(source: Element, target: Range) -> list[Hop]:
    """A range in several networks' address space (peers whose CIDRs
    overlap): which one is meant is not known, but a source whose tables
    send it into none of them cannot reach it."""
    dest = _dest_ranges(target)
    names = ", ".join(n.name for n in target.networks)
    undecided = [Hop("networks", "unknown", f"{target.address} lies in the address space of several networks "
                     f"({names}); which one it means is not known", target)]
    if source.network.attachments or any(n.attachments for n in target.networks):
        # through hubs: the walk follows every next hop; only a range no part of which gets anywhere fails
        tables = _source_tables(source)
        legs = [leg for table in tables for leg in transit.walk(table, dest)]
        if not legs or any(leg.verdict != "fail" for leg in legs):
            return undecided
        failed = [leg.failure for leg in legs]
        return [Hop("route from source subnet", "fail", "; ".join(h.detail for h in failed), failed[0].element,
                    fix=failed[0].fix, extra=failed[0].extra)]
    failed = []
    for network in target.networks:
        peering = routing.peering_between(source.network, network) if network is not source.network else None
        hops = _route_out(source, dest, peering) if peering is not None else []
        fail = next((h for h in hops if h.verdict == "fail"), None)
        if fail is None:
            return undecided
        failed.append(fail)
    return [Hop("route from source subnet", "fail", "; ".join(h.detail for h in failed), failed[0].element,
                fix=failed[0].fix)]


def _networks_unknown(source: Element, target: Element) -> Hop:
    for end in (source, target):
        if isinstance(end, Endpoint) and end.kind == "range" and end.network is None:
            return Hop("networks", "unknown", f"{end.address} lies outside every network the inputs hold: where its "
                       "traffic enters (a VPN, Direct Connect) is not modelled", end)
    return Hop("networks", "unknown", "the VPC of the source or of the target is not known", source)


_traces: "weakref.WeakKeyDictionary[Expectation, list[Hop]]" = weakref.WeakKeyDictionary()


def trace(expectation: Expectation) -> list[Hop]:
    """The hops of ``expectation``'s path (traced once per finished model)."""
    hops = _traces.get(expectation)
    if hops is None:
        hops = _traces[expectation] = _trace(expectation)
    return hops


def path_unknowns(model) -> list[UnknownNote]:
    """Expectations no hop fails but some hop cannot decide (a next hop
    vpclint does not follow, a CIDR outside every network, a cluster in a
    network the inputs do not hold): silence about them is not "it holds",
    so each says which hop and why, for ``unknowns``."""
    notes = []
    for expectation in model.expectations:
        hops = trace(expectation)
        if not any(h.verdict == "fail" for h in hops):
            notes.extend(UnknownNote(f"{expectation.address} ({expectation.source.address} -> "
                                     f"{expectation.target.address})", h.name, h.detail)
                         for h in hops if h.verdict == "unknown")
    return notes


def _trace(expectation: Expectation) -> list[Hop]:
    source, target = expectation.source, expectation.target
    hops: list[Hop] = []
    if isinstance(target, Service):  # its cluster, its type, an internet-facing load balancer
        early = service_paths.before_network(expectation)
        if early:
            return early
    source_net = source.network
    dest_net = target.network if target is not None else None
    if source_net is not None and isinstance(target, Range) and len(target.networks) > 1:
        return _route_out_of_several(source, target)
    if source_net is None or dest_net is None:
        return [_networks_unknown(source, target)]
    same = dest_net is source_net
    if isinstance(source, Cluster):
        sources = sources_towards(source, dest_net, _dest_ranges(target))
        if sources is None:
            return [Hop("pod addresses", "unknown", f"the addresses pods of {source.address} carry are not known",
                        source)]
        pods = IPSet(c.range for c in sources)
        shown = security.show_set(pods)
        hops.append(Hop("pod addresses", "pass", f"pods of {source.address} ({source.network_model}) reach "
                        f"{'their own VPC' if same else 'peered VPCs'} from {shown}", source))
    else:
        found = _source_ranges(source)
        if found is None:
            return [Hop("source addresses", "unknown", f"the addresses {source.address} sends from are not known",
                        source)]
        pods, shown = found, security.show_set(found)
        hops.append(Hop("source addresses", "pass", f"{source.address} sends from {shown}", source))
    dest = _dest_ranges(target)
    if isinstance(source, Cluster):
        hops.append(_egress_policy(expectation, dest))
    if not same:
        peering = routing.peering_between(source_net, dest_net)
        hubs = source_net.attachments or dest_net.attachments
        if peering is None and not hubs:
            if not (source_net.managed and dest_net.managed):  # a VPC read or passed in: peered elsewhere, maybe
                hops.append(Hop("peering", "unknown", f"{source_net.name if not source_net.managed else dest_net.name}"
                                " is managed elsewhere: its peerings are not known here", target))
                return hops
            chain = _chain(source, target, dest, pods, expectation)
            if chain and chain[0].name == "route" and chain[0].verdict == "fail":  # no route at all
                hops.append(Hop("peering", "fail", f"no peering connects {source_net.name} and {dest_net.name}",
                                target))
                return hops
            hops.extend(chain)
        elif peering is None or hubs:
            hops.extend(_chain(source, target, dest, pods, expectation))
        else:
            if peering.state != "active":
                verdict = "unknown" if not isinstance(peering.state, str) else "fail"
                state = peering.state if isinstance(peering.state, str) else "unknown"
                hops.append(Hop("peering", verdict, f"{peering.address} is {state}", peering))
                if verdict == "fail":
                    return hops
            else:
                hops.append(Hop("peering", "pass", f"{peering.address} is active", peering))
            hops.extend(_landing_transit(source, target, peering))
            hops.extend(_route_out(source, dest, peering))
            hops.append(_route_back(target, pods, peering))
    elif isinstance(source, Range) and source.lands or isinstance(target, Range) and target.lands:
        hops.append(_gateway_route(source, target))
    else:
        hops.append(Hop("route", "pass", f"{dest_net.name} routes its own addresses locally", dest_net))
    if isinstance(target, Service):
        return hops + service_paths.after_network(expectation, pods)
    hops.append(_security(expectation, pods, shown))
    hops.append(_network_acl(expectation, pods, shown))
    hops.append(_whitelist(target, pods, shown))
    return hops


def _landing_transit(source, target, peering) -> list[Hop]:
    """Traffic of an on-premises range (``networks:``) crosses a peering only where the provider lets
    gateway traffic through one (AWS does not: no edge-to-edge routing; Azure does with gateway transit)."""
    end = next((e for e in (source, target) if isinstance(e, Range) and e.lands), None)
    if end is None:
        return []
    return [Hop("gateway transit", "unknown", f"{end.address} ({end.lands}) enters and leaves {end.network.name} "
                f"through a gateway; whether {peering.address} carries such traffic is not checked", peering)]


def _gateway_route(source, target) -> Hop:
    """In the network an on-premises range lands in, the route toward that range out of the other end's
    table: the most specific route covering it must lead out (to the VPN / Direct Connect gateway)."""
    lands, other = (source, target) if isinstance(source, Range) and source.lands else (target, source)
    subnet = other if isinstance(other, Subnet) else getattr(other, "subnet", None)
    table = routing.serving_table(subnet) if subnet is not None else routing.default_table(other.network)
    name = "return route" if lands is source else "route from source subnet"
    ranges = IPSet([lands.address_ip.range])
    if table is None:
        return Hop(name, "unknown", f"the route table of {other.address} is not known", other)
    if not table.complete or any(r.destination is None or r.destination.net is None for r in table.routes):
        return Hop(name, "unknown", f"{table.address} has routes not known", table)
    covering = [r for r in table.routes if not ranges - IPSet([r.destination.range])]
    if not covering:
        return Hop(name, "fail", f"{table.address} has no route for {security.show_set(ranges)} "
                   f"({lands.lands}, attached to {lands.network.name})", table)
    route = max(covering, key=lambda r: r.destination.net.prefixlen)
    if route.target_kind in ("unknown", "peering", "transit") or route.target is None \
            or not route.destination.net.prefixlen:  # a default route may lead anywhere
        return Hop(name, "unknown", f"{table.address} sends {security.show_set(ranges)} to "
                   f"{route.target_kind or 'a next hop'} {route.address}: whether it reaches {lands.lands} "
                   "is not known", table)
    return Hop(name, "pass", f"{table.address} sends {security.show_set(ranges)} out through the "
               f"{route.target_kind} of {route.address} ({lands.lands})", table)


def _chain(source, target, dest: IPSet | None, pods: IPSet, expectation: Expectation) -> list[Hop]:
    """The path hop by hop through whatever connects the two VPCs (peerings,
    hubs), out from the source subnets' tables and back from the target's; a
    firewall crossed on the way lets the flow through by its policy."""
    if dest is None:
        return [Hop("route from source subnet", "unknown", "the target's address range is not known", source)]
    tables = _source_tables(source)
    if not tables:
        return [Hop("route from source subnet", "unknown", "the source subnets' route tables are not known", source)]
    hops: list[Hop] = []
    for table in tables:
        legs = transit.walk(table, dest, goal=target.network)
        hops.extend(_legs(legs, target.network, ""))
        hops.extend(_firewalls(legs, pods, expectation))
    subnet = target if isinstance(target, Subnet) else getattr(target, "subnet", None)
    back = routing.serving_table(subnet) if subnet is not None else routing.default_table(target.network)
    if back is None:
        hops.append(Hop("return route", "unknown", "the target's route table is not known", target))
    else:
        hops.extend(_legs(transit.walk(back, pods, goal=source.network), source.network, "return "))
    return hops


def _firewalls(legs: list, pods: IPSet, expectation: Expectation) -> list[Hop]:
    """A hop for each firewall hub the delivered legs cross: its policy's verdict on the flow."""
    hops: list[Hop] = []
    label = f"{expectation.protocol}/{expectation.port}" if expectation.port is not None else expectation.protocol
    for leg in legs:
        hubs = {id(h.element.hub): h.element.hub for h in leg.hops
                if isinstance(h.element, HubRouteTable) and h.element.hub is not None}
        for hub in hubs.values():
            if hub.kind != "firewall" or hub.policy is None:
                continue
            policy = hub.policy
            shown = security.show_set(leg.ranges)
            verdict = firewall.evaluate(policy, pods, leg.ranges, expectation.protocol, expectation.port)
            if verdict.verdict == "fail":
                by = verdict.deciding.resource.address if verdict.deciding is not None else "no rule (denied by default)"
                fix = snippet(policy, "firewall_rule", policy=policy.terraform_address,
                              protocol=expectation.protocol, sources=", ".join(
                                  f'"{c}"' for c in verdict.denied.iter_cidrs()),
                              destinations=", ".join(f'"{c}"' for c in leg.ranges.iter_cidrs()),
                              ports=str(expectation.port) if expectation.port is not None else "*")
                hops.append(Hop("firewall policy", "fail", f"{policy.address} of {hub.address} does not allow "
                                f"{security.show_set(verdict.denied)} to {shown} on {label} ({by})",
                                policy, fix=fix))
            elif verdict.verdict == "unknown":
                hops.append(Hop("firewall policy", "unknown", f"whether {policy.address} of {hub.address} allows "
                                f"{label} to {shown} is not known", policy))
            else:
                hops.append(Hop("firewall policy", "pass", f"{policy.address} of {hub.address} allows {label} "
                                f"to {shown}", policy))
    return hops


def _legs(legs: list, goal, prefix: str) -> list[Hop]:
    """The hops of every leg (each once); a leg delivered elsewhere than ``goal`` is unknown."""
    hops: list[Hop] = []
    seen: set[tuple] = set()
    for leg in legs:
        crossed = list(leg.hops)
        if leg.verdict == "pass" and leg.end is not goal:
            crossed.append(Hop("delivery", "unknown", f"{security.show_set(leg.ranges)} is delivered in "
                               f"{leg.end.name if leg.end else 'another network'}, not in "
                               f"{goal.name if goal else 'the VPC expected'}", leg.end))
        for hop in crossed:
            key = (hop.name, id(hop.element), hop.detail)
            if key not in seen:
                seen.add(key)
                hops.append(Hop(prefix + hop.name, hop.verdict, hop.detail, hop.element, hop.fix, hop.extra))
    return hops


def _route_out(source, dest: IPSet | None, peering) -> list[Hop]:
    if dest is None:
        return [Hop("route from source subnet", "unknown", "the target's address range is not known", source)]
    hops = []
    tables = _source_tables(source)
    if not tables:
        return [Hop("route from source subnet", "unknown", "the source subnets' route tables are not known", source)]
    for table in tables:
        covered = routing.through(table, dest, peering)
        if covered is None:
            hops.append(Hop("route from source subnet", "unknown", f"{table.address} has routes not known", table))
        elif dest - covered:
            gap = dest - covered
            astray = [b for b in routing.beyond_peer(table) if b.ranges & gap]
            if astray:  # the route exists, through a peering that cannot deliver it: not a missing route
                route, other = astray[0].route, astray[0]
                hops.append(Hop("route from source subnet", "fail",
                                f"{table.address} sends {security.show_set(gap & other.ranges)} through "
                                f"{other.peering.address} ({route.address}), which delivers only to {other.other.name} "
                                f"(peerings are not transitive)", route,
                                fix=f"point {route.address} at {peering.address}"))
                continue
            hops.append(Hop("route from source subnet", "fail",
                            f"{table.address} has no route for {security.show_set(gap)} through {peering.address}",
                            table, fix=route_fix(table, [str(c) for c in gap.iter_cidrs()], peering)))
        else:
            hops.append(Hop("route from source subnet", "pass",
                            f"{table.address} routes {security.show_set(dest)} through {peering.address}", table))
    return hops


def _route_back(target, pods: IPSet, peering) -> Hop:
    subnet = target if isinstance(target, Subnet) else getattr(target, "subnet", None)
    table = routing.serving_table(subnet) if subnet is not None else routing.default_table(target.network)
    if table is None:
        return Hop("return route", "unknown", "the target's route table is not known", target)
    covered = routing.through(table, pods, peering)
    if covered is None:
        return Hop("return route", "unknown", f"{table.address} has routes not known", table)
    if pods - covered:
        gap = pods - covered
        return Hop("return route", "fail", f"{table.address} has no route back to {security.show_set(gap)} through "
                   f"{peering.address}", table, fix=route_fix(table, [str(c) for c in gap.iter_cidrs()], peering))
    return Hop("return route", "pass", f"{table.address} routes {security.show_set(pods)} back through "
               f"{peering.address}", table)


def _security(expectation: Expectation, pods: IPSet, shown: str) -> Hop:
    target = expectation.target
    groups = getattr(target, "security_groups", [])
    port = expectation.port
    label = f"{expectation.protocol}/{port}" if port is not None else expectation.protocol
    if not isinstance(target, Endpoint) or not groups:
        return Hop("security group", "unknown", f"the security groups of {target.address} are not known here",
                   target)
    if port is None and target.kind == "load balancer":
        return Hop("security group", "unknown", f"the ports {target.address} listens on are not known (give port: "
                   "in the expectation)", target)
    ports = [PortRange(port, port)] if port is not None else None
    source = expectation.source
    cluster = source if isinstance(source, Cluster) else None
    gap = security.missing_any(groups, pods, expectation.protocol, ports, cluster)
    names = ", ".join(g.address for g in groups)
    if gap is None:
        return Hop("security group", "unknown", f"the rules of {names} are not all known", groups[0])
    if gap and not isinstance(source, Cluster):
        members = getattr(source, "security_groups", [])
        by_group = [g for rule in _group_rules(groups, expectation.protocol, port) for g in rule.source_groups]
        if any(g in members for g in by_group):
            return Hop("security group", "pass", f"{names} admits members of {source.address}'s security group on "
                       f"{label}", groups[0])
        if by_group:
            return Hop("security group", "unknown", f"{names} admits security-group members on {label}; whether "
                       f"{source.address} is one is not known", groups[0])
    if gap:
        return Hop("security group", "fail", f"{names} does not admit {security.show_set(gap)} on {label}",
                   groups[0])
    return Hop("security group", "pass", f"{names} admits {shown} on {label}", groups[0])


def _group_rules(groups: list[SecurityGroup], protocol: str, port: int | None) -> list:
    """The allow rules of ``groups`` that admit group members on ``protocol``/``port``."""
    found = []
    for group in groups:
        for rule in group.rules:
            if rule.direction != "ingress" or rule.action != "allow" or not rule.source_groups:
                continue
            if rule.protocol not in ("all", protocol):
                continue
            if isinstance(rule.ports, list) and port is not None and not any(p.low <= port <= p.high
                                                                            for p in rule.ports):
                continue
            found.append(rule)
    return found


def _egress_policy(expectation: Expectation, dest: IPSet | None) -> Hop:
    """The cluster's Kubernetes / Calico policies on the pods' egress."""
    cluster = expectation.source
    if not expectation.policies:
        return Hop("pod egress policy", "pass", f"no network policy applies to the pods of {cluster.address}",
                   cluster)
    if dest is None or expectation.port is None:
        return Hop("pod egress policy", "unknown", "the destination address or port is not known", cluster)
    pods = expectation.pods
    hint = PodsHint(namespace=pods.get("namespace"), labels=pods.get("labels"))
    label = f"{expectation.protocol}/{expectation.port}"
    verdicts = [egress_verdict(expectation.policies, hint, cidr, expectation.port, expectation.protocol)
                for cidr in dest.iter_cidrs()]
    blocked = next((policy for verdict, policy in verdicts if verdict is False), None)
    if blocked is not None:
        return Hop("pod egress policy", "fail", f"{blocked.title or blocked.address} does not let the pods "
                   f"send to {security.show_set(dest)} on {label}", blocked)
    if all(verdict is True for verdict, _ in verdicts):
        return Hop("pod egress policy", "pass", f"the pods' network policies allow {label} to "
                   f"{security.show_set(dest)}", cluster)
    return Hop("pod egress policy", "unknown", "the pods' network policies may or may not allow it "
               "(say which pods with `pods:` in the expectation)", cluster)


EPHEMERAL = [PortRange(1024, 65535)]


def _network_acl(expectation: Expectation, pods: IPSet, shown: str) -> Hop:
    """The ACL of the target's subnet: in on the port, and — being stateless —
    out again to the pods' ephemeral ports."""
    target = expectation.target
    subnet = target if isinstance(target, Subnet) else getattr(target, "subnet", None)
    acl = subnet.network_acl if subnet is not None else None
    if acl is None:
        known = subnet is not None
        return Hop("network ACL", "pass" if known else "unknown",
                   f"no network ACL guards {subnet.address}" if known else "the target's subnet is not known", target)
    port = expectation.port
    ports = [PortRange(port, port)] if port is not None else None
    inbound = security.missing(acl, pods, expectation.protocol, ports)
    outbound = security.missing(acl, pods, expectation.protocol, EPHEMERAL, direction="egress")
    if inbound:
        return Hop("network ACL", "fail", f"{acl.address} denies {security.show_set(inbound)} inbound on "
                   f"{expectation.protocol}/{port}", acl)
    if outbound:
        return Hop("network ACL", "fail", f"{acl.address} denies replies to {security.show_set(outbound)} "
                   "(outbound, ephemeral ports 1024-65535)", acl)
    if inbound is None or outbound is None:
        return Hop("network ACL", "unknown", f"the rules of {acl.address} are not all known", acl)
    return Hop("network ACL", "pass", f"{acl.address} admits {shown} and its replies", acl)


def _whitelist(target, pods: IPSet, shown: str) -> Hop:
    whitelist = getattr(target, "whitelist", None)
    if whitelist is None or whitelist.enabled is False:
        return Hop("whitelist", "pass", f"{target.address} has no whitelist in force", target)
    if whitelist.enabled is not True:
        return Hop("whitelist", "unknown", "whether the whitelist is enabled is not known", target)
    entries = routing.as_set(e for e in whitelist.entries if not e.error)
    if entries is None:
        return Hop("whitelist", "unknown", "the whitelist's entries are not all known", target)
    gap = pods - entries
    if gap:
        return Hop("whitelist", "fail", f"the whitelist of {target.address} does not hold {security.show_set(gap)}",
                   target)
    return Hop("whitelist", "pass", f"the whitelist of {target.address} holds {shown}", target)
