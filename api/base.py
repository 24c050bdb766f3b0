"""The base every API view uses: auth (token, then session), throttles, error schema."""

from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
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


class QuerySerializer(serializers.Serializer):
    """Validates query parameters (the view passes request.query_params; `parameters=[…]` in
    extend_schema documents them from the same class). An empty value (?sort=) is refused
    like any malformed one, where DRF would read it as absent, unless the field allows
    blank; parameters the serializer does not declare are ignored."""

    def to_internal_value(self, data):
        blank = {
            name: [serializers.CharField.default_error_messages["blank"]]
            for name, field in self.fields.items()
            if not field.read_only
            and not getattr(field, "allow_blank", False)
            and "" in (data.getlist(name) if hasattr(data, "getlist") else [data.get(name)])
        }
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)


class ApiView(APIView):
    # Token first: its authenticate_header makes unauthenticated calls 401 (not 403).
    authentication_classes = [IntegrationTokenAuthentication, SessionAuthentication]
    # JSON bodies only (other content types: 415), so a body's types are JSON's: the strict
    # fields of api.fields refuse "5" for an integer, which a form body could only send.
    parser_classes = [JSONParser]
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
