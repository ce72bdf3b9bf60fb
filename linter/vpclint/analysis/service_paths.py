"""The hops of a path to a Kubernetes Service, after the network hops.

A LoadBalancer Service is reached through its load balancer (internal: from
networks that route to the cluster's VPC, and with GKE's regional access
from the cluster's region only; internet-facing: over the internet), then
its ``loadBalancerSourceRanges`` where the provider enforces them, then the
nodes on the NodePort: their security group must admit the client when the
load balancer keeps the client's address, else the load balancer's own
addresses — unless the provider's controller writes those rules itself. A
NodePort Service is reached on the nodes directly. How a provider exposes a
Service is its adapter's ``service_exposure``.
"""

from __future__ import annotations

from netaddr import IPNetwork, IPSet

from vpclint.analysis import security
from vpclint.analysis.hops import Hop
from vpclint.model import Cluster, Expectation, PortRange, Service
from vpclint.values import Unknown


# addresses no internet client has: private, shared (CGNAT), loopback, link-local
NOT_INTERNET = IPSet(IPNetwork(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                                            "127.0.0.0/8", "169.254.0.0/16"))


def from_internet(source) -> IPSet | None:
    """The addresses of a CIDR source that lies outside every network the
    inputs hold and on the public internet; None for any other source."""
    cidr = getattr(source, "address_ip", None)
    if getattr(source, "kind", None) != "range" or source.network is not None or cidr is None or cidr.net is None:
        return None
    found = IPSet([cidr.range])
    return None if found & NOT_INTERNET else found


def reached_directly(service: Service) -> bool:
    """Whether the network hops (peering, routes) lie on the path: not for an
    internet-facing load balancer, which is reached over the internet."""
    exposure = service.exposure
    return not (service.type == "LoadBalancer" and exposure is not None and exposure.internal is False)


def before_network(expectation: Expectation) -> list:
    """Hops that decide before any network hop: the Service's cluster, its
    type, an internet-facing load balancer."""
    service, source = expectation.target, expectation.source
    if service.cluster is None:
        return [Hop("cluster", "unknown", f"which cluster {service.address} belongs to is not known (name its "
                    "manifests under clusters: <address>: policies: in the config)", service)]
    kind = service.type
    if isinstance(kind, Unknown):
        return [Hop("service type", "unknown", f"the type of {service.address} is not known before apply", service)]
    if kind == "ClusterIP":
        if source is service.cluster:
            return []
        return [Hop("service type", "fail", f"{service.address} is a ClusterIP Service: only the pods and nodes of "
                    f"{service.cluster.address} reach it (make it type NodePort or LoadBalancer)", service)]
    if kind not in ("NodePort", "LoadBalancer"):
        return [Hop("service type", "unknown", f"{service.address} is of type {kind}, which vpclint does not "
                    "follow", service)]
    if kind == "LoadBalancer" and service.exposure is None:
        return [Hop("load balancer", "unknown", f"how {service.cluster.provider} exposes {service.address} is "
                    "not modelled", service)]
    if not reached_directly(service):
        internet = from_internet(source)
        if internet is not None:  # the one source an internet-facing load balancer is meant for
            return [Hop("source addresses", "pass", f"{source.address} is on the internet", source),
                    *after_network(expectation, internet)]
        return [Hop("load balancer", "unknown", f"{service.address} has an internet-facing load balancer "
                    f"({service.exposure.controller}); the way {source.address} reaches the internet and the "
                    "address it shows there are not modelled", service)]
    return []


def _service_port(service: Service, port) -> tuple:
    """The Service port the expectation asks for, and its NodePort range
    (the port itself, or the cluster's whole range when allocated)."""
    ports = service.ports
    if isinstance(ports, Unknown):
        return None, None
    chosen = next((p for p in ports if p.port == port), None) if port is not None else (ports[0] if ports else None)
    if chosen is None:
        return None, []
    if isinstance(chosen.node_port, Unknown):
        return chosen, None
    if chosen.node_port is None:
        return chosen, [service.node_port_range]
    return chosen, [PortRange(chosen.node_port, chosen.node_port)]


