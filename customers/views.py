from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from common.forms import NextForm, safe_redirect_target
from customers.exceptions import EmailAlreadyRegistered
from customers.forms import SignInForm, SignUpForm
from customers.roles import staff_landing_url
from customers.services import customer_register
from customers.throttle import login_throttled


class SignInView(LoginView):
    """The limiter sits in the authentication backend (customers.throttle); this view only
    answers 429 when it refused."""

    template_name = "customers/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        status = 429 if login_throttled(self.request) else 200
        return self.render_to_response(self.get_context_data(form=form), status=status)

    def get_default_redirect_url(self):
        """Without a safe `next`, staff land where they work (console or admin); shoppers
        on the storefront (LOGIN_REDIRECT_URL). A `next` on another host is ignored by
        LoginView.get_redirect_url, so it falls back to this too."""
        return staff_landing_url(self.request.user) or super().get_default_redirect_url()


class SignOutView(LogoutView):
    pass


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = customer_register(
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                marketing_consent=data["marketing_consent"],
            )
        except EmailAlreadyRegistered as exc:
            form.add_error("email", str(exc))
        else:
            login(request, customer, backend="customers.auth_backends.EmailBackend")
            messages.success(request, gettext("Welcome! Your account is ready."))
            next_url = safe_redirect_target(request, NextForm(request.GET).values["next"])
            return HttpResponseRedirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(request, "customers/signup.html", {"form": form}, status=400 if form.errors else 200)
