"""expect: between any two endpoints (issue 14) through transit hubs (issue 13):
an instance reaching an instance in another VPC over a transit gateway."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, found, run
from vpclint.analysis.paths import trace

SCENARIO = FIXTURES / "transit_expect_instances"


def _report(directory: Path):
    report = run(directory, config=SCENARIO / "fixed" / ".vpclint.yaml")
    assert report.errors == []
    return report


def _hops(report):
    ((_, model),) = report.models
    (expectation,) = model.expectations
    return trace(expectation)


def test_instance_to_instance_through_a_tgw_fails_at_the_hub_table_that_lacks_the_route() -> None:
    report = _report(SCENARIO / "broken")
    path = str((SCENARIO / "broken" / "main.tf").resolve())
    assert found(report) == {("expected_path_blocked", "aws_ec2_transit_gateway_route_table.apps", path, 76),
                             ("transit_route_missing", "aws_ec2_transit_gateway_route_table.apps", path, 76)}
    (blocked,) = [f for f in report.findings if f.rule_id == "expected_path_blocked"]
    assert blocked.message == (
        "aws_instance.app cannot reach aws_instance.db on tcp/5432: hub route table fails — "
        "aws_ec2_transit_gateway_route_table.apps of aws_ec2_transit_gateway.hub (serving "
        "aws_ec2_transit_gateway_vpc_attachment.apps) has no route for 10.2.1.0/24")
    failing = next(h for h in _hops(report) if h.verdict == "fail")
    assert failing.extra == {"hub": "aws_ec2_transit_gateway.hub", "table": "aws_ec2_transit_gateway_route_table.apps",
                             "attachment": "aws_ec2_transit_gateway_vpc_attachment.apps",
                             "destination": ["10.2.1.0/24"]}
    assert report.unknowns == []  # a failing path is a finding, not also an unknown


def test_instance_to_instance_through_a_tgw_holds_hop_by_hop_when_the_hub_table_learns_the_route() -> None:
    report = _report(SCENARIO / "fixed")
    assert report.findings == [] and report.unknowns == []
    assert [(h.name, h.verdict, h.element.address) for h in _hops(report)] == [
        ("source addresses", "pass", "aws_instance.app"),
        ("route", "pass", "aws_vpc.apps (main route table)"),
        ("hub route table", "pass", "aws_ec2_transit_gateway_route_table.apps"),
        ("hub attachment", "pass", "aws_ec2_transit_gateway_vpc_attachment.data"),
        ("return route", "pass", "aws_vpc.data (main route table)"),
        ("return hub route table", "pass", "aws_ec2_transit_gateway_route_table.data"),
        ("return hub attachment", "pass", "aws_ec2_transit_gateway_vpc_attachment.apps"),
        ("security group", "pass", "aws_security_group.db"),
        ("network ACL", "pass", "aws_instance.db"),
        ("whitelist", "pass", "aws_instance.db"),
    ]


def test_a_reply_sent_to_an_appliance_is_unknown_and_listed_once(tmp_path: Path) -> None:
    """The data VPC sends the replies to a network interface (an appliance
    vpclint does not follow): no finding, one note under unknowns."""
    text = (SCENARIO / "fixed" / "main.tf").read_text()
    (tmp_path / "main.tf").write_text(text.replace(
        '''  destination_cidr_block = "10.1.0.0/16"
  transit_gateway_id     = aws_ec2_transit_gateway.hub.id''',
        '''  destination_cidr_block = "10.1.0.0/16"
  network_interface_id   = "eni-0123456789abcdef0"'''))
    report = _report(tmp_path)
    assert report.findings == []
    assert [(u.resource, u.attribute) for u in report.unknowns] == [
        ("expect[0] (aws_instance.app -> aws_instance.db)", "return route")]
    assert "sends 10.1.1.0/24 to a" in report.unknowns[0].reason


def _through_data_source(source: Path, root: Path) -> Path:
    """``source``'s HCL with the apps VPC's route naming the TGW through a data
    source that selects it by tag (as a spoke stack would)."""
    text = (source / "main.tf").read_text().replace(
        'resource "aws_ec2_transit_gateway" "hub" {\n', 'resource "aws_ec2_transit_gateway" "hub" {\n'
        '  tags                            = { Name = "core" }\n').replace(
        '''  destination_cidr_block = "10.2.0.0/16"
  transit_gateway_id     = aws_ec2_transit_gateway.hub.id''',
        '''  destination_cidr_block = "10.2.0.0/16"
  transit_gateway_id     = data.aws_ec2_transit_gateway.core.id''')
    assert "data.aws_ec2_transit_gateway.core.id" in text
    (root / "main.tf").write_text(text + '''
data "aws_ec2_transit_gateway" "core" {
  filter {
    name   = "tag:Name"
    values = ["core"]
  }
}
''')
    return root


def test_a_transit_gateway_read_by_a_data_source_joins_the_one_its_tag_selects(tmp_path: Path) -> None:
    (tmp_path / "fixed").mkdir()
    (tmp_path / "broken").mkdir()
    fixed = _report(_through_data_source(SCENARIO / "fixed", tmp_path / "fixed"))
    assert fixed.findings == [] and fixed.unknowns == []
    broken = _report(_through_data_source(SCENARIO / "broken", tmp_path / "broken"))
    (blocked,) = [f for f in broken.findings if f.rule_id == "expected_path_blocked"]
    assert blocked.resource == "aws_ec2_transit_gateway_route_table.apps"
    assert "has no route for 10.2.1.0/24" in blocked.message


def test_a_cidr_in_two_networks_behind_a_hub_and_a_peering_fails_only_when_it_gets_nowhere(tmp_path: Path) -> None:
    """10.2.1.0/28 lies in the data VPC (behind the TGW) and in data2 (peered
    with apps, which routes nothing through the peering): unknown while the
    hub delivers it in one of them, blocked at the hub table when it does not."""
    config = tmp_path / "vpclint.yaml"
    config.write_text("expect:\n  - {from: aws_instance.app, to: 10.2.1.0/28, port: 5432}\n")
    verdicts = {}
    for name in ("fixed", "broken"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.tf").write_text((SCENARIO / name / "main.tf").read_text() + '''
resource "aws_vpc" "data2" {
  cidr_block = "10.2.0.0/16"
}

resource "aws_vpc_peering_connection" "apps_data2" {
  vpc_id      = aws_vpc.apps.id
  peer_vpc_id = aws_vpc.data2.id
  auto_accept = true
}
''')
        report = run(tmp_path / name, config=config)
        assert report.errors == []
        verdicts[name] = ([(f.rule_id, f.resource) for f in report.findings if f.rule_id == "expected_path_blocked"],
                          [(u.attribute, u.reason) for u in report.unknowns])
    assert verdicts["fixed"] == ([], [("networks", "10.2.1.0/28 lies in the address space of several networks "
                                       "(aws_vpc.data, aws_vpc.data2); which one it means is not known")])
    assert verdicts["broken"] == ([("expected_path_blocked", "aws_ec2_transit_gateway_route_table.apps")], [])
