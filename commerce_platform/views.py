from django.shortcuts import render

from catalog.models import Product
from catalog.selectors import product_cards


def home(request):
    # One query: price, stock and thumbnail are annotated (catalog.selectors.product_cards).
    published = product_cards(Product.objects.filter(is_published=True))
    products = published.order_by("-is_featured", "-created_at", "-id")[:8]
    return render(request, "home.html", {"products": products})
