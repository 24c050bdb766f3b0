"""R9: random customers with random consent histories go through every marketing path the
messaging app owns (marketing sends, newsletter double opt-in + welcome, one-click
unsubscribe, complaints, hard bounces, deactivation, erasure). Property: a marketing email
reaches the mail backend only if, at send time, the customer is active, not erased, has
granted marketing consent and is not suppressed; transactional mail goes out unless the
address hard-bounced."""

from dataclasses import dataclass

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Consent
from customers.services import consent_set
from messaging.models import OutboundEmail, Suppression
from messaging.newsletter import newsletter_confirm
from messaging.services import email_deliver, email_enqueue, marketing_unsubscribe, suppression_add
from tests.customers.factories import CustomerFactory

OPS = st.one_of(
    st.tuples(st.just("consent"), st.booleans(), st.sampled_from(["signup", "checkout", "preferences", "agent"])),
    st.tuples(st.just("unsubscribe_link")),
    st.tuples(st.just("newsletter_confirm")),
    st.tuples(st.just("complaint")),
    st.tuples(st.just("hard_bounce")),
    st.tuples(st.just("deactivate")),
    st.tuples(st.just("erase")),
    st.tuples(st.just("marketing_send")),
    st.tuples(st.just("transactional_send")),
    st.tuples(st.just("deliver")),
)


@dataclass
class Expected:
    consent: bool = False
    complaint: bool = False
    bounced: bool = False
    active: bool = True
    erased: bool = False

    def may_market(self) -> bool:
        return self.consent and self.active and not self.erased and not self.complaint and not self.bounced


def _deliver_pending(state: Expected, sent_log: list) -> None:
    for row in OutboundEmail.objects.filter(status="queued").order_by("pk"):
        before = len(mail.outbox)
        outcome = email_deliver(email_id=row.pk)
        went_out = len(mail.outbox) - before
        allowed = state.may_market() if row.marketing else not state.bounced
        assert went_out == (1 if allowed else 0), (row.kind, row.marketing, state, outcome)
        assert outcome.status == ("sent" if allowed else "suppressed")
        sent_log.append((row.marketing, went_out))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initial_consent=st.booleans(), ops=st.lists(OPS, min_size=1, max_size=12))
def test_no_marketing_email_without_current_consent(initial_consent, ops):
    savepoint = transaction.savepoint()
    mail.outbox = []
    try:
        customer = CustomerFactory(email="prop@example.com")
        state = Expected()
        if initial_consent:
            consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True, source="signup")
            state.consent = True
        sent_log: list = []
        for step, op in enumerate(ops):
            kind = op[0]
            if kind == "consent":
                consent_set(customer=customer, purpose=Consent.Purpose.MARKETING_EMAIL, granted=op[1], source=op[2])
                state.consent = op[1]
            elif kind == "unsubscribe_link":
                marketing_unsubscribe(to_email=customer.email)
                state.consent = False
            elif kind == "newsletter_confirm":
                newsletter_confirm(email_address=customer.email)
                state.consent = True
            elif kind == "complaint":
                suppression_add(email_address=customer.email, reason=Suppression.Reason.COMPLAINT)
                state.complaint = True
            elif kind == "hard_bounce":
                suppression_add(email_address=customer.email, reason=Suppression.Reason.HARD_BOUNCE)
                state.bounced = True
            elif kind == "deactivate":
                customer.is_active = False
                customer.save(update_fields=["is_active"])
                state.active = False
            elif kind == "erase":
                customer.erased_at = timezone.now()
                customer.save(update_fields=["erased_at"])
                state.erased = True
            elif kind in ("marketing_send", "transactional_send"):
                email_enqueue(
                    to=customer.email,
                    kind="campaign" if kind == "marketing_send" else "test",
                    template="newsletter_welcome" if kind == "marketing_send" else "test_message",
                    context={},
                    dedupe_key=f"prop-{step}",
                    customer=customer,
                    marketing=kind == "marketing_send",
                )
            elif kind == "deliver":
                _deliver_pending(state, sent_log)
        _deliver_pending(state, sent_log)
        # Nothing is left behind: every row ended sent or suppressed.
        assert not OutboundEmail.objects.exclude(status__in=["sent", "suppressed"]).exists()
        # Every marketing message that went out carries the one-click unsubscribe headers.
        for message in mail.outbox:
            if "List-Unsubscribe" in message.extra_headers:
                assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert sum(1 for marketing, n in sent_log if marketing and n) == sum(
            1 for m in mail.outbox if "List-Unsubscribe" in m.extra_headers
        )
    finally:
        transaction.savepoint_rollback(savepoint)
