"""Personal data held by live chat (R13): conversations and their messages.

A customer's chats quote whatever they typed (addresses, phone numbers, order emails), so the
text and cards of their conversations are removed, not pattern-redacted; the conversation
keeps its times, status, intent and outcome (the deflection report still counts it). Other
conversations that quote the customer (a guest typing their email to look up an order) are
redacted by pattern."""

from common.personal_data import REDACTED, ErasureSubject, mentioning, redact_rows
from conversations.models import ChatMessage, Conversation


def conversations_erase(subject: ErasureSubject) -> None:
    conversations = Conversation.objects.filter(customer=subject.customer)
    ChatMessage.objects.filter(conversation__in=conversations).update(body=REDACTED, payload={})
    conversations.update(bot_state={})
    redact_rows(mentioning(ChatMessage.objects.all(), subject, ("body", "payload")), subject, ("body", "payload"))
    redact_rows(mentioning(Conversation.objects.all(), subject, ("bot_state",)), subject, ("bot_state",))


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "conversations",
        holds=("conversations.ChatMessage",),
        linked=("conversations.Conversation",),  # bot_state keeps flags and counts, never what was typed
        erase=conversations_erase,
        without=("conversations.AgentPresence", "conversations.AssignmentSettings"),
    )
