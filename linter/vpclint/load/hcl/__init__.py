"""Load a Terraform root module written in HCL into resource instances.

``load_module(path, options)`` reads every ``*.tf`` and ``*.tf.json`` file
of the directory (not recursively), turns each into a cached plain-data form
(parse.py, jsonsyntax.py), evaluates variables, locals, modules and
resources over that form (evaluate.py, functions.py, module.py) and returns a
``LoadResult``, which the result cache (results.py) keeps until something it
read changes. It never raises: unreadable input becomes a ``LoadError``,
values that cannot be known become ``Unknown``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable

from vpclint.load import CONFIG_SUFFIXES, MAX_FILE_BYTES, LoadOptions
from vpclint.load.hcl import functions as _functions  # noqa: F401  (registers the functions)
from vpclint.load.hcl.evaluate import LimitError, reset_budget
from vpclint.load.hcl.jsonsyntax import parse_json_bytes
from vpclint.load.hcl.module import Module, ModuleInstance
from vpclint.load.hcl import results
from vpclint.load.hcl.cache import cache_key, cache_loaded, cache_read, cache_write
from vpclint.load.hcl.results import Reads
from vpclint.load.hcl.variables import root_values
from vpclint.inputs import outside, run_root
from vpclint.resources import LoadError, LoadResult
from vpclint.taint import CURRENT as TAINT

__all__ = ["downloaded_modules", "load_module", "module_dir", "plain_forms"]

# prefixed to a .tf.json file's content in its cache key: the same bytes as a .tf file are another entry
JSON_SYNTAX = b"tf.json\0"

# parse in worker processes only when there is enough work to pay for them
PARALLEL_MIN_FILES = 8
PARALLEL_MIN_BYTES = 256 * 1024


def load_module(path: str, options: LoadOptions, files: list[str] | None = None) -> LoadResult:
    """Load the root module at `path` (all *.tf files, or only `files`): from
    the result cache when nothing it read has changed (results.py)."""
    key = None
    if options.cache_dir:
        key = results.entry_key(path, options, files)
        found = cache_loaded(key) or results.lookup(options.cache_dir, key)
        if found is not None:
            return found
    loader = Loader(path, options)
    loaded = _load(loader, files)
    if key is not None and not loader.failed and not loader.runner_secrets:  # never in the cache (taint.py)
        results.store(options.cache_dir, key, loader.reads, loaded)
    return loaded


def _load(loader: "Loader", files: list[str] | None) -> LoadResult:
    reset_budget()
    TAINT.clear()
    try:
        loaded = _run(loader, files)
    finally:
        secrets, soft, loader.runner_secrets = set(TAINT.values), set(TAINT.soft), TAINT.runner
        TAINT.clear()
    loaded.secrets, loaded.soft_secrets = secrets, soft
    return loaded


def _run(loader: "Loader", files: list[str] | None) -> LoadResult:
    try:
        return loader.run(files)
    except LimitError as exc:  # too large or too much work: an error, nothing of this module is linted
        if not getattr(exc, "reported", False):
            loader.errors.append(LoadError(loader.root_dir, None, str(exc)))
    except RecursionError:  # depends on the stack left, not only on the input: never cached
        loader.failed = True
        loader.errors.append(LoadError(loader.root_dir, None, "the configuration is nested too deeply to evaluate"))
    except Exception as exc:  # a loader bug must not end the whole run with a traceback
        loader.failed = True
        loader.errors.append(LoadError(loader.root_dir, None,
                                       f"internal error while loading: {type(exc).__name__}: {exc}"))
    return loader.partial()


class Loader:
    """State shared by all module instances of one load."""

    def __init__(self, root_dir: str, options: LoadOptions):
        self.root_dir = root_dir
        self.options = options
        self.cwd = os.getcwd()
        self.reads = Reads()  # what the result depends on, for the result cache
        self.failed = False  # an internal error: the result is not cached
        self.runner_secrets = False  # the result holds the runner's secrets (taint.py): not cached
        self.errors: list[LoadError] = []
        self.instances = 0  # resource instances emitted (module.TOTAL_INSTANCE_LIMIT)
        self.comments: dict[str, list[tuple[int, str]]] = {}
        self.files: list[str] = []
        self.modules: dict[str, Module] = {}
        self.root_values: dict = {}
        self._remote_dirs: dict[str, str] | None = None
        self._run_root: str | None = None
        self.where: tuple[str, int] | None = None  # the block being evaluated, for errors about what it reads

    def run(self, files: list[str] | None) -> LoadResult:
        if files is None:
            names = self._tf_files(self.root_dir)
            if names is None:
                self.errors.append(LoadError(self.root_dir, None, "cannot read the module directory"))
                return self.partial()
            sources = [os.path.join(self.root_dir, name) for name in names]
            stored = sources
        else:
            sources = list(files)
            stored = [os.path.join(self.root_dir, os.path.basename(name)) for name in files]
        root = self._build(self.root_dir, sources, stored)
        self.modules[os.path.normpath(self.root_dir)] = root
        types = {name: block["attrs"].get("type", [None])[0] for name, block in root.variables.items()}
        self.root_values = root_values(self.root_dir, self.options, types, self.read_plain, self.errors, self.files,
                                       self.reads, self.run_root)
        resources: list = []
        notes: list = []
        ModuleInstance(self, root).emit(resources, self.errors, notes)
        result = self.partial()
        result.resources = resources
        result.unknowns = list(dict.fromkeys(notes))
        return result

    def partial(self) -> LoadResult:
        return LoadResult(
            errors=list(dict.fromkeys(self.errors)),
            comments=self.comments,
            files=list(dict.fromkeys(self.files)),
        )

    @property
    def run_root(self) -> str:
        """The root of the run (inputs.run_root): what this load reads stays inside it."""
        if self._run_root is None:
            self._run_root = run_root(self.root_dir, lambda p: self.reads.isdir(p) or self.reads.isfile(p),
                                      self.reads.realpath)
        return self._run_root

    def refuse(self, path: str, why: str, what: str = "file() target") -> None:
        """A file() target (or fileset() match) that is not read: an error of the run, at the block that asked for it."""
        file, line = self.where or (path, None)
        self.errors.append(LoadError(file, line, f"{what} {os.path.normpath(path)} {why}"))

    # -- modules -----------------------------------------------------------

    def module(self, directory: str) -> Module:
        """The module in `directory`, parsed once per load."""
        key = os.path.normpath(directory)
        if key not in self.modules:
            names = self._tf_files(directory) or []
            paths = [os.path.join(directory, name) for name in names]
            self.modules[key] = self._build(directory, paths, paths)
        return self.modules[key]

    def module_dir(self, parent_dir: str, source: str, key_path: str) -> tuple[str | None, str | None]:
        """Where a module's files are, or None and why not."""
        directory = module_dir(self.root_dir, parent_dir, source, key_path, self._downloaded)
        return (directory, None) if directory else (None, f"remote module not downloaded: {source}")

    def _downloaded(self) -> dict[str, str]:
        if self._remote_dirs is None:
            self._remote_dirs = downloaded_modules(self.root_dir, self.reads.read, self.options.data_dir)
        return self._remote_dirs

    def _tf_files(self, directory: str) -> list[str] | None:
        names = self.reads.listdir(directory)
        if names is None:
            return None
        found = [name for name in names
                 if name.endswith(CONFIG_SUFFIXES) and self.reads.isfile(os.path.join(directory, name))]
        return [name for name in found if not self._linked_out(os.path.join(directory, name))]

    def _linked_out(self, path: str) -> bool:
        """Whether a configuration file in a directory inside the repository is a link out of it to a file
        that is no configuration (a committed ``x.tf -> ~/.aws/credentials`` would be parsed and quoted in
        errors): an error, not read. A link to a shared ``.tf`` file elsewhere, or a module directory that
        lies elsewhere (``source = "../../shared"``), is read as Terraform reads it."""
        root, real = self.run_root, self.reads.realpath(path)
        why = outside(real, root)
        if why is None or real.endswith(CONFIG_SUFFIXES) \
                or outside(self.reads.realpath(os.path.dirname(path) or "."), root) is not None:
            return False
        self.errors.append(LoadError(path, None, f"{os.path.basename(path)} {why} to a file that is no "
                                                 "Terraform configuration; not read"))
        return True

    def _build(self, directory: str, sources: list[str], stored: list[str]) -> Module:
        plains = self._parse_files(sources)
        parsed = []
        for path, plain in zip(stored, plains):
            self.files.append(path)
            self.comments[path] = [(line, text) for line, text in plain["comments"]]
            for line, message in plain["errors"]:
                self.errors.append(LoadError(path, line, message))
            parsed.append((path, plain))
        return Module(directory, parsed, self.errors)

    # -- parsing -----------------------------------------------------------

    def read_plain(self, path: str) -> dict:
        """A variables file's plain form: never through the parse cache, which would keep its values in the clear."""
        return plain_forms([path], None, self.reads)[0]

    def _parse_files(self, paths: list[str]) -> list[dict]:
        return plain_forms(paths, self.options.cache_dir, self.reads)


