"""Source positions for a plan's resources, from the configuration it was made from.

A plan names no file or line, so a finding from it cannot point at the block
to fix, annotate a pull request, or be suppressed inline. When the root
module's files are at hand (``--plan-sources DIR``, else the directory that
holds the plan file, where ``terraform show -json`` is usually run, if it
holds ``.tf`` files), each resource gets the file and lines of its block,
module calls become call sites and the files' comments carry inline
suppressions, as for HCL input.

Only block headers are read, nothing is evaluated: the plan's values stay
the truth. Module directories come from the plan's own ``module_calls``
sources (local paths) or from ``.terraform/modules/modules.json`` (remote
modules). A block the files do not hold keeps no position; a file that does
not parse only costs the positions in it (the plan is the input, not these
files).
"""

from __future__ import annotations

from typing import Any

from vpclint.inputs import read_regular
from vpclint.load import config_files
from vpclint.resources import LoadResult, Span


def _read_bytes(path: str) -> bytes:
    from vpclint.load import MAX_FILE_BYTES

    return read_regular(path, MAX_FILE_BYTES)


def attach(result: LoadResult, root: str, sources: dict[tuple[str, ...], Any], cache_dir: str | None,
           data_dir: str = ".terraform") -> None:
    """Give ``result``'s resources the positions of their blocks under ``root``.

    ``sources``: each module call path (names from the root) and the source
    the plan's configuration gives it; ``data_dir``: where `terraform init`
    put downloaded modules (TF_DATA_DIR).
    """
    positions = _Positions(root, sources, cache_dir, data_dir)
    for resource in result.resources:
        path = positions.call_path(resource.module)
        if path is None:
            continue
        span = positions.block(path, (resource.mode, resource.type, resource.name))
        if span is not None:
            resource.file, resource.line, resource.end_line = span.file, span.line, span.end_line
        sites = [positions.call_site(path[:depth], path[depth]) for depth in range(len(path))]
        if all(site is not None for site in sites):
            resource.call_sites = tuple(sites)
    for path, comments in positions.comments.items():
        result.comments.setdefault(path, comments)
    result.files.extend(file for file in positions.comments if file not in result.files)


class _Positions:
    def __init__(self, root: str, sources: dict[tuple[str, ...], Any], cache_dir: str | None, data_dir: str):
        self.root = root
        self.data_dir = data_dir
        self.sources = sources
        self.cache_dir = cache_dir
        self.comments: dict[str, list[tuple[int, str]]] = {}
        self._blocks: dict[str, tuple[dict, dict]] = {}  # directory -> (resource spans, module call spans)
        self._downloaded: dict[str, str] | None = None

    @staticmethod
    def call_path(module: str) -> tuple[str, ...] | None:
        from vpclint.load.plan import call_path

        try:
            return call_path(module)
        except ValueError:
            return None

    def block(self, path: tuple[str, ...], key: tuple[str, str, str]) -> Span | None:
        directory = self.directory(path)
        return self.index(directory)[0].get(key) if directory else None

    def call_site(self, parent: tuple[str, ...], name: str) -> Span | None:
        directory = self.directory(parent)
        return self.index(directory)[1].get(name) if directory else None

    def directory(self, path: tuple[str, ...]) -> str | None:
        """Where the module at call path ``path`` is written, if it can be found."""
        if not path:
            return self.root
        parent = self.directory(path[:-1])
        source = self.sources.get(path)
        if parent is None or not isinstance(source, str):
            return None
        from vpclint.load.hcl import module_dir

        return module_dir(self.root, parent, source, ".".join(path), self.downloaded)

    def downloaded(self) -> dict[str, str]:
        if self._downloaded is None:
            from vpclint.load.hcl import downloaded_modules

            self._downloaded = downloaded_modules(self.root, _read_bytes, self.data_dir)
        return self._downloaded

    def index(self, directory: str) -> tuple[dict, dict]:
        """(resource and data block spans by (mode, type, name), module block spans by name) of ``directory``."""
        if directory not in self._blocks:
            from vpclint.load.hcl import plain_forms
            from vpclint.load.hcl.module import is_override_file

            paths = config_files(directory)
            resources: dict = {}
            calls: dict = {}
            for path, plain in zip(paths, plain_forms(paths, self.cache_dir)):
                self.comments[path] = [(line, text) for line, text in plain["comments"]]
                if is_override_file(path):
                    continue
                for block in plain["blocks"]:
                    span = Span(path, block["line"], block["end_line"])
                    labels = block["labels"]
                    if block["type"] in ("resource", "data") and len(labels) == 2:
                        mode = "managed" if block["type"] == "resource" else "data"
                        resources.setdefault((mode, labels[0], labels[1]), span)
                    elif block["type"] == "module" and len(labels) == 1:
                        calls.setdefault(labels[0], span)
            self._blocks[directory] = (resources, calls)
        return self._blocks[directory]
