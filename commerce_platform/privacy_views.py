"""'Your data' page: download everything as JSON, or erase the account (C1)."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from commerce_platform.privacy import customer_data_export, customer_erase
from customers.throttle import THROTTLED_MESSAGE, password_check_allowed


class EraseForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(label=_("I understand this deletes my account and cannot be undone."))

    def __init__(self, *args, customer, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        # The sign-in limiter guards this password check too (a stolen session must not
        # become a password oracle).
        if not password_check_allowed(email=self.customer.email, request=self.request).allowed:
            raise forms.ValidationError(THROTTLED_MESSAGE, code="throttled")
        if not self.customer.check_password(password):
            raise forms.ValidationError(_("That password is not right."))
        return password


@login_required
@require_http_methods(["GET", "POST"])
def your_data(request):
    form = EraseForm(request.POST or None, customer=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        customer_erase(customer=request.user, actor=request.user)
        logout(request)
        messages.success(request, gettext("Your account and personal data have been erased."))
        return redirect("/")
    return render(
        request, "customers/account/data.html", {"form": form, "section": "data"}, status=400 if form.errors else 200
    )


@login_required
@require_GET
def your_data_export(request):
    payload = json.dumps(customer_data_export(customer=request.user), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(payload, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response
