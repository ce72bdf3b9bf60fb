"""Azure Virtual WAN, hub-and-spoke through Azure Firewall, and GCP Network
Connectivity Center as transit hubs of the model (vpclint.model.transit).

The fixtures (fixtures/azure_vwan_*, azure_firewall_hub, azure_appliance_udr,
gcp_ncc_*) show the rules end to end; these tests pin how the resources map:
defaults, routing blocks, labels across hubs, export filters, and the order in
which a firewall policy's rules decide.
"""

from __future__ import annotations

from pathlib import Path

from netaddr import IPSet

from vpclint.analysis.firewall import evaluate
from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.model.build import build_model
from vpclint.values import Unknown


def model_of(tmp_path: Path, text: str):
    (tmp_path / "main.tf").write_text(text)
    loaded = load_module(str(tmp_path), LoadOptions())
    assert loaded.errors == []
    model, _ = build_model(loaded.resources)
    return model


def vnet(name: str, space: str) -> str:
    return f"""
resource "azurerm_virtual_network" "{name}" {{
  name                = "{name}"
  resource_group_name = "net"
  location            = "westeurope"
  address_space       = ["{space}"]
}}
resource "azurerm_subnet" "{name}" {{
  name                 = "{name}"
  resource_group_name  = "net"
  virtual_network_name = azurerm_virtual_network.{name}.name
  address_prefixes     = ["{space}"]
}}
"""


def hub(name: str, prefix: str, wan: str = "corp") -> str:
    return f"""
resource "azurerm_virtual_hub" "{name}" {{
  name                = "{name}"
  resource_group_name = "net"
  location            = "westeurope"
  virtual_wan_id      = azurerm_virtual_wan.{wan}.id
  address_prefix      = "{prefix}"
}}
"""


def connection(name: str, hub_name: str, routing: str = "") -> str:
    return f"""
resource "azurerm_virtual_hub_connection" "{name}" {{
  name                      = "{name}"
  virtual_hub_id            = azurerm_virtual_hub.{hub_name}.id
  remote_virtual_network_id = azurerm_virtual_network.{name}.id
  {routing}
}}
"""


WAN = """
resource "azurerm_virtual_wan" "corp" {
  name                = "corp"
  resource_group_name = "net"
  location            = "westeurope"
}
"""


def by_address(items, address):
    return next(item for item in items if item.address == address)


def routes(table) -> list[tuple[str, str, str]]:
    return sorted((str(r.destination), r.target_kind, getattr(r.target, "address", "?")) for r in table.routes)


def test_a_connection_without_routing_uses_the_default_route_table(tmp_path: Path) -> None:
    model = model_of(tmp_path, WAN + hub("weu", "10.255.0.0/23") + vnet("apps", "10.1.0.0/16")
                     + connection("apps", "weu"))
    (virtual_hub,) = model.hubs
    (default,) = virtual_hub.route_tables
    assert default.address == "azurerm_virtual_hub.weu (defaultRouteTable)"
    assert virtual_hub.default_association is default
    (attachment,) = virtual_hub.attachments
    assert (attachment.network.address, attachment.association, attachment.associate_default,
            attachment.propagations, attachment.exports, attachment.installs_routes) == \
        ("azurerm_virtual_network.apps", None, True, [default], "network", True)
    assert model.networks[0].attachments == [attachment]


