"""Huawei Cloud (huaweicloud provider) → the network model.

Where CCE pod traffic comes from (Huawei CCE doc cce_10_0399, "Configuring
Intra-VPC Access"):

| container_network_type | pod addresses | a peer (same VPC or peered) sees | the peer VPC must route back |
| --- | --- | --- | --- |
| ``vpc-router`` (VPC network) | ``container_network_cidr``, outside the VPC | the pod address: container CIDR | the container CIDR through the peering |
| ``overlay_l2`` (container tunnel) | overlay ``container_network_cidr`` | the node address: node subnets | the node subnet (the VPC CIDR covers it) |
| ``eni`` (Cloud Native 2.0) | VPC subnets in ``eni_subnet_id`` | the pod address: ENI subnets | the VPC CIDR (covers them) |

Other facts kept here: the custom route table of a subnet governs outbound
traffic while the VPC's default route table governs inbound; a standalone
``huaweicloud_vpc_route`` without ``route_table_id`` lands in the default
table; a security group rule with an empty ``remote_ip_prefix`` admits any
address; a security group keeps its default rules unless
``delete_default_rules`` is set; a DCS whitelist is enforced only while
``whitelist_enable`` is true (the default). Services pods reach (endpoints,
and targets of ``expect:``): DCS (with its whitelist), RDS, DDS, Kafka,
RabbitMQ and RocketMQ instances — the brokers and databases guarded by their
security group — and ECS instances.
"""

from __future__ import annotations

from typing import Any

from vpclint.model import (
    CidrLimits, Cluster, Element, Endpoint, HubRouteTable, Network, NetworkAcl, Peering, Route, RouteTable, SecurityGroup,
    SecurityRule, Subnet, Whitelist,
)
from vpclint.model.build import Builder
from vpclint.model.join import Selector
from vpclint.providers.common import (
    blocks, flag, from_to, given, id_list, partly_unknown, port_ranges, protocol, rule_group, text_list,
)
from vpclint.providers.hubs import HubMapper
from vpclint.values import Unknown

PROVIDER = "huaweicloud"

# huaweicloud vpc.md; support.huaweicloud.com vpc_faq_0004 (reserved ranges)
_RESERVED = ("100.64.0.0/10", "214.0.0.0/7", "198.18.0.0/15", "169.254.0.0/16", "0.0.0.0/8",
             "127.0.0.0/8", "240.0.0.0/4", "255.255.255.255/32")
VPC_CIDR = CidrLimits("Huawei Cloud VPC CIDR", min_prefix=8, max_prefix=24, not_within=_RESERVED)
VPC_SECONDARY_CIDR = CidrLimits("Huawei Cloud VPC secondary CIDR", min_prefix=8, max_prefix=28, not_within=_RESERVED)
SUBNET_CIDR = CidrLimits("Huawei Cloud subnet CIDR", min_prefix=8, max_prefix=28)
CONTAINER_CIDR = CidrLimits("CCE container CIDR", max_prefix=28)
SERVICE_CIDR = CidrLimits("CCE service CIDR", max_prefix=28)
RANGE = CidrLimits("address range")

