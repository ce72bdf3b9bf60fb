"""Data sources: Terraform reads one during plan when its arguments are
known, during apply when they are not. Without a plan, vpclint says which;
the config's ``data:`` states what a data source returns, so a stack built
from modules is linted without a plan (fixtures/config_data_sources)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, run
from vpclint.cli import cli

SCENARIO = FIXTURES / "config_data_sources"
PLAN_TIME = ("data.aws_availability_zones.available.names is read at plan time: "
             "state it under data: in .vpclint.yaml, or lint a plan")
ZONES = "names: [eu-west-1a, eu-west-1b, eu-west-1c]"


def _found(report) -> list[tuple[str, str, int]]:
    assert report.errors == []
    return sorted((f.rule_id, f.resource, f.line) for f in report.findings)


def test_without_data_the_zones_are_an_unknown_read_at_plan_time() -> None:
    report = run(SCENARIO / "broken")  # no config: the planted overlap is not seen
    assert _found(report) == []
    assert [(u.resource, u.attribute, u.reason) for u in report.unknowns] == [
        ("aws_subnet.private", "count", PLAN_TIME)]


def test_with_data_the_planted_overlap_is_found() -> None:
    report = run(SCENARIO / "broken", config=SCENARIO / "broken" / ".vpclint.yaml")
    assert _found(report) == [("subnet_cidr_overlap", "aws_subnet.shared", 27)]
    assert report.unknowns == []
    assert _found(run(SCENARIO / "fixed", config=SCENARIO / "fixed" / ".vpclint.yaml")) == []


def test_a_data_source_with_unknown_arguments_is_read_during_apply(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
data "aws_subnets" "mine" {
  filter {
    name   = "vpc-id"
    values = [aws_vpc.main.id]
  }
}
resource "aws_subnet" "extra" {
  count      = length(data.aws_subnets.mine.ids)
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.9.0/24"
}
""")
    report = run(tmp_path)
    assert [(u.resource, u.reason) for u in report.unknowns] == [
        ("aws_subnet.extra", "data.aws_subnets.mine.ids is read during apply: its arguments are known only after apply")]


def test_another_stacks_outputs_point_at_with(tmp_path: Path) -> None:
    # terraform_remote_state: the other stack's state holds the values (issue 14's --with), not data:
    (tmp_path / "main.tf").write_text("""
data "terraform_remote_state" "network" {
  backend = "local"
  config = {
    path = "../network/terraform.tfstate"
  }
}
resource "aws_subnet" "pods" {
  for_each   = data.terraform_remote_state.network.outputs.pod_ranges
  vpc_id     = data.terraform_remote_state.network.outputs.vpc_id
  cidr_block = each.value
}
""")
    report = run(tmp_path)
    assert ("data.terraform_remote_state.network.outputs is read at plan time from another stack's state: "
            "give that state with --with (config with:)") in {u.reason for u in report.unknowns}


