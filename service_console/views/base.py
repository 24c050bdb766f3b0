"""Shared bits of console views: the shell's context and rendering."""

import uuid

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from customers.models import Customer
from service_console.permissions import console_supervisor
from service_console.selectors import approvals_pending_count


def discount_limit_for(user) -> str:
    limit = (
        settings.SUPERVISOR_DISCOUNT_LIMIT_PERCENT
        if console_supervisor(user)
        else settings.AGENT_DISCOUNT_LIMIT_PERCENT
    )
    return f"{limit.normalize():f}"


def pending_approvals_count() -> int:
    return approvals_pending_count()


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


def render_console_parts(request, parts: list[tuple[str, dict]], *, status: int = 200) -> HttpResponse:
    """Several partials in one htmx response: the first is the swap target, the others
    carry `hx-swap-oob` (panels elsewhere on the page that the same change touched)."""
    limit = discount_limit_for(request.user)
    html = "".join(
        render_to_string(template, {"console_discount_limit": limit, **context}, request=request)
        for template, context in parts
    )
    return HttpResponse(html, status=status)


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
