"""Small helpers every adapter needs: reading values and normalising ports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from vpclint.model import Element, Network, PortRange, SecurityGroup
from vpclint.taint import describe
from vpclint.values import Joined, Members, Unknown, id_elements

if TYPE_CHECKING:
    from vpclint.model.build import Builder
    from vpclint.resources import Resource

_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_ALL = {"-1", "all", "*", "any", "0-255"}


def first(value: Any) -> Any:
    """The single element of a MaxItems=1 block list (``vpc_config[0]``), or {}."""
    if isinstance(value, list):
        return value[0] if value and isinstance(value[0], (dict, Unknown)) else {}
    if isinstance(value, (dict, Unknown)):
        return value
    return {}


def blocks(value: Any) -> list[dict]:
    """A list of nested blocks; an unknown or absent list gives none. A map
    is one block: Terraform's JSON syntax writes a single block as an object."""
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    if isinstance(value, dict):
        return [value]
    return []


def partly_unknown(value: Any) -> bool:
    """A list of blocks that is unknown or holds an unknown block: ``blocks``
    gives only the known ones, so routes or rules may be missing."""
    return isinstance(value, Unknown) or (isinstance(value, list) and any(isinstance(item, Unknown) for item in value))


def given(value: Any) -> bool:
    """True when an optional attribute is set (unknown counts as set)."""
    return value is not None and value != "" and value != []


def protocol(value: Any) -> Any:
    """Normalise a protocol to all/tcp/udp/icmp/icmpv6/<number>, or Unknown."""
    if isinstance(value, Unknown):
        return value
    if value is None or value == "":
        return "all"
    text = str(value).strip().lower()
    if text in _ALL:
        return "all"
    return _PROTOCOL_NUMBERS.get(text, text)


def port_ranges(text: Any) -> Any:
    """Parse "80", "1-30", "22,3389,80-90", "1/65535", "*" into PortRanges.

    None means all ports; an Unknown stays unknown; a malformed value is
    unknown too (the provider would reject it; other rules report that).
    """
    if isinstance(text, Unknown):
        return text
    if text is None or text == "" or str(text).strip() in ("*", "-1", "-1/-1", "any", "all"):
        return None
    ranges = []
    for part in str(text).split(","):
        part = part.strip()
        low, sep, high = part.replace("/", "-").replace(":", "-").partition("-")
        try:
            low_n = int(low)
            high_n = int(high) if sep else low_n
        except ValueError:
            return Unknown(f"port specification {describe(text)} is not understood")
        ranges.append(PortRange(low_n, high_n))
    return ranges


def from_to(low: Any, high: Any) -> Any:
    """Ports from a from/to pair; absent or -1/0-65535 bounds mean all ports."""
    if isinstance(low, Unknown) or isinstance(high, Unknown):
        return low if isinstance(low, Unknown) else high
    if low in (None, "", -1, "-1") and high in (None, "", -1, "-1"):
        return None
    try:
        low_n = _port_number(low) if low not in (None, "") else 1
        high_n = _port_number(high) if high not in (None, "") else 65535
    except (TypeError, ValueError, OverflowError):  # 1e999, 0.5, a list: no port the API accepts
        return Unknown(f"port range {describe(low)}-{describe(high)} is not understood")
    if low_n <= 0 and high_n in (0, 65535, -1):
        return None
    return [PortRange(max(low_n, 0), high_n)]


def _port_number(value: Any) -> int:
    """A whole port number from a number or a numeric string; ValueError otherwise."""
    if isinstance(value, float):
        if not value.is_integer():  # 0.5, and also inf and nan
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    return int(value)


def maybe_reverse(sides: list[tuple[Any, Any, Any]], vague: list[tuple[bool, bool]], index: int,
                  local: Any, remote: Any) -> bool:
    """Whether another peering of ``sides`` (resource, local network, remote
    network) might be the reverse of side ``index`` once its unknown ends are
    known (``vague``: whether each side's local / remote end is unknown). A
    peering is only "missing its reverse" when none might be."""
    for j, (_, other_local, other_remote) in enumerate(sides):
        local_vague, remote_vague = vague[j]
        if j != index and (local_vague or remote_vague) and (other_local is remote or local_vague) \
                and (other_remote is local or remote_vague):
            return True
    return False


def both(a: Any, b: Any) -> Any:
    """``a and b`` for values that may be unknown: False wins over unknown."""
    if a is False or b is False:
        return False
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    return bool(a) and bool(b)


def sole_network(subnets: list, every: bool = False) -> Any:
    """The one network the ``subnets`` are in (None when none or several;
    with ``every``, also when some subnet's network is not known)."""
    networks = {id(s.network): s.network for s in subnets if s.network is not None}
    if len(networks) != 1 or (every and any(s.network is None for s in subnets)):
        return None
    return next(iter(networks.values()))


