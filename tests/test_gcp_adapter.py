"""The Google Cloud adapter: how GCP resources map to the provider-neutral model.

The fixtures (fixtures/gcp_*) show each rule on GCP end to end; these tests
pin the facts behind them: a network's address space is its subnets'
ranges, a peering is two resources, routes come from peering exchange,
firewall rules apply per target set, and what is unknown stays silent.
"""

from __future__ import annotations

from pathlib import Path

from netaddr import IPSet

from conftest import run
from vpclint.analysis import routing
from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.model import Cluster, Network, Subnet
from vpclint.model.build import build_model
from vpclint.values import Unknown

NETWORKS = """
resource "google_compute_network" "apps" {
  name                    = "apps"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "nodes" {
  name          = "nodes"
  region        = "europe-west1"
  network       = google_compute_network.apps.id
  ip_cidr_range = "10.10.0.0/24"

  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = "10.64.0.0/14"
  }
}

resource "google_compute_network" "data" {
  name                    = "data"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "db" {
  name          = "db"
  region        = "europe-west1"
  network       = "projects/p/global/networks/data"
  ip_cidr_range = "10.20.0.0/24"
}
"""

PEERED = NETWORKS + """
resource "google_compute_network_peering" "apps_data" {
  name         = "apps-data"
  network      = google_compute_network.apps.self_link
  peer_network = google_compute_network.data.self_link
}

resource "google_compute_network_peering" "data_apps" {
  name         = "data-apps"
  network      = google_compute_network.data.self_link
  peer_network = google_compute_network.apps.self_link
}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "main.tf").write_text(text)
    return tmp_path


def model_of(tmp_path: Path, text: str):
    loaded = load_module(str(write(tmp_path, text)), LoadOptions())
    assert loaded.errors == []
    model, _ = build_model(loaded.resources)
    return model


def net(model, address: str) -> Network:
    return next(n for n in model.networks if n.address == address)


def ids(report) -> list[tuple[str, str]]:
    assert report.errors == []
    return sorted((f.rule_id, f.resource) for f in report.findings)


def test_a_network_is_its_subnets_primary_and_secondary_ranges(tmp_path: Path) -> None:
    model = model_of(tmp_path, NETWORKS)
    apps, data = net(model, "google_compute_network.apps"), net(model, "google_compute_network.data")
    assert [str(c) for c in apps.cidrs] == ["10.10.0.0/24", "10.64.0.0/14"]
    # a self link written as a string finds the network by name
    assert [str(c) for c in data.cidrs] == ["10.20.0.0/24"]
    secondary = [s for s in model.subnets if s.address == "google_compute_subnetwork.nodes (secondary range pods)"]
    assert len(secondary) == 1 and secondary[0].network is apps and secondary[0].resource.address == \
        "google_compute_subnetwork.nodes"


def test_an_auto_mode_network_has_unknown_ranges(tmp_path: Path) -> None:
    model = model_of(tmp_path, 'resource "google_compute_network" "auto" {\n  name = "auto"\n}\n')
    (cidr,) = net(model, "google_compute_network.auto").cidrs
    assert isinstance(cidr.unknown, Unknown) and "auto mode" in cidr.unknown.reason


def test_two_auto_mode_networks_peered_are_not_judged(tmp_path: Path) -> None:
    text = """
resource "google_compute_network" "a" {
  name = "a"
}
resource "google_compute_network" "b" {
  name = "b"
}
resource "google_compute_network_peering" "ab" {
  name         = "ab"
  network      = google_compute_network.a.self_link
  peer_network = google_compute_network.b.self_link
}
resource "google_compute_network_peering" "ba" {
  name         = "ba"
  network      = google_compute_network.b.self_link
  peer_network = google_compute_network.a.self_link
}
"""
    assert ids(run(write(tmp_path, text))) == []


def test_a_peering_pair_is_one_active_peering_with_routes_both_ways(tmp_path: Path) -> None:
    model = model_of(tmp_path, PEERED)
    (peering,) = model.peerings
    assert peering.state == "active" and peering.reverse.address == "google_compute_network_peering.data_apps"
    data = net(model, "google_compute_network.data")
    (table,) = data.route_tables
    # subnet routes cross the peering, secondary ranges included
    assert routing.through(table, IPSet(["10.10.0.0/24", "10.64.0.0/14"]), peering) == \
        IPSet(["10.10.0.0/24", "10.64.0.0/14"])


def test_a_peering_to_a_network_outside_the_configuration_is_unknown(tmp_path: Path) -> None:
    text = NETWORKS + """
