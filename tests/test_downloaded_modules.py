"""Findings inside downloaded modules are shown where the user fixes them (issue 15, point 4).

fixtures/hcl_downloaded_module: a root module calls a registry module that
`terraform init` put under .terraform/modules (and that calls a module of its
own), and a local module. Findings about the downloaded module's resources
point at the caller's argument that feeds them (or the ``module`` block), the
position inside the module kept in JSON ``related_locations`` and SARIF
``relatedLocations``; the local module's finding keeps its own position.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, annotations, found, run
from vpclint.baseline import fingerprint
from vpclint.cli import cli
from vpclint.downloaded import _Feeds, downloaded_test
from vpclint.resources import Resource, Span

FIXTURE = FIXTURES / "hcl_downloaded_module"
BROKEN, FIXED = FIXTURE / "broken", FIXTURE / "fixed"
NETWORK = ".terraform/modules/network"
# the local module's finding, at its own block (local modules keep their positions)
EDGE = ("subnet_outside_vpc", "module.edge.aws_subnet.edge", str((BROKEN / "modules/edge/main.tf").resolve()), 9)


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))


def check(*args):
    return CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)


def test_broken_findings_are_shown_at_the_callers_arguments() -> None:
    report = run(BROKEN)
    assert report.errors == []
    expected = {(r, a, str(Path(f).resolve()), line) for r, a, f, line in annotations(BROKEN)}
    assert expected == {
        ("docker_bridge_overlap", "module.network.aws_vpc.this", str(BROKEN.resolve() / "main.tf"), 6),
        ("subnet_outside_vpc", "module.network.aws_subnet.private[1]", str(BROKEN.resolve() / "main.tf"), 13),
        ("subnet_outside_vpc", "module.network.module.endpoints.aws_subnet.endpoints",
         str(BROKEN.resolve() / "main.tf"), 15)}
    assert found(report) == expected | {EDGE}
    inside = {f.resource: (str(Path(f.defined_at[0]).resolve()), f.defined_at[1])
              for f in report.findings if f.defined_at}
    assert inside == {
        "module.network.aws_vpc.this": (str((BROKEN / NETWORK / "main.tf").resolve()), 7),
        "module.network.aws_subnet.private[1]": (str((BROKEN / NETWORK / "main.tf").resolve()), 19),
        "module.network.module.endpoints.aws_subnet.endpoints":
            (str((BROKEN / NETWORK / "modules/endpoints/main.tf").resolve()), 9)}


def test_fixed_is_clean() -> None:
    report = run(FIXED)
    assert report.errors == [] and report.findings == []


def test_text_shows_the_argument_line_and_the_place_in_the_module(monkeypatch) -> None:
    monkeypatch.chdir(BROKEN)
    text = check(".").output
    assert ("Error: subnet module.network.aws_subnet.private[1] (10.20.2.0/24) is not inside any CIDR of "
            "module.network.aws_vpc.this (10.10.0.0/16, 172.17.0.0/16) (subnet_outside_vpc)\n\n"
            "  on main.tf line 13:\n"
            '   13:   private_subnets = ["10.10.1.0/24", "10.20.2.0/24"]\n'
            "  defined in a downloaded module: .terraform/modules/network/main.tf line 19\n") in text
    assert "  on modules/edge/main.tf line 9:\n" in text  # the local module's own position
    assert "defined in a downloaded module: modules/" not in text


def test_json_keeps_related_addresses_and_adds_related_locations(monkeypatch) -> None:
    monkeypatch.chdir(BROKEN)
    findings = json.loads(check(".", "--format", "json").output)["findings"]
    by_resource = {f["resource"]: f for f in findings}
    private = by_resource["module.network.aws_subnet.private[1]"]
    assert (private["rule_id"], private["file"], private["line"], private["related"]) == (
        "subnet_outside_vpc", "main.tf", 13, [])
    assert private["related_locations"] == [{
        "file": ".terraform/modules/network/main.tf", "line": 19,
        "resource": "module.network.aws_subnet.private[1]", "message": "defined here, in a downloaded module"}]
    nested = by_resource["module.network.module.endpoints.aws_subnet.endpoints"]
    assert (nested["file"], nested["line"]) == ("main.tf", 15)
    assert nested["related_locations"][0]["file"] == ".terraform/modules/network/modules/endpoints/main.tf"
    assert nested["related_locations"][0]["line"] == 9
    docker = by_resource["module.network.aws_vpc.this"]  # the module's default, not an argument: the block
    assert (docker["rule_id"], docker["file"], docker["line"]) == ("docker_bridge_overlap", "main.tf", 6)
    edge = by_resource["module.edge.aws_subnet.edge"]
    assert (edge["file"], edge["line"]) == ("modules/edge/main.tf", 9) and "related_locations" not in edge


def test_sarif_points_at_the_argument_with_the_module_position_related(monkeypatch) -> None:
    monkeypatch.chdir(BROKEN)
    results = json.loads(check(".", "--format", "sarif").output)["runs"][0]["results"]
    (result,) = [r for r in results
                 if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                 == "module.network.module.endpoints.aws_subnet.endpoints"]
    assert result["ruleId"] == "subnet_outside_vpc"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 15}}
    related = [(r["physicalLocation"]["artifactLocation"]["uri"], r["physicalLocation"]["region"]["startLine"],
                r["message"]["text"]) for r in result["relatedLocations"]]
    assert related == [
        ("main.tf", 6, "module.network is called here"),
        (".terraform/modules/network/main.tf", 30, "module.network.module.endpoints is called here"),
        (".terraform/modules/network/modules/endpoints/main.tf", 9,
         "module.network.module.endpoints.aws_subnet.endpoints is defined here, in a downloaded module")]


def test_recursive_skips_dot_terraform_but_reads_the_downloaded_module(monkeypatch) -> None:
    monkeypatch.chdir(FIXTURE)
    data = json.loads(check(".", "--recursive", "--format", "json").output)
    shown = sorted((f["file"], f["line"], f["resource"]) for f in data["findings"])
    assert shown == [
        ("broken/main.tf", 6, "module.network.aws_vpc.this"),
        ("broken/main.tf", 13, "module.network.aws_subnet.private[1]"),
        ("broken/main.tf", 15, "module.network.module.endpoints.aws_subnet.endpoints"),
        ("broken/modules/edge/main.tf", 9, "module.edge.aws_subnet.edge")]
    assert data["errors"] == []


@pytest.fixture
def copy(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "root"
    shutil.copytree(BROKEN, root)
    monkeypatch.chdir(root)
    return root


def test_an_inline_ignore_at_the_argument_suppresses_it(copy: Path) -> None:
    """A comment inside a module block applies to the whole call (suppress.py), the argument's line included."""
    main = copy / "main.tf"
    main.write_text(main.read_text().replace(
        '  endpoint_cidr = "10.30.0.0/28"',
        '  # vpclint-ignore: subnet_outside_vpc the endpoint range is moved in the next release\n'
        '  endpoint_cidr = "10.30.0.0/28"'))
    data = json.loads(check(".", "--format", "json").output)
    assert sorted((f["rule_id"], f["resource"], f["line"]) for f in data["findings"]) == [
        ("docker_bridge_overlap", "module.network.aws_vpc.this", 6),
        ("subnet_outside_vpc", "module.edge.aws_subnet.edge", 9)]


