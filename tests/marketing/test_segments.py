"""Segment rules compile to one queryset; every field/operator pair, with hand-made data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carts.models import Cart
from marketing.exceptions import SegmentRuleInvalid
from marketing.models import Segment, SegmentRule
from marketing.segments import ALLOWED_OPERATORS, RuleSpec, email_hash, rules_queryset, segment_hashed_emails
from tests.marketing.factories import (
    AddressFactory,
    CartFactory,
    CartLineFactory,
    CategoryFactory,
    CustomerFactory,
    ProductFactory,
    VariantFactory,
    consent,
    order_for,
)

pytestmark = pytest.mark.django_db

F = SegmentRule.Field
Op = SegmentRule.Operator


def emails(*rules):
    specs = [RuleSpec(f, o, v, i) for i, (f, o, v) in enumerate(rules)]
    return sorted(rules_queryset(specs).values_list("email", flat=True))


@pytest.fixture
def people():
    """ann: spent 150 over 2 orders (shoes), 30 days ago last; bob: spent 40 once (hats), yesterday;
    cat: no orders, open cart, Osaka, consent; dan: cancelled order only."""
    now = timezone.now()
    shoes = CategoryFactory(slug="shoes", name="Shoes")
    trainers = CategoryFactory(slug="trainers", name="Trainers", parent=shoes)
    hats = CategoryFactory(slug="hats", name="Hats")
    shoe = VariantFactory(product=ProductFactory(category=trainers))
    hat = VariantFactory(product=ProductFactory(category=hats))
    ann = CustomerFactory(email="ann@example.com", signup_source="signup")
    bob = CustomerFactory(email="bob@example.com", signup_source="checkout")
    cat = CustomerFactory(email="cat@example.com", signup_source="newsletter")
    dan = CustomerFactory(email="dan@example.com", signup_source="signup")
    ann.date_joined = now - timedelta(days=400)
    ann.save(update_fields=["date_joined"])
    order_for(
        ann, total="100.00", placed_at=now - timedelta(days=60), variant=shoe, attribution={"utm_source": "instagram"}
    )
    order_for(ann, total="50.00", placed_at=now - timedelta(days=30), variant=shoe)
    order_for(
        bob, total="40.00", placed_at=now - timedelta(days=1), variant=hat, attribution={"utm_source": "Newsletter"}
    )
    order_for(dan, total="500.00", placed_at=now - timedelta(days=2), variant=shoe, status="cancelled")
    CartLineFactory(cart=CartFactory(customer=cat), variant=hat)
    CartFactory(customer=dan)  # open but empty: not "has open cart"
    AddressFactory(customer=cat, city="Osaka")
    AddressFactory(customer=bob, city="Tokyo")
    consent(cat, True)
    consent(bob, True, at=now - timedelta(days=3))
    consent(bob, False, at=now - timedelta(days=1))  # unsubscribed later
    return {"now": now}


def test_total_spent_every_operator(people):
    assert emails((F.TOTAL_SPENT, Op.GT, "100")) == ["ann@example.com"]
    assert emails((F.TOTAL_SPENT, Op.GTE, "150")) == ["ann@example.com"]
    assert emails((F.TOTAL_SPENT, Op.EQ, "40")) == ["bob@example.com"]
    assert emails((F.TOTAL_SPENT, Op.LT, "40")) == ["cat@example.com", "dan@example.com"]  # 0 spent
    assert emails((F.TOTAL_SPENT, Op.LTE, "40")) == ["bob@example.com", "cat@example.com", "dan@example.com"]
    assert emails((F.TOTAL_SPENT, Op.NEQ, "0")) == ["ann@example.com", "bob@example.com"]


def test_refunds_are_subtracted_from_spent(people):
    bob = CustomerFactory(email="refund@example.com")
    order_for(bob, total="80.00", refunded="80.00")
    assert "refund@example.com" in emails((F.TOTAL_SPENT, Op.EQ, "0"))


def test_order_count_every_operator(people):
    assert emails((F.ORDER_COUNT, Op.EQ, "2")) == ["ann@example.com"]
    assert emails((F.ORDER_COUNT, Op.NEQ, "0")) == ["ann@example.com", "bob@example.com"]
    assert emails((F.ORDER_COUNT, Op.GT, "1")) == ["ann@example.com"]
    assert emails((F.ORDER_COUNT, Op.GTE, "1")) == ["ann@example.com", "bob@example.com"]
    assert emails((F.ORDER_COUNT, Op.LT, "1")) == ["cat@example.com", "dan@example.com"]
    assert emails((F.ORDER_COUNT, Op.LTE, "1")) == ["bob@example.com", "cat@example.com", "dan@example.com"]


def test_last_order_date_every_operator(people):
    now = people["now"]
    ann_day = (now - timedelta(days=30)).date().isoformat()
    assert emails((F.LAST_ORDER_DATE, Op.WITHIN_DAYS, "7")) == ["bob@example.com"]
    assert emails((F.LAST_ORDER_DATE, Op.BEFORE_DAYS, "7")) == ["ann@example.com"]
    assert emails((F.LAST_ORDER_DATE, Op.EQ, ann_day)) == ["ann@example.com"]
    assert emails((F.LAST_ORDER_DATE, Op.GT, ann_day)) == ["bob@example.com"]
    assert emails((F.LAST_ORDER_DATE, Op.GTE, ann_day)) == ["ann@example.com", "bob@example.com"]
    assert emails((F.LAST_ORDER_DATE, Op.LT, ann_day)) == []
    assert emails((F.LAST_ORDER_DATE, Op.LTE, ann_day)) == ["ann@example.com"]


def test_bought_category_includes_subcategories(people):
    assert emails((F.BOUGHT_CATEGORY, Op.EQ, "shoes")) == ["ann@example.com"]  # trainers is a child of shoes
    assert emails((F.BOUGHT_CATEGORY, Op.IN, "hats, trainers")) == ["ann@example.com", "bob@example.com"]
    assert emails((F.BOUGHT_CATEGORY, Op.NEQ, "shoes")) == ["bob@example.com", "cat@example.com", "dan@example.com"]


def test_has_open_cart_needs_items(people):
    assert emails((F.HAS_OPEN_CART, Op.EQ, "yes")) == ["cat@example.com"]
    assert emails((F.HAS_OPEN_CART, Op.NEQ, "yes")) == ["ann@example.com", "bob@example.com", "dan@example.com"]
    Cart.objects.filter(customer__email="cat@example.com").update(status=Cart.Status.CONVERTED)
    assert emails((F.HAS_OPEN_CART, Op.EQ, "yes")) == []


def test_consent_uses_the_newest_answer(people):
    assert emails((F.CONSENT, Op.EQ, "yes")) == ["cat@example.com"]  # bob withdrew
    assert emails((F.CONSENT, Op.EQ, "no")) == ["ann@example.com", "bob@example.com", "dan@example.com"]
    assert emails((F.CONSENT, Op.NEQ, "no")) == ["cat@example.com"]


def test_signup_date_and_source(people):
    assert emails((F.SIGNUP_DATE, Op.BEFORE_DAYS, "365")) == ["ann@example.com"]
    assert emails((F.SIGNUP_DATE, Op.WITHIN_DAYS, "1")) == ["bob@example.com", "cat@example.com", "dan@example.com"]
    today = people["now"].date().isoformat()
    assert emails((F.SIGNUP_DATE, Op.LT, today)) == ["ann@example.com"]
    assert emails((F.SIGNUP_DATE, Op.EQ, today)) == ["bob@example.com", "cat@example.com", "dan@example.com"]
    assert emails((F.SIGNUP_SOURCE, Op.EQ, "checkout")) == ["bob@example.com"]
    assert emails((F.SIGNUP_SOURCE, Op.IN, "newsletter,checkout")) == ["bob@example.com", "cat@example.com"]
    assert emails((F.SIGNUP_SOURCE, Op.NEQ, "signup")) == ["bob@example.com", "cat@example.com"]


def test_city_every_operator(people):
    assert emails((F.CITY, Op.EQ, "osaka")) == ["cat@example.com"]
    assert emails((F.CITY, Op.CONTAINS, "oky")) == ["bob@example.com"]
    assert emails((F.CITY, Op.IN, "Osaka, Tokyo")) == ["bob@example.com", "cat@example.com"]
    assert emails((F.CITY, Op.NEQ, "Osaka")) == ["ann@example.com", "bob@example.com", "dan@example.com"]


def test_attribution_source_every_operator(people):
    assert emails((F.ATTRIBUTION_SOURCE, Op.EQ, "instagram")) == ["ann@example.com"]
    assert emails((F.ATTRIBUTION_SOURCE, Op.CONTAINS, "letter")) == ["bob@example.com"]
    assert emails((F.ATTRIBUTION_SOURCE, Op.IN, "instagram,newsletter")) == ["ann@example.com", "bob@example.com"]
    assert emails((F.ATTRIBUTION_SOURCE, Op.NEQ, "instagram")) == [
        "bob@example.com",
        "cat@example.com",
        "dan@example.com",
    ]


def test_rules_are_anded_spent_over_100_and_bought_shoes(people):
    assert emails((F.TOTAL_SPENT, Op.GT, "100"), (F.BOUGHT_CATEGORY, Op.EQ, "shoes")) == ["ann@example.com"]
    assert emails((F.TOTAL_SPENT, Op.GT, "100"), (F.BOUGHT_CATEGORY, Op.EQ, "hats")) == []


def test_every_field_has_its_operators_tested():
    tested = {
        F.TOTAL_SPENT: {"eq", "neq", "gt", "gte", "lt", "lte"},
        F.ORDER_COUNT: {"eq", "neq", "gt", "gte", "lt", "lte"},
        F.LAST_ORDER_DATE: {"eq", "gt", "gte", "lt", "lte", "within_days", "before_days"},
        F.BOUGHT_CATEGORY: {"eq", "neq", "in"},
        F.HAS_OPEN_CART: {"eq", "neq"},
        F.CONSENT: {"eq", "neq"},
        F.SIGNUP_DATE: {"eq", "gt", "gte", "lt", "lte", "within_days", "before_days"},
        F.SIGNUP_SOURCE: {"eq", "neq", "in"},
        F.CITY: {"eq", "neq", "contains", "in"},
        F.ATTRIBUTION_SOURCE: {"eq", "neq", "contains", "in"},
    }
    assert {k: set(v) for k, v in ALLOWED_OPERATORS.items()} == tested


def test_signup_date_gt_gte_lte(people):
    yesterday = (people["now"] - timedelta(days=1)).date().isoformat()
    assert emails((F.SIGNUP_DATE, Op.GT, yesterday)) == ["bob@example.com", "cat@example.com", "dan@example.com"]
    assert emails((F.SIGNUP_DATE, Op.GTE, yesterday)) == ["bob@example.com", "cat@example.com", "dan@example.com"]
    assert emails((F.SIGNUP_DATE, Op.LTE, yesterday)) == ["ann@example.com"]


@pytest.mark.parametrize(
    ("field", "operator", "value"),
    [
        (F.TOTAL_SPENT, Op.GT, "lots"),
        (F.TOTAL_SPENT, Op.CONTAINS, "1"),
        (F.LAST_ORDER_DATE, Op.EQ, "31/12/2025"),
        (F.LAST_ORDER_DATE, Op.WITHIN_DAYS, "-3"),
        (F.CONSENT, Op.EQ, "maybe"),
        (F.CITY, Op.EQ, "  "),
        (F.BOUGHT_CATEGORY, Op.IN, ","),
    ],
)
def test_bad_rules_raise_a_clear_error(field, operator, value):
    with pytest.raises(SegmentRuleInvalid):
        rules_queryset([RuleSpec(field, operator, value, 0)])


def test_segment_is_one_query(people, django_assert_num_queries):
    specs = [
        RuleSpec(F.TOTAL_SPENT, Op.GT, "10", 0),
        RuleSpec(F.ORDER_COUNT, Op.GTE, "1", 1),
        RuleSpec(F.LAST_ORDER_DATE, Op.WITHIN_DAYS, "90", 2),
        RuleSpec(F.BOUGHT_CATEGORY, Op.EQ, "shoes", 3),
        RuleSpec(F.CONSENT, Op.EQ, "no", 4),
        RuleSpec(F.CITY, Op.NEQ, "Nagoya", 5),
        RuleSpec(F.HAS_OPEN_CART, Op.EQ, "no", 6),
        RuleSpec(F.ATTRIBUTION_SOURCE, Op.EQ, "instagram", 7),
    ]
    with django_assert_num_queries(1):
        assert list(rules_queryset(specs).values_list("email", flat=True)) == ["ann@example.com"]


def test_hashed_export_normalises_and_pages():
    CustomerFactory(email="  Mixed.Case@Example.COM ".strip())
    segment = Segment.objects.create(name="everyone")
    digests = list(segment_hashed_emails(segment, batch_size=1))
    import hashlib

    expected = hashlib.sha256(b"mixed.case@example.com").hexdigest()
    assert digests == [expected]
    assert email_hash(" Mixed.Case@Example.COM ") == expected
