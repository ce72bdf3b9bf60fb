"""Join data sources to the resources they read: one network from several inputs.

A data source reads something deployed. When its arguments (id, name, tags,
filters, as its provider defines them: ``Selector`` tables in the provider
adapters) select exactly one managed resource of the inputs — the same root
module, or another input given with ``--with`` — it *is* that resource:
references to the data source become references to the resource (its known
values, else a ``Ref`` to it), and the model holds one element with both
addresses (``Builder.alias``). ``terraform_remote_state`` outputs are read
from the outputs of a state given with ``--with``, matched by output name.

Nothing is joined on a guess: a data source that selects two resources, or
none, or whose arguments are not known, stays external, and the reason is
listed under ``unknowns``. Candidates are found through an index by
(type, attribute, value), never by scanning every resource per data source.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from vpclint.resources import LoadResult, Output, Resource, UnknownNote
from vpclint.values import Ref, Unknown

REMOTE_STATE = "terraform_remote_state"
_INDEX = re.compile(r"\[[^\[\]]*\]$")
_OUTPUT = re.compile(r'outputs(?:\.([A-Za-z_][\w-]*)|\["([^"]+)"\])(.*)', re.S)
_STEP = re.compile(r'\.([A-Za-z_][\w-]*)|\[(\d+)\]|\["([^"]+)"\]')


@dataclass(frozen=True)
class Selector:
    """How one data source type picks the resource it reads (a provider fact).

    ``arguments``: argument -> the resource attribute it must equal;
    ``tags``: whether a ``tags`` map must be on the resource; ``filters``:
    names of ``filter {}`` blocks -> the attribute they test (``tag:KEY``
    always tests the tag KEY); ``scope``: arguments that narrow the choice
    (project, region) but never select alone; ``unsupported``: arguments that
    select in a way vpclint cannot evaluate (an AWS route table by the subnet
    it serves), so a data source setting them is never joined; ``casefold``:
    names compare without case (Azure).
    """

    reads: str
    arguments: dict[str, str] = field(default_factory=dict)
    tags: bool = False
    filters: dict[str, str] = field(default_factory=dict)
    scope: dict[str, str] = field(default_factory=dict)
    unsupported: tuple[str, ...] = ()
    casefold: bool = False


@dataclass
class Joined:
    """The resources with their data-source twins resolved, for the adapters."""

    resources: list[Resource]
    twins: dict[str, str]  # data source address -> the managed resource's address
    unknowns: list[UnknownNote]


def merge(primary: LoadResult, others: Iterable[tuple[LoadResult, str]]) -> None:
    """Add ``others`` (inputs given with --with, each with its label) to ``primary``.

    Two inputs that both manage an address hold two elements unless their
    ids match: the same id is the same resource (kept once); otherwise the
    joining input's resources under that address (every instance of it) are
    renamed ``LABEL:ADDRESS``, and so are its references to them.
    """
    mine = {r.address: r for r in primary.resources}
    bases = {_INDEX.sub("", a) for a in mine}
    for other, label in others:
        own = {r.address: _INDEX.sub("", r.address) for r in other.resources}
        same = {a for a, r in zip(own, other.resources) if a in mine and _same_id(r, mine[a])}
        clash = {base for address, base in own.items() if address not in same and base in bases}
        added = LoadResult(errors=other.errors, unknowns=other.unknowns, comments=other.comments, files=other.files,
                           manifests=other.manifests, outputs=other.outputs)
        for res in other.resources:
            if res.address in same:
                continue
            if clash:
                address = f"{label}:{res.address}" if own[res.address] in clash else res.address
                res = replace(res, address=address, values=_renamed(res.values, clash, label))
            added.resources.append(res)
            mine[res.address] = res
            bases.add(_INDEX.sub("", res.address))
        primary.extend(added)


def _same_id(a: Resource, b: Resource) -> bool:
    id_ = a.values.get("id")
    return isinstance(id_, str) and bool(id_) and id_ == b.values.get("id")


def _renamed(value: Any, clash: set[str], label: str) -> Any:
    if isinstance(value, Ref):
        if _INDEX.sub("", value.address) in clash:
            return Ref(value.reason, address=f"{label}:{value.address}", attr=value.attr)
        return value
    if isinstance(value, dict):
        return {k: _renamed(v, clash, label) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, clash, label) for v in value]
    return value


def selectors() -> dict[str, Selector]:
    """Every provider's data-source table, by data source type."""
    from vpclint.providers import DATA_SOURCES

    return DATA_SOURCES


