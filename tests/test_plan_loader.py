"""The plan JSON loader: instances, unknowns, links through configuration, errors.

The fixtures under fixtures/plan_*/ are hand-written in the real
``terraform show -json`` format; the corpus test reads plans written by
other projects (skipped when ../shared is absent).
"""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path

import pytest

import vpclint.load
from vpclint.load.plan import NOT_A_PLAN, load_plan
from vpclint.load.state import is_state
from vpclint.resources import LoadError, UnknownNote
from vpclint.values import Ref, Unknown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AFTER_APPLY = Unknown("known after apply")


def load(name: str):
    result = load_plan(str(FIXTURES / name / "plan.json"))
    assert result.errors == []
    return result, {r.address: r for r in result.resources}


def by_address(result):
    return {r.address: r for r in result.resources}


def write(tmp_path: Path, doc, name: str = "plan.json") -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def change(address, after, unknown=None, actions=("create",), module="", **extra):
    local = address[len(module) + 1 :] if module else address
    mode = "data" if local.startswith("data.") else "managed"
    rtype, name = local.removeprefix("data.").split("[")[0].split(".")
    entry = {"address": address, "mode": mode, "type": rtype, "name": name, **extra,
             "change": {"actions": list(actions), "before": None, "after": after, "after_unknown": unknown or {}}}
    if module:
        entry["module_address"] = module
    return entry


def plan(changes, resources=(), module_calls=None, version="1.2", **extra):
    root = {"resources": list(resources)}
    if module_calls:
        root["module_calls"] = module_calls
    return {"format_version": version, "resource_changes": changes, "configuration": {"root_module": root}, **extra}


def config(address, **expressions):
    rtype, name = address.split(".")
    return {"address": address, "mode": "managed", "type": rtype, "name": name, "expressions": expressions}


def refs(*names):
    return {"references": list(names)}


# -- AWS: VPC, subnets (count), peering, route table with inline routes -------


def test_basic_addresses_sorted_and_deletions_skipped():
    result, by_address = load("plan_basic")
    assert [r.address for r in result.resources] == [
        "aws_db_subnet_group.db",
        "aws_eks_cluster.main",
        "aws_nat_gateway.main",
        "aws_route_table.private",
        "aws_route_table_association.private[0]",
        "aws_route_table_association.private[1]",
        "aws_security_group.app",
        "aws_security_group.db",
        "aws_subnet.private[0]",
        "aws_subnet.private[1]",
        "aws_subnet.shared_extra",
        "aws_vpc.main",
        "aws_vpc.shared",
        "aws_vpc_peering_connection.to_peer",
        "data.aws_availability_zones.all",
        "data.aws_vpc.peer",
    ]
    # ["delete"] (aws_route_table.legacy), ["forget"] (aws_eip.legacy) and the
    # deposed aws_security_group.app object are not in the post-apply state
    assert by_address["aws_security_group.app"].values["name"] == "app"
    assert result.files == [str(FIXTURES / "plan_basic" / "plan.json")]
    assert result.comments == {} and result.unknowns == []


def test_basic_instance_fields():
    _, by_address = load("plan_basic")
    subnet = by_address["aws_subnet.private[1]"]
    assert (subnet.type, subnet.name, subnet.mode, subnet.module, subnet.index) == ("aws_subnet", "private", "managed", "", 1)
    assert (subnet.file, subnet.line, subnet.span) == (None, None, None)
    assert subnet.values["cidr_block"] == "10.0.2.0/24"
    assert subnet.values["arn"] == AFTER_APPLY and type(subnet.values["arn"]) is Unknown


def test_basic_plain_references_become_refs():
    _, by_address = load("plan_basic")
    assert by_address["aws_subnet.private[0]"].values["vpc_id"] == Ref(address="aws_vpc.main", attr="id")
    peering = by_address["aws_vpc_peering_connection.to_peer"].values
    assert peering["vpc_id"] == Ref(address="aws_vpc.main", attr="id")
    assert peering["peer_vpc_id"] == "vpc-0feed00000000beef"
    assert by_address["aws_nat_gateway.main"].values["subnet_id"] == Ref(address="aws_subnet.private[0]", attr="id")


