"""Network policy primitives: validity, and DNS egress.

``policy_issues``: each problem the API server or calicoctl would reject
the policy for (``issue``: a ``PolicyIssue`` with ``message``, ``fix`` and
its own file and line).

``blocks_dns``: a policy that restricts the egress of the pods it selects
while, all policies of the model considered together, neither UDP nor TCP
port 53 can reach the cluster DNS from those pods. Silent whenever
anything needed is unknown (a label, a Terraform value, the order of
policies, a named port) and for invalid policies (they never take effect).
Captures: ``pods`` (which pods), ``blocker`` (the policy that drops the
query: a Deny rule's, or the one isolating the pods), ``why`` (in words),
``dns_fix``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator

from vpclint.engine.paths import resolve
from vpclint.engine.primitives import Violation, primitive
from vpclint.policies.logic import UNKNOWN, is_unknown
from vpclint.policies.model import CALICO, Endpoint, Namespace, Policy, show_namespace
from vpclint.policies.reach import dns_pod_in, dns_verdict
from vpclint.policies.selectors import Labels, representatives
from vpclint.policies.terraform import NETWORK_POLICY_TYPES


def _policies(args: dict[str, Any], bindings: dict[str, Any]) -> list[Policy]:
    return [p for p in resolve(bindings, args.get("policy", "policy")) if isinstance(p, Policy)]


@primitive
def policy_issues(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Each validation issue of ``policy`` (a path to policies)."""
    for policy in _policies(args, bindings):
        for issue in policy.issues:
            yield Violation({"issue": issue}, subject=issue, facts=(issue.field_path, issue.message))