resource "google_compute_network_peering" "apps_shared" {
  name         = "apps-shared"
  network      = google_compute_network.apps.self_link
  peer_network = "projects/other/global/networks/shared"
}
"""
    model = model_of(tmp_path, text)
    (peering,) = model.peerings
    assert isinstance(peering.state, Unknown) and peering.peer is None
    assert ids(run(tmp_path)) == []


def test_public_subnet_ranges_cross_only_when_imported(tmp_path: Path) -> None:
    public = PEERED.replace('"10.20.0.0/24"', '"34.90.0.0/24"')
    assert ids(run(write(tmp_path, public))) == [("peering_route_missing", "google_compute_network_peering.apps_data")]
    imported = public.replace('''  network      = google_compute_network.apps.self_link
  peer_network = google_compute_network.data.self_link
''', '''  network      = google_compute_network.apps.self_link
  peer_network = google_compute_network.data.self_link
  import_subnet_routes_with_public_ip = true
''')
    assert ids(run(write(tmp_path, imported))) == []


def test_custom_routes_cross_with_export_and_import_but_never_tagged_ones(tmp_path: Path) -> None:
    routes = """
resource "google_compute_route" "onprem" {
  name        = "onprem"
  network     = google_compute_network.data.name
  dest_range  = "172.20.0.0/16"
  next_hop_ip = "10.20.0.5"
}
resource "google_compute_route" "tagged" {
  name        = "tagged"
  network     = google_compute_network.data.name
  dest_range  = "172.21.0.0/16"
  next_hop_ip = "10.20.0.5"
  tags        = ["proxy"]
}
"""
    exchanged = PEERED.replace('''  network      = google_compute_network.data.self_link
  peer_network = google_compute_network.apps.self_link
''', '''  network      = google_compute_network.data.self_link
  peer_network = google_compute_network.apps.self_link
  export_custom_routes = true
''').replace('''  network      = google_compute_network.apps.self_link
  peer_network = google_compute_network.data.self_link
''', '''  network      = google_compute_network.apps.self_link
  peer_network = google_compute_network.data.self_link
  import_custom_routes = true
''')
    for text, expected in ((PEERED + routes, IPSet()), (exchanged + routes, IPSet(["172.20.0.0/16"]))):
        model = model_of(tmp_path, text)
        (peering,) = model.peerings
        (table,) = net(model, "google_compute_network.apps").route_tables
        assert routing.through(table, IPSet(["172.20.0.0/16", "172.21.0.0/16"]), peering) == expected


def test_a_routes_config_overrides_the_peering_flags(tmp_path: Path) -> None:
    cluster = """
resource "google_container_cluster" "apps" {
  name               = "apps"
  location           = "europe-west1"
  network            = google_compute_network.apps.name
  subnetwork         = google_compute_subnetwork.nodes.name
  cluster_ipv4_cidr  = "10.96.0.0/14"
  initial_node_count = 1
}
"""
    assert ids(run(write(tmp_path, PEERED + cluster))) == [("pod_cidr_route_missing", "google_compute_network.data")]
    configs = """
resource "google_compute_network_peering_routes_config" "apps" {
  peering              = google_compute_network_peering.apps_data.name
  network              = google_compute_network.apps.name
  export_custom_routes = true
  import_custom_routes = false
}
resource "google_compute_network_peering_routes_config" "data" {
  peering              = google_compute_network_peering.data_apps.name
  network              = google_compute_network.data.name
  export_custom_routes = false
  import_custom_routes = true
}
"""
    assert ids(run(write(tmp_path, PEERED + cluster + configs))) == []


def test_unknown_export_flags_are_silent(tmp_path: Path) -> None:
    text = PEERED.replace('''  network      = google_compute_network.apps.self_link
  peer_network = google_compute_network.data.self_link
''', '''  network      = google_compute_network.apps.self_link
  peer_network = google_compute_network.data.self_link
  export_custom_routes = var.export
''') + """
variable "export" {
  type = bool
}
resource "google_container_cluster" "apps" {
  name               = "apps"
  location           = "europe-west1"
  network            = google_compute_network.apps.name
  subnetwork         = google_compute_subnetwork.nodes.name
  networking_mode    = "ROUTES"
  cluster_ipv4_cidr  = "10.96.0.0/14"
  initial_node_count = 1
}
resource "google_compute_network_peering_routes_config" "data" {
  peering              = google_compute_network_peering.data_apps.name
  network              = google_compute_network.data.name
  export_custom_routes = false
  import_custom_routes = true
}
"""
    assert ids(run(write(tmp_path, text))) == []


GKE = """
resource "google_container_cluster" "apps" {
  name               = "apps"
  location           = "europe-west1"
  network            = google_compute_network.apps.name
  subnetwork         = google_compute_subnetwork.nodes.name
  initial_node_count = 1

  ip_allocation_policy {
    cluster_secondary_range_name = "pods"
  }

  node_config {
    tags = ["apps-node"]
  }
}
"""


def test_vpc_native_pods_come_from_the_named_secondary_range(tmp_path: Path) -> None:
    model = model_of(tmp_path, PEERED + GKE)
    (cluster,) = model.clusters
    assert isinstance(cluster, Cluster) and cluster.network_model == "VPC_NATIVE"
    assert [str(c) for c in cluster.sources_local] == [str(c) for c in cluster.sources_peered] == ["10.64.0.0/14"]
    # the range is the subnet's own, not a copy: it never overlaps itself
    (pods,) = cluster.container_cidrs
    assert pods.role == "container" and isinstance(pods.owner, Subnet)
    assert any(c is pods for c in cluster.network.cidrs)


def test_firewall_rules_apply_per_target_set(tmp_path: Path) -> None:
    firewalls = """
