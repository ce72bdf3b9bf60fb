"""ACK clusters and the services pods reach (ECS, RDS, Redis/KVStore,
MongoDB, PolarDB) with their whitelists; the addressing table is in the
package docstring."""

from __future__ import annotations

from typing import Any

from vpclint.model import Cluster, Endpoint, SecurityGroup, Subnet, Whitelist
from vpclint.model.build import Builder
from vpclint.providers.alibaba.common import POD_CIDR, PROVIDER, SERVICE_CIDR, WHITELIST
from vpclint.providers.common import blocks, given, id_list, partly_unknown, sole_network, text_list
from vpclint.resources import Resource
from vpclint.values import Joined, Unknown

_TERWAY = ("terway-eniip", "terway-eni", "terway-controlplane", "terway")
_DB_PORTS = {"mysql": 3306, "mariadb": 3306, "postgresql": 5432, "sqlserver": 1433, "oracle": 1521}


def adapt(b: Builder) -> None:
    _clusters(b)
    _endpoints(b)


def _plugin(v: dict) -> Any:
    """flannel, terway, or Unknown: from the addons, else from the
    plugin-specific arguments (``pod_cidr`` is Flannel's, ``pod_vswitch_ids`` Terway's)."""
    addons = v.get("addons")
    names = {str(a.get("name", "")).lower() for a in blocks(addons) if isinstance(a.get("name"), str)}
    if "flannel" in names:
        return "flannel"
    if names.intersection(_TERWAY):
        return "terway"
    if given(v.get("pod_vswitch_ids")):
        return "terway"
    if given(v.get("pod_cidr")):
        return "flannel"
    if isinstance(addons, Unknown) or partly_unknown(addons):
        return Unknown("the network plugin addon is unknown")
    return Unknown("no network plugin addon (flannel or terway-*), pod_cidr or pod_vswitch_ids")


def _clusters(b: Builder) -> None:
    masquerade = getattr(b.settings, "ack_flannel_ip_masq", True)
    unpooled: list[tuple[Cluster, Resource]] = []
    for res in b.of_type("alicloud_cs_managed_kubernetes", "alicloud_cs_kubernetes"):
        v = res.values
        plugin = _plugin(v)
        cluster = Cluster(res.address, res, provider=PROVIDER,
                          network_model=plugin if isinstance(plugin, str) else "")
        if plugin == "terway":
            cluster.pod_addressing = "subnet"
            cluster.pod_subnets = _subnets(b, res, "pod_vswitch_ids")
            if not cluster.pod_subnets:  # the pods' vSwitches come from elsewhere (eni-config)
                cluster.pod_addressing = Unknown("Terway without pod_vswitch_ids this configuration holds")
        elif plugin == "flannel":
            cluster.pod_addressing = "node" if masquerade is not False else "routed"
            if given(v.get("pod_cidr")):
                cluster.container_cidrs = [b.cidr(cluster, "pod_cidr", "container", v.get("pod_cidr"), POD_CIDR)]
            else:
                b.note(res, "pod_cidr", "not set: assigned by ACK at creation")
        else:
            cluster.pod_addressing = plugin
        if given(v.get("service_cidr")):
            cluster.service_cidrs = [b.cidr(cluster, "service_cidr", "service", v.get("service_cidr"), SERVICE_CIDR)]
        # worker_vswitch_ids hold the nodes; a managed cluster's vswitch_ids
        # are its control plane's, its nodes those of its node pools
        cluster.cluster_subnets = _subnets(b, res, "vswitch_ids") or _subnets(b, res, "master_vswitch_ids")
        cluster.node_subnets = _subnets(b, res, "worker_vswitch_ids")
        if not given(v.get("worker_vswitch_ids")):
            unpooled.append((cluster, res))
        group = b.resolve(v.get("security_group_id"), res, "security_group_id") \
            if given(v.get("security_group_id")) else None
        if isinstance(group, SecurityGroup):
            cluster.node_security_groups.append(group)
        b.model.clusters.append(b.register(cluster, v.get("name")))
    pooled: set[int] = set()
    for res in b.of_type("alicloud_cs_kubernetes_node_pool"):
        cluster = b.resolve(res.values.get("cluster_id"), res, "cluster_id")
        if not isinstance(cluster, Cluster):
            continue
        if id(cluster) not in pooled:  # the node pools hold the nodes; the cluster's vSwitches its control plane
            pooled.add(id(cluster))
            cluster.node_subnets = []
        for subnet in _subnets(b, res, "vswitch_ids"):
            if subnet not in cluster.node_subnets:
                cluster.node_subnets.append(subnet)
        groups = [*id_list(res.values.get("security_group_ids")), res.values.get("security_group_id")]
        for group in b.resolve_all([g for g in groups if given(g)], res, "security_group_ids"):
            if isinstance(group, SecurityGroup) and group not in cluster.node_security_groups:
                cluster.node_security_groups.append(group)
    for cluster, res in unpooled:
        if id(cluster) not in pooled:
            b.note(res, "node_pools", "the nodes are in node pools this configuration does not hold")
    for cluster in b.model.clusters:
        if cluster.provider == PROVIDER:
            cluster.network = sole_network([*cluster.node_subnets, *cluster.pod_subnets, *cluster.cluster_subnets])


