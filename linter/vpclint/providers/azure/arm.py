"""azapi: ARM bodies presented as the azurerm resources they mean."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from vpclint.model.build import Builder
from vpclint.providers.azure.base import partial
from vpclint.providers.common import blocks, given
from vpclint.resources import Resource
from vpclint.values import Ref, Unknown


def adopt_azapi(b: Builder) -> None:
    """Azure Verified Modules write networks as ``azapi_resource`` ARM bodies:
    each one the steps below understand is presented to them as the azurerm
    resource it means (same address and position), so one mapping serves both.
    A body or type not known before apply may hide routes or rules."""
    for res in b.of_type("azapi_resource"):
        kind = res.values.get("type")
        if not isinstance(kind, str):
            partial(b)
            continue
        translate = _ARM_KINDS.get(kind.split("@")[0].lower())
        if translate is None:
            continue
        body = azapi_body(res)
        properties = body.get("properties") if isinstance(body, dict) else body
        if isinstance(properties, Unknown):
            partial(b)
            continue
        for resource in translate(res, properties if isinstance(properties, dict) else {}):
            b.adopt(resource)
    if "azapi_resource" in b.uncounted:  # instances not known: what they hold may be missing
        partial(b)


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


def azapi_body(res: Resource) -> Any:
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


def azapi_of(b: Builder, kind: str) -> list[Resource]:
    return [res for res in b.of_type("azapi_resource")
            if isinstance(res.values.get("type"), str) and res.values["type"].lower().startswith(kind)]
