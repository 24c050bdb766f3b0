"""Strict input fields: a value of the type the OpenAPI schema documents, nothing coerced.

DRF's own fields are lenient: a CharField turns 0 into "0", an IntegerField takes "5", a
BooleanField takes "yes" or 1, a DecimalField takes the number 5 where the schema says a
string. The API's input serializers use these instead, so what the schema calls invalid is
a 400 (schemathesis' negative_data_rejection checks exactly that).

The type checks are for JSON bodies; query parameters are strings by nature, so query
serializers use DRF's fields, and StrictDecimalField (a string either way) for amounts."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from drf_spectacular.drainage import set_override
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

NOT_A_STRING = serializers.CharField.default_error_messages["invalid"]  # DRF's "Not a valid string."


class _StrictStringMixin:
    """Refuses anything but a JSON string (DRF's CharField would store str(0) or str(1.5))."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(NOT_A_STRING, code="invalid")
        return super().to_internal_value(data)


class StrictCharField(_StrictStringMixin, serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.trim_whitespace and not self.allow_blank and type(self) is StrictCharField:
            # Surrounding whitespace is trimmed, so "  " is blank: the schema asks for a
            # non-space character (an unanchored pattern), not only minLength 1.
            set_override(self, "field", {"type": "string", "pattern": r"\S"})


class StrictEmailField(_StrictStringMixin, serializers.EmailField):
    pass


class StrictRegexField(_StrictStringMixin, serializers.RegexField):
    pass


class StrictURLField(StrictCharField):
    """A URL (Django's URLValidator), or "" if `allow_blank`: the schema then says "" or a
    URI (drf-spectacular would document format "uri" alone, which refuses "")."""

    default_error_messages = {"invalid_url": serializers.URLField.default_error_messages["invalid"]}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.url_validator = URLValidator()  # not in self.validators, which would set format "uri"
        uri = {"format": "uri"}
        schema = {"anyOf": [uri, {"maxLength": 0}]} if self.allow_blank else uri
        set_override(self, "field", {"type": "string", **schema})

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            self.url_validator(value)
        except DjangoValidationError:
            self.fail("invalid_url")
        return value


class StrictChoiceField(_StrictStringMixin, serializers.ChoiceField):
    pass


class StrictUUIDField(_StrictStringMixin, serializers.UUIDField):
    """DRF's UUIDField reads an integer as UUID(int=…); the schema says a string."""


class StrictPhoneNumberField(_StrictStringMixin, PhoneNumberField):
    pass


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: "5", 5.5 and true are refused (DRF would take "5")."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean: "true", "yes", 1 and 0 are refused (DRF would take them)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


def _decimal_pattern(whole_digits: int, decimal_places: int, *, positive: bool) -> str:
    """The schema's pattern for a non-negative amount: digits, optionally a point and at most
    `decimal_places` more; `positive` also refuses zero (a lookahead for a non-zero digit)."""
    nonzero = "(?=.*[1-9])" if positive else ""
    return rf"^{nonzero}[0-9]{{1,{whole_digits}}}(?:\.[0-9]{{1,{decimal_places}}})?$"


class StrictDecimalField(serializers.DecimalField):
    """A non-negative amount as a string ("12.50", the form responses use), in a JSON body or
    a query string. The schema's pattern is exactly what is accepted: no number, sign,
    exponent, spaces or non-ASCII digits (Python's Decimal would read "١٢")."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.min_value is None or self.min_value < 0:
            raise ValueError("StrictDecimalField is for non-negative amounts: set min_value >= 0.")
        self.pattern = _decimal_pattern(
            self.max_whole_digits, self.decimal_places, positive=self.min_value > Decimal("0")
        )
        set_override(self, "field", {"type": "string", "format": "decimal", "pattern": self.pattern})

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            self.fail("invalid")
        return super().to_internal_value(data)
