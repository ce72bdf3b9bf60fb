"""The provider-neutral network model that rules speak of.

Provider adapters (``vpclint.providers.*``) map Terraform resources to these
elements; rules never see a resource type. Every element keeps the resource it
came from, so findings can name its address, file and line.

Unknown values stay unknown here too: a ``Cidr`` whose value Terraform cannot
know carries an ``Unknown`` instead of a network, and a link to a resource
that this configuration does not manage is ``None`` with ``external`` set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netaddr import AddrFormatError, IPAddress, IPNetwork

from vpclint.resources import Resource
from vpclint.taint import address_shaped
from vpclint.values import Unknown


@dataclass(frozen=True)
class CidrLimits:
    """What a provider's API accepts for one kind of range (a provider fact)."""

    label: str  # e.g. "Huawei Cloud VPC CIDR"
    min_prefix: int = 0
    max_prefix: int = 32
    within: tuple[str, ...] = ()  # if set, the range must lie inside one of these
    not_within: tuple[str, ...] = ()  # reserved ranges the range must not touch
    host_bits_allowed: bool = False
    # with ``within``: the value must not be one of the first N addresses of
    # the range that holds it (AKS dns_service_ip: not the network address,
    # not the kubernetes service's .1); adapters build such limits per value
    reserved_first: int = 0


@dataclass(eq=False)
class Element:
    """Base of every model element: its address and the resource behind it."""

    address: str
    resource: Resource | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """A human name: the resource's ``name`` attribute, else its address."""
        if self.resource is not None:
            value = self.resource.values.get("name")
            if isinstance(value, str) and value:
                return value
        return self.address

    @property
    def terraform_address(self) -> str:
        """The address of the resource behind the element (an implicit route
        table is its VPC's), as findings name it."""
        return self.resource.address if self.resource is not None else self.address

    @property
    def file(self) -> str | None:
        return self.resource.file if self.resource else None

    @property
    def line(self) -> int | None:
        return self.resource.line if self.resource else None


@dataclass(eq=False)
class Cidr:
    """An address range (or single address) with where it came from.

    Exactly one of ``net`` (parsed), ``unknown`` (not knowable) and ``error``
    (malformed, with ``text`` holding what was written) is set.
    """

    owner: Element
    attribute: str
    role: str  # network, subnet, container, service, node, route, source, whitelist, ...
    text: str = ""
    net: IPNetwork | None = None
    unknown: Unknown | None = None
    error: str | None = None
    limits: CidrLimits | None = None
    # where the range is written, when not in the owner's own block (an AWS
    # secondary CIDR association belongs to its VPC but has its own resource)
    origin: Element | None = None

    @property
    def address(self) -> str:
        return self.owner.address

    @property
    def network(self) -> "Network | None":
        """The network the range belongs to: its owner when that is a network, else
        the owner's (a subnet's, a cluster's); None when unknown or outside the model."""
        if isinstance(self.owner, Network):
            return self.owner
        found = getattr(self.owner, "network", None)
        return found if isinstance(found, Network) else None

    @property
    def resource(self) -> Resource | None:
        return self.owner.resource

    @property
    def exchanges_with_clusters(self) -> bool:
        """False only where surely no cluster's pods or nodes send to or receive
        from this range: a cluster's own range, or one of a network not in the
        model, may."""
        if isinstance(self.owner, Cluster):
            return True
        network = self.network
        return network is None or network.exchanges_with_clusters

    def __str__(self) -> str:
        return str(self.net) if self.net is not None and not self.error else self.text

    @property
    def host_bits_set(self) -> bool:
        return self.net is not None and self.net.ip != self.net.network

    @property
    def range(self) -> IPNetwork | None:
        """The network as a proper range (host bits cleared), if known and valid."""
        if self.net is None:
            return None
        return self.net.cidr


