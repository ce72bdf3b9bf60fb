"""Routing as a chain of next hops, through peerings and transit hubs.

From a VPC route table: the longest prefix decides; a local route delivers
in the table's network; a peering delivers in the network at its other end;
a hub hands the packet to the route table associated with the sending
attachment, whose longest prefix (static routes, then what attachments
propagate) picks the next attachment: a network (delivered there, or
forwarded on by the route tables of the attachment's subnets), or another
hub over a peering attachment (looked up again in the table associated with
that side). Any next hop vpclint does not model (a VPN, an internet or NAT
gateway, an appliance) ends the path as unknown — never as a failure. A
missing route, a blackhole, a missing association or a loop ends it as a
failure with the element and the destination that failed.

A walk splits the destination where routes split it: each ``Leg`` is one
part with the hops it crossed and how it ended.
"""

from vpclint.analysis.transit.fixes import hub_route_fix, owner, toward, vpc_hub_route_fix  # noqa: F401
from vpclint.analysis.transit.gaps import (  # noqa: F401
    Gap, cached_gaps, gap_hub, hub_gaps, pod_gaps, sent_to_hub,
)
from vpclint.analysis.transit.tables import (  # noqa: F401
    association_of, connected, exported, hub_decide, propagation_tables,
)
from vpclint.analysis.transit.walk import MAX_HOPS, Leg, Walk, walk, walk_route  # noqa: F401
