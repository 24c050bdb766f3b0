"""Erasure support for marketing state (C1)."""

from marketing.models import CartAbandonment


def marketing_state_erase(*, customer) -> None:
    CartAbandonment.objects.filter(customer=customer).update(email="")