def test_basic_known_ids_stay_known():
    _, by_address = load("plan_basic")
    assert by_address["aws_subnet.shared_extra"].values["vpc_id"] == "vpc-0a1b2c3d4e5f60001"
    assert by_address["aws_vpc.shared"].values["id"] == "vpc-0a1b2c3d4e5f60001"


def test_basic_inline_routes_link_each_target_by_attribute_name():
    _, by_address = load("plan_basic")
    table = by_address["aws_route_table.private"].values
    assert table["vpc_id"] == Ref(address="aws_vpc.main", attr="id")
    routes = {route["cidr_block"]: route for route in table["route"]}
    assert routes["172.16.0.0/16"]["vpc_peering_connection_id"] == Ref(address="aws_vpc_peering_connection.to_peer", attr="id")
    assert routes["172.16.0.0/16"]["nat_gateway_id"] == ""
    assert routes["0.0.0.0/0"]["nat_gateway_id"] == Ref(address="aws_nat_gateway.main", attr="id")


def test_basic_count_index_reference_uses_the_same_index():
    _, by_address = load("plan_basic")
    for i in (0, 1):
        association = by_address[f"aws_route_table_association.private[{i}]"].values
        assert association["subnet_id"] == Ref(address=f"aws_subnet.private[{i}]", attr="id")
        assert association["route_table_id"] == Ref(address="aws_route_table.private", attr="id")


def test_basic_nested_blocks_and_lists():
    _, by_address = load("plan_basic")
    vpc_config = by_address["aws_eks_cluster.main"].values["vpc_config"][0]
    assert vpc_config["subnet_ids"] == [Ref(address="aws_subnet.private[0]", attr="id"), Ref(address="aws_subnet.private[1]", attr="id")]
    assert vpc_config["security_group_ids"] == [Ref(address="aws_security_group.app", attr="id")]
    assert type(vpc_config["vpc_id"]) is Unknown  # computed, not in the configuration
    assert vpc_config["endpoint_private_access"] is True
    ingress = by_address["aws_security_group.db"].values["ingress"]
    assert ingress[0]["cidr_blocks"] == ["172.16.0.0/16"] and ingress[0]["security_groups"] == []
    assert ingress[1]["security_groups"] == [Ref(address="aws_security_group.app", attr="id")]


def test_basic_splat_reference_stays_unknown():
    _, by_address = load("plan_basic")
    # subnet_ids = aws_subnet.private[*].id: the plan only says "aws_subnet.private"
    assert type(by_address["aws_db_subnet_group.db"].values["subnet_ids"]) is Unknown


def test_basic_data_sources_from_prior_state():
    _, by_address = load("plan_basic")
    peer = by_address["data.aws_vpc.peer"]
    assert (peer.mode, peer.type, peer.name) == ("data", "aws_vpc", "peer")
    assert peer.values["cidr_block"] == "172.16.0.0/16"


# -- Huawei CCE in a for_each module, with a nested module --------------------


def test_huawei_addresses_and_modules():
    result, by_address = load("plan_huawei_cce")
    assert "huaweicloud_vpc_route.old_peering" not in by_address  # ["delete"]
    cluster = by_address['module.cce["prod"].huaweicloud_cce_cluster.this']
    assert (cluster.module, cluster.index, cluster.type, cluster.name) == ('module.cce["prod"]', None, "huaweicloud_cce_cluster", "this")
    rule = by_address['module.cce["test"].module.sg.huaweicloud_networking_secgroup_rule.pods']
    assert rule.module == 'module.cce["test"].module.sg'
    assert rule.values["remote_ip_prefix"] == "172.18.0.0/16"
    env = [f'module.cce["{key}"].{local}' for key in ("prod", "test") for local in (
        "huaweicloud_cce_cluster.this", "huaweicloud_vpc.this", "huaweicloud_vpc_subnet.nodes",
        "module.sg.huaweicloud_networking_secgroup.this", "module.sg.huaweicloud_networking_secgroup_rule.from_shared",
        "module.sg.huaweicloud_networking_secgroup_rule.pods")]
    assert [r.address for r in result.resources] == [
        "data.huaweicloud_availability_zones.zones", "data.huaweicloud_vpc_subnet.prod_nodes",
        "huaweicloud_vpc_peering_connection.prod_to_shared", "huaweicloud_vpc_route.pods_prod", *env,
        "module.shared.huaweicloud_networking_secgroup.shared", "module.shared.huaweicloud_vpc.shared",
    ]


