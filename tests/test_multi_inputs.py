"""One network from several inputs: `vpclint check APP --with NET`.

Seed 000's cross-VPC network split into the network team's stack (net/)
and the application team's (app/), joined three ways: data sources by name,
terraform_remote_state outputs from net's state, ids in app's tfvars against
net's state. The `# expect:` annotations in net/main.tf name the findings
(rule, address, file, line) a joined run must give; fixed/ gives none.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, annotations, found
from vpclint.cli import cli
from vpclint.analysis.paths import trace
from vpclint.config import load_config
from vpclint.lint import Settings, lint
from vpclint.load import LoadOptions
from vpclint.resources import UnknownNote

MULTI = FIXTURES / "multi_seed000"
STYLES = {"by_name": "net", "remote_state": "net/state.json", "tfvars_ids": "net/state.json"}
# how each style is linted: the app stack as written, joined to the network stack
RUNS = {**{style: ("app", net) for style, net in STYLES.items()},
        "by_name as a plan of app with the state of net": ("app/plan.json", "net/state.json")}


def joined(app: Path, *with_paths: Path, config: Path | None = None):
    cfg = load_config(str(config)) if config else load_config(None)
    return lint(Settings(paths=[str(app)], config=cfg, with_paths=[str(p) for p in with_paths],
                         load=LoadOptions(env={})))


@pytest.mark.parametrize("variant", ["broken", "fixed"])
@pytest.mark.parametrize("run", sorted(RUNS))
def test_three_joining_styles_find_the_network_stacks_missing_route(run, variant):
    base = MULTI / run.split()[0] / variant
    app, net = RUNS[run]
    report = joined(base / app, base / net, config=base / "app" / ".vpclint.yaml")
    assert report.errors == [] and report.unknowns == []
    expected = {(r, a, str(Path(f).resolve()), line) for r, a, f, line in annotations(base / "net")}
    assert found(report) == expected
    if variant == "broken":
        assert {(r, a, Path(f).name, line) for r, a, f, line in expected} == {
            ("pod_cidr_route_missing", "huaweicloud_vpc_route_table.demo2", "main.tf", 45),
            ("expected_path_blocked", "huaweicloud_vpc_route_table.demo2", "main.tf", 45)}
    else:
        assert expected == set()


@pytest.mark.parametrize("style", sorted(STYLES))
def test_without_with_the_app_stack_is_silent_but_says_why(style):
    base = MULTI / style / "broken"
    report = joined(base / "app")
    assert report.findings == [] and report.errors == []
    if style == "by_name":
        assert [(u.resource, u.attribute) for u in report.unknowns] == [
            ("data.huaweicloud_vpc.demo", "id"), ("data.huaweicloud_vpc_subnet.nodes", "id")]
        assert report.unknowns[0].reason.startswith("no huaweicloud_vpc of the inputs matches its arguments")
    elif style == "remote_state":
        assert report.unknowns == [
            UnknownNote("data.terraform_remote_state.net", f"outputs.{name}",
                        f"no state given with --with has the output {name}; kept external")
            for name in ("nodes_subnet_id", "vpc_id")]
    else:
        assert report.unknowns == []  # ids of VPCs no input holds: external, as a VPC passed in by id always was


def test_json_and_sarif_name_the_network_stacks_file_relative_to_the_current_directory(monkeypatch):
    monkeypatch.chdir(MULTI / "remote_state" / "broken")
    result = CliRunner().invoke(cli, ["check", "app", "--with", "net/state.json", "--no-cache", "--format", "json"])
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert [(f["rule_id"], f["resource"], f["file"], f["line"], f["related"]) for f in report["findings"]] == [
        ("pod_cidr_route_missing", "huaweicloud_vpc_route_table.demo2", "net/main.tf", 45,
         ["huaweicloud_vpc_peering_connection.peering_demo"])]
    sarif = json.loads(CliRunner().invoke(cli, ["check", "app", "--with", "net/state.json", "--no-cache",
                                                "--format", "sarif"]).output)
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("net/main.tf", 45)


def test_ambiguous_data_source_stays_external_and_is_listed():
    report = joined(MULTI / "ambiguous" / "app", MULTI / "ambiguous" / "net")
    assert report.findings == [] and report.errors == []
    assert report.unknowns == [
        UnknownNote("data.huaweicloud_vpc.demo", "id",
                    "ambiguous: its arguments select huaweicloud_vpc.demo, huaweicloud_vpc.demo_old: the "
                    "huaweicloud_vpc it reads stays external (its routes and rules are not known here; give the "
                    "input that manages it with --with)"),
        UnknownNote("data.huaweicloud_vpc_subnet.nodes", "id",
                    "its argument vpc_id reads data.huaweicloud_vpc.demo, which is not joined: the "
                    "huaweicloud_vpc_subnet it reads stays external (its routes and rules are not known here; give "
                    "the input that manages it with --with)")]


def test_unmatched_data_source_stays_external_and_is_listed():
    report = joined(MULTI / "unmatched" / "app", MULTI / "unmatched" / "net")
    assert report.findings == [] and report.errors == []
    assert [(u.resource, u.reason.split(":")[0]) for u in report.unknowns] == [
        ("data.huaweicloud_vpc.demo", "no huaweicloud_vpc of the inputs matches its arguments"),
        ("data.huaweicloud_vpc_subnet.nodes", "its argument vpc_id reads data.huaweicloud_vpc.demo, which is not "
                                              "joined")]


def test_a_with_path_that_cannot_be_read_is_exit_2_and_the_rest_is_linted(monkeypatch):
    monkeypatch.chdir(MULTI / "by_name" / "broken")
    result = CliRunner().invoke(cli, ["check", "app", "--with", "net", "--with", "missing", "--no-cache",
                                      "--format", "compact"])
    assert result.exit_code == 2
    assert "missing: Error - cannot read: no such file or directory" in result.output
    assert "net/main.tf:45:1: Error - vpc-demo2 has no route for the container CIDR" in result.output


def test_config_with_is_relative_to_the_config_file(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # one repository: a config's with: may not leave it (inputs.py)
    shutil.copytree(MULTI / "tfvars_ids" / "broken", tmp_path / "stack")
    config = tmp_path / "cfg" / "vpclint.yaml"
    config.parent.mkdir()
    config.write_text("with: [../stack/net/state.json]\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "stack/app", "--config", str(config), "--no-cache", "--format", "json"])
    assert [f["rule_id"] for f in json.loads(result.output)["findings"]] == ["pod_cidr_route_missing"]


def test_suppressions_and_baselines_work_across_inputs(tmp_path, monkeypatch):
    shutil.copytree(MULTI / "by_name" / "broken", tmp_path / "stack")
    monkeypatch.chdir(tmp_path / "stack")
    main = Path("net/main.tf")
    main.write_text(main.read_text().replace('resource "huaweicloud_vpc_route_table" "demo2" {',
                                             'resource "huaweicloud_vpc_route_table" "demo2" {\n'
                                             '  # vpcl' + 'int-ignore: pod_cidr_route_missing the app team owns it'))
    args = ["check", "app", "--with", "net", "--no-cache", "--format", "json", "--config", "app/.vpclint.yaml"]
    report = json.loads(CliRunner().invoke(cli, args).output)
    assert [(f["rule_id"], f["file"], f["line"]) for f in report["findings"]] == [
        ("expected_path_blocked", "net/main.tf", 45)]
    CliRunner().invoke(cli, [*args, "--write-baseline", "baseline.json"])
    result = CliRunner().invoke(cli, [*args, "--baseline", "baseline.json"])
    assert json.loads(result.output)["findings"] == [] and result.exit_code == 0


def test_two_inputs_managing_one_address_are_two_elements_unless_their_ids_match(tmp_path, monkeypatch):
    """app/ declares its own huaweicloud_vpc.demo (another VPC): the joined one is renamed, not merged."""
    shutil.copytree(MULTI / "tfvars_ids" / "broken", tmp_path / "stack")
    app = tmp_path / "stack" / "app" / "main.tf"
    app.write_text(app.read_text() + '\nresource "huaweicloud_vpc" "demo" {\n  name = "app-own"\n'
                                     '  cidr = "172.31.0.0/16"\n}\n')
    monkeypatch.chdir(tmp_path)
    state = "stack/net/state.json"
    report = joined(Path("stack/app"), Path(state))
    assert [(f.rule_id, f.resource) for f in report.findings] == [
        ("pod_cidr_route_missing", "huaweicloud_vpc_route_table.demo2")]
    (_, model), = report.models
    assert sorted(n.address for n in model.networks) == [
        "huaweicloud_vpc.demo", "huaweicloud_vpc.demo2", "stack/net/state.json:huaweicloud_vpc.demo"]
    cluster, = model.clusters
    assert cluster.network.address == f"{state}:huaweicloud_vpc.demo"  # by the id in tfvars, not the name


def test_the_same_resource_in_two_inputs_is_one_element(tmp_path):
    """Joining a state with itself: every address has the same id on both sides."""
    state = MULTI / "tfvars_ids" / "broken" / "net" / "state.json"
    shutil.copy(state, tmp_path / "copy.json")
    report = joined(state, tmp_path / "copy.json")
    (_, model), = report.models
    assert sorted(n.address for n in model.networks) == ["huaweicloud_vpc.demo", "huaweicloud_vpc.demo2"]


AWS = FIXTURES / "multi_aws_eks"


@pytest.mark.parametrize("variant", ["broken", "fixed"])
@pytest.mark.parametrize("inputs", [("app", "net"), ("app/plan.json", "net/state.json")], ids=["hcl", "plan+state"])
def test_eks_stack_finds_the_shared_vpc_by_tags_and_filters(variant, inputs):
    """AWS: the app's EKS cluster reads the shared VPC (data aws_vpc by tags) and
    its node subnets (data aws_subnet by vpc_id, zone and a tag filter); the
    expectation to the net stack's internal load balancer fails at the data
    VPC's route table, which routes only nodes_a's range back."""
    base = AWS / variant
    app, net = (base / part for part in inputs)
    report = joined(app, net, config=base / "app" / ".vpclint.yaml")
    assert report.errors == [] and report.unknowns == []
    expected = {(r, a, str(Path(f).resolve()), line) for r, a, f, line in annotations(base / "net")}
    assert found(report) == expected
    assert len(expected) == (1 if variant == "broken" else 0)
    if variant == "broken":
        (finding,) = report.findings
        assert finding.message == ("pods of aws_eks_cluster.main cannot reach aws_lb.data on tcp/443: return route "
                                   "fails — aws_route_table.data has no route back to 10.0.2.0/24 through "
                                   "aws_vpc_peering_connection.shared_data")


def test_two_vpcs_sharing_the_tag_leave_the_cluster_external():
    base = AWS / "ambiguous"
    report = joined(base / "app", base / "net", config=base / "app" / ".vpclint.yaml")
    assert report.findings == [] and report.errors == []
    assert [(u.resource, u.reason.split(":")[0]) for u in report.unknowns] == [
        ("data.aws_subnet.nodes_a", "its argument vpc_id reads data.aws_vpc.shared, which is not joined"),
        ("data.aws_subnet.nodes_b", "its argument vpc_id reads data.aws_vpc.shared, which is not joined"),
        ("data.aws_vpc.shared", "ambiguous"),
        ("expect[0] (aws_eks_cluster.main -> aws_lb.data)", "the addresses pods of aws_eks_cluster.main carry are "
                                                            "not known")]  # silence about the expectation says why
    assert "aws_vpc.shared, aws_vpc.shared_old" in report.unknowns[2].reason


def test_two_app_stacks_joined_to_one_network_report_its_findings_once(tmp_path):
    """vpclint check app1 app2 --with net: the network's own finding is one finding, not one per PATH."""
    base = tmp_path / "stacks"
    shutil.copytree(MULTI / "by_name" / "broken", base)
    shutil.copytree(base / "app", base / "app2")
    net = base / "net" / "main.tf"
    net.write_text(net.read_text().replace('  destination = "10.1.0.0/16"\n', '  destination = "10.9.0.0/16"\n'))
    cfg = load_config(None)
    report = lint(Settings(paths=[str(base / "app"), str(base / "app2")], config=cfg,
                           with_paths=[str(base / "net")], load=LoadOptions(env={})))
    assert sorted((f.rule_id, f.resource) for f in report.findings) == [
        ("peering_route_missing", "huaweicloud_vpc_peering_connection.peering_demo"),
        ("pod_cidr_route_missing", "huaweicloud_vpc_route_table.demo2")]


