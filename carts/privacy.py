"""Erasure support for carts (C1)."""

from carts.models import Cart, VoucherRedemption


def carts_anonymise(*, customer, replacement_email: str) -> None:
    Cart.objects.filter(customer=customer).exclude(email="").update(email=replacement_email)
    VoucherRedemption.objects.filter(customer=customer).exclude(email="").update(email=replacement_email)
