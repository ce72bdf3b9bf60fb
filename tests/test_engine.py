"""The rule engine: primitives, paths, rule-file validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpclint.engine.paths import PathError, format_message, resolve
from vpclint.engine.primitives import PRIMITIVES
from vpclint.engine.rules import RuleError, load_rule_file, load_rules
from vpclint.model import Element, Network, Subnet, make_cidr
from vpclint.values import Unknown


def network(*cidrs: str) -> Network:
    net = Network("aws_vpc.n")
    net.cidrs = [make_cidr(net, "cidr_block", "network", c) for c in cidrs]
    return net


def subnet(address: str, cidr, zone=None, net=None) -> Subnet:
    sub = Subnet(address, network=net, zone=zone)
    sub.cidr = make_cidr(sub, "cidr_block", "subnet", cidr)
    if net is not None:
        net.subnets.append(sub)
    return sub


def violations(name, args, bindings):
    return list(PRIMITIVES[name](args, bindings))


def test_overlaps_within_finds_every_overlapping_pair_once() -> None:
    net = network("10.0.0.0/16")
    subnet("s.a", "10.0.0.0/24", net=net)
    subnet("s.b", "10.0.0.128/25", net=net)
    subnet("s.c", "10.0.1.0/24", net=net)
    subnet("s.d", "10.0.0.0/23", net=net)
    subnet("s.e", Unknown(), net=net)
    pairs = {tuple(sorted((v.captures["a"].owner.address, v.captures["b"].owner.address)))
             for v in violations("overlaps_within", {"ranges": "network.subnets.cidr"}, {"network": net})}
    assert pairs == {("s.a", "s.b"), ("s.a", "s.d"), ("s.b", "s.d"), ("s.c", "s.d")}


def test_overlaps_between_skips_unknown_and_same_owner() -> None:
    net = network("10.0.0.0/16", "10.0.0.0/8")
    assert violations("overlaps_between", {"ranges": "network.cidrs", "others": "network.cidrs"},
                      {"network": net}) == []
    other = network("10.0.5.0/24")
    other.cidrs.append(make_cidr(other, "x", "network", Unknown()))
    found = violations("overlaps_between", {"ranges": "a.cidrs", "others": "b.cidrs"}, {"a": net, "b": other})
    assert sorted((str(v.captures["a"]), str(v.captures["b"])) for v in found) == [
        ("10.0.0.0/16", "10.0.5.0/24"), ("10.0.0.0/8", "10.0.5.0/24")]


def test_overlaps_between_accepts_a_literal_range() -> None:
    net = network("172.16.0.0/12")
    (v,) = violations("overlaps_between", {"ranges": "network.cidrs", "others": "172.17.0.0/16"}, {"network": net})
    assert str(v.captures["b"]) == "172.17.0.0/16" and v.related == []


def test_not_within_is_silent_when_the_container_is_unknown() -> None:
    net = network("10.0.0.0/16")
    inside, outside = subnet("s.in", "10.0.1.0/24", net=net), subnet("s.out", "10.1.0.0/24", net=net)
    found = violations("not_within", {"ranges": "network.subnets.cidr", "of": "network.cidrs"}, {"network": net})
    assert [v.subject.address for v in found] == ["s.out"]
    net.cidrs.append(make_cidr(net, "secondary", "network", Unknown()))
    assert violations("not_within", {"ranges": "network.subnets.cidr", "of": "network.cidrs"},
                      {"network": net}) == []
    assert inside and outside


@pytest.mark.parametrize("text, problem", [
    ("10.0.1.5/24", "has host bits set; the network address is 10.0.1.0/24"),
    ("10.0.1.0", "has no prefix length"),
    ("10.0.300.0/24", "is not a valid address or CIDR"),
    ("10.0.0.0/33", "is not a valid address or CIDR"),
    ("10.0.0", "has no prefix length"),
])
def test_cidr_invalid_problems(text: str, problem: str) -> None:
    owner = Element("aws_subnet.s")
    cidr = make_cidr(owner, "cidr_block", "subnet", text)
    (v,) = violations("cidr_invalid", {"ranges": "cidr"}, {"cidr": cidr})
    assert problem in v.captures["problem"]


def test_cidr_invalid_ignores_unknown_values() -> None:
    cidr = make_cidr(Element("x"), "cidr", "subnet", Unknown())
    assert violations("cidr_invalid", {"ranges": "cidr"}, {"cidr": cidr}) == []


def test_fewer_distinct_is_silent_when_a_zone_is_unknown_or_missing() -> None:
    class C:  # a stand-in bound item
        pass

    item = C()
    item.subnets = [subnet("a", "10.0.1.0/24", zone="z1"), subnet("b", "10.0.2.0/24", zone="z1")]
    args = {"items": "c.subnets", "key": "zone", "minimum": 2}
    assert [v.captures["values"] for v in violations("fewer_distinct", args, {"c": item})] == [["z1"]]
    item.subnets[1].zone = Unknown()
    assert violations("fewer_distinct", args, {"c": item}) == []
    item.subnets[1].zone = None
    assert violations("fewer_distinct", args, {"c": item}) == []


def test_paths_follow_data_but_never_methods() -> None:
    net = network("10.0.0.0/16")
    assert [str(c) for c in resolve({"network": net}, "network.cidrs")] == ["10.0.0.0/16"]
    with pytest.raises(PathError):
        resolve({"network": net}, "network.other_end")
    with pytest.raises(PathError):
        resolve({"network": net}, "nothing.cidrs")
    assert format_message("{network.cidrs} in {network}", {"network": net}) == "10.0.0.0/16 in aws_vpc.n"
    assert format_message("{network.__class__}", {"network": net}) == "{network.__class__}"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_rule_file_schema_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, "my_rule.yaml", "id: my_rule\nseverity: fatal\nsummary: x\n")
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert info.value.error.file == path
    assert info.value.error.line == 2 and "severity" in info.value.error.message


def test_rule_file_with_a_python_tag_is_rejected_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(tmp_path, "evil.yaml",
                 f"id: !!python/object/apply:os.system ['touch {marker}']\nseverity: error\n")
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert info.value.error.line == 1
    assert not marker.exists()


def test_rule_id_must_match_file_name(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "rules" / "subnet_cidr_overlap.yaml").read_text()
    path = write(tmp_path, "renamed.yaml", text)
    with pytest.raises(RuleError) as info:
        load_rule_file(path)
    assert info.value.error.line == 1 and "file name" in info.value.error.message


def test_user_rule_directory_and_duplicate_ids(tmp_path: Path) -> None:
    text = (Path(__file__).parents[1] / "rules" / "subnet_cidr_overlap.yaml").read_text()
    write(tmp_path, "subnet_cidr_overlap.yaml", text)
    rules, errors = load_rules([str(tmp_path)])
    assert [e.message for e in errors] == [f"rule id 'subnet_cidr_overlap' is already defined in "
                                           f"{[r for r in rules if r.id == 'subnet_cidr_overlap'][0].path}"]


# -- where: any_of ---------------------------------------------------------------


@pytest.mark.parametrize("alternatives, verdict", [
    ([[("role", "network")], [("zone", "a")]], True),     # the first list holds
    ([[("role", "x")], [("zone", "a")]], True),           # the second holds
    ([[("role", "x")], [("zone", "b")]], False),          # neither
    ([[("role", "x")], [("unknown_zone", "a")]], None),   # one false, one unknown: unknown
    ([[("unknown_zone", "a")], [("role", "network")]], True),  # unknown, but another surely holds
    ([[("role", "x"), ("no_such_attr", 1)], [("zone", "b")]], False),  # a failed condition stops its list
])
def test_any_of_is_three_valued_and_stops_a_list_at_its_first_failure(alternatives, verdict) -> None:
    from vpclint.engine.run import _holds

    net = network("10.0.0.0/16")
    item = subnet("s.a", "10.0.1.0/24", zone="a", net=net)
    bindings = {"subnet": item, "cidr": net.cidrs[0], "known": {"zone": "a"}}
    paths = {"role": "cidr.role", "zone": "subnet.zone", "unknown_zone": "subnet.cidr.unknown",
             "no_such_attr": "subnet.no_such_attr"}
    item.cidr.unknown = Unknown("zone unknown")  # a path that reaches an unknown value
    condition = {"any_of": [[{"path": paths[name], "equals": value} for name, value in conditions]
                            for conditions in alternatives]}
    assert _holds(condition, bindings) is verdict


def test_any_of_is_validated_by_the_schema(tmp_path: Path) -> None:
    rule = tmp_path / "r.yaml"
    rule.write_text("id: r\nseverity: notice\nsummary: s\nfor_each: cidrs\nwhere:\n  - any_of:\n"
                    "      - - path: cidr.role\n          equals: network\n      - path: cidr.role\n"
                    "check:\n  holds:\n    path: cidr.role\n    equals: network\nmessage: m\n"
                    "docs: {what: a, why: b, bad: c, good: d}\n")
    with pytest.raises(RuleError) as raised:
        load_rule_file(str(rule))
    assert raised.value.error.line == 9 and "any_of.1" in raised.value.error.message
