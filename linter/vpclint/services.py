"""Kubernetes Services, from manifests and Terraform, as model elements.

Sources: ``kind: Service`` documents of YAML manifests (multi-document,
``List``), and the Terraform resources ``kubernetes_service``,
``kubernetes_service_v1`` (blocks ``metadata {}`` / ``spec { port {} }``,
snake_case) and ``kubernetes_manifest`` (the API document itself), in HCL,
plans and state alike. Each becomes a ``Service`` with its type, ports and
NodePorts, ``loadBalancerSourceRanges``, ``externalTrafficPolicy``,
selector and annotations; this module is provider-neutral.

Which cluster a Service belongs to follows the rule network policies use:
the cluster whose ``clusters: <address>: policies:`` entries in the config
name the Service's file (or directory) or Terraform address; without such an
entry, the input's cluster when it holds exactly one. The provider adapter
of that cluster then decides how the Service is exposed
(``vpclint.providers.service_exposure``).
"""

from __future__ import annotations

import os
import re
from typing import Any

from vpclint.load.manifests import ManifestDocument, is_service_document
from vpclint.model import CidrLimits, Element, Model, Service, ServicePort, make_cidr
from vpclint.policies.build import manifest_address
from vpclint.resources import LoadResult, Resource, UnknownNote
from vpclint.values import Unknown

SERVICE_TYPES = ("kubernetes_service", "kubernetes_service_v1")
MANIFEST_TYPES = ("kubernetes_manifest",)
# the API server accepts host bits in loadBalancerSourceRanges (it parses them "sloppily")
SOURCE_RANGE = CidrLimits("loadBalancerSourceRanges", host_bits_allowed=True)
# the annotation older clients and some controllers read instead of the field
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"

def _block(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value and isinstance(value[0], (dict, Unknown)) else None
    return value if isinstance(value, (dict, Unknown)) else None


def service_document(resource: Resource) -> Any:
    """The API-shape document of a ``kubernetes_service(_v1)`` resource, or a
    ``kubernetes_manifest``'s manifest; None when it holds no Service."""
    if resource.type in MANIFEST_TYPES:
        doc = resource.values.get("manifest")
        return doc if is_service_document(doc) else None
    meta = _block(resource.values.get("metadata"))
    spec = _block(resource.values.get("spec"))
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Service"}
    if isinstance(meta, dict):
        doc["metadata"] = {k: meta.get(s) for k, s in (("name", "name"), ("namespace", "namespace"),
                                                         ("annotations", "annotations")) if meta.get(s) is not None}
    elif isinstance(meta, Unknown):
        doc["metadata"] = meta
    if isinstance(spec, Unknown):
        doc["spec"] = spec
        return doc
    spec = spec if isinstance(spec, dict) else {}
    out: dict[str, Any] = {}
    for api, tf in (("type", "type"), ("selector", "selector"), ("externalTrafficPolicy", "external_traffic_policy"),
                    ("loadBalancerClass", "load_balancer_class"),
                    ("loadBalancerSourceRanges", "load_balancer_source_ranges")):
        if spec.get(tf) is not None:
            out[api] = spec.get(tf)
    ports = spec.get("port")
    if isinstance(ports, Unknown):
        out["ports"] = ports
    elif isinstance(ports, list):
        out["ports"] = [p if isinstance(p, Unknown) else
                        {"port": p.get("port"), "nodePort": p.get("node_port"), "protocol": p.get("protocol")}
                        for p in ports if isinstance(p, (dict, Unknown))]
    doc["spec"] = out
    return doc


def _text(value: Any, default: Any = None) -> Any:
    if isinstance(value, (str, Unknown)):
        return value
    return default


def _port(value: Any) -> Any:
    if isinstance(value, Unknown) or value is None:
        return value
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number or None  # the provider writes 0 for "allocate one"


def _ports(value: Any) -> Any:
    if isinstance(value, Unknown):
        return value
    found = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, Unknown):
            return item
        if isinstance(item, dict):
            protocol = item.get("protocol")
            if isinstance(protocol, Unknown):  # TCP, UDP or SCTP: which ports the nodes must open is not known
                return Unknown(f"a port's protocol is unknown ({protocol.reason})")
            protocol = protocol.lower() if isinstance(protocol, str) else "tcp"
            found.append(ServicePort(_port(item.get("port")), _port(item.get("nodePort")), protocol))
    return found


# an envsubst-style placeholder ($INBOUND_CIDRS, ${CIDRS}) left for a tool to fill in before apply
_PLACEHOLDER = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")


def _range_value(value: Any) -> Any:
    if isinstance(value, str) and _PLACEHOLDER.search(value):
        return Unknown(f"{value.strip()} is a placeholder filled in before apply")
    return value.strip() if isinstance(value, str) else value


