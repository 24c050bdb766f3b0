"""HTTP endpoints of `mobile`: Twilio's webhooks (signature checked), the browser's push
subscription, the service worker, and the development SMS viewer."""

import json
import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mobile.devsms import dev_sms_directory, dev_sms_enabled, dev_sms_list
from mobile.forms import (
    DevSmsReplyForm,
    PushSubscriptionForm,
    PushUnsubscribeForm,
    TwilioInboundForm,
    TwilioStatusForm,
)
from mobile.push import vapid_keys
from mobile.services import (
    push_subscription_remove,
    push_subscription_save,
    sms_delivery_status_record,
    sms_inbound_receive,
)

logger = logging.getLogger(__name__)


def twilio_signature_valid(request: HttpRequest) -> bool:
    """Twilio signs each webhook with the account's auth token over the URL it called and
    the POSTed fields (X-Twilio-Signature), checked by twilio's RequestValidator. The URL
    is the public one (SITE_URL + path) — behind a proxy the request's own host may differ —
    or, failing that, the URL as this server saw it. No token configured: nothing is
    accepted."""
    from twilio.request_validator import RequestValidator

    token = getattr(settings, "TWILIO_AUTH_TOKEN", "")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    candidates = [f"{settings.SITE_URL}{request.get_full_path()}", request.build_absolute_uri()]
    return any(validator.validate(url, request.POST, signature) for url in dict.fromkeys(candidates))


@csrf_exempt  # Twilio cannot send a CSRF token; the request signature authenticates it
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's status callback: queued → sent → delivered / undelivered / failed."""
    if not twilio_signature_valid(request):
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    form = TwilioStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse("bad request", status=400, content_type="text/plain")
    sms_delivery_status_record(
        provider_message_id=form.cleaned_data["MessageSid"],
        status=form.cleaned_data["MessageStatus"].lower(),
        error_code=form.cleaned_data["ErrorCode"],
    )
    return HttpResponse(status=204)


@csrf_exempt  # as above: signed by Twilio
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    """A text to our number: STOP / START / HELP (English and Japanese) change consent at
    once; the reply goes back as TwiML."""
    from twilio.twiml.messaging_response import MessagingResponse

    if not twilio_signature_valid(request):
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    form = TwilioInboundForm(request.POST)
    if not form.is_valid():
        return HttpResponse("bad request", status=400, content_type="text/plain")
    result = sms_inbound_receive(
        provider_message_id=form.cleaned_data["MessageSid"],
        from_phone=form.cleaned_data["From"].as_e164,
        body=form.cleaned_data["Body"] or "",
    )
    response = MessagingResponse()
    if result.reply:
        response.message(result.reply)
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


@login_required
@require_http_methods(["POST", "DELETE"])
def push_subscription(request: HttpRequest) -> JsonResponse:
    """POST: this browser's subscription (endpoint, p256dh, auth) for the signed-in
    customer, who has just allowed notifications; DELETE (or POST with `remove`): forget it.
    CSRF-protected like every form (the script sends the token)."""
    if request.method == "DELETE":
        data = _json_body(request)
        form = PushUnsubscribeForm(data)
        if not form.is_valid():
            return JsonResponse({"error": form.errors.get_json_data()}, status=400)
        removed = push_subscription_remove(customer=request.user, endpoint=form.cleaned_data["endpoint"])
        return JsonResponse({"subscribed": False, "removed": removed})
    form = PushSubscriptionForm(_json_body(request) or request.POST)
    if not form.is_valid():
        return JsonResponse({"error": form.errors.get_json_data()}, status=400)
    push_subscription_save(
        customer=request.user,
        endpoint=form.cleaned_data["endpoint"],
        p256dh=form.cleaned_data["p256dh"],
        auth=form.cleaned_data["auth"],
        user_agent=request.headers.get("User-Agent", ""),
    )
    return JsonResponse({"subscribed": True}, status=201)


def _json_body(request: HttpRequest) -> dict:
    if request.content_type != "application/json":
        return {}
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    return {
        "endpoint": str(data.get("endpoint", ""))[:2000],
        "p256dh": str(keys.get("p256dh", data.get("p256dh", "")))[:400],
        "auth": str(keys.get("auth", data.get("auth", "")))[:200],
    }


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the site root so its scope is the whole site (a
    worker under /static/ could only control /static/). Never cached for long: browsers
    check it for updates."""
    body = render_to_string("mobile/sw.js", {"site_name": settings.SITE_NAME})
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def vapid_public_key(request: HttpRequest) -> JsonResponse:
    """The application server key a browser subscribes with."""
    return JsonResponse({"publicKey": vapid_keys().public_key})


def _dev_allowed(request: HttpRequest) -> bool:
    return settings.DEBUG or (request.user.is_authenticated and request.user.is_staff)


@never_cache
@require_GET
def dev_sms_list_view(request: HttpRequest) -> HttpResponse:
    if not _dev_allowed(request):
        raise Http404
    enabled = dev_sms_enabled()
    texts = dev_sms_list() if enabled else []
    return render(
        request,
        "mobile/dev_sms_list.html",
        {
            "texts": texts,
            "enabled": enabled,
            "sms_dir": dev_sms_directory(),
            "numbers": list(dict.fromkeys(sms.to for sms in texts)),
        },
    )


@require_POST
def dev_sms_reply(request: HttpRequest) -> HttpResponse:
    """Development only (the file SMS backend): a customer's reply — STOP, START, HELP or
    anything else — goes through the same service as Twilio's inbound webhook, and the page
    shows what we would text back."""
    if not _dev_allowed(request) or not dev_sms_enabled():
        raise Http404
    form = DevSmsReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose the number and type the reply (e.g. STOP)."))
        return redirect("mobile:dev_sms")
    result = sms_inbound_receive(
        provider_message_id=f"DEV{uuid.uuid4().hex}",
        from_phone=form.cleaned_data["From"].as_e164,
        body=form.cleaned_data["Body"],
    )
    number = form.cleaned_data["From"].as_e164
    if result.reply:
        messages.success(
            request,
            gettext("%(number)s texted “%(body)s”. Our answer: %(reply)s")
            % {"number": number, "body": form.cleaned_data["Body"], "reply": result.reply},
        )
    else:
        messages.info(
            request,
            gettext("%(number)s texted “%(body)s”; it is stored and needs no answer.")
            % {"number": number, "body": form.cleaned_data["Body"]},
        )
    return redirect("mobile:dev_sms")
