from django.urls import path

from conversations import consumers

websocket_urlpatterns = [
    path("ws/chat/<str:public_id>/", consumers.ShopperChatConsumer.as_asgi()),
    path("ws/console/", consumers.AgentConsoleConsumer.as_asgi()),
]
