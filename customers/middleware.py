"""The visitor's language: the language cookie (set by the switcher), else the signed-in
customer's saved language (Customer.language: the choice follows them to a new device), else
the browser's Accept-Language, else LANGUAGE_CODE. Runs after authentication so the
customer is known; the site does not prefix URLs with a language, so nothing is redirected."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class CustomerLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        language = None
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            user = getattr(request, "user", None)
            saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
            if saved and translation.check_for_language(saved):
                language = saved
        if language is None:
            language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
