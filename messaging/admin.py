import uuid

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from messaging.models import EmailEvent, OutboundEmail, Suppression
from messaging.rendering import email_render
from messaging.samples import email_templates, sample_context
from messaging.services import email_enqueue, email_retry, suppression_add

_STATUS_COLOUR = {
    "sent": "#15803d",
    "failed": "#b91c1c",
    "suppressed": "#a16207",
    "sending": "#1d4ed8",
    "queued": "#475569",
}


class EmailEventInline(admin.TabularInline):
    model = EmailEvent
    fields = ("created_at", "kind", "url", "user_agent")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to_email", "kind", "status_label", "marketing", "attempts", "sent_at")
    list_filter = ("status", "kind", "marketing")
    search_fields = ("to_email", "dedupe_key", "message_id")
    ordering = ("-id",)  # the pk index; same order as created_at
    list_per_page = 50
    show_full_result_count = False  # the outbox grows large; counting it all is slow
    inlines = [EmailEventInline]
    change_list_template = "messaging/admin/outbox_change_list.html"
    actions = ["retry_failed", "record_hard_bounce", "record_complaint"]
    fields = (
        "preview_link",
        "to_email",
        "customer",
        "kind",
        "template",
        "marketing",
        "status",
        "attempts",
        "last_error",
        "subject",
        "message_id",
        "provider_message_id",
        "dedupe_key",
        "created_at",
        "sent_at",
        "next_attempt_at",
        "lease_until",
        "context",
    )
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: OutboundEmail) -> str:
        colour = _STATUS_COLOUR.get(obj.status, "inherit")
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.get_status_display())

    @admin.display(description=_("preview"))
    def preview_link(self, obj: OutboundEmail) -> str:
        if obj.pk is None:
            return "-"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Open the message preview</a>',
            reverse("admin:messaging_outboundemail_preview", args=[obj.pk]),
        )

    @admin.action(description=_("Retry the selected failed or suppressed emails"), permissions=["change"])
    def retry_failed(self, request, queryset):
        retried = sum(email_retry(email=email, actor=request.user) for email in queryset)
        self.message_user(
            request,
            ngettext("%(count)d email queued again.", "%(count)d emails queued again.", retried) % {"count": retried},
            messages.SUCCESS,
        )

    @admin.action(description=_("Record a hard bounce (block all mail to these addresses)"), permissions=["change"])
    def record_hard_bounce(self, request, queryset):
        for email in queryset.select_related("customer"):
            suppression_add(
                email_address=email.to_email,
                reason=Suppression.Reason.HARD_BOUNCE,
                actor=request.user,
                source_email=email,
            )
        self.message_user(request, "Hard bounce recorded; these addresses get no more mail.", messages.SUCCESS)

    @admin.action(description=_("Record a spam complaint (block marketing mail)"), permissions=["change"])
    def record_complaint(self, request, queryset):
        for email in queryset.select_related("customer"):
            suppression_add(
                email_address=email.to_email,
                reason=Suppression.Reason.COMPLAINT,
                actor=request.user,
                source_email=email,
            )
        self.message_user(request, "Complaint recorded; these addresses get no more marketing mail.", messages.SUCCESS)

    def get_urls(self):
        custom = [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="messaging_outboundemail_preview",
            ),
            path(
                "templates/",
                self.admin_site.admin_view(self.templates_view),
                name="messaging_outboundemail_templates",
            ),
            path(
                "templates/<str:name>/",
                self.admin_site.admin_view(self.template_preview_view),
                name="messaging_outboundemail_template_preview",
            ),
        ]
        return custom + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "templates_url": reverse("admin:messaging_outboundemail_templates")}
        return super().changelist_view(request, extra_context)

    def _render_or_error(self, **kwargs):
        try:
            return email_render(track=False, **kwargs), ""
        except (TemplateDoesNotExist, TemplateSyntaxError) as exc:
            return None, f"{type(exc).__name__}: {exc}"

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        email = get_object_or_404(OutboundEmail, pk=pk)
        rendered, error = self._render_or_error(
            template=email.template,
            to_email=email.to_email,
            context=email.context,
            marketing=email.marketing,
            public_id=email.public_id,
            kind=email.kind,
            language=email.language,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview: {email.kind} to {email.to_email}",
            "email": email,
            "rendered": rendered,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "messaging/admin/preview.html", context)

    def templates_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": "Email templates",
            "templates": email_templates(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "messaging/admin/templates.html", context)

    def template_preview_view(self, request: HttpRequest, name: str) -> HttpResponse:
        if not self.has_view_permission(request) or name not in email_templates():
            raise Http404
        sample, source = sample_context(name)
        marketing = request.GET.get("marketing") == "1"
        if request.method == "POST":
            email_enqueue(
                to=request.user.email,
                kind="test",
                template=name,
                context=sample,
                dedupe_key=f"test:{name}:{uuid.uuid4().hex}",
                customer=request.user,
            )
            self.message_user(
                request,
                gettext("Test of “%(name)s” queued for %(email)s.") % {"name": name, "email": request.user.email},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.get_full_path())
        rendered, error = self._render_or_error(
            template=name,
            to_email=request.user.email,
            context=sample,
            marketing=marketing,
            public_id=uuid.uuid4(),
            kind="preview",
            language=translation.get_language(),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Template preview: {name}",
            "name": name,
            "rendered": rendered,
            "error": error,
            "source": source,
            "marketing": marketing,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "messaging/admin/template_preview.html", context)


@admin.register(EmailEvent)
class EmailEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "email", "customer", "url")
    list_filter = ("kind",)
    search_fields = ("email__to_email", "customer__email", "url")
    list_select_related = ("email", "customer")
    readonly_fields = ("email", "customer", "kind", "url", "user_agent", "created_at")
    raw_id_fields = ("email", "customer")
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("email", "reason", "created_at", "note")
    list_filter = ("reason",)
    search_fields = ("email",)
    fields = ("email", "reason", "note")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = suppression_add(email_address=obj.email, reason=obj.reason, note=obj.note, actor=request.user)
        obj.pk = saved.pk
