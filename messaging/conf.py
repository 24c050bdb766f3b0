"""Messaging settings with their defaults (override in settings or the environment)."""

from django.conf import settings


def setting(name: str, default):
    return getattr(settings, name, default)


def send_lease_seconds() -> float:
    """How long a worker owns a claimed row. Must exceed the longest possible send
    (EMAIL_TIMEOUT per SMTP command); a killed worker's row is re-sent only after it."""
    return float(setting("MESSAGING_SEND_LEASE_SECONDS", 120))


def max_attempts() -> int:
    return int(setting("MESSAGING_MAX_ATTEMPTS", 6))


def retry_base_seconds() -> float:
    return float(setting("MESSAGING_RETRY_BASE_SECONDS", 5))


def retry_max_seconds() -> float:
    return float(setting("MESSAGING_RETRY_MAX_SECONDS", 600))


def relay_grace_seconds() -> float:
    """A queued row not picked up this long after it was (re-)enqueued is enqueued again."""
    return float(setting("MESSAGING_RELAY_GRACE_SECONDS", 120))


def email_backend() -> str:
    return setting("MESSAGING_EMAIL_BACKEND", "") or settings.EMAIL_BACKEND


def batch_size() -> int:
    """Messages per deliver_batch task (one SMTP connection, one claim query)."""
    return int(setting("MESSAGING_BATCH_SIZE", 50))


def relay_interval_seconds() -> float:
    """How often the relay in each Celery worker publishes new outbox rows (the longest an
    email waits between its transaction's commit and its delivery task)."""
    return float(setting("MESSAGING_RELAY_INTERVAL_SECONDS", 0.25))


def relay_spread() -> int:
    """The relay splits what it publishes in one go over at least this many tasks (when it
    has that many rows), so a small burst is sent by all worker processes in parallel."""
    return max(1, int(setting("MESSAGING_RELAY_SPREAD", 8)))


def send_deadline_seconds() -> float:
    """The longest one message's SMTP transaction may take (every command and reply of it
    is bounded by what is left); at most a third of the lease, so a worker that renews its
    lease between messages never loses a row in the middle of a send."""
    lease = send_lease_seconds()
    return min(float(setting("MESSAGING_SEND_DEADLINE_SECONDS", min(lease / 4, 30.0))), lease / 3)


def batch_max_seconds() -> float:
    """A batch still sending after this long hands its untried rows back to the queue, so
    a slow server's backlog is shared among workers (the lease is renewed until then)."""
    return float(setting("MESSAGING_BATCH_MAX_SECONDS", 300))
