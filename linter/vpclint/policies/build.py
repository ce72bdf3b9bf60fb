"""Build ``Model.policies`` from YAML manifests and Terraform resources.

Called once per lint target after the network model is built:
``build_policies(model, loaded)``. Every policy document becomes one
``Policy`` with its validation issues (``Policy.issues``) and its place
(file and line: the ``kind:`` line of a YAML document, the resource block
of a Terraform resource; an issue points at the offending key where the
source has one).
"""

from __future__ import annotations

from typing import Any, Iterable

from vpclint.load.manifests import KNOWN_GROUPS, ManifestDocument, is_eniconfig_document, is_service_document
from vpclint.model import Model
from vpclint.policies.model import Namespace, Policy, PolicyIssue
from vpclint.policies.parse import parse_policy
from vpclint.policies.terraform import (MANIFEST_TYPES, NETWORK_POLICY_TYPES, manifest_document,
                                        network_policy_document)
from vpclint.policies.validate import document_issues, show_path
from vpclint.policies.logic import is_unknown
from vpclint.resources import LoadResult, Resource, UnknownNote
from vpclint.values import Unknown


def manifest_address(doc: dict[str, Any], index: int) -> str:
    """``kind.group/[namespace/]name``, e.g. ``networkpolicy.projectcalico.org/web/allow-dns``."""
    kind = doc.get("kind") if isinstance(doc.get("kind"), str) else "networkpolicy"
    api = doc.get("apiVersion") if isinstance(doc.get("apiVersion"), str) else ""
    group = api.split("/")[0] if "/" in api else (api or "unknown")
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) and meta.get("name") else f"(document {index + 1})"
    namespace = meta.get("namespace")
    prefix = f"{kind.lower()}.{group}/"
    return prefix + (f"{namespace}/{name}" if isinstance(namespace, str) and namespace else name)


def _from_manifest(document: ManifestDocument) -> Policy:
    doc = document.data
    address = manifest_address(doc, document.index)
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) else address
    resource = Resource(address=address, type=f"manifest:{doc.get('kind')}", name=name, values={"name": name},
                        mode="manifest", file=document.file, line=document.line, end_line=document.end_line)
    policy = Policy(address, resource, source="manifest")
    for issue in document_issues(doc):
        policy.issues.append(PolicyIssue(address, resource, message=issue.message, fix=issue.fix,
                                         field_path=show_path(issue.path), at_file=document.file,
                                         at_line=document.line_of(issue.path)))
    return parse_policy(doc, policy, Namespace(f"{document.file}#{document.index}"))


def _from_resource(resource: Resource) -> Policy | None:
    if resource.type in NETWORK_POLICY_TYPES:
        doc: Any = network_policy_document(resource)
    else:
        doc = manifest_document(resource)
        if not isinstance(doc, dict) or doc.get("kind") not in ("NetworkPolicy", "GlobalNetworkPolicy"):
            return None
        api = doc.get("apiVersion")
        if isinstance(api, str) and api.split("/")[0] not in KNOWN_GROUPS:
            return None
    policy = Policy(resource.address, resource, source="terraform")
    for issue in document_issues(doc):
        policy.issues.append(PolicyIssue(resource.address, resource, message=issue.message, fix=issue.fix,
                                         field_path=show_path(issue.path), at_file=resource.file,
                                         at_line=resource.line))
    # a kubernetes_manifest without namespace lands in the provider's default namespace
    return parse_policy(doc, policy, "default")


def policies_from(manifests: Iterable[ManifestDocument], resources: Iterable[Resource]) -> list[Policy]:
    policies: list[Policy] = []
    for document in manifests:
        if not (is_service_document(document.data) or is_eniconfig_document(document.data)):  # Services, ENIConfigs
            policies.append(_from_manifest(document))
    for resource in resources:
        if resource.mode == "managed" and resource.type in (*NETWORK_POLICY_TYPES, *MANIFEST_TYPES):
            policy = _from_resource(resource)
            if policy is not None:
                policies.append(policy)
    policies.sort(key=lambda p: (p.file or "", p.line or 0, p.address))
    for policy in policies:
        policy.others = policies
    return policies


def build_policies(model: Model, loaded: LoadResult) -> list[UnknownNote]:
    """Set ``model.policies`` from what ``loaded`` holds; return a note for
    each part of a policy that cannot be known (for ``unknowns``)."""
    model.policies = policies_from(loaded.manifests, loaded.resources)
    notes = []
    for policy in model.policies:
        for attribute, value in (("spec.podSelector", policy.selector), ("spec.policyTypes", policy.types),
                                 ("spec.ingress", policy.ingress), ("spec.egress", policy.egress),
                                 ("metadata.namespace", policy.namespace)):
            if is_unknown(value) and policy.source == "terraform":
                notes.append(UnknownNote(policy.address, attribute,
                                         "not known before apply; network policy checks skip what depends on it"))
    return notes


__all__ = ["build_policies", "policies_from", "manifest_address", "Unknown"]
