"""Turn one HCL file into a plain-data form, once, with an on-disk cache.

python-hcl2 builds a typed tree that is slow to build and impossible to cache.
This module walks that tree once and keeps only what evaluation needs, as
nested lists, dicts, str, int, float, bool and None, so the result can be
stored as JSON keyed by the file content and reused by later runs.

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

import re
from typing import Any

import hcl2
import lark
from hcl2.rules import base as r_base
from hcl2.rules import containers as r_cont
from hcl2.rules import directives as r_dir
from hcl2.rules import expressions as r_expr
from hcl2.rules import for_expressions as r_for
from hcl2.rules import functions as r_fn
from hcl2.rules import indexing as r_idx
from hcl2.rules import literal_rules as r_lit
from hcl2.rules import strings as r_str
from hcl2.rules.abstract import LarkRule, LarkToken
from hcl2.rules.whitespace import NewLineOrCommentRule

# the on-disk cache (cache.py, which does not import the parser) keys entries
# by content, versions and this file's source; SCHEMA is the plain form's version
from vpclint.load.hcl.cache import SCHEMA


class ConvertError(Exception):
    """A construct inside a parsed file that cannot be read (bad heredoc template)."""


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


def parse_text(text: str) -> dict:
    """Parse HCL source text into the plain form; never raises."""
    text = text.replace("\r\n", "\n")
    try:
        tree = hcl2.parses(text)
    except RecursionError:
        return _failed(None, "the file is nested too deeply to parse")
    except lark.exceptions.UnexpectedInput as exc:
        return _failed(_error_line(exc, text), _describe_parse_error(exc))
    except lark.exceptions.VisitError as exc:
        if isinstance(exc.orig_exc, RecursionError):
            return _failed(None, "the file is nested too deeply to parse")
        meta = getattr(exc.obj, "meta", None)
        line = getattr(meta, "line", None) if meta is not None and not getattr(meta, "empty", True) else None
        detail = str(exc.orig_exc)
        return _failed(line, f"syntax error: {detail[:1].lower()}{detail[1:]}")
    except Exception as exc:  # the parser has no narrower contract than this
        return _failed(None, f"syntax error: {exc}")
    converter = _Converter()
    try:
        blocks = converter.body(tree.body)
        comments = _comments(tree)
    except RecursionError:
        return _failed(None, "the file is nested too deeply to read")
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


def _comments(tree: LarkRule) -> list:
    """Every comment in the tree as [line, text], in line order.

    Comments live in new_line_or_comment rules (with a position) and, before a
    continued binary operator or '?', inside the operator token itself, whose
    position is the operator's line. (Exact type checks: isinstance against
    the tree's abstract base classes costs more than the rest of the walk.)
    """
    found: list = []
    stack: list = [tree]
    pop, push = stack.pop, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is NewLineOrCommentRule:
            line = _meta_line(node)
            if line is not None:
                _scan_comments("".join(str(child.value) for child in node._children), line, found)
            continue
        if kind is r_lit.BinaryOperatorRule:
            value = str(node.token.value)
            line = _meta_line(node)
            if "\n" in value and line is not None:
                _scan_comments(value, line - value.count("\n"), found)
            continue
        if kind is r_expr.ConditionalRule:
            value = str(getattr(node.children[2], "value", ""))
            line = _meta_line(node.children[3] or node.children[4])
            if "\n" in value and line is not None:
                _scan_comments(value, line - value.count("\n"), found)
        children = getattr(node, "_children", None)
        if children:
            push(children)
    found.sort()
    return found


def _scan_comments(text: str, first_line: int, found: list) -> None:
    for match in _COMMENT_RE.finditer(text):
        line = first_line + text.count("\n", 0, match.start())
        found.append([line, match.group(0).rstrip()])


def _meta_line(node: Any) -> int | None:
    meta = getattr(node, "_meta", None)
    if meta is None or getattr(meta, "empty", True):
        return None
    return getattr(meta, "line", None)


def _meta_end_line(node: Any) -> int | None:
    meta = getattr(node, "_meta", None)
    if meta is None or getattr(meta, "empty", True):
        return None
    return getattr(meta, "end_line", None)


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
    """Walks the typed hcl2 tree and emits the plain form."""

    def __init__(self) -> None:
        self.errors: list = []

    # -- structure ---------------------------------------------------------

    def body(self, body: r_base.BodyRule) -> list:
        """Top-level body: blocks, plus bare attributes (tfvars) in a pseudo block."""
        blocks = []
        attrs: dict = {}
        for child in body.children:
            if isinstance(child, r_base.BlockRule):
                blocks.append(self.block(child))
            elif isinstance(child, r_base.AttributeRule):
                self._attribute(child, attrs)
        if attrs:
            blocks.append({"type": "__attrs__", "labels": [], "line": 1, "end_line": 1, "attrs": attrs, "blocks": []})
        return blocks

    def block(self, block: r_base.BlockRule) -> dict:
        labels = block.labels
        attrs: dict = {}
        nested = []
        for child in block.body.children:
            if isinstance(child, r_base.BlockRule):
                nested.append(self.block(child))
            elif isinstance(child, r_base.AttributeRule):
                self._attribute(child, attrs)
        return {
            "type": self._label(labels[0]),
            "labels": [self._label(label) for label in labels[1:]],
            "line": _meta_line(block),
            "end_line": _meta_end_line(block),
            "attrs": attrs,
            "blocks": nested,
        }

    def _attribute(self, attr: r_base.AttributeRule, attrs: dict) -> None:
        name = str(attr.identifier.token.value)
        line = _meta_line(attr)
        if name in attrs:
            self.errors.append([line, f"attribute {name!r} is defined more than once (first on line {attrs[name][1]})"])
            return
        attrs[name] = [self.expr(attr.expression), line]

    def _label(self, label: Any) -> str:
        if isinstance(label, r_str.StringRule):
            return "".join(
                _unescape(str(part.content.value)) if isinstance(part.content, LarkToken) else ""
                for part in label.string_parts
            )
        return str(label.token.value)

    # -- expressions -------------------------------------------------------

    def expr(self, node: Any) -> list:
        while type(node) is r_expr.ExprTermRule:  # parentheses and wrappers: no frame each
            node = node.expression
        method = _DISPATCH.get(type(node))
        if method is None:
            return ["error", f"unsupported expression {type(node).__name__}"]
        return method(self, node)

    def _identifier(self, node: r_lit.IdentifierRule) -> list:
        return ["var", str(node.token.value)]

    def _literal(self, node: r_lit.LiteralValueRule) -> list:
        return ["lit", {"true": True, "false": False, "null": None}[str(node.token.value)]]

    def _int(self, node: r_lit.IntLitRule) -> list:
        return ["lit", _number(str(node.token.value))]

    _float = _int

    def _tuple(self, node: r_cont.TupleRule) -> list:
        return ["tuple", [self.expr(element) for element in node.elements]]

    def _object(self, node: r_cont.ObjectRule) -> list:
        items = []
        for element in node.elements:
            key = element.key
            if isinstance(key, r_cont.ObjectElemKeyExpressionRule):
                key_expr = self.expr(key.expression)
            else:
                inner = key.value
                if isinstance(inner, r_lit.IdentifierRule):
                    key_expr = ["lit", str(inner.token.value)]
                elif isinstance(inner, (r_lit.IntLitRule, r_lit.FloatLitRule)):
                    key_expr = ["lit", str(inner.token.value)]
                else:
                    key_expr = self.expr(inner)
            items.append([key_expr, self.expr(element.expression)])
        return ["object", items]

    def _call(self, node: r_fn.FunctionCallRule) -> list:
        name = "::".join(str(ident.token.value) for ident in node.identifiers)
        args = node.arguments
        if args is None:
            return ["call", name, [], False]
        return ["call", name, [self.expr(arg) for arg in args.arguments], args.has_ellipsis]

    def _get_attr(self, node: r_idx.GetAttrExprTermRule) -> list:
        return ["attr", self.expr(node.expr_term), str(node.get_attr.identifier.token.value)]

    def _index(self, node: r_idx.IndexExprTermRule) -> list:
        return ["index", self.expr(node.children[0]), self._index_key(node.children[1])]

    def _index_key(self, index: Any) -> list:
        if isinstance(index, r_idx.ShortIndexRule):
            return ["lit", int(str(index.index.value))]
        return self.expr(index.index_expression)

    def _splat(self, node: Any) -> list:
        ops = []
        for accessor in node.children[1].get_attrs:
            if isinstance(accessor, r_idx.GetAttrRule):
                ops.append(["attr", str(accessor.identifier.token.value)])
            else:
                ops.append(["index", self._index_key(accessor)])
        return ["splat", self.expr(node.expr_term), ops]

    def _conditional(self, node: r_expr.ConditionalRule) -> list:
        return ["cond", self.expr(node.condition), self.expr(node.if_true), self.expr(node.if_false)]

    def _binary(self, node: r_expr.BinaryOpRule) -> list:
        term = node.binary_term
        # a continued line carries the new line (and any comment) in the token
        operator = str(term.binary_operator.token.value).rsplit("\n", 1)[-1].strip()
        return ["binop", operator, self.expr(node.expr_term), self.expr(term.expr_term)]

    def _unary(self, node: r_expr.UnaryOpRule) -> list:
        operator = node.operator.strip()
        operand = self.expr(node.expr_term)
        if operator == "-" and operand[0] == "lit" and type(operand[1]) in (int, float):
            return ["lit", -operand[1]]
        return ["unop", operator, operand]

    def _for_intro(self, intro: r_for.ForIntroRule) -> tuple:
        first = str(intro.first_iterator.token.value)
        second = intro.second_iterator
        if second is None:
            return None, first, self.expr(intro.iterable)
        return first, str(second.token.value), self.expr(intro.iterable)

    def _for_tuple(self, node: r_for.ForTupleExprRule) -> list:
        key, value, collection = self._for_intro(node.for_intro)
        cond = self.expr(node.condition.condition_expr) if node.condition is not None else None
        return ["fortuple", key, value, collection, self.expr(node.value_expr), cond]

    def _for_object(self, node: r_for.ForObjectExprRule) -> list:
        key, value, collection = self._for_intro(node.for_intro)
        cond = self.expr(node.condition.condition_expr) if node.condition is not None else None
        return [
            "forobject", key, value, collection,
            self.expr(node.key_expr), self.expr(node.value_expr), cond, node.ellipsis is not None,
        ]

    def _template_string(self, node: r_str.TemplateStringRule) -> list:
        return ["lit", _unescape(node.inner_value)]

    # -- templates ---------------------------------------------------------

    def _string(self, node: r_str.StringRule) -> list:
        flat: list = []
        for part in node.string_parts:
            self._flatten_part(part.content, flat)
        return self._checked(node, _template(flat))

    def _checked(self, node: Any, expr: list) -> list:
        """A template that could not be assembled is also a load error at its line."""
        if expr[0] == "error":
            self.errors.append([_meta_line(node), expr[1]])
        return expr

    def _flatten_part(self, content: Any, flat: list) -> None:
        """Quoted-string parts as a flat list of text and directive markers."""
        if isinstance(content, LarkToken):
            kind = content.lark_name()
            value = str(content.value)
            if kind in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                flat.append(value[1:])  # $${ -> ${ and %%{ -> %{
            else:
                flat.append(_unescape(value))
        elif isinstance(content, r_str.InterpolationRule):
            flat.append(("i", self.expr(content.expression), False, False))
        elif isinstance(content, (r_dir.TemplateIfRule, r_dir.TemplateForRule)):
            for child in content.children:
                self._flatten_part(child, flat)
        elif isinstance(content, r_str.StringPartRule):
            self._flatten_part(content.content, flat)
        elif isinstance(content, r_dir.TemplateIfStartRule):
            flat.append(("if", self.expr(content.condition), content.strip_open, content.strip_close))
        elif isinstance(content, r_dir.TemplateElseRule):
            flat.append(("else", None, content.strip_open, content.strip_close))
        elif isinstance(content, r_dir.TemplateEndifRule):
            flat.append(("endif", None, content.strip_open, content.strip_close))
        elif isinstance(content, r_dir.TemplateForStartRule):
            key = content.key_iterator
            names = (str(content.iterator.token.value), str(key.token.value) if key is not None else None)
            # `%{for k, v in x}`: the first name is the key when there are two
            pair = (names[0], names[1]) if names[1] is not None else (None, names[0])
            flat.append(("for", (pair, self.expr(content.collection)), content.strip_open, content.strip_close))
        elif isinstance(content, r_dir.TemplateEndforRule):
            flat.append(("endfor", None, content.strip_open, content.strip_close))
        else:
            flat.append(("i", ["error", f"unsupported template part {type(content).__name__}"], False, False))

    def _heredoc(self, node: r_str.HeredocTemplateRule) -> list:
        raw = str(node.heredoc.value)
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
        return self._checked(node, _template(flat))

    def _fail(self, node: Any, message: str) -> list:
        self.errors.append([_meta_line(node), message])
        return ["error", message]


_DISPATCH = {
    r_lit.IdentifierRule: _Converter._identifier,
    r_lit.LiteralValueRule: _Converter._literal,
    r_lit.IntLitRule: _Converter._int,
    r_lit.FloatLitRule: _Converter._float,
    r_cont.TupleRule: _Converter._tuple,
    r_cont.ObjectRule: _Converter._object,
    r_fn.FunctionCallRule: _Converter._call,
    r_idx.GetAttrExprTermRule: _Converter._get_attr,
    r_idx.IndexExprTermRule: _Converter._index,
    r_idx.AttrSplatExprTermRule: _Converter._splat,
    r_idx.FullSplatExprTermRule: _Converter._splat,
    r_expr.ConditionalRule: _Converter._conditional,
    r_expr.BinaryOpRule: _Converter._binary,
    r_expr.UnaryOpRule: _Converter._unary,
    r_for.ForTupleExprRule: _Converter._for_tuple,
    r_for.ForObjectExprRule: _Converter._for_object,
    r_str.StringRule: _Converter._string,
    r_str.TemplateStringRule: _Converter._template_string,
    r_str.HeredocTemplateRule: _Converter._heredoc,
    r_str.HeredocTrimTemplateRule: _Converter._heredoc,
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
