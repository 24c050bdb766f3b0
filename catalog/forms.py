"""Query-string forms of the storefront listing and search pages."""

from decimal import Decimal

from django import forms

from catalog.search import MAX_QUERY_LENGTH
from common.forms import QueryForm, TextField, TextListField

SORTS = {
    "relevance": "Relevance",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}


class PriceField(forms.DecimalField):
    """A price bound: 0 or more, cents at most (more decimals are rounded)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=Decimal("0"), max_value=Decimal("9999999999"), **kwargs)

    def clean(self, value):
        value = super().clean(value.strip()[:16] if isinstance(value, str) else value)
        return value.quantize(Decimal("0.01")) if value is not None else None


class ListingFilterForm(QueryForm):
    """Filters, sort and page of a listing. Lenient (QueryForm): a malformed or unknown
    value is ignored, never an error page."""

    q = TextField(max_length=MAX_QUERY_LENGTH)
    size = TextListField(max_items=10, max_length=32)
    colour = TextListField(max_items=10, max_length=32)
    min_price = PriceField()
    max_price = PriceField()
    in_stock = forms.BooleanField(required=False)
    sort = forms.ChoiceField(choices=list(SORTS.items()), required=False, initial="relevance")
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, initial=1)

    def clean_sort(self):
        return self.cleaned_data["sort"] or "relevance"

    def clean_page(self):
        return self.cleaned_data["page"] or 1


class AttributionForm(QueryForm):
    """utm_* and ref on any storefront URL (catalog.attribution)."""

    utm_source = TextField(max_length=200, initial="")
    utm_medium = TextField(max_length=200, initial="")
    utm_campaign = TextField(max_length=200, initial="")
    utm_term = TextField(max_length=200, initial="")
    utm_content = TextField(max_length=200, initial="")
    ref = TextField(max_length=200, initial="")