@primitive
def blocks_dns(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """``policy`` restricts egress and its pods cannot reach the cluster DNS."""
    for policy in _policies(args, bindings):
        found = _dns_blocked(policy)
        if found is not None:
            pods, blocker, why = found
            yield Violation({"pods": pods, "blocker": blocker, "why": why, "dns_fix": dns_fix(policy)}, subject=policy,
                            related=[blocker] if blocker is not None and blocker is not policy else [],
                            facts=(pods,))


def _subjects(policy: Policy) -> list[tuple[Endpoint, str]]:
    """Pods standing for those ``policy`` selects, each with a description."""
    if policy.selector is None or is_unknown(policy.selector):
        return []
    reps = representatives(policy.selector)
    if not reps:
        return []
    namespaces: list[Labels | None] = [None]
    if policy.kind == "GlobalNetworkPolicy":
        namespace: Any = UNKNOWN
        if policy.namespace_selector is not None:
            if is_unknown(policy.namespace_selector):
                return []
            namespaces = list(representatives(policy.namespace_selector) or [])
    else:
        namespace = policy.namespace
        if namespace is None or is_unknown(namespace):
            return []
    out = []
    for labels in reps:
        for namespace_labels in namespaces:
            pod = Endpoint("pod", namespace=namespace, labels=labels, namespace_labels=namespace_labels or Labels())
            if len(reps) == 1 and len(namespaces) == 1:
                text = policy.pods
            else:
                where = "in every namespace" if policy.kind == "GlobalNetworkPolicy" else f"in {show_namespace(namespace)}"
                text = f"pods with labels {labels.describe()} {where}"
            out.append((pod, text))
    return out


def _dns_blocked(policy: Policy) -> tuple[str, Policy | None, str] | None:
    if not policy.valid or policy.restricts("egress") is not True:
        return None
    found = _blocked(policy, policy.others or [policy])
    if found is not None:
        return found
    if policy.kind != "GlobalNetworkPolicy" and (isinstance(policy.namespace, Namespace) or
                                                 is_unknown(policy.namespace)):
        return _blocked_outside_kube_system(policy)
    return None


def _blocked(policy: Policy, others: list[Policy], condition: str = "") -> tuple[str, Policy | None, str] | None:
    """The first pods of ``policy``'s that no policy of ``others`` lets query the
    cluster DNS; ``condition`` opens the reason (the namespace it assumes)."""
    for pod, text in _subjects(policy):
        if policy.applies_to(pod, "egress") is not True:
            continue
        verdicts = dns_verdict(others, pod)
        if all(d.verdict is False for d in verdicts.values()):
            blocker = verdicts["UDP"].policy or verdicts["TCP"].policy
            denied = [d for d in verdicts.values() if d.denied]
            if denied and denied[0].policy is not None:
                owner = "its own Deny rule" if denied[0].policy is policy else f"a Deny rule of {denied[0].policy.title}"
                why = (f"{owner} drops their DNS queries (UDP and TCP port 53 to "
                       "kube-dns in kube-system) before any rule allows them")
            elif _names_dns_pods_nearby(policy, pod):
                why = (f"{condition}its egress rule for the DNS pods selects them without a namespaceSelector, so it "
                       f"matches pods of {_own(policy.namespace)} only, never the cluster DNS (kube-dns / "
                       "CoreDNS in kube-system), and no policy that applies to them lets UDP or TCP port 53 reach it")
            else:
                why = (f"{condition}no policy that applies to them lets UDP or TCP port 53 reach the cluster DNS "
                       "(kube-dns / CoreDNS in kube-system)")
            return text, blocker, why
    return None


def _own(namespace: Any) -> str:
    return f"namespace {namespace}" if isinstance(namespace, str) else "its own namespace"


def _names_dns_pods_nearby(policy: Policy, pod: Endpoint) -> bool:
    """Whether ``policy`` lets ``pod`` query DNS pods in its own namespace: a
    rule naming the DNS pods (``k8s-app: kube-dns``) without a namespace selector."""
    verdicts = dns_verdict((policy,), pod, dns_pod_in(policy.namespace))
    return any(d.verdict is True for d in verdicts.values())


def _blocked_outside_kube_system(policy: Policy) -> tuple[str, Policy | None, str] | None:
    """A policy with no namespace (a manifest without one, a value known only
    after apply) whose DNS rule names the DNS pods without a namespace
    selector: read as applied anywhere but kube-system, where such a rule
    matches nothing. Policies of no namespace or an unknown one may still be
    in the same namespace as this one, so they stay undecided."""
    stand_in = Namespace(f"{policy.address} (outside kube-system)", excludes=frozenset({"kube-system"}))
    assumed = replace(policy, namespace=stand_in)
    subjects = _subjects(assumed)
    if not subjects or not any(_names_dns_pods_nearby(assumed, pod) for pod, _ in subjects):
        return None
    others = [assumed if p is policy else p for p in (policy.others or [policy])]
    where = "it names no namespace" if isinstance(policy.namespace, Namespace) else "its namespace is known only after apply"
    found = _blocked(assumed, others, f"unless it is applied in kube-system ({where}), ")
    if found is None:
        return None
    text, blocker, why = found
    return text, policy if blocker is assumed else blocker, why


def dns_fix(policy: Policy) -> str:
    """The egress rules that let the pods query the cluster DNS, in the
    policy's own syntax."""
    if policy.source == "terraform" and policy.resource is not None and \
            policy.resource.type in NETWORK_POLICY_TYPES:  # written as HCL blocks, not as a manifest
        return ('add to spec: egress { ports { port = "53" protocol = "UDP" } ports { port = "53" protocol = "TCP" } '
                'to { namespace_selector { match_labels = { "kubernetes.io/metadata.name" = "kube-system" } } '
                'pod_selector { match_labels = { "k8s-app" = "kube-dns" } } } }')
    if policy.flavor == CALICO:
        return ("add egress rules before any Deny: - {action: Allow, protocol: UDP, destination: {selector: "
                "k8s-app == 'kube-dns', namespaceSelector: projectcalico.org/name == 'kube-system', ports: [53]}} "
                "and the same with protocol: TCP")
    return ("add an egress rule: - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, "
            "podSelector: {matchLabels: {k8s-app: kube-dns}}}] ports: [{port: 53, protocol: UDP}, "
            "{port: 53, protocol: TCP}]")


__all__ = ["policy_issues", "blocks_dns", "dns_fix"]
