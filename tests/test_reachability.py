"""Reachability: expect: paths through the CLI, policy association, unknowns."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, run
from vpclint.cli import cli

CROSS = FIXTURES / "seed000_cross_vpc" / "broken"
POLICY = FIXTURES / "network_policy_egress_peer_vpc"


def check_json(*args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["check", "--format", "json", "--no-cache", *args])
    return result.exit_code, json.loads(result.output)


def test_json_carries_the_whole_path_with_a_verdict_per_hop() -> None:
    code, doc = check_json(str(CROSS), "--config", str(CROSS / ".vpclint.yaml"))
    assert code == 1
    (finding,) = [f for f in doc["findings"] if f["rule_id"] == "expected_path_blocked"]
    assert finding["resource"] == "huaweicloud_vpc_route_table.demo2"
    assert finding["line"] == 46
    assert finding["related"] == ["huaweicloud_cce_cluster.demo", "huaweicloud_compute_instance.server"]
    assert [(h["hop"], h["verdict"]) for h in finding["path"]] == [
        ("pod addresses", "pass"), ("pod egress policy", "pass"), ("peering", "pass"),
        ("route from source subnet", "pass"), ("return route", "fail"), ("security group", "fail"),
        ("network ACL", "pass"), ("whitelist", "pass")]
    assert "destination = \"10.0.0.0/16\"" in finding["fix"]


def test_an_expectation_naming_nothing_in_the_input_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "vpclint.yaml"
    config.write_text("expect:\n  - from: huaweicloud_cce_cluster.nope\n    to: huaweicloud_dcs_instance.cache\n")
    code, doc = check_json(str(CROSS), "--config", str(config))
    assert code == 2
    assert doc["errors"] == [{"file": doc["errors"][0]["file"], "line": 2, "message":
                              "expect[0]: no input holds both huaweicloud_cce_cluster.nope (a cluster, instance, "
                              "subnet or CIDR) and huaweicloud_dcs_instance.cache (an instance, managed service, "
                              "load balancer, Kubernetes Service, subnet or CIDR)"}]


def _policy_scenario(tmp_path: Path, extra_cluster: bool, clusters: str = "") -> Path:
    directory = tmp_path / "scenario"
    shutil.copytree(POLICY / "missing", directory)
    (directory / "k8s").mkdir()
    (directory / "policy.yaml").rename(directory / "k8s" / "policy.yaml")
    if extra_cluster:
        with open(directory / "main.tf", "a") as handle:
            handle.write('\nresource "aws_eks_cluster" "other" {\n  name     = "other"\n'
                         '  role_arn = "arn:aws:iam::123456789012:role/eks"\n  vpc_config {\n'
                         '    subnet_ids = [for s in aws_subnet.app : s.id]\n  }\n}\n')
    config = (POLICY / "missing" / ".vpclint.yaml").read_text() + clusters
    (directory / ".vpclint.yaml").write_text(config)
    return directory


def _hop(report, name: str) -> str | None:
    for finding in report.findings:
        if finding.rule_id == "expected_path_blocked":
            return next(h["verdict"] for h in finding.extra["path"] if h["hop"] == name)
    return None


def test_policies_kept_outside_the_input_are_loaded_for_their_cluster(tmp_path: Path) -> None:
    directory = _policy_scenario(tmp_path, extra_cluster=False,
                                 clusters="clusters:\n  aws_eks_cluster.main:\n    policies: [k8s/]\n")
    (directory / "k8s").rename(tmp_path / "k8s")
    (tmp_path / ".git").mkdir()  # one repository holds both: outside it the config may name nothing (inputs.py)
    config = directory / ".vpclint.yaml"
    config.write_text(config.read_text().replace("[k8s/]", "[../k8s/]"))
    report = run(directory, config=config)
    assert report.errors == []
    assert _hop(report, "pod egress policy") == "fail"


def test_with_two_clusters_policies_apply_only_where_the_config_says(tmp_path: Path) -> None:
    directory = _policy_scenario(tmp_path, extra_cluster=True)
    # no association: the policy is nobody's, the path holds
    report = run(directory, config=directory / ".vpclint.yaml")
    assert [f.rule_id for f in report.findings if f.rule_id == "expected_path_blocked"] == []
    directory = _policy_scenario(tmp_path / "b", extra_cluster=True,
                                 clusters="clusters:\n  aws_eks_cluster.main:\n    policies: [k8s/]\n")
    report = run(directory, config=directory / ".vpclint.yaml")
    assert _hop(report, "pod egress policy") == "fail"
    (finding,) = [f for f in report.findings if f.rule_id == "expected_path_blocked"]
    assert finding.resource == "networkpolicy.networking.k8s.io/orders/orders-egress"
    assert finding.file.endswith("k8s/policy.yaml") and finding.line == 5


def test_unknown_pods_leave_the_policy_hop_unknown_and_silent(tmp_path: Path) -> None:
    directory = _policy_scenario(tmp_path, extra_cluster=False)
    config = directory / ".vpclint.yaml"
    config.write_text(config.read_text().replace("    pods: {namespace: orders, labels: {app: orders}}\n", ""))
    report = run(directory, config=config)
    assert [f for f in report.findings if f.rule_id == "expected_path_blocked"] == []


HUAWEI_SERVICE = """
resource "huaweicloud_vpc" "demo" {
  name = "vpc-demo"
  cidr = "192.168.0.0/16"
}