def test_an_ignore_file_in_the_users_file_reaches_the_downloaded_module(copy: Path) -> None:
    main = copy / "main.tf"
    main.write_text("# vpclint-ignore-file: docker_bridge_overlap the module's default is overridden soon\n"
                    + main.read_text())
    data = json.loads(check(".", "--format", "json").output)
    assert "docker_bridge_overlap" not in {f["rule_id"] for f in data["findings"]}
    assert "unused_ignore" not in {f["rule_id"] for f in data["findings"]}


def test_a_baseline_keeps_matching(copy: Path) -> None:
    first = check(".", "--write-baseline", "baseline.json")
    assert first.exit_code == 0
    again = json.loads(check(".", "--baseline", "baseline.json", "--format", "json").output)
    assert again["findings"] == [] and again["baseline"] == {"suppressed": 4, "stale": 0}
    # a baseline written when these findings pointed into .terraform/ matches too: no position in the fingerprint
    for finding in run(copy).findings:
        if finding.defined_at:
            moved = replace(finding, file=finding.defined_at[0], line=finding.defined_at[1], defined_at=None)
            assert fingerprint(moved) == fingerprint(finding)


def test_a_downloaded_module_linted_by_itself_keeps_its_positions() -> None:
    report = run(BROKEN / NETWORK / "modules" / "endpoints")
    assert report.findings == []  # its variables are unset: nothing known, nothing moved
    assert downloaded_test(str(BROKEN))(str(BROKEN / NETWORK / "main.tf"))
    assert not downloaded_test(str(BROKEN))(str(BROKEN / "modules/edge/main.tf"))


