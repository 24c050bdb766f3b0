from conversations.services import SESSION_CHAT_KEY


def chat(request):
    """`chat_active`: the session has a conversation, so the widget reconnects on load
    (reads the session only: no query)."""
    session = getattr(request, "session", None)
    return {"chat_active": bool(session is not None and session.get(SESSION_CHAT_KEY))}
