"""Customer 360: everything an agent needs about one customer, read in a fixed number of
queries whatever the size of their history (QUALITY.md P6). Every list is bounded; the
header's totals come from one aggregate."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from carts.models import Cart, CartOverride
from carts.pricing import PriceBreakdown, cart_price
from carts.selectors import carts_for_pricing
from catalog.models import ProductView, SearchQuery, StockReservation, Variant
from catalog.recommendations import Recommended, recommendations_for_customer
from common.audit_actions import AuditAction
from common.models import AuditEntry
from common.money import ZERO
from conversations.models import Conversation
from conversations.selectors import conversations_for_customer
from customers.models import Address, Consent, Customer
from marketing.models import CartAbandonment
from messaging.models import EmailEvent, OutboundEmail
from messaging.selectors import email_events_for_customer
from orders.models import Order, OrderEvent
from orders.selectors import NET_REVENUE, counts_as_revenue
from service_console.models import Case

RECENT_ORDERS = 10
RECENT_CASES = 20
RECENT_EMAILS = 12
TIMELINE_SOURCE_LIMIT = 40
TIMELINE_LIMIT = 80
BROWSING_LIMIT = 10


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # order | case | email | audit | consent | chat | browse
    title: str
    detail: str = ""
    actor: str = ""
    url: str = ""


@dataclass
class CartView:
    cart: Cart | None
    price: PriceBreakdown | None
    pending_overrides: list[CartOverride] = field(default_factory=list)
    applied_overrides: list[CartOverride] = field(default_factory=list)
    rejected_overrides: list[CartOverride] = field(default_factory=list)
    reservations: list[StockReservation] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.cart is None or self.price is None or self.price.is_empty

    @property
    def overrides_shown(self) -> list[CartOverride]:
        return [*self.applied_overrides, *self.pending_overrides, *self.rejected_overrides]

    @property
    def live_key(self) -> str:
        """Changes whenever what the live cart fragment shows changes: the cart's version
        (every write), a discount's approval state (a rejection does not bump the version)
        and held stock."""
        if self.cart is None:
            return "none"
        decisions = ".".join(f"{o.pk}{o.status[:2]}" for o in self.overrides_shown)
        held = ".".join(f"{r.pk}:{r.expires_at.timestamp():.0f}" for r in self.reservations)
        return f"{self.cart.pk}-{self.cart.version}-{decisions}-{held}"


@dataclass
class Customer360:
    customer: Customer
    addresses: list[Address]
    consents: dict[str, Consent | None]
    lifetime_value: Decimal
    order_count: int
    first_order_at: datetime | None
    orders: list[Order]
    cases: list[Case]
    open_case_count: int
    emails: list[OutboundEmail]
    abandonment: list[CartAbandonment]
    recommendations: list[tuple[Recommended, Variant | None]]
    timeline: list[TimelineItem]
    cart: CartView
    chats: list[Conversation] = field(default_factory=list)
    personalised: bool = False  # recommendations are personal (the customer allows personalisation)

    @property
    def country(self) -> str:
        """The customer's country (default address first), for how their phone is shown."""
        return self.addresses[0].country.upper() if self.addresses else settings.SHOP_COUNTRY


def cart_view_for(customer: Customer) -> CartView:
    """The customer's open cart, priced, with overrides and live reservations (4 queries:
    cart, lines, overrides, reservations; pricing itself reads nothing more)."""
    cart = carts_for_pricing().filter(customer=customer, status=Cart.Status.OPEN).first()
    if cart is None:
        return CartView(cart=None, price=None)
    overrides = list(cart.overrides.all())

    reservations = list(
        StockReservation.objects.filter(cart=cart, expires_at__gt=timezone.now())
        .select_related("variant")
        .order_by("expires_at")
    )
    return CartView(
        cart=cart,
        price=cart_price(cart),
        pending_overrides=[o for o in overrides if o.status == CartOverride.Status.PENDING_APPROVAL],
        applied_overrides=[o for o in overrides if o.status == CartOverride.Status.APPLIED],
        rejected_overrides=[o for o in overrides if o.status == CartOverride.Status.REJECTED],
        reservations=reservations,
    )


def _current_consents(customer: Customer) -> dict[str, Consent | None]:
    latest = Consent.objects.filter(customer=customer).order_by("purpose", "-created_at", "-id").distinct("purpose")
    by_purpose = {c.purpose: c for c in latest}
    return {purpose: by_purpose.get(purpose) for purpose in Consent.Purpose.values}