def test_routing_blocks_labels_none_table_and_static_vnet_routes(tmp_path: Path) -> None:
    isolated = """
resource "azurerm_virtual_hub_route_table" "isolated" {
  name           = "isolated"
  virtual_hub_id = azurerm_virtual_hub.weu.id
  labels         = ["isolated"]
}
"""
    data_routing = """
  routing {
    associated_route_table_id = azurerm_virtual_hub_route_table.isolated.id
    propagated_route_table {
      labels = ["isolated"]
    }
    static_vnet_route {
      name                = "pods"
      address_prefixes    = ["10.244.0.0/16"]
      next_hop_ip_address = "10.2.0.4"
    }
  }
"""
    none_routing = """
  routing {
    propagated_route_table {
      route_table_ids = ["/subscriptions/0/resourceGroups/net/providers/Microsoft.Network/virtualHubs/weu/hubRouteTables/noneRouteTable"]
      labels          = ["none"]
    }
  }
"""
    model = model_of(tmp_path, WAN + hub("weu", "10.255.0.0/23") + isolated + vnet("apps", "10.1.0.0/16")
                     + vnet("data", "10.2.0.0/16") + vnet("quiet", "10.3.0.0/16") + connection("apps", "weu")
                     + connection("data", "weu", data_routing) + connection("quiet", "weu", none_routing))
    (virtual_hub,) = model.hubs
    default, table = virtual_hub.route_tables
    data = by_address(model.attachments, "azurerm_virtual_hub_connection.data")
    quiet = by_address(model.attachments, "azurerm_virtual_hub_connection.quiet")
    assert data.association is table and data.propagations == [table] and data.propagate_default is False
    # the static route rides the propagation: the isolated table sends the pod range to the data connection
    assert routes(table) == [("10.244.0.0/16", "attachment", "azurerm_virtual_hub_connection.data")]
    assert routes(default) == []
    # noneRouteTable and a label no table has propagate nothing
    assert quiet.propagations == [] and quiet.association is None and quiet.associate_default is True


def test_hubs_of_one_wan_are_linked_and_labels_reach_every_hub(tmp_path: Path) -> None:
    model = model_of(tmp_path, WAN + hub("weu", "10.255.0.0/23") + hub("neu", "10.255.2.0/23")
                     + vnet("apps", "10.1.0.0/16") + vnet("data", "10.2.0.0/16")
                     + connection("apps", "weu") + connection("data", "neu"))
    weu, neu = model.hubs
    links = [a for a in model.attachments if a.kind == "peering"]
    assert sorted(a.address for a in links) == ["azurerm_virtual_hub.neu (to azurerm_virtual_hub.weu)",
                                                "azurerm_virtual_hub.weu (to azurerm_virtual_hub.neu)"]
    to_weu = by_address(links, "azurerm_virtual_hub.neu (to azurerm_virtual_hub.weu)")
    assert to_weu.hub is neu and to_weu.peer.hub is weu and to_weu.association is neu.route_tables[0]
    # apps propagates to label "default": the neu default table reaches it over the hub link
    assert routes(neu.route_tables[0]) == [("10.1.0.0/16", "attachment", to_weu.address)]
    assert routes(weu.route_tables[0]) == [("10.2.0.0/16", "attachment", to_weu.peer.address)]


def test_hub_route_table_routes_and_what_the_model_cannot_follow(tmp_path: Path) -> None:
    text = WAN + hub("weu", "10.255.0.0/23") + vnet("apps", "10.1.0.0/16") + connection("apps", "weu") + """
resource "azurerm_virtual_hub_route_table_route" "pods" {
  route_table_id    = azurerm_virtual_hub.weu.default_route_table_id
  name              = "pods"
  destinations_type = "CIDR"
  destinations      = ["10.244.0.0/16"]
  next_hop_type     = "ResourceId"
  next_hop          = azurerm_virtual_hub_connection.apps.id
}
resource "azurerm_virtual_hub_route_table_route" "inspect" {
  route_table_id    = azurerm_virtual_hub.weu.default_route_table_id
  name              = "inspect"
  destinations_type = "CIDR"
  destinations      = ["10.50.0.0/16"]
  next_hop_type     = "ResourceId"
  next_hop          = "/subscriptions/0/resourceGroups/net/providers/Microsoft.Network/azureFirewalls/fw"
}
"""
    model = model_of(tmp_path, text)
    (default,) = model.hubs[0].route_tables
    assert routes(default) == [("10.244.0.0/16", "attachment", "azurerm_virtual_hub_connection.apps"),
                               ("10.50.0.0/16", "unknown", "?")]
    assert default.complete is True
    basic = model_of(tmp_path, WAN.replace('location            = "westeurope"',
                                           'location            = "westeurope"\n  type = "Basic"')
                     + hub("weu", "10.255.0.0/23"))
    assert basic.hubs[0].complete is False and basic.hub_route_tables[0].complete is False


