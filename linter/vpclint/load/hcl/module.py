"""Modules: blocks indexed by kind, instances that evaluate lazily, expansion.

A ``Module`` is one directory's blocks, indexed once. A ``ModuleInstance`` is
that module at one address (the root, ``module.net``, ``module.az["a"]``):
variables, locals, outputs, resources and child modules are computed on first
use and remembered, and a value that depends on itself becomes Unknown rather
than recursing. Emitting walks the blocks in file order and expands count and
for_each into ``Resource`` records.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from vpclint.findings import instance_base
from vpclint.gitindex import committed
from vpclint.load.hcl.evaluate import (
    BlockDict,
    BudgetExhausted,
    EvalError,
    Lazy,
    LimitError,
    Namespace,
    Scope,
    a_type,
    derived,
    evaluate_value,
    find_unknown,
    iterate,
    to_number,
    to_plain,
)
from vpclint.load.hcl.variables import CONSTANT, convert
from vpclint.inputs import outside
from vpclint.resources import LoadError, Resource, Span, UnknownNote
from vpclint.taint import CURRENT as TAINT
from vpclint.values import Ref, Unknown

if TYPE_CHECKING:
    from vpclint.load.hcl import Loader

# more instances than this are refused rather than expanded
INSTANCE_LIMIT = 10_000
# and more resource instances than this in one load, modules included
TOTAL_INSTANCE_LIMIT = 50_000
MAX_MODULE_DEPTH = 32
FILE_READ_LIMIT = 1024 * 1024

META_ATTRS = frozenset({"count", "for_each", "provider", "depends_on"})
META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
IGNORED_BLOCKS = frozenset({"terraform", "provider", "moved", "import", "check", "removed", "__attrs__"})


@dataclass
class Entry:
    """A resource or data block with its attribute names worked out once."""

    mode: str
    type: str
    name: str
    block: dict
    file: str
    attrs: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)  # block type -> [blocks], dynamic ones included
    names: list = field(default_factory=list)  # attribute and block type names, attributes first

    @property
    def address(self) -> str:
        base = f"{self.type}.{self.name}"
        return f"data.{base}" if self.mode == "data" else base


@dataclass
class Call:
    """A module block."""

    name: str
    block: dict
    file: str


def is_override_file(path: str) -> bool:
    name = os.path.basename(path)
    return name in ("override.tf", "override.tf.json") or name.endswith(("_override.tf", "_override.tf.json"))


class Module:
    """One module directory's blocks, indexed by kind; duplicates become errors.

    Override files (override.tf, *_override.tf) are merged into the blocks
    they name after all other files, as Terraform does.
    """

    def __init__(self, directory: str, files: list[tuple[str, dict]], errors: list):
        self.dir = directory
        self.variables: dict[str, dict] = {}
        self.locals: dict[str, tuple] = {}
        self.outputs: dict[str, dict] = {}
        self.entries: dict[tuple, Entry] = {}
        self.calls: dict[str, Call] = {}
        self.items: list = []  # entries and calls in file order
        seen: dict[str, tuple] = {}
        for path, plain in files:
            if not is_override_file(path):
                for block in plain["blocks"]:
                    self._add(path, block, seen, errors)
        for path, plain in files:
            if is_override_file(path):
                for block in plain["blocks"]:
                    self._override(path, block, errors)

    def _override(self, path: str, block: dict, errors: list) -> None:
        kind, labels = block["type"], block["labels"]
        if kind == "locals":
            for name, (node, line) in block["attrs"].items():
                self.locals[name] = (node, line, path)
            return
        name = labels[0] if len(labels) == 1 else None
        if kind in ("resource", "data") and len(labels) == 2:
            entry = self.entries.get(("managed" if kind == "resource" else "data", labels[0], labels[1]))
            if entry is not None:
                entry.block = _merged(entry.block, block)
                _index_body(entry)
                return
        elif kind == "module" and name in self.calls:
            self.calls[name].block = _merged(self.calls[name].block, block)
            return
        elif kind == "variable" and name in self.variables:
            self.variables[name] = _merged(self.variables[name], block)
            return
        elif kind == "output" and name in self.outputs:
            self.outputs[name] = _merged(self.outputs[name], block)
            return
        if kind in ("resource", "data", "module", "variable", "output"):
            what = f"{kind} {'.'.join(labels)}"
            errors.append(LoadError(path, block["line"], f"override {what} has no base block to override"))

    def _add(self, path: str, block: dict, seen: dict, errors: list) -> None:
        kind, labels, line = block["type"], block["labels"], block["line"]
        if kind in IGNORED_BLOCKS:
            return
        if kind == "locals":
            for name, (node, attr_line) in block["attrs"].items():
                if self._duplicate(f"local.{name}", path, attr_line, seen, errors):
                    continue
                self.locals[name] = (node, attr_line, path)
            return
        wanted = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1}.get(kind)
        if wanted is None:
            return
        if len(labels) != wanted:
            errors.append(LoadError(path, line, f"a {kind} block needs {wanted} label{'s' if wanted > 1 else ''}"))
            return
        if kind in ("resource", "data"):
            entry = Entry("managed" if kind == "resource" else "data", labels[0], labels[1], block, path)
            if self._duplicate(entry.address, path, line, seen, errors, what=f"{kind} "):
                return
            _index_body(entry)
            self.entries[(entry.mode, entry.type, entry.name)] = entry
            self.items.append(entry)
        elif kind == "module":
            if self._duplicate(f"module.{labels[0]}", path, line, seen, errors):
                return
            call = Call(labels[0], block, path)
            self.calls[call.name] = call
            self.items.append(call)
        elif kind == "variable":
            if not self._duplicate(f"var.{labels[0]}", path, line, seen, errors):
                self.variables[labels[0]] = block
        elif not self._duplicate(f"output.{labels[0]}", path, line, seen, errors):
            self.outputs[labels[0]] = block

    @staticmethod
    def _duplicate(key: str, path: str, line: int, seen: dict, errors: list, what: str = "") -> bool:
        if key in seen:
            first_path, first_line = seen[key]
            errors.append(LoadError(path, line, f"duplicate {what}{key}: already defined at {first_path}:{first_line}"))
            return True
        seen[key] = (path, line)
        return False


def _index_body(entry: Entry) -> None:
    entry.attrs = {name: value for name, value in entry.block["attrs"].items() if name not in META_ATTRS}
    entry.groups = {}
    for block in entry.block["blocks"]:
        if block["type"] not in META_BLOCKS:
            entry.groups.setdefault(_group_name(block), []).append(block)
    entry.names = list(entry.attrs) + [name for name in entry.groups if name not in entry.attrs]


def _group_name(block: dict) -> str:
    """The block type a nested block contributes to (a dynamic block's label)."""
    return block["labels"][0] if block["type"] == "dynamic" and block["labels"] else block["type"]


def _merged(base: dict, override: dict) -> dict:
    """Override attributes replace; override nested blocks replace all of their type."""
    replaced = {_group_name(block) for block in override["blocks"]}
    return dict(
        base,
        attrs={**base["attrs"], **override["attrs"]},
        blocks=[b for b in base["blocks"] if _group_name(b) not in replaced] + override["blocks"],
    )


# ---------------------------------------------------------------------------
# nested blocks
# ---------------------------------------------------------------------------


def _groups(block: dict) -> dict:
    groups: dict = {}
    for nested in block["blocks"]:
        groups.setdefault(_group_name(nested), []).append(nested)
    return groups


def block_values(block: dict, scope: Scope) -> BlockDict:
    values = BlockDict()
    for name, (node, _line) in block["attrs"].items():
        values[name] = evaluate_value(node, scope)
    for name, blocks in _groups(block).items():
        if name not in values:
            values[name] = group_values(blocks, scope)
    return values


def group_values(blocks: list, scope: Scope) -> Any:
    """Blocks of one type, in order, with dynamic blocks expanded."""
    result: list = []
    for block in blocks:
        if block["type"] != "dynamic":
            result.append(block_values(block, scope))
            continue
        expanded = _dynamic(block, scope)
        if isinstance(expanded, Unknown):
            return expanded
        result.extend(expanded)
    return result


def _dynamic(block: dict, scope: Scope) -> Any:
    label = block["labels"][0] if block["labels"] else "dynamic"
    iterator = label
    if "iterator" in block["attrs"]:
        node = block["attrs"]["iterator"][0]
        if node[0] != "var":
            return Unknown(f"dynamic {label!r}: iterator must be a name")
        iterator = node[1]
    if "for_each" not in block["attrs"]:
        return Unknown(f"dynamic {label!r} has no for_each")
    collection = evaluate_value(block["attrs"]["for_each"][0], scope)
    if isinstance(collection, Unknown):
        return derived(collection)
    contents = [nested for nested in block["blocks"] if nested["type"] == "content"]
    if len(contents) != 1:
        return Unknown(f"dynamic {label!r} needs exactly one content block")
    try:
        items = iterate(collection)
    except EvalError as exc:
        return Unknown(f"dynamic {label!r}: for_each: {exc}")
    return [block_values(contents[0], scope.child({iterator: {"key": key, "value": value}})) for key, value in items]


# ---------------------------------------------------------------------------
# instances
# ---------------------------------------------------------------------------


@dataclass
class Expansion:
    """The instance keys of a counted or for_each block, or why there are none."""

    kind: str  # "single", "count" or "for_each"
    keys: list = field(default_factory=list)
    each: dict = field(default_factory=dict)
    unknown: Unknown | None = None
    error: str | None = None

    def names(self, key: Any) -> dict:
        """What ``count.index`` or ``each.key``/``each.value`` are in the instance ``key``."""
        if self.kind == "count":
            return {"count": {"index": key}}
        if self.kind == "for_each":
            return {"each": {"key": key, "value": self.each[key]}}
        return {}


@dataclass
class Children:
    """The instances of one module call, or why it could not be loaded."""

    kind: str = "single"
    instances: list = field(default_factory=list)  # [(key, ModuleInstance)]
    unknown: Unknown | None = None
    note: tuple | None = None  # (attribute, reason) for an UnknownNote
    error: LoadError | None = None


def instance_suffix(key: Any) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{json.dumps(key, ensure_ascii=False)}]"


