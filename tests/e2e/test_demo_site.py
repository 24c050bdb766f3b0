"""Issue 11, walked in Chromium as the demo users on the demo data `make run` loads
(`manage.py seed_demo`, once for this module: the tests share one seeded database and one
server, and the database is emptied at the end like after any transactional test).

- The agent honours the expired SUMMER20 coupon over their 15 % limit: a supervisor in a
  second browser approves it, the agent's cart shows the decision, and the order placed on
  behalf carries it; every Customer 360 panel the order changes refreshes without a reload.
- A first-time caller is created, given an address and ordered for.
- Every page a shopper, agent, supervisor or marketer uses (and the emails in /dev/mail) fits
  375 px and 1280 px without horizontal scrolling; screenshots go to tests/artifacts/layout-*.
"""

import re
from decimal import Decimal

import pytest

from carts.models import CartOverride
from common.models import AuditEntry
from customers.demo import DEMO_PASSWORD
from customers.models import Customer
from orders.models import Order
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser]

WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def site(demo_site):
    return demo_site


def sign_in(page, base: str, who: str):
    """Sign in at /accounts/login/ as a demo user (no `next`): staff land where they work."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email", exact=True).fill(f"{who}@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def below(page, control, message, *, within: int = 220):
    """The message is on screen (the page brings it into view once the swap settles), just
    below or beside the control that was used."""
    message.evaluate(
        """el => new Promise((resolve, reject) => {
            const deadline = Date.now() + 2000;
            (function check() {
                const r = el.getBoundingClientRect();
                if (r.top >= -1 && r.bottom <= window.innerHeight + 1) return resolve();
                if (Date.now() > deadline) return reject(new Error("message outside the viewport"));
                requestAnimationFrame(check);
            })();
        })"""
    )
    c, m = control.bounding_box(), message.bounding_box()
    assert m["y"] >= c["y"] - 4 and m["y"] - (c["y"] + c["height"]) <= within, (c, m)


def test_agent_honours_summer20_through_a_supervisor_and_orders_on_behalf(site, page_at):
    base = site.url
    hana = Customer.objects.get(email="shopper@example.com")
    orders_before = Order.objects.filter(customer=hana).count()
    page = page_at(1280)
    sign_in(page, base, "agent")
    assert page.url == base + "/console/"  # agents land in the console

    # "/" focuses the search box without typing a slash, from the home page and the 360 page.
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "console-q"
    assert page.input_value("#console-q") == ""
    page.keyboard.type("Hana Sa")
    page.locator("#console-search-results [data-hit]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/customers/{hana.public_id}/")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "console-q" and page.input_value("#console-q") == ""

    # SUMMER20 expired and is 20 %: over the agent's 15 %. The refusal shows beside the
    # coupon form, is announced, and the typed code stays.
    panel = page.locator("#cart-panel")
    panel.get_by_text("Honour an expired coupon").click()
    panel.get_by_label("Expired coupon code").fill("SUMMER20")
    button = panel.get_by_role("button", name="Honour coupon")
    button.click()
    refusal = panel.locator("#tool-coupon [data-feedback]")
    refusal.get_by_text("is over your limit of 15%").wait_for()
    assert refusal.get_attribute("aria-live") == "assertive" and refusal.get_attribute("role") == "alert"
    assert panel.get_by_label("Expired coupon code").input_value() == "SUMMER20"
    below(page, panel.get_by_role("button", name="Honour coupon"), refusal)
    screenshot(page, "story-coupon-refused-1280")

    panel.get_by_role("button", name="Send to a supervisor for approval").click()
    sent = panel.locator("#tool-coupon [data-feedback]")
    sent.get_by_text("Sent to a supervisor for approval (honoured coupon)").wait_for()
    assert sent.get_attribute("aria-live") == "polite"
    panel.get_by_text("Waiting for approval").wait_for()
    pending = CartOverride.objects.get(cart__customer=hana, status=CartOverride.Status.PENDING_APPROVAL)
    assert pending.voucher.code == "SUMMER20" and pending.value == Decimal("20.00")

    # The supervisor, in another browser, sees it in the queue and approves it with a note.
    boss = page_at(1280)
    sign_in(boss, base, "supervisor")
    assert boss.url == base + "/console/"
    boss.get_by_role("link", name=re.compile(r"^Approvals")).click()
    card = boss.locator(f"#approval-{pending.pk}")
    card.get_by_text("Honoured coupon").wait_for()
    assert card.get_by_text("Honoured expired coupon SUMMER20").is_visible()
    card.get_by_label("Note to Kenji").fill("OK this once: loyal customer")
    card.get_by_role("button", name="Approve and apply").click()
    card.get_by_text("Approved and applied to Hana's cart").wait_for()
    screenshot(boss, "story-approvals-decided-1280")

    # The agent's live cart shows the decision within a poll (4 s), without a reload.
    panel.get_by_text("Approved by Yui Suzuki: “OK this once: loyal customer”").wait_for(timeout=15000)
    cart = pending.cart
    cart.refresh_from_db()
    figures = page.locator("#c360-stats")
    orders_shown = int(figures.locator("div", has_text="Orders").locator("dd").inner_text())

    # Order on behalf with the test card; the message shows where the agent is looking.
    panel.get_by_label("Card number (read out by the customer)").fill("4242 4242 4242 4242")
    panel.get_by_role("button", name=re.compile(r"^Place order for Hana")).click()
    done = panel.locator("[data-feedback]", has_text="placed for Hana")
    done.wait_for(timeout=20000)
    order = Order.objects.filter(customer=hana).order_by("-id").first()
    assert Order.objects.filter(customer=hana).count() == orders_before + 1
    assert done.bounding_box()["y"] >= -1  # in view, not above it (sub-pixel rounding aside, as in below())
    merchandise = sum((line.unit_price * line.quantity for line in order.lines.all()), Decimal("0"))
    assert order.override_discount == (merchandise * Decimal("0.20")).quantize(Decimal("0.01"))
    assert (order.placed_by.email, order.source) == ("agent@example.com", Order.Source.AGENT)
    applied = CartOverride.objects.get(pk=pending.pk)
    assert (applied.status, applied.decided_by.email) == (CartOverride.Status.APPLIED, "supervisor@example.com")
    assert AuditEntry.objects.filter(customer=hana, action="cart.override_approve").exists()

    # Every panel the order changed is already up to date on the open page (no reload).
    page.locator(f"#orders-panel #order-{order.number}").wait_for()
    assert int(figures.locator("div", has_text="Orders").locator("dd").inner_text()) == orders_shown + 1
    assert page.locator("#timeline-panel").get_by_text("Order placed on behalf").first.is_visible()
    assert page.locator("#emails-panel").get_by_text("Order confirmation").first.is_visible()
    assert page.locator("#abandonment-panel").get_by_text("No cart waiting").is_visible()
    screenshot(page, "story-order-on-behalf-1280")


def test_first_time_caller_is_created_and_ordered_for(site, page_at):
    base = site.url
    page = page_at(375)
    sign_in(page, base, "agent")
    page.get_by_label("Search customers, orders and cases").fill("Ren Okada")
    page.get_by_role("link", name="First-time caller? Create a customer").click()
    page.wait_for_url("**/console/customers/new/**")
    assert page.get_by_label("First name").input_value() == "Ren"
    page.get_by_label("Email").fill("ren.okada@example.com")
    page.get_by_label("Phone").fill("+1 503 555 0147")
    page.get_by_role("button", name="Create customer").click()
    ren = Customer.objects.get(email="ren.okada@example.com")
    page.wait_for_url(f"**/console/customers/{ren.public_id}/**")
    page.get_by_text("Ren Okada is now a customer").wait_for()
    assert ren.signup_source == Customer.Source.AGENT

    addresses = page.locator("#addresses-panel")
    fill_address(
        addresses,
        {"line1": "1200 NW Everett St", "city": "Portland", "region": "OR", "postal_code": "97209", "country": "US"},
    )
    save = addresses.get_by_role("button", name="Save address")
    save.click()
    saved = page.locator("#addresses-panel [data-feedback]")
    saved.get_by_text("Address saved").wait_for()
    assert ren.addresses.count() == 1
    screenshot(page, "story-first-caller-address-375")

    page.get_by_label("Search the whole catalog (name or SKU)").fill("T-Shirt")
    result = page.locator("#catalog-results li").first
    result.get_by_role("button", name=re.compile("^Add ")).click()
    result.locator("[data-feedback]").get_by_text("Added 1 ×").wait_for()
    below(page, result.get_by_role("button", name=re.compile("^Add ")), result.locator("[data-feedback]"))

    panel = page.locator("#cart-panel")
    panel.get_by_text("Pay on delivery").click()
    panel.get_by_role("button", name=re.compile(r"^Place order for Ren")).click()
    panel.locator("[data-feedback]", has_text="placed for Ren").wait_for(timeout=20000)
    order = Order.objects.get(customer=ren)
    assert order.shipping_address["city"] == "Portland" and order.placed_by.email == "agent@example.com"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "story-first-caller-ordered-375")


def fill_address(scope, values: dict) -> None:
    """Fill the console's address form by field name (select or input, whichever the
    address form uses for that field)."""
    for name, value in values.items():
        field = scope.locator(f"[name='addr-{name}']")
        if field.count() == 0:
            continue
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    name = scope.locator("[name='addr-full_name']")
    if name.count() and not name.input_value():
        name.fill("Ren Okada")


# --- every page at both widths -------------------------------------------------------------

FITS = "document.documentElement.scrollWidth <= window.innerWidth"
# Buttons cut off by a box that hides its overflow (the page may fit while a card clips them).
CLIPPED = """() => {
  const out = [];
  for (const el of document.querySelectorAll("button, a.btn, input[type=submit], select")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "hidden" || o === "clip") {
        const box = p.getBoundingClientRect();
        if (r.right > box.right + 3 || r.left < box.left - 3) out.push((el.innerText || el.value || el.name).trim());
        break;
      }
    }
  }
  return out;
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70] or "home"


