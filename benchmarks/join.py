"""What joining inputs costs: one network state of N resources joined to K app stacks.

    python benchmarks/join.py [--resources 10000] [--apps 100] [--rounds 3]

Writes (under benchmarks/work/join/) a Huawei network stack's state of about
N resources (per site: a VPC, two subnets, a route table, a security group)
and K application stacks' states of 50 resources each (a data source reading
a site's VPC by name and id, one for its node subnet, a CCE cluster, security
groups and rules). Then, in one process and back to back per round, it times

* separate: each input loaded and its model built on its own (what
  ``vpclint check NET APP...`` does without ``--with``), and
* joined: every input loaded, merged, and one model built, its data sources
  joined to the network's VPCs and subnets (``--with``),

and prints the median of each and their ratio. Joining finds each data
source's candidates through an index by (type, attribute, value), so the
joined build should cost little more than the separate ones.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from vpclint.findings import display_path
from vpclint.load import LoadOptions, load_path
from vpclint.model.build import build_model
from vpclint.model.join import merge

WORK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "work", "join")
PER_SITE = 5
PER_APP = 50


def _entry(address: str, values: dict, mode: str = "managed") -> dict:
    kind, name = address.removeprefix("data.").split(".")[:2]
    return {"address": address, "mode": mode, "type": kind, "name": name, "provider_name": "huaweicloud",
            "schema_version": 0, "values": values, "sensitive_values": {}}


def _state(resources: list[dict]) -> dict:
    return {"format_version": "1.0", "terraform_version": "1.6.6",
            "values": {"outputs": {}, "root_module": {"resources": resources}}}


def net_state(sites: int) -> dict:
    resources = []
    for site in range(sites):
        a, b = divmod(site, 250)
        vpc, subnet = f"vpc-{site:05d}", f"subnet-{site:05d}"
        resources += [
            _entry(f'huaweicloud_vpc.site["{site}"]', {"id": vpc, "name": f"site-{site}", "cidr": f"10.{a}.{b}.0/24"}),
            _entry(f'huaweicloud_vpc_subnet.nodes["{site}"]', {"id": subnet, "name": f"nodes-{site}", "vpc_id": vpc,
                                                               "cidr": f"10.{a}.{b}.0/25"}),
            _entry(f'huaweicloud_vpc_subnet.db["{site}"]', {"id": f"db-{site:05d}", "name": f"db-{site}",
                                                            "vpc_id": vpc, "cidr": f"10.{a}.{b}.128/25"}),
            _entry(f'huaweicloud_vpc_route_table.site["{site}"]', {"id": f"rtb-{site:05d}", "vpc_id": vpc,
                                                                   "subnets": [subnet], "route": []}),
            _entry(f'huaweicloud_networking_secgroup.site["{site}"]', {"id": f"sg-{site:05d}", "name": f"sg-{site}",
                                                                       "delete_default_rules": True}),
        ]
    return _state(resources)


def app_state(app: int, site: int) -> dict:
    vpc, subnet = f"vpc-{site:05d}", f"subnet-{site:05d}"
    resources = [
        _entry("data.huaweicloud_vpc.net", {"id": vpc, "name": f"site-{site}"}, mode="data"),
        _entry("data.huaweicloud_vpc_subnet.nodes", {"id": subnet, "name": f"nodes-{site}", "vpc_id": vpc},
               mode="data"),
        _entry("huaweicloud_cce_cluster.app", {"id": f"cce-{app}", "vpc_id": vpc, "subnet_id": subnet,
                                               "container_network_type": "vpc-router",
                                               "container_network_cidr": f"172.{16 + app % 16}.0.0/16"}),
    ]
    groups = (PER_APP - len(resources)) // 2
    for number in range(groups):
        resources.append(_entry(f"huaweicloud_networking_secgroup.g{number}",
                                {"id": f"sg-app{app}-{number}", "name": f"g{number}"}))
        resources.append(_entry(f"huaweicloud_networking_secgroup_rule.r{number}",
                                {"id": f"r-app{app}-{number}", "security_group_id": f"sg-app{app}-{number}",
                                 "direction": "ingress", "protocol": "tcp", "ports": "443",
                                 "remote_ip_prefix": "10.0.0.0/8"}))
    while len(resources) < PER_APP:
        resources.append(_entry(f"huaweicloud_networking_secgroup.extra{len(resources)}",
                                {"id": f"sg-app{app}-x{len(resources)}", "name": "extra"}))
    return _state(resources)


def write_inputs(resources: int, apps: int) -> tuple[str, list[str]]:
    os.makedirs(WORK, exist_ok=True)
    sites = resources // PER_SITE
    net = os.path.join(WORK, "net.json")
    with open(net, "w") as handle:
        json.dump(net_state(sites), handle)
    paths = []
    for app in range(apps):
        path = os.path.join(WORK, f"app{app:03d}.json")
        with open(path, "w") as handle:
            json.dump(app_state(app, (app * 7919) % sites), handle)
        paths.append(path)
    return net, paths


def separate(net: str, apps: list[str]) -> int:
    joined = 0
    for path in [net, *apps]:
        loaded = load_path(path, LoadOptions())
        model, _ = build_model(loaded.resources, None, loaded.unknowns, loaded.outputs)
        joined += sum(1 for c in model.clusters if c.network is not None and c.network.managed)
    return joined


def joined(net: str, apps: list[str]) -> int:
    loaded = load_path(net, LoadOptions())
    merge(loaded, [(load_path(path, LoadOptions()), display_path(path)) for path in apps])
    model, _ = build_model(loaded.resources, None, loaded.unknowns, loaded.outputs)
    return sum(1 for c in model.clusters if c.network is not None and c.network.managed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    net, apps = write_inputs(args.resources, args.apps)
    times: dict[str, list[float]] = {"separate": [], "joined": []}
    counts = {}
    for _ in range(args.rounds):
        for name, run in (("separate", separate), ("joined", joined)):
            start = time.perf_counter()
            counts[name] = run(net, apps)
            times[name].append(time.perf_counter() - start)
    separate_s, joined_s = (statistics.median(times[k]) for k in ("separate", "joined"))
    print(f"net state: {args.resources} resources; {args.apps} app stacks of {PER_APP}")
    print(f"separate: {separate_s:.2f} s (clusters in a network the input holds: {counts['separate']})")
    print(f"joined:   {joined_s:.2f} s (clusters in a network the inputs hold: {counts['joined']})")
    print(f"joined / separate: {joined_s / separate_s:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