FIREWALL = vnet("hub", "10.0.0.0/16").replace('address_prefixes     = ["10.0.0.0/16"]',
                                               'address_prefixes     = ["10.0.1.0/26"]') + """
resource "azurerm_firewall" "fw" {
  name                = "fw"
  resource_group_name = "net"
  location            = "westeurope"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  %s
  ip_configuration {
    name      = "ipconfig"
    subnet_id = azurerm_subnet.hub.id
  }
}
""" + "".join(f"""
resource "azurerm_virtual_network_peering" "{a}_{b}" {{
  name                      = "{a}-{b}"
  resource_group_name       = "net"
  virtual_network_name      = azurerm_virtual_network.{a}.name
  remote_virtual_network_id = azurerm_virtual_network.{b}.id
}}
""" for a, b in (("hub", "apps"), ("apps", "hub"), ("hub", "data"), ("data", "hub"))) \
    + vnet("apps", "10.1.0.0/16") + vnet("data", "10.2.0.0/16") + """
resource "azurerm_route_table" "apps" {
  name                = "apps"
  resource_group_name = "net"
  location            = "westeurope"
  route {
    name                   = "data-via-firewall"
    address_prefix         = "10.2.0.0/16"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = azurerm_firewall.fw.ip_configuration[0].private_ip_address
  }
  route {
    name                   = "hub-via-address"
    address_prefix         = "10.0.0.0/16"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = "10.0.1.4"
  }
  route {
    name                   = "elsewhere-via-nva"
    address_prefix         = "10.9.0.0/16"
    next_hop_type          = "VirtualAppliance"
    next_hop_in_ip_address = "10.0.5.4"
  }
}
resource "azurerm_subnet_route_table_association" "apps" {
  subnet_id      = azurerm_subnet.apps.id
  route_table_id = azurerm_route_table.apps.id
}
"""


def test_a_firewall_in_a_hub_vnet_is_a_hub_its_peers_attach_to(tmp_path: Path) -> None:
    model = model_of(tmp_path, FIREWALL % "")
    (firewall,) = model.hubs
    assert (firewall.address, firewall.kind) == ("azurerm_firewall.fw", "firewall")
    assert sorted(a.network.address for a in firewall.attachments) == [
        "azurerm_virtual_network.apps", "azurerm_virtual_network.data", "azurerm_virtual_network.hub"]
    assert all(a.association is None and a.associate_default is True for a in firewall.attachments)
    table = by_address(model.route_tables, "azurerm_route_table.apps")
    found = {str(r.destination): (r.target_kind, getattr(r.target, "address", None)) for r in table.routes
             if r.resource.address == "azurerm_route_table.apps"}
    # by reference and by an address of AzureFirewallSubnet: the firewall; another appliance: unknown
    assert found == {"10.2.0.0/16": ("transit", "azurerm_firewall.fw"),
                     "10.0.0.0/16": ("transit", "azurerm_firewall.fw"),
                     "10.9.0.0/16": ("unknown", None)}
    # no policy and no rule collections: the firewall denies everything
    assert firewall.policy.rules == [] and firewall.policy.complete is True
    assert evaluate(firewall.policy, IPSet(["10.1.0.0/16"]), IPSet(["10.2.0.0/24"]), "tcp", 5432).verdict == "fail"


POLICY = """
resource "azurerm_firewall_policy" "base" {
  name                = "base"
  resource_group_name = "net"
  location            = "westeurope"
}
resource "azurerm_firewall_policy_rule_collection_group" "late" {
  name               = "late"
  firewall_policy_id = azurerm_firewall_policy.base.id
  priority           = 500
  network_rule_collection {
    name     = "allow-all-db"
    priority = 100
    action   = "Allow"
    rule {
      name                  = "db"
      protocols             = ["TCP"]
      source_addresses      = ["*"]
      destination_addresses = ["10.2.0.0/16"]
      destination_ports     = ["5432"]
    }
  }
}
resource "azurerm_firewall_policy_rule_collection_group" "early" {
  name               = "early"
  firewall_policy_id = azurerm_firewall_policy.base.id
  priority           = 100
  application_rule_collection {
    name     = "web"
    priority = 50
    action   = "Allow"
    rule {
      name              = "web"
      source_addresses  = ["10.1.0.0/16"]
      destination_fqdns = ["*.example.com"]
      protocols {
        type = "Https"
        port = 443
      }
    }
  }
  network_rule_collection {
    name     = "deny-batch"
    priority = 200
    action   = "Deny"
    rule {
      name                  = "batch"
      protocols             = ["Any"]
      source_addresses      = ["10.1.128.0/17"]
      destination_addresses = ["*"]
      destination_ports     = ["*"]
    }
  }
}
"""


