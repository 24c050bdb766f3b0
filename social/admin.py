"""Admin: the rules (supervisors and marketers tune them, with a "try a post" page), the posts
with what the classifier made of them, and the marketers' insight page."""

import re

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from social.classification import classify
from social.models import Category, SocialPost, SocialReply, SocialRule
from social.selectors import social_insight, social_precision, social_top_terms
from social.services import active_rules

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _term_language(term: str) -> str:
    return "ja" if _JAPANESE.search(term) else "en"


class TryForm(forms.Form):
    text = forms.CharField(
        label=_("Post text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3, "style": "width:100%"})
    )


@admin.register(SocialRule)
class SocialRuleAdmin(SimpleHistoryAdmin):
    list_display = ("term", "language", "category", "weight", "opens_case", "is_active", "updated_at")
    list_editable = ("weight", "opens_case", "is_active")
    list_filter = ("category", "language", "opens_case", "is_active")
    search_fields = ("term", "note")
    fields = ("term", "language", "category", "weight", "opens_case", "is_active", "note")
    change_list_template = "admin/social/socialrule/change_list.html"

    def get_changeform_initial_data(self, request):
        # "Add as a rule" from the insight page's top terms: ?term=…&language=…
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("weight", 0.0)
        return initial

    def get_urls(self):
        return [
            path("try/", self.admin_site.admin_view(self.try_view), name="social_socialrule_try"),
            *super().get_urls(),
        ]

    def try_view(self, request):
        """Classify a text with the active rules, without storing anything: what a post like
        it would score and why."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = TryForm(request.GET or None)
        result = classify(form.cleaned_data["text"], active_rules()) if form.is_valid() else None
        labels = dict(Category.choices)
        for rule in result.matched if result else []:
            rule["category_label"] = labels.get(rule["category"], rule["category"])
        return TemplateResponse(
            request,
            "admin/social/try.html",
            {
                "category_label": labels.get(result.category, "") if result else "",
                **self.admin_site.each_context(request),
                "title": _("Try the rules on a post"),
                "form": form,
                "result": result,
            },
        )


class SocialReplyInline(admin.TabularInline):
    model = SocialReply
    extra = 0
    can_delete = False
    fields = ("created_at", "author", "body", "status", "attempts", "network_reference", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SocialPost)
class SocialPostAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "platform",
        "handle",
        "short_text",
        "language",
        "score",
        "category",
        "status",
        "case_link",
    )
    list_filter = ("status", "category", "platform", "language", "needs_case")
    search_fields = ("handle", "text", "url")
    list_select_related = ("case",)
    date_hierarchy = "received_at"
    inlines = [SocialReplyInline]
    readonly_fields = (
        "platform", "handle", "text", "url", "posted_at", "received_at", "source", "status", "language",
        "sentiment", "sentiment_words", "score", "matched_rules", "category", "needs_case", "reason", "why", "terms",
        "order_numbers", "classified_at", "customer", "case", "reviewed_by", "reviewed_at",
    )  # fmt: skip
    change_list_template = "admin/social/socialpost/change_list.html"

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(description=_("case"))
    def case_link(self, obj):
        if obj.case_id is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("console:case", args=[obj.case_id]), f"CS-{obj.case_id:06d}")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("insight/", self.admin_site.admin_view(self.insight_view), name="social_socialpost_insight"),
            *super().get_urls(),
        ]

    def insight_view(self, request):
        """Volume and mean score per category per day (chart and table), the top terms of
        the last 7 days, and the classifier's precision as agents judged it."""
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        try:
            days = int(request.GET.get("days", 28))
        except ValueError:
            days = 28
        days = days if days in (7, 28, 90) else 28
        series = social_insight(days=days)
        terms = social_top_terms()
        add_url = reverse("admin:social_socialrule_add")
        term_rows = [
            {"term": t, "add_url": f"{add_url}?{urlencode({'term': t.term, 'language': _term_language(t.term)})}"}
            for t in terms
        ]
        colours = {
            Category.DELIVERY: "#1f4e79", Category.QUALITY: "#c2410c", Category.SIZING: "#7c3aed",
            Category.REFUND: "#b91c1c", Category.BILLING: "#0f766e", Category.SERVICE: "#a16207",
            Category.PRAISE: "#15803d", Category.QUESTION: "#0369a1", Category.OTHER: "#64748b",
        }  # fmt: skip
        chart = {
            "labels": [day.strftime("%b %d") for day in series.days],
            "datasets": [
                {
                    "key": value,
                    "label": label,
                    "colour": colours.get(value, "#64748b"),
                    "volume": series.volume[value],
                    "sentiment": series.sentiment[value],
                }
                for value, label in series.categories
            ],
        }
        return TemplateResponse(
            request,
            "admin/social/insight.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Social insight"),
                "series": series,
                "chart": chart,
                "terms": term_rows,
                "days": days,
                "precision": social_precision(),
                "opts": self.model._meta,
            },
        )
