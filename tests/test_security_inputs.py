"""Inputs stay inside the repository; special files are never read (issue 12, point 3).

Each test is one attack from the issue, the attacker's files written into a
checkout in tmp_path (a directory with a ``.git``): a committed symlink to a
credentials file outside it, a config naming a file outside it, a tfvars
symlinked to /dev/zero, FIFOs where a tfvars, a baseline or a file() target
is expected, ``file(".git/config")``. Each run is a real ``python -m vpclint``
with a timeout and a memory cap: a hang or an unbounded read fails the test
instead of the suite. In every case the rest of the module is still linted
(the stray subnet's finding is there) and the run exits 2 naming the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and symlinks need a POSIX system")

SECRET = "ya29.c0-outside-the-repository-token"
MAIN = """\
variable "password" {
  type    = string
  default = "unset"
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "stray" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.1.0.0/24"
}
"""
STRAY = ("subnet_outside_vpc", "aws_subnet.stray")


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def run(cwd: Path, *args: str, timeout: float = 60) -> tuple[int, dict, str]:
    """``vpclint check --format json ARGS`` in ``cwd``: (exit status, report, stdout + stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    env["VPCLINT_CACHE_DIR"] = str(cwd.parent / "cache")
    proc = subprocess.run([sys.executable, "-m", "vpclint", "check", "--format", "json", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=_limit_memory)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}, proc.stdout + proc.stderr


def findings(report: dict) -> set[tuple[str, str]]:
    return {(f["rule_id"], f["resource"]) for f in report.get("findings", [])}


def errors(report: dict) -> list[tuple[str, int | None, str]]:
    return [(e["file"], e["line"], e["message"]) for e in report.get("errors", [])]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout: ``.git`` with the auth header actions/checkout leaves, a module in net/,
    and next to the checkout (outside it) a credentials file of the runner's."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text(
        '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==\n')
    (root / "net").mkdir()
    (root / "net" / "main.tf").write_text(MAIN)
    (tmp_path / "adc.json").write_text(json.dumps({"password": SECRET}))
    (tmp_path / "outside.env").write_text(f'password = "{SECRET}"\n')
    return root


def test_a_committed_symlink_to_a_file_outside_the_repository_is_not_read(repo: Path) -> None:
    (repo / "net" / "creds.auto.tfvars.json").symlink_to("../../adc.json")
    status, report, output = run(repo, "net")
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("net/creds.auto.tfvars.json", None, "variables file resolves outside the repository "
                               "(the root of the run); name it with --var-file to read it")]
    assert SECRET not in output


def test_a_config_var_file_outside_the_repository_is_refused_at_its_line(repo: Path) -> None:
    (repo / ".vpclint.yaml").write_text("minimum_failure_severity: warning\nvar_files:\n  - ../outside.env\n")
    (repo / "net" / "main.tf").write_text(MAIN + 'resource "aws_vpc" "echo" {\n  cidr_block = var.password\n}\n')
    status, report, output = run(repo, "net")
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [(".vpclint.yaml", 3, "var_files.0: ../outside.env resolves outside the repository "
                               "(the root of the run); name it with --var-file")]
    assert SECRET not in output


def test_a_config_with_entry_outside_the_repository_is_refused_at_its_line(repo: Path) -> None:
    """A state outside the checkout (the runner's, with real ids and outputs) is joined only when named
    with --with on the command line, never by a config the pull request writes."""
    (repo.parent / "state.json").write_text('{"format_version": "1.0", "values": {"root_module": {}}}')
    (repo / ".vpclint.yaml").write_text("minimum_failure_severity: warning\nwith:\n  - ../state.json\n")
    status, report, output = run(repo, "net")
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [(".vpclint.yaml", 3, "with.0: ../state.json resolves outside the repository "
                               "(the root of the run); name it with --with")]


