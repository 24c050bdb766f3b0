"""Forms for what reaches `mobile` from outside: Twilio's webhooks and the browser's push
subscription."""

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from common.forms import TextField
from mobile.push import push_endpoint_allowed


class TwilioStatusForm(forms.Form):
    MessageSid = forms.RegexField(regex=r"^[A-Za-z0-9]{10,64}$", max_length=64)
    MessageStatus = TextField(max_length=20, required=True)
    ErrorCode = TextField(max_length=10, required=False)


class TwilioInboundForm(forms.Form):
    MessageSid = forms.RegexField(regex=r"^[A-Za-z0-9]{10,64}$", max_length=64)
    From = PhoneNumberField(region=None)
    Body = TextField(max_length=1600, required=False)


class DevSmsReplyForm(forms.Form):
    """/dev/sms/: a text from a customer's phone, as Twilio's inbound webhook would bring it."""

    From = PhoneNumberField(region=None)
    Body = TextField(max_length=1600, required=True)


class PushSubscriptionForm(forms.Form):
    """The browser's PushSubscription.toJSON(), flattened by the opt-in script."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.RegexField(regex=r"^[A-Za-z0-9_\-=]{40,200}$", max_length=200)
    auth = forms.RegexField(regex=r"^[A-Za-z0-9_\-=]{10,60}$", max_length=60)

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"]
        if not push_endpoint_allowed(endpoint):
            raise forms.ValidationError(_("This browser's push service is not one the shop sends to."))
        return endpoint


class PushUnsubscribeForm(forms.Form):
    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
