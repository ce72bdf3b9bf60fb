"""AWS (aws provider) → the network model.

The package's parts: ``clusters`` (EKS, and where its pods' traffic comes
from under the VPC CNI's settings), ``services`` (which controller exposes a
LoadBalancer Service), ``base`` (the provider's name and range limits).

Other facts kept here: a subnet without an explicit route table association
uses the VPC's main route table; ``aws_default_route_table`` manages that
main table; inline ``route``/``ingress``/``egress`` blocks and standalone
resources both add to their parent; protocol ``-1`` means every protocol and
port. Services pods reach (endpoints, and targets of ``expect:``): RDS
instances and clusters, ElastiCache, MSK (clients connect on 9094 with TLS,
MSK's default, 9092 in plaintext, 9098 with IAM) and EC2 instances.
"""

from __future__ import annotations

from typing import Any

from vpclint.model import (
    Attachment, Element, Endpoint, Hub, Network, NetworkAcl, Peering, Route, RouteTable, SecurityGroup,
    SecurityRule, Subnet,
)
from vpclint.model.build import Builder
from vpclint.model.join import Selector
from vpclint.providers.aws.base import PROVIDER, RANGE, SUBNET_CIDR, VPC_CIDR
from vpclint.providers.aws.clusters import clusters as _clusters
from vpclint.providers.aws.services import service_exposure
from vpclint.providers.common import (
    blocks, first, flag, from_to, given, partly_unknown, protocol, rule_group, secondary_cidr,
)
from vpclint.providers.hubs import HubMapper
from vpclint.resources import Resource
from vpclint.values import Unknown, id_elements

__all__ = ["DATA_SOURCES", "PROVIDER", "SNIPPETS", "adapt", "service_exposure"]

_ROUTE_TARGETS = (
    ("vpc_peering_connection_id", "peering"), ("gateway_id", "gateway"), ("nat_gateway_id", "nat"),
    ("transit_gateway_id", "transit"), ("network_interface_id", "interface"), ("vpc_endpoint_id", "endpoint"),
    ("egress_only_gateway_id", "gateway"), ("local_gateway_id", "gateway"), ("carrier_gateway_id", "gateway"),
    ("core_network_arn", "transit"), ("instance_id", "instance"),
)
# HCL that fixes a finding, by kind; filled by vpclint.providers.snippet
# what a data source reads, by its arguments, tags and filters (data-sources/vpc.md, subnet.md,
# route_table.md, security_group.md; filter names as in the EC2 Describe* APIs)
_TAGGED = {"tags": True}
# bool and number attributes the adapter reads, converted from strings as
# Terraform converts them against the provider schema (common.convert_schema_types)
_SG_BLOCK = {"from_port": "number", "to_port": "number", "self": "bool"}
_ACL_BLOCK = {"rule_no": "number", "from_port": "number", "to_port": "number"}
_TGW_SWITCHES = {"transit_gateway_default_route_table_association": "bool",
                 "transit_gateway_default_route_table_propagation": "bool"}
ATTRIBUTE_TYPES = {
    "aws_vpc_peering_connection": {"auto_accept": "bool"},
    "aws_vpc_peering_connection_accepter": {"auto_accept": "bool"},
    "aws_ec2_transit_gateway_vpc_attachment": _TGW_SWITCHES,
    "aws_ec2_transit_gateway_vpc_attachment_accepter": _TGW_SWITCHES,
    "aws_ec2_transit_gateway_route": {"blackhole": "bool"},
    **{kind: {f"{direction}.{key}": t for direction in ("ingress", "egress") for key, t in _SG_BLOCK.items()}
       for kind in ("aws_security_group", "aws_default_security_group")},
    "aws_security_group_rule": _SG_BLOCK,
    "aws_vpc_security_group_ingress_rule": {"from_port": "number", "to_port": "number"},
    "aws_vpc_security_group_egress_rule": {"from_port": "number", "to_port": "number"},
    **{kind: {f"{direction}.{key}": t for direction in ("ingress", "egress") for key, t in _ACL_BLOCK.items()}
       for kind in ("aws_network_acl", "aws_default_network_acl")},
    "aws_network_acl_rule": {"rule_number": "number", "egress": "bool", "from_port": "number", "to_port": "number"},
    **{kind: {"port": "number"} for kind in ("aws_db_instance", "aws_rds_cluster", "aws_elasticache_cluster",
                                              "aws_elasticache_replication_group", "aws_lb_listener",
                                              "aws_alb_listener")},
    "aws_msk_cluster": {"client_authentication.sasl.iam": "bool"},
}

