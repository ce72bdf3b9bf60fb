"""Build the model from loaded resources by running every provider adapter.

Adapters create elements and link them through ``Builder.resolve``, which
follows ``Ref`` values (links between resources whose ids are not known yet)
and known id strings. A link that leads outside this configuration resolves
to ``None``: the element is external, and rules treat what they cannot see
as unknown, never as missing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable

from netaddr import IPSet

from vpclint.model import Cidr, CidrLimits, Cluster, Element, Model, Network, RouteTable, make_cidr
from vpclint.model.join import join
from vpclint.resources import Output, Resource, UnknownNote
from vpclint.values import Ref, Unknown, id_elements

_INDEX = re.compile(r"\[[^\[\]]*\]$")


class Builder:
    def __init__(self, resources: Iterable[Resource], settings: Any = None, notes: Iterable[UnknownNote] = ()):
        # user settings adapters may read (e.g. eks_external_snat); a Config
        self.settings = settings
        self.model = Model()
        # resource types whose number of instances is unknown (count/for_each)
        self.uncounted = {_type_of(n.resource) for n in notes if n.attribute in ("count", "for_each")}
        # providers whose routes / security rules the model holds only in part
        self.partial: set[tuple[str, str]] = set()
        self._defaults: dict[int, RouteTable] = {}  # id(network) -> its main/default table
        self.unknowns: list[UnknownNote] = []
        # Kubernetes documents of YAML manifests adapters may read (AWS: ENIConfig)
        self.manifests: list[Any] = []
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._by_address: dict[str, Element] = {}
        self._by_base: dict[str, list[Element]] = defaultdict(list)  # address without instance key
        self._by_id: dict[str, Element] = {}
        for resource in resources:
            self._by_type[resource.type].append(resource)

    # -- input -----------------------------------------------------------
    def adopt(self, resource: Resource) -> None:
        """Present ``resource`` under its type to what follows: an adapter may
        translate resources into the types whose meaning they have (azapi's
        ARM bodies as azurerm resources) and map them once."""
        self._by_type[resource.type].append(resource)

    def types(self) -> list[str]:
        """Every resource type of the input, managed and data sources alike."""
        return sorted(self._by_type)

    def of_type(self, *types: str) -> list[Resource]:
        found: list[Resource] = []
        for type_ in types:
            found.extend(self._by_type.get(type_, ()))
        return found

    # -- registration and links ---------------------------------------------
    def register(self, element: Element, *ids: Any) -> Element:
        """Make ``element`` reachable by its address and by any known ids."""
        self._by_address[element.address] = element
        self._by_base[_INDEX.sub("", element.address)].append(element)
        if element.resource is not None:
            ids = (element.resource.values.get("id"), *ids)
        for id_ in ids:
            if isinstance(id_, str) and id_:
                self._by_id[id_] = element
        return element

    def element(self, address: str) -> Element | None:
        """The element registered under ``address``, if any."""
        return self._by_address.get(address)

    def alias(self, address: str, element: Element) -> None:
        """Make ``element`` reachable by another resource's address too: a data
        source that reads what this configuration manages stands for it."""
        self._by_address[address] = element
        same = self._by_base[_INDEX.sub("", address)]
        if element not in same:
            same.append(element)

    def resolve(self, value: Any, resource: Resource | None = None, attribute: str = "") -> Element | None:
        """The element ``value`` (a Ref or a known id) points to, or None.

        An unknown that names no resource is noted under ``unknowns``.
        """
        if isinstance(value, Ref):
            element = self._by_address.get(value.address)
            if element is None:
                candidates = self._by_base.get(value.address, [])
                if len(candidates) == 1:
                    element = candidates[0]
            return element
        if isinstance(value, Unknown):
            if resource is not None:
                self.note(resource, attribute, value.reason)
            return None
        if isinstance(value, str):
            return self._by_id.get(value)
        return None

    def resolve_all(self, values: Any, resource: Resource | None = None, attribute: str = "") -> list[Element]:
        """Resolve each value of a list of ids (or a comma-separated string of them).

        The list's elements are ``id_elements``'s: a string joined from
        references (``join(",", [a.id, b.id])``) or an unknown list whose
        members are known (``toset([a.id, b.id])``) resolves to those
        references. A plan may link a one-element list as a single reference;
        one value of the wrong type (a number, a map) links to nothing.
        """
        found: list[Element] = []
        seen: set[int] = set()  # elements compare by identity
        for value in id_elements(values):
            element = self.resolve(value, resource, attribute)
            if element is not None and id(element) not in seen:
                seen.add(id(element))
                found.append(element)
        return found

    def default_table(self, network: Any, table: RouteTable | None = None) -> RouteTable | None:
        """The table serving a network's unassociated subnets (AWS main,
        Huawei default); with ``table``, make that the one."""
        if table is not None:
            self._defaults[id(network)] = table
        return self._defaults.get(id(network)) if network is not None else None

    def incomplete(self, provider: str, aspect: str, resource_types: Iterable[str] = ()) -> bool:
        """Mark (or, with types whose count is unknown, detect) that the
        provider's ``aspect`` ("routes" or "rules") is known only in part."""
        if not resource_types or self.uncounted.intersection(resource_types):
            self.partial.add((provider, aspect))
        return (provider, aspect) in self.partial

    # -- values ---------------------------------------------------------------
    def note(self, resource: Resource, attribute: str, reason: str) -> None:
        self.unknowns.append(UnknownNote(resource.address, attribute, reason))

    def cidr(self, owner: Element, attribute: str, role: str, value: Any,
             limits: CidrLimits | None = None, single_address: bool = False) -> Cidr:
        """A range of ``owner`` read from ``attribute``, kept for range-wide rules.

        An attribute that is not set (null, or "" which providers read as
        unset) yields a range that is unknown, never a malformed one.
        """
        if value is None or value == "":
            return Cidr(owner, attribute, role, unknown=Unknown("not set"), limits=limits)
        cidr = make_cidr(owner, attribute, role, value, limits, single_address)
        if cidr.unknown is not None and owner.resource is not None:
            self.note(owner.resource, attribute, cidr.unknown.reason)
        self.model.cidrs.append(cidr)
        return cidr

    def cidrs(self, owner: Element, attribute: str, role: str, values: Any,
              limits: CidrLimits | None = None, single_address: bool = False) -> list[Cidr]:
        """Ranges from a list, a set, or a comma-separated string."""
        if isinstance(values, str):
            values = [v for v in (part.strip() for part in values.split(",")) if v]
        if values is None:
            return []
        if isinstance(values, Unknown):
            return [self.cidr(owner, attribute, role, values, limits, single_address)]
        if not isinstance(values, (list, tuple)):
            values = [values]  # one value of the wrong type (a number, a map): a malformed range
        return [self.cidr(owner, attribute, role, v, limits, single_address) for v in values if v != ""]


