"""The HCL loader: variables, locals, expansion, references, modules, errors.

Small configurations are written to tmp_path; module layouts live under
fixtures/hcl_modules and fixtures/hcl_remote.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import vpclint.load.hcl as hcl
from vpclint.load import LoadOptions, load_path
from vpclint.load.hcl import load_module
from vpclint.resources import LoadError, Span, UnknownNote
from vpclint.values import Joined, Ref, Unknown

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def write(directory: Path, files: dict[str, str | bytes]) -> str:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return str(directory)


def load(directory: Path, files: dict[str, str | bytes], **options):
    return load_module(write(directory, files), LoadOptions(**options))


def clean(directory: Path, files: dict[str, str | bytes], **options) -> dict:
    """Load, insist on no errors, and index resources by address."""
    result = load(directory, files, **options)
    assert result.errors == []
    return {r.address: r for r in result.resources}


def value(tmp_path: Path, expression: str, prelude: str = "", **options):
    """The evaluated value of one expression, as a resource attribute."""
    resources = clean(tmp_path, {"main.tf": f'{prelude}\nresource "t" "r" {{\n  v = {expression}\n}}\n'}, **options)
    return resources["t.r"].values["v"]


# ---------------------------------------------------------------------------
# variables
# ---------------------------------------------------------------------------

VARIABLES = """
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
variable "f" { default = "default" }
variable "g" { default = "default" }
resource "t" "r" {
  a = var.a
  b = var.b
  c = var.c
  d = var.d
  e = var.e
  f = var.f
  g = var.g
}
"""


def test_variable_precedence(tmp_path: Path) -> None:
    var_file = tmp_path / "extra" / "x.tfvars"
    files = {
        "main.tf": VARIABLES,
        "terraform.tfvars": 'c = "tfvars"\nd = "tfvars"\ne = "tfvars"\nf = "tfvars"\ng = "tfvars"\n',
        "terraform.tfvars.json": '{"d": "tfvars.json"}',
        "a.auto.tfvars": 'e = "auto-a"\nf = "auto-a"\ng = "auto-a"\n',
        "b.auto.tfvars.json": '{"e": "auto-b", "f": "auto-b", "g": "auto-b"}',
        "extra/x.tfvars": 'f = "var-file"\ng = "var-file"\n',
    }
    env = {"TF_VAR_b": "env", "TF_VAR_c": "env", "TF_VAR_g": "env"}
    resources = clean(tmp_path, files, env=env, var_files=[str(var_file)], vars=[("g", "cli-1"), ("g", "cli-2")])
    assert resources["t.r"].values == {
        "a": "default", "b": "env", "c": "tfvars", "d": "tfvars.json",
        "e": "auto-b", "f": "var-file", "g": "cli-2",
    }


def test_variable_files_are_reported_as_read(tmp_path: Path) -> None:
    result = load(tmp_path, {"main.tf": VARIABLES, "terraform.tfvars": 'a = "x"\n'})
    assert result.files == [os.path.join(str(tmp_path), "main.tf"), os.path.join(str(tmp_path), "terraform.tfvars")]


def test_cli_values_are_parsed_when_they_look_like_hcl(tmp_path: Path) -> None:
    prelude = """
variable "n" {}
variable "l" {}
variable "m" {}
variable "b" {}
variable "s" {}
variable "typed" { type = string }
"""
    resources = clean(tmp_path, {"main.tf": prelude + """
resource "t" "r" {
  n = var.n
  l = var.l
  m = var.m
  b = var.b
  s = var.s
  typed = var.typed
}
"""}, vars=[("n", "5"), ("l", '["a", "b"]'), ("m", "{ x = 1 }"), ("b", "true"), ("s", "10.0.0.0/16"), ("typed", "[1]")])
    assert resources["t.r"].values == {
        "n": 5, "l": ["a", "b"], "m": {"x": 1}, "b": True, "s": "10.0.0.0/16", "typed": "[1]",
    }


def test_variable_types_are_applied_loosely(tmp_path: Path) -> None:
    prelude = """
variable "port" { type = number }
variable "flag" { type = bool }
variable "names" { type = set(string) }
variable "count_str" { type = string }
variable "cfg" {
  type = object({
    cidr = string
    size = optional(number, 24)
    tags = optional(map(string))
  })
}
variable "bad" { type = number }
"""
    resources = clean(tmp_path, {"main.tf": prelude + """
