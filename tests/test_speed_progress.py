"""Progress on long runs (issue 5): ``[12/78] examples/complete`` on a
terminal's stderr, rewritten in place, gone at the end; never on a pipe, in
a machine format, or on stdout."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from vpclint.cli import cli
from vpclint.lint import Progress, Settings, lint
from vpclint.load import LoadOptions

MODULE = 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ("app", "data", "edge"):
        (tmp_path / "tree" / name).mkdir(parents=True)
        (tmp_path / "tree" / name / "main.tf").write_text(MODULE)
    return tmp_path / "tree"


def test_progress_counts_the_inputs_in_place_and_clears_the_line(tree: Path) -> None:
    stream = io.StringIO()
    report = lint(Settings(paths=[str(tree)], recursive=True, load=LoadOptions(), progress=Progress(stream, 80)))
    assert report.inputs == [str(tree / n) for n in ("app", "data", "edge")]
    assert stream.getvalue() == "".join(f"\r\x1b[K[{i}/3] {tree / n}" for i, n in enumerate(("app", "data", "edge"), 1)) \
        + "\r\x1b[K"


def test_one_input_shows_nothing(tree: Path) -> None:
    stream = io.StringIO()
    lint(Settings(paths=[str(tree / "app")], load=LoadOptions(), progress=Progress(stream, 80)))
    assert stream.getvalue() == ""


def test_a_long_line_is_cut_to_the_terminal_width() -> None:
    stream = io.StringIO()
    progress = Progress(stream, 24)
    progress.update(7, 12, "examples/a-very-long-module-directory-name")
    line = stream.getvalue().split("\x1b[K")[-1]
    assert line.startswith("[7/12] examples/") and len(line) < 24 and line.endswith("…")
    progress.done()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_the_line_is_cleared_when_the_run_stops_early(tree: Path) -> None:
    from vpclint.lint import models

    stream = io.StringIO()
    settings = Settings(paths=[str(tree)], recursive=True, load=LoadOptions(), progress=Progress(stream, 80))
    inputs = models(settings, set())
    next(inputs)
    inputs.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_no_progress_on_a_pipe_unless_asked(tree: Path) -> None:
    runner = CliRunner()
    quiet = runner.invoke(cli, ["check", "--recursive", "--no-cache", str(tree)])
    assert quiet.exit_code == 0 and "\x1b[K" not in quiet.output
    forced = runner.invoke(cli, ["check", "--recursive", "--no-cache", "--progress", "--format", "json", str(tree)])
    assert forced.exit_code == 0
    assert "[3/3]" in forced.stderr and "\x1b[K" not in forced.stdout
    assert json.loads(forced.stdout)["findings"] == []


def _on_a_terminal(*args: str) -> tuple[str, str]:
    """Run vpclint with its stderr on a pseudo-terminal: (stdout, what the terminal showed)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "vpclint", "check", "--no-cache", *args],
                               stdout=subprocess.PIPE, stderr=terminal, text=True,
                               env={**os.environ, "COLUMNS": "100"})
    os.close(terminal)
    shown = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    stdout = process.stdout.read()
    process.wait(timeout=30)
    os.close(controller)
    return stdout, shown.decode()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
def test_a_terminal_gets_progress_the_text_report_does_not(tree: Path) -> None:
    stdout, shown = _on_a_terminal("--recursive", str(tree))
    assert "[1/3]" in shown and "[3/3]" in shown and shown.endswith("\r\x1b[K")
    assert "\x1b[K" not in stdout and "[1/3]" not in stdout


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
@pytest.mark.parametrize("options", [["--format", "json"], ["--format", "sarif"], ["--no-progress"]])
def test_a_terminal_gets_no_progress_with_a_machine_format_or_when_told(tree: Path, options: list[str]) -> None:
    stdout, shown = _on_a_terminal("--recursive", *options, str(tree))
    assert "[1/3]" not in shown and "\x1b[K" not in shown
    assert stdout
