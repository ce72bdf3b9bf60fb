"""What the API server and calicoctl reject in a policy document.

Two passes over the plain document (``dict`` in API shape, camelCase):

1. the published schema (``vpclint.policies.schemas``): unknown and
   misplaced fields, wrong types, missing required fields, enums;
2. the checks the servers make beyond their schema: label keys and values,
   selector syntax (Calico expressions are parsed), ports (1–65535, named
   ports, ranges, ``endPort``), protocols, CIDRs, peers, names.

Each problem is an ``Issue``: the path of the offending key, what is wrong
and what to write instead. Values Terraform cannot know (``Unknown``) are
never a problem.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterator

from netaddr import AddrFormatError, IPAddress, IPNetwork

from vpclint.policies import schemas
from vpclint.policies.model import PROTOCOL_NUMBERS
from vpclint.policies.selectors import SelectorError, from_label_selector, parse_calico, render
from vpclint.values import Unknown, contains_unknown


@dataclass(frozen=True)
class Issue:
    path: tuple
    message: str
    fix: str = ""


def show_path(path: tuple | list) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


# ---------------------------------------------------------------------------
# Kubernetes syntax rules (k8s.io/apimachinery/pkg/util/validation)
# ---------------------------------------------------------------------------

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_CALICO_RANGE = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*$")


def label_key_problem(key: Any) -> str | None:
    if not isinstance(key, str):
        return "a label key must be a string"
    prefix, _, name = key.rpartition("/")
    if "/" in key and not prefix:
        return f"label key {key!r} has an empty prefix"
    if prefix and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return f"label key prefix {prefix!r} must be a DNS subdomain (lower case letters, digits, '-' and '.')"
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return (f"label key {key!r} is not valid: the name part must be 1-63 characters of letters, digits, "
                "'-', '_' and '.', starting and ending with a letter or digit")
    return None


def label_value_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"label value {value!r} must be a string (quote it)"
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        return (f"label value {value!r} is not valid: at most 63 characters of letters, digits, '-', '_' and '.', "
                "starting and ending with a letter or digit")
    return None


def port_name_problem(name: str) -> str | None:
    """IANA service name rules for a named port."""
    if len(name) > 15 or not _PORT_NAME.match(name) or "--" in name or not re.search(r"[a-z]", name):
        return (f"{name!r} is neither a port number nor a valid port name (1-15 lower case letters, digits and "
                "'-', with at least one letter)")
    return None


def cidr_problem(text: Any, allow_address: bool = False) -> str | None:
    if not isinstance(text, str):
        return f"{text!r} is not a CIDR string"
    value = text.strip()
    try:
        if "/" in value:
            address, _, prefix = value.partition("/")
            if not prefix.isdigit():
                raise AddrFormatError(f"bad prefix length {prefix!r}")
            ip = IPAddress(address, flags=0)
            if int(prefix) > (32 if ip.version == 4 else 128):
                raise AddrFormatError(f"prefix length /{prefix} is too long")
            IPNetwork(value)
        elif allow_address:
            IPAddress(value, flags=0)
        else:
            return f"{text!r} is not a CIDR (write it with a prefix length, e.g. {value}/32)"
    except (AddrFormatError, ValueError, TypeError):
        return f"{text!r} is not a valid CIDR"
    return None


def parse_network(text: str) -> IPNetwork:
    value = text.strip()
    return IPNetwork(value if "/" in value else str(IPAddress(value, flags=0)))


# ---------------------------------------------------------------------------
# schema pass
# ---------------------------------------------------------------------------

# Calico rule fields that belong inside source/destination
_ENTITY_FIELDS = {"ports", "notPorts", "nets", "notNets", "selector", "notSelector", "namespaceSelector",
                  "serviceAccounts", "services"}


def schema_issues(doc: dict[str, Any], flavor: str, kind: str) -> list[Issue]:
    validator = schemas.validator(flavor, kind)
    issues: list[Issue] = []
    for error in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        if contains_unknown(error.instance):
            continue
        issues.extend(_from_schema_error(error, doc, flavor))
    return issues


def _from_schema_error(error: Any, doc: dict[str, Any], flavor: str) -> Iterator[Issue]:
    path = tuple(error.absolute_path)
    where = show_path(path)
    keyword = error.validator
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted((error.schema.get("properties") or {}).keys())
        for key in sorted((k for k in error.instance if k not in allowed), key=str):
            message, fix = _unknown_field(path, key, error.instance[key], allowed, flavor)
            yield Issue(path + (key,), message, fix)
        return
    if keyword == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield Issue(path, f"`{where}` is missing the required field `{missing}`", _required_fix(path, missing, flavor))
        return
    if keyword == "type":
        yield _type_issue(path, error, flavor)
        return
    if keyword in ("oneOf", "anyOf"):
        options = [s.get("type") for s in error.validator_value if isinstance(s, dict)]
        flat = {t for o in options for t in (o if isinstance(o, list) else [o]) if t}
        if {"integer", "string"} <= flat:
            yield Issue(path, f"`{where}` must be a number or a name, not {_describe(error.instance)}",
                        "write a port number (53) or a port name (dns)" if path and path[-1] in ("port",) or
                        (len(path) > 1 and path[-2] in ("ports", "notPorts")) else "")
        else:
            yield Issue(path, f"`{where}`: {error.message}")
        return
    if keyword == "enum":
        allowed = [v for v in error.validator_value if v is not None]
        fix = ""
        if isinstance(error.instance, str):
            close = [v for v in allowed if isinstance(v, str) and v.lower() == error.instance.lower()]
            if close:
                fix = f"write {close[0]} (case matters)"
        yield Issue(path, f"`{where}` is {error.instance!r}; it must be one of {', '.join(map(str, allowed))}", fix)
        return
    yield Issue(path, f"`{where}`: {error.message}")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if value is None:
        return "null"
    return f"the string {value!r}"


def _flow(value: Any) -> str:
    """A short YAML flow rendering of a value, for fixes."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    return str(value)


