"""Cart restore link: rebuild the abandoned cart's lines into the visitor's own cart on
any device. Signs nobody in: an anonymous visitor gets an anonymous session cart."""

import logging

from django.db import transaction
from django.utils.translation import gettext

from carts.exceptions import CartError
from carts.models import Cart
from catalog.selectors import stock_available
from marketing.exceptions import RestoreLinkInvalid
from marketing.links import restore_token_read
from marketing.models import CartAbandonment
from marketing.services.attribution import message_click_record

logger = logging.getLogger(__name__)


def _target_cart(request) -> Cart:
    from carts.services import cart_get_or_create

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return cart_get_or_create(customer=user)
    if not request.session.session_key:
        request.session.save()
    cart = cart_get_or_create(session_key=request.session.session_key)
    request.session["cart_id"] = cart.pk
    return cart


@transaction.atomic
def cart_restore(*, request, token: str) -> tuple[Cart, int]:
    """Copy the source cart's available lines into the visitor's cart; returns (cart,
    lines restored). Raises RestoreLinkInvalid for a bad/expired token or a missing cart."""
    from carts.services import cart_line_add, voucher_apply
    from catalog.attribution import SESSION_KEY as ATTRIBUTION_KEY

    data = restore_token_read(token)
    if data is None:
        raise RestoreLinkInvalid(gettext("This link is not valid or has expired."))
    cart_id, message_id = data
    source = Cart.objects.filter(pk=cart_id).first()
    if source is None:
        raise RestoreLinkInvalid(gettext("This cart no longer exists."))
    message = message_click_record(message_id=message_id, request=request) if message_id else None
    if message is not None:
        request.session[ATTRIBUTION_KEY] = {
            "utm_source": "email",
            "utm_medium": message.flow,
            "utm_campaign": message.flow,
            "utm_content": f"m{message.pk}",
            "landing_path": "/cart/restore/",
        }
    target = _target_cart(request)
    restored = 0
    if target.pk != source.pk:
        existing = set(target.lines.values_list("variant_id", flat=True))
        lines = list(source.lines.select_related("variant").order_by("created_at", "id"))
        available = stock_available([line.variant_id for line in lines], cart_id=target.pk)
        for line in lines:
            units = min(line.quantity, available.get(line.variant_id, 0))
            if line.variant_id in existing or units <= 0:
                continue
            try:
                with transaction.atomic():
                    cart_line_add(cart=target, variant=line.variant, quantity=units)
                restored += 1
            except CartError as exc:  # sold out meanwhile, limits: keep the rest
                logger.info("restore skipped line", extra={"cart": source.pk, "reason": str(exc)})
    else:
        restored = source.lines.count()
    state = CartAbandonment.objects.filter(cart_id=source.pk).select_related("voucher").first()
    if state is not None and state.voucher is not None and target.voucher_id is None:
        try:
            with transaction.atomic():
                voucher_apply(cart=target, code=state.voucher.code)
        except CartError:
            pass  # the code stays in the email; checkout explains why it does not apply
    return target, restored
