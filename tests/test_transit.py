"""Transit hubs: routing hop by hop through peerings and hubs, the verdicts
Batfish found on a deployed network, the hub rules' edges and unknowns."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from netaddr import IPSet

from conftest import FIXTURES, found, run
from vpclint.analysis import transit
from vpclint.analysis.transit import tables
from vpclint.analysis.paths import trace
from vpclint.cli import cli
from vpclint.model import Attachment, Cidr, Hub, HubRouteTable, Network, Subnet, make_cidr

BATFISH = FIXTURES / "transit_batfish_tgw_peering"
ASYMMETRIC = FIXTURES / "transit_batfish_asymmetric_paths"


def _model(directory: Path):
    report = run(directory, config=directory / ".vpclint.yaml" if (directory / ".vpclint.yaml").exists() else None)
    assert report.errors == []
    ((_, model),) = report.models
    return report, model


def _expectation(model, source: str, target: str):
    (found_,) = [e for e in model.expectations if e.source.address == source and e.target.address == target]
    return found_


def _first_failure(hops):
    return next((h for h in hops if h.verdict == "fail"), None)


def test_batfish_tgw_peering_verdicts_hold_hop_by_hop() -> None:
    """AwsConfigurationTransitGatewayPeeringTest: where each flow stops."""
    _, model = _model(BATFISH / "broken")
    bat_fish = _first_failure(trace(_expectation(model, "aws_eks_cluster.bat", "aws_instance.fish")))
    assert (bat_fish.name, bat_fish.element.address) == (
        "hub route table", "aws_ec2_transit_gateway.bat (default route table)")
    assert "serving aws_ec2_transit_gateway_vpc_attachment.bat) has no route for 192.168.1.0/24" in bat_fish.detail

    fish_bat = _first_failure(trace(_expectation(model, "aws_eks_cluster.fish", "aws_instance.bat")))
    assert (fish_bat.name, fish_bat.element.address) == (
        "hub route table", "aws_ec2_transit_gateway.fish (default route table)")
    assert fish_bat.detail.endswith("has no route for 10.10.1.0/24")

    hops = trace(_expectation(model, "aws_eks_cluster.fish", "aws_instance.bat2"))
    fish_bat2 = _first_failure(hops)
    assert (fish_bat2.name, fish_bat2.element.address) == (
        "hub route table", "aws_ec2_transit_gateway.bat (default route table)")
    assert "serving aws_ec2_transit_gateway_peering_attachment_accepter.bat_fish" in fish_bat2.detail
    # it crossed TGW fish's table and the peering before failing
    crossed = [(h.name, h.verdict) for h in hops[hops.index(fish_bat2) - 2:hops.index(fish_bat2)]]
    assert crossed == [("hub route table", "pass"), ("hub peering", "pass")]
    assert fish_bat.extra == {"hub": "aws_ec2_transit_gateway.fish",
                              "table": "aws_ec2_transit_gateway.fish (default route table)",
                              "attachment": "aws_ec2_transit_gateway_vpc_attachment.fish",
                              "destination": ["10.10.1.0/24"]}


def test_batfish_reply_of_bat2_to_fish_fails_where_fish_to_bat2_does() -> None:
    """Batfish traced bat2 -> fish one way (delivered); its replies stop at TGW bat."""
    _, model = _model(BATFISH / "broken")
    hops = trace(_expectation(model, "aws_eks_cluster.bat2", "aws_instance.fish"))
    failure = _first_failure(hops)
    assert not [h for h in hops[:hops.index(failure)] if h.name.startswith(("route", "hub")) and h.verdict != "pass"]
    assert (failure.name, failure.element.address) == (
        "return hub route table", "aws_ec2_transit_gateway.bat (default route table)")
    assert "has no route for 10.20.1.0/24, 10.20.2.0/24" in failure.detail


def test_batfish_fixed_topology_passes_every_routing_hop() -> None:
    _, model = _model(BATFISH / "fixed")
    for expectation in model.expectations:
        hops = [h for h in trace(expectation) if h.name.startswith(("route", "return", "hub"))]
        assert hops and all(h.verdict == "pass" for h in hops), [(h.name, h.verdict, h.detail) for h in hops]


def test_batfish_asymmetric_paths_go_out_by_one_tgw_and_back_by_the_other() -> None:
    report, model = _model(ASYMMETRIC / "pass")
    assert found(report) == set()
    hops = trace(_expectation(model, "aws_eks_cluster.bat", "aws_instance.fish"))
    tables = [(h.name, h.element.address) for h in hops if "hub route table" in h.name]
    assert tables == [("hub route table", "aws_ec2_transit_gateway_route_table.bat"),
                      ("return hub route table", "aws_ec2_transit_gateway_route_table.fish")]
    assert all(h.verdict == "pass" for h in hops if h.name.startswith(("route", "return", "hub")))


def test_json_path_has_a_hop_per_element_crossed() -> None:
    report, _ = _model(BATFISH / "broken")
    (finding,) = [f for f in report.findings if f.rule_id == "expected_path_blocked" and "bat2" in f.message
                  and "aws_eks_cluster.fish" in f.message]
    path = finding.extra["path"]
    routing = [(p["hop"], p["resource"], p["verdict"]) for p in path if p["hop"].startswith(("route", "hub"))]
    assert routing == [
        ("route", "aws_route_table.fish", "pass"),
        ("hub route table", "aws_ec2_transit_gateway.fish", "pass"),
        ("hub peering", "aws_ec2_transit_gateway_peering_attachment.bat_fish", "pass"),
        ("hub route table", "aws_ec2_transit_gateway.bat", "fail"),
    ]


def _hub_model(*, propagate: bool = True, blackhole: bool = False):
    """Two VPCs on one hub, each associated with the default table."""
    hub = Hub("hub", provider="test")
    table = HubRouteTable("hub (default route table)", hub=hub)
    hub.default_association = table
    hub.default_propagation = table if propagate else None
    networks = []
    for name, cidr in (("a", "10.1.0.0/16"), ("b", "10.2.0.0/16")):
        network = Network(name, provider="test")
        network.cidrs.append(make_cidr(network, "cidr", "network", cidr))
        attachment = Attachment(f"{name}-attachment", hub=hub, network=network)
        hub.attachments.append(attachment)
        network.attachments.append(attachment)
        networks.append(network)
    hub.route_tables.append(table)
    if blackhole:
        from vpclint.model import HubRoute
        route = HubRoute("drop")
        route.destination = make_cidr(route, "destination", "route", "10.2.5.0/24")
        route.target_kind = "blackhole"
        table.routes.append(route)
    return hub, table, networks


def test_hub_table_longest_prefix_static_before_propagated_and_blackhole() -> None:
    hub, table, (a, b) = _hub_model(blackhole=True)
    decided, uncertain = transit.hub_decide(table, IPSet(["10.2.0.0/16"]))
    assert uncertain is None
    kinds = sorted((str(part.iter_cidrs()[0]), route.target_kind) for part, route in decided)
    assert ("10.2.5.0/24", "blackhole") in kinds
    assert all(kind == "attachment" for cidr, kind in kinds if cidr != "10.2.5.0/24")
    found_ = transit.Walk()
    found_.hub(a.attachments[0], IPSet(["10.2.5.0/24"]), [], frozenset())
    (leg,) = found_.legs
    assert leg.verdict == "fail" and "a blackhole route" in leg.failure.detail
    # the blackhole names exactly the missing destination: no second route for it, remove the blackhole
    assert leg.failure.fix.startswith("remove the blackhole route drop for 10.2.5.0/24")
    found_ = transit.Walk()
    found_.hub(a.attachments[0], IPSet(["10.2.5.128/25"]), [], frozenset())
    (leg,) = found_.legs
    assert leg.verdict == "fail" and not leg.failure.fix.startswith("remove")  # a longer prefix may sit beside it


def test_without_propagation_the_hub_drops_and_a_partial_hub_only_may() -> None:
    hub, table, (a, b) = _hub_model(propagate=False)
    walker = transit.Walk()
    walker.hub(a.attachments[0], IPSet(["10.2.0.0/16"]), [], frozenset())
    assert [leg.verdict for leg in walker.legs] == ["fail"]
    hub.complete = False
    table.hub = hub
    tables._hub_indexes.pop(hub, None)
    walker = transit.Walk()
    walker.hub(a.attachments[0], IPSet(["10.2.0.0/16"]), [], frozenset())
    assert [leg.verdict for leg in walker.legs] == ["unknown"]


def test_an_unknown_association_makes_the_path_unknown_never_failed() -> None:
    from vpclint.values import Unknown
    hub, table, (a, b) = _hub_model()
    a.attachments[0].association = Unknown("route_table_id is known only after apply")
    walker = transit.Walk()
    walker.hub(a.attachments[0], IPSet(["10.2.0.0/16"]), [], frozenset())
    assert [leg.verdict for leg in walker.legs] == ["unknown"]


def test_ncc_style_export_filters() -> None:
    """An NCC VPC spoke exports every subnet range, less its exclude filters."""
    network = Network("net", provider="test")
    for name, cidr in (("nodes", "10.0.0.0/20"), ("pods", "10.4.0.0/14")):
        subnet = Subnet(name, network=network)
        subnet.cidr = make_cidr(subnet, "cidr", "subnet", cidr)
        network.subnets.append(subnet)
    spoke = Attachment("spoke", network=network, exports="subnets")
    assert transit.exported(spoke) == IPSet(["10.0.0.0/20", "10.4.0.0/14"])
    spoke.export_exclude = [make_cidr(spoke, "exclude_export_ranges", "route", "10.4.0.0/14")]
    assert transit.exported(spoke) == IPSet(["10.0.0.0/20"])
    spoke.export_include = [make_cidr(spoke, "include_export_ranges", "route", "10.8.0.0/16")]
    assert transit.exported(spoke) == IPSet()
    assert transit.exported(Attachment("tgw-peering", kind="peering", exports="none")) == IPSet()
    unknown: Cidr = Cidr(spoke, "exclude_export_ranges", "route", unknown=__import__("vpclint.values").values
                         .Unknown("later"))
    spoke.export_exclude = [unknown]
    assert transit.exported(spoke) is None


def test_unresolvable_hub_table_is_listed_under_unknowns_and_reports_nothing(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
resource "aws_vpc" "a" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc" "b" {
  cidr_block = "10.2.0.0/16"
}
resource "aws_ec2_transit_gateway" "hub" {
  default_route_table_association = "disable"
  default_route_table_propagation = "disable"
}
resource "aws_ec2_transit_gateway_vpc_attachment" "a" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.a.id
  subnet_ids         = []
}
resource "aws_ec2_transit_gateway_vpc_attachment" "b" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.b.id
  subnet_ids         = []
}
resource "aws_ec2_transit_gateway_route_table_association" "a" {
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.a.id
  transit_gateway_route_table_id = "tgw-rtb-0123456789abcdef0"
}
resource "aws_route" "a_to_b" {
  route_table_id         = aws_vpc.a.main_route_table_id
  destination_cidr_block = "10.2.0.0/16"
  transit_gateway_id     = aws_ec2_transit_gateway.hub.id
}
''')
    report = run(tmp_path)
    assert found(report) == set()
    assert [(u.resource, u.attribute) for u in report.unknowns] == [
        ("aws_ec2_transit_gateway_route_table_association.a", "transit_gateway_route_table_id")]


def test_an_attachment_with_no_association_drops_what_it_sends(tmp_path: Path) -> None:
    text = (FIXTURES / "transit_route_missing" / "pass" / "main.tf").read_text()
    start = text.index('resource "aws_ec2_transit_gateway_route_table_association" "apps"')
    end = text.index("}\n", start) + 2
    (tmp_path / "main.tf").write_text(text[:start] + text[end:])
    report = run(tmp_path)
    assert {(f.rule_id, f.resource) for f in report.findings} == {
        ("transit_route_missing", "aws_ec2_transit_gateway_vpc_attachment.apps")}
    (finding,) = report.findings
    assert "is associated with no route table of aws_ec2_transit_gateway.hub" in finding.message


def test_a_routing_loop_between_hubs_ends_the_path(tmp_path: Path) -> None:
    """TGW bat's default table sends bat2's range back over the peering (a
    static route beats bat2's propagation): fish -> bat2 circles between the TGWs."""
    text = (BATFISH / "fixed" / "main.tf").read_text() + '''
resource "aws_ec2_transit_gateway_route" "bat_loop" {
  provider                       = aws.bat
  transit_gateway_route_table_id = aws_ec2_transit_gateway.bat.association_default_route_table_id
  destination_cidr_block         = "10.20.0.0/16"
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_peering_attachment_accepter.bat_fish.id
}
'''
    (tmp_path / "main.tf").write_text(text)
    report = run(tmp_path)
    (finding,) = [f for f in report.findings if f.rule_id == "transit_route_missing"]
    assert finding.resource == "aws_ec2_transit_gateway.fish"
    assert finding.message.startswith("routing loop: 10.20.0.0/16 comes back to aws_ec2_transit_gateway.fish "
                                      "(default route table)")


def test_explain_and_rules_list_transit_route_missing() -> None:
    runner = CliRunner()
    explained = runner.invoke(cli, ["explain", "transit_route_missing"])
    assert explained.exit_code == 0 and "association" in explained.output
    listed = runner.invoke(cli, ["rules"])
    assert listed.exit_code == 0 and "transit_route_missing" in listed.output


def test_huawei_er_defaults_associations_static_routes_and_auto_vpc_routes(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
resource "huaweicloud_vpc" "a" {
  name = "a"
  cidr = "192.168.0.0/16"
}
resource "huaweicloud_vpc_subnet" "a" {
  name       = "a"
  vpc_id     = huaweicloud_vpc.a.id
  cidr       = "192.168.1.0/24"
  gateway_ip = "192.168.1.1"
}
resource "huaweicloud_er_instance" "er" {
  name               = "er"
  asn                = 64512
  availability_zones = ["cn-north-4a"]
}
resource "huaweicloud_er_route_table" "spokes" {
  instance_id = huaweicloud_er_instance.er.id
  name        = "spokes"
}
resource "huaweicloud_er_vpc_attachment" "a" {
  instance_id            = huaweicloud_er_instance.er.id
  vpc_id                 = huaweicloud_vpc.a.id
  subnet_id              = huaweicloud_vpc_subnet.a.id
  name                   = "a"
  auto_create_vpc_routes = true
}
resource "huaweicloud_er_association" "a" {
  instance_id    = huaweicloud_er_instance.er.id
  route_table_id = huaweicloud_er_route_table.spokes.id
  attachment_id  = huaweicloud_er_vpc_attachment.a.id
}
resource "huaweicloud_er_propagation" "a" {
  instance_id    = huaweicloud_er_instance.er.id
  route_table_id = huaweicloud_er_route_table.spokes.id
  attachment_id  = huaweicloud_er_vpc_attachment.a.id
}
resource "huaweicloud_er_static_route" "drop" {
  route_table_id = huaweicloud_er_route_table.spokes.id
  destination    = "10.99.0.0/16"
  is_blackhole   = true
}
''')
    report = run(tmp_path)
    ((_, model),) = report.models
    (hub,) = model.hubs
    assert (hub.kind, hub.default_association, hub.default_propagation) == ("enterprise_router", None, None)
    (attachment,) = hub.attachments
    (table,) = hub.route_tables
    assert attachment.association is table and attachment.propagations == [table]
    assert [(r.destination.text, r.target_kind) for r in table.routes] == [("10.99.0.0/16", "blackhole")]
    vpc_table = model.networks[0].route_tables[0]
    assert [(str(r.destination), r.target_kind, r.target) for r in vpc_table.routes] == [
        ("10.0.0.0/8", "transit", hub), ("172.16.0.0/12", "transit", hub), ("192.168.0.0/16", "transit", hub)]
    decided, _ = transit.hub_decide(table, IPSet(["192.168.1.0/24"]))
    assert [(route.target, str(part.iter_cidrs()[0])) for part, route in decided] == [(attachment, "192.168.1.0/24")]


def test_aws_peering_attachment_has_one_side_per_tgw() -> None:
    _, model = _model(BATFISH / "broken")
    bat, fish = sorted(model.hubs, key=lambda h: h.address)
    (bat_side,) = [a for a in bat.attachments if a.kind == "peering"]
    (fish_side,) = [a for a in fish.attachments if a.kind == "peering"]
    assert bat_side.address == "aws_ec2_transit_gateway_peering_attachment_accepter.bat_fish"
    assert fish_side.address == "aws_ec2_transit_gateway_peering_attachment.bat_fish"
    assert bat_side.peer is fish_side and fish_side.peer is bat_side and bat_side.state == "active"
    # both sides land in their TGW's default association table; the static route sits on the accepter's side
    assert transit.association_of(bat_side) is bat.default_association
    (bat2_table,) = [t for t in bat.route_tables if t.address == "aws_ec2_transit_gateway_route_table.bat2"]
    (to_fish,) = bat2_table.routes
    assert to_fish.target is bat_side


def test_a_hub_that_installs_its_routes_is_the_next_hop_where_it_is_more_specific() -> None:
    """Azure vWAN / NCC style: the spoke learns what its hub table holds."""
    from vpclint.model import Route, RouteTable
    hub, table, (a, b) = _hub_model()
    for network in (a, b):
        network.attachments[0].installs_routes = True
        network.route_tables.append(RouteTable(f"{network.address} table", network=network, default=True))
    walked = transit.walk(a.route_tables[0], IPSet(["10.2.1.0/24"]))
    assert [(leg.verdict, leg.end) for leg in walked] == [("pass", b)]
    assert [h.name for h in walked[0].hops] == ["route", "hub route table", "hub attachment"]
    # a route of the table's own, more specific than the hub's 10.2.0.0/16, wins
    udr = Route("udr", destination=None, target_kind="appliance", target="10.1.0.4")
    udr.destination = make_cidr(udr, "address_prefix", "route", "10.2.1.0/24")
    a.route_tables[0].routes.append(udr)
    walked = transit.walk(a.route_tables[0], IPSet(["10.2.1.0/24"]))
    assert [(leg.verdict, leg.hops[-1].name) for leg in walked] == [("unknown", "route")]


def test_pod_ingress_through_a_hub_is_judged_like_through_a_peering(tmp_path: Path) -> None:
    """The server's group admits vpc-demo's CIDR, but pods reach it through the ER with their container CIDR."""
    fixed = FIXTURES / "seed000_cross_vpc_er" / "fixed" / "main.tf"
    text = fixed.read_text().replace("remote_ip_prefix  = huaweicloud_cce_cluster.demo.container_network_cidr",
                                     "remote_ip_prefix  = huaweicloud_vpc.demo.cidr")
    (tmp_path / "main.tf").write_text(text)
    report = run(tmp_path)
    line = text.splitlines().index('resource "huaweicloud_networking_secgroup" "server" {') + 1
    assert found(report) == {("pod_ingress_missing", "huaweicloud_networking_secgroup.server",
                              str((tmp_path / "main.tf").resolve()), line)}
    assert "arrives from 10.0.0.0/16" in report.findings[0].message


def test_a_tgw_peering_nobody_accepts_is_pending(tmp_path: Path) -> None:
    text = (BATFISH / "fixed" / "main.tf").read_text()
    start = text.index('resource "aws_ec2_transit_gateway_peering_attachment_accepter" "bat_fish"')
    end = text.index("}\n", start) + 2
    text = text[:start] + text[end:]
    text = text.replace("aws_ec2_transit_gateway_peering_attachment_accepter.bat_fish.id",
                        "aws_ec2_transit_gateway_peering_attachment.bat_fish.id")
    (tmp_path / "main.tf").write_text(text)
    report = run(tmp_path)
    messages = sorted(f.message for f in report.findings if f.rule_id == "transit_route_missing")
    assert messages and all("aws_ec2_transit_gateway_peering_attachment.bat_fish" in m and "is pending" in m
                            for m in messages)


def test_hub_plan_twins_alone_give_the_hcl_findings_without_lines(tmp_path: Path) -> None:
    """A plan away from its HCL names the same rules and blocks (lines null, per the contract);
    the EKS spokes' subnet_ids are sets of new ids, linked element by element from the configuration."""
    hub_twins = sorted(p.parent for pattern in ("transit_*/broken/plan.json", "azure_vwan_*/broken/plan.json",
                                                 "azure_firewall_hub/broken/plan.json")
                       for p in FIXTURES.glob(pattern))
    assert FIXTURES / "transit_tgw_eks_spokes" / "broken" in hub_twins
    for directory in hub_twins:
        config = directory / ".vpclint.yaml"
        config = config if config.exists() else None
        alone = tmp_path / directory.parent.name
        alone.mkdir()
        (alone / "plan.json").write_bytes((directory / "plan.json").read_bytes())
        from_plan = run(alone / "plan.json", config=config)
        expected = sorted((f.rule_id, f.resource) for f in run(directory, config=config).findings)
        assert expected and sorted((f.rule_id, f.resource) for f in from_plan.findings) == expected, directory
        assert all(f.line is None for f in from_plan.findings)


VWAN_CONNECTION = '''resource "azurerm_virtual_hub_connection" "data_to_weu" {
  name                      = "data_to_weu"
  virtual_hub_id            = azurerm_virtual_hub.weu.id
  remote_virtual_network_id = azurerm_virtual_network.data.id'''


def _vwan_fix(directory: Path) -> str:
    report = run(directory, config=directory / ".vpclint.yaml")
    (finding,) = [f for f in report.findings if f.rule_id == "expected_path_blocked"]
    assert finding.resource == "azurerm_virtual_hub.weu"
    return finding.fix


def test_a_vnet_with_no_hub_connection_gets_one_as_its_fix(tmp_path: Path) -> None:
    """The spoke the expectation is for has no connection: the fix connects it (no static route
    can lead there), and with the fix applied the path is clear."""
    broken = FIXTURES / "azure_vwan_spokes" / "broken"
    assert _vwan_fix(broken) == VWAN_CONNECTION + "\n}"
    fixed = tmp_path / "applied"
    fixed.mkdir()
    for name in ("main.tf", ".vpclint.yaml"):
        (fixed / name).write_text((broken / name).read_text())
    with (fixed / "main.tf").open("a") as handle:
        handle.write("\n" + _vwan_fix(broken) + "\n")
    assert run(fixed, config=fixed / ".vpclint.yaml").findings == []


def test_a_connection_fix_propagates_into_the_custom_table_that_lacks_the_route(tmp_path: Path) -> None:
    broken = FIXTURES / "azure_vwan_spokes" / "broken"
    text = (broken / "main.tf").read_text()
    custom = '''resource "azurerm_virtual_hub_route_table" "apps" {
  name           = "apps"
  virtual_hub_id = azurerm_virtual_hub.weu.id
  labels         = ["apps"]
}
'''
    connection = '''  remote_virtual_network_id = azurerm_virtual_network.aks.id
}'''
    assert connection in text
    text = text.replace(connection, '''  remote_virtual_network_id = azurerm_virtual_network.aks.id
  routing {
    associated_route_table_id = azurerm_virtual_hub_route_table.apps.id
  }
}
''' + custom)
    (tmp_path / "main.tf").write_text(text)
    (tmp_path / ".vpclint.yaml").write_text((broken / ".vpclint.yaml").read_text())
    report = run(tmp_path, config=tmp_path / ".vpclint.yaml")
    (finding,) = [f for f in report.findings if f.rule_id == "expected_path_blocked"]
    assert finding.resource == "azurerm_virtual_hub_route_table.apps"
    assert finding.fix == VWAN_CONNECTION + '''
  routing {
    propagated_route_table {
      route_table_ids = [azurerm_virtual_hub_route_table.apps.id, azurerm_virtual_hub.weu.default_route_table_id]
    }
  }
}'''
    (tmp_path / "main.tf").write_text(text + "\n" + finding.fix + "\n")
    assert run(tmp_path, config=tmp_path / ".vpclint.yaml").findings == []


def test_an_object_holding_unknowns_is_not_null(tmp_path: Path) -> None:
    """AVM hub networking keys its subnets and firewalls by ``for k, v in var.hubs : ... if v.firewall != null``
    with a firewall object holding a policy id known only after apply: Terraform knows the keys, so must vpclint."""
    (tmp_path / "main.tf").write_text('''
