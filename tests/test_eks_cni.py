"""EKS pod sources follow the VPC CNI settings the configuration writes
(vpc-cni addon configuration_values, ENIConfig subnets); the config key
eks_external_snat overrides AWS_VPC_K8S_CNI_EXTERNALSNAT."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, found, run
from vpclint.load.manifests import parse_documents
from vpclint.model.build import build_model, sources_towards
from vpclint.resources import Resource
from vpclint.values import Ref

CUSTOM = FIXTURES / "eks_cni_custom_networking"
DEFAULT = FIXTURES / "eks_cni_default_snat"
EXPECT = "expect:\n  - from: aws_eks_cluster.app\n    to: aws_instance.cache\n    port: 6379\n"


def _variant(tmp_path: Path, source: Path, replacements: list[tuple[str, str]], config: str = "") -> Path:
    """A copy of ``source``'s main.tf with ``replacements`` made (each must apply) and a config."""
    text = (source / "main.tf").read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / "main.tf").write_text(text)
    (tmp_path / ".vpclint.yaml").write_text(EXPECT + config)
    return tmp_path


def _lint(directory: Path):
    report = run(directory, config=directory / ".vpclint.yaml")
    assert report.errors == []
    return report


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(text))


def _route_back_finding(directory: Path) -> set:
    main = directory / "main.tf"
    return {("expected_path_blocked", "aws_route_table.shared", str(main.resolve()),
             _line(main, 'resource "aws_route_table" "shared"'))}


def test_config_false_overrides_external_snat_of_the_addon(tmp_path: Path) -> None:
    """eks_external_snat: false wins over the addon's EXTERNALSNAT=true: peers see the nodes, whose range is routed."""
    directory = _variant(tmp_path, CUSTOM / "broken", [], "eks_external_snat: false\n")
    assert found(_lint(directory)) == set()


def test_config_true_overrides_default_snat(tmp_path: Path) -> None:
    """eks_external_snat: true where the addon leaves SNAT on: pods keep their 100.64 addresses, not routed back."""
    directory = _variant(tmp_path, DEFAULT / "fixed", [], "eks_external_snat: true\n")
    assert found(_lint(directory)) == _route_back_finding(directory)


_EXTERNAL = ('      AWS_VPC_K8S_CNI_EXTERNALSNAT       = "true"\n', "")


def _excluding(tmp_path: Path, ranges: str) -> Path:
    return _variant(tmp_path, CUSTOM / "broken", [_EXTERNAL, (
        '      ENI_CONFIG_LABEL_DEF               = "topology.kubernetes.io/zone"\n',
        '      ENI_CONFIG_LABEL_DEF               = "topology.kubernetes.io/zone"\n'
        f'      AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS = "{ranges}"\n')])


def test_snat_exclusion_covering_the_peer_keeps_pod_addresses(tmp_path: Path) -> None:
    directory = _excluding(tmp_path, "192.168.0.0/16, 10.1.0.0/16")
    assert found(_lint(directory)) == _route_back_finding(directory)


def test_snat_exclusion_covering_the_destination_subnet_keeps_pod_addresses(tmp_path: Path) -> None:
    directory = _excluding(tmp_path, "10.1.1.0/24")
    assert found(_lint(directory)) == _route_back_finding(directory)


def test_snat_exclusion_elsewhere_leaves_the_node_address(tmp_path: Path) -> None:
    """An invalid item is skipped, as the CNI does; 10.1.0.0/24 does not hold the cache's subnet."""
    directory = _excluding(tmp_path, "not-a-cidr,10.1.0.0/24")
    assert found(_lint(directory)) == set()


def test_without_the_addon_setting_snat_stays_on(tmp_path: Path) -> None:
    """The broken fixture without EXTERNALSNAT: the CNI's default SNAT, so the path holds."""
    directory = _variant(tmp_path, CUSTOM / "broken", [_EXTERNAL])
    assert found(_lint(directory)) == set()


