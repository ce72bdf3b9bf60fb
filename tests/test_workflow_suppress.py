"""Inline suppressions: ``# vpclint-ignore`` comments and ``unused_ignore``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, run
from vpclint.cli import cli
from vpclint.findings import Finding
from vpclint.resources import LoadResult, Resource, Span
from vpclint.suppress import Suppressor, config_address, module_calls, parse_comment

FILE = "net/main.tf"
KNOWN = {"docker_bridge_overlap", "cidr_invalid", "subnet_cidr_overlap", "unused_ignore"}


def resource(address: str, line: int, end_line: int, file: str = FILE, call_sites=(), module: str = "") -> Resource:
    kind, name = address.split(".")[-2:]
    return Resource(address=address, type=kind, name=name, values={}, file=file, line=line, end_line=end_line,
                    call_sites=tuple(call_sites), module=module)


def finding(address: str, rule: str = "docker_bridge_overlap", file: str | None = FILE, line: int | None = 1,
            facts=()) -> Finding:
    return Finding(rule_id=rule, severity="warning", message=f"{rule} on {address}", resource=address,
                   file=file, line=line, facts=facts or (address,))


def apply(resources, comments, findings, enabled=KNOWN):
    suppressor = Suppressor(KNOWN, enabled)
    kept = suppressor.apply(LoadResult(resources=resources, comments=comments), findings)
    return kept, suppressor


# -- the comment syntax -------------------------------------------------------

@pytest.mark.parametrize("text, ids, whole_file, reason", [
    ("# vpclint-ignore: docker_bridge_overlap", ("docker_bridge_overlap",), False, ""),
    ("// vpclint-ignore: docker_bridge_overlap", ("docker_bridge_overlap",), False, ""),
    ("#vpclint-ignore:a,b", ("a", "b"), False, ""),
    ("# vpclint-ignore: a, b  peers run no docker", ("a", "b"), False, "peers run no docker"),
    ("# vpclint-ignore: a -- reason with: colons, commas", ("a",), False, "-- reason with: colons, commas"),
    ("# vpclint-ignore-file: a,b", ("a", "b"), True, ""),
    ("// vpclint-ignore-file: a legacy", ("a",), True, "legacy"),
])
def test_comment_forms(text, ids, whole_file, reason) -> None:
    directive = parse_comment(FILE, 3, text)
    assert directive is not None and not directive.malformed
    assert (directive.rule_ids, directive.whole_file, directive.reason) == (ids, whole_file, reason)


@pytest.mark.parametrize("text", ["# a plain comment", "# see vpclint docs", "/* vpclint-ignore: a */",
                                  "# tflint-ignore: a"])
def test_other_comments_are_not_directives(text) -> None:
    assert parse_comment(FILE, 3, text) is None


@pytest.mark.parametrize("text", ["# vpclint-ignore docker_bridge_overlap", "# vpclint-ignore:", "# vpclint-ignore-file"])
def test_malformed_directives_are_recognised(text) -> None:
    directive = parse_comment(FILE, 3, text)
    assert directive is not None and directive.malformed


def test_module_calls_and_config_address() -> None:
    assert module_calls('module.a["x.y"].module.b.aws_vpc.v[0]') == ['module.a["x.y"]', 'module.a["x.y"].module.b']
    assert module_calls("aws_vpc.v") == []
    assert config_address('module.a["k"].aws_vpc.v[2]') == "module.a.aws_vpc.v"


# -- where a comment applies ---------------------------------------------------

def test_comment_on_the_line_above_the_block() -> None:
    kept, _ = apply([resource("aws_vpc.a", 5, 7), resource("aws_vpc.b", 9, 11)],
                    {FILE: [(4, "# vpclint-ignore: docker_bridge_overlap")]},
                    [finding("aws_vpc.a"), finding("aws_vpc.b")])
    assert [f.resource for f in kept] == ["aws_vpc.b"]


def test_comment_inside_the_block_and_trailing_the_header() -> None:
    kept, _ = apply([resource("aws_vpc.a", 5, 7), resource("aws_vpc.b", 9, 11), resource("aws_vpc.c", 13, 15)],
                    {FILE: [(6, "# vpclint-ignore: docker_bridge_overlap"),
                            (9, "# vpclint-ignore: docker_bridge_overlap")]},
                    [finding("aws_vpc.a"), finding("aws_vpc.b"), finding("aws_vpc.c")])
    assert [f.resource for f in kept] == ["aws_vpc.c"]


def test_a_blank_line_between_comment_and_block_breaks_the_link() -> None:
    kept, suppressor = apply([resource("aws_vpc.a", 6, 8)], {FILE: [(4, "# vpclint-ignore: docker_bridge_overlap")]},
                             [finding("aws_vpc.a")])
    assert [f.resource for f in kept] == ["aws_vpc.a"]
    (unused,) = suppressor.unused("notice")
    assert (unused.rule_id, unused.file, unused.line, unused.resource) == ("unused_ignore", FILE, 4, FILE)
    assert "stands on no resource or module block" in unused.message


def test_only_the_named_rules_are_suppressed() -> None:
    kept, _ = apply([resource("aws_vpc.a", 5, 7)], {FILE: [(4, "# vpclint-ignore: docker_bridge_overlap")]},
                    [finding("aws_vpc.a"), finding("aws_vpc.a", rule="cidr_invalid")])
    assert [f.rule_id for f in kept] == ["cidr_invalid"]


def test_every_instance_of_a_counted_block() -> None:
    kept, suppressor = apply([resource("aws_vpc.a[0]", 5, 7), resource("aws_vpc.a[1]", 5, 7)],
                             {FILE: [(4, "# vpclint-ignore: docker_bridge_overlap")]},
                             [finding("aws_vpc.a[0]"), finding("aws_vpc.a[1]")])
    assert kept == [] and suppressor.suppressed == 2 and suppressor.unused("notice") == []


def test_ignore_file_covers_every_block_of_its_file_only() -> None:
    other = "net/other.tf"
    kept, _ = apply([resource("aws_vpc.a", 5, 7), resource("aws_vpc.b", 20, 22), resource("aws_vpc.c", 1, 3, file=other)],
                    {FILE: [(1, "# vpclint-ignore-file: docker_bridge_overlap")]},
                    [finding("aws_vpc.a"), finding("aws_vpc.b"), finding("aws_vpc.c", file=other)])
    assert [f.resource for f in kept] == ["aws_vpc.c"]


def test_ignore_file_reaches_findings_without_a_resource_by_their_file() -> None:
    kept, _ = apply([], {FILE: [(1, "# vpclint-ignore-file: docker_bridge_overlap")]},
                    [finding("aws_vpc.implicit", file=FILE), finding("aws_vpc.elsewhere", file="x.tf")])
    assert [f.resource for f in kept] == ["aws_vpc.elsewhere"]


def test_a_comment_on_a_module_block_applies_inside_the_module() -> None:
    module_file = "modules/net/main.tf"
    legacy_call, other_call = Span(FILE, 10, 13), Span(FILE, 15, 17)
    inside_legacy = resource("module.legacy.aws_vpc.this", 1, 3, file=module_file, call_sites=[legacy_call],
                             module="module.legacy")
    inside_other = resource("module.other.aws_vpc.this", 1, 3, file=module_file, call_sites=[other_call],
                            module="module.other")
    kept, suppressor = apply([inside_legacy, inside_other],
                             {FILE: [(11, "# vpclint-ignore: docker_bridge_overlap")]},
                             [finding(inside_legacy.address, file=module_file),
                              finding(inside_other.address, file=module_file)])
    assert [f.resource for f in kept] == ["module.other.aws_vpc.this"]
    assert suppressor.unused("notice") == []


def test_nested_module_calls_and_an_unused_module_ignore_names_the_call() -> None:
    outer, inner = Span(FILE, 1, 4), Span("modules/a/main.tf", 1, 3)
    nested = resource('module.a["x"].module.b.aws_vpc.v', 1, 3, file="modules/b/main.tf", call_sites=[outer, inner],
                      module='module.a["x"].module.b')
    _, suppressor = apply([nested], {"modules/a/main.tf": [(2, "# vpclint-ignore: docker_bridge_overlap")]}, [])
    (unused,) = suppressor.unused("notice")
    assert unused.resource == "module.a.module.b" and unused.line == 2


def test_unknown_rule_ids_are_reported() -> None:
    kept, suppressor = apply([resource("aws_vpc.a", 5, 7)],
                             {FILE: [(4, "# vpclint-ignore: docker_bridge_overlap,docker_bridge_overlaps")]},
                             [finding("aws_vpc.a")])
    assert kept == []
    (unknown,) = suppressor.unused("notice")
    assert "unknown rule id 'docker_bridge_overlaps'" in unknown.message
    assert (unknown.line, unknown.resource, unknown.severity) == (4, "aws_vpc.a", "notice")


def test_an_ignore_for_a_rule_that_did_not_run_is_not_unused() -> None:
    _, suppressor = apply([resource("aws_vpc.a", 5, 7)], {FILE: [(4, "# vpclint-ignore: cidr_invalid")]}, [],
                          enabled={"docker_bridge_overlap", "unused_ignore"})
    assert suppressor.unused("notice") == []


def test_naming_unused_ignore_keeps_a_suppression_quiet() -> None:
    _, suppressor = apply([resource("aws_vpc.a", 5, 7)],
                          {FILE: [(4, "# vpclint-ignore: docker_bridge_overlap, unused_ignore")]}, [])
    assert suppressor.unused("notice") == []


def test_use_in_any_root_module_counts() -> None:
    """A shared file linted by two root modules: used in one is used."""
    suppressor = Suppressor(KNOWN, KNOWN)
    comments = {"shared.tf": [(1, "# vpclint-ignore: docker_bridge_overlap")]}
    block = resource("aws_vpc.a", 2, 4, file="shared.tf")
    suppressor.apply(LoadResult(resources=[block], comments=comments), [finding("aws_vpc.a", file="shared.tf")])
    suppressor.apply(LoadResult(resources=[block], comments=comments), [])
    assert suppressor.unused("notice") == []


# -- through the linter --------------------------------------------------------

def test_fixture_suppresses_every_form() -> None:
    report = run(FIXTURES / "workflow_suppress")
    assert report.errors == []
    assert sorted((f.rule_id, f.resource) for f in report.findings) == [
        ("docker_bridge_overlap", "aws_vpc.reported"), ("unused_ignore", "aws_vpc.clean")]
    # above, inside, //, two ids, count (2), module: 7 findings hidden
    assert report.suppressed_inline == 7


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))


def _cli(*args):
    return CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)


def test_unused_ignore_is_a_notice_that_does_not_fail_by_default() -> None:
    result = _cli(str(FIXTURES / "unused_ignore" / "fail"), "--format", "json", "--disable-rule",
                  "docker_bridge_overlap")
    document = json.loads(result.output)
    assert {f["rule_id"] for f in document["findings"]} == {"unused_ignore"}
    assert result.exit_code == 0
    failing = _cli(str(FIXTURES / "unused_ignore" / "fail"), "--disable-rule", "docker_bridge_overlap",
                   "--minimum-failure-severity", "notice")
    assert failing.exit_code == 1


def test_unused_ignore_can_be_disabled_and_explained() -> None:
    result = _cli(str(FIXTURES / "workflow_suppress"), "--format", "json", "--disable-rule", "unused_ignore")
    assert "unused_ignore" not in {f["rule_id"] for f in json.loads(result.output)["findings"]}
    runner = CliRunner()
    listing = runner.invoke(cli, ["rules"])
    assert any(line.split()[:2] == ["unused_ignore", "notice"] for line in listing.output.splitlines())
    explained = runner.invoke(cli, ["explain", "unused_ignore"])
    assert explained.exit_code == 0 and "suppresses nothing" in explained.output


def test_module_block_ignore_with_real_modules(tmp_path: Path) -> None:
    (tmp_path / "modules" / "net").mkdir(parents=True)
    (tmp_path / "modules" / "net" / "main.tf").write_text('resource "aws_vpc" "this" {\n  cidr_block = "172.17.0.0/16"\n}\n')
    (tmp_path / "main.tf").write_text(
        '# vpclint-ignore: docker_bridge_overlap\nmodule "legacy" {\n  source = "./modules/net"\n}\n\n'
        'module "fresh" {\n  source = "./modules/net"\n}\n')
    report = run(tmp_path)
    assert report.errors == []
    assert [(f.rule_id, f.resource) for f in report.findings] == [("docker_bridge_overlap", "module.fresh.aws_vpc.this")]
    origin = report.origin(report.findings[0])
    assert [(Path(s.file).name, s.line) for s in origin.call_sites] == [("main.tf", 6)]


# -- expiry dates and --no-inline-ignores ----------------------------------------


@pytest.mark.parametrize("today, suppressed", [("2026-12-30", True), ("2026-12-31", True), ("2027-01-01", False)])
def test_an_ignore_suppresses_until_its_expiry_date(today: str, suppressed: bool) -> None:
    comments = {FILE: [(2, "# vpclint-ignore: docker_bridge_overlap exp:2026-12-31 peers move off docker0")]}
    suppressor = Suppressor(KNOWN, KNOWN, today=__import__("datetime").date.fromisoformat(today))
    kept = suppressor.apply(LoadResult(resources=[resource("aws_vpc.v", 3, 5)], comments=comments),
                            [finding("aws_vpc.v")])
    unused = suppressor.unused("notice")
    if suppressed:
        assert kept == [] and unused == []
    else:
        assert [f.resource for f in kept] == ["aws_vpc.v"]
        assert [(f.rule_id, f.line, f.facts[0]) for f in unused] == [("unused_ignore", 2, "expired")]
        assert "expired on 2026-12-31" in unused[0].message


def test_an_unreadable_expiry_date_is_a_malformed_ignore() -> None:
    comments = {FILE: [(2, "# vpclint-ignore: docker_bridge_overlap exp:31/12/2026")]}
    kept, suppressor = apply([resource("aws_vpc.v", 3, 5)], comments, [finding("aws_vpc.v")])
    assert [f.resource for f in kept] == ["aws_vpc.v"]
    (notice,) = suppressor.unused("notice")
    assert "exp:31/12/2026 is not a date; write exp:YYYY-MM-DD" in notice.message


def test_no_inline_ignores_reports_what_the_comments_suppress(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        '# vpclint-ignore: docker_bridge_overlap exp:2999-12-31\n'
        'resource "aws_vpc" "a" {\n  cidr_block = "172.17.0.0/16"\n}\n\n'
        '# vpclint-ignore: docker_bridge_overlap exp:2000-01-01 long expired\n'
        'resource "aws_vpc" "b" {\n  cidr_block = "172.17.0.0/16"\n}\n')
    runner = CliRunner()
    plain = json.loads(runner.invoke(cli, ["check", "--no-cache", "--format", "json", str(tmp_path)]).output)
    assert [(f["rule_id"], f["resource"], f["line"]) for f in plain["findings"]] == [
        ("unused_ignore", "aws_vpc.b", 6), ("docker_bridge_overlap", "aws_vpc.b", 7)]
    audit = json.loads(runner.invoke(cli, ["check", "--no-cache", "--format", "json", "--no-inline-ignores",
                                           str(tmp_path)]).output)
    assert [(f["rule_id"], f["resource"], f["line"]) for f in audit["findings"]] == [
        ("docker_bridge_overlap", "aws_vpc.a", 2), ("docker_bridge_overlap", "aws_vpc.b", 7)]


def test_exp_followed_by_prose_is_part_of_the_reason() -> None:
    directive = parse_comment(FILE, 3, "# vpclint-ignore: docker_bridge_overlap exp: when the peers move")
    assert directive is not None and not directive.malformed and directive.expires is None
