"""The pre-commit hook: `vpclint check --pre-commit FILES`, and the real pre-commit.

The last test drives the real ``pre-commit try-repo`` against this checkout
(it builds vpclint into pre-commit's own virtualenv, about a minute). Set
VPCLINT_SKIP_PRECOMMIT_TEST=1 to skip it where pre-commit cannot install
packages; CI runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import FIXTURES, REPO
from vpclint.cli import cli
from vpclint.lint import changed_file_targets

SOURCE = FIXTURES / "workflow_precommit"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(SOURCE, tmp_path / "infra")
    (tmp_path / "infra" / ".terraform" / "modules" / "x").mkdir(parents=True)
    (tmp_path / "infra" / ".terraform" / "modules" / "x" / "main.tf").write_text("")
    return tmp_path


def test_changed_files_are_grouped_by_directory(tree: Path) -> None:
    files = ["infra/net/main.tf", "infra/net/terraform.tfvars", "infra/net/peer.tf", "infra/clean/main.tf",
             "infra/vars_only/prod.tfvars", "README.md", "infra/.terraform/modules/x/main.tf", "infra/net/main.tf"]
    assert changed_file_targets(files) == ["infra/clean", "infra/net"]


def test_a_tfvars_file_alone_means_its_directory(tree: Path) -> None:
    assert changed_file_targets(["infra/net/terraform.tfvars"]) == ["infra/net"]
    assert changed_file_targets(["infra/vars_only/prod.tfvars"]) == []


def test_files_in_the_current_directory(tree: Path, monkeypatch) -> None:
    monkeypatch.chdir(tree / "infra" / "net")
    assert changed_file_targets(["main.tf", "terraform.tfvars"]) == ["."]


def test_each_directory_is_linted_once(tree: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--pre-commit", "--format", "json", "infra/net/main.tf",
                                      "infra/net/terraform.tfvars", "infra/net/peer.tf", "infra/clean/main.tf"])
    assert result.exit_code == 1
    findings = json.loads(result.output)["findings"]
    # the tfvars beside the module sets the range that overlaps docker0; reported once, not per file
    assert [(f["rule_id"], f["resource"], f["file"]) for f in findings] == [
        ("docker_bridge_overlap", "aws_vpc.main", "infra/net/main.tf")]


def test_pre_commit_lints_only_the_changed_directories_even_when_recursive(tree: Path) -> None:
    Path(".vpclint.yaml").write_text("recursive: true\n")
    Path("infra/main.tf").write_text('resource "aws_vpc" "top" {\n  cidr_block = "10.60.0.0/16"\n}\n')
    result = CliRunner().invoke(cli, ["check", "--pre-commit", "--recursive", "--format", "json", "infra/main.tf"])
    assert result.exit_code == 0 and json.loads(result.output)["findings"] == []


def test_nothing_to_lint_is_clean(tree: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--pre-commit", "infra/vars_only/prod.tfvars", "README.md"])
    assert result.exit_code == 0 and result.output == ""


def test_a_clean_directory_passes(tree: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--pre-commit", "infra/clean/main.tf"])
    assert result.exit_code == 0


def test_hook_definition() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "vpclint" and hook["language"] == "python"
    assert hook["pass_filenames"] is True and hook["require_serial"] is True
    assert hook["files"] == r"\.(tf|tfvars)(\.json)?$"
    wanted = ["main.tf", "terraform.tfvars", "cdk.tf.json", "x.auto.tfvars.json"]
    assert [n for n in [*wanted, "plan.json", "main.tf.bak", "policy.yaml"] if re.search(hook["files"], n)] == wanted
    assert hook["entry"].split()[:3] == ["vpclint", "check", "--pre-commit"]


def test_action_definition() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"path", "args", "sarif"}
    uses = [step.get("uses", "") for step in action["runs"]["steps"]]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    scripts = "\n".join(step.get("run", "") for step in action["runs"]["steps"])
    assert "${{" not in scripts, "inputs reach scripts through env, never pasted into the script"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)


@pytest.mark.skipif(bool(os.environ.get("VPCLINT_SKIP_PRECOMMIT_TEST")), reason="VPCLINT_SKIP_PRECOMMIT_TEST is set")
def test_real_pre_commit_runs_the_hook(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: pre-commit try-repo needs one")
    repo = tmp_path / "repo"
    shutil.copytree(SOURCE, repo)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "VPCLINT_CACHE_DIR": str(tmp_path / "c"),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid", "NO_COLOR": "1"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "vpclint", "--all-files", "--color", "never"]
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "vpclint" in output and "Failed" in output, output
    assert "docker_bridge_overlap" in output and "net/main.tf line 11" in output, output
    # the net directory (three files passed) is reported once; the clean one adds nothing
    assert output.count("issue(s) found") == 1 and output.count("(docker_bridge_overlap)") == 1, output