def test_partly_excluded_peer_network_decides_no_security_group(tmp_path: Path) -> None:
    """SNAT excluded towards the cache's subnet only: the path checks the pods' addresses (and fails on the
    route back), but what the rest of the shared VPC sees is mixed, so pod_ingress_missing says nothing."""
    directory = _variant(tmp_path, DEFAULT / "broken", [(
        '      ENI_CONFIG_LABEL_DEF               = "topology.kubernetes.io/zone"\n',
        '      ENI_CONFIG_LABEL_DEF               = "topology.kubernetes.io/zone"\n'
        '      AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS = "10.1.1.0/24"\n')])
    assert found(_lint(directory)) == _route_back_finding(directory)


def test_unknown_configuration_values_are_unknown_not_guessed(tmp_path: Path) -> None:
    text = (CUSTOM / "broken" / "main.tf").read_text()
    start = text.index("  configuration_values = jsonencode({")
    end = text.index("  })\n", start) + len("  })\n")
    directory = _variant(tmp_path, CUSTOM / "broken", [(text[start:end], "  configuration_values = var.cni_values\n")])
    (tmp_path / "variables.tf").write_text('variable "cni_values" {\n  type = string\n}\n')
    report = _lint(directory)
    assert found(report) == set()
    notes = {(u.resource, u.attribute): u.reason for u in report.unknowns}
    assert "var.cni_values" in notes[("aws_eks_addon.vpc_cni", "configuration_values")]
    path = [reason for (resource, attribute), reason in notes.items() if resource.startswith("expect")]
    assert path == ["the addresses pods of aws_eks_cluster.app carry are not known"]


def test_custom_networking_without_eniconfig_leaves_pods_unknown(tmp_path: Path) -> None:
    text = (CUSTOM / "broken" / "main.tf").read_text()
    start, end = text.index('resource "kubernetes_manifest" "eni_config_a"'), text.index('resource "aws_vpc" "shared"')
    directory = _variant(tmp_path, CUSTOM / "broken", [(text[start:end], "")])
    report = _lint(directory)
    assert found(report) == set()
    notes = [u for u in report.unknowns if u.resource == "aws_eks_cluster.app" and u.attribute == "pod addresses"]
    assert len(notes) == 1 and "no ENIConfig" in notes[0].reason and "aws_eks_addon.vpc_cni" in notes[0].reason


def test_unknown_kubectl_manifest_may_be_an_eniconfig(tmp_path: Path) -> None:
    """A kubectl_manifest whose yaml_body is not known may name the pods' subnet: pods are not known."""
    directory = _variant(tmp_path, CUSTOM / "broken", [])
    (tmp_path / "kubectl.tf").write_text(
        'resource "kubectl_manifest" "eni_config_c" {\n'
        '  yaml_body = "apiVersion: crd.k8s.amazonaws.com/v1alpha1\\nkind: ENIConfig\\nspec:\\n'
        '  subnet: ${aws_subnet.pods_a.id}\\n"\n}\n')
    report = _lint(directory)
    assert found(report) == set()
    assert any(u.attribute == "pod addresses" and "not known before apply" in u.reason for u in report.unknowns)


def test_kubectl_manifest_with_a_known_body_names_the_pod_subnet() -> None:
    """A literal yaml_body is read like a manifest; its subnet id links to the subnet (ids known, as in a plan)."""
    model = _model([_manifest_resource("kubectl_manifest", {
        "yaml_body": "apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata:\n  name: a\n"
                     "spec:\n  subnet: subnet-pods\n"})])
    cluster = model.clusters[0]
    assert [s.address for s in cluster.pod_subnets] == ["aws_subnet.pods"]
    assert [str(c) for c in cluster.sources_local] == ["100.64.0.0/17"]
    assert [str(c) for c in cluster.sources_peered] == ["10.0.1.0/24"]  # default SNAT: the node's address


