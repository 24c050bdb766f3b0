from django.urls import path

from social import views

app_name = "social"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/reply/", views.post_reply, name="reply"),
    path("<int:pk>/link/", views.post_link, name="link"),
    path("<int:pk>/dismiss/", views.post_dismiss, name="dismiss"),
    path("<int:pk>/handled/", views.post_handled, name="handled"),
]
