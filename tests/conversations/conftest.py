"""Chat test helpers: sockets through the real ASGI application (Channels' WebsocketCommunicator)
and the real Redis channel layer (test settings point it at the test Redis database)."""

import asyncio
import functools
import json
import threading

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from conversations.services import SESSION_CHAT_KEY, conversation_start
from tests.carts.factories import agent
from tests.customers.factories import CustomerFactory

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
ASYNC_TEST_TIMEOUT = 180  # seconds; a hung loop fails the test instead of the whole run


def async_test(fn):
    """Run an async test body on its own event loop in its own thread, so it works whatever
    else runs in the test process (Playwright's sync API keeps a loop in the main thread)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        outcome = {}

        async def body():
            try:
                return await fn(*args, **kwargs)
            finally:
                # Background tasks (channel layer receiver, watchdog, writer) end with the test's loop.
                pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in pending:
                    task.cancel()
                if pending:
                    _, stuck = await asyncio.wait(pending, timeout=10)
                    if stuck:
                        outcome["stuck"] = [repr(t) for t in stuck]

        def run():
            loop = asyncio.new_event_loop()
            try:
                outcome["value"] = loop.run_until_complete(body())
            except BaseException as exc:  # re-raised in the test's thread
                outcome["error"] = exc
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout=ASYNC_TEST_TIMEOUT)
        if thread.is_alive():
            raise TimeoutError(f"{fn.__name__}: event loop still running after {ASYNC_TEST_TIMEOUT}s")
        if "error" in outcome:
            raise outcome["error"]
        if "stuck" in outcome:
            raise AssertionError(f"tasks that ignore cancellation: {outcome['stuck']}")
        return outcome.get("value")

    return wrapper


def session_cookie_for(*, user=None, chat=None) -> bytes:
    """A real database session (signed-in `user` and/or owning conversation `chat`)."""
    store = SessionStore()
    if user is not None:
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        store["_auth_user_hash"] = user.get_session_auth_hash()
    if chat is not None:
        store[SESSION_CHAT_KEY] = str(chat.public_id)
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}".encode()


async def open_socket(path: str, cookie: bytes | None = None) -> tuple[WebsocketCommunicator, bool, int | None]:
    from commerce_platform.asgi import application

    headers = [ORIGIN]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def receive_until(communicator, predicate, *, timeout: float = 5.0) -> list[dict]:
    """Frames until one matches `predicate` (inclusive); fails after `timeout`."""
    frames = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"no matching frame; got {frames}")
        frame = json.loads(await communicator.receive_from(timeout=remaining))
        frames.append(frame)
        if predicate(frame):
            return frames


def is_message(body: str | None = None, sender: str | None = None):
    def check(frame):
        if frame.get("type") != "message":
            return False
        m = frame["message"]
        return (body is None or m["body"] == body) and (sender is None or m["sender"] == sender)

    return check


@pytest.fixture
def make_agent(transactional_db):
    def _make(**kwargs):
        return agent(**kwargs)

    return _make


@pytest.fixture
def guest_chat(transactional_db):
    """(conversation, cookie) for an anonymous shopper who started a chat."""
    conversation, _ = conversation_start(customer=None)
    return conversation, session_cookie_for(chat=conversation)


@pytest.fixture
def shopper_chat(transactional_db):
    """(customer, conversation, cookie) for a signed-in shopper."""
    customer = CustomerFactory(email="hana@example.com", first_name="Hana", last_name="Sato")
    conversation, _ = conversation_start(customer=customer)
    return customer, conversation, session_cookie_for(user=customer)


async def db(fn, *args, **kwargs):
    """Run ORM code from an async test (in a thread whose connection is closed afterwards)."""
    return await database_sync_to_async(fn)(*args, **kwargs)
