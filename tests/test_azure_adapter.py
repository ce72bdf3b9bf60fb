"""The Azure adapter: how azurerm resources map to the provider-neutral model.

The fixtures (fixtures/azure_*) show each rule on Azure end to end; these
tests pin the facts behind them: links by name and resource group, system
routes from peerings that user-defined routes override, NSG service tags and
default rules, AKS addressing, and firewall rules given as address ranges.
"""

from __future__ import annotations

from pathlib import Path

from netaddr import IPSet

from conftest import run
from vpclint.analysis import routing, security
from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.model.build import build_model
from vpclint.values import Unknown

VNETS = """
resource "azurerm_virtual_network" "apps" {
  name                = "apps"
  resource_group_name = "network"
  location            = "westeurope"
  address_space       = ["10.1.0.0/16"]
}

resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = "network"
  virtual_network_name = azurerm_virtual_network.apps.name
  address_prefixes     = ["10.1.0.0/20"]
}

resource "azurerm_virtual_network" "data" {
  name                = "data"
  resource_group_name = "network"
  location            = "westeurope"
  address_space       = ["10.2.0.0/16"]
}

resource "azurerm_subnet" "db" {
  name                 = "db"
  resource_group_name  = "network"
  virtual_network_name = "data"
  address_prefixes     = ["10.2.1.0/24"]
}

resource "azurerm_virtual_network_peering" "apps_to_data" {
  name                      = "apps-to-data"
  resource_group_name       = "network"
  virtual_network_name      = azurerm_virtual_network.apps.name
  remote_virtual_network_id = azurerm_virtual_network.data.id
}

resource "azurerm_virtual_network_peering" "data_to_apps" {
  name                      = "data-to-apps"
  resource_group_name       = "network"
  virtual_network_name      = azurerm_virtual_network.data.name
  remote_virtual_network_id = "/subscriptions/0000/resourceGroups/network/providers/Microsoft.Network/virtualNetworks/apps"
}
"""


def aks(profile: str, pool: str = "") -> str:
    return f"""
resource "azurerm_kubernetes_cluster" "apps" {{
  name                = "apps"
  resource_group_name = "network"
  location            = "westeurope"
  dns_prefix          = "apps"

  default_node_pool {{
    name           = "system"
    vm_size        = "Standard_D2s_v5"
    vnet_subnet_id = azurerm_subnet.nodes.id
    {pool}
  }}

  identity {{
    type = "SystemAssigned"
  }}
  {profile}
}}
"""


KUBENET = aks("""
  network_profile {
    network_plugin = "kubenet"
    pod_cidr       = "10.244.0.0/16"
  }""")


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "main.tf").write_text(text)
    return tmp_path


def model_of(tmp_path: Path, text: str):
    loaded = load_module(str(write(tmp_path, text)), LoadOptions())
    assert loaded.errors == []
    model, _ = build_model(loaded.resources)
    return model


def ids(report) -> list[tuple[str, str]]:
    assert report.errors == []
    return sorted((f.rule_id, f.resource) for f in report.findings)


def test_subnets_link_to_their_vnet_by_name_and_resource_group(tmp_path: Path) -> None:
    text = VNETS + """
resource "azurerm_virtual_network" "other_data" {
  name                = "data"
  resource_group_name = "other"
  location            = "westeurope"
  address_space       = ["10.3.0.0/16"]
}
resource "azurerm_subnet" "other_db" {
  name                 = "db"
  resource_group_name  = "other"
  virtual_network_name = "data"
  address_prefixes     = ["10.3.1.0/24"]
}
"""
    model = model_of(tmp_path, text)
    homes = {s.address: s.network.address for s in model.subnets}
    assert homes == {"azurerm_subnet.nodes": "azurerm_virtual_network.apps",
                     "azurerm_subnet.db": "azurerm_virtual_network.data",
                     "azurerm_subnet.other_db": "azurerm_virtual_network.other_data"}


def test_a_peering_pair_adds_system_routes_both_ways(tmp_path: Path) -> None:
    model = model_of(tmp_path, VNETS)
    (peering,) = model.peerings
    assert peering.state == "active" and peering.reverse.address == "azurerm_virtual_network_peering.data_to_apps"
    for network, other in (("apps", "10.2.0.0/16"), ("data", "10.1.0.0/16")):
        (table,) = next(n for n in model.networks if n.name == network).route_tables
        assert routing.through(table, IPSet([other]), peering) == IPSet([other])


