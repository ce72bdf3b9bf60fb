"""Azure transit: Virtual WAN hubs, and hub-and-spoke VNets through Azure Firewall.

| Azure | transit model |
| --- | --- |
| ``azurerm_virtual_hub`` | a ``Hub`` (kind ``virtual_hub``) with its ``defaultRouteTable`` (an implicit ``HubRouteTable`` with label ``default``, the default association and propagation); ``route`` blocks are static routes to an appliance address (next hop not followed: unknown) |
| ``azurerm_virtual_hub_route_table`` (inline ``route``) / ``_route`` | a ``HubRouteTable`` with its labels; a route whose ``next_hop`` is a connection is a static route to that attachment, to anything else (a firewall) unknown; ``destinations_type`` ``ResourceId`` makes the table incomplete, ``Service`` is left out |
| ``azurerm_virtual_hub_connection`` | an ``Attachment`` of the VNet, exporting its address space (``installs_routes``: the hub programs the VNet). Without ``routing`` Azure associates it with and propagates it to ``defaultRouteTable`` (label ``default``); ``associated_route_table_id`` and ``propagated_route_table`` (``route_table_ids``, ``labels``) say otherwise, ``noneRouteTable`` propagates nowhere. ``static_vnet_route`` prefixes become static routes to the connection in the tables it propagates to (unless ``static_vnet_propagate_static_routes_enabled = false``); route maps make its tables incomplete |
| hubs of one ``azurerm_virtual_wan`` | connected to each other: a ``peering`` attachment per pair of hubs, associated with the default table; a connection propagating to a label reaches the tables with that label on every hub, as static routes to the peering there (learn.microsoft.com/azure/virtual-wan/about-virtual-hub-routing) |
| a ``Basic`` virtual WAN, ``azurerm_virtual_hub_routing_intent``, a firewall in the hub (``virtual_hub`` block) | what the hub forwards is not modelled: its tables are incomplete (VNet-to-VNet transit needs a Standard WAN; routing intent sends private traffic through the firewall) |
| ``azurerm_firewall`` in a VNet (``AzureFirewallSubnet``) | a ``Hub`` (kind ``firewall``): one table into which its own VNet and every VNet actively peered with it propagate (the firewall forwards by its VNet's system routes); a spoke's UDR with next hop type ``VirtualAppliance`` to the firewall's private address (``ip_configuration[0].private_ip_address``, or an address of ``AzureFirewallSubnet``) is a route to the hub |
| ``azurerm_firewall_policy`` + ``_rule_collection_group`` (``network_rule_collection``, ``application_rule_collection``), classic ``azurerm_firewall_network_rule_collection`` / ``_application_rule_collection`` | the hub's ``FirewallPolicy``: network rules by group then collection priority, then application rules (FQDN-based: vague); no match is denied; a base policy vpclint cannot read, an IP group or an FQDN leaves flows unknown |
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from netaddr import AddrFormatError, IPAddress, iprange_to_cidrs

from vpclint.model import Element, Network, Subnet
from vpclint.model.build import Builder
from vpclint.model.firewall import FirewallPolicy, FirewallRule
from vpclint.model.transit import Attachment, Hub, HubRoute, HubRouteTable
from vpclint.providers.azure.base import PROVIDER, RANGE, State
from vpclint.providers.common import blocks, first, given, port_ranges, protocol, text_list
from vpclint.resources import Resource
from vpclint.values import Ref, Unknown

_TABLE_ID = re.compile(r"/virtualHubs/(?P<hub>[^/]+)/hubRouteTables/(?P<table>[^/]+)/?$", re.IGNORECASE)
_NONE_TABLE = "nonetable"  # the noneRouteTable: propagating there propagates nothing


class _Wan:
    """The hubs of one virtual WAN by name, and their tables by label."""

    def __init__(self) -> None:
        self.hubs: list[Hub] = []
        self.tables: dict[int, dict[str, HubRouteTable]] = defaultdict(dict)  # id(hub) -> name -> table
        self.defaults: dict[int, HubRouteTable] = {}
        self.labels: dict[int, set[str]] = {}  # id(table) -> its labels
        self.links: dict[tuple[int, int], Attachment] = {}  # (id(hub), id(other hub)) -> peering attachment


def _hub(b: Builder, res: Resource, kind: str, table_name: str) -> tuple[Hub, HubRouteTable]:
    """A hub of ``res`` with the one route table it associates and propagates to by default."""
    hub = Hub(res.address, res, provider=PROVIDER, kind=kind, managed=res.mode == "managed")
    table = HubRouteTable(f"{res.address} ({table_name})", res, hub=hub)
    hub.default_association = hub.default_propagation = table
    hub.route_tables.append(table)
    b.model.hubs.append(b.register(hub))
    b.model.hub_route_tables.append(table)
    return hub, table


def map_virtual_hubs(b: Builder, st: State) -> None:
    wans: dict[int, _Wan] = defaultdict(_Wan)
    wan_of: dict[int, _Wan] = {}
    for res in b.of_type("azurerm_virtual_wan"):
        b.register(Element(res.address, res))
    for res in b.of_type("azurerm_virtual_hub"):
        v = res.values
        hub, default = _hub(b, res, "virtual_hub", "defaultRouteTable")
        known_id = v.get("id")
        if isinstance(known_id, str):
            b.register(default, f"{known_id}/hubRouteTables/defaultRouteTable")
        wan_element = b.resolve(v.get("virtual_wan_id"), res, "virtual_wan_id")
        # a hub whose WAN is not known here is connected to no other that we know of
        wan = wans[id(wan_element)] if wan_element is not None else wans[id(hub)]
        wan.hubs.append(hub)
        wan.defaults[id(hub)] = default
        wan.labels[id(default)] = {"default"}
        wan_of[id(hub)] = wan
        if isinstance(v.get("name"), str):
            wan.tables[id(hub)]["defaultroutetable"] = default
        if wan_element is not None and wan_element.resource is not None:
            kind = wan_element.resource.values.get("type")
            if isinstance(kind, str) and kind.lower() == "basic":
                _opaque(b, hub, res, "type", "a Basic virtual WAN carries no VNet-to-VNet transit (Standard only)")
            elif isinstance(kind, Unknown):
                _opaque(b, hub, res, "type", "the virtual WAN's type is not known")
        for block in blocks(v.get("route")):
            for prefix in text_list(block.get("address_prefixes")):
                route = HubRoute(res.address, res, target_kind="unknown",
                                 target=Unknown("an appliance address in a connected VNet forwards it"))
                route.destination = b.cidr(route, "route.address_prefixes", "route", prefix, RANGE)
                default.routes.append(route)
    tables = _route_tables(b, wan_of)
    for wan in wans.values():
        for table, labels in tables:
            if wan_of.get(id(table.hub)) is wan:
                wan.labels[id(table)] = labels
                if isinstance(table.resource.values.get("name"), str):
                    wan.tables[id(table.hub)][table.resource.values["name"].lower()] = table
        _link_hubs(b, wan)
    connections = _connections(b, st, wan_of)
    _table_routes(b, tables, connections)
    _opaque_hubs(b)
    uncounted = b.uncounted.intersection(("azurerm_virtual_hub_connection", "azurerm_virtual_hub_route_table",
                                          "azurerm_virtual_hub_route_table_route"))
    for hub in b.model.hubs:
        if hub.provider == PROVIDER and hub.kind == "virtual_hub" and (uncounted or not hub.complete):
            hub.complete = False  # attachments or routes may exist that the model cannot place
            for table in hub.route_tables:
                table.complete = False


def _opaque(b: Builder, hub: Hub, res: Resource, attribute: str, reason: str) -> None:
    """What ``hub`` forwards is not modelled: its routes may be anything."""
    hub.complete = False
    for table in hub.route_tables:
        table.complete = False
    b.note(res, attribute, reason)


def _link_hubs(b: Builder, wan: _Wan) -> None:
    """Hubs of one WAN are connected: a peering attachment each way per pair."""
    for i, hub in enumerate(wan.hubs):
        for other in wan.hubs[i + 1:]:
            here = Attachment(f"{hub.address} (to {other.address})", hub.resource, hub=hub, kind="peering",
                              association=wan.defaults[id(hub)], exports="none")
            there = Attachment(f"{other.address} (to {hub.address})", other.resource, hub=other, kind="peering",
                               association=wan.defaults[id(other)], exports="none")
            here.peer, there.peer = there, here
            wan.links[(id(hub), id(other))], wan.links[(id(other), id(hub))] = here, there
            b.model.attachments.extend((here, there))


def _route_tables(b: Builder, wan_of: dict[int, _Wan]) -> list[tuple[HubRouteTable, set[str]]]:
    found = []
    for res in b.of_type("azurerm_virtual_hub_route_table"):
        v = res.values
        hub = b.resolve(v.get("virtual_hub_id"), res, "virtual_hub_id")
        if not isinstance(hub, Hub):
            continue
        table = HubRouteTable(res.address, res, hub=hub, complete=res.mode == "managed")
        hub.route_tables.append(table)
        b.model.hub_route_tables.append(b.register(table))
        labels = {label.lower() for label in text_list(v.get("labels")) if isinstance(label, str)}
        if isinstance(v.get("labels"), Unknown):
            labels.add("?")  # its labels are not known: a propagation by label may or may not reach it
        found.append((table, labels))
    return found


def _table(b: Builder, value: Any, res: Resource, attribute: str, wan: _Wan | None) -> Any:
    """The hub table an id names: a HubRouteTable, _NONE_TABLE, or Unknown."""
    if isinstance(value, Ref):
        element = b.resolve(value)
        if isinstance(element, Hub) and value.attr == "default_route_table_id":
            return element.default_association
        if isinstance(element, HubRouteTable):
            return element
        return Unknown(f"{attribute} names no hub route table of this configuration")
    if isinstance(value, str):
        element = b.resolve(value)
        if isinstance(element, HubRouteTable):
            return element
        match = _TABLE_ID.search(value)
        if match is not None:
            name = match.group("table").lower()
            if name == "noneroutetable":
                return _NONE_TABLE
            for hub in (wan.hubs if wan is not None else []):
                if hub.name.lower() == match.group("hub").lower():
                    found = wan.tables[id(hub)].get(name)
                    if found is not None:
                        return found
        return Unknown(f"route table {value} is outside this configuration")
    if isinstance(value, Unknown):
        b.note(res, attribute, value.reason)
        return value
    return Unknown(f"{attribute} is not understood")


def _connections(b: Builder, st: State, wan_of: dict[int, _Wan]) -> dict[int, Attachment]:
    """Each hub connection as an attachment; its propagations and static routes."""
    found: dict[int, Attachment] = {}
    for res in b.of_type("azurerm_virtual_hub_connection"):
        v = res.values
        hub = b.resolve(v.get("virtual_hub_id"), res, "virtual_hub_id")
        if not isinstance(hub, Hub):
            continue
        wan = wan_of.get(id(hub))
        network = st.link("networks", v.get("remote_virtual_network_id"), res, "remote_virtual_network_id")
        attachment = Attachment(res.address, res, hub=hub, kind="vpc",
                                network=network if isinstance(network, Network) else None,
                                exports="network", installs_routes=True)
        b.model.attachments.append(b.register(attachment))
        found[id(res)] = attachment
        routing = first(v.get("routing"))
        if isinstance(routing, Unknown):
            attachment.association = attachment.propagations = None
            attachment.associate_default = attachment.propagate_default = routing
            continue
        associated = routing.get("associated_route_table_id")
        if given(associated):
            table = _table(b, associated, res, "routing.associated_route_table_id", wan)
            attachment.association = table if table is not _NONE_TABLE else Unknown("associated with noneRouteTable")
        if given(routing.get("inbound_route_map_id")) or given(routing.get("outbound_route_map_id")):
            _opaque(b, hub, res, "routing.inbound_route_map_id", "a route map rewrites what the hub learns")
        propagated = routing.get("propagated_route_table")
        if isinstance(propagated, list) and not propagated or propagated is None:
            targets: list[Any] = [hub.default_propagation]  # Azure's default: defaultRouteTable, label "default"
            labels: Any = {"default"}
        elif isinstance(first(propagated), Unknown):
            targets, labels = [first(propagated)], set()
        else:
            block = first(propagated)
            targets = [_table(b, t, res, "routing.propagated_route_table.route_table_ids", wan)
                       for t in text_list(block.get("route_table_ids"))]
            if isinstance(block.get("route_table_ids"), Unknown):
                targets.append(block["route_table_ids"])
            labels = block.get("labels")
            labels = labels if isinstance(labels, Unknown) else {x.lower() for x in text_list(labels)
                                                                  if isinstance(x, str)}
        attachment.propagate_default = False
        attachment.propagations = [t for t in targets if t is not _NONE_TABLE]
        remote: list[tuple[HubRouteTable, Any]] = []  # tables of other hubs: (table, via) where via is the link
        if isinstance(labels, Unknown):
            attachment.propagations.append(labels)
        elif wan is not None:
            for other in wan.hubs:
                for table in other.route_tables:
                    tagged = wan.labels.get(id(table), set())
                    if not (labels & tagged) and not ("?" in tagged and labels):
                        continue
                    if "?" in tagged and not labels & tagged:
                        attachment.propagations.append(Unknown(f"the labels of {table.address} are not known"))
                    elif other is hub:
                        if table not in attachment.propagations:
                            attachment.propagations.append(table)
                    else:
                        remote.append((table, wan.links.get((id(other), id(hub)))))
        statics = []
        if routing.get("static_vnet_propagate_static_routes_enabled") is not False:
            for block in blocks(routing.get("static_vnet_route")):
                for prefix in text_list(block.get("address_prefixes")):
                    route = HubRoute(res.address, res, target=attachment)
                    route.destination = b.cidr(route, "routing.static_vnet_route.address_prefixes", "route", prefix,
                                               RANGE)
                    statics.append(route)
        for table in attachment.propagations:
            if isinstance(table, HubRouteTable):
                table.routes.extend(statics)
        if attachment.network is not None:
            for table, via in remote:
                if via is None:
                    continue
                for cidr in attachment.network.cidrs:
                    table.routes.append(HubRoute(res.address, res, destination=cidr, target=via))
                for route in statics:
                    table.routes.append(HubRoute(res.address, res, destination=route.destination, target=via))
    return found


def _table_routes(b: Builder, tables: list[tuple[HubRouteTable, set[str]]],
                  connections: dict[int, Attachment]) -> None:
    pairs = [(table, table.resource, block, "route.") for table, _ in tables
             for block in blocks(table.resource.values.get("route"))]
    for res in b.of_type("azurerm_virtual_hub_route_table_route"):
        table = _table(b, res.values.get("route_table_id"), res, "route_table_id", None)
        if isinstance(table, HubRouteTable):
            pairs.append((table, res, res.values, ""))
        elif table is not _NONE_TABLE:
            for hub in b.model.hubs:  # a route this model cannot place: any table may hold it
                if hub.provider == PROVIDER and hub.kind == "virtual_hub":
                    hub.complete = False
            b.note(res, "route_table_id", "the route's table is not known")
    for table, res, v, prefix in pairs:
        kind = v.get("destinations_type")
        if isinstance(kind, str) and kind.lower() == "service":
            continue
        if not (isinstance(kind, str) and kind.lower() == "cidr"):
            table.complete = False
            b.note(res, prefix + "destinations_type", "destinations given by resource id or not known")
            continue
        hop = b.resolve(v.get("next_hop"), res, prefix + "next_hop")
        attachment = connections.get(id(hop.resource)) if isinstance(hop, Attachment) else None
        for destination in text_list(v.get("destinations")) or [v.get("destinations")]:
            route = HubRoute(res.address, res)
            if attachment is not None:
                route.target = attachment
            else:
                route.target_kind = "unknown"
                route.target = Unknown("the next hop is not a hub connection of this configuration "
                                       "(a firewall or appliance forwards it)")
            route.destination = b.cidr(route, prefix + "destinations", "route", destination, RANGE)
            table.routes.append(route)


def _opaque_hubs(b: Builder) -> None:
    for res in b.of_type("azurerm_virtual_hub_routing_intent"):
        hub = b.resolve(res.values.get("virtual_hub_id"), res, "virtual_hub_id")
        if isinstance(hub, Hub):
            _opaque(b, hub, res, "routing_policy", "routing intent sends the hub's traffic through its firewall")
    for res in b.of_type("azurerm_firewall"):
        hub_block = first(res.values.get("virtual_hub"))
        if isinstance(hub_block, dict) and given(hub_block.get("virtual_hub_id")):
            hub = b.resolve(hub_block.get("virtual_hub_id"), res, "virtual_hub.virtual_hub_id")
            if isinstance(hub, Hub):
                b.register(Element(res.address, res))
                _opaque(b, hub, res, "virtual_hub", "a firewall in the hub filters what it forwards")


# -- hub-and-spoke through Azure Firewall -------------------------------------------

_APP_PORTS = {"http": 80, "https": 443, "mssql": 1433}


def map_firewalls(b: Builder, st: State) -> None:
    """Azure Firewalls in a VNet as firewall hubs; their VNet and its active
    peers attach. Runs after peerings, before route tables (whose UDRs name them)."""
    policies = _policies(b, st)
    classic = _classic_rules(b, st)
    for res in b.of_type("azurerm_firewall"):
        v = res.values
        hub_block = first(v.get("virtual_hub"))
        if isinstance(hub_block, dict) and given(hub_block.get("virtual_hub_id")):
            continue  # a secured virtual hub's firewall (above)
        config = next((c for c in blocks(v.get("ip_configuration")) if given(c.get("subnet_id"))), None)
        subnet = st.link("subnets", config.get("subnet_id"), res, "ip_configuration.subnet_id") if config else None
        hub, table = _hub(b, res, "firewall", "routes")
        if config is not None and isinstance(config.get("private_ip_address"), str):
            st.firewall_addresses.append((config["private_ip_address"], hub))
        if isinstance(subnet, Subnet) and subnet.cidr is not None and subnet.cidr.net is not None:
            st.firewall_addresses.append((subnet.cidr, hub))
        policy_ref, name = v.get("firewall_policy_id"), v.get("name")
        if res.mode != "managed":
            hub.policy = FirewallPolicy(res.address, res, complete=False)
        elif given(policy_ref):
            policy = b.resolve(policy_ref, res, "firewall_policy_id")
            hub.policy = policies.get(id(policy)) or FirewallPolicy(res.address, res, complete=False)
        else:  # classic rule collections, or none: Azure Firewall denies what no rule allows
            hub.policy = FirewallPolicy(res.address, res, complete="classic" not in st.unnamed,
                                        rules=classic.get(name.lower(), []) if isinstance(name, str) else [])
        network = subnet.network if isinstance(subnet, Subnet) else None
        if network is None:
            hub.complete = table.complete = False
            continue
        b.model.attachments.append(Attachment(f"{res.address} ({network.address})", res, hub=hub, network=network))
        for peering in b.model.peerings:
            other = peering.other_end(network)
            if network not in peering.ends:
                continue
            if other is None or peering.state != "active":
                if not (isinstance(peering.state, str) and peering.state == "pending"):
                    hub.complete = table.complete = False  # a peer that may be active
                continue
            b.model.attachments.append(Attachment(f"{peering.address} ({res.address})", peering.resource, hub=hub,
                                                  network=other))


def _addresses(b: Builder, owner: Element, attribute: str, values: Any) -> tuple[list, bool, bool]:
    """Ranges of a firewall rule's address list: (cidrs, any, vague)."""
    cidrs, vague = [], False
    if isinstance(values, Unknown):
        return [b.cidr(owner, attribute, "source", values)], False, True
    for value in text_list(values):
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, Unknown):
            cidrs.append(b.cidr(owner, attribute, "source", text))
            vague = True
        elif text == "*":
            return [], True, False
        elif isinstance(text, str) and re.match(r"^[0-9.]+-[0-9.]+$", text):
            try:
                low, high = (IPAddress(x, flags=0) for x in text.split("-"))
                cidrs.extend(b.cidr(owner, attribute, "source", str(n), RANGE) for n in iprange_to_cidrs(low, high))
            except (AddrFormatError, ValueError):
                vague = True
        elif isinstance(text, str) and re.match(r"^[0-9a-fA-F:.]+(/\d+)?$", text):
            cidrs.append(b.cidr(owner, attribute, "source", text, RANGE, single_address=True))
        # service tags name public Azure ranges, which private flows never carry
    return cidrs, False, vague


