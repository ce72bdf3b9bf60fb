"""Alibaba Cloud security groups, their rules, and network ACLs."""

from __future__ import annotations

from typing import Any

from vpclint.model import NetworkAcl, SecurityGroup, SecurityRule, Subnet
from vpclint.model.build import Builder
from vpclint.providers.alibaba.common import PROVIDER, RANGE, RULE_SOURCE
from vpclint.providers.common import blocks, given, port_ranges, protocol, rule_group
from vpclint.values import Unknown


def adapt(b: Builder) -> None:
    _security_groups(b)
    _network_acls(b)


def _policy(value: Any) -> Any:
    """accept / drop as allow / deny (accept when unset); an unknown stays unknown."""
    if isinstance(value, Unknown):
        return value
    return "deny" if str(value or "accept").lower() == "drop" else "allow"


def _security_groups(b: Builder) -> None:
    b.incomplete(PROVIDER, "rules", ("alicloud_security_group_rule",))
    for res in b.of_type("alicloud_security_group"):
        v = res.values
        group = SecurityGroup(res.address, res, network=b.resolve(v.get("vpc_id"), res, "vpc_id"))
        kind, inner = v.get("security_group_type", "normal"), v.get("inner_access_policy")
        if isinstance(kind, Unknown) or isinstance(inner, Unknown):
            group.complete = False  # whether members admit each other is unknown
        elif (kind or "normal") == "normal" and str(inner or "Accept").lower() == "accept" \
                and v.get("inner_access") is not False:
            # a basic group admits its own members
            group.rules.append(SecurityRule(res.address, res, direction="ingress", source_groups=[group],
                                            implicit=True))
        if kind in (None, "normal"):  # a basic group lets everything out; an enterprise group nothing
            group.rules.append(SecurityRule(res.address, res, direction="egress", any_source=True, implicit=True))
        b.model.security_groups.append(b.register(group))
    for res in b.of_type("alicloud_security_group_rule"):
        v = res.values
        group = rule_group(b, res, PROVIDER)
        if group is None:
            continue
        direction, action = v.get("type", "ingress"), _policy(v.get("policy"))
        if isinstance(direction, Unknown):  # it might be either: it decides nothing either way
            direction, action = "ingress", Unknown("the rule's type is unknown")
        priority = v.get("priority", 1)
        rule = SecurityRule(res.address, res, direction=str(direction).lower(), protocol=protocol(v.get("ip_protocol")),
                            action=action, priority=1 if priority is None else priority)
        rule.ports = None if rule.protocol in ("all", "icmp", "icmpv6", "gre") else port_ranges(v.get("port_range"))
        if given(v.get("source_security_group_id")):
            rule.source_groups.append(b.resolve(v.get("source_security_group_id"), res, "source_security_group_id")
                                      or Unknown("security group outside this configuration"))
        elif given(v.get("prefix_list_id")):
            rule.sources = [b.cidr(rule, "prefix_list_id", "source", Unknown("prefix list contents are not modelled"))]
        elif given(v.get("cidr_ip")):
            rule.sources = [b.cidr(rule, "cidr_ip", "source", v.get("cidr_ip"), RULE_SOURCE, single_address=True)]
        # an IPv6-only rule (ipv6_cidr_ip) keeps no IPv4 source: it matches no IPv4 address
        group.rules.append(rule)


def _network_acls(b: Builder) -> None:
    """``alicloud_network_acl``: its entries are read, but the system entries
    the API adds are not in the configuration, so its verdicts stay unknown."""
    for res in b.of_type("alicloud_network_acl"):
        v = res.values
        acl = NetworkAcl(res.address, res, network=b.resolve(v.get("vpc_id"), res, "vpc_id"), complete=False)
        b.note(res, "ingress_acl_entries", "the network ACL's system entries are not in the configuration: "
                                           "what it admits is not decided here")
        for direction, key, remote in (("ingress", "ingress_acl_entries", "source_cidr_ip"),
                                       ("egress", "egress_acl_entries", "destination_cidr_ip")):
            for number, block in enumerate(blocks(v.get(key)), start=1):
                rule = SecurityRule(res.address, res, direction=direction, protocol=protocol(block.get("protocol")),
                                    action=_policy(block.get("policy")), priority=number)
                rule.ports = None if rule.protocol in ("all", "icmp", "gre") else port_ranges(block.get("port"))
                if given(block.get(remote)):
                    rule.sources = [b.cidr(rule, remote, "source", block.get(remote), RANGE, single_address=True)]
                else:
                    rule.any_source = True
                acl.rules.append(rule)
        b.model.network_acls.append(b.register(acl))
        _guard(b, acl, res, [item.get("resource_id") for item in blocks(v.get("resources"))])
    for res in b.of_type("alicloud_network_acl_attachment", "alicloud_vpc_network_acl_attachment"):
        v = res.values
        acl = b.resolve(v.get("network_acl_id"), res, "network_acl_id")
        if isinstance(acl, NetworkAcl):
            ids = [v.get("resource_id")] if given(v.get("resource_id")) else \
                [item.get("resource_id") for item in blocks(v.get("resources"))]
            _guard(b, acl, res, ids)


def _guard(b: Builder, acl: NetworkAcl, res, ids: list) -> None:
    """The vSwitches ``ids`` name are guarded by ``acl``."""
    for value in ids:
        subnet = b.resolve(value, res, "resource_id")
        if isinstance(subnet, Subnet) and subnet not in acl.subnets:
            subnet.network_acl = acl
            acl.subnets.append(subnet)
