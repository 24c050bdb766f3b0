from django.urls import path

from carts import views

app_name = "carts"

urlpatterns = [
    path("", views.cart_detail, name="detail"),
    path("add/", views.cart_add, name="add"),
    path("lines/<int:line_id>/", views.cart_line_change, name="line"),
    path("voucher/", views.cart_voucher, name="voucher"),
]