def _audit_detail(entry: AuditEntry) -> str:
    after = entry.after or {}
    if entry.action.startswith("cart.override") or entry.action == AuditAction.CART_COUPON_HONOUR:
        note = after.get("note", "")
        bits = [after.get("kind", ""), after.get("label", ""), after.get("reason", ""), note and f"“{note}”"]
        return " · ".join(b for b in bits if b)
    if entry.action.startswith("cart.line"):
        return after.get("item", "") or entry.note
    if entry.action == AuditAction.ORDER_PLACE_ON_BEHALF:
        return f"Order {after.get('number', '')} · {after.get('total', '')}"
    if entry.action == AuditAction.CONSENT_CHANGE:
        purpose = Consent.Purpose(after.get("purpose", Consent.Purpose.MARKETING_EMAIL)).label
        return f"{purpose}: {'granted' if after.get('granted') else 'withdrawn'}"
    if entry.action == AuditAction.CASE_UPDATE:
        return ", ".join(f"{k}: {(entry.before or {}).get(k)} → {v}" for k, v in after.items())
    return entry.note


def customer_emails(customer: Customer) -> list[OutboundEmail]:
    """The latest emails with their open/click/bounce/unsubscribe flags (one query)."""
    events_of = EmailEvent.objects.filter(email=OuterRef("pk"))
    return list(
        OutboundEmail.objects.filter(customer=customer)
        # Not the rendering context (JSON, possibly large): the panel shows status and flags.
        .only("id", "kind", "status", "subject", "to_email", "marketing", "created_at", "sent_at")
        .annotate(
            opened=Exists(events_of.filter(kind=EmailEvent.Kind.OPEN)),
            clicked=Exists(events_of.filter(kind=EmailEvent.Kind.CLICK)),
            bounced=Exists(events_of.filter(kind__in=[EmailEvent.Kind.BOUNCE, EmailEvent.Kind.COMPLAINT])),
            unsubscribed=Exists(events_of.filter(kind=EmailEvent.Kind.UNSUBSCRIBE)),
        )
        .order_by("-created_at")[:RECENT_EMAILS]
    )


def emails_in_flight(emails: list[OutboundEmail]) -> bool:
    return any(e.status in (OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING) for e in emails)


def customer_360(customer: Customer) -> Customer360:
    """Read everything for the 360 page. Query count is constant (see tests)."""
    addresses = list(customer.addresses.all())
    consents = _current_consents(customer)
    stats = Order.objects.filter(customer=customer).aggregate(
        n=Count("id"),
        value=Sum(NET_REVENUE, filter=counts_as_revenue()),  # = revenue_orders(), in the same query
        first=Min("placed_at"),
    )
    orders = list(
        Order.objects.filter(customer=customer)
        .select_related("placed_by")
        .prefetch_related("lines")
        .order_by("-placed_at")[:RECENT_ORDERS]
    )
    cases = list(
        Case.objects.filter(customer=customer).select_related("assignee").order_by("-created_at")[:RECENT_CASES]
    )
    open_case_count = Case.objects.filter(customer=customer, status__in=Case.OPEN_STATUSES).count()
    emails = customer_emails(customer)
    abandonment = list(
        CartAbandonment.objects.filter(customer=customer).select_related("cart", "voucher").order_by("-started_at")[:5]
    )
    order_events = list(
        OrderEvent.objects.filter(order__customer=customer)
        .select_related("order", "actor")
        .order_by("-created_at", "-id")[:TIMELINE_SOURCE_LIMIT]
    )
    email_events = list(email_events_for_customer(customer=customer, limit=TIMELINE_SOURCE_LIMIT))
    audits = list(
        AuditEntry.objects.filter(customer=customer)
        .select_related("actor")
        .order_by("-created_at")[:TIMELINE_SOURCE_LIMIT]
    )
    consent_history = list(customer.consents.order_by("-created_at", "-id")[:TIMELINE_SOURCE_LIMIT])
    views = list(
        ProductView.objects.filter(customer=customer).select_related("product").order_by("-viewed_at")[:BROWSING_LIMIT]
    )
    searches = list(SearchQuery.objects.filter(customer=customer).order_by("-created_at")[:BROWSING_LIMIT])
    personal = consents.get(Consent.Purpose.PERSONALISATION)
    personalised = bool(personal and personal.granted) and customer.erased_at is None
    recommended = recommendations_for_customer(customer, limit=6, personalised=personalised)
    default_variants = {
        v.product_id: v
        for v in Variant.objects.filter(product_id__in=[r.product.pk for r in recommended], is_active=True)
        .order_by("product_id", "id")
        .distinct("product_id")
    }
    recommendations = [(r, default_variants.get(r.product.pk)) for r in recommended]
    cart = cart_view_for(customer)
    chats = conversations_for_customer(customer, limit=TIMELINE_SOURCE_LIMIT)
    timeline = _timeline(customer, order_events, cases, emails, email_events, audits, consent_history)
    timeline = _with_browsing(timeline, views, searches)
    timeline = _with_chats(timeline, chats)
    return Customer360(
        customer=customer,
        addresses=addresses,
        consents=consents,
        lifetime_value=stats["value"] or ZERO,
        order_count=stats["n"],
        first_order_at=stats["first"],
        orders=orders,
        cases=cases,
        open_case_count=open_case_count,
        emails=emails,
        abandonment=abandonment,
        recommendations=recommendations,
        timeline=timeline,
        cart=cart,
        chats=chats,
        personalised=personalised,
    )


