"""vpclint's speed and scale benchmarks (issue 5), in one command.

    python benchmarks/run.py [CHECKOUT_OR_DIR ...] [--rounds N] [--only PARTS]
                             [--checkov PATH] [--sizes 1000,10000,100000]

It fetches nothing. The module checkouts come from the arguments, else from
``$VPCLINT_BENCH_REPOS`` (paths separated by ``:``), else from
``benchmarks/work/repos``; each path is a checkout or a directory holding
checkouts named as on GitHub. Absent ones are skipped with the command that
gets them. checkov is looked for in ``benchmarks/work/checkov-venv`` (or
``--checkov``); never install it into vpclint's own environment.

PARTS (comma-separated, default all): ``cold`` (cold and warm runs against
the parser floor), ``checkov``, ``scale`` (synthetic plans), ``profile``.

vpclint's modules are compiled to bytecode first, as ``pip install`` does.

Times are wall-clock seconds (``time.perf_counter`` around each process),
peak memory is ``/usr/bin/time``'s maximum resident set size of the largest
process. Every ratio compares runs made back to back in the same round, and
the table shows the median over the rounds: on a shared machine absolute
times move, ratios much less.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
PYTHON = sys.executable
VPCLINT = [PYTHON, "-m", "vpclint"]

# (label, path inside the checkout, repository)
MODULES = [
    ("terraform-aws-vpc", "terraform-aws-vpc", "terraform-aws-modules/terraform-aws-vpc"),
    ("terraform-aws-eks", "terraform-aws-eks", "terraform-aws-modules/terraform-aws-eks"),
    ("huaweicloud examples", "terraform-provider-huaweicloud/examples", "huaweicloud/terraform-provider-huaweicloud"),
    ("terraform-google-network", "terraform-google-network", "terraform-google-modules/terraform-google-network"),
]

TARGETS = {"cold": 1.25, "warm": 0.10, "checkov": 0.05, "scale_seconds": 60.0, "scale_gb": 4.0}


# -- measuring ------------------------------------------------------------------


def measure(command: list[str], env: dict | None = None, stdout=subprocess.DEVNULL) -> tuple[float, float | None, str]:
    """(seconds, peak RSS in MB or None, stdout text) of one process."""
    rss_file = None
    wrapped = command
    if os.path.exists("/usr/bin/time"):
        handle, rss_file = tempfile.mkstemp(prefix="rss-")
        os.close(handle)
        wrapped = ["/usr/bin/time", "-f", "%M", "-o", rss_file, *command]
    start = time.perf_counter()
    done = subprocess.run(wrapped, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    peak = None
    if rss_file:
        try:
            with open(rss_file) as handle:
                peak = int(handle.read().strip().splitlines()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            peak = None
        os.unlink(rss_file)
    if done.returncode not in (0, 1):  # 1: findings
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise RuntimeError(f"{' '.join(command[:6])}... exited {done.returncode}: {' / '.join(tail)}")
    return seconds, peak, done.stdout


def _spin(count: int = 15_000_000) -> None:
    total = 0
    for number in range(count):
        total += number


def effective_cores() -> float:
    """How many cores two busy processes get right now (2.0 on an idle 2-core machine)."""
    import multiprocessing

    start = time.perf_counter()
    _spin()
    one = time.perf_counter() - start
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    workers = [context.Process(target=_spin) for _ in range(2)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return min(2 * one / (time.perf_counter() - start), 2.0)


def compile_bytecode() -> None:
    """Compile vpclint's modules to bytecode, as pip does when it installs
    vpclint. An editable install under PYTHONDONTWRITEBYTECODE (set on the
    machines here) has none, and every run would compile the source first
    (~0.1 s): a cost no installed vpclint pays."""
    import compileall

    import vpclint

    compileall.compile_dir(os.path.dirname(os.path.abspath(vpclint.__file__)), quiet=1)


def fresh_cache() -> str:
    return tempfile.mkdtemp(prefix="vpclint-bench-cache-", dir=WORK)


def vpclint_check(paths: list[str], *options: str) -> list[str]:
    return [*VPCLINT, "check", "--recursive", "--format", "json", "--output", os.devnull, *options, *paths]


# -- finding the inputs ------------------------------------------------------------


def find_modules(places: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, directory) of the modules present, and (label, repository) of those absent."""
    present, absent = [], []
    for label, inside, repository in MODULES:
        checkout = inside.split("/")[0]
        found = None
        for place in places:
            for base in (place, os.path.join(place, checkout)):
                if os.path.basename(os.path.normpath(base)) == checkout:
                    candidate = os.path.join(base, *inside.split("/")[1:])
                    if os.path.isdir(candidate):
                        found = candidate
                        break
            if found:
                break
        if found:
            present.append((label, found))
        else:
            absent.append((label, repository))
    return present, absent


