"""The parse cache, and one run's parses done once each and in parallel.

On disk (``--cache-dir``): the plain form of a file (parse.py) as JSON,
named by a SHA-256 of the file's bytes salted with everything the plain form
depends on: the vpclint, tree-sitter, tree-sitter-hcl, python-hcl2 and lark
versions (which parser reads a file depends on them all), the plain-form
SCHEMA and the source of the converters (parse.py, treesitter.py,
hcl2tree.py, jsonsyntax.py) themselves. A
changed file, an upgrade or an edited converter therefore looks up another
entry: nothing stale is ever served. An entry holds its own key and is written to a temporary file
then renamed, so runs sharing the directory never read half an entry or
one stored under another name; one that cannot be read is a miss. Entries
are signed with the user's cache key and named by an HMAC of their key
(trust.py): an entry this user's vpclint did not write is never served.

In memory (``Session``): while a lint run lasts, each distinct file content
is parsed at most once, whichever modules use it, with or without the disk
cache; ``prefetch`` starts parsing the files of every input and of the local
modules they call in worker processes up front, while the run goes on
evaluating the inputs whose files are ready.

This module does not import tree-sitter, python-hcl2 or lark: a run that
every file's cache entry serves never loads a parser.
"""

from __future__ import annotations

import contextlib
import hashlib
import glob
import importlib.util
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Iterable, Iterator

import vpclint
from vpclint.inputs import read_regular
from vpclint import load as _load  # its limits are read when used: tests and embedders may change them
from vpclint.load.hcl import trust

# bump when the plain form changes (parse.py's own source is in the salt too)
SCHEMA = 1
# what the MAC of a parse entry says it is (trust.py): never taken for a result entry
KIND = b"hcl"

# parse in worker processes only when there is enough work to pay for them
POOL_MIN_FILES = 2
POOL_MIN_BYTES = 64 * 1024
# a worker's job: consecutive files up to this size (fewer round trips for many small files)
BATCH_BYTES = 32 * 1024
BATCH_FILES = 32

# the modules whose source makes the plain form
CONVERTERS = ("vpclint.load.hcl.parse", "vpclint.load.hcl.treesitter", "vpclint.load.hcl.hcl2tree",
              "vpclint.load.hcl.jsonsyntax")
# the parsers' distributions, as (importable module, distribution name)
PARSERS = (("tree_sitter", "tree_sitter"), ("tree_sitter_hcl", "tree_sitter_hcl"), ("hcl2", "python_hcl2"),
           ("lark", "lark"))

_SALT: bytes | None = None


def _salt() -> bytes:
    """What the plain form depends on besides the file (computed once)."""
    global _SALT
    if _SALT is None:
        converter = hashlib.sha256()
        for module in CONVERTERS:
            spec = importlib.util.find_spec(module)
            try:
                with open(spec.origin, "rb") as handle:  # type: ignore[union-attr]
                    converter.update(handle.read())
            except (OSError, AttributeError, TypeError):
                converter.update(b"?")
        _SALT = (f"vpclint={vpclint.__version__};{parser_versions()};schema={SCHEMA};"
                 f"converter={converter.hexdigest()[:16]}").encode()
    return _SALT


def parser_versions() -> str:
    """The installed parsers (PARSERS), read off their ``.dist-info``
    directories (importlib.metadata costs more to import than a warm run
    spends on some modules)."""
    found = []
    for module, distribution in PARSERS:
        version = "?"
        spec = importlib.util.find_spec(module)  # finds the package without importing it
        for location in (spec.submodule_search_locations or []) if spec else []:
            infos = glob.glob(os.path.join(glob.escape(os.path.dirname(location)), f"{distribution}-*.dist-info"))
            if len(infos) == 1:
                version = os.path.basename(infos[0])[len(distribution) + 1: -len(".dist-info")]
        found.append(f"{distribution}={version}")
    return ";".join(found)


def cache_key(data: bytes) -> str:
    digest = hashlib.sha256(_salt())
    digest.update(b"\0")
    digest.update(data)
    return digest.hexdigest()


def cache_read(cache_dir: str | None, key: str) -> dict | None:
    """The plain form for ``key``: this run's, else the disk cache's, else None."""
    session = _active
    if session is not None:
        plain = session.get(key)
        if plain is not None:
            return plain
    if not cache_dir:
        return None
    plain = _read_entry(cache_dir, key)
    if plain is not None and session is not None:
        session.remember(key, plain)
    return plain


