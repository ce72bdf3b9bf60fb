"""Random expressions and byte soup never make the HCL loader raise.

Whatever the input, the result is values (possibly Unknown) and LoadErrors,
never an exception and never an "internal error".
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.load.hcl.evaluate import FUNCTIONS
from vpclint.load.hcl.parse import parse_bytes

ATOMS = st.sampled_from([
    "0", "1", "-2", "3.5", "1e3", "true", "false", "null", '""', '"a"', '"10.0.0.0/16"', '"fd00::/56"',
    '"${var.s}-x"', "var.s", "var.n", "var.l", "var.m", "var.unset", "local.a", "local.cycle",
    "aws_vpc.main.id", "aws_vpc.main.cidr_block", "aws_subnet.c", "aws_subnet.f", "module.m.out",
    "count.index", "each.key", "path.module", "[]", "{}", "aws_subnet.c[*].id",
])
NAMES = st.sampled_from(sorted(FUNCTIONS) + ["try", "can", "nosuch"])
OPERATORS = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"])


def expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(NAMES, st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
            st.tuples(inner, OPERATORS, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
            st.lists(inner, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
            st.lists(inner, max_size=2).map(lambda items: "{" + ", ".join(f"k{i} = {v}" for i, v in enumerate(items)) + "}"),
            st.tuples(inner, inner).map(lambda t: f"[for x in {t[0]} : {t[1]}]"),
            st.tuples(inner, inner).map(lambda t: f"{{ for k, v in {t[0]} : k => {t[1]}... }}"),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            inner.map(lambda e: f"{e}[*].id"),
            inner.map(lambda e: f'"pre-${{{e}}}-%{{ if {e} == 1 }}y%{{ endif }}"'),
            inner.map(lambda e: f"!{e}"),
        )

    return st.recursive(ATOMS, extend, max_leaves=8)


PRELUDE = """
variable "s" { default = "x" }
variable "n" { default = 2 }
variable "l" { default = ["a", "b"] }
variable "m" { default = { a = 1 } }
variable "unset" {}
locals {
  a     = [1, 2]
  cycle = local.cycle
}
resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "c" {
  count = 2
}
resource "aws_subnet" "f" {
  for_each = { a = 1 }
}
module "m" {
  source = "./m"
}
"""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(expressions(), min_size=1, max_size=4), st.sampled_from(["", "count = 1", 'for_each = { a = "b" }']))
def test_random_expressions_never_raise(exprs: list[str], meta: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        (root / "m").mkdir()
        (root / "m" / "main.tf").write_text('output "out" {\n  value = "o"\n}\n')
        body = "\n".join(f"  v{i} = {e}" for i, e in enumerate(exprs))
        (root / "main.tf").write_text(f'{PRELUDE}\nresource "t" "r" {{\n  {meta}\n  count_of = {exprs[0]}\n{body}\n}}\n'
                                      f'resource "t" "counted" {{\n  count = {exprs[0]}\n}}\n')
        result = load_module(directory, LoadOptions())
        assert not [e for e in result.errors if "internal error" in e.message]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_byte_soup_parses_to_a_plain_form_or_an_error(data: bytes) -> None:
    plain = parse_bytes(data)
    assert isinstance(plain["blocks"], list) and isinstance(plain["errors"], list)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet='resouc "{}=[]()$%~#/*\n\\ab1.,:?!<>-+', max_size=200))
def test_hcl_like_text_never_raises(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "main.tf").write_text(text)
        result = load_module(directory, LoadOptions())
        assert not [e for e in result.errors if "internal error" in e.message]
