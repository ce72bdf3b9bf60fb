"""Write a synthetic ``terraform show -json`` plan with about N network resources.

    python benchmarks/gen_plan.py 100000 benchmarks/work/plan-100k.json

The plan has the shape Terraform 1.9 writes (format_version 1.2) for a root
module that calls two site modules with ``for_each``, one per cloud:

* ``module.aws_site["aNNNNN"]``: a VPC, four subnets and their route table
  associations, a route table, a node and a database security group with
  standalone rules, an EKS cluster with a node group, and an RDS instance;
* ``module.hw_site["hNNNNN"]``: a Huawei VPC, four subnets, a route table
  holding them, a node and a cache security group with rules, a CCE cluster
  (VPC network model, container CIDR outside the VPC) with a node pool, and
  a DCS instance with a whitelist.

The root module holds a shared-services hub VPC per cloud (a database, a
cache) that every site peers with, and peers each site with the next one of
its cloud (a ring); routes through each peering go into both route tables,
so a hub's route table holds a route per site. Every ``id`` and
every attribute that names another resource is unknown until apply
(``after_unknown``) and is linked only through the ``configuration``
references, as in a real plan: inside a module by ``aws_vpc.this.id``, from
the root by module outputs (``module.aws_site["a00001"].route_table_id``).

Some sites are wrong on purpose (a missing return route, a whitelist that
lacks the container CIDR, a rule that admits the VPC but not the pods), so
the rules have findings to report. The output is deterministic for a given N.
"""

from __future__ import annotations

import ipaddress
import json
import sys
from typing import Any

AWS = "registry.terraform.io/hashicorp/aws"
HW = "registry.terraform.io/huaweicloud/huaweicloud"

# resources per site, counted as written below (module resources + root share)
AWS_PER_SITE = 19 + 6  # 19 in the module; in the root a peering to the hub and one
HW_PER_SITE = 15 + 9  # to the next site, with their routes (Huawei: also for pod CIDRs)


def _ref(*names: str) -> dict:
    """A configuration expression reading ``names`` (Terraform lists x.a then x)."""
    refs: list[str] = []
    for name in names:
        refs.append(name)
        base = name.rsplit(".", 1)[0]
        if base != name and base not in refs:
            refs.append(base)
    return {"references": refs}


def _const(value: Any) -> dict:
    return {"constant_value": value}


class _Resource:
    """One resource: its planned values, what is unknown, and its configuration."""

    def __init__(self, rtype: str, name: str, after: dict, unknown: dict, exprs: dict,
                 sensitive: dict | None = None):
        self.type, self.name = rtype, name
        self.after, self.unknown, self.exprs = after, {"id": True, **unknown}, exprs
        self.sensitive = sensitive or {}
        self.provider = HW if rtype.startswith("huaweicloud_") else AWS


# -- the two site modules (configuration written once, instances per site) ----


