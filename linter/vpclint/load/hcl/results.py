"""The result cache: a root module's whole load, kept until one of its inputs changes.

A warm run spends its time evaluating, not parsing: every module is
evaluated again although nothing it reads has changed. This cache keeps a
module's ``LoadResult`` (resources, errors, unknowns, comments) under a key
made of everything the load is *given*: the module path, the working
directory, ``--var``/``--var-file``/``TF_VAR_*``, the limits and the source
of vpclint itself. Everything the load *finds* on disk (directory listings,
file contents, which files exist, where links lead) is recorded while it
runs (``Reads``) and stored with the result; an entry is served only when
every recorded observation still holds, so an edited ``.tf`` file, a new
``*.auto.tfvars``, a module's changed source or a file read by ``file()``
all cause a fresh load. Nothing stale is ever served.

Entries are JSON (never pickle: a cache directory must not be able to run
code), written atomically next to the parse cache's, signed with the user's
cache key and served only when the signature holds (trust.py): a ``reads``
list is a promise that nothing changed, so only vpclint's own is believed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import Any

import vpclint
from vpclint.inputs import read_regular
from vpclint.load.hcl import trust
from vpclint.load.hcl.cache import parser_versions
from vpclint.resources import LoadError, LoadResult, Resource, Span, UnknownNote
from vpclint.values import Joined, Members, Ref, Unknown

# bump when the entry format changes
SCHEMA = 5  # 4: Joined and Members values; 5: soft_secrets kept apart
# what the MAC of a result entry says it is (trust.py): never taken for a parse entry
KIND = b"loads"

# tags for what JSON has no form of; a user map with a key that starts with
# NUL is wrapped so that it can never be read back as a tag
_UNKNOWN, _REF, _MAP = "\0u", "\0r", "\0m"
_JOINED, _MEMBERS = "\0j", "\0s"


class Uncacheable(Exception):
    """A result holding something the entry format cannot store exactly."""


# ---------------------------------------------------------------------------
# what a load finds on disk
# ---------------------------------------------------------------------------


def _listdir(path: str) -> tuple[Any, Any]:
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return None, None
    return names, names


def _isfile(path: str) -> tuple[Any, Any]:
    found = os.path.isfile(path)
    return found, found


def _isdir(path: str) -> tuple[Any, Any]:
    found = os.path.isdir(path)
    return found, found


def _realpath(path: str) -> tuple[Any, Any]:
    real = os.path.realpath(path)
    return real, real


def _size(path: str) -> tuple[Any, Any]:
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return exc, f"!{exc.strerror or exc}"
    return size, size


def _read(path: str) -> tuple[Any, Any]:
    from vpclint.load import MAX_FILE_BYTES

    try:
        data = read_regular(path, MAX_FILE_BYTES)  # never a FIFO or a device, never without bound
    except OSError as exc:
        return exc, f"!{exc.strerror or exc}"
    return data, hashlib.sha256(data).hexdigest()


_OBSERVE = {"listdir": _listdir, "isfile": _isfile, "isdir": _isdir, "realpath": _realpath, "size": _size,
            "read": _read}


class Reads:
    """The file-system facts one load asked for, each with what it saw.

    Every access of the HCL loader to the disk goes through one of these
    methods; they behave like their ``os`` namesakes (``size`` and ``read``
    raise ``OSError``) and record what they saw for ``still_hold``.
    """

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], Any] = {}

    def _ask(self, op: str, path: str) -> Any:
        value, outcome = _OBSERVE[op](path)
        self.seen.setdefault((op, path), outcome)
        if isinstance(value, OSError):
            raise value
        return value

    def listdir(self, path: str) -> list[str] | None:
        """Sorted names in ``path``, or None when it cannot be listed."""
        return self._ask("listdir", path)

    def isfile(self, path: str) -> bool:
        return self._ask("isfile", path)

    def isdir(self, path: str) -> bool:
        return self._ask("isdir", path)

    def realpath(self, path: str) -> str:
        return self._ask("realpath", path)

    def size(self, path: str) -> int:
        return self._ask("size", path)

    def read(self, path: str) -> bytes:
        return self._ask("read", path)

    def log(self) -> list[list[Any]]:
        return [[op, path, outcome] for (op, path), outcome in self.seen.items()]


def still_hold(log: Any) -> bool:
    """Whether every observation in ``log`` (``Reads.log``) would be made again now."""
    if not isinstance(log, list):
        return False
    for item in log:
        if not (isinstance(item, list) and len(item) == 3 and item[0] in _OBSERVE and isinstance(item[1], str)):
            return False
        op, path, outcome = item
        if _OBSERVE[op](path)[1] != outcome:
            return False
    return True


# ---------------------------------------------------------------------------
# the key: everything a load is given
# ---------------------------------------------------------------------------

_SOURCE: str | None = None


def _source_digest() -> str:
    """vpclint's own source and the parser version: an upgrade or an edit is another key."""
    global _SOURCE
    if _SOURCE is None:
        digest = hashlib.sha256()
        root = os.path.dirname(os.path.abspath(vpclint.__file__))
        for directory, subdirectories, names in os.walk(root):
            subdirectories.sort()
            for name in sorted(names):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    digest.update(os.path.relpath(path, root).encode())
                    try:
                        with open(path, "rb") as handle:
                            digest.update(hashlib.sha256(handle.read()).digest())
                    except OSError:
                        digest.update(b"?")
        digest.update(f"{vpclint.__version__};{parser_versions()};{sys.version_info[:2]}".encode())
        _SOURCE = digest.hexdigest()
    return _SOURCE


