"""`--recursive` finds Terraform plan and state JSON files by content and
lints each as an input of its own; other JSON below PATH is not an input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import FIXTURES, run
from make_plan import plan_for
from make_state import state_for
from vpclint.cli import cli
from vpclint.lint import discover

OVERLAP = FIXTURES / "subnet_cidr_overlap" / "fail"
# what subnet_cidr_overlap/fail plants, found in each of its forms (without the .tf files beside a plan or
# state, which of two overlapping subnets is named goes by address, not by line)
PLANTED = [("subnet_cidr_overlap", "aws_subnet.public"), ("subnet_cidr_overlap", "huaweicloud_vpc_subnet.db")]
UNPLACED = [("subnet_cidr_overlap", "aws_subnet.public"), ("subnet_cidr_overlap", "huaweicloud_vpc_subnet.nodes")]


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "infra"
    (root / "plans").mkdir(parents=True)
    (root / "plans" / "net.json").write_text(json.dumps(plan_for(str(OVERLAP))))
    (root / "state").mkdir()
    (root / "state" / "deployed.json").write_text(json.dumps(state_for(str(OVERLAP), {}), indent=2))
    # JSON that is no plan or state: never an input, never an error
    (root / "package.json").write_text('{"name": "infra", "version": "1.0.0"}\n')
    (root / "plans" / "schema.json").write_text('{"format_version": "1.0", "provider_schemas": {}}\n')
    (root / "plans" / "list.json").write_text("[1, 2]\n")
    (root / "plans" / "empty.json").write_text("")
    # hidden and .terraform/ files are skipped, as hidden directories are
    (root / "plans" / ".old.json").write_text(json.dumps(plan_for(str(OVERLAP))))
    (root / ".terraform" / "x").mkdir(parents=True)
    (root / ".terraform" / "x" / "plan.json").write_text(json.dumps(plan_for(str(OVERLAP))))
    return root


def test_discover_finds_plan_and_state_files_by_content(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    assert discover(str(root), recursive=True) == [str(root / "plans" / "net.json"),
                                                   str(root / "state" / "deployed.json")]


def test_a_plan_pretty_printed_or_with_its_keys_in_another_order_is_found(tmp_path: Path) -> None:
    plan = plan_for(str(OVERLAP))
    reordered = {key: plan[key] for key in reversed(list(plan))}
    (tmp_path / "a.json").write_text(json.dumps(reordered, indent=4))
    assert discover(str(tmp_path), recursive=True) == [str(tmp_path / "a.json")]


def test_recursive_lints_each_plan_and_state_as_its_own_input(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "net").mkdir()
    (root / "net" / "main.tf").write_text((OVERLAP / "main.tf").read_text())
    report = run(root, recursive=True)
    assert report.errors == []
    assert report.inputs == [str(root / "net"), str(root / "plans" / "net.json"), str(root / "state" / "deployed.json")]
    by_input = {}
    for finding in report.findings:
        by_input.setdefault(report.origin(finding).input, []).append((finding.rule_id, finding.resource))
    assert {key: sorted(value) for key, value in by_input.items()} == {
        str(root / "net"): PLANTED, str(root / "plans" / "net.json"): UNPLACED,
        str(root / "state" / "deployed.json"): UNPLACED}


def test_a_directory_of_plain_json_still_says_there_is_nothing_to_lint(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "package.json").write_text('{"name": "x"}\n')
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--recursive", "data"])
    assert result.exit_code == 0
    assert result.stderr == ("Warning: nothing to lint in data (no .tf or .tf.json file, Terraform plan or state "
                             "JSON, or policy manifest)\n")
