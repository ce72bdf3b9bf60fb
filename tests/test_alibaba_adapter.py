"""The Alibaba Cloud adapter: how alicloud resources map to the model.

The fixtures (fixtures/alibaba_*) show the rules on Alibaba Cloud end to
end; these tests pin the facts behind them: the system route table, next
hops vpclint does not follow, same- and cross-account peerings, security
group priorities and defaults, ACK addressing by network plugin (and the
``ack_flannel_ip_masq`` setting), whitelists and their ports, CEN, and
resources of providers no adapter maps.
"""

from __future__ import annotations

from pathlib import Path

from netaddr import IPSet

from conftest import run
from vpclint.analysis import routing, security
from vpclint.config import Config
from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.model import Attachment, Hub, HubRouteTable, Peering, PortRange
from vpclint.model.build import build_model
from vpclint.values import Unknown

VPC = """
resource "alicloud_vpc" "apps" {
  vpc_name   = "apps"
  cidr_block = "192.168.0.0/16"
}

resource "alicloud_vswitch" "nodes" {
  vpc_id     = alicloud_vpc.apps.id
  cidr_block = "192.168.0.0/20"
  zone_id    = "cn-hangzhou-i"
}

resource "alicloud_vswitch" "pods" {
  vpc_id     = alicloud_vpc.apps.id
  cidr_block = "192.168.32.0/19"
  zone_id    = "cn-hangzhou-i"
}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "main.tf").write_text(text)
    return tmp_path


def model_of(tmp_path: Path, text: str, settings=None):
    loaded = load_module(str(write(tmp_path, text)), LoadOptions())
    assert loaded.errors == []
    return build_model(loaded.resources, settings)


def cluster(addons: str = "", extra: str = "") -> str:
    return VPC + f"""
resource "alicloud_cs_managed_kubernetes" "k8s" {{
  worker_vswitch_ids = [alicloud_vswitch.nodes.id]
  {extra}
  {addons}
}}
"""


def test_vswitches_and_the_system_route_table(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, VPC + """
resource "alicloud_route_entry" "default" {
  route_table_id        = alicloud_vpc.apps.route_table_id
  destination_cidrblock = "0.0.0.0/0"
  nexthop_type          = "Ipv4Gateway"
  nexthop_id            = "ipv4gw-123"
}
""")
    vpc = model.networks[0]
    assert [str(c) for c in vpc.cidrs] == ["192.168.0.0/16"]
    assert [s.address for s in vpc.subnets] == ["alicloud_vswitch.nodes", "alicloud_vswitch.pods"]
    table = routing.serving_table(vpc.subnets[0])
    assert table.address == "alicloud_vpc.apps (system route table)" and table.default
    assert [(str(r.destination), r.target_kind) for r in table.routes] == [("0.0.0.0/0", "gateway")]


def test_a_custom_table_serves_its_attached_vswitch(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, VPC + """
resource "alicloud_route_table" "private" {
  vpc_id = alicloud_vpc.apps.id
}

resource "alicloud_route_table_attachment" "nodes" {
  route_table_id = alicloud_route_table.private.id
  vswitch_id     = alicloud_vswitch.nodes.id
}
""")
    nodes, pods = model.networks[0].subnets
    assert routing.serving_table(nodes).address == "alicloud_route_table.private"
    assert routing.serving_table(pods).default


def test_secondary_cidrs_and_the_ipv4_cidr_block_resource(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, VPC + """
resource "alicloud_vpc_ipv4_cidr_block" "more" {
  vpc_id               = alicloud_vpc.apps.id
  secondary_cidr_block = "10.8.0.0/16"
}
""")
    assert [str(c) for c in model.networks[0].cidrs] == ["192.168.0.0/16", "10.8.0.0/16"]


def test_a_next_hop_vpclint_does_not_follow_is_unknown_and_listed(tmp_path: Path) -> None:
    model, unknowns = model_of(tmp_path, VPC + """
