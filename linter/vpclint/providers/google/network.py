"""GCP networks, subnetworks, peerings, routes and firewall rules."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from netaddr import IPSet

from vpclint.model import Element, Network, Peering, Route, RouteTable, SecurityGroup, SecurityRule, Subnet
from vpclint.model.build import Builder
from vpclint.providers.common import blocks, both, given, managed_first, maybe_reverse, port_ranges, protocol, text_list
from vpclint.providers.google.base import PROVIDER, RANGE, SECONDARY_RANGE, SNIPPETS, SUBNET_RANGE, State
from vpclint.resources import Resource
from vpclint.values import Unknown

# ranges GCP treats as private when exchanging subnet routes over a peering
# (cloud.google.com/vpc/docs/subnets, valid IPv4 ranges); anything else is a
# privately used public range, imported only with import_subnet_routes_with_public_ip
_PRIVATE = IPSet(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "192.0.0.0/24",
                  "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4"])

_NEXT_HOPS = (("next_hop_gateway", "gateway"), ("next_hop_instance", "instance"), ("next_hop_ip", "instance"),
              ("next_hop_vpn_tunnel", "vpn"), ("next_hop_ilb", "instance"))

# -- networks and subnets -------------------------------------------------------

def map_networks(b: Builder, st: State) -> None:
    for res in managed_first(b.of_type("google_compute_network")):
        if st.twin("networks", res):
            continue
        v = res.values
        net = Network(res.address, res, provider=PROVIDER, managed=res.mode == "managed", addressed_by_subnets=True)
        if net.managed:
            auto = v.get("auto_create_subnetworks", True)
            if auto is not False:
                # auto mode: a /20 per region out of 10.128.0.0/9, regions not known here
                reason = (f"auto_create_subnetworks is unknown ({auto.reason})" if isinstance(auto, Unknown)
                          else "auto mode network: its subnets (one /20 per region in 10.128.0.0/9) are not listed")
                net.cidrs.append(b.cidr(net, "auto_create_subnetworks", "subnet", Unknown(reason)))
        b.model.networks.append(b.register(net, v.get("self_link")))
        st.add("networks", net, res)
        table = RouteTable(f"{res.address} (routes)", res, network=net, default=True, complete=net.managed)
        b.model.route_tables.append(table)
        b.default_table(net, table)
    for res in b.of_type("google_compute_network_firewall_policy_association",
                         "google_compute_region_network_firewall_policy_association"):
        net = st.link("networks", res.values.get("attachment_target"), res, "attachment_target")
        if isinstance(net, Network):
            st.policy_networks.add(id(net))


def map_subnets(b: Builder, st: State) -> None:
    b.incomplete(PROVIDER, "routes", ("google_compute_subnetwork", "data.google_compute_subnetwork"))
    for res in managed_first(b.of_type("google_compute_subnetwork")):
        if st.twin("subnetworks", res):
            continue
        v = res.values
        net = st.link("networks", v.get("network"), res, "network")
        net = net if isinstance(net, Network) else None
        if net is None and isinstance(v.get("network"), Unknown):
            b.incomplete(PROVIDER, "routes")  # ranges of a network this model cannot place
        primary = Subnet(res.address, res, network=net)
        value = v.get("ip_cidr_range")
        if not given(value) and res.mode == "managed":
            value = Unknown("ip_cidr_range comes from a reserved internal range")
        primary.cidr = b.cidr(primary, "ip_cidr_range", "subnet", value, SUBNET_RANGE)
        b.model.subnets.append(b.register(primary, v.get("self_link")))
        st.add("subnetworks", primary, res)
        ranges = [primary.cidr]
        secondary = v.get("secondary_ip_range")
        if isinstance(secondary, Unknown):
            extra = Subnet(f"{res.address} (secondary ranges)", res, network=net)
            extra.cidr = b.cidr(extra, "secondary_ip_range", "subnet", secondary)
            b.model.subnets.append(extra)
            ranges.append(extra.cidr)
        for block in blocks(secondary):
            name = block.get("range_name")
            label = name if isinstance(name, str) else "?"
            extra = Subnet(f"{res.address} (secondary range {label})", res, network=net)
            extra.cidr = b.cidr(extra, "secondary_ip_range.ip_cidr_range", "subnet", block.get("ip_cidr_range"),
                                SECONDARY_RANGE)
            b.model.subnets.append(extra)
            ranges.append(extra.cidr)
            if isinstance(name, str):
                st.secondary[(id(primary), name)] = extra.cidr
        if net is not None and (res.mode == "managed" or all(c.unknown is None for c in ranges)):
            net.cidrs.extend(ranges)


# -- peerings -------------------------------------------------------------------

def _flag(values: dict, key: str, default: bool, override: dict | None = None) -> Any:
    if override is not None and key in override and override[key] is not None:
        return override[key]
    value = values.get(key)
    return default if value is None else value


def map_peerings(b: Builder, st: State) -> None:
    b.incomplete(PROVIDER, "routes", ("google_compute_network_peering", "google_compute_network_peering_routes_config"))
    overrides: dict[tuple[int, str], dict] = {}
    for res in b.of_type("google_compute_network_peering_routes_config"):
        net = st.link("networks", res.values.get("network"), res, "network")
        name = res.values.get("peering")
        if isinstance(net, Network) and isinstance(name, str):
            overrides[(id(net), name)] = res.values
        elif isinstance(name, Unknown) or isinstance(res.values.get("network"), Unknown):
            b.incomplete(PROVIDER, "routes")
    sides = []
    vague: list[tuple[bool, bool]] = []  # (local end unknown, peer end unknown) of each side
    for res in sorted(b.of_type("google_compute_network_peering"), key=lambda r: r.address):
        v = res.values
        local = st.link("networks", v.get("network"), res, "network")
        peer = st.link("networks", v.get("peer_network"), res, "peer_network")
        local = local if isinstance(local, Network) else None
        peer = peer if isinstance(peer, Network) else None
        name = v.get("name")
        override = overrides.get((id(local), name)) if local is not None and isinstance(name, str) else None
        sides.append((res, local, peer, override))
        vague.append((local is None and isinstance(v.get("network"), Unknown),
                      peer is None and isinstance(v.get("peer_network"), Unknown)))
    used: set[int] = set()
    for index, (res, local, peer, override) in enumerate(sides):
        if index in used:
            continue
        used.add(index)
        reverse = None
        for other_index, (other, other_local, other_peer, _) in enumerate(sides):
            if other_index not in used and local is not None and peer is not None \
                    and other_local is peer and other_peer is local:
                reverse = other_index
                used.add(other_index)
                break
        peering = Peering(res.address, res, local=local, peer=peer)
        other_res = sides[reverse][0] if reverse is not None else None
        if other_res is not None:
            peering.reverse = Element(other_res.address, other_res)
            peering.state = "active"
        elif res.values.get("state") == "ACTIVE":
            peering.state = "active"  # the reverse exists outside this configuration
        elif local is not None and peer is not None and local.managed and peer.managed \
                and not maybe_reverse([(r, lo, pe) for r, lo, pe, _ in sides], vague, index, local, peer):
            peering.state = "pending"
            peering.missing = (f"{peer.name} has no google_compute_network_peering back to {local.name}; "
                               "GCP activates a peering only when both networks create one")
            name = re.sub(r"[^a-z0-9_]+", "_", res.name.lower()) + "_reverse"
            peering.remedy = SNIPPETS["reverse_peering"].format(name=name, label=name.replace("_", "-"),
                                                                network=peer.address, peer=local.address)
        else:
            peering.state = Unknown("the peer network's side of the peering is outside this configuration")
        b.model.peerings.append(b.register(peering))
        # the flags of each side: (export custom, import custom, export public, import public)
        flags = {}
        for side_res, side_net, side_override in ((res, local, override),
                                                  *(((sides[reverse][0], sides[reverse][1], sides[reverse][3]),)
                                                    if reverse is not None else ())):
            sv = side_res.values
            flags[id(side_net)] = (_flag(sv, "export_custom_routes", False, side_override),
                                   _flag(sv, "import_custom_routes", False, side_override),
                                   _flag(sv, "export_subnet_routes_with_public_ip", True, side_override),
                                   _flag(sv, "import_subnet_routes_with_public_ip", False, side_override))
        st.peerings.append((peering, flags))


# -- routes ---------------------------------------------------------------------

def map_routes(b: Builder, st: State) -> None:
    b.incomplete(PROVIDER, "routes", ("google_compute_route",))
    for res in b.of_type("google_compute_route"):
        v = res.values
        net = st.link("networks", v.get("network"), res, "network")
        if not isinstance(net, Network):
            if isinstance(v.get("network"), Unknown):
                b.incomplete(PROVIDER, "routes")  # a route in a network this model cannot place
            continue
        tags = v.get("tags")
        if isinstance(tags, Unknown):
            b.incomplete(PROVIDER, "routes")  # it may or may not apply to every instance
            continue
        if tags:
            continue  # applies to tagged instances only, never exported
        route = Route(res.address, res, target_kind="unknown", target=Unknown("next hop not known"))
        route.destination = b.cidr(route, "dest_range", "route", v.get("dest_range"), RANGE)
        exportable = True
        for key, kind in _NEXT_HOPS:
            if given(v.get(key)):
                route.target_kind, route.target = kind, v.get(key)
                if key == "next_hop_gateway":
                    exportable = isinstance(v.get(key), str) and "default-internet-gateway" not in v.get(key)
                break
        b.default_table(net).routes.append(route)
        if exportable:
            st.custom[id(net)].append(route)


def exchange_routes(b: Builder, st: State) -> None:
    """Routes each network learns over its active peerings: the peer's subnet
    ranges always (public ranges only when imported), its custom routes and
    routes-based GKE pod ranges when exported there and imported here."""
    for peering, flags in st.peerings:
        if peering.state != "active" or peering.local is None or peering.peer is None:
            continue
        for here, there in ((peering.local, peering.peer), (peering.peer, peering.local)):
            table = b.default_table(here)
            if table is None:
                continue
            mine, theirs = flags.get(id(here)), flags.get(id(there))
            if mine is None or theirs is None:
                continue
            public = both(theirs[2], mine[3])
            subnet_routes, custom_routes = [], []
            for cidr in there.cidrs:
                target: Any = peering
                if cidr.net is not None and cidr.net.version == 4 and not IPSet([cidr.range]).issubset(_PRIVATE):
                    target = peering if public is True else (public if isinstance(public, Unknown) else None)
                if target is None:
                    continue
                subnet_routes.append(Route(table.address, table.resource, destination=cidr,
                                           target_kind="peering", target=target))
            custom = both(theirs[0], mine[1])
            if custom is not False:
                for route in st.custom.get(id(there), []):
                    custom_routes.append(Route(route.address, route.resource, destination=route.destination,
                                               target_kind="peering",
                                               target=peering if custom is True else custom))
            # peering subnet routes win a tie with custom routes
            table.routes[:0] = subnet_routes
            table.routes.extend(custom_routes)


# -- firewalls ------------------------------------------------------------------

def _targets(v: dict) -> Any:
    """A firewall's targets as labels ("tag:web", "sa:x@y"); empty = every instance."""
    labels = set()
    for key, prefix in (("target_tags", "tag:"), ("target_service_accounts", "sa:")):
        value = v.get(key)
        if isinstance(value, Unknown) or (isinstance(value, list) and any(isinstance(x, Unknown) for x in value)):
            return Unknown(f"{key} is unknown")
        labels.update(prefix + str(x) for x in text_list(value))
    return frozenset(labels)


