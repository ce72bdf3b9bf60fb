"""Alibaba Cloud VPCs, vSwitches, route tables and entries, VPC peerings
and CEN transit routers (see the package docstring for the facts)."""

from __future__ import annotations

import re
from typing import Any

from vpclint.model import (
    Attachment, Element, Hub, HubRoute, HubRouteTable, Network, Peering, Route, RouteTable, Subnet,
)
from vpclint.model.build import Builder
from vpclint.providers.alibaba.common import PROVIDER, RANGE, SNIPPETS, VPC_CIDR, VSWITCH_CIDR
from vpclint.providers.common import blocks, given, secondary_cidr
from vpclint.providers.hubs import HubMapper
from vpclint.values import Ref, Unknown

# nexthop_type → the model's target kind: a peering, a transit router, or a
# gateway to the internet or to cloud services that never leads into another
# VPC; any other hop (an ECS instance, HaVip or ENI that may forward, a VPN,
# NAT — a VPC NAT gateway forwards privately —, a router interface, an ECR)
# is one vpclint does not follow: paths through it are unknown
_NEXT_HOPS = {"vpcpeer": "peering", "attachment": "transit", "ipv4gateway": "gateway", "ipv6gateway": "gateway",
              "gatewayendpoint": "endpoint"}
_ACCOUNT = re.compile(r"(^|\.)data\.alicloud_account\.[^.]+$")
_ROUTING_TYPES = ("alicloud_route_table", "alicloud_route_entry", "alicloud_route_table_attachment")
_CEN_TYPES = ("alicloud_cen_transit_router_vpc_attachment", "alicloud_cen_transit_router_route_table",
              "alicloud_cen_transit_router_route_table_association",
              "alicloud_cen_transit_router_route_table_propagation", "alicloud_cen_transit_router_route_entry",
              "alicloud_cen_transit_router_peer_attachment", "alicloud_cen_route_entry")


def adapt(b: Builder) -> None:
    _networks(b)
    _vswitches(b)
    _peerings(b)
    _transit_routers(b)
    _cen_basic(b)
    _route_tables(b)
    _publish_to_cen(b)


def _networks(b: Builder) -> None:
    for res in b.of_type("alicloud_vpc"):
        v = res.values
        net = Network(res.address, res, provider=PROVIDER, managed=True)
        net.cidrs.append(b.cidr(net, "cidr_block", "network", v.get("cidr_block"), VPC_CIDR))
        if given(v.get("secondary_cidr_blocks")):
            net.cidrs.extend(b.cidrs(net, "secondary_cidr_blocks", "network", v.get("secondary_cidr_blocks"),
                                     VPC_CIDR))
        b.model.networks.append(b.register(net))
        # the system route table: no resource of its own; it serves every
        # vSwitch without a custom table and holds Flannel's node routes
        table = RouteTable(f"{res.address} (system route table)", res, network=net, default=True)
        b.register(table, v.get("route_table_id"))
        b.model.route_tables.append(b.default_table(net, table))
    for res in b.of_type("alicloud_vpc_ipv4_cidr_block"):
        secondary_cidr(b, res, PROVIDER, "secondary_cidr_block", VPC_CIDR)


def _vswitches(b: Builder) -> None:
    for res in b.of_type("alicloud_vswitch"):
        v = res.values
        subnet = Subnet(res.address, res, network=b.resolve(v.get("vpc_id"), res, "vpc_id"),
                        zone=v.get("zone_id") if given(v.get("zone_id")) else v.get("availability_zone"))
        subnet.cidr = b.cidr(subnet, "cidr_block", "subnet", v.get("cidr_block"), VSWITCH_CIDR)
        b.model.subnets.append(b.register(subnet))


def _same_account(uid: Any) -> Any:
    """Whether ``accepting_ali_uid`` names this account: True when unset or
    read from ``data.alicloud_account``, False for any other value, else unknown."""
    if isinstance(uid, Ref) and _ACCOUNT.search(uid.address):
        return True
    if isinstance(uid, Unknown):
        return Unknown("accepting_ali_uid is unknown")
    return not given(uid)


