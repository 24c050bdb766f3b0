"""Demo saved replies for `manage.py seed_demo` (idempotent: matched by title)."""

from helpdesk.models import SavedReply

SAVED_REPLIES = [
    (
        "Where is my order",
        "Hi {first_name},\n\nThanks for your patience. Order {order_number} is on its way; the tracking link in "
        "your shipping email shows where it is now. If it has not moved in two days, reply here and I will chase "
        "the courier.\n\n{agent_name}",
    ),
    (
        "Return instructions",
        "Hi {first_name},\n\nYou can return anything within 30 days. Start the return from your order page "
        "({order_number}) and we will email a prepaid label.\n\n{agent_name}",
    ),
    (
        "Closing the loop",
        "Hi {first_name},\n\nI hope that sorted it. I will mark {case_number} as solved; just reply if anything "
        "is still not right.\n\n{agent_name}",
    ),
]


def seed(stdout=None, disable_progress: bool = False) -> None:
    for title, body in SAVED_REPLIES:
        SavedReply.objects.get_or_create(title=title, defaults={"body": body})
    if stdout is not None:
        stdout.write(f"helpdesk: {len(SAVED_REPLIES)} saved replies")
