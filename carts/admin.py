from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from carts.models import Cart, CartLine, CartOverride, Voucher, VoucherRedemption
from carts.services import voucher_create_single_use
from common.money import format_money


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    fields = ("variant", "quantity", "added_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CartOverrideInline(admin.TabularInline):
    model = CartOverride
    extra = 0
    fields = ("scope", "line", "kind", "value", "reason_code", "reason_text", "agent", "status")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    """Carts are edited through the storefront or the console (versioned services), not here."""

    list_display = ("id", "customer", "email", "status", "version", "voucher", "last_activity_at")
    list_filter = ("status", ("last_activity_at", admin.DateFieldListFilter))
    search_fields = ("customer__email", "email", "session_key")
    list_select_related = ("customer", "voucher")
    readonly_fields = [f.name for f in Cart._meta.fields]
    inlines = [CartLineInline, CartOverrideInline]

    def has_add_permission(self, request):
        return False


@admin.register(Voucher)
class VoucherAdmin(SimpleHistoryAdmin):
    list_display = ("code", "kind", "value", "min_spend", "valid_from", "valid_to", "times_used", "usage_limit_total")
    list_filter = ("kind", "is_active", "single_use", "source")
    search_fields = ("code", "description", "customer__email")
    readonly_fields = ("times_used", "created_at")
    raw_id_fields = ("customer",)
    actions = ["generate_single_use_codes"]

    @admin.action(description=_("Generate 10 single-use codes like the selected voucher"), permissions=["add"])
    def generate_single_use_codes(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one voucher as the template.", messages.WARNING)
            return
        template = queryset.get()
        codes = [
            voucher_create_single_use(
                kind=template.kind,
                value=template.value,
                valid_to=template.valid_to,
                valid_days=None if template.valid_to else 30,
                min_spend=template.min_spend,
                prefix="".join(ch for ch in template.code if ch.isalnum())[:6] or "UC",
                source=f"admin:{template.code}",
                description=f"Single-use copy of {template.code}",
            ).code
            for _ in range(10)
        ]
        self.message_user(
            request, gettext("10 single-use codes created: %(codes)s") % {"codes": ", ".join(codes)}, messages.SUCCESS
        )


@admin.register(VoucherRedemption)
class VoucherRedemptionAdmin(admin.ModelAdmin):
    list_display = ("voucher", "order_number", "email", "amount_display", "created_at")
    search_fields = ("voucher__code", "order_number", "email")
    readonly_fields = ("voucher", "customer", "email", "order_number", "amount", "created_at")

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("Amount"), ordering="amount")
    def amount_display(self, obj):
        return format_money(obj.amount)


@admin.register(CartOverride)
class CartOverrideAdmin(admin.ModelAdmin):
    list_display = (
        "cart",
        "customer",
        "scope",
        "kind",
        "value",
        "percent_equivalent",
        "reason_code",
        "agent",
        "status",
        "created_at",
    )
    list_filter = ("status", "scope", "reason_code", ("created_at", admin.DateFieldListFilter))
    search_fields = ("agent__email", "agent__last_name", "reason_text", "cart__customer__email")
    list_select_related = ("cart__customer", "agent")
    readonly_fields = [f.name for f in CartOverride._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Customer"), ordering="cart__customer__email")
    def customer(self, obj):
        customer = obj.cart.customer
        return customer.email if customer else obj.cart.email or "—"