def aws_site(cidr: ipaddress.IPv4Network, broken: bool) -> list[_Resource]:
    subnets = list(cidr.subnets(new_prefix=24))
    vpc_cidr = str(cidr)
    out = [_Resource("aws_vpc", "this", {"cidr_block": vpc_cidr, "enable_dns_support": True, "tags": {"Name": "site"}},
                     {"main_route_table_id": True, "default_security_group_id": True},
                     {"cidr_block": _ref("var.cidr"), "tags": _const({"Name": "site"})})]
    for letter, net in zip("abcd", subnets):
        out.append(_Resource("aws_subnet", letter,
                             {"cidr_block": str(net), "availability_zone": f"eu-west-1{letter}"},
                             {"vpc_id": True},
                             {"vpc_id": _ref("aws_vpc.this.id"), "cidr_block": _ref("var.cidr"),
                              "availability_zone": _const(f"eu-west-1{letter}")}))
        out.append(_Resource("aws_route_table_association", letter, {}, {"subnet_id": True, "route_table_id": True},
                             {"subnet_id": _ref(f"aws_subnet.{letter}.id"),
                              "route_table_id": _ref("aws_route_table.this.id")}))
    # `route = []`: every route is a standalone aws_route (written in the root)
    out.append(_Resource("aws_route_table", "this", {"tags": {"Name": "site"}, "route": []}, {"vpc_id": True},
                         {"vpc_id": _ref("aws_vpc.this.id"), "route": _const([])}))
    out.append(_Resource("aws_security_group", "nodes", {"name": "nodes"}, {"vpc_id": True},
                         {"vpc_id": _ref("aws_vpc.this.id"), "name": _const("nodes")}))
    out.append(_Resource("aws_security_group", "db", {"name": "db"}, {"vpc_id": True},
                         {"vpc_id": _ref("aws_vpc.this.id"), "name": _const("db")}))
    # the database admits the VPC on 5432; a broken site admits only one subnet
    # not holding the nodes (pod_ingress_missing: the pods use subnets a and b)
    db_sources = [str(subnets[3])] if broken else [vpc_cidr]
    rules = [
        ("db_in", "ingress", "tcp", 5432, 5432, db_sources, "db"),
        ("db_out", "egress", "-1", 0, 0, ["0.0.0.0/0"], "db"),
        ("nodes_in", "ingress", "-1", 0, 0, [vpc_cidr], "nodes"),
        ("nodes_out", "egress", "-1", 0, 0, ["0.0.0.0/0"], "nodes"),
    ]
    for name, direction, proto, low, high, sources, group in rules:
        out.append(_Resource("aws_security_group_rule", name,
                             {"type": direction, "protocol": proto, "from_port": low, "to_port": high,
                              "cidr_blocks": sources},
                             {"security_group_id": True},
                             {"security_group_id": _ref(f"aws_security_group.{group}.id"),
                              "type": _const(direction), "protocol": _const(proto),
                              "from_port": _const(low), "to_port": _const(high), "cidr_blocks": _ref("var.cidr")},
                             ))
    out.append(_Resource("aws_eks_cluster", "this", {"name": "site", "vpc_config": [{}]},
                         {"arn": True, "vpc_config": [{"subnet_ids": True, "security_group_ids": True}]},
                         {"name": _const("site"),
                          "vpc_config": [{"subnet_ids": _ref("aws_subnet.a.id", "aws_subnet.b.id"),
                                          "security_group_ids": _ref("aws_security_group.nodes.id")}]},
                         {"vpc_config": [{"subnet_ids": [], "security_group_ids": []}]}))
    out.append(_Resource("aws_eks_node_group", "this", {"node_group_name": "site"},
                         {"cluster_name": True, "subnet_ids": True},
                         {"cluster_name": _ref("aws_eks_cluster.this.name"),
                          "subnet_ids": _ref("aws_subnet.a.id", "aws_subnet.b.id")},
                         {"subnet_ids": []}))
    out.append(_Resource("aws_db_instance", "db", {"engine": "postgres", "port": 5432, "instance_class": "db.t3.micro"},
                         {"vpc_security_group_ids": True},
                         {"engine": _const("postgres"), "port": _const(5432),
                          "vpc_security_group_ids": _ref("aws_security_group.db.id")},
                         {"vpc_security_group_ids": []}))
    return out


