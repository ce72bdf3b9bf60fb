"""No network, no code execution.

A full lint (every format, graph, explain) attempts no connection and no
name lookup: in-process with the socket functions made to fail and record,
and in a real ``python -m vpclint`` whose audit hook records every socket,
HTTP or process-spawning event (its parse workers, forked, inherit the hook).

Input, config, rule, baseline and manifest files are data: a
``!!python/object/apply`` tag is rejected and nothing runs. The config and
rule file cases are in tests/test_workflow_config.py and tests/test_engine.py;
the baseline, manifests and yamldecode() are here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vpclint.cli import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
FORMATS = ["text", "json", "sarif", "junit", "checkstyle", "compact", "github", "markdown"]

# events that mean the network, or another program, was reached for
FORBIDDEN = ("socket.", "urllib.", "http.", "ftplib.", "smtplib.", "webbrowser.", "os.system", "os.exec",
             "os.posix_spawn", "os.spawn", "subprocess.Popen", "pty.spawn")
AUDIT_DRIVER = """
import os, sys
LOG, FORBIDDEN = os.environ["VPCLINT_AUDIT_LOG"], tuple(os.environ["VPCLINT_AUDIT_EVENTS"].split())
def hook(event, args):
    if event.startswith(FORBIDDEN):
        fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, (event + " " + repr(args)[:300] + "\\n").encode())
        os.close(fd)
sys.addaudithook(hook)
import runpy
sys.argv = ["vpclint", *sys.argv[1:]]
runpy.run_module("vpclint", run_name="__main__")
"""


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def no_network(monkeypatch) -> list:
    attempts: list = []

    def refuse(name):
        def refused(*args, **kwargs):
            attempts.append((name, args[1:] if name.startswith("socket.socket") else args))
            raise OSError(f"vpclint test: {name} is not allowed")
        return refused

    for name in ("connect", "connect_ex", "sendto", "bind"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.socket.{name}"))
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        monkeypatch.setattr(socket, name, refuse(f"socket.{name}"))
    return attempts


def test_a_full_lint_attempts_no_connection(in_tmp, no_network) -> None:
    runner = CliRunner()
    for fmt in FORMATS:
        result = runner.invoke(cli, ["check", "--recursive", "--format", fmt, str(FIXTURES)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (1, 2) and "internal error" not in result.output
    for args in (["graph", str(FIXTURES / "seed000_cross_vpc" / "broken")], ["explain", "pod_ingress_missing"],
                 ["rules"], ["check", "--config", str(FIXTURES / "user_rule" / ".vpclint.yaml"),
                             str(FIXTURES / "user_rule")]):
        result = runner.invoke(cli, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
    assert no_network == []


def test_the_refusal_is_real(no_network) -> None:
    """The patched functions refuse and record (else the test above proves nothing)."""
    with pytest.raises(OSError):
        socket.create_connection(("localhost", 9))
    with pytest.raises(OSError):
        socket.getaddrinfo("example.org", 443)
    assert [name for name, _ in no_network] == ["socket.create_connection", "socket.getaddrinfo"]


def audited(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = tmp_path / "audit.log"
    env = {**os.environ, "VPCLINT_AUDIT_LOG": str(log), "VPCLINT_AUDIT_EVENTS": " ".join(FORBIDDEN),
           "VPCLINT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", AUDIT_DRIVER, *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=180)
    return done, log.read_text().splitlines() if log.exists() else []


def test_a_real_run_reaches_for_no_network_and_no_program(tmp_path) -> None:
    done, events = audited(tmp_path, "check", "--recursive", "--format", "sarif", str(FIXTURES))
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert '"$schema"' in done.stdout  # the SARIF schema is named, never fetched
    assert events == []


# -- data cannot run code --------------------------------------------------------------


def _evil(marker: Path) -> str:
    return f'!!python/object/apply:os.system ["touch {marker}"]'


def test_a_python_tag_in_a_baseline_is_rejected_and_not_run(in_tmp) -> None:
    marker = in_tmp / "pwned"
    (in_tmp / "baseline.json").write_text(_evil(marker) + "\n")
    result = CliRunner().invoke(cli, ["check", "--baseline", "baseline.json", str(FIXTURES / "subnet_cidr_overlap" / "fail")])
    assert result.exit_code == 2 and "baseline.json" in result.output and not marker.exists()


@pytest.mark.parametrize("where", ["named", "in-directory"])
def test_a_python_tag_in_a_kubernetes_manifest_is_rejected_and_not_run(in_tmp, where) -> None:
    marker = in_tmp / "pwned"
    policy = in_tmp / "k8s" / "policy.yaml"
    policy.parent.mkdir()
    policy.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
                      f"  name: {_evil(marker)}\nspec:\n  podSelector: {{}}\n")
    result = CliRunner().invoke(cli, ["check", "--format", "json", str(policy if where == "named" else policy.parent)])
    assert result.exit_code == 2 and not marker.exists()
    [error] = json.loads(result.stdout)["errors"]
    assert (Path(error["file"]).name, error["line"]) == ("policy.yaml", 4) and "constructor for the tag" in error["message"]


def test_a_python_tag_in_a_config_given_with_config_is_rejected_and_not_run(in_tmp) -> None:
    marker = in_tmp / "pwned"
    (in_tmp / "custom.yaml").write_text(f"minimum_failure_severity: {_evil(marker)}\n")
    result = CliRunner().invoke(cli, ["check", "--config", "custom.yaml", str(FIXTURES / "subnet_cidr_overlap" / "fail")])
    assert result.exit_code == 2 and "custom.yaml:1" in result.output and not marker.exists()


def test_yamldecode_in_terraform_builds_no_python_object(in_tmp) -> None:
    marker = in_tmp / "pwned"
    module = in_tmp / "m"
    module.mkdir()
    (module / "main.tf").write_text(
        'locals {\n  doc = yamldecode("x: ' + _evil(marker).replace('"', '\\"') + '")\n}\n'
        'resource "kubernetes_manifest" "p" {\n  manifest = local.doc\n}\n'
        'resource "aws_vpc" "v" {\n  cidr_block = try(local.doc.x, "10.0.0.0/16")\n}\n')
    result = CliRunner().invoke(cli, ["check", "--format", "json", str(module)])
    assert result.exit_code in (0, 1, 2) and "internal error" not in result.output
    assert not marker.exists()


def test_evil_inputs_under_audit_run_nothing(tmp_path) -> None:
    """The same files, linted by a real process whose audit hook watches for
    os.system, subprocess and the network."""
    marker = tmp_path / "pwned"
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "policy.yaml").write_text(f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                                                  f"metadata:\n  name: {_evil(marker)}\n")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "evil.yaml").write_text(f"id: {_evil(marker)}\n")
    (tmp_path / "baseline.json").write_text(_evil(marker))
    done, events = audited(tmp_path, "check", "--rules", "rules", "--baseline", "baseline.json", "k8s",
                           str(FIXTURES / "subnet_cidr_overlap" / "fail"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert events == [] and not marker.exists()
