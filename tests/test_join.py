"""Data sources joined to the resources they read, by each provider's rules
(vpclint.model.join with the Selector tables of the adapters)."""

from __future__ import annotations

import pytest

from vpclint.model.build import build_model
from vpclint.model.join import join
from vpclint.resources import Output, Resource
from vpclint.values import Ref, Unknown


def res(address, values, mode="managed"):
    kind, name = address.removeprefix("data.").split(".")[:2]
    return Resource(address=address, type=kind, name=name, values=values, mode=mode)


def data(address, values):
    return res(address, values, mode="data")


def twins(*resources, outputs=()):
    joined = join(list(resources), outputs)
    return joined.twins, [(u.resource, u.reason.split(":")[0]) for u in joined.unknowns]


def test_azure_names_compare_without_case_and_need_the_resource_group():
    vnet = res("azurerm_virtual_network.hub", {"name": "Hub-VNet", "resource_group_name": "Net-RG"})
    other = res("azurerm_virtual_network.other", {"name": "hub-vnet", "resource_group_name": "other-rg"})
    found = data("data.azurerm_virtual_network.hub", {"name": "hub-vnet", "resource_group_name": "net-rg"})
    assert twins(vnet, other, found) == ({"data.azurerm_virtual_network.hub": "azurerm_virtual_network.hub"}, [])


def test_google_project_narrows_but_never_selects_alone():
    a = res("google_compute_network.a", {"name": "vpc", "project": "p1"})
    b = res("google_compute_network.b", {"name": "vpc", "project": "p2"})
    by_name = data("data.google_compute_network.x", {"name": "vpc", "project": "p2"})
    only_project = data("data.google_compute_network.y", {"project": "p2"})
    assert twins(a, b, by_name, only_project) == (
        {"data.google_compute_network.x": "google_compute_network.b"},
        [("data.google_compute_network.y", "its arguments select nothing vpclint can compare (no id, name, tags or "
                                           "filter)")])


@pytest.mark.parametrize("filter_, expected", [
    ({"name": "tag:Tier", "values": ["no*"]}, "aws_subnet.nodes"),          # wildcards, as EC2 filters allow
    ({"name": "cidr-block", "values": ["10.0.1.0/24"]}, "aws_subnet.nodes"),
    ({"name": "map-public-ip-on-launch", "values": ["true"]}, None),         # not one vpclint evaluates
])
def test_aws_filters(filter_, expected):
    nodes = res("aws_subnet.nodes", {"id": "subnet-1", "cidr_block": "10.0.1.0/24", "tags": {"Tier": "nodes"}})
    other = res("aws_subnet.other", {"id": "subnet-2", "cidr_block": "10.0.2.0/24", "tags": {"Tier": "db"}})
    lookup = data("data.aws_subnet.x", {"filter": [filter_]})
    found, notes = twins(nodes, other, lookup)
    assert found == ({"data.aws_subnet.x": expected} if expected else {})
    if expected is None:
        assert notes == [("data.aws_subnet.x", "its filter map-public-ip-on-launch is not one vpclint can evaluate")]


def test_a_route_table_looked_up_by_its_subnet_is_never_joined():
    table = res("aws_route_table.a", {"id": "rtb-1", "vpc_id": "vpc-1"})
    lookup = data("data.aws_route_table.a", {"vpc_id": "vpc-1", "subnet_id": "subnet-9"})
    assert twins(table, lookup) == ({}, [("data.aws_route_table.a", "it selects by subnet_id, which vpclint does "
                                                                     "not evaluate")])


def test_a_plan_data_source_with_a_real_id_joins_the_state_resource_of_that_id():
    """A plan reads data sources while planning: their id is the deployed one."""
    vpc = res("huaweicloud_vpc.demo", {"id": "vpc-123", "name": "vpc-demo", "cidr": "192.168.0.0/16"})
    read = data("data.huaweicloud_vpc.demo", {"id": "vpc-123", "name": "vpc-demo", "cidr": "192.168.0.0/16",
                                                "status": "OK"})
    stale = data("data.huaweicloud_vpc.gone", {"id": "vpc-999", "name": "vpc-demo"})
    found, notes = twins(vpc, read, stale)
    assert found == {"data.huaweicloud_vpc.demo": "huaweicloud_vpc.demo"}
    assert notes == [("data.huaweicloud_vpc.gone", "no huaweicloud_vpc of the inputs matches its arguments")]


def test_references_to_a_joined_data_source_read_the_resource():
    vpc = res("huaweicloud_vpc.demo", {"name": "vpc-demo", "cidr": "192.168.0.0/16"})
    read = data("data.huaweicloud_vpc.demo", {"name": "vpc-demo"})
    subnet = res("huaweicloud_vpc_subnet.s", {"vpc_id": Ref(address="data.huaweicloud_vpc.demo", attr="id"),
                                              "cidr": Ref(address="data.huaweicloud_vpc.demo", attr="cidr")})
    joined = join([vpc, read, subnet])
    (rewritten,) = [r for r in joined.resources if r.address == "huaweicloud_vpc_subnet.s"]
    assert rewritten.values == {"vpc_id": Ref(address="huaweicloud_vpc.demo", attr="id"), "cidr": "192.168.0.0/16"}
    assert "data.huaweicloud_vpc.demo" not in {r.address for r in joined.resources}
    model, _ = build_model([vpc, read, subnet])
    assert [n.address for n in model.networks] == ["huaweicloud_vpc.demo"]
    assert model.subnets[0].network is model.networks[0]


def test_remote_state_outputs_by_name_and_path():
    remote = data("data.terraform_remote_state.net", {"backend": "local"})
    user = res("huaweicloud_vpc_subnet.s", {
        "vpc_id": Ref(address="data.terraform_remote_state.net", attr="outputs.vpc_id"),
        "name": Ref(address="data.terraform_remote_state.net", attr='outputs["subnets"][1]'),
        "description": Ref(address="data.terraform_remote_state.net", attr="outputs.token"),
        "gateway_ip": Ref(address="data.terraform_remote_state.net", attr="outputs.shared")})
    outputs = [Output("net.json", "vpc_id", "vpc-1"), Output("net.json", "subnets", ["a", "b"]),
               Output("net.json", "token", Unknown("sensitive in the state; not read")),
               Output("net.json", "shared", "x"), Output("other.json", "shared", "y")]
    joined = join([remote, user], outputs)
    (rewritten,) = [r for r in joined.resources if r.type == "huaweicloud_vpc_subnet"]
    assert rewritten.values["vpc_id"] == "vpc-1" and rewritten.values["name"] == "b"
    assert rewritten.values["description"] == Unknown("sensitive in the state; not read")
    assert rewritten.values["gateway_ip"] == user.values["gateway_ip"]  # two states have it: stays a reference
    assert [(u.attribute, u.reason) for u in joined.unknowns] == [
        ("outputs.shared", "ambiguous: the states net.json and other.json both have output shared; kept external")]
