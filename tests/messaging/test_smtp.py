"""messaging.smtp against a real SMTP server (aiosmtpd): with and without PIPELINING, the
claim fence before the message is committed, deadlines, refusals."""

import smtplib
import time

import pytest

from messaging.smtp import ClaimLost, smtp_send
from tests.messaging.sink import SmtpSink

MESSAGE = (
    b"From: shop@example.com\r\nTo: ada@example.com\r\nSubject: Hi\r\nMessage-ID: <m1@example.com>\r\n\r\n"
    b"first line\r\n.a line starting with a dot\r\n.\r\nlast line\r\n"
)


@pytest.fixture(params=[True, False], ids=["pipelining", "one-by-one"])
def sink(request):
    server = SmtpSink(pipelining=request.param).start()
    yield server
    server.stop()


def _send(smtp, fence=lambda: True, deadline=10.0, data=MESSAGE):
    smtp_send(
        smtp,
        from_addr="shop@example.com",
        to_addr="ada@example.com",
        data=data,
        deadline=time.monotonic() + deadline,
        fence=fence,
    )


def test_messages_arrive_intact_over_one_connection(sink):
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        _send(smtp)
        _send(smtp, data=MESSAGE.replace(b"m1@", b"m2@"))
        assert smtp.has_extn("pipelining") is sink.handler.pipelining
    assert sink.handler.message_ids() == ["<m1@example.com>", "<m2@example.com>"]
    # Dot-stuffing undone by the server: the lines are exactly what was sent.
    assert sink.handler.raw[0] == MESSAGE
    assert sink.handler.messages[0].get_payload() == "first line\r\n.a line starting with a dot\r\n.\r\nlast line\r\n"


def test_a_refused_fence_drops_the_transaction_and_nothing_is_delivered(sink):
    asked = []

    def fence():
        asked.append(time.monotonic())
        return False

    smtp = smtplib.SMTP("127.0.0.1", sink.port)
    with pytest.raises(ClaimLost):
        _send(smtp, fence=fence)
    assert len(asked) == 1
    assert smtp.sock is None  # closed inside DATA, no QUIT (which would become message text)
    sink.wait_for(lambda: False, timeout=0.5)
    assert sink.handler.attempts == [] and sink.handler.messages == []
    # The server is fine and the next connection delivers.
    with smtplib.SMTP("127.0.0.1", sink.port) as again:
        _send(again)
    assert sink.handler.message_ids() == ["<m1@example.com>"]


def test_every_command_is_bounded_by_the_deadline():
    slow = SmtpSink(rcpt_delay=3.0).start()
    try:
        smtp = smtplib.SMTP("127.0.0.1", slow.port)
        started = time.monotonic()
        with pytest.raises((smtplib.SMTPServerDisconnected, TimeoutError)):
            _send(smtp, deadline=0.5)
        assert time.monotonic() - started < 2.0
        slow.wait_for(lambda: False, timeout=3.5)
        assert slow.handler.messages == []
    finally:
        slow.stop()


def test_a_refused_recipient_raises_like_sendmail_and_the_connection_stays_usable(sink):
    sink.handler.refuse_rcpt = "550 5.1.1 No such user"
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            _send(smtp)
        assert refused.value.recipients == {"ada@example.com": (550, b"5.1.1 No such user")}
        sink.handler.refuse_rcpt = ""
        _send(smtp)
    assert sink.handler.message_ids() == ["<m1@example.com>"]


def test_a_refused_message_raises_a_data_error(sink):
    sink.handler.refuse = "451 4.3.0 Try again later"
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp, pytest.raises(smtplib.SMTPDataError) as refused:
        _send(smtp)
    assert refused.value.smtp_code == 451
    assert sink.handler.messages == []
