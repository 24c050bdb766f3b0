from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.names import READING_ERROR, is_japanese, reading_normalize
from customers.throttle import THROTTLED_MESSAGE, login_throttled


class ThrottledLoginMixin:
    """For AuthenticationForm subclasses: a sign-in refused by the limiter says so (the
    view answers 429) instead of "wrong password"."""

    def get_invalid_login_error(self):
        if login_throttled(self.request):
            return forms.ValidationError(THROTTLED_MESSAGE, code="throttled")
        return super().get_invalid_login_error()


class SignInForm(ThrottledLoginMixin, AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": "That email and password don't match an account. Check them and try again.",
        "inactive": "This account is inactive.",
    }


class AdminSignInForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """Django admin's sign-in, behind the same limiter (commerce_platform.urls sets it)."""


class SignUpForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    first_name = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits, not a common password."),
    )
    marketing_consent = forms.BooleanField(
        required=False, label=_("Email me news and offers. You can unsubscribe at any time.")
    )

    def clean_email(self) -> str:
        return Customer.objects.normalize_email(self.cleaned_data["email"]).strip()

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = Customer(email=cleaned.get("email", ""), first_name=cleaned.get("first_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class PersonNameFormMixin:
    """Given and family name, with their reading (furigana) for Japanese names: the family
    name first and the reading fields shown only for a Japanese customer (`japanese=True`)
    or a name already written in Japanese. Used by the profile page and the console's
    new-customer form. Expects model fields first_name, last_name, *_reading."""

    def _shape_names(self, *, japanese: bool, with_readings: bool = False) -> None:
        """Japanese: family name first, labelled so, with the readings. Otherwise first and
        last name, and the readings only when `with_readings` (optional, explained)."""
        names = (self.initial.get("first_name") or "", self.initial.get("last_name") or "")
        japanese = japanese or any(is_japanese(name) for name in names)
        self.japanese_names = japanese
        reading_help = _("In katakana or hiragana, e.g. %(example)s")
        if japanese:
            self.fields["last_name"].label = _("Family name")
            self.fields["first_name"].label = _("Given name")
            order = ["last_name", "first_name", "last_name_reading", "first_name_reading"]
        else:
            self.fields["first_name"].label = _("First name")
            self.fields["last_name"].label = _("Last name")
            order = ["first_name", "last_name", "first_name_reading", "last_name_reading"]
            reading_help = _("For a Japanese name: in katakana or hiragana, e.g. %(example)s")
        if japanese or with_readings:
            self.fields["last_name_reading"].label = _("Family name reading (furigana)")
            self.fields["first_name_reading"].label = _("Given name reading (furigana)")
            self.fields["last_name_reading"].help_text = reading_help % {"example": "ヤマダ"}
            self.fields["first_name_reading"].help_text = reading_help % {"example": "タロウ"}
        else:
            for name in ("first_name_reading", "last_name_reading"):
                del self.fields[name]
            order = order[:2]
        self.order_fields([*order, *[name for name in self.fields if name not in order]])

    def _clean_reading(self, name: str) -> str:
        try:
            return reading_normalize(self.cleaned_data.get(name, ""))
        except ValueError:
            raise forms.ValidationError(READING_ERROR, code="reading")

    def clean_first_name_reading(self) -> str:
        return self._clean_reading("first_name_reading")

    def clean_last_name_reading(self) -> str:
        return self._clean_reading("last_name_reading")


class LanguageForm(forms.Form):
    """The language switcher (storefront footer/header and console)."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)
