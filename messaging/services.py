"""Writes of the messaging app: enqueue into the outbox, deliver one row, suppress, retry.

Delivery guarantees (see README "Email delivery"): the broker redelivers unacked tasks, so
a task can run more than once; the outbox row's claim makes the *send* happen once. A worker
claims its batch with one conditional UPDATE (queued -> sending, claim token, lease) in its
own committed statement, renews the lease while the batch is in progress, bounds every SMTP
call by a deadline well inside the lease, checks it still holds the row just before the
message's final dot (messaging.delivery.Lease.holds) and marks it sent right after the
server's 250 (fenced by its claim token). If the worker dies between the server accepting
the message and the "sent" update, the row is sent again once the lease expires: that
window (one UPDATE) is the only at-least-once gap, and the re-send carries the same
Message-ID so receivers can drop it.
"""

import json
import logging
import math
import random
import smtplib
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.db.models.functions import Greatest, Lower
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone, translation

from common.audit import audit_record
from common.audit_actions import AuditAction
from common.sql import bound_cursor, insert_sql, mark_saved
from customers.models import Customer
from customers.selectors import customer_by_email, customers_with_marketing_consent, may_send_marketing_email
from messaging import conf
from messaging.delivery import Lease, SentMarks
from messaging.exceptions import ContextNotSerialisable, EmailTemplateMissing, InvalidRecipient
from messaging.mime import envelope_address, mime_message
from messaging.models import EmailEvent, OutboundEmail, Suppression
from messaging.rendering import email_render, message_id_for, template_exists
from messaging.smtp import ClaimLost, smtp_send

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status

# Headers a caller may add to a message; everything else (Message-ID, From, List-*) is ours.
EXTRA_HEADERS = ("Reply-To", "In-Reply-To", "References", "Auto-Submitted")


def _extra_headers(headers: dict | None) -> dict[str, str]:
    clean = {}
    for name, value in (headers or {}).items():
        if name not in EXTRA_HEADERS:
            raise ValueError(f"header {name!r} cannot be set by the caller")
        value = " ".join(str(value).split())  # no CR/LF: one header line each
        if value:
            clean[name] = value[:2000]
    return clean


