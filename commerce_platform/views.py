from django.conf import settings
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from catalog.models import Product
from catalog.selectors import product_cards

FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


def home(request):
    # One query: price, stock and thumbnail are annotated (catalog.selectors.product_cards).
    published = product_cards(Product.objects.filter(is_published=True))
    products = published.order_by("-is_featured", "-created_at", "-id")[:8]
    return render(request, "home.html", {"products": products})


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request):
    """Browsers (and Django admin pages) ask for /favicon.ico whatever the page links to."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