def build_model(resources: Iterable[Resource], settings: Any = None, notes: Iterable[UnknownNote] = (),
                outputs: Iterable[Output] = (), manifests: Iterable[Any] = ()) -> tuple[Model, list[UnknownNote]]:
    """Run every provider adapter over ``resources`` and link the result.

    ``notes`` are the loader's unknowns: resources whose count is unknown
    make the model's view of their kind partial. Data sources that read a
    resource of the inputs are that resource (``vpclint.model.join``);
    ``outputs`` are the states' outputs ``terraform_remote_state`` reads;
    ``manifests`` the documents of YAML manifests among the inputs.
    """
    from vpclint.providers import ADAPTERS, ATTRIBUTE_TYPES
    from vpclint.providers.common import convert_schema_types

    resources = list(resources)
    convert_schema_types(resources, ATTRIBUTE_TYPES)
    joined = join(resources, outputs)
    builder = Builder(joined.resources, settings, notes)
    builder.unknowns.extend(joined.unknowns)
    builder.manifests = list(manifests)
    for adapter in ADAPTERS:
        adapter(builder)
    for data_address, managed in joined.twins.items():
        element = builder.element(managed)
        if element is not None:
            builder.alias(data_address, element)
    _link_back(builder.model)
    _mark_partial(builder)
    _place_security_groups(builder.model)
    _mark_cluster_traffic(builder.model)
    for cluster in builder.model.clusters:
        cluster.sources_local = pod_sources(cluster, cluster.pod_addressing)
        cluster.sources_peered = pod_sources(cluster, cluster.peer_addressing
                                             if cluster.peer_addressing is not None else cluster.pod_addressing)
    return builder.model, builder.unknowns


