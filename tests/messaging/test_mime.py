"""The delivery worker's own MIME bytes (messaging.mime) against what Django builds for the
same message: a standard parser must read the same headers and the same text and HTML
(Django's EmailMultiAlternatives is the reference implementation)."""

import email
import email.policy

import pytest
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import BadHeaderError
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from messaging.mime import envelope_address, mime_message

HEADERS = {"Message-ID": "<abc123@127.0.0.1>", "X-Outbox-Id": "abc123"}


def _ours(*, to="ada@example.com", subject="Hello", text="Hi\n", html="<p>Hi</p>\n", headers=None):
    raw = mime_message(
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers=headers or dict(HEADERS),
    )
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def _django(*, to="ada@example.com", subject="Hello", text="Hi\n", html="<p>Hi</p>\n", headers=None):
    msg = EmailMultiAlternatives(subject, text, to=[to], headers=headers or dict(HEADERS))
    msg.attach_alternative(html, "text/html")
    return email.message_from_bytes(msg.message().as_bytes(linesep="\r\n"), policy=email.policy.default)


def _parts(parsed) -> tuple[str, str]:
    return parsed.get_body(("plain",)).get_content(), parsed.get_body(("html",)).get_content()


def test_a_plain_message_reads_the_same_as_djangos():
    raw, ours = _ours()
    theirs = _django()
    for name in ("From", "To", "Subject", "Message-ID", "X-Outbox-Id", "MIME-Version"):
        assert str(ours[name]) == str(theirs[name]), name
    assert ours.get_content_type() == "multipart/alternative"
    assert _parts(ours) == _parts(theirs) == ("Hi\r\n", "<p>Hi</p>\r\n")
    assert ours["Date"] is not None
    assert raw.isascii()  # 7-bit clean: no 8BITMIME needed
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00") | st.sampled_from("\n.= \t"),
    min_size=1,  # rendered parts are never empty (Django leaves an empty text part out)
    max_size=400,
)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    subject=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120).filter(
        str.strip
    ),
    text=_text,
    html=_text,
)
def test_any_subject_and_body_round_trip_exactly_as_with_django(subject, text, html):
    # Given text and HTML with non-ASCII, '=' signs, lines starting with dots, long lines
    _, ours = _ours(subject=subject, text=text, html=html)
    theirs = _django(subject=subject, text=text, html=html)
    # Then a standard parser reads back the subject as given (Django's folding can add a
    # leading space to a long encoded one) and what Django's message holds
    assert str(ours["Subject"]) == subject
    assert str(theirs["Subject"]).strip() == subject.strip()
    assert _parts(ours) == _parts(theirs)


def test_non_ascii_subject_and_recipient_are_encoded_and_decode_back():
    raw, ours = _ours(to="Zoë <zoe@bücher.example>", subject="Ihre Bestellung – Übersicht ✓")
    assert raw.isascii()
    assert str(ours["Subject"]) == "Ihre Bestellung – Übersicht ✓"
    assert ours["To"].addresses[0].display_name == "Zoë"
    assert ours["To"].addresses[0].domain == "xn--bcher-kva.example"


def test_a_line_break_in_a_header_is_refused_not_sent():
    with pytest.raises(BadHeaderError):
        _ours(subject="Hello\nBcc: victim@example.com")


def test_long_headers_are_folded_at_spaces_and_unfold_to_the_same_value():
    references = " ".join(f"<message-{i}@example.com>" for i in range(12))
    raw, ours = _ours(headers={**HEADERS, "References": references, "Reply-To": "support+case@example.com"})
    header_block = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert all(len(line) <= 78 for line in header_block if b"References" in line or line.startswith(b" "))
    assert str(ours["References"]) == references
    assert str(ours["Reply-To"]) == "support+case@example.com"


def test_envelope_addresses_are_bare_and_idna_encoded():
    assert envelope_address("ada@example.com") == "ada@example.com"
    assert envelope_address("Unified Commerce <shop@example.com>") == "shop@example.com"
    assert envelope_address("zoe@bücher.example") == "zoe@xn--bcher-kva.example"
