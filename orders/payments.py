"""Payment providers behind one small interface: authorize, capture, refund, void.

Built in:
- `test_card`: a test provider for development and tests. Documented card numbers:
    4242 4242 4242 4242  approved
    4000 0000 0000 0002  declined ("Your card was declined")
    4000 0000 0000 9995  declined (insufficient funds)
    4000 0000 0000 0119  provider failure (raises PaymentProviderError: nothing charged)
  Any other number that passes the Luhn check is approved; one that fails it is declined
  as "card number is not valid". Expiry and CVC are not checked.
- `pod`: pay on delivery; authorizing only records an expected payment, captured at delivery.

Only provider references and the last four digits are ever stored; the card number lives
only in the request that carries it.
"""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext

from orders.exceptions import InvalidCheckout, PaymentDeclined, PaymentProviderError

APPROVE_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
INSUFFICIENT_FUNDS_CARD = "4000000000009995"
PROVIDER_ERROR_CARD = "4000000000000119"


@dataclass(frozen=True)
class Authorization:
    reference: str
    amount: Decimal
    card_last4: str = ""
    captured: bool = False


def card_digits(number: str) -> str:
    return "".join(ch for ch in (number or "") if ch.isdigit())


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in card_digits(number)]
    if len(digits) < 12:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


class TestCardProvider:
    name = "test_card"

    def authorize(self, *, amount: Decimal, details: dict) -> Authorization:
        number = card_digits(details.get("card_number", ""))
        if number == PROVIDER_ERROR_CARD:
            raise PaymentProviderError()
        if number == DECLINE_CARD:
            raise PaymentDeclined()
        if number == INSUFFICIENT_FUNDS_CARD:
            raise PaymentDeclined(gettext("Your card was declined: insufficient funds. Try another card."))
        if not luhn_ok(number):
            raise PaymentDeclined(gettext("That card number is not valid. Check it and try again."))
        return Authorization(reference=f"tc_{uuid.uuid4().hex}", amount=amount, card_last4=number[-4:])

    def capture(self, *, reference: str, amount: Decimal) -> None:
        return None

    def refund(self, *, reference: str, amount: Decimal) -> str:
        return f"tcr_{uuid.uuid4().hex[:16]}"

    def void(self, *, reference: str) -> None:
        return None


class PayOnDeliveryProvider:
    name = "pod"

    def authorize(self, *, amount: Decimal, details: dict) -> Authorization:
        return Authorization(reference=f"pod_{uuid.uuid4().hex}", amount=amount)

    def capture(self, *, reference: str, amount: Decimal) -> None:
        return None

    def refund(self, *, reference: str, amount: Decimal) -> str:
        return f"podr_{uuid.uuid4().hex[:16]}"

    def void(self, *, reference: str) -> None:
        return None


PROVIDERS = {"test_card": TestCardProvider(), "pod": PayOnDeliveryProvider()}


def provider_for(method: str):
    try:
        return PROVIDERS[method]
    except KeyError:
        raise InvalidCheckout(gettext("Choose a payment method: card or pay on delivery.")) from None
