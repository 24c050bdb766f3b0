"""The console's social queue (/console/social/): flagged posts with why they were flagged,
and the agent's actions — link the author to a customer, reply on the network, mark handled,
dismiss as not actionable. Actions answer htmx posts with the post's card (the outcome shown
beside the buttons); without JavaScript they redirect back to the queue with a message."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from customers.exceptions import HandleTaken
from customers.models import CustomerHandle
from orders.models import Order
from service_console.permissions import console_required, console_supervisor
from service_console.views.base import render_console
from social.exceptions import SocialError
from social.forms import SocialLinkForm, SocialReplyForm
from social.models import Category, SocialPost, SocialReply
from social.selectors import QUEUE_VIEWS, social_precision, social_queue, social_queue_counts
from social.services import social_author_link, social_dismiss, social_mark_handled, social_reply

CARD = "social/partials/post_card.html"
PAGE_SIZE = 20


def _hints(posts: list[SocialPost]) -> None:
    """What the agent needs to link an author: the customer whose profile now has the handle
    (added after the post arrived) and the owners of order numbers the post names — two
    queries for the whole page."""
    unlinked = [p for p in posts if p.customer is None or p.customer.email_is_placeholder]
    by_handle = {}
    if unlinked:
        condition = Q()
        for post in unlinked:
            condition |= Q(network=post.platform, handle=post.handle)
        by_handle = {
            (row.network, row.handle): row.customer
            for row in CustomerHandle.objects.filter(condition).select_related("customer")
        }
    numbers = {number for post in posts for number in post.order_numbers}
    owners = {}
    if numbers:
        owners = {
            order.number: order.customer
            for order in Order.objects.filter(number__in=numbers).select_related("customer")
        }
    labels = dict(Category.choices)
    for post in posts:
        for rule in post.matched_rules:
            rule["category_label"] = labels.get(rule.get("category"), rule.get("category"))
        post.handle_owner = by_handle.get((post.platform, post.handle))
        post.order_owners = [(number, owners[number]) for number in post.order_numbers if number in owners]


def _posts_with_replies():
    return Prefetch("replies", queryset=SocialReply.objects.select_related("author").order_by("created_at", "id"))


@console_required
@require_GET
def queue(request):
    view = request.GET.get("view", "open")
    if view not in QUEUE_VIEWS:
        view = "open"
    page = Paginator(social_queue(view=view).prefetch_related(_posts_with_replies()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    posts = list(page.object_list)
    _hints(posts)
    supervisor = console_supervisor(request.user)
    return render_console(
        request,
        "social/queue.html",
        {
            "posts": posts,
            "page": page,
            "view": view,
            "views": [(key, label) for key, (label, _) in QUEUE_VIEWS.items()],
            "counts": social_queue_counts(),
            "precision": social_precision() if supervisor else None,
            "reply_form": SocialReplyForm(),
            "link_form": SocialLinkForm(),
        },
        section="social",
    )


def _post(pk: int) -> SocialPost:
    post = (
        SocialPost.objects.select_related("customer", "case", "case__assignee", "reviewed_by")
        .prefetch_related(_posts_with_replies())
        .filter(pk=pk)
        .first()
    )
    if post is None:
        raise Http404("No such post")
    return post


def _answer(request, post_id: int, *, ok: str = "", error: str = "", forms: dict | None = None, status: int = 200):
    """The card with the outcome beside the buttons (htmx), or back to the queue."""
    if not request.htmx:
        if ok:
            messages.success(request, ok)
        if error:
            messages.error(request, error)
        return redirect(request.POST.get("next") or reverse("social:queue"))
    post = _post(post_id)
    _hints([post])
    context = {
        "post": post,
        "fb": {"level": "error" if error else "success", "text": error or ok},
        "reply_form": SocialReplyForm(),
        "link_form": SocialLinkForm(),
        **(forms or {}),
    }
    return render(request, CARD, context, status=status)


@console_required
@require_POST
def post_reply(request, pk: int):
    post = _post(pk)
    form = SocialReplyForm(request.POST)
    if not form.is_valid():
        return _answer(
            request,
            pk,
            error=gettext("Write the reply (up to 2,000 characters)."),
            forms={"reply_form": form},
            status=400,
        )
    try:
        social_reply(post=post, body=form.cleaned_data["body"], actor=request.user)
    except SocialError as exc:
        return _answer(request, pk, error=str(exc), forms={"reply_form": form}, status=409)
    return _answer(
        request,
        pk,
        ok=gettext("Reply to @%(handle)s recorded; it is being posted on %(network)s.")
        % {"handle": post.handle, "network": post.get_platform_display()},
    )


@console_required
@require_POST
def post_link(request, pk: int):
    post = _post(pk)
    form = SocialLinkForm(request.POST)
    if not form.is_valid():
        return _answer(request, pk, error=form.errors["who"][0], forms={"link_form": form}, status=400)
    customer = form.cleaned_data["who"]
    try:
        moved = social_author_link(post=post, customer=customer, actor=request.user)
    except HandleTaken as exc:
        owner = exc.owner.get_full_name()
        return _answer(
            request,
            pk,
            error=gettext("@%(handle)s is already on %(owner)s's profile.") % {"handle": post.handle, "owner": owner},
            forms={"link_form": form},
            status=409,
        )
    except SocialError as exc:
        return _answer(request, pk, error=str(exc), forms={"link_form": form}, status=409)
    values = {"handle": post.handle, "name": customer.get_full_name(), "count": moved}
    if moved:
        text = ngettext(
            "@%(handle)s is now on %(name)s's profile and %(count)d case moved to them.",
            "@%(handle)s is now on %(name)s's profile and %(count)d cases moved to them.",
            moved,
        )
    else:
        text = gettext("@%(handle)s is now on %(name)s's profile.")
    return _answer(request, pk, ok=text % values)


@console_required
@require_POST
def post_dismiss(request, pk: int):
    try:
        social_dismiss(post=_post(pk), actor=request.user)
    except SocialError as exc:
        return _answer(request, pk, error=str(exc), status=409)
    return _answer(request, pk, ok=gettext("Dismissed as not actionable (counted in the classifier's precision)."))


@console_required
@require_POST
def post_handled(request, pk: int):
    try:
        social_mark_handled(post=_post(pk), actor=request.user)
    except SocialError as exc:
        return _answer(request, pk, error=str(exc), status=409)
    return _answer(request, pk, ok=gettext("Marked handled."))