_LIMIT_NAMES: list[tuple[Any, str]] = []


def _limits() -> list[list[Any]]:
    """The loader's size and work limits, read each time: tests and embedders may change them."""
    if not _LIMIT_NAMES:
        from vpclint import load
        from vpclint.load.hcl import evaluate, module

        _LIMIT_NAMES.extend((owner, name) for owner in (load, evaluate, module) for name, value in vars(owner).items()
                            if name.isupper() and isinstance(value, int) and not isinstance(value, bool))
    return [[owner.__name__, name, getattr(owner, name)] for owner, name in _LIMIT_NAMES]


def entry_key(root_dir: str, options: Any, files: list[str] | None) -> str:
    given = {
        "schema": SCHEMA,
        "source": _source_digest(),
        "limits": _limits(),
        "cwd": os.getcwd(),
        "root": root_dir,
        "files": files,
        "var_files": list(options.var_files),
        "vars": [list(pair) for pair in options.vars],
        "env": sorted([k, v] for k, v in options.env.items() if k.startswith("TF_VAR_") or k == "TF_DATA_DIR"),
        "data": getattr(options, "data", {}),
    }
    return hashlib.sha256(json.dumps(given, sort_keys=True, default=str).encode()).hexdigest()


# ---------------------------------------------------------------------------
# entries
# ---------------------------------------------------------------------------


def lookup(cache_dir: str, key: str) -> LoadResult | None:
    """The stored result for ``key`` when this user's vpclint wrote it
    (trust.py) and everything it read is unchanged, else None: whatever the
    file holds, never more than a miss."""
    body = trust.load(cache_dir, KIND, key)
    if body is None:
        return None
    try:
        entry = json.loads(body, object_hook=_tagged)
        if not (isinstance(entry, dict) and entry.get("v") == SCHEMA and entry.get("key") == key):
            return None
        if not still_hold(entry.get("reads")):
            return None
        return _decode(entry["result"])
    except Exception:  # signed, so ours: only a bug of an older writer could get here
        return None


def store(cache_dir: str, key: str, reads: Reads, result: LoadResult) -> None:
    """Keep ``result``, signed; a result that cannot be stored exactly, or a disk that refuses it, only costs time."""
    if trust.signer(cache_dir) is None:
        return  # the result is not even encoded for a directory that is not to be used
    try:
        # ASCII: a file name that is not UTF-8 (a lone surrogate) is kept as an escape, not refused by the disk
        text = json.dumps({"v": SCHEMA, "key": key, "reads": reads.log(), "result": _encode(result)},
                          separators=(",", ":"))
    except (Uncacheable, ValueError, TypeError, RecursionError):
        return
    try:
        trust.store(cache_dir, KIND, key, text.encode("ascii"))
    except (OSError, ValueError):
        pass


def _path(cache_dir: str, key: str, secret: bytes) -> str:
    return trust.entry_path(cache_dir, secret, KIND, key)


# -- the result as JSON ------------------------------------------------------


def _encode(result: LoadResult) -> dict:
    if result.manifests:
        raise Uncacheable("manifests")
    return {
        "resources": [[r.address, r.type, r.name, _value(r.values), r.mode, r.module, r.index, r.file, r.line,
                       r.end_line, [[s.file, s.line, s.end_line] for s in r.call_sites]]
                      for r in result.resources],
        "errors": [[e.file, e.line, e.message] for e in result.errors],
        "unknowns": [[u.resource, u.attribute, u.reason] for u in result.unknowns],
        "comments": {path: [[line, text] for line, text in items] for path, items in result.comments.items()},
        "files": list(result.files),
        "secrets": sorted(result.secrets),  # repository files' contents only: a runner's secret is never stored
        "soft_secrets": sorted(result.soft_secrets),
    }


