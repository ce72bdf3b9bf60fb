"""``vpclint graph``: the network topology as Mermaid or Graphviz DOT.

Networks are boxes holding their subnets, clusters and endpoints; each
active peering is drawn once per direction, labelled with the ranges that
direction routes through it. Transit hubs are nodes of their own: an edge
from each attached network to the hub (labelled with the hub table its
attachment is associated with) and back, one between hubs that peer, and a
dashed one to an attachment vpclint does not follow (a VPN). What does not
route — a direction with no route, a container CIDR the peer cannot route
back to, a hub table that drops what an attachment sends, an expectation
whose path fails — is drawn in red on the edge it breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netaddr import IPSet

from vpclint.analysis import routing, security, transit
from vpclint.analysis.paths import trace
from vpclint.model import Attachment, HubRouteTable, Model, Network


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


@dataclass
class Graph:
    groups: list[tuple[str, str, list[Node]]] = field(default_factory=list)  # (id, label, members)
    nodes: list[Node] = field(default_factory=list)  # outside any network
    edges: list[Edge] = field(default_factory=list)


def _id(address: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", address)


def build(model: Model) -> Graph:
    graph = Graph()
    placed = set()
    for network in model.networks:
        members = []
        for subnet in network.subnets:
            members.append(Node(_id(subnet.address), f"{subnet.name}\n{subnet.cidr or '?'}"))
        for cluster in network.clusters:
            pods = ", ".join(str(c) for c in cluster.container_cidrs) or "pods in VPC subnets"
            members.append(Node(_id(cluster.address), f"{cluster.name}\n{cluster.network_model}: {pods}", "round"))
            placed.add(cluster.address)
        for endpoint in (e for e in model.endpoints if e.network is network):
            members.append(Node(_id(endpoint.address), f"{endpoint.name}\n{endpoint.kind}", "cylinder"))
            placed.add(endpoint.address)
        cidrs = ", ".join(str(c) for c in network.cidrs) or "CIDR unknown"
        graph.groups.append((_id(network.address), f"{network.name} {cidrs}", members))
    for peering in model.peerings:
        if peering.local is None or peering.peer is None:
            continue
        if peering.state != "active":
            state = peering.state if isinstance(peering.state, str) else "state unknown"
            graph.edges.append(Edge(_id(peering.local.address), _id(peering.peer.address),
                                    f"{peering.name}: {state}", failed=state in ("pending", "rejected"),
                                    dashed=True))
            continue
        for a, b in ((peering.local, peering.peer), (peering.peer, peering.local)):
            graph.edges.append(_direction(a, b, peering))
        for a, b in ((peering.local, peering.peer), (peering.peer, peering.local)):
            graph.edges.extend(_pod_routes(a, b, peering))
    _hubs(model, graph)
    for expectation in model.expectations:
        hops = trace(expectation)
        failed = next((h for h in hops if h.verdict == "fail"), None)
        label = f"expect {expectation.protocol}/{expectation.port}"
        if failed is not None:
            label += f": {failed.name} fails" + (f" at {failed.element.name}" if failed.element is not None else "")
        graph.edges.append(Edge(_id(expectation.source.address), _id(expectation.target.address), label,
                                failed=failed is not None, dashed=True))
    return graph


def _hubs(model: Model, graph: Graph) -> None:
    """Hubs, their attachments both ways, hub peerings; failing hops in red."""
    broken: dict[tuple[str, str], IPSet] = {}  # (from, to) node ids -> what is missing there
    for network in model.networks:
        for gap in transit.cached_gaps(network):
            edge = _broken_edge(gap)
            if edge is not None:
                missing = IPSet(gap.hop.extra.get("destination") or gap.destination)
                broken[edge] = broken.get(edge, IPSet()) | missing
    for hub in model.hubs:
        graph.nodes.append(Node(_id(hub.address), f"{hub.name}\n{hub.kind.replace('_', ' ')}", "hub"))
        for attachment in hub.attachments:
            if attachment.kind == "peering":
                if attachment.peer is not None and attachment.peer.hub is not None:
                    ends = (_id(hub.address), _id(attachment.peer.hub.address))
                    graph.edges.append(_hub_edge(ends, f"{attachment.name}: {_state(attachment)}", broken))
                continue
            if attachment.kind != "vpc" or attachment.network is None:
                node = Node(_id(attachment.address), f"{attachment.name}\n{attachment.kind}: not followed")
                graph.nodes.append(node)
                graph.edges.append(Edge(_id(hub.address), node.id, attachment.kind, dashed=True))
                continue
            table = transit.association_of(attachment)
            served = table.name if isinstance(table, HubRouteTable) else "no table" if table is None else "table ?"
            network, hub_id = _id(attachment.network.address), _id(hub.address)
            graph.edges.append(_hub_edge((network, hub_id), f"{attachment.name} → {served}", broken))
            graph.edges.append(_hub_edge((hub_id, network), attachment.name, broken))


def _state(attachment: Attachment) -> str:
    return attachment.state if isinstance(attachment.state, str) else "state unknown"


def _hub_edge(ends: tuple[str, str], label: str, broken: dict) -> Edge:
    missing = broken.get(ends)
    if missing:
        label += f": no route for {security.show_set(missing)}"
    return Edge(ends[0], ends[1], label, failed=bool(missing))


def _broken_edge(gap: transit.Gap) -> tuple[str, str] | None:
    """The edge a failing hop breaks: into the hub from the attachment whose
    table drops the traffic, or from a network whose table lacks the route."""
    element = gap.hop.element
    if isinstance(element, (HubRouteTable, Attachment)) and element.hub is not None:
        source = next((a for a in element.hub.attachments if a.address == gap.hop.extra.get("attachment")), None)
        if source is None:
            return None
        if source.kind == "peering":
            return (_id(source.peer.hub.address), _id(element.hub.address)) if source.peer and source.peer.hub \
                else None
        return (_id(source.network.address), _id(element.hub.address)) if source.network is not None else None
    network = getattr(element, "network", None)
    return (_id(network.address), _id(gap.hub.address)) if isinstance(network, Network) else None


def _direction(a: Network, b: Network, peering) -> Edge:
    """A → B: the destinations A's tables send through the peering; red when
    none of them reaches B."""
    routed = IPSet(r.destination.range for t in a.route_tables for r in t.routes
                   if routing.targets(r, peering) is True and r.destination is not None and r.destination.net is not None)
    label = f"{peering.name}: {security.show_set(routed)}" if routed else f"{peering.name}: no route"
    ranges = routing.as_set(b.cidrs)
    failed = False
    if ranges is not None and a.managed:
        reaches = routing.any_route_through(a, ranges, peering)
        failed = reaches is False
    return Edge(_id(a.address), _id(b.address), label, failed=failed)


def _pod_routes(a: Network, b: Network, peering) -> list[Edge]:
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
            edges.append(Edge(_id(b.address), _id(cluster.address), f"no route back to pods {security.show_set(gap)}",
                              failed=True))
    return edges


def _quote(text: str) -> str:
    return text.replace('"', "'")


def mermaid(graph: Graph) -> str:
    lines = ["flowchart LR"]
    shapes = {"box": ('["', '"]'), "round": ('(["', '"])'), "cylinder": ('[("', '")]'), "hub": ('{{"', '"}}')}
    for group_id, label, members in graph.groups:
        lines.append(f'  subgraph {group_id}["{_quote(label)}"]')
        for node in members:
            left, right = shapes[node.shape]
            lines.append(f"    {node.id}{left}{_quote(node.label).replace(chr(10), '<br/>')}{right}")
        lines.append("  end")
    for node in graph.nodes:
        left, right = shapes[node.shape]
        lines.append(f"  {node.id}{left}{_quote(node.label).replace(chr(10), '<br/>')}{right}")
    for index, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.dashed else "-->"
        lines.append(f'  {edge.source} {arrow}|"{_quote(edge.label)}"| {edge.target}')
    for index, edge in enumerate(graph.edges):
        if edge.failed:
            lines.append(f"  linkStyle {index} stroke:red,color:red,stroke-width:2px")
    return "\n".join(lines) + "\n"


def dot(graph: Graph) -> str:
    lines = ["digraph vpclint {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    shapes = {"box": "box", "round": "ellipse", "cylinder": "cylinder", "hub": "hexagon"}
    for group_id, label, members in graph.groups:
        lines.append(f"  subgraph cluster_{group_id} {{")
        lines.append(f'    label="{_quote(label)}";')
        for node in members:
            lines.append(f'    {node.id} [label="{_quote(node.label)}", shape={shapes[node.shape]}];'.replace("\n", "\\n"))
        # a network is an edge end: an invisible point inside its box stands for it
        lines.append(f'    {group_id} [label="", shape=point, style=invis];')
        lines.append("  }")
    for node in graph.nodes:
        lines.append(f'  {node.id} [label="{_quote(node.label)}", shape={shapes[node.shape]}];'.replace("\n", "\\n"))
    for edge in graph.edges:
        attrs = [f'label="{_quote(edge.label)}"']
        if edge.failed:
            attrs += ["color=red", "fontcolor=red", "penwidth=2"]
        if edge.dashed:
            attrs.append("style=dashed")
        lines.append(f"  {edge.source} -> {edge.target} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