def hw_site(cidr: ipaddress.IPv4Network, container: ipaddress.IPv4Network, broken: bool) -> list[_Resource]:
    subnets = list(cidr.subnets(new_prefix=24))
    vpc_cidr = str(cidr)
    out = [_Resource("huaweicloud_vpc", "this", {"name": "site", "cidr": vpc_cidr}, {},
                     {"name": _const("site"), "cidr": _ref("var.cidr")})]
    for letter, net in zip("abcd", subnets):
        out.append(_Resource("huaweicloud_vpc_subnet", letter,
                             {"name": letter, "cidr": str(net), "gateway_ip": str(net[1]),
                              "availability_zone": f"cn-north-4{letter}"},
                             {"vpc_id": True, "ipv4_subnet_id": True, "subnet_id": True},
                             {"vpc_id": _ref("huaweicloud_vpc.this.id"), "cidr": _ref("var.cidr"),
                              "name": _const(letter)}))
    out.append(_Resource("huaweicloud_vpc_route_table", "this", {"name": "site", "route": []},
                         {"vpc_id": True, "subnets": True},
                         {"vpc_id": _ref("huaweicloud_vpc.this.id"), "route": _const([]),
                          "subnets": _ref(*(f"huaweicloud_vpc_subnet.{x}.id" for x in "abcd"))},
                         {"subnets": []}))
    out.append(_Resource("huaweicloud_networking_secgroup", "nodes", {"name": "nodes", "delete_default_rules": True},
                         {}, {"name": _const("nodes"), "delete_default_rules": _const(True)}))
    out.append(_Resource("huaweicloud_networking_secgroup", "cache", {"name": "cache", "delete_default_rules": True},
                         {}, {"name": _const("cache"), "delete_default_rules": _const(True)}))
    # the cache admits the VPC on 6379, but pods carry container-CIDR
    # addresses (vpc-router): correct sites admit the container CIDR too
    cache_sources = [vpc_cidr] if broken else [vpc_cidr, str(container)]
    rules = [(f"cache_in_{i}", "ingress", "tcp", "6379", source, "cache") for i, source in enumerate(cache_sources)]
    rules += [("nodes_in", "ingress", "tcp", "1-65535", vpc_cidr, "nodes"),
              ("nodes_out", "egress", "tcp", "1-65535", "0.0.0.0/0", "nodes")]
    if not broken:
        rules.append(("cache_out", "egress", "tcp", "1-65535", "0.0.0.0/0", "cache"))
    for name, direction, proto, ports, source, group in rules:
        out.append(_Resource("huaweicloud_networking_secgroup_rule", name,
                             {"direction": direction, "ethertype": "IPv4", "protocol": proto, "ports": ports,
                              "remote_ip_prefix": source, "action": "allow", "priority": 1},
                             {"security_group_id": True},
                             {"security_group_id": _ref(f"huaweicloud_networking_secgroup.{group}.id"),
                              "direction": _const(direction), "protocol": _const(proto), "ports": _const(ports),
                              "remote_ip_prefix": _ref("var.cidr")}))
    out.append(_Resource("huaweicloud_cce_cluster", "this",
                         {"name": "site", "flavor_id": "cce.s1.small", "container_network_type": "vpc-router",
                          "container_network_cidr": str(container), "service_network_cidr": "10.247.0.0/16"},
                         {"vpc_id": True, "subnet_id": True, "security_group_id": True},
                         {"vpc_id": _ref("huaweicloud_vpc.this.id"), "subnet_id": _ref("huaweicloud_vpc_subnet.a.id"),
                          "security_group_id": _ref("huaweicloud_networking_secgroup.nodes.id"),
                          "container_network_cidr": _ref("var.container_cidr")}))
    out.append(_Resource("huaweicloud_cce_node_pool", "this", {"name": "site", "initial_node_count": 3},
                         {"cluster_id": True, "subnet_id": True, "security_groups": True},
                         {"cluster_id": _ref("huaweicloud_cce_cluster.this.id"),
                          "subnet_id": _ref("huaweicloud_vpc_subnet.b.id"),
                          "security_groups": _ref("huaweicloud_networking_secgroup.nodes.id")},
                         {"security_groups": []}))
    whitelist = [vpc_cidr] if broken else [vpc_cidr, str(container)]
    out.append(_Resource("huaweicloud_dcs_instance", "cache",
                         {"name": "cache", "engine": "Redis", "port": 6379, "whitelist_enable": True,
                          "whitelists": [{"group_name": "site", "ip_address": whitelist}]},
                         {"vpc_id": True, "subnet_id": True, "security_group_id": True},
                         {"vpc_id": _ref("huaweicloud_vpc.this.id"), "subnet_id": _ref("huaweicloud_vpc_subnet.c.id"),
                          "security_group_id": _ref("huaweicloud_networking_secgroup.cache.id"),
                          "whitelists": [{"ip_address": _ref("var.cidr")}]}))
    return out


