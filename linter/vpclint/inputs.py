"""Reading inputs safely: a pull request is hostile input.

Everything in a checkout may be the attacker's: a ``terraform.tfvars`` that
is a FIFO (a read that never returns), a symbolic link to ``/dev/zero`` (a
read that never ends, of a file whose size reads 0) or to a credentials
file outside the repository, a ``file()`` call naming ``.git/config``
(where ``actions/checkout`` keeps the token). So every input is read here:

- ``read_regular`` opens only regular files (``stat`` before ``open``; the
  open is non-blocking, so a FIFO swapped in between the two cannot hang
  the run, and ``fstat`` on the open file checks again) and reads at most
  ``limit`` bytes, whatever the file's size claims;
- ``run_root`` is the root of the run: the git work tree that holds PATH
  (found by walking up to a ``.git``, never by running git), else PATH's
  directory; ``outside`` says why a path read for that run is refused: it
  resolves (after links) outside the root, or into git's metadata.

A file named on the command line (``--var-file``, ``--config``,
``--baseline``, ``--rules``) is the runner's own choice and may lie
anywhere; it is still read with ``read_regular``.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Callable

# the directory holding git's metadata: never configuration, and where
# credentials live (the checkout's auth header in .git/config, hooks)
GIT_DIR = ".git"


class InputError(OSError):
    """A file that is refused before anything is read from it."""


def special_kind(mode: int) -> str | None:
    """What a non-regular file is (for the message), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def read_regular(path: str, limit: int) -> bytes:
    """The content of the regular file ``path``, at most ``limit`` bytes.

    Raises ``InputError`` for a special file or one larger than ``limit``
    (``strerror`` says which), ``OSError`` when it cannot be read.
    """
    kind = special_kind(os.stat(path).st_mode)
    if kind is not None:
        raise InputError(errno.EINVAL, f"{kind}, not a regular file; not read")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        kind = special_kind(os.fstat(fd).st_mode)  # what was opened, not what was looked at
        if kind is not None:
            raise InputError(errno.EINVAL, f"{kind}, not a regular file; not read")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputError(errno.EFBIG, f"file is larger than {_size(limit)}; not read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def run_root(path: str, exists: Callable[[str], bool] = os.path.lexists,
             realpath: Callable[[str], str] = os.path.realpath) -> str:
    """The root of the run for PATH, links resolved: the git work tree
    holding it, else the directory PATH is or is in. (``exists`` and
    ``realpath``: the HCL loader's, which the result cache records.)"""
    start = realpath(path)
    if not os.path.isdir(start):
        start = os.path.dirname(start)
    directory = start
    while True:
        if exists(os.path.join(directory, GIT_DIR)):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return start
        directory = parent


def outside(real: str, root: str) -> str | None:
    """Why a path that resolves to ``real`` may not be read for a run rooted at ``root``, or None.

    Refused: a path that resolves outside ``root``, and anything inside a
    ``.git`` directory (git metadata is no input of a linter, and holds
    secrets).
    """
    if real != root and os.path.commonpath([root, real]) != root:
        return "resolves outside the repository (the root of the run)"
    if GIT_DIR in os.path.relpath(real, root).split(os.sep):
        return "is inside git's metadata (.git), which vpclint never reads"
    return None