def _unknown_field(path: tuple, key: Any, value: Any, allowed: list[str], flavor: str) -> tuple[str, str]:
    where = show_path(path + (key,))
    message = f"unknown field `{where}`"
    direction = path[1] if len(path) >= 3 and path[0] == "spec" and path[1] in ("ingress", "egress") else None
    rule_level = direction is not None and len(path) == 3
    if flavor == "calico":
        if rule_level and key in _ENTITY_FIELDS:
            target = "destination" if key in ("ports", "notPorts") or direction == "egress" else "source"
            return (f"`{where}` is not a field of a Calico rule: `{key}` belongs under `{target}`",
                    f"move `{key}` under `{target}`: {target}: {{{key}: {_flow(value)}}}")
        if rule_level and key in ("to", "from"):
            target = "destination" if key == "to" else "source"
            return (f"{message}: `{key}` is Kubernetes NetworkPolicy syntax",
                    f"Calico rules use `{target}` with selector expressions and nets: "
                    f"{target}: {{selector: k8s-app == 'kube-dns', namespaceSelector: "
                    f"projectcalico.org/name == 'kube-system'}}")
        if path == ("spec",) and key == "podSelector":
            return (f"{message}: Calico selects pods with `selector`, an expression",
                    f"write `selector: {_expression_for(value) or 'app == ' + repr('web')}` instead of `podSelector`")
        if path == ("spec",) and key == "policyTypes":
            return f"{message}: Calico calls it `types`", f"rename `policyTypes` to `types`: types: {_flow(value)}"
    else:
        if path == ("spec",) and key == "selector":
            return (f"{message}: a Kubernetes NetworkPolicy selects pods with `podSelector`",
                    "write podSelector: {matchLabels: {app: web}} (or use apiVersion projectcalico.org/v3 for a "
                    "Calico policy)")
        if path == ("spec",) and key == "types":
            return f"{message}: Kubernetes calls it `policyTypes`", "rename `types` to `policyTypes`"
        if rule_level and key in ("action", "protocol", "destination", "source"):
            return (f"{message}: that is Calico syntax; a Kubernetes NetworkPolicy rule has only "
                    f"`ports` and `{'to' if direction == 'egress' else 'from'}`",
                    "use apiVersion projectcalico.org/v3 for a Calico policy, or write "
                    f"{'to' if direction == 'egress' else 'from'}: [...] and ports: [{{port: 53, protocol: UDP}}]")
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    if close:
        return message, f"did you mean `{close[0]}`?"
    return message, f"remove it; the fields here are {', '.join(allowed)}" if allowed else "remove it"


