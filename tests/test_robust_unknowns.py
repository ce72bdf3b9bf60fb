"""Unknowns never produce findings: making values unknown only ever removes findings.

Seeded: attributes of the fixtures are replaced by an unset variable (HCL)
or marked known-after-apply (plan JSON), and the findings of the result
must be a subset of the original's, by rule and resource. ``unused_ignore``
is left out: a suppression whose finding went unknown suppresses nothing.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from vpclint.cli import cli

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SEED = int(os.environ.get("VPCLINT_FUZZ_SEED", "20240611"))
BUDGET = int(os.environ.get("VPCLINT_FUZZ_BUDGET", "60"))
UNSET = 'variable "vpclint_unknown" {}\n'
ATTRIBUTE = re.compile(r"^(\s+)([A-Za-z_][\w-]*)(\s*=\s*)(.+)$", re.M)


def findings(*args: str) -> set[tuple]:
    """Each finding as (rule, resource) and, when it names related elements, as (rule, those elements):
    a finding about the same elements that moved to the other peering of a pair is the same finding."""
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    report = json.loads(result.stdout)
    assert not [e for e in report["errors"] if "internal error" in e["message"]], report["errors"]
    return {frozenset({(f["rule_id"], f["resource"]), (f["rule_id"], frozenset(f["related"]) or f["resource"])})
            for f in report["findings"] if f["rule_id"] != "unused_ignore"}


def new_findings(now: set, before: set) -> list:
    known = set().union(*before) if before else set()
    return sorted(sorted(map(str, keys)) for keys in now if not keys & known)


def _with_findings(pattern: str) -> list[Path]:
    return [p for p in sorted(FIXTURES.glob(pattern)) if ".terraform" not in p.parts]


HCL_SEEDS = [p for p in _with_findings("*/*/main.tf") + _with_findings("*/main.tf") if p.parent.name in
             ("fail", "broken") or p.parent.parent == FIXTURES]
PLAN_SEEDS = _with_findings("*/broken/plan.json") + _with_findings("*/fail/plan.json")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("TF_VAR_")]:
        monkeypatch.delenv(name)
    return tmp_path


def _hcl_case(seed: Path, rng: random.Random, root: Path) -> tuple[Path, list[str]]:
    shutil.copytree(seed.parent, root)
    text = seed.read_text()
    spots = [m for m in ATTRIBUTE.finditer(text) if m.group(2) not in ("source", "version")]
    chosen = sorted(rng.sample(spots, min(len(spots), rng.randint(1, 3))), key=lambda m: m.start(), reverse=True)
    for match in chosen:
        text = text[:match.start(4)] + "var.vpclint_unknown" + text[match.end(4):]
    (root / seed.name).write_text(text)
    (root / "zz_vpclint_unknown.tf").write_text(UNSET)
    return root, [m.group(2) for m in chosen]


def test_unset_variables_in_hcl_only_remove_findings(in_tmp) -> None:
    rng = random.Random(f"{SEED}-hcl-unknowns")
    failures = []
    originals: dict[Path, set] = {}
    for index in range(max(4, BUDGET // 4)):
        seed = rng.choice(HCL_SEEDS)
        if seed not in originals:
            copy_dir = in_tmp / f"original{len(originals)}"
            shutil.copytree(seed.parent, copy_dir)
            (copy_dir / "zz_vpclint_unknown.tf").write_text(UNSET)
            originals[seed] = findings(str(copy_dir))
        case, names = _hcl_case(seed, rng, in_tmp / f"case{index}")
        extra = new_findings(findings(str(case)), originals[seed])
        if extra:
            failures.append(f"{seed.relative_to(REPO)} with {names} unknown (kept at {case}): new {extra}")
    assert not failures, "\n".join(failures)


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    if path:
        yield path


def _mark_unknown(change: dict, path: tuple) -> None:
    """Drop ``after`` at ``path`` and say it is known after apply, as terraform writes it."""
    after = change["after"]
    for step in path[:-1]:
        after = after[step]
    if isinstance(after, dict):
        after.pop(path[-1])
    else:
        after[path[-1]] = None
    if not isinstance(change.get("after_unknown"), dict):
        change["after_unknown"] = {}
    unknown = change["after_unknown"]
    for step, following in zip(path, path[1:] + (None,)):
        if isinstance(unknown, list):
            unknown.extend([False] * (step + 1 - len(unknown)))
        if following is None:
            unknown[step] = True
        else:
            if not isinstance(unknown[step] if isinstance(unknown, list) else unknown.get(step), (dict, list)):
                unknown[step] = {} if isinstance(following, str) else []
            unknown = unknown[step]


def test_known_after_apply_in_plans_only_removes_findings(in_tmp) -> None:
    rng = random.Random(f"{SEED}-plan-unknowns")
    failures = []
    for index in range(max(4, BUDGET // 4)):
        seed = rng.choice(PLAN_SEEDS)
        doc = json.loads(seed.read_text())
        doc.pop("planned_values", None)  # else the values would still be known there
        (in_tmp / f"original{index}.json").write_text(json.dumps(doc))
        original = findings(str(in_tmp / f"original{index}.json"))
        changes = [c["change"] for c in doc.get("resource_changes", []) if isinstance(c.get("change", {}).get("after"), dict)]
        picked = []
        for _ in range(rng.randint(1, 3)):
            change = rng.choice(changes)
            paths = [p for p in _leaves(change["after"]) if isinstance(p[0], str)]
            if paths:
                path = rng.choice(paths)
                _mark_unknown(change, path)
                picked.append(path)
        case = in_tmp / f"case{index}.json"
        case.write_text(json.dumps(doc))
        extra = new_findings(findings(str(case)), original)
        if extra:
            failures.append(f"{seed.relative_to(REPO)} with {picked} unknown (kept at {case}): new {extra}")
    assert not failures, "\n".join(failures)


def test_the_seeds_have_findings_to_lose() -> None:
    assert len(HCL_SEEDS) > 10 and len(PLAN_SEEDS) > 4
    # a seed whose findings need no expectations from a config file
    assert findings(str(next(p for p in PLAN_SEEDS if not (p.parent / ".vpclint.yaml").exists())))
