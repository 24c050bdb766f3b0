"""The base every API view uses: auth (token, then session), throttles, error schema."""

from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.authentication import IntegrationTokenAuthentication
from api.permissions import IsAgent, IsShopper
from api.schema import ApiAutoSchema
from api.throttling import AnonThrottle, CallerThrottle


def validated(serializer_class, data, **kwargs) -> dict:
    """Validate `data` with an input serializer; errors become the 400 field-level body."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ApiView(APIView):
    # Token first: its authenticate_header makes unauthenticated calls 401 (not 403).
    authentication_classes = [IntegrationTokenAuthentication, SessionAuthentication]
    throttle_classes = [AnonThrottle, CallerThrottle]
    permission_classes = [AllowAny]
    schema = ApiAutoSchema()
    extra_errors: dict[str, dict[str, str]] = {}

    def initial(self, request, *args, **kwargs):
        # Postgres text cannot hold NUL; JSON fields reject it via DRF, query strings here.
        bad = [key for key, values in request.query_params.lists() if "\x00" in key or any("\x00" in v for v in values)]
        if bad:
            raise ValidationError({key.replace("\x00", ""): ["Null characters are not allowed."] for key in bad})
        super().initial(request, *args, **kwargs)


class PublicView(ApiView):
    permission_classes = [AllowAny]


class ShopperView(ApiView):
    permission_classes = [IsShopper]


class StaffView(ApiView):
    permission_classes = [IsAgent]
