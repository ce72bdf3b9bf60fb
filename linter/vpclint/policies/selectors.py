"""Label selectors: Calico selector expressions and Kubernetes label selectors.

Both are turned into one small expression tree (``Expr``) that is evaluated
in three-valued logic over ``Labels``: what is known about the labels of a
pod or namespace. A label the linter cannot see makes a comparison unknown,
never false.

Calico expressions are parsed by a real recursive-descent parser over the
documented grammar::

    expr    := or
    or      := and ('||' and)*
    and     := unary ('&&' unary)*
    unary   := '!' unary | primary
    primary := '(' expr ')' | 'all()' | 'global()' | 'has(' KEY ')'
             | KEY '==' STR | KEY '!=' STR | KEY 'in' SET | KEY 'not' 'in' SET
             | KEY 'contains' STR | KEY 'starts' 'with' STR | KEY 'ends' 'with' STR
    SET     := '{' [STR (',' STR)*] '}'
    STR     := single- or double-quoted string

The empty expression selects everything, like ``all()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product
from typing import Any, Iterable, Mapping

from vpclint.policies.logic import UNKNOWN, Tri, tri_and, tri_not, tri_or

# ---------------------------------------------------------------------------
# expression tree
# ---------------------------------------------------------------------------


class Expr:
    """A selector expression node."""


@dataclass(frozen=True)
class All(Expr):
    pass


@dataclass(frozen=True)
class Global(Expr):
    """``global()``: non-namespaced resources only (Calico namespaceSelector)."""


@dataclass(frozen=True)
class Has(Expr):
    key: str


@dataclass(frozen=True)
class Eq(Expr):
    key: str
    value: str


@dataclass(frozen=True)
class In(Expr):
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Text(Expr):
    """``contains`` / ``starts with`` / ``ends with``."""

    key: str
    op: str
    value: str


@dataclass(frozen=True)
class Not(Expr):
    expr: Expr


@dataclass(frozen=True)
class And(Expr):
    exprs: tuple[Expr, ...]


@dataclass(frozen=True)
class Or(Expr):
    exprs: tuple[Expr, ...]


class SelectorError(ValueError):
    """A selector that does not parse; ``position`` is the 0-based offset."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.position = position