def test_tf_data_dir_marks_downloaded_modules(tmp_path: Path) -> None:
    assert downloaded_test(str(tmp_path), "tfdata")(str(tmp_path / "tfdata" / "modules" / "vpc" / "main.tf"))
    assert not downloaded_test(str(tmp_path), "tfdata")(str(tmp_path / "modules" / "vpc" / "main.tf"))


# -- which argument feeds an attribute -------------------------------------------------


def _position(tmp_path: Path, module: str, caller_args: str, attributes: tuple[str, ...],
              address: str = "module.m.aws_subnet.s") -> tuple[str, int] | None:
    """Where a finding on the module's first block is shown, given the caller's arguments."""
    inner = tmp_path / ".terraform" / "modules" / "m"
    inner.mkdir(parents=True)
    (inner / "main.tf").write_text(module)
    (tmp_path / "main.tf").write_text(f'module "m" {{\n  source = "org/m/aws"\n{caller_args}}}\n')
    resource = Resource(address, "aws_subnet", "s", {}, file=str(inner / "main.tf"), line=1,
                        call_sites=(Span(str(tmp_path / "main.tf"), 1, 3 + caller_args.count("\n")),))
    found = _Feeds(downloaded_test(str(tmp_path)), None).position(resource, attributes)
    return (Path(found[0]).name, found[1]) if found else None


def test_a_value_through_locals_each_and_a_dynamic_block_is_followed(tmp_path: Path) -> None:
    module = ('resource "aws_subnet" "s" {\n  for_each = local.subnets\n  cidr_block = each.value\n'
              '  dynamic "route" {\n    for_each = var.routes\n    iterator = r\n'
              '    content {\n      destination = r.value\n    }\n  }\n}\n'
              'locals {\n  subnets = { for k, v in var.ranges : k => v }\n}\n')
    args = '  ranges = {a = "10.0.0.0/24"}\n  routes = ["10.9.0.0/16"]\n'
    assert _position(tmp_path, module, args, ("cidr_block",)) == ("main.tf", 3)
    assert _position(tmp_path / "b", module, args, ("route.destination",)) == ("main.tf", 4)


def test_a_condition_chooses_and_a_default_or_two_arguments_give_the_block(tmp_path: Path) -> None:
    module = 'resource "aws_subnet" "s" {\n  cidr_block = var.off ? null : cidrsubnet(var.base, 8, var.netnum)\n}\n'
    assert _position(tmp_path / "a", module, '  off  = false\n  base = "10.0.0.0/16"\n',
                     ("cidr_block",)) == ("main.tf", 4)  # the condition's var.off set too: not the value
    assert _position(tmp_path / "b", module, '  base = "10.0.0.0/16"\n  netnum = 3\n',
                     ("cidr_block",)) == ("main.tf", 1)  # two arguments feed it: the block
    assert _position(tmp_path / "c", module, '  name = "x"\n', ("cidr_block",)) == ("main.tf", 1)  # defaults
    assert _position(tmp_path / "d", module, '  base = "10.0.0.0/16"\n', ()) == ("main.tf", 1)  # no attribute


def test_a_plan_made_from_the_configuration_points_at_the_argument_too(copy: Path) -> None:
    def change(address: str, rtype: str, after: dict, module: str) -> dict:
        return {"address": address, "module_address": module, "mode": "managed", "type": rtype,
                "name": address.rsplit(".", 1)[1], "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {}}}

    plan = {"format_version": "1.2", "resource_changes": [
        change("module.network.aws_vpc.this", "aws_vpc", {"id": "vpc-1", "cidr_block": "10.10.0.0/16"},
               "module.network"),
        change("module.network.module.endpoints.aws_subnet.endpoints", "aws_subnet",
               {"vpc_id": "vpc-1", "cidr_block": "10.30.0.0/28", "availability_zone": "eu-west-1a"},
               "module.network.module.endpoints")],
        "configuration": {"root_module": {"module_calls": {"network": {
            "source": "example-org/network/aws", "module": {"module_calls": {"endpoints": {
                "source": "./modules/endpoints", "module": {}}}}}}}}}
    (copy / "plan.json").write_text(json.dumps(plan))
    report = run(copy / "plan.json")
    assert report.errors == []
    assert [(f.rule_id, f.resource, Path(f.file).name, f.line, f.defined_at[1]) for f in report.findings] == [
        ("subnet_outside_vpc", "module.network.module.endpoints.aws_subnet.endpoints", "main.tf", 15, 9)]