def _required_fix(path: tuple, missing: str, flavor: str) -> str:
    if missing == "action":
        return "add `action: Allow` (or Deny, Log, Pass) to the rule"
    if missing == "cidr":
        return "add `cidr:` with the range, e.g. cidr: 10.0.0.0/16"
    if missing == "metadata":
        return "add metadata: {name: ..., namespace: ...}"
    if missing == "spec":
        return "add a spec"
    return f"add `{missing}`"


def _expression_for(value: Any) -> str | None:
    """A Calico expression for a label map or a Kubernetes LabelSelector."""
    if not isinstance(value, dict) or not value or contains_unknown(value):
        return None
    try:
        if set(value) <= {"matchLabels", "matchExpressions"}:
            return render(from_label_selector(value))
        if all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return render(from_label_selector({"matchLabels": value}))
    except (SelectorError, AttributeError, TypeError):
        return None
    return None


def _type_issue(path: tuple, error: Any, flavor: str) -> Issue:
    where = show_path(path)
    wanted = error.validator_value
    wanted = [w for w in (wanted if isinstance(wanted, list) else [wanted]) if w != "null"]
    names = {"string": "a string", "object": "a map", "array": "a list", "integer": "an integer",
             "number": "a number", "boolean": "true or false"}
    text = " or ".join(names.get(w, w) for w in wanted)
    instance = error.instance
    key = path[-1] if path else None
    if flavor == "calico" and key in ("selector", "notSelector", "namespaceSelector", "serviceAccountSelector") \
            and isinstance(instance, dict):
        expression = _expression_for(instance) or "app == 'web'"
        return Issue(path, f"`{where}` must be a selector expression (a string), not a map",
                     f"write the selector as an expression: {key}: {expression}")
    if "array" in wanted and not isinstance(instance, list) and instance is not None:
        return Issue(path, f"`{where}` must be a list, not {_describe(instance)}",
                     f"write it as a list: {key}: [{_flow(instance)}]")
    if "string" in wanted and isinstance(instance, (bool, int, float)):
        return Issue(path, f"`{where}` must be a string, not {_describe(instance)}",
                     f"quote it: {key}: \"{_flow(instance)}\"")
    return Issue(path, f"`{where}` must be {text}, not {_describe(instance)}")


# ---------------------------------------------------------------------------
# semantic pass: shared pieces
# ---------------------------------------------------------------------------


def _metadata_issues(doc: dict[str, Any], name_pattern: re.Pattern, name_rule: str,
                     namespaced: bool) -> Iterator[Issue]:
    meta = doc.get("metadata")
    if meta is None:
        yield Issue(("kind",), "the policy has no `metadata` (its name is required)",
                    "add metadata: {name: allow-dns}")
    if not isinstance(meta, dict):
        return
    name = meta.get("name")
    if name is None and not meta.get("generateName"):
        yield Issue(("metadata",), "`metadata.name` is missing", "add metadata: {name: allow-dns} (lower case, digits, '-')")
    elif isinstance(name, str) and (len(name) > 253 or not name_pattern.match(name)):
        yield Issue(("metadata", "name"), f"policy name {name!r} is not valid: {name_rule}",
                    f"rename it, e.g. {re.sub(r'[^a-z0-9-]+', '-', name.lower()).strip('-') or 'allow-dns'}")
    namespace = meta.get("namespace")
    if namespace is not None and not namespaced:
        yield Issue(("metadata", "namespace"), "a GlobalNetworkPolicy is not namespaced; `metadata.namespace` "
                    "must not be set", "remove `metadata.namespace` (scope it with `namespaceSelector` instead)")
    elif isinstance(namespace, str) and (len(namespace) > 63 or not _DNS1123_LABEL.match(namespace)):
        yield Issue(("metadata", "namespace"), f"namespace {namespace!r} is not a valid namespace name "
                    "(lower case letters, digits and '-')")
    for field in ("labels",):
        labels = meta.get(field)
        if isinstance(labels, dict):
            for key, value in labels.items():
                problem = label_key_problem(key) or (None if isinstance(value, Unknown) else label_value_problem(value))
                if problem:
                    yield Issue(("metadata", field, key), f"`metadata.{field}`: {problem}")


