"""Security-group admission: which source addresses a group lets in on a port.

Ports are intervals, split at every rule's bounds so each piece is either
wholly inside a rule or outside it. Rules are applied in priority order
(lower first, deny before allow at equal priority — Huawei's semantics;
AWS rules are all allows, so order does not matter). A source group admits
a cluster's pods only when the cluster's nodes are members and the pods'
traffic carries node-side addresses (not a routed container CIDR).
"""

from __future__ import annotations

from typing import Any

from netaddr import IPNetwork, IPSet

from vpclint.model import Cluster, PortRange, SecurityGroup, SecurityRule
from vpclint.values import Unknown

ANY = IPSet([IPNetwork("0.0.0.0/0")])
ALL_PORTS = PortRange(0, 65535)


def _protocol_applies(rule: SecurityRule, protocol: str) -> bool | None:
    if isinstance(rule.protocol, Unknown):
        return None
    return rule.protocol == "all" or rule.protocol == protocol


def _rule_ports(rule: SecurityRule) -> list[PortRange] | None:
    if rule.ports is None:
        return [ALL_PORTS]
    if isinstance(rule.ports, Unknown):
        return None
    return rule.ports


def intended_sources(rule: SecurityRule) -> IPSet | None:
    """The addresses an ingress allow rule was written to admit, which tell
    whom its author had in mind; None for a rule that says nothing of that
    (any source, group sources only, a platform default, unknown ranges)."""
    if rule.implicit or rule.direction != "ingress" or rule.action != "allow" or rule.any_source or not rule.sources:
        return None
    intended = source_set(rule, None, IPSet())
    return None if intended is None or intended == ANY else intended


def source_set(rule: SecurityRule, cluster: Cluster | None, pods: IPSet) -> IPSet | None:
    """The addresses ``rule`` matches, as far as the cluster's pods are concerned."""
    if rule.any_source:
        return ANY
    matched = IPSet()
    for cidr in rule.sources:
        if cidr.net is None:
            if cidr.error:
                continue  # malformed: cidr_invalid reports it; the API would reject it
            return None
        matched.add(cidr.range)
    for group in rule.source_groups:
        if isinstance(group, Unknown):
            return None
        if cluster is not None and group in cluster.node_security_groups:
            if cluster.pod_addressing == "routed":
                continue  # container-CIDR addresses are no group member's
            matched |= pods
    return matched


def _pieces(requested: list[PortRange], rules: list[SecurityRule]) -> list[PortRange]:
    """Split the requested port ranges at every rule bound."""
    bounds = set()
    for rule in rules:
        for ports in _rule_ports(rule) or []:
            bounds.update((ports.low, ports.high + 1))
    pieces = []
    for want in requested:
        cuts = sorted({want.low, want.high + 1, *(b for b in bounds if want.low < b <= want.high)})
        pieces.extend(PortRange(a, b - 1) for a, b in zip(cuts, cuts[1:]))
    return pieces


def _order(rule: SecurityRule) -> tuple:
    priority = rule.priority if isinstance(rule.priority, int) else 1
    return (priority, 0 if rule.action == "deny" else 1)


def missing(group: SecurityGroup, sources: IPSet, protocol: str, ports: Any,
            cluster: Cluster | None = None, direction: str = "ingress") -> IPSet | None:
    """The part of ``sources`` that ``group`` does not admit on every port asked.

    ``ports`` is a list of PortRange or None (all). None as the result means
    the group's rules do not say enough to decide. With ``direction="egress"``
    the addresses are destinations and the egress rules decide.
    """
    if not group.complete:
        return None
    rules = [r for r in group.rules if r.direction == direction]
    if any(isinstance(r.priority, Unknown) or isinstance(r.action, Unknown) for r in rules):
        return None
    applicable = []
    for rule in rules:
        applies = _protocol_applies(rule, protocol)
        if applies is None:
            return None
        if applies:
            if _rule_ports(rule) is None:
                return None
            applicable.append(rule)
    applicable.sort(key=_order)
    result = IPSet()
    for piece in _pieces(ports if ports else [ALL_PORTS], applicable):
        remaining, admitted = IPSet(sources), IPSet()
        for rule in applicable:
            if not any(p.low <= piece.low and piece.high <= p.high for p in _rule_ports(rule)):
                continue
            matched = source_set(rule, cluster, sources)
            if matched is None:
                if remaining:
                    return None
                continue
            part = remaining & matched
            if rule.action == "allow":
                admitted |= part
            remaining -= part
        result |= sources - admitted
    return result


def missing_any(groups: list[SecurityGroup], sources: IPSet, protocol: str, ports: Any,
                cluster: Cluster | None = None) -> IPSet | None:
    """What none of ``groups`` admits (an instance with several groups takes their union)."""
    left = IPSet(sources)
    unknown = False
    for group in groups:
        gap = missing(group, sources, protocol, ports, cluster)
        if gap is None:
            unknown = True
            continue
        left &= gap
    if unknown and left:
        return None
    return left


def show_set(addresses: IPSet) -> str:
    return ", ".join(str(c) for c in addresses.iter_cidrs())
