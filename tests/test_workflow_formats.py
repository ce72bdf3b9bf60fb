"""Output formats: sarif, junit, checkstyle, compact, github, markdown (and --output)."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, run
from vpclint.cli import cli
from vpclint.engine.rules import load_rules
from vpclint.findings import Finding
from vpclint.lint import Origin, Report
from vpclint.reporters import FORMATS, Context, github, markdown
from vpclint.resources import LoadError, Span

CONTRACT_FORMATS = {"text", "json", "sarif", "junit", "checkstyle", "compact", "github", "markdown"}
# the OASIS schema, kept as data beside the tests (tests/schemas/README.md)
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch) -> Path:
    """A repository-like tree: a root module calling a module, and an unparsable file."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "infra"
    shutil.copytree(FIXTURES / "workflow_suppress", root)
    (root / "calls.tf").write_text('module "fresh" {\n  source = "./modules/net"\n}\n')
    return root


def check(*args):
    return CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)


def test_every_contract_format_is_registered() -> None:
    assert set(FORMATS) == CONTRACT_FORMATS


@pytest.mark.parametrize("format_", sorted(CONTRACT_FORMATS))
def test_formats_are_byte_identical_across_runs(workspace: Path, format_: str) -> None:
    first, second = check("infra", "--format", format_), check("infra", "--format", format_)
    assert first.exit_code == second.exit_code == 1
    assert first.output == second.output and first.output.endswith("\n")


