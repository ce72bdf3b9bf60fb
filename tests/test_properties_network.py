"""Range overlap and containment, route coverage (longest-prefix match) and
security-group admission, each checked against a brute-force oracle.

Every range lies in (or covers) 10.0.0.0/24, so the oracle can afford to
enumerate the addresses (and, for security groups, the ports) one by one and
decide each on its own; the code under test works on ranges and intervals.
"""

from __future__ import annotations

from ipaddress import IPv4Network, ip_address

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from netaddr import IPAddress, IPNetwork, IPSet

from vpclint.analysis.routing import through
from vpclint.analysis.security import missing
from vpclint.engine.primitives import PRIMITIVES
from vpclint.model import (
    Cluster,
    Element,
    Network,
    Peering,
    PortRange,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityRule,
    make_cidr,
)
from vpclint.values import Unknown

BASE = int(IPAddress("10.0.0.0"))
UNIVERSE = 256  # the addresses of 10.0.0.0/24
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies ---------------------------------------------------------------


@st.composite
def small_prefixes(draw, low: int = 24, broad: bool = True) -> str:
    """A CIDR inside 10.0.0.0/24, sometimes with host bits set, sometimes a
    wider range around it (10.0.0.0/16, 0.0.0.0/0)."""
    if broad and draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["10.0.0.0/16", "10.0.0.0/8", "0.0.0.0/0", "10.0.0.0/23"]))
    length = draw(st.integers(low, 32))
    size = 2 ** (32 - length)
    start = draw(st.integers(0, UNIVERSE // size - 1)) * size
    host = draw(st.integers(0, size - 1)) if draw(st.integers(0, 7)) == 0 else 0
    return f"{IPAddress(BASE + start + host)}/{length}"


def addresses(cidr_text: str) -> set[int]:
    """The addresses of ``cidr_text`` within the universe, as offsets."""
    net = IPv4Network(cidr_text, strict=False)
    first, last = int(net.network_address) - BASE, int(net.broadcast_address) - BASE
    return set(range(max(first, 0), min(last, UNIVERSE - 1) + 1))


def as_offsets(found: IPSet) -> set[int]:
    return {int(address) - BASE for address in found}


def ipset(offsets: set[int]) -> IPSet:
    return IPSet([IPNetwork(f"{IPAddress(BASE + o)}/32") for o in offsets])


# -- overlap and containment (the ranges primitives) ----------------------------


def owners_with_cidrs(texts: list[list[str]]) -> list:
    """One owner per inner list, each holding those ranges (a Network)."""
    found = []
    for index, group in enumerate(texts):
        owner = Network(f"aws_vpc.n{index}")
        owner.cidrs = [make_cidr(owner, "cidr_block", "network", text) for text in group]
        found.append(owner)
    return found


@PROPERTY
@given(st.lists(st.lists(small_prefixes(), min_size=1, max_size=3), min_size=1, max_size=7))
def test_overlaps_within_reports_exactly_the_overlapping_pairs_of_different_owners(texts) -> None:
    owners = owners_with_cidrs(texts)
    cidrs = [c for owner in owners for c in owner.cidrs]
    found = list(PRIMITIVES["overlaps_within"]({"ranges": "cidrs"}, {"cidrs": cidrs}))
    got = [frozenset((id(v.captures["a"]), id(v.captures["b"]))) for v in found]
    expected = {frozenset((id(a), id(b))) for i, a in enumerate(cidrs) for b in cidrs[i + 1:]
                if a.owner is not b.owner and addresses(a.text) & addresses(b.text)}
    assert len(got) == len(set(got)), "a pair is reported twice"
    assert set(got) == expected


@PROPERTY
@given(st.lists(small_prefixes(), min_size=1, max_size=6), st.lists(small_prefixes(), min_size=1, max_size=6))
def test_overlaps_between_reports_every_overlapping_pair(left, right) -> None:
    a_owner, b_owner = owners_with_cidrs([left, right])
    found = list(PRIMITIVES["overlaps_between"]({"ranges": "a.cidrs", "others": "b.cidrs"}, {"a": a_owner, "b": b_owner}))
    got = sorted((id(v.captures["a"]), id(v.captures["b"])) for v in found)
    expected = sorted((id(a), id(b)) for a in a_owner.cidrs for b in b_owner.cidrs
                      if addresses(a.text) & addresses(b.text))
    assert got == expected


@PROPERTY
@given(st.lists(small_prefixes(low=25, broad=False), min_size=1, max_size=6),
       st.lists(small_prefixes(low=24, broad=False), min_size=1, max_size=3),
       st.booleans())
def test_not_within_reports_the_ranges_outside_the_union(inner, outer, unknown) -> None:
    network, = owners_with_cidrs([outer])
    if unknown:
        network.cidrs.append(make_cidr(network, "secondary", "network", Unknown()))
    subnets = owners_with_cidrs([[text] for text in inner])
    found = list(PRIMITIVES["not_within"]({"ranges": "s.cidrs", "of": "n.cidrs"}, {"s": subnets, "n": network}))
    union = set().union(*(addresses(c.text) for c in network.cidrs if c.net is not None))
    expected = [] if unknown else [s.cidrs[0] for s in subnets if not addresses(s.cidrs[0].text) <= union]
    assert [v.captures["cidr"] for v in found] == expected


# -- route coverage: longest-prefix match ---------------------------------------------

VIA, OTHER = Peering("peering.via"), Peering("peering.other")
TARGETS = {
    "via": ("peering", VIA, True),
    "other": ("peering", OTHER, False),
    "unknown-peering": ("peering", Unknown(), None),  # might be the peering: undecidable
    "unknown-nat": ("nat", Unknown(), False),  # unknown, but surely not a peering
    "igw": ("gateway", "igw-0123", False),
}


@st.composite
def route_tables(draw):
    network = Network("aws_vpc.main")
    network.cidrs = [make_cidr(network, "cidr_block", "network", text)
                     for text in draw(st.lists(small_prefixes(low=25, broad=False), min_size=1, max_size=2))]
    table = RouteTable("aws_route_table.rt", network=network)
    specs = []
    for index in range(draw(st.integers(0, 7))):
        shape = draw(st.integers(0, 19))
        destination = ("unknown" if shape == 0 else "malformed" if shape == 1 else draw(small_prefixes()))
        target = draw(st.sampled_from(sorted(TARGETS)))
        kind, value, _ = TARGETS[target]
        dest_value = Unknown() if destination == "unknown" else "10.0.0.300/24" if destination == "malformed" \
            else destination
        route = Route(f"aws_route.r{index}", target_kind=kind, target=value)
        route.destination = make_cidr(route, "destination_cidr_block", "route", dest_value)
        table.routes.append(route)
        specs.append((destination, target))
    return table, specs


def lpm_oracle(table: RouteTable, specs: list, wanted: set[int]) -> set[int] | None:
    """Address by address: the longest matching route decides (table routes
    before the implicit local routes on a tie); any decision that rests on
    something unknown makes the whole answer unknown."""
    if not wanted:
        return set()
    if any(destination == "unknown" for destination, _ in specs):
        return None  # an unknown destination might be the most specific route for any address
    candidates = [(d, TARGETS[t][2]) for d, t in specs if d != "malformed"]
    candidates += [(str(c.net), False) for c in table.network.cidrs]  # local routes
    covered = set()
    for address in wanted:
        best, verdict = -1, False
        for destination, decides in candidates:
            length = IPv4Network(destination, strict=False).prefixlen
            if address in addresses(destination) and length > best:
                best, verdict = length, decides
        if verdict is None:
            return None
        if verdict:
            covered.add(address)
    return covered


@PROPERTY
@given(route_tables(), st.lists(small_prefixes(broad=False), max_size=3))
def test_route_coverage_is_longest_prefix_match(table_specs, wanted_texts) -> None:
    table, specs = table_specs
    wanted = set().union(*(addresses(t) for t in wanted_texts)) if wanted_texts else set()
    result = through(table, ipset(wanted), VIA)
    expected = lpm_oracle(table, specs, wanted)
    assert (None if result is None else as_offsets(result)) == expected


@PROPERTY
@given(route_tables(), small_prefixes(broad=False))
def test_routes_known_only_in_part_decide_nothing(table_specs, wanted) -> None:
    table, _ = table_specs
    table.complete = False
    assert through(table, ipset(addresses(wanted)), VIA) is None
    table.complete = True
    table.network.cidrs.append(make_cidr(table.network, "secondary", "network", Unknown()))
    assert through(table, ipset(addresses(wanted)), VIA) is None


# -- security-group admission: ports x addresses ---------------------------------------

PORTS = 24  # requested ports lie in 0..23; rule ranges around them


@st.composite
def port_ranges(draw) -> PortRange:
    low = draw(st.integers(0, PORTS + 2))
    return PortRange(low, draw(st.integers(low, PORTS + 4)))


@st.composite
def security_groups(draw):
    group = SecurityGroup("huaweicloud_networking_secgroup.sg")
    node_group = SecurityGroup("huaweicloud_networking_secgroup.nodes")
    specs = []
    for index in range(draw(st.integers(0, 6))):
        rule = SecurityRule(f"rule.r{index}", direction=draw(st.sampled_from(["ingress", "ingress", "egress"])),
                            protocol=draw(st.sampled_from(["tcp", "udp", "all"])),
                            action=draw(st.sampled_from(["allow", "allow", "deny"])),
                            priority=draw(st.sampled_from([None, 1, 2, 3])))
        rule.ports = None if draw(st.integers(0, 4)) == 0 else draw(st.lists(port_ranges(), min_size=1, max_size=2))
        source = draw(st.integers(0, 9))
        if source == 0:
            rule.any_source = True
        elif source == 1:
            rule.source_groups = [node_group]
        else:
            rule.sources = [make_cidr(rule, "remote_ip_prefix", "source", text)
                            for text in draw(st.lists(small_prefixes(), min_size=1, max_size=2))]
        group.rules.append(rule)
        specs.append(rule)
    return group, node_group, specs


def admission_oracle(rules: list[SecurityRule], protocol: str, wanted: set[int], ports: list[PortRange],
                     node_members: set[int]) -> set[int]:
    """Per (address, port): the first applicable rule in priority order (lower
    first, deny before allow on a tie) that matches decides; an address is
    missing when some requested port does not admit it."""
    applicable = [r for r in rules if r.direction == "ingress" and r.protocol in ("all", protocol)]
    applicable.sort(key=lambda r: (r.priority if isinstance(r.priority, int) else 1, 0 if r.action == "deny" else 1))

    def matches(rule: SecurityRule, address: int, port: int) -> bool:
        in_ports = rule.ports is None or any(p.low <= port <= p.high for p in rule.ports)
        if not in_ports:
            return False
        if rule.any_source:
            return True
        if rule.source_groups:
            return address in node_members
        return any(address in addresses(c.text) for c in rule.sources)

    gaps = set()
    for address in wanted:
        for piece in ports:
            for port in range(piece.low, piece.high + 1):
                decided = next((r for r in applicable if matches(r, address, port)), None)
                if decided is None or decided.action != "allow":
                    gaps.add(address)
                    break
            if address in gaps:
                break
    return gaps


@PROPERTY
@given(security_groups(), st.sampled_from(["tcp", "udp"]), st.lists(small_prefixes(broad=False), min_size=1, max_size=2),
       st.lists(port_ranges(), min_size=1, max_size=2).map(lambda ps: [PortRange(p.low, min(p.high, PORTS - 1))
                                                                        for p in ps if p.low < PORTS] or [PortRange(0, 0)]),
       st.sampled_from(["node", "routed", None]))
def test_missing_admission_matches_brute_force(group_specs, protocol, wanted_texts, ports, addressing) -> None:
    group, node_group, rules = group_specs
    wanted = set().union(*(addresses(t) for t in wanted_texts))
    cluster = None
    members: set[int] = set()
    if addressing is not None:
        cluster = Cluster("huaweicloud_cce_cluster.c", pod_addressing=addressing, node_security_groups=[node_group])
        if addressing == "node":
            members = wanted  # the sources are the node addresses: members of the node group
    result = missing(group, ipset(wanted), protocol, ports, cluster)
    assert result is not None
    assert as_offsets(result) == admission_oracle(rules, protocol, wanted, ports, members)


def test_all_ports_means_every_port_of_every_rule() -> None:
    """ports=None asks for 0-65535: a rule admitting 0-65534 leaves a gap."""
    group = SecurityGroup("sg")
    rule = SecurityRule("r", protocol="tcp", ports=[PortRange(0, 65534)], any_source=True)
    group.rules = [rule]
    wanted = ipset({1, 2})
    assert as_offsets(missing(group, wanted, "tcp", None)) == {1, 2}
    rule.ports = [PortRange(0, 65534), PortRange(65535, 65535)]
    assert as_offsets(missing(group, wanted, "tcp", None)) == set()


@PROPERTY
@given(security_groups(), small_prefixes(broad=False))
def test_unknown_parts_make_admission_unknown_not_missing(group_specs, wanted) -> None:
    group, _, rules = group_specs
    ingress = [r for r in rules if r.direction == "ingress" and r.protocol in ("all", "tcp")]
    if not ingress:
        return
    sources = ipset(addresses(wanted))
    for attribute in ("protocol", "action", "priority", "ports"):
        original = getattr(ingress[0], attribute)
        setattr(ingress[0], attribute, Unknown())
        assert missing(group, sources, "tcp", [PortRange(0, PORTS - 1)]) is None, attribute
        setattr(ingress[0], attribute, original)
    group.complete = False
    assert missing(group, sources, "tcp", [PortRange(0, PORTS - 1)]) is None


def test_oracle_helpers_agree_with_ipaddress() -> None:
    assert addresses("10.0.0.0/30") == {0, 1, 2, 3}
    assert addresses("0.0.0.0/0") == set(range(UNIVERSE))
    assert int(ip_address("10.0.0.7")) - BASE in addresses("10.0.0.5/29")
    assert Element("x").address == "x"
