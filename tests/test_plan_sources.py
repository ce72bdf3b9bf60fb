"""Findings from a plan point at the blocks of the configuration it was made from.

A plan names no file or line; the root module's files give them (the plan's
directory by default, ``--plan-sources DIR`` otherwise), with module calls as
call sites and inline suppressions, as for HCL input.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from click.testing import CliRunner

from conftest import FIXTURES, run
from vpclint.cli import cli
from vpclint.load import LoadOptions
from vpclint.load.plan import load_plan

OVERLAP = {"cidr_block": "10.0.0.0/16"}


def change(address: str, rtype: str, name: str, after: dict, module: str = "") -> dict:
    entry = {"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": "aws",
             "change": {"actions": ["update"], "before": after, "after": after, "after_unknown": {}}}
    if module:
        entry["module_address"] = module
    return entry


def plan(changes: list[dict], module_calls: dict) -> str:
    return json.dumps({"format_version": "1.2", "resource_changes": changes,
                       "configuration": {"root_module": {"module_calls": module_calls}}})


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


PEERED = plan(
    [change("module.a.aws_vpc.v", "aws_vpc", "v", {"id": "vpc-a", **OVERLAP}, "module.a"),
     change("module.b.aws_vpc.v", "aws_vpc", "v", {"id": "vpc-b", **OVERLAP}, "module.b"),
     change("aws_vpc_peering_connection.p", "aws_vpc_peering_connection", "p",
            {"vpc_id": "vpc-a", "peer_vpc_id": "vpc-b"})],
    {"a": {"source": "./net", "module": {}}, "b": {"source": "acme/net/aws", "module": {}}},
)

ROOT = {
    "main.tf": """\
        module "a" {
          source = "./net"
        }

        module "b" {
          source = "acme/net/aws"
        }

        # vpclint-ignore: subnet_cidr_overlap nothing to suppress here
        resource "aws_vpc_peering_connection" "p" {
          vpc_id      = module.a.id
          peer_vpc_id = module.b.id
        }
        """,
    "net/main.tf": """\
        # the module's VPC
        resource "aws_vpc" "v" {
          cidr_block = "10.0.0.0/16"
        }
        """,
    ".terraform/modules/modules.json": json.dumps({"Modules": [{"Key": "b", "Source": "acme/net/aws",
                                                                "Dir": ".terraform/modules/b"}]}),
    ".terraform/modules/b/main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n',
}


def test_resources_in_the_root_local_and_downloaded_modules_get_their_blocks(tmp_path: Path) -> None:
    root = write(tmp_path, {**ROOT, "plan.json": PEERED})
    result = load_plan(str(root / "plan.json"))
    assert result.errors == []
    got = {r.address: (r.file, r.line, r.end_line, [(s.file, s.line) for s in r.call_sites]) for r in result.resources}
    assert got == {
        "aws_vpc_peering_connection.p": (str(root / "main.tf"), 10, 13, []),
        "module.a.aws_vpc.v": (str(root / "net" / "main.tf"), 2, 4, [(str(root / "main.tf"), 1)]),
        "module.b.aws_vpc.v": (str(root / ".terraform" / "modules" / "b" / "main.tf"), 1, 3,
                               [(str(root / "main.tf"), 5)]),
    }


def test_inline_ignores_in_the_sources_apply_to_the_plan(tmp_path: Path) -> None:
    root = write(tmp_path, {**ROOT, "plan.json": PEERED})
    report = run(root / "plan.json")
    assert [(f.rule_id, f.resource, f.line) for f in report.findings] == [
        ("unused_ignore", "aws_vpc_peering_connection.p", 9),
        ("peering_cidr_overlap", "aws_vpc_peering_connection.p", 10),
    ]
    (root / "main.tf").write_text((root / "main.tf").read_text().replace("subnet_cidr_overlap", "peering_cidr_overlap"))
    assert run(root / "plan.json").findings == []


def test_without_sources_a_plan_has_no_positions(tmp_path: Path) -> None:
    write(tmp_path, {"plan.json": PEERED})
    result = load_plan(str(tmp_path / "plan.json"))
    assert all(r.file is None and r.line is None and not r.call_sites for r in result.resources)
    assert result.comments == {}


def test_plan_sources_names_the_configuration_elsewhere(tmp_path: Path) -> None:
    root = write(tmp_path / "infra", ROOT)
    write(tmp_path / "ci", {"plan.json": PEERED})
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "--no-cache", "--format", "json", "--plan-sources", str(root),
                                 str(tmp_path / "ci" / "plan.json")])
    findings = json.loads(result.output)["findings"]
    assert [(f["rule_id"], f["line"]) for f in findings] == [("unused_ignore", 9), ("peering_cidr_overlap", 10)]
    assert findings[1]["file"].endswith("infra/main.tf")
    missing = runner.invoke(cli, ["check", "--plan-sources", str(tmp_path / "nowhere"), str(tmp_path / "ci")])
    assert missing.exit_code == 2 and "--plan-sources" in missing.output


def test_a_broken_or_stale_source_file_only_costs_positions(tmp_path: Path) -> None:
    root = write(tmp_path, {**ROOT, "plan.json": PEERED})
    (root / "net" / "main.tf").write_text('resource "aws_vpc" {\n')  # broken since the plan was made
    (root / "main.tf").write_text("# the peering moved elsewhere\n")
    report = run(root / "plan.json")
    assert report.errors == []
    assert [(f.rule_id, f.resource, f.file, f.line) for f in report.findings] == [
        ("peering_cidr_overlap", "aws_vpc_peering_connection.p", None, None)]


def test_fixture_plans_point_where_their_hcl_does(tmp_path: Path) -> None:
    """Each seed scenario's plan, beside its HCL, gives the HCL's findings to the line; alone, no lines."""
    for directory in sorted(p.parent for p in FIXTURES.glob("seed000_*/broken/plan.json")):
        from_hcl = run(directory)
        from_plan = run(directory / "plan.json")
        assert [(f.rule_id, f.resource, f.file, f.line) for f in from_plan.findings] == \
            [(f.rule_id, f.resource, f.file, f.line) for f in from_hcl.findings] != []
        alone = tmp_path / directory.parent.name
        alone.mkdir()
        shutil.copy(directory / "plan.json", alone / "plan.json")
        assert all(f.line is None for f in run(alone / "plan.json").findings)


def test_a_plan_loads_the_same_with_the_cache(tmp_path: Path) -> None:
    root = write(tmp_path, {**ROOT, "plan.json": PEERED})
    options = LoadOptions(cache_dir=str(tmp_path / "cache"))
    first = load_plan(str(root / "plan.json"), options)
    assert load_plan(str(root / "plan.json"), options) == first == load_plan(str(root / "plan.json"))


def test_downloaded_modules_follow_tf_data_dir(tmp_path: Path) -> None:
    files = {**ROOT, "plan.json": PEERED}
    files["tfdata/modules/modules.json"] = files.pop(".terraform/modules/modules.json").replace(
        ".terraform/modules/b", "tfdata/modules/b")
    files["tfdata/modules/b/main.tf"] = files.pop(".terraform/modules/b/main.tf")
    root = write(tmp_path, files)
    where = {r.address: r.line for r in load_plan(str(root / "plan.json"), LoadOptions(env={"TF_DATA_DIR": "tfdata"})).resources}
    assert where["module.b.aws_vpc.v"] == 1
    assert {r.address: r.line for r in load_plan(str(root / "plan.json")).resources}["module.b.aws_vpc.v"] is None
