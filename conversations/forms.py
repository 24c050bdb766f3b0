"""Every chat input, from a socket frame or an HTTP post, goes through these forms."""

import re

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

MAX_BODY = 2000
CLIENT_ID_RE = r"^[A-Za-z0-9_-]{1,64}$"


# Printable text only: control characters other than newline and tab are refused.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class ChatMessageForm(forms.Form):
    body = forms.CharField(max_length=MAX_BODY, strip=True)
    client_id = forms.CharField(max_length=64, required=False, validators=[RegexValidator(CLIENT_ID_RE)])

    def clean_body(self):
        return self.body_checked(self.cleaned_data["body"])

    @staticmethod
    def body_checked(body: str) -> str:
        if _CONTROL.search(body):
            raise forms.ValidationError(_("Messages are plain text."))
        return body

    @classmethod
    def frame_cleaned(cls, body: str, client_id: str) -> dict | None:
        """The same fields and rules as a bound form (cleaned_data, or None when invalid),
        for a socket's frames: a Form instance deep-copies its fields each time, which
        was a tenth of a chat message's CPU. Fields are stateless, so the class's own serve."""
        try:
            return {
                "body": cls.body_checked(cls.base_fields["body"].clean(body)),
                "client_id": cls.base_fields["client_id"].clean(client_id),
            }
        except forms.ValidationError:
            return None


class LastIdForm(forms.Form):
    last_id = forms.IntegerField(min_value=0, max_value=2**62, required=False)


class FeedbackForm(forms.Form):
    helpful = forms.BooleanField(required=False)


class TranscriptForm(forms.Form):
    email = forms.EmailField(required=False, max_length=254)


class ChatEmailForm(forms.Form):
    """An agent gives a guest's email so the chat can become a case on their record."""

    email = forms.EmailField(max_length=254)
