"""The shopper's requests page (/account/requests/): their cases with status, the thread
(internal notes never shown), reply, close. Guests reach one case from the signed link in
its emails; account holders sign in first (as with the other signed links)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from helpdesk.models import SatisfactionRating
from helpdesk.selectors import satisfaction_for
from helpdesk.services import satisfaction_urls
from service_console.models import Case, CaseAttachment, CaseMessage
from service_console.portal_forms import PortalReplyForm
from service_console.selectors import (
    CHAT_PORTAL_STATUS,
    PORTAL_STATUS,
    portal_case_messages,
    portal_cases,
    portal_chats,
)
from service_console.services.case_email import case_link_token_read
from service_console.services.customer_side import case_customer_close, case_customer_reply


@login_required
@require_GET
def request_list(request):
    rows = sorted(
        [*portal_cases(request.user), *portal_chats(request.user)], key=lambda row: row.updated_at, reverse=True
    )
    return render(request, "portal/request_list.html", {"rows": rows, "section": "requests"})


def _own_case_or_404(request, pk: int) -> Case:
    # Another shopper's case is a 404, like one that does not exist.
    return get_object_or_404(Case.objects.select_related("customer", "assignee"), pk=pk, customer=request.user)


def _render_case(request, case: Case, *, form=None, token: str = "", status: int = 200):
    rating = satisfaction_for(channel=SatisfactionRating.Channel.CASE, object_id=case.pk)
    label, css = PORTAL_STATUS[case.status]
    return render(
        request,
        "portal/request_detail.html",
        {
            "case": case,
            "status_label": label,
            "status_class": css,
            "thread": portal_case_messages(case),
            "form": form or PortalReplyForm(),
            "token": token,
            "action_url": reverse("portal:case_link", args=[token])
            if token
            else reverse("portal:case", kwargs={"pk": case.pk}),
            "rating": rating,
            "rating_links": satisfaction_urls(rating) if rating and rating.score is None else {},
            "section": "requests",
        },
        status=status,
    )


def _handle_post(request, case: Case, *, token: str = ""):
    """Reply or close, from the signed-in page or a guest's signed link."""
    action = request.POST.get("action", "reply")
    if action == "close":
        case_customer_close(case=case)
        messages.success(
            request, gettext("%(number)s is closed. Reply any time to open it again.") % {"number": case.number}
        )
        return None
    form = PortalReplyForm(request.POST)
    if not form.is_valid():
        return _render_case(request, case, form=form, token=token, status=400)
    case_customer_reply(case=case, body=form.cleaned_data["body"], via=CaseMessage.Via.PORTAL)
    messages.success(request, gettext("Your reply was sent. We will answer by email."))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    case = _own_case_or_404(request, pk)
    if request.method == "POST":
        response = _handle_post(request, case)
        return response or redirect("portal:case", pk=case.pk)
    return _render_case(request, case)


@require_http_methods(["GET", "POST"])
def case_link(request, token: str):
    try:
        case_id = case_link_token_read(token)
    except signing.SignatureExpired:
        return render(request, "portal/link_problem.html", {"problem": "expired"}, status=410)
    except signing.BadSignature:
        return render(request, "portal/link_problem.html", {"problem": "invalid"}, status=404)
    case = Case.objects.select_related("customer", "assignee").filter(pk=case_id).first()
    if case is None:
        return render(request, "portal/link_problem.html", {"problem": "invalid"}, status=404)
    own_page = reverse("portal:case", kwargs={"pk": case.pk})
    if request.user.is_authenticated:
        if request.user.pk != case.customer_id:
            return render(request, "portal/link_problem.html", {"problem": "other_account"}, status=403)
        return redirect(own_page)
    if case.customer.has_usable_password():
        return redirect_to_login(own_page)
    if request.method == "POST":
        response = _handle_post(request, case, token=token)
        return response or redirect("portal:case_link", token=token)
    return _render_case(request, case, token=token)


def _attachment_response(attachment: CaseAttachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.")
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def attachment(request, pk: int, attachment_id: int):
    case = _own_case_or_404(request, pk)
    return _attachment_response(get_object_or_404(CaseAttachment, pk=attachment_id, case=case))


@require_GET
def link_attachment(request, token: str, attachment_id: int):
    try:
        case_id = case_link_token_read(token)
    except signing.BadSignature:
        raise Http404("No such file")
    found = get_object_or_404(
        CaseAttachment.objects.select_related("case__customer"), pk=attachment_id, case_id=case_id
    )
    if found.case.customer.has_usable_password() and request.user.pk != found.case.customer_id:
        raise Http404("No such file")
    return _attachment_response(found)


@login_required
@require_GET
def chat_detail(request, public_id):
    """A chat's transcript for its customer (another shopper's chat is a 404)."""
    from conversations.models import ChatMessage, Conversation

    conversation = get_object_or_404(Conversation, public_id=public_id, customer=request.user)
    label, css = CHAT_PORTAL_STATUS[conversation.status]
    thread = list(
        conversation.messages.exclude(kind=ChatMessage.Kind.FEEDBACK).select_related("author").order_by("id")[:500]
    )
    case = Case.objects.filter(pk=conversation.case_id, customer=request.user).first() if conversation.case_id else None
    return render(
        request,
        "portal/chat_detail.html",
        {
            "conversation": conversation,
            "status_label": label,
            "status_class": css,
            "thread": thread,
            "case": case,
            "section": "requests",
        },
    )
