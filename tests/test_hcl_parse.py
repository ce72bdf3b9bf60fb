"""The plain form: what parse.py keeps from a parser's tree (tree-sitter-hcl's, python-hcl2's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vpclint.load.hcl import cache, trust
from vpclint.load.hcl.cache import cache_key, cache_read, cache_write
from vpclint.load.hcl.parse import parse_bytes, parse_expression, parse_text

RICH = '''# header
resource "aws_vpc" "main" { // inline
  cidr_block = "10.0.${var.x}.0/16"
  count      = (var.a # continued
    + 2)
  tags       = { Name = "x", (var.k) = 1, "q" = 2 }
  list       = [for s in var.l : s.id if s.ok]
  map        = { for k, v in var.m : k => v... }
  splat      = a.b[0].c[*].d
  legacy     = a.*.b
  heredoc    = <<-EOT
    hello ${var.x}
    %{ if var.y }yes%{ else }no%{ endif }
  EOT
  call       = f(a...)
  negative   = -3
  not        = !true
  float      = 1.5e3
  escapes    = "a\\nb \\"q\\" $${lit} %%{x}"
  short      = a.0
  cond       = var.a ? 1 : 2
  provider   = provider::aws::arn_parse("x")
  ingress {
    from_port = 1
  }
}
'''


def _plain_types_only(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_plain_types_only(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain_types_only(item) for key, item in value.items())
    return value is None or isinstance(value, (str, int, float, bool))


def test_plain_form_of_a_resource() -> None:
    plain = parse_text(RICH)
    assert plain["errors"] == []
    assert _plain_types_only(plain)
    assert json.loads(json.dumps(plain)) == json.loads(json.dumps(plain))
    (block,) = plain["blocks"]
    assert (block["type"], block["labels"], block["line"], block["end_line"]) == ("resource", ["aws_vpc", "main"], 2, 26)
    attrs = {name: expr for name, (expr, _line) in block["attrs"].items()}
    assert attrs["cidr_block"] == ["tmpl", ["10.0.", ["i", ["attr", ["var", "var"], "x"]], ".0/16"]]
    assert attrs["count"] == ["binop", "+", ["attr", ["var", "var"], "a"], ["lit", 2]]
    assert attrs["tags"] == ["object", [
        [["lit", "Name"], ["lit", "x"]], [["attr", ["var", "var"], "k"], ["lit", 1]], [["lit", "q"], ["lit", 2]]]]
    assert attrs["list"] == ["fortuple", None, "s", ["attr", ["var", "var"], "l"],
                             ["attr", ["var", "s"], "id"], ["attr", ["var", "s"], "ok"]]
    assert attrs["map"] == ["forobject", "k", "v", ["attr", ["var", "var"], "m"], ["var", "k"], ["var", "v"], None, True]
    assert attrs["splat"] == ["splat", ["attr", ["index", ["attr", ["var", "a"], "b"], ["lit", 0]], "c"], [["attr", "d"]]]
    assert attrs["legacy"] == ["splat", ["var", "a"], [["attr", "b"]]]
    assert attrs["heredoc"] == ["tmpl", [
        "hello ", ["i", ["attr", ["var", "var"], "x"]], "\n",
        ["if", ["attr", ["var", "var"], "y"], ["yes"], ["no"]], "\n"]]
    assert attrs["call"] == ["call", "f", [["var", "a"]], True]
    assert attrs["negative"] == ["lit", -3]
    assert attrs["not"] == ["unop", "!", ["lit", True]]
    assert attrs["float"] == ["lit", 1500]
    assert attrs["escapes"] == ["lit", 'a\nb "q" ${lit} %{x}']
    assert attrs["short"] == ["index", ["var", "a"], ["lit", 0]]
    assert attrs["cond"] == ["cond", ["attr", ["var", "var"], "a"], ["lit", 1], ["lit", 2]]
    assert attrs["provider"] == ["call", "provider::aws::arn_parse", [["lit", "x"]], False]
    assert block["attrs"]["tags"][1] == 6
    assert [(b["type"], b["line"], b["end_line"]) for b in block["blocks"]] == [("ingress", 23, 25)]
    assert plain["comments"] == [[1, "# header"], [2, "// inline"], [4, "# continued"]]


@pytest.mark.parametrize("source, comments", [
    ("x = (true # c\n  ? 1 : 2)\n", [[1, "# c"]]),
    ("x = (true\n  ? 1 # c2\n  : 2)\n", [[2, "# c2"]]),
    ("x = [\n  1, # one\n  // two\n  2,\n]\n", [[2, "# one"], [3, "// two"]]),
    ("x = {\n  a = 1 # c\n  /* d */ b = 2\n}\n", [[2, "# c"], [3, "/* d */"]]),
    ("x = f(1, # c\n 2)\n", [[1, "# c"]]),
    ('x = "#nope" // yes', [[1, "// yes"]]),
    ("# a\r\n# b\r\n", [[1, "# a"], [2, "# b"]]),
])
def test_comment_positions(source: str, comments: list) -> None:
    assert parse_text(source)["comments"] == comments


@pytest.mark.parametrize("source, line, message", [
    ('resource "a" "b" {\n  x = 1\n}\n}\n', 4, "unexpected token '}'"),
    ('resource "a" "b" {\n  x = 1\n', 2, "unexpected end of file, expected '}'"),
    ("a = \n", 1, "unexpected new line"),
    ('x = "%{if true}y"\n', 1, "syntax error: unterminated template if directive"),
    ("x = " + "[" * 3000 + "]" * 3000, None, "the file is nested too deeply to parse"),
])
def test_parse_errors(source: str, line, message: str) -> None:
    plain = parse_text(source)
    assert plain["blocks"] == [] and plain["errors"] == [[line, message]]


def test_bytes_with_bom_and_invalid_utf8() -> None:
    assert parse_bytes(b'\xef\xbb\xbfx = 1\n')["errors"] == []
    assert parse_bytes(b'x = 1\ny = "\xc3"\n')["errors"] == [[2, "file is not valid UTF-8 (byte 0xc3)"]]


def test_duplicate_attribute_is_an_error() -> None:
    plain = parse_text('resource "a" "b" {\n  x = 1\n  x = 2\n}\n')
    assert plain["errors"] == [[3, "attribute 'x' is defined more than once (first on line 2)"]]
    assert plain["blocks"][0]["attrs"]["x"] == [["lit", 1], 2]


def test_template_strip_markers() -> None:
    expr = parse_expression('"a %{~ if x ~} b %{~ endif ~} c"')
    assert expr == ["tmpl", ["a", ["if", ["var", "x"], ["b"], []], "c"]]


def test_parse_expression_errors_carry_a_line() -> None:
    with pytest.raises(ValueError) as caught:
        parse_expression("[1,")
    assert caught.value.args == (1, "unexpected end of file")


def test_cache_round_trip_and_rejects(tmp_path) -> None:
    data = b'resource "a" "b" {\n  x = 1\n}\n'
    key = cache_key(data)
    assert key != cache_key(data + b" ")
    plain = parse_bytes(data)
    assert cache_read(str(tmp_path), key) is None
    cache_write(str(tmp_path), key, plain)
    assert {k: v for k, v in cache_read(str(tmp_path), key).items() if k != "key"} == plain
    # an entry stored under another key (renamed, copied) is not trusted
    other = cache_key(b"other")
    secret = trust.signer(str(tmp_path))  # entries are named with the user's key
    renamed = Path(cache._cache_path(str(tmp_path), other, secret))
    renamed.parent.mkdir(parents=True, exist_ok=True)
    Path(cache._cache_path(str(tmp_path), key, secret)).rename(renamed)
    assert cache_read(str(tmp_path), other) is None
    assert not list((tmp_path / "hcl").rglob(".tmp-*"))


def test_cache_write_failure_is_silent(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache_write(str(blocker), cache_key(b"x"), parse_bytes(b"x = 1\n"))


@pytest.mark.parametrize("source, error", [
    ('x = "a%{endif}b"\n', [1, "unexpected %{endif} in template"]),
    ("y = 1\nx = <<EOT\na%{else}b\nEOT\n", [2, "unexpected %{else} in template"]),
    ("x = <<EOT\n%{ if true }open\nEOT\n", [1, "%{if} without %{endif}"]),
    ("x = <<EOT\n${ 1 + }\nEOT\n", [1, "heredoc template: unexpected end of file in '1 +'"]),
])
def test_bad_templates_are_errors_and_unknown_values(source: str, error: list) -> None:
    plain = parse_text(source)
    assert plain["errors"] == [error]
    attrs = {name: expr for block in plain["blocks"] for name, (expr, _line) in block["attrs"].items()}
    assert attrs["x"][0] == "error"


def test_a_parse_tree_shape_the_converter_does_not_know_is_a_file_error(monkeypatch) -> None:
    """A python-hcl2 release whose grammar names a rule differently must cost one file, never the run.
    (tree-sitter-hcl refuses the invalid escape \\q, so python-hcl2 reads this file.)"""
    from vpclint.load.hcl import hcl2tree

    monkeypatch.setitem(hcl2tree._DISPATCH, "binary_op", lambda self, node: node.children[99])
    plain = parse_text('a = 1 + 2\nb = "\\q"\n')
    assert plain["blocks"] == [] and "internal error reading the parse tree (IndexError" in plain["errors"][0][1]


def test_a_tree_sitter_shape_the_converter_does_not_know_leaves_the_file_to_python_hcl2(monkeypatch) -> None:
    """A tree-sitter-hcl release whose grammar names a node differently costs speed, not the file."""
    from vpclint.load.hcl import parse, treesitter

    monkeypatch.setitem(treesitter._DISPATCH, "operation", lambda self, node: node.children[99])
    plain = parse_text("a = 1 + 2\n")
    assert plain == parse.read_with_hcl2("a = 1 + 2\n")
    assert plain["blocks"][0]["attrs"]["a"] == [["binop", "+", ["lit", 1], ["lit", 2]], 1]


# -- two readers: valid HCL python-hcl2 refuses, invalid HCL tree-sitter-hcl's grammar takes -------------


@pytest.mark.parametrize("source, expected", [
    # a line break before .attr inside parentheses (cloud-foundation-fabric's gke-nodepool)
    ("x = try(\n  var.cfg\n  .a\n  .b,\n  null)\n",
     ["call", "try", [["attr", ["attr", ["attr", ["var", "var"], "cfg"], "a"], "b"], ["lit", None]], False]),
    ("x = [a\n  .b, c\n  [0]]\n", ["tuple", [["attr", ["var", "a"], "b"], ["index", ["var", "c"], ["lit", 0]]]]),
    ("x = {for k, v in m\n  .items : k => v}\n",
     ["forobject", "k", "v", ["attr", ["var", "m"], "items"], ["var", "k"], ["var", "v"], None, False]),
    ("x = concat(a\n  ...)\n", ["call", "concat", [["var", "a"]], True]),
    ("x = (a.*\n  .id)\n", ["splat", ["var", "a"], [["attr", "id"]]]),
    ('x = "a ${~ b ~} c"\n', ["tmpl", ["a", ["i", ["var", "b"]], "c"]]),  # strip markers in a quoted string
])
def test_valid_hcl_python_hcl2_refuses_is_read(source: str, expected: list) -> None:
    from vpclint.load.hcl import parse

    assert parse.read_with_hcl2(source)["blocks"] == []  # python-hcl2 alone refuses it
    plain = parse_text(source + "y = 1\n")
    assert plain["errors"] == []
    attrs = plain["blocks"][0]["attrs"]
    assert attrs["x"] == [expected, 1]
    assert attrs["y"][1] == source.count("\n") + 1  # lines after it keep their numbers


@pytest.mark.parametrize("source, line", [
    ("x = a\n  .b\n", 2),  # a line break before .attr outside brackets ends the attribute
    ("x = {k = a\n  .b}\n", 2),  # ... and an object element (objects read line breaks)
    ("x = a\n  [0]\n", 2),
    ("x = a.*\n  .b\n", 2),
    ("x\n  = 1\n", 2),
    ("x =\n  1\n", 1),
    ("x = !\n  a\n", 1),
    ('resource\n  "a" "b" {}\n', 2),  # a block header over lines
    ("x = a.b::c\n", 1),
    ("x = 0x10\n", 1),
    ('{"resource": {"aws_vpc": {"v": {}}}}\n', 1),  # JSON syntax in a .tf file
    ("x = [1 2]\n", 1),  # and what both refuse
])
def test_invalid_hcl_is_refused_by_both_readers_with_python_hcl2s_line(source: str, line: int) -> None:
    from vpclint.load.hcl import parse, treesitter

    with pytest.raises(parse.Refused):
        treesitter.read(source)
    plain = parse_text(source)
    assert plain["blocks"] == [] and len(plain["errors"]) == 1
    assert plain == parse.read_with_hcl2(source)  # python-hcl2's message and line
    assert plain["errors"][0][0] == line


def test_a_template_in_a_label_is_left_to_python_hcl2() -> None:
    """HCL refuses it; python-hcl2 reads the label's text alone, as vpclint always did."""
    from vpclint.load.hcl import parse, treesitter

    source = 'resource "a${x}" "b" {}\n'
    with pytest.raises(parse.Refused):
        treesitter.read(source)
    assert parse_text(source) == parse.read_with_hcl2(source)


