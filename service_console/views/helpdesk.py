"""Console endpoints of the helpdesk: saved replies (also for the chat screen), a case's
attachments and the original of an inbound email."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from customers.models import Customer
from helpdesk.models import SavedReply
from helpdesk.services import SavedReplyValues, saved_replies_active, saved_reply_render
from service_console.forms import SavedReplyRenderForm
from service_console.models import Case, CaseAttachment, InboundEmail
from service_console.permissions import console_required
from service_console.selectors import case_saved_reply_values, customer_latest_order_number
from service_console.views.portal import _attachment_response


@console_required
@require_GET
def saved_reply_list(request):
    """Active saved replies: [{"id", "title"}] (for pickers, e.g. in the chat screen)."""
    return JsonResponse({"saved_replies": [{"id": r.pk, "title": r.title} for r in saved_replies_active()]})


@console_required
@require_GET
def saved_reply_render_view(request, pk: int):
    """{"title", "text"}: the saved reply with its tokens filled for ?case=<id>, or for
    ?customer=<public id>[&order=<number>] (a chat). Unknown values stay as [placeholders]."""
    saved = get_object_or_404(SavedReply, pk=pk, is_active=True)
    form = SavedReplyRenderForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": {"code": "invalid", "fields": form.errors.get_json_data()}}, status=400)
    data = form.cleaned_data
    if data["case"]:
        case = get_object_or_404(Case.objects.select_related("customer"), pk=data["case"])
        values = case_saved_reply_values(case=case, agent=request.user)
    elif data["customer"]:
        customer = get_object_or_404(Customer, public_id=data["customer"], is_staff=False)
        values = SavedReplyValues.for_customer(
            customer, agent=request.user, order_number=data["order"] or customer_latest_order_number(customer)
        )
    else:
        values = SavedReplyValues.for_customer(None, agent=request.user, order_number=data["order"])
    return JsonResponse(
        {"id": saved.pk, "title": saved.title, "text": saved_reply_render(body=saved.body, values=values)}
    )


@console_required
@require_GET
def case_attachment(request, pk: int, attachment_id: int):
    return _attachment_response(get_object_or_404(CaseAttachment, pk=attachment_id, case_id=pk))


@console_required
@require_GET
def inbound_original(request, pk: int):
    """The email exactly as received (.eml), for when the stripped text is not enough."""
    row = InboundEmail.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("No such email")
    response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="inbound-{row.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
