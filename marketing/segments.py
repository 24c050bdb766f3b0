"""Segment rules → one ORM queryset over customers (C8).

Every rule becomes a filter on the Customer queryset built from correlated subqueries
(Subquery/Exists), so a segment of any size is counted, previewed and paged by the
database in one statement — never by looping over customers in Python.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from common.db_routers import reporting_reads
from customers.models import Address, Consent, Customer
from marketing.exceptions import SegmentRuleInvalid
from marketing.models import Segment, SegmentRule
from orders.selectors import NET_REVENUE, counts_as_revenue, revenue_orders

F_ = SegmentRule.Field
Op = SegmentRule.Operator

_NUMBER_OPS = {Op.EQ, Op.NEQ, Op.GT, Op.GTE, Op.LT, Op.LTE}
_DATE_OPS = {Op.GT, Op.GTE, Op.LT, Op.LTE, Op.EQ, Op.WITHIN_DAYS, Op.BEFORE_DAYS}
_TEXT_OPS = {Op.EQ, Op.NEQ, Op.CONTAINS, Op.IN}
_BOOL_OPS = {Op.EQ, Op.NEQ}

ALLOWED_OPERATORS: dict[str, set[str]] = {
    F_.TOTAL_SPENT: _NUMBER_OPS,
    F_.ORDER_COUNT: _NUMBER_OPS,
    F_.LAST_ORDER_DATE: _DATE_OPS,
    F_.BOUGHT_CATEGORY: {Op.EQ, Op.NEQ, Op.IN},
    F_.HAS_OPEN_CART: _BOOL_OPS,
    F_.CONSENT: _BOOL_OPS,
    F_.SIGNUP_DATE: _DATE_OPS,
    F_.SIGNUP_SOURCE: {Op.EQ, Op.NEQ, Op.IN},
    F_.CITY: _TEXT_OPS,
    F_.ATTRIBUTION_SOURCE: _TEXT_OPS,
}

_LOOKUP = {Op.EQ: "exact", Op.GT: "gt", Op.GTE: "gte", Op.LT: "lt", Op.LTE: "lte"}


@dataclass(frozen=True)
class RuleSpec:
    field: str
    operator: str
    value: str
    position: int = 0


def _counted_orders():
    """The customer's orders that count as spending: orders.selectors.revenue_orders (not
    cancelled; refunds are subtracted through NET_REVENUE)."""
    return revenue_orders().filter(customer=OuterRef("pk"))


def _number(value: str, position: int) -> Decimal:
    try:
        return Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise SegmentRuleInvalid(f"“{value}” is not a number", rule_position=position) from None


def _days(value: str, position: int) -> int:
    try:
        days = int(value.strip())
    except ValueError:
        raise SegmentRuleInvalid(f"“{value}” is not a whole number of days", rule_position=position) from None
    if days < 0:
        raise SegmentRuleInvalid(gettext("days cannot be negative"), rule_position=position)
    return days


def _date(value: str, position: int) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SegmentRuleInvalid(f"“{value}” is not a date (YYYY-MM-DD)", rule_position=position) from None


def _bool(value: str, position: int) -> bool:
    text = value.strip().lower()
    if text in {"yes", "true", "1", "y"}:
        return True
    if text in {"no", "false", "0", "n"}:
        return False
    raise SegmentRuleInvalid(f"“{value}” is not yes/no", rule_position=position)


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _compare(expression_name: str, operator: str, parsed) -> Q:
    if operator == Op.NEQ:
        return ~Q(**{expression_name: parsed})
    return Q(**{f"{expression_name}__{_LOOKUP[operator]}": parsed})


def _date_filter(name: str, operator: str, value: str, position: int) -> Q:
    """`name` holds a datetime; dates compare on whole days in the current time zone."""
    now = timezone.now()
    if operator == Op.WITHIN_DAYS:
        return Q(**{f"{name}__gte": now - timedelta(days=_days(value, position))})
    if operator == Op.BEFORE_DAYS:
        return Q(**{f"{name}__lt": now - timedelta(days=_days(value, position))})
    day = _date(value, position)
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    end = start + timedelta(days=1)
    if operator == Op.EQ:
        return Q(**{f"{name}__gte": start, f"{name}__lt": end})
    if operator == Op.GT:
        return Q(**{f"{name}__gte": end})
    if operator == Op.GTE:
        return Q(**{f"{name}__gte": start})
    if operator == Op.LT:
        return Q(**{f"{name}__lt": start})
    return Q(**{f"{name}__lt": end})  # LTE


def _text_exists(queryset, column: str, operator: str, value: str, position: int) -> Q:
    if operator == Op.IN:
        values = _items(value)
        if not values:
            raise SegmentRuleInvalid(gettext("give at least one value"), rule_position=position)
        condition = Q()
        for item in values:
            condition |= Q(**{f"{column}__iexact": item})
        return Q(Exists(queryset.filter(condition)))
    if not value.strip():
        raise SegmentRuleInvalid(gettext("a value is required"), rule_position=position)
    if operator == Op.CONTAINS:
        return Q(Exists(queryset.filter(**{f"{column}__icontains": value.strip()})))
    exists = Exists(queryset.filter(**{f"{column}__iexact": value.strip()}))
    return ~Q(exists) if operator == Op.NEQ else Q(exists)


def compile_rule(queryset: QuerySet[Customer], rule: RuleSpec) -> QuerySet[Customer]:
    """Apply one rule to a customer queryset. Raises SegmentRuleInvalid."""
    field, op, value, pos = rule.field, rule.operator, rule.value or "", rule.position
    allowed = ALLOWED_OPERATORS.get(field)
    if allowed is None:
        raise SegmentRuleInvalid(f"unknown field “{field}”", rule_position=pos)
    if op not in allowed:
        raise SegmentRuleInvalid(
            f"“{Op(op).label if op in Op.values else op}” does not apply to {F_(field).label}", rule_position=pos
        )
    alias = f"_seg_{pos}_{field}"

    if field == F_.TOTAL_SPENT:
        spent = _counted_orders().values("customer").annotate(s=Sum(NET_REVENUE)).values("s")[:1]
        queryset = queryset.alias(
            **{alias: Coalesce(Subquery(spent, output_field=DecimalField()), Value(Decimal("0")))}
        )
        return queryset.filter(_compare(alias, op, _number(value, pos)))

    if field == F_.ORDER_COUNT:
        count = _counted_orders().values("customer").annotate(c=Count("pk")).values("c")[:1]
        queryset = queryset.alias(**{alias: Coalesce(Subquery(count, output_field=IntegerField()), Value(0))})
        return queryset.filter(_compare(alias, op, int(_number(value, pos))))

    if field == F_.LAST_ORDER_DATE:
        last = _counted_orders().values("customer").annotate(m=Max("placed_at")).values("m")[:1]
        queryset = queryset.alias(**{alias: Subquery(last)})
        return queryset.filter(_date_filter(alias, op, value, pos))

    if field == F_.BOUGHT_CATEGORY:
        from catalog.models import Category
        from orders.models import OrderLine

        slugs = _items(value) if op == Op.IN else [value.strip()]
        if not [s for s in slugs if s]:
            raise SegmentRuleInvalid(gettext("give a category slug"), rule_position=pos)
        # A category includes its direct and second-level children (demo tree depth).
        categories = Category.objects.filter(
            Q(slug__in=slugs) | Q(parent__slug__in=slugs) | Q(parent__parent__slug__in=slugs)
        ).values("pk")
        bought = OrderLine.objects.filter(
            counts_as_revenue("order__"), order__customer=OuterRef("pk"), variant__product__category__in=categories
        )
        return queryset.filter(~Q(Exists(bought)) if op == Op.NEQ else Q(Exists(bought)))

    if field == F_.HAS_OPEN_CART:
        from carts.models import Cart, CartLine

        open_cart = Cart.objects.filter(
            customer=OuterRef("pk"), status=Cart.Status.OPEN, pk__in=CartLine.objects.values("cart_id")
        )
        wanted = _bool(value, pos) if op == Op.EQ else not _bool(value, pos)
        return queryset.filter(Q(Exists(open_cart)) if wanted else ~Q(Exists(open_cart)))

    if field == F_.CONSENT:
        latest = Consent.objects.filter(customer=OuterRef("pk"), purpose=Consent.Purpose.MARKETING_EMAIL).order_by(
            "-created_at", "-id"
        )
        queryset = queryset.alias(**{alias: Subquery(latest.values("granted")[:1])})
        wanted = _bool(value, pos) if op == Op.EQ else not _bool(value, pos)
        # No consent row means no consent.
        return queryset.filter(Q(**{alias: True}) if wanted else ~Q(**{alias: True}) | Q(**{f"{alias}__isnull": True}))

    if field == F_.SIGNUP_DATE:
        return queryset.filter(_date_filter("date_joined", op, value, pos))

    if field == F_.SIGNUP_SOURCE:
        values = _items(value) if op == Op.IN else [value.strip()]
        if not [v for v in values if v]:
            raise SegmentRuleInvalid(gettext("give a source"), rule_position=pos)
        condition = Q(signup_source__in=[v.lower() for v in values])
        return queryset.filter(~condition if op == Op.NEQ else condition)

    if field == F_.CITY:
        return queryset.filter(_text_exists(Address.objects.filter(customer=OuterRef("pk")), "city", op, value, pos))

    # ATTRIBUTION_SOURCE: utm_source recorded on any of the customer's orders.
    return queryset.filter(_text_exists(_counted_orders(), "attribution__utm_source", op, value, pos))


def rules_queryset(rules: Iterable[RuleSpec], base: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """All rules ANDed over active, non-erased customers. One SQL statement."""
    queryset = base if base is not None else Customer.objects.filter(is_active=True, erased_at__isnull=True)
    for rule in rules:
        queryset = compile_rule(queryset, rule)
    return queryset


def segment_rules(segment: Segment) -> list[RuleSpec]:
    return [RuleSpec(r.field, r.operator, r.value, r.position or i) for i, r in enumerate(segment.rules.all())]


def segment_queryset(segment: Segment) -> QuerySet[Customer]:
    return rules_queryset(segment_rules(segment))


def segment_count(segment: Segment) -> int:
    """How many customers match now (a reporting read: the replica when there is one)."""
    queryset = segment_queryset(segment)  # the rules themselves are read from the primary
    with reporting_reads():
        return queryset.count()


def rules_count(rules: Iterable[RuleSpec]) -> int:
    """How many customers unsaved rules would match (the admin's live count; reporting read)."""
    queryset = rules_queryset(rules)
    with reporting_reads():
        return queryset.count()


def segment_preview(segment: Segment, limit: int = 20) -> list[Customer]:
    queryset = segment_queryset(segment).order_by("pk").only("pk", "email", "first_name", "last_name")[:limit]
    with reporting_reads():
        return list(queryset)


def email_hash(email: str) -> str:
    """SHA-256 of the normalised (trimmed, lower-case) address, as ad platforms expect."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def segment_hashed_emails(segment: Segment, batch_size: int = 2000) -> Iterator[str]:
    """Hashed emails of the segment, read in keyset-paginated batches."""
    queryset = segment_queryset(segment)
    last_pk = 0
    while True:
        with reporting_reads():
            rows = list(queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "email")[:batch_size])
        if not rows:
            return
        for _, email in rows:
            yield email_hash(email)
        last_pk = rows[-1][0]