resource "alicloud_route_entry" "firewall" {
  route_table_id        = alicloud_vpc.apps.route_table_id
  destination_cidrblock = "10.0.0.0/8"
  nexthop_type          = "Instance"
  nexthop_id            = "i-firewall"
}
""")
    route = model.networks[0].route_tables[0].routes[0]
    assert route.target_kind == "unknown" and isinstance(route.target, Unknown)
    assert [(u.resource, u.attribute) for u in unknowns] == [("alicloud_route_entry.firewall", "nexthop_type")]


PEERS = VPC + """
resource "alicloud_vpc" "data" {
  vpc_name   = "data"
  cidr_block = "10.1.0.0/16"
}
"""


def peering(extra: str = "") -> str:
    return PEERS + f"""
resource "alicloud_vpc_peer_connection" "p" {{
  vpc_id              = alicloud_vpc.apps.id
  accepting_vpc_id    = alicloud_vpc.data.id
  accepting_region_id = "cn-beijing"
  {extra}
}}
"""


def test_a_same_account_peering_is_active_in_any_region(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, peering())
    assert model.peerings[0].state == "active"
    (tmp_path / "account.tf").write_text('data "alicloud_account" "current" {}\n')
    model, _ = model_of(tmp_path, peering("accepting_ali_uid = data.alicloud_account.current.id"))
    assert model.peerings[0].state == "active"


def test_a_cross_account_peering_needs_its_accepter(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, peering('accepting_ali_uid = "1234567890"'))
    assert model.peerings[0].state == "pending" and "alicloud_vpc_peer_connection_accepter" in model.peerings[0].remedy
    model, _ = model_of(tmp_path, peering('accepting_ali_uid = "1234567890"') + """
resource "alicloud_vpc_peer_connection_accepter" "p" {
  instance_id = alicloud_vpc_peer_connection.p.id
}
""")
    assert model.peerings[0].state == "active"
    model, _ = model_of(tmp_path, peering("accepting_ali_uid = var.partner") + 'variable "partner" {}\n')
    assert isinstance(model.peerings[0].state, Unknown)


def test_a_peer_route_names_the_peering(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, peering() + """
resource "alicloud_route_entry" "to_data" {
  route_table_id        = alicloud_vpc.apps.route_table_id
  destination_cidrblock = alicloud_vpc.data.cidr_block
  nexthop_type          = "VpcPeer"
  nexthop_id            = alicloud_vpc_peer_connection.p.id
}
""")
    route = model.networks[0].route_tables[0].routes[0]
    assert isinstance(route.target, Peering) and route.target_kind == "peering"
    assert routing.through(model.networks[0].route_tables[0], IPSet(["10.1.0.0/16"]), route.target) \
        == IPSet(["10.1.0.0/16"])


def group(rules: str, kind: str = "") -> str:
    return VPC + f"""
resource "alicloud_security_group" "db" {{
  vpc_id = alicloud_vpc.apps.id
  {kind}
}}
""" + rules


def rule(name: str, cidr: str, policy: str = "accept", priority: int = 1, ports: str = "5432/5432") -> str:
    return f"""
