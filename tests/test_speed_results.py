"""The result cache (issue 5): a root module's whole load, served only while
everything it read is unchanged — correctness, never speed.

Each change a user can make to what a load reads is made to a warm cache;
the load must then equal a load without any cache, and differ from the load
before the change (so that every case could fail).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import pytest

import vpclint.load.hcl as hcl
from vpclint.load import LoadOptions
from vpclint.load.hcl import evaluate, results
from vpclint.load.hcl.results import Reads, _decode, _encode
from vpclint.resources import LoadResult, Resource
from vpclint.values import Joined, Members, Ref, Unknown

MAIN = """\
variable "cidr" {
  default = "10.0.0.0/16"
}

resource "aws_vpc" "a" {
  cidr_block = var.cidr
  tags = {
    note   = file("data.txt")
    shown  = templatefile("shown.tftpl", { n = 1 })
    marker = fileexists("marker.txt")
    listed = join(",", fileset(path.module, "data/*.yaml"))
    hashed = filemd5("data.txt")
  }
}

module "child" {
  source = "./child"
}

module "remote" {
  source = "terraform-aws-modules/vpc/aws"
}
"""

CHILD = 'resource "aws_vpc" "c" {\n  cidr_block = "10.1.0.0/16"\n}\n'


def workspace(root: Path) -> Path:
    (root / "child").mkdir(parents=True)
    (root / "main.tf").write_text(MAIN)
    (root / "data.txt").write_text("one")
    (root / "data").mkdir()
    (root / "data" / "a.yaml").write_text("a")
    (root / "shown.tftpl").write_text("n=${n}")
    (root / "vars.tfvars").write_text('cidr = "10.2.0.0/16"\n')
    (root / "child" / "main.tf").write_text(CHILD)
    (root / "remote").mkdir()
    (root / "remote" / "main.tf").write_text('resource "aws_vpc" "r" {\n  cidr_block = "10.3.0.0/16"\n}\n')
    return root


def point_remote(root: Path) -> None:
    manifest = root / ".terraform" / "modules" / "modules.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"Modules": [{"Key": "remote", "Source": "x", "Dir": "remote"}]}))


# what each case changes; options are (var_files, vars, env) relative to the root
CHANGES: dict[str, Callable[[Path], None]] = {
    "edit a .tf file": lambda r: (r / "main.tf").write_text(MAIN.replace("10.0.0.0/16", "10.5.0.0/16")),
    "add a .tf file": lambda r: (r / "more.tf").write_text('resource "aws_vpc" "m" {\n  cidr_block = "10.6.0.0/16"\n}\n'),
    "remove a .tf file of a module": lambda r: (r / "child" / "main.tf").unlink(),
    "add terraform.tfvars": lambda r: (r / "terraform.tfvars").write_text('cidr = "10.7.0.0/16"\n'),
    "add an .auto.tfvars.json": lambda r: (r / "x.auto.tfvars.json").write_text('{"cidr": "10.8.0.0/16"}'),
    "edit a called module": lambda r: (r / "child" / "main.tf").write_text(CHILD.replace("10.1.", "10.9.")),
    "add a file to a called module": lambda r: (r / "child" / "b.tf").write_text('resource "aws_vpc" "d" {}\n'),
    "edit a file read by file()": lambda r: (r / "data.txt").write_text("two"),
    "edit a template read by templatefile()": lambda r: (r / "shown.tftpl").write_text("m=${n}"),
    "create a file fileexists() asks for": lambda r: (r / "marker.txt").write_text(""),
    "remove a file fileset() lists": lambda r: (r / "data" / "a.yaml").unlink(),
    "add a file to a directory fileset() lists": lambda r: (r / "data" / "b.yaml").write_text("x"),
    "download a remote module": point_remote,
    "make a file unreadable": lambda r: (r / "main.tf").chmod(0),
    "break a file's syntax": lambda r: (r / "main.tf").write_text(MAIN + "resource {\n"),
}


def load(root: Path, cache: Path | None, **options) -> LoadResult:
    return hcl.load_module(str(root), LoadOptions(cache_dir=str(cache) if cache else None, **options))


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "loads").rglob("*.json"))


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_change_to_anything_the_load_read_is_never_served_stale(change: str, tmp_path: Path) -> None:
    if change == "make a file unreadable" and os.geteuid() == 0:
        pytest.skip("root reads any file")
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"
    before = load(root, cache)
    assert load(root, cache) == before  # warm
    CHANGES[change](root)
    try:
        after = load(root, cache)
        assert after == load(root, None)
        assert after != before, "the case changes nothing: it could not fail"
        assert load(root, cache) == after  # and the new result is served from then on
    finally:
        (root / "main.tf").chmod(0o644)


def test_a_downloaded_module_edited_later_is_loaded_again(tmp_path: Path) -> None:
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"
    point_remote(root)
    before = load(root, cache)
    assert any(r.address == "module.remote.aws_vpc.r" for r in before.resources)
    (root / "remote" / "main.tf").write_text('resource "aws_vpc" "r" {\n  cidr_block = "10.4.0.0/16"\n}\n')
    after = load(root, cache)
    assert after == load(root, None) != before


@pytest.mark.parametrize("given", ["var_files", "vars", "env"])
def test_what_the_run_is_given_is_part_of_the_key(given: str, tmp_path: Path) -> None:
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"
    first = {"var_files": {"var_files": [str(root / "vars.tfvars")]}, "vars": {"vars": [("cidr", "10.10.0.0/16")]},
             "env": {"env": {"TF_VAR_cidr": "10.11.0.0/16"}}}[given]
    second = {"var_files": {"var_files": []}, "vars": {"vars": [("cidr", "10.12.0.0/16")]},
              "env": {"env": {"TF_VAR_cidr": "10.13.0.0/16", "HOME": "/elsewhere"}}}[given]
    one = load(root, cache, **first)
    two = load(root, cache, **second)
    assert one == load(root, None, **first) and two == load(root, None, **second) and one != two
    assert load(root, cache, **first) == one


def test_an_edited_var_file_is_read_again(tmp_path: Path) -> None:
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"
    options = {"var_files": [str(root / "vars.tfvars")]}
    before = load(root, cache, **options)
    (root / "vars.tfvars").write_text('cidr = "10.20.0.0/16"\n')
    after = load(root, cache, **options)
    assert after == load(root, None, **options) != before


def test_the_same_relative_path_from_another_directory_is_another_entry(tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    workspace(tmp_path / "a" / "m")
    workspace(tmp_path / "b" / "m")
    (tmp_path / "b" / "m" / "data.txt").write_text("b's")
    monkeypatch.chdir(tmp_path / "a")
    first = load(Path("m"), cache)
    monkeypatch.chdir(tmp_path / "b")
    second = load(Path("m"), cache)
    assert second == load(Path("m"), None) != first


def test_a_changed_limit_is_another_entry(tmp_path: Path, monkeypatch) -> None:
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"
    before = load(root, cache)
    monkeypatch.setattr(evaluate, "MAX_STEPS", 3)
    after = load(root, cache)
    assert after.errors and after != before


def test_an_unchanged_module_is_not_evaluated_again(tmp_path: Path, monkeypatch) -> None:
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"
    before = load(root, cache)
    assert len(entries(cache)) == 1

    def refuse(self, files):
        raise AssertionError("evaluated although nothing changed")

    monkeypatch.setattr(hcl.Loader, "run", refuse)
    assert load(root, cache) == before
    assert load(root, None).errors[0].message.startswith("internal error")  # the patch is live


def test_a_corrupt_or_foreign_entry_is_not_served(tmp_path: Path) -> None:
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"
    before = load(root, cache)
    (entry,) = entries(cache)
    text = entry.read_text()
    key = json.loads(text)["key"]  # the file's name is an HMAC of it (trust.py)
    for broken in (text[: len(text) // 2], text.replace('"v":1', '"v":0'), "[]",
                   text.replace(key, "0" * 64)):
        entry.write_text(broken)
        assert load(root, cache) == before
        assert entry.read_text() == text  # rewritten whole


def test_an_internal_error_is_not_cached(tmp_path: Path, monkeypatch) -> None:
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"

    def broken(self, *args):
        raise KeyError("bug")

    monkeypatch.setattr(hcl.Loader, "partial", lambda self: LoadResult(errors=list(self.errors)))
    monkeypatch.setattr(hcl.ModuleInstance, "emit", broken)
    failed = load(root, cache)
    assert "internal error" in failed.errors[0].message
    assert entries(cache) == []


def test_values_round_trip_exactly() -> None:
    values = {
        "plain": ["a", 1, 2.5, True, None, {"k": "v"}],
        "unknown": Unknown("known after apply"),
        "ref": [Ref("known after apply", "aws_vpc.main", "id")],
        "looks like a tag": {"\0u": "not unknown", "\0m": [1]},
        "one tag-like key": {"\0r": ["x", "y", "z"]},
        "nan and big": [float("inf"), 2 ** 80],
    }
    result = LoadResult(resources=[Resource("t.r", "t", "r", values, index="k", file="main.tf", line=1, end_line=2)])
    text = json.dumps(_encode(result))
    back = _decode(json.loads(text, object_hook=results._tagged))
    assert back == result
    assert type(back.resources[0].values["unknown"]) is Unknown
    assert type(back.resources[0].values["ref"][0]) is Ref
    assert back.resources[0].values["looks like a tag"] == {"\0u": "not unknown", "\0m": [1]}


def test_joined_strings_and_members_round_trip_with_their_references() -> None:
    a, b = Ref("known after apply", "aws_subnet.a", "id"), Ref("known after apply", "aws_subnet.b", "id")
    values = {"joined": Joined("known after apply", parts=(a, ",", b)),
              "unordered": Joined("known after apply", parts=(a, ",", b), unordered=True),
              "members": Members("known after apply", items=(a, b, "subnet-1", Unknown("x")))}
    result = LoadResult(resources=[Resource("t.r", "t", "r", values, file="main.tf", line=1, end_line=2)])
    back = _decode(json.loads(json.dumps(_encode(result)), object_hook=results._tagged))
    assert back == result
    assert type(back.resources[0].values["joined"]) is Joined
    assert back.resources[0].values["joined"].split(",") == [a, b]
    assert type(back.resources[0].values["members"].items[0]) is Ref
    assert back.resources[0].values["unordered"].split(",") == Members("known after apply", items=(a, b))


def test_a_value_that_cannot_be_stored_exactly_is_not_cached(tmp_path: Path) -> None:
    reads = Reads()
    result = LoadResult(resources=[Resource("t.r", "t", "r", {"x": (1, 2)})])
    results.store(str(tmp_path), "k" * 64, reads, result)
    assert not (tmp_path / "loads").exists()


def test_tf_data_dir_says_where_downloaded_modules_are_and_is_part_of_the_key(tmp_path: Path) -> None:
    root, cache = workspace(tmp_path / "m"), tmp_path / "cache"
    manifest = root / "tfdata" / "modules" / "modules.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"Modules": [{"Key": "remote", "Source": "x", "Dir": "remote"}]}))
    default = load(root, cache)
    moved = load(root, cache, env={"TF_DATA_DIR": "tfdata"})
    assert any(r.address == "module.remote.aws_vpc.r" for r in moved.resources)
    assert moved == load(root, None, env={"TF_DATA_DIR": "tfdata"}) != default
