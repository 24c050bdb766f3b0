"""Cart abandonment: the state machine on a frozen clock, stop conditions, idempotent scans,
the reminder-2 voucher and the restore link."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from carts.models import Cart, CartLine, Voucher
from customers.models import Consent
from customers.services import consent_set
from marketing.models import CartAbandonment, MarketingMessage
from marketing.services.abandonment import abandoned_carts_due, abandonment_scan
from messaging.models import OutboundEmail
from tests.marketing.factories import CartFactory, CartLineFactory, CustomerFactory, VariantFactory, consent, order_for

pytestmark = pytest.mark.django_db

START = "2026-03-02 09:00:00"


def reminders(cart) -> list[str]:
    return list(
        OutboundEmail.objects.filter(dedupe_key__startswith=f"cart-abandon:{cart.pk}:")
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def test_two_reminders_on_schedule_then_nothing(flow_settings, shopper, make_cart):
    with freeze_time(START) as clock:
        cart = make_cart(shopper, idle=timedelta(minutes=0))
        clock.tick(timedelta(minutes=59))
        abandonment_scan()
        assert reminders(cart) == []  # idle 59 min < 1 h

        clock.tick(timedelta(minutes=2))  # idle 61 min
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1"]
        state = CartAbandonment.objects.get(cart=cart)
        assert (state.status, state.reminders_sent, state.promo_code) == ("active", 1, "")
        assert state.last_reminder_at == timezone.now()

        clock.tick(timedelta(hours=22))  # idle 23 h 01
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1"]

        clock.tick(timedelta(hours=1))  # idle 24 h 01: due, but reminder 1 went only 23 h ago (cap 1 per 24 h)
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1"]
        assert CartAbandonment.objects.get(cart=cart).next_due_at == timezone.now() + timedelta(hours=1)

        clock.tick(timedelta(hours=1))  # the cap has room again
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1", "cart_reminder_2"]
        state.refresh_from_db()
        assert (state.status, state.reminders_sent) == ("completed", 2)
        voucher = Voucher.objects.get(pk=state.voucher_id)
        assert voucher.code == state.promo_code and voucher.single_use and voucher.usage_limit_total == 1
        assert voucher.value == 15
        assert voucher.valid_to == timezone.now() + timedelta(days=7)
        email = OutboundEmail.objects.get(dedupe_key=f"cart-abandon:{cart.pk}:2")
        assert email.marketing is True
        assert email.context["promo_code"] == voucher.code

        clock.tick(timedelta(days=3))
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1", "cart_reminder_2"]


def test_scan_twice_sends_nothing_twice(flow_settings, shopper, make_cart):
    cart = make_cart(shopper, idle=timedelta(hours=2))
    first = abandonment_scan()
    second = abandonment_scan()
    assert first.sent == 1 and second.sent == 0
    assert OutboundEmail.objects.filter(dedupe_key__startswith=f"cart-abandon:{cart.pk}:").count() == 1
    assert MarketingMessage.objects.filter(flow="cart_abandonment").count() == 1


def test_each_reminder_2_gets_its_own_voucher(flow_settings, make_cart):
    codes = set()
    with freeze_time(START) as clock:
        carts = []
        for n in range(3):
            customer = CustomerFactory(email=f"v{n}@example.com")
            consent(customer, True)
            carts.append(make_cart(customer, idle=timedelta(hours=2)))
        abandonment_scan()
        clock.tick(timedelta(hours=25))
        abandonment_scan()
        abandonment_scan()
    for cart in carts:
        state = CartAbandonment.objects.get(cart=cart)
        assert state.reminders_sent == 2
        codes.add(state.promo_code)
    assert len(codes) == 3
    assert Voucher.objects.filter(source="abandonment").count() == 3


def _started(shopper, make_cart):
    """A cart that got reminder 1 (frozen at START + 2 h)."""
    cart = make_cart(shopper, idle=timedelta(hours=2))
    abandonment_scan()
    assert reminders(cart) == ["cart_reminder_1"]
    return cart


def _after_a_day():
    return timezone.now() + timedelta(hours=25)


def test_purchase_stops_the_series(flow_settings, shopper, make_cart):
    with freeze_time(START) as clock:
        cart = _started(shopper, make_cart)
        clock.tick(timedelta(hours=3))
        order_for(shopper, total="40.00")
        Cart.objects.filter(pk=cart.pk).update(status=Cart.Status.CONVERTED)
        clock.tick(timedelta(hours=23))
        abandonment_scan()
    state = CartAbandonment.objects.get(cart=cart)
    assert (state.status, state.stop_reason) == ("stopped", "purchased")
    assert reminders(cart) == ["cart_reminder_1"]


def test_emptied_cart_stops_the_series(flow_settings, shopper, make_cart):
    with freeze_time(START) as clock:
        cart = _started(shopper, make_cart)
        CartLine.objects.filter(cart=cart).delete()
        clock.tick(timedelta(hours=26))
        abandonment_scan()
    assert CartAbandonment.objects.get(cart=cart).stop_reason == "emptied"
    assert reminders(cart) == ["cart_reminder_1"]


def test_unsubscribe_stops_the_series(flow_settings, shopper, make_cart):
    with freeze_time(START) as clock:
        cart = _started(shopper, make_cart)
        clock.tick(timedelta(hours=1))
        consent_set(customer=shopper, purpose=Consent.Purpose.MARKETING_EMAIL, granted=False, source="unsubscribe")
        clock.tick(timedelta(hours=25))
        abandonment_scan()
    assert CartAbandonment.objects.get(cart=cart).stop_reason == "no_consent"
    assert reminders(cart) == ["cart_reminder_1"]


def test_no_consent_means_no_reminder_at_all(flow_settings, make_cart):
    customer = CustomerFactory(email="noconsent@example.com")
    cart = make_cart(customer, idle=timedelta(hours=2))
    outcome = abandonment_scan()
    assert reminders(cart) == []
    assert outcome.outcomes == {"skipped:no_consent": 1}, outcome.outcomes
    assert CartAbandonment.objects.get(cart=cart).stop_reason == "no_consent"


def test_open_service_case_stops_the_series(flow_settings, shopper, make_cart):
    """The console holds the customer's marketing while a case is open (marketing reads its
    own ContactHold, never the console's cases); solving the case releases the hold."""
    from service_console.models import Case
    from service_console.services.cases import case_create, case_update

    agent = CustomerFactory(email="agent.hold@example.com", is_staff=True)
    cart = make_cart(shopper, idle=timedelta(hours=2))
    case = case_create(customer=shopper, subject="Where is my parcel?", actor=agent)
    abandonment_scan()
    assert reminders(cart) == []
    assert CartAbandonment.objects.get(cart=cart).stop_reason == "service_case"

    case_update(case=case, actor=agent, status=Case.Status.SOLVED)
    CartAbandonment.objects.filter(cart=cart).delete()
    Cart.objects.filter(pk=cart.pk).update(last_activity_at=timezone.now() - timedelta(hours=2))
    abandonment_scan()
    assert len(reminders(cart)) == 1  # released: the same customer's cart is reminded again


