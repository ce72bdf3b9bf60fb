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

from typing import Any, Iterator

from vpclint.engine.paths import resolve
from vpclint.engine.primitives import Violation, primitive
from vpclint.policies.logic import UNKNOWN, is_unknown
from vpclint.policies.model import CALICO, Endpoint, Policy, show_namespace
from vpclint.policies.reach import dns_verdict
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
    others = policy.others or [policy]
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
            else:
                why = ("no policy that applies to them lets UDP or TCP port 53 reach the cluster DNS "
                       "(kube-dns / CoreDNS in kube-system)")
            return text, blocker, why
    return None


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
