"""Marketing attribution: UTM parameters and `ref` on any storefront URL are kept on the
session; carts and orders copy `session_attribution(request)` when they are created."""

from django.utils import timezone

from catalog.forms import AttributionForm

SESSION_KEY = "attribution"
PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref")
MAX_VALUE_LENGTH = 200


def attribution_from_params(params) -> dict:
    """The non-empty, valid utm_*/ref values (cut at 200 characters); a value with NUL is
    dropped (it would reach carts' and orders' JSON, which Postgres refuses)."""
    return {name: value for name, value in AttributionForm(params).values.items() if value}


def session_attribution(request) -> dict:
    """The session's attribution: {utm_*, ref, landing_path, captured_at}; {} when none."""
    session = getattr(request, "session", None)
    if session is None:
        return {}
    return dict(session.get(SESSION_KEY) or {})


class AttributionMiddleware:
    """Last non-empty touch wins: a new shoppable link replaces the previous source."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and request.GET and hasattr(request, "session"):
            found = attribution_from_params(request.GET)
            if found:
                found["landing_path"] = request.path[:MAX_VALUE_LENGTH]
                found["captured_at"] = timezone.now().isoformat()
                request.session[SESSION_KEY] = found
                if not request.session.session_key:
                    # A key now, so views and searches in this request link to the session.
                    request.session.save()
        return self.get_response(request)
