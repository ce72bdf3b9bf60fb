"""GKE clusters and node pools, and how GKE exposes LoadBalancer Services."""

from __future__ import annotations

import re
from typing import Any

from vpclint.model import Cidr, Cluster, Element, Network, Route, Subnet
from vpclint.model.build import Builder
from vpclint.providers.common import blocks, first, given, text_list
from vpclint.providers.google.base import MASTER_RANGE, PATH, PROVIDER, RANGE, State
from vpclint.values import Unknown

# -- clusters -------------------------------------------------------------------

def _pod_range(b: Builder, st: State, owner: Element, subnet: Subnet | None, name: Any, cidr: Any,
               attribute: str, role: str) -> list[Cidr]:
    """A GKE range given by secondary range name or by CIDR ("/14" alone: GKE picks)."""
    if given(name):
        if isinstance(name, str) and subnet is not None and (id(subnet), name) in st.secondary:
            found = st.secondary[(id(subnet), name)]
            found.role = role  # the secondary range is this cluster's pod / service range
            return [found]
        reason = (f"secondary range {name!r} of the subnetwork is not known here" if isinstance(name, str)
                  else "the secondary range name is unknown")
        return [b.cidr(owner, attribute, role, Unknown(reason))]
    if given(cidr):
        if isinstance(cidr, str) and cidr.strip().startswith("/"):
            return [b.cidr(owner, attribute, role, Unknown(f"GKE chooses a {cidr} range"))]
        return [b.cidr(owner, attribute, role, cidr, RANGE)]
    return []


def node_labels(config: Any) -> Any:
    """The firewall target labels of nodes with ``node_config``; Unknown if unknown."""
    config = first(config)
    if isinstance(config, Unknown):
        return config
    labels = set()
    tags = config.get("tags") if isinstance(config, dict) else None
    if isinstance(tags, Unknown) or any(isinstance(t, Unknown) for t in text_list(tags)):
        return Unknown("node tags are unknown")
    labels.update(f"tag:{t}" for t in text_list(tags))
    account = config.get("service_account") if isinstance(config, dict) else None
    if isinstance(account, Unknown):
        return account
    if isinstance(account, str) and account:
        labels.add(f"sa:{account}")
    return labels


def map_clusters(b: Builder, st: State) -> None:
    clusters: dict[str, tuple[Cluster, Subnet | None]] = {}
    cluster_labels: dict[int, Any] = {}
    for res in b.of_type("google_container_cluster"):
        v = res.values
        location = v.get("location")
        subnet = st.link("subnetworks", v.get("subnetwork"), res, "subnetwork", region=location)
        subnet = subnet if isinstance(subnet, Subnet) else None
        net = st.link("networks", v.get("network") if given(v.get("network")) else "default", res, "network")
        net = net if isinstance(net, Network) else (subnet.network if subnet is not None else None)
        policy = first(v.get("ip_allocation_policy"))
        mode = v.get("networking_mode")
        if isinstance(mode, Unknown) or isinstance(policy, Unknown):
            native: Any = Unknown("networking_mode is unknown")
        elif res.mode == "data" and not isinstance(mode, str):
            native = Unknown("an existing cluster read through a data source")
        elif isinstance(mode, str) and mode:
            native = mode.upper() == "VPC_NATIVE"
        else:
            # an ip_allocation_policy makes a cluster VPC-native; cluster_ipv4_cidr
            # alone works only for routes-based ones; new clusters default to VPC-native
            native = bool(policy) or v.get("enable_autopilot") is True or not given(v.get("cluster_ipv4_cidr"))
        cluster = Cluster(res.address, res, provider=PROVIDER, network=net,
                          network_model=("VPC_NATIVE" if native else "ROUTES") if isinstance(native, bool) else "")
        cluster.pod_addressing = "routed" if isinstance(native, bool) else native
        cluster.peer_addressing = cluster.pod_addressing
        if subnet is not None:
            cluster.node_subnets.append(subnet)
        if native is True:
            policy = policy if isinstance(policy, dict) else {}
            cluster.container_cidrs = _pod_range(
                b, st, cluster, subnet, policy.get("cluster_secondary_range_name"),
                policy.get("cluster_ipv4_cidr_block"), "ip_allocation_policy.cluster_ipv4_cidr_block", "container")
            extra = first(policy.get("additional_pod_ranges_config"))
            for name in text_list(extra.get("pod_range_names") if isinstance(extra, dict) else None):
                cluster.container_cidrs += _pod_range(b, st, cluster, subnet, name, None,
                                                      "additional_pod_ranges_config.pod_range_names", "container")
            cluster.service_cidrs = _pod_range(
                b, st, cluster, subnet, policy.get("services_secondary_range_name"),
                policy.get("services_ipv4_cidr_block"), "ip_allocation_policy.services_ipv4_cidr_block", "service")
            if not cluster.container_cidrs:
                b.note(res, "ip_allocation_policy", "GKE creates the pod range at apply time")
        elif native is False:
            if given(v.get("cluster_ipv4_cidr")):
                cluster.container_cidrs = [b.cidr(cluster, "cluster_ipv4_cidr", "container",
                                                  v.get("cluster_ipv4_cidr"), RANGE)]
                if net is not None and b.default_table(net) is not None:
                    # GKE adds a custom route per node for its part of the range
                    route = Route(res.address, res, destination=cluster.container_cidrs[0],
                                  target_kind="instance", target="GKE nodes")
                    b.default_table(net).routes.append(route)
                    st.custom[id(net)].append(route)
            else:
                b.note(res, "cluster_ipv4_cidr", "not set: GKE picks the pod range at creation")
        private = first(v.get("private_cluster_config"))
        if isinstance(private, dict) and given(private.get("master_ipv4_cidr_block")):
            b.cidr(cluster, "private_cluster_config.master_ipv4_cidr_block", "master",
                   private.get("master_ipv4_cidr_block"), MASTER_RANGE)
        labels = node_labels(v.get("node_config"))
        for pool in blocks(v.get("node_pool")):
            labels = _merge(labels, node_labels(pool.get("node_config")))
            _pool_ranges(b, st, cluster, subnet, Element(res.address, res), pool.get("network_config"))
        cluster_labels[id(cluster)] = labels
        b.model.clusters.append(b.register(cluster))
        if isinstance(v.get("name"), str):
            clusters[v["name"]] = (cluster, subnet)
    for res in b.of_type("google_container_node_pool"):
        v = res.values
        found = b.resolve(v.get("cluster"), res, "cluster")
        if not isinstance(found, Cluster) and isinstance(v.get("cluster"), str):
            match = PATH.search(v["cluster"])
            entry = clusters.get(match.group("name") if match else v["cluster"])
            found = entry[0] if entry else None
        if not isinstance(found, Cluster) or found.provider != PROVIDER:
            continue
        subnet = found.node_subnets[0] if found.node_subnets else None
        _pool_ranges(b, st, found, subnet, Element(res.address, res), v.get("network_config"))
        cluster_labels[id(found)] = _merge(cluster_labels.get(id(found), set()), node_labels(v.get("node_config")))
    for cluster in b.model.clusters:
        if cluster.provider != PROVIDER or cluster.network is None:
            continue
        labels = cluster_labels.get(id(cluster), set())
        for (net_id, identity), group in st.groups.items():
            if net_id == id(cluster.network) and identity and (isinstance(labels, Unknown) or identity <= labels):
                cluster.node_security_groups.append(group)


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    return set(a) | set(b)


