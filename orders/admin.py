"""Orders in Django admin: read-only records; every change goes through a lifecycle service
via an action (mark paid, ship with tracking, delivered, cancel, refund, return received),
and every action is audited by the service it calls (one vocabulary with the console and API)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext, gettext_lazy, ngettext

from carts.admin import CartOverrideAdmin
from carts.models import CartOverride
from common.money import format_money
from customers.templatetags.addresses import address as address_html
from orders.exceptions import OrderError
from orders.models import CheckoutClaim, Order, OrderEvent, OrderLine, Payment
from orders.selectors import override_report, sales_by_source
from orders.services import (
    order_cancel,
    order_fulfil,
    order_mark_delivered,
    order_mark_paid,
    order_out_for_delivery,
    order_refund,
    order_return_receive,
)


class OrderActionForm(ActionForm):
    carrier = forms.CharField(required=False, max_length=60, label=gettext_lazy("Carrier"))
    tracking_number = forms.CharField(required=False, max_length=80, label=gettext_lazy("Tracking"))
    amount = forms.CharField(required=False, max_length=20, label=gettext_lazy("Refund amount (empty: all)"))
    reason = forms.CharField(required=False, max_length=200, label=gettext_lazy("Reason"))


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ("sku", "product_name", "options", "unit_price", "quantity", "subtotal", "discount", "total")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "actor", "actor_kind", "message")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ("provider", "reference", "status", "amount", "captured_amount", "refunded_amount", "card_last4")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, done_label: str, call, *, single: bool = False):
    """`done_label`: what happened to each order, translated ("shipped")."""
    if single and queryset.count() != 1:
        modeladmin.message_user(request, gettext("Select exactly one order for this action."), messages.WARNING)
        return
    done = 0
    for order in queryset.select_related("customer"):
        try:
            call(order)  # the lifecycle service audits the transition from request.user
        except OrderError as exc:
            modeladmin.message_user(request, f"{order.number}: {exc}", messages.ERROR)
            continue
        done += 1
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(count)d order %(done)s.", "%(count)d orders %(done)s.", done)
            % {"count": done, "done": done_label},
            messages.SUCCESS,
        )


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    action_form = OrderActionForm
    list_display = ("number", "email", "status", "total_display", "payment_method", "source_label", "placed_at")
    list_filter = ("status", "source", "payment_method", ("placed_at", admin.DateFieldListFilter))
    search_fields = ("number", "email", "customer__email", "tracking_number")
    list_select_related = ("placed_by",)
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline, PaymentInline, OrderEventInline]
    # The address as the pages and emails print it, beside the raw copy the order keeps.
    readonly_fields = [*(f.name for f in Order._meta.fields), "shipping_to"]
    actions = ["mark_paid", "fulfil", "out_for_delivery", "mark_delivered", "cancel", "refund", "return_received"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("Total"), ordering="total")
    def total_display(self, obj):
        return format_money(obj.total)  # the one money formatter: ￥13,880 / $53.02

    @admin.display(description=gettext_lazy("Ship to"))
    def shipping_to(self, obj):
        return address_html(obj.shipping_address)

    @admin.display(description=gettext_lazy("Source"), ordering="source")
    def source_label(self, obj):
        """Organic / Email (campaign) / Social (network) / Agent (who placed it)."""
        label = obj.get_source_display()
        if obj.source == Order.Source.AGENT and obj.placed_by is not None:
            return f"{label}: {obj.placed_by.get_full_name()}"
        detail = (obj.attribution or {}).get("utm_campaign") or (obj.attribution or {}).get("utm_source")
        return f"{label} ({detail})" if detail and obj.source != Order.Source.ORGANIC else label

    def changelist_view(self, request, extra_context=None):
        """The order list ends with a sum by source of the orders matching the current filters."""
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("cl") is not None:
            rows = sales_by_source(context["cl"].queryset)
            context["sales_by_source"] = rows
            context["sales_by_source_total"] = sum((r.sales for r in rows), Decimal("0"))
        return response

    @admin.action(description=gettext_lazy("Mark paid (capture payment)"), permissions=["change"])
    def mark_paid(self, request, queryset):
        _run(self, request, queryset, gettext("marked paid"), lambda o: order_mark_paid(order=o, actor=request.user))

    @admin.action(
        description=gettext_lazy("Ship with carrier + tracking (fill the fields above)"), permissions=["change"]
    )
    def fulfil(self, request, queryset):
        carrier = request.POST.get("carrier", "")
        tracking = request.POST.get("tracking_number", "")
        _run(
            self,
            request,
            queryset,
            gettext("shipped"),
            lambda o: order_fulfil(order=o, actor=request.user, carrier=carrier, tracking_number=tracking),
            single=True,
        )

    @admin.action(
        description=gettext_lazy("Out for delivery today (texts customers who chose order texts)"),
        permissions=["change"],
    )
    def out_for_delivery(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            gettext("marked out for delivery"),
            lambda o: order_out_for_delivery(order=o, actor=request.user),
        )

    @admin.action(description=gettext_lazy("Mark delivered"), permissions=["change"])
    def mark_delivered(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            gettext("marked delivered"),
            lambda o: order_mark_delivered(order=o, actor=request.user),
        )

    @admin.action(description=gettext_lazy("Cancel and restock (refunds what was captured)"), permissions=["change"])
    def cancel(self, request, queryset):
        reason = request.POST.get("reason", "")
        _run(
            self,
            request,
            queryset,
            gettext("cancelled"),
            lambda o: order_cancel(order=o, actor=request.user, reason=reason),
        )

    @admin.action(description=gettext_lazy("Refund (amount above, empty for everything left)"), permissions=["change"])
    def refund(self, request, queryset):
        raw = (request.POST.get("amount") or "").strip()
        try:
            amount = Decimal(raw) if raw else None
        except InvalidOperation:
            self.message_user(request, gettext("'%(raw)s' is not an amount.") % {"raw": raw}, messages.ERROR)
            return
        reason = request.POST.get("reason", "")
        _run(
            self,
            request,
            queryset,
            gettext("refunded"),
            lambda o: order_refund(order=o, actor=request.user, amount=amount, reason=reason),
            single=amount is not None,
        )

    @admin.action(description=gettext_lazy("Return received (restock)"), permissions=["change"])
    def return_received(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            gettext("returned and restocked"),
            lambda o: order_return_receive(order=o, actor=request.user),
        )


@admin.register(CheckoutClaim)
class CheckoutClaimAdmin(admin.ModelAdmin):
    list_display = ("key", "status", "order", "created_at")
    readonly_fields = ("key", "request_hash", "status", "order", "created_at")
    search_fields = ("key", "order__number")

    def has_add_permission(self, request):
        return False


class CartOverrideReportAdmin(CartOverrideAdmin):
    """The cart override changelist with, for supervisors, the overrides report by agent and
    reason and the revenue given away on orders (orders.selectors.override_report, the same
    selector as the console's /console/reports/overrides/), narrowed by the current search and
    filters. Registered here, not in carts, because the report reads orders (carts sits below)."""

    def changelist_view(self, request, extra_context=None):
        from customers.roles import is_supervisor

        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("cl") is not None and is_supervisor(request.user):
            rows = override_report(context["cl"].queryset)
            context["override_report"] = rows
            context["override_report_total"] = sum((r.given_away for r in rows), Decimal("0"))
            context["override_report_shown"] = True
        return response


admin.site.unregister(CartOverride)
admin.site.register(CartOverride, CartOverrideReportAdmin)
