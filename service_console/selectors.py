"""Console reads: search, queues, knowledge. Each returns bounded lists in a fixed number
of queries (the console's pages have exact query-count tests)."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import Case as CaseWhen
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Greatest
from django.utils.translation import gettext

from carts.models import Cart, CartOverride
from common.audit_actions import AuditAction
from common.db_routers import reporting_reads
from common.japanese import has_japanese, keywords
from common.models import AuditEntry
from common.search import trigram_available, vocabulary_of, words_corrected
from customers.models import Address, Customer
from customers.names import reading_normalize
from customers.phones import looks_like_phone, phone_display, phone_search_candidates, phone_search_digits
from orders.models import Order
from service_console.models import (
    AgentNotification,
    Article,
    Case,
    article_search_vector,
    article_search_vector_ja,
    case_pk_from_number,
)

SEARCH_LIMIT = 8


@dataclass(frozen=True)
class SearchHit:
    kind: str  # customer | order | case
    title: str
    subtitle: str
    url: str


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def customer_search(query: str, *, limit: int = SEARCH_LIMIT) -> QuerySet[Customer]:
    """Customers whose name (or its furigana), email or phone match every word of `query`.

    A query that looks like a phone number is read as one number in every way it can be
    written: '+81 90 1234 5678', '090-1234-5678' and '09012345678' all find the customer
    stored as +819012345678 (E.164), and a fragment ('1234 5678') matches inside stored
    numbers. Each hit carries `country` (their default address's) for showing the phone."""
    text = query.strip()
    if not text:
        return Customer.objects.none()
    country = Subquery(
        Address.objects.filter(customer=OuterRef("pk"))
        .order_by("-is_default", "-created_at", "-id")
        .values("country")[:1]
    )
    qs = Customer.objects.filter(is_staff=False, erased_at__isnull=True).annotate(country=country)
    if looks_like_phone(text):
        cond = Q(phone__in=phone_search_candidates(text))
        digits = phone_search_digits(text)
        if len(digits) >= 4:
            cond |= Q(phone__contains=digits)
        return qs.filter(cond).order_by("last_name", "first_name", "email")[:limit]
    for term in text.split()[:4]:
        cond = Q(first_name__istartswith=term) | Q(last_name__istartswith=term) | Q(email__icontains=term)
        try:
            reading = reading_normalize(term)  # 'やまだ' finds the reading ヤマダ
        except ValueError:
            reading = ""
        if reading:
            cond |= Q(first_name_reading__istartswith=reading) | Q(last_name_reading__istartswith=reading)
        digits = _digits(term)
        if len(digits) >= 4:
            cond |= Q(phone__contains=digits)
        qs = qs.filter(cond)
    return qs.order_by("last_name", "first_name", "email")[:limit]


def case_search(query: str, *, limit: int = SEARCH_LIMIT) -> list[Case]:
    pk = case_pk_from_number(query)
    qs = Case.objects.select_related("customer")
    if pk is not None:
        return list(qs.filter(pk=pk)[:1])
    if len(query.strip()) < 3:
        return []
    return list(qs.filter(subject__icontains=query.strip()).order_by("-created_at")[:limit])


KNOWLEDGE_TRIGRAM_THRESHOLD = 0.35  # word similarity of a query word to a title: "retrun" ~ "Returns" is 0.43
KNOWLEDGE_CORRECTION_CUTOFF = 0.75  # difflib ratio when pg_trgm is missing: "retrun" ~ "return" is 0.83


def _knowledge_words(text: str) -> list[str]:
    return [word for word in re.findall(r"[^\W_]+", text.lower()) if len(word) >= 2][:8]


def article_search(query: str, *, public_only: bool = False, limit: int = 20) -> list[Article]:
    """Articles matching `query`, best first; only matching ones (an empty query lists all).

    Full text (English stemming, title weighted over body) on the words as typed, ranked,
    with typos tolerated the way product search does (common.search): with pg_trgm a title
    word close to a query word also matches ("retrun" finds "Returns and refunds"); without
    it each query word is corrected against the articles' own vocabulary first. An article
    matching every word ranks above one matching some; tags match exactly.

    Japanese text is matched by its content words (common.japanese.keywords: "返品の方法を
    教えてください" looks for 返品 and 方法) against the articles' Japanese words."""
    qs = Article.objects.all()
    if public_only:
        qs = qs.filter(is_public=True)
    text = query.replace("\x00", "").strip()[:200]
    if not text:
        return list(qs.order_by("category", "title")[:limit])
    if has_japanese(text):
        return _article_search_japanese(qs, text, limit=limit)
    words = _knowledge_words(text)
    if not words:
        return []
    if not trigram_available():
        vocabulary = vocabulary_of(
            value for row in qs.values_list("title", "summary", "body") for value in row
        ) + vocabulary_of(tag for tags in qs.values_list("tags", flat=True) for tag in tags)
        words = list(dict.fromkeys(words_corrected(words, vocabulary, cutoff=KNOWLEDGE_CORRECTION_CUTOFF)))
    every = SearchQuery(" ".join(words), config="english", search_type="websearch")
    some = SearchQuery(" or ".join(words), config="english", search_type="websearch")
    vector = article_search_vector()
    relevance = SearchRank(vector, some) + SearchRank(vector, every)
    match = Q(document=some) | Q(tags__overlap=words)
    long_words = [word for word in words if len(word) >= 3]  # "to", "my": full text only
    if long_words and trigram_available():
        # How close each query word comes to a word of the title: any close word matches;
        # the average ranks (a title close to every word beats one close to some).
        similarities = [TrigramWordSimilarity(Value(word), "title") for word in long_words]
        qs = qs.annotate(title_closeness=Greatest(*similarities, Value(0.0)))
        match |= Q(title_closeness__gte=KNOWLEDGE_TRIGRAM_THRESHOLD)
        relevance = relevance + sum(similarities[1:], similarities[0]) / Value(float(len(long_words)))
    return list(qs.annotate(document=vector, rank=relevance).filter(match).order_by("-rank", "title")[:limit])


def _tsquery_term(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _article_search_japanese(qs: QuerySet[Article], text: str, *, limit: int) -> list[Article]:
    terms = keywords(text)[:12]
    if not terms:
        return []
    quoted = [_tsquery_term(term) for term in terms]
    some = SearchQuery(" | ".join(quoted), config="simple", search_type="raw")
    every = SearchQuery(" & ".join(quoted), config="simple", search_type="raw")
    vector = article_search_vector_ja()
    match = Q(document=some) | Q(tags__overlap=terms + text.split())
    relevance = SearchRank(vector, some) + SearchRank(vector, every)
    return list(qs.annotate(document=vector, rank=relevance).filter(match).order_by("-rank", "title")[:limit])


def articles_suggested_for_case(case: Case, *, limit: int = 3) -> list[Article]:
    """Articles matching any significant word of the case's subject and description."""
    text = f"{case.subject} {case.description}"
    words = [w.strip(".,!?;:()\"'").lower() for w in text.split()]
    words = [w for w in words if len(w) >= 4 and w.isalpha()][:20]
    if not words:
        return []
    search = SearchQuery(" OR ".join(dict.fromkeys(words)), config="english", search_type="websearch")
    return list(
        Article.objects.annotate(document=article_search_vector(), rank=SearchRank(article_search_vector(), search))
        .filter(document=search)  # a match, not rank > 0: ts_rank gives non-matches 1e-20
        .order_by("-rank", "title")[:limit]
    )


def case_queue(*, agent: Customer, limit: int = 50) -> dict[str, list[Case]]:
    """Open cases for the home queue: mine, unassigned, and recent contact-form/social ones."""
    base = Case.objects.filter(status__in=Case.OPEN_STATUSES).select_related("customer", "assignee")
    order = ("-priority_rank", "-created_at")
    rank = CaseWhen(
        When(priority=Case.Priority.URGENT, then=3),
        When(priority=Case.Priority.HIGH, then=2),
        When(priority=Case.Priority.NORMAL, then=1),
        default=0,
        output_field=IntegerField(),
    )
    base = base.annotate(
        priority_rank=rank,
        customer_replied=Exists(
            AgentNotification.objects.filter(case=OuterRef("pk"), agent=agent, read_at__isnull=True)
        ),
    )
    return {
        "mine": list(base.filter(assignee=agent).order_by(*order)[:limit]),
        "unassigned": list(base.filter(assignee__isnull=True).order_by(*order)[:limit]),
        "inbound": list(
            base.filter(channel__in=[Case.Channel.CONTACT_FORM, Case.Channel.SOCIAL, Case.Channel.CHAT]).order_by(
                "-created_at"
            )[:10]
        ),
    }


def order_search(query: str, *, limit: int = SEARCH_LIMIT) -> list:
    text = query.strip()
    if len(text) < 3 or " " in text:
        return []
    return list(
        Order.objects.select_related("customer").filter(number__istartswith=text).order_by("-placed_at")[:limit]
    )


def console_search(query: str) -> list[SearchHit]:
    """One box across customers (name, email, phone), orders (number) and cases (number or
    subject). Exact identifiers first. At most three queries."""
    from django.urls import reverse

    from common.money import format_money

    hits: list[SearchHit] = []
    for case in case_search(query, limit=5):
        hits.append(
            SearchHit(
                kind="case",
                title=f"{case.number} · {case.subject}",
                subtitle=f"{case.get_status_display()} · {case.customer.get_full_name()}",
                url=reverse("console:case", kwargs={"pk": case.pk}),
            )
        )
    for order in order_search(query, limit=5):
        customer = order.customer
        hits.append(
            SearchHit(
                kind="order",
                title=gettext("Order %(number)s") % {"number": order.number},
                subtitle=f"{order.get_status_display()} · {format_money(order.total)} · "
                + (customer.get_full_name() if customer else order.email),
                url=(
                    reverse("console:customer", kwargs={"public_id": customer.public_id}) + f"#order-{order.number}"
                    if customer
                    else reverse("console:search") + f"?q={order.number}"
                ),
            )
        )
    for customer in customer_search(query):
        hits.append(
            SearchHit(
                kind="customer",
                title=customer.get_full_name(),
                subtitle=" · ".join(
                    p for p in (customer.email, phone_display(customer.phone, country=customer.country)) if p
                ),
                url=reverse("console:customer", kwargs={"public_id": customer.public_id}),
            )
        )
    return hits


def orders_by_number(numbers: list[str]) -> list:
    """Orders with these numbers, newest first (one query; [] before orders exist)."""
    if not numbers:
        return []
    return list(Order.objects.filter(number__in=numbers).order_by("-placed_at"))


def case_activity(case: Case, *, limit: int = 30) -> list[AuditEntry]:
    """Who did what on this case (status, assignment, replies, notes, shared articles),
    newest first. One query."""
    return list(
        AuditEntry.objects.filter(
            Q(object_type=Case._meta.label_lower, object_id=str(case.pk))
            | Q(action=AuditAction.ARTICLE_SHARE, customer_id=case.customer_id, after__case=case.number)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )


def knowledge_hits_for_chat(query: str, limit: int = 3) -> list:
    """Public articles for the chat bot (conversations.bot), best first."""
    from conversations.bot import KnowledgeHit

    return [
        KnowledgeHit(title=a.title, summary=a.summary, url=a.get_absolute_url(), category=a.category)
        for a in article_search(query, public_only=True, limit=limit)
        if query.strip()
    ]


def approvals_pending(*, limit: int = 100) -> list[CartOverride]:
    """Discounts waiting for a supervisor, oldest first, on carts that are still open (a
    request on a cart that was ordered or merged meanwhile can no longer be applied)."""
    return list(
        CartOverride.objects.filter(status=CartOverride.Status.PENDING_APPROVAL, cart__status=Cart.Status.OPEN)
        .select_related("cart__customer", "agent", "line__variant__product", "voucher")
        .order_by("created_at", "id")[:limit]
    )


def approvals_pending_count() -> int:
    return CartOverride.objects.filter(
        status=CartOverride.Status.PENDING_APPROVAL, cart__status=Cart.Status.OPEN
    ).count()


def approvals_recent(*, limit: int = 20) -> list[CartOverride]:
    """The latest decisions: approved (applied by a supervisor) or rejected."""
    return list(
        CartOverride.objects.filter(status__in=[CartOverride.Status.APPLIED, CartOverride.Status.REJECTED])
        .exclude(decided_by=None)
        .select_related("cart__customer", "agent", "decided_by", "line__variant__product", "voucher")
        .order_by("-decided_at")[:limit]
    )


# --- Shopper's requests page (/account/requests/) ----------------------------------------

PORTAL_STATUS = {
    Case.Status.NEW: ("Waiting for us", "status-new"),
    Case.Status.OPEN: ("Waiting for us", "status-open"),
    Case.Status.PENDING: ("Waiting for your reply", "status-pending"),
    Case.Status.SOLVED: ("Solved", "status-solved"),
    Case.Status.CLOSED: ("Closed", "status-closed"),
}


@dataclass(frozen=True)
class RequestRow:
    """One line of a shopper's requests page: a case (or, from the chat app, a chat)."""

    kind: str  # "case" | "chat"
    reference: str
    subject: str
    status_label: str
    status_class: str
    updated_at: object
    url: str
    is_open: bool


def portal_cases(customer: Customer) -> list[RequestRow]:
    """The customer's cases, newest activity first (one query)."""
    from django.urls import reverse

    rows = []
    for case in Case.objects.filter(customer=customer).order_by("-updated_at", "-pk")[:200]:
        label, css = PORTAL_STATUS[case.status]
        rows.append(
            RequestRow(
                kind="case",
                reference=case.number,
                subject=case.subject,
                status_label=label,
                status_class=css,
                updated_at=case.updated_at,
                url=reverse("portal:case", kwargs={"pk": case.pk}),
                is_open=case.is_open,
            )
        )
    return rows


CHAT_PORTAL_STATUS = {
    "bot": ("With our assistant", "status-open"),
    "waiting": ("Waiting for us", "status-new"),
    "active": ("In progress", "status-open"),
    "closed": ("Closed", "status-closed"),
}


def portal_chats(customer: Customer) -> list[RequestRow]:
    """The customer's live chats as request rows (one query), subject = their first message."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from django.urls import reverse

    from conversations.models import ChatMessage, Conversation

    first = ChatMessage.objects.filter(conversation=OuterRef("pk"), sender=ChatMessage.Sender.CUSTOMER).order_by("id")
    chats = (
        Conversation.objects.filter(customer=customer)
        .annotate(first_text=Subquery(first.values("body")[:1]), updated=Coalesce("last_message_at", "created_at"))
        .order_by("-updated", "-pk")[:200]
    )
    rows = []
    for chat in chats:
        label, css = CHAT_PORTAL_STATUS[chat.status]
        rows.append(
            RequestRow(
                kind="chat",
                reference=f"Chat {chat.short_id}",
                subject=(chat.first_text or "Chat with us")[:120],
                status_label=label,
                status_class=css,
                updated_at=chat.updated,
                url=reverse("portal:chat", kwargs={"public_id": chat.public_id}),
                is_open=chat.is_open,
            )
        )
    return rows


def portal_case_messages(case: Case) -> list:
    """What the customer may read of a case: their messages and our replies (never internal
    notes), with attachments, oldest first. Two queries."""
    from service_console.models import CaseMessage

    return list(
        case.messages.exclude(kind=CaseMessage.Kind.NOTE)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def case_saved_reply_values(*, case: Case, agent: Customer, linked_orders: list | None = None):
    """Token values for a saved reply on `case`: the customer's names, the newest linked
    order (else the customer's newest order) and the case number."""
    from helpdesk.services import SavedReplyValues

    orders = linked_orders if linked_orders is not None else orders_by_number(case.order_numbers)
    order_number = orders[0].number if orders else customer_latest_order_number(case.customer)
    return SavedReplyValues.for_customer(case.customer, agent=agent, order_number=order_number, case_number=case.number)


def customer_latest_order_number(customer: Customer) -> str:
    return Order.objects.filter(customer=customer).order_by("-placed_at").values_list("number", flat=True).first() or ""


@dataclass(frozen=True)
class SlaReportRow:
    priority: str
    opened: int
    first_response_breached: int
    resolution_breached: int
    breached_open_now: int

    @property
    def breached_percent(self) -> int:
        worst = max(self.first_response_breached, self.resolution_breached)
        return round(100 * worst / self.opened) if self.opened else 0


@reporting_reads()
def sla_report(*, since, now) -> list[SlaReportRow]:
    """Cases opened since `since`, per priority (urgent first): how many missed the first
    reply target, the resolution target, and how many open ones are late right now. One query."""
    from service_console.services.sla import first_response_breached_q, late_now_q, resolution_breached_q

    rows = {
        r["priority"]: r
        for r in Case.objects.filter(created_at__gte=since)
        .values("priority")
        .annotate(
            opened=Count("id"),
            first_late=Count("id", filter=first_response_breached_q(now)),
            resolution_late=Count("id", filter=resolution_breached_q(now)),
            open_late=Count("id", filter=late_now_q(now)),
        )
        .order_by()
    }
    report = []
    for value, label in reversed(Case.Priority.choices):
        r = rows.get(value, {})
        report.append(
            SlaReportRow(
                priority=label,
                opened=r.get("opened", 0),
                first_response_breached=r.get("first_late", 0),
                resolution_breached=r.get("resolution_late", 0),
                breached_open_now=r.get("open_late", 0),
            )
        )
    return report
