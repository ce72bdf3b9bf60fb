"""The ``.vpclint.yaml`` config file: read safely, validated by its schema."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from vpclint.engine.rules import load_yaml, node_line, validate

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
    eks_external_snat: bool = False
    ack_flannel_ip_masq: bool = True
    expect: list[dict[str, Any]] = field(default_factory=list)
    expect_lines: list[int | None] = field(default_factory=list)  # each entry's line in the file
    # cluster address -> its settings (``policies``: paths relative to the
    # config file, or Terraform addresses)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)

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


def load_config(path: str | None) -> Config:
    """Read ``path`` (or ./.vpclint.yaml when present); raise RuleError when invalid."""
    if path is None:
        if not os.path.isfile(DEFAULT_NAME):
            return Config()
        path = DEFAULT_NAME
    data, node = load_yaml(path)
    if data is None:
        data = {}
    validate(data, node, "config.schema.json", path)
    base = os.path.dirname(path)
    return Config(
        path=path,
        minimum_failure_severity=data.get("minimum_failure_severity"),
        rule_dirs=[os.path.join(base, d) for d in data.get("rule_dirs", [])],
        rules=data.get("rules", {}),
        var_files=[os.path.join(base, f) for f in data.get("var_files", [])],
        recursive=data.get("recursive", False),
        exclude=[os.path.normpath(os.path.join(base, p)) for p in data.get("exclude", [])],
        eks_external_snat=data.get("eks_external_snat", False),
        ack_flannel_ip_masq=data.get("ack_flannel_ip_masq", True),
        expect=data.get("expect", []),
        expect_lines=[node_line(node, ["expect", i]) for i in range(len(data.get("expect", [])))],
        clusters=data.get("clusters", {}),
    )
