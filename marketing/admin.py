"""Marketing in Django admin: segments (live count, preview, hashed CSV export), campaigns
(blocks, send now / schedule / pause / cancel, test send, preview as a customer, progress,
metrics with a chart), flow settings, welcome journey and read-only flow state."""

import csv
import json
import uuid
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
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
from marketing.segments import RuleSpec, compile_rule, rules_count, segment_count, segment_preview, segment_queryset
from marketing.services import campaigns as campaign_services
from messaging.models import OutboundEmail

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

    @admin.display(description=_("Rules"))
    def rule_summary(self, obj: Segment) -> str:
        return gettext(" AND ").join(str(rule) for rule in obj.rules.all()) or gettext("Everyone")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules")

    @admin.display(description=_("Live count and preview"))
    def members(self, obj: Segment) -> str:
        # One count message (#segment-live-count): it shows the saved rules' count, and the
        # page's script rewrites the same line while the rules on screen are edited.
        if obj is None or obj.pk is None:
            return format_html(
                '<p id="segment-live-count" aria-live="polite">{}</p>',
                gettext("Add rules below: the number of customers who match them shows here as you type."),
            )
        try:
            count = segment_count(obj)
            preview = segment_preview(obj)
        except SegmentRuleInvalid as exc:
            return format_html('<p id="segment-live-count" class="errornote" aria-live="polite">{}</p>', exc)
        export = reverse("admin:marketing_segment_export", args=[obj.pk])
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td></tr>",
            ((c.email, f"{c.first_name} {c.last_name}".strip()) for c in preview),
        )
        return format_html(
            '<p id="segment-live-count" aria-live="polite"><strong id="segment-count" data-count="{}">{}'
            "</strong>{}</p>"
            '<p><a class="button" href="{}">{}</a></p>'
            '<table id="segment-preview"><caption>{}</caption>'
            "<thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>{}",
            count,
            ngettext("%(count)s customer", "%(count)s customers", count) % {"count": f"{count:,}"},
            gettext(" in the segment now."),
            export,
            gettext("Export hashed emails (CSV)"),
            gettext("First 20 members (saved rules)"),
            gettext("Email"),
            gettext("Name"),
            rows,
            format_html("<p>{}</p>", gettext("No customer matches these rules.")) if not preview else "",
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
            return JsonResponse({"error": gettext("POST the rules.")}, status=405)
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            rules = json.loads(request.body or b"{}").get("rules") or []
            specs = [
                RuleSpec(str(r.get("field", "")), str(r.get("operator", "")), str(r.get("value", "")), i)
                for i, r in enumerate(rules[:50])
            ]
        except (ValueError, AttributeError, TypeError):
            return JsonResponse({"error": gettext("The rules could not be read.")}, status=400)
        try:
            count = rules_count(specs)
        except SegmentRuleInvalid as exc:
            return JsonResponse(
                {
                    "error": gettext("rule %(number)d: %(error)s")
                    % {"number": (exc.rule_position or 0) + 1, "error": exc}
                },
                status=200,
            )
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

    @admin.action(description=_("Export hashed emails (CSV, SHA-256)"))
    def export_hashed_emails(self, request, queryset):
        return self._csv_response(list(queryset))

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# --- campaigns -------------------------------------------------------------------------


class CampaignBlockForm(forms.ModelForm):
    image_url = forms.URLField(label=_("Image URL"), required=False, assume_scheme="https")

    class Meta:
        model = CampaignBlock
        fields = ("position", "kind", "heading", "text", "image_url", "image_alt", "link_url", "button_label",
                  "products", "limit")  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == CampaignBlock.Kind.PRODUCT_GRID and not cleaned.get("products"):
            self.add_error("products", _("Pick the products to show, or remove the block."))
        return cleaned


class CampaignBlockInline(admin.StackedInline):
    model = CampaignBlock
    form = CampaignBlockForm
    extra = 0
    fieldsets = (
        (None, {"fields": (("position", "kind"), "heading", "text", ("link_url", "button_label"))}),
        (_("Image block"), {"classes": ("collapse",), "fields": (("image_url", "image_alt"),)}),
        (_("Product grid / recommendations"), {"classes": ("collapse",), "fields": ("products", "limit")}),
    )
    filter_horizontal = ("products",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class PreviewForm(forms.Form):
    customer = forms.CharField(label=_("Customer email"), help_text=_("Preview the email as this customer sees it."))


# The buttons of the campaign page: each saves the form first, then acts (response_change).
SEND_NOW, SCHEDULE, SEND_TEST = "_send_now", "_schedule", "_send_test"
PAUSE, RESUME, CANCEL = "_pause", "_resume", "_cancel"
CAMPAIGN_BUTTONS = {
    # name: (label, statuses it is offered in, css class)
    SEND_NOW: (_("Send now"), (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED), "default"),
    SCHEDULE: (pgettext_lazy("campaign button", "Schedule"), (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED), ""),
    SEND_TEST: (_("Send a test to me"), tuple(Campaign.Status.values), ""),
    PAUSE: (_("Pause sending"), (Campaign.Status.SENDING,), ""),
    RESUME: (_("Resume sending"), (Campaign.Status.PAUSED,), "default"),
    CANCEL: (
        _("Cancel the campaign"),
        (Campaign.Status.SCHEDULED, Campaign.Status.SENDING, Campaign.Status.PAUSED),
        "",
    ),
}


class CampaignForm(forms.ModelForm):
    """Knows which button was pressed (its name is in the POST data), so "Schedule" without a
    time or "Send now" without a segment is an error next to the field."""

    class Meta:
        model = Campaign
        fields = ("name", "channel", "subject", "preheader", "sms_text", "segment", "scheduled_at", "agent_sendable")
        widgets = {"sms_text": forms.Textarea(attrs={"rows": 4, "data-sms-length": "1"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Forms (and scripts) written before SMS campaigns send no channel: email, as before.
        self.fields["channel"].required = False

    def clean_channel(self):
        return self.cleaned_data.get("channel") or Campaign.Channel.EMAIL

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("channel") == Campaign.Channel.SMS:
            if not (cleaned.get("sms_text") or "").strip():
                self.add_error("sms_text", _("Write the text of the SMS."))
        elif not (cleaned.get("subject") or "").strip():
            self.add_error("subject", _("Write the email's subject."))
        if SCHEDULE in self.data:
            when = cleaned.get("scheduled_at")
            if not when:
                self.add_error("scheduled_at", _("Choose the date and time to send at, then press “Schedule”."))
            elif when <= timezone.now():
                self.add_error("scheduled_at", _("Choose a time in the future."))
        if (SEND_NOW in self.data or SCHEDULE in self.data) and not cleaned.get("segment"):
            self.add_error("segment", _("Choose the segment to send to."))
        return cleaned


class SmsLengthForm(forms.Form):
    text = forms.CharField(required=False, max_length=2000, strip=False)


def sms_length_html(length) -> str:
    """“1 segment · 78 characters · GSM-7 (up to 160 in one SMS).”, and why UCS-2 costs more."""
    if length.segments > 1:
        per = gettext("%(count)s per segment") % {"count": length.per_segment}
    else:
        per = gettext("up to %(count)s in one SMS") % {"count": length.per_segment}
    warning = ""
    if length.encoding == "ucs2":
        warning = " " + gettext(
            "Characters outside the GSM alphabet (Japanese, emoji, ç…) make every segment hold 70 or 67."
        )
    return format_html(
        '<span class="sms-length" data-segments="{}" aria-live="polite"><strong>{}</strong> · {} · {} ({}).{}</span>',
        length.segments,
        ngettext("%(count)s segment", "%(count)s segments", length.segments) % {"count": length.segments},
        ngettext("%(count)s character", "%(count)s characters", length.units) % {"count": length.units},
        length.encoding_label,
        per,
        warning,
    )


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    form = CampaignForm
    save_on_top = True  # "Save" comes first in the form, so Enter in a field never presses "Send now"
    change_form_template = "admin/marketing/campaign/change_form.html"
    # The result sentence carries the progress too ("Sending: 40 of 79 handled…"), so the list
    # stays within a laptop screen beside the filters.
    list_display = ("name", "status", "segment", "result", "scheduled_at")
    list_filter = ("status", "agent_sendable")
    list_select_related = ("segment",)
    search_fields = ("name", "subject")
    inlines = [CampaignBlockInline]
    actions = ["send_now", "pause", "resume", "cancel", "send_test_to_me"]
    readonly_fields = (
        "status",
        "result",
        "progress",
        "audience_size",
        "processed_count",
        "sent_count",
        "skipped_cap_count",
        "skipped_consent_count",
        "skipped_suppressed_count",
        "started_at",
        "finished_at",
        "metrics",
        "tools",
        "sms_length",
    )
    fieldsets = (
        (None, {"fields": ("name", "channel", "subject", "preheader", "sms_text", "sms_length", "segment",
                           "scheduled_at", "agent_sendable")}),
        (pgettext_lazy("campaign section", "Send"), {"fields": ("tools",)}),
        (_("Sending"), {"fields": ("status", "result", "progress", "audience_size", "processed_count", "sent_count",
                                "skipped_cap_count", "skipped_consent_count", "skipped_suppressed_count",
                                "started_at", "finished_at")}),
        (_("Results"), {"fields": ("metrics",)}),
    )  # fmt: skip

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # nothing has been sent from a campaign that does not exist yet
            return (self.fieldsets[0], self.fieldsets[1])
        return self.fieldsets

    def changelist_view(self, request, extra_context=None):
        # One read of the settings per list page; the cap is worded when each row is shown, in the
        # reader's language (the admin object is shared by every request and language).
        self._cap_settings = AbandonmentSettings.current()
        return super().changelist_view(request, extra_context)

    def _cap_text(self) -> str:
        row = getattr(self, "_cap_settings", None)
        return selectors.cap_description(row if row is not None else AbandonmentSettings.current())

    @admin.display(description=_("Progress"))
    def progress(self, obj: Campaign) -> str:
        if obj is None or obj.pk is None:
            return "—"
        percent = obj.progress_percent
        return format_html(
            '<progress max="100" value="{}" aria-label="{}">{}%</progress> {}',
            percent,
            gettext("Campaign progress"),
            percent,
            gettext("%(percent)s%% (%(done)s of %(total)s)")
            % {"percent": percent, "done": obj.processed_count, "total": obj.audience_size},
        )

    @admin.display(description=_("Result"))
    def result(self, obj: Campaign) -> str:
        if obj is None or obj.pk is None:
            return "—"
        outcome = selectors.campaign_result(obj, cap=self._cap_text())
        if outcome is None:
            return gettext("Not sent yet.")
        # Our own words plus numbers: escape, then link the settings the cap comes from.
        settings_words = gettext("Flow settings")
        text = conditional_escape(outcome.text).replace(
            conditional_escape(settings_words),
            format_html(
                '<a href="{}">{}</a>', reverse("admin:marketing_abandonmentsettings_changelist"), settings_words
            ),
        )
        css = "campaign-result campaign-result--nothing" if outcome.nothing_sent else "campaign-result"
        return format_html('<span class="{}" data-status="{}">{}</span>', css, obj.status, mark_safe(text))  # noqa: S308 - escaped above

    @admin.display(description=_("SMS length"))
    def sms_length(self, obj: Campaign) -> str:
        """The text as it goes out (shop name first, opt-out line last): its characters, its
        encoding and how many SMS (segments) each customer's copy costs. Updated as you type."""
        text = obj.sms_text if obj is not None and obj.pk else ""
        return sms_length_html(campaign_services.sms_text_length(text))

    @admin.display(description=_("Send and test"))
    def tools(self, obj: Campaign) -> str:
        saved = obj is not None and obj.pk is not None
        status = obj.status if saved else Campaign.Status.DRAFT  # the add page offers a draft's buttons
        offered = [(name, css, label) for name, (label, shown, css) in CAMPAIGN_BUTTONS.items() if status in shown]
        buttons = format_html_join(
            " ", '<button type="submit" name="{}" value="1" class="button {}">{}</button>', offered
        )
        links = ""
        if saved:
            links = format_html(
                '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
                reverse("admin:marketing_campaign_preview", args=[obj.pk]),
                gettext("Preview as a customer"),
                reverse("admin:marketing_campaign_metrics", args=[obj.pk]),
                gettext("Metrics and chart"),
            )
        audience = ""
        if saved and obj.segment_id and obj.status in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
            try:
                size = segment_count(obj.segment)
            except SegmentRuleInvalid:
                size = None
            if size is not None and obj.channel == Campaign.Channel.SMS:
                from mobile.selectors import customers_with_texting

                textable = customers_with_texting(segment_queryset(obj.segment), marketing=True).count()
                length = campaign_services.campaign_sms_length(obj)
                audience = " " + ngettext(
                    "“%(segment)s” has %(size)s customer now; %(textable)s of them can get texts (marketing-SMS "
                    "consent, a phone number, no STOP).",
                    "“%(segment)s” has %(size)s customers now; %(textable)s of them can get texts (marketing-SMS "
                    "consent, a phone number, no STOP).",
                    size,
                ) % {"segment": obj.segment.name, "size": f"{size:,}", "textable": f"{textable:,}"}
                audience += " " + ngettext(
                    "Each text is %(segments)s segment (%(units)s characters, %(encoding)s): about %(total)s SMS "
                    "in all.",
                    "Each text is %(segments)s segments (%(units)s characters, %(encoding)s): about %(total)s SMS "
                    "in all.",
                    length.segments,
                ) % {
                    "segments": length.segments,
                    "units": length.units,
                    "encoding": length.encoding_label,
                    "total": f"{textable * length.segments:,}",
                }
                audience += " " + gettext(
                    "The frequency cap is checked when it is sent, and texts due in a customer's quiet hours wait "
                    "for the morning."
                )
            elif size is not None:
                audience = " " + ngettext(
                    "“%(segment)s” has %(size)s customer now; consent, suppression and the frequency cap are "
                    "checked for each when it is sent.",
                    "“%(segment)s” has %(size)s customers now; consent, suppression and the frequency cap are "
                    "checked for each when it is sent.",
                    size,
                ) % {"segment": obj.segment.name, "size": f"{size:,}"}
        if status in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
            hint = gettext(
                "Each button saves your changes first. “Schedule” sends at the time in “Scheduled at”; "
                "a test goes to you only (marked [TEST], not counted)."
            )
        else:
            hint = gettext("A test goes to you only (marked [TEST], not counted).")
        return format_html(
            '<div class="campaign-buttons">{}</div><p class="help">{}{}</p><div>{}</div>',
            buttons,
            hint,
            audience,
            links,
        )

    @admin.display(description=_("Metrics"))
    def metrics(self, obj: Campaign) -> str:
        if obj is None or obj.pk is None:
            return "—"
        m = selectors.campaign_metrics(obj)
        return format_html(
            "{}",
            gettext(
                "Sent %(sent)s · delivered %(delivered)s · opened %(opened)s (%(open_rate)s) · clicked %(clicked)s "
                "(%(click_rate)s) · unsubscribed %(unsubscribed)s · orders %(orders)s · revenue %(revenue)s"
            )
            % {
                "sent": m.sent,
                "delivered": m.delivered,
                "opened": m.opened,
                "open_rate": m.open_rate,
                "clicked": m.clicked,
                "click_rate": m.click_rate,
                "unsubscribed": m.unsubscribed,
                "orders": m.orders,
                "revenue": m.revenue_display,
            },
        )

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        if obj.status == Campaign.Status.SCHEDULED and not obj.scheduled_at:
            obj.status = Campaign.Status.DRAFT  # the time was cleared: it no longer starts by itself
        # A draft saved with a new time is scheduled (after its blocks are saved, see _after_save).
        request._campaign_time_set = (
            obj.status == Campaign.Status.DRAFT and obj.scheduled_at is not None and "scheduled_at" in form.changed_data
        )
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self._after_save(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._after_save(request, obj) or super().response_change(request, obj)

    def _after_save(self, request, obj: Campaign):
        """Run the pressed button's service on the saved campaign; stay on its page."""
        pressed = next((name for name in CAMPAIGN_BUTTONS if name in request.POST), None)
        if pressed is None and getattr(request, "_campaign_time_set", False):
            pressed = SCHEDULE
        if pressed is None:
            return None
        here = HttpResponseRedirect(reverse("admin:marketing_campaign_change", args=[obj.pk]))
        if pressed == SEND_TEST and obj.channel == Campaign.Channel.SMS:
            self.message_user(
                request,
                gettext(
                    "Saved. Texts are not sent as tests (each one costs money): “Preview as a customer” shows the "
                    "text any customer would get, with its length."
                ),
                messages.INFO,
            )
            return here
        if pressed == SEND_TEST:
            campaign_services.campaign_send_test(campaign=obj, to_user=request.user)
            self.message_user(
                request,
                gettext("Saved. A test of “%(name)s” is on its way to %(email)s.")
                % {"name": obj.name, "email": request.user.email},
                messages.SUCCESS,
            )
            return here
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            if pressed == SEND_NOW:
                started = campaign_services.campaign_send_start(campaign=obj, actor=request.user)
                note = ngettext(
                    "Saved and sending “%(name)s” to the %(count)s customer of “%(segment)s”. "
                    "This page shows who was skipped and why when it finishes.",
                    "Saved and sending “%(name)s” to the %(count)s customers of “%(segment)s”. "
                    "This page shows who was skipped and why when it finishes.",
                    started.audience_size,
                ) % {"name": obj.name, "count": f"{started.audience_size:,}", "segment": started.segment.name}
            elif pressed == SCHEDULE:
                scheduled = campaign_services.campaign_schedule(campaign=obj, when=obj.scheduled_at, actor=request.user)
                when = timezone.localtime(scheduled.scheduled_at)
                note = gettext("Saved and scheduled: “%(name)s” starts by itself on %(when)s.") % {
                    "name": obj.name,
                    "when": date_format(when, "DATETIME_FORMAT"),
                }
            elif pressed == PAUSE:
                campaign_services.campaign_pause(campaign=obj, actor=request.user)
                note = gettext("Paused “%(name)s”. Resume sends to the rest of the segment.") % {"name": obj.name}
            elif pressed == RESUME:
                campaign_services.campaign_resume(campaign=obj, actor=request.user)
                note = gettext("Resumed “%(name)s”.") % {"name": obj.name}
            else:
                campaign_services.campaign_cancel(campaign=obj, actor=request.user)
                note = gettext("Cancelled “%(name)s”: nothing more is sent.") % {"name": obj.name}
        except CampaignStateError as exc:
            self.message_user(request, gettext("Saved, but not sent: %(error)s") % {"error": exc}, messages.ERROR)
            return here
        self.message_user(request, note, messages.SUCCESS)
        return here

    def _each(self, request, queryset, service, done):
        ok = 0
        for campaign in queryset:
            try:
                service(campaign=campaign, actor=request.user)
                ok += 1
            except CampaignStateError as exc:
                self.message_user(
                    request, gettext("%(name)s: %(error)s") % {"name": campaign.name, "error": exc}, messages.ERROR
                )
        if ok:
            self.message_user(request, done(ok) % {"count": ok}, messages.SUCCESS)

    @admin.action(description=_("Send now"), permissions=["change"])
    def send_now(self, request, queryset):
        self._each(
            request,
            queryset,
            campaign_services.campaign_send_start,
            lambda n: ngettext("%(count)d campaign is sending.", "%(count)d campaigns are sending.", n),
        )

    @admin.action(description=_("Pause sending"), permissions=["change"])
    def pause(self, request, queryset):
        self._each(
            request,
            queryset,
            campaign_services.campaign_pause,
            lambda n: ngettext("%(count)d campaign is paused.", "%(count)d campaigns are paused.", n),
        )

    @admin.action(description=_("Resume sending"), permissions=["change"])
    def resume(self, request, queryset):
        self._each(
            request,
            queryset,
            campaign_services.campaign_resume,
            lambda n: ngettext("%(count)d campaign is sending again.", "%(count)d campaigns are sending again.", n),
        )

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request, queryset):
        self._each(
            request,
            queryset,
            campaign_services.campaign_cancel,
            lambda n: ngettext("%(count)d campaign is cancelled.", "%(count)d campaigns are cancelled.", n),
        )

    @admin.action(description=_("Send a test to me"), permissions=["view"])
    def send_test_to_me(self, request, queryset):
        for campaign in queryset:
            campaign_services.campaign_send_test(campaign=campaign, to_user=request.user)
        self.message_user(request, gettext("Test sent to %(email)s.") % {"email": request.user.email}, messages.SUCCESS)

    def get_urls(self):
        return [
            path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view), name="marketing_campaign_preview"),
            path("<int:pk>/metrics/", self.admin_site.admin_view(self.metrics_view), name="marketing_campaign_metrics"),
            path(
                "<int:pk>/progress/", self.admin_site.admin_view(self.progress_view), name="marketing_campaign_progress"
            ),
            path("sms-length/", self.admin_site.admin_view(self.sms_length_view), name="marketing_campaign_sms_length"),
        ] + super().get_urls()

    def sms_length_view(self, request):
        """The length of the SMS text being typed (POST `text`), as the "SMS length" line
        shows it: one implementation of the GSM-7/UCS-2 rules (mobile.segments), on the server."""
        if request.method != "POST":
            return JsonResponse({"error": gettext("POST the text.")}, status=405)
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SmsLengthForm(request.POST)
        text = form.cleaned_data["text"] if form.is_valid() else ""
        length = campaign_services.sms_text_length(text)
        return JsonResponse({"html": sms_length_html(length), "segments": length.segments})

    PROGRESS_FIELDS = ("tools", "status", "result", "progress", "processed_count", "sent_count", "skipped_cap_count",
                       "skipped_consent_count", "skipped_suppressed_count", "finished_at", "metrics")  # fmt: skip

    def change_view(self, request, object_id, form_url="", extra_context=None):
        campaign = Campaign.objects.filter(pk=object_id).only("status", "finished_at").first()
        # Follow a campaign that sends, or finished moments ago (its mail may still be going out).
        recent = timezone.now() - timedelta(minutes=10)
        follow = campaign is not None and (
            campaign.status == Campaign.Status.SENDING or (campaign.finished_at or recent) > recent
        )
        extra_context = {**(extra_context or {}), "follow_progress": follow}
        self._cap_settings = AbandonmentSettings.current()  # the cap as it is now, not as the last list saw it
        return super().change_view(request, object_id, form_url, extra_context)

    def progress_view(self, request, pk: int):
        """The "Sending" fields as HTML, polled by the campaign page while it sends."""
        campaign = get_object_or_404(Campaign.objects.select_related("segment"), pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        self._cap_settings = AbandonmentSettings.current()
        fields = {}
        for name in self.PROGRESS_FIELDS:
            value = getattr(self, name, None)
            if callable(value):
                fields[name] = str(value(campaign))
            elif name == "status":
                fields[name] = str(conditional_escape(campaign.get_status_display()))
            elif name == "finished_at":
                fields[name] = date_format(timezone.localtime(campaign.finished_at), "DATETIME_FORMAT") if (
                    campaign.finished_at) else "-"  # fmt: skip
            else:
                fields[name] = str(getattr(campaign, name))
        # Keep following while the worker is still delivering what was queued (metrics).
        delivering = OutboundEmail.objects.filter(
            marketing_message__campaign=campaign,
            status__in=(OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING),
        ).exists()
        return JsonResponse({"status": campaign.status, "following": campaign.status == "sending" or delivering,
                             "fields": fields})  # fmt: skip

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
                error = gettext("No customer has that email address.")
            else:
                customer = found
        if campaign.channel == Campaign.Channel.SMS:
            from mobile.segments import sms_length

            text = campaign_services.campaign_sms_text(campaign, customer=customer)
            return TemplateResponse(
                request,
                "admin/marketing/campaign_preview.html",
                {
                    **self.admin_site.each_context(request),
                    "title": gettext("Preview: %(name)s") % {"name": campaign.name},
                    "campaign": campaign,
                    "form": form,
                    "error": error,
                    "customer": customer,
                    "sms_text": text,
                    "sms_length": sms_length_html(sms_length(text)),
                    "opts": self.model._meta,
                },
            )
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
                "title": gettext("Preview: %(name)s") % {"name": campaign.name},
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
                "title": gettext("Metrics: %(name)s") % {"name": campaign.name},
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
        (_("Cart abandonment"), {"fields": ("enabled", "delay1_minutes", "delay2_minutes", "max_reminders",
                                         "promo_percent", "promo_valid_days", "intake_window_hours",
                                         "series_cooldown_days", "agent_quiet_hours")}),
        (_("Browse and search abandonment"), {"fields": ("browse_enabled", "browse_min_views", "browse_window_hours",
                                                      "search_enabled", "search_window_hours",
                                                      "behaviour_delay_minutes")}),
        (_("Every marketing email"), {"fields": ("frequency_cap_count", "frequency_cap_hours",
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
                "title": gettext("Marketing metrics per flow"),
                "rows": selectors.flow_metrics(),
                "series": series,
                "flows": selectors.FLOWS,
                "flow": flow,
                "flow_label": str(MarketingMessage.Flow(flow).label),
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
