"""Posting replies back to a network: one adapter per network.

An adapter is a class with `reply(*, post, body) -> str` returning the network's id for the
reply; it raises NetworkError for what is worth retrying and NetworkRefused for what is not.
Settings: SOCIAL_NETWORK_ADAPTERS = {"x": "myproject.adapters.XAdapter", ...}; networks not
listed use SOCIAL_DEFAULT_ADAPTER (the log adapter: development and tests, where nothing is
posted anywhere). Credentials for a real adapter come from the environment, as every secret.
"""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("social.replies")


class NetworkAdapter(Protocol):
    #: True when replies really reach the network (the reply is then "Posted", else "Logged").
    posts_for_real: bool

    def reply(self, *, post, body: str) -> str: ...


class LogAdapter:
    """Development: writes the reply to the `social.replies` log instead of posting it."""

    posts_for_real = False

    def reply(self, *, post, body: str) -> str:
        logger.info("Reply to %s post %s (%s): %s", post.platform, post.pk, post.url or "no link", body)
        return f"log-{post.pk}"


def adapter_for(platform: str) -> NetworkAdapter:
    path = settings.SOCIAL_NETWORK_ADAPTERS.get(platform) or settings.SOCIAL_DEFAULT_ADAPTER
    return import_string(path)()
