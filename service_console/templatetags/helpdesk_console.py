"""Console template helpers for the helpdesk: SLA due labels."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

from service_console.services.sla import sla_state

register = template.Library()


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d"


@register.simple_tag
def sla_badge(case, now=None):
    """ "Reply due in 2 h" / "Reply overdue by 3 h" / "Resolution met"; nothing without targets."""
    state = sla_state(case, now=now)
    if state is None:
        return ""
    if state.done:
        if state.breached:
            return format_html('<span class="pill sla-late" title="A target was missed">SLA missed</span>')
        return format_html('<span class="pill sla-met">SLA met</span>')
    now = now or timezone.now()
    what = "Reply" if state.label == "First reply" else "Solve"
    due = timezone.localtime(state.due_at).strftime("%d %b %H:%M")
    if state.breached:
        return format_html(
            '<span class="pill sla-late" title="{} was due {}">{} overdue by {}</span>',
            state.label,
            due,
            what,
            _span(now - state.due_at),
        )
    return format_html(
        '<span class="pill sla-due" title="{} due {}">{} due in {}</span>',
        state.label,
        due,
        what,
        _span(state.due_at - now),
    )


@register.filter
def sla_breached(case) -> bool:
    state = sla_state(case)
    return bool(state and state.breached and not state.done)