resource "azurerm_firewall_policy" "p" {
  name = "p"
}
locals {
  hubs = {
    weu = { firewall = { policy_id = azurerm_firewall_policy.p.id, prefix = "10.0.1.0/24" } }
    neu = { firewall = null }
  }
  firewall_subnets = { for k, v in local.hubs : k => v.firewall.prefix if v.firewall != null }
  unknown_compared = { for k, v in local.hubs : k => k if v.firewall == azurerm_firewall_policy.p.id }
}
resource "azurerm_virtual_network" "hub" {
  for_each      = local.firewall_subnets
  name          = each.key
  address_space = [each.value]
}
resource "azurerm_virtual_network" "unsure" {
  for_each      = local.unknown_compared
  name          = each.key
  address_space = ["10.9.0.0/16"]
}
''')
    report = run(tmp_path)
    ((_, model),) = report.models
    assert [n.address for n in model.networks] == ['azurerm_virtual_network.hub["weu"]']
    assert any(u.resource == "azurerm_virtual_network.unsure" and u.attribute == "for_each" for u in report.unknowns)


def test_resource_prefixed_references_name_the_managed_resource(tmp_path: Path) -> None:
    """AVM's route table module outputs ``resource.azurerm_route_table.this.id`` (Terraform's alias for
    ``azurerm_route_table.this.id``): the subnet it is given to is served by that table."""
    (tmp_path / "main.tf").write_text('''
resource "azurerm_virtual_network" "v" {
  name          = "v"
  address_space = ["10.0.0.0/16"]
}
resource "azurerm_route_table" "rt" {
  name = "rt"
}
resource "azurerm_subnet" "s" {
  name                 = "s"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}
resource "azurerm_subnet_route_table_association" "a" {
  subnet_id      = azurerm_subnet.s.id
  route_table_id = resource.azurerm_route_table.rt.id
}
''')
    report = run(tmp_path)
    assert report.unknowns == [] and report.errors == []
    ((_, model),) = report.models
    (subnet,) = model.subnets
    assert subnet.route_table is not None and subnet.route_table.address == "azurerm_route_table.rt"
