"""Customer 360 and the agent's edits of the shopper's cart (htmx partials)."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from carts.exceptions import CartConflict, CartError, DiscountLimitExceeded
from carts.models import CartOverride
from catalog.models import Variant
from customers.models import Consent
from customers.services import consent_set
from marketing.exceptions import MarketingError
from marketing.models import Campaign
from marketing.outcomes import SendOutcome
from marketing.services.campaigns import campaign_send_to_one
from orders.exceptions import OrderError
from service_console.customer360 import cart_view_for, customer_360
from service_console.exceptions import ConsoleError
from service_console.models import Article
from service_console.permissions import console_required
from service_console.services.cart_edit import (
    console_cart,
    console_coupon_honour,
    console_line_add,
    console_line_remove,
    console_line_update,
    console_override_apply,
    console_override_remove,
    console_stock_reserve,
)
from service_console.services.on_behalf import checkout_link_send, order_place_on_behalf
from service_console.views.base import customer_or_404, render_console

CART_PANEL = "service_console/partials/cart_panel.html"
TIMELINE_ON_PAGE = 20  # the rest loads on demand, so the page's cost stays flat


@console_required
@require_GET
def customer_detail(request, public_id):
    customer = customer_or_404(public_id)
    data = customer_360(customer)
    articles = list(Article.objects.filter(is_public=True).only("pk", "title").order_by("title")[:50])
    campaigns = list(Campaign.objects.filter(agent_sendable=True).only("pk", "name").order_by("name")[:30])
    return render_console(
        request,
        "service_console/customer_detail.html",
        {
            "c360": data,
            "customer": customer,
            "cv": data.cart,
            "addresses": data.addresses,
            "share_articles": articles,
            "timeline": data.timeline[:TIMELINE_ON_PAGE],
            "timeline_more": len(data.timeline) > TIMELINE_ON_PAGE,
            "consent_purposes": Consent.Purpose.choices,
            "agent_campaigns": campaigns,
            **_cart_form_context(),
        },
        section="home",
    )


def _cart_form_context() -> dict:
    return {
        "reason_codes": CartOverride.ReasonCode.choices,
        "override_kinds": CartOverride.Kind.choices,
    }


def _panel(request, customer, *, status: int = 200, **extra):
    """The cart panel partial (htmx) or, for a plain form post, back to the 360 page."""
    if not request.htmx and request.method == "POST":
        for level, key in (("warning", "conflict"), ("error", "error"), ("success", "notice")):
            if extra.get(key):
                getattr(messages, level)(request, str(extra[key]))
        return redirect("console:customer", public_id=customer.public_id)
    context = {"customer": customer, "cv": cart_view_for(customer), **_cart_form_context(), **extra}
    context["addresses"] = list(customer.addresses.all())
    return render_console(request, CART_PANEL, context, status=status)


@console_required
@require_GET
def timeline(request, public_id):
    """The whole (bounded) timeline, loaded when the agent asks for older events."""
    customer = customer_or_404(public_id)
    data = customer_360(customer)
    return render_console(
        request,
        "service_console/partials/timeline.html",
        {"customer": customer, "timeline": data.timeline, "timeline_more": False},
    )


@console_required
@require_GET
def cart_panel(request, public_id):
    """The cart panel; `?part=live` is the polled fragment (lines, totals, version) that
    htmx swaps every few seconds without touching the agent's open forms."""
    customer = customer_or_404(public_id)
    if request.GET.get("part") == "live":
        context = {"customer": customer, "cv": cart_view_for(customer)}
        return render_console(request, "service_console/partials/cart_live.html", context)
    return _panel(request, customer)


def _version(request) -> int | None:
    try:
        return int(request.POST.get("expected_version", ""))
    except ValueError:
        return None


def _cart_action(request, customer, action, *, success: str):
    """Run one cart write; translate domain errors to a visible panel message once."""
    cart = console_cart(customer=customer)
    try:
        result = action(cart)
    except CartConflict as exc:
        return _panel(request, customer, conflict=exc, status=409)
    except DiscountLimitExceeded as exc:
        return _panel(request, customer, error=str(exc), approval_offer=request.POST, status=403)
    except (CartError, OrderError, ConsoleError) as exc:
        return _panel(request, customer, error=str(exc), status=400)
    notice = success(result) if callable(success) else success
    return _panel(request, customer, notice=notice)