def make_cidr(owner: Element, attribute: str, role: str, value: Any, limits: CidrLimits | None = None,
              single_address: bool = False) -> Cidr:
    """Parse ``value`` into a Cidr; a bare address becomes a /32 when allowed."""
    if isinstance(value, Unknown):
        return Cidr(owner, attribute, role, unknown=value, limits=limits)
    if not isinstance(value, str):
        return Cidr(owner, attribute, role, text=repr(value), error="not a string", limits=limits)
    text = value.strip()
    if "/" not in text and not single_address:
        return Cidr(owner, attribute, role, text=value, error="has no prefix length", limits=limits)
    try:
        if "/" in text:
            address, _, prefix = text.partition("/")
            if not prefix.isdigit():
                raise AddrFormatError(f"bad prefix length {prefix!r}")
            IPAddress(address, flags=0)  # strict: rejects "10.0.0" style shorthand
            net = IPNetwork(text)
        else:
            net = IPNetwork(str(IPAddress(text, flags=0)))
    except (AddrFormatError, ValueError, TypeError) as exc:
        detail = f" ({exc})" if address_shaped(value) else ""  # netaddr's message quotes the value
        return Cidr(owner, attribute, role, text=value, error=f"is not a valid address or CIDR{detail}", limits=limits)
    return Cidr(owner, attribute, role, text=value, net=net, limits=limits)


@dataclass(eq=False)
class Network(Element):
    """A VPC / VNet / VPC network with all its CIDRs (primary and secondary)."""

    cidrs: list[Cidr] = field(default_factory=list)
    provider: str = ""
    managed: bool = True  # False: read through a data source or passed in by id
    region: Any = None
    subnets: list["Subnet"] = field(default_factory=list)
    route_tables: list["RouteTable"] = field(default_factory=list)
    peerings: list["Peering"] = field(default_factory=list)
    clusters: list["Cluster"] = field(default_factory=list)
    # False when routes may exist that the model cannot place (a route whose
    # table is unknown, route tables whose count is unknown): a route that
    # seems missing may then exist
    routes_complete: bool = True
    # True where a network has no CIDR of its own and its subnets' ranges are
    # its address space (GCP): ``cidrs`` then holds those subnet ranges
    addressed_by_subnets: bool = False
    # its attachments to transit hubs (vpclint.model.transit)
    attachments: list[Any] = field(default_factory=list)
    # False only where surely no cluster's pods or nodes exchange traffic with
    # its addresses: it holds no cluster, and neither does any network it peers
    # with or reaches through a hub (vpclint.model.build fills it in)
    exchanges_with_clusters: bool = True

    @property
    def peers(self) -> list["Network"]:
        found: list[Network] = []
        for peering in self.peerings:
            other = peering.other_end(self)
            if other is not None and other not in found:
                found.append(other)
        return found


@dataclass(eq=False)
class Subnet(Element):
    network: Network | None = None
    cidr: Cidr | None = None
    zone: Any = None  # str, Unknown or None (not given)
    route_table: "RouteTable | None" = None  # explicit association, if any
    network_acl: "NetworkAcl | None" = None  # the ACL guarding the subnet, if known


@dataclass(eq=False)
class Peering(Element):
    """A peering between two networks; ``local`` requested it."""

    local: Network | None = None
    peer: Network | None = None
    # "active", "pending" (needs an accepter that is missing), or Unknown
    state: Any = "active"
    cross_account: Any = False
    cross_region: Any = False
    accepter: Element | None = None
    # the resource of the other direction, where a provider declares a
    # peering once per side (GCP, Azure)
    reverse: Element | None = None
    # with state "pending": what keeps it from becoming active, in words, and
    # the HCL (or steps) that complete it
    missing: str = ""
    remedy: str = ""
    # what it carries beyond the addresses its other end holds: "none" (peerings
    # are not transitive: AWS, Alibaba, GCP, Azure VNet peering), or "public"
    # (Huawei: public destinations may leave through a NAT gateway the peer
    # VPC shares over the peering)
    delivers_beyond: str = "none"

    def other_end(self, network: Network) -> Network | None:
        if network is self.local:
            return self.peer
        if network is self.peer:
            return self.local
        return None

    @property
    def ends(self) -> list[Network]:
        return [n for n in (self.local, self.peer) if n is not None]


@dataclass(eq=False)
class Route(Element):
    destination: Cidr | None = None
    # peering, transit (a hub), local, gateway, nat, instance, ... or "unknown"
    target_kind: str = ""
    target: Any = None  # the target element (a Peering, a Hub), an external id string, or Unknown


@dataclass(eq=False)
class RouteTable(Element):
    network: Network | None = None
    routes: list[Route] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
    # AWS main route table / Huawei default route table: serves subnets with no
    # association and (Huawei) governs inbound traffic
    default: bool = False
    complete: bool = True  # False when routes may be defined elsewhere


