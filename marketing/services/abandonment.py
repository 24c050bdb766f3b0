"""Cart abandonment (C7): the beat scan, the per-cart state machine and the restore link.

Scan cost follows the carts that are due, not the carts that exist:
- intake: open carts whose `last_activity_at` lies between (now − intake window) and
  (now − delay 1) — a range read on carts' (status, last_activity_at) index — with no
  CartAbandonment row yet (anti-join on its unique cart_id);
- follow-ups: CartAbandonment rows that are active and due (partial index on next_due_at).
Each cart is then decided in its own short transaction holding its state row's lock, so
two scans running at once, or one scan run twice, never send a reminder twice (and the
outbox dedupe key `cart-abandon:<cart>:<step>` backs that up).

State machine per cart: (none) → active (reminder 1 sent) → completed (reminder 2 sent)
or → stopped (purchase, emptied, unsubscribed, open case, agent touched, all sold out) or
→ skipped (no consent/email at intake, another series within the cooldown).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation

from carts.models import Cart, CartLine, CartOverride, Voucher
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from catalog.selectors import stock_available
from common.dates import format_day
from common.events import event_record
from common.models import AuditEntry, EventName
from common.money import format_money
from customers.selectors import customer_by_email, may_send_marketing_email
from marketing.content import image_url, products_with_cards
from marketing.links import click_link, restore_link, with_utm
from marketing.models import AbandonmentSettings, CartAbandonment, MarketingMessage
from marketing.outcomes import Outcome, StepOutcome
from marketing.services import sending
from marketing.services.holds import contact_on_hold
from mobile.services import may_text

logger = logging.getLogger(__name__)

TEMPLATE = "marketing_cart_reminder"
SCAN_BATCH = 500
CAP_RETRY = timedelta(hours=1)
State = CartAbandonment.Status
Reason = CartAbandonment.StopReason


def _cart_idle_range(settings_row: AbandonmentSettings, now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(hours=settings_row.intake_window_hours), now - timedelta(minutes=settings_row.delay1_minutes)


def abandoned_carts_due_query(*, now: datetime, settings_row: AbandonmentSettings):
    """Open carts due for reminder 1 (see module docstring). Indexed range on carts."""
    oldest, newest = _cart_idle_range(settings_row, now)
    return (
        Cart.objects.filter(status=Cart.Status.OPEN, last_activity_at__gt=oldest, last_activity_at__lte=newest)
        .filter(Exists(CartLine.objects.filter(cart=OuterRef("pk"))))
        .filter(~Exists(CartAbandonment.objects.filter(cart=OuterRef("pk"))))
        .exclude(Q(customer__isnull=True) & Q(email=""))
        .order_by("last_activity_at", "pk")
    )


def abandoned_carts_due(*, now: datetime, settings_row: AbandonmentSettings, limit: int) -> list[int]:
    return list(abandoned_carts_due_query(now=now, settings_row=settings_row).values_list("pk", flat=True)[:limit])


def followups_due(*, now: datetime, limit: int) -> list[int]:
    return list(
        CartAbandonment.objects.filter(status=State.ACTIVE, next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list("cart_id", flat=True)[:limit]
    )


@dataclass
class ScanResult:
    examined: int = 0
    sent: int = 0
    outcomes: dict = field(default_factory=dict)

    def note(self, outcome: Outcome) -> None:
        self.examined += 1
        self.outcomes[str(outcome)] = self.outcomes.get(str(outcome), 0) + 1
        if outcome.sent:
            self.sent += 1


def abandonment_scan(*, now: datetime | None = None, batch_size: int = SCAN_BATCH, max_batches: int = 20) -> ScanResult:
    """One beat run: handle due carts in batches (bounded per run; the next run continues)."""
    now = now or timezone.now()
    settings_row = AbandonmentSettings.current()
    result = ScanResult()
    if not settings_row.enabled:
        return result
    for _ in range(max_batches):
        cart_ids = followups_due(now=now, limit=batch_size)
        cart_ids += abandoned_carts_due(now=now, settings_row=settings_row, limit=batch_size)
        if not cart_ids:
            break
        for cart_id in cart_ids:
            result.note(cart_abandonment_step(cart_id=cart_id, now=now, settings_row=settings_row))
        if len(cart_ids) < batch_size:
            break
    return result


# --- one cart ------------------------------------------------------------------------


def _agent_touched(cart: Cart, since: datetime) -> bool:
    lines = CartLine.objects.filter(cart=cart, added_by__isnull=False).filter(
        Q(created_at__gte=since) | Q(updated_at__gte=since)
    )
    overrides = CartOverride.objects.filter(cart=cart, created_at__gte=since)
    audits = AuditEntry.objects.filter(
        object_type="carts.cart", object_id=str(cart.pk), created_at__gte=since, actor__is_staff=True
    )
    return lines.exists() or overrides.exists() or audits.exists()


def _purchased_since(customer_id: int | None, email: str, since: datetime) -> bool:
    from orders.models import Order

    who = Q(customer_id=customer_id) if customer_id else Q(email__iexact=email)
    return Order.objects.filter(who, placed_at__gte=since).exists()


def _available_lines(cart: Cart) -> list[CartLine]:
    """Lines still worth reminding of: published, and stock available to this cart (on-hand
    net of other carts' holds, catalog.selectors.stock_available)."""
    lines = list(cart.lines.select_related("variant__product").order_by("created_at", "id"))
    available = stock_available([line.variant_id for line in lines], cart_id=cart.pk)
    return [line for line in lines if line.variant.product.is_published and available.get(line.variant_id, 0) > 0]


def _finish(state: CartAbandonment, status: str, reason: str = "") -> Outcome:
    state.status = status
    state.stop_reason = reason
    state.next_due_at = None
    state.save(update_fields=["status", "stop_reason", "next_due_at", "updated_at"])
    return Outcome(status, reason)


def _delay(settings_row: AbandonmentSettings, step: int) -> timedelta:
    return timedelta(minutes=settings_row.delay1_minutes if step == 1 else settings_row.delay2_minutes)


def _lines_context(lines: list[CartLine]) -> list[dict]:
    products = products_with_cards(sorted({line.variant.product_id for line in lines}))
    rows = []
    for line in lines:
        product = products.get(line.variant.product_id)
        thumb = (getattr(product, "thumb", None) or getattr(product, "image", None)) if product else None
        rows.append(
            {
                "name": line.variant.product.name,
                "options": line.variant.options_label,
                "quantity": line.quantity,
                "price": format_money(line.variant.price),
                "line_total": format_money(line.variant.price * line.quantity),
                "image": image_url(thumb),
            }
        )
    return rows


def _voucher_for(state: CartAbandonment, settings_row: AbandonmentSettings, customer) -> Voucher | None:
    """Reminder 2's code: created once per cart (reused if the send is retried)."""
    if settings_row.promo_percent <= 0:
        return None
    if state.voucher_id is not None:
        return state.voucher
    from carts.services import voucher_create_single_use

    voucher = voucher_create_single_use(
        kind=Voucher.Kind.PERCENT,
        value=Decimal(settings_row.promo_percent),
        valid_days=settings_row.promo_valid_days,
        prefix="BACK",
        source="abandonment",
        description=f"Cart {state.cart_id} reminder 2",
    )
    state.voucher = voucher
    state.promo_code = voucher.code
    state.save(update_fields=["voucher", "promo_code", "updated_at"])
    return voucher


def _build_context(*, state, cart, lines, step, settings_row, customer):
    def build(message: MarketingMessage) -> dict:
        # Prices and dates in the customer's language, like the email's text.
        with translation.override(customer.preferred_language):
            return _context(message)

    def _context(message: MarketingMessage) -> dict:
        voucher = _voucher_for(state, settings_row, customer) if step == 2 else None
        restore = restore_link(cart_id=cart.pk, message_id=message.pk)
        context = {
            "step": step,
            "first_name": customer.first_name or "",
            "lines": _lines_context(lines),
            "restore_url": restore,
            "shop_url": click_link(
                message_id=message.pk,
                target=with_utm("/", flow=message.flow, campaign_id=None, message_id=message.pk),
            ),
            "subtotal": format_money(sum((line.variant.price * line.quantity for line in lines), Decimal("0"))),
        }
        if voucher is not None:
            context.update(
                promo_code=voucher.code,
                promo_label=voucher.label,
                promo_expires=format_day(voucher.valid_to) if voucher.valid_to else "",
            )
        return context

    return build


def _build_text(*, state, cart, lines, settings_row, customer):
    """Reminder 2 as a text: what is in the cart, the code, and the restore link."""

    def build(message: MarketingMessage) -> str:
        from django.utils import translation
        from django.utils.translation import gettext as _

        voucher = _voucher_for(state, settings_row, customer)
        restore = restore_link(cart_id=cart.pk, message_id=message.pk)
        first = lines[0].variant.product.name
        more = len(lines) - 1
        with translation.override(customer.preferred_language):
            items = first if not more else _("%(first)s and %(count)s more") % {"first": first, "count": more}
            text = _("Still thinking about %(items)s? Your cart is saved:") % {"items": items}
            if voucher is not None:
                text = _("Still thinking about %(items)s? %(label)s with code %(code)s:") % {
                    "items": items,
                    "label": voucher.label,
                    "code": voucher.code,
                }
        return f"{text} {restore}"

    return build


def cart_abandoned_payload(abandonment: CartAbandonment) -> dict:
    """The abandoned cart as webhook subscribers receive it (cart.abandoned)."""
    cart = cart_with_lines(abandonment.cart_id)
    price = cart_price(cart)
    return {
        "cart_id": cart.pk,
        "customer_id": str(cart.customer.public_id) if cart.customer_id else None,
        "email": abandonment.email or cart.email,
        "last_activity_at": cart.last_activity_at.isoformat(),
        "total": str(price.total),
        "item_count": price.item_count,
        "lines": [{"sku": li.sku, "name": li.name, "quantity": li.quantity} for li in price.lines],
    }


def cart_abandonment_step(*, cart_id: int, now: datetime | None = None, settings_row=None) -> Outcome:
    """Decide and (maybe) send the next reminder for one cart. Returns the outcome label."""
    now = now or timezone.now()
    settings_row = settings_row or AbandonmentSettings.current()
    try:
        with transaction.atomic():
            return _step(cart_id, now, settings_row)
    except IntegrityError:
        # Another scan created this cart's state row at the same moment; it owns the cart.
        return Outcome(StepOutcome.RACE)


def _step(cart_id: int, now: datetime, settings_row: AbandonmentSettings) -> Outcome:
    cart = Cart.objects.select_related("customer").filter(pk=cart_id).first()
    if cart is None:
        return Outcome(StepOutcome.GONE)
    state = CartAbandonment.objects.select_for_update().filter(cart_id=cart_id).first()
    if state is None:
        state = CartAbandonment.objects.create(
            cart=cart, customer=cart.customer, email=cart.email or getattr(cart.customer, "email", ""), started_at=now
        )
        event_record(name=EventName.CART_ABANDONED, payload=cart_abandoned_payload(state))
    elif state.status != State.ACTIVE:
        return Outcome(StepOutcome.INACTIVE)
    step = state.reminders_sent + 1 + int(state.reminder1_skipped)

    customer = cart.customer or (customer_by_email(cart.email) if cart.email else None)
    if customer is None:
        return _finish(state, State.SKIPPED, Reason.NO_EMAIL)
    if state.customer_id is None:
        state.customer = customer
        state.save(update_fields=["customer", "updated_at"])
    if cart.status == Cart.Status.CONVERTED or _purchased_since(customer.pk, state.email, state.started_at):
        return _finish(state, State.STOPPED, Reason.PURCHASED)
    if cart.status != Cart.Status.OPEN or not cart.lines.exists():
        return _finish(state, State.STOPPED, Reason.EMPTIED)
    by_email = may_send_marketing_email(customer) and not sending.is_suppressed(customer.email)
    # Reminder 2 may go by SMS to a customer who allowed marketing texts but not email.
    by_sms = (
        not by_email
        and settings_row.reminder2_by_sms
        and settings_row.max_reminders >= 2
        and may_text(customer, marketing=True)
    )
    if not (by_email or by_sms):
        return _finish(state, State.STOPPED if step > 1 else State.SKIPPED, Reason.NO_CONSENT)
    if contact_on_hold(customer.pk):  # the console holds customers with an open case
        return _finish(state, State.STOPPED, Reason.SERVICE_CASE)
    if _agent_touched(cart, now - timedelta(hours=settings_row.agent_quiet_hours)):
        return _finish(state, State.STOPPED, Reason.AGENT_TOUCHED)
    if step == 1:
        cooldown_start = now - timedelta(days=settings_row.series_cooldown_days)
        other_series = CartAbandonment.objects.filter(
            customer=customer, reminders_sent__gt=0, started_at__gte=cooldown_start
        ).exclude(pk=state.pk)
        if other_series.exists():
            return _finish(state, State.SKIPPED, Reason.RECENT_SERIES)
    if step > settings_row.max_reminders:
        return _finish(state, State.COMPLETED)
    due_at = cart.last_activity_at + _delay(settings_row, step)
    if step == 2 and state.last_reminder_at is not None:
        # Never two reminders closer than the gap between the delays.
        gap = _delay(settings_row, 2) - _delay(settings_row, 1)
        due_at = max(due_at, state.last_reminder_at + max(gap, timedelta(0)))
    if due_at > now:
        # The shopper came back (or the gap is not over): wait for the new due time.
        state.next_due_at = due_at
        state.save(update_fields=["next_due_at", "updated_at"])
        return Outcome(StepOutcome.WAITING)
    lines = _available_lines(cart)
    if not lines:
        return _finish(state, State.STOPPED, Reason.SOLD_OUT)
    if by_sms and step == 1:
        # Reminder 1 is an email: this customer waits for reminder 2, by text.
        state.reminder1_skipped = True
        state.next_due_at = cart.last_activity_at + _delay(settings_row, 2)
        state.save(update_fields=["reminder1_skipped", "next_due_at", "updated_at"])
        return Outcome(StepOutcome.WAITING)
    if by_sms:
        result = sending.marketing_sms_send(
            customer=customer,
            flow=MarketingMessage.Flow.CART,
            kind=f"cart_reminder_{step}",
            build_text=_build_text(state=state, cart=cart, lines=lines, settings_row=settings_row, customer=customer),
            dedupe_key=f"cart-abandon:{cart.pk}:{step}:sms",
            step=step,
            now=now,
        )
        return _after_send(state, result, cart=cart, step=step, now=now, settings_row=settings_row, sms=True)

    result = sending.marketing_email_send(
        customer=customer,
        flow=MarketingMessage.Flow.CART,
        kind=f"cart_reminder_{step}",
        template=TEMPLATE,
        build_context=_build_context(
            state=state, cart=cart, lines=lines, step=step, settings_row=settings_row, customer=customer
        ),
        dedupe_key=f"cart-abandon:{cart.pk}:{step}",
        step=step,
        now=now,
    )
    return _after_send(state, result, cart=cart, step=step, now=now, settings_row=settings_row, sms=False)


def _after_send(state, result, *, cart, step: int, now: datetime, settings_row, sms: bool) -> Outcome:
    if result.status == sending.CAPPED:
        state.next_due_at = now + CAP_RETRY
        state.save(update_fields=["next_due_at", "updated_at"])
        return Outcome(StepOutcome.CAPPED)
    if result.status == sending.NO_CONSENT:
        return _finish(state, State.STOPPED if step > 1 else State.SKIPPED, Reason.NO_CONSENT)
    state.reminders_sent += 1
    state.sms_reminders_sent += int(sms)
    state.last_reminder_at = now
    if step >= settings_row.max_reminders:
        state.status = State.COMPLETED
        state.next_due_at = None
    else:
        gap = _delay(settings_row, 2) - _delay(settings_row, 1)
        state.next_due_at = max(cart.last_activity_at + _delay(settings_row, 2), now + max(gap, timedelta(0)))
    state.save(
        update_fields=[
            "reminders_sent",
            "sms_reminders_sent",
            "last_reminder_at",
            "status",
            "next_due_at",
            "updated_at",
        ]
    )
    return Outcome(StepOutcome.SENT, step)