DATA_SOURCES = {
    "aws_vpc": Selector("aws_vpc", {"id": "id", "cidr_block": "cidr_block"}, **_TAGGED,
                        filters={"vpc-id": "id", "cidr": "cidr_block", "cidr-block": "cidr_block"},
                        unsupported=("default",)),
    "aws_subnet": Selector("aws_subnet", {"id": "id", "vpc_id": "vpc_id", "cidr_block": "cidr_block",
                                          "availability_zone": "availability_zone"}, **_TAGGED,
                           filters={"subnet-id": "id", "vpc-id": "vpc_id", "cidr-block": "cidr_block",
                                    "cidrBlock": "cidr_block", "availability-zone": "availability_zone"},
                           unsupported=("default_for_az",)),
    "aws_route_table": Selector("aws_route_table", {"route_table_id": "id", "vpc_id": "vpc_id"}, **_TAGGED,
                                filters={"route-table-id": "id", "vpc-id": "vpc_id"},
                                unsupported=("subnet_id", "gateway_id")),
    "aws_security_group": Selector("aws_security_group", {"id": "id", "name": "name", "vpc_id": "vpc_id"},
                                   **_TAGGED, filters={"group-id": "id", "group-name": "name", "vpc-id": "vpc_id"}),
    "aws_ec2_transit_gateway": Selector("aws_ec2_transit_gateway", {"id": "id"}, **_TAGGED,
                                        filters={"transit-gateway-id": "id"}),
}

SNIPPETS = {
    "route": """resource "aws_route" "{name}" {{
  route_table_id            = {table}.id
  destination_cidr_block    = "{destination}"
  vpc_peering_connection_id = {peering}.id
}}""",
    "default_route": """resource "aws_route" "{name}" {{
  route_table_id            = {network}.main_route_table_id
  destination_cidr_block    = "{destination}"
  vpc_peering_connection_id = {peering}.id
}}""",
    "ingress": """resource "aws_vpc_security_group_ingress_rule" "{name}" {{
  security_group_id = {group}.id
  ip_protocol       = "{protocol}"
  from_port         = {from_port}
  to_port           = {to_port}
  cidr_ipv4         = "{source}"
}}""",
    "hub_route": """resource "aws_ec2_transit_gateway_route" "{name}" {{
  transit_gateway_route_table_id = {table}.id
  destination_cidr_block         = "{destination}"
  transit_gateway_attachment_id  = {attachment}.id
}}""",
    "hub_default_route": """resource "aws_ec2_transit_gateway_route" "{name}" {{
  transit_gateway_route_table_id = {hub}.association_default_route_table_id
  destination_cidr_block         = "{destination}"
  transit_gateway_attachment_id  = {attachment}.id
}}""",
    "hub_vpc_route": """resource "aws_route" "{name}" {{
  route_table_id         = {table}.id
  destination_cidr_block = "{destination}"
  transit_gateway_id     = {hub}.id
}}""",
    "hub_vpc_default_route": """resource "aws_route" "{name}" {{
  route_table_id         = {network}.main_route_table_id
  destination_cidr_block = "{destination}"
  transit_gateway_id     = {hub}.id
}}""",
    "hub_accepter": """resource "aws_ec2_transit_gateway_peering_attachment_accepter" "{name}" {{
  provider                      = aws.peer # the peer transit gateway's account and region
  transit_gateway_attachment_id = {attachment}.id
}}""",
    "accepter": """resource "aws_vpc_peering_connection_accepter" "{name}" {{
  provider                  = aws.accepter # the peer VPC's account or region
  vpc_peering_connection_id = {peering}.id
  auto_accept               = true
}}""",
}

