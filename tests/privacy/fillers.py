"""Fill every model that can hold personal data with one person's data, the way the
product writes it (services where they exist), for the erasure scan (R13).

One filler per app that registers `holds` models (common.personal_data). A new app that
stores personal data registers its eraser in its AppConfig.ready and adds its filler here;
the scan test fails until both exist.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

# The person. Distinctive values so a scan of the whole database cannot match by chance.
EMAIL = "Zephyrine.Quillfeather@example.org"
FIRST = "Zephyrine"
LAST = "Quillfeather"
PHONE = "+81 90 7316 4825"
PHONE_AS_TYPED = "090-7316-4825"  # how she writes it in a message
LINE1 = "17 Marigold Crescent"
LINE2 = "Flat 4B Hollyhock House"
HANDLE = "zephyq_knits"
READING = "ゼフィリーヌ"  # her given name's reading (furigana), as a Japanese form stores it


@dataclass
class World:
    customer: object
    agent: object
    variant: object
    extra: dict = field(default_factory=dict)


def _address_dict() -> dict:
    return {
        "full_name": f"{FIRST} {LAST}",
        "line1": LINE1,
        "line2": LINE2,
        "city": "Tokyo",
        "postal_code": "150-0002",
        "country": "JP",
        "phone": PHONE,
    }


def fill_customers(world: World) -> None:
    from tests.customers.factories import AddressFactory

    AddressFactory(
        customer=world.customer,
        full_name=f"{FIRST} {LAST}",
        first_name=FIRST,
        last_name=LAST,
        first_name_reading=READING,
        line1=LINE1,
        line2=LINE2,
        phone=PHONE,
    )
    world.customer.first_name_reading = READING
    world.customer.save(update_fields=["first_name_reading"])
    from customers.services import social_handle_add

    social_handle_add(customer=world.customer, network="instagram", handle=HANDLE, actor=world.customer)


def fill_catalog(world: World) -> None:
    from catalog.models import ProductView, SearchQuery

    SearchQuery.objects.create(
        query=f"gift for {LAST}", normalized=f"gift for {LAST.lower()}", results_count=0, customer=world.customer
    )
    ProductView.objects.create(product=world.variant.product, customer=world.customer, viewed_at=timezone.now())


def fill_carts(world: World) -> None:
    from carts.models import CartOverride
    from carts.services import cart_line_add, cart_override_apply
    from tests.carts.factories import CartFactory, VoucherFactory

    cart = CartFactory(customer=world.customer, email=EMAIL, attribution={"utm_content": EMAIL})
    cart_line_add(cart=cart, variant=world.variant, quantity=2, actor=world.customer)
    cart.refresh_from_db()
    cart_override_apply(
        cart=cart,
        actor=world.agent,
        scope=CartOverride.Scope.CART,
        kind=CartOverride.Kind.PERCENT,
        value=Decimal("5"),
        reason_code=CartOverride.ReasonCode.GOODWILL,
        reason_text=f"{FIRST} called from {PHONE_AS_TYPED} about a late parcel",
        expected_version=cart.version,
    )
    VoucherFactory(description=f"Apology for {FIRST} {LAST}", customer=world.customer)
    world.extra["cart"] = cart


def fill_orders(world: World) -> None:
    from carts.services import voucher_apply
    from orders.services import order_note_add
    from tests.carts.factories import CartFactory, CartLineFactory, VoucherFactory
    from tests.orders.helpers import place

    # A guest checkout with her address and a voucher (the order joins her record by email).
    cart = CartFactory(customer=None, email=EMAIL)
    CartLineFactory(cart=cart, variant=world.variant, quantity=1)
    voucher_apply(cart=cart, code=VoucherFactory().code)
    world.extra["order"] = place(cart, email=EMAIL, address=_address_dict())
    order_note_add(order=world.extra["order"], actor=world.agent, message=f"Called {FIRST} on {PHONE_AS_TYPED}")


def fill_messaging(world: World) -> None:
    from messaging.models import EmailEvent, OutboundEmail, Suppression
    from messaging.services import email_enqueue

    email = email_enqueue(
        to=EMAIL,
        kind="order_confirmation",
        template="order_confirmation",
        context={"first_name": FIRST, "address_lines": [f"{FIRST} {LAST}", LINE1, LINE2]},
        dedupe_key=f"privacy-test:{EMAIL}",
        customer=world.customer,
    )
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.FAILED, last_error=f"550 <{EMAIL}>: mailbox unavailable", subject=f"Hi {FIRST}"
    )
    EmailEvent.objects.create(
        email=email, customer=world.customer, kind=EmailEvent.Kind.CLICK, url=f"https://shop.test/a/?e={EMAIL}"
    )
    Suppression.objects.create(email=EMAIL, reason=Suppression.Reason.COMPLAINT, note=f"{FIRST} {LAST} complained")


def fill_service_console(world: World) -> None:
    from service_console.models import Case
    from service_console.services.cases import case_contact_form_submit, case_note_add, case_reply_send
    from service_console.services.knowledge import article_share
    from tests.service_console.factories import ArticleFactory

    case = case_contact_form_submit(
        email=EMAIL,
        name=f"{FIRST} {LAST}",
        subject=f"{LAST}: parcel to {LINE1}",
        message=f"Please deliver to {LINE1}, {LINE2} instead, or call me on {PHONE_AS_TYPED}.",
    )
    case = Case.objects.get(pk=case.pk)
    case_note_add(case=case, actor=world.agent, body=f"Customer says her new number is {PHONE_AS_TYPED}")
    case_reply_send(case=case, actor=world.agent, body=f"Dear {FIRST}, we will deliver to {LINE1}.")
    article_share(article=ArticleFactory(is_public=True), customer=world.customer, actor=world.agent, case=case)
    _fill_inbound_email(world, case)


def _fill_inbound_email(world: World, case) -> None:
    """helpdesk: her email reply (kept whole as the original) with a photo whose name says
    who she is, through the same router as the SMTP listener."""
    import io
    import tempfile

    from django.test import override_settings
    from PIL import Image

    from messaging.models import OutboundEmail
    from tests.service_console.mail import build_email, deliver

    photo = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(photo, "PNG")
    reply_to = OutboundEmail.objects.filter(kind="case_reply").latest("id").headers["Reply-To"]
    raw = build_email(
        sender=f"{FIRST} {LAST} <{EMAIL}>",
        to=reply_to,
        subject=f"Re: {LAST}: parcel to {LINE1}",
        body=f"Thanks! I am at {LINE2} until 6, phone {PHONE_AS_TYPED}.\n\n-- \n{FIRST} {LAST}\n{LINE1}",
        attachments=[(f"{LAST}-doorstep.png", "image/png", photo.getvalue())],
    )
    with override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="erasure-")):
        deliver(raw, mail_from=EMAIL)


def fill_helpdesk(world: World) -> None:
    from helpdesk.services import satisfaction_record, satisfaction_request
    from service_console.models import Case

    case = Case.objects.filter(customer=world.customer).first()
    rating, _ = satisfaction_request(
        channel="case", object_id=case.pk, reference=case.number, customer=world.customer, agent=world.agent
    )
    satisfaction_record(rating=rating, score=2, comment=f"{FIRST} here: the courier never found {LINE1}")


def fill_marketing(world: World) -> None:
    from marketing.models import AbandonmentSettings, CartAbandonment
    from marketing.services.behaviour import search_abandonment_send
    from tests.marketing.factories import consent

    consent(world.customer, True, at=timezone.now() - timedelta(days=30))
    search_abandonment_send(
        customer=world.customer,
        query=f"gift for {LAST}",
        now=timezone.now(),
        settings_row=AbandonmentSettings.current(),
    )
    CartAbandonment.objects.create(cart=world.extra["cart"], customer=world.customer, email=EMAIL)


def fill_api(world: World) -> None:
    from api.models import IntegrationToken, WebhookDelivery, WebhookSubscription
    from orders.services.events import order_payload

    token = IntegrationToken(name=f"Mobile app ({FIRST})", customer=world.customer, scopes=["shopper"])
    token.issue()
    token.save()
    subscription = WebhookSubscription.objects.create(
        name="ERP", url="https://erp.example.com/hook", events=["order.created"], secret="s" * 32
    )
    WebhookDelivery.objects.create(
        subscription=subscription, event="order.created", payload=order_payload(world.extra["order"])
    )


def fill_social(world: World) -> None:
    """Her posts the way they arrive: one from a second account nobody knew was hers (a
    placeholder record stood for it until an agent linked it), one from the handle on her
    profile naming her; an agent's public reply."""
    from social.models import SocialRule
    from social.services import social_author_link, social_post_classify, social_post_receive, social_reply

    SocialRule.objects.get_or_create(
        term="never came", language="en", defaults={"category": "delivery", "weight": -0.6, "opens_case": True}
    )

    def post(handle, text, url):
        received = social_post_receive(
            platform="instagram", handle=handle, text=text, url=url, posted_at=timezone.now(), source="Listener"
        )
        return social_post_classify(post_id=received.post.pk)

    alt = post(f"{HANDLE}_jp", "My parcel never came, worst service ever", "https://instagram.example/p/1")
    social_author_link(post=alt, customer=world.customer, actor=world.agent)
    mine = post(
        HANDLE,
        f"@shop my order never came, {FIRST} {LAST} here, call {PHONE_AS_TYPED}",
        "https://instagram.example/p/2",
    )
    social_reply(post=mine, body=f"Sorry {FIRST}, we are on it", actor=world.agent)


