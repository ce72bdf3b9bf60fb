"""The published schemas policies are validated against.

* Kubernetes NetworkPolicy: ``schemas/kubernetes/networkpolicy-networking-v1.json``
  (Kubernetes v1.37.0, strict, from the ``kubernetes-validate`` package).
* Calico NetworkPolicy / GlobalNetworkPolicy: the CRDs in ``schemas/calico/``
  (projectcalico/calico ``api/config/crd/``), whose ``openAPIV3Schema`` is
  converted to JSON Schema here, once per run and only when needed.

See the README.md beside each schema for its origin.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources as importlib_resources
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import jsonschema

_CRD_FILES = {
    "NetworkPolicy": "projectcalico.org_networkpolicies.yaml",
    "GlobalNetworkPolicy": "projectcalico.org_globalnetworkpolicies.yaml",
}
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def _read(*parts: str) -> str:
    path = importlib_resources.files("vpclint.schemas")
    for part in parts:
        path = path / part
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def kubernetes_schema() -> dict[str, Any]:
    return json.loads(_read("kubernetes", "networkpolicy-networking-v1.json"))


@lru_cache(maxsize=None)
def calico_schema(kind: str) -> dict[str, Any]:
    """JSON Schema (2020-12) for a Calico policy kind, from its CRD."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load(_read("calico", _CRD_FILES[kind]), Loader=loader)  # noqa: S506 (a safe loader)
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v3")
    schema = openapi_to_jsonschema(version["schema"]["openAPIV3Schema"])
    # metadata is a bare object in a CRD; validate it as the API server does,
    # with ObjectMeta from the Kubernetes schema
    k8s = kubernetes_schema()
    schema["properties"]["metadata"] = {"$ref": f"#/$defs/{_OBJECT_META}"}
    schema["$defs"] = {name: value for name, value in k8s["$defs"].items() if name.startswith("io.k8s.apimachinery")}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def openapi_to_jsonschema(node: Any) -> Any:
    """Convert a CRD's structural OpenAPI v3 schema to JSON Schema.

    ``nullable: true`` adds ``null`` to the type; ``x-kubernetes-int-or-string``
    becomes integer-or-string; an object with ``properties`` rejects other
    fields (unless ``x-kubernetes-preserve-unknown-fields``), as calicoctl's
    strict decoding does; descriptions, defaults and the ``x-kubernetes-*``
    annotations (CEL rules included) are dropped.
    """
    if isinstance(node, list):
        return [openapi_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("description", "default", "example", "externalDocs") or key.startswith("x-kubernetes-"):
            continue
        if key == "properties":
            out[key] = {name: openapi_to_jsonschema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = openapi_to_jsonschema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [openapi_to_jsonschema(sub) for sub in value]
        elif key == "nullable":
            continue
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.pop("pattern", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    if "properties" in node and "additionalProperties" not in node \
            and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


@lru_cache(maxsize=None)
def validator(flavor: str, kind: str) -> "jsonschema.protocols.Validator":
    import jsonschema  # here: a run with no policies never loads it

    schema = kubernetes_schema() if flavor == "kubernetes" else calico_schema(kind)
    return jsonschema.Draft202012Validator(schema)