_DB_PORTS = {"mysql": 3306, "mariadb": 3306, "aurora": 3306, "aurora-mysql": 3306, "postgres": 5432,
             "aurora-postgresql": 5432, "sqlserver": 1433, "oracle": 1521}


def adapt(b: Builder) -> None:
    _networks(b)
    _subnets(b)
    _peerings(b)
    _transit_gateways(b)
    _route_tables(b)
    _security_groups(b)
    _network_acls(b)
    _clusters(b)
    _endpoints(b)


def _networks(b: Builder) -> None:
    for res in b.of_type("aws_vpc"):
        v = res.values
        net = Network(res.address, res, provider=PROVIDER, managed=res.mode == "managed")
        if given(v.get("cidr_block")) or res.mode == "managed":
            cidr = b.cidr(net, "cidr_block", "network", v.get("cidr_block"), VPC_CIDR)
            if cidr.unknown is None or res.mode == "managed":
                net.cidrs.append(cidr)
        b.model.networks.append(b.register(net))
        # the main route table exists without a resource; subnets with no
        # association use it
        main = RouteTable(f"{res.address} (main route table)", res, network=net, default=True, complete=net.managed)
        b.model.route_tables.append(b.default_table(net, main))
    for res in b.of_type("aws_vpc_ipv4_cidr_block_association"):
        secondary_cidr(b, res, PROVIDER, "cidr_block", VPC_CIDR)


def _subnets(b: Builder) -> None:
    for res in b.of_type("aws_subnet"):
        v = res.values
        subnet = Subnet(res.address, res, network=b.resolve(v.get("vpc_id"), res, "vpc_id"),
                        zone=v.get("availability_zone") if given(v.get("availability_zone"))
                        else v.get("availability_zone_id"))
        subnet.cidr = b.cidr(subnet, "cidr_block", "subnet", v.get("cidr_block"), SUBNET_CIDR)
        b.model.subnets.append(b.register(subnet))


def _peerings(b: Builder) -> None:
    for res in b.of_type("aws_vpc_peering_connection"):
        v = res.values
        peering = Peering(res.address, res, local=b.resolve(v.get("vpc_id"), res, "vpc_id"),
                          peer=b.resolve(v.get("peer_vpc_id"), res, "peer_vpc_id"))
        owner, region = v.get("peer_owner_id"), v.get("peer_region")
        peering.cross_account = owner if isinstance(owner, Unknown) else given(owner)
        peering.cross_region = region if isinstance(region, Unknown) else given(region)
        auto_accept = v.get("auto_accept")
        remote = peering.cross_account is True or peering.cross_region is True
        vague = isinstance(peering.cross_account, Unknown) or isinstance(peering.cross_region, Unknown)
        if auto_accept is True and not remote and vague:
            peering.state = Unknown("whether it crosses accounts or regions (where auto_accept does not work) "
                                    "is unknown")
        elif auto_accept is True and not remote:
            peering.state = "active"
        elif remote and isinstance(peering.peer, Network) and peering.peer.managed:
            # auto_accept works only within one account and region; the peer VPC is managed here
            peering.state = "pending"
            kind = "cross-account (peer_owner_id)" if peering.cross_account is True else "cross-region (peer_region)"
            peering.missing = (f"it is {kind} and nothing accepts it: auto_accept works only within one account "
                               "and region")
            peering.remedy = SNIPPETS["accepter"].format(name=res.name + "_accepter", peering=res.address)
        elif remote:
            peering.state = Unknown("the accepter is in another account or region, maybe managed elsewhere")
        else:
            peering.state = Unknown("accepted outside this configuration, or still pending")
        b.model.peerings.append(b.register(peering))
    for res in b.of_type("aws_vpc_peering_connection_accepter"):
        peering = b.resolve(res.values.get("vpc_peering_connection_id"), res, "vpc_peering_connection_id")
        if isinstance(peering, Peering):
            peering.accepter = Element(res.address, res)
            accept = res.values.get("auto_accept")
            peering.state = "active" if accept is True else (
                accept if isinstance(accept, Unknown) else Unknown("accepter without auto_accept"))


