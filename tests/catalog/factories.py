from decimal import Decimal

import factory
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from catalog.models import Category, Product, Variant


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "A well made thing."
    is_published = True


class VariantFactory(DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    size = "M"
    colour = "Black"
    price = Decimal("20.00")
    stock = 10


def product_with_variants(*, name: str, category: Category, price: str = "20.00", options=None, **kwargs) -> Product:
    """A product with one variant per (size, colour, stock) option."""
    product = ProductFactory(name=name, category=category, **kwargs)
    for size, colour, stock in options or [("M", "Black", 10)]:
        VariantFactory(product=product, size=size, colour=colour, stock=stock, price=Decimal(price))
    return product
