"""The Customer 360's social handles panel (loaded after the page, so the 360 itself keeps
its query count): the networks and handles whose posts reach this customer, which an agent
can add or remove (customers.services; audited)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from customers.account_forms import SocialHandleForm
from customers.exceptions import HandleTaken
from customers.services import social_handle_add, social_handle_remove
from service_console.permissions import console_required
from service_console.views.base import customer_or_404, render_console, render_console_parts

PANEL = "service_console/partials/handles_panel.html"


def _panel(request, customer, *, form=None, feedback=None, status=200):
    context = {
        "customer": customer,
        "handles": list(customer.social_handles.all()),
        "handle_form": form or SocialHandleForm(),
        "fb": feedback,
    }
    return render_console_parts(request, [(PANEL, context)], status=status)


@console_required
@require_GET
def handles_panel(request, public_id):
    customer = customer_or_404(public_id)
    if not request.htmx:  # the 360's link without JavaScript: the panel on a page of its own
        context = {
            "customer": customer,
            "handles": list(customer.social_handles.all()),
            "handle_form": SocialHandleForm(),
        }
        return render_console(request, "service_console/handles_page.html", context, section="home")
    return _panel(request, customer)


@console_required
@require_POST
def handle_add(request, public_id):
    customer = customer_or_404(public_id)
    form = SocialHandleForm(request.POST)
    if not form.is_valid():
        error = {"level": "error", "text": gettext("Check the network and handle.")}
        if not request.htmx:
            messages.error(request, error["text"])
            return redirect("console:customer", public_id=customer.public_id)
        return _panel(request, customer, form=form, feedback=error, status=400)
    try:
        row = social_handle_add(
            customer=customer,
            network=form.cleaned_data["network"],
            handle=form.cleaned_data["handle"],
            actor=request.user,
        )
    except HandleTaken as exc:
        error = {
            "level": "error",
            "text": gettext("That handle is on %(name)s's profile.") % {"name": exc.owner.get_full_name()},
        }
        if not request.htmx:
            messages.error(request, error["text"])
            return redirect("console:customer", public_id=customer.public_id)
        return _panel(request, customer, form=form, feedback=error, status=409)
    ok = {
        "level": "success",
        "text": gettext("@%(handle)s (%(network)s) added: their posts now reach this record.")
        % {"handle": row.handle, "network": row.get_network_display()},
    }
    if not request.htmx:
        messages.success(request, ok["text"])
        return redirect("console:customer", public_id=customer.public_id)
    return _panel(request, customer, feedback=ok)


@console_required
@require_POST
def handle_remove(request, public_id, handle_id: int):
    customer = customer_or_404(public_id)
    removed = social_handle_remove(customer=customer, handle_id=handle_id, actor=request.user)
    fb = (
        {"level": "success", "text": gettext("Handle removed.")}
        if removed
        else {"level": "error", "text": gettext("That handle is not on this profile.")}
    )
    if not request.htmx:
        (messages.success if removed else messages.error)(request, fb["text"])
        return redirect("console:customer", public_id=customer.public_id)
    return _panel(request, customer, feedback=fb, status=200 if removed else 404)
