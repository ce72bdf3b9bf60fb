"""No secret reaches any output or the cache (issue 12, point 2).

The attacker writes the ``.tf`` files; the runner holds the secrets: in
``TF_VAR_*``, in variables declared ``sensitive``, in files. Each test routes
one into an attribute vpclint complains about (directly, through
``strrev``/``cidrsubnet``/``regex``, as a file() path, as for_each keys) and
checks that no format prints it while the finding itself is still reported,
and that the cache directory never holds it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FORMATS = ["text", "json", "sarif", "junit", "checkstyle", "compact", "github", "markdown"]
PASSWORD = "hunter2-correct-horse"
BASE = """\
variable "db_password" {
  type    = string
  default = "unset"
}
variable "office_cidr" {
  type    = string
  default = "10.0.0.0/24"
}
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
"""
LEAKS = BASE + """\
resource "aws_subnet" "office" {
  vpc_id     = aws_vpc.main.id
  cidr_block = var.office_cidr
}
resource "aws_subnet" "derived" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.office_cidr, 8, 1)
}
resource "aws_vpc" "reversed" {
  cidr_block = strrev(var.db_password)
}
"""
RUNNER = {"TF_VAR_db_password": PASSWORD, "TF_VAR_office_cidr": "10.99.0.0/16"}


def run(cwd: Path, *args: str, env: dict | None = None, command: str = "check") -> tuple[int, str]:
    """``vpclint COMMAND ARGS`` in ``cwd`` with the runner's environment ``env``: (status, stdout + stderr)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    full.update(env or {})
    full.setdefault("VPCLINT_CACHE_DIR", str(cwd / ".cache"))
    proc = subprocess.run([sys.executable, "-m", "vpclint", command, *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def report(cwd: Path, *args: str, env: dict | None = None) -> tuple[dict, str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    full.update(env or {})
    full.setdefault("VPCLINT_CACHE_DIR", str(cwd / ".cache"))
    proc = subprocess.run([sys.executable, "-m", "vpclint", "check", "--format", "json", *args], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=120)
    return json.loads(proc.stdout), proc.stdout + proc.stderr


def module(tmp_path: Path, main: str, **files: str) -> Path:
    (tmp_path / ".git").mkdir(parents=True, exist_ok=True)
    (tmp_path / "net").mkdir(exist_ok=True)
    (tmp_path / "net" / "main.tf").write_text(main)
    for name, content in files.items():
        (tmp_path / "net" / name).write_text(content)
    return tmp_path


def cache_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.rglob("*") if p.is_file())


def rules_of(data: dict) -> set[tuple[str, str]]:
    return {(f["rule_id"], f["resource"]) for f in data["findings"]}


@pytest.mark.parametrize("format_", FORMATS)
def test_tf_var_secrets_are_in_no_format(tmp_path: Path, format_: str) -> None:
    root = module(tmp_path, LEAKS)
    status, output = run(root, "net", "--format", format_, env=RUNNER)
    assert status == 1, output
    for secret in (PASSWORD, PASSWORD[::-1], "10.99."):  # the values, reversed, and cidrsubnet() of one
        assert secret not in output
    if format_ == "json":  # still linted as before: the same findings, the values described or redacted
        data = json.loads(output)
        assert rules_of(data) == {("subnet_outside_vpc", "aws_subnet.office"), ("subnet_outside_vpc", "aws_subnet.derived"),
                                  ("subnet_cidr_overlap", "aws_subnet.derived"), ("cidr_invalid", "aws_vpc.reversed")}
        messages = {f["resource"]: f["message"] for f in data["findings"]}
        assert messages["aws_subnet.office"] == ("subnet aws_subnet.office ((a sensitive value)) is not inside any "
                                                 "CIDR of aws_vpc.main (10.0.0.0/16)")
        assert messages["aws_vpc.reversed"] == "cidr_block of aws_vpc.reversed: a 21-character value has no prefix length"


def test_secrets_are_never_written_to_the_cache(tmp_path: Path) -> None:
    root = module(tmp_path, LEAKS)
    first = run(root, "net", "--format", "json", env=RUNNER)
    second = run(root, "net", "--format", "json", env=RUNNER)
    assert first == second and PASSWORD not in first[1]
    stored = cache_bytes(root / ".cache")
    assert stored  # the parse cache holds the .tf file: the cache is in use
    for secret in (PASSWORD, PASSWORD[::-1], "10.99."):
        assert secret.encode() not in stored


def test_a_sensitive_variable_from_a_var_file_stays_out_of_output_and_cache(tmp_path: Path) -> None:
    root = module(tmp_path, BASE.replace('  default = "10.0.0.0/24"\n', '  sensitive = true\n') + """\
resource "aws_subnet" "office" {
  vpc_id     = aws_vpc.main.id
  cidr_block = var.office_cidr
}
""")
    (tmp_path / "ci.tfvars").write_text('office_cidr = "10.77.0.0/16"\n')
    data, output = report(root, "net", "--var-file", "ci.tfvars")
    assert rules_of(data) == {("subnet_outside_vpc", "aws_subnet.office")}
    assert "10.77." not in output and b"10.77." not in cache_bytes(root / ".cache")


def test_sensitive_marks_and_nonsensitive_does_not_unmark(tmp_path: Path) -> None:
    root = module(tmp_path, BASE + """\
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = sensitive("10.66.0.0/24")
}
resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.main.id
  cidr_block = nonsensitive(upper(sensitive("10.65.0.0/24")))
}
""")
    data, output = report(root, "net")
    assert rules_of(data) == {("subnet_outside_vpc", "aws_subnet.a"), ("subnet_outside_vpc", "aws_subnet.b")}
    assert "10.66." not in output and "10.65." not in output


def test_a_modules_yaml_keeps_its_addresses_and_keys_but_hides_the_rest(tmp_path: Path) -> None:
    """A factory reading subnets from YAML (cloud-foundation-fabric style): the CIDRs and the for_each
    keys are configuration and shown; a string that is no address is hidden like any file content."""
    root = module(tmp_path, BASE + """\
locals {
  subnets = yamldecode(file("subnets.yaml"))
}
resource "aws_subnet" "s" {
  for_each   = local.subnets
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value.cidr
  tags       = { Name = each.value.note }
}
""", **{"subnets.yaml": "apps:\n  cidr: 10.77.0.0/24\n  note: ghs_tokenvalue123456\n"})
    data, output = report(root, "net")
    assert rules_of(data) == {("subnet_outside_vpc", 'aws_subnet.s["apps"]')}
    assert 'aws_subnet.s["apps"] (10.77.0.0/24) is not inside' in data["findings"][0]["message"]
    assert "ghs_tokenvalue123456" not in output


def test_file_contents_are_never_quoted(tmp_path: Path) -> None:
    root = module(tmp_path, BASE + """\
resource "aws_subnet" "f" {
  vpc_id     = aws_vpc.main.id
  cidr_block = regex("peer=(\\\\S+)", file("ci.env"))[0]
}
""", **{"ci.env": "token=ghs_abcdefghijklmnop\npeer=10.44.0.0/16\n"})
    data, output = report(root, "net")
    assert rules_of(data) == {("subnet_outside_vpc", "aws_subnet.f")}
    # a repository file's addresses are configuration and quoted (taint.py, soft marks); the rest never
    assert "ghs_abcdefghijklmnop" not in output and "token=" not in output
    assert "aws_subnet.f (10.44.0.0/16) is not inside" in output
    again, _ = report(root, "net")  # served by the result cache: redacted the same
    assert again == data


def test_a_word_from_a_repository_file_is_not_cut_out_of_addresses(tmp_path: Path) -> None:
    # cloud-foundation-fabric read "compute" from a YAML file and every google_compute_* address came out
    # as google_(a sensitive value)_...: a repository file's string is hidden only as a token of its own
    root = module(tmp_path, BASE + """\
locals {
  kinds = yamldecode(file("kinds.yaml"))
}
resource "aws_subnet" "f" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.44.0.0/24"
  tags       = { kind = local.kinds.kind, note = local.kinds.note }
}
""", **{"kinds.yaml": "kind: subnet\nnote: ghs_abcdefghijklmnop\n"})
    data, output = report(root, "net")
    assert rules_of(data) == {("subnet_outside_vpc", "aws_subnet.f")}
    assert "aws_subnet.f (10.44.0.0/24) is not inside" in output  # "subnet" (soft) left inside aws_subnet.f


def test_a_secret_used_as_a_path_or_key_is_not_echoed_in_errors_or_unknowns(tmp_path: Path) -> None:
    root = module(tmp_path, BASE + """\
resource "aws_vpc" "p" {
  cidr_block = file(var.db_password)
}
resource "aws_vpc" "k" {
  cidr_block = lookup({ a = "10.1.0.0/16" }, var.db_password)
}
resource "aws_vpc" "e" {
  for_each   = toset([var.db_password])
  cidr_block = "10.2.0.0"
}
""")
    data, output = report(root, "net", env=RUNNER)
    assert PASSWORD not in output
    assert [(e["file"], e["line"]) for e in data["errors"]] == [("net/main.tf", 12)]  # the file() target
    assert ("cidr_invalid", 'aws_vpc.e["(a sensitive value)"]') in rules_of(data)  # the key, in the address


@pytest.mark.parametrize("config, expected", [
    ("minimum_failure_severity: hunter2-config-secret\n",
     '.vpclint.yaml:1: minimum_failure_severity: must be one of "error", "warning", "notice"'),
    ("recursive: hunter2-config-secret\n", ".vpclint.yaml:1: recursive: must be boolean, not a string"),
    ("var_files: hunter2-config-secret\n", ".vpclint.yaml:1: var_files: must be array, not a string"),
])
def test_schema_errors_do_not_echo_the_rejected_value(tmp_path: Path, config: str, expected: str) -> None:
    root = module(tmp_path, BASE)
    (root / ".vpclint.yaml").write_text(config)
    status, output = run(root, "net")
    assert status == 2 and expected in output
    assert "hunter2" not in output


def test_the_graph_quotes_no_secret(tmp_path: Path) -> None:
    root = module(tmp_path, LEAKS)
    status, output = run(root, "net", env=RUNNER, command="graph")
    assert status == 0 and "aws_subnet.office" in output.replace("aws_subnet_office", "aws_subnet.office")
    assert "10.99." not in output and PASSWORD not in output


def test_a_plans_sensitive_attributes_are_not_quoted(tmp_path: Path) -> None:
    def change(address: str, after: dict, sensitive: dict) -> dict:
        kind, name = address.split(".")
        return {"address": address, "mode": "managed", "type": kind, "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {},
                           "before_sensitive": False, "after_sensitive": sensitive}}

    (tmp_path / "plan.json").write_text(json.dumps({
        "format_version": "1.2", "planned_values": {"root_module": {}}, "configuration": {"root_module": {}},
        "resource_changes": [
            change("aws_vpc.main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16"}, {}),
            change("aws_subnet.s", {"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.88.0.0/24"},
                   {"cidr_block": True}),  # terraform show -json: the value in the clear, marked here
        ]}))
    data, output = report(tmp_path, "plan.json")
    assert rules_of(data) == {("subnet_outside_vpc", "aws_subnet.s")} and "10.88." not in output


