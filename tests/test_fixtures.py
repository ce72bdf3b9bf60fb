"""Every fixture folder yields exactly the findings its annotations expect.

A folder holds ``.tf`` files whose ``# expect: RULE [ADDRESS]`` comments
stand above the blocks a finding must name (rule id, address, file and
line); a folder without annotations (every ``pass/``) must yield nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, annotations, found, run
from vpclint.load.manifests import looks_like_policy

LOADER_FIXTURES = ("hcl_", "plan_", "security_", "multi_")  # multi_: linted with --with (tests/test_multi_inputs.py)


def scenario_dirs() -> list[Path]:
    dirs = {p.parent for p in [*FIXTURES.rglob("*.tf"), *FIXTURES.rglob("*.tf.json")]}
    dirs |= {p.parent for p in [*FIXTURES.rglob("*.yaml"), *FIXTURES.rglob("*.yml")]  # policy manifests
             if not p.name.startswith(".") and looks_like_policy(p.read_text(errors="replace"))}
    return sorted(d for d in dirs if not d.relative_to(FIXTURES).parts[0].startswith(LOADER_FIXTURES)
                  and ".terraform" not in d.parts and "modules" not in d.relative_to(FIXTURES).parts[1:])


@pytest.mark.parametrize("directory", scenario_dirs(), ids=lambda d: str(d.relative_to(FIXTURES)))
def test_fixture_findings_match_annotations(directory: Path) -> None:
    config = directory / ".vpclint.yaml"
    report = run(directory, config=config if config.exists() else None)
    assert report.errors == []
    expected = {(r, a, str(Path(f).resolve()), l) for r, a, f, l in annotations(directory)}
    actual = found(report)
    assert actual == expected, (
        f"missing: {sorted(expected - actual)}\nunexpected: {sorted(actual - expected)}")


def test_every_pass_fixture_is_clean() -> None:
    for directory in FIXTURES.glob("*/pass"):
        assert not annotations(directory), f"{directory} is a pass fixture but expects findings"
