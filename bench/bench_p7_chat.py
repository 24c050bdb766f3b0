"""P7: live chat under load — 200 concurrent WebSocket connections exchanging messages
through the ASGI server (uvicorn, one process) and the Redis channel layer, against a bare
echo consumer in the same server and run.

Chat: 100 conversations with two sockets each (the shopper in two tabs, or shopper and
agent): both sockets keep one message in flight; a message counts as delivered when the
*other* socket receives it, after the server validated it, rate-limited it (Redis), stored
it (Postgres row, id) and pushed it through the channel layer. Echo: the same 200 sockets
against a consumer that sends each frame straight back. Both run closed-loop for the same
time, in alternating rounds (echo, chat, echo, chat, ...: BENCH_P7_ROUNDS, default 3, of
BENCH_P7_SECONDS / rounds each) so a change in the machine's load during the run weighs on
both alike; reported: delivered messages/s over all rounds (ratio chat/echo, bar >= 0.5),
each round's ratio beside it, and the load average. Then the chat's p99
latency (bar < 100 ms) at a steady load: every socket sends one message per BENCH_P7_PACE
seconds (default 1 s: 200 messages/s offered) — in the saturated closed loop, latency is
only queueing (200 messages in flight / rate) and is reported beside it for reference.

The bench's conversations are deleted afterwards. Env: BENCH_P7_CONNECTIONS (200),
BENCH_P7_SECONDS (10), BENCH_P7_ROUNDS (3), BENCH_P7_PORT (8197).
"""

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

import websockets  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

from conversations.models import Conversation  # noqa: E402
from conversations.services import SESSION_CHAT_KEY  # noqa: E402

CONNECTIONS = int(os.environ.get("BENCH_P7_CONNECTIONS", "200"))
PACE = float(os.environ.get("BENCH_P7_PACE", "1.0"))  # seconds between messages per socket, latency phase
SECONDS = float(os.environ.get("BENCH_P7_SECONDS", "10"))
ROUNDS = max(1, int(os.environ.get("BENCH_P7_ROUNDS", "3")))
WARMUP = 2.0
PORT = int(os.environ.get("BENCH_P7_PORT", "8197"))
ORIGIN = f"http://127.0.0.1:{PORT}"