def label_selector_issues(selector: Any, path: tuple) -> Iterator[Issue]:
    """A Kubernetes LabelSelector (matchLabels / matchExpressions)."""
    if not isinstance(selector, dict):
        return
    labels = selector.get("matchLabels")
    if isinstance(labels, dict):
        for key, value in labels.items():
            if isinstance(key, Unknown):
                continue
            problem = label_key_problem(key) or (None if isinstance(value, Unknown) else label_value_problem(value))
            if problem:
                yield Issue(path + ("matchLabels", key), f"`{show_path(path + ('matchLabels',))}`: {problem}",
                            "quote values such as \"true\", \"yes\" or \"1\"" if isinstance(value, (bool, int, float))
                            else "")
    expressions = selector.get("matchExpressions")
    if isinstance(expressions, list):
        for index, requirement in enumerate(expressions):
            if not isinstance(requirement, dict):
                continue
            where = path + ("matchExpressions", index)
            key, operator, values = requirement.get("key"), requirement.get("operator"), requirement.get("values")
            if isinstance(key, str):
                problem = label_key_problem(key)
                if problem:
                    yield Issue(where + ("key",), f"`{show_path(where)}`: {problem}")
            if isinstance(operator, Unknown) or isinstance(values, Unknown):
                continue
            if isinstance(operator, str) and operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
                yield Issue(where + ("operator",), f"`{show_path(where + ('operator',))}` is {operator!r}; it must be "
                            "In, NotIn, Exists or DoesNotExist")
            elif operator in ("In", "NotIn") and not values:
                yield Issue(where, f"`{show_path(where)}`: operator {operator} needs at least one value",
                            "add values: [...]")
            elif operator in ("Exists", "DoesNotExist") and values:
                yield Issue(where + ("values",), f"`{show_path(where)}`: operator {operator} takes no values",
                            "remove `values`")
            if isinstance(values, list):
                for position, value in enumerate(values):
                    problem = None if isinstance(value, Unknown) else label_value_problem(value)
                    if problem:
                        yield Issue(where + ("values", position), f"`{show_path(where + ('values',))}`: {problem}")


# ---------------------------------------------------------------------------
# Kubernetes NetworkPolicy
# ---------------------------------------------------------------------------

K8S_PROTOCOLS = ("TCP", "UDP", "SCTP")


def kubernetes_issues(doc: dict[str, Any]) -> list[Issue]:
    """Schema and API-server checks of a ``networking.k8s.io/v1`` NetworkPolicy."""
    issues = schema_issues(doc, "kubernetes", "NetworkPolicy")
    issues.extend(_metadata_issues(doc, _DNS1123_SUBDOMAIN,
                                   "lower case letters, digits, '-' and '.', at most 253 characters", True))
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        if "spec" not in doc:
            issues.append(Issue((), "the policy has no `spec`", "add spec: {podSelector: {}, policyTypes: [Egress]}"))
        return issues
    issues.extend(label_selector_issues(spec.get("podSelector"), ("spec", "podSelector")))
    types = spec.get("policyTypes")
    if isinstance(types, list):
        seen: set = set()
        for index, value in enumerate(types):
            if isinstance(value, str) and value not in ("Ingress", "Egress"):
                fix = f"write {value.capitalize()}" if value.capitalize() in ("Ingress", "Egress") else ""
                issues.append(Issue(("spec", "policyTypes", index),
                                    f"`spec.policyTypes[{index}]` is {value!r}; it must be Ingress or Egress", fix))
            elif isinstance(value, str) and value in seen:
                issues.append(Issue(("spec", "policyTypes", index), f"`spec.policyTypes` lists {value} twice",
                                    "remove the duplicate"))
            if isinstance(value, str):  # a list or map here is a schema error, and unhashable
                seen.add(value)
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = spec.get(direction)
        if not isinstance(rules, list):
            continue
        for index, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            base = ("spec", direction, index)
            ports = rule.get("ports")
            if isinstance(ports, list):
                for position, port in enumerate(ports):
                    if isinstance(port, dict):
                        issues.extend(_k8s_port_issues(port, base + ("ports", position)))
            peers = rule.get(peers_key)
            if isinstance(peers, list):
                for position, peer in enumerate(peers):
                    if isinstance(peer, dict):
                        issues.extend(_k8s_peer_issues(peer, base + (peers_key, position)))
    return issues


