"""expect: from or to an on-premises range (issue 14 point 4): the config's
``networks:`` says which network its VPN / Direct Connect lands in, and the
path is traced from and back to that network."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from conftest import FIXTURES, found, run
from vpclint.analysis.paths import trace
from vpclint.cli import cli

SCENARIO = FIXTURES / "expect_onprem"
CONFIG = "networks:\n  onprem:\n    cidrs: [192.168.0.0/16]\n    attached_to: {attached}\nexpect:\n" \
         "  - from: {source}\n    to: {target}\n    port: 443\n"


def _hops(report):
    ((_, model),) = report.models
    (expectation,) = model.expectations
    return [(h.name, h.verdict, h.element.address) for h in trace(expectation)]


def _scenario(tmp_path: Path, variant: str, config: str) -> Path:
    directory = tmp_path / variant
    shutil.copytree(SCENARIO / variant, directory)
    (directory / ".vpclint.yaml").write_text(config)
    return directory


def test_no_route_back_for_the_on_premises_range_fails_at_the_app_route_table() -> None:
    directory = SCENARIO / "broken"
    report = run(directory, config=directory / ".vpclint.yaml")
    assert report.errors == []
    path = str((directory / "main.tf").resolve())
    assert found(report) == {("expected_path_blocked", "aws_route_table.app", path, 61)}
    (blocked,) = report.findings
    assert blocked.message == (
        "192.168.10.0/24 cannot reach aws_instance.app on tcp/443: return route fails — aws_route_table.app has "
        "no route back to 192.168.10.0/24 through aws_vpc_peering_connection.hub_app")
    assert ("return route", "fail", "aws_route_table.app") in _hops(report)


def test_the_range_enters_the_attached_vpc_and_is_routed_back_through_the_peering() -> None:
    directory = SCENARIO / "fixed"
    report = run(directory, config=directory / ".vpclint.yaml")
    assert report.errors == [] and report.findings == []
    assert _hops(report) == [
        ("source addresses", "pass", "192.168.10.0/24"),
        ("peering", "pass", "aws_vpc_peering_connection.hub_app"),
        ("gateway transit", "unknown", "aws_vpc_peering_connection.hub_app"),
        ("route from source subnet", "pass", "aws_route_table.hub"),
        ("return route", "pass", "aws_route_table.app"),
        ("security group", "pass", "aws_security_group.app"),
        ("network ACL", "pass", "aws_instance.app"),
        ("whitelist", "pass", "aws_instance.app"),
    ]
    # whether AWS carries VPN traffic across a peering (it does not: no edge-to-edge routing) is said, not hidden
    assert [(u.attribute, u.resource) for u in report.unknowns] == [
        ("gateway transit", "expect[0] (192.168.10.0/24 -> aws_instance.app)")]


def test_without_networks_the_range_is_unknown_as_before(tmp_path: Path) -> None:
    directory = _scenario(tmp_path, "broken", "expect:\n  - from: 192.168.10.0/24\n    to: aws_instance.app\n")
    report = run(directory, config=directory / ".vpclint.yaml")
    assert report.findings == [] and report.errors == []
    assert [u.reason for u in report.unknowns] == [
        "192.168.10.0/24 lies outside every network the inputs hold: where its traffic enters (a VPN, Direct "
        "Connect) is not modelled"]


def test_the_network_name_stands_for_its_first_cidr(tmp_path: Path) -> None:
    directory = _scenario(tmp_path, "broken", CONFIG.format(attached="aws_vpc.hub", source="onprem",
                                                            target="aws_instance.app"))
    report = run(directory, config=directory / ".vpclint.yaml")
    (blocked,) = report.findings
    assert (blocked.rule_id, blocked.resource, blocked.line) == ("expected_path_blocked", "aws_route_table.app", 61)
    assert "no route back to 192.168.0.0/16 through aws_vpc_peering_connection.hub_app" in blocked.message


def test_landing_in_the_target_vpc_leaves_through_the_vpn_gateway(tmp_path: Path) -> None:
    directory = _scenario(tmp_path, "fixed", CONFIG.format(attached="aws_vpc.hub", source="192.168.10.0/24",
                                                           target="aws_vpc.hub"))
    # a subnet of the hub as target: the hub's own table must send the range to the VPN gateway
    with open(directory / "main.tf", "a") as handle:
        handle.write('\nresource "aws_subnet" "hub" {\n  vpc_id     = aws_vpc.hub.id\n'
                     '  cidr_block = "10.0.1.0/24"\n}\n')
    (directory / ".vpclint.yaml").write_text(CONFIG.format(attached="aws_vpc.hub", source="192.168.10.0/24",
                                                           target="aws_subnet.hub"))
    report = run(directory, config=directory / ".vpclint.yaml")
    assert report.errors == [] and report.findings == []
    assert ("return route", "pass", "aws_route_table.hub") in _hops(report)
    text = (directory / "main.tf").read_text().replace(
        '  route {\n    cidr_block = "192.168.0.0/16"\n    gateway_id = aws_vpn_gateway.office.id\n  }\n', "")
    (directory / "main.tf").write_text(text)
    report = run(directory, config=directory / ".vpclint.yaml")
    (blocked,) = report.findings
    assert (blocked.rule_id, blocked.resource, blocked.line) == ("expected_path_blocked", "aws_route_table.hub", 26)
    assert blocked.message.endswith("aws_route_table.hub has no route for 192.168.10.0/24 (onprem, attached to "
                                    "aws_vpc.hub)")


def _check(directory: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["check", "--format", "json", "--no-cache", str(directory),
                                      "--config", str(directory / ".vpclint.yaml")])
    return result.exit_code, json.loads(result.output)


def test_an_attached_to_no_input_holds_is_an_error_at_its_line(tmp_path: Path) -> None:
    directory = _scenario(tmp_path, "fixed", CONFIG.format(attached="aws_vpc.nowhere", source="192.168.10.0/24",
                                                           target="aws_instance.app"))
    code, doc = _check(directory)
    assert code == 2
    assert [(e["line"], e["message"]) for e in doc["errors"]] == [
        (4, "networks.onprem.attached_to: no input holds aws_vpc.nowhere (the address of a VPC or VNet)")]


def test_a_cidr_that_is_none_is_an_error_at_its_line(tmp_path: Path) -> None:
    config = CONFIG.format(attached="aws_vpc.hub", source="192.168.10.0/24", target="aws_instance.app")
    directory = _scenario(tmp_path, "fixed", config.replace("[192.168.0.0/16]", "\n      - 192.168.0.0/16\n"
                                                            "      - 192.168.300.0/24"))
    code, doc = _check(directory)
    assert code == 2
    assert [(e["line"], e["message"]) for e in doc["errors"]] == [
        (5, "networks.onprem.cidrs[1]: 192.168.300.0/24 is not a CIDR")]


def test_a_network_without_attached_to_is_refused_by_the_schema(tmp_path: Path) -> None:
    directory = _scenario(tmp_path, "fixed", "networks:\n  onprem:\n    cidrs: [192.168.0.0/16]\n")
    result = CliRunner().invoke(cli, ["check", "--no-cache", str(directory), "--config",
                                      str(directory / ".vpclint.yaml")])
    assert result.exit_code == 2
    assert result.output.endswith(".vpclint.yaml:2: networks.onprem: missing required key 'attached_to'\n")
