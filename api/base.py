"""The base every API view uses: auth (token, then session), throttles, error schema."""

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from api.authentication import IntegrationTokenAuthentication
from api.pagination import ApiPagination
from api.permissions import IsAgent, IsShopper
from api.schema import ApiAutoSchema
from api.throttling import AnonThrottle, CallerThrottle


class ApiView(APIView):
    # Token first: its authenticate_header makes unauthenticated calls 401 (not 403).
    authentication_classes = [IntegrationTokenAuthentication, SessionAuthentication]
    throttle_classes = [AnonThrottle, CallerThrottle]
    permission_classes = [AllowAny]
    schema = ApiAutoSchema()
    extra_errors: dict[str, dict[str, str]] = {}

    def paginate(self, queryset, serializer_class, **context):
        paginator = ApiPagination()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        data = serializer_class(page, many=True, context={"request": self.request, **context}).data
        return paginator.get_paginated_response(data)


class PublicView(ApiView):
    permission_classes = [AllowAny]


class ShopperView(ApiView):
    permission_classes = [IsShopper]


class StaffView(ApiView):
    permission_classes = [IsAgent]
