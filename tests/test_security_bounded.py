"""Issue 12, point 4: bounded work for every input a pull request can hold.

Each attack is the attacker's input, written into tmp_path. Where today's
code never returns, vpclint runs in a subprocess with a generous timeout
(and an address-space limit), so a regression fails instead of hanging the
suite; elsewhere the tests assert bounded counts and sizes, never time.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import run
from vpclint.engine.primitives import PRIMITIVES
from vpclint.findings import Finding, group_instances
from vpclint.load.hcl.evaluate import FUNCTIONS, EvalError, LimitError, Scope
from vpclint.load.manifests import parse_documents
from vpclint.model import Cidr, Subnet
from vpclint.policies import model as policy_model
from vpclint.policies.build import policies_from
from vpclint.policies.index import PolicyIndex
from vpclint.policies.model import Endpoint
from vpclint.policies.selectors import Labels
from vpclint.reporters import MAX_SHOWN_PER_RULE
from vpclint.resources import Resource

from netaddr import IPNetwork

# far beyond what the fixed code needs (about a second), far below "never"
TIMEOUT = 120
MEMORY = 2 * 1024 ** 3


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def vpclint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``vpclint check --no-cache ARGS`` in a child bounded in time and memory."""
    return subprocess.run([sys.executable, "-m", "vpclint", "check", "--no-cache", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT, preexec_fn=_limit_memory,
                          env={**os.environ, "NO_COLOR": "1"})


def call(name: str, *args):
    return FUNCTIONS[name](list(args), Scope(None))


# ---------------------------------------------------------------------------
# a. regular expressions: RE2, linear in the text
# ---------------------------------------------------------------------------

REGEX_BOMB = 'regex("^(a|aa)+$", "' + "a" * 100 + '!")'


def test_a_backtracking_regex_in_a_resource_returns(tmp_path) -> None:
    """105 bytes that Python's re would match for longer than the universe's age."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n'
        f'  tags = {{ a = {REGEX_BOMB}, b = can({REGEX_BOMB}) ? "x" : "y",\n'
        f'           c = replace("{"a" * 100}!", "/^(a|aa)+$/", "z"), d = regexall("(a|aa)+$", "{"a" * 100}!") }}\n'
        "}\n")
    done = vpclint("--format", "json", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""  # RE2 logs nothing of its own
    report = json.loads(done.stdout)
    assert report["errors"] == [] and report["findings"] == []


def test_regex_follows_re2_and_names_a_bad_pattern() -> None:
    """RE2's syntax and results (the attack itself runs in a child above: Python's re would hang here)."""
    assert call("regexall", "(a|aa)+!", "aaa!") == [["a"]]  # a capture group: its last value, as in Go
    assert call("regex", "(?P<x>a+)(?P<y>!)", "a" * 1000 + "!") == {"x": "a" * 1000, "y": "!"}
    assert call("replace", "a-b-c", "/(\\w)-/", "$1+") == "a+b+c"
    with pytest.raises(EvalError, match=r"invalid regular expression '\(a': missing \)"):
        call("regex", "(a", "a")
    with pytest.raises(EvalError, match="invalid regular expression"):  # RE2 has no backreferences
        call("regex", "(a)\\1", "aa")


# ---------------------------------------------------------------------------
# b. yamldecode() shares the YAML readers' alias bound
# ---------------------------------------------------------------------------


def _alias_bomb(levels: int) -> str:
    """10**levels values from a few hundred bytes of anchors."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines)


def test_yamldecode_refuses_an_alias_bomb_before_expanding_it() -> None:
    with pytest.raises(LimitError, match=r"yamldecode\(\): YAML too large once its aliases are expanded"):
        call("yamldecode", _alias_bomb(6))  # a million values: it used to build them
    assert call("yamldecode", _alias_bomb(2))["a1"] == [["x"] * 10] * 10  # a small one is fine
    with pytest.raises(LimitError, match="recursive alias"):
        call("yamldecode", "a: &a [*a]")