MODULE_OUTPUTS = {
    "aws_site": {"vpc_id": "aws_vpc.this.id", "route_table_id": "aws_route_table.this.id"},
    "hw_site": {"vpc_id": "huaweicloud_vpc.this.id", "route_table_id": "huaweicloud_vpc_route_table.this.id"},
}


# -- the plan -------------------------------------------------------------------


def _change(res: _Resource, address: str, module: str) -> dict:
    entry = {"address": address, "mode": "managed", "type": res.type, "name": res.name,
             "provider_name": res.provider,
             "change": {"actions": ["create"], "before": None, "after": res.after, "after_unknown": res.unknown,
                        "before_sensitive": False, "after_sensitive": res.sensitive}}
    if module:
        entry["module_address"] = module
    return entry


def _planned(res: _Resource, address: str) -> dict:
    return {"address": address, "mode": "managed", "type": res.type, "name": res.name,
            "provider_name": res.provider, "schema_version": 0, "values": res.after,
            "sensitive_values": res.sensitive}


def _config(res: _Resource, address: str) -> dict:
    return {"address": address, "mode": "managed", "type": res.type, "name": res.name,
            "provider_config_key": res.type.split("_", 1)[0], "expressions": res.exprs, "schema_version": 0}


def aws_hub(cidr: ipaddress.IPv4Network) -> list[_Resource]:
    """The shared-services VPC every AWS site peers with: a database for all sites."""
    return [
        _Resource("aws_vpc", "hub", {"cidr_block": str(cidr)}, {"main_route_table_id": True},
                  {"cidr_block": _const(str(cidr))}),
        _Resource("aws_subnet", "hub", {"cidr_block": str(cidr), "availability_zone": "eu-west-1a"}, {"vpc_id": True},
                  {"vpc_id": _ref("aws_vpc.hub.id"), "cidr_block": _const(str(cidr))}),
        _Resource("aws_route_table", "hub", {"route": []}, {"vpc_id": True},
                  {"vpc_id": _ref("aws_vpc.hub.id"), "route": _const([])}),
        _Resource("aws_route_table_association", "hub", {}, {"subnet_id": True, "route_table_id": True},
                  {"subnet_id": _ref("aws_subnet.hub.id"), "route_table_id": _ref("aws_route_table.hub.id")}),
        _Resource("aws_security_group", "hub_db", {"name": "hub-db"}, {"vpc_id": True},
                  {"vpc_id": _ref("aws_vpc.hub.id")}),
        _Resource("aws_security_group_rule", "hub_db_in",
                  {"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432,
                   "cidr_blocks": ["10.0.0.0/8"]},
                  {"security_group_id": True},
                  {"security_group_id": _ref("aws_security_group.hub_db.id"), "cidr_blocks": _const(["10.0.0.0/8"])}),
        _Resource("aws_db_instance", "hub", {"engine": "postgres", "port": 5432}, {"vpc_security_group_ids": True},
                  {"vpc_security_group_ids": _ref("aws_security_group.hub_db.id")}, {"vpc_security_group_ids": []}),
    ]


