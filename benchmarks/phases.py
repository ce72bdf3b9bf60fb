"""Where a lint run's time goes, by phase, and the functions that cost most after parsing.

    python benchmarks/phases.py [--cold|--warm] [--jobs N] [--top 12] -- vpclint check ARGS...

Runs ``vpclint check ARGS`` in this process (with ``--jobs 1`` unless told
otherwise, so that parsing happens here and can be seen) and times its
phases with wrappers around the functions that start them: importing
vpclint, loading the rules, parsing (python-hcl2 plus the converter),
reading parse cache entries, checking and reading result cache entries, evaluating HCL, building the model, running the
rules, writing the report. Each second counts once, in the innermost phase
(a cache entry read while prefetching is a cache read, not prefetching). Then, for the part after parsing, cProfile's
functions with the most time of their own. ``--cold`` gives the run an
empty cache directory, ``--warm`` fills one first.

Prints a JSON object: ``phases`` (seconds), ``wall`` and ``top`` (text).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from typing import Any, Callable

SPENT: dict[str, float] = defaultdict(float)
_active: list[list] = []  # [phase, time spent in phases started inside it]


def timed(phase: str, function: Callable) -> Callable:
    """``function`` adding its wall time to ``phase``, less the time of the
    phases it starts (each second is counted once, in the innermost phase)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if any(entry[0] == phase for entry in _active):  # a recursive call: the outer one counts
            return function(*args, **kwargs)
        frame = [phase, 0.0]
        _active.append(frame)
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            _active.pop()
            SPENT[phase] += elapsed - frame[1]
            if _active:
                _active[-1][1] += elapsed

    return wrapper


def instrument() -> None:
    import vpclint.cli as cli
    import vpclint.lint as lint
    import vpclint.load.hcl as hcl
    import vpclint.load.hcl.cache as cache
    import vpclint.load.hcl.results as results

    lint.load_rules = timed("load rules (YAML, schema)", lint.load_rules)
    lint.load_path = timed("load inputs", lint.load_path)
    lint.build_model = timed("build model", lint.build_model)
    lint.build_policies = timed("build policies", lint.build_policies)
    lint.run_rules = timed("run rules", lint.run_rules)
    hcl.parse_bytes = timed("parse (tree-sitter-hcl, python-hcl2 where it refuses; + converter)", hcl.parse_bytes)
    cache._read_entry = timed("read cache entries", cache._read_entry)
    cache._write_entry = timed("write cache entries", cache._write_entry)
    results.lookup = timed("result cache: check and read entries", results.lookup)
    results.store = timed("result cache: write entries", results.store)
    cache.Session.prefetch = timed("prefetch (read and hash files, start workers)", cache.Session.prefetch)
    for name, render in list(cli.FORMATS.items()):
        cli.FORMATS[name] = timed("render report", render)


def main() -> None:
    argv = sys.argv[1:]
    mode, jobs, top = "cold", "1", 12
    while argv and argv[0] != "--":
        option = argv.pop(0)
        if option in ("--cold", "--warm"):
            mode = option[2:]
        elif option == "--jobs":
            jobs = argv.pop(0)
        elif option == "--top":
            top = int(argv.pop(0))
        else:
            raise SystemExit(__doc__.strip().splitlines()[2].strip())
    args = argv[1:]
    if args[:2] != ["vpclint", "check"]:
        raise SystemExit("expected: -- vpclint check ARGS...")

    def fresh_args() -> list[str]:
        cache_dir = tempfile.mkdtemp(prefix="vpclint-profile-")
        return ["check", "--cache-dir", cache_dir, "--jobs", jobs, *args[2:]]

    start = time.perf_counter()
    import vpclint.cli as cli

    imported = time.perf_counter() - start
    run_args = fresh_args()
    if mode == "warm":
        _run(cli, run_args)  # fills the cache
    instrument()
    SPENT.clear()
    began = time.perf_counter()
    _run(cli, run_args if mode == "warm" else fresh_args())
    wall = time.perf_counter() - began
    phases = dict(SPENT)
    phases["evaluate HCL, load plans"] = phases.pop("load inputs", 0.0)  # less parsing and cache reads and writes
    phases["other (discovery, suppressions, sorting)"] = max(wall - sum(phases.values()), 0.0)
    phases["import vpclint"] = imported

    # the same run under cProfile, for the functions after parsing
    profiler = cProfile.Profile()
    profiler.enable()
    _run(cli, run_args if mode == "warm" else fresh_args())
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    # after parsing: vpclint's own functions (not the converter) and the libraries it calls
    stats.sort_stats("tottime").print_stats(r"(?:/vpclint/(?!load/hcl/parse\.py)|/netaddr/|/yaml/|/jsonschema/)", top)
    print(json.dumps({"phases": {k: round(v, 3) for k, v in sorted(phases.items(), key=lambda kv: -kv[1])},
                      "wall": round(wall + imported, 3), "top": _trim(out.getvalue())}))


def _run(cli, args: list[str]) -> None:
    saved = sys.stdout
    sys.stdout = open(os.devnull, "w")
    try:
        cli.cli.main(args, standalone_mode=False)
    except SystemExit:
        pass
    finally:
        sys.stdout.close()
        sys.stdout = saved


def _trim(text: str) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(line.replace(os.getcwd() + os.sep, "") for line in lines[start:] if line.strip())


if __name__ == "__main__":
    main()