class ModuleInstance:
    """A module at one address; everything in it is evaluated on demand."""

    def __init__(
        self,
        loader: "Loader",
        module: Module,
        address: str = "",
        key_path: str = "",
        call_sites: tuple = (),
        call: Call | None = None,
        parent_scope: Scope | None = None,
        chain: tuple = (),
    ):
        self.loader = loader
        self.module = module
        self.address = address
        self.key_path = key_path
        self.call_sites = call_sites
        self.call = call
        self.parent_scope = parent_scope
        self._callers = chain  # the real directories of the modules that led here
        self._chain: tuple | None = None
        self.scope = Scope(self)
        self.path_module = os.path.relpath(module.dir, loader.root_dir) if address else "."
        self._memo: dict = {}
        self._active: set = set()
        self._objects: dict = {}
        self._roots: dict = {}

    def __repr__(self) -> str:
        return self.address or "root module"

    @property
    def chain(self) -> tuple:
        """Real directories from the root to this module, for include cycles;
        resolved when the module calls another (most never do)."""
        if self._chain is None:
            self._chain = self._callers + (self.loader.reads.realpath(self.module.dir),)
        return self._chain

    def _lazy(self, key: tuple, compute: Callable[[], Any], cycle: Callable[[Unknown], Any] = lambda u: u) -> Any:
        """Compute once; a value that depends on itself is `cycle(Unknown)`, errors are replayed."""
        if key in self._memo:
            kind, value = self._memo[key]
            if kind == "error":
                raise EvalError(value)
            if kind == "limit":
                fresh = type(value)(*value.args)  # a fresh one: each block using it reports it
                fresh.named = True
                raise fresh
            return value
        if key in self._active:
            return cycle(Unknown(f"{self._describe(key)} depends on itself"))
        self._active.add(key)
        try:
            value = compute()
        except EvalError as exc:
            self._memo[key] = ("error", str(exc))
            raise
        except LimitError as exc:  # refused once, refused at once everywhere it is used
            if not isinstance(exc, BudgetExhausted) and not getattr(exc, "named", False):
                exc.args = (f"{self._describe(key)}: {exc}",)  # name the value that grew too large
                exc.named = True
            self._memo[key] = ("limit", exc)
            raise
        finally:
            self._active.discard(key)
        self._memo[key] = ("value", value)
        return value

    def _describe(self, key: tuple) -> str:
        """Keys are (kind, readable name, ...)."""
        prefix = f"{self.address}." if self.address else ""
        return prefix + key[1]

    # -- names -------------------------------------------------------------

    def root_name(self, name: str) -> Any:
        """What a reference root (`var`, `aws_vpc`, ...) stands for here."""
        found = self._roots.get(name)
        if found is not None:
            return found
        if name == "var":
            found = Namespace("var", self.variable)
        elif name == "local":
            found = Namespace("local", self.local)
        elif name == "module":
            found = Namespace("module", self.module_value)
        elif name == "data":
            found = Namespace("data", lambda kind: Namespace(
                f"data.{kind}", lambda label: self.resource_value("data", kind, label)))
        elif name == "resource":  # resource.aws_vpc.x is aws_vpc.x (Terraform's escape from reserved names)
            found = Namespace("resource", lambda kind: Namespace(
                f"resource.{kind}", lambda label: self.resource_value("managed", kind, label)))
        elif name == "path":
            found = {"module": self.path_module, "root": ".", "cwd": self.loader.cwd}
        elif name == "terraform":
            found = {"workspace": "default"}
        elif name == "self":
            return Unknown("self is not supported")
        else:
            found = Namespace(name, lambda label: self.resource_value("managed", name, label))
        self._roots[name] = found
        return found

    def variable(self, name: str) -> Any:
        return self._lazy(("var", f"var.{name}"), lambda: self._variable(name))

    def _variable(self, name: str) -> Any:
        declaration = self.module.variables.get(name)
        if self.call is None and name in self.loader.root_values:
            value = self.loader.root_values[name]
        elif declaration is None:
            raise EvalError(f'reference to undeclared input variable "{name}"')
        elif self.call is not None and name in self.call.block["attrs"]:
            value = evaluate_value(self.call.block["attrs"][name][0], self.parent_scope)
        elif "default" in declaration["attrs"]:
            value = evaluate_value(declaration["attrs"]["default"][0], CONSTANT)
        else:
            return Unknown(f"variable var.{name} has no value")
        if value is None and declaration is not None and _not_nullable(declaration):
            value = evaluate_value(declaration["attrs"]["default"][0], CONSTANT)
        if declaration is not None and "type" in declaration["attrs"]:
            try:
                value = convert(value, declaration["attrs"]["type"][0])
            except EvalError as exc:
                return Unknown(f"invalid value for variable var.{name}: {exc}")
        if declaration is not None and _sensitive(declaration):
            TAINT.mark(value, runner=True)
        return value

    def local(self, name: str) -> Any:
        return self._lazy(("local", f"local.{name}"), lambda: self._local(name))

    def _local(self, name: str) -> Any:
        if name not in self.module.locals:
            raise EvalError(f'reference to undeclared local value "{name}"')
        return evaluate_value(self.module.locals[name][0], self.scope)

    def output(self, name: str) -> Any:
        return self._lazy(("output", f"output.{name}"), lambda: self._output(name))

    def _output(self, name: str) -> Any:
        declaration = self.module.outputs.get(name)
        if declaration is None:
            raise EvalError(f'module {self.address} has no output "{name}"')
        if "value" not in declaration["attrs"]:
            return None
        return evaluate_value(declaration["attrs"]["value"][0], self.scope)

    # -- resources ---------------------------------------------------------

    def resource_value(self, mode: str, kind: str, name: str) -> Any:
        """The value of `type.name`: an instance, a list (count) or a map (for_each)."""
        entry = self.module.entries.get((mode, kind, name))
        if entry is None:
            prefix = "data." if mode == "data" else ""
            raise EvalError(f"reference to undeclared resource {prefix}{kind}.{name}")
        expansion = self.expansion(entry)
        if expansion.error is not None:
            return Unknown(expansion.error)
        if expansion.unknown is not None:
            return expansion.unknown
        objects = [self.resource_object(entry, key, expansion) for key in expansion.keys]
        if expansion.kind == "single":
            return objects[0]
        if expansion.kind == "count":
            return objects
        return dict(zip(expansion.keys, objects))

    def expansion(self, target: Entry | Call) -> Expansion:
        label = f"module.{target.name}" if isinstance(target, Call) else target.address
        return self._lazy(
            ("expand", f"{label} count/for_each", id(target)),
            lambda: self._expand(target.block),
            lambda unknown: Expansion("count" if "count" in target.block["attrs"] else "for_each", unknown=unknown),
        )

    def _expand(self, block: dict) -> Expansion:
        attrs = block["attrs"]
        if "count" in attrs and "for_each" in attrs:
            return Expansion("count", error='"count" and "for_each" cannot both be set')
        if "count" in attrs:
            return self._count(evaluate_value(attrs["count"][0], self.scope))
        if "for_each" in attrs:
            return self._for_each(evaluate_value(attrs["for_each"][0], self.scope))
        return Expansion("single", [None])

    @staticmethod
    def _count(value: Any) -> Expansion:
        if isinstance(value, Unknown):
            return Expansion("count", unknown=derived(value))
        try:
            number = to_number(value) if value is not None else None
        except EvalError:
            number = None
        if number is None or isinstance(number, float) or number < 0:
            shown = a_type(value) if number is None else number
            return Expansion("count", error=f"count must be a non-negative whole number, got {shown}")
        if number > INSTANCE_LIMIT:
            return Expansion("count", error=f"count of {number} exceeds the limit of {INSTANCE_LIMIT}")
        return Expansion("count", list(range(number)))

    @staticmethod
    def _for_each(value: Any) -> Expansion:
        if isinstance(value, Unknown):
            return Expansion("for_each", unknown=derived(value))
        if isinstance(value, dict) or isinstance(value, Lazy):
            keys = sorted(value)
            each = {key: value[key] for key in keys}
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Unknown):
                    return Expansion("for_each", unknown=derived(item))
            if not all(isinstance(item, str) for item in value):
                return Expansion("for_each", error="for_each set must contain only strings")
            keys = sorted(set(value))
            each = {key: key for key in keys}
        else:
            return Expansion("for_each", error=f"for_each must be a map or a set of strings, got {a_type(value)}")
        if len(keys) > INSTANCE_LIMIT:
            return Expansion("for_each", error=f"for_each of {len(keys)} elements exceeds the limit of {INSTANCE_LIMIT}")
        return Expansion("for_each", keys, each)

    def resource_object(self, entry: Entry, key: Any, expansion: Expansion) -> "ResourceObject":
        found = self._objects.get((id(entry), key))
        if found is None:
            prefix = f"{self.address}." if self.address else ""
            address = prefix + entry.address + instance_suffix(key)
            found = ResourceObject(entry, address, self.scope.child(expansion.names(key)))
            self._objects[(id(entry), key)] = found
        return found

    # -- child modules -----------------------------------------------------

    def module_value(self, name: str) -> Any:
        """`module.name`: the outputs of one instance, a list (count) or a map (for_each)."""
        if name not in self.module.calls:
            raise EvalError(f'reference to undeclared module "{name}"')
        children = self.children(self.module.calls[name])
        if children.unknown is not None:
            return children.unknown
        outputs = [ModuleOutputs(child) for _, child in children.instances]
        if children.kind == "single":
            return outputs[0]
        if children.kind == "count":
            return outputs
        return {key: value for (key, _), value in zip(children.instances, outputs)}

    def children(self, call: Call) -> Children:
        return self._lazy(("children", f"module.{call.name}"), lambda: self._children(call),
                          lambda unknown: Children(unknown=unknown))

    def _children(self, call: Call) -> Children:
        block = call.block
        where = (call.file, block["line"])
        own = f"{self.address}.module.{call.name}" if self.address else f"module.{call.name}"
        source = evaluate_value(block["attrs"]["source"][0], CONSTANT) if "source" in block["attrs"] else None
        if not isinstance(source, str):
            reason = "module source must be a literal string"
            return Children(unknown=Unknown(reason), error=LoadError(*where, reason))
        key_path = f"{self.key_path}.{call.name}" if self.key_path else call.name
        directory, reason = self.loader.module_dir(self.module.dir, source, key_path)
        if directory is None:
            return Children(unknown=Unknown(reason), note=("source", reason))
        if not self.loader.reads.isdir(directory):
            reason = f"module directory {directory} does not exist"
            return Children(unknown=Unknown(reason), error=LoadError(*where, reason))
        if self.loader.reads.realpath(directory) in self.chain:
            reason = f"module {call.name} includes itself (source {source!r})"
            return Children(unknown=Unknown(reason), error=LoadError(*where, reason))
        if len(self.chain) > MAX_MODULE_DEPTH:
            reason = f"modules are nested more than {MAX_MODULE_DEPTH} deep"
            return Children(unknown=Unknown(reason), error=LoadError(*where, reason))
        expansion = self.expansion(call)
        if expansion.error is not None:
            return Children(unknown=Unknown(expansion.error), error=LoadError(*where, expansion.error))
        if expansion.unknown is not None:
            attribute = "count" if "count" in block["attrs"] else "for_each"
            return Children(unknown=expansion.unknown, note=(attribute, expansion.unknown.reason))
        module = self.loader.module(directory)
        site = Span(call.file, block["line"], block["end_line"])
        instances = []
        for key in expansion.keys:
            child = ModuleInstance(
                self.loader, module, own + instance_suffix(key), key_path, self.call_sites + (site,),
                call, self.scope.child(expansion.names(key)), self.chain,
            )
            instances.append((key, child))
        return Children(expansion.kind, instances)

    # -- files -------------------------------------------------------------

    def _resolve_path(self, path: str) -> str:
        """The file a file() path names, when it may be read (inputs.py): an
        error of the run otherwise, at the block that asked for it."""
        full = path if os.path.isabs(path) else os.path.join(self.loader.root_dir, path)
        why = outside(self.loader.reads.realpath(full), self.loader.run_root)
        if why is not None:
            self.loader.refuse(full, why)
            raise _Outside(f"file {path!r} {why}")
        return full

    def read_bytes(self, path: str) -> Any:
        """The bytes of the file a file function names, or Unknown (refused, too large, or under ``~``)."""
        if path.startswith("~"):
            return Unknown(f"file {path!r} is under the home directory of whoever runs terraform")
        try:
            full = self._resolve_path(path)
        except _Outside as exc:
            return Unknown(str(exc))
        try:
            if self.loader.reads.size(full) > FILE_READ_LIMIT:
                return Unknown(f"file {path!r} is too large to read")
            return self.loader.reads.read(full)
        except FileNotFoundError:
            from vpclint.load.hcl.functions.special import GUARDED

            if not GUARDED.depth:  # under try() or can(), a factory's optional file: no error of the run
                self.loader.refuse(full, "does not exist")
            raise EvalError(f"no file exists at {path!r}") from None
        except OSError as exc:
            self.loader.refuse(full, f"cannot be read: {exc.strerror or exc}")
            raise EvalError(f"cannot read {path!r}: {exc.strerror or exc}") from None

    def read_file(self, path: str) -> Any:
        data = self.read_bytes(path)
        if isinstance(data, Unknown):
            return data
        try:
            content = data.decode("utf-8")
        except UnicodeDecodeError:
            raise EvalError(f"cannot read {path!r}: not UTF-8 text") from None
        return self.mark_content(path, data, content)

    def mark_content(self, path: str, data: bytes, value: Any) -> Any:
        """``value``, made from the bytes of the file ``path``, marked as a repository file's content
        unless git's index holds exactly those bytes for it.

        A file may hold what the runner keeps (a credentials file a CI step wrote into the checkout):
        never quoted, but for the addresses in it (taint.py). What the repository committed is seen by
        whoever sees the pull request: a subnet name read from a committed YAML factory stays readable."""
        real = self.loader.reads.realpath(os.path.join(self.loader.root_dir, path))
        if committed(self.loader.run_root, real, data):
            return value
        return TAINT.mark(value, soft=True)

    def file_exists(self, path: str) -> Any:
        if path.startswith("~"):
            return Unknown(f"file {path!r} is under the home directory of whoever runs terraform")
        try:
            return self.loader.reads.isfile(self._resolve_path(path))
        except _Outside as exc:
            return Unknown(str(exc))

    def list_files(self, path: str, pattern: str) -> Any:
        """fileset(path, pattern): the names, or Unknown where vpclint does not list them (fileset.py)."""
        from vpclint.load.hcl import fileset

        base = path if os.path.isabs(path) else os.path.join(self.loader.root_dir, path)
        try:
            return fileset.glob(self.loader.reads, base, pattern, self.loader.run_root)
        except fileset.BadPattern as exc:
            raise EvalError(str(exc)) from None
        except fileset.Refused as exc:
            if exc.error:
                self.loader.refuse(exc.path, exc.why, "fileset() target")
            return Unknown(f"fileset(): {exc}")
        except fileset.Unlisted as exc:
            return Unknown(f"fileset(): {exc}")

    # -- output ------------------------------------------------------------

    def emit(self, result: list, errors: list, notes: list) -> None:
        """Append this instance's resources (and its children's) in file order."""
        for item in self.module.items:
            self.loader.where = (item.file, item.block["line"])
            try:
                if isinstance(item, Entry):
                    self._emit_entry(item, result, errors, notes)
                else:
                    self._emit_call(item, result, errors, notes)
            except LimitError as exc:
                if not getattr(exc, "reported", False):  # the innermost block reports it
                    label = item.address if isinstance(item, Entry) else f"module.{item.name}"
                    prefix = f"{self.address}." if self.address else ""
                    errors.append(LoadError(item.file, item.block["line"], f"{prefix}{label}: {exc}"))
                    exc.reported = True
                if isinstance(exc, BudgetExhausted):
                    raise  # the whole load stops

    def _emit_entry(self, entry: Entry, result: list, errors: list, notes: list) -> None:
        block = entry.block
        expansion = self.expansion(entry)
        prefix = f"{self.address}." if self.address else ""
        if expansion.error is not None:
            errors.append(LoadError(entry.file, block["line"], f"{prefix}{entry.address}: {expansion.error}"))
            return
        if expansion.unknown is not None:
            notes.append(UnknownNote(prefix + entry.address, expansion.kind, expansion.unknown.reason))
            return
        self.loader.instances += len(expansion.keys)
        if self.loader.instances > TOTAL_INSTANCE_LIMIT:
            raise BudgetExhausted(f"the configuration expands to more than {TOTAL_INSTANCE_LIMIT:,} resource "
                                  "instances, which vpclint does not evaluate")
        for key in expansion.keys:
            instance = self.resource_object(entry, key, expansion)
            result.append(Resource(
                address=instance.address,
                type=entry.type,
                name=entry.name,
                values=instance.materialize(),
                mode=entry.mode,
                module=self.address,
                index=key,
                file=entry.file,
                line=block["line"],
                end_line=block["end_line"],
                call_sites=self.call_sites,
            ))

    def _emit_call(self, call: Call, result: list, errors: list, notes: list) -> None:
        children = self.children(call)
        if children.error is not None:
            errors.append(children.error)
        if children.note is not None:
            own = f"{self.address}.module.{call.name}" if self.address else f"module.{call.name}"
            notes.append(UnknownNote(own, children.note[0], children.note[1]))
        for _, child in children.instances:
            child.emit(result, errors, notes)


