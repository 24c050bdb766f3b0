"""The call-to-action button of every email speaks the message's language: its label is a
translatable literal in the template (`label=_("…")`), so a Japanese message's button reads
the catalog's Japanese text, not the English msgid."""

import html
import re
import uuid
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

from messaging.rendering import email_render
from messaging.samples import email_templates, sample_context

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
_LITERAL_BUTTON = re.compile(r'\{% include "emails/_button.html" with [^%]*label=_\("([^"]+)"\)')
_BUTTON_TEXT = re.compile(r'<a href="[^"]*" style="display:inline-block;[^"]*">([^<]*)</a>')


def _buttons() -> list[tuple[str, str]]:
    found = []
    for template in email_templates():
        source = (TEMPLATES / f"{template}.html").read_text()
        found += [(template, label) for label in _LITERAL_BUTTON.findall(source)]
    return found


def test_every_literal_button_label_is_marked_for_translation():
    for path in TEMPLATES.glob("*.html"):
        for line in path.read_text().splitlines():
            if '"emails/_button.html"' in line and 'label="' in line:
                pytest.fail(f"{path.name}: button label is not translatable: {line.strip()}")
    assert len(_buttons()) >= 10


@pytest.mark.parametrize(("template", "label"), _buttons())
def test_button_label_is_in_the_message_language(template, label):
    with open(Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po", "rb") as handle:
        entry = read_po(handle).get(label)
    assert entry is not None and entry.string and not entry.fuzzy, f"no Japanese for {label!r}"
    context, _ = sample_context(template)
    for language, expected in (("ja", entry.string), ("en", label)):
        rendered = email_render(
            template=template,
            to_email="ada@example.com",
            context=context,
            marketing=template.startswith("marketing_"),
            public_id=uuid.uuid4(),
            kind=template,
            language=language,
        )
        assert expected in [html.unescape(text) for text in _BUTTON_TEXT.findall(rendered.html)]
