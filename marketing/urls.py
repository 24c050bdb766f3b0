from django.urls import path

from marketing import views

app_name = "marketing"

urlpatterns = [
    path("m/c/<str:token>/", views.click, name="click"),
]
