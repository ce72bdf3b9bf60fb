"""Whether a firewall's policy lets a flow through (``vpclint.model.firewall``).

First match decides, no match is denied; a rule that may match (vague, or
naming only part of the destinations) leaves the sources it could take
unknown, so a verdict of "fail" means the model is sure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from netaddr import IPSet

from vpclint.model.firewall import FirewallPolicy, FirewallRule
from vpclint.values import Unknown


@dataclass
class PolicyVerdict:
    verdict: str  # pass, fail, unknown
    denied: IPSet = field(default_factory=IPSet)  # sources the policy surely drops
    deciding: FirewallRule | None = None  # the first deny rule that drops some; None: the default deny alone


def _service(rule: FirewallRule, protocol: str, port: int | None) -> bool | None:
    """Whether the rule's protocols and ports take ``protocol``/``port``."""
    if isinstance(rule.protocols, Unknown) or isinstance(rule.ports, Unknown):
        return None
    if "all" not in rule.protocols and protocol not in rule.protocols:
        return False
    if rule.ports is None or protocol not in ("tcp", "udp"):
        return True
    if not isinstance(rule.ports, list):
        return None
    if port is None:
        return None  # all ports asked: a rule for some ports decides some of them
    return any(r.low <= port <= r.high for r in rule.ports)


def _known(cidrs: list) -> IPSet | None:
    if any(c.net is None and not c.error for c in cidrs):
        return None
    return IPSet(c.range for c in cidrs if c.net is not None)


def evaluate(policy: FirewallPolicy | None, sources: IPSet, destinations: IPSet, protocol: str,
             port: int | None) -> PolicyVerdict:
    """The policy's verdict on ``sources`` sending to ``destinations``."""
    if policy is None:
        return PolicyVerdict("pass")
    remaining, unsure, denied = IPSet(sources), IPSet(), IPSet()
    deciding: FirewallRule | None = None
    for rule in policy.rules:
        if not remaining:
            break
        service = _service(rule, protocol, port)
        if service is False:
            continue
        source_set = None if rule.any_source else _known(rule.sources)
        part = remaining if rule.any_source else (remaining if source_set is None else remaining & source_set)
        if not part:
            continue
        target_set = None if rule.any_destination else _known(rule.destinations)
        if target_set is not None and not (target_set & destinations):
            continue
        whole = rule.any_destination or (target_set is not None and destinations <= target_set)
        if service is None or rule.vague or source_set is None and not rule.any_source or not whole:
            unsure |= part
        elif rule.action == "deny":
            denied |= part
            deciding = deciding or rule
        remaining -= part
    if policy.complete:
        denied |= remaining
    else:
        unsure |= remaining
    if denied:
        return PolicyVerdict("fail", denied, deciding)
    return PolicyVerdict("unknown" if unsure else "pass")
