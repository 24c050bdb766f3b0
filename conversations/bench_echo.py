"""A bare echo consumer: P7's reference (mounted only when CHAT_BENCH_ECHO is set)."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path


class EchoConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data)


echo_urlpatterns = [path("ws/bench-echo/", EchoConsumer.as_asgi())]
