"""Azure (azurerm provider, and AKS through azapi) → the network model.

Where AKS pod traffic comes from (learn.microsoft.com/azure/aks/
concepts-network-cni-overview, concepts-network-azure-cni-overlay,
concepts-network-legacy-cni; azurerm kubernetes_cluster docs):

| network_profile | pod addresses | a peer (same VNet or peered) sees | the peer VNet must route back |
| --- | --- | --- | --- |
| ``network_plugin = "kubenet"`` (and no ``network_profile``: kubenet or overlay, both NAT) | ``pod_cidr``, routed to the nodes by a route table | the node's address: traffic leaving the node is NATed | nothing: node subnets are VNet space, which peering routes carry |
| ``network_plugin = "azure"``, ``network_plugin_mode = "overlay"`` | ``pod_cidr(s)``, an overlay | the node's address (SNAT leaving the cluster, peered VNets included) | nothing |
| ``network_plugin = "azure"`` (flat Azure CNI) | VNet addresses: ``pod_subnet_id``, else the node subnet (``vnet_subnet_id``) | the pod address: the pod or node subnet | nothing: the subnets are VNet space |
| ``network_plugin = "none"`` (bring your own CNI) | not known here | not known | not known |

The network model of Azure as this adapter maps it:

| Azure | model |
| --- | --- |
| ``azurerm_virtual_network`` | a ``Network`` whose CIDRs are its ``address_space``; inline ``subnet`` blocks are ``Subnet``\\ s |
| ``azurerm_subnet`` | a ``Subnet``, linked to its VNet by name and resource group |
| ``azurerm_virtual_network_peering`` ×2 | one ``Peering``; active (Connected) only when the remote VNet peers back, ``reverse`` names the second resource |
| system routes | an implicit table per VNet (``"<vnet> (system routes)"``) serving subnets without a route table: a route per peered address space whose target is the peering |
| ``azurerm_route_table`` / ``azurerm_route`` + association | a ``RouteTable`` of user-defined routes, plus the system routes of its VNet, which the UDRs override by longest prefix (and on a tie) |
| ``azurerm_network_security_group`` / ``_security_rule`` + association | a ``SecurityGroup`` in the VNet of its subnets, with the default rules AllowVnetInBound (65000), AllowAzureLoadBalancerInBound (65001), DenyAllInBound (65500) and their outbound peers |
| ``azurerm_kubernetes_cluster`` / ``_node_pool`` | a ``Cluster`` (above) |
| ``azapi_resource`` of type ``Microsoft.Network/virtualNetworks`` (``/subnets``, ``/virtualNetworkPeerings``), ``networkSecurityGroups`` (``/securityRules``), ``routeTables`` (``/routes``), as Azure Verified Modules write them | presented as the azurerm resource each means (same address and position) and mapped by the same steps; a subnet body's ``networkSecurityGroup``/``routeTable`` is its association; a body or type not known before apply makes routes and rules partial |
| ``azapi_resource`` of type ``Microsoft.ContainerService/managedClusters`` (``/agentPools``), as Azure Verified Modules write AKS | the same ``Cluster``, from the ARM body's ``properties.networkProfile`` (``networkPlugin``, ``networkPluginMode``, ``podCidr(s)``, ``serviceCidr(s)``, ``dnsServiceIP``) and ``agentPoolProfiles`` (``vnetSubnetID``, ``podSubnetID``); without an explicit ``networkPlugin`` the addressing is unknown (the API's default depends on its version) |
| ``azurerm_redis_cache`` (+ ``azurerm_redis_firewall_rule``), ``azurerm_postgresql_flexible_server`` (+ firewall rules), ``azurerm_mssql_server`` (+ firewall rules), virtual machines | ``Endpoint``\\ s; firewall rules' start/end ranges become ``Whitelist`` entries |

Other facts kept here: the ``VirtualNetwork`` service tag is the VNet's
address space plus the spaces of the VNets peered with it (when both sides
allow virtual network access) — prefixes learned through gateways are left
out, since pod traffic never carries them; ``AzureLoadBalancer`` is
168.63.129.16; other service tags name public Azure ranges, which pod
traffic never carries either; a UDR to a virtual appliance crosses a
peering when the appliance sits in the peered VNet, and is unknown
otherwise (the appliance forwards it somewhere); a deny rule limited to
some destinations or source ports is left out (it may not apply). Cache,
PostgreSQL and SQL firewall rules filter clients of the public endpoint,
which carry the cluster's outbound public address: only a cache injected
into a VNet (``subnet_id``) sees pod or node addresses there. AKS rejects
169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24 for its
pod and service ranges, and a ``dns_service_ip`` outside ``service_cidr``
or on its first two addresses (the network address and the kubernetes
service's).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import replace
from typing import Any

from netaddr import AddrFormatError, IPAddress, IPNetwork, IPSet, iprange_to_cidrs

from vpclint.model import (
    Cidr, CidrLimits, Cluster, Element, Endpoint, Network, Peering, Route, RouteTable, SecurityGroup, SecurityRule,
    Subnet, Whitelist, make_cidr,
)
from vpclint.model.build import Builder
from vpclint.model.join import Selector
from vpclint.providers.common import (
    Template, blocks, both, first, given, managed_first, maybe_reverse, partly_unknown, port_ranges, protocol,
    sole_network, text_list,
)
from vpclint.resources import Resource
from vpclint.values import Ref, Unknown

PROVIDER = "azurerm"

# learn.microsoft.com cloud-adoption-framework "plan for IP addressing"
_VNET_RESERVED = ("224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "169.254.0.0/16", "168.63.129.16/32")
VNET_SPACE = CidrLimits("Azure VNet address space", not_within=_VNET_RESERVED)
SUBNET_PREFIX = CidrLimits("Azure subnet address prefix", min_prefix=2, max_prefix=29)
# AKS: ranges the service, pod and VNet ranges must not use; service_cidr "must be smaller than /12"
_AKS_RESERVED = ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24")
AKS_POD_CIDR = CidrLimits("AKS pod CIDR", not_within=_AKS_RESERVED)
AKS_SERVICE_CIDR = CidrLimits("AKS service CIDR", min_prefix=12, not_within=_AKS_RESERVED)
RANGE = CidrLimits("Azure address range")
AZURE_LOAD_BALANCER = "168.63.129.16/32"

_ID = re.compile(r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.[A-Za-z]+/(?P<kind>[A-Za-z]+)/(?P<name>[^/]+)"
                 r"(?:/(?P<child_kind>[A-Za-z]+)/(?P<child>[^/]+))?/?$", re.IGNORECASE)
_NEXT_HOPS = {"virtualnetworkgateway": "gateway", "vnetlocal": "local", "internet": "gateway",
              "virtualappliance": "appliance", "none": "drop"}
_ANY = ("*", "any")


def _ingress_fields(fields: dict) -> dict:
    fields["protocol"] = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "all": "*"}.get(fields.get("protocol", "all"),
                                                                                     fields.get("protocol", "*"))
    ports = fields.get("ports") or "*"
    fields["ports"] = "*" if ports in ("1-65535", "0-65535") or fields["protocol"] in ("*", "Icmp") else ports
    return fields


def _whitelist_fields(fields: dict) -> dict:
    rules = []
    for index, text in enumerate(re.findall(r'"([^"]+)"', fields.get("sources", ""))):
        net = IPNetwork(text)
        rules.append(f'''resource "azurerm_redis_firewall_rule" "{fields["name"]}_{index}" {{
  name                = "{fields["name"]}_{index}"
  redis_cache_name    = {fields["address"]}.name
  resource_group_name = {fields["address"]}.resource_group_name
  start_ip            = "{net[0]}"
  end_ip              = "{net[-1]}"
}}''')
    fields["rules"] = "\n".join(rules)
    return fields


# HCL that fixes a finding, by kind; filled by vpclint.providers.snippet
# what a data source reads (data-sources/virtual_network.md, subnet.md); Azure names ignore case
DATA_SOURCES = {
    "azurerm_virtual_network": Selector("azurerm_virtual_network", {"name": "name",
                                                                    "resource_group_name": "resource_group_name"},
                                        casefold=True),
    "azurerm_subnet": Selector("azurerm_subnet", {"name": "name", "virtual_network_name": "virtual_network_name",
                                                  "resource_group_name": "resource_group_name"}, casefold=True),
}

SNIPPETS = {
    "route": """# Azure has no next hop "peering": the peering's system route carries {destination},
