"""Transit hub primitives: what a network sends to a hub, and what comes back.

They ask ``vpclint.analysis.transit`` to follow the path hop by hop and
turn its definite failures into violations; a hop vpclint cannot follow is
never one.
"""

from __future__ import annotations

from typing import Any, Iterator

from netaddr import IPSet

from vpclint.analysis import transit
from vpclint.analysis.security import show_set
from vpclint.engine.paths import resolve
from vpclint.engine.primitives import Violation, primitive
from vpclint.model import Cidr, Hub, Network


def _one(bindings: dict[str, Any], path: str) -> Any:
    found = resolve(bindings, path)
    return found[0] if len(found) == 1 else None


def _violations(found: list[tuple[transit.Gap, str]], **captures: Any) -> Iterator[Violation]:
    """One violation per failing element, naming every flow it breaks; its
    message and fix are those of the failure missing the most addresses."""
    groups: dict[int, list[tuple[transit.Gap, str]]] = {}
    for gap, flow in found:
        groups.setdefault(id(gap.hop.element), []).append((gap, flow))
    for group in groups.values():
        # sorted, not in the order networks were loaded: HCL and its plan give the same message
        gap = max((g for g, _ in group), key=lambda g: (g.hop.verdict == "fail", _missing_size(g), g.hop.detail))
        hop = gap.hop
        flows = "; ".join(sorted(set(flow for _, flow in group)))
        yield Violation({**captures, "hub": gap.hub, "detail": hop.detail, "flows": flows,
                         "hcl": hop.fix or "(no fix known: see the path)"},
                        subject=hop.element, related=[gap.hub, *(g.sender for g, _ in group)],
                        facts=(hop.detail,), extra={"path": [h.as_dict() for h in gap.leg.hops]})


def _missing_size(gap: transit.Gap) -> int:
    return IPSet(gap.hop.extra.get("destination") or []).size


def _flow(gap: transit.Gap) -> str:
    shown = show_set(gap.destination)
    if gap.back:
        return f"replies from {shown} to {gap.sender.name}"
    return f"{gap.sender.name} to {shown}"


@primitive
def hub_route_missing(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """Networks attached to ``hub`` or a hub peered with it send destinations
    through it, and ``hub`` (or the way back to a network it serves) surely
    drops them: each failure reported once, by the hub where it happens."""
    hub = _one(bindings, args["hub"])
    if not isinstance(hub, Hub):
        return
    networks = list({id(a.network): a.network for each in transit.connected(hub) for a in each.attachments
                     if a.network is not None}.values())
    found = [(gap, _flow(gap)) for network in networks for gap in transit.cached_gaps(network)
             if transit.gap_hub(gap) is hub]
    yield from _violations(found)


@primitive
def hub_return_route_missing(args: dict[str, Any], bindings: dict[str, Any]) -> Iterator[Violation]:
    """The networks ``network`` reaches through hubs, whose way back to
    ``ranges`` (say, a routed container CIDR) surely fails."""
    network = _one(bindings, args["network"])
    found = [c for c in resolve(bindings, args["ranges"]) if isinstance(c, Cidr)]
    if not isinstance(network, Network) or not found or any(c.net is None for c in found):
        return
    pods = IPSet(c.range for c in found)
    gaps = transit.pod_gaps(network, pods)
    yield from _violations([(gap, f"replies from {show_set(gap.destination)} to {show_set(pods)}") for gap in gaps],
                           missing=show_set(pods))
