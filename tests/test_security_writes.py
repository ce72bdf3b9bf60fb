"""Files vpclint writes are never written through a link (issue 12, point 1).

The attacker owns the checkout: the pull request commits a link named like
the report the CI job writes (``vpclint.md -> <site-packages>/x.pth``) and
a VPC name that is a line of Python (fixtures/security_writes/pth_payload).
Written through the link, the report would become a ``.pth`` file that the
next Python start runs. Each test runs vpclint in a checkout holding such a
link and requires the link's target to be left exactly as it was, and the
run to fail with exit 2 naming the path.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from vpclint import safefs
from vpclint.cli import cli

PAYLOAD = FIXTURES / "security_writes" / "pth_payload"
ORIGINAL = "# a file of the runner's, outside the checkout\n"


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch) -> Path:
    """The pull request's checkout (the current directory), holding the payload module."""
    root = tmp_path / "checkout"
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "main.tf").write_text((PAYLOAD / "main.tf").read_text())
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Somewhere outside the checkout that Python trusts (a site-packages)."""
    directory = tmp_path / "site-packages"
    directory.mkdir()
    return directory


def check(*args: str):
    return CliRunner().invoke(cli, ["check", "--no-cache", *args])


def said(result) -> str:
    """What a run told the user: an --output error on stderr, a baseline's among the report's errors."""
    return result.stdout + result.stderr


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".tmp-"))


@pytest.mark.parametrize("target_exists", [True, False], ids=["target exists", "dangling link"])
@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_a_link_named_as_the_output_is_never_written_through(option, target_exists, checkout, site) -> None:
    target = site / "x.pth"
    if target_exists:
        target.write_text(ORIGINAL)
    (checkout / "vpclint.md").symlink_to(target)
    result = check("--format", "markdown", option, "vpclint.md", "infra")
    assert result.exit_code == 2
    assert "vpclint.md" in said(result) and "symbolic link" in said(result)
    if target_exists:
        assert target.read_text() == ORIGINAL
    else:
        assert not target.exists()
    assert (checkout / "vpclint.md").is_symlink()  # the link is left for the user to see
    assert leftovers(checkout) == []


def test_the_pth_attack_end_to_end_leaves_site_packages_alone(checkout, site) -> None:
    """The README's GitLab job, run as a process: the report never reaches the .pth file."""
    target = site / "x.pth"
    (checkout / "vpclint.md").symlink_to(target)
    run = subprocess.run([sys.executable, "-m", "vpclint", "check", "--no-cache", "--format", "markdown",
                          "--output", "vpclint.md", "infra"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "Error: vpclint.md: cannot write the report: is a symbolic link" in run.stderr
    assert not target.exists()


def test_init_never_writes_through_a_link(checkout, site) -> None:
    target = site / "x.pth"
    (checkout / ".vpclint.yaml").symlink_to(target)  # dangling: os.path.exists says there is nothing
    runner = CliRunner()
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 2 and "already exists" in result.stderr
    result = runner.invoke(cli, ["init", "--force"])
    assert result.exit_code == 2 and ".vpclint.yaml" in result.stderr and "symbolic link" in result.stderr
    assert not target.exists()


def test_graph_output_never_writes_through_a_link(checkout, site) -> None:
    target = site / "x.pth"
    target.write_text(ORIGINAL)
    (checkout / "net.mmd").symlink_to(target)
    result = CliRunner().invoke(cli, ["graph", "infra", "--output", "net.mmd"])
    assert result.exit_code == 2 and "net.mmd" in result.stderr
    assert target.read_text() == ORIGINAL


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_a_directory_link_leading_out_of_the_checkout_is_refused(option, checkout, site) -> None:
    (checkout / "reports").symlink_to(site, target_is_directory=True)
    result = check(option, "reports/x.pth", "infra")
    assert result.exit_code == 2
    assert "reports" in said(result) and "outside the current directory" in said(result)
    assert list(site.iterdir()) == []


def test_a_dangling_directory_link_is_refused(checkout, tmp_path: Path) -> None:
    (checkout / "reports").symlink_to(tmp_path / "nowhere", target_is_directory=True)
    result = check("--output", "reports/vpclint.md", "infra")
    assert result.exit_code == 2 and "reports" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_a_directory_link_that_stays_inside_the_checkout_is_followed(checkout) -> None:
    (checkout / "out").mkdir()
    (checkout / "reports").symlink_to(checkout / "out", target_is_directory=True)
    result = check("--format", "json", "--output", "reports/vpclint.json", "infra")
    assert result.exit_code == 1, result.stderr
    assert (checkout / "out" / "vpclint.json").read_text().startswith("{")


def test_a_directory_the_user_names_outside_the_checkout_is_the_users_choice(checkout, tmp_path: Path) -> None:
    """``--output $RUNNER_TEMP/x`` where the runner's temp directory is itself a link: written there."""
    real = tmp_path / "runner-temp-real"
    real.mkdir()
    (tmp_path / "runner-temp").symlink_to(real, target_is_directory=True)
    result = check("--format", "json", "--output", str(tmp_path / "runner-temp" / "vpclint.json"), "infra")
    assert result.exit_code == 1, result.stderr
    assert (real / "vpclint.json").is_file()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_a_fifo_named_as_the_output_is_refused_without_hanging(option, checkout) -> None:
    os.mkfifo(checkout / "report.fifo")
    run = subprocess.run([sys.executable, "-m", "vpclint", "check", "--no-cache", option, "report.fifo", "infra"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "report.fifo" in said(run) and "not a regular file" in said(run)
    assert stat.S_ISFIFO(os.lstat(checkout / "report.fifo").st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_named_as_the_output_is_refused(checkout) -> None:
    result = check("--output", "/dev/zero", "infra")
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_the_null_device_discards_the_report(checkout) -> None:
    result = check("--output", os.devnull, "infra")
    assert result.exit_code == 1 and f"report written to {os.devnull}" in result.stderr


def test_a_regular_file_is_replaced_whole_keeping_its_permissions(checkout) -> None:
    report = checkout / "vpclint.json"
    report.write_text("old " * 10_000)
    os.chmod(report, 0o640)
    result = check("--format", "json", "--output", "vpclint.json", "infra")
    assert result.exit_code == 1
    assert report.read_text().startswith("{") and "old" not in report.read_text()
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert leftovers(checkout) == []


def test_a_new_file_gets_the_mode_open_would_give_it(checkout) -> None:
    result = check("--format", "json", "--output", "vpclint.json", "infra")
    assert result.exit_code == 1
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE((checkout / "vpclint.json").stat().st_mode) == 0o666 & ~mask


def test_a_baseline_written_is_read_back(checkout) -> None:
    result = check("--write-baseline", "baseline.json", "infra")
    assert result.exit_code == 0, result.stderr  # every finding recorded, so none is new
    assert '"fingerprint"' in (checkout / "baseline.json").read_text()


def test_a_disk_that_refuses_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safefs.os, "replace", full)
    with pytest.raises(OSError):
        safefs.write_file(str(tmp_path / "x.md"), b"report")
    assert list(tmp_path.iterdir()) == []