# and a user-defined route in {table} overrides it. Remove that route, or send
# {destination} to an appliance in the peered VNet:
resource "azurerm_route" "{name}" {{
  name                   = "{name}"
  resource_group_name    = {table}.resource_group_name
  route_table_name       = {table}.name
  address_prefix         = "{destination}"
  next_hop_type          = "VirtualAppliance"
  next_hop_in_ip_address = "<an appliance address in the peered VNet>"
}}""",
    "default_route": """# {network} reaches only the address spaces of the VNets peered with it over {peering};
# add {destination} to the address_space of the VNet that holds it""",
    "ingress": Template("""resource "azurerm_network_security_rule" "{name}" {{
  name                        = "{name}"
  resource_group_name         = {group}.resource_group_name
  network_security_group_name = {group}.name
  priority                    = 110 # unique in the group, before any rule that denies these addresses
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "{protocol}"
  source_port_range           = "*"
  destination_port_range      = "{ports}"
  source_address_prefix       = "{source}"
  destination_address_prefix  = "*"
}}""", _ingress_fields),
    "whitelist": Template("{rules}", _whitelist_fields),
    "reverse_peering": """resource "azurerm_virtual_network_peering" "{name}" {{
  name                      = "{name}"
  resource_group_name       = {network}.resource_group_name
  virtual_network_name      = {network}.name
  remote_virtual_network_id = {peer}.id
}}""",
}