def _json_context(context: dict) -> dict:
    try:
        return json.loads(json.dumps(context or {}, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as exc:
        raise ContextNotSerialisable(str(exc)) from exc


def email_language(*, customer=None) -> str:
    """The language to write to `customer` in: theirs, else the active one, else the shop's."""
    if customer is not None and getattr(customer, "language", ""):
        return customer.language
    active = translation.get_language() or settings.LANGUAGE_CODE
    return active if active in dict(settings.LANGUAGES) else active.split("-")[0]


def email_enqueue(
    *,
    to: str,
    kind: str,
    template: str,
    context: dict,
    dedupe_key: str,
    customer=None,
    marketing: bool = False,
    headers: dict[str, str] | None = None,
    language: str | None = None,
) -> OutboundEmail:
    """Write one outbox row in the caller's transaction; the relay publishes it once the
    transaction has committed (see `outbox_publish_new`).

    It is written in `language`, else the customer's language (Customer.language), else the
    language active now (a guest's checkout, a visitor's sign-up), else LANGUAGE_CODE. Callers
    that format money or dates into `context` do it inside `translation.override(...)` of
    `email_language(...)` so the figures match the text.

    Idempotent on `dedupe_key`: a repeat returns the existing row and sends nothing new.
    Marketing mail is checked against consent and suppression again at send time.
    `headers` may set Reply-To, In-Reply-To, References and Auto-Submitted (EXTRA_HEADERS).
    Raises EmailTemplateMissing if templates/emails/<template>.html does not exist.
    """
    if not template_exists(template):
        raise EmailTemplateMissing(template)
    to = (to or "").strip()
    # Deliberately looser than validate_email (callers' addresses were validated by their
    # forms; "x@intranet" is legal): refuse only what cannot be a single mailbox.
    if to.count("@") != 1 or any(ch in to for ch in "\r\n,;<> \t") or not all(to.split("@")):
        raise InvalidRecipient(to)
    if customer is None:
        customer = customer_by_email(to)
    email = OutboundEmail(
        language=language or email_language(customer=customer),
        customer=customer,
        to_email=to,
        kind=kind,
        template=template,
        context=_json_context(context),
        dedupe_key=dedupe_key,
        marketing=marketing,
        headers=_extra_headers(headers),
    )
    email.message_id = message_id_for(email.public_id)
    # One statement, no savepoint: a row already holding this dedupe key (or a concurrent
    # insert of it, which this statement waits for) makes it insert nothing.
    sql, params = insert_sql([email])
    with bound_cursor() as cursor:
        cursor.execute(f'{sql} ON CONFLICT ("dedupe_key") DO NOTHING RETURNING id', params)
        row = cursor.fetchone()
    if row is None:
        return OutboundEmail.objects.get(dedupe_key=dedupe_key)
    return mark_saved(email, row[0])


def outbox_publish_new(*, limit: int = 500) -> int:
    """Hand rows nobody has published yet to the delivery workers; returns how many.

    Business transactions only write outbox rows (no broker call per email). The relay in
    every Celery worker calls this every MESSAGING_RELAY_INTERVAL_SECONDS: one conditional
    UPDATE claims up to `limit` new rows (queued, never published; transactional mail
    first) and stamps `last_enqueued_at`, committed at once, then they go to the broker as
    deliver_batch tasks of up to MESSAGING_BATCH_SIZE — one round trip per task, spread over
    at least MESSAGING_RELAY_SPREAD tasks when there are that many rows. Several relays
    may run: SKIP LOCKED gives each row to one of them. Rows of a transaction that rolled
    back never existed, so nothing is ever published for them. If the broker refuses, the
    rows are unstamped and published on a later tick; a row published twice is harmless
    (the delivery claim decides)."""
    table = db_connection.ops.quote_name(OutboundEmail._meta.db_table)
    now = timezone.now()
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_enqueued_at = %s WHERE id IN ("  # noqa: S608 - table name from the model
            f"SELECT id FROM {table} WHERE status = %s AND last_enqueued_at IS NULL "
            "ORDER BY marketing, id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING id, marketing",
            [now, Status.QUEUED, limit],
        )
        rows = sorted(cursor.fetchall(), key=lambda row: (row[1], row[0]))
    ids = [row[0] for row in rows]
    # Spread a small burst over several tasks so every worker process sends in parallel; a
    # big one goes in full batches (one SMTP connection and one claim per batch).
    size = max(1, min(conf.batch_size(), math.ceil(len(ids) / conf.relay_spread())))
    published = _publish(ids, size=size)
    if published < len(ids):
        OutboundEmail.objects.filter(pk__in=ids[published:], last_enqueued_at=now).update(last_enqueued_at=None)
    return published


def _publish(ids: list[int], *, size: int) -> int:
    """Publish `ids` as delivery tasks; returns how many were handed to the broker (a broker
    outage stops early and is logged: the rows stay queued for a later tick or the relay)."""
    from messaging.tasks import deliver, deliver_batch  # tasks import this module

    published = 0
    try:
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            if len(chunk) == 1:
                deliver.delay(chunk[0])
            else:
                deliver_batch.delay(chunk)
            published += len(chunk)
    except Exception:  # noqa: BLE001 - any broker error; a later tick or the relay covers it
        logger.warning("broker unavailable; %s email(s) left for the outbox relay", len(ids) - published, exc_info=True)
    return published


class DeliverySkip(models.TextChoices):
    """Why a delivery attempt did nothing to the row (besides its OutboundEmail.Status)."""

    MISSING = "missing", "No such outbox row"
    BUSY = "busy", "Another worker holds the row's lease"


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str  # an OutboundEmail.Status or a DeliverySkip
    retry_in: float | None = None
    detail: str = ""


_CLAIM = (
    "UPDATE {table} SET status = %s, claim_token = %s, lease_until = %s, attempts = attempts + 1, updated_at = %s"
    " WHERE id = ANY(%s) AND ((status = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s))"  # due
    " OR (status = %s AND lease_until < %s))"  # or its sender's lease ran out
    " RETURNING {columns}"
)


def _claim_rows(email_ids: list[int], *, now, lease: Lease) -> list[OutboundEmail]:
    """Claim the due rows among `email_ids` for this worker with ONE conditional UPDATE,
    committed at once (autocommit): two workers can never both match a row. The same
    statement returns the claimed rows (in pk order): no second query to read them."""
    quote = db_connection.ops.quote_name
    sql = _CLAIM.format(
        table=quote(OutboundEmail._meta.db_table),
        columns=", ".join(quote(field.column) for field in OutboundEmail._meta.concrete_fields),
    )
    params = [Status.SENDING, lease.token, lease.starting(), now, list(email_ids)]
    rows = OutboundEmail.objects.raw(sql, [*params, Status.QUEUED, now, Status.SENDING, now])
    return sorted(rows, key=lambda email: email.pk)


def _claim(email_ids: list[int], *, now, lease: Lease) -> int:
    """`_claim_rows`, counted."""
    return len(_claim_rows(email_ids, now=now, lease=lease))


def _finish(email: OutboundEmail, token: uuid.UUID, **fields) -> bool:
    """Update the row only if we still hold the claim."""
    fields.setdefault("updated_at", timezone.now())
    fields.setdefault("lease_until", None)
    return bool(OutboundEmail.objects.filter(pk=email.pk, claim_token=token).update(**fields))


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return not (500 <= exc.smtp_code < 600)
    if isinstance(exc, (smtplib.SMTPException, OSError, TimeoutError)):
        return True  # disconnects, refused connections, timeouts
    status = getattr(exc, "status_code", None)  # ESP (anymail) API errors
    if isinstance(status, int):
        return status >= 500 or status == 429
    return True


def retry_delay(attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, then 50-100% of it."""
    delay = min(conf.retry_max_seconds(), conf.retry_base_seconds() * (2 ** max(attempt - 1, 0)))
    return random.uniform(delay / 2, delay)


def suppression_for(email_address: str) -> Suppression | None:
    return Suppression.objects.filter(email__iexact=email_address.strip()).first()


def _blocked_reasons(emails: list[OutboundEmail]) -> dict[int, str]:
    """Why each message must not be sent now ("" = send): hard-bounce suppression blocks all
    mail; other suppressions and missing marketing consent block marketing mail. Checked at
    send time, in a fixed number of queries per batch."""
    addresses = {e.to_email.lower() for e in emails}
    suppressions = {
        s.email.lower(): s for s in Suppression.objects.annotate(address=Lower("email")).filter(address__in=addresses)
    }
    marketing_customer_ids = [e.customer_id for e in emails if e.marketing and e.customer_id]
    consenting: set[int] = set()
    if marketing_customer_ids:
        consenting = set(
            customers_with_marketing_consent(Customer.objects.filter(pk__in=marketing_customer_ids)).values_list(
                "pk", flat=True
            )
        )
    reasons = {}
    for email in emails:
        suppression = suppressions.get(email.to_email.lower())
        if suppression is not None and (suppression.blocks_transactional or email.marketing):
            reasons[email.pk] = f"suppressed: {suppression.get_reason_display()}"
        elif email.marketing and not (
            email.customer_id in consenting if email.customer_id else may_send_marketing_email(email.to_email)
        ):
            reasons[email.pk] = "no marketing consent at send time"
        else:
            reasons[email.pk] = ""
    return reasons


def _unclaimed_outcome(email_id: int, row: dict | None, now) -> DeliveryOutcome:
    if row is None:
        return DeliveryOutcome(DeliverySkip.MISSING)
    if row["status"] == Status.SENDING and row["lease_until"]:
        # Someone holds it (or died holding it): look again when the lease runs out.
        return DeliveryOutcome(DeliverySkip.BUSY, retry_in=max((row["lease_until"] - now).total_seconds(), 0) + 1)
    return DeliveryOutcome(row["status"])  # sent / failed / suppressed: nothing to do; queued: retry pending


def email_deliver(*, email_id: int, connection=None) -> DeliveryOutcome:
    """Send one outbox row if it is due and not already taken. Safe to call any number of
    times: only the caller whose conditional claim succeeds sends.

    Returns the outcome; `retry_in` (seconds) asks the caller to try again later.
    `connection` is an open Django email backend to reuse (one per worker process).
    """
    return email_deliver_batch(email_ids=[email_id], connection=connection)[email_id]


def email_deliver_batch(*, email_ids: list[int], connection=None) -> dict[int, DeliveryOutcome]:
    """Send several outbox rows over one connection: one claim UPDATE for the batch, one
    "sent" UPDATE per message right after the server accepted it (so a crash re-sends at
    most the message in flight). Past half the lease, or after a transient error, the
    untried rest is handed back (queued) and reported with `retry_in`."""
    with _async_commit():
        return _deliver_batch(email_ids=list(dict.fromkeys(email_ids)), connection=connection)


@contextmanager
def _async_commit():
    """Claims and "sent" marks do not wait for the WAL flush (synchronous_commit off, this
    session only, for the length of the batch). A worker crash loses nothing; only a
    Postgres crash can forget the last few hundred ms of marks, and then those messages are
    re-sent after their lease (at-least-once, same Message-ID) - never lost. Without it, the
    per-message fsync dominates delivery time."""
    if db_connection.vendor != "postgresql" or db_connection.in_atomic_block:
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        try:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:  # the connection broke mid-batch: it is discarded anyway
            logger.debug("could not reset synchronous_commit", exc_info=True)


def _deliver_batch(*, email_ids: list[int], connection) -> dict[int, DeliveryOutcome]:
    now = timezone.now()
    started = time.monotonic()
    lease = Lease()
    outcomes: dict[int, DeliveryOutcome] = {}
    claimed = _claim_rows(email_ids, now=now, lease=lease)
    if len(claimed) < len(email_ids):
        claimed_ids = {e.pk for e in claimed}
        rows = {
            r["pk"]: r
            for r in OutboundEmail.objects.filter(pk__in=[i for i in email_ids if i not in claimed_ids]).values(
                "pk", "status", "lease_until"
            )
        }
        for email_id in email_ids:
            if email_id not in claimed_ids:
                outcomes[email_id] = _unclaimed_outcome(email_id, rows.get(email_id), now)
    if not claimed:
        return outcomes

    reasons = _blocked_reasons(claimed)
    own_connection = connection is None
    if own_connection:
        connection = get_connection(conf.email_backend(), fail_silently=False)
    held = {e.pk for e in claimed}
    marks = SentMarks()
    try:
        with db_connection.execute_wrapper(marks.before_query):
            try:
                _send_all(claimed, lease, marks, connection, reasons, held, started, outcomes)
            finally:
                marks.flush()  # the last mark's answer, before anyone else uses the connection
    finally:
        if own_connection:
            _close_quietly(connection)
    for email_id in marks.lost:
        logger.error("email %s was sent but its claim had been taken over (lease too short?)", email_id)
    return outcomes


def _send_all(claimed, lease: Lease, marks: SentMarks, connection, reasons, held, started, outcomes) -> None:
    for index, email in enumerate(claimed):
        if time.monotonic() - started > conf.batch_max_seconds():
            # A very slow server: let other workers share the rest.
            outcomes.update(_give_back(claimed[index:], lease, delay=0))
            break
        if lease.needs_renewal():
            held = lease.renew([e.pk for e in claimed[index:]])
        if email.pk not in held:
            outcomes[email.pk] = DeliveryOutcome("busy", detail="claim taken over by another worker")
            continue
        outcome = _send_claimed(email, lease, marks, connection, reasons[email.pk])
        outcomes[email.pk] = outcome
        if outcome.status == Status.QUEUED and index + 1 < len(claimed):
            # The server is refusing: do not hammer it with the rest of the batch.
            outcomes.update(_give_back(claimed[index + 1 :], lease, delay=outcome.retry_in or 0))
            break


def _give_back(emails: list[OutboundEmail], lease: Lease, *, delay: float) -> dict[int, DeliveryOutcome]:
    """Release claimed but untried rows (their claim did not count as an attempt)."""
    OutboundEmail.objects.filter(pk__in=[e.pk for e in emails], claim_token=lease.token).update(
        status=Status.QUEUED,
        attempts=F("attempts") - 1,
        lease_until=None,
        next_attempt_at=timezone.now() + timedelta(seconds=delay) if delay else None,
        updated_at=timezone.now(),
    )
    return {e.pk: DeliveryOutcome(Status.QUEUED, retry_in=delay) for e in emails}


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a broken socket may fail to close; it is dropped either way
        logger.debug("closing broken email connection failed", exc_info=True)


def _transmit(email: OutboundEmail, rendered, lease: Lease, connection) -> str:
    """Hand one rendered message to the backend; returns the provider's message id.
    SMTP: built bytes, deadline-bounded commands and the claim fence before the final dot
    (messaging.smtp). Other backends (file, locmem, ESPs): Django's EmailMultiAlternatives,
    with the fence asked just before the hand-over."""
    headers = {**_extra_headers(email.headers), **rendered.headers}
    if isinstance(connection, SMTPBackend):
        data = mime_message(
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=email.to_email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            headers=headers,
        )
        deadline = time.monotonic() + lease.deadline
        if connection.connection is None:
            connection.open()
        smtp_send(
            connection.connection,
            from_addr=envelope_address(headers.get("From", settings.DEFAULT_FROM_EMAIL)),
            to_addr=envelope_address(email.to_email),
            data=data,
            deadline=deadline,
            fence=lambda: lease.holds(email.pk),
            per_command=connection.timeout,
        )
        return rendered.headers["Message-ID"]
    message = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, to=[email.to_email], headers=headers, connection=connection
    )
    message.attach_alternative(rendered.html, "text/html")
    if not lease.holds(email.pk):
        raise ClaimLost()
    message.send(fail_silently=False)
    anymail_status = getattr(message, "anymail_status", None)
    return getattr(anymail_status, "message_id", None) or rendered.headers["Message-ID"]


def _send_claimed(
    email: OutboundEmail, lease: Lease, marks: SentMarks, connection, blocked_reason: str
) -> DeliveryOutcome:
    token = lease.token
    if blocked_reason:
        _finish(email, token, status=Status.SUPPRESSED, last_error=blocked_reason)
        return DeliveryOutcome(Status.SUPPRESSED, detail=blocked_reason)
    try:
        rendered = email_render(
            template=email.template,
            to_email=email.to_email,
            context=email.context,
            marketing=email.marketing,
            public_id=email.public_id,
            kind=email.kind,
            language=email.language,
        )
    except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
        _finish(email, token, status=Status.FAILED, last_error=f"template error: {exc}")
        return DeliveryOutcome(Status.FAILED, detail=str(exc))

    try:
        provider_id = _transmit(email, rendered, lease, connection)
    except ClaimLost:
        # Frozen past the lease: another worker owns the row; nothing was delivered by us.
        if isinstance(connection, SMTPBackend):
            connection.connection = None  # smtp_send closed the socket mid-DATA
        logger.warning("email %s: claim lost before the send completed; left to its new owner", email.pk)
        return DeliveryOutcome("busy", detail="claim lost before the final dot")
    except Exception as exc:  # noqa: BLE001 - classified below, bounded by the retry budget
        _close_quietly(connection)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        attempts = email.attempts
        if _is_transient(exc) and attempts < conf.max_attempts():
            delay = retry_delay(attempts)
            _finish(
                email,
                token,
                status=Status.QUEUED,
                last_error=error,
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
            )
            logger.warning("email %s attempt %s failed, retry in %.1fs: %s", email.pk, attempts, delay, error)
            return DeliveryOutcome(Status.QUEUED, retry_in=delay, detail=error)
        _finish(email, token, status=Status.FAILED, last_error=error)
        logger.error("email %s failed after %s attempts: %s", email.pk, attempts, error)
        return DeliveryOutcome(Status.FAILED, detail=error)

    marks.mark(email_id=email.pk, token=token, subject=rendered.subject, provider_message_id=str(provider_id)[:255])
    return DeliveryOutcome(Status.SENT)


def outbox_due_for_relay(*, limit: int = 1000) -> list[int]:
    """Rows the broker seems to have lost: queued and not picked up within the grace period
    after they were (re-)enqueued or due, or `sending` with an expired lease (worker died)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=conf.relay_grace_seconds())
    stale_queued = Q(status=Status.QUEUED, _due__lte=cutoff)
    expired = Q(status=Status.SENDING, lease_until__lt=now)
    return list(
        OutboundEmail.objects.annotate(_due=Greatest("created_at", "last_enqueued_at", "next_attempt_at"))
        .filter(stale_queued | expired)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_mark_relayed(*, ids: list[int]) -> None:
    OutboundEmail.objects.filter(pk__in=ids).update(last_enqueued_at=timezone.now())


@transaction.atomic
def email_retry(*, email: OutboundEmail, actor=None) -> bool:
    """Put a failed (or suppressed) message back in the queue with a fresh retry budget."""
    updated = OutboundEmail.objects.filter(pk=email.pk, status__in=[Status.FAILED, Status.SUPPRESSED]).update(
        status=Status.QUEUED,
        attempts=0,
        next_attempt_at=None,
        lease_until=None,
        last_enqueued_at=None,
        updated_at=timezone.now(),
    )
    if not updated:
        return False
    # last_enqueued_at cleared above: the relay publishes it on its next tick.
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditAction.EMAIL_RETRY,
            customer=email.customer,
            obj=email,
            before={"status": email.status},
            after={"status": Status.QUEUED},
        )
    return True


@transaction.atomic
def suppression_add(*, email_address: str, reason: str, note: str = "", actor=None, source_email=None) -> Suppression:
    """Record a hard bounce, complaint or manual block for an address (idempotent; a hard
    bounce upgrades an existing marketing-only entry)."""
    email_address = email_address.strip()
    suppression = Suppression.objects.select_for_update().filter(email__iexact=email_address).first()
    if suppression is None:
        try:
            with transaction.atomic():
                suppression = Suppression.objects.create(email=email_address, reason=reason, note=note)
        except IntegrityError:
            suppression = Suppression.objects.select_for_update().get(email__iexact=email_address)
    if suppression.reason != reason and reason == Suppression.Reason.HARD_BOUNCE:
        suppression.reason = reason
        suppression.save(update_fields=["reason"])
    event_kind = {
        Suppression.Reason.HARD_BOUNCE: EmailEvent.Kind.BOUNCE,
        Suppression.Reason.COMPLAINT: EmailEvent.Kind.COMPLAINT,
    }.get(reason)
    customer = source_email.customer if source_email is not None else customer_by_email(email_address)
    if event_kind:
        EmailEvent.objects.create(email=source_email, customer=customer, kind=event_kind)
    if actor is not None:
        audit_record(
            actor=actor, action=AuditAction.EMAIL_SUPPRESS, customer=customer, obj=suppression, after={"reason": reason}
        )
    return suppression


def email_event_record(*, email: OutboundEmail | None, kind: str, url: str = "", user_agent: str = "") -> EmailEvent:
    return EmailEvent.objects.create(
        email=email,
        customer=email.customer if email is not None else None,
        kind=kind,
        url=url[:2000],
        user_agent=user_agent[:255],
    )


@transaction.atomic
def marketing_unsubscribe(*, to_email: str, email: OutboundEmail | None = None, user_agent: str = "") -> None:
    """One-click unsubscribe (no sign-in): withdraw marketing consent for the address.
    Addresses without a customer record get a marketing-only suppression. Idempotent."""
    from customers.models import Consent
    from customers.services import consent_set

    customer = (email.customer if email is not None else None) or customer_by_email(to_email)
    if customer is not None and customer.email.lower() == to_email.lower():
        consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=False, source="unsubscribe")
    else:
        if suppression_for(to_email) is None:
            suppression_add(email_address=to_email, reason=Suppression.Reason.MANUAL, note="unsubscribe link")
    EmailEvent.objects.create(
        email=email, customer=customer, kind=EmailEvent.Kind.UNSUBSCRIBE, user_agent=user_agent[:255]
    )