def test_policy_rules_decide_in_group_then_collection_order_network_before_application(tmp_path: Path) -> None:
    model = model_of(tmp_path, FIREWALL % "firewall_policy_id = azurerm_firewall_policy.base.id" + POLICY)
    policy = model.hubs[0].policy
    assert [(r.resource.address, r.action, r.vague) for r in policy.rules] == [
        ("azurerm_firewall_policy_rule_collection_group.early", "deny", False),
        ("azurerm_firewall_policy_rule_collection_group.late", "allow", False),
        ("azurerm_firewall_policy_rule_collection_group.early", "allow", True)]
    pods = IPSet(["10.1.0.0/16"])
    verdict = evaluate(policy, pods, IPSet(["10.2.1.0/24"]), "tcp", 5432)
    # the deny of group "early" comes first for its half; the other half is allowed
    assert (verdict.verdict, verdict.denied, verdict.deciding.resource.address) == \
        ("fail", IPSet(["10.1.128.0/17"]), "azurerm_firewall_policy_rule_collection_group.early")
    assert evaluate(policy, IPSet(["10.1.0.0/17"]), IPSet(["10.2.1.0/24"]), "tcp", 5432).verdict == "pass"
    # 443 to 10.2/16 matches no network rule; the application rule (by FQDN) might take it: unknown
    assert evaluate(policy, IPSet(["10.1.0.0/17"]), IPSet(["10.2.1.0/24"]), "tcp", 443).verdict == "unknown"
    # a rule naming part of the destinations may or may not match: unknown, never a finding
    assert evaluate(policy, IPSet(["10.1.0.0/17"]), IPSet(["10.2.0.0/15"]), "tcp", 5432).verdict == "unknown"


def test_classic_rule_collections_and_an_external_policy(tmp_path: Path) -> None:
    classic = """
resource "azurerm_firewall_network_rule_collection" "spokes" {
  name                = "spokes"
  azure_firewall_name = azurerm_firewall.fw.name
  resource_group_name = "net"
  priority            = 100
  action              = "Allow"
  rule {
    name                  = "db"
    source_addresses      = ["10.1.0.0/16"]
    destination_addresses = ["10.2.0.0/16"]
    destination_ports     = ["5432"]
    protocols             = ["TCP"]
  }
}
"""
    policy = model_of(tmp_path, FIREWALL % "" + classic).hubs[0].policy
    assert evaluate(policy, IPSet(["10.1.0.0/16"]), IPSet(["10.2.1.0/24"]), "tcp", 5432).verdict == "pass"
    assert evaluate(policy, IPSet(["10.1.0.0/16"]), IPSet(["10.2.1.0/24"]), "tcp", 6379).verdict == "fail"
    external = model_of(tmp_path, FIREWALL % 'firewall_policy_id = "/subscriptions/0/resourceGroups/net/providers/'
                        'Microsoft.Network/firewallPolicies/shared"').hubs[0].policy
    assert external.complete is False
    assert evaluate(external, IPSet(["10.1.0.0/16"]), IPSet(["10.2.1.0/24"]), "tcp", 5432).verdict == "unknown"


NCC = """
resource "google_compute_network" "%(name)s" {
  name                    = "%(name)s"
  auto_create_subnetworks = false
}
resource "google_compute_subnetwork" "%(name)s" {
  name          = "%(name)s"
  region        = "europe-west1"
  network       = google_compute_network.%(name)s.id
  ip_cidr_range = "%(cidr)s"
}
resource "google_network_connectivity_spoke" "%(name)s" {
  name     = "%(name)s"
  location = "global"
  hub      = google_network_connectivity_hub.corp.id
  %(group)s
  linked_vpc_network {
    uri = %(uri)s
    %(filters)s
  }
}
"""


def ncc_spoke(name: str, cidr: str, filters: str = "", group: str = "", uri: str = "") -> str:
    return NCC % {"name": name, "cidr": cidr, "filters": filters, "group": group,
                  "uri": uri or f"google_compute_network.{name}.self_link"}