def fill_common(world: World) -> None:
    from django.contrib.admin.models import CHANGE, LogEntry

    from customers.services import consent_set

    # An agent's consent change is audited; admin logs an edit of the customer by str(customer).
    consent_set(customer=world.customer, purpose="personalisation", granted=True, source="agent", actor=world.agent)
    LogEntry.objects.log_actions(
        user_id=world.agent.pk,
        queryset=[world.customer],
        action_flag=CHANGE,
        change_message=[{"changed": {"fields": ["Phone"]}}],
        single_object=True,
    )


# In order: later fillers use what earlier ones made (a cart, an order).
def fill_conversations(world: World) -> None:
    from conversations.services import agent_message_send, conversation_start, shopper_message_receive

    conversation, _ = conversation_start(customer=world.customer)
    shopper_message_receive(
        conversation=conversation,
        body=f"I'm {FIRST} {LAST}, call me on {PHONE_AS_TYPED}, I moved to {LINE1}",
        customer=world.customer,
    )
    agent_message_send(conversation=conversation, agent=world.agent, body=f"Thanks {FIRST}, noted {LINE2}.")
    # A guest quoting her email to look an order up (no foreign key to her).
    guest, _ = conversation_start(customer=None)
    shopper_message_receive(conversation=guest, body=f"UC-ABCD-EFGH {EMAIL}")


