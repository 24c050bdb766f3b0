"""Turn an outbox row into subject, text and HTML: Django templates under templates/emails/,
the shared layout, the unsubscribe link for marketing mail, the open pixel and signed
click-tracking links."""

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import strip_tags

from common import prerender

CLICK_SALT = "messaging.click"
OPEN_SALT = "messaging.open"
UNSUBSCRIBE_SALT = "messaging.unsubscribe"

_HREF = re.compile(r'href="([^"]+)"')


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


_TOKEN_SAFE = re.compile(r"[A-Za-z0-9_\-:.]+")
_PLACEHOLDER = "uc0token0placeholder"


@cache
def _route_parts(name: str, urlconf: str | None, script_prefix: str) -> tuple[str, str]:
    """`reverse(name, args=[token])` split around the token, per URLconf and script prefix:
    reversing costs ~0.3 ms, and a message has several signed links."""
    url = reverse(name, args=[_PLACEHOLDER], urlconf=urlconf)
    prefix, _, suffix = url.partition(_PLACEHOLDER)
    return prefix, suffix


def _route(name: str, token: str) -> str:
    if not _TOKEN_SAFE.fullmatch(token):  # signed tokens never need quoting; anything else does
        return reverse(name, args=[token])
    prefix, suffix = _route_parts(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{prefix}{token}{suffix}"


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def absolute(path: str) -> str:
    return site_url() + path


def message_id_for(public_id) -> str:
    """A Message-ID fixed per outbox row: a re-send after a crash carries the same id, so
    the sink (and real receivers, which de-duplicate on it) can tell it is the same message."""
    domain = urlsplit(site_url()).hostname or "localhost"
    return f"<{public_id.hex}@{domain}>"


def unsubscribe_token(*, to_email: str, public_id=None) -> str:
    return signing.dumps({"a": to_email.lower(), "m": public_id.hex if public_id else ""}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> dict | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) and data.get("a") else None


def unsubscribe_url(*, to_email: str, public_id=None) -> str:
    return absolute(_route("messaging:unsubscribe", unsubscribe_token(to_email=to_email, public_id=public_id)))


def open_pixel_url(public_id) -> str:
    token = signing.Signer(salt=OPEN_SALT).sign(public_id.hex)
    return absolute(_route("messaging:open", token))


def open_token_read(token: str) -> str | None:
    try:
        return signing.Signer(salt=OPEN_SALT).unsign(token)
    except signing.BadSignature:
        return None


def click_url(public_id, url: str) -> str:
    token = signing.dumps([public_id.hex, url], salt=CLICK_SALT, compress=True)
    return absolute(_route("messaging:click", token))


def click_token_read(token: str) -> tuple[str, str] | None:
    try:
        data = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    if not (isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)):
        return None
    return data[0], data[1]


def is_site_url(url: str) -> bool:
    """Only this site's absolute URLs (same scheme and host) are tracked and redirected to."""
    site = urlsplit(site_url())
    parts = urlsplit(url)
    return parts.scheme == site.scheme and parts.netloc == site.netloc and "\\" not in url


def _track_links(html: str, public_id) -> str:
    tracking_prefix = absolute("/email/")
    signed: dict[str, str] = {}  # a link repeated in the message (logo, button) is signed once

    def replace(match: re.Match) -> str:
        url = match.group(1).replace("&amp;", "&")
        if url.startswith("/") and not url.startswith("//"):
            url = absolute(url)
        if not is_site_url(url) or url.startswith(tracking_prefix):
            return match.group(0)
        if url not in signed:
            signed[url] = click_url(public_id, url)
        return f'href="{signed[url]}"'

    return _HREF.sub(replace, html)


def template_exists(template: str) -> bool:
    try:
        get_template(f"emails/{template}.html")
    except TemplateDoesNotExist:
        return False
    return True


# Context values set from settings by email_context, the same in every message.
_SHOP_WIDE = ("SITE_NAME", "SITE_URL", "COMPANY_POSTAL_ADDRESS")


def _render_plain(name: str, context: dict) -> str:
    """Render a text template without HTML escaping (subjects and text parts)."""
    return prerender.render(name, context, autoescape=False, fixed=_SHOP_WIDE)


def email_context(*, to_email: str, context: dict, marketing: bool, public_id, kind: str) -> dict:
    ctx = {
        **context,
        "to_email": to_email,
        "kind": kind,
        "marketing": marketing,
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": site_url(),
        "COMPANY_POSTAL_ADDRESS": getattr(settings, "COMPANY_POSTAL_ADDRESS", ""),
        "open_pixel_url": open_pixel_url(public_id),
    }
    if marketing:
        ctx["unsubscribe_url"] = unsubscribe_url(to_email=to_email, public_id=public_id)
    return ctx


def email_render(
    *,
    template: str,
    to_email: str,
    context: dict,
    marketing: bool,
    public_id,
    kind: str,
    track: bool = True,
    language: str = "",
) -> RenderedEmail:
    """Render one message in `language` (the row's; default the shop's LANGUAGE_CODE).
    Raises TemplateDoesNotExist / TemplateSyntaxError for broken templates."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _email_render(
            template=template,
            to_email=to_email,
            context=context,
            marketing=marketing,
            public_id=public_id,
            kind=kind,
            track=track,
        )


def _email_render(*, template: str, to_email: str, context: dict, marketing: bool, public_id, kind: str, track: bool):
    ctx = email_context(to_email=to_email, context=context, marketing=marketing, public_id=public_id, kind=kind)
    html = prerender.render(f"emails/{template}.html", ctx, fixed=_SHOP_WIDE)
    try:
        text = _render_plain(f"emails/{template}.txt", ctx)
    except TemplateDoesNotExist:
        text = strip_tags(html)
    try:
        subject = _render_plain(f"emails/{template}_subject.txt", ctx)
    except TemplateDoesNotExist:
        subject = str(context.get("subject") or kind.replace("_", " ").capitalize())
    subject = " ".join(subject.split())[:255]
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    if track:
        html = _track_links(html, public_id)
    headers = {"Message-ID": message_id_for(public_id), "X-Outbox-Id": public_id.hex}
    if marketing:
        # RFC 2369 + RFC 8058 one-click unsubscribe.
        headers["List-Unsubscribe"] = f"<{ctx['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return RenderedEmail(subject=subject, text=text, html=html, headers=headers)