def _network_rule(b: Builder, res: Resource, action: Any, rule: dict, attribute: str) -> FirewallRule:
    element = FirewallRule(res.address, res, action=action.lower() if isinstance(action, str) else "deny")
    element.vague = not isinstance(action, str)
    protocols = rule.get("protocols")
    if isinstance(protocols, Unknown) or any(isinstance(p, Unknown) for p in text_list(protocols)):
        element.protocols = Unknown("protocols are unknown")
    else:
        element.protocols = tuple(protocol(p) for p in text_list(protocols)) or ("all",)
    ports = rule.get("destination_ports")
    if isinstance(ports, Unknown) or any(isinstance(p, Unknown) for p in text_list(ports)):
        element.ports = Unknown("destination ports are unknown")
    else:
        element.ports = port_ranges(",".join(str(p) for p in text_list(ports)))
    element.sources, element.any_source, vague_sources = _addresses(b, element, attribute + "source_addresses",
                                                                    rule.get("source_addresses"))
    element.destinations, element.any_destination, vague_targets = _addresses(
        b, element, attribute + "destination_addresses", rule.get("destination_addresses"))
    groups = given(rule.get("source_ip_groups")) or given(rule.get("destination_ip_groups"))
    element.vague |= vague_sources or vague_targets or groups or given(rule.get("destination_fqdns"))
    if groups and not element.sources and not given(rule.get("source_addresses")):
        element.any_source = True  # some IP group: who is in it is not modelled
    if (given(rule.get("destination_ip_groups")) or given(rule.get("destination_fqdns"))) \
            and not element.destinations:
        element.any_destination = True
    return element


