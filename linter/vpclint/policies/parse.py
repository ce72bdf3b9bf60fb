"""Turn a policy document (API shape) into a ``Policy``.

Parsing never fails: a part that has the wrong type, does not parse or
holds a Terraform ``Unknown`` becomes ``UNKNOWN`` (validation reports what
is wrong separately; an invalid policy is left out of every analysis).
"""

from __future__ import annotations

from typing import Any

from netaddr import AddrFormatError

from vpclint.policies.logic import UNKNOWN, is_unknown
from vpclint.policies.model import (CALICO, KUBERNETES, CalicoEntity, CalicoRule, K8sPeer, K8sPort, K8sRule,
                                    Namespace, PortMatch, Policy, show_namespace)
from vpclint.policies.selectors import All, SelectorError, from_label_selector, parse_calico, render
from vpclint.policies.validate import _CALICO_RANGE, calico_port_problem, cidr_problem, parse_network
from vpclint.values import Unknown, contains_unknown


def flavor_of(doc: dict[str, Any]) -> str:
    api = doc.get("apiVersion")
    return CALICO if isinstance(api, str) and "projectcalico.org" in api else KUBERNETES


def parse_policy(doc: dict[str, Any], policy: Policy, default_namespace: Any) -> Policy:
    """Fill ``policy`` (address, resource and issues already set) from ``doc``."""
    policy.flavor = flavor_of(doc)
    kind = doc.get("kind")
    policy.kind = kind if isinstance(kind, str) else "NetworkPolicy"
    api = doc.get("apiVersion")
    policy.api_version = api if isinstance(api, str) else ""
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = meta.get("name")
    policy.policy_name = name if isinstance(name, (str, Unknown)) else None
    if policy.kind == "GlobalNetworkPolicy":
        policy.namespace = None
    else:
        namespace = meta.get("namespace")
        if isinstance(namespace, str):
            policy.namespace = namespace
        elif isinstance(namespace, Unknown):
            policy.namespace = UNKNOWN
        else:
            policy.namespace = default_namespace
    spec = doc.get("spec")
    if isinstance(spec, Unknown) or not isinstance(spec, dict):
        spec = {}
        policy.selector = UNKNOWN
        policy.types = UNKNOWN
        policy.ingress = policy.egress = UNKNOWN
    elif policy.flavor == KUBERNETES:
        _kubernetes(spec, policy)
    else:
        _calico(spec, policy)
    policy.title = _title(policy)
    policy.pods = _pods(policy)
    return policy


def _title(policy: Policy) -> str:
    flavor = "Calico" if policy.flavor == CALICO else "Kubernetes"
    name = policy.policy_name if isinstance(policy.policy_name, str) else "(unnamed)"
    if isinstance(policy.namespace, str):
        name = f"{policy.namespace}/{name}"
    return f"{flavor} {policy.kind} {name}"


def _pods(policy: Policy) -> str:
    if policy.selector is None or is_unknown(policy.selector):
        selected = "pods selected by an unknown selector"
    elif isinstance(policy.selector, All):
        selected = "all pods"
    else:
        selected = f"pods matching {render(policy.selector)}"
    if policy.kind == "GlobalNetworkPolicy":
        where = "in every namespace"
        if policy.namespace_selector is not None and not is_unknown(policy.namespace_selector) \
                and not isinstance(policy.namespace_selector, All):
            where = f"in namespaces matching {render(policy.namespace_selector)}"
        return f"{selected} {where}".replace("all pods in every namespace", "all endpoints")
    return f"{selected} in {show_namespace(policy.namespace)}"


# ---------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------


def label_selector(value: Any) -> Any:
    """An Expr for a Kubernetes LabelSelector, None when absent, else UNKNOWN."""
    if value is None:
        return None
    if not isinstance(value, dict) or contains_unknown(value):
        return UNKNOWN
    try:
        return from_label_selector(value)
    except (SelectorError, AttributeError, TypeError):
        return UNKNOWN


