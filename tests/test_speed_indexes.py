"""The indexes that keep rules from scanning every element (issue 5) answer
exactly what the scans did: random models, the indexed answer against a
pass over everything."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from netaddr import IPNetwork, IPSet

from vpclint.analysis import index, routing
from vpclint.engine.primitives import PRIMITIVES
from vpclint.model import (
    Cluster, Endpoint, Model, Network, Peering, PortRange, Route, RouteTable, SecurityGroup, SecurityRule, Subnet,
    Whitelist, make_cidr,
)
from vpclint.model.build import pod_sources
from vpclint.values import Unknown

# nested and disjoint blocks, the whole space, and what is not a block
BLOCKS = ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "10.0.1.0/24", "10.0.2.0/24", "10.0.1.128/25", "10.1.0.0/16",
          "10.1.5.0/24", "172.16.0.0/12", "172.16.0.0/24", "192.168.0.0/24", "10.0.1.7/32", "fd00::/8", "fd00::/64"]
VALUES = [*BLOCKS, Unknown("known after apply"), "10.0.0.300/24"]
# what rules and routes mostly hold: blocks near the networks below, now and then something else
LIKELY = ["10.0.0.0/16", "10.0.0.0/16", "10.0.1.0/24", "10.0.1.0/24", "172.16.0.0/24", "10.0.0.0/8", "10.1.0.0/16",
          *VALUES]


def cidr(owner, value, role="source"):
    return make_cidr(owner, "cidr", role, value, single_address=True)


@st.composite
def models(draw) -> Model:
    pick = lambda items: draw(st.sampled_from(items))  # noqa: E731
    model = Model()
    for number in range(draw(st.integers(1, 4))):
        network = Network(f"vpc.n{number}")
        network.cidrs = [cidr(network, pick(["10.0.0.0/16", "10.0.0.0/16", "10.1.0.0/16", "10.0.0.0/8"]), "network")]
        model.networks.append(network)
        for sub in range(draw(st.integers(1, 2))):
            subnet = Subnet(f"subnet.n{number}s{sub}", network=network)
            subnet.cidr = cidr(subnet, pick(["10.0.1.0/24", "10.0.2.0/24", "10.1.5.0/24"]), "subnet")
            network.subnets.append(subnet)
            model.subnets.append(subnet)
    for number in range(draw(st.integers(0, 4))):
        local, peer = pick(model.networks), pick(model.networks)
        if local is not peer:
            peering = Peering(f"peering.p{number}", local=local, peer=peer,
                              state=pick(["active", "active", "pending"]))
            local.peerings.append(peering)
            peer.peerings.append(peering)
            model.peerings.append(peering)
    for number in range(draw(st.integers(0, 7))):
        group = SecurityGroup(f"sg.g{number}", network=pick([*model.networks, None]),
                              complete=pick([True, True, True, False]))
        model.security_groups.append(group)
    for group in model.security_groups:
        for number in range(draw(st.integers(0, 3))):
            rule = SecurityRule(f"{group.address}.r{number}", direction=pick(["ingress", "ingress", "egress"]),
                                protocol=pick(["tcp"] * 4 + ["all", "udp", Unknown("p")]),
                                ports=pick([None, [PortRange(443, 443)], [PortRange(443, 443)], [PortRange(1, 1024)],
                                            Unknown("q")]),
                                any_source=pick([False, False, False, True]),
                                action=pick(["allow", "allow", "allow", "deny"]), priority=pick([None, None, 1, 2]))
            rule.sources = [cidr(rule, pick(LIKELY)) for _ in range(draw(st.integers(0, 2)))]
            if pick([False, False, False, True]):
                rule.source_groups = [pick([*model.security_groups, Unknown("outside")])]
            group.rules.append(rule)
    for number in range(draw(st.integers(0, 4))):
        endpoint = Endpoint(f"db.e{number}", network=pick([*model.networks, None]))
        if pick([True, True, False]):
            whitelist = Whitelist(endpoint.address, enabled=pick([True, True, False, Unknown("w")]))
            whitelist.entries = [cidr(whitelist, pick(LIKELY), "whitelist") for _ in range(draw(st.integers(0, 2)))]
            endpoint.whitelist = whitelist
        model.endpoints.append(endpoint)
    for number in range(draw(st.integers(1, 4))):
        network = pick([*model.networks, *model.networks, None])
        subnets = network.subnets if network is not None else []
        cluster = Cluster(f"cluster.c{number}", network=network,
                          pod_addressing=pick(["routed", "routed", "node", "subnet"]),
                          peer_addressing=pick([None, "node"]))
        cluster.node_subnets = [s for s in subnets if pick([True, True, False])]
        cluster.pod_subnets = [s for s in subnets if pick([True, False, False])]
        cluster.container_cidrs = [cidr(cluster, pick(["172.16.0.0/24", "192.168.0.0/24", "10.0.1.0/24"]),
                                        "container")] if pick([True, True, False]) else []
        cluster.node_security_groups = [g for g in model.security_groups if pick([True, False, False, False])]
        cluster.sources_local = pod_sources(cluster, cluster.pod_addressing)
        cluster.sources_peered = pod_sources(cluster, cluster.peer_addressing or cluster.pod_addressing)
        model.clusters.append(cluster)
    return model


def _shown(violations) -> list:
    return [(v.subject.address, tuple(v.facts), sorted((k, str(x)) for k, x in v.captures.items()))
            for v in violations]


def _everything(monkeypatch) -> None:
    """Make the index answer "every element", as the scans did."""
    monkeypatch.setattr(index.Nearby, "groups_near", lambda self, cluster, peers, ranges: list(self.groups))
    monkeypatch.setattr(index.Nearby, "endpoints_near", lambda self, cluster, peers: list(self.endpoints))


@settings(max_examples=200, deadline=None)
@given(models())
def test_ingress_and_whitelist_answers_match_a_pass_over_everything(model: Model) -> None:
    import pytest

    for name in ("ingress_missing", "whitelist_missing"):
        for cluster in model.clusters:
            bindings = {"cluster": cluster, "model": model}
            indexed = _shown(PRIMITIVES[name]({"cluster": "cluster"}, bindings))
            with pytest.MonkeyPatch.context() as monkeypatch:
                _everything(monkeypatch)
                index._cache.clear()
                scanned = _shown(PRIMITIVES[name]({"cluster": "cluster"}, bindings))
            index._cache.clear()
            assert indexed == scanned


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(BLOCKS), max_size=12), st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=3))
def test_block_index_finds_every_overlapping_block(stored: list[str], asked: list[str]) -> None:
    blocks = index.BlockIndex()
    for number, text in enumerate(stored):
        blocks.add(IPNetwork(text), number)
    blocks.freeze()
    queries = [IPNetwork(text) for text in asked]
    expected = {number for number, text in enumerate(stored) for query in queries
                if IPNetwork(text).version == query.version
                and IPNetwork(text).first <= query.last and query.first <= IPNetwork(text).last}
    assert set(blocks.overlapping(queries)) == expected


def reference_through(table: RouteTable, ranges: IPSet, via: Peering) -> IPSet | None:
    """routing.through as it was: every route, most specific first."""
    if not table.complete or (table.network is not None and not table.network.routes_complete):
        return None
    routes = routing._all_routes(table)
    if routes is None:
        return None
    remaining, covered = IPSet(ranges), IPSet()
    for route in sorted(routes, key=routing._specificity):
        if not remaining:
            break
        dest = route.destination
        if dest is None or dest.net is None:
            if dest is not None and dest.error:
                continue
            return None
        part = remaining & IPSet([dest.range])
        if not part:
            continue
        verdict = routing.targets(route, via)
        if verdict is None:
            return None
        if verdict:
            covered |= part
        remaining -= part
    return covered


def reference_tables(network: Network, via: Peering) -> list[RouteTable]:
    using = [t for t in network.route_tables if any(r.target is via for r in t.routes)]
    if using:
        return using
    serving: list[RouteTable] = []
    for subnet in network.subnets:
        table = routing.serving_table(subnet)
        if table is not None and table not in serving:
            serving.append(table)
    if serving:
        return serving
    table = routing.default_table(network)
    return [table] if table is not None else []


@st.composite
def networks(draw) -> tuple[Network, list[Peering]]:
    pick = lambda items: draw(st.sampled_from(items))  # noqa: E731
    network = Network("vpc.n", routes_complete=pick([True, True, True, False]))
    network.cidrs = [cidr(network, pick(["10.0.0.0/16", "10.0.0.0/16", "10.0.0.0/8", Unknown("n")]), "network")]
    peerings = [Peering(f"peering.p{n}", local=network) for n in range(2)]
    for number in range(draw(st.integers(0, 3))):
        table = RouteTable(f"rt.t{number}", network=network, default=number == 0 and draw(st.booleans()),
                           complete=pick([True, True, True, False]))
        for r in range(draw(st.integers(0, 6))):
            route = Route(f"{table.address}.r{r}", target_kind=pick(["peering", "peering", "gateway", "unknown"]))
            known = [b for b in BLOCKS if "::" not in b]
            route.destination = cidr(route, pick([*known, *known, *VALUES]), "route") if pick([True] * 9 + [False]) \
                else None
            route.target = pick([*peerings, *peerings, "pcx-123", Unknown("t")])
            table.routes.append(route)
        network.route_tables.append(table)
    for number in range(draw(st.integers(0, 3))):
        subnet = Subnet(f"subnet.s{number}", network=network,
                        route_table=pick([None, *network.route_tables]))
        network.subnets.append(subnet)
    return network, peerings


@settings(max_examples=300, deadline=None)
@given(networks(), st.lists(st.sampled_from([b for b in BLOCKS if "::" not in b]), max_size=3))
def test_route_lookups_match_the_longest_prefix_scan(case, asked: list[str]) -> None:
    network, peerings = case
    ranges = IPSet(IPNetwork(text) for text in asked)
    for via in peerings:
        assert routing.tables_for_peering(network, via) == reference_tables(network, via)
        for table in network.route_tables:
            assert routing.through(table, ranges, via) == reference_through(table, ranges, via)
