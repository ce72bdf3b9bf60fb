"""One lint run: load each input, build its model, run the rules, collect."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from vpclint.config import Config
from vpclint.engine.rules import Rule, load_rules
from vpclint.engine.run import run_rules
from vpclint.findings import SEVERITY_RANK, Finding
from vpclint.load import LoadOptions, load_path
from vpclint.model.build import build_model
from vpclint.resources import LoadError, UnknownNote


@dataclass
class Settings:
    paths: list[str]
    recursive: bool = False
    load: LoadOptions = field(default_factory=LoadOptions)
    config: Config = field(default_factory=Config)
    rule_dirs: list[str] = field(default_factory=list)
    enable: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    unknowns: list[UnknownNote] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)

    def failed(self, minimum: str) -> bool:
        return any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK[minimum] for f in self.findings)


def discover(path: str, recursive: bool) -> list[str]:
    """The inputs PATH stands for: itself, or under --recursive every directory
    below it holding .tf files (skipping .terraform/ and hidden directories)."""
    if not recursive or not os.path.isdir(path):
        return [path]
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if any(name.endswith(".tf") for name in files):
            found.append(root)
    return found


def select_rules(rules: list[Rule], settings: Settings) -> list[Rule]:
    """Apply config enablement and severity, then --enable-rule/--disable-rule."""
    selected = []
    for rule in rules:
        options = settings.config.rules.get(rule.id, {})
        enabled = options.get("enabled", True)
        if rule.id in settings.enable:
            enabled = True
        if rule.id in settings.disable:
            enabled = False
        if enabled:
            if "severity" in options:
                rule.severity = options["severity"]
            selected.append(rule)
    return selected


def lint(settings: Settings) -> Report:
    report = Report()
    rules, rule_errors = load_rules([*settings.config.rule_dirs, *settings.rule_dirs])
    report.errors.extend(rule_errors)
    known = {rule.id for rule in rules}
    for rule_id in [*settings.enable, *settings.disable, *settings.config.rules]:
        if rule_id not in known:
            where = settings.config.path if rule_id in settings.config.rules else "command line"
            report.errors.append(LoadError(where or "command line", None, f"no such rule: {rule_id}"))
    report.rules = select_rules(rules, settings)
    for path in settings.paths:
        for target in discover(path, settings.recursive):
            report.inputs.append(target)
            loaded = load_path(target, settings.load)
            report.errors.extend(loaded.errors)
            model, unknowns = build_model(loaded.resources)
            report.unknowns.extend(loaded.unknowns)
            report.unknowns.extend(unknowns)
            findings, errors = run_rules(report.rules, model)
            report.findings.extend(findings)
            report.errors.extend(errors)
    report.findings.sort(key=Finding.sort_key)
    report.errors = sorted(set(report.errors), key=lambda e: (e.file, e.line or 0, e.message))
    report.unknowns = sorted(set(report.unknowns), key=lambda u: (u.resource, u.attribute, u.reason))
    return report
