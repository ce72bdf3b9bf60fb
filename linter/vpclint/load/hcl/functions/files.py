"""Functions over files and paths in the module.

Every read goes through the module instance (module.py: confined to the root
of the run, bounded, recorded for the result cache); ``fileset`` globs as
Terraform does (fileset.py).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from typing import Any

from vpclint.load.hcl.evaluate import (
    EvalError,
    Scope,
    evaluate,
    to_plain,
    to_str,
)
from vpclint.load.hcl.functions.base import function, set_order
from vpclint.values import Unknown


@function("file", scope=True)
def _file(scope, path):
    if scope.ctx is None:
        raise EvalError("file() is not available here")
    return scope.ctx.read_file(to_str(path))


@function("fileexists", scope=True)
def _fileexists(scope, path):
    if scope.ctx is None:
        raise EvalError("fileexists() is not available here")
    return scope.ctx.file_exists(to_str(path))


@function("fileset", scope=True)
def _fileset(scope, path, pattern):
    if scope.ctx is None:
        raise EvalError("fileset() is not available here")
    if path is None or pattern is None:
        raise EvalError("path and pattern must not be null")
    found = scope.ctx.list_files(to_str(path), to_str(pattern))
    return found if isinstance(found, Unknown) else set_order(found)


def _file_bytes(scope, name: str, path) -> bytes | Unknown:
    if scope.ctx is None:
        raise EvalError(f"{name}() is not available here")
    if path is None:
        raise EvalError("path must not be null")
    return scope.ctx.read_bytes(to_str(path))


@function("filebase64", scope=True)
def _filebase64(scope, path):
    data = _file_bytes(scope, "filebase64", path)
    if isinstance(data, Unknown):
        return data
    return scope.ctx.mark_content(to_str(path), data, base64.b64encode(data).decode())  # its content, encoded


def _file_hash(name: str, algorithm: str, encoding: str) -> None:
    def impl(scope, path):
        data = _file_bytes(scope, name, path)
        if isinstance(data, Unknown):
            return data
        digest = hashlib.new(algorithm, data)
        return digest.hexdigest() if encoding == "hex" else base64.b64encode(digest.digest()).decode()

    function(name, scope=True)(impl)


for _name, _algorithm, _encoding in (
    ("filemd5", "md5", "hex"), ("filesha1", "sha1", "hex"), ("filesha256", "sha256", "hex"),
    ("filesha512", "sha512", "hex"), ("filebase64sha256", "sha256", "b64"), ("filebase64sha512", "sha512", "b64"),
):
    _file_hash(_name, _algorithm, _encoding)


@function("templatefile", unknown="shallow", scope=True)
def _templatefile(scope, path, variables):
    if scope.ctx is None:
        raise EvalError("templatefile() is not available here")
    text = scope.ctx.read_file(to_str(path))
    if isinstance(text, Unknown):
        return text
    return _render(text, variables)


@function("templatestring", unknown="shallow")
def _templatestring(text, variables):
    return _render(to_str(text), variables)


_TEMPLATES: dict[str, list] = {}  # parsed templates by text, for the instances of one counted block
# bounded by their text: a library of a few hundred templates (a fileset of policy files, rendered
# for each management group) is parsed once, not once per module instance
_TEMPLATE_CHARS = 8 * 1024 * 1024


def _render(text: str, variables: Any) -> Any:
    """A template rendered with ``variables`` as its only names, as Terraform does."""
    variables = to_plain(variables)  # module outputs, resource objects: plain maps
    if isinstance(variables, Unknown):
        return variables
    if not isinstance(variables, Mapping):
        raise EvalError("the template's variables must be a map or object")
    node = _TEMPLATES.get(text)
    if node is None:
        from vpclint.load.hcl.parse import (
            parse_template,  # python-hcl2: only when a template is rendered
        )

        try:
            node = parse_template(text)
        except ValueError as exc:
            line, message = exc.args
            raise EvalError(f"invalid template (line {line}): {message}") from None
        if len(_TEMPLATES) >= 4096 or sum(map(len, _TEMPLATES)) + len(text) > _TEMPLATE_CHARS:
            _TEMPLATES.clear()
        _TEMPLATES[text] = node
    return evaluate(node, Scope(None, dict(variables)))


@function("basename")
def _basename(path):
    path = to_str(path).rstrip("/") or "/"
    return os.path.basename(path) or path


@function("dirname")
def _dirname(path):
    return os.path.dirname(to_str(path)) or "."


@function("pathexpand")
def _pathexpand(path):
    """A path without a leading ``~`` is returned as it is; the home directory is the runner's."""
    path = to_str(path)
    if path == "~" or path.startswith("~/"):
        return Unknown("pathexpand(): the home directory of whoever runs terraform")
    if path.startswith("~"):
        raise EvalError("cannot expand user-specific home dir")
    return path


@function("abspath", scope=True)
def _abspath(scope, path):
    """Relative to the directory Terraform runs in: the root module's, where vpclint sees it."""
    path = to_str(path)
    if not os.path.isabs(path):
        if scope.ctx is None:
            return Unknown("abspath(): the directory terraform runs in")
        path = os.path.join(os.path.abspath(scope.ctx.loader.root_dir), path)
    return os.path.normpath(path).replace(os.sep, "/")
