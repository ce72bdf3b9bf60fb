"""Read an HCL file with tree-sitter-hcl into the same plain form as parse.py.

python-hcl2's grammar refuses some files Terraform reads, such as a line
break before ``.attr`` inside parentheses (``try(\\n var.cfg\\n .a,\\n null)``).
tree-sitter-hcl (a compiled grammar on PyPI) reads them; this module walks
its syntax tree and emits exactly what parse.py emits from python-hcl2's
tree for the same text, with the same lines, so findings point at the same
places whichever parser read the file. tests/test_parser_differential.py
compares the two on every file both accept.

Heredocs are read from their source text by parse.py's own heredoc reader,
so both parsers give them one meaning (the ``<<-`` indentation rule, ``~``
markers) by construction.
"""

from __future__ import annotations

import re

import tree_sitter
import tree_sitter_hcl

from vpclint.load.hcl import parse as _parse

_PARSER: tree_sitter.Parser | None = None
_COMMENTS: tree_sitter.Query | None = None


def _parser() -> tuple[tree_sitter.Parser, tree_sitter.Query]:
    """The parser, and the query that finds every comment (in C, not by walking the tree)."""
    global _PARSER, _COMMENTS
    if _PARSER is None or _COMMENTS is None:
        language = tree_sitter.Language(tree_sitter_hcl.language())
        _PARSER = tree_sitter.Parser(language)
        _COMMENTS = tree_sitter.Query(language, "(comment) @comment")
    return _PARSER, _COMMENTS


class Refused(Exception):
    """tree-sitter-hcl found a syntax error (an ERROR or MISSING node)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def parse_text(text: str) -> dict:
    """The plain form of HCL source text (new lines already ``\\n``).

    Raises Refused where the grammar does not accept the text.
    """
    data = text.encode("utf-8")
    parser, comments = _parser()
    tree = parser.parse(data)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        line = bad.start_point[0] + 1 if bad is not None else 1
        what = f"missing {bad.type!r}" if bad is not None and bad.is_missing else "syntax error"
        raise Refused(line, what)
    converter = _Converter(data)
    body = next((child for child in root.named_children if child.type == "body"), None)
    blocks = converter.body(body) if body is not None else []
    found = tree_sitter.QueryCursor(comments).captures(root).get("comment", [])
    notes = sorted([_line(node), converter._text(node).rstrip()] for node in found)
    return {"v": _parse.SCHEMA, "blocks": blocks, "comments": notes, "errors": converter.errors}


def _first_error(node: tree_sitter.Node) -> tree_sitter.Node | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


# what a binary operation's operator token may be (its operands are terms)
_BINARY = frozenset({"*", "/", "%", "+", "-", ">", ">=", "<", "<=", "==", "!=", "&&", "||"})
# what a template literal holds besides text: escapes, and $${ / %%{ for a literal ${ / %{
_LITERAL_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.S)


def _literal_text(raw: str) -> str:
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw

    def repl(match: re.Match) -> str:
        code = match.group(1)
        if code is None:
            return match.group(0)[1:]  # $${ -> ${ and %%{ -> %{
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _parse._ESCAPES.get(code, match.group(0))

    return _LITERAL_RE.sub(repl, raw)


def _line(node: tree_sitter.Node) -> int:
    return node.start_point[0] + 1


def _kids(node: tree_sitter.Node) -> list:
    """A node's named children that are syntax, not comments."""
    return [child for child in node.named_children if child.type != "comment"]


