"""Writing files safely when the directory written to may hold a hostile checkout.

vpclint runs on pull requests: every file and link in the checkout may have
been put there by an attacker, for example a committed symbolic link
``vpclint.md -> .../site-packages/x.pth`` waiting for ``--output vpclint.md``.
So a file vpclint writes (a report, a baseline, a starter config, a picture,
a cache entry) is written to a new temporary file in the directory named
(created exclusively, never through a link) and renamed over the name, which
replaces whatever is there and never follows it; and the name itself is
checked first:

* a symbolic link at the name is refused (its target is never written);
* anything else that is not a regular file (a FIFO, a device, a socket, a
  directory) is refused: writing to it could hang or reach a device (the
  null device named as such, ``--output /dev/null``, discards the report);
* a directory named *inside the current directory* must still be inside it
  once links are resolved: a checkout's link ``reports -> /usr/lib/...``
  cannot carry ``--output reports/x.md`` elsewhere. A directory the user
  names outside the current directory (``/tmp``, ``$RUNNER_TEMP``, ``..``)
  is the user's own choice and is followed as given.
"""

from __future__ import annotations

import os
import stat
import tempfile


class Refused(Exception):
    """A path vpclint will not write to; the message says why."""


def write_file(path: str, data: bytes, mode: int = 0o666) -> None:
    """Write ``data`` to ``path`` as described above: Refused or OSError when it cannot.
    The null device, named as such, is the one special file taken: nothing is written."""
    if os.path.abspath(path) == os.path.abspath(os.devnull):
        return
    directory = os.path.dirname(path) or os.curdir
    _stays_inside_cwd(directory)
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    if found is not None:
        if stat.S_ISLNK(found.st_mode):
            raise Refused("is a symbolic link; vpclint never writes through a link "
                          "(remove the link or name another file)")
        if not stat.S_ISREG(found.st_mode):
            raise Refused("is not a regular file (a directory, FIFO, device or socket); vpclint writes only "
                          "regular files (leave out --output to write to standard output)")
    # a file replaced keeps its permissions; a new one gets ``mode`` less the umask, as open() would give it
    mode = stat.S_IMODE(found.st_mode) if found is not None else mode & ~_umask()
    replace_file(directory, os.path.basename(path), data, mode)


def replace_file(directory: str, name: str, data: bytes, mode: int = 0o600) -> None:
    """Put ``data`` at ``directory/name`` through a temporary file created
    exclusively in ``directory`` (never through a link) and renamed over the
    name: readers never see half a file, and a link at the name is replaced,
    never followed. OSError when the disk refuses."""
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
        os.replace(temporary, os.path.join(directory, name))
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def private_dir(base: str, *parts: str) -> str | None:
    """``base/parts...``, each part created (mode 0700) when missing; None when
    a part is a link, not a directory, someone else's or writable by others,
    so that a cache never writes through what another user could redirect."""
    os.makedirs(base, mode=0o700, exist_ok=True)
    path = base
    for part in parts:
        path = os.path.join(path, part)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        if not _own_directory(os.lstat(path)):
            return None
    return path


def _own_directory(found: os.stat_result) -> bool:
    if not stat.S_ISDIR(found.st_mode):  # lstat: a link is not a directory
        return False
    if not hasattr(os, "geteuid"):  # Windows: no owners or mode bits to go by
        return True
    return found.st_uid == os.geteuid() and not found.st_mode & 0o022


def owner_problem(found: os.stat_result) -> str | None:
    """Why a directory other users could change is not to be trusted, or None."""
    if not hasattr(os, "geteuid"):
        return None
    if found.st_uid != os.geteuid():
        return f"it is owned by another user (uid {found.st_uid})"
    if found.st_mode & 0o022:
        return f"it is writable by other users (mode {stat.S_IMODE(found.st_mode):04o})"
    return None


def inside_cwd_problem(path: str) -> str | None:
    """Why ``path``, a directory named inside the current directory, leads
    outside it through a link; None when it does not (or is named outside)."""
    try:
        cwd = os.getcwd()
    except OSError:  # the current directory is gone: nothing is named inside it
        return None
    absolute = os.path.abspath(path)
    if not _within(absolute, cwd):
        return None
    real = os.path.realpath(absolute)
    if _within(real, os.path.realpath(cwd)):
        return None
    return f"a symbolic link leads it outside the current directory (to {real})"


def _stays_inside_cwd(directory: str) -> None:
    problem = inside_cwd_problem(directory)
    if problem:
        raise Refused(f"its directory {directory}: {problem}; vpclint does not write there")


def _within(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # another drive on Windows
        return False


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
