"""EKS clusters → the model's ``Cluster``: where pod traffic comes from.

The VPC CNI decides what a peer sees (EKS user guide "SNAT for Pods",
docs.aws.amazon.com/eks/latest/userguide/external-snat.html: traffic to an
address outside every CIDR block of the VPC is translated to the primary
address of the node's primary ENI; amazon-vpc-cni-k8s README: the
``AWS_VPC_K8S_CNI_EXTERNALSNAT`` and ``AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS``
variables; pkg/networkutils/network.go: ``getBoolEnvVar`` reads booleans with
Go's ``strconv.ParseBool`` and falls back to the default on anything else,
the exclusions are comma-separated, invalid items skipped, and ignored under
external SNAT; "CNI custom networking",
docs.aws.amazon.com/eks/latest/userguide/cni-custom-network.html: with
``AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG`` the pods' ENIs take the subnet and
security groups of an ``ENIConfig``, the node's primary ENI no pods, and the
pod subnets lie in another CIDR block of the VPC than the nodes'):

| setting | pod addresses | a peer in the same VPC sees | a peer outside the VPC sees |
| --- | --- | --- | --- |
| defaults | secondary IPs of the node subnets | the pod address | the node's primary address (SNAT) |
| ``AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true`` | the ENIConfigs' subnets | the pod address | the node's primary address (SNAT) |
| ``AWS_VPC_K8S_CNI_EXTERNALSNAT=true`` | as above | the pod address | the pod address |
| ``AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS`` (SNAT on) | as above | the pod address | the pod address inside the excluded ranges, the node's elsewhere |

The settings come from the ``vpc-cni`` ``aws_eks_addon``'s
``configuration_values`` (a JSON document whose ``env`` map holds them;
without such an addon, the defaults), ENIConfigs from ``kubernetes_manifest``,
``kubectl_manifest`` (a known ``yaml_body``) and YAML manifests; an ENIConfig
serves the cluster whose VPC holds its subnet. The config key
``eks_external_snat`` overrides ``AWS_VPC_K8S_CNI_EXTERNALSNAT``. Nodes are
where the cluster's node groups put them when every node group's subnets are
known, else in the cluster's subnets too; never in an ENIConfig's subnet.
An EKS cluster needs subnets in at least two availability zones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from vpclint.load.manifests import is_eniconfig_document
from vpclint.model import Cidr, Cluster, SecurityGroup, Subnet, make_cidr
from vpclint.model.build import Builder
from vpclint.providers.aws.base import EKS_SERVICE_CIDR, PROVIDER, RANGE
from vpclint.providers.common import first, given, sole_network
from vpclint.resources import Resource, UnknownNote
from vpclint.values import Unknown

VPC_CNI = "vpc-cni"
_MANIFEST_TYPES = ("kubernetes_manifest", "kubectl_manifest")
EXTERNAL_SNAT = "AWS_VPC_K8S_CNI_EXTERNALSNAT"
CUSTOM_NETWORK = "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"
EXCLUDE_SNAT = "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS"
# Go's strconv.ParseBool
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


@dataclass
class _Cni:
    """The VPC CNI's settings for one cluster: True/False or Unknown each;
    ``excluded`` the exclusions as written (a string, or Unknown)."""

    external_snat: Any = False
    custom_networking: Any = False
    excluded: Any = ""
    addon: Resource | None = None


@dataclass
class _EniConfig:
    """One ENIConfig: its subnet (a Subnet, or an Unknown saying why it is not known)."""

    address: str
    subnet: Any


@dataclass
class _Nodes:
    """Where a cluster's node groups put its nodes; ``all_known``: every group's subnets resolve."""

    subnets: list[Subnet] = field(default_factory=list)
    groups: int = 0
    all_known: bool = True


def clusters(b: Builder) -> None:
    nodes: dict[int, _Nodes] = {}
    for res in b.of_type("aws_eks_cluster"):
        v = res.values
        config = first(v.get("vpc_config"))
        cluster = Cluster(res.address, res, provider=PROVIDER, network_model="vpc-cni", pod_addressing="subnet",
                          peer_addressing="node", required_zones=2)
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
        nodes[id(cluster)] = _Nodes()
    for res in b.of_type("aws_eks_node_group"):
        cluster = b.resolve(res.values.get("cluster_name"), res, "cluster_name")
        if isinstance(cluster, Cluster):
            placed = nodes[id(cluster)]
            listed = res.values.get("subnet_ids")
            found = [s for s in b.resolve_all(listed, res, "subnet_ids") if isinstance(s, Subnet)]
            placed.groups += 1
            placed.all_known = placed.all_known and isinstance(listed, list) and len(found) == len(listed)
            placed.subnets.extend(s for s in found if s not in placed.subnets)
    settings = _cni_settings(b)
    eni_configs = _eni_configs(b)
    eks = [c for c in b.model.clusters if c.provider == PROVIDER]
    custom = [id(c.network) for c in eks if settings.get(id(c), _Cni()).custom_networking is not False]
    for cluster in eks:
        shared = cluster.network is not None and custom.count(id(cluster.network)) > 1
        _place(b, cluster, nodes[id(cluster)], settings.get(id(cluster), _Cni()), eni_configs, shared)


def _place(b: Builder, cluster: Cluster, nodes: _Nodes, cni: _Cni, eni_configs: list[_EniConfig],
           shared: bool) -> None:
    """Set where the cluster's nodes and pods are and what peers see of them; ``shared``: another
    cluster of its VPC may run custom networking too (an ENIConfig names no cluster)."""
    if nodes.groups and nodes.all_known and nodes.subnets:
        cluster.node_subnets = list(nodes.subnets)  # the cluster's own subnets hold its control-plane ENIs
    else:
        cluster.node_subnets.extend(s for s in nodes.subnets if s not in cluster.node_subnets)
    override = getattr(b.settings, "eks_external_snat", None)
    external_snat = bool(override) if override is not None else cni.external_snat
    where = cni.addon.address if cni.addon is not None else cluster.address
    if cni.custom_networking is True:
        pod_subnets, why = _pod_subnets(b, cluster, eni_configs, where)
        if shared and why is None:
            why = (f"custom networking is on ({where}) in a VPC where another cluster may run it too: which "
                   "ENIConfig serves which cluster is not known")
        cluster.pod_subnets = pod_subnets
        cluster.node_subnets = [s for s in cluster.node_subnets if s not in pod_subnets]
        if why is not None:
            cluster.pod_addressing = Unknown(why)
            b.unknowns.append(UnknownNote(cluster.address, "pod addresses", why))
    elif isinstance(cni.custom_networking, Unknown):
        cluster.pod_addressing = cni.custom_networking
    cluster.network = cluster.network or sole_network(cluster.node_subnets)
    if external_snat is True:
        cluster.peer_addressing = None  # peers see what the VPC sees
    elif isinstance(external_snat, Unknown):
        cluster.peer_addressing = external_snat
    else:
        cluster.peer_addressing = "node"
        cluster.snat_excluded = _exclusions(cluster, cni.excluded)


def _pod_subnets(b: Builder, cluster: Cluster, eni_configs: list[_EniConfig],
                 where: str) -> tuple[list[Subnet], str | None]:
    """The subnets of the ENIConfigs in the cluster's VPC, and why they are
    not known when they are not (an ENIConfig whose subnet is unknown, a
    manifest that may be one, none at all)."""
    found: list[Subnet] = []
    for config in eni_configs:
        subnet = config.subnet
        if isinstance(subnet, Subnet) and cluster.network is not None and subnet.network is cluster.network \
                and subnet not in found:
            found.append(subnet)
    vague = [e.address for e in eni_configs if not isinstance(e.subnet, Subnet)]
    if b.uncounted.intersection(_MANIFEST_TYPES) or any(isinstance(_manifest_of(r), Unknown)
                                                       for r in b.of_type(*_MANIFEST_TYPES) if r.mode == "managed"):
        vague.append("a Kubernetes manifest not known before apply")
    if vague:
        return found, (f"custom networking is on ({where}) and the subnet of an ENIConfig is not known "
                       f"({', '.join(vague)}): pods' addresses are not known")
    if not found:
        return found, (f"custom networking is on ({where}) but no ENIConfig this input holds names a subnet of "
                       "the cluster's VPC: pods' addresses are not known")
    return found, None


def _exclusions(cluster: Cluster, written: Any) -> list[Cidr]:
    """AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS as ranges; items that are no IPv4 CIDR are skipped, as the CNI does."""
    attribute = f"configuration_values.env.{EXCLUDE_SNAT}"
    if isinstance(written, Unknown):
        return [make_cidr(cluster, attribute, "source", written, RANGE)]
    ranges = []
    for item in str(written or "").split(","):
        cidr = make_cidr(cluster, attribute, "source", item.strip(), RANGE) if item.strip() else None
        if cidr is not None and cidr.net is not None and cidr.net.version == 4:
            ranges.append(cidr)
    return ranges


def _cni_settings(b: Builder) -> dict[int, _Cni]:
    """The VPC CNI settings of each cluster a ``vpc-cni`` addon names (by id of the cluster)."""
    found: dict[int, _Cni] = {}
    for res in b.of_type("aws_eks_addon"):
        if res.mode != "managed":
            continue
        v = res.values
        name = v.get("addon_name")
        cluster = b.resolve(v.get("cluster_name"), res, "cluster_name")
        if not isinstance(cluster, Cluster) or cluster.provider != PROVIDER:
            continue
        if isinstance(name, Unknown):
            reason = f"whether {res.address} is the VPC CNI (addon_name) is not known before apply"
            found[id(cluster)] = _Cni(Unknown(reason), Unknown(reason), Unknown(reason), res)
            b.note(res, "addon_name", reason)
        elif name == VPC_CNI:
            found[id(cluster)] = _read_cni(b, res)
    return found


def _read_cni(b: Builder, res: Resource) -> _Cni:
    values = res.values.get("configuration_values")
    if values is None or values == "":
        return _Cni(addon=res)
    if isinstance(values, Unknown):
        reason = f"configuration_values of {res.address} is not known before apply: {values.reason}"
        b.note(res, "configuration_values", reason)
        return _Cni(Unknown(reason), Unknown(reason), Unknown(reason), res)
    env = _env(values)
    if isinstance(env, str):  # why it cannot be read
        reason = f"configuration_values of {res.address} {env}"
        b.note(res, "configuration_values", reason)
        return _Cni(Unknown(reason), Unknown(reason), Unknown(reason), res)
    return _Cni(_parse_bool(env.get(EXTERNAL_SNAT)), _parse_bool(env.get(CUSTOM_NETWORK)), env.get(EXCLUDE_SNAT, ""),
                res)


def _env(values: Any) -> dict | str:
    """The ``env`` map of a configuration_values document (JSON, or YAML, which EKS also accepts)."""
    if isinstance(values, dict):
        document: Any = values
    else:
        try:
            document = json.loads(str(values))
        except ValueError:
            try:
                document = yaml.safe_load(str(values))
            except yaml.YAMLError:
                return "is neither JSON nor YAML"
    if not isinstance(document, dict):
        return "is not a JSON object"
    env = document.get("env", {})
    if isinstance(env, Unknown):
        return "holds an env map not known before apply"
    return env if isinstance(env, dict) else {}


def _parse_bool(value: Any) -> Any:
    """A CNI switch as ``getBoolEnvVar`` reads it: ParseBool's spellings, else the default (off)."""
    if isinstance(value, Unknown) or isinstance(value, bool):
        return value
    return str(value) in _TRUE if value is not None else False


