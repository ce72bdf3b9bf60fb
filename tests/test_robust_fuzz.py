"""Fuzzed inputs through the real command line: mutated HCL, plan JSON,
Kubernetes manifests, tfvars, config and rule files.

Whatever the mutation (truncation, garbage spliced in, deep nesting, huge
numbers, invalid UTF-8, a byte order mark, CRLF line ends, an empty file,
JSON that is not a plan, a value of the wrong type), a run

- ends with exit 0, 1 or 2, never a Python exception or "internal error";
- prints a report that parses (strict JSON: no NaN or Infinity);
- exits 2 exactly when it reports errors, and each error names a file
  (and a line >= 1 where it gives one);
- still reports every finding of a good input linted beside the broken one.

A seeded batch runs in CI (``VPCLINT_FUZZ_BUDGET`` cases, 60 by default;
``VPCLINT_FUZZ_SEED`` picks another batch). A failure names the seed, the
case and the mutations, and leaves the mutated file in pytest's tmp_path.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from vpclint.cli import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
WITNESS = FIXTURES / "subnet_cidr_overlap" / "fail"  # a good input with findings, linted beside each case
BUDGET = int(os.environ.get("VPCLINT_FUZZ_BUDGET", "60"))
SEED = int(os.environ.get("VPCLINT_FUZZ_SEED", "20240611"))
CASE_SECONDS = 20  # generous: a case takes well under a second

# -- seeds --------------------------------------------------------------------------


def _seeds() -> dict[str, list[Path]]:
    files = [p for p in sorted(FIXTURES.rglob("*")) if p.is_file() and ".terraform" not in p.parts]
    manifests = [p for p in files if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")
                 and "policies" not in p.parts]
    return {
        "tf": [p for p in files if p.suffix == ".tf"],
        "tfvars": [p for p in files if p.suffix == ".tfvars"],
        "plan": [p for p in files if p.name.endswith(".json") and p.name != "modules.json"
                 and not p.name.endswith(".tf.json")],
        "tfjson": [p for p in files if p.name.endswith(".tf.json")],
        "manifest": manifests,
        "config": [p for p in files if p.name == ".vpclint.yaml"],
        "rule": sorted((REPO / "rules").glob("*.yaml")) + sorted(FIXTURES.glob("user_rule/policies/*.yaml")),
    }


SEEDS = _seeds()

# -- mutations ----------------------------------------------------------------------

GARBAGE = [b"{", b"}", b"[", b"]", b"(", b")", b'"', b"${", b"%{", b"<<EOF\n", b"\x00", b"=", b"\n", b"\r", b"\\",
           b"#", b"/*", b"*/", b",", b":", b"!", b"...", b"[*]", b"for x in", b"? :", b"- ", b"&a", b"*a", b"!!",
           b"---\n", b"\t", b"\xe2\x80\xa8", b"'", b"=>", b"null", b"true", b"-1", b"1e999", b"count = 1"]
HUGE = [b"99999999999999999999999999999999", b"1e999", b"-1e999", b"1e308", b"0.5", b"-0", b"4294967296", b"65536",
        b"-1", b"0x7fffffff"]
WRONG_TYPES = [b"true", b"1", b"-5", b"1.5", b"1e999", b"null", b'""', b'"x"', b"[]", b"{}", b"[1]", b"[[]]",
               b'[""]', b"[null]", b"{a = 1}", b'"10.0.0.0/8,10.1.0.0/16"', b'"300.0.0.0/8"', b'"10.0.0.0/40"',
               b'"::/0"', b'["0.0.0.0/0"]', b'"80-22"', b'"all"', b'"deny"']
JSON_JUNK = [None, True, 0, -1, 1.5, 10 ** 30, "", "x", "10.0.0.0/33", "::/0", [], {}, [None], [1], ["10.0.0.0/16"],
             {"a": 1}, [[1]], [{}], {"references": 5}, {"constant_value": {}}]
NOT_PLANS = [b'{"a": 1}', b"[1, 2]", b'"plan"', b"null", b"3", b'{"format_version": "1.0", "values": {}}',
             b'{"format_version": "9.0", "planned_values": {}}', b'{"resource_changes": []}']


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randint(0, max(len(data) - 1, 0))]


def _garbage(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randint(0, len(data))
    return data[:pos] + rng.choice(GARBAGE) + data[pos:]


def _random_bytes(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randint(0, len(data))
    return data[:pos] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + data[pos:]


def _delete(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randint(0, len(data))
    return data[:pos] + data[pos + rng.randint(1, 80):]


def _duplicate(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randint(0, len(data))
    span = data[pos:pos + rng.randint(1, 200)]
    return data[:pos] + span * rng.randint(2, 4) + data[pos:]


def _nest(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([40, 400, 3000])
    opening, closing = rng.choice([(b"(", b")"), (b"[", b"]"), (b"{", b"}")])
    pos = rng.randint(0, len(data))
    return data[:pos] + opening * depth + b"1" + closing * depth + data[pos:]


def _huge_number(data: bytes, rng: random.Random) -> bytes:
    spans = [m.span() for m in re.finditer(rb"\d+", data)]
    if not spans:
        return _garbage(data, rng)
    start, end = rng.choice(spans)
    return data[:start] + rng.choice(HUGE) + data[end:]


def _invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randint(0, len(data))
    return data[:pos] + rng.choice([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"]) + data[pos:]


def _bom(data: bytes, rng: random.Random) -> bytes:
    return b"\xef\xbb\xbf" + data


def _crlf(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _empty(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"", b"\n", b"   \r\n\t", b"\xef\xbb\xbf"])


def _wrong_type(data: bytes, rng: random.Random) -> bytes:
    """Replace the value of an attribute (or key) with a value of another type."""
    spans = [m.span(2) for m in re.finditer(rb"^(\s*[\"\w-]+\"?\s*[=:]\s*)(.+?)\s*$", data, re.M)]
    if not spans:
        return _garbage(data, rng)
    start, end = rng.choice(spans)
    return data[:start] + rng.choice(WRONG_TYPES) + data[end:]


def _json_slot(data: bytes, rng: random.Random) -> bytes:
    """Replace random parts of a JSON document with values of the wrong type."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except ValueError:
        return _garbage(data, rng)
    for _ in range(rng.randint(1, 4)):
        slots = list(_slots(doc))
        if not slots:
            break
        parent, key = rng.choice(slots)
        parent[key] = json.loads(json.dumps(rng.choice(JSON_JUNK)))
    return json.dumps(doc).encode()


