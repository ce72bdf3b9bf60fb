"""Write the plan JSON Terraform would show for a fixture's resources, all new.

    python tests/make_plan.py fixtures/seed000_cross_vpc/broken

The plan has the real ``terraform show -json`` shape (format 1.2): every
resource is created, its ``id`` and every attribute that references another
new resource are unknown (``after_unknown``), and those references appear
only in ``configuration`` expressions — so linting the plan exercises the
plan loader's linking the way a real plan does. The fixture plans are
generated once with this tool and committed; tests/test_plan_fixtures.py
checks that a plan and its HCL give the same findings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.values import Ref, Unknown

PROVIDERS = {"aws": "registry.terraform.io/hashicorp/aws",
             "huaweicloud": "registry.terraform.io/huaweicloud/huaweicloud",
             "alicloud": "registry.terraform.io/aliyun/alicloud"}


def _split(value: Any) -> tuple[Any, Any, Any]:
    """(known part, after_unknown part, configuration expression) of a value."""
    if isinstance(value, Ref):
        return None, True, {"references": [f"{value.address}.{value.attr}", value.address]}
    if isinstance(value, Unknown):
        return None, True, {}
    if isinstance(value, dict):
        known, unknown, expr = {}, {}, {}
        for key, item in value.items():
            k, u, e = _split(item)
            if u is True:
                unknown[key] = True
            else:
                known[key] = k
                if u:
                    unknown[key] = u
            expr[key] = e
        return known, unknown, expr
    if isinstance(value, list):
        parts = [_split(item) for item in value]
        if any(u is True for _, u, _ in parts) and not all(isinstance(v, dict) for v in value):
            refs = [r for _, _, e in parts for r in e.get("references", [])]
            return None, True, {"references": refs}
        return [k for k, _, _ in parts], [u if u else False for _, u, _ in parts], [e for _, _, e in parts]
    return value, False, {"constant_value": value}


def _sensitive(value: Any) -> Any:
    """after_sensitive as Terraform writes it: false attributes left out, an unknown collection as []."""
    if isinstance(value, dict):
        return {key: mark for key, item in value.items() if (mark := _sensitive(item)) is not False}
    if isinstance(value, list):
        if any(isinstance(item, (Ref, Unknown)) for item in value) and not all(isinstance(v, dict) for v in value):
            return []  # wholly unknown (see _split): nothing can be said of its elements
        return [_sensitive(item) for item in value]
    return False


def plan_for(directory: str) -> dict[str, Any]:
    loaded = load_module(directory, LoadOptions())
    changes, config = [], []
    for res in sorted(loaded.resources, key=lambda r: r.address):
        after, unknown, expressions = _split(res.values)
        unknown["id"] = True
        provider = PROVIDERS.get(res.type.split("_", 1)[0], res.type.split("_", 1)[0])
        changes.append({
            "address": res.address, "mode": res.mode, "type": res.type, "name": res.name,
            "provider_name": provider,
            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown,
                       "before_sensitive": False, "after_sensitive": _sensitive(res.values)},
        })
        config.append({"address": res.address, "mode": res.mode, "type": res.type, "name": res.name,
                       "provider_config_key": res.type.split("_", 1)[0], "expressions": expressions,
                       "schema_version": 0})
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": [
            {"address": c["address"], "mode": c["mode"], "type": c["type"], "name": c["name"],
             "provider_name": c["provider_name"], "schema_version": 0, "values": c["change"]["after"],
             "sensitive_values": c["change"]["after_sensitive"]} for c in changes]}},
        "resource_changes": changes,
        "configuration": {"provider_config": {}, "root_module": {"resources": config}},
        "applyable": True,
        "complete": True,
        "errored": False,
    }


if __name__ == "__main__":
    for directory in sys.argv[1:]:
        Path(directory, "plan.json").write_text(json.dumps(plan_for(directory), indent=2) + "\n")