def test_huawei_cluster_links_are_module_relative():
    _, by_address = load("plan_huawei_cce")
    for env in ("prod", "test"):
        module = f'module.cce["{env}"]'
        values = by_address[f"{module}.huaweicloud_cce_cluster.this"].values
        assert values["container_network_type"] == "vpc-router"
        assert values["container_network_cidr"] == {"prod": "172.16.0.0/16", "test": "172.18.0.0/16"}[env]
        assert values["vpc_id"] == Ref(address=f"{module}.huaweicloud_vpc.this", attr="id")
        assert values["subnet_id"] == Ref(address=f"{module}.huaweicloud_vpc_subnet.nodes", attr="id")
        # security_group_id = module.sg.id: the output of the single sg instance
        assert values["security_group_id"] == Ref(address=f"{module}.module.sg.huaweicloud_networking_secgroup.this", attr="id")
        assert type(values["service_network_cidr"]) is Unknown


def test_huawei_module_outputs_and_variables():
    _, by_address = load("plan_huawei_cce")
    peering = by_address["huaweicloud_vpc_peering_connection.prod_to_shared"].values
    assert peering["vpc_id"] == Ref(address='module.cce["prod"].huaweicloud_vpc.this', attr="id")
    assert peering["peer_vpc_id"] == Ref(address="module.shared.huaweicloud_vpc.shared", attr="id")
    route = by_address["huaweicloud_vpc_route.pods_prod"].values
    assert route["nexthop"] == Ref(address="huaweicloud_vpc_peering_connection.prod_to_shared", attr="id")
    assert route["destination"] == "172.16.0.0/16"
    # var.remote_group_id <- var.shared_sg_id <- module.shared.sg_id
    rule = by_address['module.cce["test"].module.sg.huaweicloud_networking_secgroup_rule.from_shared'].values
    assert rule["remote_group_id"] == Ref(address="module.shared.huaweicloud_networking_secgroup.shared", attr="id")


def test_huawei_data_sources():
    _, by_address = load("plan_huawei_cce")
    lookup = by_address["data.huaweicloud_vpc_subnet.prod_nodes"]  # read during apply
    assert lookup.mode == "data"
    assert lookup.values["id"] == Ref(address='module.cce["prod"].huaweicloud_vpc_subnet.nodes', attr="id")
    zones = by_address["data.huaweicloud_availability_zones.zones"]  # read during plan
    assert zones.values["names"] == ["cn-north-4a", "cn-north-4b", "cn-north-4c"]


# -- format 0.1: references name no attribute ----------------------------------


def test_format_01_links_only_ids_named_like_their_target():
    result, by_address = load("plan_format01")
    assert [r.address for r in result.resources] == [
        "aws_route_table.rt", "aws_route_table_association.a", "aws_subnet.a", "aws_vpc.main", "aws_vpc_endpoint.s3",
    ]
    assert by_address["aws_subnet.a"].values["vpc_id"] == Ref(address="aws_vpc.main", attr="id")
    association = by_address["aws_route_table_association.a"].values
    assert association["subnet_id"] == Ref(address="aws_subnet.a", attr="id")
    assert association["route_table_id"] == Ref(address="aws_route_table.rt", attr="id")
    endpoint = by_address["aws_vpc_endpoint.s3"].values
    assert endpoint["vpc_id"] == Ref(address="aws_vpc.main", attr="id")
    # route_table_ids = [aws_vpc.main.main_route_table_id]: not the VPC's id
    assert type(endpoint["route_table_ids"]) is Unknown


