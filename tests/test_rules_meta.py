"""Meta tests over the rule registry: ids, schema, docs, fixtures, examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, RULES, annotations, run
from vpclint.engine.rules import load_rule_file, load_rules, load_yaml, validate

RULE_FILES = sorted(RULES.glob("*.yaml"))
RULE_IDS = [p.stem for p in RULE_FILES]


def test_builtin_rules_load_without_errors() -> None:
    rules, errors = load_rules()
    assert errors == []
    assert [r.id for r in rules] == sorted(RULE_IDS)


@pytest.mark.parametrize("path", RULE_FILES, ids=RULE_IDS)
def test_builtin_rule_is_valid_against_the_rule_schema(path: Path) -> None:
    """A run trusts the package's own rule files (it does not import jsonschema for them): this is their check."""
    data, node = load_yaml(str(path))
    validate(data, node, "rule.schema.json", str(path))


@pytest.mark.parametrize("path", RULE_FILES, ids=RULE_IDS)
def test_rule_has_failing_and_passing_fixtures(path: Path) -> None:
    rule = load_rule_file(str(path))
    fail, passing = FIXTURES / rule.id / "fail", FIXTURES / rule.id / "pass"
    assert passing.is_dir(), f"{rule.id} has no passing fixture"
    assert {a[0] for a in annotations(fail)} >= {rule.id}, f"{rule.id} has no failing fixture"


@pytest.mark.parametrize("path", RULE_FILES, ids=RULE_IDS)
def test_docs_examples_behave_as_labelled(path: Path, tmp_path: Path) -> None:
    """The bad example in a rule's docs raises the rule; the good one does not."""
    rule = load_rule_file(str(path))
    for label, text in (("bad", rule.docs["bad"]), ("good", rule.docs["good"])):
        directory = tmp_path / label
        directory.mkdir()
        # examples of Kubernetes / Calico policies are manifests, not HCL
        (directory / ("policy.yaml" if text.lstrip().startswith("apiVersion:") else "main.tf")).write_text(text)
        config = None
        if "config" in rule.docs:
            config = directory / ".vpclint.yaml"
            config.write_text(rule.docs["config"])
        report = run(directory, config=config)
        assert report.errors == []
        ids = {f.rule_id for f in report.findings}
        if label == "bad":
            assert rule.id in ids, f"the bad example of {rule.id} does not raise it"
        else:
            assert rule.id not in ids, f"the good example of {rule.id} raises it"
