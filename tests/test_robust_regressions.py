"""Regression tests for what fuzzing found (tests/test_robust_fuzz.py).

Each input here once ended the whole run with an internal error (or, for
the empty plan, passed silently); now each is a finding, an unknown or an
error naming the file, and every other input is still linted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import vpclint.lint
from vpclint.cli import cli
from vpclint.providers.common import from_to
from vpclint.values import Unknown

REPO = Path(__file__).resolve().parents[1]
WITNESS = REPO / "fixtures" / "subnet_cidr_overlap" / "fail"


def check(*args: str):
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "internal error" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


def write(directory: Path, name: str, text: str | bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rules_of(report) -> list[tuple[str, str]]:
    return sorted((f["rule_id"], f["resource"]) for f in report["findings"])


# -- provider adapters: a value of the wrong type ------------------------------------------


def test_a_range_of_the_wrong_type_is_a_malformed_range(in_tmp) -> None:
    """Builder.cidrs iterated over a bool/number (TypeError: 'bool' object is not iterable)."""
    write(in_tmp / "m", "main.tf", """
resource "huaweicloud_vpc" "v" {
  name = "v"
  cidr = "192.168.0.0/16"
}
resource "huaweicloud_vpc_subnet" "s" {
  vpc_id     = huaweicloud_vpc.v.id
  cidr       = "192.168.1.0/24"
  gateway_ip = "192.168.1.1"
}
resource "huaweicloud_cce_cluster" "c" {
  vpc_id                 = huaweicloud_vpc.v.id
  subnet_id              = huaweicloud_vpc_subnet.s.id
  container_network_type = "vpc-router"
  container_network_cidr = true
  service_network_cidr   = 7
}
""")
    status, report = check("m")
    assert status == 1 and not report["errors"]
    assert rules_of(report) == [("cidr_invalid", "huaweicloud_cce_cluster.c")] * 2


def test_a_list_of_links_of_the_wrong_type_links_nothing(in_tmp) -> None:
    """Builder.resolve_all iterated over a number (TypeError: 'int' object is not iterable)."""
    write(in_tmp / "m", "main.tf", """
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_eks_cluster" "e" {
  name = "e"
  vpc_config {
    subnet_ids         = 5
    security_group_ids = 1.5
  }
}
""")
    status, report = check("m")
    assert status == 0 and report["findings"] == [] and report["errors"] == []


@pytest.mark.parametrize("low, high", [(1e999, 80), (80, -1e999), (float("nan"), 80), (0.5, 80), ([1], 2)])
def test_ports_that_are_no_whole_number_are_unknown(low, high) -> None:
    """from_to called int(inf) (OverflowError: cannot convert float infinity to integer)."""
    assert isinstance(from_to(low, high), Unknown)


def test_whole_float_ports_still_count() -> None:
    assert [(p.low, p.high) for p in from_to(80.0, 90)] == [(80, 90)]


def test_a_security_group_with_infinite_ports_is_linted(in_tmp) -> None:
    write(in_tmp / "m", "main.tf", """
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_security_group" "sg" {
  vpc_id = aws_vpc.v.id
  ingress {
    from_port   = 1e999
    to_port     = -1e999
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }
}
""")
    status, report = check("m", str(WITNESS))
    assert status == 1 and {f["rule_id"] for f in report["findings"]} == {"subnet_cidr_overlap"}


def test_a_gcp_peering_name_of_the_wrong_type(in_tmp) -> None:
    """google._peerings looked a list up in a dict (TypeError: unhashable type: 'list')."""
    write(in_tmp / "m", "main.tf", """
resource "google_compute_network" "a" {
  name                    = "a"
  auto_create_subnetworks = false
}
resource "google_compute_network" "b" {
  name                    = "b"
  auto_create_subnetworks = false
}
resource "google_compute_network_peering" "ab" {
  name         = ["ab"]
  network      = google_compute_network.a.self_link
  peer_network = google_compute_network.b.self_link
}
""")
    status, report = check("m")
    assert status == 1 and rules_of(report) == [("peering_incomplete", "google_compute_network_peering.ab")]


# -- Kubernetes manifests: a value of the wrong type ---------------------------------------

POLICIES = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: a
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [[Egress], {x: 1}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: b
  namespace: shop
spec:
  selector: all()
  types: [[Egress]]
  egress:
    - action: Allow
      protocol: [TCP]
      destination:
        ports: [53.5]
---
apiVersion: v1
kind: [NetworkPolicy]
metadata:
  name: c
"""


