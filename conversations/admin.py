from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from conversations.models import AgentPresence, AssignmentSettings, ChatMessage, Conversation
from conversations.selectors import deflection_report


class ChatMessageInline(admin.TabularInline):
    model = ChatMessage
    extra = 0
    fields = ("created_at", "sender", "author", "kind", "body")
    readonly_fields = fields
    can_delete = False
    ordering = ("id",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Chats, read-only, with the bot's deflection per intent above the list (for the
    conversations the list's filters select)."""

    list_display = ("short_id", "customer", "status", "intent", "outcome", "assignee", "created_at")
    list_filter = ("status", "intent", "outcome", ("created_at", admin.DateFieldListFilter))
    search_fields = ("public_id", "customer__email", "customer__last_name")
    list_select_related = ("customer", "assignee")
    raw_id_fields = ("customer", "assignee")
    readonly_fields = [f.name for f in Conversation._meta.fields]
    inlines = [ChatMessageInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Chat"), ordering="pk")
    def short_id(self, obj):
        return obj.short_id

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if changelist is not None:
            response.context_data["deflection"] = deflection_report(changelist.queryset)
        return response


@admin.register(AgentPresence)
class AgentPresenceAdmin(admin.ModelAdmin):
    list_display = ("agent", "status", "connections", "seen_at", "last_assigned_at")
    list_filter = ("status",)
    list_select_related = ("agent",)
    readonly_fields = ("agent", "connections", "seen_at", "changed_at", "last_assigned_at")

    def has_add_permission(self, request):
        return False


@admin.register(AssignmentSettings)
class AssignmentSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "chats_round_robin", "cases_round_robin", "max_chats_per_agent")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not AssignmentSettings.objects.exists()