def cache_loaded(key: str) -> Any:
    """A root module's load result this run has already found in the result
    cache (``Session.loaded``), handed over once."""
    return _active.loaded.pop(key, None) if _active is not None else None


def cache_write(cache_dir: str | None, key: str, plain: dict) -> None:
    """Keep ``plain`` for this run and store it on disk (when there is a cache directory)."""
    if _active is not None:
        _active.remember(key, plain)
    if cache_dir:
        _write_entry(cache_dir, key, plain)


def _read_entry(cache_dir: str, key: str) -> dict | None:
    """The entry stored for ``key``, or None if absent, unreadable, not signed
    with this user's key (trust.py) or not its own: never more than a miss."""
    body = trust.load(cache_dir, KIND, key)
    if body is None:
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or value.get("v") != SCHEMA or value.get("key") != key:
        return None
    if not isinstance(value.get("blocks"), list) or not isinstance(value.get("errors"), list):
        return None
    return value


def _write_entry(cache_dir: str, key: str, plain: dict) -> None:
    """Store signed (trust.store); a disk that refuses it only costs time."""
    try:
        trust.store(cache_dir, KIND, key, json.dumps(dict(plain, key=key), separators=(",", ":")).encode())
    except (OSError, ValueError, RecursionError):
        pass  # a cache that cannot be written only costs time


def _cache_path(cache_dir: str, key: str, secret: bytes) -> str:
    return trust.entry_path(cache_dir, secret, KIND, key)


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------

_active: "Session | None" = None

