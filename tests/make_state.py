"""Write the state JSON Terraform would show after applying a fixture's resources.

    python tests/make_state.py fixtures/multi_seed000/remote_state/broken/net [OUTPUT=ADDRESS.ATTR ...]
    python tests/make_state.py --plan APP_DIR NET_STATE DATA_ADDRESS=STATE_ADDRESS ...

The state has the real ``terraform show -json`` shape (format 1.0, no plan):
every resource has an ``id`` (a stable fake one derived from its address) and
every reference to another resource is replaced by that resource's value,
as Terraform stores them after apply; outputs are given as ``NAME=ADDRESS.ATTR``.
With ``--plan``, it writes APP_DIR/plan.json instead: the plan of a stack
whose data sources read that state (``app_plan``). The fixture states and
plans are generated once with this tool and committed.
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
        if res.type in ("aws_lb", "aws_alb"):
            res.values.setdefault("arn", f"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/"
                                         f"{res.name}/{fake_id(res.address)[:16]}")

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




def app_plan(directory: str, state_path: str, reads: dict[str, str]) -> dict[str, Any]:
    """The plan of ``directory`` whose data sources read what ``state_path`` holds.

    ``reads`` maps each data source to the resource of the state it reads:
    Terraform reads those data sources while planning, so the plan has them,
    with the state's values, in ``prior_state`` only, and the values that
    reference them are known.
    """
    from make_plan import PROVIDERS as PLAN_PROVIDERS, _split

    loaded = load_module(directory, LoadOptions())
    deployed = {r["address"]: r for r in json.loads(Path(state_path).read_text())["values"]["root_module"]["resources"]}
    read = {data: deployed[managed]["values"] for data, managed in reads.items()}

    def known(value: Any) -> Any:
        if isinstance(value, Ref) and value.address in read:
            return read[value.address].get(value.attr)
        if isinstance(value, dict):
            return {k: known(v) for k, v in value.items()}
        if isinstance(value, list):
            return [known(v) for v in value]
        return value

    changes, config, prior = [], [], []
    for res in sorted(loaded.resources, key=lambda r: r.address):
        provider = PLAN_PROVIDERS.get(res.type.split("_", 1)[0], res.type.split("_", 1)[0])
        entry = {"address": res.address, "mode": res.mode, "type": res.type, "name": res.name,
                 "provider_name": provider}
        config.append({**entry, "provider_config_key": res.type.split("_", 1)[0], "schema_version": 0,
                       "expressions": _split(res.values)[2]})
        if res.address in read:
            prior.append({**entry, "schema_version": 0, "values": read[res.address], "sensitive_values": {}})
            continue
        after, unknown, _ = _split(known(res.values))
        unknown["id"] = True
        changes.append({**entry, "change": {"actions": ["create"], "before": None, "after": after,
                                            "after_unknown": unknown, "before_sensitive": False,
                                            "after_sensitive": {}}})
    return {"format_version": "1.2", "terraform_version": "1.6.6",
            "planned_values": {"root_module": {"resources": [
                {k: c[k] for k in ("address", "mode", "type", "name", "provider_name")} | {
                    "schema_version": 0, "values": c["change"]["after"], "sensitive_values": {}} for c in changes]}},
            "resource_changes": changes,
            "prior_state": {"format_version": "1.0", "terraform_version": "1.6.6",
                            "values": {"root_module": {"resources": prior}}},
            "configuration": {"provider_config": {}, "root_module": {"resources": config}},
            "applyable": True, "complete": True, "errored": False}


if __name__ == "__main__":
    if sys.argv[1] == "--plan":
        app, state = sys.argv[2], sys.argv[3]
        reads = dict(arg.split("=", 1) for arg in sys.argv[4:])
        Path(app, "plan.json").write_text(json.dumps(app_plan(app, state, reads), indent=2) + "\n")
    else:
        target = Path(sys.argv[1])
        wanted = dict(arg.split("=", 1) for arg in sys.argv[2:])
        (target / "state.json").write_text(json.dumps(state_for(str(target), wanted), indent=2) + "\n")