# -- values and links on small plans ------------------------------------------


def test_after_unknown_merges_into_after(tmp_path):
    after = {"a": 1, "tags": None, "list": ["x", None], "blocks": [{"k": "v"}], "ports": [False]}
    unknown = {"id": True, "tags": {}, "list": [False, True], "blocks": [{"inner": True}], "whole": True}
    result = load_plan(write(tmp_path, plan([change("t_r.x", after, unknown)])))
    values = result.resources[0].values
    assert values == {"a": 1, "tags": None, "list": ["x", AFTER_APPLY], "blocks": [{"k": "v", "inner": AFTER_APPLY}],
                      "ports": [False], "id": AFTER_APPLY, "whole": AFTER_APPLY}


def test_planned_values_only_and_nested_child_modules(tmp_path):
    planned = {"root_module": {"resources": [
        {"address": "t_r.root", "mode": "managed", "type": "t_r", "name": "root", "values": {"v": 1}},
    ], "child_modules": [{"address": "module.a[0]", "resources": [], "child_modules": [
        {"address": "module.a[0].module.b", "resources": [
            {"address": 'module.a[0].module.b.t_r.x["k"]', "mode": "managed", "type": "t_r", "name": "x", "index": "k", "values": {"v": 2}},
        ]}]}]}}
    result = load_plan(write(tmp_path, {"format_version": "1.0", "planned_values": planned}))
    assert result.errors == []
    inner, root = result.resources
    assert (inner.address, inner.module, inner.index, inner.values) == ('module.a[0].module.b.t_r.x["k"]', "module.a[0].module.b", "k", {"v": 2})
    assert (root.address, root.module, root.index, root.values) == ("t_r.root", "", None, {"v": 1})


def test_ambiguous_references_stay_unknown(tmp_path):
    unknown = {"vpc_id": True, "peer_vpc_id": True, "subnet_id": True, "route_table_id": True, "whole": True}
    changes = [
        change("aws_vpc.a", {}, {"id": True}),
        change("aws_vpc.b", {}, {"id": True}),
        change("aws_subnet.s[0]", {}, {"id": True}, index=0),
        change("aws_thing.t[0]", {}, unknown, index=0),
    ]
    expressions = {
        "vpc_id": refs("var.flag", "aws_vpc.a.id", "aws_vpc.a", "aws_vpc.b.id", "aws_vpc.b"),  # a ? a : b
        "peer_vpc_id": refs("local.peer", "aws_vpc.a.id", "aws_vpc.a"),  # locals are not in plans
        "subnet_id": refs("aws_subnet.s"),  # aws_subnet.s[var.i].id or a splat: no count.index
        "route_table_id": refs("aws_vpc.a.main_route_table_id", "aws_vpc.a"),
        "whole": refs("aws_vpc.a"),  # the whole object
    }
    result = load_plan(write(tmp_path, plan(changes, [config("aws_thing.t", **expressions)])))
    values = by_address(result)["aws_thing.t[0]"].values
    for key in ("vpc_id", "peer_vpc_id", "subnet_id", "whole"):
        assert type(values[key]) is Unknown, key
    assert values["route_table_id"] == Ref(address="aws_vpc.a", attr="main_route_table_id")


def test_known_root_variable_beside_a_reference(tmp_path):
    changes = [change("aws_vpc.a", {}, {"id": True}), change("aws_subnet.s", {}, {"vpc_id": True})]
    resources = [config("aws_subnet.s", vpc_id=refs("var.vpc_id", "aws_vpc.a.id", "aws_vpc.a"))]  # coalesce(var.vpc_id, ...)
    result = load_plan(write(tmp_path, plan(changes, resources)))
    assert by_address(result)["aws_subnet.s"].values["vpc_id"] == Ref(address="aws_vpc.a", attr="id")