def start_server() -> subprocess.Popen:
    env = {
        **os.environ,
        "CHAT_BENCH_ECHO": "true",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "CHANNEL_LAYER_PREFIX": f"uc-bench-p7-{uuid.uuid4().hex[:8]}",
        # Flood control stays in the path (a Redis INCR per message) but never refuses here.
        "CHAT_RATE_PER_MINUTE": "100000000",
        "CHAT_BURST_PER_CONNECTION": "100000000",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "commerce_platform.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--no-access-log",
            "--ws-per-message-deflate",
            "false",  # as `make run` serves it
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


def make_conversations(n: int) -> tuple[list[Conversation], list[str]]:
    """n active conversations (bot out of the way), each owned by a session of its own."""
    conversations = Conversation.objects.bulk_create(
        [Conversation(status=Conversation.Status.ACTIVE, bot_state={"bench": "p7"}) for _ in range(n)]
    )
    cookies = []
    for conversation in conversations:
        store = SessionStore()
        store[SESSION_CHAT_KEY] = str(conversation.public_id)
        store.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={store.session_key}")
    return conversations, cookies


async def connect(path: str, cookie: str | None = None):
    headers = {"Origin": ORIGIN}
    if cookie:
        headers["Cookie"] = cookie
    return await websockets.connect(f"ws://127.0.0.1:{PORT}{path}", additional_headers=headers, max_queue=None)


async def run_echo(n: int, *, seconds: float = SECONDS) -> tuple[int, list[float]]:
    sockets = [await connect("/ws/bench-echo/") for _ in range(n)]
    latencies: list[float] = []
    delivered = 0
    stop_at = time.perf_counter() + WARMUP + seconds
    measure_from = time.perf_counter() + WARMUP

    async def loop(ws):
        nonlocal delivered
        payload = json.dumps({"type": "send", "body": "x" * 60})
        while True:
            sent = time.perf_counter()
            if sent >= stop_at:
                return
            await ws.send(payload)
            await ws.recv()
            now = time.perf_counter()
            if now >= measure_from:
                delivered += 1
                latencies.append(now - sent)

    await asyncio.gather(*(loop(ws) for ws in sockets))
    await asyncio.gather(*(ws.close() for ws in sockets))
    return delivered, latencies


async def run_chat(
    cookies: list[str], conversations: list[Conversation], *, pace: float = 0.0, seconds: float = SECONDS
) -> tuple[int, list[float]]:
    """Two sockets per conversation; each keeps one message in flight towards its peer
    (closed loop), or with `pace` sends one message every `pace` seconds (open loop, for
    latency at a given load)."""
    pairs = []
    for conversation, cookie in zip(conversations, cookies, strict=True):
        path = f"/ws/chat/{conversation.public_id}/"
        pairs.append((await connect(path, cookie), await connect(path, cookie)))
    latencies: list[float] = []
    delivered = 0
    stop_at = time.perf_counter() + WARMUP + seconds
    measure_from = time.perf_counter() + WARMUP

    async def side(me, peer_waiters: dict, my_waiters: dict, tag: str):
        nonlocal delivered
        i = 0
        if pace:
            await asyncio.sleep(random.random() * pace)  # spread the sockets over the period
        while True:
            if pace:
                next_at = time.perf_counter() + pace
            sent = time.perf_counter()
            if sent >= stop_at:
                return
            client_id = f"{tag}{i}"
            i += 1
            arrived = asyncio.get_running_loop().create_future()
            peer_waiters[client_id] = arrived
            await me.send(json.dumps({"type": "send", "body": "x" * 60, "client_id": client_id}))
            try:
                await asyncio.wait_for(arrived, timeout=10)
            except TimeoutError:
                return
            now = time.perf_counter()
            if now >= measure_from:
                delivered += 1
                latencies.append(now - sent)
            if pace:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

    async def reader(ws, waiters: dict):
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "message":
                    future = waiters.pop(frame["message"].get("client_id", ""), None)
                    if future is not None and not future.done():
                        future.set_result(None)
        except websockets.ConnectionClosed:
            return

    tasks = []
    readers = []
    # Fresh client ids on every run: the conversations are reused, and a client id already
    # stored is answered with the stored row (a resend), not a new message.
    run = uuid.uuid4().hex[:8]
    for index, (a, b) in enumerate(pairs):
        to_b: dict = {}  # messages sent by a, resolved when b receives them
        to_a: dict = {}
        readers.append(asyncio.create_task(reader(b, to_b)))
        readers.append(asyncio.create_task(reader(a, to_a)))
        tasks.append(side(a, to_b, to_a, f"{run}a{index}-"))
        tasks.append(side(b, to_a, to_b, f"{run}b{index}-"))
    await asyncio.gather(*tasks)
    for a, b in pairs:
        await a.close()
        await b.close()
    for task in readers:
        task.cancel()
    return delivered, latencies


def p99_ms(latencies: list[float]) -> float | None:
    if len(latencies) < 2:
        return None
    return round(statistics.quantiles(latencies, n=100)[98] * 1000, 2)


def main() -> int:
    conversations, cookies = make_conversations(CONNECTIONS // 2)
    proc = start_server()
    round_seconds = SECONDS / ROUNDS
    echo_n = chat_n = 0
    echo_lat: list[float] = []
    chat_sat_lat: list[float] = []
    rounds = []
    try:
        for _ in range(ROUNDS):
            echo_round, latencies = asyncio.run(run_echo(CONNECTIONS, seconds=round_seconds))
            echo_n += echo_round
            echo_lat += latencies
            chat_round, latencies = asyncio.run(run_chat(cookies, conversations, seconds=round_seconds))
            chat_n += chat_round
            chat_sat_lat += latencies
            rounds.append(round(chat_round / echo_round, 3) if echo_round else None)
        paced_n, chat_lat = asyncio.run(run_chat(cookies, conversations, pace=PACE))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        Conversation.objects.filter(pk__in=[c.pk for c in conversations]).delete()
        SessionStore().clear_expired()
    echo_rate = echo_n / SECONDS
    chat_rate = chat_n / SECONDS
    print(
        json.dumps(
            {
                "name": "p7_chat_delivered_per_s",
                "value": round(chat_rate, 1),
                "unit": "messages/s",
                "reference": round(echo_rate, 1),
                "ratio": round(chat_rate / echo_rate, 3) if echo_rate else None,
                "connections": CONNECTIONS,
                "round_ratios": rounds,
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "saturated_chat_p50_ms": round(statistics.median(chat_sat_lat) * 1000, 2) if chat_sat_lat else None,
                "saturated_echo_p99_ms": p99_ms(echo_lat),
            }
        )
    )
    print(
        json.dumps(
            {
                "name": "p7_chat_p99_latency",
                "value": p99_ms(chat_lat),
                "unit": "ms",
                "reference": 100,
                "ratio": round(p99_ms(chat_lat) / 100, 3) if chat_lat and len(chat_lat) > 1 else None,
                "load": f"{CONNECTIONS} sockets, 1 message per {PACE:g} s each, {CONNECTIONS / PACE:.0f} msg/s offered",
                "delivered_per_s": round(paced_n / SECONDS, 1),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "p50_ms": round(statistics.median(chat_lat) * 1000, 2) if chat_lat else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