def test_yaml_eniconfig_names_the_pod_subnet() -> None:
    text = ("apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\nmetadata:\n  name: eu-west-1a\n"
            "spec:\n  subnet: subnet-pods\n  securityGroups: [sg-1]\n")
    documents, error = parse_documents("k8s/eniconfig.yaml", text)
    assert error is None and len(documents) == 1
    model = _model([], documents, external_snat=True)
    cluster = model.clusters[0]
    assert [s.address for s in cluster.pod_subnets] == ["aws_subnet.pods"]
    assert [s.address for s in cluster.node_subnets] == ["aws_subnet.nodes"]  # never the ENIConfig's subnet
    assert [str(c) for c in cluster.sources_peered] == ["100.64.0.0/17"]


def test_yaml_eniconfig_is_no_network_policy(tmp_path: Path) -> None:
    """An ENIConfig beside Terraform is read, never taken for a policy; its literal subnet id is not
    known from HCL alone, so the pods' addresses are unknown and say which document."""
    directory = _variant(tmp_path, CUSTOM / "broken", [])
    text = (tmp_path / "main.tf").read_text()
    start, end = text.index('resource "kubernetes_manifest" "eni_config_a"'), text.index('resource "aws_vpc" "shared"')
    (tmp_path / "main.tf").write_text(text[:start] + text[end:])
    (tmp_path / "eniconfig.yaml").write_text("apiVersion: crd.k8s.amazonaws.com/v1alpha1\nkind: ENIConfig\n"
                                             "metadata:\n  name: eu-west-1a\nspec:\n  subnet: subnet-0abc\n")
    report = _lint(directory)
    assert found(report) == set()
    assert not report.models[0][1].policies
    notes = [u.reason for u in report.unknowns if u.resource == "aws_eks_cluster.app"]
    assert len(notes) == 1 and "eniconfig.yaml:1" in notes[0]


def test_nodes_sit_in_their_node_groups_subnets() -> None:
    """The cluster's own subnets hold control-plane ENIs; with every node group's subnets known, nodes are there."""
    cluster = _model([]).clusters[0]
    assert [s.address for s in cluster.cluster_subnets] == ["aws_subnet.nodes", "aws_subnet.pods"]
    assert [s.address for s in cluster.node_subnets] == ["aws_subnet.nodes"]


def test_sources_towards_partial_exclusion_is_unknown() -> None:
    model = _model([_manifest_resource("kubernetes_manifest", {"manifest": {
        "apiVersion": "crd.k8s.amazonaws.com/v1alpha1", "kind": "ENIConfig", "metadata": {"name": "a"},
        "spec": {"subnet": Ref(address="aws_subnet.pods")}}})], exclude="10.1.1.0/24")
    cluster, peer = model.clusters[0], next(n for n in model.networks if n.address == "aws_vpc.peer")
    assert sources_towards(cluster, peer) is None  # 10.1.0.0/16 only partly excluded
    from netaddr import IPSet
    assert [str(c) for c in sources_towards(cluster, peer, IPSet(["10.1.1.0/25"]))] == ["100.64.0.0/17"]
    assert [str(c) for c in sources_towards(cluster, peer, IPSet(["10.1.2.0/24"]))] == ["10.0.1.0/24"]


# --- a small model from resources, ids known as in a plan ------------------------------------------------


def _resource(type_: str, name: str, values: dict) -> Resource:
    return Resource(f"{type_}.{name}", type_, name, values, mode="managed", file="main.tf", line=1, end_line=2)


def _manifest_resource(type_: str, values: dict) -> Resource:
    return _resource(type_, "eni_config", values)


