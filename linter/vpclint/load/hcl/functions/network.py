"""IP network functions, on netaddr."""

from __future__ import annotations

from typing import Any

import netaddr

from vpclint.load.hcl.evaluate import (
    EvalError,
    to_int,
    to_str,
)
from vpclint.load.hcl.functions.base import function
from vpclint.taint import address_shaped, describe


def _not_a_cidr(text: str) -> EvalError:
    """The value is quoted only when it looks like an address (taint.py)."""
    if address_shaped(text):
        return EvalError(f"invalid CIDR address {text!r}")
    return EvalError(f"{describe(text)} that is not a CIDR address")


def _network(text: Any) -> netaddr.IPNetwork:
    text = to_str(text)
    address, slash, prefix = text.partition("/")
    if not slash or not prefix.isdigit():
        raise _not_a_cidr(text)
    try:
        return netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise _not_a_cidr(text) from None


@function("cidrsubnet")
def _cidrsubnet(prefix, newbits, netnum):
    network = _network(prefix)
    newbits, netnum = to_int(newbits, "newbits"), to_int(netnum, "netnum")
    if newbits < 0:
        raise EvalError("newbits must not be negative")
    length = network.prefixlen + newbits
    if length > _width(network):
        raise EvalError(f"insufficient address space to extend prefix of {network.prefixlen} by {newbits}")
    if not 0 <= netnum < 2**newbits:
        raise EvalError(f"prefix extension of {newbits} does not accommodate a subnet numbered {netnum}")
    first = netaddr.IPNetwork(f"{network.network}/{length}")
    return str((first.next(netnum) if netnum else first).cidr)


@function("cidrsubnets")
def _cidrsubnets(prefix, *newbits_list):
    network = _network(prefix)
    result = []
    start = network.first
    for newbits in newbits_list:
        newbits = to_int(newbits, "newbits")
        if newbits < 1:
            raise EvalError("each newbits value must be at least 1")
        length = network.prefixlen + newbits
        if length > _width(network):
            raise EvalError(f"insufficient address space to extend prefix of {network.prefixlen} by {newbits}")
        if start > network.last:
            raise EvalError(f"not enough remaining address space for a subnet with a prefix of {length} bits")
        candidate = netaddr.IPNetwork(f"{netaddr.IPAddress(start, network.version)}/{length}").cidr
        if candidate.first != start:
            try:
                candidate = candidate.next()
            except IndexError:
                raise EvalError(
                    f"not enough remaining address space for a subnet with a prefix of {length} bits"
                ) from None
        if candidate.first < network.first or candidate.last > network.last:
            raise EvalError(f"not enough remaining address space for a subnet with a prefix of {length} bits")
        result.append(str(candidate))
        start = candidate.last + 1
    return result


@function("cidrhost")
def _cidrhost(prefix, hostnum):
    network = _network(prefix).cidr
    hostnum = to_int(hostnum, "hostnum")
    size = 2 ** (_width(network) - network.prefixlen)
    if not -size <= hostnum < size:
        raise EvalError(f"prefix of {network.prefixlen} does not accommodate a host numbered {hostnum}")
    return str(network[hostnum])


@function("cidrnetmask")
def _cidrnetmask(prefix):
    network = _network(prefix)
    if network.version != 4:
        raise EvalError("only IPv4 networks have a netmask")
    return str(network.netmask)


def _width(network: netaddr.IPNetwork) -> int:
    return 32 if network.version == 4 else 128


@function("cidrcontains")
def _cidrcontains(prefix, address):
    """OpenTofu's (not Terraform's): whether an address or a prefix lies within ``prefix``."""
    network = _network(prefix)
    text = to_str(address)
    try:
        inner = _network(text) if "/" in text else netaddr.IPNetwork(str(netaddr.IPAddress(text)))
    except (netaddr.AddrFormatError, ValueError):
        raise _not_a_cidr(text) from None
    if inner.version != network.version:
        raise EvalError("address family mismatch: the prefix and the address must both be IPv4 or both IPv6")
    return inner.first >= network.first and inner.last <= network.last