def _timeline(customer, order_events, cases, emails, email_events, audits, consents) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for ev in order_events:
        actor = ev.actor.get_full_name() if ev.actor_id and ev.actor_kind == OrderEvent.ActorKind.AGENT else ""
        items.append(
            TimelineItem(
                at=ev.created_at,
                kind="order",
                title=f"{ev.get_kind_display()} · {ev.order.number}",
                detail=ev.message,
                actor=actor or str(ev.get_actor_kind_display()),
                url=f"#order-{ev.order.number}",
            )
        )
    for case in cases:
        items.append(
            TimelineItem(
                at=case.created_at,
                kind="case",
                title=gettext("Case %(number)s opened") % {"number": case.number},
                detail=f"{case.subject} ({case.get_channel_display()})",
                url=reverse("console:case", kwargs={"pk": case.pk}),
            )
        )
    for email in emails:
        items.append(
            TimelineItem(
                at=email.created_at,
                kind="email",
                title=gettext("Email %(status)s: %(subject)s")
                % {
                    "status": str(email.get_status_display()).lower(),
                    "subject": email.subject or email.kind.replace("_", " "),
                },
                detail=email.to_email,
            )
        )
    for ev in email_events:
        subject = (ev.email.subject or ev.email.kind.replace("_", " ")) if ev.email_id else ""
        items.append(
            TimelineItem(
                at=ev.created_at,
                kind="email",
                title=gettext("Email %(event)s") % {"event": str(ev.get_kind_display()).lower()},
                detail=subject,
            )
        )
    for entry in audits:
        if entry.action == AuditAction.CASE_CREATE:
            continue  # shown from the case record itself
        items.append(
            TimelineItem(
                at=entry.created_at,
                kind="audit",
                title=AuditAction.label_for(entry.action),
                detail=_audit_detail(entry),
                actor=entry.actor.get_full_name() if entry.actor_id else gettext("System"),
            )
        )
    for consent in consents:
        if consent.source == Consent.Source.AGENT:
            continue  # the agent's audit entry shows it, with who did it
        template = (
            gettext("%(purpose)s consent granted") if consent.granted else gettext("%(purpose)s consent withdrawn")
        )
        items.append(
            TimelineItem(
                at=consent.created_at,
                kind="consent",
                title=template % {"purpose": consent.get_purpose_display()},
                detail=gettext("via %(source)s") % {"source": str(consent.get_source_display()).lower()},
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:TIMELINE_LIMIT]


def _with_browsing(timeline: list[TimelineItem], views, searches) -> list[TimelineItem]:
    """Storefront behaviour (product views, searches) joins the same timeline."""
    items = list(timeline)
    for view in views:
        items.append(
            TimelineItem(
                at=view.viewed_at,
                kind="browse",
                title=gettext("Viewed %(name)s") % {"name": view.product.name},
                url=reverse("catalog:product", kwargs={"slug": view.product.slug}),
            )
        )
    for search in searches:
        found = ngettext("%(count)s result", "%(count)s results", search.results_count) % {
            "count": search.results_count
        }
        title = gettext("Searched “%(query)s”") % {"query": search.query}
        items.append(TimelineItem(at=search.created_at, kind="browse", title=title, detail=found))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:TIMELINE_LIMIT]


def _with_chats(timeline: list[TimelineItem], chats: list[Conversation]) -> list[TimelineItem]:
    """Live chats join the timeline, each linking to its transcript in the console."""
    items = list(timeline)
    for chat in chats:
        if chat.assignee_id:
            who = gettext("with %(name)s") % {"name": chat.assignee.get_short_name()}
        else:
            who = gettext("with the bot")
        outcome = chat.get_outcome_display().lower() if chat.outcome else chat.get_status_display().lower()
        items.append(
            TimelineItem(
                at=chat.created_at,
                kind="chat",
                title=ngettext(
                    "Chat %(who)s · %(count)s message", "Chat %(who)s · %(count)s messages", chat.message_count
                )
                % {"who": who, "count": chat.message_count},
                detail=f"{chat.get_intent_display()} · {outcome}" if chat.intent else outcome,
                url=reverse("console:chat", kwargs={"public_id": chat.public_id}),
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:TIMELINE_LIMIT]
