"""Run vpclint over real-world inputs nobody on this project wrote, and count.

    python benchmarks/corpus.py [--json] [--slowest N] [PATH ...]

Each PATH is a plan JSON file, or a directory searched for plan JSON files
(``*.json`` whose content is a plan) and for Terraform root modules (every
directory below it holding ``.tf`` files, as ``--recursive`` finds them).
Without PATH, the shared plan corpus: ``$VPCLINT_CORPUS`` (or its
``plans/``), else ``../shared/corpus/plans`` beside the checkout.

Public modules are linted from copies taken beforehand (nothing here goes
to the network), e.g. of terraform-aws-modules/terraform-aws-vpc,
terraform-aws-modules/terraform-aws-eks and the ``examples/`` of
huaweicloud/terraform-provider-huaweicloud.

Every input is linted on its own, in this process, with the built-in rules
and no config. The summary counts inputs, files read, resources loaded,
findings by rule, errors and unknowns; a crash (an exception out of
``lint()``, or an "internal error" it reports) is listed with its input and
makes the exit status 1. tests/test_robust_corpus.py runs this over the
shared plan corpus in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "linter"))  # run from a checkout without installing

import vpclint.lint  # noqa: E402
from vpclint.config import Config  # noqa: E402
from vpclint.lint import Settings, discover, lint  # noqa: E402
from vpclint.load import LoadOptions, sniff  # noqa: E402


@dataclass
class Tally:
    inputs: int = 0
    plans: int = 0
    modules: int = 0
    files: int = 0
    resources: int = 0
    findings: Counter = field(default_factory=Counter)
    errors: int = 0
    error_messages: Counter = field(default_factory=Counter)
    unknowns: int = 0
    unknown_reasons: Counter = field(default_factory=Counter)
    crashes: list = field(default_factory=list)  # (input, what happened)
    seconds: list = field(default_factory=list)  # (seconds, input)

    def as_dict(self, slowest: int) -> dict:
        return {
            "inputs": self.inputs, "plans": self.plans, "modules": self.modules, "files": self.files,
            "resources": self.resources, "findings": sum(self.findings.values()),
            "findings_by_rule": dict(sorted(self.findings.items())), "errors": self.errors,
            "common_errors": self.error_messages.most_common(10), "unknowns": self.unknowns,
            "unknowns_by_reason": dict(self.unknown_reasons.most_common()),
            "crashes": self.crashes, "slowest": sorted(self.seconds, reverse=True)[:slowest],
            "total_seconds": round(sum(s for s, _ in self.seconds), 2),
        }


def default_paths() -> list[Path]:
    if os.environ.get("VPCLINT_CORPUS"):
        root = Path(os.environ["VPCLINT_CORPUS"])
        return [root / "plans" if (root / "plans").is_dir() else root]
    return [HERE.parent.parent / "shared" / "corpus" / "plans"]


def inputs(paths: list[Path]) -> list[tuple[str, str]]:
    """(kind, path) of every plan file and root module under ``paths``."""
    found: list[tuple[str, str]] = []
    for path in paths:
        if path.is_file():
            found.append(("plan", str(path)))
            continue
        for plan in sorted(path.rglob("*.json")):
            if ".terraform" not in plan.parts and plan.is_file() and _looks_like_plan(plan):
                found.append(("plan", str(plan)))
        found.extend(("module", module) for module in discover(str(path), recursive=True)
                     if os.path.isdir(module))  # discover finds the plans too: counted above
    return found


def _looks_like_plan(path: Path) -> bool:
    """A JSON file that says it is Terraform's (policy documents and the like are not linted)."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
    return sniff(str(path)) == "plan" and b'"format_version"' in head


def _short(message: str) -> str:
    """An error message without the names and values that make each one unique."""
    return message.split(":")[0] if ":" in message else message[:80]


def _reason_kind(reason: str) -> str:
    """An unknown's reason without the addresses and values that make each one unique."""
    if reason.startswith("data.") and " is " in reason:
        return "data source: " + reason.split(" is ", 1)[1]
    kind = re.sub(r"[\w-]+(\[[^\]]*\])?(\.[\w-]+(\[[^\]]*\])?)+", "<ref>", reason)
    return re.sub(r'"[^"]*"', '"…"', kind)[:100]


def run(paths: list[Path], on_input=None) -> Tally:
    tally = Tally()
    loaded_counts: list[tuple[int, int]] = []
    real_load = vpclint.lint.load_path

    def counting_load(target, options):
        result = real_load(target, options)
        loaded_counts.append((len(set(result.files)), len(result.resources)))
        return result

    vpclint.lint.load_path = counting_load
    try:
        for kind, target in inputs(paths):
            tally.inputs += 1
            tally.plans += kind == "plan"
            tally.modules += kind == "module"
            loaded_counts.clear()
            settings = Settings(paths=[target], config=Config(), load=LoadOptions(cache_dir=None))
            start = time.monotonic()
            try:
                report = lint(settings)
            except Exception:  # noqa: BLE001 - the point is to see it
                tally.crashes.append((target, traceback.format_exc()))
                continue
            finally:
                tally.seconds.append((round(time.monotonic() - start, 3), target))
            tally.files += sum(files for files, _ in loaded_counts)
            tally.resources += sum(resources for _, resources in loaded_counts)
            tally.findings.update(f.rule_id for f in report.findings)
            tally.errors += len(report.errors)
            tally.error_messages.update(_short(e.message) for e in report.errors)
            tally.unknowns += len(report.unknowns)
            tally.unknown_reasons.update(_reason_kind(u.reason) for u in report.unknowns)
            for error in report.errors:
                if "internal error" in error.message:
                    tally.crashes.append((target, f"{error.file}:{error.line}: {error.message}"))
            if on_input is not None:
                on_input(target, report)
    finally:
        vpclint.lint.load_path = real_load
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="plan files or directories (default: the shared corpus)")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument("--slowest", type=int, default=5, help="how many of the slowest inputs to list")
    args = parser.parse_args(argv)
    paths = args.paths or default_paths()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    tally = run(paths)
    summary = tally.as_dict(args.slowest)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"inputs {tally.inputs} ({tally.plans} plans, {tally.modules} root modules), files {tally.files}, "
              f"resources {tally.resources}, findings {summary['findings']}, errors {tally.errors}, "
              f"unknowns {tally.unknowns}, {summary['total_seconds']}s")
        for rule, count in summary["findings_by_rule"].items():
            print(f"  {rule:<28} {count}")
        if tally.unknown_reasons:
            print("unknowns by reason:")
            for reason, count in tally.unknown_reasons.most_common():
                print(f"  {count:>5}  {reason}")
        if tally.error_messages:
            print("most common errors:")
            for message, count in summary["common_errors"]:
                print(f"  {count:>5}  {message}")
        print("slowest:", ", ".join(f"{target} {seconds}s" for seconds, target in summary["slowest"]))
        for target, what in tally.crashes:
            print(f"CRASH {target}\n{what}")
    return 1 if tally.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