def adapt(b: Builder) -> None:
    _adopt_azapi(b)
    st = _State(b)
    _networks(b, st)
    _subnets(b, st)
    _peerings(b, st)
    _route_tables(b, st)
    _security_groups(b, st)
    _clusters(b, st)
    _endpoints(b, st)


class _State:
    """What the adapter's steps share: elements by Azure name and resource group."""

    def __init__(self, b: Builder):
        self.b = b
        self.names: dict[str, dict[str, list[tuple[Element, Any]]]] = defaultdict(lambda: defaultdict(list))
        self.children: dict[tuple[str, str], Subnet] = {}  # (vnet name, subnet name) -> subnet
        self.system_routes: dict[int, list[Route]] = defaultdict(list)  # id(network) -> peering routes
        self.vnet_tag: dict[int, list[Cidr]] = {}  # id(network) -> the VirtualNetwork service tag
        self.nsg_subnets: dict[int, list[Subnet]] = defaultdict(list)  # id(group) -> associated subnets
        self.nic: dict[str, tuple[Subnet | None, list[SecurityGroup]]] = {}
        self.inline: list[tuple[Resource, dict, Subnet]] = []  # VNets' inline subnet blocks
        self.unnamed: set[str] = set()  # kinds with an element whose name is unknown

    def add(self, kind: str, element: Element, res: Resource, name: Any = None) -> None:
        name = res.values.get("name") if name is None else name
        if isinstance(name, str) and name:
            self.names[kind][name.lower()].append((element, res.values.get("resource_group_name")))
        elif isinstance(name, Unknown):  # a lookup by name that finds nothing may have missed it
            self.unnamed.add(kind)

    def named(self, kind: str, name: Any, group: Any) -> Element | None:
        if isinstance(name, Ref):  # the name of a resource here, known only after apply
            element = self.b.resolve(name)
            return element if isinstance(element, _KINDS[kind]) else None
        if not isinstance(name, str):
            return None
        found = [(e, g) for e, g in self.names[kind].get(name.lower(), [])
                 if not (isinstance(group, str) and isinstance(g, str) and g.lower() != group.lower())]
        return found[0][0] if len(found) == 1 else None

    def link(self, kind: str, value: Any, res: Resource, attribute: str) -> Element | None:
        """The element an id (Ref or known string) names, or None."""
        if not given(value):
            return None
        element = self.b.resolve(value, res, attribute)
        if element is not None or not isinstance(value, str):
            return element
        match = _ID.search(value)
        if match is None:
            return None
        if match.group("child") and kind == "subnets":
            return self.children.get((match.group("name").lower(), match.group("child").lower())) or \
                self.named("subnets", match.group("child"), match.group("rg"))
        return self.named(kind, match.group("name"), match.group("rg"))


# what each kind of name-linked element is
_KINDS = {"networks": Network, "subnets": Subnet, "route_tables": RouteTable, "security_groups": SecurityGroup,
          "caches": Endpoint}


# -- azapi: ARM bodies as the azurerm resources they mean ------------------------

def _adopt_azapi(b: Builder) -> None:
    """Azure Verified Modules write networks as ``azapi_resource`` ARM bodies:
    each one the steps below understand is presented to them as the azurerm
    resource it means (same address and position), so one mapping serves both.
    A body or type not known before apply may hide routes or rules."""
    for res in b.of_type("azapi_resource"):
        kind = res.values.get("type")
        if not isinstance(kind, str):
            _partial(b)
            continue
        translate = _ARM_KINDS.get(kind.split("@")[0].lower())
        if translate is None:
            continue
        body = _azapi_body(res)
        properties = body.get("properties") if isinstance(body, dict) else body
        if isinstance(properties, Unknown):
            _partial(b)
            continue
        for resource in translate(res, properties if isinstance(properties, dict) else {}):
            b.adopt(resource)
    if "azapi_resource" in b.uncounted:  # instances not known: what they hold may be missing
        _partial(b)


def _partial(b: Builder) -> None:
    b.incomplete(PROVIDER, "routes")
    b.incomplete(PROVIDER, "rules")


def _get(value: Any, *keys: str) -> Any:
    """A nested ARM property; None where absent, Unknown where not known."""
    for key in keys:
        if isinstance(value, Unknown) or value is None:
            return value
        value = value.get(key) if isinstance(value, dict) else None
    return value


