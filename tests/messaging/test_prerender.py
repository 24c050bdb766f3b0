"""Email templates rendered with their fixed parts folded once per language
(common.prerender) give exactly what Django's engine gives, in the right language, with
each message's own values."""

import re
import uuid
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.test import override_settings
from django.utils import translation
from django.utils.html import escape

from common import prerender
from messaging.rendering import email_context, email_render, open_pixel_url
from messaging.samples import email_templates, sample_context

pytestmark = pytest.mark.django_db

HOSTILE = 'Ada <b>"O\'Neil" & co</b> 100%'
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _catalog():
    with open(Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


def _django(name: str, ctx: dict, *, html: bool) -> str:
    """What Django's own engine renders (the path messaging used before prerender)."""
    if html:
        return get_template(name).render(ctx)
    return get_template(name).template.render(Context(ctx, autoescape=False))


def _hostile(context: dict) -> dict:
    """The sample context with every top-level string that a person reads made hostile:
    markup, quotes, ampersands and a percent sign must come out escaped in HTML only."""
    out = dict(context)
    for key, value in context.items():
        if isinstance(value, str) and not key.endswith("_url"):
            out[key] = f"{value} {HOSTILE}"
    return out


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("marketing", [False, True])
@pytest.mark.parametrize("template", email_templates())
def test_every_email_template_renders_as_django_does(template, language, marketing):
    context, _ = sample_context(template)
    public_id = uuid.uuid4()
    with translation.override(language):
        ctx = email_context(
            to_email="ada@example.com", context=_hostile(context), marketing=marketing, public_id=public_id, kind="k"
        )
        for suffix, html in ((".html", True), (".txt", False), ("_subject.txt", False)):
            name = f"emails/{template}{suffix}"
            try:
                expected = _django(name, ctx, html=html)
            except Exception as exc:  # noqa: BLE001 - a missing part must fail the same way
                with pytest.raises(type(exc)):
                    prerender.render(name, ctx, autoescape=html)
                continue
            # Twice: the second render comes from the folded cache.
            assert prerender.render(name, ctx, autoescape=html) == expected
            assert prerender.render(name, ctx, autoescape=html) == expected


def test_languages_do_not_leak_into_each_other():
    """English, then Japanese, then English again in one process: each is the catalog's
    text for its language (read from the .po file), and matches a fresh Django render."""
    catalog = _catalog()
    site = {"SITE_NAME": settings.SITE_NAME}
    subject_id = "Test message from %(SITE_NAME)s"
    footer_id = "This is a service message about your account or order with %(SITE_NAME)s."
    heading_id = "Test message"
    expected = {
        "en": (subject_id % site, footer_id % site, heading_id),
        "ja": (
            catalog.get(subject_id).string % site,
            catalog.get(footer_id).string % site,
            catalog.get(heading_id).string,
        ),
    }
    assert expected["ja"][0] != expected["en"][0]  # the catalog really translates them

    for language in ["en", "ja", "en", "ja"]:
        rendered = email_render(
            template="test_message",
            to_email="ada@example.com",
            context={"requested_by": "bench"},
            marketing=False,
            public_id=uuid.uuid4(),
            kind="test",
            language=language,
        )
        subject, footer, heading = expected[language]
        assert rendered.subject == subject
        assert footer in rendered.html
        assert footer in rendered.text
        assert f">{heading}</h1>" in rendered.html
        if language == "en":
            assert not _JAPANESE.search(rendered.html + rendered.text + rendered.subject)


def test_per_message_values_are_never_cached():
    """Names, amounts, numbers and links come from each message's own context."""
    context, _ = sample_context("order_confirmation")

    def order(number: str, name: str, total: str, url: str) -> dict:
        return {**context, "order_number": number, "customer_name": name, "total": total, "order_url": url}

    first = order("UC-1", "Ayumi", "¥1,234", "/orders/UC-1/")
    second = order("UC-2", "Grace Hopper", "¥98,765", "/orders/UC-2/")
    renders = []
    for ctx, to_email in [(first, "ayumi@example.com"), (second, "grace@example.com"), (first, "ayumi@example.com")]:
        public_id = uuid.uuid4()
        rendered = email_render(
            template="order_confirmation",
            to_email=to_email,
            context=ctx,
            marketing=True,
            public_id=public_id,
            kind="order_confirmation",
            language="ja",
            track=False,
        )
        renders.append((ctx, to_email, public_id, rendered))

    for ctx, to_email, public_id, rendered in renders:
        others = [other for other in (first, second) if other["order_number"] != ctx["order_number"]]
        assert ctx["order_number"] in rendered.subject
        for part in (rendered.html, rendered.text):
            assert ctx["customer_name"] in part
            assert ctx["total"] in part
            assert ctx["order_url"] in part
            for other in others:
                assert other["customer_name"] not in part
                assert other["total"] not in part
                assert other["order_number"] not in part
        assert rendered.headers["Message-ID"].startswith(f"<{public_id.hex}@")
        assert open_pixel_url(public_id) in rendered.html
        for _, _, other_id, _ in renders:
            if other_id != public_id:
                assert open_pixel_url(other_id) not in rendered.html
                assert other_id.hex not in rendered.headers["List-Unsubscribe"] + rendered.html
    unsubscribes = {r.headers["List-Unsubscribe"] for _, _, _, r in renders}
    assert len(unsubscribes) == 3


@pytest.mark.parametrize("language", ["en", "ja"])
def test_shop_wide_values_are_folded_per_value(language, settings):
    """The shop's name and address are folded into the cached template, so a change of them
    (another value) must give a fresh version, escaped in HTML only, as Django renders it."""
    for site_name, address in [("Shop & <Co>", '1 "Main" St'), ("Other shop", "2 Side St")]:
        settings.SITE_NAME = site_name
        settings.COMPANY_POSTAL_ADDRESS = address
        public_id = uuid.uuid4()
        rendered = email_render(
            template="test_message",
            to_email="ada@example.com",
            context={"requested_by": "bench"},
            marketing=False,
            public_id=public_id,
            kind="test",
            language=language,
            track=False,
        )
        with translation.override(language):
            ctx = email_context(
                to_email="ada@example.com",
                context={"requested_by": "bench"},
                marketing=False,
                public_id=public_id,
                kind="test",
            )
            assert rendered.html == _django("emails/test_message.html", ctx, html=True)
            assert rendered.subject == " ".join(_django("emails/test_message_subject.txt", ctx, html=False).split())
        assert site_name in rendered.subject
        assert site_name in rendered.text and address in rendered.text
        assert escape(site_name) in rendered.html and escape(address) in rendered.html


LOCMEM = {
    "emails/base.html": (
        "{% load i18n %}<title>{% block title %}{% translate 'Shop' %}{% endblock %}</title>"
        "{% block body %}[{% translate 'Cart' %}]{% endblock %}"
        "{% block tail %}{{ leaked|default:'clean' }}{% endblock %}"
    ),
    "emails/super.html": (
        "{% extends 'emails/base.html' %}{% load i18n %}{% block title %}{{ block.super }} · {{ name }}{% endblock %}"
    ),
    "emails/scoped.html": (
        "{% extends 'emails/base.html' %}{% load i18n %}"
        "{% block body %}{% translate 'Cart' as leaked %}{{ leaked }} {{ name }}{% endblock %}"
    ),
    "emails/includes.html": (
        "{% load i18n %}{% autoescape off %}{{ name }}{% endautoescape %}|{{ name }}|"
        "{% include 'emails/part.html' with label=name %}|{% include 'emails/part.html' with label='x' only %}|"
        "{% for item in items %}{% blocktranslate with n=item %}Item {{ n }}{% endblocktranslate %},"
        "{% empty %}{% translate 'Cart' %}{% endfor %}|{% blocktranslate %}100%% for {{ name }}{% endblocktranslate %}"
    ),
    "emails/part.html": "<{{ label }}:{{ name|default:'none' }}:{{ SITE_NAME }}>",
    "emails/shadow.html": (
        "{% load i18n %}{{ SITE_NAME }}|"
        "{% for SITE_NAME in items %}{{ SITE_NAME }},{% empty %}{{ SITE_NAME }}{% endfor %}|"
        "{% with SITE_NAME=name %}{{ SITE_NAME }}"
        "{% blocktranslate %}at {{ SITE_NAME }}{% endblocktranslate %}{% endwith %}|"
        "{% include 'emails/part.html' with label='a' SITE_NAME=name %}|"
        "{% include 'emails/part.html' with label='b' %}|"
        "{% blocktranslate %}Welcome to {{ SITE_NAME }}{% endblocktranslate %}|"
        "{% blocktranslate with SITE_NAME=name %}Welcome to {{ SITE_NAME }}{% endblocktranslate %}"
    ),
    "emails/rebinds.html": (
        "{% load i18n %}{{ SITE_NAME }}|{% firstof name as SITE_NAME %}{{ SITE_NAME }}|"
        "{% blocktranslate %}Welcome to {{ SITE_NAME }}{% endblocktranslate %}"
    ),
}


@override_settings(
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", LOCMEM)]},
        }
    ]
)
@pytest.mark.parametrize(
    "name",
    ["emails/super.html", "emails/scoped.html", "emails/includes.html", "emails/shadow.html", "emails/rebinds.html"],
)
@pytest.mark.parametrize("items", [[], ["a<b", "c"]])
def test_block_super_scoped_variables_includes_and_loops_as_django(name, items):
    """`block.super` falls back to Django; a variable set inside a block stays inside it;
    includes (with / only), loops with their empty branch, autoescape off and a literal
    percent sign render as Django renders them. A fixed value is folded only where nothing
    rebinds its name (loop variable, `with`, include `with`, `as`), and per value."""
    for site_name in ["Shop & <Co>", "Other shop"]:
        ctx = {"name": HOSTILE, "items": items, "SITE_NAME": site_name}  # copied per render: `as` writes to it
        for language in ["en", "ja", "en"]:
            with translation.override(language):
                expected = get_template(name).render(dict(ctx))
                plain = get_template(name).template.render(Context(dict(ctx), autoescape=False))
                for fixed in [(), ("SITE_NAME",), ("SITE_NAME", "name")]:
                    assert prerender.render(name, dict(ctx), fixed=fixed) == expected
                    assert prerender.render(name, dict(ctx), autoescape=False, fixed=fixed) == plain
    if name == "emails/scoped.html":
        assert expected.endswith("clean")
