"""The one audit vocabulary (R13 "audit lives in the services"): every audit entry's action is
one of these, whether the change came from the console, admin, the API or a shopper.
`common.audit.audit_record` refuses any other. The labels are what timelines show."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    # customers
    CUSTOMER_CREATE = "customer.create", _("Customer created by an agent")
    CUSTOMER_ADDRESS_ADD = "customer.address_add", _("Address added by an agent")
    CONSENT_CHANGE = "consent.change", _("Consent changed")
    CUSTOMER_ERASE = "customer.erase", _("Customer data erased")
    CUSTOMER_HANDLE_ADD = "customer.handle_add", _("Social handle added by an agent")
    CUSTOMER_HANDLE_REMOVE = "customer.handle_remove", _("Social handle removed by an agent")
    # messaging
    EMAIL_RETRY = "email.retry", _("Email retried")
    EMAIL_SUPPRESS = "email.suppress", _("Address suppressed")
    # catalog
    PRODUCT_PUBLISH = "catalog.product_publish", _("Product published")
    PRODUCT_UNPUBLISH = "catalog.product_unpublish", _("Product unpublished")
    # carts
    CART_LINE_ADD = "cart.line_add", _("Agent added to cart")
    CART_LINE_UPDATE = "cart.line_update", _("Agent changed quantity")
    CART_LINE_REMOVE = "cart.line_remove", _("Agent removed from cart")
    CART_OVERRIDE_APPLY = "cart.override_apply", _("Discount override applied")
    CART_OVERRIDE_REQUEST = "cart.override_request", _("Discount override sent for approval")
    CART_OVERRIDE_APPROVE = "cart.override_approve", _("Discount override approved")
    CART_OVERRIDE_REJECT = "cart.override_reject", _("Discount override rejected")
    CART_OVERRIDE_REMOVE = "cart.override_remove", _("Discount override removed")
    CART_COUPON_HONOUR = "cart.coupon_honour", _("Expired coupon honoured")
    CART_VOUCHER_APPLY = "cart.voucher_apply", _("Voucher applied by an agent")
    CART_VOUCHER_REMOVE = "cart.voucher_remove", _("Voucher removed by an agent")
    CART_EMAIL_SET = "cart.email_set", _("Cart email changed by an agent")
    CART_SHIPPING_SET = "cart.shipping_set", _("Shipping method changed by an agent")
    CART_RESERVE = "cart.reserve", _("Stock reserved")
    CART_CHECKOUT_LINK_SEND = "cart.checkout_link_send", _("Complete-your-purchase link emailed")
    # orders (one name per transition, whoever triggers it: console, admin, API)
    ORDER_PLACE_ON_BEHALF = "order.place_on_behalf", _("Order placed on behalf")
    ORDER_PAID = "order.paid", _("Order marked paid")
    ORDER_FULFILLED = "order.fulfilled", _("Order shipped")
    ORDER_OUT_FOR_DELIVERY = "order.out_for_delivery", _("Order out for delivery today")
    ORDER_DELIVERED = "order.delivered", _("Order delivered")
    ORDER_CANCELLED = "order.cancelled", _("Order cancelled")
    ORDER_REFUNDED = "order.refunded", _("Order refunded")
    ORDER_RETURN_RECEIVED = "order.return_received", _("Return received")
    # service console
    CASE_CREATE = "case.create", _("Case opened")
    CASE_UPDATE = "case.update", _("Case updated")
    CASE_LINK_ORDER = "case.link_order", _("Order linked to case")
    CASE_NOTE = "case.note", _("Internal note added")
    CASE_REPLY = "case.reply", _("Reply emailed")
    CASE_CUSTOMER_REPLY = "case.customer_reply", _("Customer replied")
    SATISFACTION_RATE = "satisfaction.rate", _("Satisfaction rated")
    ARTICLE_SHARE = "article.share", _("Article shared")
    CASE_CUSTOMER_CHANGE = "case.customer_change", _("Case moved to this customer")
    # social listening
    SOCIAL_AUTHOR_LINK = "social.author_link", _("Social author linked to this customer")
    SOCIAL_REPLY = "social.reply", _("Replied on the social network")
    SOCIAL_DISMISS = "social.dismiss", _("Social post dismissed as not actionable")
    SOCIAL_HANDLED = "social.handled", _("Social post marked handled")
    # live chat
    CHAT_ACCEPT = "chat.accept", _("Chat accepted")
    CHAT_REASSIGN = "chat.reassign", _("Chat re-assigned")
    CHAT_CLOSE = "chat.close", _("Chat ended by agent")
    CHAT_CASE_LINK = "chat.case_link", _("Chat added to a case")
    CHAT_IDENTIFY = "chat.identify", _("Chat linked to this customer")
    # marketing
    CAMPAIGN_SCHEDULE = "campaign.schedule", _("Campaign scheduled")
    CAMPAIGN_SEND = "campaign.send", _("Campaign started")
    CAMPAIGN_PAUSE = "campaign.paused", _("Campaign paused")
    CAMPAIGN_RESUME = "campaign.resumed", _("Campaign resumed")
    CAMPAIGN_CANCEL = "campaign.cancelled", _("Campaign cancelled")
    CAMPAIGN_AGENT_SEND = "campaign.agent_send", _("Marketing email sent by agent")
    CONTACT_PAUSE = "marketing.contact_pause", _("Marketing paused for a contact")

    @classmethod
    def label_for(cls, action: str) -> str:
        """The label of `action`, or the raw text for an entry written before the enum existed."""
        try:
            return cls(action).label
        except ValueError:
            return action.replace(".", " ").replace("_", " ").capitalize()