def _subnets(b: Builder, res: Resource, attribute: str) -> list[Subnet]:
    return [s for s in b.resolve_all(res.values.get(attribute), res, attribute) if isinstance(s, Subnet)]


def _endpoints(b: Builder) -> None:
    for res in b.of_type("alicloud_instance"):
        _endpoint(b, res, "instance", res.values.get("security_groups"), [])
    for res in b.of_type("alicloud_db_instance"):
        v = res.values
        engine = str(v.get("engine", "")).lower()
        port = _port(v.get("port"), _DB_PORTS.get(engine))
        endpoint = _endpoint(b, res, "database", None, port)
        _whitelist(b, endpoint, "security_ips", v.get("security_ips"),
                   extra=v.get("modify_mode") == "Append" or given(v.get("security_group_ids")))
    for res in b.of_type("alicloud_kvstore_instance"):
        v = res.values
        port = 11211 if str(v.get("instance_type", "Redis")).lower() == "memcache" else 6379
        endpoint = _endpoint(b, res, "cache", None, _port(v.get("port"), port))
        _whitelist(b, endpoint, "security_ips", v.get("security_ips"), extra=given(v.get("security_group_id")))
    for res in b.of_type("alicloud_mongodb_instance", "alicloud_mongodb_sharding_instance"):
        v = res.values
        endpoint = _endpoint(b, res, "database", None, [3717])
        entries = v.get("security_ip_list")
        groups = blocks(v.get("security_ip_groups"))
        if groups:
            entries = [*text_list(entries), *(e for g in groups for e in text_list(g.get("security_ip_list")))]
        _whitelist(b, endpoint, "security_ip_list", entries, extra=given(v.get("security_group_id")))
    for res in b.of_type("alicloud_polardb_cluster"):
        v = res.values
        endpoint = _endpoint(b, res, "database", None, [_DB_PORTS.get(str(v.get("db_type", "")).lower(), 3306)])
        entries = v.get("security_ips")
        arrays = blocks(v.get("db_cluster_ip_array"))
        if arrays:
            entries = [*text_list(entries), *(e for a in arrays for e in text_list(a.get("security_ips")))]
        _whitelist(b, endpoint, "security_ips", entries, extra=given(v.get("security_group_ids")))