# HCL that fixes a finding, by kind; filled by vpclint.providers.snippet
SNIPPETS = {
    "route": """route {{
  destination = "{destination}"
  type        = "peering"
  nexthop     = {peering}.id
}}""",
    "default_route": """resource "huaweicloud_vpc_route" "{name}" {{
  vpc_id      = {network}.id
  destination = "{destination}"
  type        = "peering"
  nexthop     = {peering}.id
}}""",
    "ingress": """resource "huaweicloud_networking_secgroup_rule" "{name}" {{
  security_group_id = {group}.id
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "{protocol}"
  ports             = "{ports}"
  remote_ip_prefix  = "{source}"
}}""",
    "whitelist": """whitelists {{
  group_name = "{name}"
  ip_address = [{sources}]
}}""",
    "hub_route": """resource "huaweicloud_er_static_route" "{name}" {{
  route_table_id = {table}.id
  destination    = "{destination}"
  attachment_id  = {attachment}.id
}}""",
    "hub_default_route": """resource "huaweicloud_er_static_route" "{name}" {{
  route_table_id = {hub}.default_association_route_table_id
  destination    = "{destination}"
  attachment_id  = {attachment}.id
}}""",
    "hub_vpc_route": """route {{
  destination = "{destination}"
  type        = "er"
  nexthop     = {hub}.id
}}""",
    "hub_vpc_default_route": """resource "huaweicloud_vpc_route" "{name}" {{
  vpc_id      = {network}.id
  destination = "{destination}"
  type        = "er"
  nexthop     = {hub}.id
}}""",
    "accepter": """resource "huaweicloud_vpc_peering_connection_accepter" "{name}" {{
  provider                  = huaweicloud.peer # the peer tenant
  vpc_peering_connection_id = {peering}.id
  accept                    = true
}}""",
}

# engine → default port, for RDS (rds_instance.md)
_RDS_PORTS = {"mysql": 3306, "postgresql": 5432, "sqlserver": 1433}

# what a data source reads, by its arguments (data-sources/vpc.md, vpc_subnet.md, networking_secgroup.md)
# bool and number attributes the adapter reads, converted from strings as
# Terraform converts them against the provider schema (common.convert_schema_types)
ATTRIBUTE_TYPES = {
    "huaweicloud_vpc_peering_connection_accepter": {"accept": "bool"},
    "huaweicloud_er_vpc_attachment": {"auto_create_vpc_routes": "bool"},
    "huaweicloud_er_static_route": {"is_blackhole": "bool"},
    "huaweicloud_networking_secgroup": {"delete_default_rules": "bool"},
    "huaweicloud_networking_secgroup_rule": {"priority": "number", "port_range_min": "number",
                                             "port_range_max": "number"},
    "huaweicloud_vpc_network_acl": {"enabled": "bool"},
    "huaweicloud_dcs_instance": {"port": "number", "whitelist_enable": "bool"},
    "huaweicloud_dds_instance": {"port": "number"},
    "huaweicloud_rds_instance": {"db.port": "number"},
}

DATA_SOURCES = {
    "huaweicloud_vpc": Selector("huaweicloud_vpc", {"id": "id", "name": "name", "cidr": "cidr"},
                                scope={"region": "region"}),
    "huaweicloud_vpc_subnet": Selector("huaweicloud_vpc_subnet", {"id": "id", "name": "name", "cidr": "cidr",
                                                                  "vpc_id": "vpc_id"}, scope={"region": "region"}),
    "huaweicloud_networking_secgroup": Selector("huaweicloud_networking_secgroup",
                                                {"secgroup_id": "id", "name": "name"}, scope={"region": "region"}),
}


def adapt(b: Builder) -> None:
    _networks(b)
    _subnets(b)
    _peerings(b)
    _enterprise_routers(b)
    _route_tables(b)
    _security_groups(b)
    _network_acls(b)
    _clusters(b)
    _endpoints(b)


def _networks(b: Builder) -> None:
    for res in b.of_type("huaweicloud_vpc"):
        v = res.values
        net = Network(res.address, res, provider=PROVIDER, managed=res.mode == "managed", region=v.get("region"))
        net.cidrs.append(b.cidr(net, "cidr", "network", v.get("cidr"), VPC_CIDR))
        secondary = v.get("secondary_cidrs")
        if given(secondary):
            net.cidrs.extend(b.cidrs(net, "secondary_cidrs", "network", secondary, VPC_SECONDARY_CIDR))
        if given(v.get("secondary_cidr")):
            net.cidrs.append(b.cidr(net, "secondary_cidr", "network", v.get("secondary_cidr"), VPC_SECONDARY_CIDR))
        if res.mode == "data":
            net.cidrs = [c for c in net.cidrs if c.unknown is None]
        b.model.networks.append(b.register(net))
        # the VPC's default route table: not a resource of its own, but it
        # holds standalone routes without route_table_id and governs inbound
        table = RouteTable(f"{res.address} (default route table)", res, network=net, default=True,
                           complete=net.managed)
        b.model.route_tables.append(b.default_table(net, table))


