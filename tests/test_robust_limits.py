"""Limits: file sizes, symbolic links under --recursive, and pathological
expressions. Each ends in a clear error (or a named unknown), in bounded
time and memory, and the other inputs are still linted.

Pathological expressions run in a subprocess with a timeout and an address
space limit, so a regression fails the test instead of hanging CI or
exhausting the machine's memory.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import vpclint.load
import vpclint.load.hcl.evaluate as evaluate
import vpclint.load.hcl.module as hcl_module
from vpclint.cli import cli
from vpclint.lint import discover

REPO = Path(__file__).resolve().parents[1]
WITNESS = REPO / "fixtures" / "subnet_cidr_overlap" / "fail"
WITNESS_RULES = {("subnet_cidr_overlap", "aws_subnet.public"), ("subnet_cidr_overlap", "huaweicloud_vpc_subnet.db")}
SECONDS = 60  # per subprocess; every case takes a few seconds at most
MEMORY = 2 * 1024 ** 3  # address space of a subprocess


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("TF_VAR_")]:
        monkeypatch.delenv(name)
    return tmp_path


def check(*args: str):
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "internal error" not in result.output
    return result, (json.loads(result.stdout) if result.stdout else None)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk (and no time) to write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def found_rules(report) -> set:
    return {(f["rule_id"], f["resource"]) for f in report["findings"]}


# -- a size cap per file ----------------------------------------------------------------

TOO_BIG = vpclint.load.MAX_FILE_BYTES + 1
VPC = 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'


def _layouts(root: Path) -> dict[str, tuple[Path, list[str]]]:
    """Each loader with an oversized file: (the big file, the arguments)."""
    module = root / "module"
    write(module / "main.tf", 'variable "x" {\n  default = 1\n}\n' + VPC)
    return {
        "tf-in-directory": (sparse(module / "big.tf", TOO_BIG), [str(module)]),
        "tf-file": (sparse(root / "single" / "big.tf", TOO_BIG), [str(root / "single" / "big.tf")]),
        "plan": (sparse(root / "plan.json", vpclint.load.MAX_PLAN_BYTES + 1), [str(root / "plan.json")]),
        "manifest": (sparse(root / "policy.yaml", TOO_BIG), [str(root / "policy.yaml")]),
        "tfvars": (sparse(module / "terraform.tfvars", TOO_BIG), [str(module)]),
        "tfvars-json": (sparse(module / "terraform.tfvars.json", TOO_BIG), [str(module)]),
        "auto-tfvars": (sparse(module / "x.auto.tfvars", TOO_BIG), [str(module)]),
        "var-file": (sparse(root / "big.tfvars", TOO_BIG), ["--var-file", str(root / "big.tfvars"), str(module)]),
        "baseline": (sparse(root / "baseline.json", TOO_BIG), ["--baseline", str(root / "baseline.json")]),
        "rule": (sparse(root / "rules" / "big_rule.yaml", TOO_BIG), ["--rules", str(root / "rules")]),
    }


@pytest.mark.parametrize("label", ["tf-in-directory", "tf-file", "plan", "manifest", "tfvars", "tfvars-json",
                                   "auto-tfvars", "var-file", "baseline", "rule"])
def test_every_loader_refuses_a_file_past_the_size_limit(label, in_tmp) -> None:
    big, args = _layouts(in_tmp)[label]
    start = time.monotonic()
    result, report = check(*args, str(WITNESS))
    assert time.monotonic() - start < 10, "the file was read, not refused"
    assert result.exit_code == 2
    mine = [e for e in report["errors"] if Path(e["file"]).resolve() == big.resolve()]
    assert mine and all("large" in e["message"] for e in mine), report["errors"]
    assert found_rules(report) >= WITNESS_RULES  # the good input is still linted


def test_the_rest_of_a_module_with_an_oversized_file_is_linted(in_tmp) -> None:
    module = in_tmp / "module"
    write(module / "main.tf", (WITNESS / "main.tf").read_text())
    sparse(module / "huge.tf", TOO_BIG)
    result, report = check(str(module))
    assert result.exit_code == 2 and found_rules(report) >= WITNESS_RULES


def test_a_manifest_directory_with_an_oversized_file(in_tmp) -> None:
    write(in_tmp / "k8s" / "ok.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    big = sparse(in_tmp / "k8s" / "big.yaml", TOO_BIG)
    result, report = check(str(in_tmp / "k8s"))
    assert result.exit_code == 2
    assert [Path(e["file"]).name for e in report["errors"]] == [big.name]


def test_an_oversized_config_is_refused(in_tmp) -> None:
    sparse(in_tmp / "big.yaml", TOO_BIG)
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--config", "big.yaml", str(WITNESS)])
    assert result.exit_code == 2 and "big.yaml" in result.stderr and "larger" in result.stderr


def test_file_reads_at_most_a_mebibyte_and_says_so(in_tmp) -> None:
    module = in_tmp / "module"
    sparse(module / "cidr.txt", hcl_module.FILE_READ_LIMIT + 1)
    write(module / "main.tf", 'resource "aws_vpc" "v" {\n  cidr_block = file("${path.module}/cidr.txt")\n}\n')
    start = time.monotonic()
    result, report = check(str(module))
    assert time.monotonic() - start < 10 and result.exit_code == 0
    assert [(u["attribute"], u["reason"]) for u in report["unknowns"]] == [
        ("cidr_block", "file './cidr.txt' is too large to read")]


def test_each_loader_reads_the_one_size_limit(monkeypatch, in_tmp) -> None:
    """vpclint.load.MAX_FILE_BYTES is the knob (MAX_PLAN_BYTES for plans,
    which are larger): loaders that read them at run time follow them, and
    the manifest loader shares the first by import."""
    from vpclint.load import manifests

    assert manifests.MAX_FILE_BYTES == vpclint.load.MAX_FILE_BYTES
    write(in_tmp / "plan.json", json.dumps({"format_version": "1.2", "planned_values": {"root_module": {}}}) + " " * 100)
    write(in_tmp / "m" / "main.tf", 'variable "x" {\n  default = 1\n}\n')
    write(in_tmp / "m" / "terraform.tfvars.json", json.dumps({"x": "y" * 200}))
    write(in_tmp / "baseline.json", json.dumps({"version": 1, "findings": []}) + " " * 200)
    monkeypatch.setattr(vpclint.load, "MAX_FILE_BYTES", 150)
    monkeypatch.setattr(vpclint.load, "MAX_PLAN_BYTES", 150)
    result, report = check("--baseline", "baseline.json", "plan.json", "m")
    mine = sorted(Path(e["file"]).name for e in report["errors"] if "large" in e["message"] and "rules" not in e["file"])
    assert mine == ["baseline.json", "plan.json", "terraform.tfvars.json"]


# -- symbolic links under --recursive -----------------------------------------------------


def test_recursive_never_loops_and_never_leaves_path(in_tmp) -> None:
    outside = in_tmp / "outside"
    write(outside / "main.tf", (WITNESS / "main.tf").read_text())  # findings that must not appear
    tree = in_tmp / "tree"
    write(tree / "net" / "main.tf", VPC)
    write(tree / "net" / "sub" / "main.tf", VPC)
    (tree / "net" / "sub" / "loop").symlink_to("../..", target_is_directory=True)  # back to tree/
    (tree / "self").symlink_to(".", target_is_directory=True)
    (tree / "away").symlink_to(outside, target_is_directory=True)
    (tree / "abs-away").symlink_to(outside.resolve(), target_is_directory=True)
    (tree / "alias").symlink_to("net", target_is_directory=True)  # inside the tree: linted once, as net
    (tree / "dangling").symlink_to(in_tmp / "nowhere", target_is_directory=True)
    start = time.monotonic()
    targets = discover(str(tree), recursive=True)
    assert time.monotonic() - start < 5
    assert sorted(os.path.relpath(t, tree) for t in targets) == ["net", os.path.join("net", "sub")]
    result, report = check("--recursive", str(tree))
    assert result.exit_code == 0 and report["findings"] == [] and report["errors"] == []


def test_a_symlinked_tree_is_walked_from_its_link(in_tmp) -> None:
    write(in_tmp / "real" / "net" / "main.tf", (WITNESS / "main.tf").read_text())
    (in_tmp / "link").symlink_to(in_tmp / "real", target_is_directory=True)
    result, report = check("--recursive", "link")
    assert result.exit_code == 1 and found_rules(report) == WITNESS_RULES
    assert {f["file"] for f in report["findings"]} == {os.path.join("link", "net", "main.tf")}


def test_a_symlinked_tf_file_is_read_as_terraform_reads_it(in_tmp) -> None:
    """Terraform follows a symlinked .tf file (a shared providers.tf is common);
    so does vpclint. Only directories are not followed under --recursive."""
    write(in_tmp / "shared" / "network.tf", (WITNESS / "main.tf").read_text())
    write(in_tmp / "root" / "main.tf", "")
    (in_tmp / "root" / "network.tf").symlink_to(in_tmp / "shared" / "network.tf")
    result, report = check("--recursive", "root")
    assert found_rules(report) == WITNESS_RULES


def test_a_module_reached_through_a_link_to_itself_is_an_error(in_tmp) -> None:
    module = in_tmp / "m"
    write(module / "main.tf", 'module "again" {\n  source = "./loop"\n}\n' + VPC)
    (module / "loop").symlink_to(".", target_is_directory=True)
    start = time.monotonic()
    result, report = check(str(module))
    assert time.monotonic() - start < 10
    assert result.exit_code == 2
    assert any("includes itself" in e["message"] and e["line"] == 1 for e in report["errors"]), report["errors"]


# -- pathological expressions ---------------------------------------------------------------


def _chain(name: str, first: str, step: str, length: int) -> str:
    """locals where each value is built from the one before (``{prev}`` in ``step``)."""
    lines = [f"  {name}0 = {first}"]
    lines += [f"  {name}{i} = {step.format(prev=f'local.{name}{i - 1}')}" for i in range(1, length)]
    return "locals {\n" + "\n".join(lines) + "\n}\n"


def _using(value: str) -> str:
    return f'resource "aws_vpc" "v" {{\n  cidr_block = "10.0.0.0/16"\n  tags = {{ n = {value} }}\n}}\n'


PATHOLOGICAL = {
    # name: (main.tf, what the run reports: ("error", text) or ("unknown", text))
    "deep-parentheses": ("locals {\n  x = " + "(" * 5000 + "1" + ")" * 5000 + "\n}\n", ("error", "nested too deeply")),
    "deep-lists": ("locals {\n  x = " + "[" * 5000 + "1" + "]" * 5000 + "\n}\n", ("error", "nested too deeply")),
    "deep-objects": ("locals {\n  x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n}\n", ("error", "nested too deeply")),
    "huge-count": ('resource "aws_vpc" "v" {\n  count = 1e9\n}\n', ("error", "exceeds the limit")),
    "huge-for-each": ('resource "aws_vpc" "v" {\n  for_each = toset([for i in range(1000) : "k${i}"])\n}\n'
                      'resource "aws_subnet" "s" {\n  for_each = { for p in setproduct(range(200), range(200)) : '
                      '"${p[0]}-${p[1]}" => p }\n}\n', ("error", "exceeds the limit")),
    "range-1e9": ("locals {\n  r = range(1e9)\n}\n"  # Terraform's own limit: an error try() can catch
                  'resource "aws_vpc" "v" {\n  count = length(local.r)\n}\n', ("unknown", "more than 1024")),
    "string-doubling-template": (_chain("s", '"ab"', '"${{{prev}}}${{{prev}}}"', 40) + _using("local.s39"),
                                 ("error", "a string would be longer")),
    "string-doubling-format": (_chain("s", '"ab"', 'format("%s%s", {prev}, {prev})', 40) + _using("local.s39"),
                               ("error", "a string would be longer")),
    "string-doubling-join": (_chain("s", '["ab"]', '[join("", concat({prev}, {prev}))]', 40) + _using("local.s39[0]"),
                             ("error", "a string would be longer")),
    "shared-tree": (_chain("t", '["a"]', "[{prev}, {prev}]", 40) + _using("jsonencode(local.t39)"),
                    ("error", "a value would hold more than")),
    "number-squaring": (_chain("n", "99999999999", "{prev} * {prev}", 40) + _using("local.n39"),
                        ("error", "a number would be larger")),
    "format-width": ('locals {\n  f = format("%999999999s", "x")\n}\n' + _using("local.f"),
                     ("error", "a string would be longer")),
    "indent": ('locals {\n  i = indent(999999999, "a\\nb")\n}\n' + _using("local.i"),
               ("error", "a string would be longer")),
    "setproduct": ("locals {\n  p = setproduct(range(1000), range(1000), range(1000))\n}\n" + _using("length(local.p)"),
                   ("error", "a value would hold more than")),
    "cycle-in-locals": ("locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\n"
                        'resource "aws_vpc" "v" {\n  cidr_block = local.a\n}\n',
                        ("unknown", "depends on itself")),
    "self-referencing-count": ('resource "aws_vpc" "v" {\n  count = length(aws_vpc.v)\n}\n', None),
    # RE2 is linear; Python's re would backtrack for hours on these: evaluated, as Terraform does
    "catastrophic-regex": ('resource "aws_vpc" "v" {\n  cidr_block = regex("(a+)+$", "' + "a" * 40 + 'b")\n}\n'
                           'resource "aws_vpc" "w" {\n  cidr_block = replace("' + "a" * 40 + '!", "/(a*)*$/", "x")\n}\n',
                           ("unknown", "pattern did not match any part of the given string")),
}


def run_bounded(args: list[str], cwd: Path, seconds: float = SECONDS) -> tuple[subprocess.CompletedProcess, float]:
    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    env = {**os.environ, "VPCLINT_CACHE_DIR": str(cwd / "cache")}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "vpclint", "check", "--no-cache", "--format", "json", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=seconds,
                          preexec_fn=limit_memory)
    return done, time.monotonic() - start


@pytest.fixture(scope="module")
def pathological(tmp_path_factory) -> dict:
    """Every case linted in one process (beside the witness), in bounded time and memory."""
    root = tmp_path_factory.mktemp("pathological")
    for label, (text, _) in PATHOLOGICAL.items():
        write(root / label / "main.tf", text)
    try:
        done, seconds = run_bounded([*sorted(PATHOLOGICAL), str(WITNESS)], root)
    except subprocess.TimeoutExpired:
        slow = []
        for label in sorted(PATHOLOGICAL):  # which one? each alone, with a shorter leash
            try:
                run_bounded([label], root, SECONDS / 4)
            except subprocess.TimeoutExpired:
                slow.append(label)
        pytest.fail(f"no result within {SECONDS}s; alone, these take too long: {slow}")
    assert "Traceback" not in done.stderr and "internal error" not in done.stdout + done.stderr, done.stderr[-2000:]
    assert done.returncode == 2 and seconds < SECONDS / 2
    report = json.loads(done.stdout)
    assert found_rules(report) >= WITNESS_RULES  # the other input is still linted
    return report


@pytest.mark.parametrize("label", sorted(PATHOLOGICAL))
def test_pathological_expressions_end_in_clear_errors_in_bounded_time(label, pathological) -> None:
    expected = PATHOLOGICAL[label][1]
    errors = [e for e in pathological["errors"] if e["file"].startswith(label + os.sep)]
    if expected is None:
        return
    kind, text = expected
    if kind == "error":
        [error] = errors
        assert text in error["message"], error
        assert error["line"] or "nested too deeply to parse" in error["message"], error  # the parser knows no line
    else:
        assert errors == []
        assert any(text in u["reason"] for u in pathological["unknowns"])  # unknowns name no file: texts differ


def test_the_error_names_the_value_that_grew(in_tmp) -> None:
    write(in_tmp / "case" / "main.tf", _chain("s", '"ab"', '"${{{prev}}}${{{prev}}}"', 40) + _using("local.s39")
          + 'resource "aws_vpc" "w" {\n  tags = { n = local.s39 }\n}\n')
    result, report = check("case")
    assert result.exit_code == 2
    assert [(e["line"], e["message"].split(": ")[:2]) for e in report["errors"]] == [
        (43, ["aws_vpc.v", "local.s22"]), (47, ["aws_vpc.w", "local.s22"])]  # where it first grew too large


def test_lists_doubled_in_for_expressions_are_refused(monkeypatch, in_tmp) -> None:
    """In-process with a smaller limit: at the real one this takes seconds."""
    monkeypatch.setattr(evaluate, "MAX_VALUE_ITEMS", 20_000)
    write(in_tmp / "m" / "main.tf", _chain("l", '["a", "b"]', "flatten([for x in {prev} : [x, x]])", 40)
          + _using('join(",", local.l39)'))
    result, report = check("m", str(WITNESS))
    assert result.exit_code == 2 and found_rules(report) >= WITNESS_RULES
    [error] = report["errors"]
    assert error["line"] == 43 and error["message"] == "aws_vpc.v: local.l13: a value would hold more than 20,000 elements"


def test_the_step_budget_stops_nested_loops(monkeypatch, in_tmp) -> None:
    """Loops that build nothing still cost steps (in-process, with a small budget)."""
    monkeypatch.setattr(evaluate, "MAX_STEPS", 300_000)
    write(in_tmp / "loops" / "main.tf", "locals {\n  r = range(1000)\n"
          "  x = [for a in local.r : [for b in local.r : [for c in local.r : 1 if false]]]\n"
          '  y = "%{for a in local.r}%{for b in local.r}%{for c in local.r}%{endfor}%{endfor}%{endfor}"\n'
          "}\n" + _using("length(local.x)") + 'resource "aws_vpc" "w" {\n  tags = { n = local.y }\n}\n')
    start = time.monotonic()
    result, report = check("loops", str(WITNESS))
    assert time.monotonic() - start < 20
    assert result.exit_code == 2 and found_rules(report) >= WITNESS_RULES
    [error] = report["errors"]
    assert "300,000 steps" in error["message"] and error["line"] == 6


def test_quadratic_functions_are_bounded_too(monkeypatch, in_tmp) -> None:
    monkeypatch.setattr(evaluate, "MAX_STEPS", 300_000)
    write(in_tmp / "m" / "main.tf", 'locals {\n  a = flatten([for i in range(1000) : [for j in range(20) : "${i}-${j}"]])\n'
          "}\n" + _using("length(distinct(local.a))"))
    result, report = check("m")
    assert result.exit_code == 2 and "steps" in report["errors"][0]["message"]


def test_the_number_of_resource_instances_is_bounded(monkeypatch, in_tmp) -> None:
    monkeypatch.setattr(hcl_module, "TOTAL_INSTANCE_LIMIT", 5_000)
    write(in_tmp / "m" / "main.tf", 'module "a" {\n  source = "./m1"\n  count  = 10000\n}\n')
    write(in_tmp / "m" / "m1" / "main.tf", 'module "b" {\n  source = "../m2"\n  count  = 10000\n}\n')
    write(in_tmp / "m" / "m2" / "main.tf", VPC)
    start = time.monotonic()
    result, report = check("m", str(WITNESS))
    assert time.monotonic() - start < 20
    assert result.exit_code == 2 and found_rules(report) >= WITNESS_RULES
    [error] = report["errors"]
    assert "more than 5,000 resource instances" in error["message"]
    assert (error["file"], error["line"]) == (os.path.join("m", "m2", "main.tf"), 1)


def test_limits_leave_real_configurations_alone(in_tmp) -> None:
    """The fixtures (modules, for_each, count, templates) stay far below every limit."""
    for fixture in ("hcl_modules", "workflow_suppress", "seed000_cross_vpc/broken"):
        result, report = check(str(REPO / "fixtures" / fixture))
        assert not [e for e in report["errors"] if "more than" in e["message"] or "longer than" in e["message"]]