def test_agent_touch_stops_the_series(flow_settings, shopper, make_cart):
    agent = CustomerFactory(email="agent.mkt@example.com", is_staff=True)
    cart = make_cart(shopper, idle=timedelta(hours=2))
    CartLineFactory(cart=cart, variant=VariantFactory(), added_by=agent)
    Cart.objects.filter(pk=cart.pk).update(last_activity_at=timezone.now() - timedelta(hours=2))
    abandonment_scan()
    assert reminders(cart) == []
    assert CartAbandonment.objects.get(cart=cart).stop_reason == "agent_touched"


def test_sold_out_lines_are_left_out_and_all_sold_out_sends_nothing(flow_settings, make_cart):
    ann = CustomerFactory(email="ann.sold@example.com")
    bob = CustomerFactory(email="bob.sold@example.com")
    consent(ann, True)
    consent(bob, True)
    partly = make_cart(ann, idle=timedelta(hours=2), lines=0)
    CartLineFactory(cart=partly, variant=VariantFactory(stock=0, product__name="Gone Tee"))
    CartLineFactory(cart=partly, variant=VariantFactory(stock=3, product__name="Here Tee"))
    all_gone = make_cart(bob, idle=timedelta(hours=2), lines=2, stock=0)
    Cart.objects.filter(pk=partly.pk).update(last_activity_at=timezone.now() - timedelta(hours=2))
    abandonment_scan()
    email = OutboundEmail.objects.get(dedupe_key=f"cart-abandon:{partly.pk}:1")
    assert [line["name"] for line in email.context["lines"]] == ["Here Tee"]
    assert reminders(all_gone) == []
    assert CartAbandonment.objects.get(cart=all_gone).stop_reason == "sold_out"