_ARM_RG = re.compile(r"/resourceGroups/([^/]+)", re.IGNORECASE)
_ARM_PARENT = re.compile(r"/providers/Microsoft\.Network/[A-Za-z]+/([^/]+)/?$", re.IGNORECASE)


def _arm_rg(parent: Any) -> Any:
    if isinstance(parent, str):
        match = _ARM_RG.search(parent)
        return match.group(1) if match else None
    return parent if isinstance(parent, Unknown) else None


def _arm_parent_name(parent: Any) -> Any:
    """The name of the parent resource a child's ``parent_id`` names: a Ref
    (resolved by address), or the last segment of an ARM id."""
    if isinstance(parent, Ref):
        return Ref(parent.reason, parent.address, "name")
    if isinstance(parent, str):
        match = _ARM_PARENT.search(parent)
        return match.group(1) if match else None
    return parent


def _as(res: Resource, kind: str, values: dict) -> Resource:
    return replace(res, type=kind, values={"id": res.values.get("id"), "name": res.values.get("name"), **values},
                   written_as=res.type)


def _prefix_list(properties: Any) -> Any:
    many = _get(properties, "addressPrefixes")
    if given(many):
        return many
    one = _get(properties, "addressPrefix")
    return [one] if given(one) else (one if isinstance(one, Unknown) else None)


def _arm_vnet(res: Resource, p: dict) -> list[Resource]:
    subnets = []
    for item in blocks(p.get("subnets")):
        sp = item.get("properties")
        subnets.append({"name": item.get("name"), "id": item.get("id"), "address_prefixes": _prefix_list(sp),
                        "security_group": _get(sp, "networkSecurityGroup", "id"),
                        "route_table_id": _get(sp, "routeTable", "id")})
    if isinstance(p.get("subnets"), Unknown):
        subnets = p["subnets"]
    return [_as(res, "azurerm_virtual_network", {
        "resource_group_name": _arm_rg(res.values.get("parent_id")), "location": res.values.get("location"),
        "address_space": _get(p, "addressSpace", "addressPrefixes"), "subnet": subnets})]


def _arm_subnet(res: Resource, p: dict) -> list[Resource]:
    parent = res.values.get("parent_id")
    found = [_as(res, "azurerm_subnet", {"virtual_network_name": _arm_parent_name(parent),
                                         "resource_group_name": _arm_rg(parent), "address_prefixes": _prefix_list(p)})]
    this = Ref("known after apply", res.address, "id")
    for key, kind, attribute in (("networkSecurityGroup", "azurerm_subnet_network_security_group_association",
                                  "network_security_group_id"),
                                 ("routeTable", "azurerm_subnet_route_table_association", "route_table_id")):
        target = _get(p, key, "id")
        if given(target):
            found.append(replace(res, type=kind, values={"subnet_id": this, attribute: target}, written_as=res.type))
    return found


def _arm_peering(res: Resource, p: dict) -> list[Resource]:
    parent = res.values.get("parent_id")
    access = p.get("allowVirtualNetworkAccess")
    return [_as(res, "azurerm_virtual_network_peering", {
        "virtual_network_name": _arm_parent_name(parent), "resource_group_name": _arm_rg(parent),
        "remote_virtual_network_id": _get(p, "remoteVirtualNetwork", "id"),
        "allow_virtual_network_access": True if access is None else access})]


# an ARM security rule's properties under azurerm's names
_ARM_RULE = {"priority": "priority", "direction": "direction", "access": "access", "protocol": "protocol",
             "source_address_prefix": "sourceAddressPrefix", "source_address_prefixes": "sourceAddressPrefixes",
             "destination_address_prefix": "destinationAddressPrefix",
             "destination_address_prefixes": "destinationAddressPrefixes",
             "source_port_range": "sourcePortRange", "source_port_ranges": "sourcePortRanges",
             "destination_port_range": "destinationPortRange", "destination_port_ranges": "destinationPortRanges",
             "source_application_security_group_ids": "sourceApplicationSecurityGroups",
             "destination_application_security_group_ids": "destinationApplicationSecurityGroups"}


def _arm_rule(name: Any, properties: Any) -> dict:
    return {"name": name, **{key: _get(properties, arm) for key, arm in _ARM_RULE.items()}}


def _arm_nsg(res: Resource, p: dict) -> list[Resource]:
    rules = p.get("securityRules")
    rules = rules if isinstance(rules, Unknown) else [_arm_rule(r.get("name"), r.get("properties"))
                                                       for r in blocks(rules)]
    return [_as(res, "azurerm_network_security_group", {
        "resource_group_name": _arm_rg(res.values.get("parent_id")), "security_rule": rules})]


