"""The parts of delivery that keep a claim honest and cheap (used by messaging.services).

**The lease.** A batch claims its rows with one UPDATE that sets `claim_token` and
`lease_until = now + MESSAGING_SEND_LEASE_SECONDS`; nobody else can claim a row until its
lease has run out. `Lease` keeps the batch's own view of that expiry on the monotonic
clock (taken *before* the claim statement, so it never overestimates), renews it for the
rows still to send whenever less than two send deadlines are left, and answers the fence
question "do I still hold this row?" just before a message's final dot:

- enough of the lease left locally (more than one send deadline): yes, no query needed;
- otherwise (the process was frozen or slowed past its renewal): ask the database with an
  UPDATE that renews the row's lease *only if the claim token is still ours*. A token is
  replaced only by another worker's claim, so this is exact: renewed -> still ours for a
  full lease; nothing updated -> someone else has it, and we must not send.

Every SMTP call of a message is bounded by the send deadline (`conf.send_deadline_seconds`,
at most a third of the lease), so a live worker never loses a row in the middle of a send.

**Marks.** "sent" is written right after the server's 250, one indexed UPDATE in raw SQL,
fenced by the claim token (asynchronous commit, see services._async_commit), sent without
waiting for its answer (`SentMarks`). Marks are not grouped: the time between the server
accepting a message and its mark is the only window in which a killed worker causes a
duplicate, so it is kept to one statement on its way to the database.
"""

import select
import time
import uuid
from datetime import datetime, timedelta
from functools import cache

from django.db import DatabaseError, connection
from django.utils import timezone
from psycopg import pq

from messaging import conf
from messaging.models import OutboundEmail

Status = OutboundEmail.Status


def _table() -> str:
    return connection.ops.quote_name(OutboundEmail._meta.db_table)


class Lease:
    """This batch's claim on its rows: token, local expiry, renewal and the fence."""

    def __init__(self, token: uuid.UUID | None = None):
        self.token = token or uuid.uuid4()
        self.seconds = conf.send_lease_seconds()
        self.deadline = conf.send_deadline_seconds()
        self.expires = float("-inf")  # monotonic time by which the lease has surely not run out
        self.renewals = 0
        self.rechecks = 0

    def starting(self) -> datetime:
        """Call right before the statement that sets `lease_until`: returns that value and
        records the local expiry (clock read first, so the local view is conservative)."""
        self.expires = time.monotonic() + self.seconds
        return timezone.now() + timedelta(seconds=self.seconds)

    def left(self) -> float:
        return self.expires - time.monotonic()

    def needs_renewal(self) -> bool:
        return self.left() < 2 * self.deadline

    def _extend(self, email_ids: list[int], lease_until) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {_table()} SET lease_until = %s WHERE id = ANY(%s) AND claim_token = %s AND status = %s"  # noqa: S608
                " RETURNING id",
                [lease_until, list(email_ids), self.token, Status.SENDING],
            )
            return {row[0] for row in cursor.fetchall()}

    def renew(self, email_ids: list[int]) -> set[int]:
        """Extend the lease of the rows we still hold among `email_ids`; returns those ids."""
        if not email_ids:
            return set()
        self.renewals += 1
        return self._extend(email_ids, self.starting())

    def holds(self, email_id: int) -> bool:
        """The fence: may this worker still complete the send of `email_id`?"""
        if self.left() > self.deadline:
            return True
        # Frozen or slowed past the renewal: ask the database (renewing this row if it is
        # still ours; the batch's local expiry is left as it was).
        self.rechecks += 1
        return bool(self._extend([email_id], timezone.now() + timedelta(seconds=self.seconds)))


_MARK_SENT = (
    "UPDATE {table} SET status = {p[0]}, sent_at = {p[1]}, updated_at = {p[1]}, subject = {p[2]},"
    " provider_message_id = {p[3]}, last_error = '', next_attempt_at = NULL, lease_until = NULL"
    " WHERE id = {p[4]} AND claim_token = {p[5]}"
)


def mark_sent(*, email_id: int, token: uuid.UUID, subject: str, provider_message_id: str) -> bool:
    """Mark one row sent if we still hold its claim (one statement, no ORM); waits for it."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _MARK_SENT.format(table=_table(), p=["%s"] * 6),  # sent_at and updated_at: two %s
            [Status.SENT, now, now, subject, provider_message_id, email_id, token],
        )
        return cursor.rowcount == 1


@cache
def _mark_sql(table: str) -> bytes:
    """The mark in libpq's numbered-parameter form, built once per table name."""
    return _MARK_SENT.format(table=table, p=[f"${i}" for i in range(1, 7)]).encode()


class SentMarks:
    """ "sent" marks written the moment the server has said 250, without waiting for them.

    The UPDATE is sent on the Django connection with libpq's asynchronous API (one
    statement, autocommit: the server executes and commits it as soon as it arrives, also
    if this process dies right after sending it); its result is read before the next
    statement on the connection. So the duplicate window stays one statement long while
    the worker goes on with the next message instead of waiting a round trip. Install
    `before_query` with `connection.execute_wrapper` so any Django query first collects
    the mark in flight; call `flush()` at the end. Inside a transaction (tests) or on
    another database the marks are written synchronously.
    """

    WAIT_SECONDS = 30.0

    def __init__(self):
        raw = getattr(connection, "connection", None)
        self.pgconn = getattr(raw, "pgconn", None) if not connection.in_atomic_block else None
        self._pending: int | None = None
        self.lost: list[int] = []  # sent, but the claim had been taken over

    def before_query(self, execute, sql, params, many, context):
        self.flush()
        return execute(sql, params, many, context)

    def mark(self, *, email_id: int, token: uuid.UUID, subject: str, provider_message_id: str) -> None:
        if self.pgconn is None:
            if not mark_sent(email_id=email_id, token=token, subject=subject, provider_message_id=provider_message_id):
                self.lost.append(email_id)
            return
        self.flush()
        now = timezone.now().isoformat().encode()
        params = [Status.SENT.value.encode(), now, subject.encode(), provider_message_id.encode()]
        self.pgconn.send_query_params(_mark_sql(_table()), [*params, str(email_id).encode(), str(token).encode()])
        while self.pgconn.flush():
            self._wait(write=True)
        self._pending = email_id

    def flush(self) -> None:
        """Read the result of the mark in flight (normally long arrived: no wait)."""
        if self._pending is None:
            return
        email_id, self._pending = self._pending, None
        pgconn, updated, error = self.pgconn, None, ""
        pgconn.consume_input()
        while True:
            while pgconn.is_busy():
                self._wait(write=False)
                pgconn.consume_input()
            result = pgconn.get_result()
            if result is None:
                break
            if result.status == pq.ExecStatus.COMMAND_OK:
                updated = result.command_tuples
            else:
                error = (result.error_message or b"").decode(errors="replace")
        if error:
            raise DatabaseError(f"marking email {email_id} sent failed: {error}")
        if updated != 1:
            self.lost.append(email_id)

    def _wait(self, *, write: bool) -> None:
        fileno = self.pgconn.socket
        readers, writers = ([], [fileno]) if write else ([fileno], [])
        if not any(select.select(readers, writers, [], self.WAIT_SECONDS)):
            raise DatabaseError("database did not answer a sent mark in time")
