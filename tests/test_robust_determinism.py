"""The same input gives byte-identical output in every format, across runs,
across PYTHONHASHSEED values and with a cold or a warm parse cache.

Each run is a real ``python -m vpclint check`` in a subprocess (hash
randomisation is fixed when the interpreter starts), over a tree of several
fixtures linted with --recursive beside a plan file and a broken file, so
that findings, errors and unknowns of every loader appear in the output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
FORMATS = ["text", "json", "sarif", "junit", "checkstyle", "compact", "github", "markdown"]
SEEDS = ["0", "4242"]
TREE = ["seed000_cross_vpc/broken", "network_policy_blocks_dns/fail", "hcl_modules", "workflow_suppress",
        "peering_incomplete/fail", "subnet_cidr_overlap/fail", "cluster_cidr_overlap/fail", "unused_ignore/fail",
        "gcp_peering_overlap/broken", "azure_udr_override/broken"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("determinism")
    for name in TREE:
        shutil.copytree(FIXTURES / name, root / "tree" / name.replace("/", "_"))
    (root / "tree" / "broken").mkdir()
    (root / "tree" / "broken" / "main.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block =\n')
    shutil.copy(FIXTURES / "seed000_intra_vpc_tunnel" / "broken" / "plan.json", root / "plan.json")
    return root


def vpclint(workspace: Path, seed: str, *args: str, cache: str | None = None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TF_VAR_", "VPCLINT_"))}
    env.update(PYTHONHASHSEED=seed, NO_COLOR="1", VPCLINT_CACHE_DIR=cache or str(workspace / f"cache-{seed}"))
    return subprocess.run([sys.executable, "-m", "vpclint", "check", *args], capture_output=True, cwd=workspace,
                          env=env, timeout=180)


@pytest.fixture(scope="module")
def runs(workspace: Path) -> dict:
    """(seed, format) -> the run, 16 runs, four at a time."""
    args = [(seed, fmt) for fmt in FORMATS for seed in SEEDS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(args, pool.map(lambda a: vpclint(workspace, a[0], "--no-cache", "--recursive", "--format",
                                                         a[1], "tree", "plan.json"), args)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_identical_across_hash_seeds(runs, fmt) -> None:
    first, second = (runs[(seed, fmt)] for seed in SEEDS)
    assert first.returncode == second.returncode == 2, (fmt, first.stderr[-2000:])
    assert b"Traceback" not in first.stderr + second.stderr
    assert first.stdout == second.stdout, f"--format {fmt} differs between PYTHONHASHSEED values"
    assert first.stderr == second.stderr


def test_the_runs_hold_findings_errors_and_unknowns(runs) -> None:
    report = json.loads(runs[(SEEDS[0], "json")].stdout)
    assert len({f["rule_id"] for f in report["findings"]}) >= 5 and report["errors"] and report["unknowns"]


def test_findings_are_sorted_by_file_line_rule_and_address(runs) -> None:
    report = json.loads(runs[(SEEDS[1], "json")].stdout)
    keys = [(f["file"] or "", f["line"] or 0, f["rule_id"], f["resource"]) for f in report["findings"]]
    assert keys == sorted(keys) and len(keys) > 10
    errors = [(e["file"], e["line"] or 0) for e in report["errors"]]
    assert errors == sorted(errors)


def test_a_warm_parse_cache_changes_nothing(workspace: Path, tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    cold = vpclint(workspace, "1", "--recursive", "--format", "sarif", "tree", "plan.json", cache=cache)
    warm = vpclint(workspace, "2", "--recursive", "--format", "sarif", "tree", "plan.json", cache=cache)
    assert any(Path(cache).rglob("*")), "the first run wrote no cache"
    assert cold.returncode == warm.returncode == 2
    assert cold.stdout == warm.stdout and cold.stderr == warm.stderr