# -- parts ---------------------------------------------------------------------


def cold_and_warm(modules: list[tuple[str, str]], rounds: int) -> list[dict]:
    """Per module and for all together: floor, cold (2 processes and 1), warm."""
    sets = [(label, [path]) for label, path in modules]
    if len(modules) > 1:
        sets.append((f"all {len(modules)} in one run", [path for _, path in modules]))
    rows = []
    for label, paths in sets:
        samples: dict[str, list] = {k: [] for k in ("floor", "cold", "warm", "cold1", "rss_cold", "rss_warm",
                                                      "startup", "cores")}
        info: dict = {}
        empty = tempfile.mkdtemp(prefix="vpclint-bench-empty-", dir=WORK)
        for _ in range(rounds):
            samples["cores"].append(effective_cores())
            samples["startup"].append(measure(vpclint_check([empty], "--no-cache"))[0])
            # the floor parses the same files, one after another, in one process
            floor_s, _, out = measure([PYTHON, os.path.join(HERE, "floor.py"), *paths], stdout=subprocess.PIPE)
            info = json.loads(out)
            cache = fresh_cache()
            cold_s, cold_rss, _ = measure(vpclint_check(paths, "--cache-dir", cache))
            warm_s, warm_rss, _ = measure(vpclint_check(paths, "--cache-dir", cache))
            cold1_s, _, _ = measure(vpclint_check(paths, "--cache-dir", fresh_cache(), "--jobs", "1"))
            samples["floor"].append(floor_s)
            samples["cold"].append(cold_s)
            samples["warm"].append(warm_s)
            samples["cold1"].append(cold1_s)
            samples["rss_cold"].append(cold_rss)
            samples["rss_warm"].append(warm_rss)
        rows.append({
            "label": label,
            "files": info["files"],
            "kb": round(info["bytes"] / 1024),
            "floor": statistics.median(samples["floor"]),
            "cold": statistics.median(samples["cold"]),
            "warm": statistics.median(samples["warm"]),
            "cold1": statistics.median(samples["cold1"]),
            "cold_ratio": statistics.median(c / f for c, f in zip(samples["cold"], samples["floor"])),
            "cold1_ratio": statistics.median(c / f for c, f in zip(samples["cold1"], samples["floor"])),
            "warm_ratio": statistics.median(w / c for w, c in zip(samples["warm"], samples["cold"])),
            "rss_cold": _max(samples["rss_cold"]),
            "rss_warm": _max(samples["rss_warm"]),
            "startup": statistics.median(samples["startup"]),
            "cores": statistics.median(samples["cores"]),
        })
        os.rmdir(empty)
    return rows


def against_checkov(checkov: str, module: str, rounds: int) -> dict:
    command = [checkov, "-d", module, "--framework", "terraform", "--quiet", "--compact", "-o", "json"]
    samples = []
    for _ in range(rounds):
        checkov_s, checkov_rss, _ = measure(command)
        cache = fresh_cache()
        cold_s, _, _ = measure(vpclint_check([module], "--cache-dir", cache))
        warm_s, _, _ = measure(vpclint_check([module], "--cache-dir", cache))
        samples.append((checkov_s, cold_s, warm_s, checkov_rss))
    return {
        "command": " ".join(["checkov", *command[1:2], os.path.basename(module), *command[3:]]),
        "checkov": statistics.median(s[0] for s in samples),
        "cold": statistics.median(s[1] for s in samples),
        "warm": statistics.median(s[2] for s in samples),
        "cold_ratio": statistics.median(s[1] / s[0] for s in samples),
        "warm_ratio": statistics.median(s[2] / s[0] for s in samples),
        "rss": _max([s[3] for s in samples]),
    }