def _port(value: Any, default: int | None) -> list[int]:
    """A configured port (a number or a numeric string), else the engine's default."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, str) and value.isdigit():
        return [int(value)]
    return [default] if default is not None else []


def _endpoint(b: Builder, res: Resource, kind: str, groups: Any, ports: list[int]) -> Endpoint:
    """A service in its vSwitch (the first of a comma-separated list)."""
    v = res.values
    switches = id_list(v.get("vswitch_id")) if isinstance(v.get("vswitch_id"), (str, Joined)) else [v.get("vswitch_id")]
    subnet = b.resolve(switches[0], res, "vswitch_id") if switches and given(switches[0]) else None
    endpoint = Endpoint(res.address, res, kind=kind, subnet=subnet if isinstance(subnet, Subnet) else None,
                        ports=ports)
    endpoint.security_groups = [g for g in b.resolve_all(groups, res, "security_groups")
                                if isinstance(g, SecurityGroup)]
    endpoint.network = endpoint.subnet.network if endpoint.subnet else None
    if endpoint.network is None and given(v.get("vpc_id")):
        endpoint.network = b.resolve(v.get("vpc_id"), res, "vpc_id")
    b.model.endpoints.append(b.register(endpoint))
    return endpoint


def _whitelist(b: Builder, endpoint: Endpoint, attribute: str, entries: Any, extra: Any) -> None:
    """The service's IP whitelist, when the configuration sets one (``extra``:
    others may admit more — entries appended to what exists, or ECS
    security groups whose members are admitted)."""
    if not given(entries) and not isinstance(entries, Unknown):
        return
    whitelist = Whitelist(endpoint.address, endpoint.resource)
    whitelist.entries = b.cidrs(whitelist, attribute, "whitelist", entries, WHITELIST, single_address=True)
    if extra:
        whitelist.entries.append(b.cidr(whitelist, attribute, "whitelist", Unknown(
            "the service also admits addresses this configuration does not list (Append mode or ECS security "
            "groups)")))
    endpoint.whitelist = whitelist


# --- Kubernetes Services on ACK: the CLB a LoadBalancer Service gets -------------------------------------------
# The cloud controller manager (CCM) reads service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type
# (the older prefix service.beta.kubernetes.io/alicloud- still works): "intranet" is an internal-facing CLB, in the
# cluster's VPC; "internet", the default, an internet-facing one. Values are case-sensitive (alibabacloud.com/help/
# en/ack/ack-managed-and-ack-dedicated/user-guide/add-annotations-to-the-yaml-file-of-a-service-to-configure-clb-
# instances, "Create an internal-facing CLB instance", CCM 1.9.3+). Access control is documented through the
# ...-loadbalancer-acl-* annotations, not loadBalancerSourceRanges; and what reaches the backends (nodes, or pods'
# ENIs with Terway) from which addresses, under which security-group rules, is not modelled here: both unknown.
_ACK = ("service.beta.kubernetes.io/alibaba-cloud-", "service.beta.kubernetes.io/alicloud-")


def service_exposure(service: Any, model: Any, loaded: Any) -> Any:
    """How ACK's CCM exposes a LoadBalancer Service through a CLB (see the notes above)."""
    from vpclint.model import Exposure
    from vpclint.services import annotation

    kind = next((found for found in (annotation(service, prefix + "loadbalancer-address-type") for prefix in _ACK)
                 if found is not None), "internet")
    if isinstance(kind, Unknown):
        internal: Any = kind
    elif kind in ("intranet", "internet"):
        internal = kind == "intranet"
    else:
        internal = Unknown(f"loadbalancer-address-type {kind!r} is neither intranet nor internet")
    return Exposure("ACK internal CLB" if internal is True else "ACK CLB", internal=internal,
                    keeps_client=Unknown("which backends (nodes or Terway pod ENIs) the CLB forwards to, from which "
                                         "addresses, is not modelled for ACK"),
                    ranges_enforced=Unknown("ACK documents CLB access control through the loadbalancer-acl-* "
                                            "annotations, not loadBalancerSourceRanges"),
                    ranges_where="the CLB")
