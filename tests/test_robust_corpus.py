"""Real plans nobody on this project wrote: every one is linted without a crash.

The corpus lives outside the checkout (``../shared/corpus/plans``, or
``$VPCLINT_CORPUS``); the test skips where it is absent. benchmarks/corpus.py
runs the same over any tree (public modules included) and prints counts.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _corpus() -> Path | None:
    candidates = []
    if os.environ.get("VPCLINT_CORPUS"):
        root = Path(os.environ["VPCLINT_CORPUS"])
        candidates += [root / "plans", root]
    candidates.append(REPO.parent / "shared" / "corpus" / "plans")
    return next((c for c in candidates if c.is_dir() and any(c.rglob("*.json"))), None)


def _script():
    spec = importlib.util.spec_from_file_location("vpclint_corpus_script", REPO / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_corpus_plan_is_linted_without_a_crash(monkeypatch, tmp_path) -> None:
    corpus = _corpus()
    if corpus is None:
        pytest.skip("../shared/corpus/plans is not present (set VPCLINT_CORPUS)")
    monkeypatch.chdir(tmp_path)  # no .vpclint.yaml applies
    tally = _script().run([corpus])
    assert tally.crashes == [], "\n\n".join(f"{target}\n{what}" for target, what in tally.crashes)
    assert tally.plans > 0 and tally.resources > 0
    assert tally.inputs == tally.plans  # plan files only: no module directory in the plan corpus


def test_the_script_counts_a_module_tree(monkeypatch, tmp_path) -> None:
    """The script also walks module trees (as --recursive does) and counts by rule."""
    monkeypatch.chdir(tmp_path)
    tally = _script().run([REPO / "fixtures" / "subnet_cidr_overlap"])
    assert (tally.modules, tally.plans) == (2, 0) and tally.crashes == []
    assert tally.findings["subnet_cidr_overlap"] == 2 and tally.files == 2 and tally.resources > 0