def _layout_setup() -> dict:
    """What the walk needs on top of the demo data: a shopper cart with items, and one
    approval request of each kind waiting in the supervisors' queue."""
    from django.utils import timezone

    from carts.models import Voucher
    from carts.services import cart_get_or_create, cart_line_add
    from catalog.models import Category, Product, Variant
    from messaging.rendering import unsubscribe_url
    from service_console.models import Article, Case
    from service_console.services.cart_edit import console_coupon_honour, console_override_apply
    from service_console.services.cases import case_contact_form_submit, case_reply_send
    from service_console.services.knowledge import article_share
    from service_console.services.on_behalf import checkout_link_send

    hana = Customer.objects.get(email="shopper@example.com")
    agent = Customer.objects.get(email="agent@example.com")
    variants = list(Variant.objects.filter(is_active=True, stock__gte=5, product__is_published=True).order_by("id")[:2])
    cart = cart_get_or_create(customer=hana)
    for variant in variants:
        if not cart.lines.filter(variant=variant).exists():
            cart_line_add(cart=cart, variant=variant, quantity=1, expected_version=None)
    cart.refresh_from_db()
    line = cart.lines.order_by("id").first()
    for scope, value, line_id in (("line", Decimal("40"), line.pk), ("cart", Decimal("25"), None)):
        cart.refresh_from_db()
        console_override_apply(
            cart=cart, actor=agent, scope=scope, kind="percent", value=value, reason_code="damaged",
            reason_text="Arrived with a torn seam; the customer sent photos", line_id=line_id,
            expected_version=cart.version, request_approval=True,
        )  # fmt: skip
    summer = Voucher.objects.get(code="SUMMER20")
    assert summer.valid_to < timezone.now()
    cart.refresh_from_db()
    console_coupon_honour(cart=cart, actor=agent, code="SUMMER20", expected_version=cart.version, request_approval=True)
    # Mail of several kinds for /dev/mail/, with the long signed links real mail carries.
    cart.refresh_from_db()
    checkout_link_send(cart=cart, customer=hana, actor=agent, expected_version=cart.version)
    article = Article.objects.filter(is_public=True).order_by("id").first()
    article_share(article=article, customer=hana, actor=agent)
    case = case_contact_form_submit(
        email=hana.email, name=hana.full_name, subject="Where is my parcel?", message="Tracking has not moved."
    )
    case_reply_send(
        case=case,
        actor=agent,
        body="Sorry for the wait. Track it here: https://tracking.example.com/track?number=YT762053907"
        "&carrier=yamato&lang=en&utm_source=uc&utm_medium=email&utm_campaign=case_reply_follow_up_long_link",
    )
    order = Order.objects.filter(customer=hana).order_by("-placed_at").first()
    return {
        "hana": hana,
        "order": order,
        "address": hana.addresses.first(),
        "category": Category.objects.filter(parent__isnull=True).order_by("id").first(),
        "product": Product.objects.filter(is_published=True).order_by("id").first(),
        "article": article,
        "case": Case.objects.filter(customer=hana).order_by("id").first(),
        "unsubscribe": unsubscribe_url(to_email=hana.email).split("://", 1)[1].split("/", 1)[1],
    }


