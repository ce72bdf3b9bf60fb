"""Terraform's numeric functions."""

from __future__ import annotations

import math

from vpclint.load.hcl.evaluate import (
    EvalError,
    norm_number,
    to_int,
    to_number,
)
from vpclint.load.hcl.functions.base import _list, function


@function("abs")
def _abs(value):
    return norm_number(abs(to_number(value)))


@function("ceil")
def _ceil(value):
    return math.ceil(to_number(value))


@function("floor")
def _floor(value):
    return math.floor(to_number(value))


@function("signum")
def _signum(value):
    number = to_number(value)
    return (number > 0) - (number < 0)


@function("pow")
def _pow(base, exponent):
    return norm_number(float(to_number(base)) ** to_number(exponent))


@function("log")
def _log(value, base):
    return norm_number(math.log(to_number(value), to_number(base)))


@function("max")
def _max(*values):
    if not values:
        raise EvalError("needs at least one number")
    return max(to_number(value) for value in values)


@function("min")
def _min(*values):
    if not values:
        raise EvalError("needs at least one number")
    return min(to_number(value) for value in values)


@function("sum")
def _sum(values):
    values = _list(values)
    if not values:
        raise EvalError("cannot sum an empty list")
    return norm_number(sum(to_number(value) for value in values))


@function("parseint")
def _parseint(text, base):
    base = to_int(base, "base")
    if not 2 <= base <= 36:
        raise EvalError(f"base {base} is not supported")
    if not isinstance(text, str):
        raise EvalError("the first argument must be a string")
    return int(text, base)
