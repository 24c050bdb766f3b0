"""Find words people will read that a template leaves outside the translation tags.

A template is lexed with Django's own lexer; everything that is not plain text — variables,
tags, comments, and whole {% blocktranslate %}…{% endblocktranslate %} blocks — is blanked
(newlines kept, so line numbers stay right). What is left is parsed as HTML: text between
tags and the attributes a person reads (title, alt, placeholder, aria-label, …) must not
contain letters. Text in <script>/<style> is skipped. A .txt template (email text part,
subject) is all text. Used by tests/test_translations.py."""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import DebugLexer, TokenType

READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription", "label"}
_LETTER = re.compile(r"[^\W\d_]")
_BLANK = re.compile(r"[^\n]")
# CSS classes and ids written into a block (`{% block body_class %}console-body{% endblock %}`).
_IDENTIFIER = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")
# Text that is the same in every language: the brand, separators, symbols.
ALLOWED = {"Unified", "Commerce", "UC", "×", "·", "—", "→", "←", "✓", "✕", "…", "x", "X", "Swagger"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str


def _blanked(source: str) -> str:
    """The template with every non-text token (and translation blocks) replaced by NULs."""
    out: list[str] = []
    depth = 0  # inside blocktranslate / comment
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in {"blocktranslate", "blocktrans", "comment"}:
                depth += 1
            elif name in {"endblocktranslate", "endblocktrans", "endcomment"}:
                depth = max(depth - 1, 0)
        if token.token_type == TokenType.TEXT and depth == 0:
            out.append(raw)
        else:
            # A space first, so `<tr{% if x %} class="y"{% endif %}>` still parses as a tag.
            blank = _BLANK.sub("\x00", raw)
            out.append(" " + blank[1:] if blank and blank[0] != "\n" else blank)
    return "".join(out)


def _offending(text: str) -> list[str]:
    pieces = []
    for piece in re.split(r"\x00+", text):
        piece = " ".join(piece.split())
        if piece and _LETTER.search(piece) and piece not in ALLOWED and not _IDENTIFIER.match(piece):
            pieces.append(piece)
    return pieces


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            is_button_label = name == "value" and tag == "input" and dict(attrs).get("type") in {"submit", "button"}
            if name in READ_ATTRIBUTES or is_button_label:
                for piece in _offending(value or ""):
                    self.found.append((self.getpos()[0], f'{name}="{piece}"'))

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._skip:
            return
        line = self.getpos()[0]
        for piece in _offending(data):
            self.found.append((line, piece))


# A literal fallback inside a variable: {{ x|default:"System" }} is read by people too.
_DEFAULT_LITERAL = re.compile(r"""default:(?P<q>["'])(?P<text>.*?)(?P=q)""")


def _variable_literals(source: str) -> list[tuple[int, str]]:
    found = []
    for token in DebugLexer(source).tokenize():
        if token.token_type != TokenType.VAR:
            continue
        for match in _DEFAULT_LITERAL.finditer(token.contents):
            for piece in _offending(match.group("text")):
                found.append((source.count("\n", 0, token.position[0]) + 1, f'default:"{piece}"'))
    return found


def untranslated_text(path: Path) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    blanked = _blanked(source)
    if path.suffix == ".txt":
        found = []
        for number, line in enumerate(blanked.splitlines(), start=1):
            found += [(number, piece) for piece in _offending(line)]
    else:
        scanner = _Scanner()
        scanner.feed(blanked)
        scanner.close()
        found = scanner.found
    found += _variable_literals(source)
    return [Finding(str(path), line, text) for line, text in found]
