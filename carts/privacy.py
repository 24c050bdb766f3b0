"""Personal data held by `carts` (R13): contact emails on carts and redemptions, agents'
override reasons that may quote the customer, codes generated for them."""

from carts.models import Cart, CartOverride, Voucher, VoucherRedemption
from common.personal_data import ErasureSubject, mentioning, redact_rows


def carts_anonymise(*, customer, replacement_email: str) -> None:
    Cart.objects.filter(customer=customer).exclude(email="").update(email=replacement_email)
    VoucherRedemption.objects.filter(customer=customer).exclude(email="").update(email=replacement_email)


def carts_erase(subject: ErasureSubject) -> None:
    from django.db.models import Q

    carts_anonymise(customer=subject.customer, replacement_email=subject.replacement_email)
    Cart.objects.filter(email__iexact=subject.email).update(email=subject.replacement_email)
    VoucherRedemption.objects.filter(email__iexact=subject.email).update(email=subject.replacement_email)
    Cart.objects.filter(customer=subject.customer).update(attribution={})
    customer_carts = Q(cart__customer=subject.customer)
    notes = ("reason_text", "decision_note")
    redact_rows(mentioning(CartOverride.objects.all(), subject, notes, also=customer_carts), subject, notes)
    for vouchers in (Voucher.objects.all(), Voucher.history.all()):  # the codes and their change history
        redact_rows(mentioning(vouchers, subject, ("description", "source")), subject, ("description", "source"))


def register() -> None:
    from common.personal_data import personal_data_register

    personal_data_register(
        "carts",
        holds=(
            "carts.Cart",
            "carts.VoucherRedemption",
            "carts.CartOverride",
            "carts.Voucher",
            "carts.HistoricalVoucher",
        ),
        erase=carts_erase,
        linked=("carts.CartLine",),
    )