def _arm_security_rule(res: Resource, p: dict) -> list[Resource]:
    parent = res.values.get("parent_id")
    return [_as(res, "azurerm_network_security_rule", {
        **_arm_rule(res.values.get("name"), p), "network_security_group_name": _arm_parent_name(parent),
        "resource_group_name": _arm_rg(parent)})]


def _arm_udr(name: Any, properties: Any) -> dict:
    return {"name": name, "address_prefix": _get(properties, "addressPrefix"),
            "next_hop_type": _get(properties, "nextHopType"),
            "next_hop_in_ip_address": _get(properties, "nextHopIpAddress")}


def _arm_route_table(res: Resource, p: dict) -> list[Resource]:
    routes = p.get("routes")
    routes = routes if isinstance(routes, Unknown) else [_arm_udr(r.get("name"), r.get("properties"))
                                                         for r in blocks(routes)]
    return [_as(res, "azurerm_route_table", {"resource_group_name": _arm_rg(res.values.get("parent_id")),
                                             "route": routes})]


def _arm_route(res: Resource, p: dict) -> list[Resource]:
    parent = res.values.get("parent_id")
    return [_as(res, "azurerm_route", {**_arm_udr(res.values.get("name"), p),
                                       "route_table_name": _arm_parent_name(parent),
                                       "resource_group_name": _arm_rg(parent)})]


_ARM_KINDS = {
    "microsoft.network/virtualnetworks": _arm_vnet,
    "microsoft.network/virtualnetworks/subnets": _arm_subnet,
    "microsoft.network/virtualnetworks/virtualnetworkpeerings": _arm_peering,
    "microsoft.network/networksecuritygroups": _arm_nsg,
    "microsoft.network/networksecuritygroups/securityrules": _arm_security_rule,
    "microsoft.network/routetables": _arm_route_table,
    "microsoft.network/routetables/routes": _arm_route,
}


# -- networks and subnets -------------------------------------------------------

def _prefixes(v: dict, many: str, one: str) -> Any:
    values = v.get(many)
    if given(values):
        return values
    return [v.get(one)] if given(v.get(one)) else None


def _twin(st: _State, res: Resource, element: Element | None) -> bool:
    """A data source that reads what this configuration manages stands for it."""
    if res.mode != "data" or element is None or element.resource is None or element.resource.mode != "managed":
        return False
    st.b.alias(res.address, element)
    return True


def _networks(b: Builder, st: _State) -> None:
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


def _subnets(b: Builder, st: _State) -> None:
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

def _peerings(b: Builder, st: _State) -> None:
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


def _route_tables(b: Builder, st: _State) -> None:
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
        route.target = _appliance(route, address, table)


def _add_udr(table: RouteTable, route: Route | None, v: dict, appliances: list) -> None:
    if route is not None:
        table.routes.append(route)
        if route.target_kind == "appliance":  # where it leads is known once the system routes are
            appliances.append((route, v.get("next_hop_in_ip_address"), table))


def _appliance(route: Route, address: Any, table: RouteTable) -> Any:
    """Where a route to a virtual appliance leads: the peering to the VNet
    that holds the appliance, else unknown (the appliance forwards it)."""
    try:
        ip = IPAddress(address) if isinstance(address, str) else None
    except (AddrFormatError, ValueError):
        ip = None
    if ip is not None and table.network is not None:
        for system in (r for r in table.routes if r.target_kind == "peering" and isinstance(r.target, Peering)):
            if system.destination is not None and system.destination.net is not None \
                    and ip in system.destination.range:
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


def _security_groups(b: Builder, st: _State) -> None:
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


# -- clusters -------------------------------------------------------------------

def _subnet(b: Builder, st: _State, value: Any, res: Resource, attribute: str) -> Subnet | None:
    """The subnet an id names; a stand-in with an unknown range when it is
    given but outside this configuration (so nothing is decided from it)."""
    if not given(value):
        return None
    subnet = st.link("subnets", value, res, attribute)
    if isinstance(subnet, Subnet):
        return subnet
    stand_in = Subnet(f"{res.address} ({attribute})", res)
    stand_in.cidr = make_cidr(stand_in, attribute, "subnet", Unknown("the subnet is outside this configuration"))
    return stand_in


def _clusters(b: Builder, st: _State) -> None:
    for res in b.of_type("azurerm_kubernetes_cluster"):
        v = res.values
        profile = first(v.get("network_profile"))
        if res.mode == "data" and not profile:
            profile = Unknown("an existing cluster read through a data source")
        elif not isinstance(profile, Unknown) and not profile:
            profile = {"network_plugin": "kubenet"}  # the provider's default without a network_profile
        pool = first(v.get("default_node_pool"))
        _cluster(b, st, res, profile, [("default_node_pool.", pool if isinstance(pool, dict) else {}, _AZURERM_POOL)],
                 lambda name: f"network_profile.{name}")
    for res in b.of_type("azurerm_kubernetes_cluster_node_pool"):
        cluster = b.resolve(res.values.get("kubernetes_cluster_id"), res, "kubernetes_cluster_id")
        if isinstance(cluster, Cluster) and cluster.provider == PROVIDER:
            _pool(b, st, cluster, res, res.values, "", _AZURERM_POOL)
    _azapi_clusters(b, st)