def _route(b: Builder, res, address: str, values: dict, dest_key: str) -> Route | None:
    dest = values.get(dest_key)
    if not given(dest):
        return None  # an IPv6 or prefix-list route: not modelled
    route = Route(address, res, target_kind="unknown")
    route.destination = b.cidr(route, dest_key, "route", dest, RANGE)
    for key, kind in _ROUTE_TARGETS:
        target = values.get(key)
        if given(target):
            if key == "gateway_id" and target == "local":
                kind = "local"
            route.target_kind = kind
            linked = kind == "peering" or key == "transit_gateway_id"
            route.target = (b.resolve(target, res, key) or target) if linked else target
            break
    return route


_TGW = "aws_ec2_transit_gateway"
_TRANSIT_TYPES = (_TGW, "aws_vpn_connection", "aws_dx_gateway_association", f"{_TGW}_vpc_attachment", f"{_TGW}_vpc_attachment_accepter", f"{_TGW}_peering_attachment",
                  f"{_TGW}_peering_attachment_accepter", f"{_TGW}_route_table", f"{_TGW}_route_table_association",
                  f"{_TGW}_route_table_propagation", f"{_TGW}_route", f"{_TGW}_default_route_table_association",
                  f"{_TGW}_default_route_table_propagation")


def _transit_gateways(b: Builder) -> None:
    """Transit gateways (AWS tgw-transit-gateways, tgw-peering): by default
    every attachment associates with and propagates into the TGW's default
    table (``default_route_table_association`` / ``_propagation``
    "enable"; an attachment opts out with
    ``transit_gateway_default_route_table_association`` / ``_propagation``
    false); a propagation installs the VPC's CIDRs, primary and secondary;
    a peering attachment propagates nothing (static routes only), needs its
    accepter, and each side is associated on its own TGW."""
    hubs = HubMapper(b, PROVIDER, _TRANSIT_TYPES)
    for res in b.of_type(_TGW):
        v = res.values
        hub = hubs.hub(res, "transit_gateway")
        for key, attr, id_key in (("default_association", "default_route_table_association",
                                   "association_default_route_table_id"),
                                  ("default_propagation", "default_route_table_propagation",
                                   "propagation_default_route_table_id")):
            enabled = flag(v.get(attr), True)
            setattr(hub, key, hubs.implicit_table(hub, v.get(id_key)) if enabled is True else
                    (None if enabled is False else enabled))
    for res in b.of_type(f"{_TGW}_default_route_table_association", f"{_TGW}_default_route_table_propagation"):
        hub = b.resolve(res.values.get("transit_gateway_id"), res, "transit_gateway_id")
        table = hubs.find_table(res.values.get("transit_gateway_route_table_id"), res,
                                "transit_gateway_route_table_id")
        if isinstance(hub, Hub):
            setattr(hub, "default_association" if res.type.endswith("association") else "default_propagation",
                    table if table is not None else Unknown("the default table is not known"))
    for res in b.of_type(f"{_TGW}_route_table"):
        hubs.table(res, b.resolve(res.values.get("transit_gateway_id"), res, "transit_gateway_id"))
    for res in b.of_type(f"{_TGW}_vpc_attachment"):
        v = res.values
        hubs.attachment(res, b.resolve(v.get("transit_gateway_id"), res, "transit_gateway_id"), "vpc",
                        network=b.resolve(v.get("vpc_id"), res, "vpc_id"),
                        subnets=[s for s in b.resolve_all(v.get("subnet_ids"), res, "subnet_ids")
                                 if isinstance(s, Subnet)],
                        associate_default=flag(v.get("transit_gateway_default_route_table_association"), True),
                        propagate_default=flag(v.get("transit_gateway_default_route_table_propagation"), True))
    for res in b.of_type(f"{_TGW}_vpc_attachment_accepter"):  # on a shared TGW the owner's switches apply
        v = res.values
        attachment = b.resolve(v.get("transit_gateway_attachment_id"), res, "transit_gateway_attachment_id")
        if isinstance(attachment, Attachment):
            attachment.associate_default = flag(v.get("transit_gateway_default_route_table_association"), True)
            attachment.propagate_default = flag(v.get("transit_gateway_default_route_table_propagation"), True)
    _tgw_peerings(b, hubs)
    for res in b.of_type("aws_vpn_connection", "aws_dx_gateway_association"):
        # a VPN or Direct Connect attachment: vpclint does not follow it, and what
        # it propagates (BGP) is not in the configuration
        v = res.values
        key = "transit_gateway_id" if res.type == "aws_vpn_connection" else "associated_gateway_id"
        hub = b.resolve(v.get(key), res, key) if given(v.get(key)) else None
        if isinstance(hub, Hub):
            attachment = hubs.attachment(res, hub, "vpn" if res.type == "aws_vpn_connection" else "other",
                                         exports="unknown")
            b.register(attachment, v.get("transit_gateway_attachment_id"))
    for res in b.of_type(f"{_TGW}_route_table_association"):
        hubs.associate(res, res.values.get("transit_gateway_attachment_id"),
                       res.values.get("transit_gateway_route_table_id"),
                       ("transit_gateway_attachment_id", "transit_gateway_route_table_id"))
    for res in b.of_type(f"{_TGW}_route_table_propagation"):
        hubs.propagate(res, res.values.get("transit_gateway_attachment_id"),
                       res.values.get("transit_gateway_route_table_id"),
                       ("transit_gateway_attachment_id", "transit_gateway_route_table_id"))
    for res in b.of_type(f"{_TGW}_route"):
        v = res.values
        hubs.static_route(res, v.get("transit_gateway_route_table_id"), v.get("destination_cidr_block"),
                          v.get("transit_gateway_attachment_id"), flag(v.get("blackhole"), False),
                          ("transit_gateway_route_table_id", "destination_cidr_block", "transit_gateway_attachment_id"))