def _subnets(b: Builder) -> None:
    for res in b.of_type("huaweicloud_vpc_subnet"):
        v = res.values
        network = b.resolve(v.get("vpc_id"), res, "vpc_id")
        subnet = Subnet(res.address, res, network=network, zone=v.get("availability_zone"))
        subnet.cidr = b.cidr(subnet, "cidr", "subnet", v.get("cidr"), SUBNET_CIDR)
        b.model.subnets.append(b.register(subnet, v.get("ipv4_subnet_id"), v.get("subnet_id")))


def _peerings(b: Builder) -> None:
    peerings = []
    for res in b.of_type("huaweicloud_vpc_peering_connection"):
        v = res.values
        peering = Peering(res.address, res, local=b.resolve(v.get("vpc_id"), res, "vpc_id"),
                          peer=b.resolve(v.get("peer_vpc_id"), res, "peer_vpc_id"),
                          # "Sharing a NAT gateway across VPCs": a route to the peering for public destinations,
                          # an SNAT rule in the peer VPC for the requester's CIDR (Huawei NAT Gateway docs)
                          delivers_beyond="public")
        tenant = v.get("peer_tenant_id")
        peering.cross_account = tenant if isinstance(tenant, Unknown) else given(tenant)
        b.model.peerings.append(b.register(peering))
        peerings.append(peering)
    for res in b.of_type("huaweicloud_vpc_peering_connection_accepter"):
        target = b.resolve(res.values.get("vpc_peering_connection_id"), res, "vpc_peering_connection_id")
        if isinstance(target, Peering):
            target.accepter = Element(res.address, res)
    for peering in peerings:
        if peering.accepter is not None:
            accept = peering.accepter.resource.values.get("accept")
            peering.state = accept if isinstance(accept, Unknown) else ("active" if accept else "rejected")
        elif peering.cross_account is True and isinstance(peering.peer, Network) and peering.peer.managed:
            peering.state = "pending"  # the peer tenant's VPC is managed here, its accepter is not
            peering.missing = ("it is cross-tenant (peer_tenant_id) and nothing accepts it: the peer tenant "
                               "must accept it")
            peering.remedy = SNIPPETS["accepter"].format(name=peering.resource.name + "_accepter",
                                                         peering=peering.address)
        elif peering.cross_account is True:
            peering.state = Unknown("the peer tenant's accepter may be managed elsewhere")
        elif isinstance(peering.cross_account, Unknown):
            peering.state = peering.cross_account


_ER = "huaweicloud_er"
_ER_TYPES = (f"{_ER}_instance", f"{_ER}_vpc_attachment", f"{_ER}_route_table", f"{_ER}_association",
             f"{_ER}_propagation", f"{_ER}_static_route")