def test_a_var_file_named_on_the_command_line_may_lie_outside(repo: Path) -> None:
    (repo / "net" / "main.tf").write_text(MAIN + 'resource "aws_vpc" "v" {\n  cidr_block = var.password\n}\n')
    (repo.parent / "ci.tfvars").write_text('password = "10.0.0.0/8"\n')
    status, report, _ = run(repo, "net", "--var-file", str(repo.parent / "ci.tfvars"))
    assert status == 1 and errors(report) == []
    assert ("cluster_cidr_overlap", "aws_vpc.v") not in findings(report) and STRAY in findings(report)


def test_a_tfvars_symlinked_to_dev_zero_is_refused_at_once(repo: Path) -> None:
    (repo / "net" / "terraform.tfvars").symlink_to("/dev/zero")
    status, report, _ = run(repo, "net", timeout=30)
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("net/terraform.tfvars", None, "variables file resolves outside the repository "
                               "(the root of the run); name it with --var-file to read it")]


def test_dev_zero_named_on_the_command_line_is_still_never_read(repo: Path) -> None:
    (repo / "zero.tfvars").symlink_to("/dev/zero")  # its size reads 0: only the file type tells
    (repo / "zero.tfvars.json").symlink_to("/dev/zero")
    status, report, _ = run(repo, "net", "--var-file", "zero.tfvars", "--var-file", "zero.tfvars.json", timeout=30)
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [
        ("zero.tfvars", None, "cannot read file: a device, not a regular file; not read"),
        ("zero.tfvars.json", None, "cannot read variables file: a device, not a regular file; not read"),
    ]


def test_a_fifo_as_terraform_tfvars_does_not_hang(repo: Path) -> None:
    os.mkfifo(repo / "net" / "terraform.tfvars")
    status, report, _ = run(repo, "net", timeout=30)
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("net/terraform.tfvars", None, "cannot read file: a FIFO, not a regular file; not read")]


def test_a_fifo_as_the_baseline_does_not_hang(repo: Path) -> None:
    os.mkfifo(repo / "baseline.json")
    status, report, _ = run(repo, "net", "--baseline", "baseline.json", timeout=30)
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("baseline.json", None, "cannot read baseline: a FIFO, not a regular file; not read")]


def test_a_fifo_as_a_file_target_does_not_hang(repo: Path) -> None:
    os.mkfifo(repo / "net" / "cidr.txt")
    (repo / "net" / "main.tf").write_text(MAIN + 'resource "aws_vpc" "f" {\n  cidr_block = file("cidr.txt")\n}\n')
    status, report, _ = run(repo, "net", timeout=30)
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("net/main.tf", 12, "file() target net/cidr.txt cannot be read: "
                               "a FIFO, not a regular file; not read")]


def test_file_never_reads_git_metadata(repo: Path) -> None:
    (repo / "net" / "main.tf").write_text(
        MAIN + 'resource "aws_vpc" "g" {\n  cidr_block = regex("basic (.*)", file("../.git/config"))[0]\n}\n')
    status, report, output = run(repo, "net")
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("net/main.tf", 12, "file() target .git/config is inside git's "
                               "metadata (.git), which vpclint never reads")]
    assert "eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA" not in output


def test_file_outside_the_repository_is_an_error_at_the_reference(repo: Path) -> None:
    (repo / "net" / "main.tf").write_text(
        MAIN + 'resource "aws_vpc" "o" {\n  cidr_block = jsondecode(file("../../adc.json")).password\n}\n')
    status, report, output = run(repo, "net")
    assert status == 2 and STRAY in findings(report)
    assert [(f, line) for f, line, _ in errors(report)] == [("net/main.tf", 12)]
    assert "resolves outside the repository" in errors(report)[0][2] and SECRET not in output


def test_a_file_inside_the_repository_is_read(repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "cidr.txt").write_text("10.0.0.0/8\n")
    (repo / "net" / "main.tf").write_text(
        MAIN + 'resource "aws_vpc" "s" {\n  cidr_block = trimspace(file("../shared/cidr.txt"))\n}\n')
    status, report, _ = run(repo, "net")
    assert status == 1 and errors(report) == [] and STRAY in findings(report)


