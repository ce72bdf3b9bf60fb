"""Shared helpers: run vpclint in-process the way the CLI does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vpclint.config import load_config
from vpclint.lint import Report, Settings, lint
from vpclint.load import LoadOptions

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
RULES = REPO / "rules"
SHARED = Path(__import__("os").environ.get("VPCLINT_SHARED", REPO.parent / "shared"))

_EXPECT = re.compile(r"^\s*#\s*expect:\s*([a-z_]+)(?:\s+(\S+))?\s*$")
_BLOCK = re.compile(r'^\s*resource\s+"([^"]+)"\s+"([^"]+)"')
# in Terraform's JSON syntax: the first property of the block's body, naming the address
_JSON_EXPECT = re.compile(r'^\s*"//"\s*:\s*"expect:\s*([a-z_]+)\s+(\S+)"\s*,?\s*$')


@pytest.fixture(autouse=True)
def _private_cache_key(tmp_path_factory, monkeypatch) -> None:
    """The cache key (load/hcl/trust.py) lives in a directory of the test
    session's, never in the real ~/.config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "config"))


def run(*paths, recursive=False, config=None, **load) -> Report:
    """Lint ``paths`` in-process, with no cache and an empty environment."""
    cfg = load_config(str(config)) if config else load_config(None)
    settings = Settings(paths=[str(p) for p in paths], recursive=recursive, config=cfg,
                        load=LoadOptions(env=load.pop("env", {}), data=cfg.data, **load))
    return lint(settings)


def annotations(directory: Path) -> set[tuple[str, str, str, int]]:
    """The findings a fixture expects: ``# expect: RULE [ADDRESS]`` above a block
    (in ``.tf.json`` files, ``"//": "expect: RULE ADDRESS"`` opening its body).

    The finding's line is the block's header line (the next line that is not
    a comment); its address is the block's unless the annotation names one.
    """
    expected = set()
    for path in sorted(directory.glob("*.tf")):
        lines = path.read_text().splitlines()
        for number, text in enumerate(lines, start=1):
            match = _EXPECT.match(text)
            if not match:
                continue
            target = number
            while target < len(lines) and lines[target].lstrip().startswith("#"):
                target += 1
            block = _BLOCK.match(lines[target])
            assert block or match.group(2), f"{path}:{number}: '# expect:' is not above a resource block"
            address = match.group(2) or f"{block.group(1)}.{block.group(2)}"
            expected.add((match.group(1), address, str(path), target + 1))
    for path in sorted(directory.glob("*.tf.json")):  # "//": "expect: RULE ADDRESS" opening the block's body
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            match = _JSON_EXPECT.match(text)
            if match:
                expected.add((match.group(1), match.group(2), str(path), number - 1))
    for path in sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml")
                       and not p.name.startswith(".")):
        expected |= _manifest_annotations(path)
    return expected


def _manifest_annotations(path: Path) -> set[tuple[str, str, str, int]]:
    """``# expect: RULE [ADDRESS]`` in a Kubernetes manifest: the finding's line
    is the next line that is not a comment (the document's ``apiVersion:``
    for a finding about the policy, the offending key otherwise); its address
    is that of the policy document holding that line unless one is named."""
    from vpclint.load.manifests import parse_documents
    from vpclint.policies.build import manifest_address

    text = path.read_text()
    lines = text.splitlines()
    documents, _ = parse_documents(str(path), text)
    expected = set()
    for number, line in enumerate(lines, start=1):
        match = _EXPECT.match(line)
        if not match:
            continue
        target = number
        while target < len(lines) and lines[target].lstrip().startswith("#"):
            target += 1
        holders = [d for d in documents if d.line <= target + 1 <= d.end_line]
        assert match.group(2) or holders, f"{path}:{number}: '# expect:' is not above a line of a policy document"
        address = match.group(2) or manifest_address(holders[-1].data, holders[-1].index)
        expected.add((match.group(1), address, str(path), target + 1))
    return expected


def found(report: Report) -> set[tuple[str, str, str, int]]:
    return {(f.rule_id, f.resource, str(Path(f.file).resolve()) if f.file else None, f.line) for f in report.findings}


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
