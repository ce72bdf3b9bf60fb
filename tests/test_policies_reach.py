"""vpclint.policies.reach: decisions over all policies, DNS, egress_verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES
from vpclint.load.manifests import load_manifest_file, parse_documents
from vpclint.policies.build import policies_from
from vpclint.policies.logic import is_unknown
from vpclint.policies.model import Endpoint
from vpclint.policies.reach import PodsHint, dns_verdict, egress_verdict
from vpclint.policies.selectors import Labels

PEER = FIXTURES / "network_policy_egress_peer_vpc"
ORDERS = PodsHint(namespace="orders", labels={"app": "orders"})


def _policies(*documents) -> list:
    text = "\n---\n".join(yaml.safe_dump(d) for d in documents)
    docs, error = parse_documents("test.yaml", text)
    assert error is None
    policies = policies_from(docs, [])
    for policy in policies:
        assert policy.issues == [], [i.message for i in policy.issues]
    return policies


def _from(path: Path) -> list:
    loaded = load_manifest_file(str(path))
    assert loaded.errors == []
    return policies_from(loaded.manifests, [])


def k8s(name, namespace, selector, egress=None, types=("Egress",)):
    spec = {"podSelector": selector, "policyTypes": list(types)}
    if egress is not None:
        spec["egress"] = egress
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def calico(name, selector, egress, order=None, kind="NetworkPolicy", namespace="orders"):
    meta = {"name": name} if kind == "GlobalNetworkPolicy" else {"name": name, "namespace": namespace}
    spec = {"selector": selector, "types": ["Egress"], "egress": egress}
    if order is not None:
        spec["order"] = order
    return {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": meta, "spec": spec}


# ---------------------------------------------------------------------------
# egress_verdict on the peer-VPC fixtures
# ---------------------------------------------------------------------------


def test_peer_vpc_database_allowed():
    policies = _from(PEER / "allowed" / "policy.yaml")
    assert egress_verdict(policies, ORDERS, "10.20.3.4", 5432, "tcp") == (True, None)
    assert egress_verdict(policies, ORDERS, "10.20.0.0/24", 5432, "tcp") == (True, None)
    verdict, blocker = egress_verdict(policies, ORDERS, "10.20.3.4", 6379, "tcp")
    assert verdict is False and blocker.policy_name == "orders-egress"
    verdict, _ = egress_verdict(policies, ORDERS, "10.20.3.4", 5432, "udp")
    assert verdict is False


def test_peer_vpc_database_missing():
    policies = _from(PEER / "missing" / "policy.yaml")
    verdict, blocker = egress_verdict(policies, ORDERS, "10.20.3.4", 5432, "tcp")
    assert verdict is False and blocker is policies[0]
    # 443 is allowed to 10.0.0.0/8 except the peer VPC
    assert egress_verdict(policies, ORDERS, "10.30.0.9", 443, "tcp") == (True, None)
    assert egress_verdict(policies, ORDERS, "10.20.0.9", 443, "tcp")[0] is False
    # a range partly inside the except: unknown
    assert is_unknown(egress_verdict(policies, ORDERS, "10.16.0.0/12", 443, "tcp")[0])


def test_pods_the_policies_do_not_select_are_unrestricted():
    policies = _from(PEER / "missing" / "policy.yaml")
    assert egress_verdict(policies, PodsHint(namespace="billing"), "10.20.3.4", 5432) == (True, None)
    assert egress_verdict(policies, PodsHint(namespace="orders", labels={"app": "x"}), "10.20.3.4", 5432) == (True, None)


def test_unknown_pods_give_unknown():
    policies = _from(PEER / "missing" / "policy.yaml")
    assert is_unknown(egress_verdict(policies, None, "10.20.3.4", 5432)[0])
    assert is_unknown(egress_verdict(policies, PodsHint(namespace="orders"), "10.20.3.4", 5432)[0])
    assert egress_verdict([], None, "10.20.3.4", 5432) == (True, None)


def test_bad_arguments_give_unknown():
    policies = _from(PEER / "missing" / "policy.yaml")
    assert is_unknown(egress_verdict(policies, ORDERS, "not an address", 5432)[0])
    assert is_unknown(egress_verdict(policies, ORDERS, None, 5432)[0])


def test_model_cidr_is_accepted():
    from vpclint.model import Element, make_cidr

    cidr = make_cidr(Element("aws_vpc.peer"), "cidr_block", "network", "10.20.0.0/16")
    policies = _from(PEER / "allowed" / "policy.yaml")
    assert egress_verdict(policies, ORDERS, cidr, 5432) == (True, None)


# ---------------------------------------------------------------------------
# combining policies
# ---------------------------------------------------------------------------

DB = [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": 5432}]}]


def test_kubernetes_policies_add_up():
    policies = _policies(k8s("deny", "orders", {}, types=("Egress",)),
                         k8s("db", "orders", {"matchLabels": {"app": "orders"}}, DB))
    assert egress_verdict(policies, ORDERS, "10.20.0.5", 5432) == (True, None)
    assert egress_verdict(policies, ORDERS, "10.21.0.5", 5432)[0] is False


def test_ingress_only_policy_does_not_restrict_egress():
    policies = _policies(k8s("in", "orders", {}, types=("Ingress",)))
    assert egress_verdict(policies, ORDERS, "10.20.0.5", 5432) == (True, None)


def test_default_policy_types():
    # no policyTypes and no egress rules: Ingress only
    doc = k8s("p", "orders", {})
    del doc["spec"]["policyTypes"]
    assert egress_verdict(_policies(doc), ORDERS, "10.20.0.5", 5432) == (True, None)
    doc["spec"]["egress"] = DB  # egress rules: Ingress and Egress
    assert egress_verdict(_policies(doc), ORDERS, "10.21.0.5", 5432)[0] is False


def test_calico_order_deny_allow_pass():
    deny = calico("deny-db", "all()", [{"action": "Deny", "protocol": "TCP",
                                        "destination": {"nets": ["10.20.0.0/16"], "ports": [5432]}}], order=100,
                  kind="GlobalNetworkPolicy")
    allow = calico("allow-db", "app == 'orders'", [{"action": "Allow", "protocol": "TCP",
                                                    "destination": {"ports": ["5000:6000"]}}], order=50)
    verdict, blocker = egress_verdict(_policies(deny, allow), ORDERS, "10.20.0.5", 5432)
    assert verdict is True and blocker is None  # order 50 allows first
    allow["spec"]["order"] = 150
    verdict, blocker = egress_verdict(_policies(deny, allow), ORDERS, "10.20.0.5", 5432)
    assert verdict is False and blocker.policy_name == "deny-db"
    passing = calico("pass", "all()", [{"action": "Pass"}], order=10, kind="GlobalNetworkPolicy")
    # Pass leaves the tier: the namespace profile allows
    assert egress_verdict(_policies(passing, deny), ORDERS, "10.20.0.5", 5432) == (True, None)


def test_calico_unordered_policies_and_tiers():
    a = calico("a", "all()", [{"action": "Deny"}], kind="GlobalNetworkPolicy")
    b = calico("b", "all()", [{"action": "Allow"}], kind="GlobalNetworkPolicy")
    # both without order: sorted by name, a denies first
    verdict, blocker = egress_verdict(_policies(a, b), ORDERS, "10.20.0.5", 5432)
    assert verdict is False and blocker.policy_name == "a"
    b["spec"]["tier"] = "security"
    assert is_unknown(egress_verdict(_policies(a, b), ORDERS, "10.20.0.5", 5432)[0])


def test_calico_selector_on_an_outside_address_is_unknown():
    allow = calico("sets", "all()", [{"action": "Allow", "destination": {"selector": "role == 'db'"}}],
                   kind="GlobalNetworkPolicy")
    assert is_unknown(egress_verdict(_policies(allow), ORDERS, "10.20.0.5", 5432)[0])


def test_rule_that_may_match_makes_the_verdict_unknown():
    maybe = k8s("maybe", "orders", {"matchLabels": {"app": "orders"}},
                [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": "postgres"}]}])
    assert is_unknown(egress_verdict(_policies(maybe), ORDERS, "10.20.0.5", 5432)[0])


# ---------------------------------------------------------------------------
# DNS
# ---------------------------------------------------------------------------


def _pod(namespace="orders", **labels):
    return Endpoint("pod", namespace=namespace, labels=Labels(labels),
                    namespace_labels=Labels({"kubernetes.io/metadata.name": namespace}))


DNS_RULE = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"port": 53, "protocol": "UDP"}]}


@pytest.mark.parametrize("egress, udp, tcp", [
    ([], False, False),
    ([DNS_RULE], True, False),
    ([{"ports": [{"port": 53}]}], False, True),  # protocol defaults to TCP
    ([{"to": [{"podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}], "ports": [{"port": 53, "protocol": "UDP"}]}],
     False, False),  # own namespace only
    ([{"to": [{"namespaceSelector": {}}]}], True, True),
    ([{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 53, "protocol": "UDP"}]}], None, False),
    ([{"ports": [{"port": "dns", "protocol": "UDP"}]}], None, False),
    ([{"to": [{"namespaceSelector": {"matchLabels": {"name": "kube-system"}}}]}], None, None),
    ([{"ports": [{"port": 1, "endPort": 100, "protocol": "UDP"}]}], True, False),
])
def test_dns_verdicts(egress, udp, tcp):
    policies = _policies(k8s("p", "orders", {}, egress))
    verdicts = dns_verdict(policies, _pod(app="orders"))
    got = {proto: (None if is_unknown(d.verdict) else d.verdict) for proto, d in verdicts.items()}
    assert got == {"UDP": udp, "TCP": tcp}


def test_calico_dns_service_rule():
    rule = {"action": "Allow", "protocol": "UDP",
            "destination": {"services": {"name": "kube-dns", "namespace": "kube-system"}}}
    policies = _policies(calico("svc", "all()", [rule]))
    assert dns_verdict(policies, _pod())["UDP"].verdict is True


def test_invalid_policies_are_left_out():
    text = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: orders}\n"
            "spec: {podSelector: {}, policyTypes: [Egress], egress: [{ports: [{port: 70000}]}]}\n")
    docs, _ = parse_documents("x.yaml", text)
    policies = policies_from(docs, [])
    assert policies[0].issues
    assert dns_verdict(policies, _pod())["UDP"].verdict is True
