from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.models import Customer
from customers.roles import AGENTS, SUPERVISORS
from helpdesk.models import SatisfactionRating
from helpdesk.selectors import satisfaction_for
from helpdesk.services import saved_replies_active, saved_reply_render
from service_console.exceptions import ConsoleError
from service_console.forms import (
    CaseCreateForm,
    CaseListForm,
    CaseMessageForm,
    CaseNewQueryForm,
    CaseUpdateForm,
    LinkOrderForm,
    SavedReplyPickForm,
)
from service_console.models import AgentNotification, Case, CaseMessage
from service_console.permissions import console_required
from service_console.selectors import (
    articles_suggested_for_case,
    case_activity,
    case_saved_reply_values,
    orders_by_number,
)
from service_console.services.cases import (
    case_create,
    case_link_order,
    case_note_add,
    case_reply_send,
    case_update,
)
from service_console.views.base import customer_or_404, render_console


def _agents():
    return list(
        Customer.objects.filter(Q(groups__name__in=[AGENTS, SUPERVISORS]) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("first_name", "email")
    )


@console_required
@require_GET
def case_list(request):
    query = CaseListForm(request.GET).values
    status, mine = query["status"], query["mine"]
    qs = Case.objects.select_related("customer", "assignee").order_by("-updated_at")
    if status == "open":
        qs = qs.filter(status__in=Case.OPEN_STATUSES)
    elif status in Case.Status.values:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(assignee=request.user)
    page = Paginator(qs, 25).get_page(query["page"])
    return render_console(
        request,
        "service_console/case_list.html",
        {"page": page, "status": status, "statuses": Case.Status.choices, "mine": mine},
        section="cases",
    )


@console_required
@require_http_methods(["GET", "POST"])
def case_new(request, public_id):
    customer = customer_or_404(public_id)
    initial = {"order_number": CaseNewQueryForm(request.GET).values["order"]}
    if initial["order_number"]:
        initial["channel"] = Case.Channel.ORDER
        initial["subject"] = f"About order {initial['order_number']}"
    form = CaseCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = case_create(
            customer=customer,
            subject=data["subject"],
            description=data["description"],
            channel=data["channel"],
            priority=data["priority"],
            actor=request.user,
            assignee=request.user if data["assign_to_me"] else None,
            order_numbers=[data["order_number"]] if data["order_number"] else None,
        )
        messages.success(request, gettext("Case %(number)s opened.") % {"number": case.number})
        return redirect(case)
    return render_console(
        request,
        "service_console/case_new.html",
        {"customer": customer, "form": form},
        section="cases",
        status=400 if form.errors else 200,
    )


def _case_page(request, case: Case, *, message_form=None, update_form=None, link_form=None, status: int = 200):
    agents = _agents()
    case_messages = list(
        case.messages.select_related("author", "inbound").defer("inbound__raw").prefetch_related("attachments")
    )
    linked_orders = orders_by_number(case.order_numbers)
    if message_form is None:
        message_form = CaseMessageForm(initial=_saved_reply_initial(request, case, linked_orders))
    return render_console(
        request,
        "service_console/case_detail.html",
        {
            "case": case,
            "customer": case.customer,
            "case_messages": case_messages,
            # The contact form stores the customer's text as their first message; show the
            # description only when it is not already in the conversation.
            "show_description": bool(case.description)
            and not any(m.kind == CaseMessage.Kind.CUSTOMER for m in case_messages),
            "linked_orders": linked_orders,
            "activity": case_activity(case),
            "suggested": articles_suggested_for_case(case),
            "update_form": update_form
            or CaseUpdateForm(
                initial={"status": case.status, "priority": case.priority, "assignee": case.assignee_id},
                agents=agents,
            ),
            "message_form": message_form,
            "link_form": link_form or LinkOrderForm(),
            "saved_replies": saved_replies_active(),
            "rating": satisfaction_for(channel=SatisfactionRating.Channel.CASE, object_id=case.pk),
        },
        section="cases",
        status=status,
    )


def _case_or_404(pk: int) -> Case:
    return get_object_or_404(Case.objects.select_related("customer", "assignee", "created_by"), pk=pk)


def _saved_reply_initial(request, case: Case, linked_orders: list) -> dict:
    """?saved_reply=<id> (the no-JavaScript "Insert saved reply" button) pre-fills the reply."""
    form = SavedReplyPickForm(request.GET) if "saved_reply" in request.GET else None
    if form is None or not form.is_valid() or form.cleaned_data["saved_reply"] is None:
        return {}
    values = case_saved_reply_values(case=case, agent=request.user, linked_orders=linked_orders)
    return {"kind": "reply", "body": saved_reply_render(body=form.cleaned_data["saved_reply"].body, values=values)}


@console_required
@require_GET
def case_detail(request, pk: int):
    case = _case_or_404(pk)
    # Opening the case is reading what the customer did on it.
    AgentNotification.objects.filter(agent=request.user, case=case, read_at__isnull=True).update(read_at=timezone.now())
    return _case_page(request, case)


@console_required
@require_POST
def case_change(request, pk: int):
    case = _case_or_404(pk)
    form = CaseUpdateForm(request.POST, agents=_agents())
    if not form.is_valid():
        return _case_page(request, case, update_form=form, status=400)
    data = form.cleaned_data
    assignee = None
    if data["assignee"]:
        assignee = next((a for a in _agents() if a.pk == data["assignee"]), None)
    try:
        case_update(case=case, actor=request.user, status=data["status"], priority=data["priority"], assignee=assignee)
    except ConsoleError as exc:
        messages.error(request, str(exc))
        return _case_page(request, case, update_form=form, status=409)
    messages.success(request, gettext("Case updated."))
    return redirect(case)


@console_required
@require_POST
def case_take(request, pk: int):
    case = _case_or_404(pk)
    status = Case.Status.OPEN if case.status == Case.Status.NEW else None
    case_update(case=case, actor=request.user, assignee=request.user, status=status)
    messages.success(request, gettext("%(number)s is assigned to you.") % {"number": case.number})
    return redirect(case)


@console_required
@require_POST
def case_message(request, pk: int):
    case = _case_or_404(pk)
    form = CaseMessageForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, message_form=form, status=400)
    try:
        if form.cleaned_data["kind"] == CaseMessage.Kind.REPLY:
            case_reply_send(case=case, actor=request.user, body=form.cleaned_data["body"])
            messages.success(request, gettext("Reply emailed to %(email)s.") % {"email": case.customer.email})
        else:
            case_note_add(case=case, actor=request.user, body=form.cleaned_data["body"])
            messages.success(request, gettext("Internal note added."))
    except ConsoleError as exc:
        messages.error(request, str(exc))
        return _case_page(request, case, message_form=form, status=409)
    return redirect(case)


@console_required
@require_POST
def case_link(request, pk: int):
    case = _case_or_404(pk)
    form = LinkOrderForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["order_number"].strip()
        found = orders_by_number([number])
        if not found or (found[0].customer_id and found[0].customer_id != case.customer_id):
            form.add_error("order_number", gettext("No order %(number)s for this customer.") % {"number": number})
        else:
            case_link_order(case=case, order_number=found[0].number, actor=request.user)
            messages.success(request, gettext("Order %(number)s linked.") % {"number": found[0].number})
            return redirect(case)
    return _case_page(request, case, link_form=form, status=400)
