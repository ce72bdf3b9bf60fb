"""Azure VNets, subnets, peerings with their system routes, route tables and
network security groups."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from netaddr import AddrFormatError, IPAddress, IPSet

from vpclint.model import (
    Cidr, Element, Network, Peering, Route, RouteTable, SecurityGroup, SecurityRule, Subnet, make_cidr,
)
from vpclint.model.build import Builder
from vpclint.model.join import Selector
from vpclint.providers.azure.base import (
    AZURE_LOAD_BALANCER, PROVIDER, RANGE, SUBNET_PREFIX, VNET_SPACE, State,
)
from vpclint.providers.azure.fixes import SNIPPETS
from vpclint.providers.azure.transit import firewall_at
from vpclint.providers.common import (
    blocks, both, given, managed_first, maybe_reverse, partly_unknown, port_ranges, protocol, sole_network,
    text_list,
)
from vpclint.resources import Resource

# what a data source reads (data-sources/virtual_network.md, subnet.md); Azure names ignore case
DATA_SOURCES = {
    "azurerm_virtual_network": Selector("azurerm_virtual_network", {"name": "name",
                                                                    "resource_group_name": "resource_group_name"},
                                        casefold=True),
    "azurerm_subnet": Selector("azurerm_subnet", {"name": "name", "virtual_network_name": "virtual_network_name",
                                                  "resource_group_name": "resource_group_name"}, casefold=True),
}
from vpclint.values import Unknown

_NEXT_HOPS = {"virtualnetworkgateway": "gateway", "vnetlocal": "local", "internet": "gateway",
              "virtualappliance": "appliance", "none": "drop"}
_ANY = ("*", "any")


# -- networks and subnets -------------------------------------------------------

def _prefixes(v: dict, many: str, one: str) -> Any:
    values = v.get(many)
    if given(values):
        return values
    return [v.get(one)] if given(v.get(one)) else None


def _twin(st: State, res: Resource, element: Element | None) -> bool:
    """A data source that reads what this configuration manages stands for it."""
    if res.mode != "data" or element is None or element.resource is None or element.resource.mode != "managed":
        return False
    st.b.alias(res.address, element)
    return True


def map_networks(b: Builder, st: State) -> None:
    for res in managed_first(b.of_type("azurerm_virtual_network")):
        if _twin(st, res, st.named("networks", res.values.get("name"), res.values.get("resource_group_name"))):
            continue
        v = res.values
        net = Network(res.address, res, provider=PROVIDER, managed=res.mode == "managed", region=v.get("location"))
        space = v.get("address_space")
        if not given(space) and given(v.get("ip_address_pool")):
            space = Unknown("the address space comes from an IPAM pool")
        if net.managed:
            net.cidrs = b.cidrs(net, "address_space", "network",
                                space if given(space) else Unknown("address_space is not set"), VNET_SPACE)
        elif isinstance(space, list) and not any(isinstance(x, Unknown) for x in space):
            net.cidrs = b.cidrs(net, "address_space", "network", space, VNET_SPACE)
        b.model.networks.append(b.register(net))
        st.add("networks", net, res)
        table = RouteTable(f"{res.address} (system routes)", res, network=net, default=True, complete=net.managed)
        b.model.route_tables.append(table)
        b.default_table(net, table)
        for block in blocks(v.get("subnet")):
            name = block.get("name")
            subnet = Subnet(f"{res.address} (subnet {name if isinstance(name, str) else '?'})", res, network=net)
            prefixes = _prefixes(block, "address_prefixes", "address_prefix")
            cidrs = b.cidrs(subnet, "subnet.address_prefixes", "subnet", prefixes, SUBNET_PREFIX) or \
                [b.cidr(subnet, "subnet.address_prefixes", "subnet", Unknown("no address prefix"))]
            subnet.cidr = cidrs[0]
            b.model.subnets.append(b.register(subnet, block.get("id")))
            if isinstance(name, str) and isinstance(v.get("name"), str):
                st.children[(v["name"].lower(), name.lower())] = subnet
            st.inline.append((res, block, subnet))


def map_subnets(b: Builder, st: State) -> None:
    for res in managed_first(b.of_type("azurerm_subnet")):
        v = res.values
        names = (v.get("virtual_network_name"), v.get("name"))
        if all(isinstance(x, str) for x in names) and _twin(st, res, st.children.get(tuple(x.lower() for x in names))):
            continue
        net = st.named("networks", v.get("virtual_network_name"), v.get("resource_group_name"))
        prefixes = _prefixes(v, "address_prefixes", "address_prefix")
        if res.mode == "data" and (not isinstance(prefixes, list) or any(isinstance(p, Unknown) for p in prefixes)):
            prefixes = None
        subnet = Subnet(res.address, res, network=net if isinstance(net, Network) else None)
        if prefixes is None and res.mode == "managed" and given(v.get("ip_address_pool")):
            prefixes = Unknown("the prefix comes from an IPAM pool")
        cidrs = b.cidrs(subnet, "address_prefixes", "subnet", prefixes, SUBNET_PREFIX) if prefixes is not None else []
        subnet.cidr = cidrs[0] if cidrs else b.cidr(subnet, "address_prefixes", "subnet",
                                                    Unknown("address prefix not known"))
        b.model.subnets.append(b.register(subnet))
        for index, extra in enumerate(cidrs[1:], start=2):
            more = Subnet(f"{res.address} (prefix {index})", res, network=subnet.network, cidr=extra)
            extra.owner = more
            b.model.subnets.append(more)
        st.add("subnets", subnet, res)
        if isinstance(v.get("virtual_network_name"), str) and isinstance(v.get("name"), str):
            st.children.setdefault((v["virtual_network_name"].lower(), v["name"].lower()), subnet)


# -- peerings and system routes -------------------------------------------------

def map_peerings(b: Builder, st: State) -> None:
    b.incomplete(PROVIDER, "routes", ("azurerm_virtual_network_peering", "azurerm_virtual_network"))
    sides = []
    vague: list[tuple[bool, bool]] = []  # (local end unknown, remote end unknown) of each side
    for res in sorted(b.of_type("azurerm_virtual_network_peering"), key=lambda r: r.address):
        v = res.values
        local = st.named("networks", v.get("virtual_network_name"), v.get("resource_group_name"))
        remote = st.link("networks", v.get("remote_virtual_network_id"), res, "remote_virtual_network_id")
        sides.append((res, local if isinstance(local, Network) else None,
                      remote if isinstance(remote, Network) else None))
        unnamed = "networks" in st.unnamed
        vague.append((not isinstance(local, Network) and (unnamed or any(isinstance(v.get(k), Unknown) for k in
                                                                          ("virtual_network_name", "resource_group_name"))),
                      not isinstance(remote, Network) and (unnamed or isinstance(v.get("remote_virtual_network_id"),
                                                                                 Unknown))))
        if local is None and isinstance(v.get("virtual_network_name"), Unknown):
            b.incomplete(PROVIDER, "routes")
    used: set[int] = set()
    access: dict[int, list] = defaultdict(list)  # id(network) -> [(peering, other network, allowed)]
    for index, (res, local, remote) in enumerate(sides):
        if index in used:
            continue
        used.add(index)
        other = None
        for j, (other_res, other_local, other_remote) in enumerate(sides):
            if j not in used and local is not None and remote is not None \
                    and other_local is remote and other_remote is local:
                other = sides[j]
                used.add(j)
                break
        peering = Peering(res.address, res, local=local, peer=remote)
        if other is not None:
            peering.reverse = Element(other[0].address, other[0])
            peering.state = "active"
        elif local is not None and remote is not None and local.managed and remote.managed \
                and not maybe_reverse(sides, vague, index, local, remote):
            peering.state = "pending"
            peering.missing = (f"{remote.name} has no azurerm_virtual_network_peering back to {local.name}; "
                               "the peering stays Initiated until the remote VNet peers back")
            peering.remedy = SNIPPETS["reverse_peering"].format(
                name=re.sub(r"[^a-z0-9_]+", "_", res.name.lower()) + "_reverse", network=remote.address,
                peer=local.address)
        else:
            peering.state = Unknown("the remote VNet's side of the peering is outside this configuration")
        b.model.peerings.append(b.register(peering))
        if peering.state != "active":
            continue
        whole = both(_on(res, "peer_complete_virtual_networks_enabled"),
                     _on(other[0], "peer_complete_virtual_networks_enabled"))
        allowed = both(_on(res, "allow_virtual_network_access"), _on(other[0], "allow_virtual_network_access"))
        for here, there in ((local, remote), (remote, local)):
            for cidr in there.cidrs:
                target = peering if whole is True else (whole if isinstance(whole, Unknown) else
                                                        Unknown("only some subnets are peered"))
                st.system_routes[id(here)].append(Route(b.default_table(here).address, here.resource,
                                                        destination=cidr, target_kind="peering", target=target))
            access[id(here)].append((there, allowed))
    for net in b.model.networks:
        if net.provider != PROVIDER:
            continue
        b.default_table(net).routes.extend(st.system_routes[id(net)])
        tag = list(net.cidrs)
        for there, allowed in access[id(net)]:
            if allowed is True:
                tag.extend(there.cidrs)
            elif isinstance(allowed, Unknown):
                tag.append(make_cidr(net, "VirtualNetwork", "source", allowed))
        if not net.managed and not net.cidrs:
            tag.append(make_cidr(net, "VirtualNetwork", "source", Unknown("the VNet's address space is not known")))
        st.vnet_tag[id(net)] = tag


def _on(res: Resource, flag: str) -> Any:
    """A peering flag whose default is true (unset, or null in a plan)."""
    value = res.values.get(flag)
    return True if value is None else value


# -- route tables -----------------------------------------------------------------

def _udr(b: Builder, res: Resource, owner: str, v: dict) -> Route | None:
    prefix = v.get("address_prefix")
    if isinstance(prefix, str) and not re.match(r"^[0-9a-fA-F:.]+(/\d+)?$", prefix.strip()):
        b.note(res, "address_prefix", f"service tag {prefix} (public Azure ranges) is not modelled")
        return None
    route = Route(owner, res)
    route.destination = b.cidr(route, "address_prefix", "route", prefix, RANGE)
    hop = v.get("next_hop_type")
    if isinstance(hop, Unknown) or not isinstance(hop, str):
        route.target_kind, route.target = "unknown", Unknown("next_hop_type is unknown")
    else:
        route.target_kind = _NEXT_HOPS.get(hop.lower(), "unknown")
        route.target = hop
        if route.target_kind == "unknown":
            route.target = Unknown(f"next hop type {hop} is not understood")
    return route


def map_route_tables(b: Builder, st: State) -> None:
    b.incomplete(PROVIDER, "routes", ("azurerm_route_table", "azurerm_route", "azurerm_subnet_route_table_association"))
    appliances: list[tuple[Route, Any, RouteTable]] = []  # routes to a virtual appliance: (route, its IP, table)
    tables: list[RouteTable] = []
    for res in b.of_type("azurerm_route_table"):
        v = res.values
        table = RouteTable(res.address, res, complete=res.mode == "managed" and not partly_unknown(v.get("route")))
        for block in blocks(v.get("route")):
            _add_udr(table, _udr(b, res, res.address, block), block, appliances)
        b.register(table)
        st.add("route_tables", table, res)
        tables.append(table)
    for res in b.of_type("azurerm_route"):
        v = res.values
        table = st.named("route_tables", v.get("route_table_name"), v.get("resource_group_name"))
        if isinstance(table, RouteTable):
            _add_udr(table, _udr(b, res, res.address, v), v, appliances)
        elif isinstance(v.get("route_table_name"), Unknown):
            b.incomplete(PROVIDER, "routes")  # a route in a table this model cannot place
    served: dict[int, list[Subnet]] = defaultdict(list)
    pairs = [(res.values.get("subnet_id"), res.values.get("route_table_id"), res, "subnet_id")
             for res in b.of_type("azurerm_subnet_route_table_association")]
    pairs += [(subnet, block.get("route_table_id"), res, "subnet.route_table_id")
              for res, block, subnet in st.inline if given(block.get("route_table_id"))]
    for subnet_ref, table_ref, res, attribute in pairs:
        subnet = subnet_ref if isinstance(subnet_ref, Subnet) else st.link("subnets", subnet_ref, res, attribute)
        table = st.link("route_tables", table_ref, res, "route_table_id")
        if isinstance(subnet, Subnet) and isinstance(table, RouteTable):
            subnet.route_table = table
            served[id(table)].append(subnet)
        else:
            b.incomplete(PROVIDER, "routes")  # a subnet whose table is not known
    for table in tables:
        networks = {id(s.network): s.network for s in served[id(table)] if s.network is not None}
        if len(networks) == 1:
            table.network = next(iter(networks.values()))
            # user-defined routes override the system routes of the VNet, which stay in force
            table.routes.extend(st.system_routes[id(table.network)])
        elif len(networks) > 1:
            table.complete = False  # its system routes differ per VNet
        b.model.route_tables.append(table)
    for route, address, table in appliances:
        firewall = firewall_at(st, address)
        if firewall is not None:
            route.target_kind, route.target = "transit", firewall
        else:
            route.target = _appliance(route, address, table)


def _add_udr(table: RouteTable, route: Route | None, v: dict, appliances: list) -> None:
    if route is not None:
        table.routes.append(route)
        if route.target_kind == "appliance":  # where it leads is known once the system routes are
            appliances.append((route, v.get("next_hop_in_ip_address"), table))


def _appliance(route: Route, address: Any, table: RouteTable) -> Any:
    """Where a route to a virtual appliance leads: the peering to the VNet
    that holds the appliance, for destinations in that VNet; else unknown
    (the appliance forwards it where vpclint cannot see)."""
    try:
        ip = IPAddress(address) if isinstance(address, str) else None
    except (AddrFormatError, ValueError):
        ip = None
    if ip is not None and table.network is not None:
        for system in (r for r in table.routes if r.target_kind == "peering" and isinstance(r.target, Peering)):
            if system.destination is not None and system.destination.net is not None \
                    and ip in system.destination.range and route.destination is not None \
                    and route.destination.net is not None and route.destination.range in system.destination.range:
                route.target_kind = "peering"
                return system.target
    route.target_kind = "unknown"
    return Unknown("a virtual appliance forwards it")


# -- security groups ----------------------------------------------------------------

def _nsg_sources(b: Builder, rule: SecurityRule, attribute: str, values: Any, tag: list[Cidr] | None) -> None:
    if isinstance(values, Unknown):
        rule.sources.append(b.cidr(rule, attribute, "source", values))
        return
    for value in text_list(values):
        if isinstance(value, Unknown):
            rule.sources.append(b.cidr(rule, attribute, "source", value))
            continue
        text = str(value).strip()
        low = text.lower()
        if low in _ANY:
            rule.any_source = True
        elif low == "virtualnetwork":
            rule.sources.extend(tag if tag is not None else [
                make_cidr(rule, attribute, "source", Unknown("the VNet of this security group is not known"))])
        elif low == "azureloadbalancer":
            rule.sources.append(make_cidr(rule, attribute, "source", AZURE_LOAD_BALANCER))
        elif re.match(r"^[0-9a-fA-F:.]+(/\d+)?$", text):
            rule.sources.append(b.cidr(rule, attribute, "source", text, RANGE, single_address=True))
        # other service tags (Internet, AzureCloud, Storage, ...) are public ranges pod traffic never carries


def _broad(items: list) -> bool:
    """Whether a destination or source-port spec matches everything (or is not given)."""
    return not items or any(isinstance(x, str) and x.strip().lower() in (*_ANY, "virtualnetwork", "0.0.0.0/0")
                            for x in items)


def _nsg_rule(b: Builder, res: Resource, v: dict, tag: list[Cidr] | None) -> SecurityRule | None:
    direction = v.get("direction")
    access = v.get("access")
    action = access.lower() if isinstance(access, str) else Unknown("access is unknown")
    if isinstance(direction, str):
        direction = {"inbound": "ingress", "outbound": "egress"}.get(direction.lower(), direction)
    else:  # it may be an inbound rule: what it does is unknown
        direction, action = "ingress", Unknown("direction is unknown")
    ingress = direction == "ingress"
    remote = ("source_address_prefix", "source_address_prefixes") if ingress else \
        ("destination_address_prefix", "destination_address_prefixes")
    local = ("destination_address_prefix", "destination_address_prefixes") if ingress else \
        ("source_address_prefix", "source_address_prefixes")
    if action == "deny":
        # a deny limited to some destinations or source ports may not apply: leave it out
        targets = [x for k in local for x in text_list(v.get(k))]
        source_ports = [x for k in ("source_port_range", "source_port_ranges") for x in text_list(v.get(k))]
        limited_to_groups = given(v.get("destination_application_security_group_ids" if ingress
                                        else "source_application_security_group_ids"))
        if not _broad(targets) or not _broad(source_ports) or limited_to_groups:
            return None
    rule = SecurityRule(res.address, res, direction=direction, protocol=protocol(v.get("protocol")),
                        action=action, priority=v.get("priority"))
    ports = v.get("destination_port_ranges") if given(v.get("destination_port_ranges")) else \
        v.get("destination_port_range")
    if isinstance(ports, Unknown) or any(isinstance(p, Unknown) for p in text_list(ports)):
        rule.ports = Unknown("destination ports are unknown")
    elif rule.protocol in ("tcp", "udp"):
        rule.ports = port_ranges(",".join(str(p) for p in text_list(ports)))
    for key in remote:
        if given(v.get(key)):
            _nsg_sources(b, rule, key, v.get(key), tag)
    asgs = "source_application_security_group_ids" if ingress else "destination_application_security_group_ids"
    if given(v.get(asgs)):
        rule.source_groups.append(Unknown("application security group members are not modelled"))
    return rule


_DEFAULT_RULES = (
    ("ingress", 65000, "allow", "VirtualNetwork"), ("ingress", 65001, "allow", "AzureLoadBalancer"),
    ("ingress", 65500, "deny", "*"),
    ("egress", 65000, "allow", "VirtualNetwork"), ("egress", 65001, "allow", "*"), ("egress", 65500, "deny", "*"),
)


def map_security_groups(b: Builder, st: State) -> None:
    b.incomplete(PROVIDER, "rules", ("azurerm_network_security_rule", "azurerm_subnet_network_security_group_association"))
    groups: list[tuple[SecurityGroup, Resource]] = []
    for res in b.of_type("azurerm_network_security_group"):
        group = SecurityGroup(res.address, res, complete=res.mode == "managed"
                              and not isinstance(res.values.get("security_rule"), Unknown))
        b.model.security_groups.append(b.register(group))
        st.add("security_groups", group, res)
        groups.append((group, res))
    pairs = [(res.values.get("subnet_id"), res.values.get("network_security_group_id"), res)
             for res in b.of_type("azurerm_subnet_network_security_group_association")]
    pairs += [(subnet, block.get("security_group"), res) for res, block, subnet in st.inline
              if given(block.get("security_group"))]
    for subnet_ref, group_ref, res in pairs:
        subnet = subnet_ref if isinstance(subnet_ref, Subnet) else st.link("subnets", subnet_ref, res, "subnet_id")
        group = st.link("security_groups", group_ref, res, "network_security_group_id")
        if isinstance(subnet, Subnet) and isinstance(group, SecurityGroup):
            st.nsg_subnets[id(group)].append(subnet)
    for res in b.of_type("azurerm_network_interface"):
        configs = blocks(res.values.get("ip_configuration"))
        subnet = st.link("subnets", configs[0].get("subnet_id"), res, "ip_configuration.subnet_id") if configs else None
        st.nic[res.address] = (subnet if isinstance(subnet, Subnet) else None, [])
        b.register(Element(res.address, res))
    for res in b.of_type("azurerm_network_interface_security_group_association"):
        nic = b.resolve(res.values.get("network_interface_id"), res, "network_interface_id")
        group = st.link("security_groups", res.values.get("network_security_group_id"), res,
                        "network_security_group_id")
        if nic is not None and nic.address in st.nic and isinstance(group, SecurityGroup):
            subnet, nic_groups = st.nic[nic.address]
            nic_groups.append(group)
            if subnet is not None:
                st.nsg_subnets[id(group)].append(subnet)
    standalone: dict[int, list[Resource]] = defaultdict(list)
    for res in b.of_type("azurerm_network_security_rule"):
        v = res.values
        group = st.named("security_groups", v.get("network_security_group_name"), v.get("resource_group_name"))
        if isinstance(group, SecurityGroup):
            standalone[id(group)].append(res)
        elif isinstance(v.get("network_security_group_name"), Unknown):
            b.incomplete(PROVIDER, "rules")  # a rule of a group this model cannot place
    for group, res in groups:
        group.network = sole_network(st.nsg_subnets[id(group)])
        tag = st.vnet_tag.get(id(group.network)) if group.network is not None else None
        for block in blocks(res.values.get("security_rule")):
            rule = _nsg_rule(b, res, block, tag)
            if rule is not None:
                group.rules.append(rule)
        for rule_res in standalone[id(group)]:
            rule = _nsg_rule(b, rule_res, rule_res.values, tag)
            if rule is not None:
                group.rules.append(rule)
        for direction, priority, action, source in _DEFAULT_RULES:
            rule = SecurityRule(res.address, res, direction=direction, action=action, priority=priority,
                                implicit=True)
            _nsg_sources(b, rule, "default rule", source, tag)
            if not _shadowed(rule, group.rules):
                group.rules.append(rule)


def _shadowed(rule: SecurityRule, rules: list[SecurityRule]) -> bool:
    """Whether a default allow rule can never match: a rule of the group
    denies all its sources on every protocol and port first (left out of the
    model, which then shows only the rules that can decide)."""
    if rule.action != "allow" or rule.any_source or any(c.net is None for c in rule.sources):
        return False
    wanted = IPSet(c.range for c in rule.sources)
    for other in rules:
        if other.direction != rule.direction or other.action != "deny" or other.protocol != "all" \
                or other.ports is not None or other.source_groups:
            continue
        if other.any_source:
            return True
        if all(c.net is not None for c in other.sources) and wanted <= IPSet(c.range for c in other.sources):
            return True
    return False