# what auto_create_vpc_routes adds to the VPC's default route table (er_vpc_attachment.md)
_ER_AUTO_ROUTES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def _enterprise_routers(b: Builder) -> None:
    """Enterprise Routers (usermanual-er er_01_0030, er_01_0035): an
    attachment forwards by the one table it is associated with; a VPC
    attachment propagates the VPC's CIDR blocks. Terraform's defaults
    differ from AWS: ``enable_default_association`` / ``_propagation`` are
    false; when true, new attachments go to the default tables
    (``default_association_route_table_id`` / ``_propagation_``, else the
    one the ER creates). ``auto_create_vpc_routes`` adds 10/8, 172.16/12 and
    192.168/16 to the ER in the VPC's default route table."""
    hubs = HubMapper(b, PROVIDER, _ER_TYPES)
    defaults = []
    for res in b.of_type(f"{_ER}_instance"):
        defaults.append((res, hubs.hub(res, "enterprise_router")))
    for res in b.of_type(f"{_ER}_route_table"):
        hubs.table(res, b.resolve(res.values.get("instance_id"), res, "instance_id"))
    for res, hub in defaults:
        v = res.values
        for key, switch, id_key in (("default_association", "enable_default_association",
                                     "default_association_route_table_id"),
                                    ("default_propagation", "enable_default_propagation",
                                     "default_propagation_route_table_id")):
            enabled = flag(v.get(switch), False)
            if enabled is True:
                table = b.resolve(v.get(id_key)) if given(v.get(id_key)) else None
                setattr(hub, key, table if isinstance(table, HubRouteTable) else hubs.implicit_table(hub, v.get(id_key)))
            else:
                setattr(hub, key, None if enabled is False else enabled)
    for res in b.of_type(f"{_ER}_vpc_attachment"):
        v = res.values
        hub = b.resolve(v.get("instance_id"), res, "instance_id")
        network = b.resolve(v.get("vpc_id"), res, "vpc_id")
        subnet = b.resolve(v.get("subnet_id"), res, "subnet_id")
        hubs.attachment(res, hub, "vpc", network=network, subnets=[subnet] if isinstance(subnet, Subnet) else [])
        auto = flag(v.get("auto_create_vpc_routes"), False)
        table = b.default_table(network)
        if auto is True and table is not None and hub is not None:
            table.routes.extend(_route(b, res, res.address, dest, "er", v.get("instance_id")) for dest in _ER_AUTO_ROUTES)
        elif isinstance(auto, Unknown) and table is not None:
            table.complete = False
    for res in b.of_type(f"{_ER}_association"):
        hubs.associate(res, res.values.get("attachment_id"), res.values.get("route_table_id"),
                       ("attachment_id", "route_table_id"))
    for res in b.of_type(f"{_ER}_propagation"):
        hubs.propagate(res, res.values.get("attachment_id"), res.values.get("route_table_id"),
                       ("attachment_id", "route_table_id"))
    for res in b.of_type(f"{_ER}_static_route"):
        v = res.values
        hubs.static_route(res, v.get("route_table_id"), v.get("destination"), v.get("attachment_id"),
                          flag(v.get("is_blackhole"), False), ("route_table_id", "destination", "attachment_id"))


def _route(b: Builder, res, owner_address: str, dest, type_, nexthop) -> Route:
    kind = str(type_).lower() if isinstance(type_, str) else "unknown"
    route = Route(owner_address, res, target_kind="transit" if kind == "er" else kind)
    route.destination = b.cidr(route, "destination", "route", dest)
    if route.target_kind in ("peering", "transit"):
        route.target = b.resolve(nexthop, res, "nexthop") or nexthop
    else:
        route.target = nexthop
    return route


def _action(value: Any, default: str) -> Any:
    """allow / deny, the default when unset, an unknown as it is."""
    return value if isinstance(value, Unknown) else str(value or default).lower()


def _route_tables(b: Builder) -> None:
    b.incomplete(PROVIDER, "routes", ("huaweicloud_vpc_route_table", "huaweicloud_vpc_route"))
    for res in b.of_type("huaweicloud_vpc_route_table"):
        v = res.values
        network = b.resolve(v.get("vpc_id"), res, "vpc_id")
        if network is None and isinstance(v.get("vpc_id"), Unknown):
            b.incomplete(PROVIDER, "routes")  # a table (and its routes) this model cannot place
        table = RouteTable(res.address, res, network=network)
        for block in blocks(v.get("route")):
            table.routes.append(_route(b, res, res.address, block.get("destination"), block.get("type"),
                                       block.get("nexthop")))
        if partly_unknown(v.get("route")):
            table.complete = False
        for subnet in b.resolve_all(v.get("subnets"), res, "subnets"):
            if isinstance(subnet, Subnet):
                subnet.route_table = table
        b.model.route_tables.append(b.register(table))
    for res in b.of_type("huaweicloud_vpc_route"):
        v = res.values
        if given(v.get("route_table_id")):
            table = b.resolve(v.get("route_table_id"), res, "route_table_id")
        else:
            table = b.default_table(b.resolve(v.get("vpc_id"), res, "vpc_id"))
        if isinstance(table, RouteTable):
            table.routes.append(_route(b, res, res.address, v.get("destination"), v.get("type"), v.get("nexthop")))
        elif isinstance(v.get("route_table_id"), Unknown) or isinstance(v.get("vpc_id"), Unknown):
            b.incomplete(PROVIDER, "routes")  # a route in a table this model cannot place


