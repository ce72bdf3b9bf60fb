"""Read an HCL file with tree-sitter-hcl into parse.py's plain form.

tree-sitter-hcl (a compiled grammar on PyPI) is the first parser: several
times faster than python-hcl2, and it reads valid HCL python-hcl2's grammar
refuses, such as a line break before ``.attr`` inside parentheses
(``try(\\n var.cfg\\n .a,\\n null)``). This module walks its syntax tree and
emits exactly what hcl2tree.py emits from python-hcl2's tree for the same
text, with the same lines, so findings point at the same places whichever
parser read a file; tests/test_parser_differential.py compares the two on
every file both accept. Where tree-sitter-hcl refuses a file, python-hcl2
reads it (parse.py).

Heredocs are read from their source text by parse.py's heredoc reader, so
both parsers give them one meaning (the ``<<-`` indentation rule, ``~``
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


def read(text: str) -> dict:
    """The plain form of HCL source text (new lines already ``\\n``).

    Raises Refused where the grammar does not accept the text (an ERROR or
    MISSING node in the tree).
    """
    data = text.encode("utf-8")
    parser, comments = _parser()
    tree = parser.parse(data)
    root = tree.root_node
    if root.has_error:
        bad = first_error(root)
        line = bad.start_point[0] + 1 if bad is not None else 1
        what = f"missing {bad.type!r}" if bad is not None and bad.is_missing else "syntax error"
        raise _parse.Refused(line, what)
    converter = _Converter(data)
    body = None
    for child in root.named_children:
        if child.type == "body":
            body = child
        elif child.type != "comment":  # the grammar also takes a file that is one object, as JSON; HCL does not
            raise _parse.Refused(_line(child), f"unexpected {child.type}")
    blocks = converter.body(body) if body is not None else []
    found = tree_sitter.QueryCursor(comments).captures(root).get("comment", [])
    notes = sorted([_line(node), data[node.start_byte:node.end_byte].decode("utf-8").rstrip()] for node in found)
    return {"v": _parse.SCHEMA, "blocks": blocks, "comments": notes, "errors": converter.errors}


def first_error(node: tree_sitter.Node) -> tree_sitter.Node | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = first_error(child)
            if found is not None:
                return found
    return None


# what a binary operation's operator token may be (its operands are terms)
_BINARY = frozenset({"*", "/", "%", "+", "-", ">", ">=", "<", "<=", "==", "!=", "&&", "||"})
# what a template literal holds besides text: escapes, and $${ / %%{ for a literal ${ / %{
_LITERAL_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.S)
# provider::NAME::FUNCTION, the only names with '::' (python-hcl2's grammar: exactly three parts)
_PROVIDER_FUNCTION_RE = re.compile(r"\A[^:]+::[^:]+::[^:]+\Z")
_ESCAPED_MARKER_RE = re.compile(r"\$\$\{|%%\{")


def _literal_text(raw: str) -> str:
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw

    def repl(match: re.Match) -> str:
        code = match.group(1)
        if code is None:
            return match.group(0)[1:]  # $${ -> ${ and %%{ -> %{
        return _parse.escaped(match)

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
        # whether line breaks inside the expression being read are layout (in
        # parentheses, brackets, argument lists) or end it (an attribute's or
        # an object element's value): the grammar takes both alike, HCL does not
        self.loose = False

    def _text(self, node: tree_sitter.Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8")

    def _name(self, node: tree_sitter.Node) -> str:
        """An identifier: the grammar takes ``::`` in any name, HCL only in a provider function's."""
        name = self._text(node)
        if "::" in name:
            raise _parse.Refused(_line(node), f"unexpected '::' in {name!r}")
        return name

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
        row = block.start_point[0]
        for child in block.named_children:
            kind = child.type
            if kind in ("identifier", "string_lit") and child.start_point[0] != row:
                # the grammar lets a block header run over lines; HCL (and python-hcl2) do not
                raise _parse.Refused(_line(child), "a block's labels must be on its first line")
            if kind == "identifier":
                labels.append(self._name(child))
            elif kind == "string_lit":
                labels.append(self._label(child))
            elif kind == "body":
                body = child
        attrs, nested = self._contents(body)
        return {"type": labels[0], "labels": labels[1:], "line": _line(block), "end_line": block.end_point[0] + 1,
                "attrs": attrs, "blocks": nested}

    def _label(self, label: tree_sitter.Node) -> str:
        """A quoted label: the text between its quotes (template_literal nodes
        leave out end spaces), which may hold no template sequence."""
        quotes = label.children
        raw = self.data[quotes[0].end_byte:quotes[-1].start_byte].decode("utf-8")
        if "{" in raw and re.search(r"[$%]\{", _ESCAPED_MARKER_RE.sub("", raw)):
            raise _parse.Refused(_line(label), "a template sequence in a block label")
        return _literal_text(raw)

    def _attribute(self, attr: tree_sitter.Node, attrs: dict) -> None:
        name_node, equals, expression = attr.children[0], attr.children[1], attr.children[-1]
        if not name_node.start_point[0] == equals.start_point[0] == expression.start_point[0]:
            raise _parse.Refused(_line(equals), "a line break around an attribute's '='")
        name = self._name(name_node)
        line = _line(attr)
        if name in attrs:
            self.errors.append([line, f"attribute {name!r} is defined more than once (first on line {attrs[name][1]})"])
            return
        attrs[name] = [self._within(expression, False), line]

    # -- expressions -------------------------------------------------------

    def expr(self, node: tree_sitter.Node) -> list:
        """An ``expression`` node, or any node that stands for one."""
        method = _DISPATCH.get(node.type)
        if method is None:
            return ["error", f"unsupported expression {node.type}"]
        return method(self, node)

    def _within(self, node: tree_sitter.Node, loose: bool) -> list:
        """An expression read where line breaks are layout (``loose``) or not."""
        outer, self.loose = self.loose, loose
        try:
            return self.expr(node)
        finally:
            self.loose = outer

    def _expression(self, node: tree_sitter.Node) -> list:
        return self._term(node.children)

    def _term(self, children: list) -> list:
        """A term and the accessors after it: the children of an ``expression``
        (or of an operation, whose operands are terms inlined in it)."""
        items = [child for child in children if child.type != "comment"]
        if items[0].type == "(":
            value = self._within(items[1], True)
            rest = items[3:]
            row = items[2].end_point[0]
        else:
            value = self.expr(items[0])
            rest = items[1:]
            row = items[0].end_point[0]
        for accessor in rest:
            if accessor.start_point[0] != row and not self.loose:
                raise _parse.Refused(_line(accessor), "a line break before an attribute or index outside brackets")
            row = accessor.start_point[0] if accessor.type == "splat" else accessor.end_point[0]
            kind = accessor.type
            if kind == "get_attr":
                value = ["attr", value, self._name(_kids(accessor)[0])]
            elif kind == "index":
                value = ["index", value, self._index_key(_kids(accessor)[0])]
            elif kind == "splat":
                (splat,) = _kids(accessor)
                ops = []
                for op in _kids(splat):
                    if op.start_point[0] != row and not self.loose:
                        raise _parse.Refused(_line(op), "a line break before an attribute or index outside brackets")
                    row = op.end_point[0]
                    if op.type == "get_attr":
                        ops.append(["attr", self._name(_kids(op)[0])])
                    else:
                        ops.append(["index", self._index_key(_kids(op)[0])])
                value = ["splat", value, ops]
            else:
                return ["error", f"unsupported accessor {kind}"]
        return value

    def _index_key(self, index: tree_sitter.Node) -> list:
        if index.type == "legacy_index":
            return ["lit", int(self._text(index)[1:])]
        return self._within(_kids(index)[0], True)

    def _variable(self, node: tree_sitter.Node) -> list:
        return ["var", self._name(node.named_children[0])]

    def _literal(self, node: tree_sitter.Node) -> list:
        (inner,) = node.named_children
        kind = inner.type
        if kind == "numeric_lit":
            try:
                return ["lit", _parse.number(self._text(inner))]
            except ValueError:  # the grammar takes 0x10 and 1e for numbers; HCL does not
                raise _parse.Refused(_line(inner), f"not a number: {self._text(inner)!r}") from None
        if kind == "bool_lit":
            return ["lit", self._text(inner) == "true"]
        if kind == "null_lit":
            return ["lit", None]
        return self._quoted(inner)  # string_lit

    def _collection(self, node: tree_sitter.Node) -> list:
        (inner,) = node.named_children
        if inner.type == "tuple":
            return ["tuple", [self._within(element, True) for element in inner.named_children
                              if element.type == "expression"]]
        items = []
        for element in inner.named_children:
            if element.type != "object_elem":
                continue
            key = element.child_by_field_name("key")
            value = element.child_by_field_name("val")
            items.append([self._object_key(key), self._within(value, False)])
        return ["object", items]

    def _object_key(self, key: tree_sitter.Node) -> list:
        """A bare name or number is the key's text (as python-hcl2 reads it);
        anything else is an expression."""
        children = [child for child in key.children if child.type != "comment"]
        if len(children) == 1:
            (inner,) = children
            if inner.type == "variable_expr":
                return ["lit", self._name(inner)]
            if inner.type == "literal_value" and inner.named_children[0].type != "string_lit":
                return ["lit", self._text(inner)]
        return self._within(key, False)

    def _call(self, node: tree_sitter.Node) -> list:
        name = ""
        arguments = None
        for child in node.named_children:
            if child.type == "identifier":
                name = self._text(child)
                if "::" in name and not _PROVIDER_FUNCTION_RE.match(name):
                    raise _parse.Refused(_line(child), f"not a function name: {name!r}")
            elif child.type == "function_arguments":
                arguments = child
        if arguments is None:
            return ["call", name, [], False]
        values = [self._within(arg, True) for arg in arguments.named_children if arg.type == "expression"]
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
            if children[1].start_point[0] != children[0].start_point[0] and not self.loose:
                raise _parse.Refused(_line(children[1]), f"a line break after {operator!r}")
            operand = self._term(children[1:])
            if operator == "-" and operand[0] == "lit" and type(operand[1]) in (int, float):
                return ["lit", -operand[1]]
            return ["unop", operator, operand]
        at = next(i for i, child in enumerate(children) if not child.is_named and child.type in _BINARY)
        return ["binop", children[at].type, self._term(children[:at]), self._term(children[at + 1:])]

    def _for(self, node: tree_sitter.Node) -> list:
        """A for expression, in brackets or braces: line breaks are layout in both."""
        (inner,) = _kids(node)
        outer, self.loose = self.loose, True
        try:
            return self._for_parts(inner)
        finally:
            self.loose = outer

    def _for_parts(self, inner: tree_sitter.Node) -> list:
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
        names = [self._name(child) for child in intro.named_children if child.type == "identifier"]
        key, name = (None, names[0]) if len(names) == 1 else (names[0], names[1])
        collection = self.expr(next(child for child in intro.named_children if child.type == "expression"))
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
        expr = _parse.template(flat)
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
                flat.append(("i", self._within(next(c for c in part.named_children if c.type == "expression"), False))
                            + _strips(part))
            elif kind in ("template_directive", "template_if", "template_for"):
                self._flatten(part, part.start_byte, part.end_byte, flat)
            elif kind == "template_if_intro":
                flat.append(("if", self._within(next(c for c in part.named_children if c.type == "expression"), False))
                            + _strips(part))
            elif kind == "template_else_intro":
                flat.append(("else", None) + _strips(part))
            elif kind == "template_if_end":
                flat.append(("endif", None) + _strips(part))
            elif kind == "template_for_start":
                names = [self._name(c) for c in part.named_children if c.type == "identifier"]
                collection = self._within(next(c for c in part.named_children if c.type == "expression"), False)
                pair = (names[0], names[1]) if len(names) == 2 else (None, names[0])
                flat.append(("for", (pair, collection)) + _strips(part))
            elif kind == "template_for_end":
                flat.append(("endfor", None) + _strips(part))
            else:
                flat.append(("i", ["error", f"unsupported template part {kind}"], False, False))
        if end > at:
            flat.append(_literal_text(self.data[at:end].decode("utf-8")))

    def _heredoc(self, node: tree_sitter.Node) -> list:
        expr, error = _parse.read_heredoc(self._text(node))
        if error is not None:
            self.errors.append([_line(node), error])
        return expr


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
