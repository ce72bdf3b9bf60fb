"""Terraform functions, operators, templates and for expressions in the HCL loader.

All cases are evaluated in one module (one load) and checked one by one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.values import Joined, Ref, Unknown

UNKNOWN = object()  # expect an Unknown, whatever the reason
_MAIN_ID = "aws_vpc.main.id is known only after apply"

CASES = [
    # IP networks
    ('cidrsubnet("10.0.0.0/16", 8, 3)', "10.0.3.0/24"),
    ('cidrsubnet("10.0.0.5/16", 8, 255)', "10.0.255.0/24"),
    ('cidrsubnet("fd00::/56", 8, 1)', "fd00:0:0:1::/64"),
    ('cidrsubnet("10.0.0.0/16", 20, 0)', "error: cidrsubnet(): insufficient address space to extend prefix of 16 by 20"),
    ('cidrsubnet("10.0.0.0/16", 8, 256)', "error: cidrsubnet(): prefix extension of 8 does not accommodate a subnet numbered 256"),
    ('cidrsubnet("10.0.0.0", 8, 1)', "error: cidrsubnet(): invalid CIDR address '10.0.0.0'"),
    ('cidrsubnet("300.0.0.0/8", 8, 1)', "error: cidrsubnet(): invalid CIDR address '300.0.0.0/8'"),
    ('cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)', ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]),
    ('cidrsubnets("10.0.0.0/30", 1, 1, 1)', "error: cidrsubnets(): not enough remaining address space for a subnet with a prefix of 31 bits"),
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
    ('cidrhost("10.0.0.0/24", -1)', "10.0.0.255"),
    ('cidrhost("fd00::/64", 10)', "fd00::a"),
    ('cidrhost("10.0.0.0/24", 256)', "error: cidrhost(): prefix of 24 does not accommodate a host numbered 256"),
    ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('cidrnetmask("fd00::/64")', "error: cidrnetmask(): only IPv4 networks have a netmask"),
    # collections
    ("concat([1], [2, 3], [])", [1, 2, 3]),
    ('element(["a", "b"], 3)', "b"),
    ("element([], 0)", UNKNOWN),
    ('lookup({ a = 1 }, "b", 9)', 9),
    ('lookup({ a = 1 }, "a")', 1),
    ('lookup({ a = 1 }, "b")', UNKNOWN),
    ('flatten([[1, [2]], [], 3])', [1, 2, 3]),
    ("merge({ a = 1 }, { b = 2 }, null, { a = 3 })", {"a": 3, "b": 2}),
    ("keys({ b = 1, a = 2 })", ["a", "b"]),
    ("values({ b = 1, a = 2 })", [2, 1]),
    ("distinct([1, 2, 1, 3])", [1, 2, 3]),
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    ('contains(["a", "b"], "b")', True),
    ('contains(["a"], 1)', False),
    ('index(["a", "b"], "b")', 1),
    ('index(["a"], "z")', UNKNOWN),
    ("range(3)", [0, 1, 2]),
    ("range(1, 10, 3)", [1, 4, 7]),
    ("range(5, 0)", [5, 4, 3, 2, 1]),
    ("range(0, 1, 0.25)", [0, 0.25, 0.5, 0.75]),
    ("range(2000)", "error: range(): more than 1024 elements"),
    ("slice([1, 2, 3, 4], 1, 3)", [2, 3]),
    ("slice([1], 0, 2)", UNKNOWN),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('sort(["b", "a", "c"])', ["a", "b", "c"]),
    ("sort([3, 20, 1])", ["1", "20", "3"]),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ('setproduct(["a", "b"], [1, 2])', [["a", 1], ["a", 2], ["b", 1], ["b", 2]]),
    ('setunion(["b"], ["a", "b"])', ["a", "b"]),
    ('setintersection(["a", "b"], ["b", "c"])', ["b"]),
    ('setsubtract(["a", "b"], ["b"])', ["a"]),
    ("one([])", None),
    ('one(["x"])', "x"),
    ("one([1, 2])", "error: one(): must have zero or one elements, has 2"),
    ("sum([1, 2.5])", 3.5),
    ("chunklist([1, 2, 3], 2)", [[1, 2], [3]]),
    ('matchkeys(["i1", "i2", "i3"], ["us", "eu", "us"], ["us"])', ["i1", "i3"]),
    ('transpose({ a = ["1", "2"], b = ["2"] })', {"1": ["a"], "2": ["a", "b"]}),
    ("alltrue([true, true])", True),
    ('anytrue([false, "true"])', True),
    ('coalesce("", null, "x")', "x"),
    ("coalescelist([], [1])", [1]),
    ('length("abc")', 3),
    ("length({ a = 1, b = 2 })", 2),
    ("length([])", 0),
    # conversion
    ('tolist(["a"])', ["a"]),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ("tomap({ a = 1 })", {"a": 1}),
    ("tostring(5)", "5"),
    ("tostring(1.5)", "1.5"),
    ("tostring(null)", None),
    ("tostring([1])", UNKNOWN),
    ('tonumber("5.5")', 5.5),
    ('tonumber("x")', "error: tonumber(): a 1-character value is not a number"),  # values are not quoted
    ('tobool("true")', True),
    # strings
    ('format("%s-%03d-%v-%q-%%-%.2f-%t", "x", 7, 1.5, "q", 3.14159, true)', 'x-007-1.5-"q"-%-3.14-true'),
    ('format("%-5s|%5s|%x", "ab", "cd", 255)', "ab   |   cd|ff"),
    ('format("%[2]s %[1]s", "a", "b")', "b a"),
    ('format("%v", [1, "a"])', '[1,"a"]'),
    ('format("%s")', "error: format(): not enough arguments for the verb %s"),
    ('format("%s", "a", "b")', "error: format(): too many arguments; only 1 used by the format string"),
    ('formatlist("%s=%s", ["a", "b"], "x")', ["a=x", "b=x"]),
    ('join(",", ["a", "b"], ["c"])', "a,b,c"),
    ('join("-", [1, true])', "1-true"),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('upper("ab")', "AB"),
    ('lower("AB")', "ab"),
    ('title("hello wide-world")', "Hello Wide-World"),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('replace("a1b22", "/[0-9]+/", "<$0>")', "a<1>b<22>"),
    ('replace("hello world", "/(\\\\w+) (\\\\w+)/", "$2 $1")', "world hello"),
    ('replace("x", "/(/", "y")', UNKNOWN),
    ('substr("hello", 1, 3)', "ell"),
    ('substr("hello", -3, -1)', "llo"),
    ('trimspace("  x \\n")', "x"),
    ('trim("?!hello!?", "!?")', "hello"),
    ('trimprefix("helloworld", "hello")', "world"),
    ('trimsuffix("helloworld", "world")', "hello"),
    ('startswith("abc", "ab")', True),
    ('endswith("abc", "bc")', True),
    ('strcontains("abc", "d")', False),
    ('chomp("x\\n\\n")', "x"),
    ('indent(2, "a\\nb")', "a\n  b"),
    ('strrev("abc")', "cba"),
    ('regex("(\\\\d+)-(\\\\d+)", "10-20")', ["10", "20"]),
    ('regex("(?P<a>\\\\d+)", "x42")', {"a": "42"}),
    ('regex("\\\\d+", "x42y")', "42"),
    ('regex("z", "abc")', "error: regex(): pattern did not match any part of the given string"),
    ('regexall("\\\\d", "a1b2")', ["1", "2"]),
    ("parseint(\"ff\", 16)", 255),
    # numbers
    ("min(3, 1, 2)", 1),
    ("max([1, 5]...)", 5),
    ("abs(-3)", 3),
    ("ceil(1.2)", 2),
    ("floor(-1.5)", -2),
    ("signum(-4)", -1),
    ("pow(2, 10)", 1024),
    # encoding
    ('jsonencode({ b = [1, "<x>"], a = true, c = null })', '{"a":true,"b":[1,"\\u003cx\\u003e"],"c":null}'),
    ('jsondecode("{\\"a\\": [1, 2.5, 3.0]}")', {"a": [1, 2.5, 3]}),
    ('jsondecode("{")', UNKNOWN),
    ('yamldecode("a: [1, x]")', {"a": [1, "x"]}),
    ('base64encode("hi")', "aGk="),
    ('base64decode("aGk=")', "hi"),
    ('sha256("x")', "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"),
    ('md5("x")', "9dd4e461268c8034f5c8564e155c67a6"),
    ('urlencode("a b&c")', "a+b%26c"),
    # try / can
    ('try(tonumber("x"), 7)', 7),
    ('try({ a = 1 }.b, "fallback")', "fallback"),
    # the error belongs to the local, which is Unknown; try() cannot see it
    ("try(local.bad_index, 3)", "unknown: index 3 is out of range for a list of 1 elements"),
    ('can(tonumber("x"))', False),
    ('can(tonumber("1"))', True),
    # a reference to an attribute cannot fail once known; a path into one can
    ("try(aws_vpc.main.id, 1)", Ref("aws_vpc.main.id is known only after apply", address="aws_vpc.main", attr="id")),
    ("can(aws_vpc.main.id)", True),
    # lookup with an unknown key: an empty map gives the default whatever the key (fabric's context lookups)
    ("lookup({}, aws_vpc.main.id, aws_vpc.main.id)", Ref(_MAIN_ID, address="aws_vpc.main", attr="id")),
    ('lookup({ a = "x" }, aws_vpc.main.id, "y")', "unknown: " + _MAIN_ID),
    ('lookup({ a = "x" }, "a", aws_vpc.main.id)', "x"),
    ('lookup({ a = "x" }, "b", aws_vpc.main.id)', Ref(_MAIN_ID, address="aws_vpc.main", attr="id")),
    ('lookup(aws_vpc.main.tags_all, "Name", "")', "unknown: aws_vpc.main.tags_all is known only after apply"),
    ('try(aws_vpc.main.tags_all["Name"], "")', "unknown: aws_vpc.main.tags_all is known only after apply"),
    ('can(aws_vpc.main.tags_all["Name"])', "unknown: aws_vpc.main.tags_all is known only after apply"),
    # a string built from a reference cannot fail once known: try() keeps it, still unknown (values.Joined)
    ('try("${aws_vpc.main.id}-x", "")', Joined(_MAIN_ID, parts=(Ref(_MAIN_ID, "aws_vpc.main", "id"), "-x"))),
    ('can("${aws_vpc.main.id}-x")', True),
    ('coalesce(aws_vpc.main.tags_all, "x")', "unknown: aws_vpc.main.tags_all is known only after apply"),
    ('try("${aws_vpc.main.tags_all}-x", "")', "unknown: aws_vpc.main.tags_all is known only after apply"),
    # unsupported
    ("nofunc(1)", "unknown: function nofunc is not supported"),
    ('try(filebase64("x.tpl"), "absent")', "absent"),
    ("timestamp()", "unknown: timestamp() is known only after apply"),
    ('provider::aws::arn_parse("x")',
     "unknown: provider::aws::arn_parse is a provider-defined function, which vpclint does not run"),
    # operators
    ("10 / 4", 2.5),
    ("10 / 5", 2),
    ("10 % 3", 1),
    ("-7 % 3", -1),
    ('"3" + 4', 7),
    ("1 / 0", "error: division by zero"),
    ("1 == 1.0", True),
    ('"1" == 1', False),
    ("[1, 2] == [1, 2]", True),
    ("{ a = 1 } != { a = 1 }", False),
    ("null == null", True),
    ("!true", False),
    ("-(3)", -3),
    ('5 > 3 && "a" != "b"', True),
    ("2 >= 3 || 1 < 2", True),
    ('1 + "x"', "error: a 1-character value is not a number"),
    ('true ? "y" : "n"', "y"),
    ("false ? 1 : 2", 2),
    # templates
    ('"x%{ if true }yes%{ else }no%{ endif }"', "xyes"),
    ('"%{ for i in [1, 2] }${i},%{ endfor }"', "1,2,"),
    ('"%{~ for i in [1, 2] ~}  ${i}  %{~ endfor ~}"', "12"),
    ('"%{ for k, v in { a = 1 } }${k}=${v}%{ endfor }"', "a=1"),
    ('"${5}"', 5),
    ('"n=${5}"', "n=5"),
    ('"$${x} %%{y}"', "${x} %{y}"),
    ('"\\u00e9\\n\\t\\"q\\""', 'é\n\t"q"'),
    ('"${null}x"', "error: a null value cannot be used as a string"),
    ("1.5e3", 1500),
    # for expressions and splats
    ('[for k, v in { a = 1, b = 2 } : "${k}${v}"]', ["a1", "b2"]),
    ("{ for k, v in { a = 1, b = 2 } : v => k }", {"1": "a", "2": "b"}),
    ('{ for s in ["a", "b", "a"] : s => s... }', {"a": ["a", "a"], "b": ["b"]}),
    ('{ for s in ["a", "a"] : s => 1 }', "error: duplicate key in a for expression: a 1-character value (use ... to group)"),
    ("[for s in [1, 2, 3] : s * 10 if s > 1]", [20, 30]),
    ("[for i, s in [\"a\", \"b\"] : i]", [0, 1]),
    ("[{ a = 1 }, { a = 2 }][*].a", [1, 2]),
    ("[{ a = 1 }, { a = 2 }].*.a", [1, 2]),
    ("{ a = 1 }[*].a", [1]),
    ("null[*].a", []),
    ("{ a = { b = [1, 2] } }.a.b[1]", 2),
    ("[1, 2].1", 2),
    ("[1][5]", "error: index 5 is out of range for a list of 1 elements"),
    ('{ (local.key) = 1, "b" = 2, 3 = 4 }', {"dynamic": 1, "b": 2, "3": 4}),
]


PRELUDE = """
locals {
  key       = "dynamic"
  bad_index = [1][3]
}
resource "aws_vpc" "main" {}
"""


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory) -> dict:
    directory: Path = tmp_path_factory.mktemp("functions")
    body = "\n".join(f"  v{i} = {expression}" for i, (expression, _) in enumerate(CASES))
    (directory / "main.tf").write_text(f'{PRELUDE}\nresource "t" "r" {{\n{body}\n}}\n')
    result = load_module(str(directory), LoadOptions())
    assert result.errors == []
    return {r.address: r for r in result.resources}["t.r"].values


@pytest.mark.parametrize("index", range(len(CASES)), ids=[expression for expression, _ in CASES])
def test_expression(evaluated: dict, index: int) -> None:
    expression, expected = CASES[index]
    actual = evaluated[f"v{index}"]
    if expected is UNKNOWN:
        assert isinstance(actual, Unknown)
    elif isinstance(expected, str) and expected.startswith(("error: ", "unknown: ")):
        assert actual == Unknown(expected.split(": ", 1)[1])
    else:
        assert actual == expected
        assert type(actual) is type(expected)


# ---------------------------------------------------------------------------
# unknown values
# ---------------------------------------------------------------------------

UNKNOWN_CASES = [
    ('"${var.u}-x"', "unknown"),
    ("upper(var.u)", "unknown"),
    ("var.u + 1", "unknown"),
    ("var.u == null", "unknown"),
    ('var.u == null ? "a" : "b"', "unknown"),
    ('var.u == null ? "same" : "same"', "same"),
    ("length([var.u, 1])", 2),
    ("false && var.u", False),
    ("true || var.u", True),
    ("var.u && false", False),
    ("var.u || false", "unknown"),
    ('concat([aws_vpc.main.id], ["x"])', "ref-list"),
    ('coalesce(aws_vpc.main.id, "x")', "ref"),  # an id is never null nor empty
    ("[for x in var.u : x]", "unknown"),
    ('[for x in [1, 2] : x if var.u]', "unknown"),
    ("{ (var.u) = 1 }", "unknown"),
    ("var.u[0]", "unknown"),
    ("var.u.x", "unknown"),
    ('cidrsubnet(var.u, 8, 1)', "unknown"),
    ('contains([var.u, "a"], "a")', True),
    ('contains([var.u], "a")', "unknown"),
    ('index([var.u, "a"], "a")', "unknown"),
    ('index(["a", var.u], "a")', 0),
    ("keys({ a = var.u })", ["a"]),
    ("distinct([var.u])", "unknown"),
    ("toset([var.u])", "unknown"),
    ('jsonencode({ a = aws_vpc.main.id })', "unknown"),
    ('"%{ if var.u }x%{ endif }"', "unknown"),
    ("-var.u", "unknown"),
    ("!var.u", "unknown"),
    ("var.u[*].id", "unknown"),
]


@pytest.fixture(scope="module")
def unknowns(tmp_path_factory) -> dict:
    directory: Path = tmp_path_factory.mktemp("unknowns")
    body = "\n".join(f"  v{i} = {expression}" for i, (expression, _) in enumerate(UNKNOWN_CASES))
    (directory / "main.tf").write_text(
        f'variable "u" {{}}\nresource "aws_vpc" "main" {{}}\nresource "t" "r" {{\n{body}\n}}\n')
    result = load_module(str(directory), LoadOptions())
    assert result.errors == []
    return {r.address: r for r in result.resources}["t.r"].values


@pytest.mark.parametrize("index", range(len(UNKNOWN_CASES)), ids=[e for e, _ in UNKNOWN_CASES])
def test_unknown_propagation(unknowns: dict, index: int) -> None:
    expression, expected = UNKNOWN_CASES[index]
    actual = unknowns[f"v{index}"]
    if expected == "unknown":
        assert isinstance(actual, Unknown) and not isinstance(actual, Ref)
        assert actual.reason in ("variable var.u has no value", "aws_vpc.main.id is known only after apply")
    elif expected == "ref":
        assert isinstance(actual, Ref) and actual.address == "aws_vpc.main"
    elif expected == "ref-list":
        assert isinstance(actual[0], Ref) and actual[0].address == "aws_vpc.main" and actual[1] == "x"
    else:
        assert actual == expected


def test_heredocs(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''variable "env" {
  default = "prod"
}
resource "t" "r" {
  plain = <<EOT
a ${1 + 1}
  b $${x} "q" \\n
EOT
  indented = <<-EOT
    x
      y ${join(",", ["a", "b"])}
    %{ if var.env == "prod" }P%{ else }D%{ endif }
    EOT
  loop = <<-EOT
    %{~ for s in ["a", "b"] ~}
    - ${s}
    %{~ endfor ~}
    EOT
  empty = <<EOT
EOT
}
''')
    result = load_module(str(tmp_path), LoadOptions())
    assert result.errors == []
    assert result.resources[0].values == {
        "plain": 'a 2\n  b ${x} "q" \\n\n',
        "indented": "x\n  y a,b\nP\n",
        "loop": "- a- b",
        "empty": "",
    }


def test_bad_heredoc_template_is_an_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "t" "r" {\n  ok = 1\n  h = <<EOT\n${ 1 + }\nEOT\n}\n')
    result = load_module(str(tmp_path), LoadOptions())
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [(3, "heredoc template")]
    values = result.resources[0].values
    assert values["ok"] == 1 and isinstance(values["h"], Unknown)