@dataclass(frozen=True)
class PortRange:
    low: int
    high: int

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(eq=False)
class SecurityRule(Element):
    direction: str = "ingress"  # ingress / egress
    protocol: Any = "all"  # "all", "tcp", "udp", "icmp", a number as str, or Unknown
    ports: Any = None  # list[PortRange]; None = all ports; Unknown
    sources: list[Cidr] = field(default_factory=list)  # remote ranges; empty + no groups = any
    source_groups: list[Any] = field(default_factory=list)  # SecurityGroup elements or Unknown
    any_source: bool = False
    action: str = "allow"  # allow / deny
    priority: Any = None  # lower wins (Huawei 1-100); None = no ordering
    # added by the platform, not written (Azure's default NSG rules): it admits
    # what it admits, but says nothing of what the author meant to admit
    implicit: bool = False


@dataclass(eq=False)
class SecurityGroup(Element):
    network: Network | None = None
    rules: list[SecurityRule] = field(default_factory=list)
    complete: bool = True  # False when rules may be managed elsewhere (default rules kept)


@dataclass(eq=False)
class NetworkAcl(SecurityGroup):
    """A stateless subnet firewall: rules by number, first match, implicit deny.

    Its rules are SecurityRules whose ``priority`` is the rule number; for
    egress rules ``sources`` hold the destinations. The rules of a default
    ACL the configuration does not manage are unknown (``complete`` False).
    """

    subnets: list[Subnet] = field(default_factory=list)


@dataclass(eq=False)
class Whitelist(Element):
    """A managed service's IP whitelist (Huawei DCS, RDS, ...)."""

    enabled: Any = True
    entries: list[Cidr] = field(default_factory=list)


@dataclass(eq=False)
class Expectation(Element):
    """A reachability expectation from the config: ``source`` reaches ``target``.

    ``source``: a Cluster (its pods), an Endpoint (an instance: its subnet's
    addresses), a Subnet, or an Endpoint of kind "range" (a CIDR);
    ``target``: an Endpoint (instance, managed service, load balancer, range)
    or a Subnet.
    """

    source: Any = None
    target: Any = None
    port: int | None = None
    protocol: str = "tcp"
    config_file: str | None = None
    index: int = 0
    policies: list[Any] = field(default_factory=list)  # the network policies of the source's pods
    pods: dict[str, Any] = field(default_factory=dict)  # which pods send: namespace, labels

    @property
    def source_label(self) -> str:
        """Who sends, as messages say it: the pods of a cluster, else the source itself."""
        return f"pods of {self.source.address}" if isinstance(self.source, Cluster) else self.source.address


@dataclass(eq=False)
class Endpoint(Element):
    """Something pods connect to: an instance, database, cache, broker or load
    balancer; or, of kind "range", a CIDR an expectation names."""

    kind: str = "instance"
    network: Network | None = None
    subnet: Subnet | None = None
    security_groups: list[SecurityGroup] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    whitelist: Whitelist | None = None
    address_ip: Cidr | None = None


@dataclass(eq=False)
class Range(Endpoint):
    """A CIDR an expectation names (kind "range"): ``network`` is the one
    network whose address space holds it; ``networks`` all that do (B and C
    may share 192.168.0.0/16, and a range in both is in neither for sure)."""

    kind: str = "range"
    networks: list[Network] = field(default_factory=list)
    # the config's ``networks:`` entry (on premises) holding it: ``network`` is then where it lands
    lands: str | None = None


@dataclass(eq=False)
class Cluster(Element):
    """A Kubernetes cluster and where its pods' traffic comes from."""

    network: Network | None = None
    provider: str = ""
    network_model: str = ""  # the provider's name, e.g. "vpc-router", "overlay_l2", "vpc-cni"
    # how pod traffic appears to a peer in the cluster's own VPC: "routed"
    # (pods keep container-CIDR addresses), "node" (traffic leaves with the
    # node's address), "subnet" (pods hold VPC subnet addresses); and to a
    # peer in a peered VPC (the same unless the provider NATs there)
    pod_addressing: Any = ""
    peer_addressing: Any = None
    # ranges outside the VPC towards which pods keep the addresses they show
    # their own VPC, whatever ``peer_addressing`` says (the AWS VPC CNI's
    # AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS); one unknown makes peers' view unknown
    snat_excluded: list[Cidr] = field(default_factory=list)
    node_subnets: list[Subnet] = field(default_factory=list)
    # the subnets given to the cluster itself (EKS vpc_config.subnet_ids),
    # which some providers require to span availability zones
    cluster_subnets: list[Subnet] = field(default_factory=list)
    pod_subnets: list[Subnet] = field(default_factory=list)
    container_cidrs: list[Cidr] = field(default_factory=list)
    service_cidrs: list[Cidr] = field(default_factory=list)
    required_zones: int | None = None  # minimum distinct availability zones of cluster_subnets
    node_security_groups: list[SecurityGroup] = field(default_factory=list)
    # the addresses pod traffic carries towards its own VPC and towards peered
    # VPCs, derived from the addressing above; None when unknown
    sources_local: list[Cidr] | None = None
    sources_peered: list[Cidr] | None = None

    @property
    def peer_networks(self) -> list[Network]:
        return self.network.peers if self.network is not None else []


