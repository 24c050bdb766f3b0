import re

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.selectors import customer_by_email
from orders.models import Order

REPLY_MAX_LENGTH = 2000
_ORDER = re.compile(r"UC[A-Z0-9]{8}")


class SocialReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Public reply"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Posted under the shop's account, visible to everyone. X allows 280 characters."),
    )


class SocialLinkForm(forms.Form):
    """Who the author is: a customer's email address or one of their order numbers."""

    who = forms.CharField(label=_("Customer's email or order number"), max_length=254)

    def clean_who(self) -> Customer:
        text = self.cleaned_data["who"].strip()
        customer = None
        compact = re.sub(r"[\s\-]", "", text).upper()
        if _ORDER.fullmatch(compact):
            number = f"UC-{compact[2:6]}-{compact[6:]}"
            order = Order.objects.select_related("customer").filter(number=number).first()
            customer = order.customer if order is not None else None
        elif "@" in text:
            customer = customer_by_email(text)
        if customer is None or customer.is_staff or customer.erased_at is not None:
            raise forms.ValidationError(_("No customer with that email address or order number."))
        return customer
