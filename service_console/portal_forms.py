from django import forms


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "Write your answer or add details"}),
    )
