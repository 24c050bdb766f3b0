"""/account/requests/: the shopper's cases (the chat app adds chats to the same list)."""

from django.urls import path

from service_console.views import portal

app_name = "portal"

urlpatterns = [
    path("", portal.request_list, name="list"),
    path("<int:pk>/", portal.request_detail, name="case"),
    path("chats/<uuid:public_id>/", portal.chat_detail, name="chat"),
    path("<int:pk>/files/<int:attachment_id>/", portal.attachment, name="attachment"),
    path("link/<str:token>/", portal.case_link, name="case_link"),
    path("link/<str:token>/files/<int:attachment_id>/", portal.link_attachment, name="link_attachment"),
]
