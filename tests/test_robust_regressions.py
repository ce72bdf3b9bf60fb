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
])
def test_a_pathological_rule_file_is_an_error_naming_it(in_tmp, text, message) -> None:
    rule = write(in_tmp / "rules", "bad.yaml", text)
    status, report = check("--rules", "rules", str(WITNESS))
    assert status == 2 and rules_of(report)  # the witness is still linted with the built-in rules
    [error] = report["errors"]
    assert error["file"] == str(rule.relative_to(in_tmp)) and message in error["message"]


def test_deeply_nested_tfvars_json_is_an_error_naming_it(in_tmp) -> None:
    """The RecursionError cost the whole module ("nested too deeply to evaluate", no file)."""
    write(in_tmp / "m", "main.tf", 'variable "x" {\n  default = 1\n}\n')
    write(in_tmp / "m", "terraform.tfvars.json", '{"x": ' + "[" * 50_000 + "]" * 50_000 + "}")
    status, report = check("m")
    assert status == 2
    assert [(e["file"], e["message"]) for e in report["errors"]] == [
        ("m/terraform.tfvars.json", "invalid JSON: nested too deeply")]
