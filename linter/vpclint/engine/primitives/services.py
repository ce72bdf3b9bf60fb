"""Kubernetes Service primitives: what is wrong with a Service on its face."""

from __future__ import annotations

from typing import Any, Iterator

from netaddr import IPSet

from vpclint.analysis import routing, security, transit
from vpclint.engine.paths import resolve
from vpclint.engine.primitives import Violation, primitive
from vpclint.model import PortRange, Service
from vpclint.values import Unknown


def _forwarded_from(service: Service) -> IPSet | None:
    """The addresses an internal load balancer's traffic reaches the nodes
    from: its own (``lb_sources``), and, when it keeps the client's address,
    every network that can reach it (the cluster's VPC, its peers and the
    networks its routes reach through a hub, as ``ingress_missing`` counts them)."""
    exposure = service.exposure
    if isinstance(exposure.keeps_client, Unknown):
        return None
    found = IPSet(exposure.lb_sources) if exposure.lb_sources is not None else None
    if exposure.keeps_client is True:
        networks = [service.network, *service.network.peers, *transit.reached(service.network)] \
            if service.network is not None else []
        ranges = [routing.as_set(n.cidrs) for n in networks]
        if not ranges or any(r is None for r in ranges):
            return None
        for part in ranges:
            found = part if found is None else found | part
    return found


def _node_ports(service: Service) -> list[PortRange] | None:
    if isinstance(service.ports, Unknown) or not service.ports:
        return None
    found = []
    for port in service.ports:
        if isinstance(port.node_port, Unknown):
            return None
        found.append(service.node_port_range if port.node_port is None else PortRange(port.node_port, port.node_port))
    return found


@primitive
def nodes_closed_to_load_balancer(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """An internal LoadBalancer ``service`` whose nodes' security groups admit
    its NodePorts from none of the addresses its load balancer forwards from
    (``groups``, ``ports``, ``forwarded``); silent when the provider's
    controller writes those rules itself, or anything is unknown."""
    found = resolve(bindings, args["service"])
    service = found[0] if len(found) == 1 else None
    if not isinstance(service, Service) or service.exposure is None or service.cluster is None:
        return
    exposure = service.exposure
    if exposure.internal is not True or exposure.node_rules_managed or not service.security_groups:
        return
    forwarded, ports = _forwarded_from(service), _node_ports(service)
    if forwarded is None or not forwarded or ports is None:
        return
    protocols = {p.protocol for p in service.ports}
    for protocol in sorted(protocols):
        chosen = [r for r, p in zip(ports, service.ports) if p.protocol == protocol]
        gap = security.missing_any(service.security_groups, forwarded, protocol, chosen)
        if gap is None or gap != forwarded:
            continue
        groups = service.security_groups
        yield Violation({"service": service, "groups": ", ".join(g.address for g in groups),
                         "ports": f"{protocol}/{', '.join(str(p) for p in chosen)}",
                         "forwarded": security.show_set(forwarded), "controller": exposure.controller,
                         "source": exposure.lb_sources_label if exposure.keeps_client is not True
                         else "the clients' networks (the load balancer keeps their addresses)"},
                        subject=groups[0], related=[service], facts=(service.address, protocol))
