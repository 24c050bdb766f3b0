"""Marketing in Django admin: segments (live count, preview, hashed CSV export), campaigns
(blocks, send now / schedule / pause / cancel, test send, preview as a customer, progress,
metrics with a chart), flow settings, welcome journey and read-only flow state."""

import csv
import json
import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from customers.models import Customer
from marketing import selectors
from marketing.exceptions import CampaignStateError, SegmentRuleInvalid
from marketing.models import (
    AbandonmentSettings,
    Attribution,
    BehaviourTrigger,
    Campaign,
    CampaignBlock,
    CartAbandonment,
    JourneyEnrollment,
    JourneyStep,
    MarketingMessage,
    Segment,
    SegmentRule,
)
from marketing.segments import RuleSpec, compile_rule, rules_count, segment_count, segment_preview
from marketing.services import campaigns as campaign_services

# --- segments --------------------------------------------------------------------------


class SegmentRuleFormSet(BaseInlineFormSet):
    """Compile every rule while saving, so a bad value is reported next to its rule."""

    def clean(self):
        super().clean()
        for index, form in enumerate(self.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("field"):
                continue
            spec = RuleSpec(data["field"], data.get("operator") or "", data.get("value") or "", index)
            try:
                compile_rule(Customer.objects.all(), spec)
            except SegmentRuleInvalid as exc:
                form.add_error("value", str(exc))


class SegmentRuleInline(admin.TabularInline):
    model = SegmentRule
    formset = SegmentRuleFormSet
    extra = 1
    fields = ("position", "field", "operator", "value")


@admin.register(Segment)
class SegmentAdmin(SimpleHistoryAdmin):
    change_form_template = "admin/marketing/segment/change_form.html"
    list_display = ("name", "rule_summary", "updated_at")
    search_fields = ("name",)
    inlines = [SegmentRuleInline]
    readonly_fields = ("members",)
    fields = ("name", "description", "members")
    actions = ["export_hashed_emails"]

    @admin.display(description="Rules")
    def rule_summary(self, obj: Segment) -> str:
        return " AND ".join(str(rule) for rule in obj.rules.all()) or "Everyone"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules")

    @admin.display(description="Live count and preview")
    def members(self, obj: Segment) -> str:
        if obj is None or obj.pk is None:
            return "Save the segment to see how many customers match."
        try:
            count = segment_count(obj)
            preview = segment_preview(obj)
        except SegmentRuleInvalid as exc:
            return format_html('<p class="errornote">{}</p>', exc)
        export = reverse("admin:marketing_segment_export", args=[obj.pk])
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((c.email, f"{c.first_name} {c.last_name}".strip()) for c in preview),
        )
        return format_html(
            '<p><strong id="segment-count" data-count="{}">{} customer{}</strong> in the segment now. '
            '<a class="button" href="{}">Export hashed emails (CSV)</a></p>'
            "<table><thead><tr><th>Email</th><th>Name</th></tr></thead><tbody>{}</tbody></table>{}",
            count,
            f"{count:,}",
            "" if count == 1 else "s",
            export,
            rows,
            format_html("<p>No customer matches these rules.</p>") if not preview else "",
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="marketing_segment_export",
            ),
            path("count/", self.admin_site.admin_view(self.count_view), name="marketing_segment_count"),
        ] + super().get_urls()

    def count_view(self, request):
        """Live count of rules being edited (not saved yet): POST {"rules": [{field, operator, value}]}."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the rules."}, status=405)
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            rules = json.loads(request.body or b"{}").get("rules") or []
            specs = [
                RuleSpec(str(r.get("field", "")), str(r.get("operator", "")), str(r.get("value", "")), i)
                for i, r in enumerate(rules[:50])
            ]
        except (ValueError, AttributeError, TypeError):
            return JsonResponse({"error": "The rules could not be read."}, status=400)
        try:
            count = rules_count(specs)
        except SegmentRuleInvalid as exc:
            return JsonResponse({"error": f"rule {(exc.rule_position or 0) + 1}: {exc}"}, status=200)
        return JsonResponse({"count": count})

    def export_view(self, request, pk: int):
        segment = get_object_or_404(Segment, pk=pk)
        if not self.has_view_permission(request, segment):
            raise PermissionDenied
        return self._csv_response([segment])

    def _csv_response(self, segments):
        from marketing.segments import segment_hashed_emails

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(["email_sha256"])
            for segment in segments:
                for digest in segment_hashed_emails(segment):
                    yield writer.writerow([digest])

        name = "audience-" + "-".join(str(s.pk) for s in segments) + ".csv"
        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.action(description="Export hashed emails (CSV, SHA-256)")
    def export_hashed_emails(self, request, queryset):
        return self._csv_response(list(queryset))

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# --- campaigns -------------------------------------------------------------------------


class CampaignBlockInline(admin.StackedInline):
    model = CampaignBlock
    extra = 0
    fieldsets = (
        (None, {"fields": (("position", "kind"), "heading", "text", ("link_url", "button_label"))}),
        ("Image block", {"classes": ("collapse",), "fields": (("image_url", "image_alt"),)}),
        ("Product grid / recommendations", {"classes": ("collapse",), "fields": ("products", "limit")}),
    )
    filter_horizontal = ("products",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class PreviewForm(forms.Form):
    customer = forms.CharField(label="Customer email", help_text="Preview the email as this customer sees it.")


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ("name", "status", "segment", "progress", "sent_count", "scheduled_at", "agent_sendable")
    list_filter = ("status", "agent_sendable")
    search_fields = ("name", "subject")
    inlines = [CampaignBlockInline]
    actions = ["send_now", "pause", "resume", "cancel", "send_test_to_me"]
    readonly_fields = (
        "status",
        "progress",
        "audience_size",
        "processed_count",
        "sent_count",
        "skipped_consent_count",
        "skipped_cap_count",
        "started_at",
        "finished_at",
        "metrics",
        "tools",
    )
    fieldsets = (
        (None, {"fields": ("name", "subject", "preheader", "segment", "scheduled_at", "agent_sendable")}),
        ("Sending", {"fields": ("tools", "status", "progress", "audience_size", "processed_count", "sent_count",
                                "skipped_consent_count", "skipped_cap_count", "started_at", "finished_at")}),
        ("Results", {"fields": ("metrics",)}),
    )  # fmt: skip

    @admin.display(description="Progress")
    def progress(self, obj: Campaign) -> str:
        if obj is None or obj.pk is None:
            return "—"
        percent = obj.progress_percent
        return format_html(
            '<progress max="100" value="{}" aria-label="Campaign progress">{}%</progress> {}% ({} of {})',
            percent,
            percent,
            percent,
            obj.processed_count,
            obj.audience_size,
        )

    @admin.display(description="Tools")
    def tools(self, obj: Campaign) -> str:
        if obj is None or obj.pk is None:
            return "Save the campaign first."
        return format_html(
            '<a class="button" href="{}">Preview as a customer</a> '
            '<a class="button" href="{}">Metrics and chart</a> '
            "<p>Send now, send a test to yourself, pause, resume or cancel with the actions on the campaign "
            "list. Set a schedule time and save: the campaign then starts by itself at that time.</p>",
            reverse("admin:marketing_campaign_preview", args=[obj.pk]),
            reverse("admin:marketing_campaign_metrics", args=[obj.pk]),
        )

    @admin.display(description="Metrics")
    def metrics(self, obj: Campaign) -> str:
        if obj is None or obj.pk is None:
            return "—"
        m = selectors.campaign_metrics(obj)
        return format_html(
            "Sent {} · delivered {} · opened {} ({}) · clicked {} ({}) · unsubscribed {} · orders {} · revenue {}",
            m.sent,
            m.delivered,
            m.opened,
            m.open_rate,
            m.clicked,
            m.click_rate,
            m.unsubscribed,
            m.orders,
            m.revenue_display,
        )

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        if obj.scheduled_at and obj.status == Campaign.Status.DRAFT and "scheduled_at" in form.changed_data:
            obj.status = Campaign.Status.SCHEDULED
        super().save_model(request, obj, form, change)

    def _each(self, request, queryset, service, done: str):
        ok = 0
        for campaign in queryset:
            try:
                service(campaign=campaign, actor=request.user)
                ok += 1
            except CampaignStateError as exc:
                self.message_user(request, f"{campaign.name}: {exc}", messages.ERROR)
        if ok:
            self.message_user(request, f"{ok} campaign(s) {done}.", messages.SUCCESS)

    @admin.action(description="Send now", permissions=["change"])
    def send_now(self, request, queryset):
        self._each(request, queryset, campaign_services.campaign_send_start, "sending")

    @admin.action(description="Pause sending", permissions=["change"])
    def pause(self, request, queryset):
        self._each(request, queryset, campaign_services.campaign_pause, "paused")

    @admin.action(description="Resume sending", permissions=["change"])
    def resume(self, request, queryset):
        self._each(request, queryset, campaign_services.campaign_resume, "resumed")

    @admin.action(description="Cancel", permissions=["change"])
    def cancel(self, request, queryset):
        self._each(request, queryset, campaign_services.campaign_cancel, "cancelled")

    @admin.action(description="Send a test to me", permissions=["view"])
    def send_test_to_me(self, request, queryset):
        for campaign in queryset:
            campaign_services.campaign_send_test(campaign=campaign, to_user=request.user)
        self.message_user(request, f"Test sent to {request.user.email}.", messages.SUCCESS)

    def get_urls(self):
        return [
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name="marketing_campaign_preview"),
            path("<int:pk>/metrics/", self.admin_site.admin_view(self.metrics_view), name="marketing_campaign_metrics"),
        ] + super().get_urls()

    def preview_view(self, request, pk: int):
        from messaging.rendering import email_render

        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        form = PreviewForm(request.GET or None)
        customer = request.user
        error = ""
        if form.is_valid():
            found = Customer.objects.filter(email__iexact=form.cleaned_data["customer"].strip()).first()
            if found is None:
                error = "No customer has that email address."
            else:
                customer = found
        context = campaign_services.campaign_context(campaign, customer=customer, message=None)
        rendered = email_render(
            template=campaign_services.TEMPLATE,
            to_email=customer.email,
            context=context,
            marketing=True,
            public_id=uuid.uuid4(),
            kind="campaign",
            track=False,
        )
        return TemplateResponse(
            request,
            "admin/marketing/campaign_preview.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Preview: {campaign.name}",
                "campaign": campaign,
                "form": form,
                "error": error,
                "customer": customer,
                "rendered": rendered,
                "opts": self.model._meta,
            },
        )

    def metrics_view(self, request, pk: int):
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        messages_qs = MarketingMessage.objects.filter(campaign=campaign, flow=MarketingMessage.Flow.CAMPAIGN)
        series = selectors.daily_series(messages_qs, Attribution.objects.filter(campaign=campaign))
        return TemplateResponse(
            request,
            "admin/marketing/metrics.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Metrics: {campaign.name}",
                "rows": [selectors.campaign_metrics(campaign)],
                "series": series,
                "campaign": campaign,
                "opts": self.model._meta,
            },
        )


# --- flow settings and metrics -------------------------------------------------------


@admin.register(AbandonmentSettings)
class AbandonmentSettingsAdmin(admin.ModelAdmin):
    fieldsets = (
        ("Cart abandonment", {"fields": ("enabled", "delay1_minutes", "delay2_minutes", "max_reminders",
                                         "promo_percent", "promo_valid_days", "intake_window_hours",
                                         "series_cooldown_days", "agent_quiet_hours")}),
        ("Browse and search abandonment", {"fields": ("browse_enabled", "browse_min_views", "browse_window_hours",
                                                      "search_enabled", "search_window_hours",
                                                      "behaviour_delay_minutes")}),
        ("Every marketing email", {"fields": ("frequency_cap_count", "frequency_cap_hours",
                                              "attribution_window_days")}),
    )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        AbandonmentSettings.current()
        return HttpResponseRedirect(reverse("admin:marketing_abandonmentsettings_change", args=[1]))

    def get_urls(self):
        return [
            path("metrics/", self.admin_site.admin_view(self.metrics_view), name="marketing_flow_metrics"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        AbandonmentSettings.current()
        extra_context = {**(extra_context or {}), "metrics_url": reverse("admin:marketing_flow_metrics")}
        return super().change_view(request, object_id, form_url, extra_context)

    def metrics_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        flow = request.GET.get("flow", MarketingMessage.Flow.CART)
        if flow not in MarketingMessage.Flow.values:
            flow = MarketingMessage.Flow.CART
        series = selectors.daily_series(
            MarketingMessage.objects.filter(flow=flow), Attribution.objects.filter(flow=flow)
        )
        return TemplateResponse(
            request,
            "admin/marketing/metrics.html",
            {
                **self.admin_site.each_context(request),
                "title": "Marketing metrics per flow",
                "rows": selectors.flow_metrics(),
                "series": series,
                "flows": selectors.FLOWS,
                "flow": flow,
                "flow_label": MarketingMessage.Flow(flow).label,
                "opts": self.model._meta,
            },
        )


@admin.register(JourneyStep)
class JourneyStepAdmin(admin.ModelAdmin):
    list_display = ("position", "subject", "delay_hours", "include_recommendations", "is_active")
    list_editable = ("delay_hours", "is_active")
    ordering = ("position",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CartAbandonment)
class CartAbandonmentAdmin(ReadOnlyAdmin):
    list_display = ("cart", "customer", "status", "stop_reason", "reminders_sent", "last_reminder_at", "promo_code")
    list_filter = ("status", "stop_reason", "reminders_sent")
    search_fields = ("email", "promo_code")
    list_select_related = ("customer", "cart")


@admin.register(MarketingMessage)
class MarketingMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "flow", "campaign", "customer", "step", "first_clicked_at")
    list_filter = ("flow",)
    search_fields = ("customer__email", "dedupe_key")
    list_select_related = ("customer", "campaign")
    date_hierarchy = "created_at"


@admin.register(Attribution)
class AttributionAdmin(ReadOnlyAdmin):
    list_display = ("order", "flow", "campaign", "revenue", "clicked_at")
    list_filter = ("flow",)
    list_select_related = ("order", "campaign")


@admin.register(JourneyEnrollment)
class JourneyEnrollmentAdmin(ReadOnlyAdmin):
    list_display = ("customer", "status", "steps_sent", "next_due_at", "stop_reason")
    list_filter = ("status",)
    list_select_related = ("customer",)


@admin.register(BehaviourTrigger)
class BehaviourTriggerAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "customer", "subject_key", "sent", "skip_reason")
    list_filter = ("kind", "sent")
    list_select_related = ("customer",)
