from django.urls import path

from service_console.views import help as views

app_name = "help"

urlpatterns = [
    path("", views.help_index, name="index"),
    path("articles/<slug:slug>/", views.help_article, name="article"),
    path("contact/", views.help_contact, name="contact"),
    path("contact/thanks/", views.help_contact_thanks, name="contact_thanks"),
    path("purchase/<str:token>/", views.help_purchase_link, name="purchase_link"),
]