def test_a_yaml_bomb_inside_hcl_is_an_error_at_its_line(tmp_path) -> None:
    """A billion values (it grew past 5 GB): now exit 2, naming the block."""
    bomb = _alias_bomb(9).replace("\n", "\\n")
    (tmp_path / "main.tf").write_text(
        f'locals {{\n  bomb = yamldecode("{bomb}")\n}}\n'
        'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n  tags = { n = length(local.bomb) }\n}\n')
    done = vpclint("--format", "json", ".", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    [error] = json.loads(done.stdout)["errors"]
    assert (error["file"], error["line"]) == ("main.tf", 4)
    assert "yamldecode(): YAML too large once its aliases are expanded (more than 200,000 values)" in error["message"]


def test_one_bound_for_manifests_config_and_yamldecode(tmp_path) -> None:
    """The file readers refuse the same bomb with the same words."""
    docs, error = parse_documents("bomb.yaml", _alias_bomb(6))
    assert docs == [] and "YAML too large once its aliases are expanded" in error.message
    (tmp_path / ".vpclint.yaml").write_text("rules:\n" + "".join(f"  {line}\n" for line in _alias_bomb(6).split("\n")))
    from vpclint.config import load_config
    from vpclint.engine.rules import RuleError

    with pytest.raises(RuleError, match="YAML too large once its aliases are expanded"):
        load_config(str(tmp_path / ".vpclint.yaml"))


# ---------------------------------------------------------------------------
# c. count/for_each: one finding naming the instances, no n² pairs
# ---------------------------------------------------------------------------

COUNTED_SUBNETS = """resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "a" {
  count      = %d
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
"""


def test_two_thousand_identical_subnets_are_one_finding(tmp_path) -> None:
    """1,999,000 findings, 300 MB of output and 3 GB before."""
    (tmp_path / "main.tf").write_text(COUNTED_SUBNETS % 2000)
    done = vpclint("--format", "json", ".", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert len(done.stdout) < 100_000
    [finding] = json.loads(done.stdout)["findings"]
    assert (finding["rule_id"], finding["resource"], finding["file"], finding["line"], finding["related"]) == \
        ("subnet_cidr_overlap", "aws_subnet.a[1]", "main.tf", 4, ["aws_subnet.a[0]"])
    assert finding["instances"] == [f"aws_subnet.a[{i}]" for i in range(1, 2000)]
    assert finding["message"].endswith("(and the same for 1,998 more instances: aws_subnet.a[2..1999])")
    text = vpclint(".", cwd=tmp_path)
    assert text.stdout.count("(subnet_cidr_overlap)") == 1


def test_overlaps_within_pairs_each_instance_once() -> None:
    """The primitive itself yields about n pairs for n identical instance ranges, not n²/2."""
    subnets = []
    for index in range(500):
        res = Resource(type="aws_subnet", name="a", address=f"aws_subnet.a[{index}]", values={}, file="main.tf",
                       line=4)
        subnet = Subnet(res.address, res)
        subnet.cidr = Cidr(subnet, "cidr_block", "subnet", text="10.0.1.0/24", net=IPNetwork("10.0.1.0/24"))
        subnets.append(subnet)
    found = list(PRIMITIVES["overlaps_within"]({"ranges": "cidrs"}, {"cidrs": [s.cidr for s in subnets]}))
    assert len(found) == 499
    assert {v.subject.address for v in found} == {f"aws_subnet.a[{i}]" for i in range(1, 500)}


def test_three_instances_group_and_a_single_finding_is_untouched(tmp_path) -> None:
    (tmp_path / "main.tf").write_text(COUNTED_SUBNETS % 3 + 'resource "aws_subnet" "b" {\n'
                                      '  vpc_id     = aws_vpc.v.id\n  cidr_block = "10.0.2.0/24"\n}\n'
                                      'resource "aws_subnet" "c" {\n'
                                      '  vpc_id     = aws_vpc.v.id\n  cidr_block = "10.0.2.0/25"\n}\n')
    report = run(tmp_path)
    found = [(f.rule_id, f.resource, f.line, f.related, f.extra.get("instances")) for f in report.findings]
    assert found == [
        ("subnet_cidr_overlap", "aws_subnet.a[1]", 4, ["aws_subnet.a[0]"], ["aws_subnet.a[1]", "aws_subnet.a[2]"]),
        ("subnet_cidr_overlap", "aws_subnet.c", 13, ["aws_subnet.b"], None),
    ]
    assert report.findings[0].message == ("subnet aws_subnet.a[1] (10.0.1.0/24) overlaps subnet aws_subnet.a[0] "
                                          "(10.0.1.0/24) in aws_vpc.v (and the same for 1 more instance: "
                                          "aws_subnet.a[2])")


def _finding(resource: str, message: str, related=()) -> Finding:
    return Finding("subnet_outside_vpc", "error", message, resource, "main.tf", 3, list(related))


def test_grouping_needs_everything_but_the_instance_keys_equal() -> None:
    findings = [
        _finding('module.m["x"].aws_subnet.s["b"]', 'module.m["x"].aws_subnet.s["b"] (10.9.0.0/24) is outside'),
        _finding('module.m["y"].aws_subnet.s["a"]', 'module.m["y"].aws_subnet.s["a"] (10.9.0.0/24) is outside'),
        _finding('module.m["z"].aws_subnet.s["a"]', 'module.m["z"].aws_subnet.s["a"] (10.8.0.0/24) is outside'),
        _finding("aws_subnet.t", "aws_subnet.t (10.9.0.0/24) is outside", ["aws_vpc.v[1]"]),
        _finding("aws_subnet.t", "aws_subnet.t (10.9.0.0/24) is outside", ["aws_vpc.v[0]"]),
    ]
    grouped = group_instances(findings)
    assert [f.resource for f in grouped] == ['module.m["x"].aws_subnet.s["b"]', 'module.m["z"].aws_subnet.s["a"]',
                                             "aws_subnet.t"]
    assert grouped[0].extra == {"instances": ['module.m["x"].aws_subnet.s["b"]', 'module.m["y"].aws_subnet.s["a"]']}
    assert grouped[0].message.endswith('(and the same for 1 more instance: module.m["y"].aws_subnet.s["a"])')
    assert grouped[1].extra == {} and grouped[1].message.endswith("is outside")
    assert grouped[2].related == ["aws_vpc.v[0]"]
    assert grouped[2].extra == {"related_instances": ["aws_vpc.v[0]", "aws_vpc.v[1]"]}


# ---------------------------------------------------------------------------
# d. output people read is capped, with a note; JSON stays complete
# ---------------------------------------------------------------------------


def test_output_is_capped_per_rule_with_a_note(tmp_path) -> None:
    blocks = ['resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n']
    for index in range(MAX_SHOWN_PER_RULE + 50):  # each subnet outside its VPC: distinct findings
        blocks.append(f'resource "aws_subnet" "s{index}" {{\n  vpc_id = aws_vpc.v.id\n'
                      f'  cidr_block = "10.1.{index}.0/24"\n}}\n')
    (tmp_path / "main.tf").write_text("".join(blocks))
    text = vpclint(".", cwd=tmp_path)
    assert text.returncode == 1
    assert text.stdout.count("(subnet_outside_vpc)") == MAX_SHOWN_PER_RULE
    assert text.stdout.rstrip().endswith(f"… and 50 more findings not shown ({MAX_SHOWN_PER_RULE + 50} in all; at "
                                         f"most {MAX_SHOWN_PER_RULE} per rule are shown: subnet_outside_vpc 50 "
                                         "more); use --format json --output FILE for all")
    github = vpclint("--format", "github", ".", cwd=tmp_path).stdout
    assert github.count("subnet_outside_vpc::") == MAX_SHOWN_PER_RULE
    assert "\n::notice title=vpclint::… and 50 more findings not shown" in github
    complete = json.loads(vpclint("--format", "json", ".", cwd=tmp_path).stdout)
    assert len(complete["findings"]) == MAX_SHOWN_PER_RULE + 50
    sarif = json.loads(vpclint("--format", "sarif", ".", cwd=tmp_path).stdout)
    assert len(sarif["runs"][0]["results"]) == MAX_SHOWN_PER_RULE + 50


# ---------------------------------------------------------------------------
# e. policy evaluation: n log n in the number of documents
# ---------------------------------------------------------------------------


def _network_policies(count: int) -> str:
    docs = []
    for index in range(count):
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": f"p{index}", "namespace": f"ns{index % 3}"},
                     "spec": {"podSelector": {"matchLabels": {"app": f"a{index}"}}, "policyTypes": ["Egress"],
                              "egress": [{"to": [{"podSelector": {"matchLabels": {"app": f"b{index}"}}}],
                                          "ports": [{"port": 443}]}]}})
    return "\n---\n".join(yaml.safe_dump(d) for d in docs)


