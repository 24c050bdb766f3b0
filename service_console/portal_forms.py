from django import forms
from django.utils.translation import gettext_lazy as _


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Write your answer or add details")}),
    )