def fill_mobile(world: World) -> None:
    from customers.models import Consent
    from customers.services import consent_set
    from mobile.models import OutboundMessage
    from mobile.services import push_enqueue, push_subscription_save, sms_enqueue, sms_inbound_receive

    e164 = "+819073164825"  # PHONE as stored
    consent_set(customer=world.customer, purpose=Consent.Purpose.SMS_TRANSACTIONAL, granted=True, source="checkout")
    text = sms_enqueue(
        customer=world.customer,
        kind="order_shipped",
        body=f"Hi {FIRST}, your parcel to {LINE1} has shipped",
        dedupe_key="privacy-test:sms",
    )
    OutboundMessage.objects.filter(pk=text.pk).update(
        status=OutboundMessage.Status.FAILED, last_error=f"Twilio 400: {e164} is not a mobile number"
    )
    push_subscription_save(
        customer=world.customer,
        endpoint="https://push.example.net/send/zq-browser-1",
        p256dh="B" + "x" * 86,
        auth="a" * 22,
        user_agent=f"{FIRST}'s laptop",
    )
    push_enqueue(
        customer=world.customer,
        kind="back_in_stock",
        title=f"{FIRST}, it is back",
        body=f"For {FIRST} {LAST}",
        url="/products/x/",
        dedupe_key="privacy-test:push",
    )
    sms_inbound_receive(provider_message_id="SMprivacy0001", from_phone=e164, body=f"Hello, this is {FIRST} {LAST}")
    sms_inbound_receive(provider_message_id="SMprivacy0002", from_phone=e164, body="STOP")  # opts the number out


FILLERS = {
    "customers": fill_customers,
    "catalog": fill_catalog,
    "carts": fill_carts,
    "orders": fill_orders,
    "service_console": fill_service_console,
    "helpdesk": fill_helpdesk,  # after service_console: rates her case
    "conversations": fill_conversations,
    "marketing": fill_marketing,  # before messaging's suppression of her address
    "messaging": fill_messaging,
    "social": fill_social,  # after service_console: its posts open cases
    "mobile": fill_mobile,
    "api": fill_api,
    "common": fill_common,
}
