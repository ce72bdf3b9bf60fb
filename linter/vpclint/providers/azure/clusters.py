"""AKS clusters (azurerm, and azapi ARM bodies) and their node pools."""

from __future__ import annotations

from typing import Any

from vpclint.model import CidrLimits, Cluster
from vpclint.model.build import Builder
from vpclint.providers.azure.arm import azapi_body, azapi_of
from vpclint.providers.azure.base import AKS_POD_CIDR, AKS_SERVICE_CIDR, PROVIDER, RANGE, State, linked_subnet
from vpclint.providers.common import blocks, first, given, sole_network
from vpclint.resources import Resource
from vpclint.values import Unknown


def map_clusters(b: Builder, st: State) -> None:
    for res in b.of_type("azurerm_kubernetes_cluster"):
        v = res.values
        profile = first(v.get("network_profile"))
        if res.mode == "data" and not profile:
            profile = Unknown("an existing cluster read through a data source")
        elif not isinstance(profile, Unknown) and not profile:
            profile = {"network_plugin": "kubenet"}  # the provider's default without a network_profile
        pool = first(v.get("default_node_pool"))
        _cluster(b, st, res, profile, [("default_node_pool.", pool if isinstance(pool, dict) else {}, _AZURERM_POOL)],
                 lambda name: f"network_profile.{name}")
    for res in b.of_type("azurerm_kubernetes_cluster_node_pool"):
        cluster = b.resolve(res.values.get("kubernetes_cluster_id"), res, "kubernetes_cluster_id")
        if isinstance(cluster, Cluster) and cluster.provider == PROVIDER:
            _pool(b, st, cluster, res, res.values, "", _AZURERM_POOL)
    _azapi_clusters(b, st)


def _cluster(b: Builder, st: State, res: Resource, profile: Any, pools: list[tuple[str, dict, tuple[str, str]]],
             attribute: Any) -> None:
    """A cluster from its network profile (azurerm's keys, or Unknown) and node
    pools (where written, the pool, its node and pod subnet keys);
    ``attribute`` names a profile key as the resource writes it."""
    cluster = Cluster(res.address, res, provider=PROVIDER)
    if isinstance(profile, Unknown):
        plugin, mode = profile, None
    else:
        plugin, mode = profile.get("network_plugin"), profile.get("network_plugin_mode")
    if isinstance(plugin, Unknown) or isinstance(mode, Unknown) or plugin is None:
        cluster.pod_addressing = plugin if isinstance(plugin, Unknown) else Unknown("network_plugin is unknown")
    elif plugin == "kubenet" or (plugin == "azure" and isinstance(mode, str) and mode.lower() == "overlay"):
        cluster.network_model = "kubenet" if plugin == "kubenet" else "azure overlay"
        cluster.pod_addressing = "node"  # NAT to the node's address leaving the node / cluster
    elif plugin == "azure":
        cluster.network_model = "azure"
        cluster.pod_addressing = "subnet"  # pods hold VNet addresses and keep them
    else:
        cluster.network_model = str(plugin)
        cluster.pod_addressing = Unknown(f"network_plugin {plugin}: the CNI is installed separately")
    cluster.peer_addressing = cluster.pod_addressing
    for prefix, pool, keys in pools:
        _pool(b, st, cluster, res, pool, prefix, keys)
    cluster.network = sole_network(cluster.node_subnets, every=True)
    if isinstance(profile, dict) and cluster.network_model in ("kubenet", "azure overlay"):
        pods = profile.get("pod_cidrs") if given(profile.get("pod_cidrs")) else (
            [profile.get("pod_cidr")] if given(profile.get("pod_cidr")) else None)
        cluster.container_cidrs = [c for c in b.cidrs(cluster, attribute("pod_cidr"), "container", pods,
                                                      AKS_POD_CIDR) if c.net is None or c.net.version == 4]
    if isinstance(profile, dict):
        services = profile.get("service_cidrs") if given(profile.get("service_cidrs")) else (
            [profile.get("service_cidr")] if given(profile.get("service_cidr")) else None)
        cluster.service_cidrs = [c for c in b.cidrs(cluster, attribute("service_cidr"), "service", services,
                                                    AKS_SERVICE_CIDR) if c.net is None or c.net.version == 4]
        dns = profile.get("dns_service_ip")
        if given(dns):
            limits = RANGE
            known = [c for c in cluster.service_cidrs if c.net is not None and not c.error]
            if known and len(known) == len(cluster.service_cidrs):
                limits = CidrLimits("AKS dns_service_ip", within=tuple(str(c.range) for c in known),
                                    reserved_first=2)
            b.cidr(cluster, attribute("dns_service_ip"), "address", dns, limits, single_address=True)
    b.model.clusters.append(b.register(cluster))


# the ARM property behind each network_profile key of azurerm
_ARM_PROFILE = {"network_plugin": "networkPlugin", "network_plugin_mode": "networkPluginMode",
                "pod_cidr": "podCidr", "pod_cidrs": "podCidrs", "service_cidr": "serviceCidr",
                "service_cidrs": "serviceCidrs", "dns_service_ip": "dnsServiceIP"}
