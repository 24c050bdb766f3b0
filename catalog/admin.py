from django.contrib import admin, messages
from django.db.models import Count, Min, Sum
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline
from simple_history.admin import SimpleHistoryAdmin

from catalog.images import product_image_thumbnail_make
from catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductView,
    Recommendation,
    SearchQuery,
    StockReservation,
    Variant,
)
from catalog.services import products_publish
from common.money import format_money


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("sku", "size", "colour", "price", "compare_at_price", "stock", "weight_grams", "is_active")


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ("image", "alt_text", "colour", "position", "thumbnail_preview")
    readonly_fields = ("thumbnail_preview",)

    @admin.display(description=_("Thumbnail"))
    def thumbnail_preview(self, obj):
        from django.utils.html import format_html

        if obj.pk and obj.thumbnail:
            return format_html('<img src="{}" width="64" height="64" alt="">', obj.thumbnail.url)
        return "—"


class ChildCategoryInline(TranslationTabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    """Names in every language side by side (django-modeltranslation)."""

    list_display = ("name", "parent", "slug", "position", "product_count")
    list_filter = ("parent",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ChildCategoryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent").annotate(_products=Count("products"))

    @admin.display(description=_("Products"), ordering="_products")
    def product_count(self, obj):
        return obj._products


class InStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("in", "In stock"), ("low", "Low (1-3 in some option)"), ("out", "Sold out")]

    def queryset(self, request, queryset):
        if self.value() == "in":
            return queryset.filter(variants__stock__gt=0).distinct()
        if self.value() == "low":
            return queryset.filter(variants__stock__gte=1, variants__stock__lte=3).distinct()
        if self.value() == "out":
            return queryset.exclude(variants__stock__gt=0)
        return queryset


@admin.register(Product)
class ProductAdmin(TranslationAdmin):
    """Name and description in every language side by side (django-modeltranslation)."""

    list_display = ("name", "category", "is_published", "is_featured", "price_from", "stock_total", "created_at")
    list_filter = ("is_published", "is_featured", InStockFilter, "category", "created_at")
    list_editable = ("is_published", "is_featured")
    search_fields = ("name", "slug", "description", "variants__sku")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("category",)
    autocomplete_fields = ("category",)
    date_hierarchy = "created_at"
    inlines = [VariantInline, ProductImageInline]
    actions = ["publish", "unpublish"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "description", "size_guide", "tax_class")}),
        ("Visibility", {"fields": ("is_published", "is_featured")}),
        ("Search engines", {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)}),
        ("Price history", {"fields": ("price_history",), "classes": ("collapse",)}),
    )
    readonly_fields = ("price_history",)

    @admin.display(description=_("Price changes (newest first)"))
    def price_history(self, obj):
        """Each change of a variant's price: before → after, who and when (django-simple-history)."""
        if obj is None or obj.pk is None:
            return "—"
        rows = list(
            Variant.history.filter(product_id=obj.pk)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
            .values("id", "sku", "price", "history_date", "history_user__email")
        )
        changes, last_price = [], {}
        for row in rows:
            before = last_price.get(row["id"])
            if before is not None and before != row["price"]:
                changes.append(
                    (row["sku"], before, row["price"], row["history_user__email"] or "system", row["history_date"])
                )
            last_price[row["id"]] = row["price"]
        if not changes:
            return "No price changes recorded."
        changes.sort(key=lambda c: c[4], reverse=True)
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {} → {} by {} on {}</li>",
                ((sku, before, after, who, f"{when:%Y-%m-%d %H:%M}") for sku, before, after, who, when in changes[:20]),
            ),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_price=Min("variants__price"), _stock=Sum("variants__stock"))

    @admin.display(description=_("From"), ordering="_price")
    def price_from(self, obj):
        return format_money(obj._price) if obj._price is not None else "—"

    @admin.display(description=_("Stock"), ordering="_stock")
    def stock_total(self, obj):
        return obj._stock or 0

    @admin.action(description=_("Publish selected products"), permissions=["change"])
    def publish(self, request, queryset):
        count = products_publish(
            product_ids=list(queryset.values_list("pk", flat=True)), published=True, actor=request.user
        )
        self.message_user(
            request,
            ngettext("Published %(count)d product.", "Published %(count)d products.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected products"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = products_publish(
            product_ids=list(queryset.values_list("pk", flat=True)), published=False, actor=request.user
        )
        self.message_user(
            request,
            ngettext("Unpublished %(count)d product.", "Unpublished %(count)d products.", count) % {"count": count},
            messages.SUCCESS,
        )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is ProductImage:
            for image in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                if "image" in image.get_deferred_fields() or not image.image:
                    continue
                product_image_thumbnail_make(image=image)


@admin.register(Variant)
class VariantAdmin(SimpleHistoryAdmin):
    list_display = ("sku", "product", "size", "colour", "price", "stock", "is_active")
    list_filter = ("is_active", "colour", "size")
    search_fields = ("sku", "product__name")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)


@admin.register(SearchQuery)
class SearchQueryAdmin(admin.ModelAdmin):
    list_display = ("query", "results_count", "customer", "created_at")
    list_filter = ("created_at",)
    search_fields = ("query", "customer__email")
    list_select_related = ("customer",)
    readonly_fields = ("query", "normalized", "results_count", "customer", "session_key", "created_at")


@admin.register(ProductView)
class ProductViewAdmin(admin.ModelAdmin):
    list_display = ("product", "customer", "session_key", "viewed_at")
    list_filter = ("viewed_at",)
    search_fields = ("product__name", "customer__email")
    list_select_related = ("product", "customer")
    raw_id_fields = ("product", "customer")


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ("kind", "source_product", "customer", "product", "rank", "reason", "computed_at")
    list_filter = ("kind",)
    search_fields = ("source_product__name", "product__name", "customer__email")
    list_select_related = ("source_product", "customer", "product")
    raw_id_fields = ("source_product", "customer", "product")


@admin.register(StockReservation)
class StockReservationAdmin(admin.ModelAdmin):
    list_display = ("cart", "variant", "quantity", "reserved_by", "expires_at")
    readonly_fields = ("cart", "variant", "quantity", "reserved_by", "expires_at", "created_at")
