from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from customers.address_forms import AddressBookForm, AddressForm  # noqa: F401  (the address forms live there)
from customers.forms import PersonNameFormMixin
from customers.models import Customer, SocialNetwork
from customers.phones import phone_form_field
from customers.selectors import customer_country


class ProfileForm(PersonNameFormMixin, forms.ModelForm):
    """Name (with furigana for a Japanese customer) and phone, read in the customer's country."""

    class Meta:
        model = Customer
        fields = ["first_name", "last_name", "first_name_reading", "last_name_reading", "phone"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def __init__(self, *args, country: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        country = (country or customer_country(self.instance)).upper()
        self.fields["phone"] = phone_form_field(region=country, label=_("Phone"))
        language = (get_language() or "").split("-")[0]
        self._shape_names(japanese=country == "JP" or language == "ja")


class ConsentSettingsForm(forms.Form):
    marketing_email = forms.BooleanField(required=False, label=_("Email me news, offers and product updates"))
    sms_transactional = forms.BooleanField(required=False, label=_("Text me when my orders ship and on delivery day"))
    sms = forms.BooleanField(
        required=False, label=_("Text me offers (at most one message a day; reply STOP to any text to opt out)")
    )
    personalisation = forms.BooleanField(
        required=False, label=_("Personalise recommendations using what I browse and buy")
    )


class SocialHandleForm(forms.Form):
    """A social account for the customer's profile (their account page and the console)."""

    network = forms.ChoiceField(label=_("Network"), choices=SocialNetwork.choices)
    handle = forms.RegexField(
        label=_("Handle"),
        regex=r"^@?[\w.\-]{1,99}$",
        max_length=100,
        error_messages={"invalid": _("Letters, digits, dots, dashes and underscores only, like @ana.shops.")},
        widget=forms.TextInput(attrs={"placeholder": "@yourname", "autocapitalize": "none", "spellcheck": "false"}),
    )


class StorefrontPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class StorefrontSetPasswordForm(SetPasswordForm):
    pass
