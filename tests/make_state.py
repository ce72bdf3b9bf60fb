"""Write the state JSON Terraform would show after applying a fixture's resources.

    python tests/make_state.py fixtures/multi_seed000/remote_state/broken/net [OUTPUT=NAME.ATTR ...]

The state has the real ``terraform show -json`` shape (format 1.0, no plan):
every resource has an ``id`` (a stable fake one derived from its address) and
every reference to another resource is replaced by that resource's value,
as Terraform stores them after apply; outputs are given as ``NAME=ADDRESS.ATTR``.
The fixture states are generated once with this tool and committed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.values import Ref, Unknown

PROVIDERS = {"aws": "registry.terraform.io/hashicorp/aws",
             "huaweicloud": "registry.terraform.io/huaweicloud/huaweicloud"}


def fake_id(address: str) -> str:
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def state_for(directory: str, outputs: dict[str, str]) -> dict[str, Any]:
    loaded = load_module(directory, LoadOptions())
    by_address = {r.address: r for r in loaded.resources}
    for res in loaded.resources:
        res.values.setdefault("id", fake_id(res.address))

    def applied(value: Any) -> Any:
        if isinstance(value, Ref):
            target = by_address.get(value.address)
            found = target.values.get(value.attr) if target is not None else None
            return applied(found) if found is not None else None
        if isinstance(value, Unknown):
            return None
        if isinstance(value, dict):
            return {k: applied(v) for k, v in value.items()}
        if isinstance(value, list):
            return [applied(v) for v in value]
        return value

    resources = []
    for res in sorted(loaded.resources, key=lambda r: r.address):
        resources.append({"address": res.address, "mode": res.mode, "type": res.type, "name": res.name,
                          "provider_name": PROVIDERS.get(res.type.split("_", 1)[0], "registry.terraform.io/x/x"),
                          "schema_version": 0, "values": applied(res.values), "sensitive_values": {}})
    values = {}
    for name, where in outputs.items():
        address, attr = where.rsplit(".", 1)
        values[name] = {"sensitive": False, "value": applied(Ref(address=address, attr=attr)), "type": "string"}
    return {"format_version": "1.0", "terraform_version": "1.6.6",
            "values": {"outputs": values, "root_module": {"resources": resources}}}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    wanted = dict(arg.split("=", 1) for arg in sys.argv[2:])
    (target / "state.json").write_text(json.dumps(state_for(str(target), wanted), indent=2) + "\n")