# ---------------------------------------------------------------------------
# Calico expression parser
# ---------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<op>&&|\|\||==|!=|!|\(|\)|\{|\}|,)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<word>[A-Za-z0-9_./\-]+)
""", re.VERBOSE)



@dataclass(frozen=True)
class _Tok:
    kind: str  # op, str, word, end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos] in "'\"":
                raise SelectorError(f"unterminated string starting at column {pos + 1}", pos)
            raise SelectorError(f"unexpected character {text[pos]!r} at column {pos + 1}", pos)
        kind = match.lastgroup
        if kind != "space":
            value = match.group(kind)
            tokens.append(_Tok(kind, value[1:-1] if kind == "str" else value, pos))
        pos = match.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self, offset: int = 0) -> _Tok:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def fail(self, expected: str, tok: _Tok | None = None) -> SelectorError:
        tok = tok or self.peek()
        found = "the end of the selector" if tok.kind == "end" else repr(tok.text)
        return SelectorError(f"expected {expected} at column {tok.pos + 1}, found {found}", tok.pos)

    def expect_op(self, op: str) -> None:
        tok = self.take()
        if tok.kind != "op" or tok.text != op:
            raise self.fail(repr(op), tok)

    def parse(self) -> Expr:
        if self.peek().kind == "end":
            return All()
        expr = self.parse_or()
        if self.peek().kind != "end":
            raise self.fail("'&&', '||' or the end of the selector")
        return expr

    def parse_or(self) -> Expr:
        items = [self.parse_and()]
        while self.peek().kind == "op" and self.peek().text == "||":
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Expr:
        items = [self.parse_unary()]
        while self.peek().kind == "op" and self.peek().text == "&&":
            self.take()
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Expr:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "!":
            self.take()
            return Not(self.parse_unary())
        return self.parse_primary()

    def parse_primary(self) -> Expr:
        tok = self.take()
        if tok.kind == "op" and tok.text == "(":
            expr = self.parse_or()
            self.expect_op(")")
            return expr
        if tok.kind != "word":
            raise self.fail("a label name, has(), all() or '('", tok)
        nxt = self.peek()
        if tok.text in ("all", "global", "has") and nxt.kind == "op" and nxt.text == "(":
            self.take()
            if tok.text == "has":
                key = self.take()
                if key.kind != "word":
                    raise self.fail("a label name", key)
                self.expect_op(")")
                return Has(key.text)
            self.expect_op(")")
            return All() if tok.text == "all" else Global()
        key = tok.text
        op = self.take()
        if op.kind == "op" and op.text in ("==", "!="):
            value = self.string()
            return Eq(key, value) if op.text == "==" else Not(Eq(key, value))
        if op.kind == "word":
            if op.text == "in":
                return In(key, self.string_set())
            if op.text == "not":
                word = self.take()
                if word.kind != "word" or word.text != "in":
                    raise self.fail("'in'", word)
                return Not(In(key, self.string_set()))
            if op.text == "contains":
                return Text(key, "contains", self.string())
            if op.text in ("starts", "ends"):
                word = self.take()
                if word.kind != "word" or word.text != "with":
                    raise self.fail("'with'", word)
                return Text(key, f"{op.text} with", self.string())
        raise self.fail(f"an operator after {key!r} (==, !=, in, not in, contains, starts with, ends with)", op)

    def string(self) -> str:
        tok = self.take()
        if tok.kind != "str":
            raise self.fail("a quoted string", tok)
        return tok.text

    def string_set(self) -> tuple[str, ...]:
        self.expect_op("{")
        values: list[str] = []
        if self.peek().kind == "op" and self.peek().text == "}":
            self.take()
            return ()
        while True:
            values.append(self.string())
            tok = self.take()
            if tok.kind == "op" and tok.text == "}":
                return tuple(values)
            if not (tok.kind == "op" and tok.text == ","):
                raise self.fail("',' or '}'", tok)


def parse_calico(text: str) -> Expr:
    """Parse a Calico selector expression; raise ``SelectorError``."""
    if len(text) > 4096:
        raise SelectorError("selector is longer than 4096 characters", 4096)
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise SelectorError("selector is nested too deeply", 0) from None


# ---------------------------------------------------------------------------
# Kubernetes label selectors
# ---------------------------------------------------------------------------


def from_label_selector(selector: Mapping[str, Any]) -> Expr:
    """The expression for a (valid) Kubernetes LabelSelector; {} selects all."""
    parts: list[Expr] = []
    for key, value in sorted((selector.get("matchLabels") or {}).items()):
        parts.append(Eq(str(key), str(value)))
    for requirement in selector.get("matchExpressions") or []:
        key = str(requirement.get("key"))
        operator = requirement.get("operator")
        values = tuple(str(v) for v in requirement.get("values") or [])
        if operator == "In":
            parts.append(In(key, values))
        elif operator == "NotIn":
            parts.append(Not(In(key, values)))
        elif operator == "Exists":
            parts.append(Has(key))
        elif operator == "DoesNotExist":
            parts.append(Not(Has(key)))
        else:
            raise SelectorError(f"unknown operator {operator!r}", 0)
    if not parts:
        return All()
    return parts[0] if len(parts) == 1 else And(tuple(parts))


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------


def _quote(value: str) -> str:
    return f'"{value}"' if "'" in value else f"'{value}'"


def render(expr: Expr, top: bool = True) -> str:
    """Calico syntax for ``expr`` (also used to show Kubernetes selectors)."""
    if isinstance(expr, All):
        return "all()"
    if isinstance(expr, Global):
        return "global()"
    if isinstance(expr, Has):
        return f"has({expr.key})"
    if isinstance(expr, Eq):
        return f"{expr.key} == {_quote(expr.value)}"
    if isinstance(expr, In):
        return f"{expr.key} in {{{', '.join(_quote(v) for v in expr.values)}}}"
    if isinstance(expr, Text):
        return f"{expr.key} {expr.op} {_quote(expr.value)}"
    if isinstance(expr, Not):
        inner = expr.expr
        if isinstance(inner, Eq):
            return f"{inner.key} != {_quote(inner.value)}"
        if isinstance(inner, In):
            return f"{inner.key} not in {{{', '.join(_quote(v) for v in inner.values)}}}"
        return f"!{render(inner, top=False)}"
    if isinstance(expr, (And, Or)):
        joiner = " && " if isinstance(expr, And) else " || "
        text = joiner.join(render(e, top=False) for e in expr.exprs)
        return text if top else f"({text})"
    return "?"


# ---------------------------------------------------------------------------
# what is known about a set of labels
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """Partial knowledge of an object's labels.

    ``values``: labels known with their value; ``present``: known to exist,
    value unknown; ``absent``: known not to exist; ``excluded``: values a
    label is known not to have (if it exists). With ``closed`` the object has
    no labels besides ``values`` and ``present``.
    """

    values: Mapping[str, str] = field(default_factory=dict)
    present: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    excluded: Mapping[str, frozenset[str]] = field(default_factory=dict)
    closed: bool = False

    def has(self, key: str) -> Tri:
        if key in self.values or key in self.present:
            return True
        if key in self.absent or self.closed:
            return False
        return UNKNOWN

    def with_values(self, extra: Mapping[str, str]) -> "Labels":
        return Labels({**self.values, **extra}, self.present, self.absent - set(extra), self.excluded, self.closed)

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in sorted(self.values.items())]
        parts += [k for k in sorted(self.present)]
        parts += [f"!{k}" for k in sorted(self.absent)]
        parts += [f"{k} notin ({','.join(sorted(v))})" for k, v in sorted(self.excluded.items()) if v]
        return ",".join(parts) if parts else "(any labels)"


def _value_test(labels: Labels, key: str, test) -> Tri:
    """``test(value)`` for the label's value: False when the label is absent."""
    if key in labels.values:
        return bool(test(labels.values[key]))
    has = labels.has(key)
    if has is False:
        return False
    return UNKNOWN


