"""Cart page and its forms. Domain errors become messages; a stale version shows the new cart."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from carts.exceptions import CartConflict, CartError, VoucherInvalid, VoucherProblem
from carts.forms import CartAddForm, CartLineForm, VoucherForm
from carts.models import Cart
from carts.pricing import cart_price
from carts.selectors import cart_for_page, cart_from_request
from carts.services import (
    cart_attribution_set,
    cart_get_or_create,
    cart_line_add,
    cart_line_update,
    voucher_apply,
    voucher_remove,
)
from carts.signals import SESSION_CART_KEY
from catalog.colours import options_label
from catalog.models import Variant
from common.forms import safe_redirect_target
from common.prerender import render_page


def request_attribution(request) -> dict:
    try:
        from catalog.attribution import session_attribution
    except ImportError:  # catalog without attribution support
        return dict(request.session.get("attribution", {}) or {})
    return session_attribution(request)


def cart_for_request(request, *, create: bool) -> Cart | None:
    """The shopper's open cart; with create=True one is made (anonymous: tied to the session)."""
    cart = cart_from_request(request)
    if cart is not None or not create:
        return cart
    attribution = request_attribution(request)
    if request.user.is_authenticated:
        cart = cart_get_or_create(customer=request.user, attribution=attribution)
    else:
        if not request.session.session_key:
            request.session.save()
        cart = cart_get_or_create(session_key=request.session.session_key, attribution=attribution)
    request.session[SESSION_CART_KEY] = cart.pk
    return cart


def _back(request, fallback: str, next_url: str = ""):
    target = safe_redirect_target(request, next_url) or safe_redirect_target(request, request.headers.get("Referer"))
    return HttpResponseRedirect(target or fallback)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _conflict(request, exc: CartConflict):
    messages.warning(
        request,
        gettext(
            "This cart changed in the meantime (perhaps in another tab or by our service team). "
            "Here is the latest version; check it and try again."
        ),
    )


def cart_recommendations(cart: Cart, *, limit: int = 4) -> list:
    """ "Frequently bought together" (else "you may also like") for the cart's first item,
    leaving out what is already in the cart. One query."""
    from catalog.recommendations import recommendations_for_product

    lines = list(cart.lines.all())
    if not lines:
        return []
    in_cart = {line.variant.product_id for line in lines}
    grouped = recommendations_for_product(lines[0].variant.product, limit=limit + len(in_cart))
    items = grouped.get("bought_together") or grouped.get("also_like") or []
    return [item for item in items if item.product.pk not in in_cart][:limit]


def _recommended_html(cart: Cart) -> str:
    """The "goes well with your cart" cards, rendered once per catalog generation, language
    and set of products in the cart (shared by every cart holding the same products)."""
    from catalog.cache import LISTING_TTL, cache_get, cache_set, generation_key

    lines = list(cart.lines.all())
    if not lines:
        return ""
    in_cart = sorted({line.variant.product_id for line in lines})
    key = generation_key("cart-reco", lines[0].variant.product_id, ",".join(map(str, in_cart))[:1000])
    html = cache_get(key)
    if html is None:
        recommended = cart_recommendations(cart)
        html = render_to_string("carts/_recommended.html", {"recommended": recommended}) if recommended else ""
        cache_set(key, html, LISTING_TTL)
    return html


# A refused discount code, kept for the next cart page: shown under the code field (with the
# code as typed) rather than as a message at the top of the page, away from where the shopper looks.
VOUCHER_REFUSAL_KEY = "cart_voucher_refusal"


def _refuse_code(request, code: str, message: str):
    request.session[VOUCHER_REFUSAL_KEY] = {"code": code[:64], "message": str(message)}
    return HttpResponseRedirect(reverse("carts:detail") + "#voucher-form")


def _voucher_refusal(request, cart: Cart | None, breakdown) -> dict | None:
    """The refusal to show beside the code field; a flash message when the page has no such
    field (the cart emptied or got a code meanwhile)."""
    refusal = request.session.pop(VOUCHER_REFUSAL_KEY, None)
    if not isinstance(refusal, dict):
        return None
    if cart is None or breakdown.is_empty or cart.voucher_id is not None:
        messages.error(request, refusal.get("message", ""))
        return None
    return refusal