def after_network(expectation: Expectation, clients: IPSet) -> list:
    """The load balancer, its source ranges and the nodes."""
    service = expectation.target
    hops = []
    chosen, node_ports = _service_port(service, expectation.port)
    if chosen is None and node_ports is None:
        return [Hop("service port", "unknown", f"the ports of {service.address} are not known before apply",
                    service)]
    if chosen is None:
        return [Hop("service port", "fail", f"{service.address} has no port {expectation.port}", service)]
    if service.type == "LoadBalancer":
        hops.append(_load_balancer(expectation))
        if isinstance(service.exposure.internal, Unknown):  # internet-facing would be another path
            return hops
        hops.append(_source_ranges(service, clients))
        exposure = service.exposure
        if exposure.node_rules_managed:
            hops.append(Hop("nodes", "pass", f"{exposure.controller} writes the nodes' rules for the NodePort "
                            "itself", service))
            return hops
        keeps = exposure.keeps_client
        if isinstance(keeps, Unknown):
            hops.append(Hop("nodes", "unknown", f"whether the nodes see the client's address is not known: "
                            f"{keeps.reason}", service))
            return hops
        if keeps:
            sources, label = clients, "the client's address (kept by the load balancer)"
        elif exposure.lb_sources is None:
            hops.append(Hop("nodes", "unknown", f"the addresses of {exposure.lb_sources_label or 'the load balancer'} "
                            "are not known", service))
            return hops
        else:
            sources, label = exposure.lb_sources, exposure.lb_sources_label
        hops.append(_nodes(expectation, sources, label, node_ports))
        return hops
    hops.append(_nodes(expectation, clients, "the client's address", node_ports))
    return hops


def _load_balancer(expectation: Expectation):
    service, source = expectation.target, expectation.source
    exposure = service.exposure
    if isinstance(exposure.internal, Unknown):
        return Hop("load balancer", "unknown", f"whether the load balancer of {service.address} is internal is not "
                   f"known: {exposure.internal.reason}", service)
    if exposure.same_region_only:
        from vpclint.providers.google import region_of

        here, there = region_of(source), region_of(service.cluster)
        if here is None or there is None:
            return Hop("load balancer", "unknown", f"{exposure.controller} of {service.address} admits clients of "
                       "its region only (global access off); the regions are not known", service)
        if here != there:
            return Hop("load balancer", "fail", f"{exposure.controller} of {service.address} admits clients in "
                       f"{there} only (global access off: networking.gke.io/internal-load-balancer-allow-global-"
                       f"access is not \"true\"); {source.address} is in {here}", service)
    if exposure.internal is False:
        return Hop("load balancer", "pass", f"{exposure.controller} of {service.address} is internet-facing; "
                   f"{source.address} is on the internet", service)
    return Hop("load balancer", "pass", f"{exposure.controller} of {service.address} is internal, in the VPC "
               f"of {service.cluster.address}, which {source.address} routes to", service)


def _source_ranges(service: Service, clients: IPSet):
    exposure, ranges = service.exposure, service.source_ranges
    name = f"{service.source_ranges_attribute} of {service.address}"
    if not ranges:
        return Hop("source ranges", "pass", f"{service.address} sets no {service.source_ranges_attribute}: "
                   "any source is admitted", service)
    if isinstance(exposure.ranges_enforced, Unknown):
        return Hop("source ranges", "unknown", f"whether {exposure.controller} applies {name} is not known: "
                   f"{exposure.ranges_enforced.reason}", service)
    if exposure.ranges_enforced is False:
        return Hop("source ranges", "pass", f"{exposure.controller} does not apply {name} to this client", service)
    if any(c.net is None and c.error is None for c in ranges):
        return Hop("source ranges", "unknown", f"{name} are not all known before apply", service)
    allowed = IPSet(c.range for c in ranges if c.net is not None)
    gap = clients - allowed
    where = next((c.origin for c in ranges if c.origin is not None), None)
    if gap:
        return Hop("source ranges", "fail", f"{name} leave out {security.show_set(gap)} ({exposure.ranges_where})",
                   where or service)
    return Hop("source ranges", "pass", f"{name} admit {security.show_set(clients)}", service)


def _nodes(expectation: Expectation, sources: IPSet, label: str, node_ports):
    service = expectation.target
    groups = service.security_groups
    if node_ports is None:
        return Hop("nodes", "unknown", f"the NodePort of {service.address} is not known before apply", service)
    shown_ports = ", ".join(str(p) for p in node_ports)
    what = f"{expectation.protocol}/{shown_ports} (NodePort{' range' if node_ports[0].low != node_ports[0].high else ''}" \
           f" of {service.address})"
    if not groups:
        return Hop("nodes", "unknown", f"the security groups of the nodes of {service.cluster.address} are not known "
                   "here", service)
    cluster = expectation.source if isinstance(expectation.source, Cluster) else None
    gap = security.missing_any(groups, sources, expectation.protocol, node_ports, cluster)
    names = ", ".join(g.address for g in groups)
    if gap is None:
        return Hop("nodes", "unknown", f"the rules of {names} are not all known", groups[0])
    if gap:
        return Hop("nodes", "fail", f"{names} does not admit {security.show_set(gap)} ({label}) on {what}",
                   groups[0])
    return Hop("nodes", "pass", f"{names} admits {security.show_set(sources)} ({label}) on {what}", groups[0])
