"""State JSON (`terraform show -json` with no plan) as an input: told apart from
a plan by content, its values known and its ids real, sensitive values unread."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vpclint.cli import cli
from vpclint.load import LoadOptions, load_path
from vpclint.load.state import SENSITIVE
from vpclint.resources import LoadError, Output


def _entry(address, type_, values, mode="managed", sensitive=None, **extra):
    name = address.rsplit(".", 1)[-1].split("[")[0]
    return {"address": address, "mode": mode, "type": type_, "name": name, "provider_name": "x",
            "schema_version": 0, "values": values, "sensitive_values": sensitive or {}, **extra}


def _state(resources, children=(), outputs=None, version="1.0"):
    return {"format_version": version, "terraform_version": "1.6.0",
            "values": {"outputs": outputs or {}, "root_module": {"resources": resources,
                                                                 "child_modules": list(children)}}}


def _write(tmp_path, doc, name="state.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.mark.parametrize("version", ["0.2", "1.0"])
def test_state_resources_with_child_modules(tmp_path, version):
    child = {"address": "module.net", "resources": [
        _entry("module.net.huaweicloud_vpc.this", "huaweicloud_vpc", {"id": "vpc-1", "cidr": "10.1.0.0/16"})]}
    doc = _state([_entry("huaweicloud_vpc.demo", "huaweicloud_vpc", {"id": "vpc-0", "name": "vpc-demo"}),
                  _entry("data.huaweicloud_vpc.other", "huaweicloud_vpc", {"id": "vpc-9"}, mode="data")],
                 [child], {"vpc_id": {"sensitive": False, "value": "vpc-0", "type": "string"}}, version)
    result = load_path(_write(tmp_path, doc), LoadOptions())
    assert result.errors == []
    assert [(r.address, r.mode, r.module) for r in result.resources] == [
        ("data.huaweicloud_vpc.other", "data", ""), ("huaweicloud_vpc.demo", "managed", ""),
        ("module.net.huaweicloud_vpc.this", "managed", "module.net")]
    assert result.resources[2].values == {"id": "vpc-1", "cidr": "10.1.0.0/16"}
    assert result.outputs == [Output(str(tmp_path / "state.json"), "vpc_id", "vpc-0")]


def test_empty_state_is_a_state(tmp_path):
    result = load_path(_write(tmp_path, {"format_version": "1.0"}), LoadOptions())
    assert result.errors == [] and result.resources == []


def test_sensitive_values_are_never_read(tmp_path):
    doc = _state([_entry("huaweicloud_dcs_instance.cache", "huaweicloud_dcs_instance",
                         {"id": "dcs-1", "password": "hunter2", "whitelists": [{"ip_address": ["10.0.0.0/8"]}]},
                         sensitive={"password": True})],
                 outputs={"token": {"sensitive": True, "value": "s3cr3t", "type": "string"}})
    path = _write(tmp_path, doc)
    result = load_path(path, LoadOptions())
    values = result.resources[0].values
    assert values["password"] == SENSITIVE and values["whitelists"] == [{"ip_address": ["10.0.0.0/8"]}]
    assert result.outputs[0].value == SENSITIVE
    for format_ in ("text", "json", "sarif"):
        out = CliRunner().invoke(cli, ["check", path, "--format", format_, "--no-cache"])
        assert "hunter2" not in out.output and "s3cr3t" not in out.output


def test_duplicate_addresses_and_ids_are_errors_naming_the_file(tmp_path):
    doc = _state([_entry("huaweicloud_vpc.a", "huaweicloud_vpc", {"id": "vpc-1"}),
                  _entry("huaweicloud_vpc.a", "huaweicloud_vpc", {"id": "vpc-2"}),
                  _entry("huaweicloud_vpc.b", "huaweicloud_vpc", {"id": "vpc-1"})])
    path = _write(tmp_path, doc)
    result = load_path(path, LoadOptions())
    assert [r.address for r in result.resources] == ["huaweicloud_vpc.a"]
    assert result.errors == [
        LoadError(path, None, "huaweicloud_vpc.a appears twice in the state; the second is ignored"),
        LoadError(path, None, "huaweicloud_vpc.b has the id of huaweicloud_vpc.a (the same id twice in one state); "
                              "it is ignored")]
    out = CliRunner().invoke(cli, ["check", path, "--no-cache"])
    assert out.exit_code == 2 and "state.json" in out.output and "Traceback" not in out.output


def test_a_state_links_by_real_ids_and_lints(tmp_path):
    """The seed 000 network as deployed: every link is a real id."""
    doc = _state([
        _entry("huaweicloud_vpc.demo", "huaweicloud_vpc", {"id": "vpc-a", "name": "vpc-demo",
                                                           "cidr": "192.168.0.0/16"}),
        _entry("huaweicloud_vpc.demo2", "huaweicloud_vpc", {"id": "vpc-b", "name": "vpc-demo2",
                                                            "cidr": "10.1.0.0/16"}),
        _entry("huaweicloud_vpc_subnet.nodes", "huaweicloud_vpc_subnet",
               {"id": "sub-n", "vpc_id": "vpc-a", "cidr": "192.168.10.0/24"}),
        _entry("huaweicloud_vpc_peering_connection.p", "huaweicloud_vpc_peering_connection",
               {"id": "peer-1", "vpc_id": "vpc-a", "peer_vpc_id": "vpc-b", "peer_tenant_id": ""}),
        _entry("huaweicloud_vpc_route.to2", "huaweicloud_vpc_route",
               {"id": "r1", "vpc_id": "vpc-a", "destination": "10.1.0.0/16", "type": "peering",
                "nexthop": "peer-1", "route_table_id": ""}),
        _entry("huaweicloud_vpc_route.back", "huaweicloud_vpc_route",
               {"id": "r2", "vpc_id": "vpc-b", "destination": "192.168.0.0/16", "type": "peering",
                "nexthop": "peer-1", "route_table_id": ""}),
        _entry("huaweicloud_cce_cluster.demo", "huaweicloud_cce_cluster",
               {"id": "cce-1", "vpc_id": "vpc-a", "subnet_id": "sub-n", "container_network_type": "vpc-router",
                "container_network_cidr": "10.0.0.0/16"}),
    ])
    out = CliRunner().invoke(cli, ["check", _write(tmp_path, doc), "--format", "json", "--no-cache"])
    report = json.loads(out.output)
    assert [(f["rule_id"], f["resource"]) for f in report["findings"]] == [
        ("pod_cidr_route_missing", "huaweicloud_vpc.demo2")]
    assert out.exit_code == 1