def _peerings(b: Builder) -> None:
    peerings = []
    for res in b.of_type("alicloud_vpc_peer_connection"):
        v = res.values
        peering = Peering(res.address, res, local=b.resolve(v.get("vpc_id"), res, "vpc_id"),
                          peer=b.resolve(v.get("accepting_vpc_id"), res, "accepting_vpc_id"))
        same = _same_account(v.get("accepting_ali_uid"))
        peering.cross_account = same if isinstance(same, Unknown) else not same
        region = v.get("accepting_region_id")
        peering.cross_region = region if isinstance(region, Unknown) else Unknown(
            "whether accepting_region_id is another region depends on the provider's region")
        b.model.peerings.append(b.register(peering))
        peerings.append(peering)
    for res in b.of_type("alicloud_vpc_peer_connection_accepter"):
        target = b.resolve(res.values.get("instance_id"), res, "instance_id")
        if isinstance(target, Peering):
            target.accepter = Element(res.address, res)
    for peering in peerings:
        if peering.accepter is not None or peering.cross_account is False:
            peering.state = "active"  # accepted by the accepter, or by the system within one account
        elif peering.cross_account is True and isinstance(peering.peer, Network) and peering.peer.managed:
            peering.state = "pending"  # the accepter account's VPC is managed here, its acceptance is not
            peering.missing = ("it is cross-account (accepting_ali_uid) and nothing accepts it: the accepter "
                               "account must accept it")
            peering.remedy = SNIPPETS["accepter"].format(name=peering.resource.name + "_accepter",
                                                         peering=peering.address)
        elif peering.cross_account is True:
            peering.state = Unknown("the accepter account may accept it outside this configuration")
        else:
            peering.state = peering.cross_account


def _hub_of(value: Any) -> Any:
    """The transit router a route's ``nexthop_id`` leads to (it names a VPC
    connection, whose hub it is), else the value as it is."""
    if isinstance(value, Attachment):
        return value.hub if value.hub is not None else Unknown("the VPC connection's transit router is unknown")
    return value


def _route(b: Builder, res, dest_key: str, nexthop_type: Any, nexthop_id: Any) -> Route:
    kind = _NEXT_HOPS.get(str(nexthop_type).lower(), "unknown") if isinstance(nexthop_type, str) else "unknown"
    route = Route(res.address, res, target_kind=kind)
    route.destination = b.cidr(route, dest_key, "route", res.values.get(dest_key), RANGE)
    if kind in ("peering", "transit"):
        route.target = _hub_of(b.resolve(nexthop_id, res, "nexthop_id")) or nexthop_id
    elif kind == "unknown":
        reason = f"next hop type {nexthop_type!r} is not modelled: paths through it are unknown"
        route.target = Unknown(reason)
        b.note(res, "nexthop_type", reason)
    else:
        route.target = nexthop_id
    return route


def _table(b: Builder, value: Any, res, attribute: str) -> Any:
    """The route table ``value`` names; a VPC's ``route_table_id`` is its system table."""
    table = b.resolve(value, res, attribute)
    if isinstance(table, Network):
        table = b.default_table(table)
    return table


def _route_tables(b: Builder) -> None:
    b.incomplete(PROVIDER, "routes", _ROUTING_TYPES)
    for res in b.of_type("alicloud_route_table"):
        v = res.values
        table = RouteTable(res.address, res, network=b.resolve(v.get("vpc_id"), res, "vpc_id"))
        if table.network is None and isinstance(v.get("vpc_id"), Unknown):
            b.incomplete(PROVIDER, "routes")  # a table (and its routes) this model cannot place
        b.model.route_tables.append(b.register(table))
    for res in b.of_type("alicloud_route_entry", "alicloud_vpc_route_entry",
                         "alicloud_cen_child_instance_route_entry_to_attachment"):
        v = res.values
        table_key = "child_instance_route_table_id" if res.type.startswith("alicloud_cen_") else "route_table_id"
        table = _table(b, v.get(table_key), res, table_key)
        if not isinstance(table, RouteTable):
            if isinstance(v.get(table_key), Unknown):
                b.incomplete(PROVIDER, "routes")  # a route in a table this model cannot place
            continue
        if res.type == "alicloud_route_entry":
            table.routes.append(_route(b, res, "destination_cidrblock", v.get("nexthop_type"), v.get("nexthop_id")))
        elif res.type == "alicloud_vpc_route_entry":
            hops = blocks(v.get("next_hops"))
            hop = hops[0] if len(hops) == 1 and not given(v.get("nexthop_type")) else v
            # several next hops (ECMP) spread traffic: which one a flow takes is unknown
            kind = v.get("nexthop_type") if len(hops) <= 1 else Unknown("several next hops")
            table.routes.append(_route(b, res, "destination_cidr_block", hop.get("nexthop_type", kind),
                                       hop.get("nexthop_id")))
        else:  # a route to a transit router VPC connection
            table.routes.append(_route(b, res, "destination_cidr_block", "Attachment",
                                       v.get("transit_router_attachment_id")))
    for res in b.of_type("alicloud_route_table_attachment"):
        subnet = b.resolve(res.values.get("vswitch_id"), res, "vswitch_id")
        table = _table(b, res.values.get("route_table_id"), res, "route_table_id")
        if isinstance(subnet, Subnet) and isinstance(table, RouteTable):
            subnet.route_table = table
        elif any(isinstance(res.values.get(k), Unknown) for k in ("vswitch_id", "route_table_id")):
            b.incomplete(PROVIDER, "routes")


