"""Google Cloud (google provider) → the network model.

Where GKE pod traffic comes from (cloud.google.com/kubernetes-engine/docs/
concepts/alias-ips and …/ip-masquerade-agent; GCP container_cluster and
compute_network_peering docs):

| networking_mode | pod addresses | a peer (same network or peered) sees | the peer network must route back |
| --- | --- | --- | --- |
| ``VPC_NATIVE`` (``ip_allocation_policy``; the default for new clusters) | the pod secondary range of the node subnet (alias IPs), by name or CIDR, plus node pools' pod ranges | the pod address: ip-masq-agent keeps it towards private ranges | nothing to add: a peering exchanges subnet routes, secondary ranges included |
| ``ROUTES`` (``cluster_ipv4_cidr``, no ``ip_allocation_policy``) | ``cluster_ipv4_cidr``, one custom route per node | the pod address | the pod routes, which are custom routes: they cross a peering only with ``export_custom_routes`` on the cluster's side and ``import_custom_routes`` on the peer's |

The network model of GCP as this adapter maps it:

| GCP | model |
| --- | --- |
| ``google_compute_network`` | a ``Network`` whose CIDRs are its subnets' primary and secondary ranges (a network has no CIDR of its own; an auto-mode network's ranges are unknown) |
| ``google_compute_subnetwork`` | a ``Subnet`` for the primary range and one more ``Subnet`` per ``secondary_ip_range`` (all must be disjoint within the network) |
| ``google_compute_network_peering`` ×2 | one ``Peering``; active only when both networks peer with each other, ``reverse`` names the second resource |
| subnet routes, peering routes | an implicit route table per network (``"<network> (routes)"``) with a route per peer range whose target is the peering |
| ``google_compute_route`` | a route in that table; exported over a peering (``export_custom_routes`` on its side, ``import_custom_routes`` on the other) unless it has tags or goes to the internet gateway |
| ``google_network_connectivity_hub`` / ``_spoke`` | a transit ``Hub`` (one table; ``STAR``: a center and an edge table) and an ``Attachment`` per spoke: a VPC spoke exports every subnet range of its network, secondary ranges included, less its export filters, and the hub programs what it learns into every spoke network |
| ``google_compute_firewall`` | rules of a ``SecurityGroup`` per (network, target set): the rules without targets plus those whose target tags or service accounts match; priorities lower first, deny before allow |
| ``google_container_cluster`` / ``_node_pool`` | a ``Cluster`` (above); ``master_ipv4_cidr_block`` must be a /28 |
| ``google_sql_database_instance`` (``private_network``), ``google_redis_instance`` (``authorized_network``), ``google_compute_instance`` | ``Endpoint``\\ s |

Other facts kept here: routes with network tags apply only to tagged
instances and are never exchanged over a peering, neither are routes to the
default internet gateway; subnet ranges outside private address space cross
a peering only with ``import_subnet_routes_with_public_ip`` on the importing
side (export is on by default); a network firewall policy decides before the
network's firewall rules. Resources refer to each other by self link, id or
plain name; a name is matched only when it is unambiguous.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from netaddr import IPSet

from vpclint.model import (
    Cidr, CidrLimits, Cluster, Element, Endpoint, Network, Peering, Route, RouteTable, SecurityGroup, SecurityRule,
    Subnet,
)
from vpclint.model.build import Builder
from vpclint.model.join import Selector
from vpclint.model.transit import Attachment, Hub, HubRouteTable
from vpclint.providers.common import (
    Template, blocks, both, first, given, managed_first, maybe_reverse, port_ranges, protocol, text_list,
)
from vpclint.resources import Resource
from vpclint.values import Ref, Unknown

PROVIDER = "google"

# cloud.google.com/vpc/docs/subnets: prohibited subnet ranges; the smallest range is a /29
_PROHIBITED = ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "255.255.255.255/32")
SUBNET_RANGE = CidrLimits("GCP subnet primary range", max_prefix=29, not_within=_PROHIBITED)
SECONDARY_RANGE = CidrLimits("GCP subnet secondary range", max_prefix=29, not_within=_PROHIBITED)
# container_cluster: private_cluster_config.master_ipv4_cidr_block "must be a /28"
MASTER_RANGE = CidrLimits("GKE master_ipv4_cidr_block", min_prefix=28, max_prefix=28)
RANGE = CidrLimits("GCP range")
# ranges GCP treats as private when exchanging subnet routes over a peering
# (cloud.google.com/vpc/docs/subnets, valid IPv4 ranges); anything else is a
# privately used public range, imported only with import_subnet_routes_with_public_ip
_PRIVATE = IPSet(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "192.0.0.0/24",
                  "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4"])

_NEXT_HOPS = (("next_hop_gateway", "gateway"), ("next_hop_instance", "instance"), ("next_hop_ip", "instance"),
              ("next_hop_vpn_tunnel", "vpn"), ("next_hop_ilb", "instance"))
_SQL_PORTS = (("POSTGRES", 5432), ("MYSQL", 3306), ("SQLSERVER", 1433))


def _ingress_fields(fields: dict) -> dict:
    group = fields.get("group", "")
    fields["label"] = fields.get("name", "").replace("_", "-")
    # a group is the firewall rules for one target set; its resource is a
    # firewall (copy its network and targets) or, with none, the network
    if re.search(r"(^|\.)google_compute_network\.", group):
        fields["network"], fields["targets"] = f"{group}.name", ""
    else:
        fields["network"] = f"{group}.network"
        fields["targets"] = (f"\n  target_tags             = {group}.target_tags"
                             f"\n  target_service_accounts = {group}.target_service_accounts")
    proto = fields.get("protocol", "all")
    ports = fields.get("ports")
    fields["ports_line"] = (f'\n    ports    = ["{ports}"]' if proto in ("tcp", "udp", "sctp")
                            and ports not in (None, "", "1-65535", "0-65535") else "")
    return fields


# HCL that fixes a finding, by kind; filled by vpclint.providers.snippet
# what a data source reads (data-sources/compute_network.md, compute_subnetwork.md)
DATA_SOURCES = {
    "google_compute_network": Selector("google_compute_network", {"name": "name", "self_link": "self_link"},
                                       scope={"project": "project"}),
    "google_compute_subnetwork": Selector("google_compute_subnetwork", {"name": "name", "self_link": "self_link"},
                                          scope={"project": "project", "region": "region"}),
}

SNIPPETS = {
    # a peer network lacks a route through the peering: GCP has no route
    # "through a peering" to write; the peering imports it or not
    "default_route": """# {network} learns {destination} over {peering} only when the peering exchanges it:
