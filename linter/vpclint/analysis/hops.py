"""One hop of a traced path: the element crossed and its verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vpclint.model import Element


@dataclass
class Hop:
    name: str
    verdict: str  # pass, fail, unknown
    detail: str
    element: Element | None = None
    fix: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        address = self.element.terraform_address if self.element is not None else None
        found = {"hop": self.name, "verdict": self.verdict, "resource": address, "detail": self.detail}
        found.update(self.extra)
        return found
