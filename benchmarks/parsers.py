"""Count, per directory, the HCL files each parser refuses, and time them.

    python benchmarks/parsers.py [--json] [--list] DIR ...

For every ``.tf`` and ``.tfvars`` file below each DIR (``.terraform`` and
hidden directories skipped), the same bytes read each way:

- ``hcl2``: python-hcl2's grammar (``hcl2.api.parses_to_tree``); a refusal
  is an exception.
- ``ts``: tree-sitter-hcl's grammar; a refusal is a tree with an ERROR or
  MISSING node.
- ``plain_hcl2`` / ``plain_ts``: each parser with its conversion to the
  plain form (hcl2tree.py, treesitter.py); treesitter.py also refuses what
  HCL refuses and the grammar takes (line breaks outside brackets...).
- ``vpclint``: ``parse_bytes``, what a lint run reads (tree-sitter-hcl
  first, python-hcl2 where it refuses); a refusal is a plain form with a
  file-level error.

Refusal counts are per reader (``ts_refused`` counts treesitter.py's). Times
are summed over every file for ``hcl2``, ``ts`` and ``vpclint``, and over the
files both converters read for ``plain_hcl2`` and ``plain_ts``, so those two
compare like with like. ``--list`` prints each refused file with the line
and message.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "linter"))  # run from a checkout without installing

import hcl2  # noqa: E402
import tree_sitter  # noqa: E402
import tree_sitter_hcl  # noqa: E402

from vpclint.load.hcl import parse, treesitter  # noqa: E402

SUFFIXES = (".tf", ".tfvars")


def hcl_files(root: str) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(folder, name) for name in sorted(files) if name.endswith(SUFFIXES))
    return found


def measure(root: str, ts_parser: tree_sitter.Parser, listing: bool) -> dict:
    row = {"dir": root, "files": 0, "hcl2_refused": 0, "ts_refused": 0, "vpclint_refused": 0,
           "both_refused": 0, "hcl2_s": 0.0, "ts_s": 0.0, "vpclint_s": 0.0,
           "plain_hcl2_s": 0.0, "plain_ts_s": 0.0, "refused": []}
    for path in hcl_files(root):
        with open(path, "rb") as handle:
            data = handle.read()
        text = data.decode("utf-8", "replace").replace("\r\n", "\n")
        row["files"] += 1

        start = time.perf_counter()
        try:
            hcl2.api.parses_to_tree(text)
            hcl2_error = None
        except Exception as exc:  # noqa: BLE001 - any refusal counts
            hcl2_error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        row["hcl2_s"] += time.perf_counter() - start

        start = time.perf_counter()
        tree = ts_parser.parse(data)
        ts_bad = treesitter.first_error(tree.root_node) if tree.root_node.has_error else None
        row["ts_s"] += time.perf_counter() - start

        start = time.perf_counter()
        plain = parse.parse_bytes(data)
        row["vpclint_s"] += time.perf_counter() - start
        refused = bool(plain["errors"]) and not plain["blocks"]

        start = time.perf_counter()
        plain_hcl2 = parse.read_with_hcl2(text)
        seconds_hcl2 = time.perf_counter() - start
        start = time.perf_counter()
        try:
            treesitter.read(text)
            ts_refusal = None
        except parse.Refused as exc:
            ts_refusal = f"line {exc.line}: {exc.message}"
        seconds_ts = time.perf_counter() - start
        if ts_refusal is None and not (plain_hcl2["errors"] and not plain_hcl2["blocks"]):
            row["plain_hcl2_s"] += seconds_hcl2
            row["plain_ts_s"] += seconds_ts

        row["hcl2_refused"] += hcl2_error is not None
        row["ts_refused"] += ts_refusal is not None
        row["both_refused"] += hcl2_error is not None and ts_refusal is not None
        row["vpclint_refused"] += refused
        if listing and (hcl2_error or ts_refusal or refused):
            row["refused"].append({
                "file": path,
                "hcl2": hcl2_error,
                "ts": ts_refusal or (None if ts_bad is None else f"line {ts_bad.start_point[0] + 1}: {ts_bad.type}"),
                "vpclint": plain["errors"][0] if refused else None,
            })
    return row


COLUMNS = ("files", "hcl2_refused", "ts_refused", "both_refused", "vpclint_refused",
           "hcl2_s", "ts_s", "plain_hcl2_s", "plain_ts_s", "vpclint_s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--list", action="store_true", help="print each refused file")
    args = parser.parse_args()
    ts_parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    rows = [measure(root, ts_parser, args.list) for root in args.dirs]
    total = {column: sum(row[column] for row in rows) for column in COLUMNS}
    if args.json:
        print(json.dumps({"rows": rows, "total": total}, indent=2))
        return 0
    print(f"{'dir':40} " + " ".join(f"{c:>12}" for c in COLUMNS))
    for row in rows + [dict(total, dir="TOTAL")]:
        name = os.path.basename(os.path.normpath(row["dir"]))[:40]
        print(f"{name:40} " + " ".join(
            f"{row[c]:12.3f}" if isinstance(row[c], float) else f"{row[c]:12d}" for c in COLUMNS))
        for item in row.get("refused", []):
            print(f"    {item['file']}\n      hcl2: {item['hcl2']}\n      ts: {item['ts']}\n"
                  f"      vpclint: {item['vpclint']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
