"""Erasure support for marketing state (C1)."""

from marketing.models import BehaviourTrigger, CartAbandonment, JourneyEnrollment


def marketing_state_erase(*, customer) -> None:
    """Scrub what marketing holds about the customer: the email copied onto abandonment
    state, the searches/products that triggered behavioural emails, any running journey.
    Message and attribution rows stay (they hold no PII: ids, flow, money)."""
    CartAbandonment.objects.filter(customer=customer).update(email="")
    BehaviourTrigger.objects.filter(customer=customer).delete()
    JourneyEnrollment.objects.filter(customer=customer, status=JourneyEnrollment.Status.ACTIVE).update(
        status=JourneyEnrollment.Status.STOPPED, stop_reason="erased", next_due_at=None
    )
