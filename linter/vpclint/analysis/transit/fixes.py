"""The HCL that fixes a hub failure: a static route in a hub table, a
route to the hub in a VPC table (in words where the provider has none)."""

from __future__ import annotations

import re
import weakref
from typing import Any

from netaddr import IPSet

from vpclint.analysis.index import BlockIndex
from vpclint.analysis.transit.tables import connected, exported, holds
from vpclint.model import Attachment, Hub, HubRouteTable, Network, RouteTable
from vpclint.providers import snippet


def owner(hub: Hub, part: IPSet) -> Network | None:
    """The network attached to ``hub`` (or to a hub it peers with) whose
    CIDRs or clusters' container CIDRs hold ``part``: the first in attachment
    order, among those whose ranges meet ``part`` (an index, not a pass over
    thousands of spokes for every missing route)."""
    index, owners = _owners(hub)
    candidates = sorted(set(index.overlapping(part.iter_cidrs())))
    for position in candidates:
        network, ranges = owners[position]
        if not part - ranges:
            return network
    return None


_owner_index: "weakref.WeakKeyDictionary[Hub, tuple]" = weakref.WeakKeyDictionary()


def _owners(hub: Hub) -> tuple[BlockIndex, list[tuple[Network, IPSet]]]:
    """The ranges of each network attached to ``hub`` and the hubs it peers
    with, by block; built once per hub of a finished model."""
    hubs = [hub] + [a.peer.hub for a in hub.attachments if a.kind == "peering" and a.peer and a.peer.hub]
    signature = tuple(len(each.attachments) for each in hubs)
    cached = _owner_index.get(hub)
    if cached is not None and cached[0] == signature:
        return cached[1]
    index, owners = BlockIndex(), []
    for each in hubs:
        for attachment in each.attachments:
            network = attachment.network
            if network is None:
                continue
            ranges = [c.range for c in network.cidrs if c.net is not None]
            ranges += [c.range for cluster in network.clusters for c in cluster.container_cidrs if c.net is not None]
            if not ranges:
                continue
            for block in ranges:
                index.add(block, len(owners))
            owners.append((network, IPSet(ranges)))
    _owner_index[hub] = (signature, (index.freeze(), owners))
    return index, owners


def toward(hub: Hub, goal: Network | None) -> Attachment | None:
    """The attachment of ``hub`` that leads to ``goal``: its own attachment
    of the network, else a peering attachment whose other hub has one."""
    if goal is None:
        return None
    for attachment in hub.attachments:
        if attachment.kind == "vpc" and attachment.network is goal:
            return attachment
    for attachment in hub.attachments:
        peer = attachment.peer if attachment.kind == "peering" else None
        if peer is not None and peer.hub is not None and any(
                a.kind == "vpc" and a.network is goal for a in peer.hub.attachments):
            return attachment
    return None


def hub_route_fix(table: HubRouteTable, destinations: list[str], attachment: Attachment | None) -> str:
    """HCL for a static route in ``table`` to ``attachment`` (words where the provider has none)."""
    if attachment is None:
        return "\n".join(f"a static route for {d} in {table.address} to the attachment that leads there"
                         for d in destinations)
    implicit = table.address != table.terraform_address
    kind, where = ("hub_default_route", {"hub": table.terraform_address}) if implicit else \
        ("hub_route", {"table": table.terraform_address})
    return "\n".join(snippet(table, kind, destination=d, attachment=attachment.terraform_address,
                             name=_route_name(table, d), **where)
                     or f"a static route for {d} in {table.address} to {attachment.address}" for d in destinations)


def _route_name(table: Any, destination: str) -> str:
    """A resource name for a new route: ``<table>_to_10_1_0_0_16``."""
    base = table.resource.name if table.resource is not None else "hub"
    return re.sub(r"[^a-z0-9_]+", "_", f"{base}_to_{destination}".lower())


def vpc_hub_route_fix(table: RouteTable, destinations: list[str], hub: Hub) -> str:
    """HCL for a route in a VPC table sending ``destinations`` to ``hub``."""
    owner = table.terraform_address
    kind, where = ("hub_vpc_route", {"table": owner}) if table.address == owner else \
        ("hub_vpc_default_route", {"network": owner})
    return "\n".join(snippet(table, kind, destination=d, hub=hub.terraform_address, name=_route_name(table, d),
                             **where)
                     or f"a route for {d} to {hub.address} in {table.address}" for d in destinations)


def hub_fix(hub: Hub, table: HubRouteTable, part: IPSet, goal: Network | None = None) -> str:
    """What adds ``part`` to ``table``: dropping the export filter that keeps
    it out (an NCC spoke's), else a static route to the attachment that leads
    there; when no attachment leads there and ``goal`` (the network the path
    is for) holds ``part`` but is attached to no hub of this one's, attaching it."""
    filtered = _filtered(hub, part)
    if filtered:
        return "\n".join(f"remove {r} from the export filters of {a.terraform_address} (it exports no route "
                         f"to {r})" for a, r in filtered)
    leads = toward(hub, owner(hub, part))
    if leads is None and goal is not None:
        attach = attach_fix(hub, table, goal, part)
        if attach is not None:
            return attach
    return hub_route_fix(table, [str(c) for c in part.iter_cidrs()], leads)


def attach_fix(hub: Hub, table: HubRouteTable, goal: Network, part: IPSet) -> str | None:
    """HCL attaching ``goal`` to ``hub`` so that ``table`` learns it (words
    where the provider has no snippet); None unless ``goal`` holds ``part``
    and no hub connected with ``hub`` has it attached."""
    held = holds(goal)
    if held is None or part - held:
        return None
    hubs = connected(hub)
    if any(a.hub is each for a in goal.attachments for each in hubs):
        return None
    default = table.address != table.terraform_address  # the hub's implicit default table
    name = re.sub(r"[^a-z0-9_]+", "_", f"{goal.resource.name if goal.resource else goal.name}_to_"
                                      f"{hub.resource.name if hub.resource else 'hub'}".lower())
    kind, where = ("hub_attachment", {}) if default else ("hub_attachment_table", {"table": table.terraform_address})
    return snippet(hub, kind, hub=hub.terraform_address, network=goal.terraform_address, name=name, **where) or (
        f"attach {goal.terraform_address} to {hub.terraform_address} (it has no attachment there) and propagate "
        f"it into {table.address}")


def _filtered(hub: Hub, part: IPSet) -> list[tuple[Attachment, str]]:
    """The attachments of ``hub`` whose export filters drop ranges of ``part``
    their network holds (an NCC spoke's exclude/include_export_ranges)."""
    found = []
    for attachment in hub.attachments:
        if attachment.network is None or (attachment.export_include is None and not attachment.export_exclude):
            continue
        unfiltered = Attachment(attachment.address, attachment.resource, hub=hub, network=attachment.network,
                                exports=attachment.exports, state=attachment.state)
        everything, kept = exported(unfiltered), exported(attachment)
        if everything is None or kept is None:
            continue
        found.extend((attachment, str(r)) for r in (everything - kept).iter_cidrs() if IPSet([r]) & part)
    return found