def test_the_dns_check_tests_a_bounded_number_of_policies_per_policy(tmp_path, monkeypatch) -> None:
    """4,000 documents took 196 s: every policy's DNS decision tested all the others."""
    (tmp_path / "policies.yaml").write_text(_network_policies(1500))
    calls = []
    original = policy_model.Policy.applies_to
    monkeypatch.setattr(policy_model.Policy, "applies_to", lambda self, *a: calls.append(1) or original(self, *a))
    report = run(tmp_path / "policies.yaml")
    assert len([f for f in report.findings if f.rule_id == "network_policy_blocks_dns"]) == 1500
    assert len(calls) < 10 * 1500  # it was 1500 * 1500 * 2


POLICY_MIX = [
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "shop"},
     "spec": {"podSelector": {"matchLabels": {"app": "web", "tier": "front"}}, "policyTypes": ["Egress"]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "all", "namespace": "shop"},
     "spec": {"podSelector": {}, "policyTypes": ["Egress", "Ingress"]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "in", "namespace": "shop"},
     "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "exp", "namespace": "ops"},
     "spec": {"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "db"]}]},
              "policyTypes": ["Egress"]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "nons"},
     "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Egress"]}},
    {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": {"name": "c1", "namespace": "shop"},
     "spec": {"selector": "app == 'web' && tier == 'front'", "types": ["Egress"], "egress": [{"action": "Allow"}]}},
    {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": {"name": "c2", "namespace": "ops"},
     "spec": {"selector": "projectcalico.org/namespace == 'ops'", "types": ["Egress"],
              "egress": [{"action": "Deny"}]}},
    {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "g1"},
     "spec": {"selector": "app == 'db'", "types": ["Egress"], "egress": [{"action": "Allow"}]}},
    {"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "g2"},
     "spec": {"selector": "has(app)", "types": ["Egress", "Ingress"], "egress": [{"action": "Allow"}],
              "ingress": [{"action": "Allow"}]}},
]