def _firewall_rules(b: Builder, res: Resource) -> list[SecurityRule]:
    v = res.values
    direction = v.get("direction", "INGRESS")
    priority = v.get("priority", 1000)
    disabled = v.get("disabled")
    undecided = (Unknown("the rule's direction is unknown") if isinstance(direction, Unknown)  # either way
                 else Unknown("disabled is unknown") if isinstance(disabled, Unknown) else None)
    direction = direction.lower() if isinstance(direction, str) else "ingress"
    rules = []
    for action in ("allow", "deny"):
        spec = v.get(action)
        entries = [spec] if isinstance(spec, Unknown) else blocks(spec)
        for entry in entries:
            rule = SecurityRule(res.address, res, direction=direction, priority=priority,
                                action=undecided if undecided is not None else action)
            if isinstance(entry, Unknown):
                rule.protocol = entry
            else:
                rule.protocol = protocol(entry.get("protocol"))
                ports = entry.get("ports")
                if rule.protocol in ("tcp", "udp", "sctp") and given(ports):
                    if isinstance(ports, Unknown) or any(isinstance(p, Unknown) for p in text_list(ports)):
                        rule.ports = Unknown("ports are unknown")
                    else:
                        rule.ports = port_ranges(",".join(str(p) for p in text_list(ports)))
            if direction == "ingress":
                ranges = v.get("source_ranges")
                tags = [v.get(k) for k in ("source_tags", "source_service_accounts") if given(v.get(k))]
                if given(ranges):
                    rule.sources = b.cidrs(rule, "source_ranges", "source", ranges, RANGE, single_address=True)
                if tags:
                    rule.source_groups.append(Unknown("instances with the source tags or service accounts "
                                                      "are not modelled"))
                if not given(ranges) and not tags:
                    rule.any_source = True  # the API's default: 0.0.0.0/0
            else:
                ranges = v.get("destination_ranges")
                if given(ranges):
                    rule.sources = b.cidrs(rule, "destination_ranges", "source", ranges, RANGE, single_address=True)
                else:
                    rule.any_source = True
            rules.append(rule)
    return rules


