"""Signed links in marketing email: click-through (tags the session for attribution) and
cart restore (rebuilds a cart on any device; signs nobody in)."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

CLICK_SALT = "marketing.click"
RESTORE_SALT = "marketing.cart_restore"
RESTORE_MAX_AGE_SECONDS = 30 * 24 * 3600
SESSION_KEY = "marketing_touch"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def safe_path(target: str) -> str:
    """A site-relative path for `target` (a path or this site's absolute URL); "/" otherwise.
    Keeps marketer-entered links from turning the redirect into an open redirect."""
    target = (target or "").strip()
    if target.startswith(settings.SITE_URL.rstrip("/") + "/"):
        target = target[len(settings.SITE_URL.rstrip("/")) :]
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target or parts.scheme or parts.netloc:
        return "/"
    return target


def click_link(*, message_id: int, target: str) -> str:
    token = signing.dumps({"m": message_id, "u": safe_path(target)}, salt=CLICK_SALT, compress=True)
    return absolute(reverse("marketing:click", args=[token]))


def click_token_read(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=CLICK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int) or not isinstance(data.get("u"), str):
        return None
    return data["m"], safe_path(data["u"])


def restore_link(*, cart_id: int, message_id: int | None) -> str:
    token = signing.dumps({"c": cart_id, "m": message_id}, salt=RESTORE_SALT, compress=True)
    return absolute(reverse("cart_restore", args=[token]))


def restore_token_read(token: str, *, max_age: int = RESTORE_MAX_AGE_SECONDS) -> tuple[int, int | None] | None:
    try:
        data = signing.loads(token, salt=RESTORE_SALT, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        return None
    message_id = data.get("m")
    return data["c"], message_id if isinstance(message_id, int) else None


def with_utm(path: str, *, flow: str, campaign_id: int | None, message_id: int) -> str:
    """Add utm_* so catalog's attribution middleware records the email as the session's source."""
    params = {
        "utm_source": "email",
        "utm_medium": flow,
        "utm_campaign": f"campaign-{campaign_id}" if campaign_id else flow,
        "utm_content": f"m{message_id}",
    }
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}{urlencode(params)}"
