"""The two HCL readers give the same plain form wherever both read a file.

tree-sitter-hcl (treesitter.py) reads every file first; python-hcl2
(hcl2tree.py) reads the files it refuses. Findings must not depend on which
one read a file, so over every ``.tf``/``.tfvars`` file of the fixtures, of
seeded mutations of them, and of the real-world corpora named in
``VPCLINT_CORPUS15`` (directories separated by ``os.pathsep``; copies of
public repositories, absent in CI, so those tests skip), each file both
accept must give equal plain forms: blocks, attributes, expressions, lines,
comments and errors. ``benchmarks/parsers.py`` counts and times the two.
"""

from __future__ import annotations

import difflib
import json
import os
import random
from pathlib import Path

import pytest

from vpclint.load.hcl import parse, treesitter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORPORA = [Path(p) for p in os.environ.get("VPCLINT_CORPUS15", "").split(os.pathsep) if p]
MUTATIONS = int(os.environ.get("VPCLINT_PARSER_MUTATIONS", "400"))


def hcl_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".tf", ".tfvars") and p.is_file()
                  and not any(part.startswith(".") and part != ".terraform" for part in p.relative_to(root).parts))


def text_of(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8").replace("\r\n", "\n")


def readings(text: str) -> tuple[dict | None, dict | None]:
    """Each reader's plain form of the text, None where it refuses the text."""
    by_hcl2 = parse.read_with_hcl2(text)
    if by_hcl2["errors"] and not by_hcl2["blocks"]:
        by_hcl2 = None
    try:
        by_ts = treesitter.read(text)
    except parse.Refused:
        by_ts = None
    return by_hcl2, by_ts


def difference(by_hcl2: dict, by_ts: dict) -> str:
    return "\n".join(difflib.unified_diff(json.dumps(by_hcl2, indent=1).splitlines(),
                                          json.dumps(by_ts, indent=1).splitlines(),
                                          "python-hcl2", "tree-sitter-hcl", lineterm="", n=3))


def compare(files: list[Path]) -> tuple[int, list[str], list[str], list[str]]:
    """How many files both read alike; the files they read differently, and
    those only python-hcl2 or only tree-sitter-hcl reads."""
    alike, differ, only_hcl2, only_ts = 0, [], [], []
    for path in files:
        by_hcl2, by_ts = readings(text_of(path))
        if by_hcl2 is not None and by_ts is not None:
            if by_hcl2 == by_ts:
                alike += 1
            else:
                differ.append(f"{path}:\n{difference(by_hcl2, by_ts)[:3000]}")
        elif by_hcl2 is not None:
            only_hcl2.append(str(path))
        elif by_ts is not None:
            only_ts.append(str(path))
    return alike, differ, only_hcl2, only_ts


def test_every_fixture_file_reads_alike_with_both_parsers() -> None:
    files = hcl_files(FIXTURES)
    alike, differ, only_hcl2, only_ts = compare(files)
    assert differ == [], "\n\n".join(differ)
    # both read nearly all of them: a reader that refused everything would pass the check above
    assert alike >= len(files) - 5 and alike >= 150, (alike, len(files), only_hcl2, only_ts)
    # the fixture written for it: valid HCL python-hcl2 refuses, read by tree-sitter-hcl alone
    assert str(FIXTURES / "newline_in_parentheses" / "fail" / "main.tf") in only_ts


@pytest.mark.skipif(not CORPORA, reason="VPCLINT_CORPUS15 names no corpus directories (copies of public repositories)")
@pytest.mark.parametrize("root", CORPORA, ids=lambda p: p.name)
def test_every_corpus_file_reads_alike_with_both_parsers(root: Path) -> None:
    files = hcl_files(root)
    alike, differ, only_hcl2, only_ts = compare(files)
    print(f"{root}: {len(files)} files, {alike} read alike, python-hcl2 alone {len(only_hcl2)}, "
          f"tree-sitter-hcl alone {len(only_ts)}")
    assert differ == [], "\n\n".join(differ)


# the mutations: text a careless edit leaves (a stray token, a deleted or a duplicated run of characters)
_TOKENS = ['"', "{", "}", "[", "]", "(", ")", ",", ".", "\n", " ", "?", ":", "=", "${", "%{", "~", "#", "//",
           "/*", "*/", "<<EOT\n", "EOT\n", "\\", "-", "!", "...", "*", "0", "1.5", "x", "for", "in", "if", "true",
           "null", "=>", "::", "\t", "$$", "%%"]


def _mutated(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.4:
            text = text[:at] + rng.choice(_TOKENS) + text[at:]
        elif roll < 0.7:
            text = text[:at] + text[at + rng.randint(1, 4):]
        else:
            start = rng.randrange(len(text) + 1)
            text = text[:at] + text[start:start + rng.randint(1, 20)] + text[at:]
    return text


def test_seeded_mutations_of_the_fixtures_read_alike_wherever_both_parsers_read_them() -> None:
    """Edited files exercise the corners real files seldom reach (where the
    grammars disagree on what to accept); wherever both read one, the plain
    forms are equal. ``VPCLINT_PARSER_MUTATIONS`` sets how many (400)."""
    rng = random.Random(20261203)
    sources = [text_of(path) for path in hcl_files(FIXTURES) if path.suffix == ".tf"]
    both = 0
    for case in range(MUTATIONS):
        text = _mutated(rng, rng.choice(sources))
        try:
            by_hcl2, by_ts = readings(text)
        except RecursionError:
            continue
        if by_hcl2 is not None and by_ts is not None:
            both += 1
            assert by_hcl2 == by_ts, f"case {case}:\n{text}\n{difference(by_hcl2, by_ts)[:3000]}"
    assert both >= MUTATIONS // 5  # enough of them are still HCL for the comparison to mean something
