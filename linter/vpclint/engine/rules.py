"""Load declarative rule files and validate them against the published schema.

Rule files are data: they are read with ``yaml.safe_load`` semantics (a
Python object tag is an error) and validated against
``schemas/rule.schema.json``; a bad file is reported with ``file:line`` and
never half-used.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import yaml

from vpclint.engine.primitives import PRIMITIVES
from vpclint.inputs import read_regular
from vpclint.load.boundedyaml import YamlTooLarge, check_expansion  # one alias bound for every YAML reader
from vpclint.resources import LoadError


@dataclass
class Rule:
    id: str
    severity: str
    summary: str
    for_each: str
    checks: list[dict[str, Any]]
    message: str
    docs: dict[str, Any]
    where: list[dict[str, Any]] = field(default_factory=list)
    report_on: str | None = None
    related: list[str] = field(default_factory=list)
    fix: str | None = None
    path: str = ""
    kind: str = "check"  # "meta": documented here, reported by vpclint itself (unused_ignore); never run
    # set by the config (rules: {ID: {severity: ...}}): then every finding takes it, over a check's own
    severity_configured: bool = False


# rules vpclint reports itself rather than through the engine; their rule files only document them
META_RULES = frozenset({"unused_ignore"})


class RuleError(Exception):
    def __init__(self, error: LoadError):
        super().__init__(error.message)
        self.error = error


def builtin_rules_dir() -> Path:
    """The built-in rules: packaged as vpclint/builtin_rules, or rules/ in a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "builtin_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    text = importlib_resources.files("vpclint.schemas").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


def load_yaml(path: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML safely; return the data and its node tree (for line numbers).

    Bounded: a file larger than ``vpclint.load.MAX_FILE_BYTES``, nested too
    deeply for the parser or expanding past ``boundedyaml.MAX_YAML_VALUES`` is an error.
    """
    from vpclint import load as _load

    try:
        if os.path.getsize(path) > _load.MAX_FILE_BYTES:
            raise RuleError(LoadError(path, None, f"file is larger than {_load.MAX_FILE_BYTES // (1024 * 1024)} MiB; "
                                                  "not read"))
        raw = read_regular(path, _load.MAX_FILE_BYTES)
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RuleError(LoadError(path, line, f"cannot read: not valid UTF-8 (byte 0x{raw[exc.start]:02x})")) from None
    except OSError as exc:
        raise RuleError(LoadError(path, None, f"cannot read: {exc.strerror or exc}")) from None
    # one parse, in C where libyaml is present; safe constructors only
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        check_expansion(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        if mark is not None:  # the line an editor shows: YAML also breaks lines at U+2028 and U+0085, and
            line = len(re.split(r"\r\n|\r|\n", text[: mark.index]))  # its mark may sit past the last line
        problem = getattr(exc, "problem", None) or str(exc)
        if "maximum nesting depth" in problem:  # libyaml's words for it
            problem = "nested too deeply"
        raise RuleError(LoadError(path, line, f"invalid YAML: {problem}")) from None
    except YamlTooLarge as exc:
        raise RuleError(LoadError(path, exc.line, str(exc))) from None
    except RecursionError:
        raise RuleError(LoadError(path, None, "invalid YAML: nested too deeply")) from None
    finally:
        loader.dispose()
    return data, node


def node_line(node: yaml.Node | None, path: list[Any]) -> int | None:
    """The 1-based line of the YAML node at ``path`` (keys and indexes)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == key:
                    node, line = value_node, key_node.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def validate(data: Any, node: yaml.Node | None, schema_name: str, path: str) -> None:
    """Raise RuleError naming file:line and the failing key for the first schema error."""
    import jsonschema  # here: a run with no config or rule file of the user's never loads it

    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    # the deepest error names the key that is wrong, not the document around it
    depth = max(len(e.absolute_path) for e in errors)
    error = jsonschema.exceptions.best_match(e for e in errors if len(e.absolute_path) == depth)
    while error.validator in ("oneOf", "anyOf") and error.context:
        # "valid under none of the alternatives" names nothing: take the alternative it came closest to
        branches: dict = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else 0, []).append(sub)
        error = jsonschema.exceptions.best_match(min(branches.values(), key=len))
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        # name the unknown key and point at its own line
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(str(k) for k in error.instance if k not in allowed)
        if unknown and allowed:
            line = node_line(node, [*error.absolute_path, unknown[0]])
            raise RuleError(LoadError(path, line, f"{where}: unknown key {unknown[0]!r} "
                                      f"(allowed: {', '.join(allowed)})"))
        patterns = error.schema.get("patternProperties", {})
        stray = sorted(str(k) for k in error.instance if not any(re.search(p, str(k)) for p in patterns))
        if patterns and stray and not allowed:  # keys named by pattern (config data:): say what they must be
            line = node_line(node, [*error.absolute_path, stray[0]])
            raise RuleError(LoadError(path, line, f"{where}: {stray[0]!r} is not {error.schema.get('x-keys', 'a key allowed here')}"))
    raise RuleError(LoadError(path, node_line(node, list(error.absolute_path)), f"{where}: {schema_message(error)}"))


