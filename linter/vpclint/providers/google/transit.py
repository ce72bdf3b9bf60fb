"""Network Connectivity Center hubs and spokes."""

from __future__ import annotations

from typing import Any

from vpclint.model import Network
from vpclint.model.build import Builder
from vpclint.model.transit import Attachment, Hub, HubRouteTable
from vpclint.providers.common import first, given
from vpclint.providers.google.base import PROVIDER, RANGE, State
from vpclint.values import Ref, Unknown

_SPOKE_KINDS = (("linked_vpn_tunnels", "vpn"), ("linked_interconnect_attachments", "other"),
                ("linked_router_appliance_instances", "other"), ("linked_producer_vpc_network", "other"))


def map_hubs(b: Builder, st: State) -> None:
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