def _describe(identity: frozenset) -> str:
    if not identity:
        return "all instances"
    tags = sorted(x[4:] for x in identity if x.startswith("tag:"))
    accounts = sorted(x[3:] for x in identity if x.startswith("sa:"))
    parts = ([f"tagged {', '.join(tags)}"] if tags else []) + ([f"running as {', '.join(accounts)}"]
                                                                 if accounts else [])
    return "instances " + " and ".join(parts)


def map_firewalls(b: Builder, st: State) -> None:
    b.incomplete(PROVIDER, "rules", ("google_compute_firewall",))
    for res in sorted(b.of_type("google_compute_firewall"), key=lambda r: (r.file or "", r.line or 0, r.address)):
        v = res.values
        if v.get("disabled") is True:
            continue
        net = st.link("networks", v.get("network"), res, "network")
        if not isinstance(net, Network):
            if isinstance(v.get("network"), Unknown):
                b.incomplete(PROVIDER, "rules")  # a rule of a network this model cannot place
            continue
        st.firewalls[id(net)].append((res, _targets(v), _firewall_rules(b, res), net))
    identities: dict[int, set] = defaultdict(lambda: {frozenset()})
    for key, entries in st.firewalls.items():
        for _, targets, _, _ in entries:
            if isinstance(targets, frozenset):
                identities[key].update(frozenset([label]) for label in targets)
    for entries in st.firewalls.values():
        net = entries[0][3]
        for identity in sorted(identities[id(net)], key=lambda i: sorted(i)):
            firewall_group(b, st, net, identity)


def firewall_group(b: Builder, st: State, net: Network, identity: frozenset) -> SecurityGroup:
    """The firewall rules that apply to instances of ``net`` with ``identity``."""
    key = (id(net), identity)
    if key in st.groups:
        return st.groups[key]
    entries = st.firewalls.get(id(net), [])
    applying = [e for e in entries if isinstance(e[1], frozenset) and (not e[1] or e[1] & identity)]
    defining = [e for e in applying if e[1]] if identity else applying
    res = defining[0][0] if defining else net.resource
    group = SecurityGroup(f"{net.address} firewall ({_describe(identity)})", res, network=net)
    for entry in applying:
        group.rules.extend(entry[2])
    group.complete = net.managed and id(net) not in st.policy_networks and all(
        isinstance(e[1], frozenset) for e in entries)
    b.model.security_groups.append(group)
    st.groups[key] = group
    return group
