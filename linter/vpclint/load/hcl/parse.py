"""Turn one HCL file into a plain-data form, once, with an on-disk cache.

python-hcl2 parses with lark, then turns lark's tree into a typed tree that
is slow to build (a third of its time) and impossible to cache. This module
takes lark's tree (``hcl2.api.parses_to_tree``, a public stage of python-hcl2's
pipeline, its grammar ``hcl2.lark``), walks it once and keeps only what
evaluation needs, as nested lists, dicts, str, int, float, bool and None, so
the result can be stored as JSON keyed by the file content and reused by
later runs.

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
from typing import Any, Iterator

import hcl2
import lark
from lark import Token, Tree

# the on-disk cache (cache.py, which does not import the parser) keys entries
# by content, versions and this file's source; SCHEMA is the plain form's version
from vpclint.load.hcl.cache import SCHEMA


class ConvertError(Exception):
    """A construct inside a parsed file that cannot be read (bad heredoc template)."""


class _FileError(Exception):
    """A file python-hcl2 itself would refuse after parsing: an unterminated
    template directive in a quoted string."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line


_NL = "new_line_or_comment"


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
        return _failed(line, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})")
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
    """Parse HCL source text into the plain form; never raises."""
    with _collector_paused():
        return _parse_text(text)


def _parse_text(text: str) -> dict:
    text = text.replace("\r\n", "\n")
    try:
        tree = hcl2.api.parses_to_tree(text)
    except RecursionError:
        return _failed(None, "the file is nested too deeply to parse")
    except lark.exceptions.UnexpectedInput as exc:
        return _failed(_error_line(exc, text), _describe_parse_error(exc))
    except Exception as exc:  # the parser has no narrower contract than this
        return _failed(None, f"syntax error: {exc}")
    converter = _Converter()
    try:
        blocks = converter.body(tree.children[0])
        comments = _comments(tree)
    except _FileError as exc:
        detail = str(exc)
        return _failed(exc.line, f"syntax error: {detail[:1].lower()}{detail[1:]}")
    except RecursionError:
        return _failed(None, "the file is nested too deeply to parse")
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:  # a tree shape not foreseen
        return _failed(None, f"internal error reading the parse tree ({type(exc).__name__}: {exc}); "
                             "please report it with this file")
    return {"v": SCHEMA, "blocks": blocks, "comments": comments, "errors": converter.errors}


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


def _failed(line: int | None, message: str) -> dict:
    return {"v": SCHEMA, "blocks": [], "comments": [], "errors": [[line, message]]}


def _error_line(exc: lark.exceptions.UnexpectedInput, text: str) -> int:
    """The 1-based line of a parse error; the end of the input is its last line."""
    last = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    line = getattr(exc, "line", None)
    if isinstance(line, int) and 0 < line <= last:
        return line
    return last


_TOKEN_NAMES = {
    "RBRACE": "'}'", "LBRACE": "'{'", "RSQB": "']'", "LSQB": "'['", "RPAR": "')'", "LPAR": "'('",
    "EQ": "'='", "COLON": "':'", "COMMA": "','", "DBLQUOTE": "'\"'", "NAME": "a name",
    "NL_OR_COMMENT": "a new line", "QMARK": "'?'", "DOT": "'.'", "STRING_CHARS": "text",
}


