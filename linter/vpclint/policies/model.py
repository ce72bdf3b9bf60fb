"""Network policies as the linter sees them, and how a packet meets them.

One ``Policy`` per Kubernetes NetworkPolicy, Calico NetworkPolicy or Calico
GlobalNetworkPolicy, whether it came from a YAML manifest or from Terraform.
Each holds its parsed selector, its direction types (defaults applied), its
rules with peers and ports, and for Calico its order and tier. Values that
cannot be known (Terraform ``Unknown``) stay ``UNKNOWN``; every evaluation
here is three-valued (``vpclint.policies.logic``).

Rule files reach policies through data attributes only (``policy.kind``,
``policy.pods``, ``policy.issues``); the evaluation methods are for the
primitives in ``vpclint.engine.primitives.policy`` and for
``vpclint.policies.reach``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from netaddr import IPNetwork, IPSet

from vpclint.model import Element
from vpclint.policies.logic import UNKNOWN, Tri, is_unknown, tri_and, tri_not, tri_or
from vpclint.policies.selectors import All, Labels, evaluate

KUBERNETES = "kubernetes"
CALICO = "calico"

# the order Calico gives Kubernetes NetworkPolicies (default tier)
K8S_POLICY_ORDER = 1000.0

# protocol numbers Calico accepts in place of names
PROTOCOL_NUMBERS = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMPv6": 58, "SCTP": 132, "UDPLite": 136}


class Namespace:
    """The namespace a manifest without ``metadata.namespace`` lands in: the
    one ``kubectl apply`` targets, unknown here. Equal only to itself."""

    def __init__(self, label: str, excludes: frozenset[str] = frozenset()):
        self.label = label
        self.excludes = excludes  # names it is known not to be ("kube-system": a policy read as applied elsewhere)

    def __repr__(self) -> str:
        return f"Namespace({self.label})"

    def __str__(self) -> str:
        return "the namespace it is applied to"


def same_namespace(a: Any, b: Any) -> Tri:
    """Whether two namespaces (str, ``Namespace`` or unknown) are the same."""
    if a is None or b is None or is_unknown(a) or is_unknown(b):
        return UNKNOWN
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if a is b:
        return True
    for one, other in ((a, b), (b, a)):
        if isinstance(one, Namespace) and isinstance(other, str) and other in one.excludes:
            return False
    return UNKNOWN


def show_namespace(value: Any) -> str:
    if isinstance(value, str):
        return f"namespace {value}"
    return "the namespace the policy is applied to" if isinstance(value, Namespace) else "an unknown namespace"


# ---------------------------------------------------------------------------
# endpoints and traffic
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """One end of a packet.

    A pod has ``labels`` and a ``namespace`` (with its labels); an address
    outside the cluster has only ``address``. ``address`` None means the
    address is not known (a pod IP).
    """

    kind: str  # "pod" or "external"
    namespace: Any = None  # str, Namespace or UNKNOWN (pods)
    labels: Labels | None = None
    namespace_labels: Labels | None = None
    address: IPNetwork | None = None
    service_account: str | None = None
    # the Services (of the pod's namespace) known to select this pod, for Calico
    # rules that name a Service (``services: {name: kube-dns}``)
    services: frozenset[str] = frozenset()

    @property
    def is_pod(self) -> bool:
        return self.kind == "pod"

    def calico_labels(self) -> Labels | None:
        """The labels Calico selectors see: the pod's plus the ones Calico adds."""
        if self.labels is None:
            return None
        extra = {"projectcalico.org/orchestrator": "k8s"}
        if isinstance(self.namespace, str):
            extra["projectcalico.org/namespace"] = self.namespace
        return self.labels.with_values(extra)

    def calico_namespace_labels(self) -> Labels | None:
        if self.namespace_labels is None:
            return None
        if isinstance(self.namespace, str):
            return self.namespace_labels.with_values({"projectcalico.org/name": self.namespace})
        return self.namespace_labels


@dataclass(frozen=True)
class Traffic:
    source: Endpoint
    destination: Endpoint
    protocol: str  # "TCP", "UDP", "SCTP", ...
    port: int


