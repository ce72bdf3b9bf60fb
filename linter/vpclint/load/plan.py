"""Load ``terraform show -json PLANFILE`` output into resource instances.

A plan knows the values Terraform will send to the providers, but every id of
a resource still to be created is "known after apply". Adapters link resources
by id, so for those unknowns this loader reads the plan's ``configuration``
(the references of each expression) and puts a ``Ref`` naming the resource
attribute the value will come from. Links it cannot name for sure stay plain
``Unknown``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from vpclint import load as _load
from vpclint.load.sources import attach
from vpclint.inputs import read_regular
from vpclint.taint import Taint
from vpclint.resources import LoadError, LoadResult, Resource, UnknownNote
from vpclint.values import Ref, Unknown, contains_unknown

NOT_A_PLAN = "not a Terraform plan or state (terraform show -json)"
_AFTER_APPLY = Unknown("known after apply")
_SKIPPED_ACTIONS = (["delete"], ["forget"])
_UNREADABLE = object()
_SHAPE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError)

_NAME = r"[A-Za-z_][\w-]*"
_KEY = r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]'
_MODULE_STEP = re.compile(rf"module\.({_NAME})({_KEY})?")
_MODULE_ADDRESS = re.compile(rf"module\.{_NAME}(?:{_KEY})?(?:\.module\.{_NAME}(?:{_KEY})?)*")
_RESOURCE_REF = re.compile(rf"(data\.)?({_NAME})\.({_NAME})({_KEY})?(?:\.(.+))?", re.S)
_OUTPUT_REF = re.compile(rf"module\.({_NAME})({_KEY})?\.({_NAME})")


class _Shape(ValueError):
    """A plan value whose JSON type is not the one the format documents."""


def load_plan(path: str, options: "_load.LoadOptions | None" = None) -> LoadResult:
    """Load one plan (or state) JSON file; every problem becomes a LoadError, nothing raises.

    Resources get the positions of their blocks in the configuration under
    ``options.plan_sources`` (default: the plan's directory, when it holds .tf files).
    """
    options = options or _load.LoadOptions()
    sources = options.plan_sources
    result = LoadResult(files=[path])
    doc = _read_json(path, result)
    if doc is _UNREADABLE:
        return result
    from vpclint.load.state import is_state, load_state

    if is_state(doc):
        return load_state(path, doc, options)
    if not isinstance(doc, dict) or "format_version" not in doc or not any(
        key in doc for key in ("planned_values", "resource_changes", "configuration")
    ):
        result.errors.append(LoadError(path, None, NOT_A_PLAN))
        return result
    version = doc["format_version"]
    if not isinstance(version, str) or version.split(".")[0] not in ("0", "1"):
        result.errors.append(LoadError(path, None, f"unsupported plan format_version {version}"))
        return result
    plan = _Plan(path, doc, result)
    try:
        plan.load()
    except RecursionError:
        result.errors.append(LoadError(path, None, "plan is nested too deeply to read"))
    root = sources if sources is not None else (os.path.dirname(path) or ".")
    if result.resources and (sources is not None or _load.config_files(root)):
        attach(result, root, plan.sources, options.cache_dir, options.data_dir)
    return result


def _read_json(path: str, result: LoadResult) -> Any:
    def fail(message: str, line: int | None = None) -> object:
        result.errors.append(LoadError(path, line, message))
        return _UNREADABLE

    try:
        size = os.path.getsize(path)
        if size > _load.MAX_PLAN_BYTES:
            return fail(f"file is too large ({size} bytes; the limit is {_load.MAX_PLAN_BYTES})")
        data = read_regular(path, _load.MAX_PLAN_BYTES)
    except OSError as exc:
        return fail(f"cannot read: {exc.strerror or exc}")
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return fail(f"not valid UTF-8 (byte {exc.start})", data[: exc.start].count(b"\n") + 1)
    if not text.strip():
        return fail("empty file")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return fail(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno)
    except RecursionError:
        return fail("JSON is nested too deeply to read")


@dataclass(frozen=True)
class _Target:
    """A resource attribute an expression reads.

    ``guessed`` when the plan does not name the attribute (x[count.index], and
    every reference of a 0.x plan): "id" is then assumed, and kept only where
    the attribute is named like the target type (subnet_id and aws_subnet).
    """

    address: str
    attr: str
    type: str
    guessed: bool = False


@dataclass(frozen=True)
class _Scope:
    """Where an expression is evaluated: a module instance and the count/for_each key there."""

    module: str
    index: str | None = None  # as written in addresses: [0] or ["app"]


class _Plan:
    def __init__(self, path: str, doc: dict, result: LoadResult):
        self.path = path
        self.doc = doc
        self.result = result
        # format 0.x (Terraform <= 1.0) writes references without the attribute
        self.bare_refs = doc["format_version"].startswith("0.")
        self.modules: dict[tuple[str, ...], dict] = {}  # module call path -> config module
        self.sources: dict[tuple[str, ...], Any] = {}  # module call path -> its source, as configured
        self.config: dict[tuple, dict] = {}  # (call path, mode, type, name) -> expressions
        self.instances: set[str] = set()
        # (module instance, call) -> its instances, in order (a dict as an ordered set)
        self.calls: dict[tuple[str, str], dict[str, None]] = {}

    def error(self, message: str) -> None:
        self.result.errors.append(LoadError(self.path, None, message))

    def section(self, container: Any, key: str, kind: type, where: str) -> Any:
        value = container.get(key) if isinstance(container, dict) else None
        if value is None:
            return kind()
        if not isinstance(value, kind):
            self.error(f"{where}{key} is not a JSON {'list' if kind is list else 'object'}; ignored")
            return kind()
        return value

    def load(self) -> None:
        try:
            self.index_configuration()
        except _SHAPE_ERRORS as exc:
            self.error(f"configuration: unexpected structure ({exc}); resources are not linked")
        seen: set[str] = set()
        resources: dict[str, Resource] = {}
        to_link: list[tuple[Resource, Any]] = []
        for number, change in enumerate(self.section(self.doc, "resource_changes", list, "")):
            label = change.get("address") if isinstance(change, dict) else None
            label = label if isinstance(label, str) else f"resource_changes[{number}]"
            try:
                got = self.from_change(change, seen)
            except _SHAPE_ERRORS as exc:
                self.error(f"{label}: unexpected plan structure ({exc}); resource skipped")
                continue
            if got is not None and got[0].address not in resources:
                resources[got[0].address] = got[0]
                to_link.append(got)
        for change in self.section(self.doc, "deferred_changes", list, ""):
            self.note_deferred(change)
        planned = self.section(self.doc, "planned_values", dict, "")
        prior = self.section(self.section(self.doc, "prior_state", dict, ""), "values", dict, "prior_state.")
        for source, data_only in ((planned, False), (prior, True)):
            for resource in self.from_values(source, data_only, seen | resources.keys()):
                resources.setdefault(resource.address, resource)
        for resource in resources.values():
            self.add_instance(resource.module)
            self.instances.add(resource.address)
        for resource, sensitive in to_link:
            _mark_sensitive(resource.values, sensitive, self.result.secrets)
            try:
                resource.values = self.link_resource(resource, sensitive)
            except _SHAPE_ERRORS as exc:
                self.error(f"{resource.address}: unexpected configuration structure ({exc}); links skipped")
        self.result.resources.extend(sorted(resources.values(), key=lambda r: r.address))

    # -- instances -----------------------------------------------------------

    def from_change(self, change: Any, seen: set[str]) -> tuple[Resource, Any] | None:
        if not isinstance(change, dict):
            raise _Shape("entry is not an object")
        if isinstance(change.get("address"), str):
            seen.add(change["address"])
        if change.get("index_unknown"):
            self.note_count(change.get("address"), "count or for_each is unknown until apply")
            return None
        body = change.get("change")
        if not isinstance(body, dict) or not isinstance(body.get("actions"), list):
            raise _Shape("change.actions missing")
        if change.get("deposed") or body["actions"] in _SKIPPED_ACTIONS:
            return None
        values = _merge(body.get("after"), body.get("after_unknown"))
        module = change.get("module_address") or ""
        return _resource(change, module, {} if values is None else values), body.get("after_sensitive")

    def from_values(self, values: dict, data_only: bool, loaded: set[str]) -> list[Resource]:
        """Resources of ``planned_values``/``prior_state.values`` not ``loaded`` yet: known values only."""
        out = []
        stack = [(self.section(values, "root_module", dict, ""), "")]
        while stack:
            module, address = stack.pop()
            for entry in self.section(module, "resources", list, f"module {address or 'root'}: "):
                entry = entry if isinstance(entry, dict) else {}
                label = entry.get("address") if isinstance(entry.get("address"), str) else "resource"
                if (data_only and entry.get("mode") != "data") or label in loaded:
                    continue
                try:
                    known = entry.get("values")
                    _mark_sensitive(known, entry.get("sensitive_values"), self.result.secrets)
                    out.append(_resource(entry, address, {} if known is None else known))
                except _SHAPE_ERRORS as exc:
                    self.error(f"{label}: unexpected plan structure ({exc}); resource skipped")
            for child in self.section(module, "child_modules", list, f"module {address or 'root'}: "):
                if isinstance(child, dict) and isinstance(child.get("address"), str):
                    stack.append((child, child["address"]))
        return out

    def note_count(self, address: Any, reason: str) -> None:
        if isinstance(address, str):
            note = UnknownNote(address, "count", reason)
            if note not in self.result.unknowns:
                self.result.unknowns.append(note)

    def note_deferred(self, deferred: Any) -> None:
        change = deferred.get("resource_change") if isinstance(deferred, dict) else None
        if not isinstance(change, dict):
            return
        if change.get("index_unknown") or deferred.get("reason") == "instance_count_unknown":
            self.note_count(change.get("address"), "count or for_each is unknown until apply")

    def add_instance(self, module: str) -> None:
        parent = ""
        for name, key in _module_steps(module):
            instance = f"{parent}.module.{name}{key}" if parent else f"module.{name}{key}"
            self.calls.setdefault((parent, name), {})[instance] = None
            parent = instance

    # -- configuration -------------------------------------------------------

    def index_configuration(self) -> None:
        config = self.section(self.doc, "configuration", dict, "")
        stack = [((), self.section(config, "root_module", dict, "configuration."))]
        while stack:
            path, module = stack.pop()
            self.modules[path] = module
            for entry in self.section(module, "resources", list, "configuration: "):
                if isinstance(entry, dict) and isinstance(entry.get("expressions"), dict):
                    key = (path, str(entry.get("mode", "managed")), str(entry.get("type")), str(entry.get("name")))
                    self.config.setdefault(key, entry["expressions"])
            for name, call in self.section(module, "module_calls", dict, "configuration: ").items():
                if isinstance(call, dict) and isinstance(call.get("module"), dict):
                    stack.append((path + (name,), call["module"]))
                    self.sources[path + (name,)] = call.get("source")

    # -- links ---------------------------------------------------------------

    def link_resource(self, resource: Resource, sensitive: Any) -> dict:
        if not contains_unknown(resource.values):
            return resource.values
        index = None if resource.index is None else _key_text(resource.index)
        walk = _Walk(self, _Scope(resource.module, index), isinstance(sensitive, dict))
        expressions = self.config.get((call_path(resource.module), resource.mode, resource.type, resource.name), {})
        return walk.link(resource.values, expressions, None, sensitive)

    def targets(self, refs: Any, scope: _Scope, depth: int = 0) -> list[_Target] | None:
        """What an expression's references read, or None when they do not say for sure."""
        if depth > 32 or not isinstance(refs, list):
            return None
        refs = [ref for ref in refs if isinstance(ref, str)]
        # terraform lists x.a.b, then x.a, then x: keep only the longest form
        kept = [ref for ref in dict.fromkeys(refs) if not any(_extends(other, ref) for other in refs)]
        out: list[_Target] = []
        for ref in kept:
            root = ref.split(".", 1)[0]
            if root in ("count", "each", "path", "terraform", "self"):
                continue  # known while planning
            if root in ("local", "ephemeral"):
                return None  # not in the plan: cannot follow them
            if root == "var":
                found = self.variable_targets(ref[4:], scope, depth)
            elif root == "module":
                found = self.output_targets(ref, scope, depth)
            else:
                found = self.resource_targets(ref, refs, scope)
            if found is None:
                return None
            out.extend(found)
        return list(dict.fromkeys(out))

    def resource_targets(self, ref: str, refs: list[str], scope: _Scope) -> list[_Target] | None:
        match = _RESOURCE_REF.fullmatch(ref)
        if not match:
            return None
        data, rtype, name, key, attr = match.groups()
        base = _join(scope.module, f"{'data.' if data else ''}{rtype}.{name}")
        if attr:
            return [_Target(base + (key or ""), attr, rtype)]
        if key is None and scope.index is not None:
            # aws_subnet.x[count.index].id names neither the key nor the attribute
            marker = "each.key" if scope.index.startswith('["') else "count.index"
            if marker in refs and base + scope.index in self.instances:
                return [_Target(base + scope.index, "id", rtype, guessed=True)]
        if self.bare_refs and base + (key or "") in self.instances:
            return [_Target(base + (key or ""), "id", rtype, guessed=True)]
        return None

    def elements(self, refs: Any, scope: _Scope, depth: int = 0) -> list[_Target] | None:
        """The targets of a list written element by element, ``[aws_subnet.a.id, aws_subnet.b.id]``, or None.

        A plan shows such a list of new ids as wholly unknown (a provider's set:
        after_unknown true, after_sensitive []) or element by element
        (after_unknown [true, true]); its configuration lists the references of
        the elements in order, each with its shorter forms: "aws_subnet.a.id",
        "aws_subnet.a", "aws_subnet.b.id", "aws_subnet.b". The rule: one element
        per longest reference, in order, only when each names one resource
        attribute (or a module output or variable that is itself such a list)
        and none is read twice. A reference read twice is not two elements:
        ``[aws_s3_bucket.x.arn, "${aws_s3_bucket.x.arn}/*"]`` gives the same four
        references (a checkov test plan has exactly that). A root variable,
        local, count or each makes it None: its value adds elements or picks
        them in ways the references do not show. What the rule cannot see is a
        template over one id (``"${aws_subnet.b.id}-x"``), indistinguishable
        from the id itself in a plan; such an attribute is not an id list.
        """
        if depth > 32 or not isinstance(refs, list) or not all(isinstance(ref, str) for ref in refs):
            return None
        longest = [ref for ref in refs if not any(_extends(other, ref) for other in refs)]
        if len(set(longest)) != len(longest):
            return None
        out: list[_Target] = []
        for ref in longest:
            root = ref.split(".", 1)[0]
            if root == "var" and scope.module:
                found = self.variable_elements(ref[4:], scope, depth)
            elif root == "module":
                found = self.output_targets(ref, scope, depth, self.elements)
            elif root in ("var", "local", "ephemeral", "count", "each", "path", "terraform", "self"):
                return None
            else:
                found = self.resource_targets(ref, refs, scope)
                found = found if found is not None and len(found) == 1 else None
            if found is None:
                return None
            out.extend(found)
        return out if len(set(out)) == len(out) else None

    def variable_elements(self, name: str, scope: _Scope, depth: int) -> list[_Target] | None:
        given, caller = self.variable_expression(name, scope)
        if not isinstance(given, dict):
            return None  # a default is a known list: elements the references do not show
        return self.elements(given.get("references", []), caller, depth + 1)

    def variable_targets(self, name: str, scope: _Scope, depth: int) -> list[_Target] | None:
        if not scope.module:
            return []  # root variables are known while planning
        given, caller = self.variable_expression(name, scope)
        if given is None:
            return []  # the variable's default, a constant
        if not isinstance(given, dict):
            return None
        return self.targets(given.get("references", []), caller, depth + 1)

    def variable_expression(self, name: str, scope: _Scope) -> tuple[Any, _Scope]:
        """The module block's argument for a variable (None if not given), and the instance it is evaluated in."""
        if not re.fullmatch(_NAME, name):
            return False, scope
        *outer, (call, key) = _module_steps(scope.module)
        calls = self.section(self.modules.get(tuple(n for n, _ in outer), {}), "module_calls", dict, "configuration: ")
        given = self.section(calls.get(call), "expressions", dict, f"module {call}: ").get(name)
        return given, _Scope(".".join(f"module.{n}{k}" for n, k in outer), key or None)

    def output_targets(self, ref: str, scope: _Scope, depth: int, follow: Any = None) -> list[_Target] | None:
        """What a module output reads: ``follow`` (targets or elements) on the output's expression."""
        match = _OUTPUT_REF.fullmatch(ref)
        if not match:
            return None
        call, key, output = match.groups()
        if key:
            instance = _join(scope.module, f"module.{call}{key}")
        else:
            known = self.calls.get((scope.module, call), {})
            if len(known) != 1:
                return None
            (instance,) = known
        module = self.modules.get(call_path(scope.module) + (call,), {})
        declared = self.section(module, "outputs", dict, f"module {call}: ").get(output)
        expression = declared.get("expression") if isinstance(declared, dict) else None
        if not isinstance(expression, dict):
            return None
        return (follow or self.targets)(expression.get("references", []), _Scope(instance), depth + 1)


class _Walk:
    """Replace unknown leaves of one resource's values by Refs, following its expressions."""

    def __init__(self, plan: _Plan, scope: _Scope, typed: bool):
        self.plan = plan
        self.scope = scope
        # after_sensitive shows an unknown collection as [] or {}, so it tells lists from scalars
        self.typed = typed

    def link(self, value: Any, expr: Any, key: str | None, sensitive: Any) -> Any:
        if not contains_unknown(value):
            return value
        if _is_expression(expr):
            targets = self.plan.targets(expr.get("references", []), self.scope)
            if not targets:
                return value
            listed = self.plan.elements(expr.get("references", []), self.scope)
            return self.fill(value, targets, listed, key, sensitive, shared=False)
        if isinstance(value, dict) and isinstance(expr, dict):  # attributes or a single block
            return {k: self.link(v, expr.get(k), k, _part(sensitive, k)) for k, v in value.items()}
        if isinstance(value, list) and isinstance(expr, list):  # repeated blocks
            return [
                self.link(v, _block_for(v, expr, len(value)), key, _part(sensitive, i))
                for i, v in enumerate(value)
            ]
        return value

    def fill(self, value: Any, targets: list[_Target], listed: list[_Target] | None, key: str | None,
             sensitive: Any, shared: bool) -> Any:
        """Resolve the unknowns under one expression; ``listed`` its elements (see ``elements``);
        ``shared`` when it covers several blocks."""
        if isinstance(value, Unknown):
            found = _ref_for(targets, listed, key, sensitive, self.typed, shared)
            return value if found is None else found
        if isinstance(value, dict):
            return {k: self.fill(v, targets, listed, k, _part(sensitive, k), shared) for k, v in value.items()}
        if not isinstance(value, list):
            return value
        slots = [i for i, v in enumerate(value) if isinstance(v, Unknown)]
        # constants carry no references: the unknown elements meet the references in order
        if slots and not shared and listed and len(slots) == len(listed) and all(_fits(t, key) for t in listed):
            out = list(value)
            for slot, target in zip(slots, listed):
                out[slot] = Ref(address=target.address, attr=target.attr)
            return out
        # an expression over a list of blocks: each block holds only some of its references
        return [
            v if isinstance(v, Unknown) else self.fill(v, targets, None, key, _part(sensitive, i), shared=True)
            for i, v in enumerate(value)
        ]


def _ref_for(targets: list[_Target], listed: list[_Target] | None, key: str | None, sensitive: Any,
             typed: bool, shared: bool) -> Any:
    """The Ref (or list of Refs) a wholly unknown value stands for, or None; a list only from ``listed``."""
    if typed and isinstance(sensitive, dict):
        return None  # an unknown map or object
    is_list = isinstance(sensitive, list) if typed else _plural(key)
    if is_list and not _plural(key):
        return None  # a set of blocks such as route or ingress: not one id
    if is_list and not shared:
        if not listed or not all(_fits(t, key) for t in listed):
            return None
        return [Ref(address=t.address, attr=t.attr) for t in listed]
    picked = _pick(targets, key)
    if picked is None:
        return None
    ref = Ref(address=picked.address, attr=picked.attr)
    return [ref] if is_list else ref


def _pick(targets: list[_Target], key: str | None) -> _Target | None:
    """One target for one value: the only one, or the only one named like the attribute."""
    if len(targets) == 1 and _fits(targets[0], key):
        return targets[0]
    named = [t for t in targets if _named_like(key, t.type)]
    return named[0] if len(named) == 1 else None


def _fits(target: _Target, key: str | None) -> bool:
    return not target.guessed or _named_like(key, target.type)


def _named_like(key: str | None, rtype: str) -> bool:
    """vpc_id and aws_vpc, subnet_ids and huaweicloud_vpc_subnet, security_groups and aws_security_group."""
    if not key:
        return False
    stem = re.sub(r"(_ids?|s)$", "", key)
    kind = rtype.split("_", 1)[-1]  # without the provider prefix
    return stem == kind or stem.endswith("_" + kind) or kind.endswith("_" + stem)


def _plural(key: str | None) -> bool:
    return bool(key) and key.endswith("s") and not key.endswith(("ss", "us"))


def _block_for(value: Any, blocks: list, count: int) -> Any:
    """The config block a planned block came from; sets reorder blocks, so match on constants."""
    if count == len(blocks) == 1:
        return blocks[0]
    if not isinstance(value, dict):
        return None
    fits = [
        block
        for block in blocks
        if isinstance(block, dict)
        and all(
            _norm(value[k]) == _norm(e["constant_value"])
            for k, e in block.items()
            if isinstance(e, dict) and "constant_value" in e and k in value and not contains_unknown(value[k])
        )
    ]
    return fits[0] if fits and all(f == fits[0] for f in fits) else None


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_norm(v) for v in value), key=repr)
    return str(value)


