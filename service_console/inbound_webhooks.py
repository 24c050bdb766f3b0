"""ESP inbound webhooks (django-anymail) for mail to the support address.

Anymail's inbound views check the ESP's signature (or basic auth) and send the
`anymail.signals.inbound` signal - its documented integration point, so this is the one
place a signal carries a business flow: the receiver hands the message straight to
`inbound_email_receive`. Mounted at /anymail/<esp>/inbound/ for every ESP anymail supports.

An ESP that is not configured (no signing key, or no basic-auth secret for ESPs that only
have that) answers 404 instead of anymail's ImproperlyConfigured 500 - and never accepts
unsigned mail.
"""

import logging
import warnings
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailInsecureWebhookWarning
from anymail.signals import inbound
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponseNotFound
from django.urls import URLPattern

from service_console.models import InboundEmail

logger = logging.getLogger(__name__)


def _configured_only(view):
    view_class = getattr(view, "view_class", None)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            with warnings.catch_warnings():
                # It warns about a missing basic-auth secret; we refuse such an ESP below instead.
                warnings.simplefilter("ignore", AnymailInsecureWebhookWarning)
                instance_check = view_class(**getattr(view, "view_initkwargs", {})) if view_class else None
        except ImproperlyConfigured:
            return HttpResponseNotFound("Inbound email from this provider is not configured.")
        needs_secret = instance_check is not None and getattr(instance_check, "warn_if_no_basic_auth", False)
        if needs_secret and not instance_check.basic_auth:
            return HttpResponseNotFound("Inbound email from this provider is not configured (no webhook secret).")
        return view(request, *args, **kwargs)

    return wrapper


urlpatterns = [
    URLPattern(p.pattern, _configured_only(p.callback), p.default_args, p.name)
    for p in anymail_urls.urlpatterns
    if p.name and p.name.endswith("_inbound_webhook")
]


def _raw_bytes(message) -> bytes:
    try:
        return message.as_bytes()
    except Exception:  # noqa: BLE001 - a malformed header the serializer refuses
        return message.as_string().encode("utf-8", "replace")


def handle_inbound(sender, event, esp_name, **kwargs):
    """anymail.signals.inbound receiver (connected in ServiceConsoleConfig.ready)."""
    from service_console.services.inbound import inbound_email_receive

    message = event.message
    recipients = [message.envelope_recipient] if getattr(message, "envelope_recipient", None) else []
    inbound_email_receive(
        message=message,
        raw=_raw_bytes(message),
        source=InboundEmail.Source.WEBHOOK,
        esp=esp_name,
        envelope_recipients=recipients,
        envelope_sender=getattr(message, "envelope_sender", None),
    )


def connect() -> None:
    inbound.connect(handle_inbound, dispatch_uid="service_console.inbound_email")