resource "t" "r" {
  port = var.port
  flag = var.flag
  names = var.names
  count_str = var.count_str
  cfg = var.cfg
  bad = var.bad
}
""", "terraform.tfvars": 'port = "8080"\nflag = "true"\nnames = ["b", "a", "b"]\ncount_str = 3\n'
                           'cfg = { cidr = "10.0.0.0/8", extra = 1 }\nbad = "many"\n'})
    values = resources["t.r"].values
    assert values["port"] == 8080
    assert values["flag"] is True
    assert values["names"] == ["a", "b"]
    assert values["count_str"] == "3"
    assert values["cfg"] == {"cidr": "10.0.0.0/8", "size": 24, "tags": None}
    assert values["bad"] == Unknown("invalid value for variable var.bad: a 4-character value is not a number")


def test_variable_without_value_is_unknown(tmp_path: Path) -> None:
    assert value(tmp_path, "var.x", 'variable "x" {}') == Unknown("variable var.x has no value")


def test_undeclared_variable_is_unknown(tmp_path: Path) -> None:
    assert value(tmp_path, "var.nope") == Unknown('reference to undeclared input variable "nope"')


def test_null_default_is_a_value(tmp_path: Path) -> None:
    assert value(tmp_path, 'var.x == null ? "none" : var.x', 'variable "x" { default = null }') == "none"


# ---------------------------------------------------------------------------
# locals, special names
# ---------------------------------------------------------------------------


def test_locals_resolve_in_any_order_across_files(tmp_path: Path) -> None:
    resources = clean(tmp_path, {
        "a.tf": 'resource "t" "r" {\n  name = local.full\n}\nlocals {\n  full = "${local.prefix}-${local.b}"\n}\n',
        "b.tf": 'locals {\n  prefix = upper(local.b)\n  b = "vpc"\n}\n',
    })
    assert resources["t.r"].values == {"name": "VPC-vpc"}


def test_local_cycle_is_unknown(tmp_path: Path) -> None:
    result = value(tmp_path, "local.a", "locals {\n  a = local.b\n  b = local.a\n}\n")
    assert isinstance(result, Unknown) and "depends on itself" in result.reason


def test_duplicate_local_is_an_error(tmp_path: Path) -> None:
    result = load(tmp_path, {"a.tf": "locals {\n  x = 1\n}\n", "b.tf": "locals {\n  y = 2\n  x = 3\n}\n"})
    assert result.errors == [LoadError(str(tmp_path / "b.tf"), 3, f"duplicate local.x: already defined at {tmp_path / 'a.tf'}:2")]


def test_path_and_workspace(tmp_path: Path) -> None:
    assert value(tmp_path, '"${path.module}|${path.root}|${terraform.workspace}"') == ".|.|default"


def test_self_is_unknown(tmp_path: Path) -> None:
    assert isinstance(value(tmp_path, "self.id"), Unknown)


def test_file_reads_small_files_in_the_module(tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_text('{"cidr": "10.0.0.0/8"}')
    assert value(tmp_path, 'jsondecode(file("${path.module}/policy.json")).cidr') == "10.0.0.0/8"
    result = load(tmp_path / "sub", {"main.tf": 'resource "t" "r" {\n  v = file("../policy.json")\n}\n'})
    outside = result.resources[0].values["v"]
    assert isinstance(outside, Unknown) and "outside the repository" in outside.reason
    assert [(e.file, e.line) for e in result.errors] == [(str(tmp_path / "sub" / "main.tf"), 1)]  # an error too


def test_nullable_false_uses_the_default_for_null(tmp_path: Path) -> None:
    resources = clean(tmp_path, {
        "main.tf": 'module "m" {\n  source = "./m"\n  a = null\n  b = null\n}\n',
        "m/main.tf": 'variable "a" {\n  default = "da"\n  nullable = false\n}\nvariable "b" {\n  default = "db"\n}\n'
                     'resource "t" "r" {\n  a = var.a\n  b = var.b\n}\n',
    })
    assert resources["module.m.t.r"].values == {"a": "da", "b": None}


def test_override_files_merge_into_their_base_blocks(tmp_path: Path) -> None:
    result = load(tmp_path, {
        "main.tf": """
variable "cidr" {
  default = "10.0.0.0/16"
}
locals {
  name = "base"
}
resource "aws_security_group" "sg" {
  name = local.name
  vpc  = "v"
  ingress {
    from_port = 1
  }
  egress {
    from_port = 2
  }
}
""",
        "override.tf": 'variable "cidr" {\n  default = "10.1.0.0/16"\n}\n',
        "z_override.tf": """locals {
  name = "over"
}
resource "aws_security_group" "sg" {
  cidr = var.cidr
  ingress {
    from_port = 3
  }
}
resource "aws_vpc" "ghost" {
  cidr_block = "10.9.0.0/16"
}
""",
    })
    assert result.errors == [LoadError(str(tmp_path / "z_override.tf"), 10, "override resource aws_vpc.ghost has no base block to override")]
    (sg,) = result.resources
    assert (sg.address, sg.file, sg.line) == ("aws_security_group.sg", str(tmp_path / "main.tf"), 8)
    assert sg.values == {"name": "over", "vpc": "v", "cidr": "10.1.0.0/16", "egress": [{"from_port": 2}], "ingress": [{"from_port": 3}]}


# ---------------------------------------------------------------------------
# count and for_each
# ---------------------------------------------------------------------------


def test_count_instances(tmp_path: Path) -> None:
    result = load(tmp_path, {"main.tf": """
