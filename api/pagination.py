from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from api.base import QuerySerializer, validated

MAX_PAGE_SIZE = 100


class PageQuerySerializer(QuerySerializer):
    page = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)


class ApiPagination(PageNumberPagination):
    """?page=N&page_size=M (at most 100). Responses: count, next, previous, results. A page or
    page size that is not a whole number in range is a 400 naming it (a page after the last
    is a 404)."""

    page_size = 24
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # no ?page=last: the schema says an integer

    def paginate_queryset(self, queryset, request, view=None):
        validated(PageQuerySerializer, request.query_params)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        bounds = {"page": (1, 2**31 - 1), "page_size": (1, MAX_PAGE_SIZE)}
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"].update(minimum=low, maximum=high)
        return parameters
