"""/api/v1/… (versioned), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI, vendored assets)."""

from django.urls import Resolver404, include, path, re_path, resolve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, authentication_classes, permission_classes, schema
from rest_framework.response import Response

from api import carts, cases, catalog, customers, orders, social, staff
from api.errors import error_body

app_name = "api"

v1 = [
    path("categories/", catalog.CategoryList.as_view(), name="categories"),
    path("products/", catalog.ProductList.as_view(), name="products"),
    path("products/<slug:slug>/", catalog.ProductDetail.as_view(), name="product"),
    path(
        "products/<slug:slug>/recommendations/",
        catalog.ProductRecommendations.as_view(),
        name="product-recommendations",
    ),
    path("cart/", carts.CartDetail.as_view(), name="cart"),
    path("cart/lines/", carts.CartLines.as_view(), name="cart-lines"),
    path("cart/lines/<int:line_id>/", carts.CartLineDetail.as_view(), name="cart-line"),
    path("cart/voucher/", carts.CartVoucher.as_view(), name="cart-voucher"),
    path("cart/shipping/", carts.CartShipping.as_view(), name="cart-shipping"),
    path("checkout/", orders.Checkout.as_view(), name="checkout"),
    path("orders/", orders.OrderList.as_view(), name="orders"),
    path("orders/<str:number>/", orders.OrderDetail.as_view(), name="order"),
    path("me/", customers.Me.as_view(), name="me"),
    path("me/addresses/", customers.MyAddresses.as_view(), name="me-addresses"),
    path("me/consents/", customers.MyConsents.as_view(), name="me-consents"),
    path("me/recommendations/", customers.MyRecommendations.as_view(), name="me-recommendations"),
    path("cases/", cases.MyCases.as_view(), name="cases"),
    path("cases/<str:number>/", cases.MyCaseDetail.as_view(), name="case"),
    path("staff/customers/", staff.StaffCustomerSearch.as_view(), name="staff-customers"),
    path("staff/customers/<uuid:customer_id>/", staff.StaffCustomerDetail.as_view(), name="staff-customer"),
    path("staff/customers/<uuid:customer_id>/cart/", staff.StaffCustomerCart.as_view(), name="staff-cart"),
    path("staff/customers/<uuid:customer_id>/cart/lines/", staff.StaffCartLines.as_view(), name="staff-cart-lines"),
    path(
        "staff/customers/<uuid:customer_id>/cart/lines/<int:line_id>/",
        staff.StaffCartLineDetail.as_view(),
        name="staff-cart-line",
    ),
    path(
        "staff/customers/<uuid:customer_id>/cart/overrides/",
        staff.StaffCartOverrides.as_view(),
        name="staff-cart-overrides",
    ),
    path("staff/customers/<uuid:customer_id>/orders/", staff.StaffOrderOnBehalf.as_view(), name="staff-orders"),
    path("staff/orders/<str:number>/", staff.StaffOrderDetail.as_view(), name="staff-order"),
    path(
        "staff/orders/<str:number>/transitions/", staff.StaffOrderTransitions.as_view(), name="staff-order-transitions"
    ),
    path("staff/cases/", cases.StaffCases.as_view(), name="staff-cases"),
    path("staff/cases/<str:number>/", cases.StaffCaseDetail.as_view(), name="staff-case"),
    path("staff/cases/<str:number>/notes/", cases.StaffCaseNotes.as_view(), name="staff-case-notes"),
    path("social/posts", social.SocialPosts.as_view(), name="social-posts"),
]


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@schema(None)
def api_not_found(request, *args, **kwargs):
    """Unknown /api/ paths (and path parameters that match no route) answer in the API's
    error format, not with the HTML 404 page."""
    message = "No such API endpoint or object."
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            message = f"No such API endpoint. Did you mean {request.path}/ (with a trailing slash)?"
    return Response(error_body("not_found", message), status=404)


urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP to refuse.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^[\s\S]*$", api_not_found),  # [\s\S], not ".": a path with an encoded newline too
]
