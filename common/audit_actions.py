"""The one audit vocabulary (R13 "audit lives in the services"): every audit entry's action is
one of these, whether the change came from the console, admin, the API or a shopper.
`common.audit.audit_record` refuses any other. The labels are what timelines show."""

from django.db import models


class AuditAction(models.TextChoices):
    # customers
    CUSTOMER_CREATE = "customer.create", "Customer created by an agent"
    CUSTOMER_ADDRESS_ADD = "customer.address_add", "Address added by an agent"
    CONSENT_CHANGE = "consent.change", "Consent changed"
    CUSTOMER_ERASE = "customer.erase", "Customer data erased"
    # messaging
    EMAIL_RETRY = "email.retry", "Email retried"
    EMAIL_SUPPRESS = "email.suppress", "Address suppressed"
    # catalog
    PRODUCT_PUBLISH = "catalog.product_publish", "Product published"
    PRODUCT_UNPUBLISH = "catalog.product_unpublish", "Product unpublished"
    # carts
    CART_LINE_ADD = "cart.line_add", "Agent added to cart"
    CART_LINE_UPDATE = "cart.line_update", "Agent changed quantity"
    CART_LINE_REMOVE = "cart.line_remove", "Agent removed from cart"
    CART_OVERRIDE_APPLY = "cart.override_apply", "Discount override applied"
    CART_OVERRIDE_REQUEST = "cart.override_request", "Discount override sent for approval"
    CART_OVERRIDE_APPROVE = "cart.override_approve", "Discount override approved"
    CART_OVERRIDE_REJECT = "cart.override_reject", "Discount override rejected"
    CART_OVERRIDE_REMOVE = "cart.override_remove", "Discount override removed"
    CART_COUPON_HONOUR = "cart.coupon_honour", "Expired coupon honoured"
    CART_RESERVE = "cart.reserve", "Stock reserved"
    CART_CHECKOUT_LINK_SEND = "cart.checkout_link_send", "Complete-your-purchase link emailed"
    # orders (one name per transition, whoever triggers it: console, admin, API)
    ORDER_PLACE_ON_BEHALF = "order.place_on_behalf", "Order placed on behalf"
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
    CASE_NOTE = "case.note", "Internal note added"
    CASE_REPLY = "case.reply", "Reply emailed"
    CASE_CUSTOMER_REPLY = "case.customer_reply", "Customer replied"
    SATISFACTION_RATE = "satisfaction.rate", "Satisfaction rated"
    ARTICLE_SHARE = "article.share", "Article shared"
    # live chat
    CHAT_ACCEPT = "chat.accept", "Chat accepted"
    CHAT_REASSIGN = "chat.reassign", "Chat re-assigned"
    CHAT_CLOSE = "chat.close", "Chat ended by agent"
    CHAT_CASE_LINK = "chat.case_link", "Chat added to a case"
    CHAT_IDENTIFY = "chat.identify", "Chat linked to this customer"
    # marketing
    CAMPAIGN_SCHEDULE = "campaign.schedule", "Campaign scheduled"
    CAMPAIGN_SEND = "campaign.send", "Campaign started"
    CAMPAIGN_PAUSE = "campaign.paused", "Campaign paused"
    CAMPAIGN_RESUME = "campaign.resumed", "Campaign resumed"
    CAMPAIGN_CANCEL = "campaign.cancelled", "Campaign cancelled"
    CAMPAIGN_AGENT_SEND = "campaign.agent_send", "Marketing email sent by agent"
    CONTACT_PAUSE = "marketing.contact_pause", "Marketing paused for a contact"

    @classmethod
    def label_for(cls, action: str) -> str:
        """The label of `action`, or the raw text for an entry written before the enum existed."""
        try:
            return cls(action).label
        except ValueError:
            return action.replace(".", " ").replace("_", " ").capitalize()
