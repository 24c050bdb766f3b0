"""Personal data held by `catalog` (R13): browsing history, searches, personal picks."""

from catalog.models import ProductView, Recommendation, SearchQuery
from common.personal_data import ErasureSubject


def browsing_history_erase(*, customer) -> None:
    ProductView.objects.filter(customer=customer).delete()
    SearchQuery.objects.filter(customer=customer).delete()
    Recommendation.objects.filter(customer=customer).delete()


def catalog_erase(subject: ErasureSubject) -> None:
    browsing_history_erase(customer=subject.customer)


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "catalog",
        holds=("catalog.SearchQuery",),
        linked=("catalog.ProductView", "catalog.Recommendation", "catalog.StockReservation"),
        erase=catalog_erase,
        without=(
            "catalog.Category",
            "catalog.Product",
            "catalog.Variant",
            "catalog.HistoricalVariant",
            "catalog.ProductImage",
        ),
    )