def test_user_defined_routes_override_system_routes_by_longest_prefix(tmp_path: Path) -> None:
    udr = """
resource "azurerm_route_table" "db" {
  name                = "db"
  resource_group_name = "network"
  location            = "westeurope"
  route {
    name           = "default"
    address_prefix = "0.0.0.0/0"
    next_hop_type  = "Internet"
  }
  route {
    name           = "nodes-to-nva"
    address_prefix = "10.1.0.0/20"
    next_hop_type  = "None"
  }
  route {
    name                   = "via-appliance-in-apps"
    address_prefix         = "10.1.16.0/20"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = "10.1.100.4"
  }
  route {
    name                   = "via-local-appliance"
    address_prefix         = "10.1.32.0/20"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = "10.2.0.4"
  }
}
resource "azurerm_subnet_route_table_association" "db" {
  subnet_id      = azurerm_subnet.db.id
  route_table_id = azurerm_route_table.db.id
}
"""
    model = model_of(tmp_path, VNETS + udr)
    (peering,) = model.peerings
    db = next(s for s in model.subnets if s.address == "azurerm_subnet.db")
    table = routing.serving_table(db)
    assert table.address == "azurerm_route_table.db"
    # None overrides the peering; an appliance in the peered VNet is reached through it;
    # the rest of the peered space keeps its system route
    assert routing.through(table, IPSet(["10.1.0.0/20", "10.1.16.0/20", "10.1.48.0/20"]), peering) == \
        IPSet(["10.1.16.0/20", "10.1.48.0/20"])
    # a local appliance forwards somewhere: unknown
    assert routing.through(table, IPSet(["10.1.32.0/20"]), peering) is None


def test_one_sided_and_external_peerings(tmp_path: Path) -> None:
    text = VNETS.split('resource "azurerm_virtual_network_peering" "data_to_apps"')[0] + """
resource "azurerm_virtual_network_peering" "apps_to_hub" {
  name                      = "apps-to-hub"
  resource_group_name       = "network"
  virtual_network_name      = azurerm_virtual_network.apps.name
  remote_virtual_network_id = var.hub_id
}
variable "hub_id" {
  type = string
}
"""
    model = model_of(tmp_path, text)
    states = {p.address: p.state for p in model.peerings}
    assert states["azurerm_virtual_network_peering.apps_to_data"] == "pending"
    assert isinstance(states["azurerm_virtual_network_peering.apps_to_hub"], Unknown)
    assert ids(run(tmp_path)) == [("peering_incomplete", "azurerm_virtual_network_peering.apps_to_data")]


NSG = """
resource "azurerm_network_security_group" "db" {
  name                = "db"
  resource_group_name = "network"
  location            = "westeurope"
  %s
}
resource "azurerm_subnet_network_security_group_association" "db" {
  subnet_id                 = azurerm_subnet.db.id
  network_security_group_id = azurerm_network_security_group.db.id
}
"""


def rule(name: str, priority: int, access: str, source: str, ports: str = "5432", destination: str = "*",
         protocol: str = "Tcp") -> str:
    return f"""
  security_rule {{
    name                       = "{name}"
    priority                   = {priority}
    direction                  = "Inbound"
    access                     = "{access}"
    protocol                   = "{protocol}"
    source_port_range          = "*"
    destination_port_range     = "{ports}"
    source_address_prefix      = "{source}"
    destination_address_prefix = "{destination}"
  }}"""


def test_virtual_network_tag_holds_the_vnet_and_its_peers(tmp_path: Path) -> None:
    model = model_of(tmp_path, VNETS + NSG % rule("deny-vnet", 200, "Deny", "VirtualNetwork", "*", protocol="*"))
    (group,) = model.security_groups
    assert group.network.name == "data"
    deny = next(r for r in group.rules if r.priority == 200)
    assert security.source_set(deny, None, IPSet()) == IPSet(["10.1.0.0/16", "10.2.0.0/16"])
    # the default AllowVnetInBound can never match after that deny: left out
    assert [r.priority for r in group.rules if r.direction == "ingress"] == [200, 65001, 65500]


def test_kubenet_pods_arrive_from_the_nodes(tmp_path: Path) -> None:
    nsg = NSG % (rule("from-pods", 100, "Allow", "10.244.0.0/16")
                 + rule("deny-vnet", 200, "Deny", "VirtualNetwork", "*", protocol="*"))
    assert ids(run(write(tmp_path, VNETS + KUBENET + nsg))) == [
        ("pod_ingress_missing", "azurerm_network_security_group.db")]
    # the default rules admit the virtual network, peers included
    assert ids(run(write(tmp_path, VNETS + KUBENET + NSG % rule("from-pods", 100, "Allow", "10.244.0.0/16")))) == []