def _kubernetes(spec: dict[str, Any], policy: Policy) -> None:
    selector = spec.get("podSelector")
    policy.selector = All() if selector is None else label_selector(selector)
    ingress, egress = spec.get("ingress"), spec.get("egress")
    policy.ingress = _k8s_rules(ingress, "from")
    policy.egress = _k8s_rules(egress, "to")
    types = spec.get("policyTypes")
    if types is None:
        if isinstance(egress, Unknown):
            policy.types = UNKNOWN
        else:
            policy.types = ("Ingress", "Egress") if isinstance(egress, list) and egress else ("Ingress",)
    elif isinstance(types, list) and not contains_unknown(types):
        policy.types = tuple(t for t in types if isinstance(t, str))
    else:
        policy.types = UNKNOWN


def _k8s_rules(rules: Any, peers_key: str) -> Any:
    if rules is None:
        return ()
    if not isinstance(rules, list):
        return UNKNOWN
    out = []
    for rule in rules:
        if rule is None:
            rule = {}
        if not isinstance(rule, dict):
            return UNKNOWN
        out.append(K8sRule(ports=_k8s_ports(rule.get("ports")), peers=_k8s_peers(rule.get(peers_key))))
    return tuple(out)


def _k8s_ports(ports: Any) -> Any:
    if ports is None:
        return ()
    if not isinstance(ports, list):
        return UNKNOWN
    out = []
    for entry in ports:
        if not isinstance(entry, dict):
            return UNKNOWN
        protocol = entry.get("protocol", "TCP")
        protocol = "TCP" if protocol is None else protocol
        if not isinstance(protocol, str):
            protocol = UNKNOWN
        port, end = entry.get("port"), entry.get("endPort")
        if port is None:
            match: Any = None
        elif isinstance(port, bool) or isinstance(end, bool):
            match = UNKNOWN
        elif isinstance(port, int):
            if end is None:
                match = PortMatch(port, port)
            elif isinstance(end, int):
                match = PortMatch(port, end)
            else:
                match = UNKNOWN
        elif isinstance(port, str):
            match = PortMatch(name=port)
        else:
            match = UNKNOWN
        out.append(K8sPort(protocol, match))
    return tuple(out)


def _network(text: Any) -> Any:
    if not isinstance(text, str) or cidr_problem(text, allow_address=True):
        return UNKNOWN
    try:
        return parse_network(text).cidr
    except (AddrFormatError, ValueError, TypeError):
        return UNKNOWN


def _k8s_peers(peers: Any) -> Any:
    if peers is None:
        return ()
    if not isinstance(peers, list):
        return UNKNOWN
    out = []
    for peer in peers:
        if not isinstance(peer, dict):
            return UNKNOWN
        block = peer.get("ipBlock")
        if block is not None:
            if not isinstance(block, dict):
                return UNKNOWN
            excepts = block.get("except") or []
            excepts = tuple(_network(e) for e in excepts) if isinstance(excepts, list) else (UNKNOWN,)
            out.append(K8sPeer(cidr=_network(block.get("cidr")), excepts=excepts))
            continue
        out.append(K8sPeer(pod_selector=label_selector(peer.get("podSelector")),
                           namespace_selector=label_selector(peer.get("namespaceSelector"))))
    return tuple(out)


# ---------------------------------------------------------------------------
# Calico
# ---------------------------------------------------------------------------


def calico_selector(value: Any, empty_is_all: bool = True) -> Any:
    if value is None:
        return All() if empty_is_all else None
    if not isinstance(value, str):
        return UNKNOWN
    try:
        return parse_calico(value)
    except SelectorError:
        return UNKNOWN