def join(resources: list[Resource], outputs: Iterable[Output] = ()) -> Joined:
    """Resolve data sources (and remote-state outputs) against ``resources``."""
    table = selectors()
    data = [r for r in resources if r.mode == "data" and (r.type in table or r.type == REMOTE_STATE)]
    if not data:
        return Joined(resources, {}, [])
    state = _State(resources, list(outputs))
    pending = [r for r in data if r.type != REMOTE_STATE]
    # a data source may select by another's id (a subnet by vpc_id): join in rounds until none is added
    while pending:
        joined_now, still = [], []
        for res in pending:
            res = state.rewrite(res)
            target = state.select(res, table[res.type])
            (joined_now if target is not None else still).append((res, target))
        for res, target in joined_now:
            state.twins[res.address] = target
        if not joined_now:
            break
        pending = [res for res, _ in still]
    for res in pending:
        state.notes.append(state.why_not(state.rewrite(res), table[res.type]))
    out = [state.rewrite(r) for r in resources if r.address not in state.twins and r.type != REMOTE_STATE]
    out += [r for r in resources if r.type == REMOTE_STATE]  # kept, for positions and suppressions
    state.note_outputs()
    return Joined(out, {a: t.address for a, t in state.twins.items()}, state.notes)


class _State:
    def __init__(self, resources: list[Resource], outputs: list[Output]):
        self.managed: dict[str, list[Resource]] = defaultdict(list)
        self.by_address: dict[str, Resource] = {}
        for res in resources:
            self.by_address[res.address] = res
            if res.mode == "managed":
                self.managed[res.type].append(res)
        self.outputs: dict[str, list[Output]] = defaultdict(list)
        for output in outputs:
            self.outputs[output.name].append(output)
        self.remote = any(r.type == REMOTE_STATE for r in resources)
        self.twins: dict[str, Resource] = {}
        self.notes: list[UnknownNote] = []
        self.missing_outputs: dict[tuple[str, str], str] = {}
        # (type, attribute, casefold) -> (known value -> resources, resources without a known value)
        self._index: dict[tuple[str, str, bool], tuple[dict[str, list[Resource]], list[Resource]]] = {}

    # -- references ------------------------------------------------------------
    def rewrite(self, res: Resource) -> Resource:
        """``res`` with references to joined data sources and remote-state outputs resolved."""
        if not self.twins and not self.remote:
            return res
        values = self.value(res.values)
        return res if values is res.values else replace(res, values=values)

    def value(self, value: Any) -> Any:
        if isinstance(value, Ref):
            return self.ref(value)
        if isinstance(value, dict):
            new = {k: self.value(v) for k, v in value.items()}
            return value if all(new[k] is value[k] for k in value) else new
        if isinstance(value, list):
            new = [self.value(v) for v in value]
            return value if all(a is b for a, b in zip(new, value)) else new
        return value

    def ref(self, ref: Ref) -> Any:
        target = self.twins.get(ref.address)
        if target is not None:
            found = _walk(target.values, ref.attr)
            if found is None or (isinstance(found, Unknown) and not isinstance(found, Ref)):
                return Ref(ref.reason, address=target.address, attr=ref.attr)  # known after apply: link by address
            return found
        source = self.by_address.get(ref.address)
        if source is not None and source.type == REMOTE_STATE:
            return self.output(source, ref)
        return ref

    def output(self, source: Resource, ref: Ref) -> Any:
        match = _OUTPUT.fullmatch(ref.attr)
        if not match:
            return ref
        name, rest = match.group(1) or match.group(2), match.group(3)
        found = self.outputs.get(name, [])
        if len(found) != 1:
            files = sorted({o.file for o in found})
            self.missing_outputs[(source.address, name)] = (
                f"ambiguous: the states {' and '.join(files)} both have output {name}; kept external" if found
                else f"no state given with --with has the output {name}; kept external")
            return ref
        value = _walk(found[0].value, rest.lstrip(".")) if rest else found[0].value
        return ref if value is None else value

    def note_outputs(self) -> None:
        for (address, name), reason in sorted(self.missing_outputs.items()):
            self.notes.append(UnknownNote(address, f"outputs.{name}", reason))

    # -- selection -------------------------------------------------------------
    def criteria(self, res: Resource, selector: Selector) -> tuple[list, list, str | None]:
        """The (attribute, wanted) pairs the data source's arguments select and scope by, or the
        reason they cannot select."""
        wanted: list[tuple[str, Any]] = []
        values = res.values
        for argument in selector.unsupported:
            if values.get(argument) not in (None, "", False, [], {}):
                return [], [], f"it selects by {argument}, which vpclint does not evaluate"
        unknown = []
        for argument, attribute in selector.arguments.items():
            value = values.get(argument)
            if value is None or value == "":
                continue
            if isinstance(value, Unknown) and not isinstance(value, Ref):
                # a plan shows a data source read at apply with its computed attributes (id) unknown
                unknown.append(f"its argument {argument} is not known ({value.reason})")
                continue
            if isinstance(value, Ref) and value.address.startswith("data.") and value.address not in self.twins:
                return [], [], f"its argument {argument} reads {value.address}, which is not joined"
            wanted.append((attribute, value))
        scope = [(attribute, values[argument]) for argument, attribute in selector.scope.items()
                 if isinstance(values.get(argument), str) and values[argument]]
        tags = values.get("tags") if selector.tags else None
        if isinstance(tags, Unknown):
            return [], [], "its tags are not known"
        if isinstance(tags, dict):
            for key, value in tags.items():
                if isinstance(value, Unknown):
                    return [], [], f"its tag {key} is not known"
                wanted.append((f"tags.{key}", value))
        for block in values.get("filter") or [] if selector.filters else []:
            if not isinstance(block, dict) or not isinstance(block.get("name"), str):
                return [], [], "a filter block is not known"
            name, allowed = block["name"], block.get("values")
            if not isinstance(allowed, list) or any(isinstance(v, Unknown) for v in allowed):
                return [], [], f"the values of its filter {name} are not known"
            attribute = f"tags.{name[4:]}" if name.startswith("tag:") else selector.filters.get(name)
            if attribute is None:
                return [], [], f"its filter {name} is not one vpclint can evaluate"
            wanted.append((attribute, _AnyOf(tuple(allowed))))
        if not wanted and unknown:
            return [], [], unknown[0]
        if not wanted:
            return [], [], "its arguments select nothing vpclint can compare (no id, name, tags or filter)"
        return wanted, scope, None

    def select(self, res: Resource, selector: Selector) -> Resource | None:
        """The one managed resource ``res`` reads, when its arguments say so for sure."""
        wanted, scope, problem = self.criteria(res, selector)
        if problem is not None:
            return None
        sure, maybe = self.candidates(selector, wanted, scope)
        return sure[0] if len(sure) == 1 and not maybe else None

    def why_not(self, res: Resource, selector: Selector) -> UnknownNote:
        wanted, scope, problem = self.criteria(res, selector)
        what = f"the {selector.reads} it reads"
        if problem is None:
            sure, maybe = self.candidates(selector, wanted, scope)
            both = [r.address for r in [*sure, *maybe]]
            if len(both) > 1:
                problem = f"ambiguous: its arguments select {', '.join(both[:2])}" + \
                          (f" and {len(both) - 2} more" if len(both) > 2 else "")
            elif maybe:
                problem = f"it may read {maybe[0].address}, whose identifying values are not known"
            else:
                problem = f"no {selector.reads} of the inputs matches its arguments"
        return UnknownNote(res.address, "id", f"{problem}: {what} stays external (its routes and rules are not "
                                              "known here; give the input that manages it with --with)")

    def candidates(self, selector: Selector, wanted: list[tuple[str, Any]],
                   scope: list[tuple[str, Any]]) -> tuple[list[Resource], list[Resource]]:
        """(resources every criterion confirms, resources no criterion refutes but some cannot tell)."""
        first_attribute, first_value = wanted[0]
        pool = self.pool(selector, first_attribute, first_value)
        sure, maybe = [], []
        for candidate in pool:
            if any(self.compare(candidate, a, v, selector.casefold) is False for a, v in scope):
                continue
            verdicts = [self.compare(candidate, a, v, selector.casefold) for a, v in wanted]
            if False in verdicts or True not in verdicts:
                continue
            (maybe if None in verdicts else sure).append(candidate)
        return sure, maybe

    def pool(self, selector: Selector, attribute: str, value: Any) -> list[Resource]:
        """The resources that may match one criterion, from the index."""
        key = (selector.reads, attribute, selector.casefold)
        if key not in self._index:
            known: dict[str, list[Resource]] = defaultdict(list)
            other: list[Resource] = []
            for res in self.managed.get(selector.reads, []):
                found = _walk(res.values, attribute)
                if isinstance(found, (str, int)) and not isinstance(found, bool):
                    known[_fold(str(found), selector.casefold)].append(res)
                else:
                    other.append(res)
            self._index[key] = (known, other)
        known, other = self._index[key]
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return [*known.get(_fold(str(value), selector.casefold), []), *other]
        return [r for group in known.values() for r in group] + other

    def compare(self, res: Resource, attribute: str, wanted: Any, casefold: bool) -> bool | None:
        """Whether ``res``'s attribute equals ``wanted``: True, False, None (cannot tell), or
        ``_ABSENT`` when the resource does not have it (an id not known before apply)."""
        have = _walk(res.values, attribute)
        if have is None:  # a tag the resource does not carry, or an attribute it does not have (yet)
            return False if attribute.startswith("tags.") and not isinstance(res.values.get("tags"), Unknown) \
                else _ABSENT
        if isinstance(wanted, _AnyOf):
            answers = [self.compare(res, attribute, option, casefold) for option in wanted.options]
            return True if True in answers else (None if None in answers else answers[0] if answers else False)
        if isinstance(have, Ref) or isinstance(wanted, Ref):
            return self.same_ref(have, wanted)
        if isinstance(have, Unknown) or isinstance(wanted, Unknown):
            return None
        if isinstance(wanted, str) and isinstance(have, str):
            if any(c in wanted for c in "*?") and attribute.startswith("tags."):
                return fnmatch.fnmatchcase(have, wanted)
            return _fold(have, casefold) == _fold(wanted, casefold)
        return have == wanted

    def same_ref(self, a: Any, b: Any) -> bool | None:
        """Two values that may be references: the same attribute of the same resource, or its known value."""
        a, b = self.known(a), self.known(b)
        if isinstance(a, Ref) and isinstance(b, Ref):
            if (a.address, a.attr) == (b.address, b.attr):
                return True
            managed = all(getattr(self.by_address.get(r.address), "mode", None) == "managed" for r in (a, b))
            return False if managed and a.attr == b.attr == "id" else None  # two resources, two ids
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return None
        return a == b

    def known(self, value: Any) -> Any:
        if isinstance(value, Ref):
            twin = self.twins.get(value.address)
            res = twin or self.by_address.get(value.address)
            if res is not None:
                found = _walk(res.values, value.attr)
                if found is not None and not isinstance(found, Unknown):
                    return found
                if twin is not None:
                    return Ref(value.reason, address=twin.address, attr=value.attr)
        return value


_ABSENT = "absent"  # an attribute the resource does not have: neither confirms nor refutes


@dataclass(frozen=True)
class _AnyOf:
    """A filter's values: the attribute must equal one of them."""

    options: tuple[Any, ...]


def _fold(text: str, casefold: bool) -> str:
    return text.lower() if casefold else text


def _walk(value: Any, path: str) -> Any:
    """``value``'s part at ``path`` (``cidr``, ``tags.Name``, ``outputs.ids[0]``), or None."""
    if not path:
        return value
    if path.startswith("tags."):  # a tag key may hold dots or colons
        tags = value.get("tags") if isinstance(value, dict) else None
        if isinstance(tags, Unknown):
            return tags
        return tags.get(path[5:]) if isinstance(tags, dict) else None
    position = 0
    text = path if path.startswith(("[", ".")) else "." + path
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            return None
        name, number, key = match.groups()
        if isinstance(value, Unknown):
            return value
        if name is not None or key is not None:
            value = value.get(name if name is not None else key) if isinstance(value, dict) else None
        else:
            index = int(number)
            value = value[index] if isinstance(value, list) and index < len(value) else None
        position = match.end()
    return value
