"""Demo knowledge articles and cases for `manage.py seed_demo` (idempotent)."""

from datetime import datetime, timedelta

from django.utils import timezone

from customers.models import Customer
from messaging.models import OutboundEmail
from service_console.models import Article, Case, CaseMessage
from service_console.services.sla import sla_due_times

ARTICLES = [
    {
        "slug": "returns-and-refunds",
        "title": "Returns and refunds",
        "category": Article.Category.RETURNS,
        "tags": ["returns", "refund"],
        "summary": "Return anything unworn within 30 days for a full refund.",
        "body": (
            "You can return any unworn item within **30 days** of delivery.\n\n"
            "1. Open *Your orders* and choose **Request a return**.\n"
            "2. Pack the item with its label and drop it at any post office.\n"
            "3. We refund your original payment within 5 working days of receiving it.\n\n"
            "Sale items can be exchanged but not refunded."
        ),
    },
    {
        "slug": "delivery-times",
        "title": "Delivery times and tracking",
        "category": Article.Category.ORDERS,
        "tags": ["delivery", "shipping", "tracking"],
        "summary": "Standard delivery takes 3–5 days; express arrives the next working day.",
        "body": (
            "| Method | Time | Price |\n|---|---|---|\n| Standard | 3–5 working days | Free over $50 |\n"
            "| Express | Next working day | $15 |\n\n"
            "You get an email with a **tracking number** when your order ships. "
            "If a parcel is late, contact us and we will look into it."
        ),
    },
    {
        "slug": "size-guide-shirts",
        "title": "Size guide: shirts and tops",
        "category": Article.Category.SIZING,
        "tags": ["size", "fit", "shirt"],
        "summary": "Chest and length measurements for XS to XL.",
        "body": (
            "Measure around the fullest part of your chest.\n\n"
            "| Size | Chest (cm) | Length (cm) |\n|---|---|---|\n| XS | 84–88 | 66 |\n| S | 89–94 | 69 |\n"
            "| M | 95–100 | 72 |\n| L | 101–107 | 74 |\n| XL | 108–114 | 76 |\n\n"
            "Between sizes? Our linen runs slightly large: choose the smaller size."
        ),
    },
    {
        "slug": "change-or-cancel-an-order",
        "title": "Change or cancel an order",
        "category": Article.Category.ORDERS,
        "tags": ["cancel", "order", "change"],
        "summary": "Orders can be changed or cancelled until they ship.",
        "body": "Until your order ships you can cancel it from *Your orders*. After that, return it instead.",
    },
    {
        "slug": "privacy-and-marketing-emails",
        "title": "Privacy and marketing emails",
        "category": Article.Category.ACCOUNT,
        "tags": ["privacy", "unsubscribe", "email"],
        "summary": "How we use your data and how to stop marketing email with one click.",
        "body": (
            "Every marketing email has an **unsubscribe** link that works with one click. "
            "You can also change your choices in your account. Order and delivery emails are always sent."
        ),
    },
    {
        "slug": "agent-discount-policy",
        "title": "Agent discount policy",
        "category": Article.Category.INTERNAL,
        "tags": ["discount", "override", "policy"],
        "summary": "When to use override discounts and which reason code to pick.",
        "is_public": False,
        "body": (
            "Agents may discount up to **15%** on their own authority. Above that, send the request to a "
            "supervisor from the cart panel.\n\n- *Delivery delay*: late parcel, up to 10%.\n"
            "- *Damaged*: faulty item, replace first, discount second.\n- *Price match*: a lower advertised "
            "price from a listed competitor.\n\nExpired coupons may be honoured once per customer."
        ),
    },
]

CASES = [
    (
        "shopper@example.com",
        "Parcel has not arrived yet",
        "My order was due on Monday and tracking has not moved.",
        Case.Channel.CONTACT_FORM,
        Case.Priority.HIGH,
        20,
    ),
    (
        "customer0001@example.com",
        "Which size should I order?",
        "I am between M and L for the linen shirt.",
        Case.Channel.CONTACT_FORM,
        Case.Priority.NORMAL,
        3 * 24 + 4,
    ),
    (
        "customer0002@example.com",
        "Refund not received",
        "I returned a jacket two weeks ago.",
        Case.Channel.EMAIL,
        Case.Priority.NORMAL,
        2 * 24 + 6,
    ),
    (
        "customer0003@example.com",
        "Loved the scarf — any other colours?",
        "Saw your post on Instagram.",
        Case.Channel.SOCIAL,
        Case.Priority.LOW,
        7,
    ),
]