def _tgw_peerings(b: Builder, hubs: HubMapper) -> None:
    """A TGW peering attachment: one side on each TGW, both associated by
    their TGW's default association (the accepter too) unless moved."""
    accepters: dict[str, Resource] = {}
    for res in b.of_type(f"{_TGW}_peering_attachment_accepter"):
        target = res.values.get("transit_gateway_attachment_id")
        key = getattr(target, "address", target)
        if isinstance(key, str):
            accepters[key] = res
    for res in b.of_type(f"{_TGW}_peering_attachment"):
        v = res.values
        local = hubs.attachment(res, b.resolve(v.get("transit_gateway_id"), res, "transit_gateway_id"), "peering",
                                exports="none", propagate_default=False)
        remote_hub = b.resolve(v.get("peer_transit_gateway_id"), res, "peer_transit_gateway_id")
        accepter = accepters.get(res.address) or accepters.get(v.get("id") if isinstance(v.get("id"), str) else "")
        if accepter is not None:
            state: Any = "active"
        elif isinstance(remote_hub, Hub) and remote_hub.managed:
            state = "pending"  # the peer TGW is managed here, its accepter is not
            local.missing = (f"nothing accepts it: a TGW peering needs an accepter on {remote_hub.address}'s side, "
                             "even within one account")
            local.remedy = SNIPPETS["hub_accepter"].format(name=res.name + "_accepter", attachment=res.address)
        else:
            state = Unknown("accepted outside this configuration, or still pending")
        local.state = state
        remote = Attachment(accepter.address if accepter else f"{res.address} (accepter side)", accepter or res,
                            hub=remote_hub if isinstance(remote_hub, Hub) else None, kind="peering",
                            exports="none", propagate_default=False, peer=local, state=state,
                            missing=local.missing, remedy=local.remedy)
        local.peer = remote
        b.model.attachments.append(remote)
        if accepter is not None:
            b.alias(accepter.address, local)  # the accepter's id is the attachment's: resolved by side


_ROUTING_TYPES = ("aws_route_table", "aws_default_route_table", "aws_route", "aws_route_table_association",
                  "aws_main_route_table_association")
_RULE_TYPES = ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule")