def _security_groups(b: Builder) -> None:
    address_groups = {}
    for res in b.of_type("huaweicloud_vpc_address_group"):
        group = SecurityGroup(res.address, res)  # only a holder for its ranges
        addresses = res.values.get("addresses")
        extra = [e.get("ip") for e in blocks(res.values.get("ip_extra_set"))]
        group_cidrs = b.cidrs(group, "addresses", "source", text_list(addresses) + extra, RANGE, single_address=True)
        if isinstance(addresses, Unknown):
            group_cidrs.append(b.cidr(group, "addresses", "source", addresses))
        address_groups[res.address] = group_cidrs
        b.register(group)
    b.incomplete(PROVIDER, "rules", ("huaweicloud_networking_secgroup_rule",))
    for res in b.of_type("huaweicloud_networking_secgroup"):
        v = res.values
        group = SecurityGroup(res.address, res)
        delete_defaults = v.get("delete_default_rules")
        if delete_defaults is not True:
            # default rules: ingress from members of the group itself, all egress
            group.rules.append(SecurityRule(res.address, res, direction="ingress", source_groups=[group]))
            group.rules.append(SecurityRule(res.address, res, direction="egress", any_source=True))
        b.model.security_groups.append(b.register(group))
    for res in b.of_type("huaweicloud_networking_secgroup_rule"):
        v = res.values
        group = rule_group(b, res, PROVIDER)
        if group is None:
            continue
        direction, action = v.get("direction", "ingress"), v.get("action")
        if isinstance(direction, Unknown):  # it might be either: it decides nothing either way
            direction, action = "ingress", Unknown("the rule's direction is unknown")
        rule = SecurityRule(res.address, res, direction=str(direction).lower(), protocol=protocol(v.get("protocol")),
                            action=_action(action, "allow"),
                            priority=v.get("priority", 1))
        if given(v.get("ports")):
            rule.ports = port_ranges(v.get("ports"))
        else:
            rule.ports = from_to(v.get("port_range_min"), v.get("port_range_max"))
        if rule.protocol in ("icmp", "all"):
            rule.ports = None
        if given(v.get("remote_group_id")):
            rule.source_groups.append(b.resolve(v.get("remote_group_id"), res, "remote_group_id")
                                      or Unknown("remote group outside this configuration"))
        elif given(v.get("remote_address_group_id")):
            target = b.resolve(v.get("remote_address_group_id"), res, "remote_address_group_id")
            rule.sources = address_groups.get(target.address, []) if target else [
                b.cidr(rule, "remote_address_group_id", "source", Unknown("address group outside this configuration"))]
        elif given(v.get("remote_ip_prefix")):
            # the provider's ValidateCIDR: a network CIDR, never a bare address nor host bits
            rule.sources = [b.cidr(rule, "remote_ip_prefix", "source", v.get("remote_ip_prefix"), RANGE)]
        else:
            rule.any_source = True
        group.rules.append(rule)