variable "azs" { default = ["a", "b", "c"] }
resource "aws_subnet" "s" {
  count      = length(var.azs)
  cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
  az         = var.azs[count.index]
}
resource "aws_subnet" "none" {
  count = 0
}
"""})
    assert result.errors == [] and result.unknowns == []
    assert [(r.address, r.index, r.values) for r in result.resources] == [
        ("aws_subnet.s[0]", 0, {"cidr_block": "10.0.0.0/24", "az": "a"}),
        ("aws_subnet.s[1]", 1, {"cidr_block": "10.0.1.0/24", "az": "b"}),
        ("aws_subnet.s[2]", 2, {"cidr_block": "10.0.2.0/24", "az": "c"}),
    ]
    assert all(r.line == 3 and r.end_line == 7 for r in result.resources)


def test_for_each_map_and_set(tmp_path: Path) -> None:
    resources = clean(tmp_path, {"main.tf": """
resource "aws_subnet" "m" {
  for_each   = { web = 1, db = 2 }
  cidr_block = cidrsubnet("10.0.0.0/16", 8, each.value)
  name       = each.key
}
resource "aws_subnet" "s" {
  for_each = toset(["b", "a"])
  name     = each.value
}
"""})
    assert list(resources) == ['aws_subnet.m["db"]', 'aws_subnet.m["web"]', 'aws_subnet.s["a"]', 'aws_subnet.s["b"]']
    assert resources['aws_subnet.m["web"]'].values == {"cidr_block": "10.0.1.0/24", "name": "web"}
    assert resources['aws_subnet.m["web"]'].index == "web"
    assert resources['aws_subnet.s["b"]'].values == {"name": "b"}


def test_unknown_count_and_for_each_make_no_instances(tmp_path: Path) -> None:
    result = load(tmp_path, {"main.tf": """
variable "n" {}
resource "aws_vpc" "v" {}
resource "aws_subnet" "c" {
  count = var.n
}
resource "aws_subnet" "f" {
  for_each = toset([aws_vpc.v.id])
}
"""})
    assert result.errors == []
    assert [r.address for r in result.resources] == ["aws_vpc.v"]
    assert result.unknowns == [
        UnknownNote("aws_subnet.c", "count", "variable var.n has no value"),
        UnknownNote("aws_subnet.f", "for_each", "aws_vpc.v.id is known only after apply"),
    ]


def test_count_limits_and_bad_values(tmp_path: Path) -> None:
    result = load(tmp_path, {"main.tf": """
resource "a" "huge" {
  count = 20000
}
resource "a" "negative" {
  count = -1
}
resource "a" "both" {
  count    = 1
  for_each = {}
}
resource "a" "list" {
  for_each = [1, 2]
}
resource "a" "ok" {
  count = "2"
}
"""})
    main = str(tmp_path / "main.tf")
    assert result.errors == [
        LoadError(main, 2, "a.huge: count of 20000 exceeds the limit of 10000"),
        LoadError(main, 5, "a.negative: count must be a non-negative whole number, got -1"),
        LoadError(main, 8, 'a.both: "count" and "for_each" cannot both be set'),
        LoadError(main, 12, "a.list: for_each set must contain only strings"),
    ]
    assert [r.address for r in result.resources] == ["a.ok[0]", "a.ok[1]"]


# ---------------------------------------------------------------------------
# nested and dynamic blocks
# ---------------------------------------------------------------------------


def test_nested_and_dynamic_blocks(tmp_path: Path) -> None:
    resources = clean(tmp_path, {"main.tf": """
variable "rules" {
  default = [
    { port = 22, cidrs = ["10.0.0.0/8"] },
    { port = 443, cidrs = ["0.0.0.0/0"] },
  ]
}
resource "aws_security_group" "sg" {
  name = "web"
  ingress {
    from_port = 80
  }
  dynamic "ingress" {
    for_each = var.rules
    iterator = rule
    content {
      from_port   = rule.value.port
      cidr_blocks = rule.value.cidrs
      description = "rule ${rule.key}"
      dynamic "tag" {
        for_each = { a = 1 }
        content {
          k = tag.key
          outer = rule.key
        }
      }
    }
  }
  egress {
    from_port = 0
  }
  lifecycle {
    create_before_destroy = true
  }
  depends_on = [aws_vpc.x]
  timeouts {
    create = "5m"
  }
}
resource "aws_security_group" "attr_form" {
  ingress = [{ from_port = 1 }, { from_port = 2 }]
}
"""})
    assert resources["aws_security_group.sg"].values == {
        "name": "web",
        "ingress": [
            {"from_port": 80},
            {"from_port": 22, "cidr_blocks": ["10.0.0.0/8"], "description": "rule 0", "tag": [{"k": "a", "outer": 0}]},
            {"from_port": 443, "cidr_blocks": ["0.0.0.0/0"], "description": "rule 1", "tag": [{"k": "a", "outer": 1}]},
        ],
        "egress": [{"from_port": 0}],
        "timeouts": [{"create": "5m"}],
    }
    assert resources["aws_security_group.attr_form"].values == {"ingress": [{"from_port": 1}, {"from_port": 2}]}


def test_dynamic_block_with_unknown_for_each(tmp_path: Path) -> None:
    resources = clean(tmp_path, {"main.tf": """