def _application_rule(res: Resource, rule: dict, action: Any) -> FirewallRule:
    """An application rule matches by FQDN or URL: it may take any TCP flow on its ports."""
    ports = []
    for block in blocks(rule.get("protocols")) + blocks(rule.get("protocol")):
        port = block.get("port")
        kind = block.get("type")
        value = port if given(port) else (_APP_PORTS.get(kind.lower()) if isinstance(kind, str) else None)
        if isinstance(value, (int, str)) and str(value).isdigit():
            ports.append(str(value))
    element = FirewallRule(res.address, res, action=action.lower() if isinstance(action, str) else "deny",
                           protocols=("tcp",), vague=True, any_source=True, any_destination=True)
    element.ports = port_ranges(",".join(ports)) if ports else None
    return element


def _priority(value: Any) -> float:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else float("inf")


def _policies(b: Builder, st: State) -> dict[int, FirewallPolicy]:
    """Each firewall policy with its rules in processing order: network rules
    by group and collection priority, then application rules the same way."""
    found: dict[int, FirewallPolicy] = {}
    for res in b.of_type("azurerm_firewall_policy"):
        element = b.register(Element(res.address, res))
        policy = FirewallPolicy(res.address, res, complete=res.mode == "managed")
        found[id(element)] = policy
    groups: dict[int, list[tuple[Any, Resource]]] = defaultdict(list)
    uncounted = "azurerm_firewall_policy_rule_collection_group" in b.uncounted
    for res in b.of_type("azurerm_firewall_policy_rule_collection_group"):
        owner = b.resolve(res.values.get("firewall_policy_id"), res, "firewall_policy_id")
        if owner is None:
            if isinstance(res.values.get("firewall_policy_id"), Unknown):
                uncounted = True  # a group this model cannot place
            continue
        groups[id(owner)].append((res.values.get("priority"), res))
    for key, policy in found.items():
        base = policy.resource.values.get("base_policy_id")
        network, application = [], []
        if given(base):
            parent = found.get(id(b.resolve(base, policy.resource, "base_policy_id")))
            network.append(((-1, -1), parent.rules if parent is not None else [
                FirewallRule(policy.address, policy.resource, vague=True, any_source=True, any_destination=True)]))
        for group_priority, res in groups.get(key, []):
            for kind, target in (("network_rule_collection", network), ("application_rule_collection", application)):
                for collection in blocks(res.values.get(kind)):
                    action = collection.get("action")
                    rules = [_network_rule(b, res, action, r, f"{kind}.rule.") if kind.startswith("network")
                             else _application_rule(res, r, action) for r in blocks(collection.get("rule"))]
                    target.append(((_priority(group_priority), _priority(collection.get("priority"))), rules))
        network.sort(key=lambda item: item[0])
        application.sort(key=lambda item: item[0])
        policy.rules = [r for _, rules in (*network, *application) for r in rules]
        policy.complete = policy.complete and not uncounted
    return found


