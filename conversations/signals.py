"""Django's `user_logged_in` signal: an anonymous conversation joins the customer record."""

from conversations.services import SESSION_CHAT_KEY, conversation_join_customer


def conversation_join_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session") or getattr(user, "is_staff", False):
        return
    public_id = request.session.get(SESSION_CHAT_KEY)
    if public_id:
        conversation_join_customer(public_id=public_id, customer=user)
