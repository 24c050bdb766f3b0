"""The address form every page uses (checkout, address book, console), shaped by the
country's rules (customers.addresses): which fields exist and are required, their labels
and order, the list of states/prefectures, the postal-code format, and for Japan family
name + given name with their reading (furigana).

Render it with `{% include "customers/_address_fields.html" %}` inside your <form>:
changing the country redraws the fields for that country (htmx GET to
`accounts:address_fields`), keeping what was typed."""

import json
import re

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from customers.addresses import (
    SHIPPING_COUNTRIES,
    SHIPPING_COUNTRY_CODES,
    AddressInvalid,
    address_validate,
    country_name,
    country_rules,
    region_key,
)
from customers.forms import PersonNameFormMixin
from customers.models import Address
from customers.names import has_kanji, is_japanese, person_name
from customers.phones import phone_form_field

ADDRESS_FIELDS = (
    "full_name",
    "last_name",
    "first_name",
    "last_name_reading",
    "first_name_reading",
    "postal_code",
    "region",
    "city",
    "line1",
    "line2",
)
_PREFIX = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


def address_form_prefix(value: str | None) -> str | None:
    """A prefix from a request (the htmx redraw) only if it is a plain identifier."""
    return value if value and _PREFIX.match(value) else None


class CountryField(forms.ChoiceField):
    """An ISO 3166-1 alpha-2 choice that takes "jp" as "JP"."""

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class RegionField(forms.ChoiceField):
    """A state/prefecture from the country's list; its English or native name ("Tokyo",
    "oregon") is taken as the stored key ("東京都", "OR")."""

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country

    def to_python(self, value):
        return region_key(self.country, super().to_python(value))


