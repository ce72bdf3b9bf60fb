"""The caches trust only what this user's vpclint wrote (issue 12, point 5).

A cache directory can arrive in a pull request or from a shared CI cache,
so each attack of the issue is planted in one: a result entry with
``"reads": []`` (served for ever, silencing every finding), a parse entry
with ``blocks: []`` under a file's content hash (the file becomes empty),
malformed entries of every shape (a crash, or a wrong result), and a cache
directory other users can write. Each must cost at most a cache miss: the
report equals an uncached run's. Attackers plant entries both where today's
vpclint would look (names anyone can compute) and in place of the real
entries (the names the user's key gives).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import vpclint.load.hcl as hcl
from vpclint.cli import cli
from vpclint.load import LoadOptions
from vpclint.load.hcl import cache, results, trust

MAIN = """\
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "b" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc_peering_connection" "p" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
}
"""

EMPTY_RESULT = {"resources": [], "errors": [], "unknowns": [], "comments": {}, "files": []}


@pytest.fixture(autouse=True)
def _fresh_verdicts(monkeypatch):
    """Each test decides afresh which cache directories and keys to trust."""
    monkeypatch.setattr(trust, "_KEYS", {})
    monkeypatch.setattr(trust, "_VERDICTS", {})
    monkeypatch.setattr(cache, "_SALT", None)


@pytest.fixture
def module(tmp_path: Path) -> Path:
    directory = tmp_path / "checkout" / "infra"
    directory.mkdir(parents=True)
    (directory / "main.tf").write_text(MAIN)
    return directory


def check(module: Path, store: Path, *args: str):
    result = CliRunner().invoke(cli, ["check", "--format", "json", "--cache-dir", str(store), *args, str(module)])
    assert "internal error" not in result.output + result.stderr
    return result


def rule_ids(result) -> list[str]:
    return sorted(f["rule_id"] for f in json.loads(result.stdout)["findings"])


def uncached(module: Path) -> list[str]:
    return rule_ids(CliRunner().invoke(cli, ["check", "--format", "json", "--no-cache", str(module)]))


def plant(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())


def result_key(module: Path) -> str:
    return results.entry_key(str(module), LoadOptions(env=dict(os.environ)), None)


def files_in(directory: Path, kind: str) -> list[Path]:
    return sorted((directory / kind).rglob("*.json")) if (directory / kind).is_dir() else []


# -- the result cache: "reads": [] -------------------------------------------------


def test_a_planted_result_entry_with_no_reads_is_not_served(module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    key = result_key(module)
    plant(store / "loads" / key[:2] / f"{key}.json",  # where an unsigned cache keeps it: anyone can compute it
          json.dumps({"v": results.SCHEMA, "key": key, "reads": [], "result": EMPTY_RESULT}))
    result = check(module, store)
    assert result.exit_code == 1
    assert rule_ids(result) == uncached(module) != []


def test_a_real_result_entry_rewritten_with_no_reads_is_ignored_and_rewritten(module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    expected = rule_ids(check(module, store))
    (entry,) = files_in(store, "loads")
    genuine = entry.read_text()
    forged = json.loads(genuine)  # the attacker keeps the MAC and the key, empties the rest
    forged.update(reads=[], result=EMPTY_RESULT)
    entry.write_text(json.dumps(forged, separators=(",", ":")))
    result = check(module, store)
    assert result.exit_code == 1 and rule_ids(result) == expected != []
    assert entry.read_text() == genuine  # rewritten with what the load really found


# -- the parse cache: blocks: [] ---------------------------------------------------


def test_a_planted_parse_entry_with_no_blocks_does_not_empty_the_file(module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    key = cache.cache_key((module / "main.tf").read_bytes())
    plant(store / "hcl" / key[:2] / f"{key}.json",
          json.dumps({"v": cache.SCHEMA, "key": key, "blocks": [], "errors": []}))
    result = check(module, store)
    assert result.exit_code == 1
    assert rule_ids(result) == uncached(module) != []


def test_a_real_parse_entry_rewritten_with_no_blocks_is_ignored_and_rewritten(module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    expected = rule_ids(check(module, store))
    (entry,) = files_in(store, "hcl")
    genuine = entry.read_text()
    forged = json.loads(genuine)
    forged["blocks"] = []
    entry.write_text(json.dumps(forged, separators=(",", ":")))
    for result_entry in files_in(store, "loads"):  # else the module's whole load is served and no parse is read
        result_entry.unlink()
    result = check(module, store)
    assert result.exit_code == 1 and rule_ids(result) == expected != []
    assert entry.read_text() == genuine


# -- malformed entries: any shape is a miss ------------------------------------------


def _malformed_results(key: str) -> dict[str, bytes]:
    def entry(**fields) -> bytes:
        return json.dumps({"v": results.SCHEMA, "key": key, "reads": [], **fields}).encode()

    bad_ref = {"resources": [["a.b", "a", "b", {"\u0000r": [1]}, "managed", None, None, "main.tf", 1, 2, []]]}
    return {
        "empty": b"",
        "not JSON": b"{\"mac\":\"" + b"0" * 64 + b"\",\x00\xff",
        "truncated": entry(result=EMPTY_RESULT)[:40],
        "an array": b"[1, 2, 3]",
        "a string": b"\"reads\"",
        "nested too deeply": b"[" * 100_000 + b"]" * 100_000,
        "resources of the wrong shape": entry(result={**EMPTY_RESULT, "resources": [[1, 2]]}),
        "resources not a list": entry(result={**EMPTY_RESULT, "resources": "x"}),
        "a reference of the wrong arity": entry(result={**EMPTY_RESULT, **bad_ref}),
        "reads of the wrong shape": json.dumps({"v": results.SCHEMA, "key": key, "reads": [[1]],
                                                "result": EMPTY_RESULT}).encode(),
        "no result": entry(),
    }


@pytest.mark.parametrize("signed", [False, True], ids=["as an attacker plants it", "signed with the user's key"])
def test_a_malformed_result_entry_costs_at_most_a_miss(signed: bool, module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    expected = rule_ids(check(module, store, "--no-cache"))
    key = result_key(module)
    secret = trust.signer(str(store))
    for name, body in _malformed_results(key).items():
        for path in (store / "loads" / key[:2] / f"{key}.json", Path(results._path(str(store), key, secret))):
            data = trust.seal(secret, results.KIND, body) if signed and body.startswith(b"{") else body
            plant(path, data)
        assert results.lookup(str(store), key) is None, name
        assert hcl.load_module(str(module), LoadOptions(cache_dir=str(store), env=dict(os.environ))).errors == []
        assert rule_ids(check(module, store)) == expected, name


def test_a_malformed_parse_entry_costs_at_most_a_miss(module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    expected = rule_ids(check(module, store, "--no-cache"))
    key = cache.cache_key((module / "main.tf").read_bytes())
    secret = trust.signer(str(store))
    for body in (b"", b"{", b"[]", b"{\"v\":1}", json.dumps({"v": cache.SCHEMA, "key": key, "blocks": [1],
                                                           "errors": []}).encode()):
        for path in (store / "hcl" / key[:2] / f"{key}.json", Path(cache._cache_path(str(store), key, secret))):
            plant(path, body)
        for entry in files_in(store, "loads"):
            entry.unlink()
        assert rule_ids(check(module, store)) == expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_place_of_an_entry_does_not_hang_the_run(module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    key = result_key(module)
    secret = trust.signer(str(store))
    for path in (Path(results._path(str(store), key, secret)), store / "loads" / key[:2] / f"{key}.json"):
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
    env = {**os.environ, "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]}
    run = subprocess.run([sys.executable, "-m", "vpclint", "check", "--format", "json", "--cache-dir", str(store),
                          str(module)], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 1, run.stderr


# -- whose cache directory ----------------------------------------------------------------


def test_a_cache_directory_others_can_write_is_refused_with_a_warning(module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    store.mkdir()
    os.chmod(store, 0o777)
    key = result_key(module)
    plant(store / "loads" / key[:2] / f"{key}.json",
          json.dumps({"v": results.SCHEMA, "key": key, "reads": [], "result": EMPTY_RESULT}))
    result = check(module, store)
    assert result.exit_code == 1 and rule_ids(result) == uncached(module)
    assert f"Warning: the cache directory {store} is not used: it is writable by other users (mode 0777)" \
        in result.stderr
    assert files_in(store, "loads") == [store / "loads" / key[:2] / f"{key}.json"]  # nothing written
    assert not (store / "hcl").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a directory away")
def test_a_cache_directory_owned_by_another_user_is_refused(module: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    store.mkdir(mode=0o755)
    os.chown(store, 65534, -1)
    result = check(module, store)
    assert "is not used: it is owned by another user (uid 65534)" in result.stderr
    assert rule_ids(result) == uncached(module) and not any(store.iterdir())


def test_a_cache_directory_shipped_in_the_checkout_is_not_trusted(module: Path, tmp_path: Path,
                                                                   monkeypatch) -> None:
    """The attacker signs forged entries with a key of their own and files
    them where the runner's key would look: they are misses all the same."""
    checkout = module.parent
    monkeypatch.chdir(checkout)
    store = checkout / ".vpclint-cache"

    def secret_of(config: str) -> bytes:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / config))
        trust._KEYS.clear()
        trust._VERDICTS.clear()
        return trust.signer(str(store))

    attacker, runner = secret_of("attacker-config"), secret_of("runner-config")
    assert attacker != runner
    secret_of("attacker-config")
    (module / "main.tf").write_text(MAIN.replace('cidr_block = "10.0.0.0/16"\n}\n\nresource "aws_vpc" "b"',
                                                 'cidr_block = "10.1.0.0/16"\n}\n\nresource "aws_vpc" "b"'))
    # the attacker's honest entries, for a configuration without the overlap
    assert "peering_cidr_overlap" not in rule_ids(check(module, store))
    (module / "main.tf").write_text(MAIN)
    real_key = cache.cache_key(MAIN.encode())
    for kind, module_ in ((b"loads", results), (b"hcl", cache)):
        for entry in files_in(store, kind.decode()):
            body = json.loads(entry.read_text())
            del body["mac"]
            if kind == b"loads":
                body["reads"] = []
            else:
                body["key"] = real_key  # the clean parse, relabelled as the real file's
            forged = trust.seal(attacker, kind, json.dumps(body, separators=(",", ":")).encode())
            name = trust.entry_name(runner, kind, body["key"])
            plant(store / kind.decode() / name[:2] / f"{name}.json", forged)
    secret_of("runner-config")
    result = check(module, store)
    assert "peering_cidr_overlap" in rule_ids(result) and rule_ids(result) == uncached(module)
    assert result.stderr == ""


