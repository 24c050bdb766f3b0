from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from carts.models import Cart, CartLine, Voucher
from catalog.models import Category, Product, Variant
from customers.roles import AGENTS, SUPERVISORS
from tests.customers.factories import CustomerFactory


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"cart-test-category-{n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Test Tee {n}")
    slug = factory.Sequence(lambda n: f"cart-test-tee-{n}")
    is_published = True


class VariantFactory(DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"CT-SKU-{n:05d}")
    size = "M"
    colour = "Blue"
    price = Decimal("20.00")
    stock = 10


class CartFactory(DjangoModelFactory):
    class Meta:
        model = Cart

    customer = factory.SubFactory(CustomerFactory)
    email = factory.LazyAttribute(lambda o: o.customer.email if o.customer else "")


class CartLineFactory(DjangoModelFactory):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    variant = factory.SubFactory(VariantFactory)
    quantity = 1


class VoucherFactory(DjangoModelFactory):
    class Meta:
        model = Voucher

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = Voucher.Kind.PERCENT
    value = Decimal("10")


def staff_in(group_name: str, **kwargs):
    user = CustomerFactory(is_staff=True, **kwargs)
    group, _ = Group.objects.get_or_create(name=group_name)
    user.groups.add(group)
    return user


def agent(**kwargs):
    return staff_in(AGENTS, **kwargs)


def supervisor(**kwargs):
    return staff_in(SUPERVISORS, **kwargs)
