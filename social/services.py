"""Social listening workflow: receive a post, classify it (worker), open or join a case,
and the agent's actions in the social queue (link the author, reply, dismiss, handled).

Cases go through the console's case services (round-robin assignment, SLA, marketing hold,
audit), never by writing Case rows here."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from common.audit import audit_record
from common.audit_actions import AuditAction
from common.tasks import enqueue_on_commit
from customers.models import Customer
from customers.selectors import customer_for_handle
from customers.services import customer_for_social_author, handle_normalise, social_handle_add
from orders.models import Order
from service_console.models import Case, CaseMessage
from service_console.services.cases import (
    case_create,
    case_customer_change,
    case_link_order,
    case_reply_record,
    case_update,
)
from service_console.services.customer_side import case_customer_reply, customer_message_create
from social.classification import Classification, RuleSpec, classify, priority_for
from social.exceptions import PostNotActionable, SocialError
from social.locks import author_lock
from social.models import SocialPost, SocialReply, SocialRule

logger = logging.getLogger(__name__)

_PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


@dataclass(frozen=True)
class Received:
    post: SocialPost
    created: bool


@transaction.atomic
def social_post_receive(
    *, platform: str, handle: str, text: str, url: str, posted_at: datetime, source: str = ""
) -> Received:
    """Store a post pushed by an integration and have a worker classify it after commit.
    The same platform + url again returns the stored post (created=False), even when two
    pushes race."""
    from social.tasks import classify_post

    handle = handle_normalise(handle)
    if url:
        existing = SocialPost.objects.filter(platform=platform, url=url).first()
        if existing is not None:
            return Received(existing, False)
    try:
        with transaction.atomic():
            post = SocialPost.objects.create(
                platform=platform, handle=handle, text=text, url=url, posted_at=posted_at, source=source[:100]
            )
    except IntegrityError:  # a concurrent push of the same post won
        return Received(SocialPost.objects.get(platform=platform, url=url), False)
    enqueue_on_commit(classify_post, post.pk)
    return Received(post, True)


def active_rules() -> list[RuleSpec]:
    return [
        RuleSpec(
            id=rule.pk,
            term=rule.term,
            language=rule.language,
            category=rule.category,
            weight=rule.weight,
            opens_case=rule.opens_case,
        )
        for rule in SocialRule.objects.filter(is_active=True).order_by("pk")
    ]


def social_post_classify(*, post_id: int) -> SocialPost | None:
    """Classify a received post and, when it needs one, open a case or add it to the
    author's recent case. Idempotent: a post already classified is left alone (a redelivered
    task does nothing). The analysers run before any lock; the writes run under the author's
    lock, so two posts by one author at the same moment still make one case."""
    post = SocialPost.objects.filter(pk=post_id).first()
    if post is None or post.status != SocialPost.Status.RECEIVED:
        return post
    result = classify(post.text, active_rules())
    with transaction.atomic():
        author_lock(platform=post.platform, handle=post.handle)
        post = SocialPost.objects.select_for_update().get(pk=post_id)
        if post.status != SocialPost.Status.RECEIVED:
            return post
        post.language = result.language
        post.sentiment = result.sentiment
        post.sentiment_words = result.sentiment_words
        post.score = result.score
        post.matched_rules = result.matched
        post.category = result.category
        post.needs_case = result.needs_case
        post.why = result.why
        post.terms = result.terms
        post.order_numbers = result.order_numbers
        post.classified_at = timezone.now()
        post.customer = customer_for_handle(network=post.platform, handle=post.handle)
        if result.needs_case:
            post.case = _case_open_or_join(post, result)
            post.status = SocialPost.Status.FLAGGED
        else:
            post.status = SocialPost.Status.IGNORED
        post.save()
    return post


def _orders_to_link(post: SocialPost, numbers: list[str]) -> list[str]:
    """Order numbers the post names that exist and, when the author is a known customer,
    are theirs (a stranger quoting someone's order number links nothing of that customer)."""
    if not numbers:
        return []
    orders = Order.objects.filter(number__in=numbers)
    if post.customer is not None:
        orders = orders.filter(customer=post.customer)
    return sorted(orders.values_list("number", flat=True))


def _case_subject(post: SocialPost) -> str:
    network = SocialPost.Platform(post.platform).label
    text = " ".join(post.text.split())
    return f"{network} @{post.handle}: {text[:120]}"


def _case_open_or_join(post: SocialPost, result: Classification) -> Case:
    """Join the author's case when one of their posts made or joined it within the window;
    else open a new case (channel social, priority from the score) for the customer with
    this handle, or for a placeholder record standing for the author until someone links them."""
    window_start = timezone.now() - timedelta(hours=settings.SOCIAL_CASE_WINDOW_HOURS)
    recent = (
        SocialPost.objects.filter(
            platform=post.platform, handle=post.handle, case__isnull=False, received_at__gte=window_start
        )
        .exclude(pk=post.pk)
        .select_related("case")
        .order_by("-received_at", "-id")
        .first()
    )
    priority = priority_for(result.score)
    orders = _orders_to_link(post, result.order_numbers)
    if recent is not None:
        case = recent.case
        case_customer_reply(case=case, body=_message_body(post), via=CaseMessage.Via.SOCIAL)
        for number in orders:
            case_link_order(case=case, order_number=number, actor=None)
        if _PRIORITY_RANK[priority] > _PRIORITY_RANK.get(case.priority, 0):
            case = case_update(case=Case.objects.get(pk=case.pk), actor=None, priority=priority)
        return case
    customer = post.customer or customer_for_social_author(network=post.platform, handle=post.handle)
    case = case_create(
        customer=customer,
        subject=_case_subject(post),
        description=_message_body(post),
        channel=Case.Channel.SOCIAL,
        priority=priority,
        order_numbers=orders,
    )
    customer_message_create(case=case, body=_message_body(post), via=CaseMessage.Via.SOCIAL)
    return case


def _message_body(post: SocialPost) -> str:
    return f"{post.text}\n\n{post.url}" if post.url else post.text


# --- the agent's actions in the social queue ------------------------------------------


def _flagged(post: SocialPost) -> SocialPost:
    post = SocialPost.objects.select_for_update(of=("self",)).select_related("case").get(pk=post.pk)
    if post.status == SocialPost.Status.RECEIVED:
        raise PostNotActionable(gettext("This post is still being classified."))
    return post


def _placeholder(customer: Customer | None) -> bool:
    return customer is not None and customer.email_is_placeholder and customer.signup_source == Customer.Source.SOCIAL


@transaction.atomic
def social_author_link(*, post: SocialPost, customer: Customer, actor: Customer) -> int:
    """The author is this customer: the handle goes on their profile (HandleTaken if it is on
    another's), every post by the handle points at them, and cases opened for the author's
    placeholder record move to them. Returns how many cases moved. Audited."""
    if customer.is_staff:
        raise SocialError(gettext("A staff account cannot be a social author."))
    if _placeholder(customer):
        raise SocialError(gettext("Choose a customer, not another social author's placeholder."))
    author_lock(platform=post.platform, handle=post.handle)
    social_handle_add(customer=customer, network=post.platform, handle=post.handle, actor=actor)
    by_author = SocialPost.objects.filter(platform=post.platform, handle=post.handle)
    by_author.update(customer=customer)
    moved = 0
    case_ids = by_author.filter(case__isnull=False).values_list("case_id", flat=True).distinct()
    for case in Case.objects.filter(pk__in=list(case_ids)).select_related("customer").order_by("pk"):
        if case.customer_id != customer.pk and _placeholder(case.customer):
            case_customer_change(case=case, customer=customer, actor=actor)
            moved += 1
    audit_record(
        actor=actor,
        action=AuditAction.SOCIAL_AUTHOR_LINK,
        customer=customer,
        obj=post,
        after={"network": post.platform, "cases_moved": moved},
    )
    return moved


def _review(post: SocialPost, *, status: str, actor: Customer) -> None:
    post.status = status
    post.reviewed_by = actor
    post.reviewed_at = timezone.now()
    post.save(update_fields=["status", "reviewed_by", "reviewed_at"])


@transaction.atomic
def social_reply(*, post: SocialPost, body: str, actor: Customer) -> SocialReply:
    """Answer the post publicly: the reply is recorded (on the post and, as a reply, on its
    case, which answers the SLA's first response) and a worker posts it through the
    network's adapter after commit. Marks the post replied (an actionable post: precision)."""
    from social.tasks import reply_send

    post = _flagged(post)
    body = body.strip()
    if not body:
        raise SocialError(gettext("Write the reply first."))
    reply = SocialReply.objects.create(post=post, author=actor, body=body)
    if post.case_id:
        case_reply_record(case=post.case, actor=actor, body=body, via=CaseMessage.Via.SOCIAL)
    _review(post, status=SocialPost.Status.REPLIED, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.SOCIAL_REPLY,
        customer=post.customer,
        obj=post,
        after={"reply_id": reply.pk, "network": post.platform},
        note=post.case.number if post.case_id else "",
    )
    enqueue_on_commit(reply_send, reply.pk)
    return reply


@transaction.atomic
def social_dismiss(*, post: SocialPost, actor: Customer) -> SocialPost:
    """Not actionable (the classifier was wrong): out of the queue, counted against precision.
    The case it opened is closed when no other post on it still counts."""
    post = _flagged(post)
    _review(post, status=SocialPost.Status.DISMISSED, actor=actor)
    audit_record(actor=actor, action=AuditAction.SOCIAL_DISMISS, customer=post.customer, obj=post)
    case = post.case
    if case is not None and case.is_open:
        others = SocialPost.objects.filter(case=case).exclude(pk=post.pk).exclude(status=SocialPost.Status.DISMISSED)
        if not others.exists():
            case_update(case=case, actor=actor, status=Case.Status.CLOSED)
    return post


@transaction.atomic
def social_mark_handled(*, post: SocialPost, actor: Customer) -> SocialPost:
    """Actionable and taken care of without a public reply (e.g. answered by email on the case)."""
    post = _flagged(post)
    _review(post, status=SocialPost.Status.HANDLED, actor=actor)
    audit_record(actor=actor, action=AuditAction.SOCIAL_HANDLED, customer=post.customer, obj=post)
    return post


REPLY_LEASE = timedelta(minutes=2)


def social_reply_deliver(*, reply_id: int) -> SocialReply | None:
    """Post one queued reply through its network's adapter (called by the worker), at most
    once: a conditional update claims it (queued, or sending with an expired lease after a
    worker died), so a redelivered task does nothing. NetworkError puts it back in the queue
    and is re-raised for the task's retry until SOCIAL_REPLY_MAX_ATTEMPTS; NetworkRefused
    fails it for good."""
    from social.exceptions import NetworkError, NetworkRefused
    from social.networks import adapter_for

    now = timezone.now()
    claimable = Q(status=SocialReply.Status.QUEUED) | Q(status=SocialReply.Status.SENDING, lease_until__lt=now)
    claimed = SocialReply.objects.filter(claimable, pk=reply_id).update(
        status=SocialReply.Status.SENDING, lease_until=now + REPLY_LEASE, attempts=F("attempts") + 1
    )
    if not claimed:
        return SocialReply.objects.filter(pk=reply_id).first()
    reply = SocialReply.objects.select_related("post").get(pk=reply_id)
    mine = SocialReply.objects.filter(pk=reply_id, status=SocialReply.Status.SENDING)
    adapter = adapter_for(reply.post.platform)
    try:
        reference = adapter.reply(post=reply.post, body=reply.body)
    except NetworkRefused as exc:
        mine.update(status=SocialReply.Status.FAILED, error=str(exc)[:2000], lease_until=None)
        return SocialReply.objects.get(pk=reply_id)
    except NetworkError as exc:
        final = reply.attempts >= settings.SOCIAL_REPLY_MAX_ATTEMPTS
        mine.update(
            error=str(exc)[:2000],
            lease_until=None,
            status=SocialReply.Status.FAILED if final else SocialReply.Status.QUEUED,
        )
        if final:
            return SocialReply.objects.get(pk=reply_id)
        raise
    status = SocialReply.Status.SENT if getattr(adapter, "posts_for_real", False) else SocialReply.Status.LOGGED
    mine.update(
        status=status, network_reference=str(reference)[:200], sent_at=timezone.now(), error="", lease_until=None
    )
    return SocialReply.objects.get(pk=reply_id)