def _cluster(b: Builder, st: _State, res: Resource, profile: Any, pools: list[tuple[str, dict, tuple[str, str]]],
             attribute: Any) -> None:
    """A cluster from its network profile (azurerm's keys, or Unknown) and node
    pools (where written, the pool, its node and pod subnet keys);
    ``attribute`` names a profile key as the resource writes it."""
    cluster = Cluster(res.address, res, provider=PROVIDER)
    if isinstance(profile, Unknown):
        plugin, mode = profile, None
    else:
        plugin, mode = profile.get("network_plugin"), profile.get("network_plugin_mode")
    if isinstance(plugin, Unknown) or isinstance(mode, Unknown) or plugin is None:
        cluster.pod_addressing = plugin if isinstance(plugin, Unknown) else Unknown("network_plugin is unknown")
    elif plugin == "kubenet" or (plugin == "azure" and isinstance(mode, str) and mode.lower() == "overlay"):
        cluster.network_model = "kubenet" if plugin == "kubenet" else "azure overlay"
        cluster.pod_addressing = "node"  # NAT to the node's address leaving the node / cluster
    elif plugin == "azure":
        cluster.network_model = "azure"
        cluster.pod_addressing = "subnet"  # pods hold VNet addresses and keep them
    else:
        cluster.network_model = str(plugin)
        cluster.pod_addressing = Unknown(f"network_plugin {plugin}: the CNI is installed separately")
    cluster.peer_addressing = cluster.pod_addressing
    for prefix, pool, keys in pools:
        _pool(b, st, cluster, res, pool, prefix, keys)
    cluster.network = sole_network(cluster.node_subnets, every=True)
    if isinstance(profile, dict) and cluster.network_model in ("kubenet", "azure overlay"):
        pods = profile.get("pod_cidrs") if given(profile.get("pod_cidrs")) else (
            [profile.get("pod_cidr")] if given(profile.get("pod_cidr")) else None)
        cluster.container_cidrs = [c for c in b.cidrs(cluster, attribute("pod_cidr"), "container", pods,
                                                      AKS_POD_CIDR) if c.net is None or c.net.version == 4]
    if isinstance(profile, dict):
        services = profile.get("service_cidrs") if given(profile.get("service_cidrs")) else (
            [profile.get("service_cidr")] if given(profile.get("service_cidr")) else None)
        cluster.service_cidrs = [c for c in b.cidrs(cluster, attribute("service_cidr"), "service", services,
                                                    AKS_SERVICE_CIDR) if c.net is None or c.net.version == 4]
        dns = profile.get("dns_service_ip")
        if given(dns):
            limits = RANGE
            known = [c for c in cluster.service_cidrs if c.net is not None and not c.error]
            if known and len(known) == len(cluster.service_cidrs):
                limits = CidrLimits("AKS dns_service_ip", within=tuple(str(c.range) for c in known),
                                    reserved_first=2)
            b.cidr(cluster, attribute("dns_service_ip"), "address", dns, limits, single_address=True)
    b.model.clusters.append(b.register(cluster))


# the ARM property behind each network_profile key of azurerm
_ARM_PROFILE = {"network_plugin": "networkPlugin", "network_plugin_mode": "networkPluginMode",
                "pod_cidr": "podCidr", "pod_cidrs": "podCidrs", "service_cidr": "serviceCidr",
                "service_cidrs": "serviceCidrs", "dns_service_ip": "dnsServiceIP"}
_MANAGED_CLUSTER = "microsoft.containerservice/managedclusters@"
_AGENT_POOL = "microsoft.containerservice/managedclusters/agentpools@"


def _azapi_body(res: Resource) -> Any:
    """An azapi resource's body as an object (azapi 1.x writes it with jsonencode), or Unknown."""
    body = res.values.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return Unknown("body is not JSON")
    if isinstance(body, Unknown) or isinstance(body, dict):
        return body
    return Unknown("body is not known") if body is not None else {}


def _azapi_of(b: Builder, kind: str) -> list[Resource]:
    return [res for res in b.of_type("azapi_resource")
            if isinstance(res.values.get("type"), str) and res.values["type"].lower().startswith(kind)]


