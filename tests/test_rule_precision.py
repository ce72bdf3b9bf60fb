"""Issue 15 point 8: rule precision.

docker_bridge_overlap is a warning where a cluster's pods or nodes may
exchange traffic with the overlapping range, a notice where surely none does
(a check's own ``where`` and ``severity``); network_policy_blocks_dns names a
DNS rule that selects the DNS pods without a namespaceSelector, conditionally
when the policy's namespace is not known.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import FIXTURES, run
from vpclint.config import load_config
from vpclint.engine.rules import validate
from vpclint.lint import Settings, lint
from vpclint.load import LoadOptions

BRIDGE = FIXTURES / "docker_bridge_overlap" / "fail"
DNS = FIXTURES / "network_policy_blocks_dns" / "fail_kube_dns_selector"


def _by_address(report) -> dict[str, tuple[str, int]]:
    return {f.resource: (f.severity, f.line) for f in report.findings if f.rule_id == "docker_bridge_overlap"}


def test_docker_bridge_overlap_is_a_warning_only_where_a_cluster_may_talk_to_the_range() -> None:
    assert _by_address(run(BRIDGE)) == {
        "huaweicloud_cce_cluster.demo": ("warning", 16),  # a cluster's own container CIDR
        "aws_vpc.legacy": ("notice", 26),  # holds no cluster, connects to none
        "aws_subnet.in_shared_vpc": ("warning", 38),  # its VPC is not in the inputs: it may hold one
        "google_compute_subnetwork.nodes": ("notice", 50),
        "aws_vpc.lone": ("notice", 59),
        "aws_vpc.tools": ("warning", 65),  # peered with the VPC of aws_eks_cluster.apps
    }
    notice = next(f for f in run(BRIDGE).findings if f.resource == "aws_vpc.lone")
    assert notice.message.endswith("no cluster in these inputs exchanges traffic with it (it holds none and "
                                   "connects to none)")


def test_a_cluster_whose_network_is_unknown_keeps_every_overlap_a_warning(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_vpc" "lone" {\n  cidr_block = "172.17.0.0/16"\n}\n'
        'resource "aws_eks_cluster" "x" {\n  name = "x"\n  role_arn = "arn:aws:iam::1:role/r"\n'
        '  vpc_config {\n    subnet_ids = [var.subnet]\n  }\n}\n'
        'variable "subnet" {\n  type = string\n}\n')
    assert _by_address(run(tmp_path))["aws_vpc.lone"] == ("warning", 1)


def test_a_vpc_sharing_a_hub_with_a_cluster_vpc_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text((BRIDGE / "main.tf").read_text().replace(
        'resource "aws_vpc_peering_connection" "tools_eks"', 'resource "aws_vpc_peering_connection" "unused"'
    ) + '''
resource "aws_ec2_transit_gateway" "hub" {}

resource "aws_ec2_transit_gateway_vpc_attachment" "lone" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.lone.id
  subnet_ids         = []
}

resource "aws_ec2_transit_gateway_vpc_attachment" "eks" {
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.eks.id
  subnet_ids         = [aws_subnet.eks_a.id]
}
''')
    assert _by_address(run(tmp_path))["aws_vpc.lone"][0] == "warning"


def test_a_severity_from_the_config_applies_to_every_finding_of_the_rule(tmp_path: Path) -> None:
    config = tmp_path / ".vpclint.yaml"
    config.write_text("rules:\n  docker_bridge_overlap: {severity: error}\n")
    report = lint(Settings(paths=[str(BRIDGE)], config=load_config(str(config)), load=LoadOptions(env={})))
    assert {severity for severity, _ in _by_address(report).values()} == {"error"}


def test_a_user_rule_check_may_carry_its_own_where_and_severity(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = {
        "id": "vpc_named", "severity": "error", "summary": "VPCs, by whether this configuration manages them",
        "for_each": "networks",
        "check": [{"where": [{"path": "network.managed", "equals": True}], "severity": "notice",
                   "message": "{network} is managed here", "holds": {"path": "network.managed", "equals": True}},
                  {"where": [{"path": "network.managed", "equals": False}],
                   "holds": {"path": "network.managed", "equals": False}}],
        "message": "{network} is read", "docs": {"what": "w", "why": "w", "bad": "b", "good": "g", "fix": "f"}}
    (rules / "vpc_named.yaml").write_text(yaml.safe_dump(rule))
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n'
                                      'data "aws_vpc" "b" {\n  id = "vpc-0a1b2c3d"\n}\n')
    report = lint(Settings(paths=[str(tmp_path)], rule_dirs=[str(rules)], config=load_config(None),
                           load=LoadOptions(env={})))
    assert report.errors == []
    assert sorted((f.resource, f.severity, f.message) for f in report.findings if f.rule_id == "vpc_named") == [
        ("aws_vpc.a", "notice", "aws_vpc.a is managed here"), ("data.aws_vpc.b", "error", "data.aws_vpc.b is read")]


def test_the_rule_schema_refuses_a_check_severity_it_does_not_know(tmp_path: Path) -> None:
    import pytest

    from vpclint.engine.rules import RuleError

    data = yaml.safe_load((Path(__file__).parents[1] / "rules" / "docker_bridge_overlap.yaml").read_text())
    data["check"][1]["severity"] = "info"
    with pytest.raises(RuleError) as raised:
        validate(data, None, "rule.schema.json", "x.yaml")
    assert "check" in raised.value.error.message and "must be one of" in raised.value.error.message


def _dns(report) -> dict[str, str]:
    return {f.resource: f.message for f in report.findings if f.rule_id == "network_policy_blocks_dns"}


def test_a_kube_dns_rule_without_namespace_selector_is_named() -> None:
    found = _dns(run(DNS))
    shop = found["networkpolicy.networking.k8s.io/shop/web-egress"]
    assert ("its egress rule for the DNS pods selects them without a namespaceSelector, so it matches pods of "
            "namespace shop only, never the cluster DNS") in shop and "unless" not in shop
    bare = found["networkpolicy.networking.k8s.io/api-egress"]
    assert bare.startswith("Kubernetes NetworkPolicy api-egress restricts the egress of pods matching app == 'api' "
                           "in the namespace the policy is applied to, but unless it is applied in kube-system (it "
                           "names no namespace), its egress rule for the DNS pods selects them without a "
                           "namespaceSelector, so it matches pods of its own namespace only")
    assert {f.severity for f in run(DNS).findings} == {"error"}


def test_a_policy_without_namespace_stays_silent_when_another_may_allow_dns(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text((DNS / "no_namespace.yaml").read_text())
    # another manifest without a namespace may land in the same namespace, and it lets every pod query DNS
    (tmp_path / "allow.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns\nspec:\n"
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - ports:\n        - {port: 53, protocol: UDP}\n"
        "        - {port: 53, protocol: TCP}\n")
    assert _dns(run(tmp_path)) == {}



# -- peerings are not transitive -------------------------------------------------

PEERING = FIXTURES / "peering_non_transitive"


def _lint(directory: Path):
    config = directory / ".vpclint.yaml"
    return run(directory, config=config if config.exists() else None)


def test_a_route_beyond_the_peer_says_it_can_never_deliver() -> None:
    report = _lint(PEERING / "fail")
    (finding,) = [f for f in report.findings if f.rule_id == "peering_route_missing"]
    assert (finding.resource, finding.line, finding.severity) == ("aws_route.a_to_c", 47, "error")
    assert finding.message == (
        "aws_route.a_to_c sends 10.3.0.0/16 through aws_vpc_peering_connection.ab, but "
        "aws_vpc_peering_connection.ab delivers only to aws_vpc.b, which does not hold 10.3.0.0/16: peerings are not "
        "transitive, so this route can never deliver")
    assert finding.fix == ("peer aws_vpc.a directly with aws_vpc.c, which holds 10.3.0.0/16, and send 10.3.0.0/16 "
                           "through that peering; or attach both VPCs to a transit hub and send 10.3.0.0/16 to the hub")
    (path,) = [f for f in report.findings if f.rule_id == "expected_path_blocked"]
    assert "10.3.1.0/24 lies beyond it (peerings are not transitive)" in path.message
    assert path.fix == ("peer aws_vpc.a directly with the VPC that holds 10.3.1.0/24, or attach both VPCs to a "
                        "transit hub and route there")


def test_a_route_sent_to_the_wrong_peering_is_not_called_missing() -> None:
    report = _lint(PEERING / "fail_wrong_peering")
    assert sorted((f.rule_id, f.resource) for f in report.findings) == [
        ("expected_path_blocked", "aws_route.a_to_c"), ("peering_route_missing", "aws_route.a_to_c")]
    assert not any("has no route" in f.message for f in report.findings)
    assert {f.fix for f in report.findings} == {
        "point aws_route.a_to_c at aws_vpc_peering_connection.ac",
        "point aws_route.a_to_c at aws_vpc_peering_connection.ac, the peering of aws_vpc.a with aws_vpc.c, "
        "which holds 10.3.0.0/16"}


HUAWEI = '''
resource "huaweicloud_vpc" "a" {
  name = "a"
  cidr = "10.1.0.0/16"
}
resource "huaweicloud_vpc" "b" {
  name = "b"
  cidr = "10.2.0.0/16"
}
resource "huaweicloud_vpc" "c" {
  name = "c"
  cidr = "10.9.0.0/16"
}
resource "huaweicloud_vpc_peering_connection" "ab" {
  name        = "ab"
  vpc_id      = huaweicloud_vpc.a.id
  peer_vpc_id = huaweicloud_vpc.b.id
}
resource "huaweicloud_vpc_route" "a_to_b" {
  vpc_id      = huaweicloud_vpc.a.id
  destination = "10.2.0.0/16"
  type        = "peering"
  nexthop     = huaweicloud_vpc_peering_connection.ab.id
}
resource "huaweicloud_vpc_route" "b_to_a" {
  vpc_id      = huaweicloud_vpc.b.id
  destination = "10.1.0.0/16"
  type        = "peering"
  nexthop     = huaweicloud_vpc_peering_connection.ab.id
}
resource "huaweicloud_vpc_route" "a_out" {
  vpc_id      = huaweicloud_vpc.a.id
  destination = "%s"
  type        = "peering"
  nexthop     = huaweicloud_vpc_peering_connection.ab.id
}
'''


def test_huawei_public_destinations_may_leave_through_a_shared_nat_gateway(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(HUAWEI % "8.8.8.0/24")  # a NAT gateway in b may carry it (SNAT sharing)
    assert run(tmp_path).findings == []
    (tmp_path / "main.tf").write_text(HUAWEI % "10.9.0.0/16")  # c's range: nothing in b forwards it
    (finding,) = run(tmp_path).findings
    assert (finding.rule_id, finding.resource, finding.line) == ("peering_route_missing", "huaweicloud_vpc_route.a_out",
                                                                 31)
    assert finding.fix.startswith("peer a directly with c, which holds 10.9.0.0/16")


LONE_C = 'resource "huaweicloud_vpc" "c" {\n  name = "c"\n  cidr = "10.9.0.0/16"\n}\n'


def test_a_range_outside_every_network_of_the_inputs_is_not_judged(tmp_path: Path) -> None:
    # on premises, say: the peer may learn a route for it from a gateway (route propagation) vpclint does not see
    assert LONE_C in HUAWEI
    (tmp_path / "main.tf").write_text(HUAWEI.replace(LONE_C, "") % "10.9.0.0/16")
    assert run(tmp_path).findings == []


def test_a_peer_that_sends_the_range_on_through_a_gateway_is_not_judged(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(HUAWEI % "10.9.0.0/16" + (
        'resource "huaweicloud_vpc_route" "b_on" {\n  vpc_id      = huaweicloud_vpc.b.id\n'
        '  destination = "10.9.0.0/16"\n  type        = "vip"\n  nexthop     = "192.168.0.10"\n}\n'))
    assert run(tmp_path).findings == []


def test_a_peer_vpc_read_from_elsewhere_is_not_judged(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_vpc" "a" {\n  cidr_block = "10.1.0.0/16"\n}\n'
        'data "aws_vpc" "b" {\n  id = "vpc-0a1b2c3d"\n}\n'
        'resource "aws_vpc_peering_connection" "ab" {\n  vpc_id = aws_vpc.a.id\n  peer_vpc_id = data.aws_vpc.b.id\n'
        '  auto_accept = true\n}\n'
        'resource "aws_route" "a_to_x" {\n  route_table_id = aws_vpc.a.main_route_table_id\n'
        '  destination_cidr_block = "10.3.0.0/16"\n  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id\n}\n')
    assert [f for f in run(tmp_path).findings if "transitive" in f.message] == []


def test_explain_says_some_findings_take_another_severity() -> None:
    from click.testing import CliRunner

    from vpclint.cli import cli

    result = CliRunner().invoke(cli, ["explain", "docker_bridge_overlap"])
    assert result.exit_code == 0 and result.output.startswith("docker_bridge_overlap (warning; some findings notice)\n")
    result = CliRunner().invoke(cli, ["explain", "peering_route_missing"])
    assert result.output.startswith("peering_route_missing (error)\n")
