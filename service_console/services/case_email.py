"""Case emails that thread: a reply address naming the case, Message-ID / In-Reply-To /
References headers, and a signed link to the case on the requests page.

Reply address: `support+c<case>-<time>-<hmac>@domain` (HELPDESK_SUPPORT_EMAIL with a plus
tag). The tag is signed with SECRET_KEY and carries its issue time, so a forged or old one
is recognised (it then opens a new case, never lands in someone else's). Lower-case hex and
base-36 only: mail servers may change the case of a local part.
"""

import re
import time

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from messaging.models import OutboundEmail
from messaging.services import email_enqueue
from service_console.models import Case, CaseMessage

_REPLY_SALT = "service_console.reply-address"
_LINK_SALT = "service_console.case-link"
_TAG = re.compile(r"^c(\d{1,12})-([0-9a-z]{1,8})-([0-9a-f]{20})$")
_THREAD_LENGTH = 10  # References carries the root and the newest messages


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _signature(case_pk: int, issued: str) -> str:
    return salted_hmac(_REPLY_SALT, f"{case_pk}-{issued}").hexdigest()[:20]


def support_address() -> tuple[str, str]:
    """(local part, domain) of HELPDESK_SUPPORT_EMAIL, lower-cased."""
    local, _, domain = settings.HELPDESK_SUPPORT_EMAIL.strip().lower().rpartition("@")
    return local, domain


def case_reply_address(case: Case, *, issued_at: float | None = None) -> str:
    local, domain = support_address()
    issued = _base36(int(issued_at if issued_at is not None else time.time()))
    return f"{local}+c{case.pk}-{issued}-{_signature(case.pk, issued)}@{domain}"


class ReplyTag:
    """What a support+tag recipient says: `case_id` when the tag is genuine and fresh;
    otherwise `problem` is "forged" or "expired"."""

    def __init__(self, *, case_id: int | None = None, problem: str = ""):
        self.case_id = case_id
        self.problem = problem


def reply_tag_read(address: str, *, now: float | None = None) -> ReplyTag | None:
    """None if `address` is not a tagged support address at all."""
    local, domain = support_address()
    user, _, host = address.strip().lower().rpartition("@")
    base, plus, tag = user.partition("+")
    if host != domain or base != local or not plus:
        return None
    match = _TAG.match(tag)
    if not match:
        return ReplyTag(problem="forged")
    case_pk, issued, signature = int(match.group(1)), match.group(2), match.group(3)
    if not constant_time_compare(signature, _signature(case_pk, issued)):
        return ReplyTag(problem="forged")
    age = (now if now is not None else time.time()) - int(issued, 36)
    if age > settings.HELPDESK_REPLY_TOKEN_MAX_AGE_DAYS * 86400:
        return ReplyTag(case_id=case_pk, problem="expired")
    return ReplyTag(case_id=case_pk)


def is_support_address(address: str) -> bool:
    local, domain = support_address()
    user, _, host = address.strip().lower().rpartition("@")
    return host == domain and user.partition("+")[0] == local


# --- Signed link to the case on the requests page (guests need no account) -------------


def case_link_token(case: Case) -> str:
    return signing.dumps({"c": case.pk}, salt=_LINK_SALT, compress=True)


def case_link_token_read(token: str) -> int:
    """The case id a link names. Raises signing.SignatureExpired / BadSignature."""
    data = signing.loads(token, salt=_LINK_SALT, max_age=settings.HELPDESK_CASE_LINK_MAX_AGE_DAYS * 86400)
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise signing.BadSignature("malformed case link")
    return data["c"]


def case_link_url(case: Case) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:case_link", args=[case_link_token(case)])


# --- Threading headers --------------------------------------------------------------------


def case_thread_ids(case: Case) -> list[str]:
    """Message-IDs of the thread, oldest first: the root, then the newest messages."""
    newest = list(
        CaseMessage.objects.filter(case=case)
        .exclude(message_id="")
        .order_by("-created_at", "-id")
        .values_list("message_id", flat=True)[:_THREAD_LENGTH]
    )
    ids = [case.email_message_id] if case.email_message_id else []
    return list(dict.fromkeys([*ids, *reversed(newest)]))


def case_email_headers(case: Case, *, automatic: str = "") -> dict[str, str]:
    headers = {"Reply-To": case_reply_address(case)}
    thread = case_thread_ids(case)
    if thread:
        headers["In-Reply-To"] = thread[-1]
        headers["References"] = " ".join(thread)
    if automatic:
        headers["Auto-Submitted"] = automatic  # RFC 3834: auto-replied / auto-generated
    return headers


def case_email_send(
    *,
    case: Case,
    kind: str,
    template: str,
    context: dict,
    dedupe_key: str,
    automatic: str = "",
) -> OutboundEmail:
    """Enqueue one email about `case` to its customer, threaded and with the case's reply
    address and requests-page link. The first email of a case becomes its thread root."""
    customer = case.customer
    email = email_enqueue(
        to=customer.email,
        kind=kind,
        template=template,
        context={
            "first_name": customer.first_name,
            "case_number": case.number,
            "case_subject": case.subject,
            "case_url": case_link_url(case),
            **context,
        },
        dedupe_key=dedupe_key,
        customer=customer,
        headers=case_email_headers(case, automatic=automatic),
    )
    if not case.email_message_id:
        Case.objects.filter(pk=case.pk, email_message_id="").update(email_message_id=email.message_id)
        case.email_message_id = email.message_id
    return email
