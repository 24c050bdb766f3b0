"""The agents' side of live chat: the queue, presence, and the chat workspace beside the
Customer 360 (live cart, orders). Messages, typing and read receipts travel over the
console's socket (static/js/console-chat.js); the tools here are htmx posts."""

import uuid

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from carts.exceptions import CartConflict, CartError
from carts.models import CartOverride
from catalog.models import Variant
from conversations.assignment import available_agents, presence_of, presence_set
from conversations.exceptions import ChatError
from conversations.forms import ChatEmailForm
from conversations.models import AgentPresence, Conversation
from conversations.selectors import chat_queue, waiting_count
from conversations.services import (
    conversation_accept,
    conversation_close_by_agent,
    conversation_reassign,
)
from customers.models import Customer
from customers.roles import AGENTS, SUPERVISORS
from orders.exceptions import OrderError
from orders.models import Order
from service_console.customer360 import cart_view_for
from service_console.exceptions import ConsoleError
from service_console.models import Article, Case
from service_console.permissions import console_required
from service_console.services.chat import (
    chat_article_share,
    chat_cart,
    chat_case_link,
    chat_case_open,
    chat_guest_identify,
    chat_product_add,
    chat_purchase_link_send,
)
from service_console.views.base import render_console

TOOLS = "service_console/partials/chat_tools.html"


def _conversation(public_id) -> Conversation:
    try:
        key = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such chat")
    conversation = Conversation.objects.select_related("customer", "assignee").filter(public_id=key).first()
    if conversation is None:
        raise Http404("No such chat")
    return conversation


def _agents():
    return list(
        Customer.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=[AGENTS, SUPERVISORS]))
        .distinct()
        .order_by("first_name", "email")
    )


@console_required
@require_GET
def chat_list(request):
    presence = presence_of(request.user)
    return render_console(
        request,
        "service_console/chats.html",
        {"queue": chat_queue(agent=request.user), "presence": presence, "online": available_agents()},
        section="chats",
    )


@console_required
@require_GET
def chat_queue_panel(request):
    return render_console(
        request,
        "service_console/partials/chat_queue.html",
        {"queue": chat_queue(agent=request.user), "online": available_agents()},
    )


@console_required
@require_GET
def chat_badge(request):
    n = waiting_count()
    return HttpResponse(f'<span class="badge">{n}</span>' if n else "")


@console_required
@require_POST
def presence_toggle(request):
    status = request.POST.get("status", "")
    if status not in AgentPresence.Status.values:
        messages.error(request, gettext("Choose online or away."))
    else:
        presence_set(agent=request.user, status=status)
        messages.success(
            request,
            gettext("You're online: new chats are offered to you.")
            if status == AgentPresence.Status.ONLINE
            else gettext("You're away: new chats go to other agents."),
        )
    return redirect("console:chats")


def _workspace_context(request, conversation: Conversation) -> dict:
    customer = conversation.customer
    cv = cart_view_for(customer) if customer is not None else None
    guest_cart = chat_cart(conversation) if customer is None else None
    orders = (
        list(Order.objects.filter(customer=customer).prefetch_related("lines").order_by("-placed_at")[:5])
        if customer is not None
        else []
    )
    open_cases = (
        list(Case.objects.filter(customer=customer, status__in=Case.OPEN_STATUSES).order_by("-created_at")[:10])
        if customer is not None
        else []
    )
    return {
        "conversation": conversation,
        "customer": customer,
        "cv": cv,
        "guest_cart": guest_cart,
        "orders": orders,
        "open_cases": open_cases,
        "articles": list(Article.objects.filter(is_public=True).only("pk", "title").order_by("title")[:100]),
        "agents": _agents(),
        "linked_case": Case.objects.filter(pk=conversation.case_id).first() if conversation.case_id else None,
        "reason_codes": CartOverride.ReasonCode.choices,
        "override_kinds": CartOverride.Kind.choices,
        "addresses": list(customer.addresses.all()) if customer is not None else [],
    }


@console_required
@require_GET
def chat_detail(request, public_id):
    conversation = _conversation(public_id)
    context = _workspace_context(request, conversation)
    return render_console(request, "service_console/chat_detail.html", context, section="chats")


