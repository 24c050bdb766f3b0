"""Welcome journey (C8): customers who give marketing consent at sign-up or newsletter
confirmation are enrolled once; the steps (admin-editable) go out one by one after their
delays; a purchase or an unsubscribe stops the journey."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import Consent, Customer
from customers.selectors import may_send_marketing_email
from marketing.content import link_for, recommendation_cards
from marketing.models import JourneyEnrollment, JourneyStep, MarketingCursor, MarketingMessage
from marketing.outcomes import JourneyStopReason, Outcome, StepOutcome
from marketing.personalise import personalise, token_values
from marketing.services import sending

ENROLL_SOURCES = (Consent.Source.SIGNUP, Consent.Source.NEWSLETTER)
CAP_RETRY = timedelta(hours=1)
# Only fresh consents enrol: turning the journey on must not "welcome" years-old customers.
ENROLL_MAX_AGE = timedelta(days=2)
BATCH = 500


def _steps() -> list[JourneyStep]:
    return list(JourneyStep.objects.filter(is_active=True).order_by("position"))


def journey_enroll(*, customer: Customer, now: datetime | None = None) -> JourneyEnrollment | None:
    """Enroll once (a second call returns None). The first step is due after its delay."""
    now = now or timezone.now()
    steps = _steps()
    if not steps:
        return None
    try:
        with transaction.atomic():
            return JourneyEnrollment.objects.create(
                customer=customer, started_at=now, next_due_at=now + timedelta(hours=steps[0].delay_hours)
            )
    except IntegrityError:
        return None


def journey_enroll_new(*, now: datetime | None = None) -> int:
    """Enroll customers whose newest consent rows (since the watermark) grant marketing
    email from sign-up or newsletter confirmation."""
    now = now or timezone.now()
    cursor, _ = MarketingCursor.objects.get_or_create(name="journey_consent_id")
    rows = list(
        Consent.objects.filter(pk__gt=cursor.value, purpose=Consent.Purpose.MARKETING_EMAIL)
        .order_by("pk")
        .values_list("pk", "customer_id", "granted", "source", "created_at")[:BATCH]
    )
    enrolled = 0
    for _, customer_id, granted, source, created_at in rows:
        fresh = created_at >= now - ENROLL_MAX_AGE
        if (
            granted
            and fresh
            and source in ENROLL_SOURCES
            and journey_enroll(customer=Customer(pk=customer_id), now=now)
        ):
            enrolled += 1
    if rows:
        MarketingCursor.objects.filter(pk=cursor.pk).update(value=rows[-1][0])
    return enrolled


def _stop(enrollment: JourneyEnrollment, reason: str) -> Outcome:
    enrollment.status = JourneyEnrollment.Status.STOPPED
    enrollment.stop_reason = reason
    enrollment.next_due_at = None
    enrollment.save(update_fields=["status", "stop_reason", "next_due_at"])
    return Outcome(StepOutcome.STOPPED, reason)


@transaction.atomic
def journey_step_send(*, enrollment_id: int, now: datetime | None = None) -> Outcome:
    from orders.models import Order

    now = now or timezone.now()
    enrollment = (
        JourneyEnrollment.objects.select_for_update().select_related("customer").filter(pk=enrollment_id).first()
    )
    if enrollment is None or enrollment.status != JourneyEnrollment.Status.ACTIVE:
        return Outcome(StepOutcome.INACTIVE)
    customer = enrollment.customer
    if Order.objects.filter(customer=customer, placed_at__gte=enrollment.started_at).exists():
        return _stop(enrollment, JourneyStopReason.PURCHASED)
    if not may_send_marketing_email(customer):
        return _stop(enrollment, JourneyStopReason.UNSUBSCRIBED)
    steps = _steps()
    if enrollment.steps_sent >= len(steps):
        enrollment.status = JourneyEnrollment.Status.COMPLETED
        enrollment.next_due_at = None
        enrollment.save(update_fields=["status", "next_due_at"])
        return Outcome(StepOutcome.COMPLETED)
    step = steps[enrollment.steps_sent]
    values = token_values(customer)

    def build(message: MarketingMessage) -> dict:
        return {
            "subject": personalise(step.subject, values),
            "heading": personalise(step.heading, values),
            "paragraphs": [p.strip() for p in personalise(step.text, values).split("\n\n") if p.strip()],
            "button_label": step.button_label,
            "button_url": link_for(message, step.link_url or "/"),
            "recommendations": (
                recommendation_cards(customer, limit=4, message=message) if step.include_recommendations else []
            ),
        }

    result = sending.marketing_email_send(
        customer=customer,
        flow=MarketingMessage.Flow.WELCOME,
        kind="welcome_journey",
        template="marketing_welcome",
        build_context=build,
        dedupe_key=f"welcome:{customer.pk}:{step.position}",
        step=step.position,
        now=now,
    )
    if result.status == sending.CAPPED:
        enrollment.next_due_at = now + CAP_RETRY
        enrollment.save(update_fields=["next_due_at"])
        return Outcome(StepOutcome.CAPPED)
    if result.status == sending.NO_CONSENT:
        return _stop(enrollment, JourneyStopReason.UNSUBSCRIBED)
    enrollment.steps_sent += 1
    if enrollment.steps_sent >= len(steps):
        enrollment.status = JourneyEnrollment.Status.COMPLETED
        enrollment.next_due_at = None
    else:
        enrollment.next_due_at = now + timedelta(hours=steps[enrollment.steps_sent].delay_hours)
    enrollment.save(update_fields=["steps_sent", "status", "next_due_at"])
    return Outcome(StepOutcome.SENT, step.position)


def journey_scan(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    journey_enroll_new(now=now)
    due = list(
        JourneyEnrollment.objects.filter(status=JourneyEnrollment.Status.ACTIVE, next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    return sum(journey_step_send(enrollment_id=pk, now=now).sent for pk in due)
