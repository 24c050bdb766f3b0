"""Social listening tasks (queue `default`): ids in, a service does the work."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from social.exceptions import NetworkError


@shared_task(name="social.classify_post", acks_late=True)
def classify_post(post_id: int) -> str:
    from social.services import social_post_classify

    post = social_post_classify(post_id=post_id)
    return post.status if post is not None else "missing"


@shared_task(name="social.classify_pending")
def classify_pending(limit: int = 500) -> int:
    """Safety net (beat, every minute): posts still waiting SOCIAL_CLASSIFY_GRACE_SECONDS
    after they arrived (the broker was down when they were received, or the task was lost)
    are sent again. Classifying twice is harmless: the service skips classified posts."""
    from social.models import SocialPost

    cutoff = timezone.now() - timedelta(seconds=settings.SOCIAL_CLASSIFY_GRACE_SECONDS)
    ids = list(
        SocialPost.objects.filter(status=SocialPost.Status.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for post_id in ids:
        classify_post.delay(post_id)
    return len(ids)


@shared_task(
    name="social.reply_send",
    acks_late=True,
    autoretry_for=(NetworkError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=10,
)
def reply_send(reply_id: int) -> str:
    from social.services import social_reply_deliver

    reply = social_reply_deliver(reply_id=reply_id)
    return reply.status if reply is not None else "missing"