# a module block's local source ("./net", "../.."): its directory is parsed too
_LOCAL_SOURCE = re.compile(rb'^[ \t]*source[ \t]*=[ \t]*"(\.\.?(?:/[^"\n]*)?)"', re.M)


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Session:
    """One run's plain forms by key; those being parsed are futures."""

    def __init__(self, cache_dir: str | None, workers: int | None = None):
        self.cache_dir = cache_dir
        self.workers = available_cpus() if workers is None else max(1, workers)
        self._plains: dict[str, Any] = {}  # key -> plain dict, or (Future of a batch, position)
        self._seen: set[str] = set()  # directories and files prefetched
        self._pool: ProcessPoolExecutor | None = None
        # root modules whose whole load the result cache serves (results.py), by entry key
        self.loaded: dict[str, Any] = {}

    # -- lookups -----------------------------------------------------------

    def get(self, key: str) -> dict | None:
        found = self._plains.get(key)
        if isinstance(found, tuple):  # (batch being parsed, position in it)
            future, position = found
            try:
                found = future.result()[position]
            except Exception:  # a worker died (killed, out of memory): the loader parses it itself
                del self._plains[key]
                return None
            self._plains[key] = found
        return found

    def remember(self, key: str, plain: dict) -> None:
        self._plains[key] = plain

    # -- prefetching -------------------------------------------------------

    def prefetch(self, directories: Iterable[str] = (), files: Iterable[str] = ()) -> None:
        """Start parsing, in worker processes, every .tf and .tfvars file of
        ``directories``, the ``files`` given, and the files of the local
        modules they call, that neither this run nor the cache holds yet.

        Each input's files are queued with those of the modules it calls
        right after them, in the order the inputs are linted, so that the
        first inputs can be evaluated while the workers parse the next ones.
        """
        pending = [(os.path.normpath(d), None) for d in directories]
        pending += [(os.path.normpath(os.path.dirname(f) or "."), os.path.normpath(f)) for f in files]
        pending.reverse()  # a stack: an input, then what it calls, then the next input
        jobs: dict[str, bytes] = {}
        while pending:
            directory, only = pending.pop()
            calls: list[tuple[str, None]] = []
            for path in ([only] if only else self._module_files(directory)):
                if path in self._seen:
                    continue
                self._seen.add(path)
                data = self._read(path)
                if data is None:
                    continue
                for source in _LOCAL_SOURCE.findall(data):
                    child = os.path.normpath(os.path.join(directory, source.decode("utf-8", "replace")))
                    if child not in self._seen:
                        calls.append((child, None))
                key = cache_key(data)
                if key in self._plains or key in jobs:
                    continue
                if not self._on_disk(key):
                    jobs[key] = data  # a cached one is read when the loader asks for it
            if only is None:
                self._seen.add(directory)
            pending.extend(reversed(calls))
        self._submit(list(jobs.items()))

    def _on_disk(self, key: str) -> bool:
        secret = trust.signer(self.cache_dir) if self.cache_dir else None
        return secret is not None and os.path.exists(_cache_path(self.cache_dir, key, secret))

    def _module_files(self, directory: str) -> list[str]:
        if directory in self._seen:
            return []
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            return []
        wanted = [n for n in names if n.endswith(".tf")]  # variables files: never in the parse cache (values)
        return [p for p in (os.path.join(directory, n) for n in wanted) if os.path.isfile(p)]

    def _read(self, path: str) -> bytes | None:
        try:
            if os.path.getsize(path) > _load.MAX_FILE_BYTES:
                return None  # the loader reports it
            return read_regular(path, _load.MAX_FILE_BYTES)
        except OSError:
            return None

    def _submit(self, jobs: list[tuple[str, bytes]]) -> None:
        """Parse ``jobs`` in worker processes when they are worth it; else the loader parses them on demand."""
        size = sum(len(data) for _, data in jobs)
        if self.workers < 2 or len(jobs) < POOL_MIN_FILES or size < POOL_MIN_BYTES:
            return
        pool = self._start_pool(len(jobs))
        if pool is None:
            return
        for batch in _batches(jobs):
            try:
                future = pool.submit(_parse_job, [data for _, data in batch], [key for key, _ in batch],
                                     self.cache_dir)
            except Exception:  # the pool broke: the loader parses the rest itself
                break
            for position, (key, _) in enumerate(batch):
                self._plains[key] = (future, position)

    def _start_pool(self, jobs: int) -> ProcessPoolExecutor | None:
        """Worker processes forked from this one, which has built the parser
        once for all of them. Where processes cannot be forked (Windows),
        none: a spawned worker would start a whole interpreter and re-run the
        entry point (``python -m vpclint`` has no main guard), for less than
        it saves on most runs."""
        if self._pool is None:
            if "fork" not in multiprocessing.get_all_start_methods():
                return None
            try:
                _load_parser()
                context = multiprocessing.get_context("fork")
                self._pool = ProcessPoolExecutor(max_workers=min(self.workers, jobs), mp_context=context)
            except (OSError, ValueError, NotImplementedError):  # no processes here: parse in this one
                return None
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _batches(jobs: list[tuple[str, bytes]]) -> Iterator[list[tuple[str, bytes]]]:
    """Consecutive jobs, grouped up to BATCH_BYTES or BATCH_FILES (a larger file alone)."""
    batch: list[tuple[str, bytes]] = []
    size = 0
    for job in jobs:
        if batch and (size + len(job[1]) > BATCH_BYTES or len(batch) >= BATCH_FILES):
            yield batch
            batch, size = [], 0
        batch.append(job)
        size += len(job[1])
    if batch:
        yield batch


def _load_parser() -> None:
    """Import the parser and build it in this process (before workers fork)."""
    from vpclint.load.hcl.parse import parse_bytes

    parse_bytes(b"x = 1\n")


def _parse_job(contents: list[bytes], keys: list[str], cache_dir: str | None) -> list[dict]:
    """In a worker: parse files and store them in the disk cache."""
    from vpclint.load.hcl.parse import parse_bytes

    plains = []
    for data, key in zip(contents, keys):
        plain = parse_bytes(data)
        if cache_dir:
            _write_entry(cache_dir, key, plain)
        plains.append(plain)
    return plains


@contextlib.contextmanager
def session(cache_dir: str | None, workers: int | None = None) -> Iterator[Session]:
    """``with session(cache_dir) as run:`` makes ``run`` this process's run
    session (cache_read and cache_write use it) until the block ends."""
    global _active
    run, previous = Session(cache_dir, workers), _active
    _active = run
    try:
        yield run
    finally:
        _active = previous
        run.close()


def worker_limit() -> int | None:
    """How many processes the current run may parse in (``--jobs``), if a run is on."""
    return _active.workers if _active is not None else None
