"""Load a PATH given on the command line, told apart by content, not by name."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from vpclint.inputs import outside, run_root, special_kind
from vpclint.resources import LoadError, LoadResult

# Terraform configuration files: native syntax and JSON syntax
CONFIG_SUFFIXES = (".tf", ".tf.json")
# what pre-commit hands over: configuration and variable files
CHANGED_SUFFIXES = (*CONFIG_SUFFIXES, ".tfvars", ".tfvars.json")

# a file larger than this is refused with a clear error rather than parsed
MAX_FILE_BYTES = 20 * 1024 * 1024
# plans of large estates are big (100k resources ≈ 90 MB of JSON); still bounded
MAX_PLAN_BYTES = 512 * 1024 * 1024


@dataclass
class LoadOptions:
    var_files: list[str] = field(default_factory=list)
    vars: list[tuple[str, str]] = field(default_factory=list)  # --var NAME=VALUE, in order
    env: Mapping[str, str] = field(default_factory=dict)  # for TF_VAR_*
    cache_dir: str | None = None  # parse and result caches; None disables them
    plan_sources: str | None = None  # the configuration plans were made from (default: each plan's directory)
    # the files named on the command line (--var-file): the runner's choice, read wherever they are;
    # every other input stays inside the root of the run (vpclint.inputs)
    explicit: frozenset[str] = frozenset()
    # the config's data: attributes of data sources by address, read where Terraform reads them at plan time
    data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def data_dir(self) -> str:
        """Where `terraform init` keeps downloaded modules, relative to a root module (TF_DATA_DIR)."""
        return self.env.get("TF_DATA_DIR") or ".terraform"


def sniff(path: str) -> str:
    """Return 'hcl-dir', 'hcl-file', 'plan' (a plan or state JSON), 'manifest' or 'unknown' for PATH."""
    return _sniff(path, 4096)[0]


def _sniff(path: str, size: int) -> tuple[str, bytes]:
    """What ``sniff`` says of PATH, and the first ``size`` bytes it read of it (b"" when none)."""
    if os.path.isdir(path):
        return "hcl-dir", b""
    try:
        if special_kind(os.stat(path).st_mode) is not None:
            return "special", b""
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            head = os.read(fd, size) if special_kind(os.fstat(fd).st_mode) is None else b""
        finally:
            os.close(fd)
    except OSError:
        return "unknown", b""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    lower = path.lower()
    if lower.endswith(".tf.json"):  # Terraform's JSON syntax, not a plan
        return "hcl-file", head
    if text.startswith(b"{"):
        return "plan", head
    if lower.endswith(".json"):  # empty, or JSON that is no object: the plan loader says what is wrong
        return "plan", head
    if lower.endswith((".yaml", ".yml")):
        return "manifest", head
    return "hcl-file", head


# what `terraform show -json` writes for a plan or a state, and other JSON
# (`providers schema -json`, `validate -json`, package.json) does not: a
# format_version beside one of these keys, early in the file
_TERRAFORM_JSON_KEYS = (b'"planned_values"', b'"resource_changes"', b'"prior_state"', b'"root_module"')
TERRAFORM_JSON_HEAD = 256 * 1024


def terraform_json(path: str) -> bool:
    """Whether the ``.json`` file ``path`` is a Terraform plan or state, from
    its first TERRAFORM_JSON_HEAD bytes (for --recursive: other JSON files
    are not inputs). Never blocks on a FIFO or reads a device."""
    kind, head = _sniff(path, TERRAFORM_JSON_HEAD)  # one open and one read, the head kept
    if kind != "plan":
        return False
    return b'"format_version"' in head and any(key in head for key in _TERRAFORM_JSON_KEYS)


def load_path(path: str, options: LoadOptions) -> LoadResult:
    """Load one PATH: an HCL root module directory, a .tf file, a plan or state JSON, or manifests."""
    kind = sniff(path)
    if kind in ("unknown", "special"):
        result = LoadResult()
        why = ("a FIFO, device or socket, not a regular file; not read" if kind == "special"
               else "cannot read: no such file or directory, or permission denied")
        result.errors.append(LoadError(path, None, why))
        return result
    if kind == "plan":
        from vpclint.load.plan import load_plan

        return load_plan(path, options)
    if kind == "manifest":
        from vpclint.load.manifests import load_manifest_file

        return load_manifest_file(path, explicit=True)
    from vpclint.load.hcl import load_module

    if kind == "hcl-dir":
        from vpclint.load.manifests import load_manifest_file, yaml_files

        manifests = yaml_files(path)  # a directory may hold .tf files and manifests; each says if it is one
        result = load_module(path, options) if config_files(path) or not manifests else LoadResult()
        root = run_root(path)
        for manifest in manifests:
            why = outside(os.path.realpath(manifest), root)
            if why is not None:
                result.errors.append(LoadError(manifest, None, f"manifest {why}; name it as a PATH to lint it"))
                continue
            result.extend(load_manifest_file(manifest, explicit=False))
        return result
    return load_module(os.path.dirname(path) or ".", options, files=[path])


def config_files(directory: str) -> list[str]:
    """The Terraform configuration files (.tf, .tf.json) directly in ``directory``, sorted; none if unreadable."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [path for path in (os.path.join(directory, name) for name in names if name.endswith(CONFIG_SUFFIXES))
            if os.path.isfile(path)]