def test_a_cache_directory_linked_out_of_the_checkout_is_refused(module: Path, tmp_path: Path,
                                                                  monkeypatch) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    checkout = module.parent
    (checkout / ".cache").symlink_to(outside, target_is_directory=True)
    monkeypatch.chdir(checkout)
    result = check(module, Path(".cache"))
    assert "Warning: the cache directory .cache is not used: a symbolic link leads it outside" in result.stderr
    assert list(outside.iterdir()) == []


def test_links_inside_the_cache_directory_are_never_written_through(module: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    store = tmp_path / "cache"
    store.mkdir()
    (store / "hcl").symlink_to(outside, target_is_directory=True)
    (store / "loads").symlink_to(outside, target_is_directory=True)
    result = check(module, store)
    assert rule_ids(result) == uncached(module)
    assert list(outside.iterdir()) == []


# -- the key -----------------------------------------------------------------------------


def test_the_key_is_made_once_private_and_outside_the_cache(module: Path, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    store = tmp_path / "cache"
    check(module, store)
    key_file = config / "vpclint" / "cache.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    made = key_file.read_text()
    assert len(made.strip()) == 64
    assert not [p for p in store.rglob("*") if p.is_file() and made.strip() in p.read_text()]
    assert trust._create_key(str(key_file)) == bytes.fromhex(made)  # a run racing to make one takes the first
    assert key_file.read_text() == made and [p.name for p in key_file.parent.iterdir()] == ["cache.key"]
    computable = {cache.cache_key(MAIN.encode()), result_key(module)}  # what anyone could work out
    for entry in [*files_in(store, "hcl"), *files_in(store, "loads")]:
        assert entry.read_text().startswith('{"mac":"')
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600
        assert json.loads(entry.read_text())["key"] in computable and entry.stem not in computable


@pytest.mark.parametrize("problem", ["open to other users", "not a key", "a link", "cannot be made"])
def test_a_key_that_is_not_safe_means_no_cache_and_a_warning(problem: str, module: Path, tmp_path: Path,
                                                             monkeypatch) -> None:
    config = tmp_path / "config"
    key_file = config / "vpclint" / "cache.key"
    key_file.parent.mkdir(parents=True, mode=0o700)
    if problem == "open to other users":
        key_file.write_text("ab" * 32 + "\n")
        os.chmod(key_file, 0o644)
    elif problem == "not a key":
        key_file.write_text("hunter2\n")
        os.chmod(key_file, 0o600)
    elif problem == "a link":
        (tmp_path / "elsewhere").write_text("ab" * 32 + "\n")
        key_file.symlink_to(tmp_path / "elsewhere")
    else:
        key_file.parent.rmdir()
        (config / "vpclint").write_text("a file where the key's directory should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    store = tmp_path / "cache"
    result = check(module, store)
    assert result.exit_code == 1 and rule_ids(result) == uncached(module)
    assert result.stderr.startswith("Warning: the cache is not used: ") and "linting without the cache" in result.stderr
    assert not store.exists() or not any(store.rglob("*.json"))
