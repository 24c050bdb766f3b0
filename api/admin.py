from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import IntegrationToken, Scope, WebhookDelivery, WebhookEvent, WebhookSubscription
from api.tasks import webhook_deliver
from common.tasks import enqueue_on_commit


class IntegrationTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = IntegrationToken
        fields = ["name", "customer", "scopes", "expires_at", "revoked_at"]

    def clean(self):
        data = super().clean()
        scopes = set(data.get("scopes") or [])
        customer = data.get("customer")
        if scopes & {Scope.SHOPPER, Scope.STAFF} and customer is None:
            raise forms.ValidationError(_("Shopper and staff tokens act as a customer: choose one."))
        if Scope.STAFF in scopes and customer is not None and not customer.is_staff:
            raise forms.ValidationError(_("A staff-scoped token needs a staff account (an agent)."))
        return data


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    form = IntegrationTokenForm
    list_display = ("name", "masked", "customer", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "customer__email")
    autocomplete_fields = ("customer",)
    readonly_fields = ("masked", "created_by", "created_at", "last_used_at")
    actions = ["revoke"]

    @admin.display(description=_("token"))
    def masked(self, obj):
        return f"uc_{obj.prefix}_…" if obj.prefix else "(shown once, after saving)"

    def save_model(self, request, obj, form, change):
        if not change:
            raw = obj.issue()
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                format_html(
                    "Copy this token now — it is stored hashed and will not be shown again: <code>{}</code>", raw
                ),
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request, ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", count) % {"count": count}
        )


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "secret", "is_active"]
        widgets = {"secret": forms.TextInput(attrs={"size": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secret"].required = False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "events", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "subscription", "status", "attempts", "response_status", "delivered_at")
    list_filter = ("status", "event", "subscription")
    search_fields = ("event_id", "last_error")
    list_select_related = ("subscription",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    date_hierarchy = "created_at"
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Deliver again (reset attempts)"))
    def redeliver(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookDelivery.Status.PENDING, attempts=0)
        for pk in ids:
            enqueue_on_commit(webhook_deliver, pk)
        self.message_user(
            request,
            ngettext("Queued %(count)d delivery again.", "Queued %(count)d deliveries again.", len(ids))
            % {"count": len(ids)},
        )
