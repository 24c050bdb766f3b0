from django.urls import path

from orders import views

app_name = "checkout"

urlpatterns = [
    path("", views.checkout_start, name="start"),
    path("review/", views.checkout_review, name="review"),
]
