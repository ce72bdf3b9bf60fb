"""Whether a file's content is what the repository committed, from git's index.

A file the configuration reads (``file()``, ``templatefile()``, ``fileset``
factories) may hold what the runner keeps: a CI step can write credentials
into the checkout. Its content is then hidden in every output (taint.py).
Content that git's index records for that path is the repository's own,
seen by whoever sees the pull request, and may be quoted: subnet names from
a YAML factory stay readable in addresses.

Only the index file is read (``.git/index``, the format of git's
Documentation/gitformat-index.txt, versions 2 to 4), bounded in size and
never executed; the file's blob id (SHA-1 of ``blob <size>\\0<content>``) must
equal the one staged for its path. Anything unexpected — no index, a ``.git``
file (a linked work tree), a SHA-256 repository, a filter that changed the
bytes, a merge in progress — answers "not committed", which hides more, never
less.
"""

from __future__ import annotations

import functools
import hashlib
import os
import struct

# an index of this size lists well over a million paths
INDEX_LIMIT = 256 * 1024 * 1024
_HEADER = struct.Struct(">4sII")
_ENTRY = struct.Struct(">10I20sH")  # ctime, mtime (s, ns), dev, ino, mode, uid, gid, size; SHA-1; flags
_EXTENDED = 0x4000


def committed(root: str, real_path: str, content: bytes) -> bool:
    """Whether ``content``, read from ``real_path`` (links resolved) inside the work tree ``root``, is
    the blob git's index holds for that path."""
    relative = os.path.relpath(real_path, root)
    if relative.startswith(os.pardir) or os.path.isabs(relative):
        return False
    index = os.path.join(root, ".git", "index")
    try:
        stat = os.stat(index)
    except OSError:
        return False
    staged = _staged(index, stat.st_mtime_ns, stat.st_size).get(relative.replace(os.sep, "/"))
    blob = hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).digest()
    return staged is not None and staged == blob


@functools.lru_cache(maxsize=4)
def _staged(index: str, mtime_ns: int, size: int) -> dict[str, bytes]:
    """Path → blob id of the regular files staged at stage 0 (``mtime_ns``/``size`` key the cache)."""
    if not 0 < size <= INDEX_LIMIT:
        return {}
    try:
        with open(index, "rb") as handle:
            data = handle.read(INDEX_LIMIT + 1)
        return _parse(data)
    except (OSError, ValueError, struct.error, UnicodeDecodeError, IndexError):
        return {}


def _parse(data: bytes) -> dict[str, bytes]:
    signature, version, count = _HEADER.unpack_from(data, 0)
    if signature != b"DIRC" or version not in (2, 3, 4) or len(data) > INDEX_LIMIT:
        raise ValueError("not a git index this reader knows")
    staged: dict[str, bytes] = {}
    offset, previous = _HEADER.size, b""
    for _ in range(count):
        start = offset
        fields = _ENTRY.unpack_from(data, offset)
        mode, blob, flags = fields[6], fields[10], fields[11]
        offset += _ENTRY.size
        if flags & _EXTENDED:
            if version < 3:
                raise ValueError("extended flags in a version 2 index")
            offset += 2
        if version == 4:  # the path is the previous one less N bytes, then a NUL-terminated suffix
            strip, offset = _varint(data, offset)
            if strip > len(previous):
                raise ValueError("bad path compression")
            end = data.index(b"\0", offset)
            path = previous[:len(previous) - strip] + data[offset:end]
            offset = end + 1
        else:  # NUL-terminated, padded with 1 to 8 NULs to a multiple of 8 bytes
            end = data.index(b"\0", offset)
            path = data[offset:end]
            offset = start + ((end - start) // 8 + 1) * 8
        previous = path
        stage = (flags >> 12) & 0x3
        if stage == 0 and mode >> 12 == 0o10:  # a regular file (0o100644, 0o100755), not a link or gitlink
            staged[path.decode("utf-8")] = blob
    return staged


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    """git's offset encoding (varint.c): each continuation adds one before shifting."""
    byte = data[offset]
    offset += 1
    value = byte & 0x7F
    while byte & 0x80:
        byte = data[offset]
        offset += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, offset
