from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("email/u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("email/o/<str:token>.gif", views.open_pixel, name="open"),
    path("email/c/<str:token>/", views.click, name="click"),
    path("email/bounces/", views.bounce_webhook, name="bounce_webhook"),
    path("newsletter/", views.newsletter_subscribe, name="newsletter_subscribe"),
    path("newsletter/confirm/<str:token>/", views.newsletter_confirm_view, name="newsletter_confirm"),
    path("dev/mail/", views.dev_mail_list_view, name="dev_mail"),
    path("dev/mail/<str:file>/<int:index>/", views.dev_mail_detail_view, name="dev_mail_detail"),
]