def plain_forms(paths: list[str], cache_dir: str | None, reads: Reads | None = None) -> list[dict]:
    """Plain forms of `paths` in order, from the cache or freshly parsed."""
    reads = reads or Reads()
    results: list = [None] * len(paths)
    pending: list[tuple[int, bytes, str | None]] = []
    for position, path in enumerate(paths):
        data = _read(path, reads)
        if isinstance(data, dict):
            results[position] = data
            continue
        if path.endswith(".json"):  # Terraform's JSON syntax: its own converter, and keys of its own
            key = cache_key(JSON_SYNTAX + data)
            plain = cache_read(cache_dir, key)
            if plain is None:
                plain = parse_json_bytes(data)
                cache_write(cache_dir, key, plain)
            results[position] = plain
            continue
        key = cache_key(data)  # also this run's parses, with or without a cache directory
        cached = cache_read(cache_dir, key)
        if cached is not None:
            results[position] = cached
        else:
            pending.append((position, data, key))
    for (position, _, key), plain in zip(pending, _parse_all([data for _, data, _ in pending])):
        results[position] = plain
        cache_write(cache_dir, key, plain)
    return results


def module_dir(root_dir: str, parent_dir: str, source: str, key_path: str,
               downloaded: Callable[[], dict[str, str]]) -> str | None:
    """Where a module call's files are: a local source relative to its caller,
    a remote one where `terraform init` put it (``downloaded()``: directories
    by call key path, "net.rt", read only when needed); None when not downloaded."""
    if source in (".", "..") or source.startswith(("./", "../")):
        return os.path.normpath(os.path.join(parent_dir, source))
    found = downloaded().get(key_path)
    return os.path.normpath(os.path.join(root_dir, found)) if found else None


