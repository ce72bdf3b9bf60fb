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


def _vpc_hub_fields(fields: dict) -> dict:
    """A UDR reaches a firewall by its private address; a virtual hub programs
    the VNet itself, so there the fix is the hub's, not a UDR."""
    hub = fields.get("hub", "")
    fields["hop"] = (f"{hub}.ip_configuration[0].private_ip_address" if ".azurerm_firewall." in f".{hub}"
                     else '"<the address of the appliance that forwards it>"')
    return fields


def _firewall_rule_fields(fields: dict) -> dict:
    """A firewall without a policy of its own takes classic rule collections."""
    fields["protocol"] = {"tcp": "TCP", "udp": "UDP", "icmp": "ICMP", "all": "Any"}.get(fields.get("protocol"), "Any")
    fields["classic"] = ""
    if ".azurerm_firewall_policy." not in f".{fields.get('policy', '')}":
        fields["classic"] = (f"# {fields.get('policy')} has no firewall policy: with one, add this group; without,\n"
                             "# an azurerm_firewall_network_rule_collection with the same rule\n")
    return fields


_HUB_ROUTE = """# or propagate the connection that leads there to this table's labels
resource "azurerm_virtual_hub_route_table_route" "{{name}}" {{{{
  route_table_id    = {table}
  name              = "{{name}}"
  destinations_type = "CIDR"
  destinations      = ["{{destination}}"]
  next_hop_type     = "ResourceId"
  next_hop          = {{attachment}}.id
}}}}"""

_VPC_HUB_ROUTE = """resource "azurerm_route" "{{name}}" {{{{
  name                   = "{{name}}"
  resource_group_name    = {table}.resource_group_name
  route_table_name       = {table}.name
  address_prefix         = "{{destination}}"
  next_hop_type          = "VirtualAppliance"
  next_hop_in_ip_address = {{hop}}
}}}}"""

_HUB_CONNECTION = """resource "azurerm_virtual_hub_connection" "{{name}}" {{{{
  name                      = "{{name}}"
  virtual_hub_id            = {{hub}}.id
  remote_virtual_network_id = {{network}}.id{routing}
}}}}"""

# HCL that fixes a finding, by kind; filled by vpclint.providers.snippet
SNIPPETS = {
    # without a routing block a connection associates with and propagates to defaultRouteTable
    "hub_attachment": _HUB_CONNECTION.format(routing=""),
    "hub_attachment_table": _HUB_CONNECTION.format(routing="""
  routing {{
    propagated_route_table {{
      route_table_ids = [{table}.id, {hub}.default_route_table_id]
    }}
  }}"""),
    "hub_route": _HUB_ROUTE.format(table="{table}.id"),
    "hub_default_route": _HUB_ROUTE.format(table="{hub}.default_route_table_id"),
    "hub_vpc_route": Template(_VPC_HUB_ROUTE.format(table="{table}"), _vpc_hub_fields),
    "hub_vpc_default_route": Template("""# {network} has no route table of its own: create an azurerm_route_table with
# this route and associate it with the subnets
""" + _VPC_HUB_ROUTE.format(table="azurerm_route_table.{name}"), _vpc_hub_fields),
    "firewall_rule": Template("""{classic}resource "azurerm_firewall_policy_rule_collection_group" "{name}" {{
  name               = "{name}"
  firewall_policy_id = {policy}.id
  priority           = 100 # before any group that denies this flow
  network_rule_collection {{
    name     = "{name}"
    priority = 100
    action   = "Allow"
    rule {{
      name                  = "{name}"
      protocols             = ["{protocol}"]
      source_addresses      = [{sources}]
      destination_addresses = [{destinations}]
      destination_ports     = ["{ports}"]
    }}
  }}
}}""", _firewall_rule_fields),
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
