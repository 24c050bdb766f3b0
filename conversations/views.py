"""The shopper's chat over HTTP: start a conversation, and the polling fallback the widget
uses when its socket cannot connect (same services, same checks, same rows)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from carts.selectors import cart_from_request, cart_item_count
from carts.services import cart_get_or_create
from conversations import realtime, services, throttle
from conversations.exceptions import ChatError
from conversations.forms import ChatMessageForm, FeedbackForm, LastIdForm, TranscriptForm
from conversations.models import Conversation

SESSION_CART_KEY = "cart_id"  # carts' session key for a guest's cart


def _error(code: str, message: str, status: int, fields: dict | None = None) -> JsonResponse:
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return JsonResponse(body, status=status)


def _customer(request):
    return request.user if request.user.is_authenticated else None


def _owned(request, public_id: str) -> Conversation:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such chat")
    conversation = services.conversation_for_shopper(public_id=key, user=request.user, session=request.session)
    if conversation is None:
        raise Http404("No such chat")  # the same whether it exists or belongs to someone else
    return conversation


def _snapshot(request, conversation: Conversation, last_id: int) -> dict:
    conversation = Conversation.objects.select_related("assignee").get(pk=conversation.pk)
    agent = conversation.assignee.get_short_name() if conversation.assignee_id else ""
    return {
        "state": realtime.state_data(conversation, agent_name=agent),
        "messages": [realtime.message_data(m) for m in services.messages_after(conversation, last_id)],
        "ws_url": f"/ws/chat/{conversation.public_id}/",
        "cart_count": cart_item_count(request),
    }


def _guest_cart_id(request) -> int | None:
    cart = cart_from_request(request)
    if cart is None:
        if not request.session.session_key:
            request.session.save()
        cart = cart_get_or_create(session_key=request.session.session_key)
        request.session[SESSION_CART_KEY] = cart.pk
    return cart.pk


@require_GET
def chat_current(request):
    """The visitor's open conversation, if any (the widget asks on page load)."""
    public_id = request.session.get(services.SESSION_CHAT_KEY) if hasattr(request, "session") else None
    conversation = None
    if request.user.is_authenticated:
        conversation = (
            Conversation.objects.filter(customer=request.user, status__in=Conversation.OPEN_STATUSES)
            .order_by("-created_at")
            .first()
        )
    if conversation is None and public_id:
        try:
            conversation = services.conversation_for_shopper(
                public_id=uuid.UUID(public_id), user=request.user, session=request.session
            )
        except ValueError:
            conversation = None
    if conversation is None:
        return JsonResponse({"conversation": None})
    form = LastIdForm(request.GET)
    last_id = (form.cleaned_data.get("last_id") or 0) if form.is_valid() else 0
    return JsonResponse({"conversation": str(conversation.public_id), **_snapshot(request, conversation, last_id)})


@require_POST
def chat_start(request):
    customer = _customer(request)
    cart_id = None if customer else _guest_cart_id(request)
    conversation, _ = services.conversation_start(customer=customer, cart_id=cart_id)
    request.session[services.SESSION_CHAT_KEY] = str(conversation.public_id)
    return JsonResponse({"conversation": str(conversation.public_id), **_snapshot(request, conversation, 0)})


def chat_messages(request, public_id):
    """GET ?last_id=N: messages past N and the state (polling). POST body, client_id: send."""
    conversation = _owned(request, public_id)
    if request.method == "GET":
        form = LastIdForm(request.GET)
        if not form.is_valid():
            return _error("invalid", gettext("last_id must be a whole number."), 400, form.errors)
        return JsonResponse(_snapshot(request, conversation, form.cleaned_data.get("last_id") or 0))
    if request.method != "POST":
        return _error("method", gettext("Use GET or POST."), 405)
    form = ChatMessageForm(request.POST)
    if not form.is_valid():
        return _error("invalid", gettext("Messages are text of 1 to 2,000 characters."), 400, form.errors)
    owner = f"c{request.user.pk}" if request.user.is_authenticated else f"v{conversation.pk}"
    if not throttle.allow_sync(owner, limit=settings.CHAT_RATE_PER_MINUTE, window_seconds=60):
        return _error("rate_limited", gettext("You're sending messages too fast. Wait a moment and try again."), 429)
    if not request.user.is_authenticated:
        conversation = services.conversation_language_follow(conversation=conversation, language=request.LANGUAGE_CODE)
    try:
        messages = services.shopper_message_receive(
            conversation=conversation,
            body=form.cleaned_data["body"],
            client_id=form.cleaned_data["client_id"],
            customer=_customer(request),
        )
    except ChatError as exc:
        return _error(exc.code, exc.message, 409)
    return JsonResponse({"messages": [realtime.message_data(m) for m in messages]}, status=201)


@require_POST
def chat_action(request, public_id, action: str):
    """handover | feedback | end | read — the widget's buttons when polling."""
    conversation = _owned(request, public_id)
    try:
        if action == "handover":
            services.conversation_hand_over(conversation=conversation)
        elif action == "feedback":
            form = FeedbackForm(request.POST)
            form.is_valid()
            services.shopper_feedback(conversation=conversation, helpful=bool(form.cleaned_data.get("helpful")))
        elif action == "end":
            services.conversation_end_by_shopper(conversation=conversation)
        elif action == "read":
            form = LastIdForm(request.POST)
            if form.is_valid() and form.cleaned_data.get("last_id"):
                services.conversation_mark_read(
                    conversation=conversation, by_agent=False, last_id=form.cleaned_data["last_id"]
                )
        else:
            raise Http404("No such action")
    except ChatError as exc:
        return _error(exc.code, exc.message, 409)
    return JsonResponse({"ok": True})


@require_POST
def chat_transcript(request, public_id):
    """Email the transcript to the signed-in shopper, or to the address a guest types."""
    conversation = _owned(request, public_id)
    form = TranscriptForm(request.POST)
    if not form.is_valid():
        return _error("invalid", gettext("Enter a valid email address."), 400, form.errors)
    email = request.user.email if request.user.is_authenticated else form.cleaned_data.get("email")
    if not email:
        return _error(
            "invalid",
            gettext("Enter the email address to send it to."),
            400,
            {"email": [gettext("This field is required.")]},
        )
    owner = f"c{request.user.pk}" if request.user.is_authenticated else f"v{conversation.pk}"
    if not throttle.allow_sync(f"transcript-{owner}", limit=5, window_seconds=3600):
        return _error("rate_limited", gettext("You've asked for several transcripts already. Try again later."), 429)
    services.transcript_email_send(conversation=conversation, to_email=email)
    return JsonResponse({"ok": True, "to": email})


@require_GET
def chat_cart(request, public_id):
    """The shopper's cart count after an agent changed it (adopts a cart the agent made)."""
    conversation = _owned(request, public_id)
    if not request.user.is_authenticated and conversation.cart_id and not request.session.get(SESSION_CART_KEY):
        request.session[SESSION_CART_KEY] = conversation.cart_id
    return JsonResponse({"cart_count": cart_item_count(request)})
