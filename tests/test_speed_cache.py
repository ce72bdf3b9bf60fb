"""The parse cache and one run's parses (issue 5): correctness, never speed.

A cache entry is named by the file's content and what the plain form depends
on (vpclint, the parsers, the converters' source); a stale, foreign or
half-written entry is never served; runs sharing a cache directory agree;
``--no-cache`` neither reads nor writes it; ``VPCLINT_CACHE_DIR`` and
``--cache-dir`` say where it is; each distinct file is parsed once per run,
in worker processes when there is enough to parse; a run the cache serves
never imports the parser.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import vpclint
import vpclint.load.hcl as hcl
from vpclint.cli import cli
from vpclint.lint import Settings, lint
from vpclint.load import LoadOptions
from vpclint.load.hcl import cache, results, trust

REPO = Path(__file__).resolve().parents[1]

OVERLAPPING = """\
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "b" {
  cidr_block = "%s"
}

resource "aws_vpc_peering_connection" "p" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
}
"""


def write_module(directory: Path, cidr: str = "10.0.0.0/16") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(OVERLAPPING % cidr)
    return directory


def rules_found(directory: Path, cache_dir: str | None, **settings) -> set[str]:
    report = lint(Settings(paths=[str(directory)], load=LoadOptions(cache_dir=cache_dir), **settings))
    assert report.errors == []
    return {f.rule_id for f in report.findings}


def entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "hcl").rglob("*.json")) if (cache_dir / "hcl").is_dir() else []


@pytest.fixture(autouse=True)
def _fresh_salt(monkeypatch):
    """Each test computes the salt afresh (some change what it is made of)."""
    monkeypatch.setattr(cache, "_SALT", None)


# -- stale, foreign and broken entries -------------------------------------------


def test_a_changed_file_is_parsed_again_not_served_from_the_cache(tmp_path: Path) -> None:
    module, store = write_module(tmp_path / "m"), tmp_path / "cache"
    assert "peering_cidr_overlap" in rules_found(module, str(store))
    write_module(module, "10.1.0.0/16")
    assert "peering_cidr_overlap" not in rules_found(module, str(store))
    write_module(module, "10.0.0.0/16")  # back again: its entry is still good
    assert "peering_cidr_overlap" in rules_found(module, str(store))
    assert len(entries(store)) == 2


def test_an_entry_under_another_name_or_half_written_is_not_served(tmp_path: Path, monkeypatch) -> None:
    module, store = write_module(tmp_path / "m"), tmp_path / "cache"
    rules_found(module, str(store))
    (old,) = entries(store)
    write_module(module, "10.1.0.0/16")
    new_key = cache.cache_key((module / "main.tf").read_bytes())
    target = Path(cache._cache_path(str(store), new_key, trust.signer(str(store))))  # named with the user's key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(old.read_text())  # the old parse, filed under the new content's name
    assert cache.cache_read(str(store), new_key) is None
    assert "peering_cidr_overlap" not in rules_found(module, str(store))
    assert json.loads(target.read_text())["key"] == new_key  # replaced by the right parse
    target.write_text(target.read_text()[: len(target.read_text()) // 2])  # cut short
    assert cache.cache_read(str(store), new_key) is None
    shutil.rmtree(store / "loads")  # else the whole load's result serves the run, the parse is not needed
    parsed = []
    original = hcl.parse_bytes
    monkeypatch.setattr(hcl, "parse_bytes", lambda data: parsed.append(1) or original(data))
    assert "peering_cidr_overlap" not in rules_found(module, str(store), workers=1)
    assert parsed == [1]


@pytest.mark.parametrize("what", ["vpclint", "tree_sitter", "tree_sitter_hcl", "python_hcl2", "lark",
                                  "vpclint.load.hcl.parse", "vpclint.load.hcl.treesitter", "vpclint.load.hcl.hcl2tree",
                                  "vpclint.load.hcl.jsonsyntax"])
def test_the_key_changes_with_each_version_the_plain_form_depends_on(what: str, monkeypatch, tmp_path) -> None:
    data = (write_module(tmp_path / "m") / "main.tf").read_bytes()
    before = cache.cache_key(data)
    monkeypatch.setattr(cache, "_SALT", None)
    if what == "vpclint":
        monkeypatch.setattr(vpclint, "__version__", vpclint.__version__ + ".post1")
    elif not what.startswith("vpclint."):  # a parser's distribution
        real = cache.parser_versions()
        assert f"{what}=" in real and f"{what}=?" not in real  # the installed version is found
        other = ";".join(f"{what}=0.0.0" if part.startswith(what + "=") else part for part in real.split(";"))
        monkeypatch.setattr(cache, "parser_versions", lambda: other)
    else:  # a converter's source
        edited = tmp_path / "edited.py"
        source = Path(cache.importlib.util.find_spec(what).origin).read_text()
        edited.write_text(source + "\n# an edit to the converter\n")
        spec = type("Spec", (), {"origin": str(edited)})()
        real_find = cache.importlib.util.find_spec
        monkeypatch.setattr(cache.importlib.util, "find_spec",
                            lambda name: spec if name == what else real_find(name))
    after = cache.cache_key(data)
    assert after != before
    assert cache.cache_key(data) == after  # stable for one set of versions


def test_parser_versions_come_from_the_installed_distributions(tmp_path: Path, monkeypatch) -> None:
    site = tmp_path / "site"
    installed = (("tree_sitter", "tree_sitter-0.1.2.dist-info"), ("tree_sitter_hcl", "tree_sitter_hcl-3.4.5.dist-info"),
                 ("hcl2", "python_hcl2-9.8.7.dist-info"), ("lark", "lark-1.2.3.dist-info"))
    for package, info in installed:
        (site / package).mkdir(parents=True)
        (site / info).mkdir()
    real_find = cache.importlib.util.find_spec
    specs = {name: type("Spec", (), {"submodule_search_locations": [str(site / name)]})() for name, _ in installed}
    monkeypatch.setattr(cache.importlib.util, "find_spec", lambda name: specs.get(name) or real_find(name))
    assert cache.parser_versions() == "tree_sitter=0.1.2;tree_sitter_hcl=3.4.5;python_hcl2=9.8.7;lark=1.2.3"


def test_entries_of_another_version_are_not_read(tmp_path: Path, monkeypatch) -> None:
    module, store = write_module(tmp_path / "m"), tmp_path / "cache"
    rules_found(module, str(store))
    monkeypatch.setattr(cache, "_SALT", None)
    monkeypatch.setattr(results, "_SOURCE", None)
    monkeypatch.setattr(vpclint, "__version__", "99.0.0")
    parsed = []
    original = hcl.parse_bytes
    monkeypatch.setattr(hcl, "parse_bytes", lambda data: parsed.append(1) or original(data))
    rules_found(module, str(store), workers=1)
    assert parsed == [1]
    assert len(entries(store)) == 2  # one per version, side by side


# -- sharing a cache directory ---------------------------------------------------


def _write_repeatedly(store: str, key: str, plain: dict, times: int) -> None:
    for _ in range(times):
        cache._write_entry(store, key, plain)


def test_concurrent_writers_never_expose_half_an_entry(tmp_path: Path) -> None:
    store = str(tmp_path / "cache")
    data = (write_module(tmp_path / "m") / "main.tf").read_bytes()
    key = cache.cache_key(data)
    plain = hcl.parse_bytes(data)
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    writers = [context.Process(target=_write_repeatedly, args=(store, key, plain, 200)) for _ in range(4)]
    for writer in writers:
        writer.start()
    reads = []
    while any(writer.is_alive() for writer in writers):
        reads.append(cache.cache_read(store, key))
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    served = [read for read in reads if read is not None]
    assert served, "no read overlapped the writers"
    assert all({k: v for k, v in read.items() if k != "key"} == plain for read in served)
    assert cache.cache_read(store, key) is not None
    assert not list(Path(store).rglob(".tmp-*"))


def _vpclint(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vpclint", "check", "--format", "json", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def test_two_runs_sharing_a_cold_cache_agree_with_an_uncached_run(tmp_path: Path) -> None:
    for number in range(12):
        write_module(tmp_path / "tree" / f"m{number}", f"10.{number % 2}.0.0/16")
    store = str(tmp_path / "cache")
    runs = [_vpclint("--recursive", "--cache-dir", store, str(tmp_path / "tree")) for _ in range(2)]
    runs.append(_vpclint("--recursive", "--no-cache", str(tmp_path / "tree")))
    outputs = [run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [1, 1, 1]
    findings = [json.loads(out)["findings"] for out, _ in outputs]
    assert findings[0] == findings[1] == findings[2] != []
    warm = _vpclint("--recursive", "--cache-dir", store, str(tmp_path / "tree"))
    assert json.loads(warm.communicate()[0])["findings"] == findings[0]
    assert len(entries(Path(store))) == 2 and not list(Path(store).rglob(".tmp-*"))


# -- where the cache is, and --no-cache --------------------------------------------


def _poison(store: Path, module: Path) -> None:
    """Store, under the real file's key, the parse of a configuration without any finding."""
    key = cache.cache_key((module / "main.tf").read_bytes())
    clean = hcl.parse_bytes(b'resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n')
    cache._write_entry(str(store), key, clean)


