"""Admin: outbox list (filters, search), preview, template preview + send test, actions."""

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import OutboundEmail, Suppression
from messaging.services import email_enqueue, outbox_publish_new

pytestmark = pytest.mark.django_db


def _row(key, to="ada@example.com", **kwargs):
    return email_enqueue(to=to, kind="test", template="test_message", context={}, dedupe_key=key, **kwargs)


def test_outbox_list_filters_by_status_and_kind_and_searches_by_email(admin_client):
    _row("a", to="ada@example.com")
    failed = _row("b", to="bob@example.com")
    OutboundEmail.objects.filter(pk=failed.pk).update(status="failed", last_error="451 busy")
    url = reverse("admin:messaging_outboundemail_changelist")

    everything = admin_client.get(url).content.decode()
    assert "ada@example.com" in everything and "bob@example.com" in everything
    assert "Email templates: preview and send a test" in everything

    only_failed = admin_client.get(url, {"status__exact": "failed"}).content.decode()
    assert "bob@example.com" in only_failed and "ada@example.com" not in only_failed

    by_kind = admin_client.get(url, {"kind": "other"}).content.decode()
    assert "bob@example.com" not in by_kind

    searched = admin_client.get(url, {"q": "ada@"}).content.decode()
    assert "ada@example.com" in searched and "bob@example.com" not in searched


def test_retry_action_requeues_failed_rows_and_audits(admin_client, admin_user, django_capture_on_commit_callbacks):
    failed = _row("f")
    OutboundEmail.objects.filter(pk=failed.pk).update(status="failed", attempts=6)
    sent = _row("s")
    OutboundEmail.objects.filter(pk=sent.pk).update(status="sent")
    OutboundEmail.objects.update(last_enqueued_at=timezone.now())  # both were published once
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            reverse("admin:messaging_outboundemail_changelist"),
            {"action": "retry_failed", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "1 email queued again." in response.content.decode()
    assert dict(OutboundEmail.objects.values_list("pk", "status")) == {failed.pk: "queued", sent.pk: "sent"}
    assert callbacks == []  # no broker call from the request: the relay publishes the row
    assert outbox_publish_new() == 1
    from common.models import AuditEntry

    assert AuditEntry.objects.filter(action="email.retry", actor=admin_user).count() == 1


def test_hard_bounce_action_suppresses_the_address(admin_client):
    row = _row("hb", to="bounce@example.com")
    admin_client.post(
        reverse("admin:messaging_outboundemail_changelist"),
        {"action": "record_hard_bounce", "_selected_action": [row.pk]},
    )
    assert list(Suppression.objects.values_list("email", "reason")) == [("bounce@example.com", "hard_bounce")]


def test_message_preview_renders_stored_context(admin_client):
    row = email_enqueue(
        to="ada@example.com", kind="test", template="test_message", context={"requested_by": "Zed"}, dedupe_key="p"
    )
    change = admin_client.get(reverse("admin:messaging_outboundemail_change", args=[row.pk]))
    assert change.status_code == 200
    assert "Open the message preview" in change.content.decode()
    preview = admin_client.get(reverse("admin:messaging_outboundemail_preview", args=[row.pk]))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Test message from Unified Commerce" in html
    assert "by Zed to check" in html


def test_template_preview_with_sample_data_and_send_test_to_me(admin_client, admin_user):
    listing = admin_client.get(reverse("admin:messaging_outboundemail_templates")).content.decode()
    assert "password_reset" in listing and "newsletter_welcome" in listing and "layout" not in listing
    url = reverse("admin:messaging_outboundemail_template_preview", args=["password_reset"])
    preview = admin_client.get(url)
    assert preview.status_code == 200
    assert "Reset your Unified Commerce password" in preview.content.decode()
    marketing = admin_client.get(url, {"marketing": "1"}).content.decode()
    assert "List-Unsubscribe-Post" in marketing

    admin_client.post(url)
    test = OutboundEmail.objects.get(kind="test")
    assert (test.to_email, test.template, test.marketing) == (admin_user.email, "password_reset", False)
    assert admin_client.get(reverse("admin:messaging_outboundemail_template_preview", args=["nope"])).status_code == 404


def test_non_staff_cannot_reach_the_outbox(client, django_user_model):
    user = django_user_model.objects.create_user(email="shopper@example.com", password="pw-123456789")
    client.force_login(user)
    response = client.get(reverse("admin:messaging_outboundemail_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_outbox_list_query_count_does_not_grow_with_rows(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:messaging_outboundemail_changelist")
    _row("first")
    admin_client.get(url)  # warm the session/permission caches
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url)
    for i in range(30):
        _row(f"more-{i}", to=f"m{i}@example.com")
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.content.decode().count("@example.com</") >= 31
    assert len(many) == len(one)
