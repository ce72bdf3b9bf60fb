"""The named primitives rules compose.

Each primitive takes the arguments written under its name in a rule file
(paths into the model, or literal CIDRs) and yields ``Violation`` records:
the captures a message may name, the element the finding is about, and the
facts that identify it. A primitive stays silent on anything unknown.
One module per family: ``ranges`` (overlap, containment, validity, counts),
and the others listed at the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from vpclint.model import Element


@dataclass
class Violation:
    captures: dict[str, Any]
    subject: Element | None = None
    related: list[Element] = field(default_factory=list)
    facts: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # carried into the finding (JSON output)


Primitive = Callable[[dict[str, Any], dict[str, Any]], Iterator[Violation]]
PRIMITIVES: dict[str, Primitive] = {}


def primitive(func: Primitive) -> Primitive:
    """Register ``func`` under its own name, the name rule files use."""
    PRIMITIVES[func.__name__] = func
    return func


from vpclint.engine.primitives import ranges, reach  # noqa: E402,F401  (registers their primitives)
from vpclint.engine.primitives import policy  # noqa: E402,F401  (network policy primitives)
from vpclint.engine.primitives import transit  # noqa: E402,F401  (transit hub primitives)
from vpclint.engine.primitives import services  # noqa: E402,F401  (Kubernetes Service primitives)
