"""The shopper's own profile, addresses and consents (writes via customers services)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.base import QuerySerializer, ShopperView, validated
from api.catalog import RecommendationSerializer
from api.fields import StrictBooleanField, StrictCharField, StrictPhoneNumberField
from catalog.recommendations import recommendations_for_customer
from customers.account_services import consent_settings_save
from customers.addresses import address_lines
from customers.models import Address, Consent, Customer
from customers.selectors import consent_current, customer_country


class ProfileSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    first_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    last_name = StrictCharField(max_length=150, required=False, allow_blank=True)
    phone = StrictPhoneNumberField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="E.164 (+819012345678); a national number is read in the customer's country.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, Customer) and "data" in kwargs:  # writes only: no query on reads
            self.fields["phone"].region = customer_country(self.instance)

    class Meta:
        model = Customer
        fields = ["id", "email", "first_name", "last_name", "phone", "date_joined"]
        read_only_fields = ["id", "email", "date_joined"]


class AddressOutSerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField(
        help_text="The address as its country writes it (the same lines as pages and emails)."
    )

    class Meta:
        model = Address
        fields = [
            "id",
            "label",
            "full_name",
            "last_name",
            "first_name",
            "last_name_reading",
            "first_name_reading",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            "phone",
            "is_default",
            "lines",
        ]

    def get_lines(self, address: Address) -> list[str]:
        return address_lines(address)


class ConsentsSerializer(serializers.Serializer):
    """Consent per channel and purpose. `sms` is marketing texts (its name predates the
    split); `push` is read-only here: a browser turns it on by subscribing."""

    marketing_email = StrictBooleanField(required=False)
    sms = StrictBooleanField(required=False, help_text="Marketing texts.")
    sms_transactional = StrictBooleanField(required=False, help_text="Order updates by text.")
    push = StrictBooleanField(read_only=True, help_text="Browser notifications (set by subscribing).")
    personalisation = StrictBooleanField(required=False)


def consents_of(customer: Customer) -> dict:
    return {purpose: consent_current(customer=customer, purpose=purpose) for purpose in Consent.Purpose.values}


class Me(ShopperView):
    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        """The signed-in customer's profile."""
        return Response(ProfileSerializer(request.user).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request):
        """Change name or phone (email changes go through the account pages)."""
        serializer = ProfileSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()  # the same ModelForm-style save as the storefront profile page
        return Response(ProfileSerializer(request.user).data)


class MyAddresses(ShopperView):
    @extend_schema(responses=AddressOutSerializer(many=True))
    def get(self, request):
        """Addresses on file (default first)."""
        return Response(AddressOutSerializer(request.user.addresses.all(), many=True).data)


class MyConsents(ShopperView):
    @extend_schema(responses=ConsentsSerializer)
    def get(self, request):
        """Current consent per purpose (no record means no consent)."""
        return Response(consents_of(request.user))

    @extend_schema(request=ConsentsSerializer, responses=ConsentsSerializer)
    def put(self, request):
        """Grant or withdraw consents; each change is recorded with source 'preferences'."""
        data = validated(ConsentsSerializer, request.data)
        consent_settings_save(customer=request.user, choices=data)
        return Response(consents_of(request.user))


class MyRecommendationsQuerySerializer(QuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=24, default=8, help_text="How many (default 8).")


class MyRecommendations(ShopperView):
    @extend_schema(parameters=[MyRecommendationsQuerySerializer], responses=RecommendationSerializer(many=True))
    def get(self, request):
        """'Picked for you': products from the categories the shopper viewed or bought."""
        limit = validated(MyRecommendationsQuerySerializer, request.query_params)["limit"]
        return Response(RecommendationSerializer(recommendations_for_customer(request.user, limit), many=True).data)
