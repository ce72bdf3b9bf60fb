"""Terraform's JSON syntax (``*.tf.json``): read as Terraform reads it, with lines.

The seed scenario in JSON syntax is a fixture (fixtures/seed000_cross_vpc_json,
checked by test_fixtures.py); these tests pin the mapping itself.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import run
from vpclint.cli import cli
from vpclint.lint import changed_file_targets, discover
from vpclint.load import LoadOptions, sniff
from vpclint.load.hcl import load_module
from vpclint.load.hcl.jsonsyntax import parse_json_bytes
from vpclint.values import Unknown


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


def values(directory: Path, **options) -> dict[str, dict]:
    result = load_module(str(directory), LoadOptions(**options))
    assert result.errors == []
    return {r.address: r.values for r in result.resources}


def test_blocks_and_attributes_have_the_lines_of_their_names(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf.json": """\
        {
          "resource": {
            "aws_vpc": {
              "a": {
                "cidr_block": "10.0.0.0/16"
              },
              "b": {"cidr_block": "10.1.0.0/16"}
            }
          }
        }
        """})
    result = load_module(str(tmp_path), LoadOptions())
    assert [(r.address, r.line, r.end_line) for r in result.resources] == [("aws_vpc.a", 4, 6), ("aws_vpc.b", 7, 7)]
    plain = parse_json_bytes((tmp_path / "main.tf.json").read_bytes())
    assert plain["blocks"][0]["attrs"]["cidr_block"] == [["lit", "10.0.0.0/16"], 5]


def test_strings_are_templates_as_terraform_reads_them(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf.json": json.dumps({
        "variable": {"n": {"default": 7}, "xs": {"type": "list(string)", "default": ["a", "b"]},
                     "m": {"type": "map(string)", "default": {"k": "v"}}},
        "resource": {"t": {"r": {
            "whole": "${var.xs}",
            "built": "10.${var.n}.0.0/16",
            "escaped": "$${not.this}",
            "quoted": '${lookup(var.m, "k")}-"x"',
            "backslash": "C:\\dir\\${var.n}",
            "directive": "%{ for x in var.xs }${x};%{ endfor }",
            "marker": "a\nEOT\n${var.n}",
            "number": 3, "flag": True, "nothing": None,
            "list": ["${var.n}", 2], "map": {"k": "${var.n}"},
        }}},
    })})
    got = values(tmp_path)["t.r"]
    assert got["whole"] == ["a", "b"]
    assert got["built"] == "10.7.0.0/16"
    assert got["escaped"] == "${not.this}"
    assert got["quoted"] == 'v-"x"'
    assert got["backslash"] == "C:\\dir\\7"
    assert got["directive"] == "a;b;"
    assert got["marker"] == "a\nEOT\n7"
    assert (got["number"], got["flag"], got["nothing"]) == (3, True, None)
    assert got["list"] == [7, 2] and got["map"] == {"k": 7}


def test_variable_defaults_are_literal_and_types_are_types(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf.json": json.dumps({
        "variable": {"s": {"default": "${not.a.reference}"}, "n": {"type": "number"}},
        "resource": {"t": {"r": {"s": "${var.s}", "n": "${var.n}"}}},
    })})
    got = values(tmp_path, vars=[("n", "5")])["t.r"]
    assert got["s"] == "${not.a.reference}"
    assert got["n"] == 5  # a number: the declared type applies to -var


def test_labels_may_repeat_through_arrays_and_count_expands(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf.json": json.dumps({
        "variable": {"cidrs": {"default": ["10.0.1.0/24", "10.0.2.0/24"]}},
        "resource": [
            {"aws_subnet": {"a": {"count": "${length(var.cidrs)}", "cidr_block": "${var.cidrs[count.index]}"}}},
            {"aws_subnet": [{"b": {"for_each": "${toset(var.cidrs)}", "cidr_block": "${each.key}"}}]},
        ],
    })})
    got = values(tmp_path)
    assert [got[f"aws_subnet.a[{i}]"]["cidr_block"] for i in (0, 1)] == ["10.0.1.0/24", "10.0.2.0/24"]
    assert got['aws_subnet.b["10.0.2.0/24"]']["cidr_block"] == "10.0.2.0/24"


def test_modules_outputs_and_dynamic_blocks(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf.json": json.dumps({
            "module": {"net": {"source": "./net", "cidr": "10.9.0.0/16"}},
            "resource": {"aws_security_group": {"g": {
                "vpc_id": "${module.net.vpc_id}",
                "dynamic": {"ingress": {"for_each": "${[22, 443]}", "iterator": "port",
                                        "content": {"from_port": "${port.value}", "to_port": "${port.value}"}}},
            }}},
        }),
        "net/main.tf.json": json.dumps({
            "variable": {"cidr": {}},
            "resource": {"aws_vpc": {"v": {"cidr_block": "${var.cidr}"}}},
            "output": {"vpc_id": {"value": "${aws_vpc.v.id}"}},
        }),
    })
    got = values(tmp_path)
    assert got["module.net.aws_vpc.v"]["cidr_block"] == "10.9.0.0/16"
    assert isinstance(got["aws_security_group.g"]["vpc_id"], Unknown)
    assert got["aws_security_group.g"]["vpc_id"].address == "module.net.aws_vpc.v"
    assert [(i["from_port"], i["to_port"]) for i in got["aws_security_group.g"]["ingress"]] == [(22, 22), (443, 443)]


def test_override_files_in_json_syntax(tmp_path: Path) -> None:
    write(tmp_path, {
        "main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n',
        "override.tf.json": json.dumps({"resource": {"aws_vpc": {"v": {"cidr_block": "10.1.0.0/16"}}}}),
    })
    assert values(tmp_path)["aws_vpc.v"]["cidr_block"] == "10.1.0.0/16"


@pytest.mark.parametrize("text, line, words", [
    ('{\n  "resource": {\n    "t": {"r": {"a": 1,}}\n  }\n}\n', 3, "property name"),
    ('{"resource": {}}\n{}', 2, "extra data"),
    ('[1, 2]', 1, "must hold a JSON object"),
    ('{\n"locals": {"x": "${1 +}"}\n}', 2, "invalid expression"),
    ('{"a": ' * 300 + "1" + "}" * 300, 1, "nested too deeply"),
    ('{"locals": {"x": 1' + "0" * 5000 + "}}", 1, "number too large"),
    ('{"locals": {"x": NaN}}', 1, "unexpected"),
])
def test_bad_json_is_an_error_at_its_line(text: str, line: int, words: str, tmp_path: Path) -> None:
    write(tmp_path, {"bad.tf.json": text, "good.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'})
    result = load_module(str(tmp_path), LoadOptions())
    assert [(e.file, e.line) for e in result.errors] == [(str(tmp_path / "bad.tf.json"), line)]
    assert words in result.errors[0].message
    assert [r.address for r in result.resources] == ["aws_vpc.v"]  # the rest is still linted


def test_a_comment_property_suppresses_like_an_hcl_comment(tmp_path: Path) -> None:
    body = {"cidr_block": "10.0.0.0/16"}
    write(tmp_path, {"main.tf.json": json.dumps({"resource": {"aws_vpc": {
        "a": body,
        "b": {"//": "vpclint-ignore: subnet_cidr_overlap nothing to suppress", **body},
    }, "aws_vpc_peering_connection": {"p": {
        "//": "vpclint-ignore: peering_cidr_overlap the overlap is deliberate",
        "vpc_id": "${aws_vpc.a.id}", "peer_vpc_id": "${aws_vpc.b.id}"}}}}, indent=2)})
    report = run(tmp_path)
    assert [(f.rule_id, f.resource) for f in report.findings] == [("unused_ignore", "aws_vpc.b")]
    assert report.suppressed_inline == 1


def test_a_tf_json_file_is_a_configuration_everywhere_a_tf_file_is(tmp_path: Path) -> None:
    nested = write(tmp_path / "stacks" / "cdktf", {"cdk.tf.json": json.dumps({"resource": {"aws_vpc": {"v": {
        "cidr_block": "172.17.0.0/16"}}}})})
    path = str(nested / "cdk.tf.json")
    assert sniff(path) == "hcl-file"  # not a plan, although it is a JSON object
    assert discover(str(tmp_path), recursive=True) == [str(nested)]
    assert changed_file_targets([path, str(nested / "x.tfvars.json")]) == [str(nested)]
    # a VPC no cluster talks to: the overlap is a notice, failing the run only at --minimum-failure-severity notice
    result = CliRunner().invoke(cli, ["check", "--no-cache", "--format", "json", "--minimum-failure-severity", "notice",
                                      path])
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.output)["findings"]
    assert (finding["rule_id"], finding["resource"], finding["line"], finding["severity"]) == (
        "docker_bridge_overlap", "aws_vpc.v", 1, "notice")


def test_the_same_bytes_as_tf_and_tf_json_are_cached_apart(tmp_path: Path) -> None:
    text = '{"resource": {"aws_vpc": {"v": {"cidr_block": "10.0.0.0/16"}}}}'
    write(tmp_path / "json", {"main.tf.json": text})
    write(tmp_path / "hcl", {"main.tf": text})
    cache = str(tmp_path / "cache")
    for _ in range(2):
        as_json = load_module(str(tmp_path / "json"), LoadOptions(cache_dir=cache))
        as_hcl = load_module(str(tmp_path / "hcl"), LoadOptions(cache_dir=cache))
        assert [r.address for r in as_json.resources] == ["aws_vpc.v"] and not as_json.errors
        assert as_hcl.errors and not as_hcl.resources
