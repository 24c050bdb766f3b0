"""Public help centre (/help/): searchable public articles and the contact form."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from carts.models import Cart
from common.forms import SearchForm
from customers.models import Customer
from service_console.forms import ContactForm
from service_console.models import Article
from service_console.selectors import article_search
from service_console.services.cases import case_contact_form_submit
from service_console.services.on_behalf import checkout_token_read


@require_GET
def help_index(request):
    q = SearchForm(request.GET).values["q"]
    articles = article_search(q, public_only=True, limit=50)
    groups: dict[str, list[Article]] = {}
    if not q:
        for article in articles:
            groups.setdefault(article.get_category_display(), []).append(article)
    return render(request, "help/index.html", {"q": q, "articles": articles, "groups": groups})


@require_GET
def help_article(request, slug: str):
    article = get_object_or_404(Article, slug=slug, is_public=True)
    related = list(
        Article.objects.filter(is_public=True, category=article.category).exclude(pk=article.pk).order_by("title")[:5]
    )
    return render(request, "help/article.html", {"article": article, "related": related})


@require_http_methods(["GET", "POST"])
def help_contact(request):
    initial = {}
    if request.user.is_authenticated:
        initial = {"name": request.user.get_full_name(), "email": request.user.email}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        email = request.user.email if request.user.is_authenticated else data["email"]
        case = case_contact_form_submit(
            email=email,
            name=data["name"],
            subject=data["subject"],
            message=data["message"],
            order_number=data["order_number"],
        )
        messages.success(
            request,
            gettext("Thanks — we have your message (reference %(number)s) and will reply by email.")
            % {"number": case.number},
        )
        return redirect("help:contact_thanks")
    return render(request, "help/contact.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def help_contact_thanks(request):
    return render(request, "help/contact_thanks.html")


@require_GET
def help_purchase_link(request, token: str):
    """The shopper's end of an agent's "complete your purchase" email: a signed, expiring
    link to the cart the agent prepared. Signed-in owners go straight to checkout; guests
    (no password) are signed in by the link, as with a password-reset link; account holders
    sign in first. Anyone else learns nothing about the cart."""
    try:
        cart_id, public_id = checkout_token_read(token)
    except signing.SignatureExpired:
        return render(request, "help/purchase_link.html", {"problem": "expired"}, status=410)
    except (signing.BadSignature, ValueError):
        return render(request, "help/purchase_link.html", {"problem": "invalid"}, status=404)
    cart = Cart.objects.select_related("customer").filter(pk=cart_id, customer__public_id=public_id).first()
    if cart is None:
        return render(request, "help/purchase_link.html", {"problem": "invalid"}, status=404)
    if cart.status != Cart.Status.OPEN:
        return render(request, "help/purchase_link.html", {"problem": "done"}, status=410)
    customer: Customer = cart.customer
    if request.user.is_authenticated:
        if request.user.pk != customer.pk:
            return render(request, "help/purchase_link.html", {"problem": "other_account"}, status=403)
        return redirect("/checkout/")
    if customer.has_usable_password():
        return redirect_to_login(request.get_full_path())
    login(request, customer, backend="customers.auth_backends.EmailBackend")
    return redirect("/checkout/")