resource "alicloud_security_group_rule" "{name}" {{
  security_group_id = alicloud_security_group.db.id
  type              = "ingress"
  ip_protocol       = "tcp"
  port_range        = "{ports}"
  cidr_ip           = "{cidr}"
  policy            = "{policy}"
  priority          = {priority}
}}
"""


def test_rules_apply_by_priority_and_drop_wins_a_tie(tmp_path: Path) -> None:
    pods, port = IPSet(["192.168.32.0/19"]), [PortRange(5432, 5432)]
    from_pods = rule("allow", "192.168.0.0/16", priority=2)
    model, _ = model_of(tmp_path, group(from_pods + rule("drop", "192.168.32.0/19", "drop", 1)))
    assert security.missing(model.security_groups[0], pods, "tcp", port) == pods  # the drop comes first
    model, _ = model_of(tmp_path, group(from_pods + rule("drop", "192.168.32.0/19", "drop", 3)))
    assert security.missing(model.security_groups[0], pods, "tcp", port) == IPSet()
    model, _ = model_of(tmp_path, group(rule("allow", "192.168.0.0/16", priority=5)
                                        + rule("drop", "192.168.32.0/19", "drop", 5)))
    assert security.missing(model.security_groups[0], pods, "tcp", port) == pods


def test_a_basic_group_admits_its_members_an_enterprise_group_does_not(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, group(""))
    assert [(r.direction, bool(r.source_groups)) for r in model.security_groups[0].rules] == \
        [("ingress", True), ("egress", False)]
    model, _ = model_of(tmp_path, group("", 'security_group_type = "enterprise"'))
    assert model.security_groups[0].rules == []
    model, _ = model_of(tmp_path, group("", 'inner_access_policy = "Drop"'))
    assert [r.direction for r in model.security_groups[0].rules] == ["egress"]


def test_port_ranges_and_a_cidr_ip_with_host_bits(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, group(rule("a", "10.159.6.18/12", ports="8000/8080")))
    found = model.security_groups[0].rules[-1]
    assert [str(p) for p in found.ports] == ["8000-8080"] and found.sources[0].error is None
    report = run(tmp_path)
    assert [f.rule_id for f in report.findings] == []


def test_terway_pods_come_from_their_vswitches(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, cluster('addons {\n    name = "terway-eniip"\n  }',
                                          "pod_vswitch_ids = [alicloud_vswitch.pods.id]"))
    k8s = model.clusters[0]
    assert (k8s.network_model, k8s.pod_addressing) == ("terway", "subnet")
    assert [str(c) for c in k8s.sources_local] == [str(c) for c in k8s.sources_peered] == ["192.168.32.0/19"]
    model, _ = model_of(tmp_path, cluster('addons {\n    name = "terway-eni"\n  }'))
    assert isinstance(model.clusters[0].pod_addressing, Unknown)


def test_flannel_pods_leave_with_the_node_address_unless_told_otherwise(tmp_path: Path) -> None:
    text = cluster('addons {\n    name = "flannel"\n  }', 'pod_cidr = "172.20.0.0/16"')
    model, _ = model_of(tmp_path, text)
    k8s = model.clusters[0]
    assert (k8s.network_model, k8s.pod_addressing) == ("flannel", "node")
    assert [str(c) for c in k8s.sources_peered] == ["192.168.0.0/20"]
    assert [str(c) for c in k8s.container_cidrs] == ["172.20.0.0/16"]
    model, _ = model_of(tmp_path, text, Config(ack_flannel_ip_masq=False))
    assert model.clusters[0].pod_addressing == "routed"
    assert [str(c) for c in model.clusters[0].sources_peered] == ["172.20.0.0/16"]


def test_the_plugin_is_told_by_its_arguments_and_else_unknown(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, cluster(extra='pod_cidr = "172.20.0.0/16"'))
    assert model.clusters[0].network_model == "flannel"
    model, _ = model_of(tmp_path, cluster())
    assert isinstance(model.clusters[0].pod_addressing, Unknown)


def test_node_pools_hold_the_nodes(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, VPC + """
resource "alicloud_vswitch" "control" {
  vpc_id     = alicloud_vpc.apps.id
  cidr_block = "192.168.16.0/24"
  zone_id    = "cn-hangzhou-i"
}

resource "alicloud_security_group" "nodes" {
  vpc_id = alicloud_vpc.apps.id
}

resource "alicloud_cs_managed_kubernetes" "k8s" {
  vswitch_ids = [alicloud_vswitch.control.id]
  pod_cidr    = "172.20.0.0/16"
}