def _eni_configs(b: Builder) -> list[_EniConfig]:
    """The ENIConfigs of Terraform resources and YAML manifests (a manifest
    not known as a whole may be one: ``_pod_subnets`` says so)."""
    found = []
    for res in b.of_type(*_MANIFEST_TYPES):
        document = _manifest_of(res)
        if res.mode == "managed" and is_eniconfig_document(document):
            found.append(_EniConfig(res.address, _subnet_of(b, res, document)))
    for document in b.manifests:
        if is_eniconfig_document(document.data):
            address = f"ENIConfig {document.file}:{document.line}"
            found.append(_EniConfig(address, _subnet_of(b, None, document.data)))
    return found


def _manifest_of(res: Resource) -> Any:
    """The Kubernetes document a manifest resource applies (a dict, Unknown, or None)."""
    if res.type == "kubernetes_manifest":
        return res.values.get("manifest")
    body = res.values.get("yaml_body")
    if isinstance(body, Unknown) or not isinstance(body, str):
        return body if isinstance(body, Unknown) else None
    try:
        return yaml.safe_load(body)
    except yaml.YAMLError:
        return None


def _subnet_of(b: Builder, res: Resource | None, document: dict) -> Any:
    """The Subnet ``spec.subnet`` names, else an Unknown saying why not."""
    spec = document.get("spec")
    value = spec.get("subnet") if isinstance(spec, dict) else spec
    if value is None:
        return Unknown("it names no spec.subnet")
    if isinstance(value, Unknown) and not hasattr(value, "address"):
        return value
    subnet = b.resolve(value, res, "manifest.spec.subnet")
    return subnet if isinstance(subnet, Subnet) else Unknown("its subnet is outside this configuration")