resource "huaweicloud_vpc_subnet" "nodes" {
  name       = "nodes"
  vpc_id     = huaweicloud_vpc.demo.id
  cidr       = "192.168.10.0/24"
  gateway_ip = "192.168.10.1"
}

resource "huaweicloud_cce_cluster" "demo" {
  name                   = "demo"
  flavor_id              = "cce.s1.small"
  vpc_id                 = huaweicloud_vpc.demo.id
  subnet_id              = huaweicloud_vpc_subnet.nodes.id
  container_network_type = "vpc-router"
  container_network_cidr = "172.16.0.0/16"
}

resource "huaweicloud_networking_secgroup" "svc" {
  name                 = "svc"
  delete_default_rules = true
}

resource "huaweicloud_networking_secgroup_rule" "from_pods" {
  security_group_id = huaweicloud_networking_secgroup.svc.id
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "tcp"
  ports             = "%s"
  remote_ip_prefix  = "172.16.0.0/16"
}

resource "%s" "svc" {
  vpc_id            = huaweicloud_vpc.demo.id
  %s = huaweicloud_vpc_subnet.nodes.id
  security_group_id = huaweicloud_networking_secgroup.svc.id
}
"""


@pytest.mark.parametrize("service, subnet_attribute, port", [
    ("huaweicloud_dms_kafka_instance", "network_id", 9092),
    ("huaweicloud_dms_rabbitmq_instance", "network_id", 5672),
    ("huaweicloud_dds_instance", "subnet_id", 8635),
    ("huaweicloud_rds_instance", "subnet_id", 3306),
])
def test_huawei_services_are_expect_targets_on_their_default_port(tmp_path: Path, service: str,
                                                                   subnet_attribute: str, port: int) -> None:
    """Pods reach a broker or database when its security group admits the pods on the service's port."""
    config = tmp_path / ".vpclint.yaml"
    config.write_text(f"expect:\n  - from: huaweicloud_cce_cluster.demo\n    to: {service}.svc\n")
    for admitted, blocked in ((port, False), (port + 1, True)):
        (tmp_path / "main.tf").write_text(HUAWEI_SERVICE % (admitted, service, subnet_attribute))
        report = run(tmp_path, config=config)
        assert report.errors == []
        found = [f for f in report.findings if f.rule_id == "expected_path_blocked"]
        assert bool(found) is blocked, (service, admitted)
        if blocked:
            assert f"tcp/{port}" in found[0].message


MSK = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
  }
}

resource "aws_security_group" "msk" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 9092
    to_port     = 9092
    protocol    = "tcp"
    cidr_blocks = ["10.0.1.0/24", "10.0.2.0/24"]
  }
}

resource "aws_msk_cluster" "events" {
  cluster_name           = "events"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 2
  broker_node_group_info {
    instance_type   = "kafka.m5.large"
    client_subnets  = [aws_subnet.a.id, aws_subnet.b.id]
    security_groups = [aws_security_group.msk.id]
  }
  %s
}
"""


@pytest.mark.parametrize("encryption, blocked_port", [
    ("", 9094),  # TLS is MSK's default: the security group's plaintext port is the wrong one
    ('encryption_info {\n    encryption_in_transit {\n      client_broker = "PLAINTEXT"\n    }\n  }', None),
    ("client_authentication {\n    sasl {\n      iam = true\n    }\n  }", 9098),
])
def test_msk_brokers_are_reached_on_the_port_their_clients_use(tmp_path: Path, encryption: str,
                                                               blocked_port: int | None) -> None:
    (tmp_path / "main.tf").write_text(MSK % encryption)
    config = tmp_path / ".vpclint.yaml"
    config.write_text("expect:\n  - from: aws_eks_cluster.main\n    to: aws_msk_cluster.events\n")
    report = run(tmp_path, config=config)
    assert report.errors == []
    found = [f for f in report.findings if f.rule_id == "expected_path_blocked"]
    assert [f"tcp/{blocked_port}" in f.message for f in found] == ([True] if blocked_port else [])