def scale(sizes: list[int], rounds: int) -> list[dict]:
    sys.path.insert(0, HERE)
    import gen_plan

    import vpclint.load

    os.makedirs(os.path.join(WORK, "plans"), exist_ok=True)
    rows = []
    for n in sizes:
        path = os.path.join(WORK, "plans", f"plan-{n}.json")
        count_file = path + ".count"
        if not (os.path.exists(path) and os.path.exists(count_file)):
            with open(count_file, "w") as handle:
                handle.write(str(gen_plan.write(n, path)))
        with open(count_file) as handle:
            resources = int(handle.read())
        size = os.path.getsize(path)
        command = [*VPCLINT, "check", "--no-cache", "--format", "json", "--output", os.devnull, path]
        lifted = size > vpclint.load.MAX_PLAN_BYTES
        if lifted:  # the loader refuses larger files; lift the limit for this run only
            command = [PYTHON, "-c", "import sys, vpclint.load as l; l.MAX_PLAN_BYTES = 1 << 34; "
                                     "from vpclint.cli import main; sys.argv[0] = 'vpclint'; main()",
                       *command[3:]]
        samples = [measure(command)[:2] for _ in range(rounds)]
        rows.append({"n": n, "resources": resources, "mb": size / 1e6, "lifted": lifted,
                     "seconds": statistics.median(s for s, _ in samples), "rss": _max([r for _, r in samples])})
    return rows


def profile(paths: list[str], mode: str) -> dict:
    """benchmarks/phases.py over ``paths`` (in one process: parsing shows)."""
    _, _, out = measure([PYTHON, os.path.join(HERE, "phases.py"), f"--{mode}", "--",
                         "vpclint", "check", "--recursive", "--format", "json", *paths], stdout=subprocess.PIPE)
    return json.loads(out)


# -- report --------------------------------------------------------------------


def _max(values: list) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} MB"


def _verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else f"**missed** by {value / limit:.2f}×"


