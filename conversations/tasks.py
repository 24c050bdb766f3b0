from celery import shared_task
from django.conf import settings

from conversations.services import conversations_stale_close


@shared_task(name="conversations.close_idle", ignore_result=True)
def close_idle() -> int:
    """Close chats nobody wrote in for CHAT_IDLE_CLOSE_MINUTES (beat, every 10 minutes)."""
    return conversations_stale_close(idle_minutes=settings.CHAT_IDLE_CLOSE_MINUTES)