def _describe_parse_error(exc: lark.exceptions.UnexpectedInput) -> str:
    if isinstance(exc, lark.exceptions.UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            found = "unexpected end of file"
        else:
            value = str(token.value)
            if not value.strip():
                found = "unexpected new line" if "\n" in value else "unexpected whitespace"
            else:
                shown = value.strip().splitlines()[0][:30]
                found = f"unexpected token {shown!r}"
        expected = sorted({_TOKEN_NAMES[name] for name in exc.expected if name in _TOKEN_NAMES})
        if expected and len(exc.expected) <= 6:
            found += f", expected {' or '.join(expected)}"
        return found
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    if isinstance(exc, lark.exceptions.UnexpectedEOF):
        return "unexpected end of file"
    return f"syntax error: {exc}"


# ---------------------------------------------------------------------------
# comments
# ---------------------------------------------------------------------------

_COMMENT_RE = re.compile(r"#[^\n]*|//[^\n]*|/\*.*?\*/", re.S)

# operator tokens into which the parser's post-lexer merges the new line (and
# any comment) before a continued line
_OPERATORS = frozenset({"DOUBLE_EQ", "NEQ", "LT", "GT", "LEQ", "GEQ", "ASTERISK", "SLASH", "PERCENT",
                        "DOUBLE_AMP", "DOUBLE_PIPE", "PLUS", "QMARK"})


def _comments(tree: Tree) -> list:
    """Every comment in the tree as [line, text], in line order: in new-line
    tokens, and in an operator token that carries the line break before it."""
    found: list = []
    for token in tree.scan_values(lambda value: isinstance(value, Token)):
        if token.type == "NL_OR_COMMENT":
            value = str(token)
            if "#" in value or "/" in value:
                _scan_comments(value, token.line, found)
        elif token.type in _OPERATORS:
            value = str(token)
            if "\n" in value:  # the token keeps the operator's line
                _scan_comments(value, token.line - value.count("\n"), found)
    found.sort()
    return found


def _scan_comments(text: str, first_line: int, found: list) -> None:
    for match in _COMMENT_RE.finditer(text):
        line = first_line + text.count("\n", 0, match.start())
        found.append([line, match.group(0).rstrip()])


def _line(node: Tree) -> int | None:
    meta = node._meta
    return None if meta is None or meta.empty else meta.line


def _end_line(node: Tree) -> int | None:
    meta = node._meta
    return None if meta is None or meta.empty else meta.end_line


def _parts(node: Tree) -> list:
    """A rule's children that are syntax, not punctuation or layout."""
    return [child for child in node.children if isinstance(child, Tree) and child.data != _NL]


# ---------------------------------------------------------------------------
# tree -> plain form
# ---------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)


def _unescape(text: str) -> str:
    """Resolve the escapes HCL allows in quoted strings."""
    if "\\" not in text:
        return text

    def repl(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, match.group(0))

    return _ESCAPE_RE.sub(repl, text)


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 2**63 else value


class _Converter:
    """Walks python-hcl2's lark tree and emits the plain form."""

    def __init__(self) -> None:
        self.errors: list = []

    # -- structure ---------------------------------------------------------

    def body(self, body: Tree) -> list:
        """Top-level body: blocks, plus bare attributes (tfvars) in a pseudo block."""
        attrs, blocks = self._contents(body)
        if attrs:
            blocks.append({"type": "__attrs__", "labels": [], "line": 1, "end_line": 1, "attrs": attrs, "blocks": []})
        return blocks

    def block(self, block: Tree) -> dict:
        labels = [self._label(child) for child in _parts(block) if child.data != "body"]
        attrs, nested = self._contents(next(child for child in _parts(block) if child.data == "body"))
        return {"type": labels[0], "labels": labels[1:], "line": _line(block), "end_line": _end_line(block),
                "attrs": attrs, "blocks": nested}

    def _contents(self, body: Tree) -> tuple[dict, list]:
        """A body's attributes and nested blocks."""
        attrs: dict = {}
        blocks = []
        for child in _parts(body):
            if child.data == "block":
                blocks.append(self.block(child))
            elif child.data == "attribute":
                self._attribute(child, attrs)
        return attrs, blocks

    def _attribute(self, attr: Tree, attrs: dict) -> None:
        name_node, _, expression = attr.children
        name = str(name_node.children[0])
        line = _line(attr)
        if name in attrs:
            self.errors.append([line, f"attribute {name!r} is defined more than once (first on line {attrs[name][1]})"])
            return
        attrs[name] = [self.expr(expression), line]

    def _label(self, label: Tree) -> str:
        if label.data == "string":
            out = []
            for part in label.children:
                if isinstance(part, Tree):  # string_part
                    content = part.children[0]
                    out.append(_unescape(str(content)) if isinstance(content, Token) else "")
            return "".join(out)
        return str(label.children[0])

    # -- expressions -------------------------------------------------------

    def expr(self, node: Any) -> list:
        while node.data == "expr_term":
            node = _parts(node)[0]
        method = _DISPATCH.get(node.data)
        if method is None:
            return ["error", f"unsupported expression {node.data}"]
        return method(self, node)

    def _identifier(self, node: Tree) -> list:
        return ["var", str(node.children[0])]

    def _literal(self, node: Tree) -> list:
        return ["lit", {"true": True, "false": False, "null": None}[str(node.children[0])]]

    def _int(self, node: Tree) -> list:
        return ["lit", _number(str(node.children[0]))]

    def _tuple(self, node: Tree) -> list:
        return ["tuple", [self.expr(element) for element in _parts(node)]]

    def _object(self, node: Tree) -> list:
        items = []
        for element in _parts(node):  # object_elem: key, EQ/COLON, expression
            key_node, _, value = element.children
            (key,) = key_node.children
            items.append([self._object_key(key), self.expr(value)])
        return ["object", items]

    def _object_key(self, key: Tree) -> list:
        if key.data == "keyword":
            return ["lit", str(key.children[0])]
        if key.data == "expr_term" and len(key.children) == 1:
            inner = key.children[0]
            if inner.data in ("identifier", "literal_value", "int_lit", "float_lit"):
                return ["lit", str(inner.children[0])]
            if inner.data == "string":
                return self.expr(inner)
        return self.expr(key)

    def _call(self, node: Tree) -> list:
        names = [str(c.children[0]) for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        arguments = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        if arguments is None:
            return ["call", "::".join(names), [], False]
        ellipsis = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments.children)
        return ["call", "::".join(names), [self.expr(arg) for arg in _parts(arguments)], ellipsis]

    def _get_attr(self, node: Tree) -> list:
        term, get_attr = node.children
        return ["attr", self.expr(term), str(_parts(get_attr)[0].children[0])]

    def _index(self, node: Tree) -> list:
        term, index = node.children
        return ["index", self.expr(term), self._index_key(index)]

    def _index_key(self, index: Tree) -> list:
        if index.data == "short_index":
            return ["lit", int(str(index.children[1]))]
        return self.expr(_parts(index)[0])

    def _splat(self, node: Tree) -> list:
        term, splat = node.children
        ops = []
        for accessor in _parts(splat):
            if accessor.data == "get_attr":
                ops.append(["attr", str(_parts(accessor)[0].children[0])])
            else:
                ops.append(["index", self._index_key(accessor)])
        return ["splat", self.expr(term), ops]

    def _conditional(self, node: Tree) -> list:
        condition, if_true, if_false = _parts(node)
        return ["cond", self.expr(condition), self.expr(if_true), self.expr(if_false)]

    def _binary(self, node: Tree) -> list:
        left, term = _parts(node)
        operator_node, right = _parts(term)
        operator = str(operator_node.children[0]).rsplit("\n", 1)[-1].strip()
        return ["binop", operator, self.expr(left), self.expr(right)]

    def _unary(self, node: Tree) -> list:
        operator = str(node.children[0]).strip()
        operand = self.expr(node.children[1])
        if operator == "-" and operand[0] == "lit" and type(operand[1]) in (int, float):
            return ["lit", -operand[1]]
        return ["unop", operator, operand]

    def _for_intro(self, intro: Tree) -> tuple:
        names = [str(c.children[0]) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
        collection = [c for c in _parts(intro) if c.data != "identifier"][-1]
        if len(names) == 1:
            return None, names[0], self.expr(collection)
        return names[0], names[1], self.expr(collection)

    def _for_parts(self, node: Tree) -> tuple:
        intro = cond = None
        exprs = []
        for child in _parts(node):
            if child.data == "for_intro":
                intro = child
            elif child.data == "for_cond":
                cond = self.expr(_parts(child)[0])
            else:
                exprs.append(child)
        return intro, exprs, cond

    def _for_tuple(self, node: Tree) -> list:
        intro, (value,), cond = self._for_parts(node)
        key, name, collection = self._for_intro(intro)
        return ["fortuple", key, name, collection, self.expr(value), cond]

    def _for_object(self, node: Tree) -> list:
        intro, (key_expr, value_expr), cond = self._for_parts(node)
        key, name, collection = self._for_intro(intro)
        grouped = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        return ["forobject", key, name, collection, self.expr(key_expr), self.expr(value_expr), cond, grouped]

    def _template_string(self, node: Tree) -> list:
        raw = str(node.children[0])
        if raw.startswith('\\"') and raw.endswith('\\"'):
            raw = raw[2:-2]
        return ["lit", _unescape(raw)]

    # -- templates ---------------------------------------------------------

    def _string(self, node: Tree) -> list:
        flat: list = []
        depth: list = []  # open if/for directives, as the parser's transformer checks them
        for part in node.children:
            if isinstance(part, Tree):
                self._flatten_part(part.children[0], flat, depth)
        if depth:
            raise _FileError(_line(node), f"Unterminated template {depth[-1]} directive")
        expr = _template(flat)
        if expr[0] == "error":
            self.errors.append([_line(node), expr[1]])
        return expr

    def _flatten_part(self, content: Any, flat: list, depth: list) -> None:
        if isinstance(content, Token):
            value = str(content)
            if content.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                flat.append(value[1:])  # $${ -> ${ and %%{ -> %{
            else:
                flat.append(_unescape(value))
            return
        kind = content.data
        children = content.children
        strip_open = len(children) > 1 and isinstance(children[1], Token) and children[1].type == "STRIP_MARKER"
        strip_close = len(children) > 2 and isinstance(children[-2], Token) and children[-2].type == "STRIP_MARKER"
        if kind == "interpolation":
            flat.append(("i", self.expr(_parts(content)[0]), False, False))
        elif kind == "template_if_start":
            depth.append("if")
            flat.append(("if", self.expr(_parts(content)[0]), strip_open, strip_close))
        elif kind == "template_else":
            flat.append(("else", None, strip_open, strip_close))
        elif kind == "template_endif":
            if depth and depth[-1] == "if":
                depth.pop()
            flat.append(("endif", None, strip_open, strip_close))
        elif kind == "template_for_start":
            depth.append("for")
            parts = _parts(content)
            names = [str(p.children[0]) for p in parts if p.data == "identifier"]
            collection = [p for p in parts if p.data != "identifier"][-1]
            pair = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            flat.append(("for", (pair, self.expr(collection)), strip_open, strip_close))
        elif kind == "template_endfor":
            if depth and depth[-1] == "for":
                depth.pop()
            flat.append(("endfor", None, strip_open, strip_close))
        else:
            flat.append(("i", ["error", f"unsupported template part {kind}"], False, False))

    def _heredoc(self, node: Tree) -> list:
        raw = str(node.children[0])
        match = _HEREDOC_RE.match(raw)
        if match is None:
            return self._fail(node, "malformed heredoc")
        body = match.group(3)
        if match.group(1):
            body = _dedent(body)
        try:
            flat = _split_template(body)
        except ConvertError as exc:
            return self._fail(node, f"heredoc template: {exc}")
        expr = _template(flat)
        if expr[0] == "error":
            self.errors.append([_line(node), expr[1]])
        return expr

    def _fail(self, node: Tree, message: str) -> list:
        self.errors.append([_line(node), message])
        return ["error", message]


_DISPATCH = {
    "identifier": _Converter._identifier,
    "literal_value": _Converter._literal,
    "int_lit": _Converter._int,
    "float_lit": _Converter._int,
    "tuple": _Converter._tuple,
    "object": _Converter._object,
    "function_call": _Converter._call,
    "get_attr_expr_term": _Converter._get_attr,
    "index_expr_term": _Converter._index,
    "attr_splat_expr_term": _Converter._splat,
    "full_splat_expr_term": _Converter._splat,
    "conditional": _Converter._conditional,
    "binary_op": _Converter._binary,
    "unary_op": _Converter._unary,
    "for_tuple_expr": _Converter._for_tuple,
    "for_object_expr": _Converter._for_object,
    "string": _Converter._string,
    "template_string": _Converter._template_string,
    "heredoc_template": _Converter._heredoc,
    "heredoc_template_trim": _Converter._heredoc,
}

_HEREDOC_RE = re.compile(r"\A<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n(.*?)[ \t]*\2\r?\n?\Z", re.S)


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


def _template(flat: list) -> list:
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