resource "alicloud_cs_kubernetes_node_pool" "a" {
  cluster_id         = alicloud_cs_managed_kubernetes.k8s.id
  vswitch_ids        = [alicloud_vswitch.nodes.id]
  security_group_ids = [alicloud_security_group.nodes.id]
}
""")
    k8s = model.clusters[0]
    assert [s.address for s in k8s.node_subnets] == ["alicloud_vswitch.nodes"]
    assert [g.address for g in k8s.node_security_groups] == ["alicloud_security_group.nodes"]
    assert k8s.network is model.networks[0]


def test_services_their_ports_and_whitelists(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, VPC + """
resource "alicloud_db_instance" "pg" {
  engine       = "PostgreSQL"
  vswitch_id   = alicloud_vswitch.nodes.id
  security_ips = ["192.168.0.0/20", "10.23.12.24/24"]
}

resource "alicloud_db_instance" "mysql" {
  engine             = "MySQL"
  port               = "3307"
  vswitch_id         = alicloud_vswitch.nodes.id
  security_ips       = ["192.168.0.0/20"]
  security_group_ids = ["sg-123"]
}

resource "alicloud_kvstore_instance" "memcache" {
  instance_type = "Memcache"
  vswitch_id    = alicloud_vswitch.nodes.id
}

resource "alicloud_mongodb_instance" "mongo" {
  vswitch_id       = alicloud_vswitch.nodes.id
  security_ip_list = ["192.168.0.0/20"]
}

resource "alicloud_polardb_cluster" "polar" {
  db_type    = "PostgreSQL"
  vswitch_id = alicloud_vswitch.nodes.id
  db_cluster_ip_array {
    security_ips = ["192.168.32.0/19"]
  }
}
""")
    found = {e.address: e for e in model.endpoints}
    assert {a: e.ports for a, e in found.items()} == {
        "alicloud_db_instance.pg": [5432], "alicloud_db_instance.mysql": [3307],
        "alicloud_kvstore_instance.memcache": [11211], "alicloud_mongodb_instance.mongo": [3717],
        "alicloud_polardb_cluster.polar": [5432]}
    assert [str(c) for c in found["alicloud_db_instance.pg"].whitelist.entries] == ["192.168.0.0/20", "10.23.12.24/24"]
    assert found["alicloud_db_instance.pg"].whitelist.entries[1].error is None  # host bits are accepted
    assert found["alicloud_db_instance.mysql"].whitelist.entries[-1].unknown is not None  # its ECS groups admit more
    assert found["alicloud_kvstore_instance.memcache"].whitelist is None
    assert [str(c) for c in found["alicloud_polardb_cluster.polar"].whitelist.entries] == ["192.168.32.0/19"]
    assert all(e.network is model.networks[0] for e in found.values())


CEN = PEERS + """
resource "alicloud_vswitch" "data" {
  vpc_id     = alicloud_vpc.data.id
  cidr_block = "10.1.0.0/24"
  zone_id    = "cn-hangzhou-i"
}

resource "alicloud_cen_instance" "cen" {}

resource "alicloud_cen_transit_router" "tr" {
  cen_id = alicloud_cen_instance.cen.id
}

resource "alicloud_cen_transit_router_route_table" "rt" {
  transit_router_id = alicloud_cen_transit_router.tr.transit_router_id
}
""" + "".join(f"""
resource "alicloud_cen_transit_router_vpc_attachment" "{name}" {{
  cen_id            = alicloud_cen_instance.cen.id
  transit_router_id = alicloud_cen_transit_router.tr.transit_router_id
  vpc_id            = alicloud_vpc.{name}.id
  zone_mappings {{
    zone_id    = "cn-hangzhou-i"
    vswitch_id = alicloud_vswitch.{switch}.id
  }}
}}

