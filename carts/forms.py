"""Forms of the cart page (typed: a malformed id, quantity or version is a form error,
never a 500; ranges such as the per-line maximum stay the services' rule)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import IdField

QUANTITY_BOUND = 1_000_000  # only keeps absurd numbers out; carts.services enforces the real limits


class CartVersionField(forms.IntegerField):
    """The cart version the form was rendered with (a stale one is a CartConflict)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput, **kwargs)


class CartAddForm(forms.Form):
    variant_id = IdField()
    quantity = forms.IntegerField(required=False, min_value=-QUANTITY_BOUND, max_value=QUANTITY_BOUND)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_quantity(self):
        return 1 if self.cleaned_data["quantity"] is None else self.cleaned_data["quantity"]


class CartLineForm(forms.Form):
    quantity = forms.IntegerField(required=False, min_value=-QUANTITY_BOUND, max_value=QUANTITY_BOUND)
    remove = forms.CharField(required=False, max_length=20)
    version = CartVersionField()

    def clean(self):
        data = super().clean()
        if "remove" in self.data:
            data["quantity"] = 0
        elif data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", _("Enter a quantity of 0 or more."))
        return data


class VoucherForm(forms.Form):
    code = forms.CharField(required=False, max_length=64)
    remove = forms.CharField(required=False, max_length=20)
    version = CartVersionField()
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        data["remove"] = "remove" in self.data
        if not data["remove"] and not (data.get("code") or "").strip() and "code" not in self.errors:
            self.add_error("code", _("Enter a discount code."))
        return data
