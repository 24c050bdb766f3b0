from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.models import SavedReply
from helpdesk.services import SAVED_REPLY_TOKENS, saved_reply_unknown_tokens


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        coerce=int, choices=[(n, str(n)) for n in range(1, 6)], widget=forms.RadioSelect, label=_("Your rating")
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Anything to add? (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SavedReplyAdminForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ["title", "body", "is_active"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        unknown = saved_reply_unknown_tokens(body)
        if unknown:
            allowed = ", ".join("{" + name + "}" for name in SAVED_REPLY_TOKENS)
            raise forms.ValidationError(
                f"Unknown token(s): {', '.join('{' + u + '}' for u in unknown)}. Use one of: {allowed}."
            )
        return body