def test_a_deny_limited_to_some_destinations_is_left_out(tmp_path: Path) -> None:
    nsg = NSG % (rule("from-pods", 100, "Allow", "10.244.0.0/16")
                 + rule("deny-vnet-to-one-host", 200, "Deny", "VirtualNetwork", "*", destination="10.2.1.9"))
    assert ids(run(write(tmp_path, VNETS + KUBENET + nsg))) == []


def test_aks_addressing_by_network_plugin(tmp_path: Path) -> None:
    pod_subnet = """
resource "azurerm_subnet" "pods" {
  name                 = "pods"
  resource_group_name  = "network"
  virtual_network_name = azurerm_virtual_network.apps.name
  address_prefixes     = ["10.1.64.0/18"]
}
"""
    cases = (
        (KUBENET, "node", ["10.1.0.0/20"]),
        (aks(""), "node", ["10.1.0.0/20"]),  # no network_profile: kubenet (or overlay), both NAT
        (aks('network_profile {\n network_plugin = "azure"\n network_plugin_mode = "overlay"\n'
             ' pod_cidr = "192.168.0.0/16"\n}'), "node", ["10.1.0.0/20"]),
        (aks('network_profile {\n network_plugin = "azure"\n}'), "subnet", ["10.1.0.0/20"]),
        (aks('network_profile {\n network_plugin = "azure"\n}', "pod_subnet_id = azurerm_subnet.pods.id"),
         "subnet", ["10.1.64.0/18"]),
    )
    for text, addressing, sources in cases:
        model = model_of(tmp_path, VNETS + pod_subnet + text)
        (cluster,) = model.clusters
        assert cluster.pod_addressing == addressing
        assert [str(c) for c in cluster.sources_peered] == sources
    model = model_of(tmp_path, VNETS + aks('network_profile {\n network_plugin = "none"\n}'))
    assert isinstance(model.clusters[0].pod_addressing, Unknown) and model.clusters[0].sources_local is None


def test_a_node_subnet_outside_the_configuration_makes_sources_unknown(tmp_path: Path) -> None:
    text = VNETS + aks('network_profile {\n network_plugin = "azure"\n}').replace(
        "azurerm_subnet.nodes.id", '"/subscriptions/0/resourceGroups/x/providers/Microsoft.Network/'
                                   'virtualNetworks/y/subnets/z"')
    model = model_of(tmp_path, text)
    (cluster,) = model.clusters
    assert cluster.network is None and cluster.sources_local is None


def test_dns_service_ip_limits_follow_the_service_cidr(tmp_path: Path) -> None:
    profile = 'network_profile {\n network_plugin = "azure"\n service_cidr = %s\n dns_service_ip = "%s"\n}'
    for service, dns, problem in (('"10.0.0.0/16"', "10.0.0.10", None),
                                  ('"10.0.0.0/16"', "10.0.0.0", "first 2 addresses"),
                                  ('"10.0.0.0/16"', "10.9.0.10", "outside"),
                                  ("var.service", "10.9.0.10", None)):
        text = VNETS + aks(profile % (service, dns)) + 'variable "service" {\n  type = string\n}\n'
        found = [f.message for f in run(write(tmp_path, text)).findings if f.rule_id == "cidr_invalid"]
        assert (problem is None and found == []) or (len(found) == 1 and problem in found[0]), found


def test_firewall_rules_are_address_ranges(tmp_path: Path) -> None:
    cache = """
resource "azurerm_subnet" "cache" {
  name                 = "cache"
  resource_group_name  = "network"
  virtual_network_name = azurerm_virtual_network.apps.name
  address_prefixes     = ["10.1.16.0/24"]
}
resource "azurerm_redis_cache" "cache" {
  name                = "cache"
  resource_group_name = "network"
  location            = "westeurope"
  capacity            = 1
  family              = "P"
  sku_name            = "Premium"
  subnet_id           = azurerm_subnet.cache.id
}
resource "azurerm_redis_firewall_rule" "nodes" {
  name                = "nodes"
  resource_group_name = "network"
  redis_cache_name    = azurerm_redis_cache.cache.name
  start_ip            = "10.1.0.0"
  end_ip              = "10.1.16.255"
}
resource "azurerm_redis_firewall_rule" "reversed" {
  name                = "reversed"
  resource_group_name = "network"
  redis_cache_name    = azurerm_redis_cache.cache.name
  start_ip            = "10.9.0.9"
  end_ip              = "10.9.0.1"
}
"""
    model = model_of(tmp_path, VNETS + KUBENET + cache)
    endpoint = next(e for e in model.endpoints if e.address == "azurerm_redis_cache.cache")
    assert [str(c) for c in endpoint.whitelist.entries if not c.error] == ["10.1.0.0/20", "10.1.16.0/24"]
    assert ids(run(tmp_path)) == [("cidr_invalid", "azurerm_redis_firewall_rule.reversed")]


