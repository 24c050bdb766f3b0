"""SMS backends: one small interface, three implementations.

- `FileSmsBackend` (development, the default): appends each message as a JSON line to
  SMS_FILE_PATH (var/sms) and logs it; /dev/sms/ lists them.
- `LocmemSmsBackend` (tests): keeps messages in `mobile.sms.outbox`.
- `TwilioSmsBackend`: Twilio's Messages API through the `twilio` package, with a status
  callback to our webhook. TWILIO_API_BASE_URL points it at another host (a local server
  that plays Twilio in tests).

A backend raises `SmsTransientError` for what may work later (timeouts, 429, 5xx) and
`SmsPermanentError` for what will not (an invalid number, an unverified sender).
"""

import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from mobile import conf

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsTransientError(SmsError):
    pass


class SmsPermanentError(SmsError):
    pass


@dataclass(frozen=True)
class SmsToSend:
    to: str  # E.164
    body: str
    reference: str  # our message's public id
    kind: str = ""
    status_callback: str = ""


class SmsBackend:
    def send(self, message: SmsToSend) -> str:
        """Send one SMS; return the provider's message id."""
        raise NotImplementedError


def status_callback_url() -> str:
    return f"{settings.SITE_URL}{reverse('mobile:twilio_status')}"


def sms_backend() -> SmsBackend:
    return import_string(conf.sms_backend())()


class FileSmsBackend(SmsBackend):
    """Development: one JSON line per message in SMS_FILE_PATH/<day>.jsonl (see devsms)."""

    def send(self, message: SmsToSend) -> str:
        directory = Path(conf.sms_file_path() or Path(settings.VAR_DIR) / "sms")
        directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(tz=UTC)
        provider_id = f"DEV{uuid.uuid4().hex}"
        record = {
            "sid": provider_id,
            "to": message.to,
            "body": message.body,
            "kind": message.kind,
            "reference": message.reference,
            "sent_at": now.isoformat(),
        }
        with open(directory / f"{now:%Y%m%d}.jsonl", "a", encoding="utf-8") as file:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
        logger.info("SMS to %s: %s", message.to, message.body)
        return provider_id


outbox: list[SmsToSend] = []


class LocmemSmsBackend(SmsBackend):
    """Tests: messages are appended to `mobile.sms.outbox`."""

    def send(self, message: SmsToSend) -> str:
        outbox.append(message)
        return f"LOC{uuid.uuid4().hex}"


def _twilio_http_client():
    from twilio.http.http_client import TwilioHttpClient

    class BaseUrlHttpClient(TwilioHttpClient):
        """Twilio's own HTTP client, sending to TWILIO_API_BASE_URL instead of
        https://api.twilio.com when that is set (a regional proxy, or a test server)."""

        base_url = getattr(settings, "TWILIO_API_BASE_URL", "").rstrip("/")

        def request(self, method, url, *args, **kwargs):
            if self.base_url:
                url = re.sub(r"^https://[^/]+", self.base_url, url)
            return super().request(method, url, *args, **kwargs)

    return BaseUrlHttpClient(timeout=conf.provider_timeout_seconds())


class TwilioSmsBackend(SmsBackend):
    """Twilio Messages API: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER (or
    TWILIO_MESSAGING_SERVICE_SID). Delivery reports come back to /sms/twilio/status/."""

    def __init__(self):
        from twilio.rest import Client

        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=_twilio_http_client())

    def send(self, message: SmsToSend) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if getattr(settings, "TWILIO_MESSAGING_SERVICE_SID", "")
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        try:
            created = self.client.messages.create(
                to=message.to,
                body=message.body,
                status_callback=message.status_callback or status_callback_url(),
                **sender,
            )
        except TwilioRestException as exc:
            detail = f"Twilio {exc.status} (code {exc.code}): {exc.msg}"
            if exc.status == 429 or exc.status >= 500:
                raise SmsTransientError(detail) from exc
            raise SmsPermanentError(detail) from exc
        except (TwilioException, OSError) as exc:  # connection refused, timeouts (requests' errors are OSErrors)
            raise SmsTransientError(f"{type(exc).__name__}: {exc}") from exc
        return created.sid
