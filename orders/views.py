"""Checkout (contact + address + shipping + payment method → review + card → place) and the
shopper's order pages. Thin: validation here, every write in a service."""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from carts.exceptions import CartClosed, CartConflict, CartError, OutOfStock
from carts.pricing import cart_price, free_shipping_threshold, shipping_rates
from carts.services import cart_attribution_set, cart_email_set, cart_shipping_method_set
from carts.views import cart_for_request, request_attribution
from common.forms import PageForm
from customers.address_forms import AddressForm, address_initial_for
from customers.models import Consent
from customers.services import consent_set
from orders.exceptions import (
    CheckoutInProgress,
    IdempotencyKeyReused,
    IllegalTransition,
    OrderError,
    PaymentDeclined,
    PaymentProviderError,
    PriceChanged,
)
from orders.forms import NEW_ADDRESS, CheckoutForm, OrderAccessForm, OrderActionForm, PlaceOrderForm
from orders.models import Order
from orders.selectors import order_detail as order_detail_query
from orders.selectors import order_summaries_for_customer
from orders.services import (
    order_cancel,
    order_number_from_token,
    order_place,
    order_return_request,
    order_signed_token,
)

SESSION_CHECKOUT = "checkout"
CART_CHANGED_MESSAGE = gettext_lazy("Your cart changed while you were checking out. Check the new total below.")
SESSION_RECENT_ORDERS = "recent_orders"


def _open_cart_or_redirect(request):
    cart = cart_for_request(request, create=False)
    if cart is None:
        messages.info(request, gettext("Your cart is empty. Add something before checking out."))
        return None, redirect("carts:detail")
    breakdown = cart_price(cart)  # the cart comes with lines, voucher and overrides loaded
    if breakdown.is_empty:
        messages.info(request, gettext("Your cart is empty. Add something before checking out."))
        return None, redirect("carts:detail")
    return (cart, breakdown), None


@require_http_methods(["GET", "POST"])
def checkout_start(request):
    found, response = _open_cart_or_redirect(request)
    if response:
        return response
    cart, breakdown = found
    user = request.user if request.user.is_authenticated else None
    addresses = list(user.addresses.all()) if user else []
    saved = request.session.get(SESSION_CHECKOUT) or {}
    initial = {"email": saved.get("email") or cart.email or (user.email if user else "")}
    # Back from the review: the choice made then. The new-address fields start from an address
    # typed then, never from a saved one (those are chosen by their radio, not copied).
    saved_choice = saved.get("saved_address") or ""
    address_initial = {} if saved_choice else dict(saved.get("address") or {})
    if not address_initial and user:
        address_initial = address_initial_for(user)
    initial["shipping_method"] = saved.get("shipping_method") or cart.shipping_method
    initial["payment_method"] = saved.get("payment_method", "test_card")
    if addresses:
        if saved_choice in {str(a.pk) for a in addresses}:
            initial["saved_address"] = saved_choice
        elif saved.get("address") and not saved_choice:
            initial["saved_address"] = NEW_ADDRESS
        else:
            initial["saved_address"] = str(addresses[0].pk)
    form = CheckoutForm(request.POST or None, initial=initial, addresses=addresses)
    country = address_initial.get("country") or (addresses[0].country if addresses else None)
    address_form = AddressForm(request.POST or None, initial=address_initial, country=country)
    if request.method == "POST":
        needs_address = form.needs_new_address()
        if not needs_address:
            # A saved address was chosen: show the new-address fields as typed, unjudged.
            address_form = AddressForm(initial=request.POST.dict(), country=request.POST.get("country"))
        details_ok = form.is_valid()
        address_ok = address_form.is_valid() if needs_address else True
        if details_ok and address_ok:
            data = form.cleaned_data
            cart_attribution_set(cart=cart, attribution=request_attribution(request))
            try:
                cart_email_set(cart=cart, email=data["email"])
                cart_shipping_method_set(cart=cart, method=data["shipping_method"])
            except CartError as exc:
                messages.error(request, str(exc))
                return redirect("carts:detail")
            request.session[SESSION_CHECKOUT] = {
                "email": data["email"],
                "address": address_form.address_dict() if needs_address else form.chosen_address(),
                "saved_address": "" if needs_address else data["saved_address"],
                "shipping_method": data["shipping_method"],
                "payment_method": data["payment_method"],
                "marketing_consent": data["marketing_consent"],
                "sms_updates": data["sms_updates"],
            }
            if data["sms_updates"] and not (
                request.session[SESSION_CHECKOUT]["address"].get("phone")
                or (request.user.is_authenticated and request.user.phone)
            ):
                del request.session[SESSION_CHECKOUT]
                form.add_error("sms_updates", gettext("Add a phone number to the address, so we know where to text."))
            else:
                return redirect("checkout:review")
    has_errors = bool(form.errors) or (address_form.is_bound and bool(address_form.errors))
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "address_form": address_form,
            "has_errors": has_errors,
            "cart": cart,
            "breakdown": breakdown,
            "has_addresses": bool(addresses),
            "rates": {**shipping_rates(), "threshold": free_shipping_threshold()},
        },
        status=400 if has_errors else 200,
    )


