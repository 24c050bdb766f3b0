"""Personal data held by `social` (R13): posts by or naming the customer, replies to them,
and the placeholder records of social authors that carry their handle as a name."""

from django.db.models import Q

from common.personal_data import REDACTED, ErasureSubject, mentioning, redact_rows


def social_erase(subject: ErasureSubject) -> None:
    from customers.models import SOCIAL_AUTHOR_EMAIL_DOMAIN, Customer
    from social.models import SocialPost, SocialReply

    handles = [handle.strip().lstrip("@").lower() for handle in subject.handles]
    by_them = Q(customer=subject.customer) | Q(handle__in=handles)
    posts = mentioning(SocialPost.objects.all(), subject, ("handle", "text", "url", "source"), also=by_them)
    post_ids = list(posts.values_list("pk", flat=True))
    # A post by or naming the customer is theirs as far as we can tell: drop the text, keep
    # the fact (network, time, scores) for the insight figures.
    SocialPost.objects.filter(pk__in=post_ids).update(
        handle=REDACTED, text=REDACTED, url="", terms=[], sentiment_words=[], order_numbers=[]
    )
    SocialReply.objects.filter(post_id__in=post_ids).update(body=REDACTED, network_reference="")
    redact_rows(mentioning(SocialReply.objects.all(), subject, ("body", "error")), subject, ("body", "error"))
    # Records that stood for one of their handles before anyone linked it to them.
    placeholders = Customer.objects.filter(email__iendswith=f"@{SOCIAL_AUTHOR_EMAIL_DOMAIN}")
    ids = list(mentioning(placeholders, subject, ("first_name",)).values_list("pk", flat=True))
    if ids:
        Customer.objects.filter(pk__in=ids).update(first_name=REDACTED)
        Customer.history.filter(id__in=ids).update(first_name=REDACTED)


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "social",
        holds=("social.SocialPost", "social.SocialReply"),
        erase=social_erase,
        without=("social.SocialRule", "social.HistoricalSocialRule"),
        order=50,  # before customers (900) and the console: finds posts through the customer's cases
    )
