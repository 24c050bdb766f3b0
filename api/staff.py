"""Staff (agent) endpoints: customer search and 360 summary, editing a customer's cart with
overrides, ordering on their behalf. Every write goes through service_console.services
(which call carts/orders services with actor=agent and write the audit entry)."""

from decimal import Decimal

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from api.base import QuerySerializer, StaffView, validated
from api.carts import CART_ERRORS, CartOutSerializer, VersionSerializer, cart_line_or_404, cart_representation
from api.cases import CaseSerializer
from api.customers import AddressOutSerializer, consents_of
from api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDecimalField,
    StrictIntegerField,
)
from api.orders import CHECKOUT_ERRORS, OrderDetailSerializer, OrderSerializer, order_for
from carts.models import CartOverride
from catalog.models import Variant
from customers.models import Customer
from orders.models import Order, OrderEvent
from orders.selectors import order_detail
from orders.services import order_cancel, order_fulfil, order_mark_delivered, order_mark_paid, order_out_for_delivery
from service_console.customer360 import customer_360
from service_console.selectors import customer_search
from service_console.services.cart_edit import (
    console_cart,
    console_line_add,
    console_line_remove,
    console_line_update,
    console_override_apply,
)
from service_console.services.on_behalf import order_place_on_behalf


class StaffOrderSerializer(OrderDetailSerializer):
    customer_id = serializers.UUIDField(source="customer.public_id")

    class Meta(OrderDetailSerializer.Meta):
        fields = [*OrderDetailSerializer.Meta.fields, "customer_id"]


class CustomerSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")

    class Meta:
        model = Customer
        fields = ["id", "email", "first_name", "last_name", "phone", "is_guest", "date_joined"]


class Customer360Serializer(serializers.Serializer):
    customer = CustomerSummarySerializer()
    addresses = AddressOutSerializer(many=True)
    consents = serializers.DictField(child=serializers.BooleanField())
    lifetime_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    order_count = serializers.IntegerField()
    open_case_count = serializers.IntegerField()
    orders = OrderSerializer(many=True)
    cases = CaseSerializer(many=True)
    cart = CartOutSerializer(allow_null=True)


def customer_or_404(public_id) -> Customer:
    customer = Customer.objects.filter(public_id=public_id, erased_at__isnull=True).first()
    if customer is None:
        raise Http404
    return customer


class CustomerSearchQuerySerializer(QuerySerializer):
    q = StrictCharField(max_length=200, help_text="Name, email or phone (every word must match).")


class StaffCustomerSearch(StaffView):
    @extend_schema(parameters=[CustomerSearchQuerySerializer], responses=CustomerSummarySerializer(many=True))
    def get(self, request):
        """Find customers by name, email or phone (at most 8, best first)."""
        query = validated(CustomerSearchQuerySerializer, request.query_params)["q"]
        return Response(CustomerSummarySerializer(customer_search(query), many=True).data)


class StaffCustomerDetail(StaffView):
    @extend_schema(responses=Customer360Serializer)
    def get(self, request, customer_id):
        """The Customer 360 summary: profile, consents, addresses, value, recent orders, cases, live cart."""
        customer = customer_or_404(customer_id)
        view = customer_360(customer)
        data = {
            "customer": customer,
            "addresses": view.addresses,
            "consents": consents_of(customer),
            "lifetime_value": view.lifetime_value,
            "order_count": view.order_count,
            "open_case_count": view.open_case_count,
            "orders": view.orders[:20],
            "cases": view.cases[:20],
            "cart": None,
        }
        payload = Customer360Serializer(data).data
        if view.cart.cart is not None:
            payload["cart"] = cart_representation(view.cart.cart)
        return Response(payload)


class StaffLineAddSerializer(serializers.Serializer):
    variant_id = StrictIntegerField(min_value=1, max_value=2**31 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=99, default=1)
    expected_version = StrictIntegerField(min_value=1, max_value=2**31 - 1)

    def validate_variant_id(self, value: int) -> Variant:
        variant = Variant.objects.select_related("product").filter(pk=value, is_active=True).first()
        if variant is None:
            raise serializers.ValidationError("No such product variant.")
        return variant


class StaffLineUpdateSerializer(serializers.Serializer):
    quantity = StrictIntegerField(min_value=1, max_value=99)
    expected_version = StrictIntegerField(min_value=1, max_value=2**31 - 1)