CROSS = FIXTURES / "multi_batfish_cross_account"


def test_batfish_cross_account_peering_two_account_states_joined_by_ids():
    """AwsConfigurationVpcPeeringCrossAccountTest: SSH from A to B and back is
    ACCEPTED. Each account's state knows the other's VPC or peering only by id."""
    report = joined(CROSS / "account_a" / "state.json", CROSS / "account_b" / "state.json",
                    config=CROSS / ".vpclint.yaml")
    assert report.findings == [] and report.errors == [] and report.unknowns == []
    (_, model), = report.models
    assert [[(h.name, h.verdict) for h in trace(e)] for e in model.expectations] == [[
        ("source addresses", "pass"), ("peering", "pass"), ("route from source subnet", "pass"),
        ("return route", "pass"), ("security group", "pass"), ("network ACL", "pass"), ("whitelist", "pass")]] * 2
    alone = joined(CROSS / "account_a" / "state.json", config=CROSS / ".vpclint.yaml")
    assert [e.message.split(":")[0] for e in alone.errors] == ["expect[0]", "expect[1]"]


def test_batfish_cross_account_peering_without_the_return_route(tmp_path):
    shutil.copytree(CROSS, tmp_path / "cross")
    state = tmp_path / "cross" / "account_b" / "state.json"
    doc = json.loads(state.read_text())
    (table,) = [r for r in doc["values"]["root_module"]["resources"] if r["address"] == "aws_route_table.b"]
    table["values"]["route"] = []
    state.write_text(json.dumps(doc))
    report = joined(tmp_path / "cross" / "account_a" / "state.json", state, config=tmp_path / "cross" / ".vpclint.yaml")
    assert sorted((f.rule_id, f.resource, Path(f.file).relative_to(tmp_path).as_posix(), f.line,
                   f.message.split(":")[0]) for f in report.findings) == [
        ("expected_path_blocked", "aws_route_table.b", "cross/account_b/main.tf", 23,
         "aws_instance.a cannot reach aws_instance.b on tcp/22"),
        ("expected_path_blocked", "aws_route_table.b", "cross/account_b/main.tf", 23,
         "aws_instance.b cannot reach aws_instance.a on tcp/22"),
        ("peering_route_missing", "aws_vpc_peering_connection.a_b", "cross/account_a/main.tf", 22,
         "aws_vpc.b has no route through aws_vpc_peering_connection.a_b for 10.1.0.0/16, the CIDR of the VPC it "
         "is peered with; add one to its route table")]


def test_graph_draws_the_joined_network(monkeypatch):
    monkeypatch.chdir(MULTI / "by_name" / "broken")
    alone = CliRunner().invoke(cli, ["graph", "app"]).output
    drawn = CliRunner().invoke(cli, ["graph", "app", "--with", "net"]).output
    assert "no route back to pods 10.0.0.0/16" in drawn and "no route back" not in alone