def _is_expression(expr: Any) -> bool:
    return isinstance(expr, dict) and ("references" in expr or "constant_value" in expr)


def _part(value: Any, key: Any) -> Any:
    if isinstance(value, dict) and isinstance(key, str):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and key < len(value):
        return value[key]
    return None


def _merge(after: Any, unknown: Any) -> Any:
    """Put Unknown where after_unknown says true (after omits those keys or has null there)."""
    if unknown is True:
        return _AFTER_APPLY
    if not _has_true(unknown):
        return after
    if isinstance(unknown, dict):
        after = {} if after is None else after
        if not isinstance(after, dict):
            raise _Shape("after and after_unknown disagree")
        return {**after, **{k: _merge(after.get(k), u) for k, u in unknown.items() if _has_true(u)}}
    after = [None] * len(unknown) if after is None else after
    if not isinstance(after, list):
        raise _Shape("after and after_unknown disagree")
    return [_merge(a, u) for a, u in zip_longest(after, unknown)]


def _has_true(unknown: Any) -> bool:
    if unknown is True:
        return True
    if isinstance(unknown, dict):
        return any(_has_true(u) for u in unknown.values())
    if isinstance(unknown, list):
        return any(_has_true(u) for u in unknown)
    return False


def _resource(entry: Any, module: Any, values: Any) -> Resource:
    if not isinstance(entry, dict):
        raise _Shape("entry is not an object")
    address, rtype, name = entry.get("address"), entry.get("type"), entry.get("name")
    mode, index = entry.get("mode", "managed"), entry.get("index")
    for field, value in (("address", address), ("type", rtype), ("name", name), ("module_address", module)):
        if not isinstance(value, str):
            raise _Shape(f"{field} is not a string")
    if mode not in ("managed", "data"):
        raise _Shape(f"mode {mode!r}")
    if isinstance(index, bool) or not isinstance(index, (int, str, type(None))):
        raise _Shape("index is neither a number nor a string")
    if not isinstance(values, dict):
        raise _Shape("values are not an object")
    _module_steps(module)
    return Resource(address=address, type=rtype, name=name, values=values, mode=mode, module=module, index=index)


