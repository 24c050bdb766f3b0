from django import forms
from django.utils.translation import gettext_lazy as _

from customers.account_forms import StorefrontPasswordResetForm


class NewsletterForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    # Bots fill every field; people never see this one.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


class OutboxPasswordResetForm(StorefrontPasswordResetForm):
    """Django's password reset, delivered through the outbox (retries, suppression, viewer)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        from django.urls import reverse

        from messaging.rendering import absolute
        from messaging.services import email_enqueue

        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        user = context["user"]
        email_enqueue(
            to=to_email,
            kind="password_reset",
            template="password_reset",
            context={
                "reset_url": absolute(path),
                "first_name": user.first_name,
                "email": to_email,
            },
            dedupe_key=f"password-reset:{context['uid']}:{context['token']}",
            customer=user,
        )