@dataclass
class Model:
    networks: list[Network] = field(default_factory=list)
    subnets: list[Subnet] = field(default_factory=list)
    peerings: list[Peering] = field(default_factory=list)
    route_tables: list[RouteTable] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    network_acls: list[NetworkAcl] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    # every range the model holds, for rules about ranges as such (cidr_invalid)
    cidrs: list[Cidr] = field(default_factory=list)
    # Kubernetes / Calico network policies (vpclint.policies)
    policies: list[Any] = field(default_factory=list)
    # reachability expectations from the config (expect:)
    expectations: list[Any] = field(default_factory=list)
    # transit hubs (vpclint.model.transit)
    hubs: list[Any] = field(default_factory=list)
    hub_route_tables: list[Any] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    # Kubernetes Services (vpclint.services), each with its cluster when known
    services: list["Service"] = field(default_factory=list)


@dataclass(frozen=True)
class ServicePort:
    """One port of a Service: ``port`` on the load balancer, ``node_port`` on
    the nodes (None: allocated from the cluster's NodePort range; Unknown)."""

    port: Any
    node_port: Any = None
    protocol: str = "tcp"


@dataclass
class Exposure:
    """How a provider's controller exposes a LoadBalancer Service, decided by
    the provider adapter from the Service's class and annotations.

    ``internal``: True, False (internet-facing) or Unknown. ``keeps_client``:
    whether the nodes see the client's address (else ``lb_sources``, the
    load balancer's own addresses; None when not known). ``ranges_enforced``:
    whether ``loadBalancerSourceRanges`` restrict the clients the path asks
    about (AKS leaves the VNet open unless told otherwise). ``node_rules_managed``:
    the controller writes the nodes' rules for the NodePort itself.
    ``same_region_only``: clients outside the cluster's region are refused.
    """

    controller: str
    internal: Any = None
    keeps_client: Any = False
    lb_sources: Any = None  # IPSet or None
    lb_sources_label: str = ""
    ranges_enforced: Any = True  # True, False, or Unknown (with the reason)
    ranges_where: str = "load balancer"
    node_rules_managed: bool = False
    same_region_only: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Service(Element):
    """A Kubernetes Service (manifest or Terraform) and how it is exposed.

    ``type`` is ClusterIP, NodePort, LoadBalancer or ExternalName (or
    Unknown); ``cluster`` is None when which cluster it belongs to is not
    known; ``exposure`` is set for a LoadBalancer Service of a known cluster.
    """

    namespace: Any = "default"
    type: Any = "ClusterIP"
    ports: Any = field(default_factory=list)  # list[ServicePort] or Unknown
    source_ranges: list[Cidr] = field(default_factory=list)
    source_ranges_attribute: str = "loadBalancerSourceRanges"
    external_traffic_policy: Any = "Cluster"
    selector: Any = None
    annotations: Any = field(default_factory=dict)
    load_balancer_class: Any = None
    cluster: Cluster | None = None
    exposure: Exposure | None = None
    node_port_range: PortRange = PortRange(30000, 32767)

    @property
    def network(self) -> Network | None:
        return self.cluster.network if self.cluster is not None else None

    @property
    def subnet(self) -> Subnet | None:
        """Where the load balancer and the nodes sit: the cluster's first node subnet."""
        if self.cluster is None or not self.cluster.node_subnets:
            return None
        return self.cluster.node_subnets[0]

    @property
    def security_groups(self) -> list[SecurityGroup]:
        return self.cluster.node_security_groups if self.cluster is not None else []


from vpclint.model.transit import Attachment, Hub, HubRoute, HubRouteTable  # noqa: E402  (they build on Element)
