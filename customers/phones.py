"""Phone numbers (Google's libphonenumber via `phonenumbers`): stored in E.164
(`+819012345678`) by django-phonenumber-field, found whichever way an agent types them,
shown the way the customer's country writes them."""

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField as PhoneNumberFormField
from phonenumber_field.phonenumber import PhoneNumber
from phonenumber_field.widgets import RegionalPhoneNumberWidget

from customers.addresses import SHIPPING_COUNTRIES

_PHONE_QUERY = re.compile(r"^[\d\s()+\-.]+$")
MIN_SEARCH_DIGITS = 6


def phone_parse(raw, *, region: str | None = None) -> PhoneNumber | None:
    """A valid number, or None. Numbers without a country code are read as `region`'s
    (default: the shop's country)."""
    if isinstance(raw, phonenumbers.PhoneNumber):
        return raw if phonenumbers.is_valid_number(raw) else None
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        return None
    try:
        number = PhoneNumber.from_string(text, region=(region or settings.SHOP_COUNTRY).upper())
    except phonenumbers.NumberParseException:
        return None
    return number if number.is_valid() else None


def phone_normalize(raw, *, region: str | None = None) -> str:
    """E.164 for a valid number; anything else is returned as typed (nothing is lost)."""
    number = phone_parse(raw, region=region)
    return number.as_e164 if number else str(raw or "").strip()


def phone_display(raw, *, country: str | None = None) -> str:
    """'090-1234-5678' for a Japanese number of a customer in Japan, '+81 90-1234-5678' for
    the same number of a customer elsewhere (`country` defaults to the shop's); unparseable
    values as stored."""
    number = phone_parse(raw)
    if number is None:
        return str(raw or "")
    region = phonenumbers.region_code_for_number(number)
    if region == (country or settings.SHOP_COUNTRY).upper():
        return number.as_national
    return number.as_international


def phone_search_regions() -> list[str]:
    regions = [settings.SHOP_COUNTRY]
    return regions + [code for code, _label in SHIPPING_COUNTRIES if code not in regions]


def looks_like_phone(query: str) -> bool:
    text = unicodedata.normalize("NFKC", query or "").strip()
    return bool(_PHONE_QUERY.match(text)) and sum(ch.isdigit() for ch in text) >= MIN_SEARCH_DIGITS


def phone_search_candidates(query: str) -> list[str]:
    """The E.164 numbers a typed query may mean: '+81 90 1234 5678', '090-1234-5678' and
    '09012345678' all give '+819012345678' (national forms are read in the shop's country
    and every country it ships to)."""
    candidates: list[str] = []
    for region in phone_search_regions():
        number = phone_parse(query, region=region)
        if number is not None and number.as_e164 not in candidates:
            candidates.append(number.as_e164)
    return candidates


def phone_search_digits(query: str) -> str:
    """Digits to look for inside stored numbers when the query is only part of a number
    ('1234 5678'); a national trunk '0' is dropped because E.164 has none."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", query or "") if ch.isdigit())
    return digits[1:] if digits.startswith("0") else digits


class PhoneInput(RegionalPhoneNumberWidget):
    """A tel input showing a stored number in its national form when it belongs to the
    form's country ('090-1234-5678'), else internationally ('+81 90-1234-5678'), never as
    bare E.164."""

    def __init__(self, region=None, attrs=None):
        super().__init__(region=region, attrs={"autocomplete": "tel", **(attrs or {})})

    def format_value(self, value):
        number = phone_parse(value, region=self.region)
        if number is None:
            return super().format_value(value)
        return phone_display(number, country=self.region)


def phone_form_field(*, region: str | None = None, required: bool = False, **kwargs) -> PhoneNumberFormField:
    """The phone field of every form: numbers without a country code are read as `region`'s
    (the address's or customer's country), the value is a PhoneNumber stored as E.164."""
    region = (region or settings.SHOP_COUNTRY).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = settings.SHOP_COUNTRY
    return PhoneNumberFormField(
        region=region,
        required=required,
        widget=PhoneInput(region=region),
        help_text=_("A number from another country starts with + and its country code."),
        **kwargs,
    )