def test_list_elements_link_in_reference_order(tmp_path):
    changes = [change("aws_subnet.a", {}, {"id": True}), change("aws_subnet.b", {}, {"id": True}),
               change("aws_lb.x", {"subnets": [None, "subnet-1", None]}, {"subnets": [True, False, True]})]
    resources = [config("aws_lb.x", subnets=refs("aws_subnet.a.id", "aws_subnet.a", "aws_subnet.b.id", "aws_subnet.b"))]
    result = load_plan(write(tmp_path, plan(changes, resources)))
    assert result.resources[0].values["subnets"] == [Ref(address="aws_subnet.a", attr="id"), "subnet-1", Ref(address="aws_subnet.b", attr="id")]


def _set_of_new_ids(tmp_path, references, calls=None, module=""):
    """A provider set of new subnet ids as Terraform plans it: wholly unknown, after_sensitive []."""
    prefix = f"{module}." if module else ""
    changes = [change("aws_subnet.a", {}, {"id": True}), change("aws_subnet.b", {}, {"id": True}),
               change(f"{prefix}aws_ec2_transit_gateway_vpc_attachment.x", {}, {"subnet_ids": True, "id": True},
                      module=module)]
    changes[-1]["change"]["after_sensitive"] = {"subnet_ids": []}
    attachment = config("aws_ec2_transit_gateway_vpc_attachment.x", subnet_ids=refs(*references))
    if module:
        calls = {module.removeprefix("module."): {"module": {"resources": [attachment]}, "expressions": calls}}
        doc = plan(changes, module_calls=calls)
    else:
        doc = plan(changes, [attachment])
    return by_address(load_plan(write(tmp_path, doc)))[f"{prefix}aws_ec2_transit_gateway_vpc_attachment.x"].values


A_AND_B = ("aws_subnet.a.id", "aws_subnet.a", "aws_subnet.b.id", "aws_subnet.b")


def test_a_wholly_unknown_set_of_references_is_one_ref_per_element(tmp_path):
    assert _set_of_new_ids(tmp_path, A_AND_B)["subnet_ids"] == [Ref(address="aws_subnet.a", attr="id"),
                                                                 Ref(address="aws_subnet.b", attr="id")]


def test_a_list_passed_into_a_module_keeps_its_elements(tmp_path):
    values = _set_of_new_ids(tmp_path, ("var.subnet_ids",), {"subnet_ids": refs(*A_AND_B)}, module="module.hub")
    assert values["subnet_ids"] == [Ref(address="aws_subnet.a", attr="id"), Ref(address="aws_subnet.b", attr="id")]


def test_a_module_output_listing_its_subnets_keeps_its_elements(tmp_path):
    changes = [change(f"module.net.aws_subnet.{n}", {}, {"id": True}, module="module.net") for n in ("a", "b")]
    changes.append(change("aws_ec2_transit_gateway_vpc_attachment.x", {}, {"subnet_ids": True, "id": True}))
    changes[-1]["change"]["after_sensitive"] = {"subnet_ids": []}
    calls = {"net": {"module": {"outputs": {"ids": {"expression": refs(*A_AND_B)}},
                                "resources": [config("aws_subnet.a"), config("aws_subnet.b")]}}}
    resources = [config("aws_ec2_transit_gateway_vpc_attachment.x", subnet_ids=refs("module.net.ids", "module.net"))]
    values = by_address(load_plan(write(tmp_path, plan(changes, resources, calls))))[
        "aws_ec2_transit_gateway_vpc_attachment.x"].values
    assert values["subnet_ids"] == [Ref(address="module.net.aws_subnet.a", attr="id"),
                                    Ref(address="module.net.aws_subnet.b", attr="id")]


@pytest.mark.parametrize("references", [
    ("aws_subnet.a.id", "aws_subnet.a", "aws_subnet.a.id", "aws_subnet.a"),  # [a.id, "${a.id}-x"]: one read twice
    ("aws_subnet.a.id", "aws_subnet.a", "var.more"),  # concat([a.id], var.more): the variable adds elements
    ("local.ids",), ("aws_subnet.a",),  # a local, a splat
])
def test_a_set_whose_elements_the_references_do_not_show_stays_unknown(tmp_path, references):
    assert type(_set_of_new_ids(tmp_path, references)["subnet_ids"]) is Unknown


