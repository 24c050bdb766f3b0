"""Knowledge: share an article with a customer by email (logged on their timeline)."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from common.audit import audit_record
from common.audit_actions import AuditAction
from customers.models import Customer
from messaging.services import email_enqueue
from service_console.exceptions import ConsoleError, CustomerHasNoEmail
from service_console.models import Article, Case
from service_console.rendering import markdown_to_text


@transaction.atomic
def article_share(*, article: Article, customer: Customer, actor: Customer, case: Case | None = None):
    """Email a public article to the customer. Internal articles are never sent. Sharing the
    same article again on the same case (double click) sends one email."""
    if not article.is_public:
        raise ConsoleError(gettext("Internal articles cannot be shared with customers."))
    if not customer.email or customer.erased_at is not None:
        raise CustomerHasNoEmail(gettext("This customer has no email address."))
    entry = audit_record(
        actor=actor,
        action=AuditAction.ARTICLE_SHARE,
        customer=customer,
        obj=article,
        after={"title": article.title, "case": case.number if case else None, "to": customer.email},
        note=article.title,
    )
    # Same article + same case (or same day without a case) = one email, whoever clicks twice.
    scope = f"case{case.pk}" if case else f"day{entry.created_at:%Y%m%d}"
    email = email_enqueue(
        to=customer.email,
        kind="article_share",
        template="article_share",
        context={
            "first_name": customer.first_name,
            "title": article.title,
            "summary": article.summary or markdown_to_text(article.body, 300),
            "article_url": settings.SITE_URL + article.get_absolute_url(),
            "agent_name": actor.first_name or "Customer care",
            "case_number": case.number if case else "",
        },
        dedupe_key=f"article-share-{article.pk}-{customer.pk}-{scope}",
        customer=customer,
    )
    return email
