"""Who may call what. Signed-in users are shoppers; staff endpoints follow the console's rule
(Agents, Supervisors, superusers). Token callers also need the matching scope on their token."""

from rest_framework.permissions import BasePermission

from api.models import IntegrationToken, Scope
from service_console.permissions import console_user


def _token(request) -> IntegrationToken | None:
    return request.auth if isinstance(request.auth, IntegrationToken) else None


class IsShopper(BasePermission):
    message = "Sign in or send a personal token with the 'shopper' scope."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = _token(request)
        return token is None or token.has_scope(Scope.SHOPPER)


class IsAgent(BasePermission):
    message = "Staff only: sign in as an agent or send a token with the 'staff' scope."

    def has_permission(self, request, view) -> bool:
        if not (request.user and console_user(request.user)):
            return False
        token = _token(request)
        return token is None or token.has_scope(Scope.STAFF)


class HasSocialWriteScope(BasePermission):
    message = "Send an integration token with the 'social:write' scope."

    def has_permission(self, request, view) -> bool:
        token = _token(request)
        return token is not None and token.has_scope(Scope.SOCIAL_WRITE)