@require_GET
def cart_detail(request):
    cart = cart_for_page(request)  # one query with everything pricing needs
    breakdown, recommended_html = None, ""
    if cart is not None:
        breakdown = cart_price(cart)
        cart_attribution_set(cart=cart, attribution=request_attribution(request))
        recommended_html = _recommended_html(cart)
    context = {
        "cart": cart,
        "breakdown": breakdown,
        "recommended_html": recommended_html,
        "voucher_refusal": _voucher_refusal(request, cart, breakdown),
        # The header's count, from the cart just priced (no second query).
        "cart_count": breakdown.item_count if breakdown is not None else 0,
    }
    return render_page(request, "carts/cart.html", context)  # the layout and texts folded per language


@require_POST
def cart_add(request):
    form = CartAddForm(request.POST)
    if "variant_id" in form.errors or not form.data.get("variant_id"):
        raise Http404("No such product")
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, reverse("carts:detail"), form.data.get("next", ""))
    data = form.cleaned_data
    variant = get_object_or_404(Variant.objects.select_related("product"), pk=data["variant_id"])
    quantity = data["quantity"]
    cart = cart_for_request(request, create=True)
    cart_attribution_set(cart=cart, attribution=request_attribution(request))
    try:
        cart_line_add(cart=cart, variant=variant, quantity=quantity, expected_version=None, actor=request.user)
    except CartError as exc:
        messages.error(request, str(exc))
        return _back(request, variant.product.get_absolute_url(), data["next"])
    options = options_label(variant.options_label)
    item = f"{variant.product.name} ({options})" if options else variant.product.name
    messages.success(
        request, gettext("Added %(quantity)s × %(item)s to your cart.") % {"quantity": quantity, "item": item}
    )
    # The product page sends `next` (its own path) so the shopper stays where they were.
    return HttpResponseRedirect(safe_redirect_target(request, data["next"]) or reverse("carts:detail"))


@require_POST
def cart_line_change(request, line_id: int):
    cart = cart_for_request(request, create=False)
    if cart is None:
        return redirect("carts:detail")
    form = CartLineForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("carts:detail")
    quantity, version = form.cleaned_data["quantity"], form.cleaned_data["version"]
    try:
        cart_line_update(cart=cart, line=line_id, quantity=quantity, expected_version=version, actor=request.user)
        messages.success(request, gettext("Item removed.") if quantity == 0 else gettext("Quantity updated."))
    except CartConflict as exc:
        _conflict(request, exc)
    except CartError as exc:
        messages.error(request, str(exc))
    return redirect("carts:detail")


@require_POST
def cart_voucher(request):
    cart = cart_for_request(request, create=False)
    if cart is None:
        return redirect("carts:detail")
    form = VoucherForm(request.POST)
    if not form.is_valid():
        if "code" in form.errors and "version" not in form.errors:
            return _refuse_code(request, form.data.get("code", ""), form.errors["code"][0])
        _form_errors(request, form)
        return _back(request, reverse("carts:detail"))
    data = form.cleaned_data
    try:
        if data["remove"]:
            voucher_remove(cart=cart, expected_version=data["version"], actor=request.user)
            messages.success(request, gettext("Code removed."))
        else:
            voucher = voucher_apply(cart=cart, code=data["code"], expected_version=data["version"], actor=request.user)
            messages.success(
                request, gettext("Code %(code)s applied: %(label)s.") % {"code": voucher.code, "label": voucher.label}
            )
    except CartConflict as exc:
        _conflict(request, exc)
    except VoucherInvalid as exc:
        if exc.reason == VoucherProblem.EMPTY:  # the page has no code field to show it beside
            messages.error(request, str(exc))
        else:
            return _refuse_code(request, data["code"], str(exc))
    except CartError as exc:
        messages.error(request, str(exc))
    return _back(request, reverse("carts:detail"), data["next"])
