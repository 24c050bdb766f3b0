"""Supervisor approval queue for discount overrides above the agent limit."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from carts.exceptions import CartError
from carts.models import CartOverride
from orders.selectors import override_report
from service_console.permissions import console_required, console_supervisor, supervisor_required
from service_console.services.cart_edit import console_override_decide
from service_console.views.base import render_console


@console_required
@require_GET
def approval_list(request):
    pending = list(
        CartOverride.objects.filter(status=CartOverride.Status.PENDING_APPROVAL)
        .select_related("cart__customer", "agent", "line__variant__product")
        .order_by("created_at")[:100]
    )
    recent = list(
        CartOverride.objects.filter(status__in=[CartOverride.Status.APPLIED, CartOverride.Status.REJECTED])
        .exclude(decided_by=None)
        .select_related("cart__customer", "agent", "decided_by", "line__variant__product")
        .order_by("-decided_at")[:20]
    )
    return render_console(
        request,
        "service_console/approvals.html",
        {"pending": pending, "recent": recent, "can_decide": console_supervisor(request.user)},
        section="approvals",
    )


@supervisor_required
@require_POST
def approval_decide(request, pk: int):
    override = get_object_or_404(CartOverride, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        console_override_decide(override=override, actor=request.user, approve=approve)
    except CartError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Discount approved and applied to the cart." if approve else "Discount rejected.")
    return redirect("console:approvals")


@supervisor_required
@require_GET
def override_report_view(request):
    rows = override_report()
    total = sum((r.given_away for r in rows), Decimal("0"))
    return render_console(
        request, "service_console/override_report.html", {"rows": rows, "total": total}, section="report"
    )
