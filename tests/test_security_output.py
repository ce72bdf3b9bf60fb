"""Issue 12, point 6: every output format escapes what it quotes from the input.

The attacker's inputs are the fixture ``fixtures/security_output_injection``:
``hcl/`` (a module source and resource names holding line breaks, GitHub
workflow commands, ANSI/OSC escapes, XML-forbidden controls, a markdown fence
and verdict, Mermaid click callbacks and directives), ``plan/plan.json`` (the
same in resource addresses, which a forged plan can hold raw), ``config/``
(var_files, rule_dirs and an expectation quoted by error messages) and
``rules/`` (a rule file whose summary, message, fix and docs are hostile).
File names holding such text are made here, in a temporary directory: a
repository can hold them, but committing them would trouble every checkout.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from conftest import FIXTURES
from vpclint import graph as graphs
from vpclint.cli import cli
from vpclint.lint import Progress
from vpclint.reporters import escape

HOSTILE = FIXTURES / "security_output_injection"
FORMATS = ["text", "json", "sarif", "junit", "checkstyle", "compact", "github", "markdown"]

# what a terminal or a CI runner acts on: C0 controls but line feed and tab, DEL, C1,
# the line/paragraph separators, bidi overrides
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# a runner's command anywhere in a line: legacy GitHub (##[), Azure Pipelines (##vso[), TeamCity
_INLINE_COMMAND = re.compile(r"##[A-Za-z]*\[")
# vpclint's own workflow commands (--format github)
_OWN_COMMAND = re.compile(r"::(error|warning|notice) file=[^:,]*(,line=\d+)?,title=vpclint [a-z_ ]+::")


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch) -> Path:
    """The fixture, copied, run from its root module's directory."""
    root = tmp_path / "pr"
    shutil.copytree(HOSTILE, root)
    (root / ".git").mkdir()  # one repository, so ../config and ../rules are inside the run (inputs.py)
    monkeypatch.chdir(root / "hcl")
    return root


def invoke(*args):
    """Run vpclint as a terminal would receive it: color=True keeps click from
    removing the escape sequences it knows, so none can hide."""
    return CliRunner().invoke(cli, list(args), color=True, catch_exceptions=False)


def assert_safe(text: str, own_commands: bool = False) -> None:
    """No byte a terminal acts on, no line a CI runner takes for a command."""
    assert not _UNSAFE.search(text), f"control character in output: {_UNSAFE.search(text).group()!r}"
    assert not _INLINE_COMMAND.search(text), "a runner's ##[ command in output"
    for line in text.split("\n"):
        if line.lstrip().startswith("::"):
            assert own_commands and _OWN_COMMAND.match(line), f"a workflow command that is not vpclint's: {line!r}"


INPUTS = {
    "hcl": ("check", ".", "--config", "../config/vpclint.yaml"),
    "plan": ("check", "../plan/plan.json"),
}


@pytest.mark.parametrize("format_", FORMATS)
@pytest.mark.parametrize("source", sorted(INPUTS))
def test_no_output_line_is_a_ci_command_or_a_terminal_escape(hostile: Path, source: str, format_: str) -> None:
    result = invoke(*INPUTS[source], "--format", format_)
    assert result.exit_code == (2 if source == "hcl" else 1)
    assert_safe(result.stdout, own_commands=format_ == "github")
    assert_safe(result.stderr)