def test_marks_follow_functions_templates_and_sensitive_declarations(tmp_path: Path) -> None:
    from vpclint.load import LoadOptions
    from vpclint.load.hcl import load_module

    (tmp_path / "main.tf").write_text("""\
variable "db_password" {
  type = string
}
variable "peer" {
  type      = string
  default   = "10.5.0.0/16"
  sensitive = true
}
variable "plain" {
  default = "10.6.0.0/16"
}
locals {
  wrapped = "pw=${var.db_password};"
}
resource "t" "r" {
  reversed = strrev(var.db_password)
  upper    = upper(local.wrapped)
  nested   = base64encode("[${local.wrapped}]")
  subnet   = cidrsubnet(var.peer, 8, 3)
  plain    = cidrsubnet(var.plain, 8, 3)
  unmarked = nonsensitive(var.peer)
  doubled  = length(var.db_password) * 2 + 1000
}
""")
    loaded = load_module(str(tmp_path), LoadOptions(env={"TF_VAR_db_password": PASSWORD}))
    values = loaded.resources[0].values
    assert loaded.errors == [] and values["subnet"] == "10.5.3.0/24"  # values stay plain: linted as before
    for name in ("reversed", "upper", "nested", "subnet", "unmarked", "doubled"):
        assert str(values[name]) in loaded.secrets, name
    assert values["plain"] not in loaded.secrets and "10.6.0.0/16" not in loaded.secrets


