"""Sign-in throttling: count failures per (email, client IP) in Redis."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(email: str, ip: str) -> str:
    digest = hashlib.sha256(f"{email.strip().lower()}|{ip}".encode()).hexdigest()[:32]
    return f"login-fail:{digest}"


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def login_is_locked(email: str, ip: str) -> bool:
    return (cache.get(_key(email, ip)) or 0) >= settings.LOGIN_MAX_FAILURES


def login_failure_record(email: str, ip: str) -> None:
    key = _key(email, ip)
    if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_failures_clear(email: str, ip: str) -> None:
    cache.delete(_key(email, ip))
