"""Per-caller throttling in the shared cache (Redis): one bucket per token, else per user,
else per client IP. Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] at request
time, so settings overrides apply. Redis unreachable: the request goes through (logged and
counted by common.failopen)."""

from redis import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import IntegrationToken
from common.failopen import fail_open


class CallerRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # The rate is re-read per request (class attributes would freeze the first value).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except RedisError as exc:  # a cache outage must not fail the API: fail open, logged and counted
            fail_open("api_throttle", exc)
            return True

    def get_cache_key(self, request, view):
        if isinstance(request.auth, IntegrationToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonThrottle(CallerRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated or isinstance(request.auth, IntegrationToken):
            return None
        return super().get_cache_key(request, view)


class CallerThrottle(CallerRateThrottle):
    scope = "caller"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated or isinstance(request.auth, IntegrationToken)):
            return None
        return super().get_cache_key(request, view)
