"""cidrsubnet, cidrsubnets and cidrhost (the HCL loader's Terraform functions)
against Terraform's documented values and the laws they obey, for IPv4 and
IPv6. tests/test_hcl_functions.py covers the error messages and more values
through a whole module; here the functions are called directly.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vpclint.load.hcl import load_module  # noqa: F401  (registers the functions)
from vpclint.load.hcl.evaluate import FUNCTIONS, EvalError, Scope

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCOPE = Scope(None)


def call(name: str, *args):
    return FUNCTIONS[name](list(args), SCOPE)


def net(text: str):
    return ipaddress.ip_network(text, strict=False)


# Terraform's documentation examples
@pytest.mark.parametrize("args, expected", [
    (("172.16.0.0/12", 4, 2), "172.18.0.0/16"),
    (("10.1.2.0/24", 4, 15), "10.1.2.240/28"),
    (("fd00:fd12:3456:7890::/56", 16, 162), "fd00:fd12:3456:7800:a200::/72"),
])
def test_cidrsubnet_documented_values(args, expected) -> None:
    assert call("cidrsubnet", *args) == expected


@pytest.mark.parametrize("args, expected", [
    (("10.12.112.0/20", 268), "10.12.113.12"),
    (("fd00:fd12:3456:7890:00a2::/72", 34), "fd00:fd12:3456:7890::22"),
    (("10.0.0.0/8", 2), "10.0.0.2"),
    (("10.0.0.0/8", -2), "10.255.255.254"),
])
def test_cidrhost_documented_values(args, expected) -> None:
    assert call("cidrhost", *args) == expected


def test_cidrsubnets_documented_values() -> None:
    assert call("cidrsubnets", "fd00:fd12:3456:7890::/56", 16, 16, 16, 32) == [
        "fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72",
        "fd00:fd12:3456:7800:300::/88"]


# -- strategies ------------------------------------------------------------------


@st.composite
def prefixes(draw) -> str:
    """A prefix, IPv4 or IPv6, with host bits set now and then (Terraform
    uses the network the prefix lies in).

    IPv6 prefixes stay in 8000::/1: netaddr writes addresses of ::/96 (the
    deprecated IPv4-compatible range) as ``::0.1.0.0`` where Terraform writes
    ``::1:0``; the value is the same range, only its text differs.
    """
    width = draw(st.sampled_from([32, 32, 128]))
    length = draw(st.integers(0 if width == 32 else 1, width))
    address = draw(st.integers(0 if width == 32 else 2 ** 127, 2 ** width - 1))
    if draw(st.booleans()):
        address &= ~((1 << (width - length)) - 1)  # a clean network address
    text = str(ipaddress.IPv4Address(address) if width == 32 else ipaddress.IPv6Address(address))
    return f"{text}/{length}"


def width_of(prefix: str) -> int:
    return net(prefix).max_prefixlen


# -- cidrsubnet --------------------------------------------------------------------


@PROPERTY
@given(prefixes(), st.data())
def test_cidrsubnet_is_the_numbered_subnet_inside_the_prefix(prefix, data) -> None:
    parent = net(prefix)
    room = parent.max_prefixlen - parent.prefixlen
    newbits = data.draw(st.integers(0, min(room, 24)))
    netnum = data.draw(st.integers(0, 2 ** newbits - 1))
    result = net(call("cidrsubnet", prefix, newbits, netnum))
    assert result.subnet_of(parent)
    assert result.prefixlen == parent.prefixlen + newbits
    assert int(result.network_address) == int(parent.network_address) + netnum * result.num_addresses
    assert call("cidrsubnet", prefix, newbits, netnum) == str(result)  # canonical: no host bits
    assert net(call("cidrhost", str(result), 0)) == net(f"{result.network_address}/{result.max_prefixlen}")


@PROPERTY
@given(prefixes(), st.data())
def test_distinct_subnet_numbers_give_disjoint_ranges(prefix, data) -> None:
    parent = net(prefix)
    room = parent.max_prefixlen - parent.prefixlen
    assume(room >= 1)
    newbits = data.draw(st.integers(1, min(room, 16)))
    first, second = data.draw(st.lists(st.integers(0, 2 ** newbits - 1), min_size=2, max_size=2, unique=True))
    a, b = net(call("cidrsubnet", prefix, newbits, first)), net(call("cidrsubnet", prefix, newbits, second))
    assert not a.overlaps(b)
    assert (a < b) == (first < second)


@PROPERTY
@given(prefixes(), st.integers(-3, 140), st.integers(-3, 10))
def test_cidrsubnet_refuses_what_does_not_fit(prefix, newbits, overshoot) -> None:
    parent = net(prefix)
    room = parent.max_prefixlen - parent.prefixlen
    if newbits < 0 or newbits > room:
        with pytest.raises(EvalError):
            call("cidrsubnet", prefix, newbits, 0)
    elif overshoot >= 0 and newbits <= 64:
        with pytest.raises(EvalError):
            call("cidrsubnet", prefix, newbits, 2 ** newbits + overshoot)


# -- cidrhost ------------------------------------------------------------------------


@PROPERTY
@given(prefixes(), st.data())
def test_cidrhost_counts_from_the_network_address_and_back_from_the_last(prefix, data) -> None:
    parent = net(prefix)
    size = parent.num_addresses
    assert call("cidrhost", prefix, 0) == str(parent.network_address)
    assert call("cidrhost", prefix, -1) == str(parent.broadcast_address)
    hostnum = data.draw(st.integers(-size, size - 1) if size <= 2 ** 64 else st.integers(-2 ** 64, 2 ** 64))
    host = ipaddress.ip_address(call("cidrhost", prefix, hostnum))
    assert host in parent
    expected = int(parent.network_address) + hostnum if hostnum >= 0 else int(parent.broadcast_address) + 1 + hostnum
    assert int(host) == expected
    with pytest.raises(EvalError):
        call("cidrhost", prefix, size)
    with pytest.raises(EvalError):
        call("cidrhost", prefix, -size - 1)


# -- cidrsubnets ---------------------------------------------------------------------


def allocate(parent, newbits_list: list[int]) -> list | None:
    """The oracle: each range starts at the first address, aligned to its
    size, after the previous one; None when one does not fit."""
    found, start = [], int(parent.network_address)
    end = int(parent.broadcast_address)
    for newbits in newbits_list:
        length = parent.prefixlen + newbits
        if newbits < 1 or length > parent.max_prefixlen:
            return None
        size = 2 ** (parent.max_prefixlen - length)
        aligned = -(-start // size) * size
        if aligned + size - 1 > end:
            return None
        found.append(type(parent)((aligned, length)))
        start = aligned + size
    return found


@PROPERTY
@given(prefixes(), st.lists(st.integers(0, 12), min_size=1, max_size=8))
def test_cidrsubnets_are_adjacent_aligned_and_disjoint(prefix, newbits_list) -> None:
    parent = net(prefix)
    expected = allocate(parent, newbits_list)
    if expected is None:
        with pytest.raises(EvalError):
            call("cidrsubnets", prefix, *newbits_list)
        return
    results = [net(text) for text in call("cidrsubnets", prefix, *newbits_list)]
    assert results == expected
    for newbits, result in zip(newbits_list, results):
        assert result.subnet_of(parent) and result.prefixlen == parent.prefixlen + newbits
    for earlier, later in zip(results, results[1:]):
        assert int(earlier.broadcast_address) < int(later.network_address)  # in order, no overlap
        # adjacent: the gap is only the alignment the later range needs
        assert int(later.network_address) - int(earlier.broadcast_address) - 1 < later.num_addresses
    assert results[0] == net(call("cidrsubnet", prefix, newbits_list[0], 0))


@PROPERTY
@given(prefixes(), st.integers(1, 8), st.integers(1, 16))
def test_equal_cidrsubnets_are_the_first_subnet_numbers(prefix, newbits, count) -> None:
    parent = net(prefix)
    assume(parent.prefixlen + newbits <= parent.max_prefixlen and count <= 2 ** newbits)
    assert call("cidrsubnets", prefix, *[newbits] * count) == [
        call("cidrsubnet", prefix, newbits, number) for number in range(count)]
