"""Functions over files and paths in the module."""

from __future__ import annotations

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
from vpclint.load.hcl.functions.base import function
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
        if len(_TEMPLATES) > 256:
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