def case_backdate(case: Case, opened_at: datetime) -> None:
    """Make a demo case look opened at `opened_at` (not the moment `seed_demo` ran): its
    times, its SLA due times from then, its messages a few minutes apart from then, and
    its acknowledgement email recorded as sent then (a demo case's customer is not mailed
    now about something they asked days ago)."""
    first_due, resolution_due = sla_due_times(priority=case.priority, opened_at=opened_at)
    Case.objects.filter(pk=case.pk).update(
        created_at=opened_at,
        updated_at=opened_at,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
    )
    for index, pk in enumerate(CaseMessage.objects.filter(case=case).order_by("created_at", "id").values_list("pk")):
        CaseMessage.objects.filter(pk=pk[0]).update(created_at=opened_at + timedelta(minutes=index))
    OutboundEmail.objects.filter(dedupe_key=f"case-received-{case.pk}", status=OutboundEmail.Status.QUEUED).update(
        status=OutboundEmail.Status.SENT,
        created_at=opened_at,
        updated_at=opened_at,
        sent_at=opened_at + timedelta(minutes=1),
    )


def seed(stdout=None, disable_progress: bool = False) -> None:
    for data in ARTICLES:
        defaults = {k: v for k, v in data.items() if k != "slug"}
        # get_or_create: an article someone edited in admin keeps their words on the next run.
        Article.objects.get_or_create(slug=data["slug"], defaults=defaults)
    agent = Customer.objects.filter(email__iexact="agent@example.com").first()
    now = timezone.now()
    for email, subject, description, channel, priority, hours_ago in CASES:
        customer = Customer.objects.filter(email__iexact=email).first()
        if customer is None or Case.objects.filter(customer=customer, subject=subject).exists():
            continue
        case = Case.objects.create(
            customer=customer, subject=subject, description=description, channel=channel, priority=priority
        )
        if channel in (Case.Channel.CONTACT_FORM, Case.Channel.SOCIAL, Case.Channel.EMAIL):
            CaseMessage.objects.create(
                case=case, author=customer, kind=CaseMessage.Kind.CUSTOMER, body=description, via=channel
            )
        case_backdate(case, now - timedelta(hours=hours_ago))  # with its SLA due times, as case_create sets them
        if agent is not None and subject.startswith("Refund"):
            Case.objects.filter(pk=case.pk).update(assignee=agent, status=Case.Status.OPEN)
    _seed_helpdesk(agent)
    if stdout is not None:
        stdout.write(f"service console: {len(ARTICLES)} articles, {len(CASES)} demo cases")


_DEMO_EMAIL = (
    b"From: Demo Customer <customer0004@example.com>\r\n"
    b"To: support@example.com\r\n"
    b"Subject: Gift wrapping for an order?\r\n"
    b"Message-ID: <demo-inbound-1@mail.example.net>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Hello, can you gift wrap my next order? It is a birthday present.\r\n\r\n"
    b"-- \r\nSent from my phone\r\n"
)


def _seed_helpdesk(agent) -> None:
    """An email to the support address (through the same router as the SMTP listener;
    idempotent by Message-ID) and a solved, rated case, so the inbound-email and rating
    admin pages have something to show."""
    from helpdesk.services import satisfaction_record, satisfaction_request
    from messaging.inbound import message_ids_in, parse_raw
    from service_console.models import InboundEmail
    from service_console.services.inbound import inbound_email_receive

    if Customer.objects.filter(email__iexact="customer0004@example.com").exists():
        message = parse_raw(_DEMO_EMAIL)
        already = InboundEmail.objects.filter(message_id__in=message_ids_in(message["Message-ID"])).exists()
        received = inbound_email_receive(
            message=message,
            raw=_DEMO_EMAIL,
            source=InboundEmail.Source.SMTP,
            envelope_recipients=["support@example.com"],
            envelope_sender="customer0004@example.com",
        )
        if not already and received.case is not None:
            opened_at = timezone.now() - timedelta(hours=2, minutes=40)
            InboundEmail.objects.filter(pk=received.pk).update(received_at=opened_at)
            case_backdate(received.case, opened_at)
    sized = Case.objects.filter(subject="Which size should I order?").first()
    if agent is None or sized is None:
        return
    rating, _ = satisfaction_request(
        channel="case", object_id=sized.pk, reference=sized.number, customer=sized.customer, agent=agent
    )
    if rating.score is None:
        Case.objects.filter(pk=sized.pk).update(assignee=agent, status=Case.Status.SOLVED)
        satisfaction_record(rating=rating, score=5, comment="Quick answer, the L fits perfectly.")