@require_http_methods(["GET", "POST"])
def checkout_review(request):
    found, response = _open_cart_or_redirect(request)
    if response:
        return response
    cart, breakdown = found
    details = request.session.get(SESSION_CHECKOUT)
    if not details:
        return redirect("checkout:start")
    needs_card = details["payment_method"] == "test_card"
    form = PlaceOrderForm(request.POST or None, initial={"checkout_token": uuid.uuid4().hex}, needs_card=needs_card)
    status = 200
    if request.method == "POST":
        seen_version = request.POST.get("cart_version")
        if seen_version != str(cart.version):
            messages.warning(request, CART_CHANGED_MESSAGE)
            form = PlaceOrderForm(initial={"checkout_token": uuid.uuid4().hex}, needs_card=needs_card)
            status = 409
        elif form.is_valid():
            try:
                order = order_place(
                    cart=cart,
                    email=details["email"],
                    shipping_address=details["address"],
                    shipping_method=details["shipping_method"],
                    payment_method=details["payment_method"],
                    payment_details={"card_number": form.cleaned_data.get("card_number", "")},
                    idempotency_key=f"checkout:{form.cleaned_data['checkout_token']}",
                    actor=request.user if request.user.is_authenticated else None,
                    expected_version=cart.version,  # the version reviewed, checked again under the cart lock
                )
            except CartConflict:  # changed between this request's read and the cart lock
                messages.warning(request, CART_CHANGED_MESSAGE)
                return redirect("checkout:review")
            except (OutOfStock, PriceChanged) as exc:
                messages.error(request, str(exc))
                return redirect("carts:detail")
            except CartClosed:
                messages.info(request, gettext("This cart was already ordered. Your orders are listed below."))
                return redirect("orders:list")
            except (PaymentDeclined, PaymentProviderError, IdempotencyKeyReused, CheckoutInProgress) as exc:
                form.add_error(None, str(exc))
                status = 402 if isinstance(exc, PaymentDeclined) else 409
            except (OrderError, CartError) as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                return _placed(request, order, details)
        else:
            status = 400
    return render(
        request,
        "orders/review.html",
        {"form": form, "cart": cart, "breakdown": breakdown, "details": details},
        status=status,
    )


def _placed(request, order: Order, details: dict):
    if details.get("marketing_consent"):
        consent_set(
            customer=order.customer,
            purpose=Consent.Purpose.MARKETING_EMAIL,
            granted=True,
            source=Consent.Source.CHECKOUT,
        )
    if details.get("sms_updates"):
        consent_set(
            customer=order.customer,
            purpose=Consent.Purpose.SMS_TRANSACTIONAL,
            granted=True,
            source=Consent.Source.CHECKOUT,
        )
    request.session.pop(SESSION_CHECKOUT, None)
    recent = request.session.get(SESSION_RECENT_ORDERS, [])
    request.session[SESSION_RECENT_ORDERS] = [order.number, *recent][:10]
    messages.success(
        request,
        gettext("Thank you! Your order %(number)s is placed. We emailed a confirmation to %(email)s.")
        % {"number": order.number, "email": order.email},
    )
    url = reverse("orders:detail", kwargs={"number": order.number})
    if not request.user.is_authenticated:
        url += f"?t={order_signed_token(order)}"
    return redirect(url)


def order_list(request):
    if not request.user.is_authenticated:
        # Guests see the orders placed in this browser session, with their signed links.
        numbers = request.session.get(SESSION_RECENT_ORDERS, [])
        recent = list(Order.objects.filter(number__in=numbers).order_by("-placed_at")) if numbers else []
        for order in recent:
            order.signed_url = f"{order.get_absolute_url()}?t={order_signed_token(order)}"
        return render(request, "orders/order_list.html", {"page": None, "recent": recent})
    paginator = Paginator(order_summaries_for_customer(request.user), 20)
    page = paginator.get_page(PageForm(request.GET).values["page"])
    return render(request, "orders/order_list.html", {"page": page})


def _access_token(request) -> str:
    for data in (request.GET, request.POST):
        form = OrderAccessForm(data)
        if form.is_valid() and form.cleaned_data["t"]:
            return form.cleaned_data["t"]
    return ""


def _order_for_viewer(request, number: str) -> Order:
    order = order_detail_query(number)
    if order is None:
        raise Http404("No such order")
    user = request.user
    if user.is_authenticated and order.customer_id == user.pk:
        return order
    token = _access_token(request)
    if token and order_number_from_token(token) == order.number:
        return order
    if order.number in request.session.get(SESSION_RECENT_ORDERS, []):
        return order
    raise Http404("No such order")  # same answer whether it exists or not


STATUS_PILL = {
    Order.Status.PLACED: "",
    Order.Status.PAID: "success",
    Order.Status.FULFILLED: "success",
    Order.Status.DELIVERED: "success",
    Order.Status.CANCELLED: "danger",
    Order.Status.REFUNDED: "warning",
    Order.Status.RETURN_REQUESTED: "warning",
    Order.Status.RETURNED: "warning",
}


def order_detail(request, number: str):
    order = _order_for_viewer(request, number)
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "pill": STATUS_PILL.get(order.status, ""),
            "token": _access_token(request),
            "can_cancel": order.status == Order.Status.PLACED,
            "can_return": order.status == Order.Status.DELIVERED,
        },
    )


@require_POST
def order_shopper_action(request, number: str, action: str):
    order = _order_for_viewer(request, number)
    actor = request.user if request.user.is_authenticated else order.customer
    form = OrderActionForm(request.POST)
    url = reverse("orders:detail", kwargs={"number": order.number})
    token = _access_token(request)
    if token:
        url += "?" + urlencode({"t": token})
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(url)
    try:
        if action == "cancel":
            if order.status != Order.Status.PLACED:
                raise IllegalTransition(
                    order_number=order.number, status=order.get_status_display(), action="cancelled"
                )
            order_cancel(order=order, actor=actor, reason="Cancelled by the customer")
            messages.success(
                request, gettext("Order %(number)s is cancelled. You have not been charged.") % {"number": order.number}
            )
        elif action == "return":
            order_return_request(order=order, actor=actor, reason=form.cleaned_data["reason"])
            messages.success(request, gettext("Return requested. We will email you the return label."))
        else:
            raise Http404
    except OrderError as exc:
        messages.error(request, str(exc))
    return redirect(url)
