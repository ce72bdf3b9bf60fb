"""Turn one HCL file into a plain-data form, once, with an on-disk cache.

Two parsers read HCL: tree-sitter-hcl (treesitter.py), and python-hcl2
(hcl2tree.py) where tree-sitter-hcl refuses a file. Each one's syntax tree
is walked once into the same plain form, which keeps only what evaluation
needs, as nested lists, dicts, str, int, float, bool and None, so the result
can be stored as JSON keyed by the file content and reused by later runs.
This module holds what both share: the entry points, string escapes and
template text (heredocs are read from their text, by both, here).

Plain form of a file::

    {"v": SCHEMA, "blocks": [BLOCK...], "comments": [[line, text]...],
     "errors": [[line, message]...]}
    BLOCK = {"type": str, "labels": [str...], "line": int, "end_line": int,
             "attrs": {name: [EXPR, line]}, "blocks": [BLOCK...]}

Attributes outside any block (.tfvars files) are kept in one BLOCK of type
"__attrs__". A file that cannot be parsed has no blocks and one error.

Expressions (EXPR) are lists whose first item names the node::

    ["lit", value]                      str / number / bool / null
    ["tmpl", [PART...]]                 PART: str | ["i", EXPR]
                                        | ["if", EXPR, [PART...], [PART...]]
                                        | ["for", key|None, name, EXPR, [PART...]]
    ["tuple", [EXPR...]]   ["object", [[KEY_EXPR, EXPR]...]]
    ["var", name]          ["attr", EXPR, name]   ["index", EXPR, EXPR]
    ["splat", EXPR, [["attr", name] | ["index", EXPR]...]]
    ["call", name, [EXPR...], expand_last]
    ["cond", EXPR, EXPR, EXPR]   ["binop", op, EXPR, EXPR]   ["unop", op, EXPR]
    ["fortuple", key|None, name, EXPR, EXPR, EXPR|None]
    ["forobject", key|None, name, EXPR, KEY_EXPR, EXPR, EXPR|None, group]
    ["error", message]                  an expression that could not be read
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from typing import Iterator

# the on-disk cache (cache.py, which does not import the parser) keys entries
# by content, versions and the converters' source; SCHEMA is the plain form's version
from vpclint.load.hcl.cache import SCHEMA


class ConvertError(Exception):
    """A construct inside a parsed file that cannot be read (bad heredoc template)."""


class Refused(Exception):
    """A parser's grammar does not accept the text: the line and why."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


# ---------------------------------------------------------------------------
# file level
# ---------------------------------------------------------------------------