def _calico(spec: dict[str, Any], policy: Policy) -> None:
    policy.selector = calico_selector(spec.get("selector"))
    if policy.kind == "GlobalNetworkPolicy":
        policy.namespace_selector = calico_selector(spec.get("namespaceSelector"), empty_is_all=False)
    sa = spec.get("serviceAccountSelector")
    policy.service_account_selector = calico_selector(sa, empty_is_all=False) if sa not in (None, "") else None
    ingress, egress = spec.get("ingress"), spec.get("egress")
    policy.ingress = _calico_rules(ingress)
    policy.egress = _calico_rules(egress)
    types = spec.get("types")
    if types is None:
        if isinstance(ingress, Unknown) or isinstance(egress, Unknown):
            policy.types = UNKNOWN
        else:
            has_in = isinstance(ingress, list) and bool(ingress)
            has_out = isinstance(egress, list) and bool(egress)
            policy.types = (("Ingress",) if has_in or not has_out else ()) + (("Egress",) if has_out else ())
    elif isinstance(types, list) and not contains_unknown(types):
        policy.types = tuple(t for t in types if isinstance(t, str))
    else:
        policy.types = UNKNOWN
    order = spec.get("order")
    if order is None:
        policy.order = None
    elif isinstance(order, (int, float)) and not isinstance(order, bool):
        policy.order = float(order)
    else:
        policy.order = UNKNOWN
    tier = spec.get("tier", "default")
    policy.tier = tier if isinstance(tier, str) and tier else ("default" if tier in (None, "") else UNKNOWN)


def _calico_rules(rules: Any) -> Any:
    if rules is None:
        return ()
    if not isinstance(rules, list):
        return UNKNOWN
    out = []
    for rule in rules:
        if not isinstance(rule, dict):
            return UNKNOWN
        action = rule.get("action")
        out.append(CalicoRule(
            action=action if isinstance(action, str) else UNKNOWN,
            protocol=_protocol(rule.get("protocol")),
            not_protocol=_protocol(rule.get("notProtocol")),
            ip_version=None if rule.get("ipVersion") is None else rule.get("ipVersion"),
            source=_entity(rule.get("source")),
            destination=_entity(rule.get("destination")),
            icmp=rule.get("icmp") is not None or rule.get("notICMP") is not None,
            http=rule.get("http") is not None,
        ))
    return tuple(out)


def _protocol(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return UNKNOWN
    return value


def _entity(entity: Any) -> CalicoEntity:
    if entity is None:
        return CalicoEntity()
    if not isinstance(entity, dict):
        return CalicoEntity(selector=UNKNOWN)
    return CalicoEntity(
        nets=_nets(entity.get("nets")),
        not_nets=_nets(entity.get("notNets")),
        selector=calico_selector(entity.get("selector"), empty_is_all=False) if entity.get("selector") != "" else None,
        not_selector=calico_selector(entity.get("notSelector"), empty_is_all=False)
        if entity.get("notSelector") != "" else None,
        namespace_selector=calico_selector(entity.get("namespaceSelector"), empty_is_all=False)
        if entity.get("namespaceSelector") != "" else None,
        ports=_ports(entity.get("ports")),
        not_ports=_ports(entity.get("notPorts")),
        service_accounts=entity.get("serviceAccounts"),
        services=entity.get("services"),
    )


def _nets(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list):
        return UNKNOWN
    return tuple(_network(v) for v in value)


def _ports(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, list):
        return UNKNOWN
    out = []
    for port in value:
        if isinstance(port, Unknown) or calico_port_problem(port):
            return UNKNOWN
        if isinstance(port, int):
            out.append(PortMatch(port, port))
            continue
        if not isinstance(port, str):  # 53.5, a list, a map: the schema check reports it
            return UNKNOWN
        match = _CALICO_RANGE.match(port)
        if match:
            out.append(PortMatch(int(match.group(1)), int(match.group(2))))
        elif port.strip().isdigit():
            out.append(PortMatch(int(port), int(port)))
        else:
            out.append(PortMatch(name=port))
    return tuple(out)


__all__ = ["parse_policy", "flavor_of", "Namespace"]