def sources_towards(cluster: Cluster, network: Any, dest: IPSet | None = None) -> list[Cidr] | None:
    """The addresses pod traffic of ``cluster`` carries towards ``network``
    (towards ``dest`` in it, when known); None when unknown.

    Its own VPC sees ``sources_local``, any other network ``sources_peered``,
    except where the destination lies wholly in ``snat_excluded``: there pods
    keep the addresses their own VPC sees. A destination only partly
    excluded, or an exclusion not known, leaves the addresses unknown.
    """
    if network is cluster.network:
        return cluster.sources_local
    if not cluster.snat_excluded:
        return cluster.sources_peered
    if any(c.net is None for c in cluster.snat_excluded):
        return None
    if dest is None:
        cidrs = getattr(network, "cidrs", None) or []
        if not cidrs or any(c.net is None for c in cidrs):
            return None
        dest = IPSet(c.range for c in cidrs)
    kept = IPSet(c.range for c in cluster.snat_excluded)
    if dest and dest.issubset(kept):
        return cluster.sources_local
    if dest and not dest & kept:
        return cluster.sources_peered
    return None


def sending_subnets(cluster: Cluster) -> list[Any]:
    """The subnets whose route tables carry pod traffic out of the cluster's
    VPC: the pod subnets' (the pods' own interfaces) where every peer sees
    the pods' addresses, else the nodes' (the node's interface, which
    translates them; with SNAT exclusions too, as a pod-subnet table that
    only some destinations use must not fail the others)."""
    pods = [s.cidr for s in cluster.pod_subnets if s.cidr is not None]
    peered = cluster.sources_peered or []
    if pods and not cluster.snat_excluded and [id(c) for c in peered] == [id(c) for c in pods]:
        return list(cluster.pod_subnets)
    return list(cluster.node_subnets)


def pod_sources(cluster: Cluster, addressing: Any) -> list[Cidr] | None:
    """The addresses pod traffic carries under ``addressing``; None when unknown.

    routed: the container CIDRs; node: the node subnets; subnet: the pod
    subnets (ENI subnets), else the node subnets (pods share them, as with
    the AWS VPC CNI).
    """
    if addressing == "routed":
        ranges = cluster.container_cidrs
    elif addressing == "node" or (addressing == "subnet" and not cluster.pod_subnets):
        ranges = [s.cidr for s in cluster.node_subnets if s.cidr is not None]
    elif addressing == "subnet":
        ranges = [s.cidr for s in cluster.pod_subnets if s.cidr is not None]
    else:
        return None
    if not ranges or any(c.net is None for c in ranges):
        return None
    return list(ranges)


def _type_of(address: str) -> str:
    """``module.m.aws_route.x[0]`` → ``aws_route`` (data sources keep ``data.``)."""
    parts = re.sub(r"\[[^\]]*\]", "", address).split(".")
    return parts[-2] if len(parts) >= 2 else address


def _provider_of(element: Element) -> str:
    return element.resource.type.split("_", 1)[0] if element.resource is not None else ""


