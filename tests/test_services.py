"""Kubernetes Services as expect: targets: reading, exposure per provider, the hops."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run
from vpclint.analysis.paths import trace
from vpclint.load.manifests import parse_documents
from vpclint.services import services_from
from vpclint.resources import LoadResult


def _report(directory: Path):
    return run(directory, config=directory / ".vpclint.yaml")


def _failing(report):
    (_, model), = report.models
    hops = trace(model.expectations[0])
    return [(h.name, h.verdict) for h in hops], next((h for h in hops if h.verdict == "fail"), None)


@pytest.mark.parametrize("scenario, hop, detail, address, line", [
    ("service_eks_nlb/broken", "source ranges",
     "loadBalancerSourceRanges of kubernetes_service_v1.api leave out 10.1.0.0/16 (the NLB's frontend security group)",
     "kubernetes_service_v1.api", 4),
    ("service_eks_nlb/broken_manifest", "source ranges",
     "loadBalancerSourceRanges of service.v1/api/api leave out 10.1.0.0/16 (the rules the cloud provider writes into "
     "the nodes' security group)", "service.v1/api/api", 18),
    ("service_cce_elb/broken", "nodes",
     "huaweicloud_networking_secgroup.nodes does not admit 192.168.10.0/24 (the dedicated ELB's backend subnet "
     "(huaweicloud_vpc_subnet.api)) on tcp/30000-32767 (NodePort range of kubernetes_service_v1.api)",
     "huaweicloud_networking_secgroup.nodes", 25),
    ("service_cce_elb/broken_local", "nodes",
     "huaweicloud_networking_secgroup.nodes does not admit 192.168.20.0/24 (the client's address (kept by the load "
     "balancer)) on tcp/31080 (NodePort of service.v1/api)", "huaweicloud_networking_secgroup.nodes", 24),
    ("service_gke_internal/broken", "load balancer",
     "GKE internal passthrough load balancer of kubernetes_manifest.api admits clients in europe-west1 only (global "
     "access off: networking.gke.io/internal-load-balancer-allow-global-access is not \"true\"); "
     "google_container_cluster.clients is in us-central1", "kubernetes_manifest.api", 72),
    ("service_aks_internal/broken", "source ranges",
     "loadBalancerSourceRanges of service.v1/api/api leave out 10.2.0.0/20 (the cluster's NSG (written by the cloud "
     "provider))", "service.v1/api/api", 17),
    ("service_nodeport/broken", "nodes",
     "aws_security_group.nodes does not admit 10.1.0.0/16 (the client's address) on tcp/30443 (NodePort of "
     "kubernetes_service.api)", "aws_security_group.nodes", 16),
])
def test_the_failing_hop_is_named(scenario, hop, detail, address, line):
    report = _report(FIXTURES / scenario)
    assert report.errors == []
    assert [(f.rule_id, f.resource, f.line) for f in report.findings
            if f.rule_id == "expected_path_blocked"] == [("expected_path_blocked", address, line)]
    _, failed = _failing(report)
    assert (failed.name, failed.detail) == (hop, detail)
    assert report.findings[0].extra["path"][-1]["hop"] in ("nodes", "source ranges")


@pytest.mark.parametrize("scenario", ["service_eks_nlb/fixed", "service_eks_nlb/fixed_manifest", "service_cce_elb/fixed",
                                      "service_cce_elb/fixed_local", "service_gke_internal/fixed",
                                      "service_aks_internal/fixed", "service_nodeport/fixed"])
def test_fixed_paths_pass_every_hop(scenario):
    report = _report(FIXTURES / scenario)
    hops, failed = _failing(report)
    assert (report.findings, report.errors, failed) == ([], [], None)
    assert all(verdict == "pass" for _, verdict in hops), hops


def test_the_json_path_has_a_hop_per_element():
    report = _report(FIXTURES / "service_eks_nlb/broken")
    assert [h["hop"] for h in report.findings[0].extra["path"]] == [
        "pod addresses", "pod egress policy", "peering", "route from source subnet", "return route", "load balancer",
        "source ranges", "nodes"]


def _copy(tmp_path: Path, scenario: str) -> Path:
    target = tmp_path / "case"
    shutil.copytree(FIXTURES / scenario, target)
    return target


def test_an_annotation_unknown_before_apply_is_unknown_not_a_finding(tmp_path):
    case = _copy(tmp_path, "service_eks_nlb/broken")
    service = case / "service.tf"
    service.write_text(service.read_text().replace('= "internal"', "= var.scheme")
                       + '\nvariable "scheme" {\n  type = string\n}\n')
    report = _report(case)
    hops, failed = _failing(report)
    assert report.findings == [] and failed is None
    assert ("load balancer", "unknown") in hops


def test_a_service_whose_cluster_is_not_known_is_unknown(tmp_path):
    case = _copy(tmp_path, "service_eks_nlb/broken")
    (case / ".vpclint.yaml").write_text("expect:\n  - from: aws_eks_cluster.clients\n    to: kubernetes_service_v1.api\n"
                                        "    port: 443\n")
    report = _report(case)
    assert report.findings == []
    assert _failing(report)[0] == [("cluster", "unknown")]
    assert any(u.resource == "kubernetes_service_v1.api" and u.attribute == "cluster" for u in report.unknowns)


def test_aks_ranges_do_not_close_the_vnet_without_deny_all(tmp_path):
    case = _copy(tmp_path, "service_aks_internal/broken")
    manifest = case / "service.yaml"
    manifest.write_text(manifest.read_text().replace(
        '    service.beta.kubernetes.io/azure-deny-all-except-load-balancer-source-ranges: "true"\n', ""))
    report = _report(case)
    assert report.findings == []
    assert ("source ranges", "pass") in _failing(report)[0]


def test_a_source_range_that_is_no_cidr_is_cidr_invalid(tmp_path):
    case = _copy(tmp_path, "service_eks_nlb/fixed_manifest")
    manifest = case / "service.yaml"
    manifest.write_text(manifest.read_text().replace("- 10.1.0.0/16", "- 10.1.0.0/33"))
    report = _report(case)
    # the API server rejects the Service, so the path fails too, at the first range
    assert sorted((f.rule_id, f.resource, Path(f.file).name, f.line) for f in report.findings) == [
        ("cidr_invalid", "service.v1/api/api", "service.yaml", 18),
        ("expected_path_blocked", "service.v1/api/api", "service.yaml", 17)]


def test_a_clusterip_service_is_not_reached_from_another_cluster(tmp_path):
    case = _copy(tmp_path, "service_nodeport/fixed")
    service = case / "service.tf"
    service.write_text(service.read_text().replace('"NodePort"', '"ClusterIP"'))
    report = _report(case)
    assert [(f.rule_id, f.resource) for f in report.findings] == [("expected_path_blocked", "kubernetes_service.api")]
    assert _failing(report)[0] == [("service type", "fail")]


def test_services_are_read_from_lists_and_several_documents(tmp_path):
    text = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n"
            "  spec:\n    type: NodePort\n    ports: [{port: 80, nodePort: 30080, protocol: UDP}]\n"
            "---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: web}\nspec:\n  type: LoadBalancer\n"
            "  externalTrafficPolicy: Local\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 443}]\n"
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    documents, error = parse_documents(str(tmp_path / "s.yaml"), text)
    services = services_from(LoadResult(manifests=documents))
    assert error is None
    assert [(s.address, s.type, s.namespace, s.external_traffic_policy, [(p.port, p.node_port, p.protocol)
                                                                       for p in s.ports],
             [str(c) for c in s.source_ranges]) for s in services] == [
        ("service.v1/a", "NodePort", "default", "Cluster", [(80, 30080, "udp")], []),
        ("service.v1/web/b", "LoadBalancer", "web", "Local", [(443, None, "tcp")], ["10.0.0.0/8"])]


def test_nodes_closed_to_an_internal_load_balancer_is_reported_without_expect(tmp_path):
    config = tmp_path / "vpclint.yaml"  # which cluster the Service belongs to, and no expect:
    config.write_text("clusters:\n  huaweicloud_cce_cluster.api:\n    policies: [kubernetes_service_v1.api]\n")
    report = run(FIXTURES / "service_cce_elb/broken", config=config)
    assert [(f.rule_id, f.resource, f.line, f.message) for f in report.findings] == [
        ("service_nodeport_blocked", "huaweicloud_networking_secgroup.nodes", 25,
         "kubernetes_service_v1.api is an internal LoadBalancer Service (CCE dedicated ELB), but "
         "huaweicloud_networking_secgroup.nodes admits tcp/30000-32767 from none of the dedicated ELB's backend subnet "
         "(huaweicloud_vpc_subnet.api) (192.168.10.0/24)")]


def test_a_service_port_whose_protocol_is_unknown_leaves_its_nodeports_unknown_not_tcp(tmp_path):
    case = _copy(tmp_path, "service_cce_elb/fixed")
    service = case / "service.tf"
    service.write_text(service.read_text().replace("target_port = 8080", "target_port = 8080\n      protocol    = var.proto")
                       + '\nvariable "proto" {\n  type = string\n}\n')
    config = tmp_path / "vpclint.yaml"
    config.write_text("clusters:\n  huaweicloud_cce_cluster.api:\n    policies: [kubernetes_service_v1.api]\n")
    report = run(case, config=config)
    # the nodes' group admits tcp/30000-32767 from the ELB's subnet; the port may be UDP, which it does not
    assert report.findings == []
    assert any(u.resource == "kubernetes_service_v1.api" and u.attribute == "spec.ports" for u in report.unknowns)


def test_nodes_open_to_the_clients_of_a_load_balancer_that_keeps_them_are_not_closed():
    report = run(FIXTURES / "service_cce_elb/broken_local")  # admits the ELB's subnet, not the clients
    assert report.findings == []


def test_graph_shows_services_with_their_load_balancers_as_endpoints_of_the_cluster():
    from vpclint.graph import build

    report = _report(FIXTURES / "service_eks_nlb/broken")
    (_, model), = report.models
    graph = build(model)
    (app,) = [members for group_id, _, members in graph.groups if group_id == "n_aws_vpc_app"]
    assert [n.label for n in app if n.shape == "cylinder"] == [
        "kubernetes_service_v1.api\nLoadBalancer: AWS Load Balancer Controller (NLB, ip targets), internal\n"
        "from 10.0.0.0/16"]
    assert [(e.source, e.target, e.label, e.failed) for e in graph.edges if "Service" in e.label or "expect" in e.label] \
        == [("n_kubernetes_service_v1_api", "n_aws_eks_cluster_app", "Service of", False),
            ("n_aws_eks_cluster_clients", "n_kubernetes_service_v1_api",
             "expect tcp/443: source ranges fails at kubernetes_service_v1.api", True)]


def test_a_placeholder_source_range_is_unknown_not_invalid(tmp_path):
    case = _copy(tmp_path, "service_eks_nlb/fixed_manifest")
    manifest = case / "service.yaml"
    manifest.write_text(manifest.read_text().replace("- 10.1.0.0/16", "- $INBOUND_CIDRS"))
    report = _report(case)
    assert report.findings == []
    assert ("source ranges", "unknown") in _failing(report)[0]
    assert any(u.resource == "service.v1/api/api" and "$INBOUND_CIDRS is a placeholder" in u.reason
               for u in report.unknowns)


def test_an_internet_facing_load_balancer_is_reached_from_an_internet_cidr_through_its_source_ranges(tmp_path):
    case = _copy(tmp_path, "service_eks_nlb/broken_manifest")
    manifest = case / "service.yaml"
    manifest.write_text(manifest.read_text().replace('    service.beta.kubernetes.io/aws-load-balancer-internal: "true"\n',
                                                     ""))
    (case / ".vpclint.yaml").write_text("expect:\n  - from: 203.0.113.0/24\n    to: service.v1/api/api\n    port: 443\n"
                                        "clusters:\n  aws_eks_cluster.app:\n    policies: [service.yaml]\n")
    report = _report(case)
    hops, failed = _failing(report)
    assert hops == [("source addresses", "pass"), ("load balancer", "pass"), ("source ranges", "fail"), ("nodes", "pass")]
    assert failed.detail == ("loadBalancerSourceRanges of service.v1/api/api leave out 203.0.113.0/24 (the rules "
                             "the cloud provider writes into the nodes' security group)")


def test_an_internet_facing_load_balancer_from_a_vpc_is_unknown(tmp_path):
    case = _copy(tmp_path, "service_eks_nlb/broken_manifest")
    manifest = case / "service.yaml"
    manifest.write_text(manifest.read_text().replace('    service.beta.kubernetes.io/aws-load-balancer-internal: "true"\n',
                                                     ""))
    (case / ".vpclint.yaml").write_text("expect:\n  - from: 10.1.0.0/16\n    to: service.v1/api/api\n    port: 443\n"
                                        "clusters:\n  aws_eks_cluster.app:\n    policies: [service.yaml]\n")
    report = _report(case)
    assert report.findings == [] and _failing(report)[0] == [("load balancer", "unknown")]


def test_metadata_unknown_before_apply_leaves_the_exposure_unknown(tmp_path):
    case = _copy(tmp_path, "service_eks_nlb/broken")
    service = case / "service.tf"
    text = service.read_text()
    start, end = text.index("  metadata {"), text.index("  spec {")
    service.write_text(text[:start] + "  metadata {\n    name        = \"api\"\n    annotations = var.annotations\n  }\n"
                       + text[end:] + '\nvariable "annotations" {\n  type = map(string)\n}\n')
    report = _report(case)
    assert report.findings == []
    assert ("load balancer", "unknown") in _failing(report)[0]


def test_a_cidr_in_the_peered_vpc_reaches_the_service_through_its_source_ranges(tmp_path):
    case = _copy(tmp_path, "service_eks_nlb/broken")
    (case / ".vpclint.yaml").write_text("expect:\n  - from: 10.1.0.0/16\n    to: kubernetes_service_v1.api\n"
                                        "    port: 443\nclusters:\n  aws_eks_cluster.app:\n"
                                        "    policies: [kubernetes_service_v1.api]\n")
    report = _report(case)
    hops, failed = _failing(report)
    assert [(f.rule_id, f.resource) for f in report.findings] == [("expected_path_blocked", "kubernetes_service_v1.api")]
    assert hops[0] == ("source addresses", "pass")
    assert failed.detail == ("loadBalancerSourceRanges of kubernetes_service_v1.api leave out 10.1.0.0/16 (the NLB's "
                             "frontend security group)")


@pytest.mark.parametrize("scenario", ["service_cce_elb/broken", "service_cce_elb/fixed"])
@pytest.mark.parametrize("twin", ["plan.json", "state.json"])
def test_plan_and_state_twins_read_the_service_as_the_hcl_does(scenario, twin):
    directory = FIXTURES / scenario
    from_hcl = _report(directory)
    from_twin = run(directory / twin, config=directory / ".vpclint.yaml")
    assert from_twin.errors == []
    assert sorted((f.rule_id, f.resource, f.message, f.line) for f in from_twin.findings) == \
        sorted((f.rule_id, f.resource, f.message, f.line) for f in from_hcl.findings)
    assert len(from_hcl.findings) == (2 if scenario.endswith("broken") else 0)


_ACK_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: api
{annotations}spec:
  type: LoadBalancer
  selector:
    app: api
  ports:
    - port: 443
      targetPort: 8443
"""