def _not_a_plan(data: bytes, rng: random.Random) -> bytes:
    return rng.choice(NOT_PLANS)


def _slots(value):
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield value, key
        yield from _slots(child)


MUTATORS = {
    "truncate": _truncate, "garbage": _garbage, "random_bytes": _random_bytes, "delete": _delete,
    "duplicate": _duplicate, "nest": _nest, "huge_number": _huge_number, "invalid_utf8": _invalid_utf8,
    "bom": _bom, "crlf": _crlf, "empty": _empty, "wrong_type": _wrong_type,
}
JSON_MUTATORS = {**MUTATORS, "json_slot": _json_slot, "not_a_plan": _not_a_plan}


def mutate(kind: str, data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    """One to three mutations, by name."""
    table = JSON_MUTATORS if kind in ("plan", "tfjson") else MUTATORS
    if kind in ("plan", "tfjson"):  # structure-aware mutations find the most in plans
        names = rng.choices(sorted(table), weights=[4 if n == "json_slot" else 1 for n in sorted(table)],
                            k=rng.choice([1, 1, 2, 3]))
    else:
        names = rng.choices(sorted(table), weights=[4 if n == "wrong_type" else 1 for n in sorted(table)],
                            k=rng.choice([1, 1, 2, 3]))
    for name in names:
        data = table[name](data, rng)
    return data, names


# -- running a case -----------------------------------------------------------------


@dataclass
class Case:
    kind: str
    seed: Path
    mutations: list[str]
    args: list[str]  # what follows ``vpclint check``
    mutated: Path  # the file written


def build_case(root: Path, kind: str, seed: Path, data: bytes, mutations: list[str]) -> Case:
    """Lay out the mutated file where vpclint reads it; the witness is linted too."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    if kind in ("tf", "tfvars", "tfjson"):
        shutil.copytree(seed.parent, root / "input")
        mutated = root / "input" / seed.name
        args = [str(root / "input"), str(WITNESS)]
    elif kind == "plan":
        if any(seed.parent.glob("*.tf")):  # beside its configuration: source positions are read too
            shutil.copytree(seed.parent, root / "input")
            mutated = root / "input" / "plan.json"
        else:
            mutated = root / "plan.json"
        args = [str(mutated), str(WITNESS)]
    elif kind == "manifest":
        mutated = root / seed.name
        args = [str(mutated), str(WITNESS)]
    elif kind == "config":
        mutated = root / ".vpclint.yaml"
        args = ["--config", str(mutated), str(WITNESS)]
    else:  # a user rule file: a copy of a rule under its own id
        rule_id = "fuzzed_" + seed.stem
        data = re.sub(rb"^id:\s*\S+", b"id: " + rule_id.encode(), data, count=1, flags=re.M)
        (root / "rules").mkdir()
        mutated = root / "rules" / f"{rule_id}.yaml"
        args = ["--rules", str(root / "rules"), str(WITNESS)]
    mutated.write_bytes(data)
    return Case(kind, seed, mutations, args, mutated)


def run_check(args: list[str]):
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", *args])
    return result, time.monotonic() - start


def _strict_json(text: str):
    def refuse(constant: str):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def problems(result, seconds: float, witness: set | None, config: Path | None = None) -> list[str]:
    """What is wrong with one run, as sentences (empty: nothing).

    An invalid ``config`` file stops the run before any input is read: exit
    2 and an error naming it, no report.
    """
    found = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        return ["raised " + "".join(traceback.format_exception(result.exception))[-2000:]]
    if result.exit_code not in (0, 1, 2):
        found.append(f"exit status {result.exit_code}")
    if "internal error" in result.output or "Traceback" in result.output:
        found.append("internal error: " + result.output[-1500:])
    if seconds > CASE_SECONDS:
        found.append(f"took {seconds:.1f}s")
    if config is not None and not result.stdout:
        if result.exit_code != 2 or f"{config.parent.name}/{config.name}" not in result.stderr:
            found.append(f"an invalid config is not an error naming it: {result.exit_code} {result.stderr[-500:]!r}")
        return found
    try:
        report = _strict_json(result.stdout)
    except ValueError as exc:
        return [*found, f"report is not strict JSON ({exc}): {result.stdout[:300]!r}"]
    errors = report["errors"]
    if bool(errors) != (result.exit_code == 2):
        found.append(f"exit {result.exit_code} with {len(errors)} error(s)")
    for error in errors:
        if not isinstance(error.get("file"), str) or not error["file"]:
            found.append(f"error without a file: {error}")
        elif error.get("line") is not None:
            if not (isinstance(error["line"], int) and error["line"] >= 1):
                found.append(f"error with a bad line: {error}")
            elif Path(error["file"]).is_file() and error["line"] > _lines(Path(error["file"])):
                found.append(f"error past the end of its file: {error}")
    if witness is not None:
        got = {(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]}
        if not witness <= got:
            found.append(f"the good input's findings are missing: {sorted(witness - got)}")
    return found


def _lines(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1


@pytest.fixture(scope="module")
def witness_findings() -> set:
    result, _ = run_check([str(WITNESS)])
    report = _strict_json(result.stdout)
    assert result.exit_code == 1 and report["findings"] and not report["errors"]
    return {(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .vpclint.yaml of the checkout applies
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))
    for name in [n for n in os.environ if n.startswith("TF_VAR_")]:
        monkeypatch.delenv(name)
    return tmp_path


# -- the seeded batch ------------------------------------------------------------------

KINDS = {"tf": 0.3, "plan": 0.2, "tfjson": 0.1, "manifest": 0.15, "tfvars": 0.05, "config": 0.1, "rule": 0.1}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_seeded_mutations_never_crash_and_keep_linting_the_rest(kind, in_tmp, witness_findings) -> None:
    if not SEEDS[kind]:
        pytest.skip(f"no {kind} fixture to mutate")
    rng = random.Random(f"{SEED}-{kind}")
    count = max(2, round(BUDGET * KINDS[kind]))
    failures = []
    for index in range(count):
        seed = rng.choice(SEEDS[kind])
        data, names = mutate(kind, seed.read_bytes(), rng)
        case = build_case(in_tmp / f"case{index}", kind, seed, data, names)
        result, seconds = run_check(case.args)
        # a config may switch the witness's rules off; every other kind must leave them alone
        found = problems(result, seconds, None if kind == "config" else witness_findings,
                         config=case.mutated if kind == "config" else None)
        if found:
            failures.append(f"case {index} (VPCLINT_FUZZ_SEED={SEED}): {seed.relative_to(REPO)} "
                            f"mutated by {'+'.join(names)}, kept at {case.mutated}:\n  " + "\n  ".join(found))
        else:
            shutil.rmtree(in_tmp / f"case{index}")
    assert not failures, "\n\n".join(failures)


# -- each class of damage on its own -----------------------------------------------------

def _alias_bomb(levels: int = 9) -> bytes:
    """A "billion laughs" YAML document: each level repeats the one before ten times."""
    lines = ["apiVersion: networking.k8s.io/v1", "kind: NetworkPolicy", "l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


BROKEN = {
    # kind, file name, content, expected line (None: the error need not give one)
    "tf-truncated": ("tf", "main.tf", b'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n  tags = {\n', 3),
    "tf-garbage": ("tf", "main.tf", b'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16" }}} ((\n}\n', 2),
    "tf-deep-parens": ("tf", "main.tf", b"locals {\n  x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n}\n", None),
    "tf-deep-lists": ("tf", "main.tf", b"locals {\n  x = " + b"[" * 3000 + b"1" + b"]" * 3000 + b"\n}\n", None),
    "tf-invalid-utf8": ("tf", "main.tf", b'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n  n = "\xff"\n}\n', 3),
    "tf-nul": ("tf", "main.tf", b'resource "aws_vpc" "v" {\x00}\n', 1),
    "tf-huge-count": ("tf", "main.tf", b'resource "aws_vpc" "v" {\n  count = 99999999999999999999999\n}\n', 1),
    "plan-truncated": ("plan", "plan.json", b'{"format_version": "1.2",\n "planned_values": {"root_module": {', 2),
    "plan-garbage": ("plan", "plan.json", b'{"format_version": "1.2",\n "planned_values": }}{{\n}', 2),
    "plan-deep": ("plan", "plan.json", b"[" * 100_000 + b"]" * 100_000, None),
    "plan-invalid-utf8": ("plan", "plan.json", b'{"format_version": "1.2",\n"planned_values": {"x": "\xff"}}', 2),
    "plan-empty": ("plan", "plan.json", b"", None),
    "plan-json-array": ("plan", "plan.json", b"[1, 2]", None),
    "plan-json-null": ("plan", "plan.json", b"null", None),
    "plan-bom-only": ("plan", "plan.json", b"\xef\xbb\xbf", None),
    "plan-not-a-plan": ("plan", "plan.json", b'{"resources": [{"type": "aws_vpc"}]}', None),
    "state-bad-resource": ("plan", "state.json",
                           b'{"format_version": "1.0", "values": {"root_module": {"resources": [{"type": 1}]}}}', None),
    "plan-future-version": ("plan", "plan.json", b'{"format_version": "2.0", "planned_values": {}}', None),
    "manifest-truncated": ("manifest", "policy.yaml",
                           b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: [x", 4),
    "manifest-invalid-utf8": ("manifest", "policy.yaml",
                              b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: \xff}\n", 3),
    "manifest-alias-bomb": ("manifest", "policy.yaml", _alias_bomb(), None),
    "tfvars-broken": ("tfvars", "terraform.tfvars", b'cidr = "10.0.0.0/16\n', 1),
    "tfvars-json-broken": ("tfvars", "terraform.tfvars.json", b'{"cidr": ', 1),
    "tfvars-json-not-an-object": ("tfvars", "terraform.tfvars.json", b'["10.0.0.0/16"]', None),
    "tfvars-invalid-utf8": ("tfvars", "terraform.tfvars", b'cidr = "10.0.0.0/16"\nx = "\xff"\n', 2),
}


def lay_out(root: Path, kind: str, name: str, content: bytes) -> tuple[Path, list[str]]:
    """The broken file and the arguments linting it beside the witness."""
    if kind in ("tf", "tfvars", "tfjson"):
        directory = root / "module"
        directory.mkdir()
        if kind == "tfvars":
            (directory / "main.tf").write_text('variable "cidr" {\n  default = "10.0.0.0/16"\n}\n')
        (directory / name).write_bytes(content)
        return directory / name, [str(directory), str(WITNESS)]
    (root / name).write_bytes(content)
    return root / name, [str(root / name), str(WITNESS)]


@pytest.mark.parametrize("label", sorted(BROKEN))
def test_each_broken_input_is_an_error_naming_its_file_and_the_rest_is_linted(label, in_tmp, witness_findings) -> None:
    kind, name, content, line = BROKEN[label]
    broken, args = lay_out(in_tmp, kind, name, content)
    result, seconds = run_check(args)
    assert problems(result, seconds, witness_findings) == []
    assert result.exit_code == 2
    errors = _strict_json(result.stdout)["errors"]
    mine = [e for e in errors if Path(e["file"]).resolve() in (broken.resolve(), broken.parent.resolve())]
    assert mine, f"no error names {broken.name}: {errors}"
    if line is not None:
        assert any(e["line"] == line for e in mine), mine


def _clean_runs(seed: Path, root: Path) -> tuple[Path, list[str]]:
    """A copy of a fixture input and the arguments that lint it (a directory, or the file itself)."""
    if seed.suffix == ".tf":
        shutil.copytree(seed.parent, root)
        return root / seed.name, [str(root)]
    root.mkdir()
    (root / seed.name).write_bytes(seed.read_bytes())
    return root / seed.name, [str(root / seed.name)]


CLEAN_SEEDS = [FIXTURES / "seed000_cross_vpc" / "broken" / "main.tf", FIXTURES / "seed000_cross_vpc" / "broken" / "plan.json",
               FIXTURES / "network_policy_invalid" / "fail" / "k8s_policy.yaml", FIXTURES / "hcl_modules" / "main.tf",
               FIXTURES / "plan_huawei_cce" / "plan.json", FIXTURES / "workflow_precommit" / "net" / "terraform.tfvars"]


@pytest.mark.parametrize("seed", CLEAN_SEEDS, ids=lambda p: str(p.relative_to(FIXTURES)))
@pytest.mark.parametrize("encoding", ["bom", "crlf", "bom+crlf"])
def test_a_byte_order_mark_and_crlf_change_nothing(seed, encoding, in_tmp) -> None:
    original, args = _clean_runs(seed, in_tmp / "original")
    baseline, _ = run_check(args)
    changed, changed_args = _clean_runs(seed, in_tmp / "changed")
    data = changed.read_bytes()
    if "crlf" in encoding:
        data = data.replace(b"\n", b"\r\n")
    if "bom" in encoding:
        data = b"\xef\xbb\xbf" + data
    changed.write_bytes(data)
    result, _ = run_check(changed_args)
    before, after = _strict_json(baseline.stdout), _strict_json(result.stdout)
    assert not after["errors"], after["errors"]
    assert result.exit_code == baseline.exit_code
    strip = lambda report: sorted((f["rule_id"], f["resource"], f["line"], f["message"]) for f in report["findings"])  # noqa: E731
    assert strip(after) == strip(before)
    assert after["unknowns"] == before["unknowns"]
    assert original.exists()


def test_an_empty_tf_file_is_an_empty_module(in_tmp, witness_findings) -> None:
    broken, args = lay_out(in_tmp, "tf", "main.tf", b"")
    result, seconds = run_check(args)
    assert problems(result, seconds, witness_findings) == [] and result.exit_code == 1


def test_a_directory_with_one_broken_and_one_good_tf_file_reports_the_good_ones_findings(in_tmp) -> None:
    module = in_tmp / "module"
    module.mkdir()
    (module / "good.tf").write_bytes((WITNESS / "main.tf").read_bytes())
    (module / "broken.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block = "10.0.0.0/16"\n  tags = {\n')
    alone, _ = run_check([str(WITNESS)])
    result, _ = run_check([str(module)])
    report = _strict_json(result.stdout)
    assert result.exit_code == 2
    assert [(Path(e["file"]).name, e["line"]) for e in report["errors"]] == [("broken.tf", 3)]
    expected = {(f["rule_id"], f["resource"], f["line"]) for f in _strict_json(alone.stdout)["findings"]}
    assert {(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]} == expected
    assert {Path(f["file"]).name for f in report["findings"]} == {"good.tf"}


def test_a_good_directory_and_a_broken_plan_report_both(in_tmp, witness_findings) -> None:
    plan = in_tmp / "broken_plan.json"
    plan.write_text('{"format_version": "1.2",\n  "planned_values": {"root_module": {"resources": [')
    result, seconds = run_check([str(WITNESS), str(plan)])
    assert problems(result, seconds, witness_findings) == []
    assert result.exit_code == 2
    [error] = _strict_json(result.stdout)["errors"]
    assert Path(error["file"]).name == "broken_plan.json" and error["line"] == 2


# -- the real entry point, in a subprocess -------------------------------------------------


@pytest.mark.parametrize("label", ["tf-truncated", "plan-invalid-utf8", "plan-deep", "manifest-alias-bomb"])
def test_python_m_vpclint_prints_no_traceback(label, tmp_path) -> None:
    kind, name, content, line = BROKEN[label]
    broken, args = lay_out(tmp_path, kind, name, content)
    env = {**os.environ, "VPCLINT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-m", "vpclint", "check", "--no-cache", *args], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout and "internal error" not in done.stderr
    assert broken.name in done.stderr + done.stdout
    assert "subnet_cidr_overlap" in done.stdout  # the witness is still linted