def _tools(request, conversation, *, notice: str = "", error: str = "", status: int = 200):
    """The tools panel (htmx) or, for a plain form post, back to the workspace."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif notice:
            messages.success(request, notice)
        return redirect("console:chat", public_id=conversation.public_id)
    conversation = _conversation(conversation.public_id)
    context = {**_workspace_context(request, conversation), "notice": notice, "error": error}
    return render_console(request, TOOLS, context, status=status)


@console_required
@require_POST
def chat_accept(request, public_id):
    conversation = _conversation(public_id)
    try:
        conversation_accept(conversation=conversation, agent=request.user)
    except ChatError as exc:
        messages.error(request, exc.message)
        return redirect("console:chats")
    return redirect("console:chat", public_id=conversation.public_id)


@console_required
@require_POST
def chat_reassign(request, public_id):
    conversation = _conversation(public_id)
    raw = request.POST.get("agent", "")
    agent = None
    if raw:
        try:
            agent = next((a for a in _agents() if a.pk == int(raw)), None)
        except ValueError:
            agent = None
        if agent is None:
            return _tools(request, conversation, error=gettext("Choose an agent from the list."), status=400)
    try:
        conversation_reassign(conversation=conversation, agent=agent, actor=request.user)
    except ChatError as exc:
        return _tools(request, conversation, error=exc.message, status=409)
    name = agent.get_short_name() if agent else "the shared queue"
    return _tools(request, conversation, notice=gettext("Chat handed to %(name)s.") % {"name": name})


@console_required
@require_POST
def chat_close(request, public_id):
    conversation = _conversation(public_id)
    conversation_close_by_agent(conversation=conversation, agent=request.user)
    messages.success(request, gettext("Chat ended. The transcript is on the customer's timeline."))
    return redirect("console:chats")


@console_required
@require_POST
def chat_article(request, public_id):
    conversation = _conversation(public_id)
    try:
        article_id = int(request.POST.get("article_id", ""))
    except ValueError:
        return _tools(request, conversation, error=gettext("Choose an article to share."), status=400)
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return _tools(request, conversation, error=gettext("Choose an article to share."), status=400)
    try:
        chat_article_share(conversation=conversation, article=article, agent=request.user)
    except (ChatError, ConsoleError) as exc:
        return _tools(request, conversation, error=str(exc), status=409)
    return _tools(request, conversation, notice=gettext("Shared “%(title)s” in the chat.") % {"title": article.title})


@console_required
@require_GET
def chat_catalog(request, public_id):
    conversation = _conversation(public_id)
    q = request.GET.get("q", "").strip()[:100]
    variants = []
    if len(q) >= 2:
        variants = list(
            Variant.objects.filter(is_active=True, product__is_published=True)
            .filter(Q(product__name__icontains=q) | Q(sku__iexact=q))
            .select_related("product")
            .order_by("product__name", "sku")[:10]
        )
    cart = chat_cart(conversation)
    return render_console(
        request,
        "service_console/partials/chat_catalog.html",
        {"conversation": conversation, "variants": variants, "q": q, "cart_version": cart.version if cart else ""},
    )


@console_required
@require_POST
def chat_product(request, public_id):
    conversation = _conversation(public_id)
    variant = get_object_or_404(Variant.objects.select_related("product"), pk=_int(request.POST.get("variant_id")) or 0)
    quantity = max(1, min(99, _int(request.POST.get("quantity")) or 1))
    try:
        chat_product_add(
            conversation=conversation,
            variant=variant,
            quantity=quantity,
            expected_version=_int(request.POST.get("expected_version")),
            agent=request.user,
        )
    except CartConflict:
        return _tools(
            request,
            conversation,
            error=gettext("The shopper's cart changed while you were looking. Check the cart and add it again."),
            status=409,
        )
    except (CartError, ChatError, ConsoleError) as exc:
        return _tools(request, conversation, error=str(exc), status=400)
    return _tools(
        request,
        conversation,
        notice=gettext("Added %(quantity)s × %(name)s to the shopper's cart.")
        % {"quantity": quantity, "name": variant.product.name},
    )


@console_required
@require_POST
def chat_purchase_link(request, public_id):
    conversation = _conversation(public_id)
    try:
        chat_purchase_link_send(
            conversation=conversation, agent=request.user, expected_version=_int(request.POST.get("expected_version"))
        )
    except CartConflict:
        return _tools(
            request, conversation, error=gettext("The cart changed: check it and send the link again."), status=409
        )
    except (CartError, OrderError, ChatError, ConsoleError) as exc:
        return _tools(request, conversation, error=str(exc), status=400)
    return _tools(request, conversation, notice=gettext("Purchase link sent in the chat and by email."))


@console_required
@require_POST
def chat_case(request, public_id):
    """mode=new opens a case from the chat; mode=link adds it to one of the customer's open cases."""
    conversation = _conversation(public_id)
    try:
        if request.POST.get("mode") == "link":
            case = Case.objects.filter(pk=_int(request.POST.get("case_id")) or 0).first()
            if case is None:
                return _tools(
                    request, conversation, error=gettext("Choose one of the customer's open cases."), status=400
                )
            case = chat_case_link(conversation=conversation, case=case, agent=request.user)
            notice = gettext("Chat added to case %(number)s.") % {"number": case.number}
        else:
            subject = request.POST.get("subject", "").replace("\x00", "").strip()[:200]
            case = chat_case_open(conversation=conversation, agent=request.user, subject=subject)
            notice = gettext("Case %(number)s opened from this chat.") % {"number": case.number}
    except (ChatError, ConsoleError) as exc:
        return _tools(request, conversation, error=str(exc), status=400)
    return _tools(request, conversation, notice=notice)


@console_required
@require_POST
def chat_identify(request, public_id):
    conversation = _conversation(public_id)
    form = ChatEmailForm(request.POST)
    if not form.is_valid():
        return _tools(request, conversation, error=gettext("Enter a valid email address."), status=400)
    try:
        customer = chat_guest_identify(conversation=conversation, email=form.cleaned_data["email"], agent=request.user)
    except (ChatError, ConsoleError) as exc:
        return _tools(request, conversation, error=str(exc), status=400)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("console:chat", kwargs={"public_id": conversation.public_id})
        return response
    messages.success(request, gettext("Chat linked to %(email)s.") % {"email": customer.email})
    return redirect("console:chat", public_id=conversation.public_id)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