PODS = [Endpoint("pod", namespace=namespace, labels=labels)
        for namespace in ("shop", "ops", "other", policy_model.UNKNOWN, policy_model.Namespace("default"))
        for labels in (Labels({"app": "web", "tier": "front"}), Labels({"app": "web"}), Labels({"app": "db"}),
                       Labels({"app": "web"}, closed=True), Labels(), Labels({"tier": "front"}, closed=True),
                       Labels(present=frozenset({"app"})), Labels(absent=frozenset({"app"})))]


@pytest.mark.parametrize("direction", ["egress", "ingress"])
def test_the_index_leaves_out_only_policies_that_surely_do_not_apply(direction) -> None:
    docs, error = parse_documents("mix.yaml", "\n---\n".join(yaml.safe_dump(d) for d in POLICY_MIX))
    assert error is None
    policies = policies_from(docs, [])
    assert all(p.valid for p in policies)
    index = PolicyIndex(policies)
    for pod in PODS:
        expected = [p for p in policies if p.applies_to(pod, direction) is not False]
        found = index.may_apply(pod, direction)
        assert set(map(id, expected)) <= set(map(id, found)), pod
        assert found == [p for p in policies if any(p is q for q in found)]  # in the input order
    assert len(index.may_apply(PODS[0], "egress")) < len(policies)  # and it does leave some out
    assert index.may_apply(Endpoint("external", address=IPNetwork("10.0.0.0/8")), direction) == []


def test_terraform_json_opens_a_json_file_once(tmp_path, monkeypatch):
    """--recursive asks of every .json file whether it is a plan or state: one open, one read of its head."""
    import vpclint.load as load

    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "planned_values": {"root_module": {}}}))
    other = tmp_path / "package.json"
    other.write_text(json.dumps({"name": "x", "format_version": "1"}))
    opened = []
    real_open = os.open
    monkeypatch.setattr(load.os, "open", lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k))
    assert load.terraform_json(str(plan))
    assert not load.terraform_json(str(other))
    assert not load.terraform_json(str(tmp_path / "main.tf.json"))
    assert opened == [str(plan), str(other)]
