"""QA fix on Customer 360: queued emails (no subject until sent) are labelled in words, not by
their machine kind."""

import pytest

from messaging.models import OutboundEmail

pytestmark = pytest.mark.django_db


def test_queued_email_without_subject_is_labelled_in_words(agent_client, shopper):
    OutboundEmail.objects.create(
        customer=shopper,
        to_email=shopper.email,
        kind="password_reset",
        template="password_reset",
        dedupe_key="qa-password-reset-1",
    )
    html = agent_client.get(f"/console/customers/{shopper.public_id}/").content.decode()
    emails = html.split('id="emails-title"')[1].split("</section>")[0]
    assert "Password reset" in emails
    assert "password_reset" not in emails
