"""The ``.vpclint.yaml`` config file: read safely, validated by its schema."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from netaddr import AddrFormatError, IPNetwork

from vpclint.engine.rules import load_yaml, node_line, validate
from vpclint.inputs import outside, run_root
from vpclint.resources import LoadError

DEFAULT_NAME = ".vpclint.yaml"


@dataclass
class Config:
    path: str | None = None
    minimum_failure_severity: str | None = None
    rule_dirs: list[str] = field(default_factory=list)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    var_files: list[str] = field(default_factory=list)
    recursive: bool = False
    exclude: list[str] = field(default_factory=list)  # patterns, made relative to the current directory
    with_paths: list[str] = field(default_factory=list)  # ``with:`` inputs joining the network, made relative
    eks_external_snat: bool | None = None  # None: as the aws_eks_addon's configuration_values say
    ack_flannel_ip_masq: bool = True
    expect: list[dict[str, Any]] = field(default_factory=list)
    expect_lines: list[int | None] = field(default_factory=list)  # each entry's line in the file
    # name -> {"cidrs": [IPNetwork], "attached_to": address, "line": its attached_to line}: on-premises ranges
    # and the network their VPN / Direct Connect lands in
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    # cluster address -> its settings (``policies``: paths relative to the
    # config file, or Terraform addresses)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    # data source address -> the attributes the user states for it (``data:``): read where Terraform
    # reads them during plan, so a module-based stack is linted without a plan
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_lines: dict[str, int | None] = field(default_factory=dict)  # each data: entry's line in the file
    # entries refused because they lead outside the repository (inputs.py); the rest is still used
    errors: list[LoadError] = field(default_factory=list)

    def policy_paths(self, clusters: list[str]) -> list[str]:
        """The manifest files and directories ``clusters:`` names for these clusters."""
        base = os.path.dirname(self.path or "")
        paths = []
        for cluster in clusters:
            for entry in self.clusters.get(cluster, {}).get("policies", []):
                path = os.path.join(base, entry)
                if os.path.exists(path) and path not in paths:
                    paths.append(path)
        return paths

    def cluster_policies(self, cluster: str, policies: list[Any], only_cluster: bool) -> list[Any]:
        """The policies (of one input) that apply to ``cluster``'s pods.

        As configured under ``clusters:``; without that, all of them when
        the input holds only this cluster, else none.
        """
        entries = self.clusters.get(cluster, {}).get("policies")
        if entries is None:
            return list(policies) if only_cluster else []
        base = os.path.dirname(self.path or "")
        roots = [os.path.abspath(os.path.join(base, e)) for e in entries]
        chosen = []
        for policy in policies:
            where = os.path.abspath(policy.file) if policy.file else None
            if policy.address in entries or (where and any(where == r or where.startswith(r + os.sep)
                                                           for r in roots)):
                chosen.append(policy)
        return chosen


def _inside(path: str, node: Any, errors: list[LoadError]) -> Callable[[str, list], bool]:
    """A test of the config's file entries: each must resolve inside the root of the run that holds
    the config file (inputs.py), else an error at its line; the config's other entries still apply.
    (The loader tests ``var_files`` again, against each PATH's root.)"""
    root = run_root(path)
    base = os.path.dirname(path)

    def test(entry: str, where: list) -> bool:
        why = outside(os.path.realpath(os.path.join(base, entry)), root)
        if why is not None:
            option = {"var_files": "; name it with --var-file", "rule_dirs": "; name it with --rules",
                      "with": "; name it with --with"}.get(where[0], "")
            key = ".".join(map(str, where))
            errors.append(LoadError(path, node_line(node, where), f"{key}: {entry} {why}{option}"))
        return why is None

    return test


def load_config(path: str | None) -> Config:
    """Read ``path`` (or ./.vpclint.yaml when present); raise RuleError when invalid."""
    if path is None:
        if not os.path.lexists(DEFAULT_NAME):  # a FIFO or a device by that name is an error, never read
            return Config()
        path = DEFAULT_NAME
    data, node = load_yaml(path)
    if data is None:
        data = {}
    validate(data, node, "config.schema.json", path)
    base = os.path.dirname(path)
    errors: list[LoadError] = []
    inside = _inside(path, node, errors)
    for name, entries in data.get("clusters", {}).items():
        if isinstance(entries.get("policies"), list):
            entries["policies"] = [e for i, e in enumerate(entries["policies"])
                                   if not os.path.exists(os.path.join(base, e))
                                   or inside(e, ["clusters", name, "policies", i])]
    return Config(
        path=path,
        errors=errors,
        minimum_failure_severity=data.get("minimum_failure_severity"),
        rule_dirs=[os.path.join(base, d) for i, d in enumerate(data.get("rule_dirs", []))
                   if inside(d, ["rule_dirs", i])],
        rules=data.get("rules", {}),
        var_files=[os.path.join(base, f) for i, f in enumerate(data.get("var_files", []))
                   if inside(f, ["var_files", i])],
        recursive=data.get("recursive", False),
        exclude=[os.path.normpath(os.path.join(base, p)) for p in data.get("exclude", [])],
        with_paths=[os.path.normpath(os.path.join(base, p)) for i, p in enumerate(data.get("with", []))
                    if inside(p, ["with", i])],
        eks_external_snat=data.get("eks_external_snat"),
        ack_flannel_ip_masq=data.get("ack_flannel_ip_masq", True),
        expect=data.get("expect", []),
        expect_lines=[node_line(node, ["expect", i]) for i in range(len(data.get("expect", [])))],
        clusters=data.get("clusters", {}),
        networks=_networks(path, node, data.get("networks", {}), errors),
        data=data.get("data", {}),
        data_lines={address: node_line(node, ["data", address]) for address in data.get("data", {})},
    )


def _networks(path: str, node: Any, entries: dict[str, dict[str, Any]],
              errors: list[LoadError]) -> dict[str, dict[str, Any]]:
    """``networks:`` with its CIDRs parsed; an entry with a CIDR that is none is an error at its line
    and left out (the rest of the config still applies)."""
    found = {}
    for name, entry in entries.items():
        cidrs = []
        for i, text in enumerate(entry["cidrs"]):
            try:
                cidrs.append(IPNetwork(text, flags=0) if "/" in text else None)
            except (AddrFormatError, ValueError, TypeError):
                cidrs.append(None)
            if cidrs[-1] is None:
                errors.append(LoadError(path, node_line(node, ["networks", name, "cidrs", i]),
                                        f"networks.{name}.cidrs[{i}]: {text} is not a CIDR"))
        if None not in cidrs:
            found[name] = {"cidrs": cidrs, "attached_to": entry["attached_to"],
                           "line": node_line(node, ["networks", name, "attached_to"])}
    return found
