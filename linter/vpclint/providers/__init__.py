"""Provider adapters: one module per cloud, each mapping its resources to the model.

Adding a provider means adding a module here (``adapt``, ``PROVIDER``,
``SNIPPETS``, ``DATA_SOURCES``, ``ATTRIBUTE_TYPES``) and listing it in
``_PROVIDERS``; rules never change.
"""

from __future__ import annotations

import re
from typing import Iterable

from vpclint.model import Element
from vpclint.providers import alibaba, aws, azure, google, huaweicloud, unsupported

_PROVIDERS = (huaweicloud, aws, google, azure, alibaba)
ADAPTERS = (*(module.adapt for module in _PROVIDERS), unsupported.adapt)
_SNIPPETS = {module.PROVIDER: module.SNIPPETS for module in _PROVIDERS}  # by resource type prefix
_EXPOSURES = {module.PROVIDER: module.service_exposure for module in _PROVIDERS
              if hasattr(module, "service_exposure")}
# how each data source type selects the resource it reads (vpclint.model.join)
DATA_SOURCES = {kind: selector for module in _PROVIDERS for kind, selector in module.DATA_SOURCES.items()}
# the bool and number attributes each adapter reads, by resource type (common.convert_schema_types)
ATTRIBUTE_TYPES = {kind: types for module in _PROVIDERS for kind, types in module.ATTRIBUTE_TYPES.items()}


def service_exposure(service, model, loaded):
    """How the provider of the Service's cluster exposes a LoadBalancer
    Service (a ``model.Exposure``), None for a provider vpclint has no
    Service knowledge of."""
    found = _EXPOSURES.get(service.cluster.provider)
    return found(service, model, loaded) if found is not None else None


def snippet(element: Element, kind: str, **fields: str) -> str | None:
    """The HCL that fixes a finding about ``element``, in its provider's terms.

    ``fields`` fill the provider's template; a ``name`` for a new resource is
    derived from the element's name when not given.
    """
    if element.resource is None:
        return None
    written = element.resource.written_as or element.resource.type  # azapi bodies get no azurerm HCL
    template = _SNIPPETS.get(written.split("_", 1)[0], {}).get(kind)
    if template is None:
        return None
    fields.setdefault("name", re.sub(r"[^a-z0-9_]+", "_", element.resource.name.lower()) + "_pods")
    fields.setdefault("address", element.resource.address)
    return template.format(**fields)


def route_fix(table: Element, destinations: Iterable[str], peering: Element) -> str:
    """HCL adding a route for each of ``destinations`` through ``peering`` to
    ``table`` (in words where the provider has no snippet).

    A table that is a resource of its own gets a route in it; a VPC's
    implicit main/default table gets a standalone route resource.
    """
    owner, via = table.terraform_address, peering.terraform_address
    kind, where = ("route", {"table": owner}) if table.address == owner else ("default_route", {"network": owner})
    return "\n".join(snippet(table, kind, destination=destination, peering=via, **where)
                     or f"a route for {destination} through {via}" for destination in destinations)