def test_a_data_source_with_depends_on_may_be_read_during_apply(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("""
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
data "aws_availability_zones" "available" {
  depends_on = [aws_vpc.main]
}
resource "aws_subnet" "a" {
  count      = length(data.aws_availability_zones.available.names)
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.9.0/24"
}
""")
    (reason,) = {u.reason for u in run(tmp_path).unknowns}
    assert reason == "data.aws_availability_zones.available.names is read during apply when what it depends_on changes"


MODULE = """
data "aws_availability_zones" "available" {}

variable "vpc_id" {}

resource "aws_subnet" "private" {
  count      = length(data.aws_availability_zones.available.names)
  vpc_id     = var.vpc_id
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
}
"""

ROOT = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

module "net" {
  source = "./net"
  count  = 1
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "shared" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
"""


@pytest.mark.parametrize("key, found", [
    ("module.net.data.aws_availability_zones.available", True),  # every instance of the module
    ("module.net[0].data.aws_availability_zones.available", True),
    ("module.net[1].data.aws_availability_zones.available", False),
    ("data.aws_availability_zones.available", False),  # the root module's: there is none
])
def test_a_module_data_source_is_stated_by_its_module_address(tmp_path: Path, key: str, found: bool) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(MODULE)
    (tmp_path / "main.tf").write_text(ROOT)
    (tmp_path / "vpclint.yaml").write_text(f"data:\n  {key}:\n    names: [a, b]\n")
    report = run(tmp_path, config=tmp_path / "vpclint.yaml")
    assert [(e.line, e.message) for e in report.errors] == ([] if found else [
        (2, f"data: no input holds the data source {key}")])
    report.errors = []
    expected = [("subnet_cidr_overlap", "module.net[0].aws_subnet.private[1]", 6)] if found else []
    assert _found(report) == expected
    reasons = [u.reason for u in report.unknowns]
    assert reasons == ([] if found else [
        "module.net[0].data.aws_availability_zones.available.names is read at plan time: "
        "state it under data: in .vpclint.yaml, or lint a plan"])


def test_stated_values_are_repository_content_for_redaction(tmp_path: Path) -> None:
    """Like a file() a module reads: a stated string that is not
    address-shaped is marked softly (taint.py), a CIDR stays quotable."""
    (tmp_path / "main.tf").write_text('data "aws_vpc" "shared" {\n  id = "vpc-1"\n}\n'
                                      'resource "aws_subnet" "a" {\n  vpc_id     = data.aws_vpc.shared.owner_id\n'
                                      '  cidr_block = data.aws_vpc.shared.cidr_block\n}\n')
    (tmp_path / "vpclint.yaml").write_text("data:\n  data.aws_vpc.shared:\n"
                                           "    cidr_block: 10.9.0.0/16\n    owner_id: not-for-output-123\n")
    report = run(tmp_path, config=tmp_path / "vpclint.yaml")
    assert report.errors == []
    assert "not-for-output-123" in (report.secrets.values | report.secrets.soft) and "10.9.0.0/16" not in (report.secrets.values | report.secrets.soft)
    (subnet,) = [s for _, model in report.models for s in model.subnets]
    assert str(subnet.cidr) == "10.9.0.0/16"


@pytest.mark.parametrize("content, message", [
    ("data:\n  aws_availability_zones.available:\n    names: [a]\n",
     ".vpclint.yaml:2: data: 'aws_availability_zones.available' is not a data source address "
     "(data.TYPE.NAME, or module.NAME.data.TYPE.NAME inside a module)"),
    ("data:\n  data.aws_availability_zones.available: [a, b]\n",
     ".vpclint.yaml:2: data.data.aws_availability_zones.available: must be object, not a list"),
])
def test_an_invalid_data_entry_exits_2_at_its_line(tmp_path: Path, monkeypatch, content: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    (tmp_path / ".vpclint.yaml").write_text(content)
    result = CliRunner().invoke(cli, ["check", "--no-cache", "."], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output


def test_the_cli_reads_data_from_the_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(SCENARIO / "broken")
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", "."], catch_exceptions=False)
    assert result.exit_code == 1
    found = [(f["rule_id"], f["resource"], f["line"]) for f in json.loads(result.output)["findings"]]
    assert found == [("subnet_cidr_overlap", "aws_subnet.shared", 27)]


def test_a_data_entry_no_input_holds_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "vpclint.yaml").write_text(
        "data:\n  data.aws_availability_zones.available:\n    names: [a, b, c]\n"
        "  data.aws_availability_zone.available:\n    names: [a]\n")
    report = run(SCENARIO / "broken", config=tmp_path / "vpclint.yaml")
    assert [(e.line, e.message) for e in report.errors] == [
        (4, "data: no input holds the data source data.aws_availability_zone.available")]
    assert [(f.rule_id, f.resource) for f in report.findings] == [("subnet_cidr_overlap", "aws_subnet.shared")]
