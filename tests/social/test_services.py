"""Social listening workflow: classification into cases (customer, placeholder author, order,
priority, joining within the window, round-robin), the agent's actions and their effects."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from common.models import AuditEntry
from conversations.models import AgentPresence
from customers.exceptions import HandleTaken
from customers.models import Customer, CustomerHandle
from service_console.exceptions import CustomerHasNoEmail
from service_console.models import Case, CaseMessage
from service_console.services.cases import case_reply_send
from social.exceptions import SocialError
from social.models import SocialPost, SocialReply
from social.selectors import social_precision
from social.services import (
    social_author_link,
    social_dismiss,
    social_mark_handled,
    social_post_classify,
    social_post_receive,
    social_reply,
    social_reply_deliver,
)
from tests.customers.factories import CustomerFactory
from tests.social.conftest import make_order

pytestmark = pytest.mark.django_db

COMPLAINT_EN = "Returned the jacket a month ago and still no refund. What is going on?"
COMPLAINT_JA = "注文してから2週間経つのにまだ届きません。最悪です。"
PRAISE = "Just got my Trail Runners and they're SO comfy. Love it!"


def receive(text, *, handle="someone", platform="x", url="", **kwargs):
    post = social_post_receive(
        platform=platform, handle=handle, text=text, url=url, posted_at=timezone.now(), source="test", **kwargs
    ).post
    return social_post_classify(post_id=post.pk)


def test_receiving_enqueues_classification_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        received = social_post_receive(
            platform="x", handle="@Ana.Shops", text=PRAISE, url="https://x.example/1", posted_at=timezone.now()
        )
    assert received.created and received.post.handle == "ana.shops"
    assert received.post.status == SocialPost.Status.RECEIVED
    assert len(callbacks) == 1  # the classification task, sent once the post is committed
    again = social_post_receive(
        platform="x", handle="ana.shops", text="x", url="https://x.example/1", posted_at=timezone.now()
    )
    assert not again.created and again.post.pk == received.post.pk


def test_a_complaint_by_a_known_handle_opens_a_social_case_for_that_customer(social_rules, ana):
    post = receive(COMPLAINT_EN, handle="Ana.Shops", url="https://x.example/2")
    assert post.status == SocialPost.Status.FLAGGED and post.needs_case
    assert post.customer == ana
    assert post.language == "en" and post.category == "refund"
    assert "no refund" in [rule["term"] for rule in post.matched_rules]
    assert post.score == pytest.approx(max(-1.0, post.sentiment + sum(r["weight"] for r in post.matched_rules)))
    case = post.case
    assert (case.customer, case.channel) == (ana, Case.Channel.SOCIAL)
    assert case.subject.startswith("X / Twitter @ana.shops: Returned the jacket")
    message = case.messages.get()
    assert (message.kind, message.via, message.author) == (CaseMessage.Kind.CUSTOMER, CaseMessage.Via.SOCIAL, ana)
    assert message.body == f"{COMPLAINT_EN}\n\nhttps://x.example/2"
    assert AuditEntry.objects.filter(action="case.create", customer=ana).count() == 1


def test_a_japanese_complaint_uses_the_japanese_analyser_and_rules(social_rules, hana):
    post = receive(COMPLAINT_JA, platform="instagram", handle="hana_0312")
    assert post.language == "ja"
    assert {"word": "最悪", "polarity": -1} in post.sentiment_words
    assert "届きません" in [rule["term"] for rule in post.matched_rules]
    assert post.case.customer == hana and post.case.channel == Case.Channel.SOCIAL


def test_praise_is_stored_with_its_scores_and_opens_nothing(social_rules, ana):
    post = receive(PRAISE, handle="ana.shops")
    assert post.status == SocialPost.Status.IGNORED and post.needs_case is False
    assert post.score > 0 and post.category == "praise" and post.case is None
    assert "comfy" in post.terms and Case.objects.count() == 0


def test_an_unknown_author_gets_a_placeholder_record_that_is_never_emailed(social_rules, agent_user):
    post = receive(COMPLAINT_EN, handle="stranger_77")
    author = post.case.customer
    assert post.customer is None
    assert author.first_name == "@stranger_77" and author.signup_source == Customer.Source.SOCIAL
    assert author.email.endswith("@social.invalid") and "stranger_77" not in author.email
    assert author.email_is_placeholder and author.is_guest
    with pytest.raises(CustomerHasNoEmail):
        case_reply_send(case=post.case, actor=agent_user, body="Hi")
    # The same author again finds the same record (after the window: a new case).
    SocialPost.objects.filter(pk=post.pk).update(received_at=timezone.now() - timedelta(hours=49))
    later = receive("Still no refund. Worst customer service ever.", handle="stranger_77")
    assert later.case.customer == author and later.case != post.case


def test_posts_by_the_same_author_within_the_window_join_one_case(social_rules, ana, settings):
    settings.SOCIAL_CASE_WINDOW_HOURS = 48
    first = receive(COMPLAINT_EN, handle="ana.shops")
    case = first.case
    Case.objects.filter(pk=case.pk).update(status=Case.Status.PENDING)
    second = receive("Still waiting. Nobody has answered me. Worst customer service ever.", handle="ana.shops")
    assert second.case == case and Case.objects.count() == 1
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN  # the customer spoke again
    assert case.priority == "urgent"  # raised to the angrier post's priority
    assert [m.body.split("\n")[0] for m in case.messages.order_by("id")] == [
        COMPLAINT_EN,
        "Still waiting. Nobody has answered me. Worst customer service ever.",
    ]
    SocialPost.objects.filter(pk__in=[first.pk, second.pk]).update(received_at=timezone.now() - timedelta(hours=49))
    third = receive("Still no refund!! Thanks for nothing.", handle="ana.shops")
    assert third.case != case and Case.objects.count() == 2


def test_an_order_named_in_the_post_is_linked_when_it_is_the_authors(social_rules, ana):
    make_order(ana, "UC-7KQ2-MX4P")
    make_order(CustomerFactory(), "UC-9RVB-K4ZE")
    post = receive("Still no refund for UC-7KQ2-MX4P and uc-9rvb-k4ze, what is going on", handle="ana.shops")
    assert post.order_numbers == ["UC-7KQ2-MX4P", "UC-9RVB-K4ZE"]
    assert post.case.order_numbers == ["UC-7KQ2-MX4P"]  # the other order is someone else's


def test_an_unknown_author_naming_an_order_gets_it_linked(social_rules):
    make_order(CustomerFactory(), "UC-7KQ2-MX4P")
    post = receive("Where is my order?? UC-7KQ2-MX4P", handle="who_knows")
    assert post.case.order_numbers == ["UC-7KQ2-MX4P"]


def test_social_cases_go_round_robin_to_online_agents(social_rules, agent_user, supervisor_user):
    for person in (agent_user, supervisor_user):
        AgentPresence.objects.create(agent=person, status="online", connections=1, seen_at=timezone.now())
    one = receive(COMPLAINT_EN, handle="first_author")
    two = receive(COMPLAINT_EN + " Again.", handle="second_author")
    assert {one.case.assignee, two.case.assignee} == {agent_user, supervisor_user}


def test_classifying_twice_does_nothing_the_second_time(social_rules, ana):
    post = receive(COMPLAINT_EN, handle="ana.shops")
    assert social_post_classify(post_id=post.pk).case == post.case
    assert Case.objects.count() == 1 and CaseMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_posts_by_one_author_classified_at_once_make_one_case(social_rules, ana):
    posts = [
        social_post_receive(
            platform="x", handle="ana.shops", text=f"{COMPLAINT_EN} #{i}", url="", posted_at=timezone.now()
        ).post
        for i in range(2)
    ]
    barrier = threading.Barrier(2)
    errors = []

    def work(post_id):
        try:
            barrier.wait(timeout=10)
            social_post_classify(post_id=post_id)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(p.pk,)) for p in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Case.objects.count() == 1
    assert set(SocialPost.objects.values_list("case_id", flat=True)) == {Case.objects.get().pk}


def test_linking_an_author_moves_their_placeholder_cases_and_later_posts_follow(social_rules, agent_user, ana):
    post = receive(COMPLAINT_EN, handle="ana_alt")
    placeholder = post.case.customer
    moved = social_author_link(post=post, customer=ana, actor=agent_user)
    assert moved == 1
    post.refresh_from_db()
    assert post.customer == ana and post.case.customer == ana
    assert post.case.messages.get().author == ana
    handle = CustomerHandle.objects.get(network="x", handle="ana_alt")
    assert (handle.customer, handle.source) == (ana, CustomerHandle.Source.AGENT)
    assert not Case.objects.filter(customer=placeholder).exists()
    assert set(AuditEntry.objects.filter(customer=ana).values_list("action", flat=True)) >= {
        "customer.handle_add",
        "case.customer_change",
        "social.author_link",
    }
    SocialPost.objects.update(received_at=timezone.now() - timedelta(days=3))
    assert receive("Still no refund, thanks for nothing", handle="ana_alt").case.customer == ana


def test_a_handle_on_another_customers_profile_cannot_be_linked(social_rules, agent_user, ana):
    post = receive(COMPLAINT_EN, handle="ana.shops")
    other = CustomerFactory()
    with pytest.raises(HandleTaken):
        social_author_link(post=post, customer=other, actor=agent_user)
    with pytest.raises(SocialError):
        social_author_link(post=post, customer=agent_user, actor=agent_user)


def test_reply_is_recorded_on_the_post_and_case_and_logged_by_the_development_adapter(
    social_rules, agent_user, ana, django_capture_on_commit_callbacks, caplog
):
    post = receive(COMPLAINT_EN, handle="ana.shops", url="https://x.example/9")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = social_reply(post=post, body="  Sorry Ana, we are on it — DM us your order number.  ", actor=agent_user)
    assert reply.status == SocialReply.Status.QUEUED and reply.body.startswith("Sorry Ana")
    post.refresh_from_db()
    assert post.status == SocialPost.Status.REPLIED and post.reviewed_by == agent_user
    case_reply = post.case.messages.get(kind=CaseMessage.Kind.REPLY)
    assert (case_reply.via, case_reply.author) == (CaseMessage.Via.SOCIAL, agent_user)
    post.case.refresh_from_db()
    assert post.case.first_response_at == case_reply.created_at
    assert len(callbacks) == 1
    with caplog.at_level("INFO", logger="social.replies"):
        delivered = social_reply_deliver(reply_id=reply.pk)
    assert delivered.status == SocialReply.Status.LOGGED and delivered.network_reference == f"log-{post.pk}"
    assert "https://x.example/9" in caplog.text and "Sorry Ana" in caplog.text
    assert social_reply_deliver(reply_id=reply.pk).attempts == 1  # a redelivered task posts nothing


class FlakyAdapter:
    posts_for_real = True
    calls = 0

    def reply(self, *, post, body):
        from social.exceptions import NetworkError

        FlakyAdapter.calls += 1
        if FlakyAdapter.calls == 1:
            raise NetworkError("503 from the network")
        return "net-123"


def test_a_network_error_puts_the_reply_back_for_a_retry(social_rules, agent_user, ana, settings):
    from social.exceptions import NetworkError

    settings.SOCIAL_NETWORK_ADAPTERS = {"x": "tests.social.test_services.FlakyAdapter"}
    FlakyAdapter.calls = 0
    reply = social_reply(post=receive(COMPLAINT_EN, handle="ana.shops"), body="On it", actor=agent_user)
    with pytest.raises(NetworkError):
        social_reply_deliver(reply_id=reply.pk)
    reply.refresh_from_db()
    assert (reply.status, reply.attempts, reply.error) == (SocialReply.Status.QUEUED, 1, "503 from the network")
    reply = social_reply_deliver(reply_id=reply.pk)
    assert (reply.status, reply.attempts, reply.network_reference) == (SocialReply.Status.SENT, 2, "net-123")


def test_dismissing_closes_the_case_it_opened_and_counts_against_precision(social_rules, agent_user, supervisor_user):
    wrong = receive("the weather is terrible and my train is late again, worst day", handle="commuter")
    right = receive(COMPLAINT_EN, handle="real_customer")
    third = receive("Package marked as delivered but it's not here.", handle="third")
    assert wrong.needs_case and wrong.case.is_open
    social_dismiss(post=wrong, actor=agent_user)
    wrong.refresh_from_db()
    assert wrong.status == SocialPost.Status.DISMISSED
    assert wrong.case.status == Case.Status.CLOSED
    social_reply(post=right, body="Sorry, checking now", actor=agent_user)
    social_mark_handled(post=third, actor=supervisor_user)
    receive("Where is my order?? placed 10 days ago", handle="fourth")  # not judged yet
    precision = social_precision()
    assert (precision.actionable, precision.dismissed, precision.waiting) == (2, 1, 1)
    assert precision.percent == "67%"  # 2 of the 3 judged posts were worth acting on


def test_a_post_still_being_classified_cannot_be_acted_on(agent_user):
    post = social_post_receive(platform="x", handle="a", text="x", url="", posted_at=timezone.now()).post
    with pytest.raises(SocialError):
        social_dismiss(post=post, actor=agent_user)


def test_the_customers_data_export_has_their_handles_and_posts(social_rules, ana):
    from commerce_platform.privacy import customer_data_export

    receive(COMPLAINT_EN, handle="ana.shops", url="https://x.example/42")
    receive("Someone else's post", handle="not_ana")
    data = customer_data_export(customer=ana)
    assert [(h["network"], h["handle"]) for h in data["social_handles"]] == [("x", "ana.shops")]
    assert [(p["handle"], p["text"], p["url"]) for p in data["social_posts"]] == [
        ("ana.shops", COMPLAINT_EN, "https://x.example/42")
    ]
