"""What the Google adapter's modules share: the provider's name, range
limits, data sources, fix snippets, and the state its steps fill in."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from vpclint.model import Cidr, CidrLimits, Element, Peering, Route, SecurityGroup
from vpclint.model.build import Builder
from vpclint.model.join import Selector
from vpclint.providers.common import Template
from vpclint.resources import Resource

PROVIDER = "google"

# cloud.google.com/vpc/docs/subnets: prohibited subnet ranges; the smallest range is a /29
_PROHIBITED = ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "255.255.255.255/32")
SUBNET_RANGE = CidrLimits("GCP subnet primary range", max_prefix=29, not_within=_PROHIBITED)
SECONDARY_RANGE = CidrLimits("GCP subnet secondary range", max_prefix=29, not_within=_PROHIBITED)
# container_cluster: private_cluster_config.master_ipv4_cidr_block "must be a /28"
MASTER_RANGE = CidrLimits("GKE master_ipv4_cidr_block", min_prefix=28, max_prefix=28)
RANGE = CidrLimits("GCP range")

def _ingress_fields(fields: dict) -> dict:
    group = fields.get("group", "")
    fields["label"] = fields.get("name", "").replace("_", "-")
    # a group is the firewall rules for one target set; its resource is a
    # firewall (copy its network and targets) or, with none, the network
    if re.search(r"(^|\.)google_compute_network\.", group):
        fields["network"], fields["targets"] = f"{group}.name", ""
    else:
        fields["network"] = f"{group}.network"
        fields["targets"] = (f"\n  target_tags             = {group}.target_tags"
                             f"\n  target_service_accounts = {group}.target_service_accounts")
    proto = fields.get("protocol", "all")
    ports = fields.get("ports")
    fields["ports_line"] = (f'\n    ports    = ["{ports}"]' if proto in ("tcp", "udp", "sctp")
                            and ports not in (None, "", "1-65535", "0-65535") else "")
    return fields


# HCL that fixes a finding, by kind; filled by vpclint.providers.snippet
# what a data source reads (data-sources/compute_network.md, compute_subnetwork.md)
# bool and number attributes the adapter reads, converted from strings as
# Terraform converts them against the provider schema (common.convert_schema_types)
_EXCHANGE = {"export_custom_routes": "bool", "import_custom_routes": "bool",
             "export_subnet_routes_with_public_ip": "bool", "import_subnet_routes_with_public_ip": "bool"}
ATTRIBUTE_TYPES = {
    "google_compute_network": {"auto_create_subnetworks": "bool"},
    "google_compute_network_peering": _EXCHANGE,
    "google_compute_network_peering_routes_config": _EXCHANGE,
    "google_compute_firewall": {"priority": "number", "disabled": "bool"},
    "google_container_cluster": {"enable_autopilot": "bool"},
    "google_redis_instance": {"port": "number"},
}

DATA_SOURCES = {
    "google_compute_network": Selector("google_compute_network", {"name": "name", "self_link": "self_link"},
                                       scope={"project": "project"}),
    "google_compute_subnetwork": Selector("google_compute_subnetwork", {"name": "name", "self_link": "self_link"},
                                          scope={"project": "project", "region": "region"}),
}

SNIPPETS = {
    # a peer network lacks a route through the peering: GCP has no route
    # "through a peering" to write; the peering imports it or not
    "default_route": """# {network} learns {destination} over {peering} only when the peering exchanges it:
# on the google_compute_network_peering of {network} set
#   import_custom_routes                = true  # custom routes, GKE routes-based pod ranges
#   import_subnet_routes_with_public_ip = true  # subnet ranges outside private address space
# and on the reverse peering, in the network that holds {destination}, set
#   export_custom_routes = true
# (or use google_compute_network_peering_routes_config for either side)""",
    "ingress": Template("""resource "google_compute_firewall" "{name}" {{
  name                    = "{label}"
  network                 = {network}
  direction               = "INGRESS"
  priority                = 900 # before any rule that denies these addresses
  source_ranges           = ["{source}"]{targets}
  allow {{
    protocol = "{protocol}"{ports_line}
  }}
}}""", _ingress_fields),
    "reverse_peering": """resource "google_compute_network_peering" "{name}" {{
  name         = "{label}"
  network      = {network}.self_link
  peer_network = {peer}.self_link
}}""",
}


# -- names and self links ------------------------------------------------------

PATH = re.compile(r"(?:projects/(?P<project>[^/]+)/)?(?:(?:regions|zones)/(?P<region>[^/]+)/|global/)?"
                   r"(?P<kind>networks|subnetworks|clusters|instances)/(?P<name>[^/]+)$")


class State:
    """What the adapter's steps share: elements by GCP name, tables, peerings."""

    def __init__(self, b: Builder):
        self.b = b
        self.names: dict[str, dict[str, list[tuple[Element, dict]]]] = defaultdict(lambda: defaultdict(list))
        self.secondary: dict[tuple[int, str], Cidr] = {}  # (id(primary subnet), range name) -> range
        # each peering with its sides' route exchange flags, by id(network)
        self.peerings: list[tuple[Peering, dict[int, tuple]]] = []
        self.custom: dict[int, list[Route]] = defaultdict(list)  # id(network) -> exportable custom routes
        self.groups: dict[tuple[int, frozenset], SecurityGroup] = {}
        self.firewalls: dict[int, list] = defaultdict(list)
        self.policy_networks: set[int] = set()

    def add(self, kind: str, element: Element, res: Resource) -> None:
        name = res.values.get("name")
        if isinstance(name, str) and name:
            self.names[kind][name].append((element, {"project": res.values.get("project"),
                                                     "region": res.values.get("region")}))

    def link(self, kind: str, value: Any, res: Resource, attribute: str, region: Any = None) -> Element | None:
        """The element a reference (Ref, id, self link or plain name) names, or None."""
        if value is None or value == "":
            return None
        element = self.b.resolve(value, res, attribute)
        if element is not None or not isinstance(value, str):
            return element
        match = PATH.search(value)
        name, project = (match.group("name"), match.group("project")) if match else (value, None)
        if project is None and isinstance(res.values.get("project"), str):
            project = res.values["project"]  # a plain name is in the referring resource's project
        region = match.group("region") if match and match.group("region") else region
        found = []
        for candidate, scope in self.names[kind].get(name, []):
            if isinstance(project, str) and isinstance(scope["project"], str) and scope["project"] != project:
                continue
            if isinstance(region, str) and isinstance(scope["region"], str) and not region.startswith(scope["region"]):
                continue
            found.append(candidate)
        return found[0] if len(found) == 1 else None

    def twin(self, kind: str, res: Resource) -> bool:
        """A data source that reads what this configuration manages stands for it."""
        if res.mode != "data":
            return False
        name = res.values.get("name")
        element = self.link(kind, name, res, "name", region=res.values.get("region")) if isinstance(name, str) else None
        if element is None or element.resource is None or element.resource.mode != "managed":
            return False
        project = res.values.get("project")
        if isinstance(project, str) and isinstance(element.resource.values.get("project"), str) \
                and project != element.resource.values["project"]:
            return False
        self.b.alias(res.address, element)
        return True