def _module_steps(module: str) -> list[tuple[str, str]]:
    """module.a["x"].module.b -> [("a", '["x"]'), ("b", "")]."""
    if module and not _MODULE_ADDRESS.fullmatch(module):
        raise _Shape(f"module address {module!r}")
    return [(match.group(1), match.group(2) or "") for match in _MODULE_STEP.finditer(module)]


def call_path(module: str) -> tuple[str, ...]:
    """The module call names of a module instance address: module.a["x"].module.b -> ("a", "b")."""
    return tuple(name for name, _ in _module_steps(module))


def _key_text(index: int | str) -> str:
    return f"[{index}]" if isinstance(index, int) else f"[{json.dumps(index, ensure_ascii=False)}]"


def _join(module: str, local: str) -> str:
    return f"{module}.{local}" if module else local


def _extends(longer: str, shorter: str) -> bool:
    return len(longer) > len(shorter) and longer.startswith(shorter) and longer[len(shorter)] in ".["


def _mark_sensitive(value: Any, sensitive: Any, secrets: set[str]) -> None:
    """Add to ``secrets`` the strings of ``value`` that the plan's ``after_sensitive`` /
    ``sensitive_values`` mark (taint.py): the plan holds them in the clear, the output never does."""
    if sensitive is True:
        taint = Taint()
        taint.mark(value)
        secrets.update(taint.values)
    elif isinstance(sensitive, dict) and isinstance(value, dict):
        for key, inner in sensitive.items():
            if key in value:
                _mark_sensitive(value[key], inner, secrets)
    elif isinstance(sensitive, list) and isinstance(value, list):
        for item, inner in zip(value, sensitive):
            _mark_sensitive(item, inner, secrets)
