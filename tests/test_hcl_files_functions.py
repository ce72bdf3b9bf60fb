"""Terraform's functions over files, encodings, hashes and dates (issue 15, point 2).

Values are those of Terraform's documentation examples (developer.hashicorp.com/
terraform/language/functions/<name>) where it gives one. ``fileset`` follows
doublestar's globbing and is confined to the repository and bounded.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

import pytest

from vpclint.load import LoadOptions
from vpclint.load.hcl import fileset as fileset_module
from vpclint.load.hcl import load_module
from vpclint.load.hcl.evaluate import FUNCTIONS, SPECIAL_FORMS
from vpclint.load.hcl.functions import catalog
from vpclint.values import Unknown

README = Path(__file__).resolve().parent.parent / "README.md"


# ---------------------------------------------------------------------------
# every documented function is registered
# ---------------------------------------------------------------------------


def test_every_documented_function_is_registered() -> None:
    missing = [name for name in catalog.DOCUMENTED if name not in FUNCTIONS and name not in SPECIAL_FORMS]
    assert missing == []
    assert len(catalog.DOCUMENTED) == len(set(catalog.DOCUMENTED)) == 124


def test_the_readme_lists_what_stays_unknown_and_why() -> None:
    text = README.read_text()
    section = text[text.index("## Terraform functions"):]
    section = section[: section.index("\n## ", 3)]
    for name, reason in catalog.STAY_UNKNOWN.items():
        assert f"`{name}`" in section and reason in section, name
    for name in catalog.ERRORS:
        assert f"`{name}`" in section, name
    counted = re.search(r"(\d+) of the (\d+) functions", section)
    assert counted is not None
    assert (int(counted.group(1)), int(counted.group(2))) == (len(catalog.STAY_UNKNOWN), len(catalog.DOCUMENTED))


# ---------------------------------------------------------------------------
# values (Terraform's documented examples)
# ---------------------------------------------------------------------------

HELLO = "Hello World\n"
CASES = [
    # files
    ('filebase64("hello.txt")', base64.b64encode(HELLO.encode()).decode()),
    ('filemd5("hello.txt")', hashlib.md5(HELLO.encode()).hexdigest()),
    ('filesha1("hello.txt")', hashlib.sha1(HELLO.encode()).hexdigest()),
    ('filesha256("hello.txt")', hashlib.sha256(HELLO.encode()).hexdigest()),
    ('filesha512("hello.txt")', hashlib.sha512(HELLO.encode()).hexdigest()),
    ('filebase64sha256("hello.txt")', base64.b64encode(hashlib.sha256(HELLO.encode()).digest()).decode()),
    ('filebase64sha512("hello.txt")', base64.b64encode(hashlib.sha512(HELLO.encode()).digest()).decode()),
    ('filemd5("binary.bin")', hashlib.md5(b"\xff\xfe\x00").hexdigest()),  # not UTF-8: hashed all the same
    ('filebase64("binary.bin")', "//4A"),
    ('file("binary.bin")', "error: file(): cannot read 'binary.bin': not UTF-8 text"),
    ('try(filemd5("nope.txt"), "absent")', "absent"),
    ('try(file("nope.txt"), "absent")', "absent"),
    ('can(yamldecode(file("nope.txt")))', False),
    # a name that starts with a dot is matched like any other (doublestar)
    ('fileset(path.module, "files/*.txt")', ["files/.hidden.txt", "files/hello.txt", "files/world.txt"]),
    ('fileset("${path.module}/files", "*.txt")', [".hidden.txt", "hello.txt", "world.txt"]),
    ('fileset(path.module, "files/{hello,world}.txt")', ["files/hello.txt", "files/world.txt"]),
    ('fileset(path.module, "files/*")', ["files/.hidden.txt", "files/hello.txt", "files/world.txt"]),
    ('fileset("files", "**")', [".hidden.txt", "hello.txt", "sub/deep/x.yaml", "sub/y.yaml", "world.txt"]),
    ('fileset("files", "**/*.yaml")', ["sub/deep/x.yaml", "sub/y.yaml"]),
    ('fileset("files", "sub/**/x.yaml")', ["sub/deep/x.yaml"]),
    ('fileset("files", "?ello.txt")', ["hello.txt"]),
    ('fileset("files", "[hw]*.txt")', ["hello.txt", "world.txt"]),
    ('fileset("files", "[^h]*.txt")', [".hidden.txt", "world.txt"]),
    ('fileset("files", "[!h]*.txt")', [".hidden.txt", "world.txt"]),
    ('fileset("files", "[a-i]*")', ["hello.txt"]),
    ('fileset("files", "sub")', []),  # a directory is no regular file
    ('fileset("files/sub", "../[hw]*.txt")', ["../hello.txt", "../world.txt"]),
    ('fileset("files", "*.csv")', []),
    ('fileset("files", "/sub/*.yaml")', ["sub/y.yaml"]),  # joined as Go's filepath.Join does
    ('fileset("absent", "*")', []),
    ('fileset("files", "[")', "error: fileset(): unterminated [ in pattern"),
    ('fileset("files", "{a,b")', "error: fileset(): unterminated { in pattern"),
    ('try(fileset(null, "*.yaml"), [])', []),
    ('length(fileset(".", "f*/*.txt"))', 3),
    # encoding
    ('csvdecode("a,b,c\\n1,2,3\\n4,5,6")', [{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}]),
    ('csvdecode("a,b\\n\\"x,y\\",2\\n")', [{"a": "x,y", "b": "2"}]),
    ('csvdecode("a,b\\n")', []),
    ('csvdecode("")', "error: csvdecode(): missing header line"),
    ('csvdecode("a,b\\n1,2,3")', "error: csvdecode(): record on line 2: wrong number of fields"),
    ('yamlencode({ "a" : "b", "c" : "d" })', '"a": "b"\n"c": "d"\n'),
    ('yamlencode({ "foo" : [1, 2, 3], "bar" : "baz" })', '"bar": "baz"\n"foo":\n- 1\n- 2\n- 3\n'),
    ('yamlencode({ "foo" : [1, { "a" : "b", "c" : "d" }, 3], "bar" : "baz" })',
     '"bar": "baz"\n"foo":\n- 1\n- "a": "b"\n  "c": "d"\n- 3\n'),
    ('yamlencode(true)', "true\n...\n"),
    ('yamlencode("hello")', '"hello"\n'),
    ('yamlencode([])', "[]\n"),
    ('yamlencode({})', "{}\n"),
    ('yamlencode({ a = { b = "x\\ny" } })', '"a":\n  "b": |-\n    x\n    y\n'),
    ('yamlencode(["tab\\there"])', '- "tab\\there"\n'),
    ('yamldecode(yamlencode({ k = ["x\\ny\\n", 1.5, null, { z = "q\\"" }] }))',
     {"k": ["x\ny\n", 1.5, None, {"z": 'q"'}]}),
    ('textencodebase64("Hello World", "UTF-16LE")', "SABlAGwAbABvACAAVwBvAHIAbABkAA=="),
    ('textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")', "Hello World"),
    ('textencodebase64("é", "ISO-8859-1")', "6Q=="),
    ('textencodebase64("€", "ISO-8859-1")',
     "error: textencodebase64(): the given string contains characters that cannot be represented in iso8859-1"),
    ('textencodebase64("x", "NOPE-1")', "error: textencodebase64(): 'NOPE-1' is not a supported IANA encoding name or alias"),
    # hashes
    ('uuidv5("dns", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ('uuidv5("url", "https://www.terraform.io/")', "9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"),
    ('uuidv5("oid", "1.3.6.1.4")', "af9d40a5-7a36-5c07-b23a-851cd99fbfa5"),
    ('uuidv5("x500", "CN=Example,C=GB")', "84e09961-4aa4-57f8-95b7-03edb1073253"),
    ('uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    ('uuidv5("tld", "x")', "error: uuidv5(): uuidv5() doesn't support namespace 'tld'"),
    # dates
    ('formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")', "02 Jan 2018 23:12 UTC"),
    ('formatdate("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z")', "Tuesday, 02-Jan-18 23:12:01 UTC"),
    ('formatdate("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00")', "Tue, 02 Jan 2018 23:12:01 -0800"),
    ('formatdate("MMM DD, YYYY", "2018-01-02T23:12:01Z")', "Jan 02, 2018"),
    ('formatdate("HH:mmaa", "2018-01-02T23:12:01Z")', "11:12pm"),
    ('formatdate("h\'h\'mm", "2018-01-02T23:12:01-08:00")', "23h12"),
    ('formatdate("H \'o\'\'clock\'", "2018-01-02T23:12:01-08:00")', "11 o'clock"),
    ('formatdate("YYYY-MM-DD\'T\'hh:mm:ssZ", "2018-01-02T23:12:01+05:30")', "2018-01-02T23:12:01+05:30"),
    ('formatdate("DDD", "2018-01-02T23:12:01Z")', "error: formatdate(): invalid date format verb 'DDD'"),
    ('formatdate("YYYY", "2018-01-02")', 'error: formatdate(): not a valid RFC3339 timestamp: "2018-01-02"'),
    ('timeadd("2017-11-22T00:00:00Z", "10m")', "2017-11-22T00:10:00Z"),
    ('timeadd("2017-11-22T00:00:00Z", "-1h30m")', "2017-11-21T22:30:00Z"),
    ('timeadd("2017-11-22T00:00:00+01:00", "1.5h")', "2017-11-22T01:30:00+01:00"),
    ('timeadd("2017-11-22T00:00:00Z", "10 minutes")', 'error: timeadd(): time: invalid duration "10 minutes"'),
    ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z")', 0),
    ('timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z")', -1),
    ('timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z")', 1),
    ('timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00")', 0),
    ('timeadd(timestamp(), "1h")', "unknown: timestamp() is known only after apply"),
    # paths
    ('pathexpand("~/.ssh/id_rsa")', "unknown: pathexpand(): the home directory of whoever runs terraform"),
    ('pathexpand("/etc/resolv.conf")', "/etc/resolv.conf"),
    ('pathexpand("datasets/vpcs")', "datasets/vpcs"),
    ('pathexpand("~bob/x")', "error: pathexpand(): cannot expand user-specific home dir"),
    ('abspath("/a/../b")', "/b"),
    ('file("~/.aws/credentials")', "unknown: file '~/.aws/credentials' is under the home directory of whoever runs terraform"),
    # OpenTofu's cidrcontains (its documented examples)
    ('cidrcontains("192.168.2.0/20", "192.168.2.1")', True),
    ('cidrcontains("192.168.2.0/20", "192.168.2.0/22")', True),
    ('cidrcontains("192.168.2.0/20", "192.126.2.1")', False),
    ('cidrcontains("192.168.2.0/20", "192.126.2.0/18")', False),
    ('cidrcontains("fe80::/48", "fe80::1")', True),
    ('cidrcontains("fe80::/48", "fe81::1")', False),
    ('cidrcontains("10.0.0.0/8", "fe80::1")',
     "error: cidrcontains(): address family mismatch: the prefix and the address must both be IPv4 or both IPv6"),
    # what stays unknown, and documented errors
    ("uuid()", "unknown: uuid() is known only after apply"),
    ('bcrypt("x")', "unknown: bcrypt() is known only after apply (a random salt each run)"),
    ("plantimestamp()", "unknown: plantimestamp() is the time the plan is made"),
    ('base64gzip("x")', "unknown: " + catalog.STAY_UNKNOWN["base64gzip"]),
    ('rsadecrypt("x", "k")', "unknown: " + catalog.STAY_UNKNOWN["rsadecrypt"]),
    ("provider::terraform::encode_expr(1)", "unknown: provider::terraform::encode_expr is not evaluated by vpclint"),
    ("type(1)", "error: type() is only available in terraform console"),
    ('list("a")', "error: " + catalog.ERRORS["list"]),
    ('map("a", 1)', "error: " + catalog.ERRORS["map"]),
]


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory) -> dict:
    directory: Path = tmp_path_factory.mktemp("files")
    (directory / ".git").mkdir()  # the root of the run
    (directory / "hello.txt").write_text(HELLO)
    (directory / "binary.bin").write_bytes(b"\xff\xfe\x00")
    files = directory / "files"
    (files / "sub" / "deep").mkdir(parents=True)
    for name in ("hello.txt", "world.txt", ".hidden.txt", "sub/y.yaml", "sub/deep/x.yaml"):
        (files / name).write_text(name)
    body = "\n".join(f"  v{i} = {expression}" for i, (expression, _) in enumerate(CASES))
    (directory / "main.tf").write_text(f'resource "t" "r" {{\n{body}\n}}\n')
    cwd = os.getcwd()
    os.chdir(directory)  # paths are relative to where terraform runs: the root module
    try:
        result = load_module(".", LoadOptions())
    finally:
        os.chdir(cwd)
    assert result.errors == []
    return {r.address: r for r in result.resources}["t.r"].values


@pytest.mark.parametrize("index", range(len(CASES)), ids=[expression for expression, _ in CASES])
def test_value(evaluated: dict, index: int) -> None:
    expression, expected = CASES[index]
    actual = evaluated[f"v{index}"]
    if isinstance(expected, str) and expected.startswith(("error: ", "unknown: ")):
        assert actual == Unknown(expected.split(": ", 1)[1])
    else:
        assert actual == expected
        assert type(actual) is type(expected)


def test_a_missing_file_is_an_error_at_the_block_unless_try_catches_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "t" "r" {\n  a = filemd5("nope.txt")\n'
                                      '  b = try(file("nope.txt"), null)\n}\n')
    result = load_module(str(tmp_path), LoadOptions())
    assert result.resources[0].values["a"] == Unknown("filemd5(): no file exists at 'nope.txt'")
    assert [(e.line, e.message) for e in result.errors] == [
        (1, f"file() target {tmp_path / 'nope.txt'} does not exist")]


def test_abspath_of_a_relative_path_is_below_the_root_module(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "t" "r" {\n  p = abspath("data/x.yaml")\n}\n')
    result = load_module(str(tmp_path), LoadOptions())
    assert result.resources[0].values["p"] == f"{os.path.abspath(tmp_path)}/data/x.yaml"


# ---------------------------------------------------------------------------
# fileset: confined to the repository, bounded
# ---------------------------------------------------------------------------

posix = pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="symlinks need a POSIX system")


def _repo(tmp_path: Path, expression: str) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "config").write_text("[http]\n  extraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (repo / "net" / "data").mkdir(parents=True)
    (repo / "net" / "data" / "a.yaml").write_text("cidr: 10.0.0.0/24\n")
    (repo / "net" / "main.tf").write_text(f'resource "t" "r" {{\n  files = {expression}\n}}\n')
    return repo


def _load(repo: Path):
    result = load_module(str(repo / "net"), LoadOptions())
    return result.resources[0].values["files"], [(e.line, e.message) for e in result.errors]


@posix
def test_fileset_never_lists_a_directory_outside_the_repository(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token.yaml").write_text("x")
    repo = _repo(tmp_path, 'fileset("${path.module}/../..", "secrets/*")')
    value, errors = _load(repo)
    assert isinstance(value, Unknown) and "resolves outside the repository" in value.reason
    assert len(errors) == 1 and errors[0][0] == 1 and "fileset() target" in errors[0][1]


@posix
def test_fileset_never_follows_a_symlinked_directory_out_of_the_repository(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token.yaml").write_text("x")
    repo = _repo(tmp_path, 'fileset("${path.module}/data", "**/*.yaml")')
    (repo / "net" / "data" / "link").symlink_to(tmp_path / "secrets")
    value, errors = _load(repo)
    assert isinstance(value, Unknown) and "resolves outside the repository" in value.reason
    assert "token" not in value.reason and [line for line, _ in errors] == [1]


@posix
def test_fileset_never_returns_a_symlinked_file_out_of_the_repository(tmp_path: Path) -> None:
    (tmp_path / "token.yaml").write_text("x")
    repo = _repo(tmp_path, 'fileset("${path.module}/data", "*.yaml")')
    (repo / "net" / "data" / "b.yaml").symlink_to(tmp_path / "token.yaml")
    value, errors = _load(repo)
    assert isinstance(value, Unknown) and "resolves outside the repository" in value.reason
    assert [line for line, _ in errors] == [1]


@posix
def test_fileset_follows_a_symlink_inside_the_repository(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'fileset("${path.module}/data", "**/*.yaml")')
    (repo / "shared").mkdir()
    (repo / "shared" / "s.yaml").write_text("x")
    (repo / "net" / "data" / "shared").symlink_to(repo / "shared")
    (repo / "net" / "data" / "loop").symlink_to(repo / "net" / "data")  # a cycle: walked once
    value, errors = _load(repo)
    assert value == ["a.yaml", "shared/s.yaml"] and errors == []


def test_fileset_never_lists_git_metadata(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'fileset("${path.module}/..", "**")')
    value, errors = _load(repo)
    assert value == Unknown("fileset(): .git is inside git's metadata (.git), which vpclint never reads")
    assert errors == []  # a plain "**" at the top of a checkout is no attack: unknown, no error


def test_fileset_is_bounded_in_matches(tmp_path: Path, monkeypatch) -> None:
    repo = _repo(tmp_path, 'fileset(path.module, "data/*.yaml")')
    for index in range(5):
        (repo / "net" / "data" / f"m{index}.yaml").write_text("x")
    monkeypatch.setattr(fileset_module, "MAX_MATCHES", 3)
    value, _ = _load(repo)
    assert value == Unknown("fileset(): more than 3 files match, which vpclint does not list")


def test_fileset_is_bounded_in_entries_looked_at(tmp_path: Path, monkeypatch) -> None:
    repo = _repo(tmp_path, 'fileset(path.module, "data/**/*.json")')
    for index in range(5):
        (repo / "net" / "data" / f"m{index}.yaml").write_text("x")
    monkeypatch.setattr(fileset_module, "MAX_ENTRIES", 4)
    value, _ = _load(repo)
    assert value == Unknown("fileset(): the pattern looks at more than 4 directory entries, "
                            "which vpclint does not list")


@posix
def test_fileset_skips_special_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 'fileset("${path.module}/data", "*")')
    os.mkfifo(repo / "net" / "data" / "pipe.yaml")
    value, errors = _load(repo)
    assert value == ["a.yaml"] and errors == []


# ---------------------------------------------------------------------------
# a factory: subnets and firewall rules from YAML files (fixtures/hcl_fileset_factory)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["broken", "fixed"])
def test_a_fileset_factory_is_linted_like_hcl(variant: str) -> None:
    from conftest import FIXTURES, annotations, found, run

    directory = FIXTURES / "hcl_fileset_factory" / variant
    report = run(directory)
    assert report.errors == []
    expected = {(r, a, str(Path(f).resolve()), line) for r, a, f, line in annotations(directory)}
    assert found(report) == expected
    assert len(expected) == (2 if variant == "broken" else 0)
    assert report.unknowns == []  # every YAML file is read: nothing the linter needed stays unknown
    subnets = {subnet.address for _, model in report.models for network in model.networks
               for subnet in network.subnets if "(secondary range" not in subnet.address}
    assert subnets == {f'google_compute_subnetwork.subnet["{name}"]' for name in ("nodes", "db", "reports")}


# ---------------------------------------------------------------------------
# fileset's walk against a reference matcher over every file of a tree
# ---------------------------------------------------------------------------

TREE = ["a.yaml", "b.yml", ".c.yaml", "x/a.yaml", "x/y/b.yaml", "x/y/z/a.txt", "w/a.yaml", "w/x/a.yaml"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("tree")
    (repo / ".git").mkdir()
    root = repo / "t"
    for name in TREE:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    return root


def _reference(components: list[str], parts: list[str]) -> bool:
    """doublestar's meaning of a pattern, as a match of one path (``**``: any number of directories)."""
    import fnmatch

    if not components:
        return not parts
    if components[0] == "**":
        if len(components) == 1:
            return bool(parts)
        return any(_reference(components[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], components[0]) and _reference(components[1:], parts[1:])


hypothesis = pytest.importorskip("hypothesis")
strategies = hypothesis.strategies
COMPONENT = strategies.one_of(strategies.just("**"), strategies.text(alphabet="abwxyz.*?", min_size=1, max_size=4))


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(strategies.lists(COMPONENT, min_size=1, max_size=4))
def test_fileset_matches_what_the_pattern_means(tree: Path, components: list[str]) -> None:
    from vpclint.load.hcl.results import Reads

    pattern = "/".join(components)
    hypothesis.assume(".." not in pattern and "." not in components)
    # doublestar v1 reads a "**" right after another as a plain component (any one name): not modelled here
    hypothesis.assume("**/**" not in pattern)
    found = fileset_module.glob(Reads(), str(tree), pattern, str(tree.parent))
    expected = sorted(name for name in TREE if _reference(components, name.split("/")))
    assert found == expected


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(strategies.text(alphabet="ab*?[]{},\\!^-/", max_size=12))
def test_any_pattern_is_matched_or_refused_as_a_bad_pattern(tree: Path, pattern: str) -> None:
    from vpclint.load.hcl.results import Reads

    try:
        found = fileset_module.glob(Reads(), str(tree), pattern, str(tree.parent))
    except fileset_module.BadPattern:
        return
    except fileset_module.Refused:  # a pattern such as "**" at the top of the tree reaches .git
        return
    assert found == sorted(set(found)) and all(isinstance(name, str) for name in found)
