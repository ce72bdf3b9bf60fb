"""``vpclint graph``: the network topology as Mermaid or Graphviz DOT.

Networks are boxes holding their subnets, clusters (with their NodePort and
LoadBalancer Services) and endpoints; each
active peering is drawn once per direction, labelled with the ranges that
direction routes through it. Transit hubs are nodes of their own: an edge
from each attached network to the hub (labelled with the hub table its
attachment is associated with) and back, one between hubs that peer, and a
dashed one to an attachment vpclint does not follow (a VPN). What does not
route — a direction with no route, a container CIDR the peer cannot route
back to, a hub table that drops what an attachment sends, an expectation
whose path fails — is drawn in red on the edge it breaks. What vpclint
cannot tell — a route with an unknown destination or target, a peer whose
ranges are unknown, a table that lives outside the inputs, a peering whose
state is unknown — is drawn dashed and grey, never red. A peer that holds no
ranges (a GCP network without subnets) has nothing to route: no red either.

Names come from the input, so neither picture lets them out of their label:
Mermaid labels are quoted with every character that could end a label or
start a directive (``%%{init}%%``), a ``click`` callback, HTML or markdown
written as an entity code; DOT labels escape backslashes and quotes; in both
an input's line break or control character is shown as an escape, and the
only line breaks in a label are vpclint's own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from netaddr import IPSet

from vpclint.analysis import routing, security, transit
from vpclint.analysis.paths import trace
from vpclint.model import Attachment, HubRouteTable, Model, Network
from vpclint.reporters.escape import dot_text, mermaid_text, visible


@dataclass
class Node:
    id: str
    label: str
    shape: str = "box"  # box, round (cluster), cylinder (endpoint), hub


@dataclass
class Edge:
    source: str
    target: str
    label: str
    failed: bool = False
    dashed: bool = False
    unknown: bool = False  # vpclint cannot tell whether it routes: dashed and grey


@dataclass
class Graph:
    groups: list[tuple[str, str, list[Node]]] = field(default_factory=list)  # (id, label, members)
    nodes: list[Node] = field(default_factory=list)  # outside any network
    edges: list[Edge] = field(default_factory=list)


class _Ids:
    """Node ids: the address in letters, digits and ``_``; an address spelled
    like one already drawn gets a digest too, so that no name can make its
    node (and its edges) one with another's."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.taken: set[str] = set()

    def __call__(self, address: str) -> str:
        if address not in self.ids:
            node, salt = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", address), 0
            while node in self.taken:
                digest = hashlib.sha256(f"{salt}:{address}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
                node, salt = f"n_{re.sub(r'[^A-Za-z0-9_]', '_', address)}_{digest}", salt + 1
            self.ids[address] = node
            self.taken.add(node)
        return self.ids[address]


def _label(*lines) -> str:
    """A label of one or more lines, each from the input shown on one line."""
    return "\n".join(visible(line) for line in lines)


def build(model: Model) -> Graph:
    graph = Graph()
    ids = _Ids()
    placed = set()
    for network in model.networks:
        members = []
        for subnet in network.subnets:
            members.append(Node(ids(subnet.address), _label(subnet.name, subnet.cidr or "?")))
        for cluster in network.clusters:
            pods = ", ".join(str(c) for c in cluster.container_cidrs) or "pods in VPC subnets"
            members.append(Node(ids(cluster.address), _label(cluster.name, f"{cluster.network_model}: {pods}"),
                                "round"))
            placed.add(cluster.address)
            members.extend(_services(model, cluster, ids, graph))
        for endpoint in (e for e in model.endpoints if e.network is network):
            members.append(Node(ids(endpoint.address), _label(endpoint.name, endpoint.kind), "cylinder"))
            placed.add(endpoint.address)
        cidrs = ", ".join(str(c) for c in network.cidrs) or (
            "no subnets" if network.addressed_by_subnets else "CIDR unknown")
        graph.groups.append((ids(network.address), _label(f"{network.name} {cidrs}"), members))
    for peering in model.peerings:
        if peering.local is None or peering.peer is None:
            continue
        if peering.state != "active":
            state = peering.state if isinstance(peering.state, str) else "state unknown"
            graph.edges.append(Edge(ids(peering.local.address), ids(peering.peer.address),
                                    _label(f"{peering.name}: {state}"), failed=state in ("pending", "rejected"),
                                    dashed=True, unknown=not isinstance(peering.state, str)))
            continue
        for a, b in ((peering.local, peering.peer), (peering.peer, peering.local)):
            graph.edges.append(_direction(a, b, peering, ids))
        for a, b in ((peering.local, peering.peer), (peering.peer, peering.local)):
            graph.edges.extend(_pod_routes(a, b, peering, ids))
    _hubs(model, graph, ids)
    for expectation in model.expectations:
        hops = trace(expectation)
        failed = next((h for h in hops if h.verdict == "fail"), None)
        label = f"expect {expectation.protocol}/{expectation.port}"
        if failed is not None:
            label += f": {failed.name} fails" + (f" at {failed.element.name}" if failed.element is not None else "")
        graph.edges.append(Edge(ids(expectation.source.address), ids(expectation.target.address), _label(label),
                                failed=failed is not None, dashed=True))
    return graph


def _hubs(model: Model, graph: Graph, ids: _Ids) -> None:
    """Hubs, their attachments both ways, hub peerings; failing hops in red."""
    broken: dict[tuple[str, str], IPSet] = {}  # (from, to) node ids -> what is missing there
    attached: dict[int, dict[str, Attachment]] = {}  # id(hub) -> address -> its first attachment of that address
    for network in model.networks:
        for gap in transit.cached_gaps(network):
            edge = _broken_edge(gap, ids, attached)
            if edge is not None:
                missing = IPSet(gap.hop.extra.get("destination") or gap.destination)
                broken[edge] = broken.get(edge, IPSet()) | missing
    for hub in model.hubs:
        graph.nodes.append(Node(ids(hub.address), _label(hub.name, hub.kind.replace('_', ' ')), "hub"))
        for attachment in hub.attachments:
            if attachment.kind == "peering":
                if attachment.peer is not None and attachment.peer.hub is not None:
                    ends = (ids(hub.address), ids(attachment.peer.hub.address))
                    graph.edges.append(_hub_edge(ends, f"{attachment.name}: {_state(attachment)}", broken))
                continue
            if attachment.kind != "vpc" or attachment.network is None:
                node = Node(ids(attachment.address), _label(attachment.name, f"{attachment.kind}: not followed"))
                graph.nodes.append(node)
                graph.edges.append(Edge(ids(hub.address), node.id, _label(attachment.kind), dashed=True))
                continue
            table = transit.association_of(attachment)
            served = table.name if isinstance(table, HubRouteTable) else "no table" if table is None else "table ?"
            network, hub_id = ids(attachment.network.address), ids(hub.address)
            graph.edges.append(_hub_edge((network, hub_id), f"{attachment.name} → {served}", broken))
            graph.edges.append(_hub_edge((hub_id, network), attachment.name, broken))


def _state(attachment: Attachment) -> str:
    return attachment.state if isinstance(attachment.state, str) else "state unknown"


def _hub_edge(ends: tuple[str, str], label: str, broken: dict) -> Edge:
    missing = broken.get(ends)
    if missing:
        label += f": no route for {security.show_set(missing)}"
    return Edge(ends[0], ends[1], _label(label), failed=bool(missing))


def _broken_edge(gap: transit.Gap, ids: _Ids, attached: dict[int, dict[str, Attachment]]) -> tuple[str, str] | None:
    """The edge a failing hop breaks: into the hub from the attachment whose
    table drops the traffic, or from a network whose table lacks the route.
    ``attached``: each hub's attachments by address, filled as hubs are met."""
    element = gap.hop.element
    if isinstance(element, (HubRouteTable, Attachment)) and element.hub is not None:
        by_address = attached.get(id(element.hub))
        if by_address is None:
            by_address = attached[id(element.hub)] = {}
            for attachment in element.hub.attachments:
                by_address.setdefault(attachment.address, attachment)
        source = by_address.get(gap.hop.extra.get("attachment"))
        if source is None:
            return None
        if source.kind == "peering":
            return (ids(source.peer.hub.address), ids(element.hub.address)) if source.peer and source.peer.hub \
                else None
        return (ids(source.network.address), ids(element.hub.address)) if source.network is not None else None
    network = getattr(element, "network", None)
    return (ids(network.address), ids(gap.hub.address)) if isinstance(network, Network) else None


def _services(model: Model, cluster, ids: _Ids, graph: Graph) -> list[Node]:
    """The cluster's NodePort and LoadBalancer Services, each with its load
    balancer, as endpoints joined to the cluster."""
    nodes = []
    for service in (s for s in model.services if s.cluster is cluster and s.type in ("NodePort", "LoadBalancer")):
        exposure = service.exposure
        if service.type == "NodePort":
            how = "NodePort"
        elif exposure is None:
            how = "LoadBalancer (not modelled)"
        else:
            scope = {True: "internal", False: "internet-facing"}.get(exposure.internal, "scope unknown") \
                if isinstance(exposure.internal, bool) else "scope unknown"
            how = f"LoadBalancer: {exposure.controller}, {scope}"
        ranges = ", ".join(str(c) for c in service.source_ranges)
        nodes.append(Node(ids(service.address), _label(service.name, how, *([f"from {ranges}"] if ranges else [])),
                          "cylinder"))
        graph.edges.append(Edge(ids(service.address), ids(cluster.address), "Service of", dashed=True))
    return nodes


def _direction(a: Network, b: Network, peering, ids: _Ids) -> Edge:
    """A → B: the destinations A's tables send through the peering; red when
    none of them reaches B, grey and dashed when that is unknown."""
    routed = IPSet(r.destination.range for t in a.route_tables for r in t.routes
                   if routing.targets(r, peering) is True and r.destination is not None and r.destination.net is not None)
    shown = security.show_set(routed) if routed else "no route"
    ranges = routing.as_set(b.cidrs)
    if ranges is not None and not ranges:  # B holds no ranges (a GCP network without subnets): nothing to route
        return Edge(ids(a.address), ids(b.address), _label(f"{peering.name}: {b.name} holds no ranges"))
    reaches = routing.any_route_through(a, ranges, peering) if ranges is not None and a.managed else None
    if reaches is None:
        label = f"{peering.name}: {shown}, more unknown" if routed else f"{peering.name}: routes unknown"
        return Edge(ids(a.address), ids(b.address), _label(label), dashed=True, unknown=True)
    return Edge(ids(a.address), ids(b.address), _label(f"{peering.name}: {shown}"), failed=reaches is False)


def _pod_routes(a: Network, b: Network, peering, ids: _Ids) -> list[Edge]:
    """Red edges for container CIDRs of routed clusters in ``a`` that ``b`` cannot route back."""
    edges = []
    if not b.managed:
        return edges
    for cluster in a.clusters:
        if cluster.pod_addressing != "routed" or not cluster.container_cidrs:
            continue
        pods = routing.as_set(cluster.container_cidrs)
        if pods is None:
            continue
        for _, gap in routing.routes_back(b, peering, pods):
            edges.append(Edge(ids(b.address), ids(cluster.address), f"no route back to pods {security.show_set(gap)}",
                              failed=True))
    return edges


def _mermaid(label: str) -> str:
    return "<br/>".join(mermaid_text(line) for line in label.split("\n"))


def _dot(label: str) -> str:
    return "\\n".join(dot_text(line) for line in label.split("\n"))


def mermaid(graph: Graph) -> str:
    lines = ["flowchart LR"]
    shapes = {"box": ('["', '"]'), "round": ('(["', '"])'), "cylinder": ('[("', '")]'), "hub": ('{{"', '"}}')}
    for group_id, label, members in graph.groups:
        lines.append(f'  subgraph {group_id}["{_mermaid(label)}"]')
        for node in members:
            left, right = shapes[node.shape]
            lines.append(f"    {node.id}{left}{_mermaid(node.label)}{right}")
        lines.append("  end")
    for node in graph.nodes:
        left, right = shapes[node.shape]
        lines.append(f"  {node.id}{left}{_mermaid(node.label)}{right}")
    for index, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.dashed else "-->"
        lines.append(f'  {edge.source} {arrow}|"{_mermaid(edge.label)}"| {edge.target}')
    for index, edge in enumerate(graph.edges):
        if edge.failed:
            lines.append(f"  linkStyle {index} stroke:red,color:red,stroke-width:2px")
        elif edge.unknown:
            lines.append(f"  linkStyle {index} stroke:grey,color:grey")
    return "\n".join(lines) + "\n"


def dot(graph: Graph) -> str:
    lines = ["digraph vpclint {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    shapes = {"box": "box", "round": "ellipse", "cylinder": "cylinder", "hub": "hexagon"}
    for group_id, label, members in graph.groups:
        lines.append(f"  subgraph cluster_{group_id} {{")
        lines.append(f'    label="{_dot(label)}";')
        for node in members:
            lines.append(f'    {node.id} [label="{_dot(node.label)}", shape={shapes[node.shape]}];')
        # a network is an edge end: an invisible point inside its box stands for it
        lines.append(f'    {group_id} [label="", shape=point, style=invis];')
        lines.append("  }")
    for node in graph.nodes:
        lines.append(f'  {node.id} [label="{_dot(node.label)}", shape={shapes[node.shape]}];')
    for edge in graph.edges:
        attrs = [f'label="{_dot(edge.label)}"']
        if edge.failed:
            attrs += ["color=red", "fontcolor=red", "penwidth=2"]
        elif edge.unknown:
            attrs += ["color=grey50", "fontcolor=grey50"]
        if edge.dashed:
            attrs.append("style=dashed")
        lines.append(f"  {edge.source} -> {edge.target} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
