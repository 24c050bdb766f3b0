from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("email/u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("email/o/<str:token>.gif", views.open_pixel, name="open"),
    path("email/c/<str:token>/", views.click, name="click"),
]
