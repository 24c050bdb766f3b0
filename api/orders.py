"""Checkout and the shopper's own orders. Placement is orders.services.order_place with the
`Idempotency-Key` header as its idempotency key: a replay returns the same order."""

import re

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from api.base import ShopperView, validated
from api.carts import shopper_cart
from api.fields import StrictCharField, StrictChoiceField, StrictEmailField, StrictIntegerField, StrictRegexField
from api.pagination import ApiPagination
from carts.models import Cart
from customers.names import READING_ERROR, reading_normalize
from orders.models import CheckoutClaim, Order, OrderEvent, OrderLine
from orders.selectors import orders_for_customer
from orders.services import order_place

CHECKOUT_ERRORS = {
    "402": "payment_declined",
    "409": "cart_conflict, out_of_stock, price_changed or checkout_in_progress",
    "422": "idempotency_key_reused: the key was used with a different body",
    "503": "payment_provider_unavailable: nothing was charged, try again",
}


class AddressSerializer(serializers.Serializer):
    full_name = StrictCharField(max_length=200)
    line1 = StrictCharField(max_length=200)
    line2 = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    city = StrictCharField(max_length=100)
    region = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = StrictCharField(max_length=20)
    country = StrictRegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2, e.g. US, JP.")
    phone = StrictCharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Stored in E.164; a national number is read in the address's country.",
    )
    # Japanese addresses: the name's parts and their reading (furigana, katakana or hiragana).
    last_name = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    first_name = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    last_name_reading = StrictCharField(max_length=100, required=False, allow_blank=True, default="")
    first_name_reading = StrictCharField(max_length=100, required=False, allow_blank=True, default="")

    def _reading(self, value: str) -> str:
        try:
            return reading_normalize(value)
        except ValueError:
            raise serializers.ValidationError(str(READING_ERROR))

    def validate_last_name_reading(self, value: str) -> str:
        return self._reading(value)

    def validate_first_name_reading(self, value: str) -> str:
        return self._reading(value)

    def validate(self, attrs):
        attrs["country"] = attrs["country"].upper()
        return attrs


class CheckoutSerializer(serializers.Serializer):
    email = StrictEmailField(required=False, help_text="Defaults to the account email.")
    shipping_address = AddressSerializer()
    shipping_method = StrictChoiceField(choices=Cart.ShippingMethod.choices, default="standard")
    payment_method = StrictChoiceField(choices=Order.PaymentMethod.choices)
    card_number = StrictCharField(
        max_length=23,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="test_card only: 4242 4242 4242 4242 approves, 4000 0000 0000 0002 declines. Never stored.",
    )
    expected_version = StrictIntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="The cart version you reviewed."
    )

    def validate(self, attrs):
        if attrs["payment_method"] == Order.PaymentMethod.TEST_CARD and not attrs.get("card_number"):
            raise serializers.ValidationError({"card_number": ["Enter a card number for card payments."]})
        return attrs


class OrderLineSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="product_name")

    class Meta:
        model = OrderLine
        fields = ["sku", "name", "options", "unit_price", "quantity", "subtotal", "discount", "total"]


class OrderEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["kind", "message", "actor_kind", "created_at"]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True)
    placed_by_agent = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "email",
            "currency",
            "subtotal",
            "discount_total",
            "voucher_code",
            "shipping_total",
            "tax_total",
            "total",
            "refunded_total",
            "shipping_address",
            "shipping_method",
            "payment_method",
            "carrier",
            "tracking_number",
            "source",
            "placed_by_agent",
            "placed_at",
            "paid_at",
            "fulfilled_at",
            "delivered_at",
            "cancelled_at",
            "lines",
        ]

    def get_placed_by_agent(self, order) -> bool:
        return order.placed_by_id is not None


class OrderDetailSerializer(OrderSerializer):
    events = OrderEventSerializer(many=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "events"]


IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,80}$"  # 1-80 visible ASCII characters, e.g. a UUID
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    pattern=IDEMPOTENCY_KEY_PATTERN,
    description="Unique per checkout attempt (e.g. a UUID). Retrying with the same key and body returns the "
    "same order; the same key with a different body is refused (422).",
)


def idempotency_key(request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key):
        raise serializers.ValidationError(
            {"Idempotency-Key": ["Send an Idempotency-Key header (1-80 visible ASCII characters), e.g. a UUID."]}
        )
    return key


class Checkout(ShopperView):
    extra_errors = {"post": CHECKOUT_ERRORS}

    @extend_schema(
        parameters=[IDEMPOTENCY_HEADER],
        request=CheckoutSerializer,
        responses={201: OrderDetailSerializer},
        examples=[
            OpenApiExample(
                "Card payment",
                request_only=True,
                value={
                    "shipping_address": {
                        "full_name": "Ana Shopper",
                        "line1": "1 Main St",
                        "city": "Springfield",
                        "postal_code": "12345",
                        "country": "US",
                    },
                    "shipping_method": "standard",
                    "payment_method": "test_card",
                    "card_number": "4242424242424242",
                    "expected_version": 3,
                },
            )
        ],
    )
    def post(self, request):
        """Place the shopper's open cart as an order (one transaction: stock, voucher, payment,
        confirmation email). 201 with the order; a replayed Idempotency-Key returns it again."""
        key = idempotency_key(request)
        data = validated(CheckoutSerializer, request.data)
        full_key = f"api:{request.user.pk}:{key}"
        # A replay after success must reach order_place with the cart it converted (the
        # request fingerprint includes the cart), so it returns that order instead of a 422.
        # The open cart first, then the claim: a replay that reads the cart before the first
        # request commits sends the same cart; one that reads it after finds the claim.
        cart = shopper_cart(request)
        claimed = (
            CheckoutClaim.objects.filter(key=full_key, order__customer=request.user).select_related("order").first()
        )
        if claimed and claimed.order and claimed.order.cart:
            cart = claimed.order.cart
        order = order_place(
            cart=cart,
            email=data.get("email") or request.user.email,
            shipping_address=dict(data["shipping_address"]),
            shipping_method=data["shipping_method"],
            payment_method=data["payment_method"],
            payment_details={"card_number": data.get("card_number", "")},
            idempotency_key=full_key,
            actor=request.user,
            expected_version=data.get("expected_version"),  # checked under the cart lock
        )
        if order.customer_id != request.user.pk:
            raise Http404  # a key only ever returns the caller's own order
        return Response(
            OrderDetailSerializer(order_for(request.user, order.number)).data, status=status.HTTP_201_CREATED
        )


def order_for(customer, number: str) -> Order:
    """The customer's own order by number; anyone else's is 404 (no existence leak)."""
    order = orders_for_customer(customer).prefetch_related("events").filter(number=number[:20]).first()
    if order is None:
        raise Http404
    return order


class OrderList(ShopperView, generics.ListAPIView):
    """The shopper's own orders, newest first."""

    serializer_class = OrderSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        return orders_for_customer(self.request.user)


class OrderDetail(ShopperView):
    @extend_schema(responses=OrderDetailSerializer)
    def get(self, request, number: str):
        """One of the shopper's own orders with its lines and status history."""
        return Response(OrderDetailSerializer(order_for(request.user, number)).data)
