"""The caches trust only what this user's vpclint wrote.

A cache directory may come from anywhere: shipped in a pull request
(``--cache-dir .cache`` in the checkout), restored from a CI cache other
jobs write to, or shared on a machine. An entry is a verdict on a file
(``blocks: []`` makes it empty) or on a whole module (``"reads": []`` serves
it for ever), so a forged one silences findings. Hence:

* every entry carries an HMAC-SHA256 of its bytes under a per-user secret
  key kept outside the cache directory (``$XDG_CONFIG_HOME/vpclint/cache.key``,
  else ``~/.config/vpclint/cache.key``: 32 random bytes as hex, mode 0600,
  created atomically on first use); an entry whose HMAC does not verify is a
  miss, and is rewritten;
* entries are named by an HMAC of their key too, so nobody without the
  secret can tell where the entry for a given file would be;
* a cache directory another user could change (owned by someone else, or
  with the group or other write bit) is not used, nor one named inside the
  current directory that a link leads out of it; nor is any cache when the
  key cannot be read or made safely. The run then goes on uncached
  (``review`` says why, for a warning).

An entry is ``{"mac":"<64 hex digits>",`` followed by the rest of the JSON
object the MAC covers, so entries stay JSON a person can read.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import tempfile

from vpclint import safefs

KEY_BYTES = 32

_PREFIX = b'{"mac":"'
_MAC_END = len(_PREFIX) + 64  # where the hex digest ends

_KEYS: dict[str, bytes | str] = {}  # key file -> the key, or why there is none
_VERDICTS: dict[str, str | None] = {}  # cache directory -> why it is not used, or None


class KeyProblem(Exception):
    """The key file exists but is not safe to use; the message says why."""


def key_path() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "vpclint", "cache.key")


def review(cache_dir: str) -> str | None:
    """Why ``cache_dir`` must not be used, checked afresh (key included); None when it may."""
    _KEYS.pop(key_path(), None)
    problem = _directory_problem(cache_dir)
    if problem is None:
        found = _key()
        problem = found if isinstance(found, str) else None
    _VERDICTS[cache_dir] = problem
    return problem


def signer(cache_dir: str) -> bytes | None:
    """The key that signs and checks the entries of ``cache_dir``; None when
    the directory is not to be used (the verdict is kept for the process)."""
    if cache_dir not in _VERDICTS:
        review(cache_dir)
    if _VERDICTS[cache_dir] is not None:
        return None
    found = _key()
    return found if isinstance(found, bytes) else None


# -- entries ---------------------------------------------------------------------


def entry_name(key: bytes, kind: bytes, entry_key: str) -> str:
    """The file name of an entry: computable only with the secret."""
    return hmac.new(key, b"name\0" + kind + b"\0" + entry_key.encode(), hashlib.sha256).hexdigest()


def seal(key: bytes, kind: bytes, body: bytes) -> bytes:
    """``body`` (a JSON object with at least one member) with its MAC as its first member."""
    if not (body.startswith(b"{") and len(body) > 2):
        raise ValueError("an entry is a JSON object with members")
    return _PREFIX + _mac(key, kind, body) + b'",' + body[1:]


def unseal(key: bytes, kind: bytes, data: bytes | None) -> bytes | None:
    """The JSON object ``seal`` signed, without its MAC; None when it is not exactly that."""
    if data is None or not data.startswith(_PREFIX) or data[_MAC_END:_MAC_END + 2] != b'",':
        return None
    body = b"{" + data[_MAC_END + 2:]
    if not hmac.compare_digest(_mac(key, kind, body), data[len(_PREFIX):_MAC_END]):
        return None
    return body


def read_entry(path: str) -> bytes | None:
    """The bytes of a regular file at ``path`` (never a link, FIFO or device); None otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def entry_path(cache_dir: str, key: bytes, kind: bytes, entry_key: str) -> str:
    """Where the entry of ``kind`` named ``entry_key`` lives: ``<kind>/<2 hex>/<name>.json``."""
    name = entry_name(key, kind, entry_key)
    return os.path.join(cache_dir, kind.decode(), name[:2], name + ".json")