def _admin_name(path: str) -> str:
    return _slug(re.sub(r"/\d+/", "/object/", path.removeprefix("/admin/")))


def _admin_pages(page, base: str) -> list[tuple[str, str]]:
    """The marketer's admin to start from: the index, every changelist on it, the add forms
    of segments and campaigns, and the campaign/flow/email tools. The first object of each
    changelist is added while walking it (`_first_object`)."""
    from marketing.models import Campaign

    page.goto(base + "/admin/")
    lists = page.eval_on_selector_all(
        "#content-main a[href^='/admin/'][href$='/']", "els => [...new Set(els.map(e => e.getAttribute('href')))]"
    )
    pages = ["/admin/", *(href for href in lists if not href.endswith("/add/") and href.count("/") == 4)]
    pages += ["/admin/marketing/segment/add/", "/admin/marketing/campaign/add/"]
    campaign = Campaign.objects.order_by("id").first()
    if campaign is not None:
        pages += [f"/admin/marketing/campaign/{campaign.pk}/{tail}/" for tail in ("preview", "metrics")]
    pages += ["/admin/marketing/abandonmentsettings/metrics/", "/admin/messaging/outboundemail/templates/"]
    pages += ["/admin/social/socialpost/insight/", "/admin/social/socialrule/try/?text=Still+no+refund"]
    return [(_admin_name(p) or "index", p) for p in dict.fromkeys(pages)]


