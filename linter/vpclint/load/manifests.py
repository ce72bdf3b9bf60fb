"""Kubernetes manifests: find the network policies and Services in YAML files.

A manifest file may hold several documents (``---``) and ``List`` kinds
(``kind: List``, ``NetworkPolicyList``, ...). Documents of kind
NetworkPolicy (``networking.k8s.io/v1``), Calico NetworkPolicy /
GlobalNetworkPolicy (``projectcalico.org/v3``), Service (``v1``) and the AWS
VPC CNI's ENIConfig (``crd.k8s.amazonaws.com``, read by the AWS adapter)
become ``ManifestDocument`` records; every other document is ignored.

YAML is read with PyYAML's safe loader only: ``yaml.compose_all`` keeps the
node tree (for the line of every key) and the safe constructor builds plain
data from it, exactly what ``yaml.safe_load`` would build; no tag can make
it construct anything else. Alias expansion is bounded (a "billion laughs"
document is an error, not a hang), and so is nesting depth.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from vpclint.load import MAX_FILE_BYTES  # one size limit for every loader
from vpclint.inputs import read_regular
from vpclint.load.boundedyaml import YamlTooLarge, check_expansion  # one alias bound for every YAML reader
from vpclint.resources import LoadError, LoadResult


MANIFEST_SUFFIXES = (".yaml", ".yml")

# kinds and API versions the linter reads; an older or misspelled apiVersion
# of these kinds is reported by network_policy_invalid
POLICY_KINDS = {"NetworkPolicy", "GlobalNetworkPolicy"}
KNOWN_GROUPS = ("networking.k8s.io", "extensions", "projectcalico.org", "crd.projectcalico.org")

# text that suggests a file was meant to hold a network policy or a Service
_POLICY_HINT = re.compile(r"""^\s*(?:-\s*)?["']?kind["']?\s*:\s*["']?(?:(?:Global)?NetworkPolicy|Service)(?:List)?["']?"""
                          r"""\s*(?:#.*)?$""", re.MULTILINE)

# the custom resource of the AWS VPC CNI naming the subnet of pods' ENIs under custom networking; a file
# holding only such documents is read beside Terraform, never an input of its own
ENICONFIG_GROUP = "crd.k8s.amazonaws.com"
_ENICONFIG_HINT = re.compile(r"""^\s*(?:-\s*)?["']?kind["']?\s*:\s*["']?ENIConfig(?:List)?["']?\s*(?:#.*)?$""",
                             re.MULTILINE)


@dataclass
class ManifestDocument:
    """One policy document of a manifest file (or one item of a List).

    ``data`` is the plain document; ``lines`` maps a path of keys and
    indexes (a tuple) to the 1-based line of that key or item; ``line`` is
    the document's first line (its first key, usually ``apiVersion:``).
    """

    file: str
    line: int
    end_line: int
    data: dict[str, Any]
    lines: dict[tuple, int] = field(default_factory=dict, repr=False)
    index: int = 0  # position of the document in its file

    @property
    def kind(self) -> Any:
        return self.data.get("kind")

    @property
    def api_version(self) -> Any:
        return self.data.get("apiVersion")

    def line_of(self, path: tuple | list) -> int:
        """The line of the deepest key of ``path`` that exists."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.line


def looks_like_policy(text: str) -> bool:
    """Whether the text mentions a NetworkPolicy or Service kind (cheap, before parsing)."""
    return bool(_POLICY_HINT.search(text))


def is_policy_document(data: Any) -> bool:
    """Whether a parsed document is one of the kinds this module reads (any
    apiVersion of a known group, so a wrong version is still reported)."""
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str) or data["kind"] not in POLICY_KINDS:
        return False
    api = data.get("apiVersion")
    if not isinstance(api, str):
        return "spec" in data  # a policy without apiVersion: reported as invalid
    return api.split("/")[0] in KNOWN_GROUPS


def is_eniconfig_document(data: Any) -> bool:
    """Whether a parsed document is an ENIConfig of the AWS VPC CNI."""
    if not isinstance(data, dict) or data.get("kind") != "ENIConfig":
        return False
    api = data.get("apiVersion")
    return isinstance(api, str) and api.split("/")[0] == ENICONFIG_GROUP


def is_service_document(data: Any) -> bool:
    """Whether a parsed document is a core ``v1`` Service."""
    return isinstance(data, dict) and data.get("kind") == "Service" and data.get("apiVersion") == "v1"


def yaml_files(directory: str) -> list[str]:
    """The YAML files directly in ``directory`` (hidden files skipped), in name order."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [path for path in (os.path.join(directory, name) for name in names
                              if not name.startswith(".") and name.lower().endswith(MANIFEST_SUFFIXES))
            if os.path.isfile(path)]