def report(results: dict, absent: list, rounds: int) -> str:
    out = [f"vpclint benchmarks — {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, "
           f"Python {sys.version.split()[0]}, median of {rounds} round(s)", ""]
    for label, repository in absent:
        out.append(f"skipped {label}: git clone https://github.com/{repository} benchmarks/work/repos/"
                   f"{repository.split('/')[1]}")
    if absent:
        out.append("")
    if results.get("cold"):
        out += ["Cold run (empty cache) against the parser floor (python-hcl2 alone, one process), and the warm run",
                "",
                "| modules | .tf files | KB | floor | cold | cold ÷ floor | cold, 1 process ÷ floor | warm | "
                "warm ÷ cold | start-up | peak RSS cold / warm | cores free |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in results["cold"]:
            out.append(f"| {row['label']} | {row['files']} | {row['kb']} | {row['floor']:.2f} s | {row['cold']:.2f} s "
                       f"| {row['cold_ratio']:.2f}× | {row['cold1_ratio']:.2f}× | {row['warm']:.2f} s | "
                       f"{row['warm_ratio']:.3f}× | {row['startup']:.2f} s | {_mb(row['rss_cold'])} / "
                       f"{_mb(row['rss_warm'])} | {row['cores']:.1f} |")
        overall = results["cold"][-1]
        out += ["", "start-up: `vpclint check` of an empty directory (interpreter, imports, rules), part of every run. "
                "cores free: what two busy processes got during the round (2.0 on an idle 2-core machine); "
                "parsing in parallel gains only what is free.", "", f"target cold ≤ {TARGETS['cold']}× floor ({overall['label']}): {overall['cold_ratio']:.2f}× — "
                f"{_verdict(overall['cold_ratio'], TARGETS['cold'])}",
                f"target warm ≤ {TARGETS['warm']}× cold ({overall['label']}): {overall['warm_ratio']:.3f}× — "
                f"{_verdict(overall['warm_ratio'], TARGETS['warm'])}", ""]
    if results.get("checkov"):
        row = results["checkov"]
        out += [f"Against checkov 3.3 on terraform-aws-vpc: `{row['command']}`", "",
                "| checkov | vpclint cold | cold ÷ checkov | vpclint warm | warm ÷ checkov | checkov peak RSS |",
                "|---:|---:|---:|---:|---:|---:|",
                f"| {row['checkov']:.2f} s | {row['cold']:.2f} s | {row['cold_ratio']:.3f}× | {row['warm']:.2f} s | "
                f"{row['warm_ratio']:.3f}× | {_mb(row['rss'])} |", "",
                f"target ≤ {TARGETS['checkov']}× checkov: cold {_verdict(row['cold_ratio'], TARGETS['checkov'])}, "
                f"warm {_verdict(row['warm_ratio'], TARGETS['checkov'])}", ""]
    elif "checkov_missing" in results:
        out += [f"checkov skipped: {results['checkov_missing']}", ""]
    if results.get("scale"):
        out += ["Scale: synthetic plans (benchmarks/gen_plan.py), `vpclint check --no-cache PLAN`", "",
                "| resources | plan | time | peak RSS | time growth | RSS growth | n log n growth |",
                "|---:|---:|---:|---:|---:|---:|---:|"]
        previous = None
        for row in results["scale"]:
            growth = rss_growth = bound = "—"
            if previous is not None:
                n0, n1 = previous["resources"], row["resources"]
                bound = f"{(n1 * math.log(n1)) / (n0 * math.log(n0)):.1f}×"
                growth = f"{row['seconds'] / previous['seconds']:.1f}×"
                if row["rss"] and previous["rss"]:
                    rss_growth = f"{row['rss'] / previous['rss']:.1f}×"
            note = " ¹" if row["lifted"] else ""
            out.append(f"| {row['resources']:,} | {row['mb']:.0f} MB{note} | {row['seconds']:.2f} s | "
                       f"{_mb(row['rss'])} | {growth} | {rss_growth} | {bound} |")
            previous = row
        last = results["scale"][-1]
        out += [""]
        if any(row["lifted"] for row in results["scale"]):
            out.append("¹ larger than the loader's plan size limit (vpclint.load.MAX_PLAN_BYTES): run with the "
                       "limit lifted.")
        out += [f"target {last['resources']:,} resources ≤ {TARGETS['scale_seconds']:.0f} s and ≤ "
                f"{TARGETS['scale_gb']:.0f} GB: {last['seconds']:.1f} s, {_mb(last['rss'])} — "
                f"{'met' if last['seconds'] <= TARGETS['scale_seconds'] and (last['rss'] or 0) <= TARGETS['scale_gb'] * 1024 else '**missed**'}",
                ""]
    for mode in ("cold", "warm"):
        found = results.get(f"profile_{mode}")
        if found:
            out += [f"Profile, {mode} run over all modules in one process (benchmarks/phases.py --{mode} --jobs 1): "
                    f"{found['wall']:.2f} s", "", "| phase | seconds | share |", "|---|---:|---:|"]
            total = sum(found["phases"].values()) or 1
            for phase, seconds in found["phases"].items():
                if seconds >= 0.0005:
                    out.append(f"| {phase} | {seconds:.3f} | {100 * seconds / total:.0f}% |")
            out += ["", "Most time of their own after parsing (cProfile, tottime):", "", "```", found["top"], "```", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("places", nargs="*", help="module checkouts, or directories holding them")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="cold,checkov,scale,profile")
    parser.add_argument("--checkov", default=os.path.join(WORK, "checkov-venv", "bin", "checkov"))
    parser.add_argument("--checkov-rounds", type=int, default=1)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--scale-rounds", type=int, default=1)
    args = parser.parse_args()
    parts = set(args.only.split(","))
    places = args.places or [p for p in os.environ.get("VPCLINT_BENCH_REPOS", "").split(os.pathsep) if p] or [
        os.path.join(WORK, "repos")]
    os.makedirs(WORK, exist_ok=True)
    compile_bytecode()
    modules, absent = find_modules(places)
    results: dict = {}
    try:
        if "cold" in parts and modules:
            print(f"cold and warm runs over {len(modules)} module set(s), {args.rounds} round(s)...", file=sys.stderr)
            results["cold"] = cold_and_warm(modules, args.rounds)
        vpc = next((path for label, path in modules if label == "terraform-aws-vpc"), None)
        if "checkov" in parts:
            if not os.path.exists(args.checkov):
                results["checkov_missing"] = (f"no {args.checkov}; python3 -m venv benchmarks/work/checkov-venv && "
                                              "benchmarks/work/checkov-venv/bin/pip install 'checkov>=3.3,<3.4'")
            elif vpc is None:
                results["checkov_missing"] = "terraform-aws-vpc is absent"
            else:
                print("checkov...", file=sys.stderr)
                results["checkov"] = against_checkov(args.checkov, vpc, args.checkov_rounds)
        if "scale" in parts:
            print("scale...", file=sys.stderr)
            results["scale"] = scale([int(n) for n in args.sizes.split(",")], args.scale_rounds)
        if "profile" in parts and modules:
            print("profile...", file=sys.stderr)
            results["profile_cold"] = profile([path for _, path in modules], "cold")
            results["profile_warm"] = profile([path for _, path in modules], "warm")
    finally:
        for name in os.listdir(WORK):
            if name.startswith("vpclint-bench-cache-"):
                shutil.rmtree(os.path.join(WORK, name), ignore_errors=True)
    text = report(results, absent, args.rounds)
    with open(os.path.join(WORK, "results.md"), "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