def _ack_case(tmp_path, annotations: str) -> Path:
    """The CEN fixture's ACK cluster with a LoadBalancer Service, reached from the data VPC's vSwitch."""
    shutil.copy(FIXTURES / "alibaba_cen_flannel/fixed/main.tf", tmp_path / "main.tf")
    (tmp_path / "service.yaml").write_text(_ACK_SERVICE.format(annotations=annotations))
    (tmp_path / ".vpclint.yaml").write_text("expect:\n  - from: alicloud_vswitch.data\n    to: service.v1/api/api\n"
                                            "    port: 443\nclusters:\n  alicloud_cs_managed_kubernetes.apps:\n"
                                            "    policies: [service.yaml]\n")
    return tmp_path


@pytest.mark.parametrize("prefix", ["alibaba-cloud", "alicloud"])
def test_an_ack_intranet_clb_is_reached_through_cen_and_leaves_the_nodes_unknown(tmp_path, prefix):
    case = _ack_case(tmp_path, f"  annotations:\n    service.beta.kubernetes.io/{prefix}-loadbalancer-address-type: "
                               '"intranet"\n')
    report = _report(case)
    hops, failed = _failing(report)
    assert report.findings == [] and failed is None
    assert hops == [("source addresses", "pass"), ("route", "pass"), ("hub route table", "pass"),
                    ("hub attachment", "pass"), ("return route", "pass"), ("return hub route table", "pass"),
                    ("return hub attachment", "pass"), ("load balancer", "pass"), ("source ranges", "pass"),
                    ("nodes", "unknown")]
    assert report.models[0][1].services[0].exposure.controller == "ACK internal CLB"


