"""The worst inputs a pull request can hold (issue 12, point 4), timed.

    python benchmarks/hostile.py [--timeout SECONDS] [--only NAMES] [--sizes 1000,2000,4000,8000]

Each input is written into a temporary directory and linted by one
``vpclint check --no-cache --format json`` process, timed with
``time.perf_counter`` and with peak memory from ``/usr/bin/time`` (maximum
resident set size). A run past ``--timeout`` (default 600 s) is killed and
shown as such; so is one that runs out of its address space (``--memory-gb``,
default 3). The inputs:

* ``regex-bomb``: ``regex("^(a|aa)+$", "aaa…a!")``, 105 bytes (Python's re
  backtracks for ever on it; RE2 is linear);
* ``yaml-bomb``: ``yamldecode()`` of a billion-value alias bomb inside HCL;
* ``count-2000``: six lines, ``count = 2000`` identical subnets;
* ``policies-N``: N Kubernetes NetworkPolicy documents restricting egress,
  one per app, in three namespaces (``--sizes``, to show the scaling).

``--source DIR`` measures the code in DIR (put first on PYTHONPATH), for a
before/after comparison. Nothing here is asserted: figures are for the README and the issue note.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import yaml

PYTHON = sys.executable


def measure(command: list[str], env: dict[str, str], memory: int) -> tuple[float, float | None, str]:
    """(seconds, peak RSS in MB or None, stdout) of one process, whatever its
    exit status; its address space is limited to ``memory`` bytes (an
    unbounded input must not take the machine down)."""
    handle, rss_file = tempfile.mkstemp(prefix="rss-")
    os.close(handle)
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, *command], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (memory, memory)))
    seconds = time.perf_counter() - start
    try:
        with open(rss_file) as rss:
            peak: float | None = int(rss.read().strip().splitlines()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        peak = None
    os.unlink(rss_file)
    return seconds, peak, done.stdout


def regex_bomb() -> dict[str, str]:
    return {"main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n'
                       '  tags = { a = regex("^(a|aa)+$", "' + "a" * 100 + '!") }\n}\n'}


def yaml_bomb() -> dict[str, str]:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    bomb = "\\n".join(lines)
    return {"main.tf": f'locals {{\n  bomb = yamldecode("{bomb}")\n}}\n'
                       'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n'
                       '  tags = { n = length(local.bomb) }\n}\n'}


def counted_subnets(count: int = 2000) -> dict[str, str]:
    return {"main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'
                       f'resource "aws_subnet" "a" {{\n  count      = {count}\n  vpc_id     = aws_vpc.v.id\n'
                       '  cidr_block = "10.0.1.0/24"\n}\n'}


def network_policies(count: int) -> dict[str, str]:
    docs = []
    for index in range(count):
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": f"p{index}", "namespace": f"ns{index % 3}"},
                     "spec": {"podSelector": {"matchLabels": {"app": f"a{index}"}}, "policyTypes": ["Egress"],
                              "egress": [{"to": [{"podSelector": {"matchLabels": {"app": f"b{index}"}}}],
                                          "ports": [{"port": 443}]}]}})
    return {"policies.yaml": "\n---\n".join(yaml.safe_dump(d) for d in docs)}


def run_one(name: str, files: dict[str, str], timeout: float, source: str | None, memory: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"hostile-{name}-") as root:
        for filename, text in files.items():
            with open(os.path.join(root, filename), "w", encoding="utf-8") as handle:
                handle.write(text)
        command = ["timeout", str(timeout), PYTHON, "-m", "vpclint", "check", "--no-cache", "--format", "json", root]
        env = {**os.environ, **({"PYTHONPATH": source} if source else {})}
        seconds, peak, stdout = measure(command, env, memory)
        try:
            report = json.loads(stdout)
            findings, errors = len(report["findings"]), len(report["errors"])
        except (json.JSONDecodeError, KeyError):
            findings = errors = None
        status = "ok" if findings is not None else "killed" if seconds >= timeout - 0.5 else "no report"
        return {"input": name, "bytes": sum(len(t.encode()) for t in files.values()), "seconds": seconds,
                "peak_mb": peak, "findings": findings, "errors": errors, "output_bytes": len(stdout.encode()),
                "status": status}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", default="", help="comma-separated input names (default: all)")
    parser.add_argument("--sizes", default="1000,2000,4000,8000", help="NetworkPolicy document counts")
    parser.add_argument("--memory-gb", type=float, default=3, help="address-space limit of each run")
    parser.add_argument("--source", help="another checkout's linter/ directory to measure (e.g. before a fix)")
    args = parser.parse_args()
    cases = [("regex-bomb", regex_bomb), ("yaml-bomb", yaml_bomb), ("count-2000", counted_subnets)]
    cases += [(f"policies-{n}", lambda n=n: network_policies(n)) for n in map(int, args.sizes.split(","))]
    wanted = set(filter(None, args.only.split(",")))
    print(f"{'input':<16}{'bytes':>10}{'seconds':>10}{'peak MB':>10}{'findings':>10}{'errors':>8}{'output':>12}  status")
    for name, make in cases:
        if wanted and name not in wanted:
            continue
        row = run_one(name, make(), args.timeout, args.source, int(args.memory_gb * 1024 ** 3))
        peak = f"{row['peak_mb']:.0f}" if row["peak_mb"] is not None else "?"
        print(f"{name:<16}{row['bytes']:>10,}{row['seconds']:>10.2f}{peak:>10}{str(row['findings']):>10}"
              f"{str(row['errors']):>8}{row['output_bytes']:>12,}  {row['status']}", flush=True)


if __name__ == "__main__":
    main()