def _k8s_port_issues(port: dict[str, Any], path: tuple) -> Iterator[Issue]:
    protocol = port.get("protocol")
    if isinstance(protocol, str) and protocol not in K8S_PROTOCOLS:
        fix = f"write {protocol.upper()}" if protocol.upper() in K8S_PROTOCOLS else "write TCP, UDP or SCTP"
        yield Issue(path + ("protocol",), f"`{show_path(path + ('protocol',))}` is {protocol!r}; it must be TCP, UDP "
                    "or SCTP", fix)
    value, end = port.get("port"), port.get("endPort")
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not 1 <= value <= 65535:
            yield Issue(path + ("port",), f"port {value} is out of range: ports are 1-65535")
    elif isinstance(value, str):
        problem = port_name_problem(value)
        if problem:
            fix = f"write the number without quotes: port: {int(value)}" if value.isdigit() else \
                "use the number of the port, or the name of a container port"
            yield Issue(path + ("port",), f"`{show_path(path + ('port',))}`: {problem}", fix)
    if isinstance(end, int) and not isinstance(end, bool):
        if value is None:
            yield Issue(path + ("endPort",), "`endPort` needs `port` (the first port of the range)", "add `port:`")
        elif isinstance(value, str):
            yield Issue(path + ("endPort",), "`endPort` cannot be used with a named port", "give `port` as a number")
        elif isinstance(value, int) and end < value:
            yield Issue(path + ("endPort",), f"`endPort` {end} is less than `port` {value}",
                        f"write endPort: {value} or more")
        if not 1 <= end <= 65535:
            yield Issue(path + ("endPort",), f"endPort {end} is out of range: ports are 1-65535")


def _k8s_peer_issues(peer: dict[str, Any], path: tuple) -> Iterator[Issue]:
    given = [key for key in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(key) is not None]
    if not given and not any(k not in ("podSelector", "namespaceSelector", "ipBlock") for k in peer):
        yield Issue(path, f"`{show_path(path)}` is an empty peer: it must set podSelector, namespaceSelector or "
                    "ipBlock", "remove the empty entry (an empty list allows every peer) or give a selector")
    if "ipBlock" in given and len(given) > 1:
        yield Issue(path + ("ipBlock",), f"`{show_path(path)}`: `ipBlock` cannot be combined with "
                    f"{' or '.join('`' + g + '`' for g in given if g != 'ipBlock')}",
                    "make them separate entries of the list")
    for key in ("podSelector", "namespaceSelector"):
        yield from label_selector_issues(peer.get(key), path + (key,))
    block = peer.get("ipBlock")
    if not isinstance(block, dict):
        return
    cidr = block.get("cidr")
    network = None
    if isinstance(cidr, str):
        problem = cidr_problem(cidr)
        if problem:
            yield Issue(path + ("ipBlock", "cidr"), f"`{show_path(path + ('ipBlock', 'cidr'))}`: {problem}")
        else:
            network = parse_network(cidr).cidr
    excepts = block.get("except")
    if isinstance(excepts, list):
        for position, item in enumerate(excepts):
            if isinstance(item, Unknown) or item is None:
                continue
            where = path + ("ipBlock", "except", position)
            problem = cidr_problem(item)
            if problem:
                yield Issue(where, f"`{show_path(where)}`: {problem}")
            elif network is not None:
                inner = parse_network(item).cidr
                if inner.version != network.version or inner not in network or inner == network:
                    yield Issue(where, f"except {item} must be a strict subset of cidr {cidr}",
                                "remove it or narrow it to a range inside the cidr")


# ---------------------------------------------------------------------------
# Calico NetworkPolicy / GlobalNetworkPolicy
# ---------------------------------------------------------------------------

CALICO_PROTOCOLS = tuple(PROTOCOL_NUMBERS)
# the protocols that have ports, by name or number
_PORT_PROTOCOLS = {*K8S_PROTOCOLS, *(PROTOCOL_NUMBERS[p] for p in K8S_PROTOCOLS)}
_CALICO_LABEL_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CALICO_NP_NAME = re.compile(r"^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)|((knp|ossg)\.default\."
                             r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*))$")


