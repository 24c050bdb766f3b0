"""The one audit vocabulary (R13 "audit lives in the services"): every audit entry's action is
one of these, whether the change came from the console, admin, the API or a shopper."""

from django.db import models


class AuditAction(models.TextChoices):
    # customers
    CONSENT_CHANGE = "consent.change", "Consent changed"
    CUSTOMER_ERASE = "customer.erase", "Customer data erased"
    # messaging
    EMAIL_RETRY = "email.retry", "Email retried"
    EMAIL_SUPPRESS = "email.suppress", "Address suppressed"
    # catalog
    PRODUCT_PUBLISH = "catalog.product_publish", "Product published"
    PRODUCT_UNPUBLISH = "catalog.product_unpublish", "Product unpublished"
    # carts
    CART_LINE_ADD = "cart.line_add", "Item added to cart"
    CART_LINE_UPDATE = "cart.line_update", "Cart quantity changed"
    CART_LINE_REMOVE = "cart.line_remove", "Item removed from cart"
    CART_OVERRIDE_APPLY = "cart.override_apply", "Discount applied"
    CART_OVERRIDE_REQUEST = "cart.override_request", "Discount sent for approval"
    CART_OVERRIDE_APPROVE = "cart.override_approve", "Discount approved"
    CART_OVERRIDE_REJECT = "cart.override_reject", "Discount rejected"
    CART_OVERRIDE_REMOVE = "cart.override_remove", "Discount removed"
    CART_COUPON_HONOUR = "cart.coupon_honour", "Expired coupon honoured"
    CART_RESERVE = "cart.reserve", "Stock held"
    CART_CHECKOUT_LINK_SEND = "cart.checkout_link_send", "Checkout link sent"
    # orders
    ORDER_PLACE_ON_BEHALF = "order.place_on_behalf", "Order placed on the customer's behalf"
    ORDER_PAID = "order.paid", "Order marked paid"
    ORDER_FULFILLED = "order.fulfilled", "Order shipped"
    ORDER_DELIVERED = "order.delivered", "Order delivered"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    ORDER_REFUNDED = "order.refunded", "Order refunded"
    ORDER_RETURN_RECEIVED = "order.return_received", "Return received"
    # service console
    CASE_CREATE = "case.create", "Case opened"
    CASE_UPDATE = "case.update", "Case updated"
    CASE_LINK_ORDER = "case.link_order", "Order linked to case"
    CASE_NOTE = "case.note", "Note added"
    CASE_REPLY = "case.reply", "Reply sent"
    ARTICLE_SHARE = "article.share", "Article shared"
    # marketing
    CAMPAIGN_SEND = "campaign.send", "Campaign started"
    CAMPAIGN_PAUSE = "campaign.paused", "Campaign paused"
    CAMPAIGN_RESUME = "campaign.resumed", "Campaign resumed"
    CAMPAIGN_CANCEL = "campaign.cancelled", "Campaign cancelled"
    CAMPAIGN_AGENT_SEND = "campaign.agent_send", "Campaign sent by an agent"
    CONTACT_PAUSE = "marketing.contact_pause", "Marketing paused for a contact"