def _route_tables(b: Builder) -> None:
    b.incomplete(PROVIDER, "routes", _ROUTING_TYPES)
    for res in b.of_type("aws_route_table", "aws_default_route_table"):
        v = res.values
        if res.type == "aws_default_route_table":
            network = b.resolve(v.get("default_route_table_id"), res, "default_route_table_id")
            table = b.default_table(network)
            if table is None:
                continue
            table.resource, table.address = res, res.address
        else:
            table = RouteTable(res.address, res, network=b.resolve(v.get("vpc_id"), res, "vpc_id"))
            if table.network is None and isinstance(v.get("vpc_id"), Unknown):
                b.incomplete(PROVIDER, "routes")  # a table (and its routes) this model cannot place
            b.model.route_tables.append(table)
        for block in blocks(v.get("route")):
            route = _route(b, res, res.address, block, "cidr_block")
            if route is not None:
                table.routes.append(route)
        if partly_unknown(v.get("route")) or given(v.get("propagating_vgws")):
            table.complete = False  # routes a VPN gateway propagates are not in the configuration
        b.register(table)
    for res in b.of_type("aws_route"):
        table = b.resolve(res.values.get("route_table_id"), res, "route_table_id")
        if isinstance(table, Network):  # route_table_id = aws_vpc.x.main_route_table_id
            table = b.default_table(table)
        if isinstance(table, RouteTable):
            route = _route(b, res, res.address, res.values, "destination_cidr_block")
            if route is not None:
                table.routes.append(route)
        elif isinstance(res.values.get("route_table_id"), Unknown):
            b.incomplete(PROVIDER, "routes")  # a route in a table this model cannot place
    for res in b.of_type("aws_vpn_gateway_route_propagation"):
        table = b.resolve(res.values.get("route_table_id"), res, "route_table_id")
        table = b.default_table(table) if isinstance(table, Network) else table
        if isinstance(table, RouteTable):
            table.complete = False  # it learns the VPN's routes, which the configuration does not hold
    for res in b.of_type("aws_main_route_table_association"):
        network = b.resolve(res.values.get("vpc_id"), res, "vpc_id")
        table = b.resolve(res.values.get("route_table_id"), res, "route_table_id")
        implicit = b.default_table(network)
        if isinstance(table, RouteTable) and implicit is not None:
            implicit.default = False
            table.default = True
            b.default_table(network, table)
    for res in b.of_type("aws_route_table_association"):
        subnet = b.resolve(res.values.get("subnet_id"), res, "subnet_id")
        table = b.resolve(res.values.get("route_table_id"), res, "route_table_id")
        if isinstance(subnet, Subnet) and isinstance(table, RouteTable):
            subnet.route_table = table
        elif any(isinstance(res.values.get(k), Unknown) for k in ("subnet_id", "route_table_id")):
            b.incomplete(PROVIDER, "routes")


def _rule(b: Builder, group: SecurityGroup, res, address: str, direction: str, v: dict) -> SecurityRule:
    proto = protocol(v.get("protocol", v.get("ip_protocol")))
    rule = SecurityRule(address, res, direction=direction, protocol=proto)
    rule.ports = None if proto in ("all", "icmp", "icmpv6") else from_to(v.get("from_port"), v.get("to_port"))
    for key in ("cidr_blocks", "cidr_ipv4"):
        rule.sources.extend(b.cidrs(rule, key, "source", v.get(key) if isinstance(v.get(key), list)
                                    else ([v.get(key)] if given(v.get(key)) else []), RANGE))
    for key in ("prefix_list_ids", "prefix_list_id"):
        if given(v.get(key)):
            rule.sources.append(b.cidr(rule, key, "source", Unknown("prefix list contents are not modelled")))
    for key in ("security_groups", "source_security_group_id", "referenced_security_group_id"):
        for ref in id_elements(v.get(key)):
            rule.source_groups.append(b.resolve(ref, res, key) or Unknown("security group outside this configuration"))
    if v.get("self") is True:
        rule.source_groups.append(group)
    return rule


