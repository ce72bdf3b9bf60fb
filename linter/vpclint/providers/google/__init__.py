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

from vpclint.model.build import Builder
from vpclint.providers.google.base import ATTRIBUTE_TYPES, DATA_SOURCES, PROVIDER, SNIPPETS, State
from vpclint.providers.google.clusters import map_clusters, region_of, service_exposure
from vpclint.providers.google.network import (
    exchange_routes, map_firewalls, map_networks, map_peerings, map_routes, map_subnets,
)
from vpclint.providers.google.services import map_endpoints
from vpclint.providers.google.transit import map_hubs

__all__ = ["ATTRIBUTE_TYPES", "DATA_SOURCES", "PROVIDER", "SNIPPETS", "adapt", "region_of", "service_exposure"]


def adapt(b: Builder) -> None:
    st = State(b)
    map_networks(b, st)
    map_subnets(b, st)
    map_peerings(b, st)
    map_routes(b, st)
    map_firewalls(b, st)
    map_clusters(b, st)
    exchange_routes(b, st)
    map_endpoints(b, st)
    map_hubs(b, st)
