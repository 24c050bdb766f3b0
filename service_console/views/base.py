"""Shared bits of console views: the shell's context and rendering."""

import uuid

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from carts.models import CartOverride
from customers.models import Customer
from service_console.permissions import console_supervisor


def discount_limit_for(user) -> str:
    limit = (
        settings.SUPERVISOR_DISCOUNT_LIMIT_PERCENT
        if console_supervisor(user)
        else settings.AGENT_DISCOUNT_LIMIT_PERCENT
    )
    return f"{limit.normalize():f}"


def pending_approvals_count() -> int:
    return CartOverride.objects.filter(status=CartOverride.Status.PENDING_APPROVAL).count()


def render_console(request, template: str, context: dict, *, section: str = "", status: int = 200):
    """Render a full console page (or a partial for htmx requests that ask for one)."""
    context = {"console_discount_limit": discount_limit_for(request.user), **context}
    if not template.startswith("service_console/partials/"):
        context = {
            "console_section": section,
            "console_is_supervisor": console_supervisor(request.user),
            "console_pending_approvals": pending_approvals_count(),
            **context,
        }
    return render(request, template, context, status=status)


def customer_or_404(public_id) -> Customer:
    """A shopper by public id; staff records are never shown in the console's 360."""
    try:
        key = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such customer")
    customer = Customer.objects.filter(public_id=key, is_staff=False).first()
    if customer is None:
        raise Http404("No such customer")
    return customer
