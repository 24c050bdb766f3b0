from django.urls import path

from conversations import views

app_name = "chat"

urlpatterns = [
    path("current/", views.chat_current, name="current"),
    path("start/", views.chat_start, name="start"),
    path("<str:public_id>/messages/", views.chat_messages, name="messages"),
    path("<str:public_id>/transcript/", views.chat_transcript, name="transcript"),
    path("<str:public_id>/cart/", views.chat_cart, name="cart"),
    path("<str:public_id>/<str:action>/", views.chat_action, name="action"),
]
