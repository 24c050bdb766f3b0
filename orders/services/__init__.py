"""Order services (C4), one module per concern; every public name stays importable from
`orders.services`.

- `placement`: `order_place` (claim, authorize, lock, decrement, write the order) and helpers.
- `lifecycle`: paid, shipped, delivered, cancel, refund, return, notes.
- `links`: order numbers, signed guest links, the context of order emails.
- `events`: the order's event rows and its outbox emails.
"""

from orders.services.events import _actor_kind, _event, _notify
from orders.services.lifecycle import (
    REFUNDABLE,
    _payment,
    _refuse,
    _restock,
    order_cancel,
    order_fulfil,
    order_mark_delivered,
    order_mark_paid,
    order_note_add,
    order_out_for_delivery,
    order_refund,
    order_return_receive,
    order_return_request,
)
from orders.services.links import (
    NUMBER_ALPHABET,
    ORDER_LINK_MAX_AGE,
    ORDER_LINK_SALT,
    _email_context,
    order_link,
    order_number_from_token,
    order_number_generate,
    order_signed_token,
)
from orders.services.placement import (
    ADDRESS_FIELDS,
    REQUIRED_ADDRESS_FIELDS,
    SOCIAL_SOURCES,
    _claim,
    _clean_address,
    _order_create_locked,
    _request_hash,
    order_place,
    order_source,
)

__all__ = [
    "ADDRESS_FIELDS",
    "NUMBER_ALPHABET",
    "ORDER_LINK_MAX_AGE",
    "ORDER_LINK_SALT",
    "REFUNDABLE",
    "REQUIRED_ADDRESS_FIELDS",
    "SOCIAL_SOURCES",
    "_actor_kind",
    "_claim",
    "_clean_address",
    "_email_context",
    "_event",
    "_notify",
    "_order_create_locked",
    "_payment",
    "_refuse",
    "_request_hash",
    "_restock",
    "order_cancel",
    "order_fulfil",
    "order_link",
    "order_mark_delivered",
    "order_mark_paid",
    "order_out_for_delivery",
    "order_note_add",
    "order_number_from_token",
    "order_number_generate",
    "order_place",
    "order_refund",
    "order_return_receive",
    "order_return_request",
    "order_signed_token",
    "order_source",
]