def test_no_cache_neither_reads_nor_writes(tmp_path: Path, monkeypatch) -> None:
    module, store = write_module(tmp_path / "m"), tmp_path / "cache"
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(store))
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "--no-cache", "--format", "json", str(module)])
    assert result.exit_code == 1 and not store.exists()
    _poison(store, module)
    result = runner.invoke(cli, ["check", "--no-cache", "--format", "json", str(module)])
    assert {f["rule_id"] for f in json.loads(result.output)["findings"]} >= {"peering_cidr_overlap"}
    # the same run with the cache reads the (planted) entry: the cache is really bypassed above
    result = runner.invoke(cli, ["check", "--format", "json", str(module)])
    assert result.exit_code == 0 and json.loads(result.output)["findings"] == []


def test_the_cache_directory_comes_from_the_environment_then_the_option(tmp_path: Path, monkeypatch) -> None:
    module = write_module(tmp_path / "m")
    from_env, from_option, home = tmp_path / "env", tmp_path / "option", tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("VPCLINT_CACHE_DIR", str(from_env))
    runner = CliRunner()
    runner.invoke(cli, ["check", str(module)])
    assert len(entries(from_env)) == 1
    runner.invoke(cli, ["check", "--cache-dir", str(from_option), str(module)])
    assert len(entries(from_option)) == 1
    monkeypatch.delenv("VPCLINT_CACHE_DIR")
    runner.invoke(cli, ["check", str(module)])
    assert len(entries(home / ".cache" / "vpclint")) == 1