_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number",
               float: "a number", type(None): "null"}


def schema_message(error: Any) -> str:
    """What a schema error says is wrong, naming what was expected and never quoting the value
    rejected (jsonschema's own message does: a config may be fed what the runner keeps secret)."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    got = _JSON_TYPES.get(type(instance), "a value")
    if kind == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        return f"must be {' or '.join(wanted)}, not {got}"
    if kind == "enum":
        return f"must be one of {', '.join(json.dumps(v) for v in expected)}"
    if kind == "const":
        return f"must be {json.dumps(expected)}"
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in expected if k not in instance]
        return f"missing required key {missing[0]!r}" if missing else "a required key is missing"
    if kind == "pattern":
        return f"must match the pattern {expected}"
    if kind in ("minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength"):
        what = {"Items": "item", "Properties": "key", "Length": "character"}[kind[3:]]
        bound = "at least" if kind.startswith("min") else "at most"
        return f"must have {bound} {expected} {what}{'s' if expected != 1 else ''}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        relation = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kind]
        return f"must be {relation} {expected}"
    if kind == "uniqueItems":
        return "must not repeat an item"
    if kind == "additionalProperties":
        return "holds a key that is not allowed here"
    if kind == "propertyNames":
        return "holds a key whose name is not allowed here"
    return f"{got} that the schema does not accept here ({kind})"


def load_rule_file(path: str, validated: bool = False) -> Rule:
    """Load one rule file; ``validated``: it is one of vpclint's own, which the
    test suite validates against the schema (not again on every run)."""
    data, node = load_yaml(path)
    if not validated:
        validate(data, node, "rule.schema.json", path)
    stem = Path(path).stem
    if data["id"] != stem:
        raise RuleError(LoadError(path, node_line(node, ["id"]), f"id must match the file name {stem!r}"))
    if data.get("kind") == "meta":
        if data["id"] not in META_RULES:
            raise RuleError(LoadError(path, node_line(node, ["kind"]), "kind: meta is reserved for findings vpclint "
                                      f"reports itself ({', '.join(sorted(META_RULES))}); write a check instead"))
        return Rule(id=data["id"], severity=data["severity"], summary=data["summary"], for_each="", checks=[],
                    message="", docs=data["docs"], path=path, kind="meta")
    checks = data["check"] if isinstance(data["check"], list) else [data["check"]]
    for index, check in enumerate(checks):
        names = [key for key in check if key in PRIMITIVES]
        if len(names) != 1:
            line = node_line(node, ["check", index] if isinstance(data["check"], list) else ["check"])
            raise RuleError(LoadError(path, line, "check: name exactly one primitive "
                                      f"({', '.join(sorted(PRIMITIVES))})"))
    return Rule(id=data["id"], severity=data["severity"], summary=data["summary"], for_each=data["for_each"],
                checks=checks, message=data["message"], docs=data["docs"], where=data.get("where", []),
                report_on=data.get("report_on"), related=data.get("related", []), fix=data.get("fix"), path=path)


def load_rules(extra_dirs: list[str] = ()) -> tuple[list[Rule], list[LoadError]]:
    """Built-in rules plus every ``*.yaml``/``*.yml`` in ``extra_dirs``.

    A user rule with a built-in id is an error (ids are stable and unique).
    """
    rules: dict[str, Rule] = {}
    errors: list[LoadError] = []
    builtin = str(builtin_rules_dir())
    for directory in [builtin, *extra_dirs]:
        if not os.path.isdir(directory):
            errors.append(LoadError(directory, None, "rule directory does not exist"))
            continue
        for name in sorted(os.listdir(directory)):
            if not name.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(directory, name)
            try:
                rule = load_rule_file(path, validated=directory == builtin)
            except RuleError as exc:
                errors.append(exc.error)
                continue
            if rule.id in rules:
                errors.append(LoadError(path, 1, f"rule id {rule.id!r} is already defined in {rules[rule.id].path}"))
                continue
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda r: r.id), errors