variable "ports" {}
resource "aws_security_group" "sg" {
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port = ingress.value
    }
  }
  egress {
    from_port = 0
  }
}
"""})
    assert resources["aws_security_group.sg"].values == {
        "ingress": Unknown("variable var.ports has no value"),
        "egress": [{"from_port": 0}],
    }


# ---------------------------------------------------------------------------
# references
# ---------------------------------------------------------------------------

REFS = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "c" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
}
resource "aws_subnet" "f" {
  for_each = { a = 1 }
  vpc_id   = aws_vpc.main.id
}
data "aws_vpc" "shared" {
  tags = { Name = "shared" }
}
resource "t" "r" {
  vpc          = aws_vpc.main.id
  cidr         = aws_vpc.main.cidr_block
  splat        = aws_subnet.c[*].id
  for          = [for s in aws_subnet.c : s.id]
  each_values  = values(aws_subnet.f)[*].id
  one          = aws_subnet.f["a"].id
  whole_count  = length(aws_subnet.c)
  whole_map    = keys(aws_subnet.f)
  data_id      = data.aws_vpc.shared.id
  data_tags    = data.aws_vpc.shared.tags
  nested       = aws_vpc.main.tags_all["Name"]
  template     = "${aws_vpc.main.id}-x"
  configured   = aws_subnet.c[1].cidr_block
}
"""


def test_references(tmp_path: Path) -> None:
    result = load(tmp_path, {"main.tf": REFS})
    assert result.errors == []
    values = {r.address: r for r in result.resources}["t.r"].values
    assert values["vpc"] == Ref("aws_vpc.main.id is known only after apply", address="aws_vpc.main", attr="id")
    assert values["cidr"] == "10.0.0.0/16"
    assert [(ref.address, ref.attr) for ref in values["splat"]] == [("aws_subnet.c[0]", "id"), ("aws_subnet.c[1]", "id")]
    assert values["for"] == values["splat"]
    assert [(ref.address, ref.attr) for ref in values["each_values"]] == [('aws_subnet.f["a"]', "id")]
    assert (values["one"].address, values["one"].attr) == ('aws_subnet.f["a"]', "id")
    assert values["whole_count"] == 2
    assert values["whole_map"] == ["a"]
    assert (values["data_id"].address, values["data_id"].attr) == ("data.aws_vpc.shared", "id")
    assert values["data_tags"] == {"Name": "shared"}
    assert (values["nested"].address, values["nested"].attr) == ("aws_vpc.main", 'tags_all["Name"]')
    assert values["template"] == Joined("aws_vpc.main.id is known only after apply", parts=(values["vpc"], "-x"))
    assert values["configured"] == "10.0.1.0/24"


def test_data_sources_are_resources(tmp_path: Path) -> None:
    result = load(tmp_path, {"main.tf": REFS})
    data = [r for r in result.resources if r.mode == "data"]
    assert [(r.address, r.type, r.name, r.values) for r in data] == [
        ("data.aws_vpc.shared", "aws_vpc", "shared", {"tags": {"Name": "shared"}})
    ]


def test_whole_resource_values(tmp_path: Path) -> None:
    resources = clean(tmp_path, {"main.tf": """
resource "aws_subnet" "c" {
  count = 2
  cidr_block = "10.0.${count.index}.0/24"
}
resource "t" "r" {
  list = aws_subnet.c
  cidrs = aws_subnet.c[*].cidr_block
}
"""})
    assert resources["t.r"].values == {
        "list": [{"cidr_block": "10.0.0.0/24"}, {"cidr_block": "10.0.1.0/24"}],
        "cidrs": ["10.0.0.0/24", "10.0.1.0/24"],
    }


def test_reference_errors_become_unknown(tmp_path: Path) -> None:
    resources = clean(tmp_path, {"main.tf": """
resource "t" "r" {
  a = aws_nope.x.id
  b = local.nope
  c = count.index
  d = { x = 1 }.y
}
"""})
    assert resources["t.r"].values == {
        "a": Unknown("reference to undeclared resource aws_nope.x"),
        "b": Unknown('reference to undeclared local value "nope"'),
        "c": Unknown("count is only available in blocks that use count"),
        "d": Unknown("object has no attribute 'y'"),
    }