def address_in(address: IPNetwork | None, nets: list[Any], excepts: list[Any] = ()) -> Tri:
    """Whether ``address`` (a range) lies inside ``nets`` minus ``excepts``.

    Unknown when the address or a range is unknown, or only part of the
    address range is inside.
    """
    if address is None or any(is_unknown(n) or n is None for n in [*nets, *excepts]):
        return UNKNOWN
    allowed = IPSet(nets) - IPSet(excepts)
    wanted = IPSet([address])
    if wanted.issubset(allowed):
        return True
    if not (wanted & allowed):
        return False
    return UNKNOWN


# ---------------------------------------------------------------------------
# ports
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PortMatch:
    """A port number range or a named port."""

    low: int | None = None
    high: int | None = None
    name: str | None = None

    def matches(self, port: int) -> Tri:
        if self.name is not None:
            return UNKNOWN  # depends on the destination pod's container ports
        if self.low is None or self.high is None:
            return UNKNOWN
        return self.low <= port <= self.high

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


# ---------------------------------------------------------------------------
# Kubernetes rules
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class K8sPort:
    protocol: Any  # "TCP" / "UDP" / "SCTP" or UNKNOWN
    port: Any  # PortMatch, None (every port) or UNKNOWN


@dataclass(frozen=True)
class K8sPeer:
    """A NetworkPolicyPeer: selectors (each an Expr, None when absent, or
    UNKNOWN) or an ipBlock (``cidr`` and ``excepts`` as IPNetwork/UNKNOWN)."""

    pod_selector: Any = None
    namespace_selector: Any = None
    cidr: Any = None
    excepts: tuple[Any, ...] = ()

    @property
    def is_ip_block(self) -> bool:
        return self.cidr is not None

    def matches(self, other: Endpoint, policy: "Policy") -> Tri:
        if self.is_ip_block:
            if other.is_pod:
                # whether an ipBlock applies to pod IPs is left to the
                # network plugin (Kubernetes documents it as undefined)
                return UNKNOWN
            return address_in(other.address, [self.cidr], list(self.excepts))
        if not other.is_pod:
            return False  # selectors select pods only
        parts: list[Tri] = []
        if self.namespace_selector is None:
            parts.append(same_namespace(policy.namespace, other.namespace))
        elif is_unknown(self.namespace_selector):
            parts.append(UNKNOWN)
        else:
            parts.append(evaluate(self.namespace_selector, other.namespace_labels or Labels()))
        if self.pod_selector is not None:
            parts.append(UNKNOWN if is_unknown(self.pod_selector)
                         else evaluate(self.pod_selector, other.labels or Labels()))
        return tri_and(parts)


@dataclass(frozen=True)
class K8sRule:
    """An ingress or egress rule: allowed when a port and a peer match.

    ``ports``/``peers``: a tuple (empty means every port / every peer) or
    UNKNOWN.
    """

    ports: Any = ()
    peers: Any = ()
    action: str = "Allow"

    def matches(self, traffic: Traffic, policy: "Policy", direction: str) -> Tri:
        other = traffic.destination if direction == "egress" else traffic.source
        return tri_and([self._port_matches(traffic), self._peer_matches(other, policy)])

    def _port_matches(self, traffic: Traffic) -> Tri:
        if is_unknown(self.ports):
            return UNKNOWN
        if not self.ports:
            return True
        results = []
        for entry in self.ports:
            proto = UNKNOWN if is_unknown(entry.protocol) else entry.protocol == traffic.protocol
            if entry.port is None:
                port: Tri = True
            elif is_unknown(entry.port):
                port = UNKNOWN
            else:
                port = entry.port.matches(traffic.port)
            results.append(tri_and([proto, port]))
        return tri_or(results)

    def _peer_matches(self, other: Endpoint, policy: "Policy") -> Tri:
        if is_unknown(self.peers):
            return UNKNOWN
        if not self.peers:
            return True
        return tri_or(peer.matches(other, policy) for peer in self.peers)