def parse_bytes(data: bytes) -> dict:
    """Parse file content into the plain form; never raises."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return failed(line, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})")
    return parse_text(text)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector off while a parse tree is built: every full
    collection walks all the nodes made so far, so on a large file it costs
    more than the parse (2 MB of HCL: 7.5 s of parse, 7 s of collections,
    growing faster than the file). The tree holds no cycles; reference
    counting frees it, and whatever cyclic garbage there is waits for the
    next collection."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def parse_text(text: str) -> dict:
    """Parse HCL source text into the plain form; never raises.

    tree-sitter-hcl reads it (treesitter.py: a compiled parser, several times
    faster, and it accepts valid HCL python-hcl2's grammar refuses); where
    it refuses, or meets a tree it cannot convert, python-hcl2 reads it
    (hcl2tree.py), and a text both refuse gets python-hcl2's message and line.
    The two give the same plain form wherever both read a file
    (tests/test_parser_differential.py).
    """
    with _collector_paused():
        return _parse_text(text)


def _parse_text(text: str) -> dict:
    text = text.replace("\r\n", "\n")
    from vpclint.load.hcl import treesitter  # here: a run the cache serves loads no parser

    try:
        return treesitter.read(text)
    except Refused:
        pass
    except RecursionError:
        return failed(None, "the file is nested too deeply to parse")
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, StopIteration):
        pass  # a tree shape the converter does not know (another grammar release): python-hcl2 reads the file
    return read_with_hcl2(text)


def read_with_hcl2(text: str) -> dict:
    """python-hcl2's plain form of the text, its refusal as a file error."""
    from vpclint.load.hcl import hcl2tree  # python-hcl2 and lark: loaded only for a file that needs them

    try:
        return hcl2tree.read(text)
    except Refused as exc:
        return failed(exc.line, exc.message)


def parse_template(text: str) -> list:
    """A template's text as one expression: what Terraform reads from a
    template file (``templatefile``) or from a string in JSON syntax. It is
    parsed as a heredoc, whose text needs no escaping.

    Raises ValueError(line in ``text``, message) on bad input.
    """
    marker = "EOT"
    while re.search(rf"^[ \t]*{marker}[ \t]*\r?$", text, re.M):
        marker += "_"
    try:
        node = parse_expression(f"<<{marker}\n{text}\n{marker}\n")
    except ValueError as exc:
        line, message = exc.args
        raise ValueError(max((line or 2) - 1, 1), message) from None
    return _without_final_newline(node)


def _without_final_newline(node: list) -> list:
    """A heredoc's text ends with the newline before its marker; the template did not."""
    if node[0] == "lit" and isinstance(node[1], str) and node[1].endswith("\n"):
        return ["lit", node[1][:-1]]
    if node[0] != "tmpl":
        return node
    parts = list(node[1])
    if parts and isinstance(parts[-1], str) and parts[-1].endswith("\n"):
        parts[-1] = parts[-1][:-1]
        if not parts[-1]:
            parts.pop()
    if len(parts) == 1 and not isinstance(parts[0], str) and parts[0][0] == "i":
        return parts[0][1]  # "${x}" is x itself
    if all(isinstance(part, str) for part in parts):
        return ["lit", "".join(parts)]
    return ["tmpl", parts]


def parse_expression(text: str) -> list:
    """Parse one expression (a --var value, a heredoc interpolation).

    Raises ValueError(line, message) on bad input.
    """
    parsed = parse_text(f"v = {text}\n")
    if parsed["errors"]:
        line, message = parsed["errors"][0]
        raise ValueError(line, message)
    body_attrs = [b for b in parsed["blocks"] if b["type"] == "__attrs__"]
    return body_attrs[0]["attrs"]["v"][0]


def failed(line: int | None, message: str) -> dict:
    return {"v": SCHEMA, "blocks": [], "comments": [], "errors": [[line, message]]}


# ---------------------------------------------------------------------------
# strings and templates
# ---------------------------------------------------------------------------

ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)


def unescape(text: str) -> str:
    """Resolve the escapes HCL allows in quoted strings."""
    if "\\" not in text:
        return text
    return _ESCAPE_RE.sub(escaped, text)


def escaped(match: re.Match) -> str:
    """What the escape ``match`` (its group 1: what follows the backslash) stands for; one HCL
    does not allow, or a code point that is no Unicode character, stays as written."""
    code = match.group(1)
    if code[0] in "uU" and len(code) > 1:
        point = int(code[1:], 16)
        return chr(point) if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF else match.group(0)
    return ESCAPES.get(code, match.group(0))


def number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 2**63 else value


_HEREDOC_RE = re.compile(r"\A<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)[ \t]*\2\r?\n?\Z", re.S)


def read_heredoc(raw: str) -> tuple[list, str | None]:
    """A heredoc's source text (``<<EOT`` to its closing marker) as an
    expression, and the message of the error that spoils it, if any. Both
    parsers read heredocs here, from their text."""
    match = _HEREDOC_RE.match(raw)
    if match is None:
        return ["error", "malformed heredoc"], "malformed heredoc"
    body = match.group(3)
    if match.group(1):
        body = _dedent(body)
    try:
        flat = _split_template(body)
    except ConvertError as exc:
        return ["error", f"heredoc template: {exc}"], f"heredoc template: {exc}"
    expr = template(flat)
    return expr, (expr[1] if expr[0] == "error" else None)


def _dedent(body: str) -> str:
    """`<<-` heredocs: drop the indentation common to all non-blank lines."""
    lines = body.split("\n")
    widths = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return "\n".join(line[cut:] for line in lines)


# -- template text (heredocs) -------------------------------------------------

_FOR_HEAD_RE = re.compile(r"\Afor\s+([A-Za-z_][\w-]*)(?:\s*,\s*([A-Za-z_][\w-]*))?\s+in\s+(.+)\Z", re.S)


