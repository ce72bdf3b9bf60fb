"""Network resources of clouds vpclint has no adapter for.

A configuration for Tencent Cloud, Oracle or OpenStack would otherwise pass
as "No issues found." while nothing in it was modelled: each such resource
is noted under ``unknowns`` (attribute ``provider``), and the text report
names the providers on stderr.
"""

from __future__ import annotations

import re

from vpclint.model.build import Builder
from vpclint.resources import UnknownNote

ATTRIBUTE = "provider"
# the providers an adapter maps, and providers that hold no cloud network
_KNOWN = {"huaweicloud", "aws", "google", "azurerm", "azapi", "alicloud",
          "kubernetes", "helm", "null", "random", "local", "tls", "time", "external", "http", "template",
          "archive", "terraform", "cloudinit", "azuread", "github", "tfe", "vault", "datadog", "grafana"}
_REASON = "vpclint does not model its network resources, so nothing was checked for them"
# resource types (without the provider prefix) that are a network's parts
_NETWORK = re.compile(r"(^|_)(vpc|vpcs|subnet|subnets|vswitch|vnet|network|networks|networking|security_group|secgroup|"
                      r"firewall|route|routes|route_table|peering|peer|nat_gateway|kubernetes|eks|gke|aks|tke|cke|"
                      r"oke|vke|containerengine|ccn|router|vcn)($|_)")


def adapt(b: Builder) -> None:
    for type_ in b.types():
        prefix, _, rest = type_.partition("_")
        if prefix in _KNOWN or not rest or not _NETWORK.search(rest):
            continue
        for res in b.of_type(type_):
            if res.mode == "managed":  # a data source reads a network; it does not make one
                    b.note(res, ATTRIBUTE, f"the {prefix} provider is not supported: {_REASON}")


def notes(unknowns: list[UnknownNote]) -> list[UnknownNote]:
    """The notes of ``unknowns`` that are about an unsupported provider's resources."""
    return [n for n in unknowns if n.attribute == ATTRIBUTE and n.reason.endswith(_REASON)]


def providers(unknowns: list[UnknownNote]) -> list[str]:
    """The unsupported providers ``unknowns`` name, for the text report's warning."""
    return sorted({n.reason.split()[1] for n in notes(unknowns)})