class OverrideSerializer(serializers.Serializer):
    scope = StrictChoiceField(choices=CartOverride.Scope.choices)
    kind = StrictChoiceField(choices=CartOverride.Kind.choices)
    value = StrictDecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("99999999.99")
    )
    reason_code = StrictChoiceField(choices=CartOverride.ReasonCode.choices)
    reason_text = StrictCharField(max_length=1000, help_text="Mandatory: why the customer gets this.")
    line_id = StrictIntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    request_approval = StrictBooleanField(default=False, help_text="Over your limit: queue it for a supervisor.")
    expected_version = StrictIntegerField(min_value=1, max_value=2**31 - 1)

    def validate(self, attrs):
        if attrs["scope"] == CartOverride.Scope.LINE and not attrs.get("line_id"):
            raise serializers.ValidationError({"line_id": ["A line override needs the line's id."]})
        if attrs["scope"] == CartOverride.Scope.CART:
            attrs["line_id"] = None
        if attrs["kind"] == CartOverride.Kind.PERCENT and attrs["value"] > 100:
            raise serializers.ValidationError({"value": ["A percentage cannot exceed 100."]})
        return attrs


class OverrideOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = CartOverride
        fields = ["id", "scope", "kind", "value", "reason_code", "reason_text", "status", "percent_equivalent"]


class OnBehalfSerializer(serializers.Serializer):
    address_id = StrictIntegerField(min_value=1, max_value=2**31 - 1, help_text="One of the customer's addresses.")
    payment_method = StrictChoiceField(choices=Order.PaymentMethod.choices)
    card_number = StrictCharField(max_length=23, required=False, allow_blank=True, default="", write_only=True)
    expected_version = StrictIntegerField(min_value=1, max_value=2**31 - 1)


class StaffCustomerCart(StaffView):
    @extend_schema(responses=CartOutSerializer)
    def get(self, request, customer_id):
        """The customer's open cart (created empty if there is none)."""
        return Response(cart_representation(console_cart(customer=customer_or_404(customer_id))))


class StaffCartLines(StaffView):
    extra_errors = {"post": CART_ERRORS}

    @extend_schema(request=StaffLineAddSerializer, responses={201: CartOutSerializer})
    def post(self, request, customer_id):
        """Add an item to the customer's cart (audited; marked as added by you)."""
        cart = console_cart(customer=customer_or_404(customer_id))
        data = validated(StaffLineAddSerializer, request.data)
        console_line_add(
            cart=cart,
            variant=data["variant_id"],
            quantity=data["quantity"],
            expected_version=data["expected_version"],
            actor=request.user,
        )
        return Response(cart_representation(cart), status=status.HTTP_201_CREATED)


class StaffCartLineDetail(StaffView):
    extra_errors = {"patch": CART_ERRORS, "delete": CART_ERRORS}

    @extend_schema(request=StaffLineUpdateSerializer, responses=CartOutSerializer)
    def patch(self, request, customer_id, line_id: int):
        cart = console_cart(customer=customer_or_404(customer_id))
        line = cart_line_or_404(cart, line_id)
        data = validated(StaffLineUpdateSerializer, request.data)
        console_line_update(
            cart=cart,
            line_id=line.pk,
            quantity=data["quantity"],
            expected_version=data["expected_version"],
            actor=request.user,
        )
        return Response(cart_representation(cart))

    @extend_schema(parameters=[VersionSerializer], responses={200: CartOutSerializer})
    def delete(self, request, customer_id, line_id: int):
        cart = console_cart(customer=customer_or_404(customer_id))
        line = cart_line_or_404(cart, line_id)
        data = validated(VersionSerializer, request.query_params)
        console_line_remove(cart=cart, line_id=line.pk, expected_version=data["expected_version"], actor=request.user)
        return Response(cart_representation(cart))


