from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import SavedReplyAdminForm
from helpdesk.models import SatisfactionRating, SavedReply
from helpdesk.selectors import satisfaction_by_agent
from helpdesk.services import SAVED_REPLY_TOKENS


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    form = SavedReplyAdminForm
    list_display = ("title", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("title", "body")
    readonly_fields = ("tokens",)
    fields = ("title", "body", "tokens", "is_active")

    @admin.display(description=_("Tokens you can use"))
    def tokens(self, obj=None):
        return format_html_join(
            "", "<div><code>{{{}}}</code> — {}</div>", ((name, meaning) for name, meaning in SAVED_REPLY_TOKENS.items())
        )


@admin.register(SatisfactionRating)
class SatisfactionRatingAdmin(admin.ModelAdmin):
    """Ratings as they come in, with the per-agent report above the list (narrowed by the
    same filters and search)."""

    change_list_template = "admin/helpdesk/satisfactionrating/change_list.html"
    list_display = ("reference", "channel", "score", "agent", "customer", "requested_at", "rated_at")
    list_filter = ("channel", "score", ("requested_at", admin.DateFieldListFilter), "agent")
    search_fields = ("reference", "agent__email", "agent__last_name", "customer__email", "comment")
    list_select_related = ("agent", "customer")
    readonly_fields = [f.name for f in SatisfactionRating._meta.fields]
    date_hierarchy = "requested_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("cl") is not None:
            context["satisfaction_report"] = satisfaction_by_agent(context["cl"].queryset)
        return response
