from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from customers.exceptions import EmailAlreadyRegistered
from customers.forms import SignInForm, SignUpForm
from customers.roles import staff_landing_url
from customers.services import customer_register
from customers.throttle import client_ip, login_failure_record, login_failures_clear, login_is_locked


class SignInView(LoginView):
    template_name = "customers/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        email = request.POST.get("username", "")
        if login_is_locked(email, client_ip(request)):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many failed sign-in attempts. Wait 15 minutes or reset your password.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failure_record(self.request.POST.get("username", ""), client_ip(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        login_failures_clear(form.get_user().email, client_ip(self.request))
        return super().form_valid(form)

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
            messages.success(request, "Welcome! Your account is ready.")
            next_url = request.GET.get("next", "")
            if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                return redirect(next_url)
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "customers/signup.html", {"form": form}, status=400 if form.errors else 200)