def _value(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise Uncacheable(f"map key {key!r}")
            out[key] = _value(item)
        if any(key.startswith("\0") for key in out):  # pairs: a dict inside would meet the hook first
            return {_MAP: [[key, item] for key, item in out.items()]}
        return out
    if type(value) is Ref:
        return {_REF: [value.reason, value.address, value.attr]}
    if type(value) is Unknown:
        return {_UNKNOWN: value.reason}
    if type(value) is Joined:
        return {_JOINED: [value.reason, [_value(part) for part in value.parts], value.unordered]}
    if type(value) is Members:
        return {_MEMBERS: [value.reason, [_value(item) for item in value.items]]}
    raise Uncacheable(f"value of type {type(value).__name__}")


def _tagged(obj: dict) -> Any:
    if len(obj) == 1:
        key, value = next(iter(obj.items()))
        if key == _UNKNOWN:
            _expect(isinstance(value, str))
            return Unknown(value)
        if key == _REF:
            _expect(isinstance(value, list) and len(value) == 3 and all(isinstance(part, str) for part in value))
            return Ref(*value)
        if key == _MEMBERS:
            _expect(isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
                    and isinstance(value[1], list))
            return Members(value[0], items=tuple(value[1]))
        if key == _JOINED:
            _expect(isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
                    and isinstance(value[1], list) and len(value[1]) > 1 and isinstance(value[2], bool)
                    and all(isinstance(part, (str, Unknown)) for part in value[1]))
            return Joined(value[0], parts=tuple(value[1]), unordered=value[2])
        if key == _MAP:
            _expect(isinstance(value, list) and all(isinstance(pair, list) and len(pair) == 2
                                                    and isinstance(pair[0], str) for pair in value))
            return dict(value)
    return obj


def _decode(data: Any) -> LoadResult:
    """The LoadResult ``_encode`` made; ValueError for anything of another shape
    (values need no walk: JSON holds only value types, and the tags are checked
    as they are read)."""
    _expect(isinstance(data, dict))
    resources = []
    for item in _list(data["resources"]):
        _expect(isinstance(item, list) and len(item) == 11)
        address, type_, name, values, mode, module, index, file, line, end, sites = item
        _expect(_all(str, address, type_, name, mode, module) and isinstance(values, dict)
                and (index is None or isinstance(index, (int, str))) and _all((str, type(None)), file)
                and _all((int, type(None)), line, end))
        spans = []
        for site in _list(sites):
            _expect(isinstance(site, list) and len(site) == 3 and isinstance(site[0], str) and _all(int, *site[1:]))
            spans.append(Span(*site))
        resources.append(Resource(address=address, type=type_, name=name, values=values, mode=mode, module=module,
                                  index=index, file=file, line=line, end_line=end, call_sites=tuple(spans)))
    errors = []
    for item in _list(data["errors"]):
        _expect(isinstance(item, list) and len(item) == 3 and _all(str, item[0], item[2])
                and _all((int, type(None)), item[1]))
        errors.append(LoadError(*item))
    unknowns = []
    for item in _list(data["unknowns"]):
        _expect(isinstance(item, list) and len(item) == 3 and _all(str, *item))
        unknowns.append(UnknownNote(*item))
    _expect(isinstance(data["comments"], dict))
    comments = {}
    for path, items in data["comments"].items():  # a pair of another length raises ValueError here
        comments[path] = [(line, text) for line, text in _list(items) if type(line) is int and type(text) is str]
        _expect(len(comments[path]) == len(items))
    files = _list(data["files"])
    _expect(_all(str, *files))
    secrets, soft_secrets = _list(data["secrets"]), _list(data["soft_secrets"])
    _expect(_all(str, *secrets, *soft_secrets))
    return LoadResult(resources=resources, errors=errors, unknowns=unknowns, comments=comments, files=list(files),
                      secrets=set(secrets), soft_secrets=set(soft_secrets))


def _expect(condition: bool) -> None:
    if not condition:
        raise ValueError("not an entry this vpclint writes")


def _list(value: Any) -> list:
    _expect(isinstance(value, list))
    return value


def _all(kind: Any, *values: Any) -> bool:
    return all(isinstance(value, kind) for value in values)
