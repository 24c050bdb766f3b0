from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("<code:number>/", views.order_detail, name="detail"),
    path("<code:number>/<slug:action>/", views.order_shopper_action, name="action"),
]