# ---------------------------------------------------------------------------
# Calico rules
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CalicoEntity:
    """A Calico EntityRule (``source`` / ``destination``); absent fields None."""

    nets: Any = None  # tuple of IPNetwork (or UNKNOWN items), or UNKNOWN
    not_nets: Any = None
    selector: Any = None  # Expr or UNKNOWN
    not_selector: Any = None
    namespace_selector: Any = None
    ports: Any = None  # tuple of PortMatch, or UNKNOWN
    not_ports: Any = None
    service_accounts: Any = None  # the raw mapping when given
    services: Any = None  # the raw mapping when given

    def matches(self, endpoint: Endpoint, port: int | None, policy: "Policy") -> Tri:
        parts: list[Tri] = []
        if self.nets is not None:
            parts.append(UNKNOWN if is_unknown(self.nets) else address_in(endpoint.address, list(self.nets)))
        if self.not_nets is not None:
            parts.append(UNKNOWN if is_unknown(self.not_nets)
                         else tri_not(tri_or(address_in(endpoint.address, [n]) for n in self.not_nets)))
        parts.append(self._selects(endpoint, policy))
        if port is not None:
            if self.ports is not None:
                parts.append(UNKNOWN if is_unknown(self.ports) else tri_or(p.matches(port) for p in self.ports))
            if self.not_ports is not None:
                parts.append(UNKNOWN if is_unknown(self.not_ports)
                             else tri_not(tri_or(p.matches(port) for p in self.not_ports)))
        elif self.ports is not None or self.not_ports is not None:
            parts.append(UNKNOWN)  # a source port: ephemeral, not known
        if self.service_accounts is not None:
            parts.append(UNKNOWN)
        if self.services is not None:
            parts.append(self._service_matches(endpoint, policy))
        return tri_and(parts)

    def _selects(self, endpoint: Endpoint, policy: "Policy") -> Tri:
        """The selector, notSelector and namespaceSelector parts."""
        if self.selector is None and self.not_selector is None and self.namespace_selector is None:
            return True
        if not endpoint.is_pod:
            # outside the cluster: a selector may still match a (Global)NetworkSet
            # or host endpoint this configuration does not show
            return UNKNOWN
        labels = endpoint.calico_labels() or Labels()
        parts: list[Tri] = []
        if self.namespace_selector is not None:
            if is_unknown(self.namespace_selector):
                parts.append(UNKNOWN)
            else:
                parts.append(evaluate(self.namespace_selector, endpoint.calico_namespace_labels() or Labels(),
                                      is_global=False))
        elif policy.kind == "NetworkPolicy":
            parts.append(same_namespace(policy.namespace, endpoint.namespace))
        if self.selector is not None:
            parts.append(UNKNOWN if is_unknown(self.selector) else evaluate(self.selector, labels))
        if self.not_selector is not None:
            parts.append(UNKNOWN if is_unknown(self.not_selector) else tri_not(evaluate(self.not_selector, labels)))
        return tri_and(parts)

    def _service_matches(self, endpoint: Endpoint, policy: "Policy") -> Tri:
        if not isinstance(self.services, Mapping) or not endpoint.is_pod:
            return UNKNOWN
        name, namespace = self.services.get("name"), self.services.get("namespace")
        if namespace is None:
            namespace = policy.namespace
        if not isinstance(name, str) or (namespace is not None and not isinstance(namespace, (str, Namespace))):
            return UNKNOWN
        same = same_namespace(namespace, endpoint.namespace)
        if same is False:
            return False  # a Service selects pods of its own namespace only
        if same is True and name in endpoint.services:
            return True
        return UNKNOWN


@dataclass(frozen=True)
class CalicoRule:
    action: Any = "Allow"  # Allow, Deny, Log, Pass, or UNKNOWN
    protocol: Any = None  # None: every protocol; a name, a number, or UNKNOWN
    not_protocol: Any = None
    ip_version: Any = None
    source: CalicoEntity = field(default_factory=CalicoEntity)
    destination: CalicoEntity = field(default_factory=CalicoEntity)
    icmp: bool = False  # icmp / notICMP given
    http: bool = False

    def matches(self, traffic: Traffic, policy: "Policy", direction: str) -> Tri:
        parts: list[Tri] = [self._protocol_matches(self.protocol, traffic.protocol)]
        if self.not_protocol is not None:
            parts.append(tri_not(self._protocol_matches(self.not_protocol, traffic.protocol)))
        if self.ip_version is not None:
            parts.append(UNKNOWN)  # pod addresses may be of either family
        if self.icmp or self.http:
            parts.append(UNKNOWN)
        parts.append(self.source.matches(traffic.source, None, policy))
        parts.append(self.destination.matches(traffic.destination, traffic.port, policy))
        return tri_and(parts)

    @staticmethod
    def _protocol_matches(protocol: Any, wanted: str) -> Tri:
        if protocol is None:
            return True
        if is_unknown(protocol):
            return UNKNOWN
        if isinstance(protocol, bool):
            return UNKNOWN
        if isinstance(protocol, int):
            return protocol == PROTOCOL_NUMBERS.get(wanted)
        if isinstance(protocol, str):
            if protocol.isdigit():
                return int(protocol) == PROTOCOL_NUMBERS.get(wanted)
            return protocol == wanted
        return UNKNOWN