# on the google_compute_network_peering of {network} set
#   import_custom_routes                = true  # custom routes, GKE routes-based pod ranges
#   import_subnet_routes_with_public_ip = true  # subnet ranges outside private address space
# and on the reverse peering, in the network that holds {destination}, set
#   export_custom_routes = true
# (or use google_compute_network_peering_routes_config for either side)""",
    "ingress": Template("""resource "google_compute_firewall" "{name}" {{
  name                    = "{label}"
  network                 = {network}
  direction               = "INGRESS"
  priority                = 900 # before any rule that denies these addresses
  source_ranges           = ["{source}"]{targets}
  allow {{
    protocol = "{protocol}"{ports_line}
  }}
}}""", _ingress_fields),
    "reverse_peering": """resource "google_compute_network_peering" "{name}" {{
  name         = "{label}"
  network      = {network}.self_link
  peer_network = {peer}.self_link
}}""",
}


def adapt(b: Builder) -> None:
    st = _State(b)
    _networks(b, st)
    _subnets(b, st)
    _peerings(b, st)
    _routes(b, st)
    _firewalls(b, st)
    _clusters(b, st)
    _exchange(b, st)
    _endpoints(b, st)
    _hubs(b, st)


# -- names and self links ------------------------------------------------------

_PATH = re.compile(r"(?:projects/(?P<project>[^/]+)/)?(?:(?:regions|zones)/(?P<region>[^/]+)/|global/)?"
                   r"(?P<kind>networks|subnetworks|clusters|instances)/(?P<name>[^/]+)$")


