from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    """?page=N&page_size=M (at most 100). Responses: count, next, previous, results."""

    page_size = 24
    page_size_query_param = "page_size"
    max_page_size = 100