def test_one_series_per_customer_per_14_days(flow_settings, shopper, make_cart):
    with freeze_time(START) as clock:
        first = _started(shopper, make_cart)
        Cart.objects.filter(pk=first.pk).update(status=Cart.Status.ABANDONED)
        clock.tick(timedelta(days=10))
        second = make_cart(shopper, idle=timedelta(hours=2))
        abandonment_scan()
        assert reminders(second) == []
        assert CartAbandonment.objects.get(cart=second).stop_reason == "recent_series"
        clock.tick(timedelta(days=5))
        Cart.objects.filter(pk=second.pk).update(status=Cart.Status.ABANDONED)
        third = make_cart(shopper, idle=timedelta(hours=2))
        abandonment_scan()
        assert reminders(third) == ["cart_reminder_1"]


def test_shopper_coming_back_postpones_reminder_2(flow_settings, shopper, make_cart):
    with freeze_time(START) as clock:
        cart = _started(shopper, make_cart)
        clock.tick(timedelta(hours=20))
        Cart.objects.filter(pk=cart.pk).update(last_activity_at=timezone.now())  # came back
        clock.tick(timedelta(hours=5))  # 25 h after reminder 1, only 5 h idle
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1"]
        clock.tick(timedelta(hours=19, minutes=1))  # idle 24 h 01
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1", "cart_reminder_2"]


def test_guest_cart_with_email_and_consent_is_reminded(flow_settings):
    guest = CustomerFactory(email="guest.cart@example.com", is_guest=True)
    consent(guest, True)
    cart = CartFactory(customer=None, session_key="abc123", email="guest.cart@example.com")
    CartLineFactory(cart=cart, variant=VariantFactory())
    Cart.objects.filter(pk=cart.pk).update(last_activity_at=timezone.now() - timedelta(hours=2))
    abandonment_scan()
    assert reminders(cart) == ["cart_reminder_1"]


def test_anonymous_cart_without_email_is_not_a_candidate(flow_settings):
    cart = CartFactory(customer=None, session_key="anon1", email="")
    CartLineFactory(cart=cart, variant=VariantFactory())
    Cart.objects.filter(pk=cart.pk).update(last_activity_at=timezone.now() - timedelta(hours=2))
    assert abandoned_carts_due(now=timezone.now(), settings_row=flow_settings, limit=10) == []


def test_disabled_flow_sends_nothing(flow_settings, shopper, make_cart):
    flow_settings.enabled = False
    flow_settings.save()
    cart = make_cart(shopper, idle=timedelta(hours=2))
    abandonment_scan()
    assert reminders(cart) == []


def test_restore_link_rebuilds_the_cart_for_an_anonymous_visitor(client, flow_settings, shopper, make_cart):
    cart = make_cart(shopper, idle=timedelta(hours=2), lines=2)
    abandonment_scan()
    email = OutboundEmail.objects.get(dedupe_key=f"cart-abandon:{cart.pk}:1")
    path = email.context["restore_url"].split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert "_auth_user_id" not in client.session  # signs nobody in
    restored = Cart.objects.get(pk=client.session["cart_id"])
    assert restored.pk != cart.pk and restored.customer_id is None
    assert sorted(restored.lines.values_list("variant_id", flat=True)) == sorted(
        cart.lines.values_list("variant_id", flat=True)
    )
    message = MarketingMessage.objects.get(dedupe_key=f"cart-abandon:{cart.pk}:1")
    assert message.first_clicked_at is not None
    assert client.session["attribution"]["utm_content"] == f"m{message.pk}"


def test_forged_restore_link_is_refused(client):
    response = client.get("/cart/restore/not-a-real-token/")
    assert response.status_code == 400
    assert b"not valid" in response.content


def test_demo_with_shortened_delays_sends_both_reminders_and_restores(client, flow_settings, shopper, make_cart):
    """The "done when" walk: delays of 1 and 3 minutes (cap off for the demo), both reminders,
    and reminder 2's restore link rebuilds the cart with its code applied."""
    flow_settings.delay1_minutes, flow_settings.delay2_minutes, flow_settings.frequency_cap_hours = 1, 3, 0
    flow_settings.save()
    with freeze_time(START) as clock:
        cart = make_cart(shopper, idle=timedelta(0), lines=2)
        clock.tick(timedelta(seconds=61))
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1"]
        clock.tick(timedelta(minutes=1))
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1"]  # 2 min idle < 3 min
        clock.tick(timedelta(minutes=1))
        abandonment_scan()
        assert reminders(cart) == ["cart_reminder_1", "cart_reminder_2"]
        email = OutboundEmail.objects.get(dedupe_key=f"cart-abandon:{cart.pk}:2")
        response = client.get("/" + email.context["restore_url"].split("://", 1)[1].split("/", 1)[1])
        assert response.status_code == 302
        restored = Cart.objects.get(pk=client.session["cart_id"])  # the session expires in frozen time
    assert restored.lines.count() == 2
    assert restored.voucher.code == email.context["promo_code"]