def hw_hub(cidr: ipaddress.IPv4Network) -> list[_Resource]:
    """The shared-services VPC every Huawei site peers with: a cache for all sites."""
    admitted = ["10.0.0.0/8", "172.16.0.0/12"]
    out = [
        _Resource("huaweicloud_vpc", "hub", {"name": "hub", "cidr": str(cidr)}, {}, {"cidr": _const(str(cidr))}),
        _Resource("huaweicloud_vpc_subnet", "hub", {"name": "hub", "cidr": str(cidr), "availability_zone": "cn-north-4a"},
                  {"vpc_id": True, "ipv4_subnet_id": True, "subnet_id": True},
                  {"vpc_id": _ref("huaweicloud_vpc.hub.id"), "cidr": _const(str(cidr))}),
        _Resource("huaweicloud_vpc_route_table", "hub", {"name": "hub", "route": []}, {"vpc_id": True, "subnets": True},
                  {"vpc_id": _ref("huaweicloud_vpc.hub.id"), "route": _const([]),
                   "subnets": _ref("huaweicloud_vpc_subnet.hub.id")}, {"subnets": []}),
        _Resource("huaweicloud_networking_secgroup", "hub_cache", {"name": "hub-cache", "delete_default_rules": True},
                  {}, {"delete_default_rules": _const(True)}),
    ]
    for number, source in enumerate(admitted):
        out.append(_Resource("huaweicloud_networking_secgroup_rule", f"hub_cache_in_{number}",
                             {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "ports": "6379",
                              "remote_ip_prefix": source, "action": "allow", "priority": 1},
                             {"security_group_id": True},
                             {"security_group_id": _ref("huaweicloud_networking_secgroup.hub_cache.id"),
                              "remote_ip_prefix": _const(source)}))
    out.append(_Resource("huaweicloud_dcs_instance", "hub",
                         {"name": "hub", "engine": "Redis", "port": 6379, "whitelist_enable": True,
                          "whitelists": [{"group_name": "sites", "ip_address": admitted}]},
                         {"vpc_id": True, "subnet_id": True, "security_group_id": True},
                         {"vpc_id": _ref("huaweicloud_vpc.hub.id"), "subnet_id": _ref("huaweicloud_vpc_subnet.hub.id"),
                          "security_group_id": _ref("huaweicloud_networking_secgroup.hub_cache.id")}))
    return out


def _peering(cloud: str, name: str, local: str, peer: str, routes: list[tuple[str, str, Any]]) -> list[_Resource]:
    """A peering from the VPC ``local`` to ``peer`` (references) and its routes:
    (name suffix, route table reference, destination)."""
    if cloud == "aws":
        out = [_Resource("aws_vpc_peering_connection", name, {"auto_accept": True},
                         {"vpc_id": True, "peer_vpc_id": True},
                         {"vpc_id": _ref(local), "peer_vpc_id": _ref(peer), "auto_accept": _const(True)})]
        route_type, dest_key, via_key = "aws_route", "destination_cidr_block", "vpc_peering_connection_id"
    else:
        out = [_Resource("huaweicloud_vpc_peering_connection", name, {"name": name},
                         {"vpc_id": True, "peer_vpc_id": True},
                         {"vpc_id": _ref(local), "peer_vpc_id": _ref(peer)})]
        route_type, dest_key, via_key = "huaweicloud_vpc_route", "destination", "nexthop"
    for side, table, dest in routes:
        after = {dest_key: str(dest)}
        if cloud != "aws":
            after["type"] = "peering"
        out.append(_Resource(route_type, f"{name}_{side}", after, {"route_table_id": True, via_key: True},
                             {"route_table_id": _ref(table), via_key: _ref(f"{out[0].type}.{name}.id"),
                              dest_key: _const(str(dest))}))
    return out