_MANAGED_CLUSTER = "microsoft.containerservice/managedclusters@"
_AGENT_POOL = "microsoft.containerservice/managedclusters/agentpools@"


def _azapi_clusters(b: Builder, st: State) -> None:
    """AKS written as ARM bodies (Azure Verified Modules): properties.networkProfile
    and agentPoolProfiles, as the azurerm attributes above. Without an explicit
    networkPlugin the model stays unknown: the API's default depends on its version."""
    for res in azapi_of(b, _MANAGED_CLUSTER):
        body = azapi_body(res)
        properties = body.get("properties") if isinstance(body, dict) else body
        properties = properties if isinstance(properties, (dict, Unknown)) else {}
        network = properties.get("networkProfile") if isinstance(properties, dict) else properties
        if isinstance(network, Unknown):
            profile: Any = network
        else:
            network = network if isinstance(network, dict) else {}
            profile = {key: network.get(arm) for key, arm in _ARM_PROFILE.items()}
            if profile["network_plugin"] is None:
                profile["network_plugin"] = Unknown("networkPlugin is not set: the API's default depends on its version")
        pools = properties.get("agentPoolProfiles") if isinstance(properties, dict) else None
        _cluster(b, st, res, profile,
                 [(f"body.properties.agentPoolProfiles[{i}].", pool, _ARM_POOL) for i, pool in enumerate(blocks(pools))],
                 lambda name: f"body.properties.networkProfile.{_ARM_PROFILE[name]}")
    for res in azapi_of(b, _AGENT_POOL):
        cluster = b.resolve(res.values.get("parent_id"), res, "parent_id")
        body = azapi_body(res)
        properties = body.get("properties") if isinstance(body, dict) else None
        if isinstance(cluster, Cluster) and cluster.provider == PROVIDER and isinstance(properties, dict):
            _pool(b, st, cluster, res, properties, "body.properties.", _ARM_POOL)


# a node pool's node and pod subnet keys: azurerm's, and the ARM body's
_AZURERM_POOL = ("vnet_subnet_id", "pod_subnet_id")
_ARM_POOL = ("vnetSubnetID", "podSubnetID")


def _pool(b: Builder, st: State, cluster: Cluster, res: Resource, pool: dict, prefix: str,
          keys: tuple[str, str]) -> None:
    nodes = linked_subnet(b, st, pool.get(keys[0]), res, prefix + keys[0])
    pods = linked_subnet(b, st, pool.get(keys[1]), res, prefix + keys[1])
    if nodes is not None and nodes not in cluster.node_subnets:
        cluster.node_subnets.append(nodes)
    # flat Azure CNI: pods of a pool without a pod subnet take node-subnet addresses
    holder = pods or nodes
    if cluster.pod_addressing == "subnet" and holder is not None and holder not in cluster.pod_subnets:
        cluster.pod_subnets.append(holder)


# --- Kubernetes Services on AKS ---------------------------------------------------------------------------
# service.beta.kubernetes.io/azure-load-balancer-internal: "true" puts the Service on the internal load balancer
# (a frontend address in the cluster's VNet); the default is the public one. The cloud provider writes allow rules
# for the Service into the cluster's NSG itself: from loadBalancerSourceRanges when given (from Internet for a
# public Service without them). For an internal Service the ranges do not close the VNet (peered VNets included,
# the VirtualNetwork service tag and the default AllowVnetInBound rule) unless
# service.beta.kubernetes.io/azure-deny-all-except-load-balancer-source-ranges is "true"
# (kubernetes-sigs/cloud-provider-azure pkg/provider/loadbalancer/accesscontrol.go, azure_loadbalancer.go
# reconcileSecurityGroup; learn.microsoft.com/azure/aks/internal-lb). Azure's load balancer keeps the client's
# address.
_AKS = "service.beta.kubernetes.io/azure-"


def service_exposure(service: Any, model: Any, loaded: Any) -> Any:
    """How AKS exposes a LoadBalancer Service (see the notes above)."""
    from vpclint.model import Exposure
    from vpclint.services import annotation

    flag = annotation(service, _AKS + "load-balancer-internal")
    internal = flag if isinstance(flag, Unknown) else (isinstance(flag, str) and flag.lower() == "true")
    deny_all = annotation(service, _AKS + "deny-all-except-load-balancer-source-ranges")
    closed = isinstance(deny_all, str) and deny_all.lower() == "true"
    notes = ["azure-deny-all-except-load-balancer-source-ranges is not known before apply"] \
        if isinstance(deny_all, Unknown) else []
    return Exposure("AKS internal load balancer" if internal is True else "AKS load balancer", internal=internal,
                    keeps_client=True,
                    ranges_enforced=(internal is not True) or (deny_all if isinstance(deny_all, Unknown) else closed),
                    ranges_where="the cluster's NSG (written by the cloud provider)", node_rules_managed=True,
                    notes=notes)