def _transit_routers(b: Builder) -> None:
    """CEN Enterprise Edition transit routers as hubs: VPC connections,
    inter-region connections, route tables, associations, propagations and
    static routes."""
    hubs = HubMapper(b, PROVIDER, _CEN_TYPES)
    for res in b.of_type("alicloud_cen_transit_router"):
        hub = hubs.hub(res, "transit_router")
        b.register(hub, res.values.get("transit_router_id"))
        # the system table exists without a resource; which attachments it
        # serves depends on how each was created (console defaults, deprecated flags)
        hub.default_association = hub.default_propagation = hubs.implicit_table(hub)
    for res in b.of_type("alicloud_cen_transit_router_route_table"):
        v = res.values
        table = hubs.table(res, b.resolve(v.get("transit_router_id"), res, "transit_router_id"))
        b.register(table, v.get("transit_router_route_table_id"))
    for res in b.of_type("alicloud_cen_transit_router_vpc_attachment"):
        v = res.values
        network = b.resolve(v.get("vpc_id"), res, "vpc_id")
        subnets = [s for s in (b.resolve(m.get("vswitch_id"), res, "zone_mappings.vswitch_id")
                               for m in blocks(v.get("zone_mappings"))) if isinstance(s, Subnet)]
        attachment = hubs.attachment(res, b.resolve(v.get("transit_router_id"), res, "transit_router_id"), "vpc",
                                     network=network, subnets=subnets, exports="network",
                                     installs_routes=v.get("auto_publish_route_enabled") is True,
                                     associate_default=_flag(v.get("route_table_association_enabled"), "association"),
                                     propagate_default=_flag(v.get("route_table_propagation_enabled"), "propagation"))
        b.register(attachment, v.get("transit_router_attachment_id"))
        if isinstance(v.get("auto_publish_route_enabled"), Unknown) and isinstance(network, Network):
            network.routes_complete = False  # the transit router may write routes into it
    for res in b.of_type("alicloud_cen_transit_router_peer_attachment"):
        v = res.values
        unknown = Unknown("set by the transit routers' defaults")
        local = hubs.attachment(res, b.resolve(v.get("transit_router_id"), res, "transit_router_id"), "peering",
                                exports="unknown", associate_default=unknown, propagate_default=unknown)
        b.register(local, v.get("transit_router_attachment_id"))
        peer_hub = b.resolve(v.get("peer_transit_router_id"), res, "peer_transit_router_id")
        local.peer = Attachment(f"{res.address} (peer side)", res, hub=peer_hub if isinstance(peer_hub, Hub) else None,
                                kind="peering", exports="unknown", peer=local, associate_default=unknown,
                                propagate_default=unknown)
        b.model.attachments.append(local.peer)
    for res in b.of_type("alicloud_cen_transit_router_route_table_association"):
        v = res.values
        hubs.associate(res, v.get("transit_router_attachment_id"), v.get("transit_router_route_table_id"),
                       ("transit_router_attachment_id", "transit_router_route_table_id"))
    for res in b.of_type("alicloud_cen_transit_router_route_table_propagation"):
        v = res.values
        hubs.propagate(res, v.get("transit_router_attachment_id"), v.get("transit_router_route_table_id"),
                       ("transit_router_attachment_id", "transit_router_route_table_id"))
    for attachment in b.model.attachments:
        # the API leaves a connection out of the system table unless asked
        # (RouteTable*Enabled); one routed by explicit resources is not asked
        if attachment.hub is not None and attachment.hub.kind == "transit_router":
            if attachment.association is not None and isinstance(attachment.associate_default, Unknown):
                attachment.associate_default = False
            if attachment.propagations and isinstance(attachment.propagate_default, Unknown):
                attachment.propagate_default = False
    for res in b.of_type("alicloud_cen_transit_router_route_entry"):
        v = res.values
        kind = v.get("transit_router_route_entry_next_hop_type")
        hubs.static_route(res, v.get("transit_router_route_table_id"),
                          v.get("transit_router_route_entry_destination_cidr_block"),
                          v.get("transit_router_route_entry_next_hop_id"),
                          kind if isinstance(kind, Unknown) else kind == "BlackHole",
                          ("transit_router_route_table_id", "transit_router_route_entry_destination_cidr_block",
                           "transit_router_route_entry_next_hop_id"))


