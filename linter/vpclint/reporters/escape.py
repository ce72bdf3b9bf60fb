"""Text from the input, made safe for each output format.

Every name, path, value and message vpclint prints may come from a hostile
pull request, so no reporter prints such text raw:

- ``visible``: control characters (C0 but tab, DEL, C1), line and paragraph
  separators, bidirectional overrides and lone surrogates (undecodable file
  names) become visible escapes (``\\n``, ``\\x1b``, ``\\u202e``): no
  terminal escape sequence, carriage return or line break of the input
  reaches the output;
- ``line``: the same for one output line, which also cannot be taken for a CI
  log command: a line starting (after blanks) with ``::`` is a GitHub Actions
  workflow command, and ``##[``, ``##vso[``, ``##teamcity[`` anywhere in a
  line are the runners' legacy, Azure Pipelines and TeamCity commands;
- ``code_span``/``fence``: CommonMark code spans and fences the content
  cannot close;
- ``xml_clean``/``xml_document``, ``json_text``, ``mermaid_text``,
  ``dot_text``: what each of those syntaxes needs.
"""

from __future__ import annotations

import re

# C0 controls but tab (harmless, and common in source lines), C1 controls, DEL, the
# Unicode line/paragraph separators, the bidirectional marks and overrides ("Trojan
# Source"), the BOM, lone surrogates (from file names that are not UTF-8) and the
# non-characters U+FFFE/U+FFFF (which XML forbids)
_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff\ufffe\uffff"
_CONTROL = re.compile(f"[\x00-\x08\x0a-\x1f{_BEYOND_C0}]")
_BEYOND_C0_CONTROL = re.compile(f"[{_BEYOND_C0}]")  # what JSON leaves raw
_XML_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_BEYOND_C0}]")  # all but tab, LF, CR
_NAMED = {"\n": "\\n", "\r": "\\r"}
# the second "#" of the legacy runner syntax (##[cmd]), Azure Pipelines' (##vso[)
# and TeamCity's (##teamcity[): the runners find these anywhere in a line
_INLINE_COMMAND = re.compile(r"(?<=#)#(?=[A-Za-z]*\[)")
# a GitHub workflow command: the runner trims leading white space, then looks for "::"
_LINE_COMMAND = re.compile(r"^(\s*)::")
_LINE_UNSAFE = re.compile(f"[\x00-\x08\x0a-\x1f{_BEYOND_C0}]|##|^\\s*::")


def _escaped(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text) -> str:
    """``text`` on one line, every control character shown as an escape."""
    return _CONTROL.sub(lambda m: _escaped(m.group()), str(text))


def inline_commands(text: str) -> str:
    """``text`` with the "#" of a runner's "##[" command shown as an escape (``#\\x23[``)."""
    return _INLINE_COMMAND.sub(r"\\x23", text)


def line(text) -> str:
    """One line of output: control characters visible, and no CI runner takes it
    for a command (the "#" of "##[" and the first ":" of a leading "::" are
    shown as escapes, ``#\\x23[``, ``\\x3a:``)."""
    text = str(text)
    if not _LINE_UNSAFE.search(text):  # nearly every line: one scan
        return text
    return _LINE_COMMAND.sub(r"\1\\x3a:", inline_commands(visible(text)), count=1)


def lines(text) -> str:
    """Several lines of output (vpclint's own line breaks kept), each made safe by ``line``."""
    return "\n".join(line(row) for row in str(text).split("\n"))


def fix_lines(finding) -> list[str]:
    """The lines of a finding's fix, each shown on one line: the fix's own line
    breaks (an HCL snippet's) are kept, those inside an address it quotes (the
    finding's resource or a related one) are shown as escapes."""
    text = finding.fix or ""
    for quoted in sorted({finding.resource, *finding.related}, key=len, reverse=True):
        if quoted and _CONTROL.search(quoted):
            text = text.replace(quoted, visible(quoted))
    return [visible(row) for row in text.split("\n")]


# -- Markdown (CommonMark / GitHub) ------------------------------------------------

def _longest_run(text: str, char: str) -> int:
    if char not in text:
        return 0
    return max(len(run) for run in re.findall(re.escape(char) + "+", text))


def code_span(text) -> str:
    """An inline code span its content cannot close: delimited by more backticks
    than the longest run inside, padded with a space when the content starts or
    ends with a backtick or a space (CommonMark strips one from each side)."""
    text = visible(text)
    ticks = "`" * (_longest_run(text, "`") + 1)
    if text.startswith(("`", " ")) or text.endswith(("`", " ")):
        text = f" {text} "
    return f"{ticks}{text}{ticks}"


def fence(body: str, info: str = "") -> list[str]:
    """The lines of a fenced code block whose fence is longer than any backtick
    run in ``body``, so nothing in it closes the block."""
    ticks = "`" * max(3, _longest_run(body, "`") + 1)
    return [f"{ticks}{info}", *body.split("\n"), ticks]


def has_command(text: str) -> bool:
    """Whether ``text`` holds a CI runner's inline command (``##[``...)."""
    return _INLINE_COMMAND.search(text) is not None


# -- XML -------------------------------------------------------------------------

def _xml(text: str) -> str:
    """What XML 1.0 forbids (C0 controls but tab, LF and CR, lone surrogates, U+FFFE,
    U+FFFF) and what it allows but a terminal acts on (C1, separators, bidi
    overrides) shown as escapes; LF and CR, which the serializer escapes, kept."""
    return _XML_UNSAFE.sub(lambda m: _escaped(m.group()), text)


def xml_clean(root) -> None:
    """Make every attribute value and text of an ElementTree well-formed XML 1.0."""
    for element in root.iter():
        for key, value in element.attrib.items():
            element.set(key, _xml(value))
        if element.text:
            element.text = _xml(element.text)
        if element.tail:
            element.tail = _xml(element.tail)


def xml_document(text: str) -> str:
    """A serialised XML document no CI runner takes for commands when printed:
    the "#" of "##[" and the ":" starting a line (possible only in element
    text) become character references, so the parsed values are unchanged."""
    text = _INLINE_COMMAND.sub("&#35;", text)
    return re.sub(r"(?m)^(\s*):", r"\1&#58;", text)


# -- JSON ------------------------------------------------------------------------

def json_text(document: str) -> str:
    """Serialised JSON with C1 controls, separators, bidi overrides and lone
    surrogates as ``\\u`` escapes and the "#" of "##[" as ``\\u0023``: the same
    values, nothing a terminal or CI runner acts on (JSON escapes C0 controls itself)."""
    document = _BEYOND_C0_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
    return _INLINE_COMMAND.sub(r"\\u0023", document)


# -- Pictures --------------------------------------------------------------------

_MERMAID_PLAIN = re.compile(r"[^A-Za-z0-9 .,:/_\-()\[\]'=+*@!?]")


def mermaid_text(text) -> str:
    """Text inside a quoted Mermaid label: every character that could end the
    label, start a directive, comment or entity, or be read as HTML or markdown
    (quotes, "#", "%", ";", "<", ">", backticks, "|", braces...) is a Mermaid
    entity code (``#35;``)."""
    return _MERMAID_PLAIN.sub(lambda m: f"#{ord(m.group())};", visible(text))


def dot_text(text) -> str:
    """Text inside a quoted Graphviz string: backslashes and quotes escaped,
    and the "#" of a runner's "##[" an entity (``&#35;``), which Graphviz shows
    as "#"."""
    return _INLINE_COMMAND.sub("&#35;", visible(text).replace("\\", "\\\\").replace('"', '\\"'))