@pytest.mark.parametrize("text, expected", [
    (f"x {PASSWORD}y", "x (a sensitive value)y"),  # a long secret anywhere
    ("port 22 of 10.22.0.0/16, 122", "port (a sensitive value) of 10.22.0.0/16, 122"),  # a short one as a token
    (f"json \"{json.dumps(PASSWORD + chr(10))[1:-1]}\"", 'json "(a sensitive value)"'),  # as JSON quotes it
])
def test_redaction_replaces_marked_strings(text: str, expected: str) -> None:
    from vpclint.taint import Taint

    taint = Taint()
    taint.mark([PASSWORD, PASSWORD + "\n", 22])
    assert taint.redact(text) == expected


def test_the_runners_var_and_var_file_outside_the_repository_are_marked(tmp_path: Path) -> None:
    root = module(tmp_path / "repo", LEAKS)
    (tmp_path / "ci.tfvars").write_text('office_cidr = "10.98.0.0/16"\n')  # the runner's, outside the checkout
    data, output = report(root, "net", "--var-file", str(tmp_path / "ci.tfvars"), "--var", f"db_password={PASSWORD}")
    assert ("subnet_outside_vpc", "aws_subnet.office") in rules_of(data)
    assert "10.98." not in output and PASSWORD[::-1] not in output
    (root / "envs.tfvars").write_text('office_cidr = "10.97.0.0/16"\n')  # the repository's: its author knows it
    data, output = report(root, "net", "--var-file", "envs.tfvars")
    assert "subnet aws_subnet.office (10.97.0.0/16) is not inside" in output