def _first_object(page) -> list[tuple[str, str]]:
    """On an admin changelist (or the email templates list): the page of its first row."""
    link = page.locator("#result_list tbody tr a[href^='/admin/'], #content-main a[href*='/templates/']").first
    if not link.count():
        return []
    href = link.get_attribute("href").split("#", 1)[0]
    return [(_admin_name(href), href)]


def _dev_mail_pages(page, base: str) -> list[str]:
    """/dev/mail/ and one message of each subject, after the outbox has been delivered (as the
    worker does in development) to the mail directory."""
    from messaging.models import OutboundEmail
    from messaging.services import email_deliver_batch

    queued = list(OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).values_list("id", flat=True))
    if queued:
        email_deliver_batch(email_ids=queued)
    page.goto(base + "/dev/mail/")
    links = page.eval_on_selector_all(
        "a[href^='/dev/mail/'][href$='/']", "els => els.map(e => [e.getAttribute('href'), e.textContent.trim()])"
    )
    seen, pages = set(), [("list", "/dev/mail/")]
    for href, subject in links:
        kind = re.sub(r"[A-Z]{2}-[A-Z0-9-]+|\d+", "#", subject)  # one message per kind of email
        if href != "/dev/mail/" and kind not in seen:
            seen.add(kind)
            pages.append((_slug(kind.replace("#", "")), href))
    return pages


