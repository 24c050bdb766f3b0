from django.urls import path

from mobile import views

app_name = "mobile"

urlpatterns = [
    path("sms/twilio/status/", views.twilio_status, name="twilio_status"),
    path("sms/twilio/inbound/", views.twilio_inbound, name="twilio_inbound"),
    path("push/subscription/", views.push_subscription, name="push_subscription"),
    path("push/key/", views.vapid_public_key, name="vapid_public_key"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("dev/sms/", views.dev_sms_list_view, name="dev_sms"),
    path("dev/sms/reply/", views.dev_sms_reply, name="dev_sms_reply"),
]
