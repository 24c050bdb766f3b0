from datetime import timedelta

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from service_console.models import Article, Case, CaseMessage, InboundEmail, SlaTarget
from service_console.rendering import markdown_to_safe_html
from service_console.selectors import sla_report
from service_console.services.sla import breached_q, late_now_q, sla_recompute_open_cases


class CaseMessageInline(admin.TabularInline):
    model = CaseMessage
    extra = 0
    fields = ("created_at", "kind", "via", "author", "body")
    readonly_fields = ("created_at", "kind", "via", "author", "body")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SlaBreachedFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("breached", "Missed a target"), ("late_now", "Open and late now")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "breached":
            return queryset.filter(breached_q(now))
        if self.value() == "late_now":
            return queryset.filter(late_now_q(now))
        return queryset


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = (
        "case_number",
        "subject",
        "customer",
        "channel",
        "status",
        "priority",
        "assignee",
        "first_response_due_at",
        "resolution_due_at",
        "created_at",
    )
    list_filter = ("status", "priority", "channel", SlaBreachedFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("subject", "customer__email", "customer__last_name", "order_numbers")
    list_select_related = ("customer", "assignee")
    raw_id_fields = ("customer", "assignee", "created_by")
    readonly_fields = (
        "created_at",
        "updated_at",
        "solved_at",
        "email_message_id",
        "first_response_due_at",
        "first_response_at",
        "resolution_due_at",
    )
    inlines = [CaseMessageInline]
    date_hierarchy = "created_at"

    @admin.display(description=_("Number"), ordering="pk")
    def case_number(self, obj):
        return obj.number


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ("title", "category", "is_public", "updated_at")
    list_filter = ("category", "is_public")
    search_fields = ("title", "summary", "body")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("preview", "created_at", "updated_at")
    fields = (
        "title",
        "slug",
        "summary",
        "category",
        "tags",
        "is_public",
        "body",
        "preview",
        "created_at",
        "updated_at",
    )

    @admin.display(description=_("Preview (sanitised)"))
    def preview(self, obj):
        if not obj.pk:
            return "Save to see a preview."
        return format_html('<div style="max-width:720px">{}</div>', markdown_to_safe_html(obj.body))


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    """Targets per priority, editable; the SLA report (breaches per priority) is one click away."""

    change_list_template = "admin/service_console/slatarget/change_list.html"
    list_display = ("priority", "first_response_minutes", "resolution_minutes")
    actions = ["recompute_open_cases"]

    @admin.action(
        description=_("Recompute due times of all open cases from the current targets"), permissions=["change"]
    )
    def recompute_open_cases(self, request, queryset):
        count = sla_recompute_open_cases()
        self.message_user(
            request,
            ngettext(
                "Due times recomputed for %(count)d open case.", "Due times recomputed for %(count)d open cases.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path("report/", self.admin_site.admin_view(self.report_view), name="service_console_sla_report"),
            *super().get_urls(),
        ]

    def report_view(self, request):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in (7, 30, 90, 365) else 30
        now = timezone.now()
        rows = sla_report(since=now - timedelta(days=days), now=now)
        context = {
            **self.admin_site.each_context(request),
            "title": f"SLA report: cases opened in the last {days} days",
            "opts": self.model._meta,
            "rows": rows,
            "days": days,
            "day_choices": (7, 30, 90, 365),
            "totals": {
                "opened": sum(r.opened for r in rows),
                "first": sum(r.first_response_breached for r in rows),
                "resolution": sum(r.resolution_breached for r in rows),
                "now": sum(r.breached_open_now for r in rows),
            },
            "breached_cases_url": reverse("admin:service_console_case_changelist") + "?sla=breached",
            "late_now_url": reverse("admin:service_console_case_changelist") + "?sla=late_now",
        }
        return TemplateResponse(request, "admin/service_console/sla_report.html", context)


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    """Every email that reached the support address and what became of it (read-only)."""

    list_display = ("received_at", "from_email", "subject", "outcome", "case_link", "source", "esp", "size")
    list_filter = ("outcome", "source", ("received_at", admin.DateFieldListFilter))
    search_fields = ("from_email", "subject", "message_id")
    list_select_related = ("case",)
    exclude = ("raw",)
    readonly_fields = (
        "source",
        "esp",
        "message_id",
        "from_email",
        "from_name",
        "recipients",
        "subject",
        "text",
        "size",
        "outcome",
        "outcome_detail",
        "case",
        "received_at",
        "original",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")

    @admin.display(description=_("Case"), ordering="case")
    def case_link(self, obj):
        if not obj.case_id:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("console:case", args=[obj.case_id]), obj.case.number)

    @admin.display(description=_("Original"))
    def original(self, obj):
        return format_html('<a href="{}">Download .eml</a>', reverse("console:inbound_original", args=[obj.pk]))
