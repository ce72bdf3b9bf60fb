"""What the Azure adapter's steps share: limits, elements by Azure name and
resource group, and the subnet an id names."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from vpclint.model import (
    Cidr, CidrLimits, Element, Endpoint, Network, Route, RouteTable, SecurityGroup, Subnet, make_cidr,
)
from vpclint.model.build import Builder
from vpclint.providers.common import given
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


class State:
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
        # where a UDR reaches a firewall hub: its private address, or its subnet's range
        self.firewall_addresses: list[tuple[Any, Any]] = []

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


def partial(b: Builder) -> None:
    b.incomplete(PROVIDER, "routes")
    b.incomplete(PROVIDER, "rules")


def linked_subnet(b: Builder, st: State, value: Any, res: Resource, attribute: str) -> Subnet | None:
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


# bool and number attributes the adapter reads, converted from strings as
# Terraform converts them against the provider schema (common.convert_schema_types)
ATTRIBUTE_TYPES = {
    "azurerm_virtual_network_peering": {"allow_virtual_network_access": "bool",
                                        "peer_complete_virtual_networks_enabled": "bool"},
    "azurerm_network_security_group": {"security_rule.priority": "number"},
    "azurerm_network_security_rule": {"priority": "number"},
    "azurerm_redis_cache": {"non_ssl_port_enabled": "bool", "enable_non_ssl_port": "bool"},
    "azurerm_virtual_hub_connection": {"routing.static_vnet_propagate_static_routes_enabled": "bool"},
    "azurerm_firewall_policy_rule_collection_group": {"priority": "number", "network_rule_collection.priority": "number",
                                                      "application_rule_collection.priority": "number"},
    "azurerm_firewall_network_rule_collection": {"priority": "number"},
    "azurerm_firewall_application_rule_collection": {"priority": "number"},
}