def test_without_git_the_root_is_the_directory_of_path(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(MAIN)
    (tmp_path / "adc.json").write_text(json.dumps({"password": SECRET}))
    (tmp_path / "net" / "x.auto.tfvars.json").symlink_to("../adc.json")
    status, report, output = run(tmp_path, "net")
    assert status == 2 and [f for f, _, _ in errors(report)] == ["net/x.auto.tfvars.json"]
    assert SECRET not in output


def test_a_config_rule_dir_outside_the_repository_is_refused(repo: Path) -> None:
    (repo.parent / "rules").mkdir()
    (repo / ".vpclint.yaml").write_text("rule_dirs: [../rules]\n")
    status, report, _ = run(repo, "net")
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [(".vpclint.yaml", 1, "rule_dirs.0: ../rules resolves outside the repository "
                               "(the root of the run); name it with --rules")]


def test_a_manifest_linked_outside_the_repository_is_not_read(repo: Path) -> None:
    (repo.parent / "policy.yaml").write_text("kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\n"
                                             f"metadata: {{name: '{SECRET}'}}\nspec: {{podSelector: {{}}}}\n")
    (repo / "net" / "policy.yaml").symlink_to("../../policy.yaml")
    status, report, output = run(repo, "net")
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("net/policy.yaml", None, "manifest resolves outside the repository "
                               "(the root of the run); name it as a PATH to lint it")]
    assert SECRET not in output


def test_a_tf_file_linked_outside_the_repository_is_not_read(repo: Path) -> None:
    # parsed, a credentials file would be quoted by the parser's error message
    (repo.parent / "credentials").write_text(f"[default]\naws_secret_access_key = {SECRET}\n")
    (repo / "net" / "creds.tf").symlink_to("../../credentials")
    status, report, output = run(repo, "net")
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("net/creds.tf", None, "creds.tf resolves outside the repository "
                               "(the root of the run) to a file that is no Terraform configuration; not read")]
    assert SECRET not in output


def test_a_tf_file_named_on_the_command_line_may_lie_outside(repo: Path) -> None:
    (repo.parent / "extra.tf").write_text(MAIN)
    (repo / "net" / "extra.tf").symlink_to("../../extra.tf")
    status, report, _ = run(repo, "net/extra.tf")
    assert status == 1 and STRAY in findings(report) and errors(report) == []


def test_a_plan_recursive_finds_linked_outside_the_repository_is_not_read(repo: Path) -> None:
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_vpc.leak", "mode": "managed", "type": "aws_vpc", "name": "leak",
         "values": {"cidr_block": "10.0.0.0/99", "tags": {"Name": SECRET}}}]}}}
    (repo.parent / "state.json").write_text(json.dumps(plan))
    (repo / "plan.json").symlink_to("../state.json")
    status, report, output = run(repo, ".", "--recursive")
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("plan.json", None, "plan or state resolves outside the repository "
                               "(the root of the run); name it as a PATH to lint it")]
    assert SECRET not in output and "aws_vpc.leak" not in output
    status, report, _ = run(repo, "plan.json")  # named on the command line: the runner's choice
    assert ("cidr_invalid", "aws_vpc.leak") in findings(report)


def test_a_fifo_as_the_config_file_does_not_hang(repo: Path) -> None:
    os.mkfifo(repo / ".vpclint.yaml")
    status, _, output = run(repo, "net", timeout=30)
    assert status == 2 and "Error: .vpclint.yaml: cannot read: a FIFO, not a regular file; not read" in output


def test_a_fifo_named_as_path_does_not_hang(repo: Path) -> None:
    os.mkfifo(repo / "main.tf")
    status, report, _ = run(repo, "main.tf", "net", timeout=30)
    assert status == 2 and STRAY in findings(report)
    assert errors(report) == [("main.tf", None, "a FIFO, device or socket, not a regular file; not read")]
