"""The parser floor: python-hcl2 alone parsing the files a recursive lint of each DIR parses.

    python benchmarks/floor.py DIR...

Every ``*.tf``, ``terraform.tfvars`` and ``*.auto.tfvars`` file in each DIR and
below (hidden directories such as ``.terraform/`` skipped, as
``vpclint check --recursive`` skips them) goes through ``hcl2.parses``, one
file after another in this one process. Nothing is converted, cached or
evaluated: this is what parsing alone costs, the floor the cold run is
compared with. Prints the number of files, bytes and seconds as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time


def files_under(top: str) -> list[str]:
    found = []
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, name) for name in sorted(names)
                  if name.endswith(".tf") or name == "terraform.tfvars" or name.endswith(".auto.tfvars")]
    return found


def main(tops: list[str]) -> None:
    start = time.perf_counter()
    import hcl2

    files = [path for top in tops for path in files_under(top)]
    size = failed = 0
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        size += len(data)
        try:
            hcl2.parses(data.decode("utf-8").replace("\r\n", "\n"))
        except Exception:  # a file the parser rejects costs what it cost
            failed += 1
    print(json.dumps({"files": len(files), "bytes": size, "failed": failed,
                      "seconds": round(time.perf_counter() - start, 3)}))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python benchmarks/floor.py DIR...")
    main(sys.argv[1:])
