from django import template

from common.audit_actions import AuditAction
from service_console.customer360 import emails_in_flight
from service_console.rendering import markdown_to_safe_html

register = template.Library()


@register.filter
def markdown_safe(text: str):
    """Markdown rendered and sanitised by nh3 (scripts, handlers and unsafe links removed)."""
    return markdown_to_safe_html(text)


# The case page's own wording for some actions (others use AuditAction's label).
_CASE_ACTIONS = {
    AuditAction.CASE_REPLY: "Reply emailed to the customer",
    AuditAction.CASE_LINK_ORDER: "Order linked",
}


@register.simple_tag
def case_action_label(entry) -> str:
    """One line for a case's audit entry, e.g. "Status: new → open, assignee: — → kenji@…"."""
    if entry.action == AuditAction.CASE_UPDATE:
        before = entry.before or {}
        parts = [f"{key}: {before.get(key) or '—'} → {value or '—'}" for key, value in (entry.after or {}).items()]
        return "Changed " + ", ".join(parts)
    if entry.action == AuditAction.ARTICLE_SHARE:
        return f"Shared article “{(entry.after or {}).get('title', '')}”"
    if entry.action == AuditAction.CASE_LINK_ORDER:
        numbers = (entry.after or {}).get("order_numbers") or []
        return f"Order linked ({', '.join(numbers)})"
    return _CASE_ACTIONS.get(entry.action) or AuditAction.label_for(entry.action)


@register.filter
def kind_label(kind: str) -> str:
    """A machine kind such as "order_confirmation" as words: "Order confirmation"."""
    return (kind or "").replace("_", " ").replace(".", " ").strip().capitalize()


@register.inclusion_tag("service_console/partials/feedback.html")
def feedback_at(feedback, slot: str, ident=None):
    """The message of the last cart action, if it belongs beside this control (`slot`, or
    `slot-ident` for per-line controls)."""
    name = f"{slot}-{ident}" if ident is not None else slot
    return {"fb": feedback if getattr(feedback, "slot", None) == name else None}


@register.filter
def feedback_is(feedback, slot: str):
    """The id in a per-row feedback slot ("line-12" → 12 for slot "line"), else None."""
    name = getattr(feedback, "slot", "")
    if not name.startswith(f"{slot}-"):
        return None
    ident = name.removeprefix(f"{slot}-")
    return int(ident) if ident.isdigit() else None


@register.filter
def in_flight(emails) -> bool:
    """Some of these emails are still queued or being sent (the panel polls until they are not)."""
    return emails_in_flight(list(emails or []))