def calico_issues(doc: dict[str, Any], kind: str) -> list[Issue]:
    """Schema and calicoctl checks of a ``projectcalico.org/v3`` policy."""
    issues = schema_issues(doc, "calico", kind)
    pattern = _CALICO_NP_NAME if kind == "NetworkPolicy" else _CALICO_LABEL_NAME
    issues.extend(_metadata_issues(doc, pattern, "lower case letters, digits and '-' (no '.')",
                                   kind == "NetworkPolicy"))
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        if "spec" not in doc:
            issues.append(Issue((), "the policy has no `spec`", "add spec: {selector: all(), types: [Egress]}"))
        return issues
    for key in ("selector", "serviceAccountSelector", "namespaceSelector"):
        issues.extend(_selector_issue(spec.get(key), ("spec", key), allow_global=False))
    types = spec.get("types")
    if isinstance(types, list):
        seen: set = set()
        for index, value in enumerate(types):
            if isinstance(value, str) and value in seen:
                issues.append(Issue(("spec", "types", index), f"`spec.types` lists {value} twice", "remove the duplicate"))
            if isinstance(value, str):  # a list or map here is a schema error, and unhashable
                seen.add(value)
    for direction in ("ingress", "egress"):
        rules = spec.get(direction)
        if not isinstance(rules, list):
            continue
        for index, rule in enumerate(rules):
            if isinstance(rule, dict):
                issues.extend(_calico_rule_issues(rule, ("spec", direction, index), direction))
    return issues


def _selector_issue(value: Any, path: tuple, allow_global: bool) -> Iterator[Issue]:
    if not isinstance(value, str):
        return
    try:
        expr = parse_calico(value)
    except SelectorError as exc:
        yield Issue(path, f"`{show_path(path)}` is not a valid selector: {exc} in {value!r}",
                    "write an expression such as app == 'web' && has(tier); quote values with ' or \"")
        return
    if "global()" in render(expr) and not allow_global:
        yield Issue(path, f"`{show_path(path)}`: global() can only be used in a rule's namespaceSelector")


def calico_protocol_problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return f"{value!r} is not a protocol"
    if isinstance(value, int):
        return None if 1 <= value <= 255 else f"protocol number {value} is out of range 1-255"
    if isinstance(value, str):
        if value.isdigit():
            return None if 1 <= int(value) <= 255 else f"protocol number {value} is out of range 1-255"
        if value not in CALICO_PROTOCOLS:
            return f"{value!r} is not a protocol Calico knows ({', '.join(CALICO_PROTOCOLS)}, or a number 1-255)"
    return None


def _protocol_has_ports(value: Any) -> bool:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, (str, int)) and value in _PORT_PROTOCOLS  # a list or map is no protocol


def calico_port_problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return f"{value!r} is not a port"
    if isinstance(value, int):
        return None if 1 <= value <= 65535 else f"port {value} is out of range: ports are 1-65535"
    if isinstance(value, str):
        match = _CALICO_RANGE.match(value)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if not (1 <= low <= 65535 and 1 <= high <= 65535):
                return f"port range {value!r} is out of range: ports are 1-65535"
            if low > high:
                return f"port range {value!r} runs backwards; write {high}:{low}"
            return None
        if value.strip().isdigit():
            number = int(value)
            return None if 1 <= number <= 65535 else f"port {value} is out of range: ports are 1-65535"
        return port_name_problem(value)
    return None