def test_a_file_neither_parser_reads_is_exit_2_at_its_line_and_the_rest_is_linted(tmp_path) -> None:
    from click.testing import CliRunner

    from vpclint.cli import cli

    module = tmp_path / "m"
    module.mkdir()
    good = Path(__file__).resolve().parents[1] / "fixtures" / "newline_in_parentheses" / "fail" / "main.tf"
    (module / "good.tf").write_bytes(good.read_bytes())
    (module / "broken.tf").write_text('resource "aws_subnet" "x" {\n  cidr_block = var.net\n    .cidr\n}\n')
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", str(module)])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    assert [(Path(e["file"]).name, e["line"]) for e in report["errors"]] == [("broken.tf", 3)]
    assert [(f["rule_id"], f["resource"], Path(f["file"]).name, f["line"]) for f in report["findings"]] == [
        ("subnet_cidr_overlap", "aws_subnet.pods", "good.tf", 30)]


@pytest.mark.parametrize("escape", ["\\UFFFFFFFF", "\\U00110000", "\\uD800", "\\U0000DFFF"])
def test_an_escape_of_no_unicode_character_stays_as_written_with_either_parser(escape: str) -> None:
    """A pull request's .tf file with "\\UFFFFFFFF" failed the whole module with an internal error."""
    from vpclint.load.hcl import parse, treesitter

    text = f'resource "a" "b" {{\n  x = "p{escape}q"\n  y = "\\u00e9\\U0001F600"\n}}\n'
    for plain in (parse_text(text), treesitter.read(text), parse.read_with_hcl2(text)):
        attrs = plain["blocks"][0]["attrs"]
        assert attrs["x"][0] == ["lit", f"p{escape}q"] and attrs["y"][0] == ["lit", "\u00e9\U0001F600"]
