"""Personalisation tokens in marketer-written text: `{{ first_name }}`, with safe defaults.

Marketer text is never run through the template engine (no template injection): only the
tokens below are replaced, with plain-text values; the email templates autoescape them.
`{{ first_name|default:"friend" }}` overrides the default. Unknown tokens become "".
"""

import re

from django.conf import settings

TOKEN_RE = re.compile(r"\{\{\s*([a-z_]+)\s*(?:\|\s*default\s*:\s*\"([^\"]*)\"\s*)?\}\}")

DEFAULTS = {"first_name": "there", "last_name": "", "full_name": "there", "email": "", "site_name": ""}
TOKENS = tuple(DEFAULTS)


def token_values(customer) -> dict[str, str]:
    if customer is None:
        return {}
    first = (getattr(customer, "first_name", "") or "").strip()
    last = (getattr(customer, "last_name", "") or "").strip()
    return {
        "first_name": first,
        "last_name": last,
        "full_name": f"{first} {last}".strip(),
        "email": getattr(customer, "email", "") or "",
        "site_name": settings.SITE_NAME,
    }


def personalise(text: str, values: dict[str, str]) -> str:
    """Replace tokens in `text` with plain-text values (escaping is the template's job)."""

    def replace(match: re.Match) -> str:
        name, explicit_default = match.group(1), match.group(2)
        if name not in DEFAULTS:
            return ""
        value = values.get(name) or ""
        if value:
            return value
        if explicit_default is not None:
            return explicit_default
        return settings.SITE_NAME if name == "site_name" else DEFAULTS[name]

    return TOKEN_RE.sub(replace, text or "")