def evaluate(expr: Expr, labels: Labels, *, is_global: Tri = False) -> Tri:
    """Whether ``expr`` selects an object with ``labels`` (three-valued).

    ``is_global`` says whether the object is non-namespaced (for ``global()``).
    """
    if isinstance(expr, All):
        return True
    if isinstance(expr, Global):
        return is_global
    if isinstance(expr, Has):
        return labels.has(expr.key)
    if isinstance(expr, Eq):
        if expr.value in labels.excluded.get(expr.key, ()) and expr.key not in labels.values:
            return False
        return _value_test(labels, expr.key, lambda v: v == expr.value)
    if isinstance(expr, In):
        if expr.key not in labels.values and set(expr.values) <= set(labels.excluded.get(expr.key, ())):
            return False
        return _value_test(labels, expr.key, lambda v: v in expr.values)
    if isinstance(expr, Text):
        if expr.op == "contains":
            return _value_test(labels, expr.key, lambda v: expr.value in v)
        if expr.op == "starts with":
            return _value_test(labels, expr.key, lambda v: v.startswith(expr.value))
        return _value_test(labels, expr.key, lambda v: v.endswith(expr.value))
    if isinstance(expr, Not):
        return tri_not(evaluate(expr.expr, labels, is_global=is_global))
    if isinstance(expr, And):
        return tri_and(evaluate(e, labels, is_global=is_global) for e in expr.exprs)
    if isinstance(expr, Or):
        return tri_or(evaluate(e, labels, is_global=is_global) for e in expr.exprs)
    return UNKNOWN


# ---------------------------------------------------------------------------
# representatives: the kinds of objects a selector selects
# ---------------------------------------------------------------------------

MAX_REPRESENTATIVES = 32


def _literals(expr: Expr, negate: bool = False) -> list[list[tuple[bool, Expr]]] | None:
    """Disjunctive normal form: a list of conjunctions of (positive, atom).

    None when it would exceed ``MAX_REPRESENTATIVES`` conjunctions.
    """
    if isinstance(expr, Not):
        return _literals(expr.expr, not negate)
    if isinstance(expr, (And, Or)):
        conjunctive = isinstance(expr, And) != negate
        parts = [_literals(e, negate) for e in expr.exprs]
        if any(p is None for p in parts):
            return None
        if conjunctive:
            out: list[list[tuple[bool, Expr]]] = [[]]
            for part in parts:
                out = [a + b for a, b in product(out, part)]
                if len(out) > MAX_REPRESENTATIVES:
                    return None
            return out
        out = [c for part in parts for c in part]
        return out if len(out) <= MAX_REPRESENTATIVES else None
    if isinstance(expr, In) and not negate:
        if len(expr.values) > MAX_REPRESENTATIVES:
            return None
        return [[(True, Eq(expr.key, v))] for v in expr.values]
    return [[(not negate, expr)]]


def representatives(expr: Expr) -> list[Labels] | None:
    """Label sets standing for the objects ``expr`` selects, one per way of
    satisfying it; each is selected by ``expr`` for certain. None when the
    selector is too complex to split (callers then decide nothing)."""
    dnf = _literals(expr)
    if dnf is None:
        return None
    found: list[Labels] = []
    for conjunction in dnf:
        labels = _build(conjunction)
        if labels is not None and evaluate(expr, labels) is True and labels not in found:
            found.append(labels)
    return found


def _build(conjunction: Iterable[tuple[bool, Expr]]) -> Labels | None:
    values: dict[str, str] = {}
    present: set[str] = set()
    absent: set[str] = set()
    excluded: dict[str, set[str]] = {}
    for positive, atom in conjunction:
        if isinstance(atom, All):
            if not positive:
                return None
        elif isinstance(atom, Global):
            if positive:
                return None  # selects non-namespaced objects only: no pods
        elif isinstance(atom, Has):
            (present if positive else absent).add(atom.key)
        elif isinstance(atom, Eq):
            if positive:
                if values.get(atom.key, atom.value) != atom.value:
                    return None
                values[atom.key] = atom.value
            else:
                excluded.setdefault(atom.key, set()).add(atom.value)
        elif isinstance(atom, In):  # only negated ones remain
            excluded.setdefault(atom.key, set()).update(atom.values)
        elif isinstance(atom, Text):
            if positive:
                present.add(atom.key)  # the value stays unknown
    if (set(values) | present) & absent:
        return None
    if any(values[k] in excluded.get(k, ()) for k in values):
        return None
    return Labels(values, frozenset(present - set(values)), frozenset(absent),
                  {k: frozenset(v) for k, v in excluded.items() if k not in values})
