"""What every loader produces: Terraform resource instances with positions.

Loaders (HCL directories, plan JSON) turn their input into a ``LoadResult``;
everything after loading (provider adapters, rules, reporters) works on these
plain records and never on parser trees or plan documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    """A block in a source file: 1-based first and last line."""

    file: str
    line: int
    end_line: int


@dataclass
class Resource:
    """One resource (or data source) instance after count/for_each expansion.

    ``values`` maps attribute names to evaluated values: str, int, float,
    bool, None, lists and dicts, with ``Unknown``/``Ref`` leaves where a value
    cannot be known. Nested blocks (``ingress {}``, ``route {}``) appear as
    lists of dicts under their block type, as in plan JSON.
    """

    address: str  # absolute instance address: module.net.aws_subnet.private[0]
    type: str
    name: str
    values: dict[str, Any]
    mode: str = "managed"  # "managed" or "data"
    module: str = ""  # module instance path: "" for root, "module.net", 'module.a["x"]'
    index: int | str | None = None  # count index or for_each key
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    # the module blocks this resource was instantiated through, outermost first;
    # inline suppressions on a module block apply inside it
    call_sites: tuple[Span, ...] = ()
    # the type as written, when an adapter presents the resource as another
    # (an azapi_resource ARM body as the azurerm resource it means)
    written_as: str | None = None

    @property
    def span(self) -> Span | None:
        if self.file is None or self.line is None:
            return None
        return Span(self.file, self.line, self.end_line or self.line)


@dataclass(frozen=True)
class LoadError:
    """Input that could not be read or parsed. ``line`` is 1-based or None."""

    file: str
    line: int | None
    message: str


@dataclass(frozen=True)
class UnknownNote:
    """An attribute the linter needed but could not know, for JSON ``unknowns``."""

    resource: str
    attribute: str
    reason: str


@dataclass(frozen=True)
class Output:
    """A root output of a state: what ``terraform_remote_state`` reads from it."""

    file: str
    name: str
    value: Any


@dataclass
class LoadResult:
    resources: list[Resource] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    unknowns: list[UnknownNote] = field(default_factory=list)
    # comments per source file, as (line, text) with the leading '#' or '//'
    # kept; inline suppressions are read from these
    comments: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # files read, for reporting and caching
    files: list[str] = field(default_factory=list)
    # Kubernetes / Calico policy documents from YAML manifests
    # (vpclint.load.manifests.ManifestDocument)
    manifests: list[Any] = field(default_factory=list)
    # the strings this load marked as secret (taint.py): never quoted in any output, never cached
    secrets: set[str] = field(default_factory=set)
    # strings of repository files (taint.py soft marks): hidden only where they stand as tokens of their own
    soft_secrets: set[str] = field(default_factory=set)
    # the root outputs of state inputs (terraform_remote_state reads them)
    outputs: list[Output] = field(default_factory=list)

    def extend(self, other: "LoadResult") -> None:
        self.resources.extend(other.resources)
        self.errors.extend(other.errors)
        self.unknowns.extend(other.unknowns)
        for path, items in other.comments.items():
            self.comments.setdefault(path, []).extend(items)
        self.files.extend(other.files)
        self.manifests.extend(other.manifests)
        self.secrets.update(other.secrets)
        self.soft_secrets.update(other.soft_secrets)
        self.outputs.extend(other.outputs)