class _Converter:
    """Walks tree-sitter-hcl's tree and emits parse.py's plain form."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.errors: list = []

    def _text(self, node: tree_sitter.Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8")

    # -- structure ---------------------------------------------------------

    def body(self, body: tree_sitter.Node) -> list:
        attrs, blocks = self._contents(body)
        if attrs:
            blocks.append({"type": "__attrs__", "labels": [], "line": 1, "end_line": 1, "attrs": attrs, "blocks": []})
        return blocks

    def _contents(self, body: tree_sitter.Node | None) -> tuple[dict, list]:
        attrs: dict = {}
        blocks: list = []
        if body is None:
            return attrs, blocks
        for child in body.named_children:
            kind = child.type
            if kind == "block":
                blocks.append(self._block(child))
            elif kind == "attribute":
                self._attribute(child, attrs)
        return attrs, blocks

    def _block(self, block: tree_sitter.Node) -> dict:
        labels: list = []
        body = None
        for child in block.named_children:
            kind = child.type
            if kind == "identifier":
                labels.append(self._text(child))
            elif kind == "string_lit":
                labels.append("".join(_literal_text(self._text(part)) for part in child.named_children
                                      if part.type == "template_literal"))
            elif kind == "body":
                body = child
        attrs, nested = self._contents(body)
        return {"type": labels[0], "labels": labels[1:], "line": _line(block), "end_line": block.end_point[0] + 1,
                "attrs": attrs, "blocks": nested}

    def _attribute(self, attr: tree_sitter.Node, attrs: dict) -> None:
        name_node, expression = attr.named_children[0], attr.named_children[-1]
        name = self._text(name_node)
        line = _line(attr)
        if name in attrs:
            self.errors.append([line, f"attribute {name!r} is defined more than once (first on line {attrs[name][1]})"])
            return
        attrs[name] = [self.expr(expression), line]

    # -- expressions -------------------------------------------------------

    def expr(self, node: tree_sitter.Node) -> list:
        """An ``expression`` node, or any node that stands for one."""
        method = _DISPATCH.get(node.type)
        if method is None:
            return ["error", f"unsupported expression {node.type}"]
        return method(self, node)

    def _expression(self, node: tree_sitter.Node) -> list:
        return self._term(node.children)

    def _term(self, children: list) -> list:
        """A term and the accessors after it: the children of an ``expression``
        (or of an operation, whose operands are terms inlined in it)."""
        items = [child for child in children if child.type != "comment"]
        if items[0].type == "(":
            value = self.expr(items[1])
            rest = items[3:]
        else:
            value = self.expr(items[0])
            rest = items[1:]
        for accessor in rest:
            kind = accessor.type
            if kind == "get_attr":
                value = ["attr", value, self._text(_kids(accessor)[0])]
            elif kind == "index":
                value = ["index", value, self._index_key(_kids(accessor)[0])]
            elif kind == "splat":
                (splat,) = _kids(accessor)
                ops = []
                for op in _kids(splat):
                    if op.type == "get_attr":
                        ops.append(["attr", self._text(_kids(op)[0])])
                    else:
                        ops.append(["index", self._index_key(_kids(op)[0])])
                value = ["splat", value, ops]
            else:
                return ["error", f"unsupported accessor {kind}"]
        return value

    def _index_key(self, index: tree_sitter.Node) -> list:
        if index.type == "legacy_index":
            return ["lit", int(self._text(index)[1:])]
        return self.expr(_kids(index)[0])

    def _variable(self, node: tree_sitter.Node) -> list:
        return ["var", self._text(node.named_children[0])]

    def _literal(self, node: tree_sitter.Node) -> list:
        (inner,) = node.named_children
        kind = inner.type
        if kind == "numeric_lit":
            return ["lit", _parse._number(self._text(inner))]
        if kind == "bool_lit":
            return ["lit", self._text(inner) == "true"]
        if kind == "null_lit":
            return ["lit", None]
        return self._quoted(inner)  # string_lit

    def _collection(self, node: tree_sitter.Node) -> list:
        (inner,) = node.named_children
        if inner.type == "tuple":
            return ["tuple", [self.expr(element) for element in inner.named_children if element.type == "expression"]]
        items = []
        for element in inner.named_children:
            if element.type != "object_elem":
                continue
            key = element.child_by_field_name("key")
            value = element.child_by_field_name("val")
            items.append([self._object_key(key), self.expr(value)])
        return ["object", items]

    def _object_key(self, key: tree_sitter.Node) -> list:
        """A bare name or number is the key's text (as python-hcl2 reads it);
        anything else is an expression."""
        children = [child for child in key.children if child.type != "comment"]
        if len(children) == 1:
            (inner,) = children
            if inner.type == "variable_expr":
                return ["lit", self._text(inner)]
            if inner.type == "literal_value" and inner.named_children[0].type != "string_lit":
                return ["lit", self._text(inner)]
        return self.expr(key)

    def _call(self, node: tree_sitter.Node) -> list:
        name = ""
        arguments = None
        for child in node.named_children:
            if child.type == "identifier":
                name = self._text(child)
            elif child.type == "function_arguments":
                arguments = child
        if arguments is None:
            return ["call", name, [], False]
        values = [self.expr(arg) for arg in arguments.named_children if arg.type == "expression"]
        ellipsis = any(arg.type == "ellipsis" for arg in arguments.named_children)
        return ["call", name, values, ellipsis]

    def _conditional(self, node: tree_sitter.Node) -> list:
        """tree-sitter-hcl groups ``a ? b : c ? d : e`` as ``(a ? b : c) ? d : e``;
        HCL (and python-hcl2) read ``a ? b : (c ? d : e)``: the chain is
        regrouped to the right, parenthesised conditions kept as written."""
        chain: list = []
        while True:
            condition, if_true, if_false = _kids(node)
            chain[:0] = [if_true, if_false]
            inner = [child for child in condition.children if child.type != "comment"]
            if len(inner) == 1 and inner[0].type == "conditional":
                node = inner[0]
                continue
            chain.insert(0, condition)
            break
        values = [self.expr(part) for part in chain]
        result = values[-1]
        for at in range(len(values) - 3, -1, -2):
            result = ["cond", values[at], values[at + 1], result]
        return result

    def _operation(self, node: tree_sitter.Node) -> list:
        (inner,) = _kids(node)
        children = inner.children
        if inner.type == "unary_operation":
            operator = children[0].type
            operand = self._term(children[1:])
            if operator == "-" and operand[0] == "lit" and type(operand[1]) in (int, float):
                return ["lit", -operand[1]]
            return ["unop", operator, operand]
        at = next(i for i, child in enumerate(children) if not child.is_named and child.type in _BINARY)
        return ["binop", children[at].type, self._term(children[:at]), self._term(children[at + 1:])]

    def _for_intro(self, intro: tree_sitter.Node) -> tuple:
        names = [self._text(child) for child in intro.named_children if child.type == "identifier"]
        collection = next(child for child in intro.named_children if child.type == "expression")
        if len(names) == 1:
            return None, names[0], self.expr(collection)
        return names[0], names[1], self.expr(collection)

    def _for(self, node: tree_sitter.Node) -> list:
        (inner,) = _kids(node)
        intro = cond = None
        values = []
        grouped = False
        for child in inner.named_children:
            kind = child.type
            if kind == "for_intro":
                intro = child
            elif kind == "for_cond":
                cond = next(c for c in child.named_children if c.type == "expression")
            elif kind == "expression":
                values.append(child)
            elif kind == "ellipsis":
                grouped = True
        key, name, collection = self._for_intro(intro)
        condition = self.expr(cond) if cond is not None else None
        if inner.type == "for_tuple_expr":
            return ["fortuple", key, name, collection, self.expr(values[0]), condition]
        return ["forobject", key, name, collection, self.expr(values[0]), self.expr(values[1]), condition, grouped]

    # -- templates ---------------------------------------------------------

    def _template_expr(self, node: tree_sitter.Node) -> list:
        (inner,) = node.named_children
        if inner.type == "heredoc_template":
            return self._heredoc(inner)
        return self._quoted(inner)

    def _quoted(self, node: tree_sitter.Node) -> list:
        """A quoted string (string_lit or quoted_template)."""
        children = node.children
        flat: list = []
        self._flatten(node, children[0].end_byte, children[-1].start_byte, flat)
        expr = _parse._template(flat)
        if expr[0] == "error":
            self.errors.append([_line(node), expr[1]])
        return expr

    def _flatten(self, node: tree_sitter.Node, start: int, end: int, flat: list) -> None:
        """The template parts of ``node`` between two byte offsets in parse.py's
        flat form: text, and markers with their ``~`` strip flags. The text
        is taken from the source between markers: tree-sitter-hcl's
        template_literal nodes leave out spaces at their ends."""
        at = start
        for part in node.named_children:
            kind = part.type
            if kind in _NOT_PARTS or part.start_byte < start or part.end_byte > end:
                continue
            if part.start_byte > at:
                flat.append(_literal_text(self.data[at:part.start_byte].decode("utf-8")))
            at = part.end_byte
            if kind == "template_interpolation":
                flat.append(("i", self.expr(next(c for c in part.named_children if c.type == "expression")))
                            + _strips(part))
            elif kind in ("template_directive", "template_if", "template_for"):
                self._flatten(part, part.start_byte, part.end_byte, flat)
            elif kind == "template_if_intro":
                flat.append(("if", self.expr(next(c for c in part.named_children if c.type == "expression")))
                            + _strips(part))
            elif kind == "template_else_intro":
                flat.append(("else", None) + _strips(part))
            elif kind == "template_if_end":
                flat.append(("endif", None) + _strips(part))
            elif kind == "template_for_start":
                names = [self._text(c) for c in part.named_children if c.type == "identifier"]
                collection = self.expr(next(c for c in part.named_children if c.type == "expression"))
                pair = (names[0], names[1]) if len(names) == 2 else (None, names[0])
                flat.append(("for", (pair, collection)) + _strips(part))
            elif kind == "template_for_end":
                flat.append(("endfor", None) + _strips(part))
            else:
                flat.append(("i", ["error", f"unsupported template part {kind}"], False, False))
        if end > at:
            flat.append(_literal_text(self.data[at:end].decode("utf-8")))

    def _heredoc(self, node: tree_sitter.Node) -> list:
        match = _parse._HEREDOC_RE.match(self._text(node))
        if match is None:
            return self._fail(node, "malformed heredoc")
        body = match.group(3)
        if match.group(1):
            body = _parse._dedent(body)
        try:
            flat = _parse._split_template(body)
        except _parse.ConvertError as exc:
            return self._fail(node, f"heredoc template: {exc}")
        expr = _parse._template(flat)
        if expr[0] == "error":
            self.errors.append([_line(node), expr[1]])
        return expr

    def _fail(self, node: tree_sitter.Node, message: str) -> list:
        self.errors.append([_line(node), message])
        return ["error", message]


# a template's pieces that are not parts: its text comes from the source between the parts
_NOT_PARTS = frozenset({"template_literal", "quoted_template_start", "quoted_template_end", "comment"})


def _strips(marker: tree_sitter.Node) -> tuple:
    """Whether a ``${``/``%{`` marker has ``~`` after its opening and before its closing brace."""
    children = marker.children
    strip_open = len(children) > 1 and children[1].type == "strip_marker"
    strip_close = len(children) > 2 and children[-2].type == "strip_marker"
    return strip_open, strip_close


_DISPATCH = {
    "expression": _Converter._expression,
    "variable_expr": _Converter._variable,
    "literal_value": _Converter._literal,
    "collection_value": _Converter._collection,
    "function_call": _Converter._call,
    "conditional": _Converter._conditional,
    "operation": _Converter._operation,
    "for_expr": _Converter._for,
    "template_expr": _Converter._template_expr,
}
