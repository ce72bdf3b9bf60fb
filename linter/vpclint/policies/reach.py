"""Whether the network policies of a cluster let a packet through.

The evaluation follows Calico's model, of which Kubernetes NetworkPolicy is
a special case (Calico renders each Kubernetes policy as an order-1000
policy of allow rules in the ``default`` tier):

* only policies that apply to the endpoint for the direction count: the
  selector selects it, the namespace is its own (or the policy is global),
  and ``types`` holds the direction;
* within a tier, policies run by ``order`` (unset last, ties by name), and
  rules in their order: the first rule that matches decides — ``Allow``
  lets the packet through, ``Deny`` drops it, ``Pass`` leaves the tier
  (then the namespace profile allows it), ``Log`` goes on;
* when no rule matches, a tier in which some policy applied drops the
  packet; when no policy applied at all, nothing restricts it.

Every step is three-valued: a policy that *may* apply, a rule that *may*
match, an order that cannot be known all lead to an unknown verdict unless
every possibility gives the same answer. More than one tier applying is
unknown too (tier order lives in Tier resources vpclint does not read).

Public entry points: ``decide`` (the core), ``egress_verdict`` (for the
reachability analysis: may pods of a cluster reach an address and port?)
and ``dns_verdict`` (for ``network_policy_blocks_dns``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

from netaddr import AddrFormatError, IPNetwork

from vpclint.policies.index import index_of
from vpclint.policies.logic import UNKNOWN, Tri, is_unknown, tri_and
from vpclint.policies.model import Endpoint, Policy, Traffic
from vpclint.policies.selectors import Labels

ALLOW, DENY = "allow", "deny"


@dataclass(frozen=True)
class Decision:
    """``verdict``: True (allowed), False (dropped) or UNKNOWN; ``policy``: the
    policy whose rule dropped the packet, or one that isolated the endpoint."""

    verdict: Tri
    policy: Policy | None = None
    reason: str = ""
    denied: bool = False  # a Deny rule dropped it (not: nothing allowed it)


def _sort_key(policy: Policy) -> tuple:
    order = policy.effective_order
    return (order is None, order if isinstance(order, (int, float)) else 0.0, policy.sort_name)


def decide(policies: Iterable[Policy], traffic: Traffic, direction: str = "egress") -> Decision:
    """Whether ``traffic`` passes the policies of the endpoint it leaves
    (``egress``) or enters (``ingress``)."""
    endpoint = traffic.source if direction == "egress" else traffic.destination
    candidates: list[tuple[Policy, Tri]] = []
    for policy in index_of(policies).may_apply(endpoint, direction):  # valid ones: the API server rejects the others
        applies = policy.applies_to(endpoint, direction)
        if applies is not False:
            candidates.append((policy, applies))
    if not candidates:
        return Decision(True, reason="no policy restricts it")
    tiers = {p.effective_tier for p, _ in candidates if not is_unknown(p.effective_tier)}
    if len(tiers) > 1 or any(is_unknown(p.effective_tier) for p, _ in candidates):
        return Decision(UNKNOWN, reason="policies of more than one tier apply")
    if any(is_unknown(p.effective_order) for p, _ in candidates) and len(candidates) > 1:
        return Decision(UNKNOWN, reason="the order of the policies is not known")
    candidates.sort(key=lambda item: _sort_key(item[0]))

    outcomes: set[str] = set()
    decider: Policy | None = None
    for policy, applies in candidates:
        rules = policy.rules(direction)
        if is_unknown(rules):
            if applies is True:
                return Decision(UNKNOWN, reason=f"the rules of {policy.title} are not known")
            outcomes.update((ALLOW, DENY))
            continue
        for rule in rules:
            action = rule.action
            matched = tri_and([applies, rule.matches(traffic, policy, direction)])
            if matched is False or action == "Log":
                continue
            if is_unknown(action):
                outcome = None
            else:
                outcome = DENY if action == "Deny" else ALLOW  # Allow, or Pass (to the profile: allow)
            if outcome is None:
                outcomes.update((ALLOW, DENY))
            else:
                outcomes.add(outcome)
            if matched is True:
                if outcome == DENY and outcomes == {DENY}:
                    return Decision(False, policy, f"a Deny rule of {policy.title} matches", denied=True)
                return _combine(outcomes, decider or policy)
        if applies is True and decider is None:
            decider = policy
    # no rule decided: the tier drops the packet if any policy applied
    applied = [a for _, a in candidates]
    if any(a is True for a in applied):
        outcomes.add(DENY)
    else:
        outcomes.update((ALLOW, DENY))
    return _combine(outcomes, decider)


def _combine(outcomes: set[str], policy: Policy | None) -> Decision:
    if outcomes == {ALLOW}:
        return Decision(True)
    if outcomes == {DENY}:
        return Decision(False, policy, f"{policy.title if policy else 'a policy'} isolates the pods and no rule allows it")
    return Decision(UNKNOWN, reason="depends on what cannot be known statically")


# ---------------------------------------------------------------------------
# cluster DNS
# ---------------------------------------------------------------------------

DNS_POD = Endpoint(
    kind="pod",
    namespace="kube-system",
    labels=Labels({"k8s-app": "kube-dns"}),
    namespace_labels=Labels({"kubernetes.io/metadata.name": "kube-system"}),
    address=None,
    services=frozenset({"kube-dns"}),
)


def dns_verdict(policies: Iterable[Policy], pod: Endpoint, dns_pod: Endpoint = DNS_POD) -> dict[str, Decision]:
    """For UDP and TCP port 53 from ``pod`` to the cluster DNS (kube-dns /
    CoreDNS pods, ``k8s-app: kube-dns`` in ``kube-system``; or ``dns_pod``,
    the same pods placed elsewhere): the decision."""
    policies = index_of(policies)
    return {proto: decide(policies, Traffic(pod, dns_pod, proto, 53), "egress") for proto in ("UDP", "TCP")}


def dns_pod_in(namespace: Any) -> Endpoint:
    """The cluster DNS pods as if they ran in ``namespace`` (a str or a
    ``Namespace``): what a DNS rule without a namespace selector matches."""
    labels = Labels({"kubernetes.io/metadata.name": namespace}) if isinstance(namespace, str) else Labels()
    return replace(DNS_POD, namespace=namespace, namespace_labels=labels)


# ---------------------------------------------------------------------------
# reachability: may pods reach an address outside the cluster?
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PodsHint:
    """What is known of the pods that send: their namespace and labels.

    ``namespace`` None: any namespace; ``labels`` None: any labels. With
    ``closed`` the pods carry exactly ``labels``.
    """

    namespace: str | None = None
    labels: Mapping[str, str] | None = None
    closed: bool = False


def egress_verdict(policies: Iterable[Policy], cluster_pods_hint: PodsHint | None,
                   destination_cidr: Any, port: int, protocol: str = "tcp") -> tuple[Tri, Policy | None]:
    """Whether the egress policies let pods reach ``destination_cidr`` on
    ``port``/``protocol``.

    ``policies``: the model's policies (``Model.policies``) of the cluster;
    ``cluster_pods_hint``: which pods send (``PodsHint``; None for "some pod
    of the cluster", which usually leaves the verdict unknown when egress
    policies exist); ``destination_cidr``: an address or CIDR outside the
    cluster (a str, ``IPNetwork`` or ``model.Cidr``); ``protocol``: tcp,
    udp or sctp.

    Returns ``(True, None)`` when the policies allow it (or none restricts
    egress), ``(False, policy)`` when they drop it (``policy`` is the one
    whose Deny rule matched, or that isolates the pods without allowing
    it), and ``(UNKNOWN, None)`` when it depends on what cannot be known
    (labels, unknown values, policy order, part of the range allowed).
    """
    try:
        if hasattr(destination_cidr, "net"):  # a model Cidr
            destination_cidr = destination_cidr.range if destination_cidr.net is not None else None
        address = IPNetwork(str(destination_cidr)).cidr if destination_cidr is not None else None
    except (AddrFormatError, ValueError, TypeError):
        address = None
    if address is None or not isinstance(port, int) or not isinstance(protocol, str):
        return UNKNOWN, None
    hint = cluster_pods_hint or PodsHint()
    labels = Labels(dict(hint.labels or {}), closed=bool(hint.closed and hint.labels is not None))
    namespace = hint.namespace if hint.namespace is not None else UNKNOWN
    namespace_labels = Labels({"kubernetes.io/metadata.name": hint.namespace}) if hint.namespace else Labels()
    pod = Endpoint("pod", namespace=namespace, labels=labels, namespace_labels=namespace_labels)
    destination = Endpoint("external", address=address)
    decision = decide(list(policies), Traffic(pod, destination, protocol.upper(), port), "egress")
    if decision.verdict is False:
        return False, decision.policy
    return decision.verdict, None
