from django import template

from service_console.rendering import markdown_to_safe_html

register = template.Library()


@register.filter
def markdown_safe(text: str):
    """Markdown rendered and sanitised by nh3 (scripts, handlers and unsafe links removed)."""
    return markdown_to_safe_html(text)
