"""The GitHub Action, the README's CI examples (issue 12, point 7) and SECURITY.md (point 8).

A tag can be moved to other code; a package index can serve other bytes
under a pinned version. So the action names each action it uses by commit,
installs vpclint's dependencies only from a file that pins every one of them
with its hashes, and keeps vpclint's cache outside the workspace the pull
request controls; the README's examples do the same.
"""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)@([0-9a-f]{40})\s+#\s*v\d+\.\d+\.\d+\s*$")
REQUIREMENTS = REPO / ".github" / "action-requirements.txt"


def _uses_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^\s*(?:-\s+)?uses:", line)]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_action_the_action_uses_is_pinned_by_commit_with_its_version() -> None:
    lines = _uses_lines((REPO / "action.yml").read_text())
    assert len(lines) == 2
    for line in lines:
        assert PINNED.match(line), f"not pinned by a full commit SHA with its version as a comment: {line.strip()}"


def test_dependencies_are_installed_from_hashes_only() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    install = next(step for step in action["runs"]["steps"] if step.get("name") == "Install vpclint")["run"]
    commands = [c for c in install.replace("\\\n", " ").splitlines() if "pip install" in c]
    assert len(commands) == 2
    hashed, own = commands
    assert "--require-hashes" in hashed and "--only-binary :all:" in hashed
    assert '-r "$ACTION_PATH/.github/action-requirements.txt"' in hashed
    assert all(option in own for option in ("--no-deps", "--no-build-isolation", "--no-index"))


def test_the_requirements_pin_every_dependency_and_the_build_backend_with_hashes() -> None:
    text = REQUIREMENTS.read_text()
    entries = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?: ;[^\\\n]*)? \\\n((?:    --hash=sha256:[0-9a-f]{64}"
                         r"(?: \\)?\n)+)", text, re.M)
    pinned = {_normal(name) for name, _, _ in entries}
    requirement_lines = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert len(requirement_lines) == len(entries), "a requirement without hashes"
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    wanted = {_normal(re.split(r"[<>=!~ ;\[]", dep)[0]) for dep in project["project"]["dependencies"]}
    wanted |= {_normal(re.split(r"[<>=!~ ;\[]", dep)[0]) for dep in project["build-system"]["requires"]}
    assert wanted <= pinned, f"not pinned with hashes: {sorted(wanted - pinned)}"


def test_the_cache_lives_outside_the_workspace() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    run = next(step for step in action["runs"]["steps"] if step.get("id") == "run")
    assert run["env"]["VPCLINT_CACHE_DIR"] == "${{ runner.temp }}/vpclint-cache"


def _readme_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", (REPO / "README.md").read_text(), re.S)


def test_the_readme_workflow_pins_checkout_and_keeps_the_token_out_of_the_checkout() -> None:
    workflow = next(block for block in _readme_blocks() if "actions/checkout" in block)
    checkout = next(line for line in _uses_lines(workflow) if "actions/checkout" in line)
    assert PINNED.match(checkout), checkout
    steps = yaml.safe_load(workflow)["jobs"]["vpclint"]["steps"]
    assert steps[0]["with"]["persist-credentials"] is False  # else .git/config holds the token file() could read


def test_the_readme_gitlab_job_fails_on_an_output_it_cannot_write() -> None:
    """``|| true`` after ``--output`` would hide exit 2 (the report refused, e.g. a committed link)."""
    job = next(block for block in _readme_blocks() if ".gitlab-ci.yml" in block)
    for command in yaml.safe_load(job)["vpclint"]["script"]:
        if "--output" in command:
            assert "|| true" not in command, command
    assert yaml.safe_load(job)["vpclint"]["variables"]["VPCLINT_CACHE_DIR"].startswith("/tmp/")


def test_the_security_policy_has_the_threat_model_and_a_private_way_to_report() -> None:
    text = (REPO / "SECURITY.md").read_text()
    assert "## Threat model: a pull request is hostile input" in text
    for part in ("### What vpclint reads", "### What vpclint writes", "### The cache trusts only what it wrote",
                 "### What vpclint never does", "**No network.**", "**No code execution.**"):
        assert part in text, part
    words = " ".join(text.split())
    assert "**Report a vulnerability**" in words and "private security advisory" in words
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", text), "no invented e-mail address"
    assert "[SECURITY.md](SECURITY.md)" in (REPO / "README.md").read_text()