def _azapi_clusters(b: Builder, st: _State) -> None:
    """AKS written as ARM bodies (Azure Verified Modules): properties.networkProfile
    and agentPoolProfiles, as the azurerm attributes above. Without an explicit
    networkPlugin the model stays unknown: the API's default depends on its version."""
    for res in _azapi_of(b, _MANAGED_CLUSTER):
        body = _azapi_body(res)
        properties = body.get("properties") if isinstance(body, dict) else body
        properties = properties if isinstance(properties, (dict, Unknown)) else {}
        network = properties.get("networkProfile") if isinstance(properties, dict) else properties
        if isinstance(network, Unknown):
            profile: Any = network
        else:
            network = network if isinstance(network, dict) else {}
            profile = {key: network.get(arm) for key, arm in _ARM_PROFILE.items()}
            if profile["network_plugin"] is None:
                profile["network_plugin"] = Unknown("networkPlugin is not set: the API's default depends on its version")
        pools = properties.get("agentPoolProfiles") if isinstance(properties, dict) else None
        _cluster(b, st, res, profile,
                 [(f"body.properties.agentPoolProfiles[{i}].", pool, _ARM_POOL) for i, pool in enumerate(blocks(pools))],
                 lambda name: f"body.properties.networkProfile.{_ARM_PROFILE[name]}")
    for res in _azapi_of(b, _AGENT_POOL):
        cluster = b.resolve(res.values.get("parent_id"), res, "parent_id")
        body = _azapi_body(res)
        properties = body.get("properties") if isinstance(body, dict) else None
        if isinstance(cluster, Cluster) and cluster.provider == PROVIDER and isinstance(properties, dict):
            _pool(b, st, cluster, res, properties, "body.properties.", _ARM_POOL)


# a node pool's node and pod subnet keys: azurerm's, and the ARM body's
_AZURERM_POOL = ("vnet_subnet_id", "pod_subnet_id")
_ARM_POOL = ("vnetSubnetID", "podSubnetID")


def _pool(b: Builder, st: _State, cluster: Cluster, res: Resource, pool: dict, prefix: str,
          keys: tuple[str, str]) -> None:
    nodes = _subnet(b, st, pool.get(keys[0]), res, prefix + keys[0])
    pods = _subnet(b, st, pool.get(keys[1]), res, prefix + keys[1])
    if nodes is not None and nodes not in cluster.node_subnets:
        cluster.node_subnets.append(nodes)
    # flat Azure CNI: pods of a pool without a pod subnet take node-subnet addresses
    holder = pods or nodes
    if cluster.pod_addressing == "subnet" and holder is not None and holder not in cluster.pod_subnets:
        cluster.pod_subnets.append(holder)


# -- endpoints ------------------------------------------------------------------

def _whitelist_entries(b: Builder, whitelist: Whitelist, res: Resource, start_key: str, end_key: str) -> None:
    start, end = res.values.get(start_key), res.values.get(end_key)
    origin = Element(res.address, res)
    attribute = f"{start_key}–{end_key}"
    if isinstance(start, Unknown) or isinstance(end, Unknown):
        cidr = b.cidr(whitelist, attribute, "whitelist", start if isinstance(start, Unknown) else end)
        cidr.origin = origin
        whitelist.entries.append(cidr)
        return
    try:
        low, high = IPAddress(str(start), flags=0), IPAddress(str(end), flags=0)
        if low > high:
            raise ValueError("the start address is above the end address")
        ranges = iprange_to_cidrs(low, high)
    except (AddrFormatError, ValueError, TypeError) as exc:
        cidr = Cidr(whitelist, attribute, "whitelist", text=f"{start}–{end}",
                    error=f"is not a valid address range ({exc})")
        cidr.origin = origin
        b.model.cidrs.append(cidr)
        whitelist.entries.append(cidr)
        return
    for net in ranges:
        cidr = b.cidr(whitelist, attribute, "whitelist", str(net), RANGE)
        cidr.origin = origin
        whitelist.entries.append(cidr)


