import base64

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from messaging.models import EmailEvent, OutboundEmail
from messaging.rendering import click_token_read, is_site_url, open_token_read, unsubscribe_token_read
from messaging.services import email_event_record, marketing_unsubscribe

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
