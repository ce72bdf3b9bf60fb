"""Transit hubs: AWS transit gateways, Huawei Enterprise Routers, Azure
virtual hubs, GCP NCC hubs, Alibaba CEN transit routers — one model.

A hub forwards between its attachments. Routing through it is two lookups
(AWS tgw-transit-gateways, Huawei er_01_0030/er_01_0035, Azure
about-virtual-hub-routing, Alibaba AssociateTransitRouterAttachmentWithRouteTable):

* **association** picks the one hub route table that forwards traffic
  *arriving from* an attachment;
* **propagation** installs an attachment's prefixes *into* tables; static
  routes (to an attachment, or blackhole) sit beside them and win on an
  equal prefix.

How an adapter fills it (one adapter per provider; nothing here names a
resource type):

1. One ``Hub`` per hub resource, in ``model.hubs``, registered by id. Its
   ``default_association`` / ``default_propagation`` say where attachments
   that ask for the defaults go: the table, ``None`` when the hub has no
   default (AWS ``default_route_table_association = "disable"``, Huawei
   ``enable_default_association = false``), or ``Unknown``.
2. One ``HubRouteTable`` per table, in ``model.hub_route_tables``; an
   implicit default table (AWS's, Azure's ``defaultRouteTable``) is a table
   whose resource is the hub's. Static routes are ``HubRoute``s in
   ``table.routes``: ``target_kind`` "attachment" (``target`` the
   ``Attachment``), "blackhole", or "unknown" (a next hop vpclint does not
   follow — a firewall, a VPN — or an id it cannot resolve: ``target`` then
   holds the id or an ``Unknown``). Propagated routes are never stored: the
   analysis derives them from the propagations.
3. One ``Attachment`` per attachment, in ``model.attachments``, registered
   by id. ``kind`` is "vpc" (with ``network`` and ``subnets``), "peering"
   (hub to hub: one ``Attachment`` per side, each on its own ``hub``, linked
   by ``peer``), "vpn" or "other" (both unmodelled: paths through them are
   unknown). ``association`` is an explicit association (a table, or
   ``Unknown``); without one, ``associate_default`` (True, False or
   ``Unknown``) says whether the hub's default association applies.
   ``propagations`` are explicit propagations (tables, or ``Unknown`` for one
   that cannot be resolved); ``propagate_default`` likewise. What a
   propagation teaches is ``exports``: "network" (the network's CIDRs,
   primary and secondary — never a container CIDR: TGW, ER, vWAN, CEN),
   "subnets" (every subnet range of the network, secondary ranges such as
   GKE pod ranges included: an NCC VPC spoke), "none" (an AWS TGW peering:
   static routes only) or "unknown"; ``export_include`` (None: everything)
   and ``export_exclude`` filter it (NCC ``include_export_ranges`` /
   ``exclude_export_ranges``).
   ``installs_routes`` is True where the hub writes what the associated
   table holds into the network's routing (Azure vWAN connections, NCC
   spokes): the network then sends those destinations to the hub without a
   route of its own.
4. A VPC route whose next hop is a hub is a ``Route`` with ``target_kind``
   "transit" and ``target`` the ``Hub`` (or the id string / ``Unknown`` when
   it cannot be resolved: the path is then unknown there).
5. ``Hub.complete`` (and ``HubRouteTable.complete``) is False when
   attachments, associations, propagations or routes may exist that the
   model cannot place (a count that is unknown, a table id that does not
   resolve): a route that seems missing may then exist.

``vpclint.model.build`` links back (``hub.attachments``,
``hub.route_tables``, ``network.attachments``). ``vpclint.providers.hubs``
(``HubMapper``) does the resolving every adapter needs: tables (a reference
to the hub itself names its implicit default table), the side of a peering
attachment on a given hub, associations, propagations, static routes, and
notes for ``unknowns`` when a link does not resolve. An attachment whose
state is "pending" says why in ``missing`` and gives the HCL that completes
it in ``remedy``. The walk over all this is ``vpclint.analysis.transit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vpclint.model import Cidr, Element, Network, Subnet


@dataclass(eq=False)
class Hub(Element):
    """A transit hub: forwards between attachments by its route tables."""

    provider: str = ""
    kind: str = ""  # transit_gateway, enterprise_router, virtual_hub, ncc_hub, transit_router
    managed: bool = True
    attachments: list["Attachment"] = field(default_factory=list)
    route_tables: list["HubRouteTable"] = field(default_factory=list)
    # the table an attachment asking for the default is associated with /
    # propagates into: a HubRouteTable, None (no default) or Unknown
    default_association: Any = None
    default_propagation: Any = None
    complete: bool = True
    # kind "firewall": the FirewallPolicy that decides what it forwards
    # (vpclint.model.firewall); None for a hub that filters nothing
    policy: Any = None


@dataclass(eq=False)
class HubRouteTable(Element):
    hub: Hub | None = None
    routes: list["HubRoute"] = field(default_factory=list)  # static routes only
    complete: bool = True


@dataclass(eq=False)
class HubRoute(Element):
    """A static route of a hub table (propagated ones are derived, never stored)."""

    destination: Cidr | None = None
    target_kind: str = "attachment"  # attachment, blackhole, unknown
    target: Any = None  # the Attachment; else an id string or Unknown


@dataclass(eq=False)
class Attachment(Element):
    """One of a hub's attachments: a network, a peering to another hub, a VPN, ..."""

    hub: Hub | None = None
    kind: str = "vpc"  # vpc, peering, vpn, other
    network: Network | None = None
    subnets: list[Subnet] = field(default_factory=list)
    # kind "peering": this side's counterpart on the other hub
    peer: "Attachment | None" = None
    # "active", "pending" (an accepter is missing), or Unknown; with
    # "pending": what keeps it so, in words, and the HCL that completes it
    state: Any = "active"
    missing: str = ""
    remedy: str = ""
    association: Any = None  # explicit: a HubRouteTable or Unknown; None = not given
    associate_default: Any = True  # True, False or Unknown
    propagations: list[Any] = field(default_factory=list)  # HubRouteTables, Unknown for one not resolved
    propagate_default: Any = True
    exports: str = "network"  # network, subnets, none, unknown
    export_include: list[Cidr] | None = None
    export_exclude: list[Cidr] = field(default_factory=list)
    installs_routes: bool = False
