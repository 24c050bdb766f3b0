"""First-time phone caller: create the customer, then add their shipping address on the
Customer 360 page (the cart and order on behalf follow as for any customer)."""

import re

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from customers.address_forms import AddressForm, address_initial_for
from customers.exceptions import CustomerExists
from service_console.customer360 import customer_360
from service_console.forms import NewCustomerForm
from service_console.permissions import console_required
from service_console.services.callers import console_address_add, console_customer_create
from service_console.views.base import customer_or_404, render_console, render_console_parts
from service_console.views.customer import TIMELINE_ON_PAGE, Feedback, cart_panel_context

ADDRESS_PREFIX = "addr"


def _initial_from_search(q: str) -> dict:
    """What the agent searched for before deciding the caller is new: an email, a phone
    number or a name."""
    q = q.strip()[:100]
    if not q:
        return {}
    if "@" in q:
        return {"email": q}
    if re.fullmatch(r"[\d\s()+.-]{6,}", q):
        return {"phone": q}
    first, _, last = q.partition(" ")
    return {"first_name": first, "last_name": last}


@console_required
@require_http_methods(["GET", "POST"])
def customer_new(request):
    form = NewCustomerForm(request.POST or None, initial=_initial_from_search(request.GET.get("q", "")))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = console_customer_create(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                first_name_reading=data.get("first_name_reading", ""),
                last_name_reading=data.get("last_name_reading", ""),
                phone=data["phone"],
                actor=request.user,
            )
        except CustomerExists as exc:
            form.existing = exc.existing
            form.add_error("email", gettext("A customer with this email is already on file."))
        else:
            messages.success(
                request,
                gettext("%(name)s is now a customer. Add a shipping address, then build the cart.")
                % {"name": customer.get_full_name()},
            )
            return redirect(reverse("console:customer", kwargs={"public_id": customer.public_id}) + "#addresses-panel")
    existing = form.existing if form.existing is not None and not form.existing.is_staff else None
    return render_console(
        request,
        "service_console/customer_new.html",
        {"form": form, "existing": existing},
        section="home",
        status=400 if form.is_bound else 200,
    )


@console_required
@require_POST
def address_add(request, public_id):
    """Add a shipping address from the Addresses panel. The answer swaps that panel (the
    message beside the form, a refused form keeps what was typed) and, once saved, the cart
    panel (its order-on-behalf tool lists the addresses) and the timeline."""
    customer = customer_or_404(public_id)
    form = AddressForm(request.POST, prefix=ADDRESS_PREFIX)
    if not form.is_valid():
        if not request.htmx:
            messages.error(
                request,
                gettext("Check the address: %(problems)s")
                % {"problems": "; ".join(str(e[0]) for e in form.errors.values())},
            )
            return redirect("console:customer", public_id=customer.public_id)
        data = customer_360(customer)
        context = _addresses_context(customer, data, form=form)
        context["feedback"] = Feedback(slot="address", text=gettext("Check the highlighted fields."), level="error")
        return render_console_parts(request, [("service_console/partials/addresses_panel.html", context)], status=400)
    address = console_address_add(customer=customer, address=form.save(commit=False), actor=request.user)
    text = gettext("Address saved: %(line1)s, %(city)s. You can now order for %(name)s.") % {
        "line1": address.line1,
        "city": address.city,
        "name": customer.get_short_name(),
    }
    if not request.htmx:
        messages.success(request, text)
        return redirect("console:customer", public_id=customer.public_id)
    data = customer_360(customer)
    context = _addresses_context(customer, data, form=None)
    context["feedback"] = Feedback(slot="address", text=text)
    parts = [
        ("service_console/partials/addresses_panel.html", context),
        ("service_console/partials/cart_panel.html", {**cart_panel_context(customer, data), "oob": True}),
        (
            "service_console/partials/timeline_panel.html",
            {
                "customer": customer,
                "timeline": data.timeline[:TIMELINE_ON_PAGE],
                "timeline_more": len(data.timeline) > TIMELINE_ON_PAGE,
                "oob": True,
            },
        ),
    ]
    return render_console_parts(request, parts)


def _addresses_context(customer, data, *, form) -> dict:
    return {
        "customer": customer,
        "c360": data,
        "address_form": form or AddressForm(prefix=ADDRESS_PREFIX, initial=address_initial_for(customer)),
        "address_form_open": form is not None,
    }