@pytest.mark.parametrize("annotations", ["", "  annotations:\n    service.beta.kubernetes.io/alibaba-cloud-"
                                             'loadbalancer-address-type: "internet"\n'])
def test_an_ack_clb_is_internet_facing_by_default_so_a_vpc_client_is_unknown(tmp_path, annotations):
    report = _report(_ack_case(tmp_path, annotations))
    assert report.findings == []
    assert _failing(report)[0] == [("load balancer", "unknown")]
    assert report.models[0][1].services[0].exposure.internal is False


def test_ack_source_ranges_are_not_decided(tmp_path):
    case = _ack_case(tmp_path, "  annotations:\n    service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type: "
                               '"intranet"\n')
    manifest = case / "service.yaml"
    manifest.write_text(manifest.read_text() + "  loadBalancerSourceRanges:\n    - 10.9.0.0/16\n")
    report = _report(case)
    assert report.findings == []
    assert ("source ranges", "unknown") in _failing(report)[0]


_ER_CLIENTS = """
resource "huaweicloud_vpc" "demo2" {
  name = "vpc-demo2"
  cidr = "10.1.0.0/16"
}

resource "huaweicloud_vpc_subnet" "servers" {
  name       = "servers"
  vpc_id     = huaweicloud_vpc.demo2.id
  cidr       = "10.1.1.0/24"
  gateway_ip = "10.1.1.1"
}

resource "huaweicloud_er_instance" "er" {
  name                       = "er-demo"
  asn                        = 64512
  availability_zones         = ["cn-north-4a"]
  enable_default_association = true
  enable_default_propagation = true
}

resource "huaweicloud_er_vpc_attachment" "demo" {
  instance_id = huaweicloud_er_instance.er.id
  vpc_id      = huaweicloud_vpc.demo.id
  subnet_id   = huaweicloud_vpc_subnet.api.id
  name        = "demo"
}

resource "huaweicloud_er_vpc_attachment" "demo2" {
  instance_id = huaweicloud_er_instance.er.id
  vpc_id      = huaweicloud_vpc.demo2.id
  subnet_id   = huaweicloud_vpc_subnet.servers.id
  name        = "demo2"
}

resource "huaweicloud_vpc_route" "demo_to_demo2" {
  vpc_id      = huaweicloud_vpc.demo.id
  destination = huaweicloud_vpc.demo2.cidr
  type        = "er"
  nexthop     = huaweicloud_er_instance.er.id
}

resource "huaweicloud_vpc_route_table" "demo2" {
  name    = "demo2-rt"
  vpc_id  = huaweicloud_vpc.demo2.id
  subnets = [huaweicloud_vpc_subnet.servers.id]

  route {
    destination = huaweicloud_vpc.demo.cidr
    type        = "er"
    nexthop     = huaweicloud_er_instance.er.id
  }
}
"""


def test_nodes_open_to_clients_behind_a_hub_of_a_load_balancer_that_keeps_them_are_not_closed(tmp_path):
    # the nodes admit only vpc-demo2, which reaches the cluster's VPC through an Enterprise Router:
    # the ELB keeps those clients' addresses, so the NodePort is open to them
    network = (FIXTURES / "service_cce_elb/broken_local/network.tf").read_text()
    network = network.replace('remote_ip_prefix  = "192.168.10.0/24"', 'remote_ip_prefix  = "10.1.0.0/16"')
    (tmp_path / "network.tf").write_text(network + _ER_CLIENTS)
    shutil.copy(FIXTURES / "service_cce_elb/broken_local/service.yaml", tmp_path / "service.yaml")
    config = tmp_path / "vpclint.yaml"
    config.write_text("clusters:\n  huaweicloud_cce_cluster.api:\n    policies: [service.yaml]\n")
    report = run(tmp_path, config=config)
    assert [f for f in report.findings if f.rule_id == "service_nodeport_blocked"] == []
