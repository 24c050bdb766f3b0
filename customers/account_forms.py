from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm

from customers.models import Address, Customer


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["first_name", "last_name", "phone"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = [
            "label",
            "full_name",
            "line1",
            "line2",
            "city",
            "region",
            "postal_code",
            "country",
            "phone",
            "is_default",
        ]
        labels = {"is_default": "Use as my default address"}
        # The model's help text ("ISO 3166-1 alpha-2") is for developers, not shoppers.
        help_texts = {"country": "Two-letter country code, e.g. US, JP or GB."}
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "country": forms.TextInput(attrs={"autocomplete": "country", "maxlength": 2}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def clean_country(self) -> str:
        country = (self.cleaned_data.get("country") or "").strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError("Use the two-letter country code, e.g. US, JP or GB.")
        return country


class ConsentSettingsForm(forms.Form):
    marketing_email = forms.BooleanField(required=False, label="Email me news, offers and product updates")
    sms = forms.BooleanField(required=False, label="Text me offers and order updates by SMS")
    personalisation = forms.BooleanField(
        required=False, label="Personalise recommendations using what I browse and buy"
    )


class StorefrontPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class StorefrontSetPasswordForm(SetPasswordForm):
    pass