# -- one run ------------------------------------------------------------------------


def test_each_distinct_file_is_parsed_once_per_run_even_without_a_cache(tmp_path: Path, monkeypatch) -> None:
    for name in ("a", "b", "c"):  # three roots calling one local module, two of them identical
        root = tmp_path / "tree" / name
        root.mkdir(parents=True)
        (root / "main.tf").write_text('module "net" {\n  source = "../net"\n}\n' if name != "c" else
                                      'module "net" {\n  source = "../net"\n}\n\n# another file\n')
    write_module(tmp_path / "tree" / "net")
    parsed = []
    original = hcl.parse_bytes
    monkeypatch.setattr(hcl, "parse_bytes", lambda data: parsed.append(data) or original(data))
    report = lint(Settings(paths=[str(tmp_path / "tree")], recursive=True, load=LoadOptions(cache_dir=None),
                           workers=1))
    assert report.errors == []
    assert len(parsed) == 3  # a and b share one content; net is parsed once for the three calls
    assert len(report.inputs) == 4


def test_parsing_in_worker_processes_gives_the_same_report(tmp_path: Path, monkeypatch) -> None:
    for number in range(6):
        write_module(tmp_path / "tree" / f"m{number}", f"10.{number}.0.0/16")
        (tmp_path / "tree" / f"m{number}" / "extra.tf").write_text(f"# padding {number}\n" + "locals {}\n" * 50)
    monkeypatch.setattr(cache, "POOL_MIN_BYTES", 0)
    store = tmp_path / "cache"
    started = []
    original = cache.Session._start_pool
    monkeypatch.setattr(cache.Session, "_start_pool", lambda self, jobs: started.append(jobs) or original(self, jobs))

    def report(workers: int, cache_dir: str | None):
        found = lint(Settings(paths=[str(tmp_path / "tree")], recursive=True, load=LoadOptions(cache_dir=cache_dir),
                              workers=workers))
        return [(f.rule_id, f.resource, f.file, f.line, f.message) for f in found.findings], found.errors

    serial = report(1, None)
    assert started == []
    parallel = report(2, str(store))
    assert started == [12]
    assert parallel == serial and serial[0]
    assert len(entries(store)) == 12  # written by the workers
    assert report(2, str(store)) == serial  # and read back


