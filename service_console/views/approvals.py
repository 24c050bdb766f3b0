"""Supervisor approval queue for discounts above the agent limit: line and cart discounts
and honoured coupons. Deciding goes through service_console.services (carts.services checks
the role, the open cart and the limit against the cart as it is now; audit in the same
transaction); the page only shows and collects the decision."""

from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from carts.exceptions import CartError
from carts.models import CartOverride
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from common.money import format_money
from orders.selectors import override_report
from service_console.forms import ApprovalDecisionForm
from service_console.permissions import console_required, console_supervisor, supervisor_required
from service_console.selectors import approvals_pending, approvals_recent
from service_console.services.cart_edit import console_override_decide
from service_console.views.base import render_console

CARD = "service_console/partials/approval_card.html"


def _pending_key(pending: list[CartOverride]) -> str:
    return ".".join(str(o.pk) for o in pending) or "none"


@console_required
@require_GET
def approval_list(request):
    """The queue. `?part=pending` is polled by the page: 204 while nothing new arrived
    (`seen`), so a supervisor's half-typed note is never wiped."""
    pending = approvals_pending()
    can_decide = console_supervisor(request.user)
    context = {"pending": pending, "pending_key": _pending_key(pending), "can_decide": can_decide}
    if request.GET.get("part") == "pending":
        if request.GET.get("seen") == context["pending_key"]:
            return HttpResponse(status=204)
        return render_console(request, "service_console/partials/approvals_pending.html", context)
    context["recent"] = approvals_recent()
    return render_console(request, "service_console/approvals.html", context, section="approvals")


@supervisor_required
@require_POST
def approval_decide(request, pk: int):
    override = get_object_or_404(
        CartOverride.objects.select_related("cart__customer", "agent", "line__variant__product", "voucher"), pk=pk
    )
    form = ApprovalDecisionForm(request.POST)
    outcome, level = "", "error"
    if not form.is_valid():
        outcome = "Choose Approve or Reject." if "decision" in form.errors else str(next(iter(form.errors.values()))[0])
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            override = console_override_decide(
                override=override, actor=request.user, approve=approve, note=form.cleaned_data["note"]
            )
        except CartError as exc:
            outcome = str(exc)
        else:
            level = "success"
            outcome = _decided_text(override, approve)
    if not request.htmx:
        getattr(messages, level)(request, outcome)
        return redirect("console:approvals")
    override = CartOverride.objects.select_related(
        "cart__customer", "agent", "decided_by", "line__variant__product", "voucher"
    ).get(pk=override.pk)
    pending = approvals_pending()
    context = {
        "o": override,
        "can_decide": True,
        "fb": {"level": level, "text": outcome},
        "note_value": "" if level == "success" else request.POST.get("note", "")[:500],
        # The queue's poll compares against this: the decided card stays (with its message)
        # until something else changes in the queue.
        "pending_key": _pending_key(pending),
        "pending_count": len(pending),  # the nav badge, swapped out of band
    }
    return render_console(request, CARD, context, status=200 if level == "success" else 400)


def _decided_text(override: CartOverride, approve: bool) -> str:
    who = override.cart.customer.get_short_name()
    if not approve:
        return gettext("Rejected. %(agent)s sees your note on %(name)s's cart.") % {
            "agent": override.agent.get_short_name(),
            "name": who,
        }
    total = cart_price(cart_with_lines(override.cart_id)).total
    return gettext("Approved and applied to %(name)s's cart (total now %(total)s).") % {
        "name": who,
        "total": format_money(total),
    }


@supervisor_required
@require_GET
def override_report_view(request):
    rows = override_report()
    total = sum((r.given_away for r in rows), Decimal("0"))
    return render_console(
        request, "service_console/override_report.html", {"rows": rows, "total": total}, section="report"
    )