def _endpoints(b: Builder, st: _State) -> None:
    caches = []
    for res in b.of_type("azurerm_redis_cache"):
        v = res.values
        subnet = _subnet(b, st, v.get("subnet_id"), res, "subnet_id")
        ports = [6380] + ([6379] if v.get("non_ssl_port_enabled") is True or v.get("enable_non_ssl_port") is True
                          else [])
        endpoint = Endpoint(res.address, res, kind="cache", subnet=subnet if subnet and subnet.network else None,
                            network=subnet.network if subnet is not None else None, ports=ports)
        b.model.endpoints.append(b.register(endpoint))
        st.add("caches", endpoint, res)
        caches.append(endpoint)
    cache_rules = defaultdict(list)  # id(cache) -> its firewall rules
    for rule_res in b.of_type("azurerm_redis_firewall_rule"):
        cache = st.named("caches", rule_res.values.get("redis_cache_name"), rule_res.values.get("resource_group_name"))
        cache_rules[id(cache)].append(rule_res)
    for endpoint in caches:
        if cache_rules.get(id(endpoint)):  # no rule: every client may connect
            endpoint.whitelist = Whitelist(endpoint.address, endpoint.resource)
            for rule_res in cache_rules[id(endpoint)]:
                _whitelist_entries(b, endpoint.whitelist, rule_res, "start_ip", "end_ip")
    servers = (("azurerm_postgresql_flexible_server", "azurerm_postgresql_flexible_server_firewall_rule", "database",
                5432, "delegated_subnet_id"),
               ("azurerm_mssql_server", "azurerm_mssql_firewall_rule", "database", 1433, None))
    for server_type, rule_type, kind, port, subnet_key in servers:
        public = []  # servers whose firewall rules apply
        for res in b.of_type(server_type):
            subnet = _subnet(b, st, res.values.get(subnet_key), res, subnet_key) if subnet_key else None
            # in a VNet the server has no public endpoint and its firewall rules do not apply;
            # otherwise clients arrive with public addresses: the rules are not about pod addresses
            endpoint = Endpoint(res.address, res, kind=kind, ports=[port],
                                network=subnet.network if subnet is not None else None)
            endpoint.subnet = subnet if subnet is not None and subnet.network is not None else None
            b.model.endpoints.append(b.register(endpoint))
            if subnet is None:
                public.append(endpoint)
        server_rules = defaultdict(list)  # id(server) -> its firewall rules
        for rule_res in b.of_type(rule_type):
            server_rules[id(b.resolve(rule_res.values.get("server_id"), rule_res, "server_id"))].append(rule_res)
        for endpoint in public:
            if server_rules.get(id(endpoint)):
                endpoint.whitelist = Whitelist(endpoint.address, endpoint.resource)
                for rule_res in server_rules[id(endpoint)]:
                    _whitelist_entries(b, endpoint.whitelist, rule_res, "start_ip_address", "end_ip_address")
    subnet_groups = defaultdict(list)  # id(subnet) -> the security groups associated with it, in model order
    for group in b.model.security_groups:
        for subnet in st.nsg_subnets.get(id(group), []):
            if group not in subnet_groups[id(subnet)]:
                subnet_groups[id(subnet)].append(group)
    for res in b.of_type("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine"):
        nics = b.resolve_all(res.values.get("network_interface_ids"), res, "network_interface_ids")
        nic = nics[0] if nics and nics[0].address in st.nic else None
        subnet, nic_groups = st.nic[nic.address] if nic is not None else (None, [])
        endpoint = Endpoint(res.address, res, kind="instance", subnet=subnet,
                            network=subnet.network if subnet is not None else None)
        endpoint.security_groups = (subnet_groups.get(id(subnet), []) if subnet is not None else []) + list(nic_groups)
        b.model.endpoints.append(b.register(endpoint))



# --- Kubernetes Services on AKS ---------------------------------------------------------------------------
# service.beta.kubernetes.io/azure-load-balancer-internal: "true" puts the Service on the internal load balancer
# (a frontend address in the cluster's VNet); the default is the public one. The cloud provider writes allow rules
# for the Service into the cluster's NSG itself: from loadBalancerSourceRanges when given (from Internet for a
# public Service without them). For an internal Service the ranges do not close the VNet (peered VNets included,
# the VirtualNetwork service tag and the default AllowVnetInBound rule) unless
# service.beta.kubernetes.io/azure-deny-all-except-load-balancer-source-ranges is "true"
# (kubernetes-sigs/cloud-provider-azure pkg/provider/loadbalancer/accesscontrol.go, azure_loadbalancer.go
# reconcileSecurityGroup; learn.microsoft.com/azure/aks/internal-lb). Azure's load balancer keeps the client's
# address.
_AKS = "service.beta.kubernetes.io/azure-"


def service_exposure(service: Any, model: Any, loaded: Any) -> Any:
    """How AKS exposes a LoadBalancer Service (see the notes above)."""
    from vpclint.model import Exposure
    from vpclint.services import annotation

    flag = annotation(service, _AKS + "load-balancer-internal")
    internal = flag if isinstance(flag, Unknown) else (isinstance(flag, str) and flag.lower() == "true")
    deny_all = annotation(service, _AKS + "deny-all-except-load-balancer-source-ranges")
    closed = isinstance(deny_all, str) and deny_all.lower() == "true"
    notes = ["azure-deny-all-except-load-balancer-source-ranges is not known before apply"] \
        if isinstance(deny_all, Unknown) else []
    return Exposure("AKS internal load balancer" if internal is True else "AKS load balancer", internal=internal,
                    keeps_client=True,
                    ranges_enforced=(internal is not True) or (deny_all if isinstance(deny_all, Unknown) else closed),
                    ranges_where="the cluster's NSG (written by the cloud provider)", node_rules_managed=True,
                    notes=notes)