def test_every_page_fits_375_and_1280_for_the_people_who_use_it(site, page_at):
    base = site.url
    data = _layout_setup()
    hana, order, case, article = data["hana"], data["order"], data["case"], data["article"]
    # (screenshot name, path): names stay the same from run to run (no ids or tokens).
    walks = {
        "anon": [
            ("home", "/"), ("category", f"/category/{data['category'].slug}/"),
            ("product", f"/products/{data['product'].slug}/"), ("search", "/search/?q=shirt"),
            ("search-empty", "/search/?q=qqqxyzzy"), ("cart-empty", "/cart/"), ("help", "/help/"),
            ("help-article", f"/help/articles/{article.slug}/"), ("help-contact", "/help/contact/"),
            ("sign-in", "/accounts/login/"), ("sign-up", "/accounts/signup/"),
            ("password-reset", "/accounts/password-reset/"), ("unsubscribe", f"/{data['unsubscribe']}"),
            ("not-found", "/no-such-page/"),
        ],
        "shopper": [
            ("cart", "/cart/"), ("checkout", "/checkout/"), ("checkout-review", "/checkout/review/"),
            ("orders", "/orders/"), ("order", f"/orders/{order.number}/"), ("account", "/accounts/"),
            ("addresses", "/accounts/addresses/"), ("address-new", "/accounts/addresses/new/"),
            ("address-edit", f"/accounts/addresses/{data['address'].pk}/edit/"), ("privacy", "/accounts/privacy/"),
            ("your-data", "/accounts/data/"), ("social-accounts", "/accounts/social/"),
        ],
        "agent": [
            ("home", "/console/"), ("search", "/console/search/?q=sato"),
            ("customer-360", f"/console/customers/{hana.public_id}/"), ("customer-new", "/console/customers/new/"),
            ("case-new", f"/console/customers/{hana.public_id}/cases/new/"), ("cases", "/console/cases/"),
            ("case", f"/console/cases/{case.pk}/"), ("knowledge", "/console/knowledge/?q=returns"),
            ("article", f"/console/knowledge/{article.pk}/"), ("approvals", "/console/approvals/"),
            ("chats", "/console/chats/"), ("social", "/console/social/"),
            ("social-handles", f"/console/customers/{hana.public_id}/social/"),
        ],
        "supervisor": [
            ("approvals", "/console/approvals/"), ("discount-report", "/console/reports/overrides/"),
            ("social", "/console/social/"),
        ],
        "marketer": None,  # discovered from the admin index
        "dev-mail": None,  # discovered from /dev/mail/
    }  # fmt: skip
    landing = {"agent": "/console/", "supervisor": "/console/", "marketer": "/admin/", "shopper": "/"}
    too_wide, broken, visited = [], [], 0
    for who, paths in walks.items():
        for width in WIDTHS:
            page = page_at(width, 900)
            if who != "anon":
                sign_in(page, base, "marketer" if who == "dev-mail" else who)
                if who in landing:
                    assert page.url == base + landing[who], (who, page.url)
            if who == "shopper":
                page.goto(base + "/checkout/")
                page.get_by_role("button", name="Continue to review").click()
                page.wait_for_load_state()
            discover = paths is None
            if who == "marketer" and discover:
                paths = _admin_pages(page, base)
            elif who == "dev-mail" and discover:
                paths = _dev_mail_pages(page, base)
            queue, walked = list(paths), []
            while queue:
                name, path = queue.pop(0)
                walked.append((name, path))
                response = page.goto(base + path)
                visited += 1
                status = response.status if response else 0
                if status >= 400 and path != "/no-such-page/":
                    broken.append((who, path, status))
                if not page.evaluate(FITS):
                    too_wide.append((who, path, width, page.evaluate("document.documentElement.scrollWidth")))
                clipped = page.evaluate(CLIPPED)
                if clipped:
                    too_wide.append((who, path, width, "clipped", clipped[:3]))
                screenshot(page, f"layout-{who}-{name}-{width}")
                if who == "marketer" and discover and page.url == base + path:
                    queue[:0] = [row for row in _first_object(page) if row not in walked and row not in queue]
            walks[who] = paths = walked  # the next width walks the same pages
            page.context.close()
    print("\n".join(f"too wide: {row}" for row in too_wide))
    assert broken == []
    assert too_wide == []
    assert visited >= 2 * 60  # the walk covered the site (about 35 fixed pages plus admin and mail)
