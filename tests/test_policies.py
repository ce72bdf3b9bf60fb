"""Kubernetes and Calico network policies: selectors, loading, validation, DNS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, run
from vpclint.load.manifests import load_manifest_file, parse_documents
from vpclint.policies.build import policies_from
from vpclint.policies.logic import is_unknown
from vpclint.policies.schemas import calico_schema, openapi_to_jsonschema
from vpclint.policies.selectors import (All, And, Eq, Has, In, Labels, Not, Or, SelectorError, Text, evaluate,
                                        from_label_selector, parse_calico, render, representatives)
from vpclint.policies.validate import document_issues
from vpclint.resources import Resource
from vpclint.values import Unknown

SEED = FIXTURES / "network_policy_invalid" / "fail" / "seed003_calico_policy.yaml"


# ---------------------------------------------------------------------------
# Calico selector parser
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("", All()),
    ("all()", All()),
    ("app == 'web'", Eq("app", "web")),
    ('app == "web"', Eq("app", "web")),
    ("app != 'web'", Not(Eq("app", "web"))),
    ("has(tier)", Has("tier")),
    ("!has(tier)", Not(Has("tier"))),
    ("app in {'a', 'b'}", In("app", ("a", "b"))),
    ("app not in {'a'}", Not(In("app", ("a",)))),
    ("app in {}", In("app", ())),
    ("app contains 'we'", Text("app", "contains", "we")),
    ("app starts with 'w'", Text("app", "starts with", "w")),
    ("app ends with 'b'", Text("app", "ends with", "b")),
    ("a == 'x' && b == 'y' || c == 'z'", Or((And((Eq("a", "x"), Eq("b", "y"))), Eq("c", "z")))),
    ("a == 'x' && (b == 'y' || c == 'z')", And((Eq("a", "x"), Or((Eq("b", "y"), Eq("c", "z")))))),
    ("!(a == 'x')", Not(Eq("a", "x"))),
    ("projectcalico.org/namespace == 'kube-system'", Eq("projectcalico.org/namespace", "kube-system")),
    ("  k8s-app=='kube-dns'  ", Eq("k8s-app", "kube-dns")),
])
def test_calico_selector_parses(text, expected):
    assert parse_calico(text) == expected


@pytest.mark.parametrize("text", [
    "app = 'web'", "app == web", "app == 'web", "(app == 'x'", "app == 'x')", "has(app", "app in {'a' 'b'}",
    "app in 'a'", "&& app == 'x'", "app == 'x' &&", "app not 'x'", "app starts 'x'", "app", "{}", "app == 'x' y",
])
def test_calico_selector_errors(text):
    with pytest.raises(SelectorError):
        parse_calico(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab='\"(){},!&| -_./inotaswhcl", max_size=40))
def test_calico_parser_never_crashes(text):
    try:
        expr = parse_calico(text)
    except SelectorError:
        return
    assert parse_calico(render(expr)) == expr  # rendering round-trips


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(SelectorError):
        parse_calico("(" * 5000 + "all()" + ")" * 5000)


# ---------------------------------------------------------------------------
# three-valued evaluation and representatives
# ---------------------------------------------------------------------------


def test_evaluation_is_three_valued():
    web = Labels({"app": "web"})
    assert evaluate(parse_calico("app == 'web'"), web) is True
    assert evaluate(parse_calico("app == 'db'"), web) is False
    assert is_unknown(evaluate(parse_calico("tier == 'x'"), web))  # a label we cannot see
    assert evaluate(parse_calico("tier == 'x'"), Labels({"app": "web"}, closed=True)) is False
    assert evaluate(parse_calico("app != 'db'"), web) is True
    assert evaluate(parse_calico("has(app) && !has(app)"), web) is False
    assert evaluate(parse_calico("app == 'web' || tier == 'x'"), web) is True
    assert is_unknown(evaluate(parse_calico("app == 'db' || tier == 'x'"), web))
    assert evaluate(parse_calico("app starts with 'we'"), web) is True
    assert evaluate(parse_calico("app not in {'a'}"), Labels(absent=frozenset({"app"}))) is True


def test_kubernetes_label_selector():
    expr = from_label_selector({"matchLabels": {"app": "web"},
                                "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]},
                                                     {"key": "env", "operator": "Exists"}]})
    assert evaluate(expr, Labels({"app": "web", "tier": "fe", "env": "prod"})) is True
    assert evaluate(expr, Labels({"app": "web", "tier": "db", "env": "prod"})) is False
    assert from_label_selector({}) == All()


def test_representatives_are_selected_for_certain():
    expr = parse_calico("app in {'web', 'api'} && !has(canary) && tier != 'db'")
    reps = representatives(expr)
    assert [r.values for r in reps] == [{"app": "web"}, {"app": "api"}]
    assert all(evaluate(expr, r) is True for r in reps)
    assert representatives(parse_calico("a == 'x' && a == 'y'")) == []
    assert representatives(parse_calico("global()")) == []


# ---------------------------------------------------------------------------
# loading manifests
# ---------------------------------------------------------------------------


def test_seed_policy_is_found_with_lines():
    loaded = load_manifest_file(str(SEED))
    assert loaded.errors == []
    (doc,) = loaded.manifests
    assert doc.data["kind"] == "NetworkPolicy" and doc.line == 5
    assert doc.line_of(("spec", "selector")) == 23
    assert doc.line_of(("spec", "egress", 0, "ports")) == 20


def test_multi_document_and_list_kinds(tmp_path):
    path = tmp_path / "all.yaml"
    path.write_text("""\
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
---
apiVersion: v1
kind: List
items:
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: a, namespace: n}
    spec: {podSelector: {}}
  - apiVersion: apps/v1
    kind: Deployment
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicyList
items:
  - apiVersion: projectcalico.org/v3
    kind: GlobalNetworkPolicy
    metadata: {name: g}
    spec: {selector: all()}