@console_required
@require_POST
def cart_add(request, public_id):
    customer = customer_or_404(public_id)
    variant = get_object_or_404(Variant.objects.select_related("product"), pk=request.POST.get("variant_id") or 0)
    try:
        quantity = max(1, int(request.POST.get("quantity", "1")))
    except ValueError:
        quantity = 1
    return _cart_action(
        request,
        customer,
        lambda cart: console_line_add(
            cart=cart, variant=variant, quantity=quantity, expected_version=_version(request), actor=request.user
        ),
        success=f"Added {quantity} × {variant} to {customer.get_short_name()}'s cart.",
    )


@console_required
@require_POST
def cart_line_change(request, public_id, line_id: int):
    customer = customer_or_404(public_id)
    try:
        quantity = int(request.POST.get("quantity", ""))
    except ValueError:
        return _panel(request, customer, error="Enter a whole number for the quantity.", status=400)
    if quantity < 0:
        return _panel(request, customer, error="Quantity cannot be negative.", status=400)
    return _cart_action(
        request,
        customer,
        lambda cart: console_line_update(
            cart=cart, line_id=line_id, quantity=quantity, expected_version=_version(request), actor=request.user
        ),
        success="Quantity updated." if quantity else "Line removed.",
    )


@console_required
@require_POST
def cart_line_delete(request, public_id, line_id: int):
    customer = customer_or_404(public_id)
    return _cart_action(
        request,
        customer,
        lambda cart: console_line_remove(
            cart=cart, line_id=line_id, expected_version=_version(request), actor=request.user
        ),
        success="Line removed.",
    )


@console_required
@require_POST
def cart_override(request, public_id):
    customer = customer_or_404(public_id)
    post = request.POST
    try:
        value = Decimal(post.get("value", "").strip())
    except (InvalidOperation, ValueError):
        return _panel(request, customer, error="Enter the discount as a number, e.g. 10 or 4.50.", status=400)
    line_id = post.get("line_id") or None
    scope = CartOverride.Scope.LINE if line_id else CartOverride.Scope.CART

    def apply(cart):
        return console_override_apply(
            cart=cart,
            actor=request.user,
            scope=scope,
            kind=post.get("kind", ""),
            value=value,
            reason_code=post.get("reason_code", ""),
            reason_text=post.get("reason_text", ""),
            line_id=int(line_id) if line_id else None,
            expected_version=_version(request),
            request_approval=post.get("request_approval") == "1",
        )

    def done(override):
        if override.status == CartOverride.Status.PENDING_APPROVAL:
            return "Sent to a supervisor for approval. It applies to the cart once approved."
        return "Discount applied."

    return _cart_action(request, customer, apply, success=done)


@console_required
@require_POST
def cart_override_delete(request, public_id, override_id: int):
    customer = customer_or_404(public_id)
    override = get_object_or_404(
        CartOverride.objects.select_related("cart", "line__variant"), pk=override_id, cart__customer=customer
    )
    return _cart_action(
        request,
        customer,
        lambda cart: console_override_remove(override=override, actor=request.user, expected_version=_version(request)),
        success="Discount removed.",
    )


@console_required
@require_POST
def cart_honour_coupon(request, public_id):
    customer = customer_or_404(public_id)
    code = request.POST.get("code", "").strip()
    if not code:
        return _panel(request, customer, error="Enter the expired coupon code.", status=400)
    return _cart_action(
        request,
        customer,
        lambda cart: console_coupon_honour(
            cart=cart, actor=request.user, code=code, expected_version=_version(request)
        ),
        success=lambda o: f"Expired coupon honoured: {o.reason_text}.",
    )


@console_required
@require_POST
def cart_reserve(request, public_id, line_id: int):
    customer = customer_or_404(public_id)
    return _cart_action(
        request,
        customer,
        lambda cart: console_stock_reserve(cart=cart, line_id=line_id, actor=request.user, minutes=_hold_minutes()),
        success=lambda r: f"Stock held until {r.expires_at:%H:%M} UTC.",
    )