def _network_acls(b: Builder) -> None:
    """``huaweicloud_vpc_network_acl``: rules apply in list order, first match
    wins, and what no rule matches is denied; a disabled ACL guards nothing."""
    for res in b.of_type("huaweicloud_vpc_network_acl"):
        v = res.values
        if v.get("enabled") is False:
            continue
        acl = NetworkAcl(res.address, res, complete=not isinstance(v.get("enabled"), Unknown))
        for direction, key, remote in (("ingress", "ingress_rules", "source_ip_address"),
                                       ("egress", "egress_rules", "destination_ip_address")):
            if partly_unknown(v.get(key)):
                acl.complete = False
            for number, block in enumerate(blocks(v.get(key)), start=1):
                rule = SecurityRule(res.address, res, direction=direction, protocol=protocol(block.get("protocol")),
                                    action=_action(block.get("action"), "deny"), priority=number)
                rule.ports = None if rule.protocol in ("all", "icmp") else port_ranges(block.get("destination_port"))
                if given(block.get("source_ip_address_group_id")) or given(block.get("destination_ip_address_group_id")):
                    rule.sources = [b.cidr(rule, remote, "source", Unknown("address group not modelled here"))]
                elif given(block.get(remote)):
                    rule.sources = [b.cidr(rule, remote, "source", block.get(remote), RANGE, single_address=True)]
                else:
                    rule.any_source = True
                acl.rules.append(rule)
        for item in blocks(v.get("associated_subnets")):
            subnet = b.resolve(item.get("subnet_id"), res, "associated_subnets.subnet_id")
            if isinstance(subnet, Subnet):
                subnet.network_acl = acl
                acl.subnets.append(subnet)
        b.model.network_acls.append(b.register(acl))


def _clusters(b: Builder) -> None:
    for res in b.of_type("huaweicloud_cce_cluster"):
        v = res.values
        model = v.get("container_network_type")
        cluster = Cluster(res.address, res, provider=PROVIDER, network=b.resolve(v.get("vpc_id"), res, "vpc_id"),
                          network_model=model if isinstance(model, str) else "")
        cluster.pod_addressing = {"vpc-router": "routed", "overlay_l2": "node", "eni": "subnet"}.get(model, model) \
            if isinstance(model, str) else Unknown("container_network_type is unknown")
        subnet = b.resolve(v.get("subnet_id"), res, "subnet_id")
        if isinstance(subnet, Subnet):
            cluster.node_subnets.append(subnet)
        if model in ("vpc-router", "overlay_l2") and given(v.get("container_network_cidr")):
            cidrs = b.cidrs(cluster, "container_network_cidr", "container", v.get("container_network_cidr"),
                            CONTAINER_CIDR)
            # several CIDRs take effect only for vpc-router (v1.21+); otherwise the first
            cluster.container_cidrs = cidrs if model == "vpc-router" else cidrs[:1]
        elif model in ("vpc-router", "overlay_l2"):
            b.note(res, "container_network_cidr", "not set: assigned by CCE at creation")
        if given(v.get("service_network_cidr")):
            cluster.service_cidrs = b.cidrs(cluster, "service_network_cidr", "service",
                                            v.get("service_network_cidr"), SERVICE_CIDR)
        if model == "eni":
            cluster.pod_subnets = [s for s in b.resolve_all(v.get("eni_subnet_id"), res, "eni_subnet_id")
                                   if isinstance(s, Subnet)]
        group = b.resolve(v.get("security_group_id"), res, "security_group_id")
        if isinstance(group, SecurityGroup):
            cluster.node_security_groups.append(group)
        b.model.clusters.append(b.register(cluster))
    for res in b.of_type("huaweicloud_cce_node_pool", "huaweicloud_cce_node"):
        v = res.values
        cluster = b.resolve(v.get("cluster_id"), res, "cluster_id")
        if not isinstance(cluster, Cluster):
            continue
        for value in [v.get("subnet_id"), *id_list(v.get("subnet_list"))]:
            subnet = b.resolve(value, res, "subnet_id") if given(value) else None
            if isinstance(subnet, Subnet) and subnet not in cluster.node_subnets:
                cluster.node_subnets.append(subnet)
        for group in b.resolve_all(v.get("security_groups"), res, "security_groups"):
            if isinstance(group, SecurityGroup) and group not in cluster.node_security_groups:
                cluster.node_security_groups.append(group)


