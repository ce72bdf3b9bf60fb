"""Read an HCL file with python-hcl2 into the plain form (parse.py).

python-hcl2 parses with lark, then turns lark's tree into a typed tree that
is slow to build and impossible to cache. This module takes lark's tree
(``hcl2.api.parses_to_tree``, a public stage of python-hcl2's pipeline, its
grammar ``hcl2.lark``) and walks it once. parse.py reads a file with
tree-sitter-hcl first (treesitter.py) and with this module where
tree-sitter-hcl refuses it; a file both refuse gets python-hcl2's message.
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
import lark
from lark import Token, Tree

from vpclint.load.hcl.parse import SCHEMA, Refused, failed, number, read_heredoc, template, unescape


class _FileError(Exception):
    """A file python-hcl2 itself would refuse after parsing: an unterminated
    template directive in a quoted string."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line


_NL = "new_line_or_comment"


def read(text: str) -> dict:
    """The plain form of HCL source text (new lines already ``\\n``).

    Raises Refused where python-hcl2's grammar does not accept the text.
    """
    try:
        tree = hcl2.api.parses_to_tree(text)
    except RecursionError:
        return failed(None, "the file is nested too deeply to parse")
    except lark.exceptions.UnexpectedInput as exc:
        raise Refused(_error_line(exc, text), _describe_parse_error(exc)) from None
    except Exception as exc:  # the parser has no narrower contract than this
        return failed(None, f"syntax error: {exc}")
    converter = _Converter()
    try:
        blocks = converter.body(tree.children[0])
        comments = _comments(tree)
    except _FileError as exc:
        detail = str(exc)
        return failed(exc.line, f"syntax error: {detail[:1].lower()}{detail[1:]}")
    except RecursionError:
        return failed(None, "the file is nested too deeply to parse")
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:  # a tree shape not foreseen
        return failed(None, f"internal error reading the parse tree ({type(exc).__name__}: {exc}); "
                            "please report it with this file")
    return {"v": SCHEMA, "blocks": blocks, "comments": comments, "errors": converter.errors}


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
                    out.append(unescape(str(content)) if isinstance(content, Token) else "")
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
        return ["lit", number(str(node.children[0]))]

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
        return ["lit", unescape(raw)]

    # -- templates ---------------------------------------------------------

    def _string(self, node: Tree) -> list:
        flat: list = []
        depth: list = []  # open if/for directives, as the parser's transformer checks them
        for part in node.children:
            if isinstance(part, Tree):
                self._flatten_part(part.children[0], flat, depth)
        if depth:
            raise _FileError(_line(node), f"Unterminated template {depth[-1]} directive")
        expr = template(flat)
        if expr[0] == "error":
            self.errors.append([_line(node), expr[1]])
        return expr

    def _flatten_part(self, content: Any, flat: list, depth: list) -> None:
        if isinstance(content, Token):
            value = str(content)
            if content.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                flat.append(unescape(value[1:]))  # $${ -> ${ and %%{ -> %{; the token runs to '}', escapes and all
            else:
                flat.append(unescape(value))
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
        expr, error = read_heredoc(str(node.children[0]))
        if error is not None:
            self.errors.append([_line(node), error])
        return expr


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
