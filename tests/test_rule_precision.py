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