resource "alicloud_cen_transit_router_route_table_association" "{name}" {{
  transit_router_route_table_id = alicloud_cen_transit_router_route_table.rt.transit_router_route_table_id
  transit_router_attachment_id  = alicloud_cen_transit_router_vpc_attachment.{name}.transit_router_attachment_id
}}

resource "alicloud_cen_transit_router_route_table_propagation" "{name}" {{
  transit_router_route_table_id = alicloud_cen_transit_router_route_table.rt.transit_router_route_table_id
  transit_router_attachment_id  = alicloud_cen_transit_router_vpc_attachment.{name}.transit_router_attachment_id
}}
""" for name, switch in (("apps", "nodes"), ("data", "data")))


def test_cen_transit_routers_are_hubs(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, CEN + """
resource "alicloud_route_entry" "to_data" {
  route_table_id        = alicloud_vpc.apps.route_table_id
  destination_cidrblock = "10.1.0.0/16"
  nexthop_type          = "Attachment"
  nexthop_id            = alicloud_cen_transit_router_vpc_attachment.apps.transit_router_attachment_id
}

resource "alicloud_cen_transit_router_route_entry" "pods" {
  transit_router_route_table_id                     = alicloud_cen_transit_router_route_table.rt.transit_router_route_table_id
  transit_router_route_entry_destination_cidr_block = "172.20.0.0/16"
  transit_router_route_entry_next_hop_type          = "Attachment"
  transit_router_route_entry_next_hop_id            = alicloud_cen_transit_router_vpc_attachment.apps.transit_router_attachment_id
}
""")
    hub = next(h for h in model.hubs if h.kind == "transit_router")
    table = next(t for t in model.hub_route_tables if t.address == "alicloud_cen_transit_router_route_table.rt")
    apps, data = (next(a for a in model.attachments if a.network is n) for n in model.networks)
    assert table.hub is hub and apps.hub is hub and apps.association is table and apps.propagations == [table]
    assert [s.address for s in apps.subnets] == ["alicloud_vswitch.nodes"] and apps.exports == "network"
    assert [(str(r.destination), r.target) for r in table.routes] == [("172.20.0.0/16", apps)]
    route = model.networks[0].route_tables[0].routes[0]
    assert route.target_kind == "transit" and route.target is hub


def test_a_published_route_reaches_the_tables_its_vpc_propagates_into(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, CEN + """
resource "alicloud_cen_route_entry" "pods" {
  instance_id    = alicloud_cen_instance.cen.id
  route_table_id = alicloud_vpc.apps.route_table_id
  cidr_block     = "172.20.0.0/16"
}
""")
    table = next(t for t in model.hub_route_tables if t.address == "alicloud_cen_transit_router_route_table.rt")
    assert [(str(r.destination), r.target.address) for r in table.routes] == \
        [("172.20.0.0/16", "alicloud_cen_transit_router_vpc_attachment.apps")]


def test_cen_without_transit_routers_meshes_its_networks(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, PEERS + """
resource "alicloud_cen_instance" "cen" {}
""" + "".join(f"""
resource "alicloud_cen_instance_attachment" "{name}" {{
  instance_id              = alicloud_cen_instance.cen.id
  child_instance_id        = alicloud_vpc.{name}.id
  child_instance_type      = "VPC"
  child_instance_region_id = "cn-hangzhou"
}}
""" for name in ("apps", "data")))
    (hub,) = model.hubs
    assert isinstance(hub, Hub) and isinstance(hub.default_association, HubRouteTable)
    assert all(isinstance(a, Attachment) and a.installs_routes and a.propagate_default is True
               for a in hub.attachments) and len(hub.attachments) == 2


def test_network_acls_say_nothing_for_sure(tmp_path: Path) -> None:
    model, unknowns = model_of(tmp_path, VPC + """