def managed_first(resources: list) -> list:
    """Managed resources before data sources: a data source reading what this
    configuration manages then stands for it (its twin)."""
    return sorted(resources, key=lambda r: r.mode != "managed")


def id_list(value: Any) -> list:
    """A list-of-ids attribute as a list (``text_list``), a string joined from
    references or an unknown list with known members as those references
    (values.id_elements, which ``Builder.resolve_all`` reads too)."""
    return id_elements(value) if isinstance(value, (Joined, Members)) else text_list(value)


def text_list(value: Any) -> list:
    """A list attribute as a list; a comma-separated string is split."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return value
    return []


class Template:
    """A fix template (see ``SNIPPETS`` in each adapter) whose fields are
    adapted by ``shape`` before filling, for a provider that spells
    protocols and ports its own way or words the fix by the fields."""

    def __init__(self, text: str, shape: Callable[[dict], dict] | None = None):
        self.text, self.shape = text, shape

    def format(self, **fields: str) -> str:
        if self.shape is not None:
            fields = self.shape(dict(fields))
        return self.text.format(**fields)


def flag(value: Any, default: Any) -> Any:
    """A switch written as a bool, "true"/"false" or "enable"/"disable": True,
    False, ``default`` when unset, an Unknown as it is (anything else too)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or isinstance(value, Unknown):
        return value
    text = str(value).strip().lower()
    if text in ("true", "enable", "enabled"):
        return True
    if text in ("false", "disable", "disabled"):
        return False
    return Unknown(f"{value!r} is not a switch vpclint knows")


def schema_value(value: Any, kind: str) -> Any:
    """``value`` as Terraform converts it for a provider-schema attribute of
    ``kind`` ("bool" or "number"): "true"/"false" are bools, "443" is a
    number. What Terraform refuses ("yes" for a bool) is an Unknown saying
    so, never a guess; None and unknowns stay as they are."""
    from vpclint.load.hcl.evaluate import EvalError, to_bool, to_number

    if value is None or isinstance(value, Unknown):
        return value
    try:
        return to_bool(value) if kind == "bool" else to_number(value)
    except EvalError as error:
        return Unknown(f"Terraform refuses this value for a {kind} attribute: {error}")


def convert_schema_types(resources: Any, types: dict[str, dict[str, str]]) -> None:
    """Convert, in place, the attributes ``types`` names (resource type →
    dotted attribute path → "bool" or "number"; a path steps into nested
    blocks) the way Terraform converts them against the provider schema, so
    every adapter reads ``auto_create_subnetworks = "false"`` as false."""
    for res in resources:
        for path, kind in types.get(res.type, {}).items():
            _convert_path(res.values, path.split("."), kind)


def _convert_path(values: Any, steps: list[str], kind: str) -> None:
    if isinstance(values, list):
        for item in values:
            _convert_path(item, steps, kind)
        return
    if not isinstance(values, dict) or steps[0] not in values:
        return
    if len(steps) > 1:
        _convert_path(values[steps[0]], steps[1:], kind)
    else:
        values[steps[0]] = schema_value(values[steps[0]], kind)


def secondary_cidr(b: Builder, res: Resource, provider: str, attribute: str, limit: Any) -> None:
    """A resource adding the CIDR in ``attribute`` to the VPC its ``vpc_id`` names;
    when that VPC is not known yet, any of ``provider``'s VPCs may hold an unknown range."""
    net = b.resolve(res.values.get("vpc_id"), res, "vpc_id")
    if isinstance(net, Network):
        cidr = b.cidr(net, attribute, "network", res.values.get(attribute), limit)
        cidr.origin = Element(res.address, res)
        net.cidrs.append(cidr)
    elif isinstance(res.values.get("vpc_id"), Unknown):  # any VPC here may hold this range
        for other in b.model.networks:
            if other.provider == provider:
                other.cidrs.append(b.cidr(other, attribute, "network", Unknown(
                    f"{res.address} adds a CIDR to a VPC that is not known yet")))


def rule_group(b: Builder, res: Resource, provider: str) -> SecurityGroup | None:
    """The security group a stand-alone rule resource names in ``security_group_id``, or
    None; a group not known yet marks ``provider``'s rules incomplete."""
    group = b.resolve(res.values.get("security_group_id"), res, "security_group_id")
    if isinstance(group, SecurityGroup):
        return group
    if isinstance(res.values.get("security_group_id"), Unknown):
        b.incomplete(provider, "rules")  # a rule of a group this model cannot place
    return None