def _endpoints(b: Builder) -> None:
    for res in b.of_type("huaweicloud_dcs_instance"):
        v = res.values
        endpoint = _endpoint(b, res, "cache", v.get("subnet_id"), [v.get("security_group_id")],
                             [6379 if v.get("port") is None else v.get("port")])
        enabled = v.get("whitelist_enable", True)
        whitelist = Whitelist(res.address, res, enabled=True if enabled is None else enabled)
        for group in blocks(v.get("whitelists")):
            whitelist.entries.extend(b.cidrs(whitelist, "whitelists", "whitelist", group.get("ip_address"), RANGE,
                                             single_address=True))
        if partly_unknown(v.get("whitelists")):
            whitelist.entries.append(b.cidr(whitelist, "whitelists", "whitelist", Unknown("a whitelist is unknown")))
        if given(v.get("whitelists")) or isinstance(v.get("whitelists"), Unknown):
            endpoint.whitelist = whitelist
    for res in b.of_type("huaweicloud_rds_instance"):
        v = res.values
        db = v.get("db") if isinstance(v.get("db"), list) and v.get("db") else [{}]
        engine = str(db[0].get("type", "")).lower() if isinstance(db[0], dict) else ""
        port = db[0].get("port") if isinstance(db[0], dict) else None
        _endpoint(b, res, "database", v.get("subnet_id"), [v.get("security_group_id")],
                  [port or _RDS_PORTS.get(engine, 3306)])
    for res in b.of_type("huaweicloud_dms_kafka_instance"):
        v = res.values
        _endpoint(b, res, "broker", v.get("network_id"), [v.get("security_group_id")], [9092])
    for res in b.of_type("huaweicloud_dms_rabbitmq_instance"):  # AMQP; guarded by its security group
        v = res.values
        _endpoint(b, res, "broker", v.get("network_id"), [v.get("security_group_id")], [5672])
    for res in b.of_type("huaweicloud_dms_rocketmq_instance"):
        v = res.values
        _endpoint(b, res, "broker", v.get("subnet_id"), [v.get("security_group_id")], [])
    for res in b.of_type("huaweicloud_dds_instance"):  # MongoDB-compatible; port defaults to 8635
        v = res.values
        port = v.get("port")
        _endpoint(b, res, "database", v.get("subnet_id"), [v.get("security_group_id")],
                  [8635 if port is None else port])
    for res in b.of_type("huaweicloud_compute_instance"):
        v = res.values
        networks = blocks(v.get("network"))
        subnet_id = networks[0].get("uuid") if networks else None
        _endpoint(b, res, "instance", subnet_id, id_list(v.get("security_group_ids")), [])


def _endpoint(b: Builder, res, kind: str, subnet_id, group_ids, ports) -> Endpoint:
    subnet = b.resolve(subnet_id, res, "subnet_id") if given(subnet_id) else None
    endpoint = Endpoint(res.address, res, kind=kind, subnet=subnet if isinstance(subnet, Subnet) else None)
    network = b.resolve(res.values.get("vpc_id"), res, "vpc_id") if given(res.values.get("vpc_id")) else None
    endpoint.network = network or (endpoint.subnet.network if endpoint.subnet else None)
    endpoint.security_groups = [g for g in (b.resolve(x, res, "security_group_id") for x in group_ids if given(x))
                                if isinstance(g, SecurityGroup)]
    endpoint.ports = [p for p in ports if isinstance(p, int)]
    b.model.endpoints.append(b.register(endpoint))
    return endpoint