def _classic_rules(b: Builder, st: State) -> dict[Any, list[FirewallRule]]:
    """Rules written for a firewall by name (the classic rule collections)."""
    network, application = defaultdict(list), defaultdict(list)
    for kind, target in (("azurerm_firewall_network_rule_collection", network),
                         ("azurerm_firewall_application_rule_collection", application)):
        if kind in b.uncounted:
            st.unnamed.add("classic")
        for res in b.of_type(kind):
            name = res.values.get("azure_firewall_name")
            if isinstance(name, Ref):
                owner = b.resolve(name)
                name = owner.resource.values.get("name") if owner is not None and owner.resource else None
            if not isinstance(name, str):
                st.unnamed.add("classic")
                continue
            action = res.values.get("action")
            rules = [_network_rule(b, res, action, r, "rule.") if target is network else _application_rule(res, r, action)
                     for r in blocks(res.values.get("rule"))]
            target[name.lower()].append((_priority(res.values.get("priority")), rules))
    found: dict[Any, list[FirewallRule]] = {}
    for name in set(network) | set(application):
        ordered = sorted(network.get(name, []), key=lambda i: i[0]) + sorted(application.get(name, []),
                                                                             key=lambda i: i[0])
        found[name] = [r for _, rules in ordered for r in rules]
    return found


def firewall_at(st: State, address: Any) -> Hub | None:
    """The firewall hub a UDR's ``next_hop_in_ip_address`` names: its private
    address (a reference to it, or the known address), or an address of its
    dedicated ``AzureFirewallSubnet``."""
    if isinstance(address, Ref):
        element = st.b.resolve(Ref(address.reason, address.address))
        return element if isinstance(element, Hub) and element.kind == "firewall" else None
    if not isinstance(address, str):
        return None
    try:
        ip = IPAddress(address.strip(), flags=0)
    except (AddrFormatError, ValueError):
        return None
    for where, hub in st.firewall_addresses:
        if (isinstance(where, str) and where.strip() == address.strip()) or \
                (not isinstance(where, str) and ip in where.range):
            return hub
    return None
