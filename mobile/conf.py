"""Settings of the SMS and push outbox, with their defaults (README "SMS and web push").
Retries and leases follow the email outbox's settings (messaging.conf) unless set here."""

from django.conf import settings

from messaging import conf as email_conf


def setting(name: str, default):
    return getattr(settings, name, default)


def sms_backend() -> str:
    return setting("SMS_BACKEND", "mobile.sms.FileSmsBackend")


def sms_file_path() -> str:
    return str(setting("SMS_FILE_PATH", ""))


def send_lease_seconds() -> float:
    """A claimed message belongs to its worker this long (more than one provider call)."""
    return float(setting("MOBILE_SEND_LEASE_SECONDS", 60))


def max_attempts() -> int:
    return int(setting("MOBILE_MAX_ATTEMPTS", email_conf.max_attempts()))


def relay_grace_seconds() -> float:
    return float(setting("MOBILE_RELAY_GRACE_SECONDS", email_conf.relay_grace_seconds()))


def quiet_hours() -> tuple[int, int]:
    """(start, end) hours, local to the customer: marketing SMS and push wait out this span."""
    return int(setting("SMS_QUIET_HOURS_START", 21)), int(setting("SMS_QUIET_HOURS_END", 9))


def provider_timeout_seconds() -> float:
    return float(setting("MOBILE_PROVIDER_TIMEOUT_SECONDS", 10))
