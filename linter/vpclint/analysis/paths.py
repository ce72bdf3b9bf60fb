"""Trace the path a reachability expectation asks for, hop by hop.

From the pods of a cluster to an endpoint: the addresses the pods carry,
the peering (when the endpoint sits in a peered VPC), the route out of the
node subnets, the return route in the endpoint's VPC, the endpoint's
security groups and its whitelist. Each hop's verdict is pass, fail or
unknown; the first failing hop is what ``expected_path_blocked`` reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netaddr import IPSet

from vpclint.analysis import routing, security, service_paths
from vpclint.model import Element, Endpoint, Expectation, PortRange, Service, Subnet
from vpclint.policies.reach import PodsHint, egress_verdict
from vpclint.providers import route_fix


@dataclass
class Hop:
    name: str
    verdict: str  # pass, fail, unknown
    detail: str
    element: Element | None = None
    fix: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        address = self.element.terraform_address if self.element is not None else None
        return {"hop": self.name, "verdict": self.verdict, "resource": address, "detail": self.detail}


def _dest_ranges(target: Element) -> IPSet | None:
    """Where the target's address lies: its subnet, else its VPC."""
    subnet = target if isinstance(target, Subnet) else getattr(target, "subnet", None)
    if subnet is not None and subnet.cidr is not None and subnet.cidr.net is not None:
        return IPSet([subnet.cidr.range])
    network = getattr(target, "network", None)
    if network is not None:
        return routing.as_set(network.cidrs)
    return None


def trace(expectation: Expectation) -> list[Hop]:
    cluster, target = expectation.source, expectation.target
    hops: list[Hop] = []
    if isinstance(target, Service):  # its cluster, its type, an internet-facing load balancer
        early = service_paths.before_network(expectation)
        if early:
            return early
    source_net = cluster.network
    dest_net = target.network if target is not None else None
    if source_net is None or dest_net is None:
        return [Hop("networks", "unknown", "the VPC of the cluster or of the target is not known", cluster)]
    same = dest_net is source_net
    sources = cluster.sources_local if same else cluster.sources_peered
    if sources is None:
        return [Hop("pod addresses", "unknown", f"the addresses pods of {cluster.address} carry are not known",
                    cluster)]
    pods = IPSet(c.range for c in sources)
    shown = security.show_set(pods)
    hops.append(Hop("pod addresses", "pass", f"pods of {cluster.address} ({cluster.network_model}) reach "
                    f"{'their own VPC' if same else 'peered VPCs'} from {shown}", cluster))
    dest = _dest_ranges(target)
    hops.append(_egress_policy(expectation, dest))
    if not same:
        peering = routing.peering_between(source_net, dest_net)
        if peering is None:
            hops.append(Hop("peering", "fail", f"no peering connects {source_net.name} and {dest_net.name}",
                            target))
            return hops
        if peering.state != "active":
            verdict = "unknown" if not isinstance(peering.state, str) else "fail"
            state = peering.state if isinstance(peering.state, str) else "unknown"
            hops.append(Hop("peering", verdict, f"{peering.address} is {state}", peering))
            if verdict == "fail":
                return hops
        else:
            hops.append(Hop("peering", "pass", f"{peering.address} is active", peering))
        hops.extend(_route_out(cluster, dest, peering))
        hops.append(_route_back(target, pods, peering))
    else:
        hops.append(Hop("route", "pass", f"{dest_net.name} routes its own addresses locally", dest_net))
    if isinstance(target, Service):
        return hops + service_paths.after_network(expectation, pods)
    hops.append(_security(expectation, pods, shown))
    hops.append(_network_acl(expectation, pods, shown))
    hops.append(_whitelist(target, pods, shown))
    return hops


def _route_out(cluster, dest: IPSet | None, peering) -> list[Hop]:
    if dest is None:
        return [Hop("route from source subnet", "unknown", "the target's address range is not known", cluster)]
    hops = []
    tables = []
    for subnet in cluster.node_subnets:
        table = routing.serving_table(subnet)
        if table is not None and table not in tables:
            tables.append(table)
    if not tables:
        return [Hop("route from source subnet", "unknown", "the node subnets' route tables are not known", cluster)]
    for table in tables:
        covered = routing.through(table, dest, peering)
        if covered is None:
            hops.append(Hop("route from source subnet", "unknown", f"{table.address} has routes not known", table))
        elif dest - covered:
            gap = dest - covered
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
    ports = [PortRange(port, port)] if port is not None else None
    gap = security.missing_any(groups, pods, expectation.protocol, ports, expectation.source)
    names = ", ".join(g.address for g in groups)
    if gap is None:
        return Hop("security group", "unknown", f"the rules of {names} are not all known", groups[0])
    if gap:
        return Hop("security group", "fail", f"{names} does not admit {security.show_set(gap)} on {label}",
                   groups[0])
    return Hop("security group", "pass", f"{names} admits {shown} on {label}", groups[0])


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