def _cen_basic(b: Builder) -> None:
    """A CEN instance with networks attached directly (``alicloud_cen_instance_attachment``,
    the edition without transit routers): every network learns the others'
    system routes, and CEN writes them into the networks' route tables — one
    hub with one table that all attachments associate with and propagate into."""
    for res in b.of_type("alicloud_cen_instance"):
        b.register(Element(res.address, res))
    hubs: dict[int, Hub] = {}
    for res in b.of_type("alicloud_cen_instance_attachment"):
        v = res.values
        cen = b.resolve(v.get("instance_id"), res, "instance_id")
        if cen is None:
            continue
        hub = hubs.get(id(cen))
        if hub is None:
            hub = hubs[id(cen)] = Hub(cen.address, cen.resource, provider=PROVIDER, kind="cen",
                                      complete=not b.uncounted.intersection(("alicloud_cen_instance_attachment",)))
            table = HubRouteTable(f"{cen.address} (routes)", cen.resource, hub=hub)
            hub.default_association = hub.default_propagation = table
            b.model.hubs.append(hub)
            b.model.hub_route_tables.append(table)
        vpc = v.get("child_instance_type", "VPC") == "VPC"
        attachment = Attachment(res.address, res, hub=hub, kind="vpc" if vpc else "other", installs_routes=vpc,
                                network=b.resolve(v.get("child_instance_id"), res, "child_instance_id") if vpc else None,
                                exports="network" if vpc else "unknown")
        if given(v.get("child_instance_owner_id")):
            attachment.state = Unknown("a network of another account attaches only once its owner grants it")
        b.model.attachments.append(b.register(attachment))


def _flag(value: Any, what: str) -> Any:
    """A deprecated ``route_table_*_enabled`` flag: True, False, or unknown when unset."""
    if isinstance(value, bool) or isinstance(value, Unknown):
        return value
    return Unknown(f"without an explicit {what}, whether the system route table applies depends on how the "
                   "connection was created")


def _hubs_incomplete(b: Builder) -> None:
    """Links that cannot be placed: every transit router's tables may hold more."""
    for hub in b.model.hubs:
        if hub.provider == PROVIDER:
            hub.complete = False
    for table in b.model.hub_route_tables:
        if table.hub is not None and table.hub.provider == PROVIDER:
            table.complete = False


def _publish_to_cen(b: Builder) -> None:
    """``alicloud_cen_route_entry`` publishes a route of a VPC's table to CEN:
    the tables its VPC connections propagate into learn it, as a route to
    that connection."""
    for res in b.of_type("alicloud_cen_route_entry"):
        v = res.values
        table = _table(b, v.get("route_table_id"), res, "route_table_id")
        network = table.network if isinstance(table, RouteTable) else None
        attachments = [a for a in b.model.attachments if network is not None and a.network is network]
        if not attachments:
            if isinstance(v.get("route_table_id"), Unknown):
                _hubs_incomplete(b)
            continue
        for attachment in attachments:
            for hub_table in [*attachment.propagations, *_default_propagation(attachment)]:
                if isinstance(hub_table, HubRouteTable):
                    route = HubRoute(res.address, res, target=attachment)
                    route.destination = b.cidr(route, "cidr_block", "route", v.get("cidr_block"), RANGE)
                    hub_table.routes.append(route)


def _default_propagation(attachment: Attachment) -> list:
    hub = attachment.hub
    return [hub.default_propagation] if attachment.propagate_default is True and hub is not None else []
