"""Campaign sending (C8): start, keyset-paginated batches in Celery, pause/resume/cancel,
test send to the marketer, preview as a customer, agent send of an approved template.

A batch holds the campaign row lock while it works, so a redelivered batch task waits and
then continues from the saved cursor; each recipient's dedupe key
(`campaign:<id>:<customer id>`) makes a repeated recipient a no-op anyway.
"""

import os
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext

from common.audit import audit_record
from common.audit_actions import AuditAction
from common.tasks import enqueue_on_commit
from customers.models import Customer
from customers.selectors import customers_with_marketing_consent
from marketing.content import products_with_cards, render_blocks
from marketing.exceptions import CampaignStateError
from marketing.models import AbandonmentSettings, Campaign, CampaignBlock, ContactPressure, MarketingMessage
from marketing.personalise import personalise, token_values
from marketing.segments import segment_count, segment_queryset
from marketing.services.sending import (
    SendResult,
    cap_reached,
    cap_window_start,
    marketing_counts_since,
    marketing_email_send,
    pressure_lock,
)
from messaging.models import Suppression
from messaging.services import email_enqueue
from mobile.segments import SmsLength, sms_length
from mobile.selectors import customers_with_texting
from mobile.services import marketing_sms_text, sms_enqueue

BATCH_SIZE = 500


def batch_size_default() -> int:
    # The environment lets a test or benchmark worker use small or large batches.
    return int(os.environ.get("MARKETING_CAMPAIGN_BATCH_SIZE", BATCH_SIZE))


TEMPLATE = "marketing_campaign"
Status = Campaign.Status


def campaign_blocks(campaign: Campaign) -> list[CampaignBlock]:
    blocks = list(campaign.blocks.prefetch_related("products").order_by("position", "id"))
    for block in blocks:
        block.grid_ids = [p.pk for p in block.products.all()]
    return blocks


def _grid_products(blocks: list[CampaignBlock]) -> dict:
    ids = sorted({pk for block in blocks for pk in block.grid_ids})
    return products_with_cards(ids) if ids else {}


def campaign_context(campaign: Campaign, *, customer, message: MarketingMessage | None, blocks=None, grid=None) -> dict:
    blocks = campaign_blocks(campaign) if blocks is None else blocks
    grid = _grid_products(blocks) if grid is None else grid
    values = token_values(customer)
    return {
        "subject": personalise(campaign.subject, values),
        "preheader": personalise(campaign.preheader, values),
        "blocks": render_blocks(blocks, customer=customer, message=message, grid_products=grid),
        "campaign_id": campaign.pk,
    }


def campaign_dedupe_key(campaign_id: int, customer_id: int) -> str:
    return f"campaign:{campaign_id}:{customer_id}"


def campaign_content_check(campaign: Campaign) -> None:
    """Raise CampaignStateError unless the campaign has at least one block and no empty one
    (blocks saved before that rule existed are checked again here)."""
    from django.core.exceptions import ValidationError

    if campaign.channel == Campaign.Channel.SMS:
        if not campaign.sms_text.strip():
            raise CampaignStateError("Write the SMS text before sending.")
        return
    blocks = list(campaign.blocks.order_by("position", "id"))
    if not blocks:
        raise CampaignStateError(gettext("Add at least one block (text, products or a button) before sending."))
    for number, block in enumerate(blocks, start=1):
        try:
            block.clean()
        except ValidationError as exc:
            problems = " ".join(message for messages in exc.message_dict.values() for message in messages)
            raise CampaignStateError(f"Block {number} ({block.get_kind_display().lower()}): {problems}") from exc


@transaction.atomic
def campaign_schedule(*, campaign: Campaign, when: datetime, actor=None) -> Campaign:
    """Draft (or scheduled) → scheduled at `when`; beat starts it then (campaigns_start_due)."""
    if when <= timezone.now():
        raise CampaignStateError(gettext("Choose a time in the future to schedule the campaign."))
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status not in (Status.DRAFT, Status.SCHEDULED):
        raise CampaignStateError(f"A {locked.get_status_display().lower()} campaign cannot be scheduled.")
    if locked.segment_id is None:
        raise CampaignStateError(gettext("Choose a segment before scheduling."))
    campaign_content_check(locked)
    before = {"status": locked.status, "scheduled_at": locked.scheduled_at.isoformat() if locked.scheduled_at else None}
    locked.status = Status.SCHEDULED
    locked.scheduled_at = when
    locked.save(update_fields=["status", "scheduled_at", "updated_at"])
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditAction.CAMPAIGN_SCHEDULE,
            obj=locked,
            before=before,
            after={"status": locked.status, "scheduled_at": when.isoformat()},
        )
    return locked


