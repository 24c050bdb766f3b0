import base64
import hmac
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from customers.account_views import PasswordResetView
from messaging.devmail import dev_mail_enabled, dev_mail_get, dev_mail_list
from messaging.forms import NewsletterForm, OutboxPasswordResetForm
from messaging.models import EmailEvent, OutboundEmail, Suppression
from messaging.newsletter import newsletter_confirm, newsletter_confirm_token_read, newsletter_subscribe_request
from messaging.rendering import click_token_read, is_site_url, open_token_read, unsubscribe_token_read
from messaging.services import email_event_record, marketing_unsubscribe, suppression_add

_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _email_by_hex(public_hex: str) -> OutboundEmail | None:
    if not public_hex:
        return None
    return OutboundEmail.objects.select_related("customer").filter(public_id=public_hex).first()


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation page (link scanners must not unsubscribe anyone); POST
    unsubscribes. Works without signing in: the signed token names the address."""
    data = unsubscribe_token_read(token)
    if data is None:
        return render(request, "messaging/unsubscribe_invalid.html", status=400)
    address = data["a"]
    if request.method == "POST":
        email = _email_by_hex(data.get("m", ""))
        marketing_unsubscribe(to_email=address, email=email, user_agent=request.headers.get("User-Agent", ""))
        return render(request, "messaging/unsubscribe_done.html", {"address": address})
    return render(request, "messaging/unsubscribe_confirm.html", {"address": address, "token": token})


@never_cache
@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    public_hex = open_token_read(token)
    email = _email_by_hex(public_hex) if public_hex else None
    if email is not None:
        email_event_record(email=email, kind=EmailEvent.Kind.OPEN, user_agent=request.headers.get("User-Agent", ""))
    return HttpResponse(_PIXEL, content_type="image/gif")


@never_cache
@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Signed click redirect. Only ever redirects to this site (no open redirect)."""
    data = click_token_read(token)
    if data is None or not is_site_url(data[1]):
        return render(request, "messaging/link_invalid.html", status=400)
    public_hex, url = data
    email = _email_by_hex(public_hex)
    if email is not None:
        email_event_record(
            email=email, kind=EmailEvent.Kind.CLICK, url=url, user_agent=request.headers.get("User-Agent", "")
        )
    return HttpResponseRedirect(url)


# --- Newsletter (footer form, double opt-in)


@require_http_methods(["GET", "POST"])
def newsletter_subscribe(request: HttpRequest) -> HttpResponse:
    form = NewsletterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["website"]:  # honeypot left empty: a person
            newsletter_subscribe_request(email_address=form.cleaned_data["email"])
        context = {"address": form.cleaned_data["email"]}
        if getattr(request, "htmx", False):
            return render(request, "messaging/_newsletter_sent.html", context)
        return render(request, "messaging/newsletter_sent.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/newsletter_signup.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def newsletter_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links); POST records the consent."""
    address = newsletter_confirm_token_read(token)
    if address is None:
        return render(request, "messaging/newsletter_invalid.html", status=400)
    if request.method == "POST":
        newsletter_confirm(email_address=address)
        return render(request, "messaging/newsletter_confirmed.html", {"address": address})
    return render(request, "messaging/newsletter_confirm.html", {"address": address})


# --- Bounces and complaints reported by the mail provider


@csrf_exempt  # machine-to-machine; authenticated by the shared secret
@require_http_methods(["POST"])
def bounce_webhook(request: HttpRequest) -> HttpResponse:
    """POST {"email": ..., "type": "hard_bounce"|"complaint", "message_id": optional} with
    `Authorization: Bearer <MESSAGING_WEBHOOK_SECRET>`. Disabled (404) without a secret."""
    secret = getattr(settings, "MESSAGING_WEBHOOK_SECRET", "")
    if not secret:
        raise Http404
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(supplied.encode(), secret.encode()):
        return JsonResponse({"error": "bad credentials"}, status=403)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "body must be JSON"}, status=400)
    reason = {"hard_bounce": Suppression.Reason.HARD_BOUNCE, "complaint": Suppression.Reason.COMPLAINT}.get(
        body.get("type") if isinstance(body, dict) else None
    )
    address = str(body.get("email", "")).strip() if isinstance(body, dict) else ""
    try:
        validate_email(address)
    except ValidationError:
        return JsonResponse({"error": {"email": "a valid email address is required"}}, status=400)
    if reason is None:
        return JsonResponse({"error": {"type": "must be hard_bounce or complaint"}}, status=400)
    source = None
    if body.get("message_id"):
        source = OutboundEmail.objects.filter(message_id=str(body["message_id"])).select_related("customer").first()
    suppression = suppression_add(email_address=address, reason=reason, note="bounce webhook", source_email=source)
    return JsonResponse({"email": suppression.email, "reason": suppression.reason})


# --- Password reset through the outbox


class OutboxPasswordResetView(PasswordResetView):
    form_class = OutboxPasswordResetForm


# --- Development mail viewer


def _dev_mail_allowed(request: HttpRequest) -> bool:
    return settings.DEBUG or (request.user.is_authenticated and request.user.is_staff)


@never_cache
def dev_mail_list_view(request: HttpRequest) -> HttpResponse:
    if not _dev_mail_allowed(request):
        raise Http404
    enabled = dev_mail_enabled()
    # Not "messages": that name belongs to django.contrib.messages, and base.html would print each mail as an alert.
    mails = dev_mail_list() if enabled else []
    return render(
        request,
        "messaging/dev_mail_list.html",
        {"mails": mails, "enabled": enabled, "mail_dir": getattr(settings, "EMAIL_FILE_PATH", "")},
    )


@never_cache
def dev_mail_detail_view(request: HttpRequest, file: str, index: int) -> HttpResponse:
    if not _dev_mail_allowed(request) or not dev_mail_enabled():
        raise Http404
    message = dev_mail_get(file=file, index=index)
    if message is None:
        raise Http404
    return render(request, "messaging/dev_mail_detail.html", {"message": message})