def _sensitive(declaration: dict) -> bool:
    """`sensitive = true` (written literally, as Terraform requires)."""
    sensitive = declaration["attrs"].get("sensitive")
    return sensitive is not None and sensitive[0] == ["lit", True]


def _not_nullable(declaration: dict) -> bool:
    """`nullable = false` with a default: a null input means the default."""
    nullable = declaration["attrs"].get("nullable")
    return nullable is not None and nullable[0] == ["lit", False] and "default" in declaration["attrs"]


class _Outside(Exception):
    """A file() path that leaves the root module."""


class ResourceObject(Lazy):
    """One resource instance; a configured attribute is evaluated when read,
    any other attribute is a ``Ref`` to it."""

    def __init__(self, entry: Entry, address: str, scope: Scope):
        self.entry = entry
        self.address = address
        self.scope = scope
        self._values: dict = {}
        self._active: set = set()

    def __repr__(self) -> str:
        return self.address

    def names(self) -> list:
        return self.entry.names

    def first_unknown(self) -> Unknown:
        if self.entry.mode == "data":
            return Unknown(f"{self.address} {self._read_when()}")
        return Unknown(f"{self.address} has attributes known only after apply")

    def _read_when(self) -> str:
        """When Terraform reads this data source: during plan when its
        arguments are known (a plan holds what it read), else during apply."""
        if "depends_on" in self.entry.block["attrs"]:
            return "is read during apply when what it depends_on changes"
        if any(find_unknown(self._value(name)) is not None for name in self.entry.names if name not in self._active):
            return "is read during apply: its arguments are known only after apply"
        if self.entry.type == "terraform_remote_state":  # another stack's outputs: that stack's state holds them
            return "is read at plan time from another stack's state: give that state with --with (config with:)"
        return "is read at plan time: state it under data: in .vpclint.yaml, or lint a plan"

    def _stated(self) -> dict | None:
        """The attributes the config's ``data:`` states for this data source
        (by its instance address, or its address without instance keys)."""
        stated = getattr(self.scope.ctx.loader.options, "data", None) if self.scope.ctx is not None else None
        if not stated or self.entry.mode != "data":
            return None
        for key in (self.address, instance_base(self.address)):
            if key in stated:
                return stated[key]
        return None

    def get_attr(self, name: str) -> Any:
        """The attribute as another expression reads it: a configured value
        that is unknown still names this resource (a ``Ref``), so resources
        linked through it — by name as well as by id — stay linked."""
        value = self._value(name)
        if isinstance(value, Unknown) and not isinstance(value, Ref):
            return Ref(value.reason, address=self.address, attr=name)
        if isinstance(value, list) and name in self.entry.groups:
            for index, block in enumerate(value):
                if isinstance(block, BlockDict) and block.origin is None:
                    block.origin = (self.address, f"{name}[{index}]")
        return value

    def _value(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        if name in self.entry.attrs:
            compute = lambda: evaluate_value(self.entry.attrs[name][0], self.scope)  # noqa: E731
        elif name in self.entry.groups:
            compute = lambda: group_values(self.entry.groups[name], self.scope)  # noqa: E731
        elif self.entry.mode == "data":
            stated = self._stated()
            if stated is not None and name in stated:
                return TAINT.mark(stated[name], soft=True)  # the config is repository content (taint.py)
            return Ref(f"{self.address}.{name} {self._read_when()}", address=self.address, attr=name)
        else:
            return Ref(f"{self.address}.{name} is known only after apply", address=self.address, attr=name)
        if name in self._active:
            return Unknown(f"{self.address}.{name} depends on itself")
        self._active.add(name)
        try:
            value = compute()
        finally:
            self._active.discard(name)
        self._values[name] = value
        return value

    def materialize(self) -> dict:
        values = {name: to_plain(self._value(name)) for name in self.names()}
        for name in self._stated() or {}:  # a data source's attributes the config states
            values.setdefault(name, to_plain(self._value(name)))
        return values


class ModuleOutputs(Lazy):
    """`module.x` for one instance: its outputs, each evaluated when read."""

    def __init__(self, instance: ModuleInstance):
        self.instance = instance

    def __repr__(self) -> str:
        return self.instance.address

    def names(self) -> list:
        return list(self.instance.module.outputs)

    def get_attr(self, name: str) -> Any:
        return self.instance.output(name)
