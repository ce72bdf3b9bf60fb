"""Azure (azurerm provider, and AKS through azapi) → the network model.

Where AKS pod traffic comes from (learn.microsoft.com/azure/aks/
concepts-network-cni-overview, concepts-network-azure-cni-overlay,
concepts-network-legacy-cni; azurerm kubernetes_cluster docs):

| network_profile | pod addresses | a peer (same VNet or peered) sees | the peer VNet must route back |
| --- | --- | --- | --- |
| ``network_plugin = "kubenet"`` (and no ``network_profile``: kubenet or overlay, both NAT) | ``pod_cidr``, routed to the nodes by a route table | the node's address: traffic leaving the node is NATed | nothing: node subnets are VNet space, which peering routes carry |
| ``network_plugin = "azure"``, ``network_plugin_mode = "overlay"`` | ``pod_cidr(s)``, an overlay | the node's address (SNAT leaving the cluster, peered VNets included) | nothing |
| ``network_plugin = "azure"`` (flat Azure CNI) | VNet addresses: ``pod_subnet_id``, else the node subnet (``vnet_subnet_id``) | the pod address: the pod or node subnet | nothing: the subnets are VNet space |
| ``network_plugin = "none"`` (bring your own CNI) | not known here | not known | not known |

The network model of Azure as this adapter maps it:

| Azure | model |
| --- | --- |
| ``azurerm_virtual_network`` | a ``Network`` whose CIDRs are its ``address_space``; inline ``subnet`` blocks are ``Subnet``\\ s |
| ``azurerm_subnet`` | a ``Subnet``, linked to its VNet by name and resource group |
| ``azurerm_virtual_network_peering`` ×2 | one ``Peering``; active (Connected) only when the remote VNet peers back, ``reverse`` names the second resource |
| system routes | an implicit table per VNet (``"<vnet> (system routes)"``) serving subnets without a route table: a route per peered address space whose target is the peering |
| ``azurerm_route_table`` / ``azurerm_route`` + association | a ``RouteTable`` of user-defined routes, plus the system routes of its VNet, which the UDRs override by longest prefix (and on a tie) |
| ``azurerm_network_security_group`` / ``_security_rule`` + association | a ``SecurityGroup`` in the VNet of its subnets, with the default rules AllowVnetInBound (65000), AllowAzureLoadBalancerInBound (65001), DenyAllInBound (65500) and their outbound peers |
| ``azurerm_kubernetes_cluster`` / ``_node_pool`` | a ``Cluster`` (above) |
| ``azapi_resource`` of type ``Microsoft.Network/virtualNetworks`` (``/subnets``, ``/virtualNetworkPeerings``), ``networkSecurityGroups`` (``/securityRules``), ``routeTables`` (``/routes``), as Azure Verified Modules write them | presented as the azurerm resource each means (same address and position) and mapped by the same steps; a subnet body's ``networkSecurityGroup``/``routeTable`` is its association; a body or type not known before apply makes routes and rules partial |
| ``azapi_resource`` of type ``Microsoft.ContainerService/managedClusters`` (``/agentPools``), as Azure Verified Modules write AKS | the same ``Cluster``, from the ARM body's ``properties.networkProfile`` (``networkPlugin``, ``networkPluginMode``, ``podCidr(s)``, ``serviceCidr(s)``, ``dnsServiceIP``) and ``agentPoolProfiles`` (``vnetSubnetID``, ``podSubnetID``); without an explicit ``networkPlugin`` the addressing is unknown (the API's default depends on its version) |
| ``azurerm_redis_cache`` (+ ``azurerm_redis_firewall_rule``), ``azurerm_postgresql_flexible_server`` (+ firewall rules), ``azurerm_mssql_server`` (+ firewall rules), virtual machines | ``Endpoint``\\ s; firewall rules' start/end ranges become ``Whitelist`` entries |
| ``azurerm_virtual_hub`` (+ route tables, hub connections), ``azurerm_firewall`` in a VNet (+ its policy or classic rule collections) | transit ``Hub``\\ s, their tables and attachments (``vpclint.providers.azure.transit`` has the table) |

Other facts kept here: the ``VirtualNetwork`` service tag is the VNet's
address space plus the spaces of the VNets peered with it (when both sides
allow virtual network access) — prefixes learned through gateways are left
out, since pod traffic never carries them; ``AzureLoadBalancer`` is
168.63.129.16; other service tags name public Azure ranges, which pod
traffic never carries either; a UDR to a virtual appliance goes to an
Azure Firewall's hub when the address is the firewall's, crosses a
peering when the appliance sits in the peered VNet and the destination
lies there too, and is unknown otherwise (the appliance forwards it
somewhere); a deny rule limited to
some destinations or source ports is left out (it may not apply). Cache,
PostgreSQL and SQL firewall rules filter clients of the public endpoint,
which carry the cluster's outbound public address: only a cache injected
into a VNet (``subnet_id``) sees pod or node addresses there. AKS rejects
169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16 and 192.0.2.0/24 for its
pod and service ranges, and a ``dns_service_ip`` outside ``service_cidr``
or on its first two addresses (the network address and the kubernetes
service's).
"""

from __future__ import annotations

from vpclint.model.build import Builder
from vpclint.providers.azure.arm import adopt_azapi
from vpclint.providers.azure.base import ATTRIBUTE_TYPES, PROVIDER, State
from vpclint.providers.azure.clusters import map_clusters, service_exposure
from vpclint.providers.azure.fixes import SNIPPETS
from vpclint.providers.azure.network import (
    DATA_SOURCES, map_networks, map_peerings, map_route_tables, map_security_groups, map_subnets,
)
from vpclint.providers.azure.services import map_endpoints
from vpclint.providers.azure.transit import map_firewalls, map_virtual_hubs

__all__ = ["ATTRIBUTE_TYPES", "DATA_SOURCES", "PROVIDER", "SNIPPETS", "adapt", "service_exposure"]


def adapt(b: Builder) -> None:
    adopt_azapi(b)
    st = State(b)
    map_networks(b, st)
    map_subnets(b, st)
    map_peerings(b, st)
    map_firewalls(b, st)
    map_route_tables(b, st)
    map_security_groups(b, st)
    map_clusters(b, st)
    map_endpoints(b, st)
    map_virtual_hubs(b, st)