@transaction.atomic
def campaign_send_start(*, campaign: Campaign, actor=None) -> Campaign:
    """Draft/scheduled → sending; counts the audience and enqueues the first batch."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status not in (Status.DRAFT, Status.SCHEDULED):
        raise CampaignStateError(f"A {locked.get_status_display().lower()} campaign cannot be sent.")
    if locked.segment_id is None:
        raise CampaignStateError(gettext("Choose a segment before sending."))
    campaign_content_check(locked)
    before = locked.status
    locked.status = Status.SENDING
    locked.started_at = timezone.now()
    locked.audience_size = segment_count(locked.segment)  # a report: the replica when there is one
    locked.save(update_fields=["status", "started_at", "audience_size", "updated_at"])
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditAction.CAMPAIGN_SEND,
            obj=locked,
            before={"status": before},
            after={"status": "sending"},
        )
    from marketing.tasks import campaign_send_batch

    enqueue_on_commit(campaign_send_batch, locked.pk)
    return locked


def _transition(
    campaign: Campaign, *, allowed: tuple[str, ...], to: str, actor, action: AuditAction, verb: str
) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status not in allowed:
            raise CampaignStateError(f"A {locked.get_status_display().lower()} campaign cannot be {verb}.")
        before = locked.status
        locked.status = to
        if to == Status.CANCELLED:
            locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        if actor is not None:
            audit_record(actor=actor, action=action, obj=locked, before={"status": before}, after={"status": to})
        if to == Status.SENDING:
            from marketing.tasks import campaign_send_batch

            enqueue_on_commit(campaign_send_batch, locked.pk)
    return locked


def campaign_pause(*, campaign: Campaign, actor=None) -> Campaign:
    return _transition(
        campaign,
        allowed=(Status.SENDING,),
        to=Status.PAUSED,
        actor=actor,
        action=AuditAction.CAMPAIGN_PAUSE,
        verb="paused",
    )


def campaign_resume(*, campaign: Campaign, actor=None) -> Campaign:
    return _transition(
        campaign,
        allowed=(Status.PAUSED,),
        to=Status.SENDING,
        actor=actor,
        action=AuditAction.CAMPAIGN_RESUME,
        verb="resumed",
    )


def campaign_cancel(*, campaign: Campaign, actor=None) -> Campaign:
    allowed = (Status.DRAFT, Status.SCHEDULED, Status.SENDING, Status.PAUSED)
    return _transition(
        campaign,
        allowed=allowed,
        to=Status.CANCELLED,
        actor=actor,
        action=AuditAction.CAMPAIGN_CANCEL,
        verb="cancelled",
    )


@dataclass(frozen=True)
class BatchOutcome:
    processed: int
    sent: int
    skipped_consent: int
    skipped_suppressed: int
    skipped_cap: int
    done: bool


def _not_yet_sent_and_under_cap(campaign: Campaign, customers: list, now: datetime) -> tuple[list, int]:
    """Of `customers` (consenting, in pk order): those this campaign has not messaged yet and
    whose frequency cap (shared by campaigns and journeys, on every channel) has room, with
    their contact-pressure rows locked until the batch commits; and how many the cap held back."""
    ids = [c.pk for c in customers]
    pressure_lock(ids)
    settings_row = AbandonmentSettings.current()
    counts = marketing_counts_since(ids, cap_window_start(settings_row, now))
    already = set(
        MarketingMessage.objects.filter(
            dedupe_key__in=[campaign_dedupe_key(campaign.pk, pk) for pk in ids]
        ).values_list("customer_id", flat=True)
    )
    eligible, capped = [], 0
    for customer in customers:
        if customer.pk in already:
            continue
        if cap_reached(settings_row, counts.get(customer.pk, 0)):
            capped += 1
            continue
        eligible.append(customer)
    return eligible, capped


@transaction.atomic
def campaign_batch_send(
    *, campaign_id: int, batch_size: int | None = None, now: datetime | None = None
) -> BatchOutcome:
    """Send the next batch after the campaign's cursor (keyset over customer pk) and
    enqueue the following batch after commit. Only a `sending` campaign advances."""
    now = now or timezone.now()
    batch_size = batch_size or batch_size_default()
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("segment").get(pk=campaign_id)
    if campaign.status != Status.SENDING:
        return BatchOutcome(0, 0, 0, 0, 0, True)
    rows = list(
        segment_queryset(campaign.segment)
        .filter(pk__gt=campaign.cursor_customer_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not rows:
        # A run in which every recipient was skipped (or nobody matched) did not "send".
        campaign.status = Status.SENT if campaign.sent_count else Status.NOTHING_SENT
        campaign.finished_at = now
        campaign.save(update_fields=["status", "finished_at", "updated_at"])
        return BatchOutcome(0, 0, 0, 0, 0, True)

    if campaign.channel == Campaign.Channel.SMS:
        return _sms_batch(campaign, rows, now)

    # Consent, suppression and the cap are decided now, at send time, for the whole batch.
    consented = list(
        customers_with_marketing_consent(Customer.objects.filter(pk__in=rows))
        .order_by("pk")
        .only("pk", "email", "first_name", "last_name")
    )
    suppressed = set(
        Suppression.objects.annotate(address=Lower("email"))
        .filter(address__in=[c.email.lower() for c in consented])
        .values_list("address", flat=True)
    )
    consenting = len(consented)
    consented = [c for c in consented if c.email.lower() not in suppressed]
    eligible, capped = _not_yet_sent_and_under_cap(campaign, consented, now)
    blocks = campaign_blocks(campaign)
    grid = _grid_products(blocks)
    # Messages first (their ids go into the tracked links), in one INSERT for the batch.
    messages = MarketingMessage.objects.bulk_create(
        [
            MarketingMessage(
                dedupe_key=campaign_dedupe_key(campaign.pk, customer.pk),
                customer=customer,
                flow=MarketingMessage.Flow.CAMPAIGN,
                campaign=campaign,
                step=1,
                created_at=now,
            )
            for customer in eligible
        ]
    )
    for message, customer in zip(messages, eligible, strict=True):
        email = email_enqueue(
            to=customer.email,
            kind="campaign",
            template=TEMPLATE,
            context=campaign_context(campaign, customer=customer, message=message, blocks=blocks, grid=grid),
            dedupe_key=message.dedupe_key,
            customer=customer,
            marketing=True,
        )
        message.outbound_email_id = email.pk
    MarketingMessage.objects.bulk_update(messages, ["outbound_email"], batch_size=1000)
    ContactPressure.objects.filter(customer_id__in=[c.pk for c in eligible]).update(last_marketing_at=now)
    sent = len(eligible)
    skipped_consent = len(rows) - consenting
    skipped_suppressed = consenting - len(consented)
    Campaign.objects.filter(pk=campaign.pk).update(
        cursor_customer_id=rows[-1],
        processed_count=F("processed_count") + len(rows),
        sent_count=F("sent_count") + sent,
        skipped_consent_count=F("skipped_consent_count") + skipped_consent,
        skipped_suppressed_count=F("skipped_suppressed_count") + skipped_suppressed,
        skipped_cap_count=F("skipped_cap_count") + capped,
        updated_at=now,
    )
    from marketing.tasks import campaign_send_batch

    enqueue_on_commit(campaign_send_batch, campaign.pk)
    return BatchOutcome(len(rows), sent, skipped_consent, skipped_suppressed, capped, False)


def campaign_sms_text(campaign: Campaign, *, customer) -> str:
    """The campaign's text as `customer` gets it: tokens replaced, the shop's name first and
    the opt-out line last (in their language)."""
    return marketing_sms_text(
        personalise(campaign.sms_text, token_values(customer)), language=customer.preferred_language
    )


# Tokens are measured as a 10-letter name (and a 22-character address): a customer's own copy
# is as long give or take their name's length.
_SAMPLE = Customer(first_name="Xxxxxxxxxx", last_name="Xxxxxxxxxx", email="xxxxxxxxxx@example.com")


def sms_text_length(text: str) -> SmsLength:
    """The length of a campaign text as it goes out (the shop's name and the opt-out line
    included, tokens as a 10-letter name), for the marketer before sending."""
    from django.conf import settings

    return sms_length(marketing_sms_text(personalise(text, token_values(_SAMPLE)), language=settings.LANGUAGE_CODE))


def campaign_sms_length(campaign: Campaign) -> SmsLength:
    return sms_text_length(campaign.sms_text)


def _sms_batch(campaign: Campaign, rows: list[int], now: datetime) -> BatchOutcome:
    """An SMS campaign's batch: customers who allow marketing texts and have a number that
    did not text STOP, under the frequency cap shared with email. Quiet hours are applied
    by the outbox when each text is sent (held until the customer's morning)."""
    candidates = Customer.objects.filter(pk__in=rows)
    consenting = customers_with_texting(candidates, marketing=True, include_opted_out=True).count()
    textable = list(
        customers_with_texting(candidates, marketing=True)
        .order_by("pk")
        .only("pk", "email", "first_name", "last_name", "phone", "language")
    )
    eligible, capped = _not_yet_sent_and_under_cap(campaign, textable, now)
    messages = MarketingMessage.objects.bulk_create(
        [
            MarketingMessage(
                dedupe_key=campaign_dedupe_key(campaign.pk, customer.pk),
                customer=customer,
                flow=MarketingMessage.Flow.CAMPAIGN,
                channel=Campaign.Channel.SMS,
                campaign=campaign,
                step=1,
                created_at=now,
            )
            for customer in eligible
        ]
    )
    for message, customer in zip(messages, eligible, strict=True):
        text = sms_enqueue(
            customer=customer,
            kind="campaign",
            body=campaign_sms_text(campaign, customer=customer),
            dedupe_key=message.dedupe_key,
            marketing=True,
            to_phone=customer._phone,
        )
        message.outbound_sms_id = text.pk
    MarketingMessage.objects.bulk_update(messages, ["outbound_sms"], batch_size=1000)
    ContactPressure.objects.filter(customer_id__in=[c.pk for c in eligible]).update(last_marketing_at=now)
    sent = len(eligible)
    skipped_consent = len(rows) - consenting
    skipped_suppressed = consenting - len(textable)  # their number texted STOP
    Campaign.objects.filter(pk=campaign.pk).update(
        cursor_customer_id=rows[-1],
        processed_count=F("processed_count") + len(rows),
        sent_count=F("sent_count") + sent,
        skipped_consent_count=F("skipped_consent_count") + skipped_consent,
        skipped_suppressed_count=F("skipped_suppressed_count") + skipped_suppressed,
        skipped_cap_count=F("skipped_cap_count") + capped,
        updated_at=now,
    )
    from marketing.tasks import campaign_send_batch

    enqueue_on_commit(campaign_send_batch, campaign.pk)
    return BatchOutcome(len(rows), sent, skipped_consent, skipped_suppressed, capped, False)


def campaign_send_test(*, campaign: Campaign, to_user) -> None:
    """Send the campaign as `to_user` would see it, to `to_user` only. Transactional (staff
    test), not counted in metrics or the cap; the subject says it is a test."""
    context = campaign_context(campaign, customer=to_user, message=None)
    context["subject"] = f"[TEST] {context['subject']}"
    email_enqueue(
        to=to_user.email,
        kind="campaign_test",
        template=TEMPLATE,
        context=context,
        dedupe_key=f"campaign-test:{campaign.pk}:{to_user.pk}:{timezone.now().timestamp()}",
        customer=to_user,
        marketing=False,
    )


def campaign_send_to_one(*, campaign: Campaign, customer: Customer, actor) -> SendResult:
    """Distributed marketing: an agent sends an agent-sendable template to one customer,
    through the same consent and cap rules."""
    if not campaign.agent_sendable:
        raise CampaignStateError(gettext("This template is not approved for agents."))
    blocks = campaign_blocks(campaign)
    grid = _grid_products(blocks)
    result = marketing_email_send(
        customer=customer,
        flow=MarketingMessage.Flow.AGENT,
        kind="campaign",
        template=TEMPLATE,
        build_context=lambda message: campaign_context(
            campaign, customer=customer, message=message, blocks=blocks, grid=grid
        ),
        dedupe_key=f"agent-send:{campaign.pk}:{customer.pk}:{timezone.now():%Y%m%d}",
        campaign=campaign,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CAMPAIGN_AGENT_SEND,
        customer=customer,
        obj=campaign,
        after={"result": result.status},
    )
    return result


def campaigns_start_due(*, now: datetime | None = None) -> int:
    """Start scheduled campaigns whose time has come (beat, every minute)."""
    now = now or timezone.now()
    started = 0
    for campaign_id in Campaign.objects.filter(status=Status.SCHEDULED, scheduled_at__lte=now).values_list(
        "pk", flat=True
    ):
        try:
            campaign_send_start(campaign=Campaign(pk=campaign_id))
            started += 1
        except CampaignStateError:
            continue
    return started