def test_resources_referring_to_each_other(tmp_path: Path) -> None:
    resources = clean(tmp_path, {"main.tf": """
resource "aws_security_group" "a" {
  peer = aws_security_group.b.id
  name = "a"
}
resource "aws_security_group" "b" {
  peer = aws_security_group.a.id
  self_loop = aws_security_group.b.self_loop
}
"""})
    assert resources["aws_security_group.a"].values["peer"].address == "aws_security_group.b"
    assert resources["aws_security_group.b"].values["peer"].address == "aws_security_group.a"
    loop = resources["aws_security_group.b"].values["self_loop"]
    assert isinstance(loop, Unknown) and "depends on itself" in loop.reason


def test_ignored_blocks(tmp_path: Path) -> None:
    result = load(tmp_path, {"main.tf": """
terraform {
  required_version = ">= 1.5"
}
provider "aws" {
  region = "eu-west-1"
}
moved {
  from = aws_vpc.old
  to   = aws_vpc.new
}
import {
  to = aws_vpc.new
  id = "vpc-1"
}
removed {
  from = aws_vpc.gone
}
check "health" {
  data "http" "probe" {
    url = "https://example.com"
  }
  assert {
    condition     = true
    error_message = "down"
  }
}
resource "aws_vpc" "new" {
  provider   = aws.west
  cidr_block = "10.0.0.0/16"
}
"""})
    assert result.errors == []
    assert [(r.address, r.values) for r in result.resources] == [("aws_vpc.new", {"cidr_block": "10.0.0.0/16"})]


# ---------------------------------------------------------------------------
# modules
# ---------------------------------------------------------------------------


def test_local_modules_with_outputs_and_call_sites() -> None:
    root = os.path.join(str(FIXTURES), "hcl_modules")
    result = load_module(root, LoadOptions())
    assert result.errors == [] and result.unknowns == []
    by = {r.address: r for r in result.resources}
    assert list(by) == [
        "module.net.aws_vpc.this",
        "module.net.module.rt.aws_route_table.this",
        'module.zones["a"].aws_subnet.this',
        'module.zones["b"].aws_subnet.this',
        "module.extra[0].aws_subnet.this",
        "module.extra[1].aws_subnet.this",
        "aws_route.r",
    ]
    main = os.path.join(root, "main.tf")
    net = os.path.join(root, "modules", "net", "main.tf")
    rt = by["module.net.module.rt.aws_route_table.this"]
    assert (rt.module, rt.file, rt.line, rt.end_line) == ("module.net.module.rt", os.path.join(root, "modules", "rt", "main.tf"), 4, 6)
    assert rt.call_sites == (Span(main, 7, 11), Span(net, 14, 17))
    assert rt.values["vpc_id"].address == "module.net.aws_vpc.this"
    assert by["module.net.aws_vpc.this"].values == {"cidr_block": "10.0.0.0/16", "tags": {"Name": "core-prod"}}
    assert by["module.net.aws_vpc.this"].call_sites == (Span(main, 7, 11),)
    zone_b = by['module.zones["b"].aws_subnet.this']
    assert zone_b.module == 'module.zones["b"]'
    assert zone_b.values["cidr_block"] == "10.0.32.0/20"
    assert zone_b.call_sites == (Span(main, 13, 19),)
    assert by["module.extra[1].aws_subnet.this"].values["cidr_block"] == "10.9.1.0/24"
    route = by["aws_route.r"].values
    assert route["route_table_id"].address == "module.net.module.rt.aws_route_table.this"
    assert route["dest"] == "10.0.16.0/20"
    assert route["all"] == ["10.9.0.0/24", "10.9.1.0/24"]
    assert [ref.address for ref in route["subnet_ids"]] == ['module.zones["a"].aws_subnet.this', 'module.zones["b"].aws_subnet.this']
    rt_file = os.path.join(root, "modules", "rt", "main.tf")
    assert result.comments[rt_file] == [(3, "# vpclint-ignore: some_rule")]


def test_module_files_are_parsed_once_per_directory(tmp_path: Path, monkeypatch) -> None:
    calls = []
    original = hcl.parse_bytes
    monkeypatch.setattr(hcl, "parse_bytes", lambda data: calls.append(1) or original(data))
    result = load_module(os.path.join(str(FIXTURES), "hcl_modules"), LoadOptions())
    assert result.errors == []
    assert len(calls) == 4  # root, net, rt and zone, though zone is used four times


