"""What every hub adapter does the same way: resolve a hub's tables and
attachments (a peering attachment has one side per hub), record
associations, propagations and static routes, and say what could not be
resolved. Provider facts (names of attributes, defaults) stay in the
adapters; see ``vpclint.model.transit`` for the model they fill.
"""

from __future__ import annotations

from typing import Any

from vpclint.model import Attachment, CidrLimits, Hub, HubRoute, HubRouteTable
from vpclint.model.build import Builder
from vpclint.resources import Resource
from vpclint.values import Ref, Unknown

RANGE = CidrLimits("hub route destination")


class HubMapper:
    """One adapter's hubs while it maps them."""

    def __init__(self, b: Builder, provider: str, types: tuple[str, ...]):
        self.b = b
        self.provider = provider
        # resources whose number of instances is unknown: the hubs' contents are partly known
        self.partial = bool(b.uncounted.intersection(types))
        self._implicit: dict[int, HubRouteTable] = {}
        self._table_ids: dict[str, HubRouteTable] = {}

    def hub(self, res: Resource, kind: str) -> Hub:
        hub = Hub(res.address, res, provider=self.provider, kind=kind, managed=res.mode == "managed",
                  complete=not self.partial)
        self.b.model.hubs.append(self.b.register(hub))
        return hub

    def implicit_table(self, hub: Hub, *ids: Any) -> HubRouteTable:
        """The hub's default table that no resource of its own declares (its
        resource is the hub's), created once; ``ids`` are its known ids."""
        table = self._implicit.get(id(hub))
        if table is None:
            table = HubRouteTable(f"{hub.address} (default route table)", hub.resource, hub=hub,
                                  complete=not self.partial)
            self._implicit[id(hub)] = table
            self.b.model.hub_route_tables.append(table)
        for id_ in ids:
            if isinstance(id_, str) and id_:
                self._table_ids[id_] = table
        return table

    def table(self, res: Resource, hub: Any) -> HubRouteTable:
        """A route table resource of ``hub`` (its hub None when not known)."""
        table = HubRouteTable(res.address, res, hub=hub if isinstance(hub, Hub) else None, complete=not self.partial)
        self.b.model.hub_route_tables.append(self.b.register(table))
        return table

    def attachment(self, res: Resource, hub: Any, kind: str, **fields: Any) -> Attachment:
        attachment = Attachment(res.address, res, hub=hub if isinstance(hub, Hub) else None, kind=kind, **fields)
        self.b.model.attachments.append(self.b.register(attachment))
        return attachment

    # -- links ----------------------------------------------------------------------------
    def find_table(self, value: Any, res: Resource, attribute: str) -> Any:
        """The hub table ``value`` names: a table, Unknown, or None when absent.

        A reference to a hub itself (``tgw.association_default_route_table_id``)
        names its implicit default table.
        """
        if value is None or value == "":
            return None
        if isinstance(value, str) and value in self._table_ids:
            return self._table_ids[value]
        found = self.b.resolve(value, res, attribute)
        if isinstance(found, HubRouteTable):
            return found
        if isinstance(found, Hub):
            return self.implicit_table(found)
        return self._unknown(res, attribute, "names a hub route table not known here")

    def find_attachment(self, value: Any, res: Resource, attribute: str, hub: Hub | None) -> Any:
        """The attachment ``value`` names on ``hub`` (the side of a peering
        attachment that belongs to it): an attachment, or Unknown."""
        found = self.b.resolve(value, res, attribute)
        if isinstance(found, Attachment):
            if hub is None or found.hub is hub or found.hub is None:
                return found
            if found.peer is not None and found.peer.hub is hub:
                return found.peer
            return self._unknown(res, attribute, f"{found.address} is not an attachment of {hub.address}")
        return self._unknown(res, attribute, "names a hub attachment not known here")

    def _unknown(self, res: Resource, attribute: str, reason: str) -> Unknown:
        """An unresolvable link: unknown, and said so under ``unknowns``
        (an unknown value was noted when it was resolved)."""
        if not isinstance(res.values.get(attribute), Unknown) or isinstance(res.values.get(attribute), Ref):
            self.b.note(res, attribute, reason)
        return Unknown(f"{attribute} {reason}")

    def associate(self, res: Resource, attachment_value: Any, table_value: Any,
                  attributes: tuple[str, str]) -> None:
        """An association resource: ``attachment`` forwards by ``table``."""
        table = self.find_table(table_value, res, attributes[1])
        hub = table.hub if isinstance(table, HubRouteTable) else None
        attachment = self.find_attachment(attachment_value, res, attributes[0], hub)
        if isinstance(attachment, Attachment):
            attachment.association = table if table is not None else Unknown(f"{res.address} names no table")
        elif hub is not None:
            hub.complete = False  # an attachment of this hub, not known which, uses the table

    def propagate(self, res: Resource, attachment_value: Any, table_value: Any,
                  attributes: tuple[str, str]) -> None:
        """A propagation resource: ``attachment`` teaches ``table`` its ranges."""
        table = self.find_table(table_value, res, attributes[1])
        hub = table.hub if isinstance(table, HubRouteTable) else None
        attachment = self.find_attachment(attachment_value, res, attributes[0], hub)
        if isinstance(attachment, Attachment):
            attachment.propagations.append(table if table is not None else Unknown(f"{res.address} names no table"))
        elif isinstance(table, HubRouteTable):
            table.complete = False  # something, not known what, propagates into it

    def static_route(self, res: Resource, table_value: Any, destination: Any, attachment_value: Any,
                     blackhole: Any, attributes: tuple[str, str, str]) -> HubRoute | None:
        """A static route resource (or block): to an attachment, or a blackhole."""
        table = self.find_table(table_value, res, attributes[0])
        if not isinstance(table, HubRouteTable):
            for hub in self.b.model.hubs:
                if hub.provider == self.provider:
                    hub.complete = False  # a route in a table this model cannot place
            return None
        route = HubRoute(res.address, res)
        route.destination = self.b.cidr(route, attributes[1], "route", destination, RANGE)
        if blackhole is True:
            route.target_kind = "blackhole"
        elif isinstance(blackhole, Unknown):
            route.target_kind, route.target = "unknown", blackhole
        else:
            target = self.find_attachment(attachment_value, res, attributes[2], table.hub)
            route.target_kind = "attachment" if isinstance(target, Attachment) else "unknown"
            route.target = target
        table.routes.append(route)
        return route