def plan(n: int) -> dict:
    """A plan with about ``n`` resources, half per cloud."""
    aws_sites = max(2, round(n / 2 / AWS_PER_SITE))
    hw_sites = max(2, round(n / 2 / HW_PER_SITE))
    if aws_sites + hw_sites > 16384 or hw_sites > 4096:
        raise SystemExit("too many sites for the address plan")
    vpcs = ipaddress.ip_network("10.0.0.0/8").subnets(new_prefix=22)  # a /22 per site
    containers = ipaddress.ip_network("172.16.0.0/12").subnets(new_prefix=24)  # a /24 per CCE cluster
    hubs = {"aws": ipaddress.ip_network("192.168.0.0/20"), "hw": ipaddress.ip_network("192.168.16.0/20")}
    changes: list[dict] = []
    planned_root: list[dict] = []
    children: list[dict] = []
    root_config: list[dict] = []
    module_calls: dict[str, dict] = {}

    def add_root(resources: list[_Resource]) -> None:
        for res in resources:
            address = f"{res.type}.{res.name}"
            changes.append(_change(res, address, ""))
            planned_root.append(_planned(res, address))
            root_config.append(_config(res, address))

    for cloud, call, count, prefix in (("aws", "aws_site", aws_sites, "a"), ("hw", "hw_site", hw_sites, "h")):
        keys = [f"{prefix}{i:05d}" for i in range(count)]
        cidrs = {key: next(vpcs) for key in keys}
        pods = {key: next(containers) for key in keys} if cloud == "hw" else {}
        config_resources = None
        for number, key in enumerate(keys):
            broken = number % 7 == 3
            resources = aws_site(cidrs[key], broken) if cloud == "aws" else hw_site(cidrs[key], pods[key], broken)
            module = f'module.{call}["{key}"]'
            child = {"address": module, "resources": []}
            for res in resources:
                address = f"{module}.{res.type}.{res.name}"
                changes.append(_change(res, address, module))
                child["resources"].append(_planned(res, address))
            children.append(child)
            if config_resources is None:
                config_resources = [_config(res, f"{res.type}.{res.name}") for res in resources]
        outputs = {name: {"expression": _ref(ref)} for name, ref in MODULE_OUTPUTS[call].items()}
        module_calls[call] = {
            "source": f"./modules/{call.replace('_', '-')}",
            "for_each_expression": _ref(f"local.{call}s"),
            "expressions": {"cidr": _ref("each.value.cidr", "each.value")},
            "module": {"resources": config_resources, "outputs": outputs,
                       "variables": {"cidr": {}, "container_cidr": {"default": None}}},
        }
        # the root: a hub every site peers with, and each site peered with the
        # next one of its cloud (a ring), with routes both ways
        hub = hubs[cloud]
        add_root(aws_hub(hub) if cloud == "aws" else hw_hub(hub))
        hub_vpc, hub_table = ("aws_vpc.hub.id", "aws_route_table.hub.id") if cloud == "aws" else (
            "huaweicloud_vpc.hub.id", "huaweicloud_vpc_route_table.hub.id")
        provider = "aws" if cloud == "aws" else "huaweicloud"
        for number, key in enumerate(keys):
            here = f'module.{call}["{key}"]'
            routes = [("out", f"{here}.route_table_id", hub), ("back", hub_table, cidrs[key])]
            if cloud == "hw":
                routes.append(("back_pods", hub_table, pods[key]))
            add_root(_peering(provider, f"{key}_hub", f"{here}.vpc_id", hub_vpc, routes))
            if count == 2 and number == 1:
                continue  # two sites: one ring peering
            peer_key = keys[(number + 1) % len(keys)]
            there = f'module.{call}["{peer_key}"]'
            routes = [("out", f"{here}.route_table_id", cidrs[peer_key])]
            if number % 11 != 5:  # else a missing return route (peering_route_missing)
                routes.append(("back", f"{there}.route_table_id", cidrs[key]))
            if cloud == "hw":  # pods keep their container-CIDR address (vpc-router)
                routes.append(("out_pods", f"{here}.route_table_id", pods[peer_key]))
                if number % 13 != 6:  # else no route back to the pods (pod_cidr_route_missing)
                    routes.append(("back_pods", f"{there}.route_table_id", pods[key]))
            add_root(_peering(provider, f"{key}_{peer_key}", f"{here}.vpc_id", f"{there}.vpc_id", routes))
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned_root, "child_modules": children}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "full_name": AWS},
                                "huaweicloud": {"name": "huaweicloud", "full_name": HW}},
            "root_module": {"resources": root_config, "module_calls": module_calls},
        },
        "timestamp": "2026-01-01T00:00:00Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }


def write(n: int, path: str) -> int:
    """Write the plan for ``n``; return the number of resources it holds."""
    doc = plan(n)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, separators=(",", ":"))
    return len(doc["resource_changes"])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[2].strip())
    total = write(int(sys.argv[1]), sys.argv[2])
    print(f"{sys.argv[2]}: {total} resources")