def test_remote_modules_from_the_manifest() -> None:
    root = os.path.join(str(FIXTURES), "hcl_remote")
    result = load_module(root, LoadOptions())
    assert result.errors == []
    by = {r.address: r for r in result.resources}
    assert list(by) == ["module.vpc.aws_vpc.this", "module.vpc.module.sub.aws_subnet.this", "aws_security_group_rule.r"]
    sub = by["module.vpc.module.sub.aws_subnet.this"]
    assert sub.file == os.path.join(root, ".terraform", "modules", "vpc", "modules", "sub", "main.tf")
    assert sub.values["vpc_id"].address == "module.vpc.aws_vpc.this"
    reason = "remote module not downloaded: git::https://example.com/network.git?ref=v1"
    assert by["aws_security_group_rule.r"].values == {"cidr_blocks": ["10.20.0.0/16"], "sg": Unknown(reason)}
    assert result.unknowns == [UnknownNote("module.missing", "source", reason)]


def test_remote_modules_without_manifest(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "hcl_remote" / "main.tf", tmp_path / "main.tf")
    result = load_module(str(tmp_path), LoadOptions())
    assert result.errors == []
    assert [r.address for r in result.resources] == ["aws_security_group_rule.r"]
    reason = "remote module not downloaded: terraform-aws-modules/vpc/aws"
    assert result.resources[0].values["cidr_blocks"] == [Unknown(reason)]
    assert result.unknowns[0] == UnknownNote("module.vpc", "source", reason)


def test_module_recursion_is_an_error(tmp_path: Path) -> None:
    result = load(tmp_path, {
        "main.tf": 'module "a" {\n  source = "./a"\n}\n',
        "a/main.tf": 'resource "t" "x" {}\nmodule "back" {\n  source = "../a"\n}\n',
    })
    assert [r.address for r in result.resources] == ["module.a.t.x"]
    assert result.errors == [LoadError(str(tmp_path / "a" / "main.tf"), 2, "module back includes itself (source '../a')")]


def test_missing_local_module_directory(tmp_path: Path) -> None:
    result = load(tmp_path, {"main.tf": 'module "m" {\n  source = "./nope"\n}\n'})
    assert result.errors == [LoadError(str(tmp_path / "main.tf"), 1, f"module directory {tmp_path / 'nope'} does not exist")]


def test_module_outputs_across_modules_and_cycles(tmp_path: Path) -> None:
    resources = clean(tmp_path, {
        "main.tf": """
module "a" {
  source = "./m"
  input  = "10.0.0.0/16"
}
module "b" {
  source = "./m"
  input  = module.a.out
}
module "c" {
  source = "./m"
  input  = module.d.out
}
module "d" {
  source = "./m"
  input  = module.c.out
}
""",
        "m/main.tf": 'variable "input" {}\nresource "t" "r" {\n  v = var.input\n}\noutput "out" {\n  value = var.input\n}\n',
    })
    assert resources["module.b.t.r"].values == {"v": "10.0.0.0/16"}
    cyclic = resources["module.c.t.r"].values["v"]
    assert isinstance(cyclic, Unknown) and "depends on itself" in cyclic.reason


def test_module_with_unknown_count(tmp_path: Path) -> None:
    result = load(tmp_path, {
        "main.tf": 'variable "n" {}\nmodule "m" {\n  source = "./m"\n  count  = var.n\n}\n',
        "m/main.tf": 'resource "t" "r" {}\n',
    })
    assert result.resources == []
    assert result.unknowns == [UnknownNote("module.m", "count", "variable var.n has no value")]


def test_child_variable_defaults_and_types(tmp_path: Path) -> None:
    resources = clean(tmp_path, {
        "main.tf": 'module "m" {\n  source = "./m"\n  port = "80"\n}\n',
        "m/main.tf": 'variable "port" {\n  type = number\n}\nvariable "proto" {\n  default = "tcp"\n}\n'
                     'variable "unset" {}\nresource "t" "r" {\n  port = var.port\n  proto = var.proto\n  unset = var.unset\n}\n',
    })
    assert resources["module.m.t.r"].values == {"port": 80, "proto": "tcp", "unset": Unknown("variable var.unset has no value")}


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


def test_parse_error_keeps_the_rest_of_the_module(tmp_path: Path) -> None:
    result = load(tmp_path, {
        "a.tf": 'resource "t" "good" {\n  x = 1\n}\n',
        "b.tf": 'resource "t" "bad" {\n  x = 1\n}\n}\n',
        "c.tf": 'resource "t" "eof" {\n  x = 1\n',
    })
    assert result.errors == [
        LoadError(str(tmp_path / "b.tf"), 4, "unexpected token '}'"),
        LoadError(str(tmp_path / "c.tf"), 2, "unexpected end of file, expected '}'"),
    ]
    assert [r.address for r in result.resources] == ["t.good"]


def test_encoding_bom_crlf_and_empty_files(tmp_path: Path) -> None:
    result = load(tmp_path, {
        "bom.tf": b'\xef\xbb\xbfresource "t" "bom" {\r\n  x = "y" # note\r\n  h = <<EOT\r\nline\r\nEOT\r\n}\r\n',
        "bad.tf": b'resource "t" "bad" {\n  x = "\xff"\n}\n',
        "empty.tf": b"",
    })
    assert result.errors == [LoadError(str(tmp_path / "bad.tf"), 2, "file is not valid UTF-8 (byte 0xff)")]
    assert [(r.address, r.values, r.line, r.end_line) for r in result.resources] == [
        ("t.bom", {"x": "y", "h": "line\n"}, 1, 6)
    ]
    assert result.comments[str(tmp_path / "bom.tf")] == [(2, "# note")]
    assert result.comments[str(tmp_path / "empty.tf")] == []