class AddressForm(PersonNameFormMixin, forms.ModelForm):
    """An `Address` by its country's rules. `country=` picks the layout for an unbound
    form; a bound form follows the country it was sent with.

    After `is_valid()`, `address_dict()` is the plain dict an order keeps and
    `save(commit=False)` an unsaved Address (set `customer` before saving)."""

    country = CountryField(label=_("Country"), choices=SHIPPING_COUNTRIES)

    class Meta:
        model = Address
        fields = ["country", *ADDRESS_FIELDS, "phone"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
        }

    def __init__(self, *args, country: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.country_code = self._pick_country(country)
        self.rules = country_rules(self.country_code)
        self._shape()

    # -- layout -------------------------------------------------------------------------
    def _pick_country(self, country: str | None) -> str:
        candidates = []
        if self.is_bound:
            candidates.append(self.data.get(self.add_prefix("country")))
        candidates += [country, self.initial.get("country"), self.instance.country if self.instance.pk else None]
        candidates.append(settings.SHOP_COUNTRY)
        for value in candidates:
            code = (value or "").strip().upper()
            if code in SHIPPING_COUNTRY_CODES or (code and code == (self.instance.country or "").upper()):
                return code
        return SHIPPING_COUNTRIES[0][0]

    def _shape(self) -> None:
        rules, jp = self.rules, self.rules.country == "JP"
        choices = list(SHIPPING_COUNTRIES)
        if self.country_code not in SHIPPING_COUNTRY_CODES:  # an old address from elsewhere stays editable
            choices.append((self.country_code, country_name(self.country_code)))
        country = self.fields["country"]
        country.choices = choices
        country.initial = self.country_code
        self.initial["country"] = self.country_code
        country.widget.attrs.update(
            {
                "autocomplete": "country",
                "hx-get": reverse("accounts:address_fields"),
                "hx-target": "closest .address-fields",
                "hx-swap": "outerHTML",
                "hx-include": "closest .address-fields",
                "hx-vals": json.dumps({"prefix": self.prefix or ""}),
                "aria-describedby": self.add_prefix("country") + "-redraw",
            }
        )
        for name in ADDRESS_FIELDS:
            if name not in rules.fields:
                del self.fields[name]
            else:
                self.fields[name].required = name in rules.required
        labels = {
            "full_name": _("Full name"),
            "last_name": _("Family name"),
            "first_name": _("Given name"),
            "last_name_reading": _("Family name reading (furigana)"),
            "first_name_reading": _("Given name reading (furigana)"),
            "postal_code": rules.postal_code_label,
            "region": rules.region_label,
            "city": _("City, ward, town or village") if jp else rules.city_label,
            "line1": _("Street address") if jp else _("Address line 1"),
            "line2": _("Building, floor, room") if jp else _("Address line 2"),
        }
        helps = {
            "line1": _("Town and block number, e.g. 渋谷1-2-3") if jp else "",
            "last_name_reading": _("In katakana or hiragana, e.g. ヤマダ; needed for a name in kanji"),
            "first_name_reading": _("In katakana or hiragana, e.g. タロウ; needed for a name in kanji"),
        }
        if rules.postal_code_examples:
            helps["postal_code"] = _("e.g. %(example)s") % {"example": rules.postal_code_examples[0]}
        for name, field in self.fields.items():
            if name in labels:
                field.label = labels[name]
            if name in helps:
                field.help_text = helps[name]
        if "postal_code" in self.fields and jp:
            self.fields["postal_code"].widget.attrs.update({"inputmode": "numeric", "data-prefix": "〒"})
        if "region" in self.fields:
            region_choices = rules.region_choices()
            if region_choices:
                self.fields["region"] = RegionField(
                    country=self.country_code,
                    label=rules.region_label,
                    required="region" in rules.required,
                    choices=[("", _("Choose…")), *region_choices],
                    widget=forms.Select(attrs={"autocomplete": "address-level1"}),
                )
                current = self.initial.get("region") or (self.instance.region if self.instance.pk else "")
                if current:
                    self.initial["region"] = region_key(self.country_code, current)
            else:
                self.fields["region"].widget.attrs["autocomplete"] = "address-level1"
        self.fields["phone"] = phone_form_field(region=self.country_code, label=_("Phone"))
        self.order_fields(["country", *rules.fields, "phone"])

    def address_rows(self) -> list[list[forms.BoundField]]:
        """Bound fields row by row for `customers/_address_fields.html`: country, the
        country's own rows, phone."""
        rows = [["country"], *self.rules.rows, ["phone"]]
        return [[self[name] for name in row if name in self.fields] for row in rows]

    # -- validation ---------------------------------------------------------------------
    def clean(self):
        data = super().clean()
        if self.rules.split_name:
            for part in ("last_name", "first_name"):
                reading = f"{part}_reading"
                if has_kanji(data.get(part, "")) and not data.get(reading) and reading not in self.errors:
                    self.add_error(reading, _("Add the reading of this name in katakana, e.g. ヤマダ."))
            data["full_name"] = person_name(first_name=data.get("first_name", ""), last_name=data.get("last_name", ""))
        else:
            for part in ("first_name", "last_name", "first_name_reading", "last_name_reading"):
                data[part] = ""
        try:
            valid = address_validate({name: data.get(name, "") for name in ("country", *ADDRESS_FIELDS)})
        except AddressInvalid as exc:
            for name, message in exc.errors.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        else:
            data["postal_code"] = valid["postal_code"]
            if "region" in self.fields:
                data["region"] = valid["region"]
        return data

    def address_dict(self) -> dict:
        """The cleaned address as an order keeps it (Address.as_dict keys)."""
        return self.instance.as_dict()


def address_initial_for(customer) -> dict:
    """A new address form's starting values for `customer`: their name (and its reading)."""
    if customer is None:
        return {}
    initial = {}
    if is_japanese(customer.first_name) or is_japanese(customer.last_name):
        initial["country"] = "JP"  # a name in Japanese script: start from the Japanese form
    return initial | {
        "full_name": customer.full_name,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "first_name_reading": customer.first_name_reading,
        "last_name_reading": customer.last_name_reading,
    }


class AddressBookForm(AddressForm):
    """The shopper's address book: an address plus its label and the default flag."""

    class Meta(AddressForm.Meta):
        fields = ["label", *AddressForm.Meta.fields, "is_default"]
        labels = {"is_default": _("Use as my default address")}
        help_texts = {"label": _("e.g. Home, Work")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["label", "country", *self.rules.fields, "phone", "is_default"])
