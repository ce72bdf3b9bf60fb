"""Baselines: --write-baseline / --baseline, fingerprints that survive unrelated edits."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from vpclint import baseline
from vpclint.cli import cli
from vpclint.findings import Finding

BRIDGE_A = 'resource "aws_vpc" "a" {\n  cidr_block = "172.17.0.0/16"\n}\n'
BRIDGE_B = 'resource "aws_vpc" "b" {\n  cidr_block = "172.17.0.0/20"\n}\n'


@pytest.fixture
def module(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "net"
    root.mkdir()
    (root / "main.tf").write_text(BRIDGE_A + "\n" + BRIDGE_B)
    return root


def check(*args):
    result = CliRunner().invoke(cli, ["check", "--no-cache", *args], catch_exceptions=False)
    return result


def test_write_then_use_a_baseline(module: Path) -> None:
    first = check("net", "--write-baseline", "baseline.json", "--format", "json")
    assert first.exit_code == 0
    assert json.loads(first.output)["baseline"] == {"suppressed": 2, "stale": 0}
    data = json.loads(Path("baseline.json").read_text())
    assert data["version"] == baseline.VERSION and len(data["findings"]) == 2
    assert {e["resource"] for e in data["findings"]} == {"aws_vpc.a", "aws_vpc.b"}
    second = check("net", "--baseline", "baseline.json", "--format", "json")
    assert second.exit_code == 0
    document = json.loads(second.output)
    assert document["findings"] == [] and document["baseline"] == {"suppressed": 2, "stale": 0}


def test_json_has_no_baseline_key_without_a_baseline(module: Path) -> None:
    assert "baseline" not in json.loads(check("net", "--format", "json").output)


def test_fingerprints_survive_unrelated_edits(module: Path) -> None:
    check("net", "--write-baseline", "baseline.json")
    # move blocks around, add comments and blank lines, split into two files
    (module / "main.tf").write_text("# the network\n\n\n" + BRIDGE_B + "\n\n# legacy\n")
    (module / "legacy.tf").write_text("\n" * 7 + BRIDGE_A)
    result = check("net", "--baseline", "baseline.json", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["findings"] == []


def test_a_changed_finding_is_new_and_its_entry_stale(module: Path) -> None:
    check("net", "--write-baseline", "baseline.json")
    (module / "main.tf").write_text(BRIDGE_A + "\n" + BRIDGE_B.replace("172.17.0.0/20", "172.17.16.0/20"))
    # lone VPCs: their overlaps with docker0 are notices, which fail the run at --minimum-failure-severity notice
    result = check("net", "--baseline", "baseline.json", "--format", "json", "--minimum-failure-severity", "notice")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert [f["resource"] for f in document["findings"]] == ["aws_vpc.b"]
    assert document["baseline"] == {"suppressed": 1, "stale": 1}
    text = check("net", "--baseline", "baseline.json").output
    assert "Baseline baseline.json: 1 known finding(s) not shown, 1 stale entry (refresh it with --write-baseline)." in text


def test_fixed_findings_leave_stale_entries(module: Path) -> None:
    check("net", "--write-baseline", "baseline.json")
    (module / "main.tf").write_text(BRIDGE_A)
    result = check("net", "--baseline", "baseline.json", "--format", "json")
    assert json.loads(result.output)["baseline"] == {"suppressed": 1, "stale": 1}


def test_writing_is_deterministic(module: Path) -> None:
    check("net", "--write-baseline", "one.json")
    check("net", "--write-baseline", "two.json")
    assert Path("one.json").read_bytes() == Path("two.json").read_bytes()
    assert b"\r\n" not in Path("one.json").read_bytes()


@pytest.mark.parametrize("content, complaint", [
    ("{not json", "not valid JSON"),
    ("[]", 'no "version" field'),
    ('{"findings": []}', 'no "version" field'),
    ('{"version": 99, "findings": []}', "version 99 is not supported"),
    ('{"version": 1, "findings": [{"rule_id": "x"}]}', '"fingerprint"'),
    ('{"version": 1, "findings": {}}', "must be a list"),
])
def test_a_bad_baseline_exits_2_naming_the_file(module: Path, content: str, complaint: str) -> None:
    Path("bad.json").write_text(content)
    result = check("net", "--baseline", "bad.json")
    assert result.exit_code == 2
    assert "bad.json" in result.output and complaint in result.output
    # the findings are still reported
    assert "docker_bridge_overlap" in result.output


def test_a_missing_baseline_exits_2(module: Path) -> None:
    result = check("net", "--baseline", "nowhere.json")
    assert result.exit_code == 2 and "nowhere.json" in result.output and "cannot read baseline" in result.output


def test_identical_findings_are_counted() -> None:
    one = Finding("r", "error", "m", "aws_vpc.a", facts=("aws_vpc.a", "10.0.0.0/8"))
    two = Finding("r", "error", "m", "aws_vpc.a", facts=("aws_vpc.a", "10.0.0.0/8"))
    recorded = Counter([baseline.fingerprint(one)])
    kept, stats = baseline.apply([one, two], recorded, "b.json")
    assert kept == [two] and (stats.suppressed, stats.stale) == (1, 0)


def test_fingerprint_ignores_position_and_message_but_not_facts() -> None:
    base = Finding("r", "error", "m", "aws_vpc.a", file="a.tf", line=3, facts=("aws_vpc.a", "10.0.0.0/8"))
    moved = Finding("r", "error", "other words", "aws_vpc.a", file="b.tf", line=90, facts=("aws_vpc.a", "10.0.0.0/8"))
    changed = Finding("r", "error", "m", "aws_vpc.a", file="a.tf", line=3, facts=("aws_vpc.a", "10.0.0.0/9"))
    assert baseline.fingerprint(base) == baseline.fingerprint(moved) != baseline.fingerprint(changed)
    other_rule = Finding("s", "error", "m", "aws_vpc.a", facts=base.facts)
    assert baseline.fingerprint(other_rule) != baseline.fingerprint(base)


def test_sarif_marks_results_new_against_a_baseline(module: Path) -> None:
    check("net", "--write-baseline", "baseline.json")
    (module / "main.tf").write_text(BRIDGE_A + "\n" + BRIDGE_B.replace("172.17.0.0/20", "172.17.16.0/20"))
    run = json.loads(check("net", "--baseline", "baseline.json", "--format", "sarif").output)["runs"][0]
    assert [r["baselineState"] for r in run["results"]] == ["new"]
    assert run["properties"]["baseline"] == {"suppressed": 1, "stale": 1}
    assert os.path.exists("baseline.json")