def _calico_rule_issues(rule: dict[str, Any], path: tuple, direction: str) -> Iterator[Issue]:
    protocol = rule.get("protocol")
    for key in ("protocol", "notProtocol"):
        value = rule.get(key)
        if value is None or isinstance(value, Unknown):
            continue
        problem = calico_protocol_problem(value)
        if problem:
            fix = ""
            if isinstance(value, str) and value.upper() in [p.upper() for p in CALICO_PROTOCOLS]:
                fix = "write " + next(p for p in CALICO_PROTOCOLS if p.upper() == value.upper())
            yield Issue(path + (key,), f"`{show_path(path + (key,))}`: {problem}", fix)
    if (rule.get("icmp") is not None or rule.get("notICMP") is not None) and protocol is not None \
            and not isinstance(protocol, Unknown) and protocol not in ("ICMP", "ICMPv6", 1, 58):
        yield Issue(path + ("icmp",), "ICMP fields need protocol ICMP or ICMPv6", "set protocol: ICMP")
    versions: set[int] = set()
    mixed_at: tuple | None = None
    for side in ("source", "destination"):
        entity = rule.get(side)
        if not isinstance(entity, dict):
            continue
        base = path + (side,)
        for key in ("selector", "notSelector", "namespaceSelector"):
            yield from _selector_issue(entity.get(key), base + (key,), allow_global=key == "namespaceSelector")
        accounts = entity.get("serviceAccounts")
        if isinstance(accounts, dict):
            yield from _selector_issue(accounts.get("selector"), base + ("serviceAccounts", "selector"), False)
        for key in ("nets", "notNets"):
            nets = entity.get(key)
            if not isinstance(nets, list):
                continue
            for index, net in enumerate(nets):
                if isinstance(net, Unknown):
                    continue
                problem = cidr_problem(net, allow_address=True)
                if problem:
                    yield Issue(base + (key, index), f"`{show_path(base + (key,))}`: {problem}")
                else:
                    versions.add(parse_network(net).version)
                    if len(versions) > 1 and mixed_at is None:
                        mixed_at = base + (key,)
        for key in ("ports", "notPorts"):
            ports = entity.get(key)
            if not isinstance(ports, list) or not ports:
                continue
            for index, port in enumerate(ports):
                if isinstance(port, Unknown):
                    continue
                problem = calico_port_problem(port)
                if problem:
                    yield Issue(base + (key, index), f"`{show_path(base + (key, index))}`: {problem}")
            if isinstance(protocol, Unknown):
                continue
            if protocol is None or not _protocol_has_ports(protocol):
                yield Issue(base + (key,), f"`{show_path(base + (key,))}`: rules that specify ports must set "
                            "protocol to TCP, UDP or SCTP",
                            "add `protocol: TCP` (or UDP) to the rule" if protocol is None
                            else f"protocol {protocol} has no ports: remove `{key}` or use TCP, UDP or SCTP")
        if entity.get("services") is not None and side == ("source" if direction == "egress" else "destination"):
            yield Issue(base + ("services",), f"`services` is not allowed in the {side} of an {direction} rule")
    if mixed_at is not None:
        yield Issue(mixed_at, f"`{show_path(path)}` mixes IPv4 and IPv6 CIDRs ({show_path(mixed_at)})",
                    "split it into one rule per IP version")
    elif versions and rule.get("ipVersion") in (4, 6) and rule.get("ipVersion") not in versions:
        yield Issue(path + ("ipVersion",), "the rule's ipVersion does not match its CIDRs")
    if direction == "egress" and rule.get("http") is not None:
        yield Issue(path + ("http",), "HTTP match is not allowed in egress rules")


def document_issues(doc: dict[str, Any]) -> list[Issue]:
    """Every issue of a policy document, ordered by path; an apiVersion this
    linter does not validate is itself the issue."""
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if api == "networking.k8s.io/v1" and kind == "NetworkPolicy":
        issues = kubernetes_issues(doc)
    elif api in ("projectcalico.org/v3", "crd.projectcalico.org/v1") and kind in ("NetworkPolicy", "GlobalNetworkPolicy"):
        issues = calico_issues(doc, kind)
    elif isinstance(api, Unknown):
        issues = []
    elif api is None:
        issues = [Issue(("kind",), f"a {kind} without `apiVersion`",
                        "add apiVersion: networking.k8s.io/v1 (Kubernetes) or projectcalico.org/v3 (Calico)")]
    else:
        wanted = "networking.k8s.io/v1" if kind == "NetworkPolicy" and not str(api).startswith(
            ("projectcalico", "crd.projectcalico")) else "projectcalico.org/v3"
        issues = [Issue(("apiVersion",), f"apiVersion {api!r} does not serve {kind}", f"write apiVersion: {wanted}")]
    unique: dict[tuple, Issue] = {}
    for issue in issues:
        if "`" not in issue.message and issue.path:  # say where, so equal messages stay apart
            issue = Issue(issue.path, f"`{show_path(issue.path)}`: {issue.message}", issue.fix)
        unique.setdefault((issue.path, issue.message), issue)
    return sorted(unique.values(), key=lambda i: ([str(p) for p in i.path], i.message))
