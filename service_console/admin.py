from django.contrib import admin
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from service_console.models import Article, Case, CaseMessage
from service_console.rendering import markdown_to_safe_html


class CaseMessageInline(admin.TabularInline):
    model = CaseMessage
    extra = 0
    fields = ("created_at", "kind", "author", "body")
    readonly_fields = ("created_at", "kind", "author", "body")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("case_number", "subject", "customer", "channel", "status", "priority", "assignee", "created_at")
    list_filter = ("status", "priority", "channel", ("created_at", admin.DateFieldListFilter))
    search_fields = ("subject", "customer__email", "customer__last_name", "order_numbers")
    list_select_related = ("customer", "assignee")
    raw_id_fields = ("customer", "assignee", "created_by")
    readonly_fields = ("created_at", "updated_at", "solved_at")
    inlines = [CaseMessageInline]
    date_hierarchy = "created_at"

    @admin.display(description="Number", ordering="pk")
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

    @admin.display(description="Preview (sanitised)")
    def preview(self, obj):
        if not obj.pk:
            return "Save to see a preview."
        return format_html('<div style="max-width:720px">{}</div>', markdown_to_safe_html(obj.body))
