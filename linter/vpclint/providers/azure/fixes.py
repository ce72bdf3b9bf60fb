"""HCL that fixes an Azure finding, by kind; filled by ``vpclint.providers.snippet``."""

from __future__ import annotations

import re

from netaddr import IPNetwork

from vpclint.providers.common import Template


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
