"""Shopper cart endpoints. Every write sends the cart version the caller saw
(`expected_version`); a stale one answers 409 cart_conflict. Writes go through
carts.services; totals come from carts.pricing.cart_price."""

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from api.base import QuerySerializer, ShopperView, validated
from api.fields import StrictCharField, StrictChoiceField, StrictIntegerField
from carts.models import Cart, CartLine
from carts.pricing import cart_price
from carts.selectors import cart_with_lines
from carts.services import (
    cart_get_or_create,
    cart_line_add,
    cart_line_remove,
    cart_line_update,
    cart_shipping_method_set,
    voucher_apply,
    voucher_remove,
)
from catalog.models import Variant

CART_ERRORS = {"409": "cart_conflict (stale expected_version), out_of_stock, variant_unavailable or cart_closed"}


class CartLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="line_id")
    variant_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    options = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quantity = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    added_by_agent = serializers.SerializerMethodField()

    def get_added_by_agent(self, line) -> bool:
        return bool(line.added_by_name)


class CartOutSerializer(serializers.Serializer):
    """A cart with its one price breakdown (carts.pricing)."""

    id = serializers.IntegerField()
    version = serializers.IntegerField()
    status = serializers.CharField()
    email = serializers.CharField()
    shipping_method = serializers.CharField()
    lines = CartLineOutSerializer(many=True)
    item_count = serializers.IntegerField()
    subtotal = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    voucher_code = serializers.CharField()
    voucher_discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    voucher_message = serializers.CharField()
    override_discount = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipping = serializers.DecimalField(max_digits=12, decimal_places=2)
    tax = serializers.DecimalField(max_digits=12, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()


def cart_representation(cart: Cart) -> dict:
    cart = cart_with_lines(cart.pk)
    price = cart_price(cart)
    data = {
        "id": cart.pk,
        "version": cart.version,
        "status": cart.status,
        "email": cart.email,
        "shipping_method": price.shipping_method,
        "lines": price.lines,
        "item_count": price.item_count,
        "subtotal": price.subtotal,
        "discount_total": price.discount_total,
        "voucher_code": price.voucher_code or (cart.voucher.code if cart.voucher else ""),
        "voucher_discount": price.voucher_discount,
        "voucher_message": price.voucher_message,
        "override_discount": price.override_discount + price.line_discount_total,
        "shipping": price.shipping,
        "tax": price.tax,
        "total": price.total,
        "currency": settings.CURRENCY,
    }
    return CartOutSerializer(data).data


class LineAddSerializer(serializers.Serializer):
    variant_id = StrictIntegerField(min_value=1, max_value=2**31 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=99, default=1)
    expected_version = StrictIntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="The cart version you saw; omit only for a blind 'add to cart'.",
    )

    def validate_variant_id(self, value: int) -> Variant:
        variant = (
            Variant.objects.select_related("product")
            .filter(pk=value, is_active=True, product__is_published=True)
            .first()
        )
        if variant is None:
            raise serializers.ValidationError("No such product variant.")
        return variant


class LineUpdateSerializer(serializers.Serializer):
    quantity = StrictIntegerField(min_value=1, max_value=99)
    expected_version = StrictIntegerField(min_value=1, max_value=2**31 - 1)


class VersionSerializer(QuerySerializer):
    """The `expected_version` query parameter of a DELETE (a query string's integer)."""

    expected_version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="The cart version you saw.")


class VoucherSerializer(serializers.Serializer):
    code = StrictCharField(max_length=40, trim_whitespace=True)
    expected_version = StrictIntegerField(min_value=1, max_value=2**31 - 1)


class ShippingSerializer(serializers.Serializer):
    shipping_method = StrictChoiceField(choices=Cart.ShippingMethod.choices)
    expected_version = StrictIntegerField(min_value=1, max_value=2**31 - 1)


def shopper_cart(request) -> Cart:
    return cart_get_or_create(customer=request.user)


def cart_line_or_404(cart: Cart, line_id: int) -> CartLine:
    """A line of *this* cart; another cart's line id is 404 (never a hint it exists)."""
    line = CartLine.objects.filter(pk=line_id, cart=cart).first() if 0 < line_id < 2**31 else None
    if line is None:
        raise Http404
    return line


class CartDetail(ShopperView):
    """The signed-in shopper's open cart (created empty if there is none)."""

    @extend_schema(responses=CartOutSerializer)
    def get(self, request):
        return Response(cart_representation(shopper_cart(request)))


class CartLines(ShopperView):
    extra_errors = {"post": CART_ERRORS}

    @extend_schema(request=LineAddSerializer, responses={201: CartOutSerializer})
    def post(self, request):
        """Add a variant (summed into an existing line). Stock-checked."""
        data = validated(LineAddSerializer, request.data)
        cart = shopper_cart(request)
        cart_line_add(
            cart=cart,
            variant=data["variant_id"],
            quantity=data["quantity"],
            expected_version=data.get("expected_version"),
            actor=request.user,
        )
        return Response(cart_representation(cart), status=status.HTTP_201_CREATED)


class CartLineDetail(ShopperView):
    extra_errors = {"patch": CART_ERRORS, "delete": CART_ERRORS}

    @extend_schema(request=LineUpdateSerializer, responses=CartOutSerializer)
    def patch(self, request, line_id: int):
        """Change a line's quantity."""
        data = validated(LineUpdateSerializer, request.data)
        cart = shopper_cart(request)
        line = cart_line_or_404(cart, line_id)
        cart_line_update(
            cart=cart,
            line=line,
            quantity=data["quantity"],
            expected_version=data["expected_version"],
            actor=request.user,
        )
        return Response(cart_representation(cart))

    @extend_schema(parameters=[VersionSerializer], responses={200: CartOutSerializer})
    def delete(self, request, line_id: int):
        """Remove a line."""
        data = validated(VersionSerializer, request.query_params)
        cart = shopper_cart(request)
        line = cart_line_or_404(cart, line_id)
        cart_line_remove(cart=cart, line=line, expected_version=data["expected_version"], actor=request.user)
        return Response(cart_representation(cart))


class CartVoucher(ShopperView):
    extra_errors = {"post": CART_ERRORS, "delete": CART_ERRORS}

    @extend_schema(request=VoucherSerializer, responses=CartOutSerializer)
    def post(self, request):
        """Apply a voucher code (400 voucher_invalid says why it cannot apply)."""
        data = validated(VoucherSerializer, request.data)
        cart = shopper_cart(request)
        voucher_apply(cart=cart, code=data["code"], expected_version=data["expected_version"], actor=request.user)
        return Response(cart_representation(cart))

    @extend_schema(parameters=[VersionSerializer], responses={200: CartOutSerializer})
    def delete(self, request):
        """Remove the applied voucher."""
        data = validated(VersionSerializer, request.query_params)
        cart = shopper_cart(request)
        voucher_remove(cart=cart, expected_version=data["expected_version"], actor=request.user)
        return Response(cart_representation(cart))


class CartShipping(ShopperView):
    extra_errors = {"put": CART_ERRORS}

    @extend_schema(request=ShippingSerializer, responses=CartOutSerializer)
    def put(self, request):
        """Choose the shipping method (re-prices the cart)."""
        data = validated(ShippingSerializer, request.data)
        cart = shopper_cart(request)
        cart_shipping_method_set(cart=cart, method=data["shipping_method"], expected_version=data["expected_version"])
        return Response(cart_representation(cart))