@pytest.mark.parametrize("format_", FORMATS)
def test_errors_on_stderr_quote_config_values_and_module_sources_on_one_line(hostile: Path, format_: str) -> None:
    """--output sends the input errors to stderr: each is one line, its quoted values escaped."""
    result = invoke(*INPUTS["hcl"], "--format", format_, "--output", "report.out")
    assert result.exit_code == 2
    assert_safe(result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 5 and all(line.startswith("Error: ") for line in lines[:4]), lines
    assert lines[4] == "vpclint: 2 finding(s), 4 error(s); report written to report.out"
    stderr = result.stderr
    assert "envs/prod.tfvars\\n::add-mask::leaked-by-var-files\\x1b]0;pwned\\x07: cannot read" in stderr
    assert "policies\\n::warning title=pwned::forged by rule_dirs: rule directory does not exist" in stderr
    assert "huaweicloud_dcs_instance.cache\\n::add-mask::leaked-by-expect\\x01" in stderr
    assert ("module directory modules/net\\n::add-mask::leaked-by-module-source\\n::warning title=pwned::"
            "forged\\x1b]0;pwned\\x07 does not exist") in stderr
    assert_safe(Path("report.out").read_text(), own_commands=format_ == "github")


def test_config_errors_and_graph_errors_on_stderr_are_escaped(hostile: Path) -> None:
    Path("bad.yaml").write_text('rules:\n  cidr_invalid: {enabled: false}\nvar_files: "\\e[2J\\n::add-mask::x"\n')
    result = invoke("check", ".", "--config", "bad.yaml")
    assert result.exit_code == 2
    assert_safe(result.stderr)
    drawn = invoke("graph", ".")
    assert drawn.exit_code == 2
    assert_safe(drawn.stderr)
    assert drawn.stderr.count("\n") == 1 and "leaked-by-module-source" in drawn.stderr


def test_text_output_shows_escapes_where_the_input_held_control_characters(hostile: Path) -> None:
    out = invoke(*INPUTS["plan"]).stdout
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert ('in aws_vpc.hostile["\\x1b[2J\\x1b]0;pwned-title\\x07\\x1b]8;;https://evil.example/\\x07click'
            '\\x1b]8;;\\x07\\r"] (plan: no source position)') in out
    # a line break in an address is shown, not taken: the fix quoting it stays one line
    assert ('  Fix: correct cidr_block of aws_vpc.hostile["\\n::add-mask::leaked-by-plan\\n::warning title=pwned'
            '::forged annotation"]\n') in out
    assert '#\\x23[stop-commands]t0k3n #\\x23vso[task.setvariable' in out


def test_github_format_escapes_data_and_properties_and_forges_no_command(hostile: Path) -> None:
    result = invoke(*INPUTS["hcl"], "--format", "github")
    lines = result.stdout.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 6 and lines[-1] == "vpclint: 2 finding(s) (1 error, 1 warning), 4 input error(s)"
    for line in commands:
        assert _OWN_COMMAND.match(line), line
    by_title = {line.split("title=", 1)[1].split("::", 1)[0]: line for line in commands}
    rule = by_title["vpclint hostile_rule"]
    # the rule's own fix has two lines: one %0A; the message's line break is shown as \n
    assert rule.endswith("::subnet huaweicloud_vpc_subnet.hostile\\n::warning title=pwned::forged by a rule "
                         "message #\\x23[stop-commands]t0k3n [phish](https://evil.example/)%0AFix: move "
                         "huaweicloud_vpc_subnet.hostile%0A::add-mask::leaked-by-rule-fix")
    var_file = next(line for line in commands if "cannot read variables file" in line)
    assert var_file.startswith("::error file=../config/envs/prod.tfvars\\n%3A%3Aadd-mask%3A%3Aleaked-by-var-files"
                               "\\x1b]0;pwned\\x07,title=vpclint input error::")


def _parse_xml(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


@pytest.mark.parametrize("source", sorted(INPUTS))
def test_junit_is_well_formed_xml_holding_the_escaped_values(hostile: Path, source: str) -> None:
    root = _parse_xml(invoke(*INPUTS[source], "--format", "junit").stdout)
    failures = root.findall(".//failure")
    assert len(failures) == (2 if source == "hcl" else 6)
    if source == "plan":
        names = sorted(case.get("name") for case in root.iter("testcase") if case.find("failure") is not None)
        assert 'aws_vpc.hostile["\\x01\\x08\\x0c\\x1f\\ufffe\\uffff"] (../plan/plan.json)' in names
        assert ('aws_vpc.hostile["\\n::add-mask::leaked-by-plan\\n::warning title=pwned::forged annotation"] '
                "(../plan/plan.json)") in names
    else:
        errors = [e.get("message") for e in root.iter("error")]
        assert ("module directory modules/net\\n::add-mask::leaked-by-module-source\\n::warning title=pwned::"
                "forged\\x1b]0;pwned\\x07 does not exist") in errors


@pytest.mark.parametrize("source", sorted(INPUTS))
def test_checkstyle_is_well_formed_xml_holding_the_escaped_values(hostile: Path, source: str) -> None:
    root = _parse_xml(invoke(*INPUTS[source], "--format", "checkstyle").stdout)
    messages = [e.get("message") for e in root.iter("error")]
    assert len(messages) == 6
    if source == "plan":
        assert any('aws_vpc.hostile["\\x01\\x08\\x0c\\x1f\\ufffe\\uffff"]' in m for m in messages)
        assert any("#\x23[stop-commands]" in m for m in messages)  # the value parses back unchanged
    else:
        assert any("huaweicloud_dcs_instance.cache\\n::add-mask::leaked-by-expect\\x01" in m for m in messages)


def test_xml_formats_are_well_formed_for_a_file_name_that_is_not_utf8_and_holds_controls(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    _hostile_file_names(tmp_path)
    monkeypatch.chdir(tmp_path)
    for format_ in ("junit", "checkstyle"):
        root = _parse_xml(invoke("check", ".", "--format", format_).stdout)
        files = {e.get("file") for e in root.iter("testcase")} | {e.get("name") for e in root.iter("file")}
        assert "\\udcff\\x1b]0;pwned\\x07.tf" in files and "\\x01\\x0c\\ufffe.tf" in files


def _hostile_file_names(directory: Path) -> None:
    """Four .tf files with a finding each, named as a pull request may name them."""
    for name in (b"\xff\x1b]0;pwned\x07.tf", b"\x01\x0c\xef\xbf\xbe.tf", b"::warning title=pwned::forged.tf",
                 b"a\n::add-mask::leaked-by-file-name.tf"):
        with open(bytes(directory) + b"/" + name, "w") as handle:
            handle.write(f'resource "aws_vpc" "v{len(name)}" {{\n  cidr_block = "10.0.0.1/16"\n}}\n')


@pytest.mark.parametrize("format_", FORMATS)
def test_file_names_holding_controls_commands_or_bad_utf8_are_escaped_in_every_format(tmp_path: Path, monkeypatch,
                                                                                       format_: str) -> None:
    _hostile_file_names(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = invoke("check", ".", "--format", format_)
    assert result.exit_code == 1, result.output  # four findings: no crash on a name that is not UTF-8
    assert_safe(result.stdout, own_commands=format_ == "github")
    assert result.stderr == ""


@pytest.mark.parametrize("format_", ["json", "sarif"])
def test_json_formats_stay_valid_and_keep_the_values(hostile: Path, format_: str) -> None:
    text = invoke(*INPUTS["plan"], "--format", format_).stdout
    document = json.loads(text)
    if format_ == "json":
        resources = {f["resource"] for f in document["findings"]}
    else:
        results = document["runs"][0]["results"]
        resources = {r["properties"]["resource"] for r in results}
        # the input cannot write a SARIF embedded link ([text](target)) into a message
        phish = next(r["message"]["text"] for r in results if "phish" in r["message"]["text"])
        assert "\\[phish\\](https://evil.example/)" in phish
        assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", phish)
    assert ('aws_vpc.hostile["##[stop-commands]t0k3n ##vso[task.setvariable variable=x]1 '
            '[phish](https://evil.example/)"]') in resources  # the values are the input's, unchanged
    assert 'aws_vpc.hostile["\x1b[2J\x1b]0;pwned-title\x07\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07\r"]' \
        in resources
    assert "#\\u0023[stop-commands]" in text


def test_sarif_rule_help_cannot_close_its_example_fence(hostile: Path) -> None:
    document = json.loads(invoke(*INPUTS["hcl"], "--format", "sarif").stdout)
    rule = next(r for r in document["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "hostile_rule")
    html = MarkdownIt("commonmark").render(rule["help"]["markdown"])
    assert "<h2>" not in html and "forged heading in the SARIF help" in html


# -- Markdown ----------------------------------------------------------------------

def _render(markdown: str) -> str:
    """The markdown as GitHub would lay it out (CommonMark, tables, raw HTML allowed)."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown)


@pytest.mark.parametrize("source", sorted(INPUTS))
def test_markdown_report_keeps_its_layout_whatever_the_names(hostile: Path, source: str) -> None:
    markdown = invoke(*INPUTS[source], "--format", "markdown").stdout
    html = _render(markdown)
    headings = re.findall(r"<h(\d)>(.*?)</h\1>", html)
    expected = [("2", "vpclint"), *([("3", "Input errors")] if source == "hcl" else []), ("3", "Findings"),
                ("3", "Topology")]
    assert headings == expected
    assert "no findings" not in html.split("<table>")[0]  # the verdict is vpclint's
    assert "<img" not in html and "<script" not in html and "<a " not in html  # no HTML, no link passed through
    # one code block, the diagram, holding every network: no name closed it early
    blocks = re.findall(r'<pre><code class="language-mermaid">(.*?)</code></pre>', html, re.S)
    assert len(blocks) == 1 and len(re.findall(r"<pre>", html)) == 1
    assert blocks[0].count("subgraph ") == (1 if source == "hcl" else 6)
    rows = re.findall(r"<tr>\s*<td>(error|warning)</td>", html)
    assert len(rows) == (2 if source == "hcl" else 6)
    assert_safe(markdown)


def test_markdown_names_are_code_spans_their_content_cannot_close(hostile: Path) -> None:
    html = _render(invoke(*INPUTS["plan"], "--format", "markdown").stdout)
    cells = re.findall(r"<td><code>(.*?)</code></td>\s*<td>cidr", html)
    assert ('aws_vpc.hostile[&quot;`&lt;/code&gt;&lt;img src=x onerror=alert(1)&gt;\\n```\\n## vpclint\\n'
            ':white_check_mark: **no findings**\\n```mermaid&quot;]') in cells


def test_code_span_and_fence_outlast_any_backtick_run() -> None:
    assert escape.code_span("a``b") == "```a``b```"
    assert escape.code_span("`x") == "`` `x ``"
    assert escape.fence("a\n````\nb", "mermaid") == ["`````mermaid", "a", "````", "b", "`````"]
    html = MarkdownIt("commonmark").render(escape.code_span("x``` </code>"))
    assert html == "<p><code>x``` &lt;/code&gt;</code></p>\n"


# -- pictures ----------------------------------------------------------------------

_MERMAID_LINE = re.compile(r'(flowchart LR|  subgraph n_\w+\["[^"]*"\]|    n_\w+(\["|\(\["|\[\(")[^"]*("\]|"\]\)|"\)\])'
                           r'|  end|  n_\w+ (-->|-\.->)\|"[^"]*"\| n_\w+|  linkStyle \d+ [\w:,\-]+)')
_DOT_STRING = r'"(?:[^"\\]|\\.)*"'
_DOT_LINE = re.compile(rf'(digraph vpclint \{{|  rankdir=LR;|  node \[shape=box, fontname="Helvetica"\];'
                       rf'|  subgraph cluster_n_\w+ \{{|    label={_DOT_STRING};'
                       rf'|    n_\w+ \[label={_DOT_STRING}, shape=\w+\];'
                       rf'|    n_\w+ \[label="", shape=point, style=invis\];|  \}}|\}}'
                       rf'|  n_\w+ -> n_\w+ \[label={_DOT_STRING}(, [\w=]+)*\];)')


@pytest.mark.parametrize("source", sorted(INPUTS))
def test_graph_labels_cannot_add_lines_edges_or_directives(hostile: Path, source: str) -> None:
    target = "." if source == "hcl" else "../plan/plan.json"
    mermaid = invoke("graph", target).stdout
    for line in mermaid.rstrip("\n").split("\n"):
        assert _MERMAID_LINE.fullmatch(line), line
    assert "%%" not in mermaid and "`" not in mermaid and "<img" not in mermaid
    dot = invoke("graph", target, "--format", "dot").stdout
    for line in dot.rstrip("\n").split("\n"):
        assert _DOT_LINE.fullmatch(line), line
    assert_safe(mermaid)
    assert_safe(dot)


def test_two_addresses_spelled_alike_never_share_a_node() -> None:
    from vpclint.model import Model, Network

    model = Model()
    model.networks = [Network("aws_vpc.a-b"), Network("aws_vpc.a_b"), Network("aws_vpc.a.b")]
    ids = [group_id for group_id, _, _ in graphs.build(model).groups]
    assert ids[0] == "n_aws_vpc_a_b" and len(set(ids)) == 3


# -- the rest of stderr ------------------------------------------------------------

def test_progress_line_shows_a_hostile_directory_name_escaped() -> None:
    stream = io.StringIO()
    Progress(stream, width=200).update(1, 2, "infra/\x1b]0;pwned\x07\n::add-mask::x")
    assert stream.getvalue() == "\r\x1b[K[1/2] infra/\\x1b]0;pwned\\x07\\n::add-mask::x"


def test_rules_and_explain_show_a_hostile_rule_file_escaped(hostile: Path) -> None:
    listed = invoke("rules", "--rules", "../rules")
    line = next(line for line in listed.stdout.splitlines() if line.startswith("hostile_rule"))
    assert line.endswith("Looks harmless\\n::add-mask::leaked-by-rule-summary\\x1b]0;pwned\\x07")
    assert_safe(listed.stdout)
    explained = invoke("explain", "hostile_rule", "--rules", "../rules")
    assert_safe(explained.stdout)
    assert "\nLooks harmless\\n::add-mask::leaked-by-rule-summary\\x1b]0;pwned\\x07\n" in explained.stdout
    # the documentation's own lines stay lines, indented, none a workflow command
    assert "    Nothing.\n    \\x3a:add-mask::leaked-by-rule-docs\n" in explained.stdout


# -- the escapes themselves --------------------------------------------------------

def test_line_escapes_controls_and_defuses_every_runner_command() -> None:
    assert escape.line("a\r\n\tb\x1b[31m\x9b\u202e\udcff") == "a\\r\\n\tb\\x1b[31m\\x9b\\u202e\\udcff"
    assert escape.line("  ::add-mask::x") == "  \\x3a:add-mask::x"
    assert escape.line("x ##[stop-commands]t ###[y] ##vso[task] ##teamcity[m] #[ok]") == \
        "x #\\x23[stop-commands]t ##\\x23[y] #\\x23vso[task] #\\x23teamcity[m] #[ok]"
    assert escape.line("plain text: 10.0.0.0/8 (a::b)") == "plain text: 10.0.0.0/8 (a::b)"


def test_json_and_xml_escapes_keep_the_values() -> None:
    value = "##[x] \u2028 \x85 \u202e \udcff"
    assert json.loads(escape.json_text(json.dumps({"v": value}, ensure_ascii=False)))["v"] == value
    root = ET.Element("r", {"a": "\x00\x1b ##[x]"})
    root.text = "\n::add-mask::x\ufffe"
    escape.xml_clean(root)
    parsed = ET.fromstring(escape.xml_document(ET.tostring(root, encoding="unicode")))
    assert parsed.get("a") == "\\x00\\x1b ##[x]" and parsed.text == "\n::add-mask::x\\ufffe"