resource "google_compute_firewall" "from_nodes" {
  name          = "from-nodes"
  network       = google_compute_network.data.name
  source_ranges = ["10.10.0.0/24"]
  target_tags   = ["db"]
  allow {
    protocol = "tcp"
    ports    = ["5432"]
  }
}
resource "google_compute_firewall" "pods_to_cache" {
  name          = "pods-to-cache"
  network       = google_compute_network.data.name
  source_ranges = ["10.64.0.0/14"]
  target_tags   = ["cache"]
  allow {
    protocol = "tcp"
    ports    = ["5432"]
  }
}
"""
    # the pods are admitted to instances tagged cache, not to those tagged db
    assert ids(run(write(tmp_path, PEERED + GKE + firewalls))) == [
        ("pod_ingress_missing", "google_compute_firewall.from_nodes")]
    everywhere = firewalls.replace('  target_tags   = ["cache"]\n', "")
    assert ids(run(write(tmp_path, PEERED + GKE + everywhere))) == []
    denied = everywhere + """
resource "google_compute_firewall" "deny_pods" {
  name          = "deny-pods"
  network       = google_compute_network.data.name
  priority      = 500
  source_ranges = ["10.64.0.0/12"]
  deny {
    protocol = "all"
  }
}
"""
    report = run(write(tmp_path, PEERED + GKE + denied))
    assert report.errors == []
    assert ids(report) == [
        ("pod_ingress_missing", "google_compute_firewall.from_nodes"),
        ("pod_ingress_missing", "google_compute_firewall.pods_to_cache")]


def test_firewalls_for_the_cluster_nodes_and_unknown_targets_are_not_judged(tmp_path: Path) -> None:
    own = """
resource "google_compute_firewall" "nodes" {
  name          = "nodes"
  network       = google_compute_network.apps.name
  source_ranges = ["10.10.0.0/24"]
  target_tags   = ["apps-node"]
  allow {
    protocol = "tcp"
  }
}
variable "tags" {
  type = list(string)
}
resource "google_compute_firewall" "unknown_targets" {
  name          = "unknown-targets"
  network       = google_compute_network.data.name
  source_ranges = ["10.10.0.0/24"]
  target_tags   = var.tags
  allow {
    protocol = "tcp"
  }
}
"""
    assert ids(run(write(tmp_path, PEERED + GKE + own))) == []


def test_a_data_source_reading_a_managed_subnetwork_stands_for_it(tmp_path: Path) -> None:
    text = PEERED + """
data "google_compute_subnetwork" "nodes" {
  name   = "nodes"
  region = "europe-west1"
}
resource "google_container_cluster" "apps" {
  name               = "apps"
  location           = "europe-west1"
  network            = google_compute_network.apps.name
  subnetwork         = data.google_compute_subnetwork.nodes.self_link
  initial_node_count = 1
  ip_allocation_policy {
    cluster_secondary_range_name = "pods"
  }
}
"""
    model = model_of(tmp_path, text)
    (cluster,) = model.clusters
    assert [s.address for s in cluster.node_subnets] == ["google_compute_subnetwork.nodes"]
    assert [str(c) for c in cluster.container_cidrs] == ["10.64.0.0/14"]
    assert not any(s.resource.mode == "data" for s in model.subnets)


def test_a_cluster_read_through_a_data_source_has_unknown_addressing(tmp_path: Path) -> None:
    model = model_of(tmp_path, 'data "google_container_cluster" "c" {\n  name = "c"\n  location = "x"\n}\n')
    (cluster,) = model.clusters
    assert isinstance(cluster.pod_addressing, Unknown) and cluster.sources_local is None


def test_gke_range_name_that_is_not_on_the_subnetwork_is_unknown(tmp_path: Path) -> None:
    model = model_of(tmp_path, PEERED + GKE.replace('"pods"', '"missing"'))
    (cluster,) = model.clusters
    (pods,) = cluster.container_cidrs
    assert pods.unknown is not None and cluster.sources_local is None
