"""Transit hub scale: synthetic estates of N spoke VNets with AKS clusters on
1 or on H connected virtual WAN hubs, each spoke with an ``expect:``.

    python benchmarks/transit.py [--sizes 100,1000,5000] [--hubs 1,10] [--keep DIR]

Each spoke is a VNet with a node subnet, a hub connection (spread over the
hubs round robin; hubs of one virtual WAN are connected, so every hub's
default table learns every spoke) and a flat Azure CNI cluster; its
expectation asks the pods to reach the next spoke's subnet on 443. One
spoke in ten has no hub connection, so failures are traced too. The run is
``vpclint check DIR --no-cache --format json`` in its own process: wall
time (``time.perf_counter``) and peak memory (``/usr/bin/time``'s maximum
resident set size). Targets (issue 13): growth no faster than n log n;
1,000 spokes within 30 s and 2 GB.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

HEAD = """resource "azurerm_virtual_wan" "corp" {
  name                = "corp"
  resource_group_name = "net"
  location            = "westeurope"
}
"""

HUB = """resource "azurerm_virtual_hub" "h{h}" {{
  name                = "h{h}"
  resource_group_name = "net"
  location            = "westeurope"
  virtual_wan_id      = azurerm_virtual_wan.corp.id
  address_prefix      = "10.255.{h}.0/24"
}}
"""

SPOKE = """resource "azurerm_virtual_network" "s{i}" {{
  name                = "s{i}"
  resource_group_name = "net"
  location            = "westeurope"
  address_space       = ["{space}"]
}}
resource "azurerm_subnet" "s{i}" {{
  name                 = "nodes"
  resource_group_name  = "net"
  virtual_network_name = azurerm_virtual_network.s{i}.name
  address_prefixes     = ["{space}"]
}}
resource "azurerm_kubernetes_cluster" "s{i}" {{
  name                = "s{i}"
  resource_group_name = "net"
  location            = "westeurope"
  dns_prefix          = "s{i}"
  default_node_pool {{
    name           = "system"
    vm_size        = "Standard_D2s_v5"
    node_count     = 1
    vnet_subnet_id = azurerm_subnet.s{i}.id
  }}
  network_profile {{
    network_plugin = "azure"
  }}
}}
"""

CONNECTION = """resource "azurerm_virtual_hub_connection" "s{i}" {{
  name                      = "s{i}"
  virtual_hub_id            = azurerm_virtual_hub.h{h}.id
  remote_virtual_network_id = azurerm_virtual_network.s{i}.id
}}
"""


def space(i: int) -> str:
    """A /24 per spoke out of 10.0.0.0/8 (up to 65,536 spokes)."""
    return f"10.{i // 256}.{i % 256}.0/24"


def generate(directory: str, spokes: int, hubs: int) -> None:
    parts = [HEAD] + [HUB.format(h=h) for h in range(hubs)]
    expect = ["expect:"]
    for i in range(spokes):
        parts.append(SPOKE.format(i=i, space=space(i)))
        if i % 10 != 9:
            parts.append(CONNECTION.format(i=i, h=i % hubs))
        expect.append(f"  - from: azurerm_kubernetes_cluster.s{i}\n    to: azurerm_subnet.s{(i + 1) % spokes}\n"
                      "    port: 443")
    with open(os.path.join(directory, "main.tf"), "w") as handle:
        handle.write("\n".join(parts))
    with open(os.path.join(directory, ".vpclint.yaml"), "w") as handle:
        handle.write("\n".join(expect) + "\n")


def measure(directory: str) -> tuple[float, float, float, dict]:
    """(wall seconds, CPU seconds, peak MB, counts by rule) of one vpclint run
    over ``directory``; CPU time (user + system) moves less than wall time on
    a shared machine."""
    command = [sys.executable, "-m", "vpclint", "check", directory, "--no-cache", "--format", "json",
               "--config", os.path.join(directory, ".vpclint.yaml")]
    timed = ["/usr/bin/time", "-v", *command] if os.path.exists("/usr/bin/time") else command
    start = time.perf_counter()
    done = subprocess.run(timed, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    peak = int(match.group(1)) / 1024 if match else float("nan")
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", done.stderr)) or seconds
    counts: dict[str, int] = {}
    try:
        for finding in json.loads(done.stdout)["findings"]:
            counts[finding["rule_id"]] = counts.get(finding["rule_id"], 0) + 1
    except (ValueError, KeyError):
        counts["(no JSON: exit %d)" % done.returncode] = 1
    return seconds, cpu, peak, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--hubs", default="1,10")
    parser.add_argument("--keep", help="write the estates here instead of a temporary directory")
    args = parser.parse_args()
    root = args.keep or tempfile.mkdtemp(prefix="vpclint-transit-")
    for hubs in (int(x) for x in args.hubs.split(",")):
        base = None
        for spokes in (int(x) for x in args.sizes.split(",")):
            directory = os.path.join(root, f"{spokes}-spokes-{hubs}-hubs")
            os.makedirs(directory, exist_ok=True)
            generate(directory, spokes, hubs)
            seconds, cpu, peak, counts = measure(directory)
            per = cpu / (spokes * math.log2(spokes))
            base = base or per
            print(f"{spokes:>6} spokes {hubs:>3} hubs  {seconds:8.1f} s wall  {cpu:8.1f} s CPU  {peak:8.0f} MB  "
                  f"CPU/(n log n) x{per / base:.2f}  {counts}", flush=True)


if __name__ == "__main__":
    main()