def test_a_module_list_from_the_variable_default_stays_unknown(tmp_path):
    assert type(_set_of_new_ids(tmp_path, ("var.subnet_ids",), {}, module="module.hub")["subnet_ids"]) is Unknown


def test_elements_read_twice_are_not_linked_one_by_one(tmp_path):
    """resources = [aws_s3_bucket.x.arn, "${aws_s3_bucket.x.arn}/*"], as in checkov's plan_with_iam_data_block."""
    changes = [change("aws_s3_bucket.x", {}, {"id": True, "arn": True}),
               change("aws_thing.p", {"resources": [None, None]}, {"resources": [True, True]})]
    resources = [config("aws_thing.p", resources=refs("aws_s3_bucket.x.arn", "aws_s3_bucket.x",
                                                      "aws_s3_bucket.x.arn", "aws_s3_bucket.x"))]
    values = load_plan(write(tmp_path, plan(changes, resources))).resources[1].values
    assert all(type(v) is Unknown for v in values["resources"])


def test_module_with_several_instances_needs_a_key(tmp_path):
    changes = [change(f'module.m["{k}"].aws_vpc.v', {}, {"id": True}, module=f'module.m["{k}"]') for k in ("a", "b")]
    changes.append(change("aws_subnet.s", {}, {"vpc_id": True, "tags": True}))
    calls = {"m": {"module": {"outputs": {"id": {"expression": refs("aws_vpc.v.id", "aws_vpc.v")}},
                              "resources": [config("aws_vpc.v")]}}}
    resources = [config("aws_subnet.s", vpc_id=refs('module.m["b"].id', 'module.m["b"]', "module.m"),
                        tags=refs("module.m.id", "module.m"))]
    result = load_plan(write(tmp_path, plan(changes, resources, calls)))
    values = result.resources[0].values
    assert values["vpc_id"] == Ref(address='module.m["b"].aws_vpc.v', attr="id")
    assert type(values["tags"]) is Unknown


def test_for_each_each_key_reference(tmp_path):
    changes = [change(f'aws_subnet.s["{k}"]', {}, {"id": True}, index=k) for k in ("a", "b")]
    changes.append(change('aws_route_table_association.r["b"]', {}, {"subnet_id": True}, index="b"))
    resources = [config("aws_route_table_association.r", subnet_id=refs("aws_subnet.s", "each.key"))]
    result = load_plan(write(tmp_path, plan(changes, resources)))
    assert result.resources[0].values["subnet_id"] == Ref(address='aws_subnet.s["b"]', attr="id")


def test_unknown_instance_keys_are_noted(tmp_path):
    changes = [change("aws_subnet.s[*]", {}, {"id": True}, index_unknown=True),
               change("aws_vpc.v", {}, {"id": True})]
    deferred = [{"reason": "instance_count_unknown", "resource_change": change("aws_route.r[*]", {}, {"id": True})}]
    result = load_plan(write(tmp_path, plan(changes, deferred_changes=deferred)))
    assert [r.address for r in result.resources] == ["aws_vpc.v"]
    assert [(n.resource, n.attribute) for n in result.unknowns] == [("aws_subnet.s[*]", "count"), ("aws_route.r[*]", "count")]
    assert all(isinstance(n, UnknownNote) and n.reason for n in result.unknowns)


# -- errors -------------------------------------------------------------------


def test_invalid_json_reports_its_line(tmp_path):
    result = load_plan(write(tmp_path, '{\n  "format_version": "1.2",\n  "resource_changes": [,]\n}'))
    [error] = result.errors
    assert (error.line, error.file) == (3, str(tmp_path / "plan.json"))
    assert error.message.startswith("invalid JSON: Expecting value")
    assert result.resources == [] and result.files == [str(tmp_path / "plan.json")]