def test_ncc_vpc_spokes_export_subnet_ranges_less_their_filters(tmp_path: Path) -> None:
    text = """
resource "google_network_connectivity_hub" "corp" {
  name = "corp"
}
""" + ncc_spoke("apps", "10.1.0.0/20", 'exclude_export_ranges = ["10.100.0.0/16"]') \
        + ncc_spoke("data", "10.2.0.0/24", 'include_export_ranges = ["10.2.0.0/16"]', uri='"projects/p/global/networks/data"')
    model = model_of(tmp_path, text)
    (ncc,) = model.hubs
    (table,) = ncc.route_tables
    assert (ncc.kind, ncc.default_association, ncc.default_propagation) == ("ncc_hub", table, table)
    apps = by_address(model.attachments, "google_network_connectivity_spoke.apps")
    data = by_address(model.attachments, "google_network_connectivity_spoke.data")
    assert (apps.network.address, apps.exports, apps.installs_routes, apps.export_include,
            [str(c) for c in apps.export_exclude]) == \
        ("google_compute_network.apps", "subnets", True, None, ["10.100.0.0/16"])
    # a network named by its path joins too
    assert data.network.address == "google_compute_network.data"
    assert [str(c) for c in data.export_include] == ["10.2.0.0/16"]


def test_a_star_hub_lets_edge_spokes_reach_only_the_center(tmp_path: Path) -> None:
    text = """
resource "google_network_connectivity_hub" "corp" {
  name            = "corp"
  preset_topology = "STAR"
}
""" + ncc_spoke("core", "10.1.0.0/20", group='group = "center"') + ncc_spoke("branch", "10.2.0.0/20",
                                                                                group='group = "edge"') \
        + ncc_spoke("other", "10.3.0.0/20")
    model = model_of(tmp_path, text)
    center, edge = model.hubs[0].route_tables
    core = by_address(model.attachments, "google_network_connectivity_spoke.core")
    branch = by_address(model.attachments, "google_network_connectivity_spoke.branch")
    other = by_address(model.attachments, "google_network_connectivity_spoke.other")
    assert (core.association, core.propagations) == (center, [center, edge])
    assert (branch.association, branch.propagations) == (edge, [center])
    assert isinstance(other.association, Unknown)


def test_hubs_whose_wan_is_not_known_here_are_not_linked(tmp_path: Path) -> None:
    external = '"/subscriptions/0/resourceGroups/net/providers/Microsoft.Network/virtualWans/shared"'
    text = (hub("weu", "10.255.0.0/23") + hub("neu", "10.255.2.0/23")).replace("azurerm_virtual_wan.corp.id", external)
    model = model_of(tmp_path, text + vnet("apps", "10.1.0.0/16") + connection("apps", "weu"))
    weu, neu = model.hubs
    assert [a for a in model.attachments if a.kind == "peering"] == []
    assert routes(neu.route_tables[0]) == []
    assert by_address(model.attachments, "azurerm_virtual_hub_connection.apps").propagations == [weu.route_tables[0]]


def test_a_firewall_address_through_a_map_and_try_lints_as_the_reference(tmp_path: Path) -> None:
    # AVM hub networking: fw_ips = { for k, fw in module.hub_firewalls : k => fw.resource.ip_configuration[0]
    # .private_ip_address }, then next_hop_in_ip_address = try(local.fw_ips[k], ...). try() kept only plain
    # attributes, so the UDR's next hop became "an appliance" and the firewall policy was never asked
    from conftest import FIXTURES, run

    base = FIXTURES / "azure_firewall_hub" / "broken"
    direct = "azurerm_firewall.hub.ip_configuration[0].private_ip_address"
    idiom = 'try(local.fw_ips["hub"], null)'
    text = (base / "main.tf").read_text()
    assert text.count(direct) == 2
    wrapped = tmp_path / "wrapped"
    wrapped.mkdir()
    (wrapped / ".vpclint.yaml").write_text((base / ".vpclint.yaml").read_text())
    (wrapped / "main.tf").write_text(text.replace(f"= {direct}", f"= {idiom}") + f"""
locals {{
  firewalls = {{ hub = azurerm_firewall.hub }}
  fw_ips    = {{ for k, fw in local.firewalls : k => fw.ip_configuration[0].private_ip_address }}
}}
""")

    def findings(directory: Path) -> set:
        report = run(directory, config=directory / ".vpclint.yaml")
        assert report.errors == []
        return {(f.rule_id, f.resource, f.line, f.message) for f in report.findings}

    expected = findings(base)
    assert expected and any(rule == "expected_path_blocked" for rule, *_ in expected)
    assert findings(wrapped) == expected
