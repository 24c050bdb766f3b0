"""Helpdesk writes and the two pieces every channel shares: saved-reply rendering and
satisfaction ratings (asked after a case is solved or a chat ends)."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from common.audit import audit_record
from common.audit_actions import AuditAction
from helpdesk.exceptions import RatingLinkExpired, RatingLinkInvalid
from helpdesk.models import SatisfactionRating, SavedReply

# token -> what it means (shown in admin and used to validate bodies)
SAVED_REPLY_TOKENS: dict[str, str] = {
    "first_name": "customer's first name",
    "last_name": "customer's last name",
    "full_name": "customer's full name",
    "email": "customer's email address",
    "order_number": "order being discussed (latest linked order)",
    "case_number": "case reference, e.g. CS-000042",
    "agent_name": "your first name",
    "site_name": "shop name",
}
_TOKEN = re.compile(r"\{([a-z_]+)\}")
RATING_SALT = "helpdesk.rating"


@dataclass(frozen=True)
class SavedReplyValues:
    """What a saved reply's tokens are filled with. Empty values show as a bracketed
    placeholder ("[order number]") so the agent sees what to fill in before sending."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    order_number: str = ""
    case_number: str = ""
    agent_name: str = ""

    @classmethod
    def for_customer(cls, customer, *, agent=None, order_number: str = "", case_number: str = "") -> "SavedReplyValues":
        return cls(
            first_name=getattr(customer, "first_name", "") or "",
            last_name=getattr(customer, "last_name", "") or "",
            email=getattr(customer, "email", "") or "",
            order_number=order_number or "",
            case_number=case_number or "",
            agent_name=(getattr(agent, "first_name", "") or "") if agent is not None else "",
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "full_name": f"{self.first_name} {self.last_name}".strip(),
            "email": self.email,
            "order_number": self.order_number,
            "case_number": self.case_number,
            "agent_name": self.agent_name,
            "site_name": settings.SITE_NAME,
        }


def saved_reply_unknown_tokens(body: str) -> list[str]:
    """Tokens in `body` that saved replies do not know (admin refuses them)."""
    return sorted({name for name in _TOKEN.findall(body) if name not in SAVED_REPLY_TOKENS})


def saved_reply_render(*, body: str, values: SavedReplyValues) -> str:
    """Fill {tokens} as plain text (no template engine on staff input; whoever shows the
    result escapes it). Unknown {words} are left as typed; empty values become
    "[order number]"-style placeholders."""
    known = values.as_dict()

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in SAVED_REPLY_TOKENS:
            return match.group(0)
        return known.get(name) or f"[{name.replace('_', ' ')}]"

    return _TOKEN.sub(replace, body)


def saved_replies_active() -> list[SavedReply]:
    return list(SavedReply.objects.filter(is_active=True).order_by("title"))


# --- Satisfaction ratings ---------------------------------------------------------------


@transaction.atomic
def satisfaction_request(
    *, channel: str, object_id: int, reference: str, customer=None, agent=None
) -> tuple[SatisfactionRating, bool]:
    """Ask for a rating of one conversation (idempotent: one rating per case or chat).
    Returns (rating, created). An unrated request is re-pointed at the current agent;
    a conversation already rated is not asked again (created=False, score set)."""
    rating, created = SatisfactionRating.objects.select_for_update().get_or_create(
        channel=channel,
        object_id=object_id,
        defaults={"reference": reference, "customer": customer, "agent": agent},
    )
    if not created and rating.score is None and agent is not None and rating.agent_id != agent.pk:
        rating.agent = agent
        rating.save(update_fields=["agent"])
    return rating, created


def satisfaction_token(rating: SatisfactionRating) -> str:
    return signing.dumps({"r": rating.pk}, salt=RATING_SALT)


def satisfaction_token_read(token: str) -> SatisfactionRating:
    """The rating a link names. Raises RatingLinkInvalid (forged, damaged or unknown) or
    RatingLinkExpired (older than HELPDESK_RATING_LINK_MAX_AGE_DAYS)."""
    max_age = settings.HELPDESK_RATING_LINK_MAX_AGE_DAYS * 86400
    try:
        data = signing.loads(token, salt=RATING_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise RatingLinkExpired(gettext("This rating link has expired."))
    except signing.BadSignature:
        raise RatingLinkInvalid(gettext("This rating link is not valid."))
    rating = SatisfactionRating.objects.filter(pk=data.get("r") if isinstance(data, dict) else None).first()
    if rating is None:
        raise RatingLinkInvalid(gettext("This rating link is not valid."))
    return rating


def satisfaction_urls(rating: SatisfactionRating) -> dict[int, str]:
    """Absolute one-click links for scores 1–5 (for emails and chat cards)."""
    token = satisfaction_token(rating)
    base = settings.SITE_URL.rstrip("/")
    return {score: base + reverse("helpdesk:rate", args=[token, score]) for score in range(1, 6)}


@transaction.atomic
def satisfaction_record(*, rating: SatisfactionRating, score: int, comment: str | None = None) -> SatisfactionRating:
    """Store the customer's score (1–5) and optional comment; they may change it while
    the link is valid. Audited with the customer as actor."""
    if not 1 <= int(score) <= 5:
        raise ValueError("score must be 1–5")
    rating = SatisfactionRating.objects.select_for_update().get(pk=rating.pk)
    before = {"score": rating.score}
    rating.score = int(score)
    if comment is not None:
        rating.comment = comment.strip()
    rating.rated_at = timezone.now()
    rating.save(update_fields=["score", "comment", "rated_at"])
    audit_record(
        actor=rating.customer,
        action=AuditAction.SATISFACTION_RATE,
        customer=rating.customer,
        obj=rating,
        before=before,
        after={"score": rating.score, "reference": rating.reference, "channel": rating.channel},
        note=rating.reference,
    )
    return rating
