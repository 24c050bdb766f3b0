"""Carts, their lines, agent overrides and vouchers (C3).

Totals are never stored on the cart: `carts.pricing.cart_price(cart)` computes them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Cart(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONVERTED = "converted", _("Converted to an order")
        MERGED = "merged", _("Merged into another cart")
        ABANDONED = "abandoned", _("Abandoned")

    class ShippingMethod(models.TextChoices):
        STANDARD = "standard", _("Standard (3-5 days)")
        EXPRESS = "express", _("Express (next day)")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    session_key = models.CharField(max_length=64, blank=True, default="", db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # Bumped on every change; writers pass the version they saw (optimistic concurrency).
    version = models.PositiveIntegerField(default=1)
    email = models.EmailField(blank=True, help_text="Contact email (guests, or captured at checkout).")
    attribution = models.JSONField(default=dict, blank=True, help_text="utm_* / ref of the session that built it.")
    voucher = models.ForeignKey("Voucher", null=True, blank=True, on_delete=models.SET_NULL, related_name="carts")
    shipping_method = models.CharField(max_length=16, choices=ShippingMethod.choices, default=ShippingMethod.STANDARD)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    converted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="open", customer__isnull=False),
                name="cart_one_open_per_customer",
            ),
            models.UniqueConstraint(
                fields=["session_key"],
                condition=Q(status="open", customer__isnull=True) & ~Q(session_key=""),
                name="cart_one_open_per_session",
            ),
        ]
        indexes = [models.Index(fields=["status", "last_activity_at"], name="cart_status_activity_idx")]

    def __str__(self) -> str:
        owner = self.customer_id and f"customer {self.customer_id}" or f"session {self.session_key[:8]}"
        return f"Cart {self.pk} ({owner}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="cart_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # The staff member (agent) who put this line in the cart, if not the shopper.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartline_unique_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cartline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class CartOverride(models.Model):
    """A discount an agent puts on a line or the whole cart, with a mandatory reason."""

    class Scope(models.TextChoices):
        LINE = "line", _("Line")
        CART = "cart", _("Cart")

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("Amount off")
        PERCENT = "percent", _("Percent off")

    class ReasonCode(models.TextChoices):
        GOODWILL = "goodwill", _("Goodwill gesture")
        PRICE_MATCH = "price_match", _("Price match")
        DAMAGED = "damaged", _("Damaged or faulty item")
        DELAY = "delay", _("Delivery delay")
        LOYALTY = "loyalty", _("Loyal customer")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        PENDING_APPROVAL = "pending_approval", _("Waiting for supervisor approval")
        REJECTED = "rejected", _("Rejected")
        REMOVED = "removed", _("Removed")

    class ApprovalKind(models.TextChoices):
        """What a supervisor is asked to approve (derived, not stored)."""

        LINE = "line", _("Line discount")
        CART = "cart", _("Cart discount")
        COUPON = "coupon", _("Honoured coupon")

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="overrides")
    line = models.ForeignKey(CartLine, null=True, blank=True, on_delete=models.CASCADE, related_name="overrides")
    scope = models.CharField(max_length=8, choices=Scope.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    reason_code = models.CharField(max_length=20, choices=ReasonCode.choices)
    reason_text = models.TextField()
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cart_overrides")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.APPLIED, db_index=True)
    # Percent of the undiscounted target this override is worth when requested (limit checks).
    percent_equivalent = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, help_text="The supervisor's note to the agent.")
    # Set when the discount gives the value of an expired coupon the agent honoured.
    voucher = models.ForeignKey(
        "Voucher", null=True, blank=True, on_delete=models.SET_NULL, related_name="honoured_overrides"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="line", line__isnull=False) | Q(scope="cart", line__isnull=True)),
                name="cartoverride_scope_matches_line",
            ),
            models.CheckConstraint(
                condition=Q(kind="amount") | Q(value__lte=100), name="cartoverride_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        unit = "%" if self.kind == self.Kind.PERCENT else ""
        return f"{self.scope} −{self.value}{unit} ({self.status})"

    @property
    def is_percent(self) -> bool:
        return self.kind == self.Kind.PERCENT

    @property
    def reason_display(self) -> str:
        """Why, in the reader's language: an honoured coupon is named from the coupon (the
        stored `reason_text` is the English record); otherwise what the agent wrote."""
        if self.voucher_id:
            return gettext("Honoured expired coupon %(code)s (%(label)s)") % {
                "code": self.voucher.code,
                "label": self.voucher.label,
            }
        return self.reason_text

    @property
    def is_applied(self) -> bool:
        return self.status == self.Status.APPLIED

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING_APPROVAL

    @property
    def approval_kind(self) -> "CartOverride.ApprovalKind":
        if self.voucher_id:
            return self.ApprovalKind.COUPON
        return self.ApprovalKind.LINE if self.scope == self.Scope.LINE else self.ApprovalKind.CART

    @property
    def was_approved(self) -> bool:
        """Applied by a supervisor's decision (not on the agent's own authority)."""
        return self.status == self.Status.APPLIED and self.decided_by_id is not None


class Voucher(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percent off")
        FIXED = "fixed", _("Fixed amount off")

    code = models.CharField(max_length=40, unique=True, help_text="Stored upper-case; matched case-insensitively.")
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    min_spend = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)
    usage_limit_total = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    usage_limit_per_customer = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    times_used = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    single_use = models.BooleanField(default=False, help_text="Generated code: one redemption in total.")
    # A generated code may be reserved to one customer (e.g. an abandonment reminder).
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="vouchers"
    )
    source = models.CharField(max_length=40, blank=True, help_text="Who generated it, e.g. abandonment, campaign.")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["times_used"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Upper("code"), name="voucher_code_ci_unique"),
            models.CheckConstraint(condition=Q(kind="fixed") | Q(value__lte=100), name="voucher_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        if self.kind == self.Kind.PERCENT:
            return gettext("%(percent)s%% off") % {"percent": f"{self.value.normalize():f}"}
        from common.money import format_money

        return gettext("%(amount)s off") % {"amount": format_money(self.value)}


class VoucherRedemption(models.Model):
    """One use of a voucher by an order (written by order placement)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="redemptions")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True)
    order_number = models.CharField(max_length=32, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["voucher", "customer"])]

    def __str__(self) -> str:
        return f"{self.voucher_id} → {self.order_number}"
