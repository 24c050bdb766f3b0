"""Customer 360 and the agent's edits of the shopper's cart (htmx partials)."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from carts.exceptions import CartConflict, CartError, DiscountLimitExceeded
from carts.models import CartOverride
from catalog.models import Variant
from common.forms import SearchForm
from customers.address_forms import AddressForm, address_initial_for
from customers.models import Consent
from customers.services import consent_set
from marketing.exceptions import MarketingError
from marketing.models import Campaign
from marketing.outcomes import SendOutcome
from marketing.services.campaigns import campaign_send_to_one
from orders.exceptions import OrderError
from service_console.customer360 import cart_view_for, customer_360, customer_emails
from service_console.exceptions import ConsoleError
from service_console.forms import (
    CampaignSendForm,
    CartAddForm,
    CartWriteForm,
    ConsentDecisionForm,
    CouponHonourForm,
    LineQuantityForm,
    OverrideForm,
    PlaceOrderForm,
)
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
from service_console.views.base import customer_or_404, render_console, render_console_parts

CART_PANEL = "service_console/partials/cart_panel.html"
CONSENT_TOOL = "service_console/partials/consent_tool.html"
CAMPAIGN_PANEL = "service_console/partials/campaign_panel.html"
SHARE_PANEL = "service_console/partials/share_panel.html"
TIMELINE_ON_PAGE = 20  # the rest loads on demand, so the page's cost stays flat
FEEDBACK_SLOT_RE = re.compile(r"^(reco|cat)-\d{1,10}$")


@console_required
@require_GET
def customer_detail(request, public_id):
    customer = customer_or_404(public_id)
    data = customer_360(customer)
    return render_console(
        request,
        "service_console/customer_detail.html",
        {
            "c360": data,
            "customer": customer,
            "cv": data.cart,
            "addresses": data.addresses,
            "timeline": data.timeline[:TIMELINE_ON_PAGE],
            "timeline_more": len(data.timeline) > TIMELINE_ON_PAGE,
            "address_form": _address_form(customer),
            **share_context(),
            **_campaign_context(),
            **_consent_context(),
            **_cart_form_context(),
        },
        section="home",
    )


def share_context() -> dict:
    return {"share_articles": list(Article.objects.filter(is_public=True).only("pk", "title").order_by("title")[:50])}


def _campaign_context() -> dict:
    return {
        "agent_campaigns": list(Campaign.objects.filter(agent_sendable=True).only("pk", "name").order_by("name")[:30])
    }


def _consent_context() -> dict:
    return {"consent_purposes": Consent.Purpose.choices}


def side_action_response(request, customer, *, template: str, feedback: "Feedback", context: dict, status=200):
    """The answer to an action made from a side panel of the 360 page (consent, campaign,
    article): that panel with the message beside its button and, when something was done,
    the panels it changed (consents, emails, timeline, ...) out of band. Without htmx, the
    message goes on the 360 page."""
    if not request.htmx:
        level = {"warning": messages.WARNING, "error": messages.ERROR}.get(feedback.level, messages.SUCCESS)
        messages.add_message(request, level, feedback.text)
        return redirect("console:customer", public_id=customer.public_id)
    parts = [(template, {"customer": customer, "feedback": feedback, **context})]
    if feedback.level == "success":
        parts.append(("service_console/partials/c360_oob.html", _panels_context(customer, customer_360(customer))))
    return render_console_parts(request, parts, status=status)


def _cart_form_context() -> dict:
    return {
        "reason_codes": CartOverride.ReasonCode.choices,
        "override_kinds": CartOverride.Kind.choices,
    }


@dataclass(frozen=True)
class Feedback:
    """A message shown beside the control the agent used (`slot`), announced politely
    (success) or assertively (errors). `offer_approval` adds "Send to a supervisor"."""

    slot: str
    text: str
    level: str = "success"  # success | error | warning
    offer_approval: bool = False

    @property
    def outside_panel(self) -> bool:
        return self.slot.startswith(("reco-", "cat-"))


# Slots that live in the cart panel's tools; they disappear with an empty (or converted) cart.
_TOOL_SLOTS = {"discount", "coupon", "order", "link"}


def _slot_shown(slot: str, cv) -> bool:
    if slot.startswith("line-"):
        return not cv.is_empty and any(f"line-{lp.line_id}" == slot for lp in cv.price.lines)
    if slot.startswith("override-"):
        return any(f"override-{o.pk}" == slot for o in cv.overrides_shown)
    if slot in _TOOL_SLOTS:
        return not cv.is_empty
    return True


def _panel(
    request,
    customer,
    *,
    feedback: Feedback | None = None,
    status: int = 200,
    refresh_all: bool = False,
    **extra,
):
    """The cart panel partial (htmx) with the message beside the control that was used and,
    after a change, every other Customer 360 panel the change touches as out-of-band swaps
    (orders, emails, abandonment, timeline, header figures). A plain form post (no
    JavaScript) gets the message on the 360 page instead."""
    if not request.htmx and request.method == "POST":
        if feedback is not None:
            level = {"warning": messages.WARNING, "error": messages.ERROR}.get(feedback.level, messages.SUCCESS)
            messages.add_message(request, level, feedback.text)
        return redirect("console:customer", public_id=customer.public_id)
    data = customer_360(customer) if refresh_all else None
    cv = data.cart if data is not None else cart_view_for(customer)
    if feedback is not None and not feedback.outside_panel and not _slot_shown(feedback.slot, cv):
        feedback = Feedback(slot="cart", text=feedback.text, level=feedback.level)
    addresses = data.addresses if data is not None else list(customer.addresses.all())
    context = {
        "customer": customer,
        "cv": cv,
        "addresses": addresses,
        "feedback": feedback,
        **_cart_form_context(),
        **extra,
    }
    parts = [("service_console/partials/cart_panel.html", context)]
    if feedback is not None and feedback.outside_panel:
        parts.append(("service_console/partials/feedback_oob.html", {"feedback": feedback}))
    if data is not None:
        parts.append(("service_console/partials/c360_oob.html", _panels_context(customer, data)))
    return render_console_parts(request, parts, status=status)


def _panels_context(customer, data) -> dict:
    return {
        "customer": customer,
        "c360": data,
        "cv": data.cart,
        "timeline": data.timeline[:TIMELINE_ON_PAGE],
        "timeline_more": len(data.timeline) > TIMELINE_ON_PAGE,
        "address_form": _address_form(customer),
        "oob": True,
    }


def _address_form(customer):
    return AddressForm(prefix="addr", initial=address_initial_for(customer))


def cart_panel_context(customer, data) -> dict:
    """What the cart panel template needs, from an already-read Customer 360."""
    return {"customer": customer, "cv": data.cart, "addresses": data.addresses, **_cart_form_context()}


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
def emails_panel(request, public_id):
    """The Emails panel alone: polled while a message is queued, so "Queued" turns into
    "Sent" (or "Failed") without a reload."""
    customer = customer_or_404(public_id)
    context = {"customer": customer, "c360": {"emails": customer_emails(customer)}}
    return render_console(request, "service_console/partials/emails_panel.html", context)


@console_required
@require_GET
def cart_panel(request, public_id):
    """The cart panel; `?part=live` is the polled fragment (lines, totals, discounts and
    their approval state) that htmx swaps every few seconds. When nothing changed since the
    fragment the agent has (`seen`), it answers 204 and htmx keeps the page as it is, so a
    message beside a control stays until the agent has read it."""
    customer = customer_or_404(public_id)
    if request.GET.get("part") == "live":
        cv = cart_view_for(customer)
        if request.GET.get("seen") == cv.live_key:
            return HttpResponse(status=204)
        context = {"customer": customer, "cv": cv, "live_poll": True}
        return render_console(request, "service_console/partials/cart_live.html", context)
    return _panel(request, customer)


def _form_errors(form) -> str:
    """The first error of a refused form, as one sentence for the feedback beside it."""
    for errors in form.errors.values():
        return str(errors[0])
    return gettext("Check the form and try again.")


def _cart_action(request, customer, action, *, slot: str, success, keep: dict | None = None, offer: bool = False):
    """Run one cart write; show the outcome beside the control (`slot`). When refused, `keep`
    re-renders what the agent typed; `offer` adds "Send to a supervisor" to a limit refusal."""
    keep = keep or {}
    cart = console_cart(customer=customer)
    try:
        result = action(cart)
    except CartConflict as exc:
        if exc.expected is not None:
            text = gettext(
                "This cart changed while you were working on it (it is now version %(current)s; you saw "
                "%(expected)s). Check the cart as it is now and redo it."
            ) % {"current": exc.current, "expected": exc.expected}
        else:
            text = gettext("This cart changed while you were working on it. Check the cart as it is now and redo it.")
        feedback = Feedback(slot=slot, text=text, level="warning")
        return _panel(request, customer, feedback=feedback, status=409, **keep)
    except DiscountLimitExceeded as exc:
        feedback = Feedback(slot=slot, text=str(exc), level="error", offer_approval=offer)
        return _panel(request, customer, feedback=feedback, status=403, **keep)
    except (CartError, OrderError, ConsoleError) as exc:
        return _panel(request, customer, feedback=Feedback(slot=slot, text=str(exc), level="error"), status=400, **keep)
    notice = success(result) if callable(success) else success
    return _panel(request, customer, feedback=Feedback(slot=slot, text=notice), refresh_all=True)


def _refused(request, customer, form, *, slot: str, keep: dict | None = None):
    feedback = Feedback(slot=slot, text=_form_errors(form), level="error")
    return _panel(request, customer, feedback=feedback, status=400, **(keep or {}))


@console_required
@require_POST
def cart_add(request, public_id):
    customer = customer_or_404(public_id)
    form = CartAddForm(request.POST)
    if not form.is_valid():
        slot = str(form.data.get("feedback", ""))
        return _refused(request, customer, form, slot=slot if FEEDBACK_SLOT_RE.match(slot) else "cart")
    data = form.cleaned_data
    variant = get_object_or_404(Variant.objects.select_related("product"), pk=data["variant_id"])
    quantity = data["quantity"]
    return _cart_action(
        request,
        customer,
        lambda cart: console_line_add(
            cart=cart,
            variant=variant,
            quantity=quantity,
            expected_version=data["expected_version"],
            actor=request.user,
        ),
        slot=data["feedback"] or "cart",
        success=gettext("Added %(quantity)s × %(item)s to %(name)s's cart.")
        % {"quantity": quantity, "item": variant, "name": customer.get_short_name()},
    )


@console_required
@require_POST
def cart_line_change(request, public_id, line_id: int):
    customer = customer_or_404(public_id)
    form = LineQuantityForm(request.POST)
    slot = f"line-{line_id}"
    keep = {"typed_quantity": {"line_id": line_id, "value": str(form.data.get("quantity", ""))[:6]}}
    if not form.is_valid():
        return _refused(request, customer, form, slot=slot, keep=keep)
    quantity = form.cleaned_data["quantity"]
    return _cart_action(
        request,
        customer,
        lambda cart: console_line_update(
            cart=cart,
            line_id=line_id,
            quantity=quantity,
            expected_version=form.cleaned_data["expected_version"],
            actor=request.user,
        ),
        slot=slot,
        success=gettext("Quantity updated.") if quantity else gettext("Line removed."),
        keep=keep,
    )


@console_required
@require_POST
def cart_line_delete(request, public_id, line_id: int):
    customer = customer_or_404(public_id)
    form = CartWriteForm(request.POST)
    version = form.cleaned_data["expected_version"] if form.is_valid() else None
    return _cart_action(
        request,
        customer,
        lambda cart: console_line_remove(cart=cart, line_id=line_id, expected_version=version, actor=request.user),
        slot=f"line-{line_id}",
        success=gettext("Line removed."),
    )


@console_required
@require_POST
def cart_override(request, public_id):
    customer = customer_or_404(public_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _refused(request, customer, form, slot="discount", keep={"ov_form": form})
    data = form.cleaned_data

    def apply(cart):
        return console_override_apply(
            cart=cart,
            actor=request.user,
            scope=form.scope,
            kind=data["kind"],
            value=data["value"],
            reason_code=data["reason_code"],
            reason_text=data["reason_text"],
            line_id=data["line_id"],
            expected_version=data["expected_version"],
            request_approval=data["request_approval"],
        )

    return _cart_action(
        request, customer, apply, slot="discount", success=_override_done, keep={"ov_form": form}, offer=True
    )


def _override_done(override) -> str:
    if override.status == CartOverride.Status.PENDING_APPROVAL:
        return gettext(
            "Sent to a supervisor for approval (%(kind)s). "
            "It applies to the cart once approved; you will see the decision here."
        ) % {"kind": str(override.approval_kind.label).lower()}
    if override.voucher_id:
        return gettext("Expired coupon honoured: %(reason)s.") % {"reason": override.reason_display}
    return gettext("Discount applied.")


@console_required
@require_POST
def cart_override_delete(request, public_id, override_id: int):
    customer = customer_or_404(public_id)
    override = get_object_or_404(
        CartOverride.objects.select_related("cart", "line__variant"), pk=override_id, cart__customer=customer
    )
    form = CartWriteForm(request.POST)
    version = form.cleaned_data["expected_version"] if form.is_valid() else None
    return _cart_action(
        request,
        customer,
        lambda cart: console_override_remove(override=override, actor=request.user, expected_version=version),
        slot=f"override-{override_id}",
        success=gettext("Discount removed."),
    )


@console_required
@require_POST
def cart_honour_coupon(request, public_id):
    customer = customer_or_404(public_id)
    form = CouponHonourForm(request.POST)
    if not form.is_valid():
        return _refused(request, customer, form, slot="coupon", keep={"coupon_form": form})
    data = form.cleaned_data
    return _cart_action(
        request,
        customer,
        lambda cart: console_coupon_honour(
            cart=cart,
            actor=request.user,
            code=data["code"],
            expected_version=data["expected_version"],
            request_approval=data["request_approval"],
        ),
        slot="coupon",
        success=_override_done,
        keep={"coupon_form": form},
        offer=True,
    )


@console_required
@require_POST
def cart_reserve(request, public_id, line_id: int):
    customer = customer_or_404(public_id)
    return _cart_action(
        request,
        customer,
        lambda cart: console_stock_reserve(cart=cart, line_id=line_id, actor=request.user, minutes=_hold_minutes()),
        slot=f"line-{line_id}",
        success=lambda r: f"Stock held until {r.expires_at:%H:%M} UTC.",
    )


def _hold_minutes() -> int:
    return settings.CONSOLE_STOCK_HOLD_MINUTES


@console_required
@require_POST
def cart_place_order(request, public_id):
    customer = customer_or_404(public_id)
    form = PlaceOrderForm(request.POST)
    if not form.is_valid():
        return _refused(request, customer, form, slot="order", keep={"order_form": form})
    data = form.cleaned_data
    address = customer.addresses.filter(pk=data["address_id"]).first()
    if address is None:
        form.add_error("address_id", gettext("Choose an address on file to ship to."))
        return _refused(request, customer, form, slot="order", keep={"order_form": form})

    def place(cart):
        return order_place_on_behalf(
            cart=cart,
            customer=customer,
            address=address,
            payment_method=data["payment_method"],
            card_number=data["card_number"],
            expected_version=data["expected_version"],
            actor=request.user,
        )

    return _cart_action(
        request,
        customer,
        place,
        slot="order",
        success=lambda order: f"Order {order.number} placed for {customer.get_short_name()}; confirmation emailed.",
        keep={"order_form": form},
    )


@console_required
@require_POST
def cart_send_link(request, public_id):
    customer = customer_or_404(public_id)
    form = CartWriteForm(request.POST)
    version = form.cleaned_data["expected_version"] if form.is_valid() else None
    return _cart_action(
        request,
        customer,
        lambda cart: checkout_link_send(cart=cart, customer=customer, actor=request.user, expected_version=version),
        slot="link",
        success=gettext("Complete-your-purchase link emailed to %(email)s.") % {"email": customer.email},
    )


@console_required
@require_GET
def catalog_search(request, public_id):
    customer = customer_or_404(public_id)
    q = SearchForm(request.GET).values["q"][:100]
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
    form = ConsentDecisionForm(request.POST)
    kept = {"consent_purpose": request.POST.get("purpose", ""), "consent_granted": request.POST.get("granted", "")}
    context = {**_consent_context(), **kept}
    if not form.is_valid():
        text = "Choose a consent and whether it is given or withdrawn."
        feedback = Feedback(slot="consent", text=text, level="error")
        return side_action_response(
            request, customer, template=CONSENT_TOOL, feedback=feedback, context=context, status=400
        )
    purpose, granted = form.cleaned_data["purpose"], form.cleaned_data["granted"] == "1"
    changed = consent_set(
        customer=customer, purpose=purpose, granted=granted, source=Consent.Source.AGENT, actor=request.user
    )
    label = Consent.Purpose(purpose).label
    state = "given" if granted else "withdrawn"
    text = f"{label} consent was already {state}." if changed is None else f"{label} consent {state} and logged."
    return side_action_response(
        request, customer, template=CONSENT_TOOL, feedback=Feedback(slot="consent", text=text), context=context
    )


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
    form = CampaignSendForm(request.POST)
    if not form.is_valid():
        raise Http404("No such campaign")
    campaign = get_object_or_404(Campaign, pk=form.cleaned_data["campaign"], agent_sendable=True)
    context = {**_campaign_context(), "sent_campaign": campaign.pk}
    try:
        result = campaign_send_to_one(campaign=campaign, customer=customer, actor=request.user)
    except MarketingError as exc:
        feedback = Feedback(slot="campaign", text=str(exc), level="error")
        return side_action_response(
            request, customer, template=CAMPAIGN_PANEL, feedback=feedback, context=context, status=400
        )
    level, text = _CAMPAIGN_RESULT.get(result.status, ("info", "Result: {status}"))
    text = text.format(name=campaign.name, email=customer.email, first=customer.get_short_name(), status=result.status)
    feedback = Feedback(slot="campaign", text=text, level="success" if level == "info" else level)
    return side_action_response(request, customer, template=CAMPAIGN_PANEL, feedback=feedback, context=context)