def _model(extra: list[Resource], manifests: list = (), external_snat: bool = False, exclude: str = ""):
    env = {"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true", "AWS_VPC_K8S_CNI_EXTERNALSNAT": str(external_snat).lower()}
    if exclude:
        env["AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS"] = exclude
    import json
    resources = [
        _resource("aws_vpc", "app", {"id": "vpc-app", "cidr_block": "10.0.0.0/16"}),
        _resource("aws_vpc_ipv4_cidr_block_association", "pods", {"vpc_id": "vpc-app", "cidr_block": "100.64.0.0/16"}),
        _resource("aws_vpc", "peer", {"id": "vpc-peer", "cidr_block": "10.1.0.0/16"}),
        _resource("aws_subnet", "nodes", {"id": "subnet-nodes", "vpc_id": "vpc-app", "cidr_block": "10.0.1.0/24"}),
        _resource("aws_subnet", "pods", {"id": "subnet-pods", "vpc_id": "vpc-app", "cidr_block": "100.64.0.0/17"}),
        _resource("aws_eks_cluster", "app", {"name": "app", "vpc_config": [{"subnet_ids": ["subnet-nodes",
                                                                                            "subnet-pods"]}]}),
        _resource("aws_eks_node_group", "default", {"cluster_name": "app", "subnet_ids": ["subnet-nodes"]}),
        _resource("aws_eks_addon", "vpc_cni", {"cluster_name": "app", "addon_name": "vpc-cni",
                                               "configuration_values": json.dumps({"env": env})}),
        *extra,
    ]
    model, _ = build_model(resources, None, (), (), manifests)
    return model


_POD_TABLE = [(
    "  for_each       = { nodes_a = aws_subnet.nodes_a.id, nodes_b = aws_subnet.nodes_b.id, "
    "pods_a = aws_subnet.pods_a.id, pods_b = aws_subnet.pods_b.id }",
    "  for_each       = { nodes_a = aws_subnet.nodes_a.id, nodes_b = aws_subnet.nodes_b.id }"), (
    'resource "aws_eks_cluster" "app" {',
    'resource "aws_route_table" "pods" {\n  vpc_id = aws_vpc.app.id\n}\n\n'
    'resource "aws_route_table_association" "pods" {\n'
    '  for_each       = { a = aws_subnet.pods_a.id, b = aws_subnet.pods_b.id }\n'
    '  subnet_id      = each.value\n  route_table_id = aws_route_table.pods.id\n}\n\n'
    'resource "aws_eks_cluster" "app" {')]


def test_pods_keeping_their_addresses_leave_through_the_pod_subnets_table(tmp_path: Path) -> None:
    """External SNAT: pod traffic leaves through the ENIConfig subnets' interfaces, so their table must route
    to the peer; the path fails there first."""
    directory = _variant(tmp_path, CUSTOM / "fixed", _POD_TABLE)
    main = directory / "main.tf"
    assert found(_lint(directory)) == {("expected_path_blocked", "aws_route_table.pods", str(main.resolve()),
                                        _line(main, 'resource "aws_route_table" "pods"'))}


def test_snat_to_the_node_leaves_through_the_node_subnets_table(tmp_path: Path) -> None:
    """Default SNAT: the node's interface carries the traffic; the pod subnets' table is not on the path."""
    directory = _variant(tmp_path, CUSTOM / "fixed", [*_POD_TABLE, _EXTERNAL])
    assert found(_lint(directory)) == set()


def test_eniconfig_between_two_custom_networking_clusters_of_a_vpc_is_unknown() -> None:
    """An ENIConfig names no cluster: with two clusters running custom networking in one VPC, neither's pods are
    known; a cluster of the VPC with the CNI's defaults is not affected."""
    import json
    env = json.dumps({"env": {"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true"}})
    model = _model([
        _manifest_resource("kubernetes_manifest", {"manifest": {
            "apiVersion": "crd.k8s.amazonaws.com/v1alpha1", "kind": "ENIConfig", "spec": {"subnet": "subnet-pods"}}}),
        _resource("aws_eks_cluster", "other", {"name": "other", "vpc_config": [{"subnet_ids": ["subnet-nodes"]}]}),
        _resource("aws_eks_addon", "other_cni", {"cluster_name": "other", "addon_name": "vpc-cni",
                                                 "configuration_values": env}),
        _resource("aws_eks_cluster", "plain", {"name": "plain", "vpc_config": [{"subnet_ids": ["subnet-nodes"]}]}),
    ])
    by_name = {c.address: c for c in model.clusters}
    for name in ("aws_eks_cluster.app", "aws_eks_cluster.other"):
        assert by_name[name].sources_local is None and "another cluster" in by_name[name].pod_addressing.reason
    assert [str(c) for c in by_name["aws_eks_cluster.plain"].sources_local] == ["10.0.1.0/24"]
