"""Load ``terraform show -json`` of a state (no plan file): what is deployed.

A state is told apart from a plan by content: it has ``values`` (the
resources under ``root_module`` and its ``child_modules``, the root
``outputs``) where a plan has ``planned_values`` and ``resource_changes``;
an empty state is ``{"format_version": "1.0"}`` alone. Every value of a
state is known and every id is real, so resources link by id as deployed.
Values the state marks sensitive (``sensitive_values``, outputs with
``sensitive: true``) are never read: they become unknown, so nothing can
print them.
"""

from __future__ import annotations

import os
from typing import Any

from vpclint import load as _load
from vpclint.load.sources import attach
from vpclint.resources import LoadError, LoadResult, Output
from vpclint.values import Unknown

SENSITIVE = Unknown("sensitive in the state; not read")
_PLAN_KEYS = ("planned_values", "resource_changes", "configuration", "prior_state")


def is_state(doc: Any) -> bool:
    """A ``terraform show -json`` state: ``values`` and no plan section, or an empty state."""
    if not isinstance(doc, dict) or "format_version" not in doc or any(k in doc for k in _PLAN_KEYS):
        return False
    return "values" in doc or set(doc) <= {"format_version", "terraform_version"}


def load_state(path: str, doc: dict, options: "_load.LoadOptions") -> LoadResult:
    """The resources and outputs of a state document read from ``path``.

    Positions come from the configuration beside it (``--plan-sources``, else
    the state's directory when it holds .tf files), as for a plan.
    """
    result = LoadResult(files=[path])
    version = doc["format_version"]
    if not isinstance(version, str) or version.split(".")[0] not in ("0", "1"):
        result.errors.append(LoadError(path, None, f"unsupported state format_version {version}"))
        return result
    values = doc.get("values") or {}
    if not isinstance(values, dict):
        result.errors.append(LoadError(path, None, "values is not a JSON object"))
        return result
    _outputs(path, values.get("outputs"), result)
    try:
        _resources(path, values.get("root_module"), result)
    except RecursionError:
        result.errors.append(LoadError(path, None, "state is nested too deeply to read"))
    sources = options.plan_sources
    root = sources if sources is not None else (os.path.dirname(path) or ".")
    if result.resources and (sources is not None or _load.config_files(root)):
        attach(result, root, {}, options.cache_dir, options.data_dir)
    return result


def _outputs(path: str, outputs: Any, result: LoadResult) -> None:
    if outputs is None:
        return
    if not isinstance(outputs, dict):
        result.errors.append(LoadError(path, None, "values.outputs is not a JSON object; outputs ignored"))
        return
    for name, output in sorted(outputs.items()):
        if not isinstance(output, dict) or "value" not in output:
            result.errors.append(LoadError(path, None, f"output {name}: no value; ignored"))
            continue
        value = SENSITIVE if output.get("sensitive") is True else output["value"]
        result.outputs.append(Output(path, name, value))


def _resources(path: str, root: Any, result: LoadResult) -> None:
    from vpclint.load.plan import _SHAPE_ERRORS, _resource

    seen: dict[str, None] = {}
    ids: dict[tuple[str, str], str] = {}  # (type, id) -> address, among managed resources
    stack = [(root, "")]
    while stack:
        module, address = stack.pop()
        if module is None:
            continue
        if not isinstance(module, dict):
            result.errors.append(LoadError(path, None, f"module {address or 'root'} is not a JSON object; skipped"))
            continue
        for entry in module.get("resources") or []:
            label = entry.get("address") if isinstance(entry, dict) else None
            label = label if isinstance(label, str) else "resource"
            known = entry.get("values") if isinstance(entry, dict) else None
            try:
                resource = _resource(entry, address, {} if known is None else known)
            except _SHAPE_ERRORS as exc:
                result.errors.append(LoadError(path, None, f"{label}: unexpected state structure "
                                               f"({exc}); resource skipped"))
                continue
            if entry.get("deposed_key"):
                continue  # an instance being replaced: the current one is listed too
            if resource.address in seen:
                result.errors.append(LoadError(path, None, f"{resource.address} appears twice in the state; "
                                               "the second is ignored"))
                continue
            resource.values = _hide(resource.values, entry.get("sensitive_values"))
            id_ = resource.values.get("id")
            if resource.mode == "managed" and isinstance(id_, str) and id_:
                other = ids.setdefault((resource.type, id_), resource.address)
                if other != resource.address:
                    result.errors.append(LoadError(path, None, f"{resource.address} has the id of {other} "
                                                   "(the same id twice in one state); it is ignored"))
                    continue
            seen[resource.address] = None
            result.resources.append(resource)
        for child in module.get("child_modules") or []:
            if isinstance(child, dict) and isinstance(child.get("address"), str):
                stack.append((child, child["address"]))
            else:
                result.errors.append(LoadError(path, None, f"a child module of {address or 'root'} has no "
                                               "address; skipped"))
    result.resources.sort(key=lambda r: r.address)


def _hide(value: Any, sensitive: Any) -> Any:
    """``value`` with what ``sensitive`` (the state's mask) marks true replaced by an unknown."""
    if sensitive is True:
        return SENSITIVE
    if isinstance(value, dict) and isinstance(sensitive, dict) and sensitive:
        return {k: _hide(v, sensitive.get(k)) for k, v in value.items()}
    if isinstance(value, list) and isinstance(sensitive, list) and sensitive:
        return [_hide(v, sensitive[i] if i < len(sensitive) else None) for i, v in enumerate(value)]
    return value
