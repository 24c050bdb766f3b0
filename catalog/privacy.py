"""Erasure support for browsing history (C1)."""

from catalog.models import ProductView, Recommendation, SearchQuery


def browsing_history_erase(*, customer) -> None:
    ProductView.objects.filter(customer=customer).delete()
    SearchQuery.objects.filter(customer=customer).delete()
    Recommendation.objects.filter(customer=customer).delete()
