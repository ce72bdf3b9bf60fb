"""A firewall that forwards between networks and whose policy decides: Azure
Firewall in a hub VNet, as a transit ``Hub`` of kind "firewall" with a
``FirewallPolicy`` (``Hub.policy``).

Unlike a security group, a firewall rule names both ends of a flow (its
sources and its destinations); rules are tried in ``rules`` order and the
first that matches decides; what no rule matches is denied (Azure Firewall:
learn.microsoft.com/azure/firewall-manager/rule-processing). A rule that may
or may not match — by FQDN, an IP group, an application rule, a value not
known before apply — is ``vague``: the flows it could take are unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vpclint.model import Cidr, Element


@dataclass(eq=False)
class FirewallRule(Element):
    action: str = "allow"  # allow / deny
    protocols: Any = ("all",)  # a tuple of all/tcp/udp/icmp, or Unknown
    ports: Any = None  # list[PortRange]; None = all ports; Unknown
    sources: list[Cidr] = field(default_factory=list)
    any_source: bool = False
    destinations: list[Cidr] = field(default_factory=list)
    any_destination: bool = False
    vague: bool = False  # it may match flows its addresses do not show


@dataclass(eq=False)
class FirewallPolicy(Element):
    rules: list[FirewallRule] = field(default_factory=list)  # in processing order
    # False when rules may exist that the model cannot see: what no rule
    # matches is then unknown, not denied
    complete: bool = True
