"""R11: every URL of the storefront and the console, crawled as each role, with hostile
values (NUL, bad UTF-8, 1 MB, non-numeric, negative, overflowing numbers, NaN) in every
path parameter, query parameter and form field the views read: no 5xx, no exception.

The crawler (tests/reliability/hostile_crawl.py) finds the parameters itself, so a view
added later is attacked without touching this file. Admin (Django's own views) and the
API (fuzzed from its OpenAPI schema in tests/api/test_fuzz.py) are left out.
"""

import logging
import warnings
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache.backends.base import CacheKeyWarning

from carts.models import CartOverride, Voucher
from carts.services import cart_get_or_create, cart_line_add
from customers.models import Consent
from customers.roles import MARKETERS
from marketing.models import Campaign
from orders.services import order_place
from service_console.services.cart_edit import console_override_apply
from service_console.services.cases import case_create
from tests.carts.factories import VoucherFactory, agent, supervisor
from tests.catalog.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.customers.factories import AddressFactory, ConsentFactory, CustomerFactory
from tests.reliability.hostile_crawl import Crawl, url_routes
from tests.service_console.factories import ArticleFactory

ROLES = ["anonymous", "shopper", "agent", "supervisor", "marketer"]
EXCLUDED_PREFIXES = ("admin/", "api/")
# Where each role gets every hostile value (elsewhere a lighter set): shoppers the
# storefront, agents the console and staff-only pages, supervisors what only they can do.
_CONSOLE = ("console/", "dev/")
FOCUS = {
    "anonymous": lambda route: not route.route.startswith(_CONSOLE),
    "shopper": lambda route: not route.route.startswith(_CONSOLE),
    "agent": lambda route: route.route.startswith(_CONSOLE),
    "supervisor": lambda route: route.name in ("console:approval_decide", "console:override_report"),
    "marketer": lambda route: route.route.startswith("dev/"),
}
ADDRESS = {
    "full_name": "Ana Crawl",
    "line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


@pytest.fixture
def quiet_request_log():
    """Thousands of expected 400/404/405 warnings would bury the findings."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def world(db, settings, quiet_request_log):
    settings.MIDDLEWARE = ["tests.reliability.hostile_crawl.RecordReadsMiddleware", *settings.MIDDLEWARE]
    category = CategoryFactory(name="Tops", slug="tops")
    product = ProductFactory(name="Crawl Tee", slug="crawl-tee", category=category)
    variant = VariantFactory(product=product, sku="CRAWL-M", size="M", colour="Blue", price="20.00", stock=10_000)
    VariantFactory(product=product, sku="CRAWL-L", size="L", colour="Red", price="22.00", stock=10_000)
    VoucherFactory(code="CRAWL10", kind=Voucher.Kind.PERCENT, value=Decimal("10"))
    shopper = CustomerFactory(email="crawl.shopper@example.com", first_name="Ana", last_name="Crawl")
    AddressFactory(customer=shopper)
    ConsentFactory(customer=shopper, purpose=Consent.Purpose.MARKETING_EMAIL, granted=True)
    staff = {
        "agent": agent(email="crawl.agent@example.com"),
        "supervisor": supervisor(email="crawl.supervisor@example.com"),
        "marketer": CustomerFactory(email="crawl.marketer@example.com", is_staff=True),
    }
    staff["marketer"].groups.add(Group.objects.get_or_create(name=MARKETERS)[0])
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=1, actor=shopper)
    order = order_place(
        cart=cart,
        email=shopper.email,
        shipping_address=ADDRESS,
        shipping_method="standard",
        payment_method="pod",
        payment_details={},
        idempotency_key="crawl-order",
        actor=shopper,
    )
    cart = cart_get_or_create(customer=shopper)
    cart_line_add(cart=cart, variant=variant, quantity=2, actor=shopper)
    cart.refresh_from_db()
    console_override_apply(
        cart=cart,
        actor=staff["agent"],
        scope=CartOverride.Scope.CART,
        kind=CartOverride.Kind.PERCENT,
        value=Decimal("40"),
        reason_code=CartOverride.ReasonCode.choices[0][0],
        reason_text="crawl",
        line_id=None,
        expected_version=cart.version,
        request_approval=True,
    )
    case = case_create(customer=shopper, subject="Late parcel", description="Where is it?", actor=staff["agent"])
    ArticleFactory(title="Returns", slug="returns", is_public=True)
    Campaign.objects.create(name="Crawl offer", subject="Hello {{ first_name }}", agent_sendable=True)
    return {
        "shopper": shopper,
        "variant": variant,
        "staff": staff,
        "fallback": {
            "public_id": str(shopper.public_id),
            "slug": product.slug,
            "number": order.number,
            "pk": str(case.pk),
            "action": "cancel",
        },
    }


def _prepare(client, role: str, world):
    """Before each route: the role has an open cart with an item, so cart and checkout
    pages are reached instead of redirecting to an empty cart."""
    shopper = world["shopper"]
    variant = world["variant"]

    def prepare(route):
        if role == "shopper":
            cart = cart_get_or_create(customer=shopper)
            if not cart.lines.exists():
                cart_line_add(cart=cart, variant=variant, quantity=1, actor=shopper)
        elif role == "anonymous":
            client.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
        if route.name == "checkout:review" and role in ("shopper", "anonymous"):
            ready = client.post(
                "/checkout/",
                {
                    "email": shopper.email,
                    "saved_address": "new",
                    **ADDRESS,
                    "shipping_method": "standard",
                    "payment_method": "test_card",
                },
            )
            assert ready.status_code == 302, "the crawl could not reach the review step"

    return prepare


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_5xx_for_hostile_input_anywhere(role, world, client):
    if role == "shopper":
        client.force_login(world["shopper"])
    elif role != "anonymous":
        client.force_login(world["staff"][role])
    crawl = Crawl(
        client=client,
        routes=url_routes(exclude_prefixes=EXCLUDED_PREFIXES),
        fallback_values=world["fallback"],
        prepare=_prepare(client, role, world),
        # Signing out would turn the rest of the crawl anonymous; it is crawled as anonymous.
        skip_methods={
            "healthz": {"GET", "POST"},  # reads no input; answers 503 without a Celery worker
            # Signing out would turn the rest of the crawl anonymous; it is crawled as anonymous.
            **({"accounts:logout": {"GET", "POST"}} if role != "anonymous" else {}),
        },
        focus=FOCUS[role],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheKeyWarning)  # memcached key rules; the cache is Redis
        findings = crawl.run()
    assert crawl.requests > 300  # the crawl really ran
    assert not findings, f"{len(findings)} of {crawl.requests} requests failed:\n" + "\n".join(
        str(f) for f in findings[:80]
    )