@pytest.mark.parametrize("doc", [
    {"resource_changes": []},
    [1, 2],
    "null",
])
def test_not_a_plan(tmp_path, doc):
    result = load_plan(write(tmp_path, doc if doc == "null" else json.dumps(doc)))
    assert result.errors == [LoadError(str(tmp_path / "plan.json"), None, NOT_A_PLAN)]


@pytest.mark.parametrize("version", ["2.0", "10.1", 1.2, None])
def test_unsupported_format_version(tmp_path, version):
    result = load_plan(write(tmp_path, {"format_version": version, "planned_values": {}}))
    assert result.errors == [LoadError(str(tmp_path / "plan.json"), None, f"unsupported plan format_version {version}")]


def test_format_major_0_is_accepted(tmp_path):
    result = load_plan(write(tmp_path, plan([change("t_r.x", {"v": 1})], version="0.2")))
    assert result.errors == [] and result.resources[0].values == {"v": 1}


def test_byte_order_mark_is_stripped(tmp_path):
    path = tmp_path / "plan.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(plan([change("t_r.x", {"v": "\u00e9"})])).encode())
    result = load_plan(str(path))
    assert result.errors == [] and result.resources[0].values == {"v": "\u00e9"}


def test_invalid_utf8(tmp_path):
    path = tmp_path / "plan.json"
    path.write_bytes(b'{"format_version": "1.2",\n"planned_values": {"x": "\xff"}}')
    [error] = load_plan(str(path)).errors
    assert error.line == 2 and "UTF-8" in error.message


