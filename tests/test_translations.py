"""Translations are complete (issue 16): every .po entry translated and not fuzzy; every
string marked in a template or in Python has a Japanese translation; templates leave no
words a person reads outside the translation tags (commerce_platform.template_text)."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

from commerce_platform.template_text import untranslated_text

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "tests", "migrations", "bench", "node_modules", "var", "staticfiles", ".git"}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _project_files(pattern: str):
    for path in sorted(ROOT.glob(pattern)):
        if not path.is_file() or SKIP_DIRS & set(path.relative_to(ROOT).parts):
            continue
        yield path


def _templates():
    for path in _project_files("**/templates/**/*"):
        if path.suffix in {".html", ".txt"}:
            yield path


def _po(language: str):
    with open(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


_LITERAL = r"u?'(?:[^'\\]|\\.)*'|u?\"(?:[^\"\\]|\\.)*\""
_CALL = re.compile(
    r"\b(gettext|ngettext|pgettext|npgettext|_)\(\s*((?:" + _LITERAL + r")(?:\s*,\s*(?:" + _LITERAL + r"))*)"
)


def _template_msgids(path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every string marked in a template, as makemessages sees them
    (Django's templatize turns the template into the gettext calls xgettext reads)."""
    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found = set()
    for call in _CALL.finditer(source):
        strings = [ast.literal_eval(literal) for literal in re.findall(_LITERAL, call.group(2))]
        if call.group(1) in {"pgettext", "npgettext"}:
            found.add((strings[0], strings[1]))
        else:
            found.add((None, strings[0]))
    return found


def _python_msgids() -> set[tuple[str | None, str]]:
    found = set()
    for path in _project_files("**/*.py"):
        with open(path, "rb") as handle:
            for _lineno, _func, message, _comments in extract_python(handle, KEYWORDS.keys(), [], {}):
                if isinstance(message, tuple):
                    message = tuple(m for m in message if m is not None)
                    if _func.startswith(("pgettext", "npgettext")):
                        found.add((message[0], message[1]))
                    elif message:
                        found.add((None, message[0]))
                elif message:
                    found.add((None, message))
    return found


def test_japanese_po_has_no_untranslated_or_fuzzy_entries():
    catalog = _po("ja")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert problems == []


def test_every_marked_string_has_a_japanese_translation():
    catalog = _po("ja")
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id and m.string}
    marked = _python_msgids()
    for path in _templates():
        marked |= _template_msgids(path)
    missing = sorted((msgid for msgid in marked if msgid not in translated), key=str)
    assert missing == [], "run: manage.py makemessages -l ja, then translate locale/ja/LC_MESSAGES/django.po"


@pytest.mark.parametrize("path", list(_templates()), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_leave_no_text_outside_translation_tags(path):
    assert [f"{f.line}: {f.text}" for f in untranslated_text(path)] == []