def test_too_large_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(hcl, "MAX_FILE_BYTES", 1024 * 1024)
    result = load(tmp_path, {"big.tf": "#" * (1024 * 1024 + 1), "ok.tf": 'resource "t" "r" {}\n'})
    assert result.errors == [LoadError(str(tmp_path / "big.tf"), None, "file is larger than 1 MB")]
    assert [r.address for r in result.resources] == ["t.r"]


def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = load(tmp_path, {"deep.tf": "x = " + "[" * 3000 + "]" * 3000 + "\n", "ok.tf": 'resource "t" "r" {}\n'})
    assert [e.file for e in result.errors] == [str(tmp_path / "deep.tf")]
    assert "nested too deeply" in result.errors[0].message
    assert [r.address for r in result.resources] == ["t.r"]


def test_bad_variable_inputs(tmp_path: Path) -> None:
    result = load(tmp_path, {
        "main.tf": 'variable "x" {}\nvariable "y" {}\n',
        "terraform.tfvars": 'x = 1\ny = [\n',
        "broken.auto.tfvars.json": '{"x": 1,\n}',
    }, vars=[("x", "[1,")], var_files=[str(tmp_path / "missing.tfvars")])
    assert result.errors == [
        LoadError(str(tmp_path / "terraform.tfvars"), 2, "unexpected end of file"),
        LoadError(str(tmp_path / "broken.auto.tfvars.json"), 2, "invalid JSON: Expecting property name enclosed in double quotes"),
        LoadError(str(tmp_path / "missing.tfvars"), None, "cannot read variables file: no such file"),
        LoadError("--var x", 1, "invalid value: unexpected end of file"),
    ]


def test_duplicate_resource_address(tmp_path: Path) -> None:
    result = load(tmp_path, {
        "a.tf": 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n',
        "b.tf": '\n\nresource "aws_vpc" "main" {\n  cidr_block = "10.1.0.0/16"\n}\n',
    })
    assert result.errors == [LoadError(str(tmp_path / "b.tf"), 3, f"duplicate resource aws_vpc.main: already defined at {tmp_path / 'a.tf'}:1")]
    assert [r.values for r in result.resources] == [{"cidr_block": "10.0.0.0/16"}]


def test_missing_directory(tmp_path: Path) -> None:
    result = load_module(str(tmp_path / "nope"), LoadOptions())
    assert result.errors == [LoadError(str(tmp_path / "nope"), None, "cannot read the module directory")]


# ---------------------------------------------------------------------------
# files, paths, comments, cache
# ---------------------------------------------------------------------------


def test_only_the_given_files(tmp_path: Path) -> None:
    write(tmp_path, {"a.tf": 'resource "t" "a" {}\n', "b.tf": 'resource "t" "b" {}\n'})
    result = load_path(str(tmp_path / "b.tf"), LoadOptions())
    assert [(r.address, r.file) for r in result.resources] == [("t.b", str(tmp_path / "b.tf"))]


def test_paths_are_joined_as_given(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path / "net", {"main.tf": 'resource "t" "a" {}\n'})
    monkeypatch.chdir(tmp_path)
    result = load_module("net", LoadOptions())
    assert result.resources[0].file == os.path.join("net", "main.tf")
    assert result.files == [os.path.join("net", "main.tf")]


def test_comments_are_collected_with_lines(tmp_path: Path) -> None:
    source = """# header
resource "t" "r" { // open
  a = "# not a comment"
  b = "// nor this" # real
  c = (1 # inside
    + 2)
  /* block
     comment */
  h = <<EOT
# heredoc text
EOT
  d = true ? 1 : 2 // after
}
"""
    result = load(tmp_path, {"main.tf": source})
    assert result.errors == []
    assert result.comments[str(tmp_path / "main.tf")] == [
        (1, "# header"), (2, "// open"), (4, "# real"), (5, "# inside"),
        (7, "/* block\n     comment */"), (12, "// after"),
    ]
    assert result.resources[0].values == {"a": "# not a comment", "b": "// nor this", "c": 3, "h": "# heredoc text\n", "d": 1}


