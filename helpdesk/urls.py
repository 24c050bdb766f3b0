from django.urls import path

from helpdesk import views

app_name = "helpdesk"

urlpatterns = [
    path("rate/<str:token>/", views.rate, name="rate_page"),
    path("rate/<str:token>/<int:score>/", views.rate, name="rate"),
]