@pytest.mark.parametrize("content", [b"", b"  \n\t", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    assert load_plan(str(path)).errors == [LoadError(str(path), None, "empty file")]


def test_file_too_large(tmp_path, monkeypatch):
    path = write(tmp_path, plan([change("t_r.x", {"v": 1})]))
    monkeypatch.setattr(vpclint.load, "MAX_PLAN_BYTES", 50)
    [error] = load_plan(path).errors
    assert "too large" in error.message and load_plan(path).resources == []


def test_missing_file_and_directory(tmp_path):
    assert "cannot read" in load_plan(str(tmp_path / "absent.json")).errors[0].message
    assert "cannot read" in load_plan(str(tmp_path)).errors[0].message


def test_deep_nesting(tmp_path):
    [error] = load_plan(write(tmp_path, "[" * 200_000 + "]" * 200_000)).errors
    assert "nested too deeply" in error.message


def test_deep_nesting_inside_a_resource(tmp_path):
    depth = 950  # parses, but merging after_unknown may run out of stack
    text = json.dumps(plan([change("t_r.ok", {"v": 1}), change("t_r.deep", {"v": None}, {"v": None})]))
    text = text.replace('"after_unknown": {"v": null}', '"after_unknown": {"v": ' + "[" * depth + "true" + "]" * depth + "}")
    result = load_plan(write(tmp_path, text))
    loaded = by_address(result)
    assert "t_r.ok" in loaded
    assert "t_r.deep" in loaded or [e.message.split(":")[0] for e in result.errors] == ["t_r.deep"]


def test_wrong_shapes_skip_only_that_resource(tmp_path):
    changes = [
        ["not", "an", "object"],
        change("t_r.after_is_a_list", ["x"]),
        change("t_r.disagree", "text", {"a": True}),
        change("t_r.bad_index", {}, index={"k": 1}),
        change("t_r.bad_module", {}, module_address="modules.x"),
        {"address": "t_r.no_change", "type": "t_r", "name": "no_change"},
        {"address": "t_r.bad_actions", "type": "t_r", "name": "bad_actions", "change": {"actions": "create"}},
        change("t_r.bad_mode", {}, mode="resource"),
        change("t_r.good", {"v": 1}, {"id": True}),
    ]
    resources = [config("t_r.good", id={"references": "aws_vpc.a.id"}), "junk"]
    result = load_plan(write(tmp_path, plan(changes, resources)))
    assert [r.address for r in result.resources] == ["t_r.good"]
    assert type(result.resources[0].values["id"]) is Unknown
    named = [e.message.split(":")[0] for e in result.errors]
    assert named == ["resource_changes[0]", "t_r.after_is_a_list", "t_r.disagree", "t_r.bad_index", "t_r.bad_module",
                     "t_r.no_change", "t_r.bad_actions", "t_r.bad_mode"]
    assert all(e.line is None and "skipped" in e.message for e in result.errors)


def test_wrong_section_shapes(tmp_path):
    doc = {"format_version": "1.1", "resource_changes": {"a": 1}, "configuration": [],
           "planned_values": {"root_module": {"resources": [{"address": "t_r.x", "type": "t_r", "name": "x", "values": {}}],
                                              "child_modules": "nope"}}}
    result = load_plan(write(tmp_path, doc))
    assert [r.address for r in result.resources] == ["t_r.x"]
    assert len(result.errors) == 3 and all("ignored" in e.message for e in result.errors)


def test_wrong_configuration_shapes_leave_values_unknown(tmp_path):
    changes = [change("aws_vpc.a", {}, {"id": True}),
               change("aws_subnet.s", {"blocks": [{"x": 1}]}, {"vpc_id": True, "blocks": [{"id": True}], "tags": True})]
    resources = [config("aws_subnet.s", vpc_id=refs(1, None, ["aws_vpc.a.id"]), blocks={"references": ["aws_vpc.a.id"]},
                        tags=[{"references": 3}])]
    calls = {"m": "not a call", "n": {"module": []}}
    result = load_plan(write(tmp_path, plan(changes, resources, calls)))
    values = by_address(result)["aws_subnet.s"].values
    assert type(values["vpc_id"]) is Unknown and type(values["tags"]) is Unknown
    assert values["blocks"] == [{"x": 1, "id": Ref(address="aws_vpc.a", attr="id")}]


def test_mangled_fixtures_never_raise(tmp_path):
    """Replace random parts of the fixtures with values of the wrong type."""
    docs = [json.loads((FIXTURES / name / "plan.json").read_text()) for name in ("plan_basic", "plan_huawei_cce", "plan_format01")]
    junk = [None, True, 0, 1.5, "", "module.x", [], {}, [[1]], {"a": {}}, ["aws_vpc.main"], {"references": 5}, {"constant_value": {}}]
    rng = random.Random(7)
    for _ in range(150):
        doc = copy.deepcopy(rng.choice(docs))
        for _ in range(rng.randint(1, 5)):
            parent, key = rng.choice(list(_slots(doc)))
            parent[key] = copy.deepcopy(rng.choice(junk))
        result = load_plan(write(tmp_path, doc))
        assert all(isinstance(e, LoadError) for e in result.errors)


def _slots(value):
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield value, key
        yield from _slots(child)


# -- real plans ----------------------------------------------------------------


def corpus_dir() -> Path | None:
    candidates = []
    if os.environ.get("VPCLINT_CORPUS"):
        env = Path(os.environ["VPCLINT_CORPUS"])
        candidates += [env / "plans", env]
    candidates.append(Path(__file__).resolve().parents[2] / "shared" / "corpus" / "plans")
    return next((c for c in candidates if c.is_dir() and any(c.rglob("*.json"))), None)


def test_every_corpus_plan_loads():
    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("shared/corpus/plans is not present (set VPCLINT_CORPUS)")
    loaded = resources = 0
    for path in sorted(corpus.rglob("*.json")):
        result = load_plan(str(path))
        try:
            doc = json.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
        except ValueError:
            doc = None
        is_plan = isinstance(doc, dict) and "format_version" in doc and any(
            k in doc for k in ("planned_values", "resource_changes", "configuration"))
        if not is_plan and not is_state(doc):
            assert result.errors and result.resources == [], path
            continue
        assert all(isinstance(e, LoadError) for e in result.errors), path
        assert [r.address for r in result.resources] == sorted(r.address for r in result.resources)
        assert len({r.address for r in result.resources}) == len(result.resources)
        loaded += 1
        resources += len(result.resources)
    assert loaded > 0 and resources > 0
