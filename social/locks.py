"""The only locks social listening takes."""

import hashlib

from django.db import connection


def author_lock(*, platform: str, handle: str) -> None:
    """Serialise work on one social author until the transaction ends (posts by the same
    author classified at once by two worker processes must open one case, not two).
    A transaction-level advisory lock: nothing to clean up, other authors never wait."""
    digest = hashlib.sha256(f"social-author:{platform}:{handle}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
