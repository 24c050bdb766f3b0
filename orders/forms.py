import re

from django import forms
from django.utils.translation import gettext_lazy as _

from carts.models import Cart
from customers.addresses import address_one_line
from orders.payments import card_digits, luhn_ok

NEW_ADDRESS = "new"


class CheckoutForm(forms.Form):
    """Contact, which address (a saved one or a new one), shipping method and payment method
    (no card data here). A new address is its own form (customers.address_forms.AddressForm),
    validated by its country's rules."""

    email = forms.EmailField(
        label=_("Email for your receipt"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    saved_address = forms.ChoiceField(label=_("Ship to"), required=False, widget=forms.RadioSelect)
    shipping_method = forms.ChoiceField(
        choices=Cart.ShippingMethod.choices, initial="standard", widget=forms.RadioSelect
    )
    payment_method = forms.ChoiceField(
        choices=[("test_card", _("Card")), ("pod", _("Pay on delivery"))], initial="test_card", widget=forms.RadioSelect
    )
    marketing_consent = forms.BooleanField(
        required=False, initial=False, label=_("Email me news and offers. You can unsubscribe at any time.")
    )
    sms_updates = forms.BooleanField(
        required=False,
        initial=False,
        label=_("Text me when my order ships and on its delivery day (to the phone number of the address)."),
    )

    def __init__(self, *args, addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses = {str(a.pk): a for a in addresses}
        if self.addresses:
            choices = [(pk, address_one_line(a)) for pk, a in self.addresses.items()]
            self.fields["saved_address"].choices = [*choices, (NEW_ADDRESS, _("A new address"))]
        else:
            del self.fields["saved_address"]

    def needs_new_address(self) -> bool:
        """True unless one of the saved addresses was chosen (then the address fields are
        not validated at all)."""
        if not self.addresses:
            return True
        chosen = self.data.get("saved_address") if self.is_bound else self.initial.get("saved_address")
        return chosen in (None, "", NEW_ADDRESS) or chosen not in self.addresses

    def clean(self):
        data = super().clean()
        saved = data.get("saved_address")
        if saved and saved != NEW_ADDRESS and saved not in self.addresses:
            self.add_error("saved_address", _("Choose one of your addresses."))
        return data

    def chosen_address(self) -> dict:
        return self.addresses[self.cleaned_data["saved_address"]].as_dict()


class PlaceOrderForm(forms.Form):
    """The review step: the card (never stored) and the checkout token that makes a
    double-click or retry place one order."""

    checkout_token = forms.CharField(widget=forms.HiddenInput, max_length=100)
    card_number = forms.CharField(
        label=_("Card number"),
        required=False,
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
        help_text=_("Test cards: 4242 4242 4242 4242 approves, 4000 0000 0000 0002 is declined."),
    )
    card_expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp"}),
    )
    card_cvc = forms.CharField(
        label=_("Security code"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )

    def __init__(self, *args, needs_card: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_card = needs_card
        for name in ("card_number", "card_expiry", "card_cvc"):
            if needs_card:
                self.fields[name].required = True
            else:
                del self.fields[name]

    def clean_card_expiry(self):
        value = self.cleaned_data.get("card_expiry", "").replace(" ", "")
        match = re.fullmatch(r"(0[1-9]|1[0-2])/?(\d{2})", value)
        if not match:
            raise forms.ValidationError(_("Enter the expiry as MM/YY."))
        return f"{match.group(1)}/{match.group(2)}"

    def clean_card_cvc(self):
        value = self.cleaned_data.get("card_cvc", "").strip()
        if not re.fullmatch(r"\d{3,4}", value):
            raise forms.ValidationError(_("Enter the 3 or 4 digits on the back of your card."))
        return value

    def clean_card_number(self):
        number = card_digits(self.cleaned_data.get("card_number", ""))
        if self.needs_card and not luhn_ok(number):
            raise forms.ValidationError(_("Enter a valid card number."))
        return number


class OrderAccessForm(forms.Form):
    """The signed order link's token (?t= or a hidden field), for guests."""

    t = forms.CharField(required=False, max_length=300)


class OrderActionForm(OrderAccessForm):
    reason = forms.CharField(required=False, max_length=300)
