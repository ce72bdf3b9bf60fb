"""Config file, `vpclint init`, rule selection and severities, safe loading."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from vpclint.cli import STARTER_CONFIG, cli
from vpclint.config import load_config

# docker_bridge_overlap (a warning: a cluster's own range; a VPC no cluster talks to would be a notice)
BRIDGE = ('resource "huaweicloud_cce_cluster" "a" {\n  name = "a"\n  vpc_id = "vpc-0a1b2c3d"\n'
          '  container_network_type = "vpc-router"\n  container_network_cidr = "172.17.0.0/16"\n}\n')
HOST_BITS = 'resource "aws_vpc" "b" {\n  cidr_block = "10.1.0.1/16"\n}\n'  # cidr_invalid (error)


@pytest.fixture
def module(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "net"
    root.mkdir()
    (root / "main.tf").write_text(BRIDGE + HOST_BITS)
    return root


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def findings(*args) -> dict[str, str]:
    result = invoke("check", "net", "--format", "json", *args)
    return {f["rule_id"]: f["severity"] for f in json.loads(result.output)["findings"]}


# -- validation ---------------------------------------------------------------

@pytest.mark.parametrize("content, names", [
    ("minimum_failure_severity: warning\nfail_on: error\n", [".vpclint.yaml:2: (top level): unknown key 'fail_on'"]),
    ("rules:\n  docker_bridge_overlap: {enabeld: false}\n",
     [".vpclint.yaml:2: rules.docker_bridge_overlap: unknown key 'enabeld' (allowed: enabled, severity)"]),
    ("minimum_failure_severity: 3\n", ["minimum_failure_severity"]),
    ("recursive: sometimes\n", ["recursive: must be boolean, not a string"]),  # the value is never echoed
    ("rule_dirs: policies/\n", ["rule_dirs"]),
    ("expect:\n  - from: a\n    port: 6379\n", ["expect.0: missing required key 'to'"]),
])
def test_an_invalid_config_exits_2_naming_the_key_and_file(module: Path, content: str, names: list[str]) -> None:
    Path(".vpclint.yaml").write_text(content)
    result = invoke("check", "net")
    assert result.exit_code == 2
    assert re.search(r"Error: \.vpclint\.yaml:\d+: ", result.output), result.output
    for name in names:
        assert name in result.output
    assert "Traceback" not in result.output


def test_an_explicit_config_file_is_named(module: Path) -> None:
    Path("ci.yaml").write_text("colour: true\n")
    result = invoke("check", "net", "--config", "ci.yaml")
    assert result.exit_code == 2 and "ci.yaml:1" in result.output and "colour" in result.output


def test_a_missing_config_file_exits_2(module: Path) -> None:
    result = invoke("check", "net", "--config", "absent.yaml")
    assert result.exit_code == 2 and "absent.yaml" in result.output


@pytest.mark.parametrize("where", ["config", "enable", "disable"])
def test_an_unknown_rule_id_exits_2_naming_it(module: Path, where: str) -> None:
    args = []
    if where == "config":
        Path(".vpclint.yaml").write_text("rules:\n  docker_bridge_overlapp: {enabled: false}\n")
    else:
        args = [f"--{where}-rule", "docker_bridge_overlapp"]
    result = invoke("check", "net", *args)
    assert result.exit_code == 2
    assert "no such rule: docker_bridge_overlapp" in result.output
    if where == "config":
        assert ".vpclint.yaml" in result.output


# -- selection and severity -------------------------------------------------------

def test_defaults(module: Path) -> None:
    assert findings() == {"docker_bridge_overlap": "warning", "cidr_invalid": "error"}
    assert invoke("check", "net").exit_code == 1


def test_config_disables_a_rule_and_changes_a_severity(module: Path) -> None:
    Path(".vpclint.yaml").write_text("rules:\n  docker_bridge_overlap: {enabled: false}\n"
                                     "  cidr_invalid: {severity: warning}\n")
    assert findings() == {"cidr_invalid": "warning"}


def test_flags_override_the_config(module: Path) -> None:
    Path(".vpclint.yaml").write_text("minimum_failure_severity: error\n"
                                     "rules:\n  docker_bridge_overlap: {enabled: false}\n"
                                     "  cidr_invalid: {severity: notice}\n")
    assert findings() == {"cidr_invalid": "notice"}
    assert invoke("check", "net").exit_code == 0  # a notice, failing at error
    assert findings("--enable-rule", "docker_bridge_overlap") == {"docker_bridge_overlap": "warning",
                                                                    "cidr_invalid": "notice"}
    assert invoke("check", "net", "--enable-rule", "docker_bridge_overlap").exit_code == 0  # warning < error
    assert invoke("check", "net", "--enable-rule", "docker_bridge_overlap",
                  "--minimum-failure-severity", "warning").exit_code == 1
    assert invoke("check", "net", "--minimum-failure-severity", "notice").exit_code == 1


def test_disable_rule_flag(module: Path) -> None:
    assert findings("--disable-rule", "cidr_invalid", "--disable-rule", "docker_bridge_overlap") == {}
    assert invoke("check", "net", "--disable-rule", "cidr_invalid", "--disable-rule",
                  "docker_bridge_overlap").exit_code == 0


def test_minimum_failure_severity(module: Path) -> None:
    (module / "main.tf").write_text(BRIDGE)
    assert invoke("check", "net").exit_code == 1
    assert invoke("check", "net", "--minimum-failure-severity", "error").exit_code == 0
    Path(".vpclint.yaml").write_text("minimum_failure_severity: error\n")
    assert invoke("check", "net").exit_code == 0


# -- vpclint init ---------------------------------------------------------------

def test_init_writes_a_valid_commented_config(module: Path) -> None:
    result = invoke("init")
    assert result.exit_code == 0
    text = Path(".vpclint.yaml").read_text()
    assert text == STARTER_CONFIG and text.count("\n#") > 10
    config = load_config(".vpclint.yaml")
    assert config.minimum_failure_severity == "warning"
    assert invoke("check", "net").exit_code == 1


def test_init_examples_are_valid_when_uncommented(module: Path) -> None:
    lines = []
    for line in STARTER_CONFIG.splitlines():
        if re.match(r"^# (  |[a-z_]+:)", line):
            line = line[2:]
        lines.append(line)
    Path("full.yaml").write_text("\n".join(lines) + "\n")
    (Path.cwd().parent / ".git").mkdir(exist_ok=True)  # a monorepo: with: ../network is inside the repository
    config = load_config("full.yaml")
    assert config.rules["docker_bridge_overlap"] == {"enabled": False} and config.expect and config.with_paths
    assert config.errors == []


def test_init_refuses_to_overwrite_unless_forced(module: Path) -> None:
    Path(".vpclint.yaml").write_text("recursive: true\n")
    result = invoke("init")
    assert result.exit_code == 2 and "already exists" in result.output and "--force" in result.output
    assert Path(".vpclint.yaml").read_text() == "recursive: true\n"
    assert invoke("init", "--force").exit_code == 0
    assert Path(".vpclint.yaml").read_text() == STARTER_CONFIG
    assert invoke("init", "other/place.yaml").exit_code == 2  # no such directory: an error, not a traceback


# -- safety ---------------------------------------------------------------------

def test_a_python_tag_in_the_config_is_rejected_and_not_run(module: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    Path(".vpclint.yaml").write_text(f'rules: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = invoke("check", "net")
    assert result.exit_code == 2
    assert ".vpclint.yaml:1" in result.output and "invalid YAML" in result.output
    assert not marker.exists()


def test_a_python_tag_in_a_rule_file_is_rejected_and_not_run(module: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    rules = tmp_path / "policies"
    rules.mkdir()
    (rules / "evil.yaml").write_text(f'id: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = invoke("check", "net", "--rules", str(rules))
    assert result.exit_code == 2 and "evil.yaml" in result.output
    assert not marker.exists()


def test_only_vpclint_may_declare_a_meta_rule(module: Path, tmp_path: Path) -> None:
    rules = tmp_path / "policies"
    rules.mkdir()
    (rules / "quiet.yaml").write_text(
        "id: quiet\nkind: meta\nseverity: notice\nsummary: s\n"
        "docs: {what: w, why: y, bad: b, good: g, fix: f}\n")
    result = invoke("check", "net", "--rules", str(rules))
    assert result.exit_code == 2 and "kind: meta is reserved" in result.output


def test_exclude_skips_matching_directories_and_everything_below_them(tmp_path: Path, monkeypatch) -> None:
    """From the config (relative to it) or --exclude (relative to the current directory); --recursive only."""
    bridge = 'resource "aws_vpc" "v" {\n  cidr_block = "172.17.0.0/16"\n}\n'
    for directory in ("live/prod", "live/prod/nested", "examples/a", "examples/b/deep", "test/fixture"):
        (tmp_path / directory).mkdir(parents=True)
        (tmp_path / directory / "main.tf").write_text(bridge)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / ".vpclint.yaml").write_text("exclude: ['../examples']\n")
    monkeypatch.chdir(tmp_path)

    def linted(*args: str) -> list[str]:
        result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", "--recursive", *args, "."])
        return sorted({f["file"].rsplit("/", 1)[0] for f in json.loads(result.output)["findings"]})

    assert linted() == ["examples/a", "examples/b/deep", "live/prod", "live/prod/nested", "test/fixture"]
    assert linted("--config", "conf/.vpclint.yaml") == ["live/prod", "live/prod/nested", "test/fixture"]
    assert linted("--exclude", "test/*", "--exclude", "live/prod/nested") == [
        "examples/a", "examples/b/deep", "live/prod"]
    # an explicit PATH is linted whatever the patterns say
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", "--exclude", "test/*", "test/fixture"])
    assert json.loads(result.output)["findings"]
