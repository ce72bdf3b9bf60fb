"""One bound on YAML for every reader: manifests, config and rule files, and
``yamldecode()`` inside HCL.

PyYAML builds an alias as a shared reference, so a few hundred bytes of
anchors ("billion laughs") make a document that holds billions of values
once anything walks or copies it. ``check_expansion`` counts the values a
document holds with its aliases expanded, on the node tree and before any
data is built, and refuses it past ``MAX_YAML_VALUES``.
"""

from __future__ import annotations

from typing import Any

import yaml

# a YAML document holding more values than this, counting what its aliases
# repeat, is refused (real manifests and configs hold a few thousand)
MAX_YAML_VALUES = 200_000


class YamlTooLarge(Exception):
    """A document past the bound, or an alias that refers to itself; ``line`` is 1-based."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def check_expansion(root: yaml.Node | None) -> None:
    """Raise ``YamlTooLarge`` when ``root`` expands past ``MAX_YAML_VALUES``
    values or refers to itself. Each node is counted once (memoised), so the
    check itself is linear in the text."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise YamlTooLarge("invalid YAML: a recursive alias refers to itself", node.start_mark.line + 1)
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
                if total > MAX_YAML_VALUES:
                    break
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                total += size(key_node) + size(value_node)
                if total > MAX_YAML_VALUES:
                    break
        active.discard(key)
        sizes[key] = total
        return total

    if size(root) > MAX_YAML_VALUES:
        raise YamlTooLarge(f"YAML too large once its aliases are expanded (more than {MAX_YAML_VALUES:,} values); "
                           "not read",
                           root.start_mark.line + 1)


def load_single(text: str) -> Any:
    """``yaml.safe_load(text)``, bounded: one document, safe constructors only,
    ``YamlTooLarge`` past the bound; ``yaml.YAMLError`` for invalid YAML."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        check_expansion(node)
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