def _failing_job(data: bytes, key: str, cache_dir: str | None) -> dict:
    raise MemoryError("a worker ran out of memory")


def test_a_failed_worker_leaves_the_parse_to_the_run(tmp_path: Path, monkeypatch) -> None:
    for number in range(3):
        write_module(tmp_path / "tree" / f"m{number}")
    monkeypatch.setattr(cache, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(cache, "_parse_job", _failing_job)
    report = lint(Settings(paths=[str(tmp_path / "tree")], recursive=True, load=LoadOptions(cache_dir=None),
                           workers=2))
    assert report.errors == []
    assert sorted({f.rule_id for f in report.findings}) == sorted(rules_found(tmp_path / "tree" / "m0", None))


def test_a_warm_run_never_imports_the_parser(tmp_path: Path) -> None:
    module, store = write_module(tmp_path / "m"), tmp_path / "cache"
    (module / "terraform.tfvars").write_text('region = "eu-west-1"\n')
    (module / "variables.tf").write_text('variable "region" {}\n')
    script = textwrap.dedent(f"""
        import sys
        from vpclint.cli import cli
        try:
            cli.main(["check", "--cache-dir", {str(store)!r}, "-o", {os.devnull!r}, {str(module)!r}],
                     standalone_mode=False)
        except SystemExit:
            pass
        print(sorted(name for name in sys.modules if name.split(".")[0] in ("tree_sitter", "hcl2", "lark")))
    """)
    run = lambda: subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,  # noqa: E731
                                 check=True).stdout.strip().splitlines()[-1]
    assert run() != "[]"  # cold: parsed here (one small file, no workers)
    assert run() == "[]"  # warm: every file from the cache


def test_start_up_does_not_import_the_hcl_loader() -> None:
    """`vpclint --help` or a plan-only run pays nothing for the HCL loader and its functions."""
    script = "import sys, vpclint.cli; print(sorted(n for n in sys.modules if n.startswith('vpclint.load.hcl')))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_one_job_means_no_worker_processes_at_all(tmp_path: Path, monkeypatch) -> None:
    module = write_module(tmp_path / "m")
    for number in range(12):
        (module / f"extra{number}.tf").write_text(f"locals {{\n  n{number} = {number}\n}}\n")
    monkeypatch.setattr(hcl, "PARALLEL_MIN_FILES", 0)  # the loader's own pool would start for any module
    monkeypatch.setattr(hcl, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(cache, "POOL_MIN_BYTES", 0)

    pools = []

    def refused(*args, **kwargs):
        pools.append(args or kwargs)
        raise OSError("no processes: parse here")

    monkeypatch.setattr(hcl, "ProcessPoolExecutor", refused)
    monkeypatch.setattr(cache, "ProcessPoolExecutor", refused)
    assert "peering_cidr_overlap" in rules_found(module, None, workers=1)
    assert pools == []
    assert "peering_cidr_overlap" in rules_found(module, None, workers=2)
    assert pools  # with two jobs a pool is wanted (and refused here: the run parses itself)


def test_without_fork_the_run_parses_in_its_own_process(tmp_path: Path, monkeypatch) -> None:
    for number in range(3):
        write_module(tmp_path / "tree" / f"m{number}", f"10.{number}.0.0/16")
    monkeypatch.setattr(cache, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(cache.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    pools = []
    monkeypatch.setattr(cache, "ProcessPoolExecutor", lambda *args, **kwargs: pools.append(1))
    report = lint(Settings(paths=[str(tmp_path / "tree")], recursive=True, load=LoadOptions(cache_dir=None),
                           workers=2))
    assert pools == [] and report.errors == [] and report.findings
