from django.shortcuts import render

from catalog.models import Product


def home(request):
    products = (
        Product.objects.filter(is_published=True)
        .select_related("category")
        .prefetch_related("variants")
        .order_by("-is_featured", "-created_at")[:8]
    )
    return render(request, "home.html", {"products": products})
