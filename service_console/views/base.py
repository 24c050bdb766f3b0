"""Shared bits of console views: the shell's context and rendering."""

import uuid

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from carts.models import Cart, CartOverride
from customers.models import Customer
from service_console.models import AgentNotification
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


def console_badges(user) -> tuple[int, int]:
    """(pending approvals, the agent's unread case notifications) in one query: the shell
    shows both on every console page."""
    # Same rows as selectors.approvals_pending_count (pending, on carts still open).
    approvals = (
        CartOverride.objects.filter(status=CartOverride.Status.PENDING_APPROVAL, cart__status=Cart.Status.OPEN)
        .order_by()
        .values("status")
        .annotate(n=Count("*"))
        .values("n")
    )
    unread = (
        AgentNotification.objects.filter(agent=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("agent")
        .annotate(n=Count("*"))
        .values("n")
    )
    row = (
        Customer.objects.filter(pk=user.pk)
        .annotate(approvals=Coalesce(Subquery(approvals), 0), unread=Coalesce(Subquery(unread), 0))
        .values_list("approvals", "unread")
        .first()
    )
    return row or (0, 0)


def render_console(request, template: str, context: dict, *, section: str = "", status: int = 200):
    """Render a full console page (or a partial for htmx requests that ask for one)."""
    context = {"console_discount_limit": discount_limit_for(request.user), **context}
    if not template.startswith("service_console/partials/"):
        approvals, unread = console_badges(request.user)
        context = {
            "console_section": section,
            "console_is_supervisor": console_supervisor(request.user),
            "console_pending_approvals": approvals,
            "console_unread_notifications": unread,
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
