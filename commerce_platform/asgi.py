"""ASGI entry point: HTTP through Django, WebSockets (live chat) through Channels.

`manage.py run_all` serves it with uvicorn; in production run
`uvicorn commerce_platform.asgi:application` (or gunicorn with uvicorn workers) behind the
load balancer, WebSocket upgrade allowed for /ws/.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_platform.settings")
django_asgi_app = get_asgi_application()  # set Django up before importing consumers

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from conversations.routing import websocket_urlpatterns  # noqa: E402

if getattr(settings, "CHAT_BENCH_ECHO", False):
    # bench/bench_p7_chat.py's reference: a bare echo consumer in the same server.
    from conversations.bench_echo import echo_urlpatterns

    websocket_urlpatterns = [*websocket_urlpatterns, *echo_urlpatterns]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Django, the apps and the URL conf stay for the life of the process: take them out of the
# cyclic garbage collector's reach, so a full collection scans only what serving created. A
# full collection over the whole heap stalled every socket of the process for ~0.3 s (bench
# P7's p99 under load).
gc.freeze()