def test_policy_fields_of_the_wrong_type_are_invalid_not_a_crash(in_tmp) -> None:
    """validate.py added lists to a set, parse.py matched a regex against a float,
    manifests.py looked a list kind up in a set (TypeError each time)."""
    write(in_tmp, "policies.yaml", POLICIES)
    status, report = check("policies.yaml", str(WITNESS))
    assert status == 1 and not report["errors"]
    invalid = [f for f in report["findings"] if f["rule_id"] == "network_policy_invalid"]
    assert {f["line"] for f in invalid} >= {8, 17, 22}
    assert any("subnet_cidr_overlap" == f["rule_id"] for f in report["findings"])


@pytest.mark.parametrize("text, line", [
    ("apiVersion: v1\nkind: NetworkPolicy\nmetadata:\n  name: [x", 4),
    ("apiVersion: v1\nkind: NetworkPolicy\nmetadata:\n  name: [x\n", 5),
    ("apiVersion: v1\rkind: NetworkPolicy\rmetadata:\r  name: [x", 4),
    ("apiVersion: v1 # \u2028 \x85\nkind: NetworkPolicy\nmetadata:\n  name: [x", 4),  # YAML breaks lines there too
])
def test_a_yaml_error_at_the_end_names_a_line_of_the_file(in_tmp, text, line) -> None:
    """PyYAML's mark at the end of input sat one line past the last one."""
    write(in_tmp, "policy.yaml", text)
    status, report = check("policy.yaml")
    assert status == 2 and [e["line"] for e in report["errors"]] == [line]


# -- plan files told apart by content -------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\xef\xbb\xbf\n", "empty file"),
    (b"[1, 2]", "not a Terraform plan"),
    (b"null", "not a Terraform plan"),
])
def test_a_json_file_that_holds_no_plan_is_an_error(in_tmp, content, message) -> None:
    """An empty plan.json was read as an empty HCL file: "No issues found", exit 0."""
    write(in_tmp, "plan.json", content)
    status, report = check("plan.json", str(WITNESS))
    assert status == 2
    assert [(e["file"], e["message"][:len(message)]) for e in report["errors"]] == [("plan.json", message)]
    assert rules_of(report)  # the witness is still linted


# -- the last line of defence --------------------------------------------------------------


