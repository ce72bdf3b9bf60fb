"""Network policies written as Terraform, turned into API-shape documents.

* ``kubernetes_network_policy`` / ``kubernetes_network_policy_v1``: blocks
  ``metadata {}`` and ``spec { pod_selector {} policy_types ingress/egress
  { ports {} from/to { ip_block {} namespace_selector {} pod_selector {} } } }``
  arrive as lists of dicts (HCL and plan JSON alike; an absent block is an
  empty list in a plan). They are rewritten to the camelCase document the
  provider sends to the API server (``port = "53"`` becomes the number 53,
  as the provider does; ``metadata.namespace`` defaults to ``default``).
* ``kubernetes_manifest``: ``manifest`` already is the document.

Unknown values stay ``Unknown`` leaves.
"""

from __future__ import annotations

from typing import Any

from vpclint.resources import Resource
from vpclint.values import Unknown

NETWORK_POLICY_TYPES = ("kubernetes_network_policy", "kubernetes_network_policy_v1")
MANIFEST_TYPES = ("kubernetes_manifest",)


def _block(value: Any) -> Any:
    """The single nested block of a list-of-one, None when absent."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, list):
        if not value:
            return None
        return value[0] if isinstance(value[0], (dict, Unknown)) else None
    if isinstance(value, dict):
        return value
    return None


def _blocks(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, (dict, Unknown))]
    return []


def _set(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != [] and value != {} and value != "":
        out[key] = value


def _selector(block: Any) -> Any:
    block = _block(block)
    if block is None or isinstance(block, Unknown):
        return block
    out: dict[str, Any] = {}
    labels = block.get("match_labels")
    if isinstance(labels, (dict, Unknown)) and labels != {}:
        out["matchLabels"] = labels
    expressions = _blocks(block.get("match_expressions"))
    if isinstance(expressions, Unknown):
        out["matchExpressions"] = expressions
    elif expressions:
        converted = []
        for item in expressions:
            if isinstance(item, Unknown):
                converted.append(item)
                continue
            entry: dict[str, Any] = {"key": item.get("key"), "operator": item.get("operator")}
            values = item.get("values")
            if isinstance(values, (list, tuple, set)):
                values = sorted(values, key=str) if isinstance(values, set) else list(values)
            _set(entry, "values", values)
            converted.append(entry)
        out["matchExpressions"] = converted
    return out


def _port_value(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _ports(blocks: Any) -> Any:
    blocks = _blocks(blocks)
    if isinstance(blocks, Unknown):
        return blocks
    out = []
    for block in blocks:
        if isinstance(block, Unknown):
            out.append(block)
            continue
        entry: dict[str, Any] = {}
        _set(entry, "port", _port_value(block.get("port")))
        end = block.get("end_port")
        if end not in (None, 0):
            entry["endPort"] = end
        _set(entry, "protocol", block.get("protocol"))
        out.append(entry)
    return out


def _peers(blocks: Any) -> Any:
    blocks = _blocks(blocks)
    if isinstance(blocks, Unknown):
        return blocks
    out = []
    for block in blocks:
        if isinstance(block, Unknown):
            out.append(block)
            continue
        peer: dict[str, Any] = {}
        ip_block = _block(block.get("ip_block"))
        if isinstance(ip_block, Unknown):
            peer["ipBlock"] = ip_block
        elif ip_block is not None:
            entry: dict[str, Any] = {"cidr": ip_block.get("cidr")}
            _set(entry, "except", ip_block.get("except"))
            peer["ipBlock"] = entry
        for key, name in (("namespace_selector", "namespaceSelector"), ("pod_selector", "podSelector")):
            selector = _selector(block.get(key))
            if selector is not None:
                peer[name] = selector
        out.append(peer)
    return out


def _rules(blocks: Any, peers_key: str) -> Any:
    blocks = _blocks(blocks)
    if isinstance(blocks, Unknown):
        return blocks
    out = []
    for block in blocks:
        if isinstance(block, Unknown):
            out.append(block)
            continue
        rule: dict[str, Any] = {}
        _set(rule, "ports", _ports(block.get("ports")))
        _set(rule, peers_key, _peers(block.get(peers_key)))  # "from"/"to": the same name in HCL
        out.append(rule)
    return out


def network_policy_document(resource: Resource) -> dict[str, Any]:
    """The NetworkPolicy a ``kubernetes_network_policy(_v1)`` resource creates."""
    values = resource.values
    meta_block = _block(values.get("metadata"))
    metadata: dict[str, Any] = {}
    if isinstance(meta_block, Unknown):
        metadata = {"name": meta_block, "namespace": meta_block}
    elif isinstance(meta_block, dict):
        _set(metadata, "name", meta_block.get("name"))
        if meta_block.get("name") is None and meta_block.get("generate_name"):
            metadata["generateName"] = meta_block.get("generate_name")
        namespace = meta_block.get("namespace")
        metadata["namespace"] = "default" if namespace in (None, "") else namespace
        _set(metadata, "labels", meta_block.get("labels"))
    spec_block = _block(values.get("spec"))
    doc: dict[str, Any] = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata}
    if isinstance(spec_block, Unknown):
        doc["spec"] = spec_block
        return doc
    if spec_block is None:
        return doc
    spec: dict[str, Any] = {}
    selector = _selector(spec_block.get("pod_selector"))
    spec["podSelector"] = {} if selector is None else selector
    types = spec_block.get("policy_types")
    if types is not None:
        spec["policyTypes"] = list(types) if isinstance(types, (list, tuple)) else types
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = _rules(spec_block.get(direction), peers_key)
        if isinstance(rules, Unknown) or rules:
            spec[direction] = rules
    doc["spec"] = spec
    return doc


def manifest_document(resource: Resource) -> Any:
    """The object of a ``kubernetes_manifest`` (a dict, or Unknown)."""
    manifest = resource.values.get("manifest")
    return manifest

