"""The core loop: for each rule, for each item it walks, run its checks."""

from __future__ import annotations

from typing import Any, Iterable

from vpclint.engine.paths import PathError, format_message, path_condition, resolve
from vpclint.engine.primitives import PRIMITIVES, Violation
from vpclint.engine.rules import Rule
from vpclint.findings import Finding
from vpclint.model import Cidr, Element, Model
from vpclint.resources import LoadError

_SINGULAR = {"networks": "network", "subnets": "subnet", "peerings": "peering", "route_tables": "route_table",
             "security_groups": "security_group", "endpoints": "endpoint", "clusters": "cluster", "cidrs": "cidr",
             "expectations": "expectation", "policies": "policy", "hubs": "hub",
             "services": "service"}


def run_rules(rules: Iterable[Rule], model: Model) -> tuple[list[Finding], list[LoadError]]:
    """Every finding of every rule; a rule that breaks becomes an error, not a crash."""
    findings: list[Finding] = []
    errors: list[LoadError] = []
    for rule in rules:
        if rule.kind == "meta":  # reported by vpclint itself (vpclint.suppress), not a check
            continue
        try:
            findings.extend(_run_rule(rule, model))
        except (PathError, KeyError, TypeError, ValueError) as exc:
            errors.append(LoadError(rule.path, None, f"rule {rule.id} failed: {exc}"))
    unique: dict[tuple, Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule_id, finding.resource, finding.message), finding)
    return sorted(unique.values(), key=Finding.sort_key), errors


def _run_rule(rule: Rule, model: Model) -> Iterable[Finding]:
    name = _SINGULAR[rule.for_each]
    for item in getattr(model, rule.for_each, []):
        bindings = {name: item, "model": model}
        if not all(_holds(cond, bindings) is True for cond in rule.where):
            continue
        for check in rule.checks:
            if not all(_holds(cond, bindings) is True for cond in check.get("where", ())):
                continue
            (primitive_name,) = [key for key in check if key in PRIMITIVES]
            for violation in PRIMITIVES[primitive_name](check[primitive_name], bindings):
                yield _finding(rule, check, item, bindings, violation)


def _holds(condition: dict[str, Any], bindings: dict[str, Any]) -> bool | None:
    """Whether a ``where`` condition holds; None when its value is unknown."""
    if "any_of" in condition:  # one list of conditions that all hold; unknown unless one surely does
        verdict: bool | None = False
        for conditions in condition["any_of"]:
            holds = _all_hold(conditions, bindings)
            if holds is True:
                return True
            if holds is None:
                verdict = None
        return verdict
    return path_condition(bindings, condition)[0]


def _all_hold(conditions: list[dict[str, Any]], bindings: dict[str, Any]) -> bool | None:
    """In order, stopping at the first that fails: a later path may exist only when an earlier condition holds."""
    verdict: bool | None = True
    for condition in conditions:
        holds = _holds(condition, bindings)
        if holds is False:
            return False
        if holds is None:
            verdict = None
    return verdict


def _finding(rule: Rule, check: dict[str, Any], item: Any, bindings: dict[str, Any],
             violation: Violation) -> Finding:
    scope = {**bindings, **violation.captures}
    subject = violation.subject
    if rule.report_on:
        found = resolve(scope, rule.report_on)
        subject = found[0] if found else subject
    if not isinstance(subject, Element):
        subject = item if isinstance(item, Element) else getattr(item, "owner", None)
    address = subject.terraform_address
    related = [r.terraform_address for r in violation.related]
    for path in rule.related:
        related.extend(e.terraform_address for e in resolve(scope, path) if isinstance(e, Element))
    related = [r for i, r in enumerate(related) if r != address and r not in related[:i]]
    message = format_message(check.get("message", rule.message), scope)
    fix_template = check.get("fix", rule.fix)
    severity = rule.severity if rule.severity_configured else check.get("severity", rule.severity)
    return Finding(rule_id=rule.id, severity=severity, message=message, resource=address,
                   file=subject.file, line=subject.line, related=related,
                   facts=(address, *violation.facts),
                   fix=format_message(fix_template, scope) if fix_template else None, extra=dict(violation.extra),
                   attributes=_attributes(subject, [item, *violation.captures.values()]))


def _attributes(subject: Element, values: list[Any]) -> tuple[str, ...]:
    """The attributes of the subject's resource that the ranges of a finding are read from."""
    found: dict[str, None] = {}
    pending = list(values)
    while pending:
        value = pending.pop(0)
        if isinstance(value, (list, tuple)):
            pending.extend(value)
        elif isinstance(value, Cidr) and subject.resource is not None \
                and (value.origin or value.owner).resource is subject.resource:
            found[value.attribute] = None
    return tuple(found)