def test_public_endpoint_firewalls_are_not_about_pod_addresses(tmp_path: Path) -> None:
    server = """
resource "azurerm_postgresql_flexible_server" "db" {
  name                = "db"
  resource_group_name = "network"
  location            = "westeurope"
}
resource "azurerm_postgresql_flexible_server_firewall_rule" "pods" {
  name             = "pods"
  server_id        = azurerm_postgresql_flexible_server.db.id
  start_ip_address = "10.244.0.0"
  end_ip_address   = "10.244.255.255"
}
"""
    model = model_of(tmp_path, VNETS + KUBENET + server)
    endpoint = next(e for e in model.endpoints if e.address == "azurerm_postgresql_flexible_server.db")
    assert endpoint.network is None and [str(c) for c in endpoint.whitelist.entries] == ["10.244.0.0/16"]
    assert ids(run(tmp_path)) == []


def test_a_data_source_reading_a_managed_subnet_stands_for_it(tmp_path: Path) -> None:
    text = VNETS + KUBENET.replace("azurerm_subnet.nodes.id", "data.azurerm_subnet.nodes.id") + """
data "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = "network"
  virtual_network_name = "apps"
}
"""
    model = model_of(tmp_path, text)
    (cluster,) = model.clusters
    assert [s.address for s in cluster.node_subnets] == ["azurerm_subnet.nodes"]
    assert cluster.network.address == "azurerm_virtual_network.apps"


# -- AKS written as ARM bodies through azapi (Azure Verified Modules) -----------------


def azapi_cluster(body: str, extra: str = "") -> str:
    return VNETS + f"""
resource "azurerm_subnet" "pods" {{
  name                 = "pods"
  resource_group_name  = "network"
  virtual_network_name = azurerm_virtual_network.apps.name
  address_prefixes     = ["10.1.64.0/18"]
}}

resource "azapi_resource" "apps" {{
  type      = "Microsoft.ContainerService/managedClusters@2024-09-01"
  name      = "apps"
  parent_id = "/subscriptions/0000/resourceGroups/network"
  body      = {body}
}}
{extra}"""


def test_an_azapi_cluster_reads_its_network_profile_and_pools(tmp_path: Path) -> None:
    model = model_of(tmp_path, azapi_cluster("""{
    properties = {
      agentPoolProfiles = [{ name = "system", vnetSubnetID = azurerm_subnet.nodes.id }]
      networkProfile = { networkPlugin = "azure", networkPluginMode = "overlay", podCidr = "10.244.0.0/16",
                         serviceCidr = "10.0.0.0/16", dnsServiceIP = "10.0.0.10" }
    }
  }"""))
    (cluster,) = model.clusters
    assert (cluster.network_model, cluster.pod_addressing) == ("azure overlay", "node")
    assert [s.address for s in cluster.node_subnets] == ["azurerm_subnet.nodes"]
    assert cluster.network.address == "azurerm_virtual_network.apps"
    assert [(str(c), c.attribute) for c in cluster.container_cidrs] == [
        ("10.244.0.0/16", "body.properties.networkProfile.podCidr")]
    assert [str(c) for c in cluster.service_cidrs] == ["10.0.0.0/16"]


def test_an_azapi_agent_pool_of_flat_azure_cni_adds_its_pod_subnet(tmp_path: Path) -> None:
    model = model_of(tmp_path, azapi_cluster(
        # azapi 1.x takes the body as a JSON string; the ids are known strings here, else the string is unknown
        """jsonencode({ properties = { networkProfile = { networkPlugin = "azure" },
                                        agentPoolProfiles = [{ vnetSubnetID = local.nodes }] } })""",
        """
resource "azapi_resource" "pool" {
  type      = "Microsoft.ContainerService/managedClusters/agentPools@2024-09-01"
  name      = "user"
  parent_id = azapi_resource.apps.id
  body      = { properties = { vnetSubnetID = azurerm_subnet.nodes.id, podSubnetID = azurerm_subnet.pods.id } }
}

locals {
  nodes = "/subscriptions/0000/resourceGroups/network/providers/Microsoft.Network/virtualNetworks/apps/subnets/nodes"
}
"""))
    (cluster,) = model.clusters
    assert (cluster.network_model, cluster.pod_addressing) == ("azure", "subnet")
    assert [s.address for s in cluster.pod_subnets] == ["azurerm_subnet.nodes", "azurerm_subnet.pods"]