def test_an_internal_error_costs_one_input_not_the_run(in_tmp, monkeypatch) -> None:
    """A bug in a provider adapter used to end the run with "internal error":
    now it is an error naming the input, and the other inputs are linted."""
    real = vpclint.lint.build_model
    write(in_tmp / "bad", "main.tf", 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n')

    def flaky(resources, *args, **kwargs):
        if any(r.file and "bad" in r.file for r in resources):
            raise ZeroDivisionError("boom")
        return real(resources, *args, **kwargs)

    monkeypatch.setattr(vpclint.lint, "build_model", flaky)
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", "bad", str(WITNESS)])
    report = json.loads(result.stdout)
    assert result.exit_code == 2
    [error] = report["errors"]
    assert error["file"] == "bad" and "ZeroDivisionError: boom" in error["message"]
    assert rules_of(report) == rules_of(check(str(WITNESS))[1])


# -- config, rule, baseline and variable files: nesting and alias bombs -------------------

DEEP_YAML = "rules: " + "[" * 50_000 + "]" * 50_000 + "\n"


def _bomb(key: str) -> str:
    """A "billion laughs" YAML value: each level repeats the one before ten times."""
    lines = [f"{key}:", "  l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("option, name, text, message", [
    ("--config", "deep.yaml", DEEP_YAML, "nested too deeply"),
    ("--config", "bomb.yaml", _bomb("rules"), "aliases are expanded"),
    ("--baseline", "base.json", '{"version": 1, "findings": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested too deeply"),
])
def test_a_pathological_config_or_baseline_is_an_error_naming_it(in_tmp, option, name, text, message) -> None:
    """RecursionError ended the run with an internal error; the alias bomb ran for minutes."""
    write(in_tmp, name, text)
    result = CliRunner().invoke(cli, ["check", "--no-cache", option, name, str(WITNESS)])
    assert result.exit_code == 2 and "internal error" not in result.output
    assert f"Error: {name}" in result.output and message in result.output


@pytest.mark.parametrize("text, message", [
    ("id: deep\n" + DEEP_YAML, "nested too deeply"),
    ("id: bomb\nseverity: error\n" + _bomb("docs"), "aliases are expanded"),
    (b"id: bad\nsummary: \xff\n", "not valid UTF-8"),
    ("id: bad # \u2028\nsummary: [x\n", "invalid YAML"),
])
def test_a_pathological_rule_file_is_an_error_naming_it(in_tmp, text, message) -> None:
    rule = write(in_tmp / "rules", "bad.yaml", text)
    status, report = check("--rules", "rules", str(WITNESS))
    assert status == 2 and rules_of(report)  # the witness is still linted with the built-in rules
    [error] = report["errors"]
    assert error["file"] == str(rule.relative_to(in_tmp)) and message in error["message"]
    assert error["line"] is None or error["line"] <= len(rule.read_bytes().splitlines()) + 1


def test_deeply_nested_tfvars_json_is_an_error_naming_it(in_tmp) -> None:
    """The RecursionError cost the whole module ("nested too deeply to evaluate", no file)."""
    write(in_tmp / "m", "main.tf", 'variable "x" {\n  default = 1\n}\n')
    write(in_tmp / "m", "terraform.tfvars.json", '{"x": ' + "[" * 50_000 + "]" * 50_000 + "}")
    status, report = check("m")
    assert status == 2
    assert [(e["file"], e["message"]) for e in report["errors"]] == [
        ("m/terraform.tfvars.json", "invalid JSON: nested too deeply")]


# -- unknowns only ever remove findings (tests/test_robust_unknowns.py found these) ---------

UNSET = 'variable "u" {}\n'


def lint_text(root: Path, text: str, *extra: str) -> tuple[int, list[tuple[str, str]]]:
    write(root, "main.tf", UNSET + text)
    status, report = check(str(root), *extra)
    return status, rules_of(report)


HUAWEI_DB = """
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
  vpc_id                 = huaweicloud_vpc.demo.id
  subnet_id              = huaweicloud_vpc_subnet.nodes.id
  container_network_type = "overlay_l2"
  container_network_cidr = "172.16.0.0/16"
}
resource "huaweicloud_networking_secgroup" "db" {
  name                 = "db"
  delete_default_rules = true
}
resource "huaweicloud_networking_secgroup_rule" "from_vpc" {
  security_group_id = huaweicloud_networking_secgroup.db.id
  direction         = "ingress"
  protocol          = "tcp"
  ports             = "3306"
  remote_ip_prefix  = huaweicloud_vpc.demo.cidr
  action            = "allow"
  priority          = 50
}
resource "huaweicloud_networking_secgroup_rule" "no_nodes" {
  security_group_id = huaweicloud_networking_secgroup.db.id
  direction         = "ingress"
  protocol          = "tcp"
  ports             = "3306"
  remote_ip_prefix  = huaweicloud_vpc_subnet.nodes.cidr
  action            = "deny"
  priority          = 2
}
resource "huaweicloud_networking_secgroup_rule" "nodes_first" {
  security_group_id = huaweicloud_networking_secgroup.db.id
  direction         = DIRECTION
  protocol          = "tcp"
  ports             = "3306"
  remote_ip_prefix  = huaweicloud_vpc_subnet.nodes.cidr
  action            = ACTION
  priority          = 1
}
"""


@pytest.mark.parametrize("direction, action, found", [
    ('"ingress"', '"allow"', []),
    ('"egress"', '"allow"', [("pod_ingress_missing", "huaweicloud_networking_secgroup.db")]),
    ("var.u", '"allow"', []),  # was dropped as neither ingress nor egress: the deny below it decided
    ('"ingress"', "var.u", []),  # was TypeError: the truth of an unknown value is unknown
])
def test_a_rule_of_unknown_direction_or_action_decides_nothing(in_tmp, direction, action, found) -> None:
    status, findings = lint_text(in_tmp / "m", HUAWEI_DB.replace("DIRECTION", direction).replace("ACTION", action))
    assert findings == found


AWS_PEERS = """
resource "aws_vpc" "a" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc" "b" {
  cidr_block = "10.2.0.0/16"
}
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
  REGION
}
"""
ROUTES = """
resource "aws_route_table" "a" {
  vpc_id = VPC
  ROUTES_A
}
resource "aws_route_table" "b" {
  vpc_id = aws_vpc.b.id
  route {
    cidr_block                = "10.1.0.0/16"
    vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
  }
}
"""
ROUTE_A = """route {
    cidr_block                = "10.2.0.0/16"
    vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
  }"""


@pytest.mark.parametrize("region, found", [
    ("", [("peering_route_missing", "aws_vpc_peering_connection.ab")] * 2),
    ('peer_region = "us-west-2"', [("peering_incomplete", "aws_vpc_peering_connection.ab")]),
    ("peer_region = var.u", []),  # was taken for the same region: active, and its routes missing
    ("peer_owner_id = var.u", []),
])
def test_a_peering_that_may_cross_regions_is_not_assumed_active(in_tmp, region, found) -> None:
    assert lint_text(in_tmp / "m", AWS_PEERS.replace("REGION", region))[1] == found


@pytest.mark.parametrize("vpc, routes, found", [
    ("aws_vpc.a.id", ROUTE_A, []),
    ("aws_vpc.a.id", "route = []", [("peering_route_missing", "aws_vpc_peering_connection.ab")]),
    ("var.u", ROUTE_A, []),  # a table that cannot be placed: AWS routing is known only in part
    ("aws_vpc.a.id", "route = [var.u]", []),  # an unknown route in the list was dropped
])
def test_routes_that_cannot_be_placed_decide_nothing(in_tmp, vpc, routes, found) -> None:
    text = AWS_PEERS.replace("REGION", "") + ROUTES.replace("VPC", vpc).replace("ROUTES_A", routes)
    assert lint_text(in_tmp / "m", text)[1] == found


@pytest.mark.parametrize("vpc, found", [
    ("aws_vpc.a.id", []),
    ("aws_vpc.other.id", [("subnet_outside_vpc", "aws_subnet.s")]),
    ("var.u", []),  # the range may be VPC a's: the subnet is not known to be outside
])
def test_a_cidr_association_with_an_unknown_vpc_may_hold_any_subnet(in_tmp, vpc, found) -> None:
    text = f"""
resource "aws_vpc" "a" {{
  cidr_block = "10.1.0.0/16"
}}
resource "aws_vpc" "other" {{
  cidr_block = "10.9.0.0/16"
}}
resource "aws_vpc_ipv4_cidr_block_association" "x" {{
  vpc_id     = {vpc}
  cidr_block = "192.168.0.0/16"
}}
resource "aws_subnet" "s" {{
  vpc_id     = aws_vpc.a.id
  cidr_block = "192.168.1.0/24"
}}
"""
    assert lint_text(in_tmp / "m", text)[1] == found


AZURE_PEERS = """
resource "azurerm_virtual_network" "apps" {
  name                = NAME
  resource_group_name = "rg"
  location            = "westeurope"
  address_space       = ["10.1.0.0/16"]
}
resource "azurerm_virtual_network" "data" {
  name                = "data"
  resource_group_name = "rg"
  location            = "westeurope"
  address_space       = ["10.2.0.0/16"]
}
resource "azurerm_virtual_network_peering" "apps_to_data" {
  name                      = "apps-to-data"
  resource_group_name       = "rg"
  virtual_network_name      = "apps"
  remote_virtual_network_id = azurerm_virtual_network.data.id
}
resource "azurerm_virtual_network_peering" "data_to_apps" {
  name                      = "data-to-apps"
  resource_group_name       = "rg"
  virtual_network_name      = "data"
  remote_virtual_network_id = azurerm_virtual_network.apps.id
}
"""
GCP_PEERS = """
resource "google_compute_network" "a" {
  name                    = "a"
  auto_create_subnetworks = false
}
resource "google_compute_network" "b" {
  name                    = "b"
  auto_create_subnetworks = false
}
resource "google_compute_network_peering" "ab" {
  name         = "ab"
  network      = google_compute_network.a.self_link
  peer_network = google_compute_network.b.self_link
}
resource "google_compute_network_peering" "ba" {
  name         = "ba"
  network      = NETWORK
  peer_network = google_compute_network.a.self_link
}
"""


@pytest.mark.parametrize("text, found", [
    (AZURE_PEERS.replace("NAME", '"apps"'), []),
    (AZURE_PEERS.replace("NAME", '"other"'), [("peering_incomplete", "azurerm_virtual_network_peering.data_to_apps")]),
    (AZURE_PEERS.replace("NAME", "var.u"), []),  # the named VNet may be apps: the reverse may exist
    (GCP_PEERS.replace("NETWORK", "google_compute_network.b.self_link"), []),
    (GCP_PEERS.replace("NETWORK", "google_compute_network.a.self_link"),  # ba peers a with itself
     [("peering_incomplete", "google_compute_network_peering.ab"), ("peering_incomplete", "google_compute_network_peering.ba")]),
    (GCP_PEERS.replace("NETWORK", "var.u"), []),  # ba may be ab's reverse
])
def test_a_peering_whose_reverse_may_exist_is_not_incomplete(in_tmp, text, found) -> None:
    assert [f for f in lint_text(in_tmp / "m", text)[1] if f[0] == "peering_incomplete"] == found


def test_unknown_direction_of_gcp_firewalls_and_aws_acl_rules_decides_nothing() -> None:
    from vpclint.model.build import build_model
    from vpclint.resources import Resource
    from vpclint.values import Ref

    resources = [
        Resource("google_compute_network.n", "google_compute_network", "n", {"name": "n"}),
        Resource("google_compute_firewall.f", "google_compute_firewall", "f", {
            "name": "f", "network": Ref(address="google_compute_network.n", attr="self_link"),
            "direction": Unknown(), "allow": [{"protocol": "tcp", "ports": ["5432"]}],
            "source_ranges": ["10.0.0.0/8"]}),
        Resource("aws_vpc.v", "aws_vpc", "v", {"cidr_block": "10.0.0.0/16"}),
        Resource("aws_network_acl.a", "aws_network_acl", "a", {"vpc_id": Ref(address="aws_vpc.v")}),
        Resource("aws_network_acl_rule.r", "aws_network_acl_rule", "r", {
            "network_acl_id": Ref(address="aws_network_acl.a"), "egress": Unknown(), "rule_number": 100,
            "rule_action": "allow", "protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_block": "0.0.0.0/0"}),
    ]
    model, _ = build_model(resources)
    firewall = [r for g in model.security_groups for r in g.rules if r.address == "google_compute_firewall.f"]
    acl = [r for a in model.network_acls for r in a.rules if r.address == "aws_network_acl_rule.r"]
    assert firewall and acl and all(isinstance(r.action, Unknown) for r in firewall + acl)


def test_unknown_ports_and_actions_of_huawei_services_and_acls(in_tmp) -> None:
    """`port or 6379` and `action or "deny"` asked an unknown for its truth (TypeError)."""
    text = """
resource "huaweicloud_vpc" "v" {
  name = "v"
  cidr = "192.168.0.0/16"
}
resource "huaweicloud_vpc_subnet" "s" {
  name       = "s"
  vpc_id     = huaweicloud_vpc.v.id
  cidr       = "192.168.1.0/24"
  gateway_ip = "192.168.1.1"
}
resource "huaweicloud_dcs_instance" "cache" {
  name      = "cache"
  vpc_id    = huaweicloud_vpc.v.id
  subnet_id = huaweicloud_vpc_subnet.s.id
  port      = var.u
}
resource "huaweicloud_vpc_network_acl" "acl" {
  name = "acl"
  ingress_rules {
    action            = var.u
    protocol          = "tcp"
    source_ip_address = "192.168.0.0/16"
  }
}
"""
    status, findings = lint_text(in_tmp / "m", text)
    assert status == 0 and findings == []


def test_a_whitelist_list_holding_an_unknown_group_decides_nothing(in_tmp) -> None:
    """An unknown element of `whitelists` was dropped: the pods looked missing."""
    doc = json.loads((REPO / "fixtures" / "seed000_dcs_whitelist" / "fixed" / "plan.json").read_text())
    doc.pop("planned_values", None)
    [cache] = [c for c in doc["resource_changes"] if c["type"] == "huaweicloud_dcs_instance"]
    change = cache["change"]
    assert [group["group_name"] for group in change["after"]["whitelists"]] == ["vpc", "pods"]
    change["after"]["whitelists"][1] = None  # the group admitting the pods is known after apply
    change["after_unknown"]["whitelists"] = [{"ip_address": [False]}, True]
    write(in_tmp, "plan.json", json.dumps(doc))
    status, report = check("plan.json")
    assert [f for f in report["findings"] if f["rule_id"] == "pod_whitelist_missing"] == []


@pytest.mark.parametrize("pattern, expected", [
    (r"(a+)+$", []), (r"(?:x*)*", [""] * 42), (r"^([a-z0-9-]+\.)*[a-z]+$", []), (r"^(a|aa)+$", []),
    (r"^[a-z0-9-]+$", []), (r"(\d{1,3}\.){3}\d{1,3}", []), (r"(a{2,3}){1,3}", [["aaa"]] * 5),
    (r"[^a-z0-9]", ["!"]),
])
def test_regular_expressions_that_backtrack_exponentially_in_python_are_evaluated_as_re2_does(pattern, expected) -> None:
    """regex("(a+)+$", "aaa…ab") ran for hours in Python's re; RE2 (Terraform's engine, google-re2 here) is linear."""
    from vpclint.load.hcl.evaluate import FUNCTIONS, Scope

    assert FUNCTIONS["regexall"]([pattern, "a" * 40 + "!"], Scope(None)) == expected