def _split_template(text: str) -> list:
    """Split heredoc text into literal text and ${...} / %{...} markers."""
    flat: list = []
    literal: list = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "$%" and text.startswith(ch + ch + "{", i):
            literal.append(ch + "{")
            i += 3
            continue
        if ch in "$%" and text.startswith(ch + "{", i):
            end = _matching_brace(text, i + 2)
            inner = text[i + 2 : end]
            strip_open = inner.startswith("~")
            strip_close = inner.endswith("~") and len(inner) > 1
            inner = inner[1 if strip_open else 0 : len(inner) - 1 if strip_close else len(inner)].strip()
            if literal:
                flat.append("".join(literal))
                literal = []
            if ch == "$":
                flat.append(("i", _sub_expression(inner), strip_open, strip_close))
            else:
                flat.append(_directive(inner, strip_open, strip_close))
            i = end + 1
            continue
        literal.append(ch)
        i += 1
    if literal:
        flat.append("".join(literal))
    return flat


def _matching_brace(text: str, start: int) -> int:
    """Index of the '}' closing an interpolation whose body starts at `start`."""
    depth = 0
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = _string_end(text, i + 1)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise ConvertError("unterminated template sequence")


def _string_end(text: str, start: int) -> int:
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return i + 1
        if ch in "$%" and text.startswith(ch + "{", i):
            i = _matching_brace(text, i + 2) + 1
            continue
        i += 1
    raise ConvertError("unterminated string in template")


def _sub_expression(text: str) -> list:
    if not text:
        raise ConvertError("empty interpolation")
    try:
        return parse_expression(text)
    except ValueError as exc:
        raise ConvertError(f"{exc.args[-1]} in {text!r}") from None


def _directive(inner: str, strip_open: bool, strip_close: bool) -> tuple:
    word = inner.split(None, 1)[0] if inner else ""
    if word == "if":
        return ("if", _sub_expression(inner[2:].strip()), strip_open, strip_close)
    if word in ("else", "endif", "endfor") and inner == word:
        return (word, None, strip_open, strip_close)
    if word == "for":
        match = _FOR_HEAD_RE.match(inner)
        if match is None:
            raise ConvertError(f"malformed for directive {inner!r}")
        first, second, collection = match.groups()
        pair = (first, second) if second is not None else (None, first)
        return ("for", (pair, _sub_expression(collection.strip())), strip_open, strip_close)
    raise ConvertError(f"unknown template directive {inner!r}")


def template(flat: list) -> list:
    """Apply ~ strip markers, nest if/for directives, and build a tmpl node."""
    flat = list(flat)
    for index, item in enumerate(flat):
        if isinstance(item, str):
            continue
        _, _, strip_open, strip_close = item
        if strip_open and index > 0 and isinstance(flat[index - 1], str):
            flat[index - 1] = flat[index - 1].rstrip()
        if strip_close and index + 1 < len(flat) and isinstance(flat[index + 1], str):
            flat[index + 1] = flat[index + 1].lstrip()
    try:
        parts, stop = _nest(flat, 0, ())
    except ConvertError as exc:
        return ["error", str(exc)]
    if stop < len(flat):
        return ["error", f"unexpected %{{{flat[stop][0]}}} in template"]
    if len(parts) == 1 and not isinstance(parts[0], str) and parts[0][0] == "i":
        return parts[0][1]  # "${x}" is x itself, not its string form
    if all(isinstance(part, str) for part in parts):
        return ["lit", "".join(parts)]
    return ["tmpl", parts]


def _nest(flat: list, index: int, enders: tuple) -> tuple:
    parts: list = []
    while index < len(flat):
        item = flat[index]
        if isinstance(item, str):
            if item:
                if parts and isinstance(parts[-1], str):
                    parts[-1] += item
                else:
                    parts.append(item)
            index += 1
            continue
        kind = item[0]
        if kind in enders:
            return parts, index
        if kind == "i":
            parts.append(["i", item[1]])
            index += 1
        elif kind == "if":
            then, index = _nest(flat, index + 1, ("else", "endif"))
            otherwise: list = []
            if index < len(flat) and flat[index][0] == "else":
                otherwise, index = _nest(flat, index + 1, ("endif",))
            if index >= len(flat) or flat[index][0] != "endif":
                raise ConvertError("%{if} without %{endif}")
            parts.append(["if", item[1], then, otherwise])
            index += 1
        elif kind == "for":
            (key, name), collection = item[1]
            body, index = _nest(flat, index + 1, ("endfor",))
            if index >= len(flat):
                raise ConvertError("%{for} without %{endfor}")
            parts.append(["for", key, name, collection, body])
            index += 1
        else:
            return parts, index
    return parts, index
