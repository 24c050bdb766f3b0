"""Orders, their lines (prices copied at placement), events, payments and idempotency claims (C4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", pgettext_lazy("order status", "Placed")
        PAID = "paid", _("Paid")
        FULFILLED = "fulfilled", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        RETURN_REQUESTED = "return_requested", _("Return requested")
        RETURNED = "returned", _("Returned")

    class Source(models.TextChoices):
        ORGANIC = "organic", _("Organic")
        EMAIL = "email", _("Email")
        AGENT = "agent", _("Agent")
        SOCIAL = "social", _("Social")

    class PaymentMethod(models.TextChoices):
        TEST_CARD = "test_card", _("Card")
        POD = "pod", _("Pay on delivery")

    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    email = models.EmailField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED, db_index=True)
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    voucher_discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    override_discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    # Tax per rate as priced (carts.pricing.TaxLine: rate, amount, tax as strings), printed on
    # receipts as a qualified invoice (適格請求書) requires; whether prices included it.
    tax_breakdown = models.JSONField(default=list, blank=True)
    prices_include_tax = models.BooleanField(default=False)
    # The language of the checkout: the order's emails are written in it.
    language = models.CharField(max_length=8, blank=True, default="")
    total = models.DecimalField(max_digits=12, decimal_places=2)
    refunded_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    voucher_code = models.CharField(max_length=40, blank=True)
    shipping_address = models.JSONField(default=dict)
    shipping_method = models.CharField(max_length=16, default="standard")
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders_placed_on_behalf",
        help_text="The agent who placed it for the customer, if any.",
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.ORGANIC, db_index=True)
    attribution = models.JSONField(default=dict, blank=True)
    cart = models.ForeignKey("carts.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    placed_at = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-placed_at"], name="order_customer_recent_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_non_negative"),
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0) & Q(refunded_total__lte=models.F("total")),
                name="order_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", kwargs={"number": self.number})

    @property
    def tax_lines(self) -> list[dict]:
        """Tax per rate as priced ({"percent": "10", "amount": Decimal, "tax": Decimal,
        "reduced": bool}), for receipts (適格請求書: amounts and tax per rate)."""
        lines = []
        for row in self.tax_breakdown or []:
            rate = Decimal(row["rate"])
            lines.append(
                {
                    "percent": f"{(rate * 100).normalize():f}",
                    "amount": Decimal(row["amount"]),
                    "tax": Decimal(row["tax"]),
                    "reduced": rate != settings.TAX_RATE,
                }
            )
        return lines

    @property
    def refundable(self) -> Decimal:
        return self.total - self.refunded_total


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant", null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    sku = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    options = models.CharField(max_length=80, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class OrderEvent(models.Model):
    class Kind(models.TextChoices):
        PLACED = "placed", _("Order placed")
        PAID = "paid", _("Payment received")
        FULFILLED = "fulfilled", _("Shipped")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery today")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        RETURN_REQUESTED = "return_requested", _("Return requested")
        RETURN_RECEIVED = "return_received", _("Return received")
        NOTE = "note", _("Note")

    class ActorKind(models.TextChoices):
        SHOPPER = "shopper", _("Shopper")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.SYSTEM)
    message = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class Payment(models.Model):
    """What the provider told us. Only references and the card's last four digits are kept."""

    class Status(models.TextChoices):
        AUTHORIZED = "authorized", _("Authorized")
        CAPTURED = "captured", _("Captured")
        VOIDED = "voided", _("Voided")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        PENDING = "pending", _("Collect on delivery")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=20)
    reference = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    captured_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    card_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.provider} {self.reference} {self.status}"


class CheckoutClaim(models.Model):
    """Claims an idempotency key before any payment is attempted: a replay of the same key
    finds this row and returns its order instead of charging again."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    key = models.CharField(max_length=100, unique=True)
    request_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    order = models.OneToOneField(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="claim")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
