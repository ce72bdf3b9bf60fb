"""A scenario as plan JSON gives the findings its HCL gives, to the line.

The plans beside the HCL fixtures have the real ``terraform show -json``
shape with every resource new: ids and references between new resources are
unknown and only the ``configuration`` section links them, which is what the
plan loader has to get right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run

PLANS = sorted(p.parent for p in FIXTURES.glob("*/*/plan.json") if any(p.parent.glob("*.tf")))


@pytest.mark.parametrize("directory", PLANS, ids=lambda d: str(d.relative_to(FIXTURES)))
def test_plan_and_hcl_agree(directory: Path) -> None:
    config = directory / ".vpclint.yaml"
    config = config if config.exists() else None
    from_hcl = run(directory, config=config)
    from_plan = run(directory / "plan.json", config=config)
    assert from_plan.errors == []
    # the plan's directory holds the HCL it was made from: findings point at the same blocks
    assert sorted((f.rule_id, f.resource, f.message, f.file, f.line) for f in from_plan.findings) == \
        sorted((f.rule_id, f.resource, f.message, f.file, f.line) for f in from_hcl.findings)


def test_every_seed_000_scenario_has_a_plan() -> None:
    scenarios = sorted(FIXTURES.glob("seed000_*/*"))
    assert scenarios and all((d / "plan.json").is_file() for d in scenarios)
