"""expect: between any two endpoints: from a cluster, an instance, a subnet or a
CIDR; to an instance, a managed service, a load balancer, a subnet or a CIDR."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, run
from vpclint.analysis.paths import trace
from vpclint.cli import cli

BATFISH = FIXTURES / "batfish_aws_vpc_peering" / "facts"


def _run(tmp_path: Path, *entries: str):
    config = tmp_path / "vpclint.yaml"
    config.write_text("expect:\n" + "".join(entries))
    return run(BATFISH, config=config)


def _hops(report, index=0):
    (_, model), = report.models
    return [(h.name, h.verdict) for h in trace(model.expectations[index])]


def test_subnet_to_cidr_and_cidr_to_instance(tmp_path):
    report = _run(tmp_path,
                  "  - {from: aws_subnet.c, to: 10.10.10.0/25, port: 22}\n",
                  "  - {from: 10.10.10.0/24, to: aws_instance.b, port: 80}\n")
    assert report.errors == []
    assert _hops(report, 0) == [("source addresses", "pass"), ("peering", "pass"), ("route from source subnet", "pass"),
                                ("return route", "pass"), ("security group", "unknown"), ("network ACL", "pass"),
                                ("whitelist", "pass")]
    assert [(f.rule_id, f.resource, f.line, f.message) for f in report.findings] == [
        ("expected_path_blocked", "aws_security_group.b", 105,
         "10.10.10.0/24 cannot reach aws_instance.b on tcp/80: security group fails — aws_security_group.b does "
         "not admit 10.10.10.0/24 on tcp/80")]


def test_a_cidr_outside_every_network_is_an_unknown_hop_never_a_finding(tmp_path):
    report = _run(tmp_path, "  - {from: 172.16.0.0/12, to: aws_instance.a, port: 22}\n",
                  "  - {from: aws_instance.a, to: 203.0.113.0/24, port: 443}\n")
    assert report.errors == [] and report.findings == []
    (_, model), = report.models
    details = [trace(e)[0].detail for e in model.expectations]
    assert details == [
        "172.16.0.0/12 lies outside every network the inputs hold: where its traffic enters (a VPN, Direct Connect) "
        "is not modelled",
        "203.0.113.0/24 lies outside every network the inputs hold: where its traffic enters (a VPN, Direct "
        "Connect) is not modelled"]


def test_a_cidr_in_two_overlapping_peers_is_unknown_when_the_source_routes_it_to_one(tmp_path):
    report = _run(tmp_path, "  - {from: aws_instance.a, to: 192.168.1.0/28, port: 22}\n")
    assert report.findings == [] and _hops(report) == [("networks", "unknown")]


def test_the_security_group_of_the_source_instance_admits_it(tmp_path):
    directory = tmp_path / "net"
    directory.mkdir()
    (directory / "main.tf").write_text('''
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_security_group" "client" {
  vpc_id = aws_vpc.v.id
}
resource "aws_security_group" "server" {
  vpc_id = aws_vpc.v.id
  ingress {
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.client.id]
  }
}
resource "aws_instance" "client" {
  subnet_id              = aws_subnet.s.id
  vpc_security_group_ids = [aws_security_group.client.id]
}
resource "aws_instance" "server" {
  subnet_id              = aws_subnet.s.id
  vpc_security_group_ids = [aws_security_group.server.id]
}
resource "aws_instance" "other" {
  subnet_id = aws_subnet.s.id
}
''')
    config = tmp_path / "vpclint.yaml"
    config.write_text("expect:\n  - {from: aws_instance.client, to: aws_instance.server, port: 443}\n"
                      "  - {from: aws_instance.other, to: aws_instance.server, port: 443}\n"
                      "  - {from: aws_instance.client, to: aws_instance.server, port: 80}\n")
    report = run(directory, config=config)
    (_, model), = report.models
    verdicts = [[h.verdict for h in trace(e) if h.name == "security group"] for e in model.expectations]
    assert verdicts == [["pass"], ["unknown"], ["fail"]]
    assert [(f.resource, f.message.split(":")[0]) for f in report.findings] == [
        ("aws_security_group.server", "aws_instance.client cannot reach aws_instance.server on tcp/80")]


def test_a_kubernetes_service_the_inputs_do_not_hold_is_a_clear_error(tmp_path, monkeypatch):
    config = tmp_path / "vpclint.yaml"
    config.write_text("expect:\n  - from: aws_instance.a\n    to: kubernetes_service_v1.api\n    port: 443\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", str(BATFISH), "--config", "vpclint.yaml", "--no-cache",
                                      "--format", "json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["errors"] == [{
        "file": "vpclint.yaml", "line": 2,
        "message": "expect[0]: no input holds both aws_instance.a (a cluster, instance, subnet or CIDR) and "
                   "kubernetes_service_v1.api (an instance, managed service, load balancer, Kubernetes Service, "
                   "subnet or CIDR)"}]


@pytest.mark.parametrize("source", ["aws_instance.nope", "10.0.0.0/33"])
def test_an_unresolvable_endpoint_is_an_error_naming_the_config_line(tmp_path, source):
    report = _run(tmp_path, f"  - from: {source}\n    to: aws_instance.a\n")
    assert [(e.line, e.message.split(":")[0]) for e in report.errors] == [(2, "expect[0]")]
