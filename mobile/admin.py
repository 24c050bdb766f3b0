"""Admin: the SMS and push outbox (status, delivery reports, why a message waits or was not
sent), opt-outs and inbound texts. Read-only: messages are written by the services."""

from django.contrib import admin

from mobile.models import InboundSms, OutboundMessage, PushSubscription, SmsOptOut


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "kind", "to_phone", "customer", "status", "delivery_status", "segments")
    list_filter = ("channel", "status", "delivery_status", "marketing", "kind")
    search_fields = ("to_phone", "customer__email", "provider_message_id", "dedupe_key")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "from_phone", "action", "customer", "body")
    list_filter = ("action",)
    search_fields = ("from_phone", "body")
    list_select_related = ("customer",)


@admin.register(SmsOptOut)
class SmsOptOutAdmin(ReadOnlyAdmin):
    list_display = ("phone", "keyword", "created_at")
    search_fields = ("phone",)


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("customer", "user_agent", "created_at", "last_sent_at")
    search_fields = ("customer__email",)
    list_select_related = ("customer",)
