"""Bearer-token authentication for integration and personal tokens (`Authorization: Bearer uc_…`)."""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.models import TOKEN_PREFIX, IntegrationToken, token_digest

LAST_USED_GRANULARITY = timedelta(minutes=5)


class IntegrationTokenAuthentication(BaseAuthentication):
    """Authenticates `Authorization: Bearer <token>` against the stored SHA-256 digest.

    request.user is the token's customer (AnonymousUser for a customer-less integration
    token, e.g. social ingest); request.auth is the IntegrationToken, whose scopes the
    permission classes check.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = (
            IntegrationToken.objects.select_related("customer")
            .filter(prefix=parts[1][:16], digest=token_digest(raw))
            .first()
        )
        if token is None or not token.is_usable:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        user = token.customer
        if user is not None and not user.is_active:
            raise exceptions.AuthenticationFailed("The account behind this token is inactive.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
            # Coarse on purpose: one write per token per few minutes, not one per request.
            IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return (user or AnonymousUser(), token)

    def authenticate_header(self, request):
        return self.keyword