def test_an_azapi_cluster_without_a_known_network_plugin_decides_nothing(tmp_path: Path) -> None:
    for body in ('{ properties = { networkProfile = { podCidr = "10.244.0.0/16" } } }', "var.body",
                 '{ properties = { networkProfile = { networkPlugin = var.plugin } } }'):
        model = model_of(tmp_path, azapi_cluster(body, 'variable "body" {}\nvariable "plugin" {}'))
        (cluster,) = model.clusters
        assert isinstance(cluster.pod_addressing, Unknown), body
        assert cluster.container_cidrs == []


# -- networks written as ARM bodies through azapi -------------------------------------

RG = "/subscriptions/0000/resourceGroups/network"


def azapi(name: str, kind: str, parent: str, properties: str) -> str:
    return f"""
resource "azapi_resource" "{name}" {{
  type      = "Microsoft.Network/{kind}@2024-05-01"
  name      = "{name}"
  parent_id = {parent}
  body      = {{ properties = {properties} }}
}}
"""


def test_azapi_vnets_subnets_and_route_tables_map_as_their_azurerm_kinds(tmp_path: Path) -> None:
    text = (azapi("apps", "virtualNetworks", f'"{RG}"', '{ addressSpace = { addressPrefixes = ["10.1.0.0/16"] } }')
            + azapi("rt", "routeTables", f'"{RG}"', """{ routes = [{ name = "out", properties = {
                addressPrefix = "0.0.0.0/0", nextHopType = "VirtualAppliance", nextHopIpAddress = "10.1.9.4" } }] }""")
            + azapi("extra", "routeTables/routes", "azapi_resource.rt.id",
                    '{ addressPrefix = "10.9.0.0/16", nextHopType = "None" }')
            # a parent named by its ARM id string, a route table by Ref
            + azapi("nodes", "virtualNetworks/subnets",
                    f'"{RG}/providers/Microsoft.Network/virtualNetworks/apps"',
                    '{ addressPrefix = "10.1.1.0/24", routeTable = { id = azapi_resource.rt.id } }'))
    model = model_of(tmp_path, text)
    (network,) = model.networks
    assert (network.address, [str(c) for c in network.cidrs]) == ("azapi_resource.apps", ["10.1.0.0/16"])
    (subnet,) = model.subnets
    assert subnet.network is network and str(subnet.cidr) == "10.1.1.0/24"
    assert subnet.route_table.address == "azapi_resource.rt"
    assert sorted(str(r.destination) for r in subnet.route_table.routes if r.resource.address != "azapi_resource.apps"
                  ) == ["0.0.0.0/0", "10.9.0.0/16"]


def test_azapi_security_rules_as_children_and_unknown_bodies(tmp_path: Path) -> None:
    text = (azapi("nsg", "networkSecurityGroups", f'"{RG}"', "{}")
            + azapi("pg", "networkSecurityGroups/securityRules", "azapi_resource.nsg.id", """{
                priority = 100, direction = "Inbound", access = "Allow", protocol = "Tcp",
                sourceAddressPrefix = "10.244.0.0/16", destinationPortRange = "5432" }"""))
    model = model_of(tmp_path, text)
    (group,) = model.security_groups
    rules = [r for r in group.rules if r.priority == 100]
    assert [(r.action, [str(c) for c in r.sources], [(p.low, p.high) for p in r.ports]) for r in rules] == [
        ("allow", ["10.244.0.0/16"], [(5432, 5432)])]
    assert group.complete
    # a body not known before apply may hold routes and rules: nothing is decided from their absence
    unknown = model_of(tmp_path, text + 'variable "body" {}\n' + """
resource "azapi_resource" "mystery" {
  type      = "Microsoft.Network/routeTables@2024-05-01"
  name      = "mystery"
  parent_id = "x"
  body      = var.body
}
""")
    (group,) = unknown.security_groups
    assert not group.complete
