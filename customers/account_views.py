"""Storefront account pages: profile, address book, consent settings, password reset."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.ratelimit import Limit, limit_hit
from customers.account_forms import (
    AddressBookForm,
    AddressForm,
    ConsentSettingsForm,
    ProfileForm,
    SocialHandleForm,
    StorefrontPasswordResetForm,
    StorefrontSetPasswordForm,
)
from customers.account_services import (
    CONSENT_PURPOSES,
    address_delete,
    address_make_default,
    address_save,
    consent_settings_save,
)
from customers.address_forms import address_form_prefix
from customers.exceptions import HandleTaken
from customers.models import Consent
from customers.selectors import consent_current, customer_country
from customers.services import social_handle_add, social_handle_remove
from customers.throttle import client_ip

# Password reset requests per client IP per window: enough for typos, not for mail-bombing.
RESET_MAX_PER_IP = 5
RESET_WINDOW_SECONDS = 900


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, gettext("Your profile is saved."))
        return redirect("accounts:profile")
    return render(
        request,
        "customers/account/profile.html",
        {"form": form, "section": "profile"},
        status=400 if form.errors else 200,
    )


@login_required
def address_list(request):
    addresses = list(request.user.addresses.all())
    return render(request, "customers/account/addresses.html", {"addresses": addresses, "section": "addresses"})


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request, pk: int | None = None):
    instance = None
    if pk is not None:
        instance = request.user.addresses.filter(pk=pk).first()
        if instance is None:
            raise Http404("No such address")
    form = AddressBookForm(request.POST or None, instance=instance, country=customer_country(request.user))
    if request.method == "POST" and form.is_valid():
        address_save(customer=request.user, address=form.save(commit=False))
        messages.success(request, gettext("Address saved."))
        return redirect("accounts:addresses")
    return render(
        request,
        "customers/account/address_form.html",
        {"form": form, "address": instance, "section": "addresses"},
        status=400 if form.errors else 200,
    )


@require_GET
def address_fields(request):
    """The address fields redrawn for another country (htmx, from the country select of any
    AddressForm: checkout, address book, console). What was typed is kept where the new
    country has the same field."""
    prefix = address_form_prefix(request.GET.get("prefix"))
    values = {}
    for name in AddressForm.Meta.fields:
        value = request.GET.get(f"{prefix}-{name}" if prefix else name, "")
        values[name] = value.replace("\x00", "")[:200]
    form = AddressForm(initial=values, country=values.get("country"), prefix=prefix)
    return render(request, "customers/_address_fields.html", {"form": form})


@login_required
@require_POST
def address_remove(request, pk: int):
    if not address_delete(customer=request.user, address_id=pk):
        raise Http404("No such address")
    messages.success(request, gettext("Address removed."))
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_default(request, pk: int):
    if not address_make_default(customer=request.user, address_id=pk):
        raise Http404("No such address")
    messages.success(request, gettext("Default address updated."))
    return redirect("accounts:addresses")


@login_required
@require_http_methods(["GET", "POST"])
def consent_settings(request):
    current = {purpose: consent_current(customer=request.user, purpose=purpose) for purpose in CONSENT_PURPOSES}
    form = ConsentSettingsForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        changed = consent_settings_save(customer=request.user, choices=form.cleaned_data)
        messages.success(request, gettext("Your choices are saved.") if changed else gettext("Nothing changed."))
        return redirect("accounts:consent")
    history = Consent.objects.filter(customer=request.user).order_by("-created_at", "-id")[:10]
    return render(
        request,
        "customers/account/consent.html",
        {
            "form": form,
            "history": history,
            "section": "consent",
            "has_phone": bool(request.user.phone),
            "push_granted": consent_current(customer=request.user, purpose=Consent.Purpose.PUSH),
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "customers/password_reset/form.html"
    email_template_name = "customers/password_reset/email.txt"
    subject_template_name = "customers/password_reset/subject.txt"
    form_class = StorefrontPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        limit = Limit("password_reset:ip", client_ip(request) or "unknown", RESET_MAX_PER_IP, RESET_WINDOW_SECONDS)
        if not limit_hit(limit, component="password_reset_limiter").allowed:
            form = self.get_form()
            form.is_valid()
            form.add_error(None, gettext("Too many reset requests from here. Wait 15 minutes and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "customers/password_reset/done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "customers/password_reset/confirm.html"
    form_class = StorefrontSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "customers/password_reset/complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def social_handles(request):
    """The customer's social accounts: posts by these handles reach their record (a
    complaint on Instagram opens a case an agent sees beside their orders)."""
    form = SocialHandleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = social_handle_add(
                customer=request.user,
                network=form.cleaned_data["network"],
                handle=form.cleaned_data["handle"],
                actor=request.user,
            )
        except HandleTaken:
            form.add_error("handle", gettext("That handle is linked to another account. If it is yours, contact us."))
        else:
            messages.success(request, gettext("@%(handle)s is on your profile.") % {"handle": row.handle})
            return redirect("accounts:social")
    return render(
        request,
        "customers/account/social.html",
        {"form": form, "handles": list(request.user.social_handles.all()), "section": "social"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def social_handle_delete(request, pk: int):
    if not social_handle_remove(customer=request.user, handle_id=pk, actor=request.user):
        raise Http404("No such handle")
    messages.success(request, gettext("Handle removed."))
    return redirect("accounts:social")