def load(cache_dir: str, kind: bytes, entry_key: str) -> bytes | None:
    """The body of the entry this user's key signed for ``entry_key``; None when
    the directory is not to be used, or the entry is absent or not exactly ours."""
    secret = signer(cache_dir)
    if secret is None:
        return None
    return unseal(secret, kind, read_entry(entry_path(cache_dir, secret, kind, entry_key)))


def store(cache_dir: str, kind: bytes, entry_key: str, body: bytes) -> None:
    """Keep ``body`` signed, atomically (temp file + rename) so concurrent runs
    never see half a file, in directories only this user can change (safefs).
    Raises ValueError when ``body`` is not a JSON object, OSError when the disk refuses."""
    secret = signer(cache_dir)
    if secret is None:
        return
    data = seal(secret, kind, body)
    name = entry_name(secret, kind, entry_key)
    directory = safefs.private_dir(cache_dir, kind.decode(), name[:2])
    if directory is not None:
        safefs.replace_file(directory, name + ".json", data)


def _mac(key: bytes, kind: bytes, body: bytes) -> bytes:
    return hmac.new(key, kind + b"\0" + body, hashlib.sha256).hexdigest().encode()


# -- the cache directory ------------------------------------------------------------


def _directory_problem(cache_dir: str) -> str | None:
    problem = safefs.inside_cwd_problem(cache_dir)
    if problem is None:
        try:
            found = os.stat(cache_dir)
        except FileNotFoundError:
            return None  # made private (0700) by the first write
        except OSError as exc:
            problem = f"it cannot be read ({exc.strerror or exc})"
        else:
            problem = ("it is not a directory" if not stat.S_ISDIR(found.st_mode)
                       else safefs.owner_problem(found))
    return f"the cache directory {cache_dir} is not used: {problem}" if problem else None


# -- the key ---------------------------------------------------------------------------


def _key() -> bytes | str:
    path = key_path()
    found = _KEYS.get(path)
    if found is None:
        found = _KEYS[path] = _load_or_create(path)
    return found


def _load_or_create(path: str) -> bytes | str:
    """The key in ``path``, made if there is none; else why the cache cannot be used."""
    try:
        try:
            return _read_key(path)
        except FileNotFoundError:
            return _create_key(path)
    except KeyProblem as exc:
        return f"the cache is not used: {exc}"
    except OSError as exc:
        return f"the cache is not used: the cache key {path} cannot be read or made ({exc.strerror or exc})"


def _read_key(path: str) -> bytes:
    _check_key_directory(os.path.dirname(path))
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise KeyProblem(f"the cache key {path} is not a regular file")
        if hasattr(os, "geteuid"):
            if found.st_uid != os.geteuid():
                raise KeyProblem(f"the cache key {path} is owned by another user (uid {found.st_uid})")
            if found.st_mode & 0o077:
                raise KeyProblem(f"the cache key {path} is open to other users (mode "
                                 f"{stat.S_IMODE(found.st_mode):04o}); delete it to have a new one made")
        data = os.read(fd, 256)
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyProblem(f"the cache key {path} is not {KEY_BYTES * 2} hexadecimal digits; "
                         "delete it to have a new one made")
    return key


def _create_key(path: str) -> bytes:
    """A new random key, put in place whole (a temporary file linked to the
    name) so that a run starting meanwhile never reads half of one; if
    another run made one first, that one."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    _check_key_directory(directory)
    key = secrets.token_bytes(KEY_BYTES)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)  # mode 0600, created exclusively
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.hex().encode() + b"\n")
        try:
            os.link(temporary, path)  # fails when the name exists: never replaces another run's key
        except FileExistsError:
            return _read_key(path)
    finally:
        os.unlink(temporary)
    return key


def _check_key_directory(directory: str) -> None:
    try:
        found = os.stat(directory)
    except FileNotFoundError:
        return
    problem = safefs.owner_problem(found)
    if problem:
        raise KeyProblem(f"the directory of the cache key, {directory}: {problem}")
