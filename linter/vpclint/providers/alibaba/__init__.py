"""Alibaba Cloud (alicloud provider) → the network model.

Where ACK pod traffic comes from:

| network plugin (``addons``) | pod addresses | a peer in the VPC, a peered VPC or over CEN sees | the peer VPC must route back |
| --- | --- | --- | --- |
| Terway (``terway-eniip``, ``terway-eni``, ``terway-controlplane``) | ENI addresses from ``pod_vswitch_ids`` | the pod address: the pod vSwitches | the VPC CIDR (covers them); a CEN VPC connection propagates vSwitch routes |
| Flannel (``flannel``), defaults (config ``ack_flannel_ip_masq: true``) | virtual ``pod_cidr``, one VPC route entry per node (next hop the node) in the VPC's system table | the node's address: node vSwitches | the node vSwitches (the VPC CIDR covers them) |
| Flannel, config ``ack_flannel_ip_masq: false`` | the same | the pod address: ``pod_cidr`` | the pod CIDR through the peering; over CEN a published route (``alicloud_cen_route_entry``) or a static TR route, since CEN learns only system routes |

Sources. Terway: "Pod IP source: IPs assigned from VPC vSwitches"
(alibabacloud.com/help/doc-detail/86500.html, network planning); "the
client IP obtained by the external service is the IP address provided by
ENI" (alibabacloud.com/blog/setting-a-whitelist-to-specified-pod-segments-
in-terway-for-ack_597770). Flannel: the pod CIDR is virtual and the Cloud
Controller Manager keeps one route entry per node in the VPC's default route
table (alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/
work-with-flannel). Which address a peer sees is not stated on a reference
page; Alibaba's own material says the node's: "In Flannel, the access to
other services of a Pod is implemented through the node NAT" (the Terway
whitelist blog above), and the pod-IP whitelist injector page tells Flannel
users to "add the CIDR block of the cluster nodes" to RDS/Redis whitelists
(alibabacloud.com/help/en/container-service-for-kubernetes/latest/
dynamically-add-the-ip-addresses-of-pods-to-the-whitelists-of-alibaba-cloud-
services); ACK's Flannel is a fork of flannel v0.15.1, whose ``--ip-masq``
masquerades traffic leaving the pod network. That is the default here; a
cluster whose nodes do not masquerade is declared with
``ack_flannel_ip_masq: false`` in ``.vpclint.yaml``. A cluster whose plugin
cannot be told (no addon, no ``pod_cidr`` nor ``pod_vswitch_ids``, a
``dynamic`` addons block) has unknown addressing: nothing is reported from it.

Other facts kept here (aliyun/terraform-provider-alicloud ``website/docs/r``
unless stated):

- A VPC has a system route table (``alicloud_vpc.route_table_id``) serving
  vSwitches without an ``alicloud_route_table_attachment``; a route entry in
  a custom table of a vSwitch applies to that vSwitch's outbound traffic.
- ``alicloud_route_entry.nexthop_type``: ``VpcPeer`` (a peering),
  ``Attachment`` (a CEN transit router VPC connection: the route goes to its
  transit router), ``Instance``, ``HaVip``, ``NetworkInterface``,
  ``RouterInterface``, ``VpnGateway``, ``NatGateway``, ``IPv6Gateway``,
  ``Ipv4Gateway``, ``GatewayEndpoint``, ``Ecr`` — hops vpclint does not
  follow: paths through them are unknown.
- ``alicloud_vpc_peer_connection``: same-account peerings are accepted by
  the system, in any region; a cross-account one (``accepting_ali_uid`` of
  another account) is active only once the accepter account accepts it
  (``alicloud_vpc_peer_connection_accepter``) (alibabacloud.com/help/doc-
  detail/44843.html; API AcceptVpcPeerConnection). An ``accepting_ali_uid``
  read from ``data.alicloud_account`` is this account.
- Security group rules: ``priority`` 1–100, lower first, ``drop`` beats
  ``accept`` at equal priority; a basic group (``security_group_type =
  "normal"``, the default) admits its own members unless
  ``inner_access_policy = "Drop"`` (alibabacloud.com/help/en/ecs/user-guide/
  security-group-rules). The rules of all groups of an instance are merged
  and sorted together; the model takes the union of what each admits, which
  can only miss a drop in one group overriding an accept in another.
- A network ACL carries system rules the configuration does not write: its
  verdicts are unknown.
- CEN: a VPC connection propagates the VPC's system routes (vSwitch
  CIDRs); routes with next hop an ECS instance — Flannel's pod routes —
  are not propagated unless published with ``alicloud_cen_route_entry``
  (alibabacloud.com/help/doc-detail/86980.htm). A connection is in the
  transit router's system table only when asked (the deprecated
  ``route_table_*_enabled`` flags); one routed by explicit association /
  propagation resources is not, and one with neither is unknown. CEN
  without transit routers (``alicloud_cen_instance_attachment``) is a full
  mesh: every network learns the others' system routes into its tables.
- Whitelists: ``alicloud_db_instance.security_ips`` (port by engine: MySQL
  and MariaDB 3306, PostgreSQL 5432, SQL Server 1433),
  ``alicloud_kvstore_instance.security_ips`` (Redis 6379, Memcache 11211),
  ``alicloud_mongodb_instance.security_ip_list`` (3717),
  ``alicloud_polardb_cluster.security_ips`` / ``db_cluster_ip_array``
  (MySQL 3306, PostgreSQL 5432, Oracle 1521). ECS security groups named by
  a database (``security_group_ids``) admit their members too, so such a
  whitelist is undecidable here.

CIDR limits (``cidr_invalid``): VPC /8–/28 and never in 100.64.0.0/10,
224.0.0.0/4, 127.0.0.0/8 or 169.254.0.0/16 (vpc.html.markdown); vSwitch
/16–/29 (vswitch.html.markdown).
"""

from __future__ import annotations

from vpclint.model.build import Builder
from vpclint.providers.alibaba import guards, network, services
from vpclint.providers.alibaba.common import ATTRIBUTE_TYPES, DATA_SOURCES, PROVIDER, SNIPPETS
from vpclint.providers.alibaba.services import service_exposure

__all__ = ["ATTRIBUTE_TYPES", "DATA_SOURCES", "PROVIDER", "SNIPPETS", "adapt", "service_exposure"]


def adapt(b: Builder) -> None:
    network.adapt(b)
    guards.adapt(b)
    services.adapt(b)