class StaffCartOverrides(StaffView):
    extra_errors = {"post": {**CART_ERRORS, "403": "discount_limit_exceeded (or not staff)"}}

    @extend_schema(request=OverrideSerializer, responses={201: OverrideOutSerializer})
    def post(self, request, customer_id):
        """Apply a line or cart discount with a reason. Over your limit: 403
        discount_limit_exceeded, or send request_approval=true to queue it for a supervisor."""
        cart = console_cart(customer=customer_or_404(customer_id))
        data = validated(OverrideSerializer, request.data)
        if data["line_id"]:
            cart_line_or_404(cart, data["line_id"])
        override = console_override_apply(
            cart=cart,
            actor=request.user,
            scope=data["scope"],
            kind=data["kind"],
            value=data["value"],
            reason_code=data["reason_code"],
            reason_text=data["reason_text"],
            line_id=data["line_id"],
            expected_version=data["expected_version"],
            request_approval=data["request_approval"],
        )
        return Response(OverrideOutSerializer(override).data, status=status.HTTP_201_CREATED)


class StaffOrderOnBehalf(StaffView):
    extra_errors = {"post": CHECKOUT_ERRORS}

    @extend_schema(request=OnBehalfSerializer, responses={201: OrderDetailSerializer})
    def post(self, request, customer_id):
        """Place the customer's cart as an order for them (recorded with you as placed_by).
        Idempotent per cart version: a double submit returns the same order."""
        customer = customer_or_404(customer_id)
        data = validated(OnBehalfSerializer, request.data)
        address = customer.addresses.filter(pk=data["address_id"]).first()
        if address is None:
            raise serializers.ValidationError({"address_id": ["Choose one of the customer's own addresses."]})
        if data["payment_method"] == Order.PaymentMethod.TEST_CARD and not data["card_number"]:
            raise serializers.ValidationError({"card_number": ["Enter a card number for card payments."]})
        order = order_place_on_behalf(
            cart=console_cart(customer=customer),
            customer=customer,
            address=address,
            payment_method=data["payment_method"],
            card_number=data["card_number"],
            expected_version=data["expected_version"],
            actor=request.user,
        )
        return Response(OrderDetailSerializer(order_for(customer, order.number)).data, status=status.HTTP_201_CREATED)


class TransitionSerializer(serializers.Serializer):
    action = StrictChoiceField(
        choices=[
            ("paid", "Mark paid"),
            ("fulfilled", "Ship"),
            ("out_for_delivery", "Out for delivery today (texts the customer)"),
            ("delivered", "Mark delivered"),
            ("cancelled", "Cancel"),
        ]
    )
    carrier = StrictCharField(max_length=60, required=False, allow_blank=True, default="")
    tracking_number = StrictCharField(max_length=80, required=False, allow_blank=True, default="")
    reason = StrictCharField(max_length=300, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["action"] == "fulfilled":
            missing = {
                name: ["Required to ship."] for name in ("carrier", "tracking_number") if not attrs[name].strip()
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


def staff_order_or_404(number: str) -> Order:
    order = order_detail(number[:20])
    if order is None:
        raise Http404
    return order


class StaffOrderDetail(StaffView):
    @extend_schema(responses=StaffOrderSerializer)
    def get(self, request, number: str):
        """Any customer's order with its lines and status history."""
        return Response(StaffOrderSerializer(staff_order_or_404(number)).data)


class StaffOrderTransitions(StaffView):
    extra_errors = {"post": {"409": "illegal_transition: the order's status does not allow it"}}

    @extend_schema(request=TransitionSerializer, responses=StaffOrderSerializer)
    def post(self, request, number: str):
        """Move an order on: paid, fulfilled (shipped, with carrier and tracking),
        out_for_delivery (today; the status stays shipped), delivered or cancelled. Illegal
        jumps are 409; the matching email, texts and webhook follow; audited."""
        order = staff_order_or_404(number)
        data = validated(TransitionSerializer, request.data)
        # Each lifecycle service audits its transition from request.user (same actions as admin).
        action = data["action"]
        if action == Order.Status.PAID:
            order_mark_paid(order=order, actor=request.user)
        elif action == Order.Status.FULFILLED:
            order_fulfil(
                order=order, actor=request.user, carrier=data["carrier"], tracking_number=data["tracking_number"]
            )
        elif action == OrderEvent.Kind.OUT_FOR_DELIVERY:
            order_out_for_delivery(order=order, actor=request.user)
        elif action == Order.Status.DELIVERED:
            order_mark_delivered(order=order, actor=request.user)
        else:
            order_cancel(order=order, actor=request.user, reason=data["reason"])
        return Response(StaffOrderSerializer(staff_order_or_404(number)).data)
