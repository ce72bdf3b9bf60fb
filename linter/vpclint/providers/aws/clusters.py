"""EKS clusters → the model's ``Cluster``: where pod traffic comes from.

Where EKS pod traffic comes from (amazon-vpc-cni-k8s README and
docs/cni-proposal.md):

| setting | pod addresses | a peer in the same VPC sees | a peered-VPC peer sees |
| --- | --- | --- | --- |
| VPC CNI defaults | secondary IPs of the node subnets | the pod address (node subnets) | the node's primary address: traffic leaving the VPC CIDR is SNATed |
| ``AWS_VPC_K8S_CNI_EXTERNALSNAT=true`` (config ``eks_external_snat: true``) | node subnets | the pod address | the pod address (node subnets) |

An EKS cluster needs subnets in at least two availability zones.
"""

from __future__ import annotations

from vpclint.model import Cluster, SecurityGroup, Subnet
from vpclint.model.build import Builder
from vpclint.providers.aws.base import EKS_SERVICE_CIDR, PROVIDER
from vpclint.providers.common import first, given, sole_network


def clusters(b: Builder) -> None:
    for res in b.of_type("aws_eks_cluster"):
        v = res.values
        config = first(v.get("vpc_config"))
        external_snat = bool(getattr(b.settings, "eks_external_snat", False))
        cluster = Cluster(res.address, res, provider=PROVIDER, network_model="vpc-cni", pod_addressing="subnet",
                          peer_addressing="subnet" if external_snat else "node", required_zones=2)
        subnets = config.get("subnet_ids") if isinstance(config, dict) else config
        cluster.cluster_subnets = [s for s in b.resolve_all(subnets, res, "vpc_config.subnet_ids")
                                   if isinstance(s, Subnet)]
        cluster.node_subnets = list(cluster.cluster_subnets)
        if not isinstance(subnets, list) or len(cluster.cluster_subnets) < len(subnets):
            cluster.required_zones = None  # some subnets are outside this configuration
        cluster.network = sole_network(cluster.node_subnets)
        if isinstance(config, dict):
            cluster.node_security_groups = [g for g in b.resolve_all(config.get("security_group_ids"), res,
                                                                     "vpc_config.security_group_ids")
                                            if isinstance(g, SecurityGroup)]
        knc = first(v.get("kubernetes_network_config"))
        if isinstance(knc, dict) and given(knc.get("service_ipv4_cidr")):
            cluster.service_cidrs = [b.cidr(cluster, "kubernetes_network_config.service_ipv4_cidr", "service",
                                            knc.get("service_ipv4_cidr"), EKS_SERVICE_CIDR)]
        b.model.clusters.append(b.register(cluster, v.get("name")))
    for res in b.of_type("aws_eks_node_group"):
        cluster = b.resolve(res.values.get("cluster_name"), res, "cluster_name")
        if isinstance(cluster, Cluster):
            for subnet in b.resolve_all(res.values.get("subnet_ids"), res, "subnet_ids"):
                if isinstance(subnet, Subnet) and subnet not in cluster.node_subnets:
                    cluster.node_subnets.append(subnet)