def _security_groups(b: Builder) -> None:
    b.incomplete(PROVIDER, "rules", _RULE_TYPES)
    for res in b.of_type("aws_security_group", "aws_default_security_group"):
        v = res.values
        group = SecurityGroup(res.address, res, network=b.resolve(v.get("vpc_id"), res, "vpc_id"))
        for direction in ("ingress", "egress"):
            if partly_unknown(v.get(direction)):
                group.complete = False
            for block in blocks(v.get(direction)):
                group.rules.append(_rule(b, group, res, res.address, direction, block))
        b.model.security_groups.append(b.register(group))
    for res in b.of_type("aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                         "aws_vpc_security_group_egress_rule"):
        v = res.values
        group = rule_group(b, res, PROVIDER)
        if group is None:
            continue
        direction = {"aws_vpc_security_group_ingress_rule": "ingress",
                     "aws_vpc_security_group_egress_rule": "egress"}.get(res.type, v.get("type"))
        group.rules.append(_rule(b, group, res, res.address, str(direction), v))


_ACL_RULE_TYPES = ("aws_network_acl_rule", "aws_network_acl_association")


def _acl_rule(b: Builder, res, direction: str, v: dict, number_key: str, action_key: str) -> SecurityRule:
    proto = protocol(v.get("protocol"))
    action = v.get(action_key)
    rule = SecurityRule(res.address, res, direction=direction, protocol=proto,
                        action=action if isinstance(action, Unknown) else str(action or "deny").lower(),
                        priority=v.get(number_key))
    rule.ports = None if proto in ("all", "icmp", "icmpv6") else from_to(v.get("from_port"), v.get("to_port"))
    if given(v.get("cidr_block")):  # an IPv6-only rule keeps no sources: it matches no IPv4 address
        rule.sources = [b.cidr(rule, "cidr_block", "source", v.get("cidr_block"), RANGE)]
    return rule


def _network_acls(b: Builder) -> None:
    """Network ACLs: rules by number, first match wins, implicit deny. A
    subnet without an association uses the VPC's default ACL, which allows
    everything unless ``aws_default_network_acl`` manages it."""
    b.incomplete(PROVIDER, "acl_rules", _ACL_RULE_TYPES)
    for res in b.of_type("aws_network_acl", "aws_default_network_acl"):
        v = res.values
        if res.type == "aws_default_network_acl":
            network = b.resolve(v.get("default_network_acl_id"), res, "default_network_acl_id")
            subnets = [s for s in b.model.subnets if network is not None and s.network is network]
        else:
            network = b.resolve(v.get("vpc_id"), res, "vpc_id")
            subnets = b.resolve_all(v.get("subnet_ids"), res, "subnet_ids")
        acl = NetworkAcl(res.address, res, network=network if isinstance(network, Network) else None)
        for direction in ("ingress", "egress"):
            if partly_unknown(v.get(direction)):
                acl.complete = False
            for block in blocks(v.get(direction)):
                acl.rules.append(_acl_rule(b, res, direction, block, "rule_no", "action"))
        for subnet in subnets:
            if isinstance(subnet, Subnet) and (res.type == "aws_network_acl" or subnet.network_acl is None):
                subnet.network_acl = acl
                acl.subnets.append(subnet)
        b.model.network_acls.append(b.register(acl))
    for res in b.of_type("aws_network_acl_rule"):
        acl = b.resolve(res.values.get("network_acl_id"), res, "network_acl_id")
        if isinstance(acl, NetworkAcl):
            direction = "egress" if res.values.get("egress") is True else "ingress"
            rule = _acl_rule(b, res, direction, res.values, "rule_number", "rule_action")
            if isinstance(res.values.get("egress"), Unknown):  # it might be either: it decides nothing
                rule.action = Unknown("the rule's direction is unknown")
            acl.rules.append(rule)
        elif isinstance(res.values.get("network_acl_id"), Unknown):
            b.incomplete(PROVIDER, "acl_rules")
    for res in b.of_type("aws_network_acl_association"):
        acl = b.resolve(res.values.get("network_acl_id"), res, "network_acl_id")
        subnet = b.resolve(res.values.get("subnet_id"), res, "subnet_id")
        if isinstance(acl, NetworkAcl) and isinstance(subnet, Subnet):
            subnet.network_acl = acl
            acl.subnets.append(subnet)
        elif any(isinstance(res.values.get(k), Unknown) for k in ("network_acl_id", "subnet_id")):
            b.incomplete(PROVIDER, "acl_rules")


def _endpoints(b: Builder) -> None:
    specs = (
        ("aws_db_instance", "database", "vpc_security_group_ids"),
        ("aws_rds_cluster", "database", "vpc_security_group_ids"),
        ("aws_elasticache_cluster", "cache", "security_group_ids"),
        ("aws_elasticache_replication_group", "cache", "security_group_ids"),
        ("aws_instance", "instance", "vpc_security_group_ids"),
    )
    for type_, kind, groups_key in specs:
        for res in b.of_type(type_):
            v = res.values
            subnet = b.resolve(v.get("subnet_id"), res, "subnet_id") if given(v.get("subnet_id")) else None
            port, engine = v.get("port"), v.get("engine")
            if isinstance(port, int):
                ports = [port]
            elif kind == "database":
                ports = [_DB_PORTS[engine]] if isinstance(engine, str) and engine in _DB_PORTS else []
            elif kind == "cache":
                ports = [6379 if v.get("engine", "redis") == "redis" else 11211]
            else:
                ports = []
            _endpoint(b, res, kind, [subnet], (v.get(groups_key), groups_key), ports)
    for res in b.of_type("aws_msk_cluster"):  # brokers in client_subnets, guarded by their security groups
        info = first(res.values.get("broker_node_group_info"))
        info = info if isinstance(info, dict) else {}
        subnets = b.resolve_all(info.get("client_subnets"), res, "broker_node_group_info.client_subnets")
        _endpoint(b, res, "broker", subnets,
                  (info.get("security_groups"), "broker_node_group_info.security_groups"), _msk_ports(res.values))
    for res in b.of_type("aws_lb", "aws_alb"):  # in its subnets, guarded by its security groups (an NLB may have none)
        v = res.values
        listed = v.get("subnets")  # a list, or unknown as a whole
        mapped = [m.get("subnet_id") for m in blocks(v.get("subnet_mapping"))]
        given_subnets = [*listed, *mapped] if isinstance(listed, list) else (mapped if listed is None else listed)
        subnets = b.resolve_all(given_subnets, res, "subnets")
        _endpoint(b, res, "load balancer", subnets, (v.get("security_groups"), "security_groups"), [],
                  v.get("arn"))
    for res in b.of_type("aws_lb_listener", "aws_alb_listener"):  # the ports a load balancer listens on
        balancer = b.resolve(res.values.get("load_balancer_arn"), res, "load_balancer_arn")
        port = res.values.get("port")
        if isinstance(balancer, Endpoint) and isinstance(port, int) and port not in balancer.ports:
            balancer.ports.append(port)


def _endpoint(b: Builder, res: Resource, kind: str, subnets: list, groups: tuple[Any, str], ports: list[int],
              *ids: Any) -> None:
    """A service in the first of ``subnets``, guarded by the security groups
    ``groups`` names (value, attribute); its network is its subnet's, else its groups'."""
    endpoint = Endpoint(res.address, res, kind=kind, ports=ports)
    endpoint.security_groups = [g for g in b.resolve_all(groups[0], res, groups[1]) if isinstance(g, SecurityGroup)]
    endpoint.subnet = next((s for s in subnets if isinstance(s, Subnet)), None)
    networks = [g.network for g in endpoint.security_groups if g.network is not None]
    endpoint.network = endpoint.subnet.network if endpoint.subnet else (networks[0] if networks else None)
    b.model.endpoints.append(b.register(endpoint, *ids))


def _msk_ports(v: dict) -> list[int]:
    """Bootstrap ports by how clients connect: TLS 9094 (the default), plaintext 9092, IAM 9098."""
    encryption = first(v.get("encryption_info"))
    transit = first(encryption.get("encryption_in_transit")) if isinstance(encryption, dict) else encryption
    auth = first(v.get("client_authentication"))
    sasl = first(auth.get("sasl")) if isinstance(auth, dict) else auth
    if isinstance(transit, Unknown) or isinstance(sasl, Unknown):
        return []
    if sasl.get("iam") is True:
        return [9098]
    client_broker = transit.get("client_broker")
    if client_broker == "PLAINTEXT":
        return [9092]
    return [9094] if client_broker in (None, "TLS", "TLS_PLAINTEXT") else []