# --- Kubernetes Services on CCE: the ELB a LoadBalancer Service gets ------------------------------------------
# CCE reads kubernetes.io/elb.class ("union": a shared ELB, "performance": a dedicated ELB), kubernetes.io/elb.id
# (an existing ELB) or kubernetes.io/elb.autocreate (a JSON object; "type": "inner" or "public")
# (support.huaweicloud.com/intl/en-us/usermanual-cce/cce_10_0385.html "Using Annotations to Configure Load
# Balancing", cce_10_0681). Either ELB has a private address in the cluster's VPC, so it is reached from
# networks that route to that VPC; a public one adds an EIP. The backend (node) traffic and health checks of a
# shared ELB come from 100.125.0.0/16, those of a dedicated ELB from its backend subnet, which is the cluster's
# subnet unless elb.subnet-id says otherwise (cce_10_0084 "Configuring Security Group Rules"; the node security
# group's default rule admits TCP/UDP 30000-32767 from 0.0.0.0/0 and must keep admitting the ELB's addresses).
# CCE does not write node security-group rules for a Service. The client's address reaches the nodes with
# externalTrafficPolicy: Local; kubernetes.io/elb.pass-through only routes in-cluster access through the ELB.
# Access control uses kubernetes.io/elb.acl-* annotations (ELB IP address groups); whether CCE also applies
# loadBalancerSourceRanges is not documented there, so those ranges are left undecided.
SHARED_ELB_SOURCES = "100.125.0.0/16"


def service_exposure(service: Any, model: Any, loaded: Any) -> Any:
    """How CCE exposes a LoadBalancer Service through an ELB (see the notes above)."""
    import json

    from netaddr import IPNetwork, IPSet

    from vpclint.model import Exposure
    from vpclint.services import annotation

    elb_class = annotation(service, "kubernetes.io/elb.class", "union")
    autocreate = annotation(service, "kubernetes.io/elb.autocreate")
    notes = []
    ranges = Unknown("CCE documents ELB access control through kubernetes.io/elb.acl-* annotations, not "
                     "loadBalancerSourceRanges")
    internal: Any = True
    if isinstance(autocreate, str):
        try:
            spec = json.loads(autocreate)
        except ValueError:
            spec = {}
        internal = not (isinstance(spec, dict) and spec.get("type") == "public")
    local = service.external_traffic_policy
    keeps: Any = local if isinstance(local, Unknown) else local == "Local"
    if isinstance(elb_class, Unknown):
        notes.append("kubernetes.io/elb.class is not known before apply")
        return Exposure("CCE ELB (class not known)", internal=internal, keeps_client=keeps, ranges_enforced=ranges,
                        notes=notes)
    if elb_class == "performance":
        subnets = _elb_subnets(service, model, loaded)
        sources = IPSet(s.cidr.range for s in subnets) if subnets and all(s.cidr is not None and s.cidr.net is not None
                                                                          for s in subnets) else None
        label = ", ".join(s.address for s in subnets) if subnets else "the ELB's backend subnet"
        return Exposure("CCE dedicated ELB", internal=internal, keeps_client=keeps, lb_sources=sources,
                        lb_sources_label=f"the dedicated ELB's backend subnet ({label})", ranges_enforced=ranges,
                        notes=notes)
    return Exposure("CCE shared ELB", internal=internal, keeps_client=keeps,
                    lb_sources=IPSet([IPNetwork(SHARED_ELB_SOURCES)]),
                    lb_sources_label=f"the shared ELB's backend addresses ({SHARED_ELB_SOURCES})",
                    ranges_enforced=ranges, notes=notes)


def _elb_subnets(service: Any, model: Any, loaded: Any) -> list:
    """The backend subnet of a dedicated ELB: the ELB resource's ``ipv4_subnet_id`` when elb.id names one this
    configuration holds, else the cluster's subnet; [] when not known."""
    from vpclint.services import annotation
    from vpclint.values import Ref

    elb_id = annotation(service, "kubernetes.io/elb.id")
    subnet_id = annotation(service, "kubernetes.io/elb.subnet-id")
    if isinstance(elb_id, Ref):
        found = next((r for r in loaded.resources if r.address == elb_id.address), None)
        value = found.values.get("ipv4_subnet_id") if found is not None else None
        subnet = next((s for s in model.subnets if isinstance(value, Ref) and s.address == value.address), None)
        return [subnet] if subnet is not None else []
    if elb_id is not None or subnet_id is not None:
        return []  # an ELB or subnet by id: where it sits is not known here
    return list(service.cluster.node_subnets[:1]) if service.cluster is not None else []