def _hold_minutes() -> int:
    return settings.CONSOLE_STOCK_HOLD_MINUTES


@console_required
@require_POST
def cart_place_order(request, public_id):
    customer = customer_or_404(public_id)
    address = customer.addresses.filter(pk=request.POST.get("address_id") or 0).first()
    if address is None:
        return _panel(request, customer, error="Choose an address on file to ship to.", status=400)
    payment_method = request.POST.get("payment_method", "")
    card_number = request.POST.get("card_number", "")

    def place(cart):
        return order_place_on_behalf(
            cart=cart,
            customer=customer,
            address=address,
            payment_method=payment_method,
            card_number=card_number,
            expected_version=_version(request),
            actor=request.user,
        )

    return _cart_action(
        request,
        customer,
        place,
        success=lambda order: f"Order {order.number} placed for {customer.get_short_name()}; confirmation emailed.",
    )


@console_required
@require_POST
def cart_send_link(request, public_id):
    customer = customer_or_404(public_id)
    return _cart_action(
        request,
        customer,
        lambda cart: checkout_link_send(
            cart=cart, customer=customer, actor=request.user, expected_version=_version(request)
        ),
        success=f"Complete-your-purchase link emailed to {customer.email}.",
    )


@console_required
@require_GET
def catalog_search(request, public_id):
    customer = customer_or_404(public_id)
    q = request.GET.get("q", "").strip()[:100]
    variants = []
    if len(q) >= 2:
        variants = list(
            Variant.objects.filter(is_active=True, product__is_published=True)
            .filter(Q(product__name__icontains=q) | Q(sku__iexact=q) | Q(sku__istartswith=q))
            .select_related("product")
            .order_by("product__name", "id")[:15]
        )
    return render_console(
        request,
        "service_console/partials/catalog_results.html",
        {"customer": customer, "q": q, "variants": variants},
    )


@console_required
@require_POST
def consent_change(request, public_id):
    """An agent records the customer's consent decision (e.g. said on the phone); the
    customers service writes the consent row and the audit entry."""
    customer = customer_or_404(public_id)
    purpose = request.POST.get("purpose", "")
    if purpose not in Consent.Purpose.values or request.POST.get("granted") not in ("1", "0"):
        messages.error(request, "Choose a consent and whether it is given or withdrawn.")
        return redirect("console:customer", public_id=customer.public_id)
    granted = request.POST["granted"] == "1"
    changed = consent_set(
        customer=customer, purpose=purpose, granted=granted, source=Consent.Source.AGENT, actor=request.user
    )
    label = Consent.Purpose(purpose).label
    if changed is None:
        messages.info(request, f"{label} consent was already {'given' if granted else 'withdrawn'}.")
    else:
        messages.success(request, f"{label} consent {'given' if granted else 'withdrawn'} and logged.")
    return redirect("console:customer", public_id=customer.public_id)


_CAMPAIGN_RESULT = {
    SendOutcome.SENT: ("success", "“{name}” is on its way to {email}."),
    SendOutcome.NO_CONSENT: ("error", "Not sent: {first} has not agreed to marketing email (or unsubscribed)."),
    SendOutcome.CAPPED: ("error", "Not sent: {first} already had a marketing email recently (frequency cap)."),
    SendOutcome.DUPLICATE: ("info", "“{name}” was already sent to {first} today."),
}


@console_required
@require_POST
def campaign_send(request, public_id):
    """Distributed marketing: send an approved (agent-sendable) campaign to this customer.
    Marketing's service enforces consent, suppression and the frequency cap, and audits."""
    customer = customer_or_404(public_id)
    campaign = get_object_or_404(Campaign, pk=request.POST.get("campaign") or 0, agent_sendable=True)
    try:
        result = campaign_send_to_one(campaign=campaign, customer=customer, actor=request.user)
    except MarketingError as exc:
        messages.error(request, str(exc))
    else:
        level, text = _CAMPAIGN_RESULT.get(result.status, ("info", "Result: {status}"))
        getattr(messages, level)(
            request,
            text.format(
                name=campaign.name, email=customer.email, first=customer.get_short_name(), status=result.status
            ),
        )
    return redirect("console:customer", public_id=customer.public_id)