def test_cache_serves_the_second_load(tmp_path: Path, monkeypatch) -> None:
    root = write(tmp_path / "src", {"main.tf": REFS + "# end\n"})
    cache = str(tmp_path / "cache")
    first = load_module(root, LoadOptions(cache_dir=cache))
    entries = list((tmp_path / "cache" / "hcl").rglob("*.json"))
    assert len(entries) == 1
    shutil.rmtree(tmp_path / "cache" / "loads")  # the whole load's result: here the parse cache must serve

    def refuse(data: bytes) -> dict:
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(hcl, "parse_bytes", refuse)
    second = load_module(root, LoadOptions(cache_dir=cache))
    assert second == first
    assert second.comments == {os.path.join(root, "main.tf"): [(REFS.count("\n") + 1, "# end")]}


def test_corrupt_cache_entry_is_ignored_and_rewritten(tmp_path: Path) -> None:
    root = write(tmp_path / "src", {"main.tf": REFS})
    cache = str(tmp_path / "cache")
    first = load_module(root, LoadOptions(cache_dir=cache))
    (entry,) = list((tmp_path / "cache" / "hcl").rglob("*.json"))
    entry.write_text('{"v": 1, "blocks": [')
    shutil.rmtree(tmp_path / "cache" / "loads")
    second = load_module(root, LoadOptions(cache_dir=cache))
    assert second == first
    assert entry.read_text().startswith('{"mac":')  # signed (load/hcl/trust.py)
    assert len(entry.read_text()) > 100


def test_cache_key_changes_with_content(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    load(tmp_path / "a", {"main.tf": 'resource "t" "r" { x = 1 }\n'}, cache_dir=cache)
    load(tmp_path / "b", {"main.tf": 'resource "t" "r" { x = 2 }\n'}, cache_dir=cache)
    assert len(list((tmp_path / "cache" / "hcl").rglob("*.json"))) == 2
    assert value(tmp_path / "c", "1") == 1


def test_many_files_in_parallel_keep_their_order(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(hcl, "PARALLEL_MIN_BYTES", 0)
    files = {f"f{i:02d}.tf": f'# file {i}\nresource "t" "r{i:02d}" {{\n  v = {i} * 2\n}}\n' for i in range(20)}
    result = load(tmp_path, files)
    assert result.errors == []
    assert [(r.address, r.values["v"], r.line) for r in result.resources] == [(f"t.r{i:02d}", i * 2, 2) for i in range(20)]
    assert result.comments[str(tmp_path / "f07.tf")] == [(1, "# file 7")]


@pytest.mark.parametrize("option", ["vars", "env"])
def test_references_are_not_allowed_in_variable_values(tmp_path: Path, option: str) -> None:
    kwargs = {"vars": [("x", "[var.y]")]} if option == "vars" else {"env": {"TF_VAR_x": "[var.y]"}}
    result = value(tmp_path, "var.x", 'variable "x" {}', **kwargs)
    assert isinstance(result, Unknown) and "references are not allowed" in result.reason


# ---------------------------------------------------------------------------
# templates: templatefile() and templatestring()
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("template, expression, expected", [
    ("ns=${ns}\n", 'templatefile("t.tftpl", { ns = "apps" })', "ns=apps\n"),
    ("ns=${ns}", 'templatefile("t.tftpl", { ns = "apps" })', "ns=apps"),
    ("${ports}", 'templatefile("t.tftpl", { ports = [53, 443] })', [53, 443]),
    ("%{ for p in ps }${p};%{ endfor }", 'templatefile("t.tftpl", { ps = [1, 2] })', "1;2;"),
    ('say "${x}" \\n $${literal}\nEOT\n${x}', 'templatefile("t.tftpl", { x = "hi" })',
     'say "hi" \\n ${literal}\nEOT\nhi'),
    ("", 'templatestring(local.t, { c = 1 })', "a-1"),  # local.t is the string a-${c}
])
def test_templates_render_as_terraform_renders_them(template: str, expression: str, expected, tmp_path: Path) -> None:
    (tmp_path / "t.tftpl").write_text(template)
    assert value(tmp_path, expression, 'locals {\n  t = "a-$${c}"\n}') == expected


@pytest.mark.parametrize("template, expression, reason", [
    ("${x}", 'templatefile("t.tftpl", { x = aws_vpc.v.id })', "after apply"),
    ("${x", 'templatefile("t.tftpl", { x = 1 })', "invalid template"),
    ("${y}", 'templatefile("t.tftpl", { x = 1 })', ""),
])
def test_a_template_that_cannot_be_rendered_is_unknown(template: str, expression: str, reason: str,
                                                       tmp_path: Path) -> None:
    (tmp_path / "t.tftpl").write_text(template)
    result = value(tmp_path, expression, 'resource "aws_vpc" "v" {}')
    assert isinstance(result, Unknown) and reason in result.reason


def test_a_template_takes_a_module_s_outputs_as_its_variables(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text('output "ns" {\n  value = "apps"\n}\n')
    (tmp_path / "t.tftpl").write_text("ns=${ns}")
    assert value(tmp_path, 'templatefile("t.tftpl", module.c)', 'module "c" {\n  source = "./child"\n}') == "ns=apps"