def _service(address: str, resource: Resource, doc: dict[str, Any], range_lines: list[int | None]) -> Service:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    spec = doc.get("spec")
    known_spec = spec if isinstance(spec, dict) else {}
    annotations = meta.get("annotations") if isinstance(meta.get("annotations"), (dict, Unknown)) else {}
    if isinstance(doc.get("metadata"), Unknown):  # its annotations too
        annotations = doc["metadata"]
    service = Service(address, resource, namespace=_text(meta.get("namespace"), "default"),
                      type=Unknown("spec is not known before apply") if isinstance(spec, Unknown)
                      else _text(known_spec.get("type"), "ClusterIP"),
                      ports=spec if isinstance(spec, Unknown) else _ports(known_spec.get("ports")),
                      external_traffic_policy=_text(known_spec.get("externalTrafficPolicy"), "Cluster"),
                      selector=known_spec.get("selector"), annotations=annotations,
                      load_balancer_class=_text(known_spec.get("loadBalancerClass")))
    ranges = known_spec.get("loadBalancerSourceRanges")
    if ranges is None and isinstance(annotations, dict) and annotations.get(SOURCE_RANGES_ANNOTATION) is not None:
        ranges = annotations[SOURCE_RANGES_ANNOTATION]
        ranges = [r.strip() for r in ranges.split(",") if r.strip()] if isinstance(ranges, str) else ranges
        service.source_ranges_attribute = SOURCE_RANGES_ANNOTATION
    if isinstance(ranges, Unknown):
        service.source_ranges = [make_cidr(service, service.source_ranges_attribute, "source", ranges, SOURCE_RANGE)]
    elif isinstance(ranges, list):
        for index, value in enumerate(ranges):
            cidr = make_cidr(service, service.source_ranges_attribute, "source", _range_value(value), SOURCE_RANGE)
            line = range_lines[index] if index < len(range_lines) else None
            if line is not None and line != resource.line:  # the entry's own line, for findings about it
                cidr.origin = Element(address, Resource(address, resource.type, resource.name, resource.values,
                                                        mode=resource.mode, file=resource.file, line=line,
                                                        end_line=line))
            service.source_ranges.append(cidr)
    return service


def _from_manifest(document: ManifestDocument) -> Service:
    doc = document.data
    address = manifest_address(doc, document.index)
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) else address
    resource = Resource(address=address, type="manifest:Service", name=name, values={"name": name},
                        mode="manifest", file=document.file, line=document.line, end_line=document.end_line)
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    ranges = spec.get("loadBalancerSourceRanges")
    lines = [document.line_of(("spec", "loadBalancerSourceRanges", i))
             for i in range(len(ranges))] if isinstance(ranges, list) else []
    return _service(address, resource, doc, lines)


def services_from(loaded: LoadResult) -> list[Service]:
    found = [_from_manifest(d) for d in loaded.manifests if is_service_document(d.data)]
    for resource in loaded.resources:
        if resource.mode == "managed" and resource.type in (*SERVICE_TYPES, *MANIFEST_TYPES):
            doc = service_document(resource)
            if isinstance(doc, dict):
                found.append(_service(resource.address, resource, doc, []))
    return found


def _claimed_by(service: Service, config: Any, clusters: list[str]) -> list[str]:
    """The clusters whose ``clusters:`` config entries name the Service's file or address."""
    base = os.path.dirname(getattr(config, "path", None) or "")
    where = os.path.abspath(service.file) if service.file else None
    found = []
    for cluster in clusters:
        entries = (getattr(config, "clusters", {}) or {}).get(cluster, {}).get("policies") or []
        roots = [os.path.abspath(os.path.join(base, e)) for e in entries]
        if service.address in entries or (where and any(where == r or where.startswith(r + os.sep) for r in roots)):
            found.append(cluster)
    return found


def assign_cluster(service: Service, model: Model, config: Any) -> None:
    """Set ``service.cluster`` by the rule network policies follow."""
    by_address = {c.address: c for c in model.clusters}
    claimed = _claimed_by(service, config, list(by_address))
    if len(claimed) == 1:
        service.cluster = by_address[claimed[0]]
    elif not claimed and len(model.clusters) == 1:
        configured = (getattr(config, "clusters", {}) or {}).get(model.clusters[0].address, {}).get("policies")
        if configured is None:  # its manifests are not listed elsewhere
            service.cluster = model.clusters[0]


def build_services(model: Model, loaded: LoadResult, config: Any) -> list[UnknownNote]:
    """Add the Services ``loaded`` holds to ``model`` (their ranges to
    ``model.cidrs``, for cidr_invalid); return what could not be known."""
    from vpclint.providers import service_exposure

    notes = []
    for service in services_from(loaded):
        assign_cluster(service, model, config)
        model.services.append(service)
        model.cidrs.extend(service.source_ranges)
        for cidr in service.source_ranges:
            if cidr.unknown is not None:
                notes.append(UnknownNote(service.address, service.source_ranges_attribute, cidr.unknown.reason))
        if isinstance(service.type, Unknown):
            notes.append(UnknownNote(service.address, "spec.type", service.type.reason))
        if isinstance(service.ports, Unknown):
            notes.append(UnknownNote(service.address, "spec.ports", service.ports.reason))
        if isinstance(service.type, Unknown) or service.type != "LoadBalancer":
            continue
        if service.cluster is None:
            notes.append(UnknownNote(service.address, "cluster", "which cluster this Service belongs to is not known "
                                     "(name its manifests under clusters: <address>: policies: in the config)"))
            continue
        service.exposure = service_exposure(service, model, loaded)
        if service.exposure is not None:
            notes.extend(UnknownNote(service.address, "metadata.annotations", n) for n in service.exposure.notes)
    return notes


def annotation(service: Service, key: str, default: Any = None) -> Any:
    """An annotation's value: a string, Unknown (the map or the value is not
    known before apply), or ``default`` when absent."""
    found = service.annotations
    if isinstance(found, Unknown):
        return found
    value = found.get(key, default) if isinstance(found, dict) else default
    if value is not None and not isinstance(value, (str, Unknown)):
        value = str(value).lower() if isinstance(value, bool) else str(value)
    return value