def manifest_files(directory: str) -> list[str]:
    """The YAML files directly in ``directory`` that mention a policy kind, in
    name order (for --recursive discovery: which directories are inputs)."""
    found = []
    for path in yaml_files(directory):
        try:
            if os.path.getsize(path) > MAX_FILE_BYTES:
                found.append(path)  # load_manifest_file reports it
                continue
            text = read_regular(path, MAX_FILE_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        if looks_like_policy(text) and "{{" not in text:  # skip Helm/Go templates
            found.append(path)
    return found


def load_manifest_file(path: str, explicit: bool = True) -> LoadResult:
    """Load the policy documents of one YAML file.

    ``explicit``: the file was named on the command line, so any YAML error
    is reported; a file found in a directory is reported only when it
    mentions a policy kind (other YAML there is none of vpclint's business,
    Helm templates included).
    """
    result = LoadResult()
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            result.files.append(path)
            result.errors.append(LoadError(path, None, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not read"))
            return result
        raw = read_regular(path, MAX_FILE_BYTES)
    except OSError as exc:
        if explicit:
            result.files.append(path)
            result.errors.append(LoadError(path, None, f"cannot read: {exc.strerror or exc}"))
        return result
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if explicit:
            line = raw[: exc.start].count(b"\n") + 1
            result.errors.append(LoadError(path, line, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})"))
        return result
    if not explicit and (not (looks_like_policy(text) or _ENICONFIG_HINT.search(text)) or "{{" in text):
        return result
    result.files.append(path)
    if "{{" in text and looks_like_template(text):
        if explicit:
            result.errors.append(LoadError(path, _first_line(text, "{{"), "this looks like a Helm or Go template "
                                           "({{ ... }}), not a manifest: render it first (helm template ...) "
                                           "and lint the output"))
        return result
    result.comments[path] = _comments(text)
    documents, error = parse_documents(path, text)
    result.manifests.extend(documents)
    if error is not None:
        result.errors.append(error)
    return result


def looks_like_template(text: str) -> bool:
    return bool(re.search(r"\{\{-?\s*[\w.$(/\"]", text))


def _first_line(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def _comments(text: str) -> list[tuple[int, str]]:
    """Whole-line ``#`` comments with their lines (for suppressions)."""
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            out.append((number, stripped))
    return out


def parse_documents(path: str, text: str) -> tuple[list[ManifestDocument], LoadError | None]:
    """The policy documents of ``text``; a YAML error stops at its document
    (documents before it are kept) and is returned with its line."""
    found: list[ManifestDocument] = []
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            check_expansion(node)
            data = _construct(node)
            for item_node, item in _items(node, data):
                if is_policy_document(item) or is_service_document(item) or is_eniconfig_document(item):
                    found.append(_document(path, item_node, item, index))
            index += 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        if mark is not None:  # the line an editor shows: YAML also breaks lines at U+2028 and U+0085, and
            line = len(re.split(r"\r\n|\r|\n", text[: mark.index]))  # its mark may sit past the last line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        message = f"invalid YAML: {problem}" + (f" ({context})" if context and context != problem else "")
        return found, LoadError(path, line, message)
    except YamlTooLarge as exc:
        return found, LoadError(path, exc.line, str(exc))
    except RecursionError:
        return found, LoadError(path, None, "invalid YAML: nested too deeply")
    finally:
        loader.dispose()
    return found, None


def _construct(node: yaml.Node) -> Any:
    """Plain data for ``node``, as ``yaml.safe_load`` builds it."""
    constructor = yaml.constructor.SafeConstructor()
    return constructor.construct_document(node)


def _items(node: yaml.Node, data: Any) -> list[tuple[yaml.Node, Any]]:
    """The document itself, or the items of a List kind."""
    if isinstance(data, dict) and isinstance(data.get("kind"), str) and data["kind"].endswith("List") \
            and isinstance(data.get("items"), list):
        items_node = _child(node, "items")
        if isinstance(items_node, yaml.SequenceNode) and len(items_node.value) == len(data["items"]):
            return list(zip(items_node.value, data["items"]))
        return [(node, item) for item in data["items"]]
    return [(node, data)]


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node
    return None


def _document(path: str, node: yaml.Node, data: dict[str, Any], index: int) -> ManifestDocument:
    lines: dict[tuple, int] = {}
    _walk_lines(node, (), lines, set())
    first = node.start_mark.line + 1
    end = max(node.end_mark.line + (0 if node.end_mark.column == 0 else 1), first)
    return ManifestDocument(path, first, end, data, lines, index)


def _scalar_key(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        try:
            return yaml.constructor.SafeConstructor().construct_object(node)
        except yaml.YAMLError:
            return node.value
    return None


def _walk_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int], seen: set[int]) -> None:
    if id(node) in seen:  # an alias: its lines are those of the anchor
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = _scalar_key(key_node)
            try:
                child = path + (key,)
                lines.setdefault(child, key_node.start_mark.line + 1)
            except TypeError:
                continue
            _walk_lines(value_node, child, lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = path + (index,)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk_lines(item, child, lines, seen)