def _pool_ranges(b: Builder, st: State, cluster: Cluster, subnet: Subnet | None, pool: Element,
                 config: Any) -> None:
    config = first(config)
    if isinstance(config, Unknown):
        cluster.container_cidrs.append(b.cidr(pool, "network_config", "container", config))
        return
    if not isinstance(config, dict) or not (given(config.get("pod_range")) or given(config.get("pod_ipv4_cidr_block"))):
        return
    for cidr in _pod_range(b, st, pool, subnet, config.get("pod_range"), config.get("pod_ipv4_cidr_block"),
                           "network_config.pod_ipv4_cidr_block", "container"):
        if all(cidr is not c for c in cluster.container_cidrs):
            cluster.container_cidrs.append(cidr)


# --- Kubernetes Services on GKE ---------------------------------------------------------------------------
# An internal passthrough load balancer: the annotation networking.gke.io/load-balancer-type: "Internal" (older
# cloud.google.com/load-balancer-type) or spec.loadBalancerClass networking.gke.io/l4-regional-internal; anything
# else is an external (internet-facing) one. Clients of an internal one must sit in the cluster's region, in its
# VPC or a peered one, unless networking.gke.io/internal-load-balancer-allow-global-access is "true"
# (cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters; /how-to/internal-load-
# balancing). GKE creates the ingress-allow VPC firewall rules for the load balancer and its health checks,
# with loadBalancerSourceRanges as their sources (/concepts/firewall-rules); a passthrough load balancer keeps
# the client's address.
GKE_INTERNAL_CLASS = "networking.gke.io/l4-regional-internal"


def service_exposure(service: Any, model: Any, loaded: Any) -> Any:
    """How GKE exposes a LoadBalancer Service (see the notes above)."""
    from vpclint.model import Exposure
    from vpclint.services import annotation

    kind = annotation(service, "networking.gke.io/load-balancer-type")
    if kind is None:
        kind = annotation(service, "cloud.google.com/load-balancer-type")
    if isinstance(kind, Unknown) or isinstance(service.load_balancer_class, Unknown):
        internal: Any = Unknown("the load balancer type is not known before apply")
    else:
        internal = (isinstance(kind, str) and kind.lower() == "internal") \
            or service.load_balancer_class == GKE_INTERNAL_CLASS
    global_access = annotation(service, "networking.gke.io/internal-load-balancer-allow-global-access")
    regional = internal is True and not (isinstance(global_access, Unknown)
                                         or (isinstance(global_access, str) and global_access.lower() == "true"))
    return Exposure("GKE internal passthrough load balancer" if internal is True else "GKE load balancer",
                    internal=internal, keeps_client=True, ranges_where="the VPC firewall rule GKE creates",
                    node_rules_managed=True, same_region_only=regional)


def region_of(element: Any) -> Any:
    """The region of a GKE cluster or Compute instance (from its location or zone), None when not known."""
    resource = getattr(element, "resource", None)
    if resource is None:
        return None
    for key in ("location", "region", "zone"):
        value = resource.values.get(key)
        if isinstance(value, str) and value:
            return re.sub(r"-[a-z]$", "", value)
    return None
