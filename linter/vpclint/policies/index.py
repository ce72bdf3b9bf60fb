"""Which policies may apply to a pod, without testing every policy.

``decide`` asks, for each packet, which policies apply to the endpoint it
leaves or enters. Testing every policy made the DNS check (one decision per
policy, each over all policies) quadratic: 4,000 NetworkPolicies took over
three minutes. The index answers from buckets instead — by namespace, and
by one label the policy's selector requires (``matchLabels`` / ``key ==
'value'``) — and only rules out what ``Policy.applies_to`` would surely
find False, so every verdict is the same as testing them all.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

from vpclint.policies.logic import is_unknown
from vpclint.policies.model import CALICO, Endpoint, Policy
from vpclint.policies.selectors import And, Eq, Expr, Labels

_ANY = object()  # the bucket of policies not tied to one namespace or one label value


def _required_label(selector: Any) -> tuple[str, str] | None:
    """A label ``selector`` requires with a value (an ``Eq`` it is, or is a conjunct of)."""
    if isinstance(selector, Eq):
        return selector.key, selector.value
    if isinstance(selector, And):
        for part in selector.exprs:
            if isinstance(part, Eq):
                return part.key, part.value
    return None


def _labels_seen(policy_flavor: str, pod: Endpoint) -> Labels:
    """The labels a policy of ``policy_flavor`` evaluates its selector against (as ``Policy.applies_to``)."""
    return (pod.calico_labels() if policy_flavor == CALICO else pod.labels) or Labels()


class PolicyIndex:
    """The valid policies of one model, bucketed per direction; positions keep the input order."""

    def __init__(self, policies: Sequence[Policy]):
        self.policies = list(policies)
        self._by_direction: dict[str, Any] = {}

    def _buckets(self, direction: str) -> Any:
        """namespace (or _ANY) -> flavor -> label key (or _ANY) -> value -> positions."""
        found = self._by_direction.get(direction)
        if found is None:
            found = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(list))))
            for position, policy in enumerate(self.policies):
                if not policy.valid or policy.restricts(direction) is False:
                    continue  # never applies (decide skips invalid policies)
                namespaced = policy.kind != "GlobalNetworkPolicy" and isinstance(policy.namespace, str)
                selector = policy.selector
                label = None if selector is None or is_unknown(selector) or not isinstance(selector, Expr) \
                    else _required_label(selector)
                key, value = label if label is not None else (_ANY, _ANY)
                found[policy.namespace if namespaced else _ANY][policy.flavor][key][value].append(position)
            self._by_direction[direction] = found
        return found

    def may_apply(self, endpoint: Endpoint, direction: str) -> list[Policy]:
        """The policies ``applies_to(endpoint, direction)`` may find True or unknown, in input order."""
        if not endpoint.is_pod:
            return []
        buckets = self._buckets(direction)
        if isinstance(endpoint.namespace, str):
            namespaces = [buckets[ns] for ns in (_ANY, endpoint.namespace) if ns in buckets]
        else:  # an unknown namespace may be any policy's
            namespaces = list(buckets.values())
        positions: list[int] = []
        for flavors in namespaces:
            for flavor, keys in flavors.items():
                values = _labels_seen(flavor, endpoint).values
                for key, by_value in keys.items():
                    if key is not _ANY and key in values:
                        positions.extend(by_value.get(values[key], ()))
                    else:  # the pod's value of the key is not known: any policy on it may apply
                        for found in by_value.values():
                            positions.extend(found)
        return [self.policies[p] for p in sorted(positions)]


_LAST: list[tuple[Sequence[Policy], PolicyIndex]] = []  # the index of the list asked last (Policy.others)


def index_of(policies: Any) -> PolicyIndex:
    """The index of ``policies``, built once for the list every policy of a model shares."""
    if isinstance(policies, PolicyIndex):
        return policies
    if not isinstance(policies, list):
        return PolicyIndex(list(policies))
    if _LAST and _LAST[0][0] is policies and len(_LAST[0][1].policies) == len(policies):
        return _LAST[0][1]
    index = PolicyIndex(policies)
    _LAST[:] = [(policies, index)]
    return index