class _State:
    """What the adapter's steps share: elements by GCP name, tables, peerings."""

    def __init__(self, b: Builder):
        self.b = b
        self.names: dict[str, dict[str, list[tuple[Element, dict]]]] = defaultdict(lambda: defaultdict(list))
        self.secondary: dict[tuple[int, str], Cidr] = {}  # (id(primary subnet), range name) -> range
        # each peering with its sides' route exchange flags, by id(network)
        self.peerings: list[tuple[Peering, dict[int, tuple]]] = []
        self.custom: dict[int, list[Route]] = defaultdict(list)  # id(network) -> exportable custom routes
        self.groups: dict[tuple[int, frozenset], SecurityGroup] = {}
        self.firewalls: dict[int, list] = defaultdict(list)
        self.policy_networks: set[int] = set()

    def add(self, kind: str, element: Element, res: Resource) -> None:
        name = res.values.get("name")
        if isinstance(name, str) and name:
            self.names[kind][name].append((element, {"project": res.values.get("project"),
                                                     "region": res.values.get("region")}))

    def link(self, kind: str, value: Any, res: Resource, attribute: str, region: Any = None) -> Element | None:
        """The element a reference (Ref, id, self link or plain name) names, or None."""
        if value is None or value == "":
            return None
        element = self.b.resolve(value, res, attribute)
        if element is not None or not isinstance(value, str):
            return element
        match = _PATH.search(value)
        name, project = (match.group("name"), match.group("project")) if match else (value, None)
        if project is None and isinstance(res.values.get("project"), str):
            project = res.values["project"]  # a plain name is in the referring resource's project
        region = match.group("region") if match and match.group("region") else region
        found = []
        for candidate, scope in self.names[kind].get(name, []):
            if isinstance(project, str) and isinstance(scope["project"], str) and scope["project"] != project:
                continue
            if isinstance(region, str) and isinstance(scope["region"], str) and not region.startswith(scope["region"]):
                continue
            found.append(candidate)
        return found[0] if len(found) == 1 else None

    def twin(self, kind: str, res: Resource) -> bool:
        """A data source that reads what this configuration manages stands for it."""
        if res.mode != "data":
            return False
        name = res.values.get("name")
        element = self.link(kind, name, res, "name", region=res.values.get("region")) if isinstance(name, str) else None
        if element is None or element.resource is None or element.resource.mode != "managed":
            return False
        project = res.values.get("project")
        if isinstance(project, str) and isinstance(element.resource.values.get("project"), str) \
                and project != element.resource.values["project"]:
            return False
        self.b.alias(res.address, element)
        return True


# -- networks and subnets -------------------------------------------------------

