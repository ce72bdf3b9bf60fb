"""What the Alibaba Cloud modules share: the provider's name, its API's
range limits and the HCL that fixes a finding."""

from __future__ import annotations

from vpclint.model import CidrLimits
from vpclint.providers.common import Template

PROVIDER = "alicloud"
# Alibaba's network data sources are lists (data "alicloud_vpcs" / "alicloud_vswitches": ids, name_regex,
# vpc_name; read as .vpcs[0].id or .ids[0]), not one resource a join can stand in for: none is joined
DATA_SOURCES: dict = {}

# alicloud vpc.html.markdown: a mask of 8 to 28 bits, never these ranges
_RESERVED = ("100.64.0.0/10", "224.0.0.0/4", "127.0.0.0/8", "169.254.0.0/16")
VPC_CIDR = CidrLimits("Alibaba Cloud VPC CIDR", min_prefix=8, max_prefix=28, not_within=_RESERVED)
# alicloud vswitch.html.markdown: "The subnet mask must be 16 to 29 bits in length"
VSWITCH_CIDR = CidrLimits("Alibaba Cloud vSwitch CIDR", min_prefix=16, max_prefix=29)
POD_CIDR = CidrLimits("ACK pod_cidr")
SERVICE_CIDR = CidrLimits("ACK service_cidr")
RANGE = CidrLimits("Alibaba Cloud CIDR")
# db_instance.security_ips: "0.0.0.0/0, 10.23.12.24 (IP), and 10.23.12.24/24 (CIDR mode)"
WHITELIST = CidrLimits("Alibaba Cloud whitelist entry", host_bits_allowed=True)
# security_group_rule.cidr_ip: "Other supported formats include 10.159.6.18/12"
RULE_SOURCE = CidrLimits("Alibaba Cloud security group rule cidr_ip", host_bits_allowed=True)

# HCL that fixes a finding, by kind; filled by vpclint.providers.snippet
SNIPPETS = {
    "route": """resource "alicloud_route_entry" "{name}" {{
  route_table_id        = {table}.id
  destination_cidrblock = "{destination}"
  nexthop_type          = "VpcPeer"
  nexthop_id            = {peering}.id
}}""",
    "default_route": """resource "alicloud_route_entry" "{name}" {{
  route_table_id        = {network}.route_table_id
  destination_cidrblock = "{destination}"
  nexthop_type          = "VpcPeer"
  nexthop_id            = {peering}.id
}}""",
    "ingress": Template("""resource "alicloud_security_group_rule" "{name}" {{
  security_group_id = {group}.id
  type              = "ingress"
  ip_protocol       = "{protocol}"
  port_range        = "{port_range}"
  cidr_ip           = "{source}"
}}""", lambda fields: {**fields, "port_range": "-1/-1" if fields.get("protocol") in ("all", "icmp")
                       else f"{fields.get('from_port')}/{fields.get('to_port')}"}),
    "hub_route": """resource "alicloud_cen_transit_router_route_entry" "{name}" {{
  transit_router_route_table_id                     = {table}.transit_router_route_table_id
  transit_router_route_entry_destination_cidr_block = "{destination}"
  transit_router_route_entry_next_hop_type          = "Attachment"
  transit_router_route_entry_next_hop_id            = {attachment}.transit_router_attachment_id
}}""",
    "hub_default_route": Template("{body}", lambda fields: {"body": _system_table_route(fields)}),
    "hub_vpc_route": """resource "alicloud_route_entry" "{name}" {{
  route_table_id        = {table}.id
  destination_cidrblock = "{destination}"
  nexthop_type          = "Attachment"
  nexthop_id            = <the VPC connection to {hub}>.transit_router_attachment_id
}}""",
    "hub_vpc_default_route": """resource "alicloud_route_entry" "{name}" {{
  route_table_id        = {network}.route_table_id
  destination_cidrblock = "{destination}"
  nexthop_type          = "Attachment"
  nexthop_id            = <the VPC connection of {network} to {hub}>.transit_router_attachment_id
}}""",
    "whitelist": "security_ips = [<the entries it has>, {sources}]",
    "accepter": """resource "alicloud_vpc_peer_connection_accepter" "{name}" {{
  provider    = alicloud.accepting # the accepter account
  instance_id = {peering}.id
}}""",
}


def _system_table_route(fields: dict) -> str:
    """A route in a hub's implicit table: a transit router's system table is
    read by data source; CEN without transit routers learns what is published."""
    if ".alicloud_cen_instance." in f".{fields['hub']}":
        return (f'resource "alicloud_cen_route_entry" "{fields["name"]}" {{\n'
                f'  instance_id    = {fields["hub"]}.id\n'
                f'  route_table_id = <the route table of the VPC attached by {fields["attachment"]}>\n'
                f'  cidr_block     = "{fields["destination"]}"\n}}')
    return (f'resource "alicloud_cen_transit_router_route_entry" "{fields["name"]}" {{\n'
            f'  transit_router_route_table_id                     = <the system route table of {fields["hub"]}>\n'
            f'  transit_router_route_entry_destination_cidr_block = "{fields["destination"]}"\n'
            f'  transit_router_route_entry_next_hop_type          = "Attachment"\n'
            f'  transit_router_route_entry_next_hop_id            = {fields["attachment"]}.transit_router_attachment_id\n}}')


# bool and number attributes the adapter reads, converted from strings as
# Terraform converts them against the provider schema (common.convert_schema_types)
ATTRIBUTE_TYPES = {
    "alicloud_security_group": {"inner_access": "bool"},
    "alicloud_security_group_rule": {"priority": "number"},
    "alicloud_cen_transit_router_vpc_attachment": {"auto_publish_route_enabled": "bool",
                                                   "route_table_association_enabled": "bool",
                                                   "route_table_propagation_enabled": "bool"},
}
