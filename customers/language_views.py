"""The language switcher: remembers the choice in the language cookie and, for a signed-in
customer (shopper or agent), on their record, so emails, SMS and the bot use it too."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.translation import activate
from django.views.decorators.http import require_POST

from common.forms import safe_redirect_target
from customers.forms import LanguageForm
from customers.services import customer_language_set


@require_POST
def language_switch(request):
    form = LanguageForm(request.POST)
    valid = form.is_valid()
    # Back where the visitor was (a path on this site only; NUL or another host: the home page).
    next_url = safe_redirect_target(request, request.POST.get("next") or request.headers.get("referer")) or "/"
    response = HttpResponseRedirect(next_url)
    if not valid:
        return response
    language = form.cleaned_data["language"]
    activate(language)
    if request.user.is_authenticated:
        customer_language_set(customer=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response
