"""Web push: the VAPID key pair and sending one notification (pywebpush).

Keys come from WEBPUSH_VAPID_PRIVATE_KEY / WEBPUSH_VAPID_PUBLIC_KEY (base64url: the raw
32-byte private key and the uncompressed public point that browsers take as
`applicationServerKey`). When they are unset — development, tests — a pair is generated
once into VAR_DIR/vapid.json (never committed: var/ is ignored) and reused, so browsers'
subscriptions stay valid across restarts. Production must set them: a new pair would
orphan every subscription.
"""

import base64
import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from mobile import conf

logger = logging.getLogger(__name__)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class VapidKeys:
    private_key: str  # base64url raw (32 bytes)
    public_key: str  # base64url uncompressed point (65 bytes)


def vapid_keys_generate() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return VapidKeys(_b64url(private), _b64url(public))


def _keys_file() -> Path:
    return Path(settings.VAR_DIR) / "vapid.json"


@lru_cache(maxsize=1)
def vapid_keys() -> VapidKeys:
    private = getattr(settings, "WEBPUSH_VAPID_PRIVATE_KEY", "")
    public = getattr(settings, "WEBPUSH_VAPID_PUBLIC_KEY", "")
    if private and public:
        return VapidKeys(private, public)
    path = _keys_file()
    if path.is_file():
        data = json.loads(path.read_text())
        return VapidKeys(data["private_key"], data["public_key"])
    keys = vapid_keys_generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written once, readable by this user only; a concurrent first start keeps the first file.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        data = json.loads(path.read_text())
        return VapidKeys(data["private_key"], data["public_key"])
    with os.fdopen(fd, "w") as file:
        json.dump({"private_key": keys.private_key, "public_key": keys.public_key}, file)
    logger.warning("generated development VAPID keys in %s (set WEBPUSH_VAPID_* in production)", path)
    return keys


def vapid_subject() -> str:
    return getattr(settings, "WEBPUSH_VAPID_SUBJECT", "") or f"mailto:{settings.HELPDESK_SUPPORT_EMAIL}"


class PushError(Exception):
    pass


class PushTransientError(PushError):
    pass


class PushPermanentError(PushError):
    pass


class PushSubscriptionGone(PushError):
    """404/410 from the push service: the browser dropped the subscription."""


@dataclass(frozen=True)
class PushToSend:
    endpoint: str
    p256dh: str
    auth: str
    payload: dict
    ttl: int = 24 * 3600
    urgency: str = "normal"


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def push_endpoint_allowed(endpoint: str) -> bool:
    """An https address on a browser push service (settings.WEBPUSH_ENDPOINT_HOSTS or a
    subdomain), or, where allowed (development, tests), a push service on loopback."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if settings.WEBPUSH_ALLOW_LOOPBACK_ENDPOINTS and host in LOOPBACK_HOSTS and parts.scheme in ("http", "https"):
        return True
    if parts.scheme != "https" or parts.username or parts.password:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in settings.WEBPUSH_ENDPOINT_HOSTS)


def push_send(message: PushToSend) -> str:
    """Encrypt (RFC 8291, aes128gcm) and POST one notification with VAPID (RFC 8292).
    Returns the push service's message location (or "")."""
    import requests
    from py_vapid import Vapid
    from pywebpush import WebPushException, webpush

    if not push_endpoint_allowed(message.endpoint):  # checked on subscribing too; this holds for old rows
        raise PushPermanentError("the endpoint is not a browser push service this shop sends to")
    keys = vapid_keys()
    try:
        response = webpush(
            subscription_info={"endpoint": message.endpoint, "keys": {"p256dh": message.p256dh, "auth": message.auth}},
            data=json.dumps(message.payload, ensure_ascii=False),
            vapid_private_key=Vapid.from_raw(keys.private_key.encode()),
            vapid_claims={"sub": vapid_subject()},
            ttl=message.ttl,
            headers={"Urgency": message.urgency},
            timeout=conf.provider_timeout_seconds(),
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):
            raise PushSubscriptionGone(f"push service answered {status}") from exc
        if status is None or status == 429 or status >= 500:
            raise PushTransientError(str(exc)[:500]) from exc
        raise PushPermanentError(str(exc)[:500]) from exc
    except (requests.RequestException, OSError) as exc:
        raise PushTransientError(f"{type(exc).__name__}: {exc}") from exc
    return response.headers.get("Location", "")[:64] if response is not None else ""