def _mark_partial(builder: Builder) -> None:
    for network in builder.model.networks:
        if (_provider_of(network), "routes") in builder.partial:
            network.routes_complete = False
    for group in builder.model.security_groups:
        if (_provider_of(group), "rules") in builder.partial:
            group.complete = False
    for acl in builder.model.network_acls:
        if (_provider_of(acl), "acl_rules") in builder.partial:
            acl.complete = False


def _place_security_groups(model: Model) -> None:
    """A group without a network of its own (Huawei's are regional) sits
    where the endpoints using it sit, when they agree."""
    homes: dict[int, set] = defaultdict(set)
    for endpoint in model.endpoints:
        for group in endpoint.security_groups:
            if endpoint.network is not None:
                homes[id(group)].add(endpoint.network)
    for group in model.security_groups:
        if group.network is None and len(homes.get(id(group), ())) == 1:
            group.network = next(iter(homes[id(group)]))


def _mark_cluster_traffic(model: Model) -> None:
    """``exchanges_with_clusters`` of each network: False only where it holds
    no cluster and every network it peers with, or reaches through a hub, is
    known and holds none. A cluster whose network is unknown, a peer or a hub
    not managed here, a VPN or other attachment may be one that does."""
    if any(cluster.network is None for cluster in model.clusters):
        return  # the default, True, stands for every network

    def quiet(network: Network | None) -> bool:
        return network is not None and network.managed and not network.clusters

    hubs: dict[int, bool] = {}  # id(hub) -> whether its hubs serve only quiet networks (once per group of hubs)
    for network in model.networks:
        ends = [peering.other_end(network) for peering in network.peerings]
        network.exchanges_with_clusters = not (quiet(network) and all(quiet(end) for end in ends)
                                               and all(_hubs_quiet(a.hub, hubs, quiet) for a in network.attachments))


def _hubs_quiet(start: Any, memo: dict[int, bool], quiet: Any) -> bool:
    """Whether ``start`` and every hub peered with it are known and complete
    and serve only ``quiet`` networks; the answer is kept for all of them."""
    if start is None:
        return False
    if id(start) in memo:
        return memo[id(start)]
    group, queue, verdict = {id(start)}, [start], True
    while queue:
        hub = queue.pop()
        if not hub.managed or not hub.complete:
            verdict = False
        for attachment in hub.attachments:
            if attachment.kind == "peering":
                other = attachment.peer.hub if attachment.peer is not None else None
                if other is None:
                    verdict = False
                elif id(other) not in group:
                    group.add(id(other))
                    queue.append(other)
            elif attachment.kind != "vpc" or not quiet(attachment.network):
                verdict = False
    for member in group:
        memo[member] = verdict
    return verdict


def _link_back(model: Model) -> None:
    """Fill the reverse links (network → subnets, ...) from the forward ones."""
    members: dict[int, set[int]] = {}  # id(table) -> ids of its subnets (a list scan each is n²)
    for subnet in model.subnets:
        if subnet.network is not None:
            subnet.network.subnets.append(subnet)
        table = subnet.route_table
        if table is not None:
            seen = members.get(id(table))
            if seen is None:
                seen = members[id(table)] = {id(s) for s in table.subnets}
            if id(subnet) not in seen:
                seen.add(id(subnet))
                table.subnets.append(subnet)
    for table in model.route_tables:
        if table.network is not None:
            table.network.route_tables.append(table)
    for peering in model.peerings:
        for network in peering.ends:
            network.peerings.append(peering)
    for cluster in model.clusters:
        if cluster.network is not None:
            cluster.network.clusters.append(cluster)
    linked = {id(e) for hub in model.hubs for e in (*hub.route_tables, *hub.attachments)}
    for table in model.hub_route_tables:
        if table.hub is not None and id(table) not in linked:
            table.hub.route_tables.append(table)
    for attachment in model.attachments:
        if attachment.hub is not None and id(attachment) not in linked:
            attachment.hub.attachments.append(attachment)
        if attachment.network is not None:
            attachment.network.attachments.append(attachment)
