"""The console's email templates render subject, text and HTML from the context its
services enqueue (what the Celery worker will do at send time)."""

import uuid

import pytest
from django.test import Client

from messaging.models import OutboundEmail
from messaging.rendering import email_render
from service_console.services.on_behalf import checkout_link_send
from tests.carts.factories import VariantFactory
from tests.service_console.factories import ArticleFactory, CaseFactory

pytestmark = pytest.mark.django_db


def _render(row: OutboundEmail):
    return email_render(
        template=row.template,
        to_email=row.to_email,
        context=row.context,
        marketing=row.marketing,
        public_id=uuid.uuid4(),
        kind=row.kind,
        track=False,
    )


def test_case_reply_and_acknowledgement_emails_render(agent_client, shopper):
    Client().post(
        "/help/contact/",
        {"name": "Hana Sato", "email": shopper.email, "subject": "Late parcel", "message": "Where is it?"},
    )
    received = _render(OutboundEmail.objects.get(kind="case_received"))
    case = CaseFactory(customer=shopper, subject="Late parcel")
    agent_client.post(f"/console/cases/{case.pk}/messages/", {"kind": "reply", "body": "It ships today.\nSorry!"})
    reply = _render(OutboundEmail.objects.get(kind="case_reply"))
    assert received.subject.startswith("We have your message [CS-")
    assert reply.subject == f"Re: Late parcel [{case.number}]"
    assert "It ships today." in reply.text and "Kenji" in reply.text and "It ships today." in reply.html


def test_article_share_email_renders_with_link(agent_client, shopper):
    article = ArticleFactory(title="Returns and refunds", slug="returns", summary="30 days to return.")
    agent_client.post("/console/knowledge/share/", {"article": article.pk, "customer": str(shopper.public_id)})
    rendered = _render(OutboundEmail.objects.get(kind="article_share"))
    assert rendered.subject == "Returns and refunds — from Unified Commerce customer care"
    assert "/help/articles/returns/" in rendered.text and "30 days to return." in rendered.html


def test_checkout_link_email_lists_the_cart(agent_user, shopper):
    from carts.services import cart_get_or_create, cart_line_add

    cart = cart_get_or_create(customer=shopper)
    cart_line_add(
        cart=cart, variant=VariantFactory(price="40.00", product__name="Linen Shirt"), quantity=2, expected_version=None
    )
    checkout_link_send(cart=cart, customer=shopper, actor=agent_user, expected_version=cart.version)
    rendered = _render(OutboundEmail.objects.get(kind="checkout_link"))
    assert rendered.subject == "Your cart is ready — complete your purchase"
    # 2 × $40.00 = $80.00; free shipping over $50; tax 10 % = $8.00; total $88.00.
    assert "2 × Linen Shirt" in rendered.text and "Total: $88.00" in rendered.text
    assert "/help/purchase/" in rendered.text and "expires in 72 hours" in rendered.text