# ---------------------------------------------------------------------------
# issues and policies
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class PolicyIssue(Element):
    """Something the API server or calicoctl would reject, with its place."""

    message: str = ""
    fix: str = ""
    field_path: str = ""
    at_file: str | None = None
    at_line: int | None = None

    @property
    def file(self) -> str | None:  # type: ignore[override]
        return self.at_file

    @property
    def line(self) -> int | None:  # type: ignore[override]
        return self.at_line


@dataclass(eq=False)
class Policy(Element):
    """A Kubernetes or Calico network policy.

    ``selector`` is the parsed pod selector (None when it is invalid),
    ``types`` the directions it governs (defaults applied; UNKNOWN when not
    knowable), ``namespace`` a str, a ``Namespace`` (manifest without one),
    None (GlobalNetworkPolicy) or UNKNOWN.
    """

    flavor: str = KUBERNETES
    kind: str = "NetworkPolicy"
    api_version: str = ""
    policy_name: Any = None
    namespace: Any = None
    selector: Any = None
    namespace_selector: Any = None  # GlobalNetworkPolicy spec.namespaceSelector
    service_account_selector: Any = None
    types: Any = ()
    ingress: Any = ()  # tuple of rules, or UNKNOWN
    egress: Any = ()
    order: Any = None  # float, None (last), UNKNOWN
    tier: Any = "default"
    source: str = "manifest"  # "manifest" or "terraform"
    issues: list[PolicyIssue] = field(default_factory=list)
    # the policies linted with this one (the same model), for cross-policy checks
    others: list["Policy"] = field(default_factory=list, repr=False)
    # human text: which pods the policy selects (for messages)
    pods: str = ""
    title: str = ""  # "Calico NetworkPolicy web/allow-all-ingress"

    @property
    def valid(self) -> bool:
        return not self.issues

    def restricts(self, direction: str) -> Tri:
        """Whether the policy governs ``direction`` ("ingress"/"egress")."""
        if is_unknown(self.types):
            return UNKNOWN
        return direction.capitalize() in self.types

    def applies_to(self, pod: Endpoint, direction: str) -> Tri:
        """Whether the policy governs ``direction`` of ``pod``'s traffic."""
        if not pod.is_pod:
            return False
        parts: list[Tri] = [self.restricts(direction)]
        if self.selector is None or is_unknown(self.selector):
            parts.append(UNKNOWN)
        elif self.flavor == CALICO:
            parts.append(evaluate(self.selector, pod.calico_labels() or Labels()))
        else:
            parts.append(evaluate(self.selector, pod.labels or Labels()))
        if self.kind == "GlobalNetworkPolicy":
            if self.namespace_selector is not None:
                parts.append(UNKNOWN if is_unknown(self.namespace_selector)
                             else evaluate(self.namespace_selector, pod.calico_namespace_labels() or Labels()))
        else:
            parts.append(same_namespace(self.namespace, pod.namespace))
        if self.service_account_selector is not None:
            if is_unknown(self.service_account_selector) or not isinstance(self.service_account_selector, All):
                parts.append(UNKNOWN)
        return tri_and(parts)

    def rules(self, direction: str) -> Any:
        return self.egress if direction == "egress" else self.ingress

    @property
    def effective_order(self) -> Any:
        return K8S_POLICY_ORDER if self.flavor == KUBERNETES else self.order

    @property
    def effective_tier(self) -> Any:
        return "default" if self.flavor == KUBERNETES else self.tier

    @property
    def sort_name(self) -> str:
        name = self.policy_name if isinstance(self.policy_name, str) else ""
        return f"knp.default.{name}" if self.flavor == KUBERNETES else name
