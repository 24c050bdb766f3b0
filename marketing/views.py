"""Public marketing endpoints: the click-through redirect and the cart restore link."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketing.exceptions import RestoreLinkInvalid
from marketing.links import click_token_read
from marketing.services.attribution import message_click_record
from marketing.services.restore import cart_restore


@never_cache
@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Tag the session with the message, then go to the (same-site) target path."""
    data = click_token_read(token)
    if data is None:
        return render(request, "marketing/link_invalid.html", status=400)
    message_id, path = data
    message_click_record(message_id=message_id, request=request)
    return HttpResponseRedirect(path)


@never_cache
@require_GET
def restore(request: HttpRequest, token: str) -> HttpResponse:
    try:
        cart, restored = cart_restore(request=request, token=token)
    except RestoreLinkInvalid as exc:
        return render(request, "marketing/link_invalid.html", {"reason": str(exc)}, status=400)
    if restored:
        messages.success(request, gettext("Your cart is back. Pick up where you left off."))
    else:
        messages.info(request, gettext("The items from that cart are no longer available."))
    return HttpResponseRedirect("/cart/")