def _networks(b: Builder, st: _State) -> None:
    for res in managed_first(b.of_type("google_compute_network")):
        if st.twin("networks", res):
            continue
        v = res.values
        net = Network(res.address, res, provider=PROVIDER, managed=res.mode == "managed", addressed_by_subnets=True)
        if net.managed:
            auto = v.get("auto_create_subnetworks", True)
            if auto is not False:
                # auto mode: a /20 per region out of 10.128.0.0/9, regions not known here
                reason = ("auto_create_subnetworks is unknown" if isinstance(auto, Unknown)
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


def _subnets(b: Builder, st: _State) -> None:
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


def _peerings(b: Builder, st: _State) -> None:
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

def _routes(b: Builder, st: _State) -> None:
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


def _exchange(b: Builder, st: _State) -> None:
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


def _firewalls(b: Builder, st: _State) -> None:
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
            _group(b, st, net, identity)


def _group(b: Builder, st: _State, net: Network, identity: frozenset) -> SecurityGroup:
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


# -- clusters -------------------------------------------------------------------

def _pod_range(b: Builder, st: _State, owner: Element, subnet: Subnet | None, name: Any, cidr: Any,
               attribute: str, role: str) -> list[Cidr]:
    """A GKE range given by secondary range name or by CIDR ("/14" alone: GKE picks)."""
    if given(name):
        if isinstance(name, str) and subnet is not None and (id(subnet), name) in st.secondary:
            found = st.secondary[(id(subnet), name)]
            found.role = role  # the secondary range is this cluster's pod / service range
            return [found]
        reason = (f"secondary range {name!r} of the subnetwork is not known here" if isinstance(name, str)
                  else "the secondary range name is unknown")
        return [b.cidr(owner, attribute, role, Unknown(reason))]
    if given(cidr):
        if isinstance(cidr, str) and cidr.strip().startswith("/"):
            return [b.cidr(owner, attribute, role, Unknown(f"GKE chooses a {cidr} range"))]
        return [b.cidr(owner, attribute, role, cidr, RANGE)]
    return []


def _node_labels(config: Any) -> Any:
    """The firewall target labels of nodes with ``node_config``; Unknown if unknown."""
    config = first(config)
    if isinstance(config, Unknown):
        return config
    labels = set()
    tags = config.get("tags") if isinstance(config, dict) else None
    if isinstance(tags, Unknown) or any(isinstance(t, Unknown) for t in text_list(tags)):
        return Unknown("node tags are unknown")
    labels.update(f"tag:{t}" for t in text_list(tags))
    account = config.get("service_account") if isinstance(config, dict) else None
    if isinstance(account, Unknown):
        return account
    if isinstance(account, str) and account:
        labels.add(f"sa:{account}")
    return labels


def _clusters(b: Builder, st: _State) -> None:
    clusters: dict[str, tuple[Cluster, Subnet | None]] = {}
    node_labels: dict[int, Any] = {}
    for res in b.of_type("google_container_cluster"):
        v = res.values
        location = v.get("location")
        subnet = st.link("subnetworks", v.get("subnetwork"), res, "subnetwork", region=location)
        subnet = subnet if isinstance(subnet, Subnet) else None
        net = st.link("networks", v.get("network") if given(v.get("network")) else "default", res, "network")
        net = net if isinstance(net, Network) else (subnet.network if subnet is not None else None)
        policy = first(v.get("ip_allocation_policy"))
        mode = v.get("networking_mode")
        if isinstance(mode, Unknown) or isinstance(policy, Unknown):
            native: Any = Unknown("networking_mode is unknown")
        elif res.mode == "data" and not isinstance(mode, str):
            native = Unknown("an existing cluster read through a data source")
        elif isinstance(mode, str) and mode:
            native = mode.upper() == "VPC_NATIVE"
        else:
            # an ip_allocation_policy makes a cluster VPC-native; cluster_ipv4_cidr
            # alone works only for routes-based ones; new clusters default to VPC-native
            native = bool(policy) or v.get("enable_autopilot") is True or not given(v.get("cluster_ipv4_cidr"))
        cluster = Cluster(res.address, res, provider=PROVIDER, network=net,
                          network_model=("VPC_NATIVE" if native else "ROUTES") if isinstance(native, bool) else "")
        cluster.pod_addressing = "routed" if isinstance(native, bool) else native
        cluster.peer_addressing = cluster.pod_addressing
        if subnet is not None:
            cluster.node_subnets.append(subnet)
        if native is True:
            policy = policy if isinstance(policy, dict) else {}
            cluster.container_cidrs = _pod_range(
                b, st, cluster, subnet, policy.get("cluster_secondary_range_name"),
                policy.get("cluster_ipv4_cidr_block"), "ip_allocation_policy.cluster_ipv4_cidr_block", "container")
            extra = first(policy.get("additional_pod_ranges_config"))
            for name in text_list(extra.get("pod_range_names") if isinstance(extra, dict) else None):
                cluster.container_cidrs += _pod_range(b, st, cluster, subnet, name, None,
                                                      "additional_pod_ranges_config.pod_range_names", "container")
            cluster.service_cidrs = _pod_range(
                b, st, cluster, subnet, policy.get("services_secondary_range_name"),
                policy.get("services_ipv4_cidr_block"), "ip_allocation_policy.services_ipv4_cidr_block", "service")
            if not cluster.container_cidrs:
                b.note(res, "ip_allocation_policy", "GKE creates the pod range at apply time")
        elif native is False:
            if given(v.get("cluster_ipv4_cidr")):
                cluster.container_cidrs = [b.cidr(cluster, "cluster_ipv4_cidr", "container",
                                                  v.get("cluster_ipv4_cidr"), RANGE)]
                if net is not None and b.default_table(net) is not None:
                    # GKE adds a custom route per node for its part of the range
                    route = Route(res.address, res, destination=cluster.container_cidrs[0],
                                  target_kind="instance", target="GKE nodes")
                    b.default_table(net).routes.append(route)
                    st.custom[id(net)].append(route)
            else:
                b.note(res, "cluster_ipv4_cidr", "not set: GKE picks the pod range at creation")
        private = first(v.get("private_cluster_config"))
        if isinstance(private, dict) and given(private.get("master_ipv4_cidr_block")):
            b.cidr(cluster, "private_cluster_config.master_ipv4_cidr_block", "master",
                   private.get("master_ipv4_cidr_block"), MASTER_RANGE)
        labels = _node_labels(v.get("node_config"))
        for pool in blocks(v.get("node_pool")):
            labels = _merge(labels, _node_labels(pool.get("node_config")))
            _pool_ranges(b, st, cluster, subnet, Element(res.address, res), pool.get("network_config"))
        node_labels[id(cluster)] = labels
        b.model.clusters.append(b.register(cluster))
        if isinstance(v.get("name"), str):
            clusters[v["name"]] = (cluster, subnet)
    for res in b.of_type("google_container_node_pool"):
        v = res.values
        found = b.resolve(v.get("cluster"), res, "cluster")
        if not isinstance(found, Cluster) and isinstance(v.get("cluster"), str):
            match = _PATH.search(v["cluster"])
            entry = clusters.get(match.group("name") if match else v["cluster"])
            found = entry[0] if entry else None
        if not isinstance(found, Cluster) or found.provider != PROVIDER:
            continue
        subnet = found.node_subnets[0] if found.node_subnets else None
        _pool_ranges(b, st, found, subnet, Element(res.address, res), v.get("network_config"))
        node_labels[id(found)] = _merge(node_labels.get(id(found), set()), _node_labels(v.get("node_config")))
    for cluster in b.model.clusters:
        if cluster.provider != PROVIDER or cluster.network is None:
            continue
        labels = node_labels.get(id(cluster), set())
        for (net_id, identity), group in st.groups.items():
            if net_id == id(cluster.network) and identity and (isinstance(labels, Unknown) or identity <= labels):
                cluster.node_security_groups.append(group)


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    return set(a) | set(b)


def _pool_ranges(b: Builder, st: _State, cluster: Cluster, subnet: Subnet | None, pool: Element,
                 config: Any) -> None:
    config = first(config)
    if isinstance(config, Unknown):
        cluster.container_cidrs.append(b.cidr(pool, "network_config", "container", config))
        return
    if not isinstance(config, dict) or not (given(config.get("pod_range")) or given(config.get("pod_ipv4_cidr_block"))):
        return
    for cidr in _pod_range(b, st, pool, subnet, config.get("pod_range"), config.get("pod_ipv4_cidr_block"),
                           "network_config.pod_ipv4_cidr_block", "container"):
        if all(cidr is not c for c in cluster.container_cidrs):
            cluster.container_cidrs.append(cidr)


# -- endpoints ------------------------------------------------------------------

def _endpoints(b: Builder, st: _State) -> None:
    for res in b.of_type("google_compute_instance"):
        v = res.values
        nic = first(v.get("network_interface"))
        nic = nic if isinstance(nic, dict) else {}
        subnet = st.link("subnetworks", nic.get("subnetwork"), res, "network_interface.subnetwork",
                         region=v.get("zone"))
        subnet = subnet if isinstance(subnet, Subnet) else None
        net = st.link("networks", nic.get("network"), res, "network_interface.network") if given(
            nic.get("network")) else None
        net = net if isinstance(net, Network) else (subnet.network if subnet is not None else None)
        endpoint = Endpoint(res.address, res, kind="instance", network=net, subnet=subnet)
        if net is not None and id(net) in st.firewalls:
            labels = _node_labels([{"tags": v.get("tags"),
                                    "service_account": first(v.get("service_account")).get("email")
                                    if isinstance(first(v.get("service_account")), dict) else None}])
            if not isinstance(labels, Unknown):  # else: which rules apply is unknown
                endpoint.security_groups = [_group(b, st, net, frozenset(labels))]
        b.model.endpoints.append(b.register(endpoint))
    for res in b.of_type("google_sql_database_instance"):
        v = res.values
        settings = first(v.get("settings"))
        ip = first(settings.get("ip_configuration")) if isinstance(settings, dict) else {}
        private = ip.get("private_network") if isinstance(ip, dict) else None
        net = st.link("networks", private, res, "settings.ip_configuration.private_network") if given(private) else None
        version = v.get("database_version")
        ports = [port for prefix, port in _SQL_PORTS if isinstance(version, str) and version.upper().startswith(prefix)]
        endpoint = Endpoint(res.address, res, kind="database", network=net if isinstance(net, Network) else None,
                            ports=ports)
        b.model.endpoints.append(b.register(endpoint))
    for res in b.of_type("google_redis_instance"):
        v = res.values
        net = st.link("networks", v.get("authorized_network"), res, "authorized_network") if given(
            v.get("authorized_network")) else st.link("networks", "default", res, "authorized_network")
        endpoint = Endpoint(res.address, res, kind="cache", network=net if isinstance(net, Network) else None,
                            ports=[v.get("port") if isinstance(v.get("port"), int) else 6379])
        reserved = v.get("reserved_ip_range")
        if isinstance(reserved, str) and "/" in reserved:
            endpoint.address_ip = b.cidr(endpoint, "reserved_ip_range", "reserved", reserved, RANGE)
        b.model.endpoints.append(b.register(endpoint))


# -- Network Connectivity Center ----------------------------------------------------

_SPOKE_KINDS = (("linked_vpn_tunnels", "vpn"), ("linked_interconnect_attachments", "other"),
                ("linked_router_appliance_instances", "other"), ("linked_producer_vpc_network", "other"))


def _hubs(b: Builder, st: _State) -> None:
    """NCC hubs and their spokes. A VPC spoke exports every subnet range of
    its network, secondary ranges included, less ``exclude_export_ranges``
    (and only ``include_export_ranges`` when given); the hub programs what it
    learns into every spoke network (cloud.google.com/network-connectivity/
    docs/network-connectivity-center/concepts/vpc-spokes-overview). A ``STAR``
    hub's edge spokes reach only its center spokes; ``HYBRID_INSPECTION`` is
    not modelled (its tables are incomplete)."""
    topologies: dict[int, Any] = {}
    for res in b.of_type("google_network_connectivity_hub"):
        v = res.values
        hub = Hub(res.address, res, provider=PROVIDER, kind="ncc_hub", managed=res.mode == "managed")
        topology = v.get("preset_topology")
        topology = "MESH" if topology is None or topology == "" else topology
        names = ("center", "edge") if topology == "STAR" else ("routes",)
        for name in names:
            table = HubRouteTable(f"{res.address} ({name})", res, hub=hub,
                                  complete=isinstance(topology, str) and topology in ("MESH", "STAR"))
            hub.route_tables.append(table)
            b.model.hub_route_tables.append(table)
        hub.default_association = hub.default_propagation = hub.route_tables[0]
        hub.complete = all(table.complete for table in hub.route_tables)
        if not hub.complete:
            b.note(res, "preset_topology", f"preset topology {topology} is not modelled")
        topologies[id(hub)] = topology
        b.model.hubs.append(b.register(hub))
    uncounted = "google_network_connectivity_spoke" in b.uncounted
    for res in b.of_type("google_network_connectivity_spoke"):
        v = res.values
        hub = b.resolve(v.get("hub"), res, "hub")
        if not isinstance(hub, Hub):
            uncounted = uncounted or isinstance(v.get("hub"), Unknown) and not isinstance(v.get("hub"), Ref)
            continue
        linked = first(v.get("linked_vpc_network"))
        kind = next((kind for key, kind in _SPOKE_KINDS if given(v.get(key))), "vpc" if linked else "other")
        attachment = Attachment(res.address, res, hub=hub, kind=kind, installs_routes=kind == "vpc",
                                exports="subnets" if kind == "vpc" else "unknown")
        if isinstance(linked, dict) and linked:
            network = st.link("networks", linked.get("uri"), res, "linked_vpc_network.uri")
            attachment.network = network if isinstance(network, Network) else None
            include = linked.get("include_export_ranges")
            if given(include):
                attachment.export_include = b.cidrs(attachment, "linked_vpc_network.include_export_ranges",
                                                    "route", include, RANGE)
            attachment.export_exclude = b.cidrs(attachment, "linked_vpc_network.exclude_export_ranges", "route",
                                                linked.get("exclude_export_ranges"), RANGE)
        elif isinstance(linked, Unknown):
            attachment.exports = "unknown"
        if topologies.get(id(hub)) == "STAR":
            center, edge = hub.route_tables
            group = v.get("group")
            name = group.rsplit("/", 1)[-1] if isinstance(group, str) else group
            if name == "center":
                attachment.association, attachment.propagations = center, [center, edge]
            elif isinstance(name, str) and name:
                attachment.association, attachment.propagations = edge, [center]
            else:
                attachment.association = Unknown("the spoke's group (center or edge) is not known")
                attachment.propagations = [attachment.association]
            attachment.propagate_default = False
        b.model.attachments.append(b.register(attachment))
    if uncounted:
        for hub in b.model.hubs:
            if hub.provider == PROVIDER:
                hub.complete = False  # spokes may exist that the model cannot place
                for table in hub.route_tables:
                    table.complete = False


# --- Kubernetes Services on GKE ---------------------------------------------------------------------------
# An internal passthrough load balancer: the annotation networking.gke.io/load-balancer-type: "Internal" (older
# cloud.google.com/load-balancer-type) or spec.loadBalancerClass networking.gke.io/l4-regional-internal; anything
# else is an external (internet-facing) one. Clients of an internal one must sit in the cluster's region, in its
# VPC or a peered one, unless networking.gke.io/internal-load-balancer-allow-global-access is "true"
# (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters; /how-to/internal-load-
# balancing). GKE creates the ingress-allow VPC firewall rules for the load balancer and its health checks,
# with loadBalancerSourceRanges as their sources (/concepts/firewall-rules); a passthrough load balancer keeps
# the client's address.
GKE_INTERNAL_CLASS = "networking.gke.io/l4-regional-internal"


def service_exposure(service: Any, model: Any, loaded: Any) -> Any:
    """How GKE exposes a LoadBalancer Service (see the notes above)."""
    from vpclint.model import Exposure
    from vpclint.services import annotation

    kind = annotation(service, "networking.gke.io/load-balancer-type")
    if kind is None:
        kind = annotation(service, "cloud.google.com/load-balancer-type")
    if isinstance(kind, Unknown) or isinstance(service.load_balancer_class, Unknown):
        internal: Any = Unknown("the load balancer type is not known before apply")
    else:
        internal = (isinstance(kind, str) and kind.lower() == "internal") \
            or service.load_balancer_class == GKE_INTERNAL_CLASS
    global_access = annotation(service, "networking.gke.io/internal-load-balancer-allow-global-access")
    regional = internal is True and not (isinstance(global_access, Unknown)
                                         or (isinstance(global_access, str) and global_access.lower() == "true"))
    return Exposure("GKE internal passthrough load balancer" if internal is True else "GKE load balancer",
                    internal=internal, keeps_client=True, ranges_where="the VPC firewall rule GKE creates",
                    node_rules_managed=True, same_region_only=regional)


def region_of(element: Any) -> Any:
    """The region of a GKE cluster or Compute instance (from its location or zone), None when not known."""
    resource = getattr(element, "resource", None)
    if resource is None:
        return None
    for key in ("location", "region", "zone"):
        value = resource.values.get(key)
        if isinstance(value, str) and value:
            return re.sub(r"-[a-z]$", "", value)
    return None
