"""Every chat input, from a socket frame or an HTTP post, goes through these forms."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

MAX_BODY = 2000
CLIENT_ID_RE = r"^[A-Za-z0-9_-]{1,64}$"


class ChatMessageForm(forms.Form):
    body = forms.CharField(max_length=MAX_BODY, strip=True)
    client_id = forms.CharField(max_length=64, required=False, validators=[RegexValidator(CLIENT_ID_RE)])

    def clean_body(self):
        body = self.cleaned_data["body"]
        # Printable text only: control characters other than newline and tab are refused.
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in body) or "\x7f" in body:
            raise forms.ValidationError(_("Messages are plain text."))
        return body


class LastIdForm(forms.Form):
    last_id = forms.IntegerField(min_value=0, max_value=2**62, required=False)


class FeedbackForm(forms.Form):
    helpful = forms.BooleanField(required=False)


class TranscriptForm(forms.Form):
    email = forms.EmailField(required=False, max_length=254)


class ChatEmailForm(forms.Form):
    """An agent gives a guest's email so the chat can become a case on their record."""

    email = forms.EmailField(max_length=254)