def downloaded_modules(root_dir: str, read: Callable[[str], bytes], data_dir: str = ".terraform") -> dict[str, str]:
    """Module key ("net", "net.rt") -> directory, from modules/modules.json in
    terraform's data directory (``.terraform``, or TF_DATA_DIR), as `terraform init` leaves it."""
    try:
        entries = json.loads(read(os.path.join(root_dir, data_dir, "modules", "modules.json")).decode("utf-8"))
        entries = entries.get("Modules") or []
    except (OSError, ValueError, AttributeError, RecursionError):
        return {}
    if not isinstance(entries, list):
        return {}
    return {item["Key"]: item["Dir"] for item in entries
            if isinstance(item, dict) and isinstance(item.get("Key"), str) and isinstance(item.get("Dir"), str)}


def _read(path: str, reads: Reads) -> bytes | dict:
    """File content, or a failed plain form saying why it cannot be read."""
    try:
        if reads.size(path) > MAX_FILE_BYTES:
            return _failure(f"file is larger than {MAX_FILE_BYTES / (1024 * 1024):g} MB")
        return reads.read(path)
    except OSError as exc:
        return _failure(f"cannot read file: {exc.strerror or exc}")


def _failure(message: str) -> dict:
    return {"v": 0, "blocks": [], "comments": [], "errors": [[None, message]]}


def parse_bytes(data: bytes) -> dict:
    """parse.parse_bytes, imported when first needed: a run the cache serves never loads the parser."""
    from vpclint.load.hcl.parse import parse_bytes as parse

    return parse(data)


def _parse_all(contents: list[bytes]) -> Iterable[dict]:
    """Parse in worker processes when there is a lot to parse; same order either way.

    Forked workers only, as the run session's (cache.Session._start_pool): a
    spawned worker would start a whole interpreter and re-run the entry point."""
    from vpclint.load.hcl.cache import available_cpus, worker_limit  # a lint run's --jobs

    workers = min(len(contents), worker_limit() or available_cpus())
    if len(contents) <= PARALLEL_MIN_FILES or sum(map(len, contents)) < PARALLEL_MIN_BYTES or workers < 2 \
            or "fork" not in multiprocessing.get_all_start_methods():
        return [parse_bytes(data) for data in contents]
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(parse_bytes, contents, chunksize=max(1, len(contents) // (workers * 4))))
    except Exception:  # no processes here (sandbox, pickling): parse in this one
        return [parse_bytes(data) for data in contents]
