"""A file's content is quoted only when git's index holds exactly those bytes (gitindex.py).

Subnet names a YAML factory commits stay readable in addresses; a file a CI
step wrote into the checkout, a committed file the runner changed, or a
committed link to an uncommitted file stays hidden.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from test_security_secrets import report
from vpclint import gitindex

MAIN = """\
locals {
  subnets = yamldecode(file("${path.module}/subnets.yaml"))
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  for_each   = { for s in local.subnets : s.name => s }
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value.cidr
}
"""
SUBNETS = "- {name: reports-europe, cidr: 10.0.1.0/24}\n- {name: payroll-batch, cidr: 10.9.0.0/24}\n"
FINDING = ("subnet_outside_vpc", 'aws_subnet.s["payroll-batch"]')
HIDDEN = ("subnet_outside_vpc", 'aws_subnet.s["(a sensitive value)"]')


def git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, env=env, check=True,
                   capture_output=True)


def repo(tmp_path: Path, index_version: int = 2) -> Path:
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "main.tf").write_text(MAIN)
    (tmp_path / "net" / "subnets.yaml").write_text(SUBNETS)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "net")
    git(tmp_path, "update-index", "--index-version", str(index_version))
    git(tmp_path, "commit", "-q", "-m", "net")
    return tmp_path


def findings(root: Path) -> set[tuple[str, str]]:
    data, _ = report(root, "net", "--no-cache")
    return {(f["rule_id"], f["resource"]) for f in data["findings"]}


@pytest.mark.parametrize("version", [2, 3, 4])
def test_committed_content_is_quoted(tmp_path: Path, version: int) -> None:
    assert findings(repo(tmp_path, version)) == {FINDING}


def test_content_changed_after_checkout_is_hidden(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "net" / "subnets.yaml").write_text(SUBNETS + "- {name: written-by-ci, cidr: 10.0.2.0/24}\n")
    assert findings(root) == {HIDDEN}


def test_an_uncommitted_file_is_hidden(tmp_path: Path) -> None:
    root = repo(tmp_path)
    git(root, "rm", "-q", "--cached", "net/subnets.yaml")
    assert findings(root) == {HIDDEN}


def test_a_committed_link_to_an_uncommitted_file_is_hidden(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "ci").mkdir()
    (root / "net" / "subnets.yaml").rename(root / "ci" / "creds.yaml")
    (root / "net" / "subnets.yaml").symlink_to("../ci/creds.yaml")
    git(root, "add", "net/subnets.yaml")
    git(root, "commit", "-q", "-m", "link")
    assert findings(root) == {HIDDEN}


def test_no_git_index_hides(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / ".git" / "index").unlink()
    assert findings(root) == {HIDDEN}


@pytest.mark.parametrize("garbage", [b"", b"DIRC", b"DIRC\x00\x00\x00\x02\x00\x00\x00\x05" + b"\xff" * 40,
                                     b"DIRC\x00\x00\x00\x04\x00\x00\x00\x01" + b"\x00" * 62 + b"\xff\xff"])
def test_a_broken_index_answers_not_committed(tmp_path: Path, garbage: bytes) -> None:
    root = repo(tmp_path)
    (root / ".git" / "index").write_bytes(garbage)
    content = (root / "net" / "subnets.yaml").read_bytes()
    assert not gitindex.committed(str(root), str(root / "net" / "subnets.yaml"), content)


def test_outside_the_work_tree_is_never_committed(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    root = repo(tmp_path / "r")
    assert not gitindex.committed(str(root), str(tmp_path / "elsewhere.yaml"), SUBNETS.encode())