""")
    loaded = load_manifest_file(str(path))
    assert loaded.errors == []
    assert [(d.data["metadata"]["name"], d.line) for d in loaded.manifests] == [("a", 8), ("g", 18)]


@pytest.mark.parametrize("text, line", [
    ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nspec:\n  podSelector: {\n", 5),
    ("kind: NetworkPolicy\n  bad: indentation\n", 2),
    ("a: &x [*x]\nkind: NetworkPolicy\n", None),
    ("kind: NetworkPolicy\n" + "a: &a [x,x,x,x,x,x,x,x,x,x]\n" +
     "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
             f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
             for i in range(8)), 1),
    ("kind: NetworkPolicy\nx: !!python/object/apply:os.system ['true']\n", 2),
])
def test_bad_yaml_is_an_error_with_a_line(tmp_path, text, line):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    loaded = load_manifest_file(str(path))
    assert len(loaded.errors) == 1 and loaded.manifests == []
    if line is not None:
        assert loaded.errors[0].line == line


def test_directory_ignores_other_yaml_and_templates(tmp_path):
    (tmp_path / "deploy.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nspec: [unclosed\n")
    (tmp_path / ".vpclint.yaml").write_text("rules: {}\n")
    (tmp_path / "np.yaml").write_text("kind: NetworkPolicy\nspec: {{ .Values.spec }}\n")  # a Helm template
    report = run(tmp_path)
    assert report.errors == [] and report.findings == []


def test_directory_reports_broken_policy_manifest(tmp_path):
    (tmp_path / "np.yaml").write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nspec: [\n")
    report = run(tmp_path)
    assert [(Path(e.file).name, e.line) for e in report.errors] == [("np.yaml", 4)]


def test_recursive_finds_manifest_directories(tmp_path):
    (tmp_path / "k8s" / "prod").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: d, namespace: p}\n" \
           "spec: {podSelector: {}, policyTypes: [Egress]}\n"
    (tmp_path / "k8s" / "prod" / "deny.yml").write_text(deny)
    (tmp_path / ".hidden" / "deny.yaml").write_text(deny)
    report = run(tmp_path, recursive=True)
    assert [(f.rule_id, Path(f.file).name) for f in report.findings] == [("network_policy_blocks_dns", "deny.yml")]


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


def test_seed_policy_issues_and_fixes():
    doc = load_manifest_file(str(SEED)).manifests[0].data
    issues = {(i.path, i.fix) for i in document_issues(doc)}
    assert (("spec", "egress", 0, "ports"), "move `ports` under `destination`: destination: {ports: [443]}") in issues
    assert (("spec", "ingress", 0, "ports"), "move `ports` under `destination`: destination: {ports: [80]}") in issues
    assert (("spec", "selector"), "write the selector as an expression: selector: app == 'web'") in issues
    assert len(issues) == 3


def _k8s(spec, **meta):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "n", **meta}, "spec": spec}


def _calico(spec, kind="NetworkPolicy"):
    return {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": {"name": "p"}, "spec": spec}


@pytest.mark.parametrize("doc, fragment", [
    (_k8s({"podSelector": {"matchLabels": {"app": True}}}), "must be a string"),
    (_k8s({"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}), "needs at least one value"),
    (_k8s({"podSelector": {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]}}), "In, NotIn"),
    (_k8s({"podSelector": {"matchLabels": {"-bad": "x"}}}), "label key"),
    (_k8s({"egress": [{"ports": [{"port": 0}]}]}), "out of range"),
    (_k8s({"egress": [{"ports": [{"port": "dns_tcp"}]}]}), "port name"),
    (_k8s({"egress": [{"ports": [{"port": "dns", "endPort": 60}]}]}), "named port"),
    (_k8s({"egress": [{"to": [{}]}]}), "empty peer"),
    (_k8s({"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}}]}]}), "strict subset"),
    (_k8s({"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.1"}}]}]}), "prefix length"),
    (_k8s({"policyTypes": ["egress"]}), "Ingress or Egress"),
    (_k8s({"selector": "app == 'x'"}), "podSelector"),
    (_k8s({}, name="Bad_Name"), "not valid"),
    (_calico({"selector": "app == 'x'", "egress": [{"action": "allow"}]}), "one of Allow"),
    (_calico({"egress": [{"action": "Allow", "destination": {"ports": [53]}}]}), "must set protocol"),
    (_calico({"egress": [{"action": "Allow", "protocol": "tcp"}]}), "not a protocol Calico knows"),
    (_calico({"egress": [{"action": "Allow", "protocol": "TCP", "destination": {"ports": ["90:80"]}}]}), "backwards"),
    (_calico({"egress": [{"action": "Allow", "protocol": "TCP", "destination": {"ports": [65536]}}]}), "out of range"),
    (_calico({"egress": [{"action": "Allow", "destination": {"nets": ["10.0.0.0/40"]}}]}), "not a valid CIDR"),
    (_calico({"egress": [{"action": "Allow", "to": [{}]}]}), "Kubernetes NetworkPolicy syntax"),
    (_calico({"podSelector": {"matchLabels": {"app": "web"}}}), "selector: app == 'web'"),
    (_calico({"selector": "app == 'x' &&"}), "not a valid selector"),
    (_calico({"selector": "global()"}), "global()"),
    (_calico({"types": ["Egress", "Egress"]}), "twice"),
    (_calico({"order": "first"}), "must be a number"),
    (_calico({}, kind="GlobalNetworkPolicy") | {"metadata": {"name": "g", "namespace": "x"}}, "not namespaced"),
    ({"apiVersion": "extensions/v1beta1", "kind": "NetworkPolicy", "spec": {}}, "networking.k8s.io/v1"),
])
def test_validation_catches(doc, fragment):
    issues = document_issues(doc)
    assert any(fragment in f"{i.message} {i.fix}" for i in issues), [(i.message, i.fix) for i in issues]


@pytest.mark.parametrize("doc", [
    _k8s({"podSelector": {}, "policyTypes": ["Egress"], "egress": [
        {"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
         "ports": [{"port": 53, "protocol": "UDP"}, {"port": "dns-tcp", "protocol": "TCP"}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}], "ports": [{"port": 32000, "endPort": 32768}]}]}),
    _calico({"selector": "app == 'web'", "order": 10, "types": ["Ingress", "Egress"], "egress": [
        {"action": "Allow", "protocol": "UDP", "destination": {"ports": [53, "8000:8080", "dns"], "nets": ["10.0.0.1"]}},
        {"action": "Deny", "protocol": 6, "notProtocol": "UDP", "source": {"notSelector": "has(x)"}},
        {"action": "Pass"}]}),
    _calico({"selector": "all()", "namespaceSelector": "has(env)", "egress": [
        {"action": "Allow", "destination": {"namespaceSelector": "global()"}}]}, kind="GlobalNetworkPolicy"),
])
def test_valid_policies_have_no_issues(doc):
    assert document_issues(doc) == []


def test_unknown_values_are_never_issues():
    doc = _k8s({"podSelector": {"matchLabels": {"app": Unknown()}}, "policyTypes": Unknown(),
                "egress": [{"ports": [{"port": Unknown(), "protocol": Unknown()}],
                            "to": [{"ipBlock": {"cidr": Unknown(), "except": [Unknown()]}}]}]},
               namespace=Unknown())
    assert document_issues(doc) == []


def test_openapi_conversion():
    schema = openapi_to_jsonschema({"type": "object", "nullable": True, "properties": {
        "p": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}],
              "pattern": "^.*"}}})
    assert schema["type"] == ["object", "null"] and schema["additionalProperties"] is False
    assert schema["properties"]["p"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert calico_schema("GlobalNetworkPolicy")["properties"]["spec"]["additionalProperties"] is False


# ---------------------------------------------------------------------------
# Terraform policies
# ---------------------------------------------------------------------------


def _tf(values, type_="kubernetes_network_policy_v1"):
    return Resource(address=f"{type_}.p", type=type_, name="p", values=values, file="main.tf", line=1)


def test_terraform_network_policy_is_converted_like_the_provider():
    resource = _tf({"metadata": [{"name": "p"}], "spec": [{
        "pod_selector": [{"match_labels": {"app": "web"}, "match_expressions": []}],
        "policy_types": ["Egress"],
        "egress": [{"ports": [{"port": "53", "protocol": "UDP", "end_port": 0}],
                    "to": [{"ip_block": [], "namespace_selector": [{"match_labels": {}}], "pod_selector": []}]}],
        "ingress": []}]})
    (policy,) = policies_from([], [resource])
    assert policy.issues == [] and policy.namespace == "default"
    assert policy.pods == "pods matching app == 'web' in namespace default"
    rule = policy.egress[0]
    assert rule.ports[0].protocol == "UDP" and rule.ports[0].port.low == 53
    assert rule.peers[0].namespace_selector == All()


def test_terraform_unknown_labels_stay_unknown():
    resource = _tf({"metadata": [{"name": "p", "namespace": "n"}],
                    "spec": [{"pod_selector": [{"match_labels": Unknown()}], "policy_types": ["Egress"]}]})
    (policy,) = policies_from([], [resource])
    assert is_unknown(policy.selector)
    report_ids = [f.rule_id for f in _lint_policies([policy])]
    assert report_ids == []


def test_kubernetes_manifest_resource():
    manifest = {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "g"},
                "spec": {"selector": {"app": "web"}}}
    (policy,) = policies_from([], [_tf({"manifest": manifest}, "kubernetes_manifest")])
    assert [i.fix for i in policy.issues] == ["write the selector as an expression: selector: app == 'web'"]
    assert policies_from([], [_tf({"manifest": {"kind": "Deployment"}}, "kubernetes_manifest")]) == []
    assert policies_from([], [_tf({"manifest": Unknown()}, "kubernetes_manifest")]) == []


def _lint_policies(policies):
    from vpclint.engine.rules import load_rules
    from vpclint.engine.run import run_rules
    from vpclint.model import Model

    rules, _ = load_rules()
    model = Model(policies=policies)
    findings, errors = run_rules([r for r in rules if r.id.startswith("network_policy")], model)
    assert errors == []
    return findings


# ---------------------------------------------------------------------------
# end to end
# ---------------------------------------------------------------------------


def test_seed_end_to_end_json():
    import subprocess
    import sys

    from conftest import REPO

    done = subprocess.run([sys.executable, "-m", "vpclint", "check", str(SEED.relative_to(REPO)), "--format", "json"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [
        ("network_policy_invalid", 14), ("network_policy_invalid", 20), ("network_policy_invalid", 23)]
    assert all(f["resource"] == "networkpolicy.projectcalico.org/allow-all-ingress" for f in report["findings"])
    assert report["findings"][0]["file"] == "fixtures/network_policy_invalid/fail/seed003_calico_policy.yaml"


def test_output_is_deterministic():
    directory = FIXTURES / "network_policy_blocks_dns" / "fail"
    first = [(f.rule_id, f.file, f.line, f.message) for f in run(directory).findings]
    assert first == [(f.rule_id, f.file, f.line, f.message) for f in run(directory).findings]
    assert len(first) == 4


@settings(max_examples=150, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=8),
                              st.sampled_from(["TCP", "UDP", "Allow", "Deny", "10.0.0.0/8", "app == 'x'", "dns"])),
                    lambda children: st.one_of(st.lists(children, max_size=3),
                                               st.dictionaries(st.sampled_from(
                                                   ["spec", "egress", "ingress", "ports", "port", "to", "from",
                                                    "protocol", "action", "destination", "source", "selector",
                                                    "podSelector", "matchLabels", "ipBlock", "cidr", "except",
                                                    "nets", "types", "policyTypes", "order", "endPort",
                                                    "namespaceSelector", "metadata", "name"]), children, max_size=4)),
                    max_leaves=25),
       st.sampled_from(["networking.k8s.io/v1", "projectcalico.org/v3"]),
       st.sampled_from(["NetworkPolicy", "GlobalNetworkPolicy"]))
def test_any_document_is_linted_without_crashing(body, api, kind):
    doc = {"apiVersion": api, "kind": kind, **(body if isinstance(body, dict) else {"spec": body})}
    text = json.dumps(doc)  # JSON is YAML
    documents, error = parse_documents("fuzz.yaml", text)
    assert error is None
    policies = policies_from(documents, [])
    _lint_policies(policies)