@pytest.mark.parametrize("format_", sorted(CONTRACT_FORMATS))
def test_errors_appear_in_every_format(workspace: Path, format_: str) -> None:
    (workspace / "broken.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block =\n')
    result = check("infra", "--format", format_)
    assert result.exit_code == 2
    assert "broken.tf" in result.output
    # the rest of the module is still linted
    assert "aws_vpc.reported" in result.output


@pytest.mark.parametrize("format_", sorted(CONTRACT_FORMATS))
def test_output_option_writes_the_report_to_a_file(workspace: Path, format_: str) -> None:
    result = CliRunner().invoke(cli, ["check", "infra", "--format", format_, "--output", "report.out"])
    assert result.exit_code == 1
    written = Path("report.out").read_text()
    assert "aws_vpc.reported" in written
    assert result.stdout == ""


# -- SARIF ---------------------------------------------------------------------

def sarif(*args) -> dict:
    return json.loads(check(*args, "--format", "sarif").output)


def test_sarif_validates_against_the_schema(workspace: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"{SARIF_SCHEMA} is not present")
    schema = json.loads(SARIF_SCHEMA.read_text())
    (workspace / "broken.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block =\n')
    document = sarif("infra")
    jsonschema.validate(document, schema)
    assert document["version"] == "2.1.0"


def test_sarif_rules_results_and_locations(workspace: Path) -> None:
    run = sarif("infra")["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(ids)), "one rules entry per rule id, sorted"
    assert set(ids) == {r.id for r in load_rules()[0]}
    bridge = rules[ids.index("docker_bridge_overlap")]
    assert bridge["defaultConfiguration"]["level"] == "warning"
    assert bridge["shortDescription"]["text"] and "Why it matters" in bridge["help"]["text"]
    assert rules[ids.index("unused_ignore")]["defaultConfiguration"]["level"] == "note"
    assert run["invocations"] == [{"executionSuccessful": True}]
    by_resource = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r for r in run["results"]}
    reported = by_resource["aws_vpc.reported"]
    assert reported["ruleIndex"] == ids.index("docker_bridge_overlap")
    assert reported["level"] == "warning"
    physical = reported["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "infra/main.tf", "uriBaseId": "%SRCROOT%"}
    assert physical["region"]["startLine"] == 6
    assert re.fullmatch(r"[0-9a-f]{64}", reported["partialFingerprints"]["vpclintFingerprint/v1"])
    assert by_resource["aws_vpc.clean"]["level"] == "note"
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"].get("region")
        assert region is None or region["startLine"] >= 1


def test_sarif_keeps_the_module_call_path(workspace: Path) -> None:
    run = sarif("infra")["runs"][0]
    (fresh,) = [r for r in run["results"]
                if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "module.fresh.aws_vpc.this"]
    assert fresh["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/modules/net/main.tf"
    assert fresh["relatedLocations"] == [{
        "id": 1,
        "physicalLocation": {"artifactLocation": {"uri": "infra/calls.tf", "uriBaseId": "%SRCROOT%"},
                             "region": {"startLine": 1, "endLine": 3}},
        "message": {"text": "module.fresh is called here"},
    }]


def test_sarif_errors_are_tool_execution_notifications(workspace: Path) -> None:
    (workspace / "broken.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block =\n')
    (invocation,) = sarif("infra")["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    location = note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "infra/broken.tf" and location["region"]["startLine"] >= 1


def _plan_report(tmp_path: Path) -> Report:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    finding = Finding("peering_route_missing", "error", "no route back", "module.net.aws_route_table.b",
                      file=None, line=None, facts=("x",))
    located = Finding("docker_bridge_overlap", "warning", "bridge", "module.net.aws_vpc.a",
                      file=str(tmp_path / "modules" / "net" / "main.tf"), line=3, facts=("y",))
    report = Report(findings=[finding, located], rules=load_rules()[0],
                    errors=[LoadError("command line", None, "no such rule: nope")])
    report.origins[id(finding)] = Origin(str(plan))
    report.origins[id(located)] = Origin(str(tmp_path), (Span(str(tmp_path / "main.tf"), 4, 9),))
    return report


def test_sarif_plan_findings_point_at_the_plan_without_a_region(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    document = json.loads(FORMATS["sarif"](_plan_report(tmp_path), Context()))
    results = document["runs"][0]["results"]
    plan_result = results[0]
    assert plan_result["locations"][0] == {
        "physicalLocation": {"artifactLocation": {"uri": "plan.json", "uriBaseId": "%SRCROOT%"}},
        "logicalLocations": [{"fullyQualifiedName": "module.net.aws_route_table.b", "kind": "resource"}],
    }
    assert results[1]["relatedLocations"][0]["message"]["text"] == "module.net is called here"
    (note,) = document["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "locations" not in note and note["message"]["text"] == "command line: no such rule: nope"
    if SARIF_SCHEMA.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(document, json.loads(SARIF_SCHEMA.read_text()))


# -- JUnit, Checkstyle, compact ---------------------------------------------------

def test_junit(workspace: Path) -> None:
    (workspace / "broken.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block =\n')
    root = ET.fromstring(check("infra", "--format", "junit").output)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root}
    assert suites["vpclint.inputs"].get("errors") == "1"
    (errored,) = suites["vpclint.inputs"]
    assert errored.find("error") is not None and errored.get("name").startswith("infra/broken.tf")
    bridge = suites["docker_bridge_overlap"]
    # aws_vpc.reported (a warning: a cluster in it); module.fresh.aws_vpc.this, which no cluster talks to, is a
    # notice and passes
    assert bridge.get("failures") == "1" and len(bridge) == 2
    assert sorted(case.find("failure").get("type") for case in bridge if case.find("failure") is not None) == ["warning"]
    # a notice is below the default failure severity: it passes, with the finding in system-out
    (unused,) = suites["unused_ignore"]
    assert unused.find("failure") is None and "suppresses no finding" in unused.find("system-out").text
    # a rule without findings is one passing testcase
    (quiet,) = suites["subnet_outside_vpc"]
    assert quiet.get("name") == "subnet_outside_vpc" and len(quiet) == 0
    assert root.get("failures") == "1" and root.get("errors") == "1"
    # with notice as the failure severity, the notice fails too
    root = ET.fromstring(check("infra", "--format", "junit", "--minimum-failure-severity", "notice").output)
    assert {s.get("name"): s for s in root}["unused_ignore"].get("failures") == "1"


def test_checkstyle(workspace: Path) -> None:
    (workspace / "broken.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block =\n')
    root = ET.fromstring(check("infra", "--format", "checkstyle").output)
    files = {f.get("name"): f for f in root}
    assert list(files) == sorted(files)
    assert files["infra/broken.tf"][0].get("source") == "vpclint.input_error"
    main = [(e.get("line"), e.get("severity"), e.get("source")) for e in files["infra/main.tf"]]
    assert main == [("6", "warning", "vpclint.docker_bridge_overlap"), ("31", "info", "vpclint.unused_ignore")]


def test_compact(workspace: Path) -> None:
    lines = check("infra", "--format", "compact").output.splitlines()
    pattern = re.compile(r"^[^:]+:\d+:1: (Error|Warning|Notice) - .+ \([a-z_]+\)$")
    assert lines and all(pattern.match(line) for line in lines), lines
    assert lines[0] == ("infra/main.tf:6:1: Warning - network CIDR 172.17.0.0/16 of aws_vpc.reported overlaps "
                        "Docker's default bridge 172.17.0.0/16 (docker_bridge_overlap)")


# -- GitHub workflow commands ----------------------------------------------------

def test_github_escaping() -> None:
    assert github.escape_data("50% of\r\nall") == "50%25 of%0D%0Aall"
    assert github.escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    assert (github.command("warning", "x\ny", "dir,1/a:b.tf", 3, "vpclint r")
            == "::warning file=dir%2C1/a%3Ab.tf,line=3,title=vpclint r::x%0Ay")
    assert github.command("notice", "plain") == "::notice::plain"


def test_github_annotations(workspace: Path) -> None:
    (workspace / "broken.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block =\n')
    lines = check("infra", "--format", "github").output.splitlines()
    assert lines[0].startswith("::error file=infra/broken.tf,line=") and "title=vpclint input error::" in lines[0]
    assert any(line.startswith("::warning file=infra/main.tf,line=6,title=vpclint docker_bridge_overlap::")
               for line in lines)
    assert any(line.startswith("::notice file=infra/main.tf,line=31,title=vpclint unused_ignore::") for line in lines)
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert lines[-1].startswith("vpclint: 3 finding(s)")


# -- Markdown -------------------------------------------------------------------

def test_markdown_comment(workspace: Path) -> None:
    text = check("infra", "--format", "markdown").output
    assert text.startswith(markdown.MARKER + "\n## vpclint\n")
    assert ":x: **3 findings** (1 warning, 2 notice)" in text
    assert "| `docker_bridge_overlap` | warning | 1 |" in text  # aws_vpc.reported, which holds a cluster
    assert "| `docker_bridge_overlap` | notice | 1 |" in text  # module.fresh.aws_vpc.this: no cluster talks to it
    assert "| `unused_ignore` | notice | 1 |" in text
    assert "### Findings" in text and "`infra/main.tf:6`" in text and "`aws_vpc.reported`" in text


def test_markdown_clean_run_and_escaping(tmp_path: Path) -> None:
    clean = FORMATS["markdown"](Report(), Context())
    assert ":white_check_mark: **no findings**" in clean and "### Findings" not in clean
    finding = Finding("r", "error", "a | b <c>", "aws_vpc.a", file=None)
    text = FORMATS["markdown"](Report(findings=[finding]), Context())
    assert "a \\| b &lt;c&gt;" in text


def test_markdown_ends_with_the_topology_as_mermaid() -> None:
    report = run(FIXTURES / "seed000_cross_vpc" / "broken")
    text = FORMATS["markdown"](report, Context())
    topology = text[text.index("### Topology"):]
    assert topology.startswith("### Topology\n\n```mermaid\nflowchart LR\n")
    assert '-->|"no route back to pods 10.0.0.0/16"| n_huaweicloud_cce_cluster_demo' in topology
    assert topology.endswith("```\n")
    assert "### Topology" not in FORMATS["markdown"](Report(), Context())


def test_sarif_shows_a_downloaded_module_finding_on_its_module_call(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "main.tf").write_text('\nmodule "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n'
                                      '  cidr   = "172.17.0.0/16"\n}\n')
    downloaded = tmp_path / ".terraform" / "modules" / "vpc"
    downloaded.mkdir(parents=True)
    (downloaded / "main.tf").write_text('variable "cidr" {}\n\nresource "aws_vpc" "this" {\n'
                                        '  cidr_block = var.cidr\n}\n')
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "vpc", "Source": "registry.terraform.io/terraform-aws-modules/vpc/aws", "Version": "5.1.0",
         "Dir": ".terraform/modules/vpc"}]}))
    (result,) = sarif(".")["runs"][0]["results"]
    # at the argument that feeds the VPC's cidr_block (var.cidr), not the block's first line
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 4}}
    assert [r["message"]["text"] for r in result["relatedLocations"]] == [
        "module.vpc is called here", "module.vpc.aws_vpc.this is defined here, in a downloaded module"]
    assert result["relatedLocations"][1]["physicalLocation"]["artifactLocation"]["uri"] == ".terraform/modules/vpc/main.tf"


@pytest.mark.parametrize("recursive", [False, True])
def test_a_path_with_nothing_to_lint_is_said_so_not_passed_off_as_clean(tmp_path: Path, recursive: bool) -> None:
    (tmp_path / "README.md").write_text("no terraform here\n")
    options = ["--recursive"] if recursive else []
    text = CliRunner().invoke(cli, ["check", "--no-cache", *options, str(tmp_path)])
    assert text.exit_code == 0
    assert text.stdout == "No issues found.\n"
    assert text.stderr.startswith("Warning: nothing to lint in ") and str(tmp_path.name) in text.stderr
    machine = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", *options, str(tmp_path)])
    assert machine.stderr == "" and json.loads(machine.stdout)["findings"] == []


def test_values_not_known_before_apply_are_mentioned_not_hidden(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "cidr" {}\n\nresource "aws_vpc" "v" {\n  cidr_block = var.cidr\n}\n')
    text = CliRunner().invoke(cli, ["check", "--no-cache", str(tmp_path)])
    assert text.exit_code == 0 and text.stdout == "No issues found.\n"
    assert text.stderr.startswith("Note: 1 value the rules needed cannot be known before apply")
    machine = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", str(tmp_path)])
    assert machine.stderr == "" and len(json.loads(machine.stdout)["unknowns"]) == 1