resource "alicloud_network_acl" "acl" {
  vpc_id = alicloud_vpc.apps.id
  ingress_acl_entries {
    protocol       = "tcp"
    port           = "22/22"
    source_cidr_ip = "10.0.0.0/8"
    policy         = "accept"
  }
  resources {
    resource_id   = alicloud_vswitch.nodes.id
    resource_type = "VSwitch"
  }
}
""")
    (acl,) = model.network_acls
    assert not acl.complete and acl.subnets[0].address == "alicloud_vswitch.nodes"
    assert security.missing(acl, IPSet(["10.0.0.0/8"]), "tcp", None) is None
    assert ("alicloud_network_acl.acl", "ingress_acl_entries") in {(u.resource, u.attribute) for u in unknowns}


def test_a_provider_without_an_adapter_is_named(tmp_path: Path) -> None:
    write(tmp_path, """
resource "tencentcloud_vpc" "main" {
  name       = "main"
  cidr_block = "10.0.0.0/16"
}

resource "tencentcloud_cos_bucket" "logs" {
  bucket = "logs"
}

resource "random_id" "suffix" {
  byte_length = 4
}
""")
    report = run(tmp_path)
    assert report.findings == []
    assert [(u.resource, u.attribute) for u in report.unknowns] == [("tencentcloud_vpc.main", "provider")]
    assert "tencentcloud" in report.unknowns[0].reason


def test_a_managed_cluster_without_node_pools_has_unknown_node_addresses(tmp_path: Path) -> None:
    model, unknowns = model_of(tmp_path, VPC + """
resource "alicloud_cs_managed_kubernetes" "k8s" {
  vswitch_ids = [alicloud_vswitch.nodes.id]
  pod_cidr    = "172.20.0.0/16"
}
""")
    k8s = model.clusters[0]
    assert k8s.node_subnets == [] and k8s.sources_local is None and k8s.network is model.networks[0]
    assert ("alicloud_cs_managed_kubernetes.k8s", "node_pools") in {(u.resource, u.attribute) for u in unknowns}


def test_newer_route_and_acl_resources(tmp_path: Path) -> None:
    model, _ = model_of(tmp_path, CEN + """
resource "alicloud_vpc_route_entry" "one" {
  route_table_id         = alicloud_vpc.apps.route_table_id
  destination_cidr_block = "10.9.0.0/16"
  nexthop_type           = "Ipv4Gateway"
  nexthop_id             = "ipv4gw-1"
}

resource "alicloud_vpc_route_entry" "ecmp" {
  route_table_id         = alicloud_vpc.apps.route_table_id
  destination_cidr_block = "10.8.0.0/16"
  next_hops {
    nexthop_type = "Instance"
    nexthop_id   = "i-1"
  }
  next_hops {
    nexthop_type = "Instance"
    nexthop_id   = "i-2"
  }
}

resource "alicloud_cen_child_instance_route_entry_to_attachment" "to_tr" {
  cen_id                        = alicloud_cen_instance.cen.id
  child_instance_route_table_id = alicloud_vpc.apps.route_table_id
  destination_cidr_block        = "10.1.0.0/16"
  transit_router_attachment_id  = alicloud_cen_transit_router_vpc_attachment.apps.transit_router_attachment_id
}

resource "alicloud_network_acl" "acl" {
  vpc_id = alicloud_vpc.apps.id
}

resource "alicloud_vpc_network_acl_attachment" "nodes" {
  network_acl_id = alicloud_network_acl.acl.id
  resource_id    = alicloud_vswitch.nodes.id
  resource_type  = "VSwitch"
}
""")
    routes = {str(r.destination): r for r in model.networks[0].route_tables[0].routes}
    assert routes["10.9.0.0/16"].target_kind == "gateway"
    assert routes["10.8.0.0/16"].target_kind == "unknown"
    assert routes["10.1.0.0/16"].target_kind == "transit" and isinstance(routes["10.1.0.0/16"].target, Hub)
    assert [s.address for s in model.network_acls[0].subnets] == ["alicloud_vswitch.nodes"]
