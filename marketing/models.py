"""Marketing: flow settings, segments, campaigns, journeys, abandonment state, attribution (C7, C8).

Marketing owns no copy of other apps' data: carts, orders, views and searches are read from
their apps; what marketing adds (per-cart reminder state, which message went to whom, which
order a message earned) lives here, keyed by the other app's row.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AbandonmentSettings(models.Model):
    """One row (pk=1) of marketer-editable settings for every behavioural flow and the
    global frequency cap. Read with `AbandonmentSettings.current()`."""

    enabled = models.BooleanField(_("cart abandonment enabled"), default=True)
    delay1_minutes = models.PositiveIntegerField(
        _("reminder 1 after (minutes idle)"), default=60, validators=[MinValueValidator(1)]
    )
    delay2_minutes = models.PositiveIntegerField(
        _("reminder 2 after (minutes idle)"), default=24 * 60, validators=[MinValueValidator(1)]
    )
    max_reminders = models.PositiveSmallIntegerField(
        _("max reminders"), default=2, validators=[MinValueValidator(1), MaxValueValidator(2)], help_text=_("1 or 2.")
    )
    promo_percent = models.DecimalField(
        _("reminder 2 promo (percent off)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("0 sends reminder 2 without a code."),
    )
    promo_valid_days = models.PositiveIntegerField(_("promo valid for (days)"), default=7)
    intake_window_hours = models.PositiveIntegerField(
        _("intake window hours"),
        default=72,
        help_text=_("Carts idle longer than this when first seen get no reminder (too old)."),
    )
    series_cooldown_days = models.PositiveIntegerField(
        _("series cooldown days"),
        default=14,
        help_text=_("At most one abandonment series per customer in this many days."),
    )
    agent_quiet_hours = models.PositiveIntegerField(
        _("agent quiet hours"),
        default=48,
        help_text=_("No reminder while an agent touched the cart within this many hours."),
    )
    browse_enabled = models.BooleanField(_("browse abandonment enabled"), default=True)
    browse_min_views = models.PositiveSmallIntegerField(
        _("browse min views"), default=2, validators=[MinValueValidator(1)]
    )
    browse_window_hours = models.PositiveIntegerField(_("browse window hours"), default=24)
    search_enabled = models.BooleanField(_("search abandonment enabled"), default=True)
    search_window_hours = models.PositiveIntegerField(_("search window hours"), default=24)
    behaviour_delay_minutes = models.PositiveIntegerField(
        _("behaviour delay minutes"),
        default=60,
        help_text=_("Browse/search emails wait this long after the last view or search."),
    )
    reminder2_by_sms = models.BooleanField(
        _("reminder 2 by SMS when there is no email consent"),
        default=True,
        help_text=_(
            "A customer who allowed marketing texts but not marketing email gets reminder 2 as a text "
            "(with the code and the restore link). Reminder 1 stays email-only."
        ),
    )
    frequency_cap_count = models.PositiveSmallIntegerField(
        _("frequency cap count"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Marketing messages (emails and texts together) per customer per window."),
    )
    frequency_cap_hours = models.PositiveIntegerField(
        _("frequency cap hours"),
        default=24,
        help_text=_("0 turns the cap off (for demos and testing with shortened delays only)."),
    )
    attribution_window_days = models.PositiveIntegerField(
        _("attribution window days"), default=7, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("flow settings")
        verbose_name_plural = _("flow settings")

    def __str__(self) -> str:
        return str(_("Abandonment flows and frequency cap"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "AbandonmentSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class Authored(models.Model):
    """Who made a marketer's object and when (segments, campaigns); fields come last."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Segment(Authored):
    """Saved rules over unified data, all ANDed, compiled to one queryset
    (marketing.segments.segment_queryset)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SegmentRule(models.Model):
    class Field(models.TextChoices):
        TOTAL_SPENT = "total_spent", _("Total spent")
        ORDER_COUNT = "order_count", _("Order count")
        LAST_ORDER_DATE = "last_order_date", _("Last order date")
        BOUGHT_CATEGORY = "bought_category", _("Bought from category (slug)")
        HAS_OPEN_CART = "has_open_cart", _("Has an open cart with items")
        CONSENT = "consent", _("Marketing email consent")
        SIGNUP_DATE = "signup_date", _("Sign-up date")
        SIGNUP_SOURCE = "signup_source", _("Sign-up source")
        CITY = "city", _("City (any address)")
        ATTRIBUTION_SOURCE = "attribution_source", _("Attribution source (utm_source of an order)")

    class Operator(models.TextChoices):
        EQ = "eq", _("is / equals")
        NEQ = "neq", _("is not")
        GT = "gt", _("greater than / after")
        GTE = "gte", _("at least / on or after")
        LT = "lt", _("less than / before")
        LTE = "lte", _("at most / on or before")
        CONTAINS = "contains", _("contains")
        IN = "in", _("is one of (comma-separated)")
        WITHIN_DAYS = "within_days", _("within the last N days")
        BEFORE_DAYS = "before_days", _("more than N days ago")

    segment = models.ForeignKey(Segment, verbose_name=_("segment"), on_delete=models.CASCADE, related_name="rules")
    field = models.CharField(_("field"), max_length=32, choices=Field.choices)
    operator = models.CharField(_("operator"), max_length=16, choices=Operator.choices)
    value = models.CharField(
        _("value"),
        max_length=200,
        blank=True,
        help_text=_("Number, date (YYYY-MM-DD), days, yes/no, text or a comma list."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("segment rule")
        verbose_name_plural = _("segment rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_field_display()} {self.get_operator_display()} {self.value}"


class Campaign(Authored):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        SENT = "sent", _("Sent")
        # Finished, but every recipient was skipped (cap, consent, suppression) or the
        # segment was empty: never shown as "Sent" when nothing went out.
        NOTHING_SENT = "nothing_sent", _("Nothing sent")

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    FINISHED = (Status.SENT, Status.NOTHING_SENT)

    name = models.CharField(_("name"), max_length=160)
    channel = models.CharField(
        _("channel"),
        max_length=8,
        choices=Channel.choices,
        default=Channel.EMAIL,
        help_text=_("An SMS campaign sends “SMS text” to customers with marketing-SMS consent and a phone number."),
    )
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_('Email: tokens allowed, e.g. "{{ first_name }}, new in".')
    )
    sms_text = models.TextField(
        _("SMS text"),
        blank=True,
        max_length=1000,
        help_text=_(
            "SMS: plain text, tokens allowed ({{ first_name }}). The shop's name goes first and "
            "“Reply STOP to opt out” last; the length below counts them."
        ),
    )
    preheader = models.CharField(
        _("preheader"), max_length=200, blank=True, help_text=_("Preview text shown after the subject.")
    )
    segment = models.ForeignKey(
        Segment, verbose_name=_("segment"), null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    scheduled_at = models.DateTimeField(
        _("scheduled at"), null=True, blank=True, help_text=_("Leave empty and use “Send now”.")
    )
    agent_sendable = models.BooleanField(
        _("agent sendable"),
        default=False,
        help_text=_("Agents may send this template to one customer from the console."),
    )
    # Progress (keyset cursor over the segment: the last customer id handled).
    cursor_customer_id = models.BigIntegerField(default=0)
    audience_size = models.PositiveIntegerField(
        _("audience size"), default=0, help_text=_("Segment size when sending started.")
    )
    processed_count = models.PositiveIntegerField(_("customers handled"), default=0)
    sent_count = models.PositiveIntegerField(_("emails queued for delivery"), default=0)
    skipped_consent_count = models.PositiveIntegerField(_("skipped: without consent"), default=0)
    skipped_cap_count = models.PositiveIntegerField(_("skipped: frequency cap"), default=0)
    skipped_suppressed_count = models.PositiveIntegerField(_("skipped: suppression list"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="campaign_due_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def progress_percent(self) -> int:
        if not self.audience_size:
            return 100 if self.status in self.FINISHED else 0
        return min(100, round(100 * self.processed_count / self.audience_size))


class CampaignBlock(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Image")
        PRODUCT_GRID = "product_grid", _("Product grid")
        RECOMMENDATIONS = "recommendations", _("Personal recommendations")
        BUTTON = "button", _("Button")

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    heading = models.CharField(_("heading"), max_length=200, blank=True, help_text=_("Tokens allowed."))
    text = models.TextField(
        _("text"), blank=True, help_text=_("Plain text; tokens like {{ first_name }}; blank lines split.")
    )
    image_url = models.URLField(_("image URL"), blank=True)
    image_alt = models.CharField(_("image alt"), max_length=200, blank=True)
    link_url = models.CharField(
        _("link URL"),
        max_length=500,
        blank=True,
        help_text=_("Button/image target: a site path (/category/shoes/) or https URL."),
    )
    button_label = models.CharField(_("button label"), max_length=80, blank=True)
    products = models.ManyToManyField("catalog.Product", verbose_name=_("products"), blank=True, related_name="+")
    limit = models.PositiveSmallIntegerField(
        _("limit"), default=4, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign block")
        verbose_name_plural = _("campaign blocks")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.position}"

    def clean(self):
        """An empty block is an error next to the field to fill, never a silent default
        (a button with no label used to go out as "Shop now")."""
        from django.core.exceptions import ValidationError

        errors = {}
        if self.kind == self.Kind.BUTTON:
            if not self.button_label.strip():
                errors["button_label"] = _("Write the button's label, e.g. “Shop shoes”.")
            if not self.link_url.strip():
                errors["link_url"] = _("Where should the button go? A site path like /category/shoes/ or an https URL.")
        elif self.kind == self.Kind.TEXT and not (self.heading.strip() or self.text.strip()):
            errors["text"] = _("Write the text (or a heading) of this block, or remove the block.")
        elif self.kind == self.Kind.IMAGE and not self.image_url.strip():
            errors["image_url"] = _("Give the image's address (https://…), or remove the block.")
        if errors:
            raise ValidationError(errors)


class MarketingMessage(models.Model):
    """Which marketing email went to whom, for which flow/campaign (metrics, attribution)."""

    class Flow(models.TextChoices):
        CART = "cart_abandonment", _("Cart abandonment")
        BROWSE = "browse_abandonment", _("Browse abandonment")
        SEARCH = "search_abandonment", _("Search abandonment")
        CAMPAIGN = "campaign", _("Campaign")
        WELCOME = "welcome", _("Welcome journey")
        AGENT = "agent_send", _("Sent by an agent")
        TEST = "test", _("Test send")

    dedupe_key = models.CharField(max_length=255, unique=True)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Campaign.Channel.choices, default=Campaign.Channel.EMAIL
    )
    outbound_email = models.OneToOneField(
        "messaging.OutboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="marketing_message"
    )
    outbound_sms = models.OneToOneField(
        "mobile.OutboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="marketing_message"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    flow = models.CharField(_("flow"), max_length=24, choices=Flow.choices)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    step = models.PositiveSmallIntegerField(_("step"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    first_clicked_at = models.DateTimeField(_("first clicked at"), null=True, blank=True)
    last_clicked_at = models.DateTimeField(_("last clicked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("marketing message")
        verbose_name_plural = _("marketing messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-last_clicked_at"], name="mktmsg_customer_click_idx"),
            models.Index(fields=["flow", "created_at"], name="mktmsg_flow_idx"),
            models.Index(fields=["campaign", "created_at"], name="mktmsg_campaign_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.flow} → {self.customer_id}"


class ContactPressure(models.Model):
    """One row per customer; locked while deciding whether a marketing email fits the
    frequency cap, so two senders cannot both take the last slot."""

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    last_marketing_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"pressure {self.customer_id}"


class CartAbandonment(models.Model):
    """Reminder state of one cart. Created by the scan when reminder 1 is due."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("All reminders sent")
        STOPPED = "stopped", _("Stopped")
        SKIPPED = "skipped", _("Skipped")

    class StopReason(models.TextChoices):
        NONE = "", _("—")
        PURCHASED = "purchased", _("Purchased")
        EMPTIED = "emptied", _("Cart emptied")
        NO_CONSENT = "no_consent", _("No consent / unsubscribed")
        SERVICE_CASE = "service_case", _("Open service case")
        AGENT_TOUCHED = "agent_touched", _("Agent touched the cart")
        SOLD_OUT = "sold_out", _("All lines sold out")
        RECENT_SERIES = "recent_series", _("Another series within the cooldown")
        NO_EMAIL = "no_email", _("No known email")
        DISABLED = "disabled", _("Flow disabled")

    cart = models.OneToOneField(
        "carts.Cart", verbose_name=_("cart"), on_delete=models.CASCADE, related_name="abandonment"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("customer"),
    )
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stop_reason = models.CharField(_("stop reason"), max_length=16, choices=StopReason.choices, blank=True, default="")
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    sms_reminders_sent = models.PositiveSmallIntegerField(
        _("SMS reminders sent"), default=0, help_text=_("Of those, how many went by SMS.")
    )
    reminder1_skipped = models.BooleanField(
        _("reminder 1 skipped"),
        default=False,
        help_text=_("No email consent: reminder 1 (email only) was skipped, reminder 2 goes by SMS."),
    )
    last_reminder_at = models.DateTimeField(_("last reminder at"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True)
    voucher = models.ForeignKey("carts.Voucher", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    promo_code = models.CharField(_("promo code"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cart abandonment")
        verbose_name_plural = _("cart abandonments")
        ordering = ["-started_at"]
        indexes = [
            # The follow-up scan reads only active rows whose next reminder is due.
            models.Index(fields=["next_due_at"], name="abandon_active_due_idx", condition=Q(status="active")),
            models.Index(fields=["customer", "-started_at"], name="abandon_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"cart {self.cart_id}: {self.reminders_sent} sent ({self.status})"


class BehaviourTrigger(models.Model):
    """A browse/search abandonment email considered for a customer (sent or skipped), so the
    scan never considers the same trigger twice."""

    class Kind(models.TextChoices):
        BROWSE = "browse", _("Browse abandonment")
        SEARCH = "search", _("Search abandonment")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    subject_key = models.CharField(_("subject key"), max_length=200, help_text=_("Product id or normalised query."))
    sent = models.BooleanField(_("sent"), default=False)
    skip_reason = models.CharField(_("skip reason"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("behaviour trigger")
        verbose_name_plural = _("behaviour triggers")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "kind", "-created_at"], name="behaviour_customer_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_key} → {self.customer_id}"


class JourneyStep(models.Model):
    """One email of the welcome journey; steps run in position order, each `delay_hours`
    after the previous one (the first after sign-up / newsletter confirmation)."""

    position = models.PositiveSmallIntegerField(_("position"), default=1, unique=True)
    delay_hours = models.PositiveIntegerField(_("delay hours"), default=0)
    subject = models.CharField(_("subject"), max_length=200, help_text=_("Tokens allowed."))
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    text = models.TextField(_("text"), help_text=_("Plain text; tokens allowed."))
    button_label = models.CharField(_("button label"), max_length=80, blank=True)
    link_url = models.CharField(_("link URL"), max_length=500, blank=True, default="/")
    include_recommendations = models.BooleanField(_("include recommendations"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("welcome journey step")
        verbose_name_plural = _("welcome journey steps")

    def __str__(self) -> str:
        return f"Step {self.position}: {self.subject}"


class JourneyEnrollment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        STOPPED = "stopped", _("Stopped")

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stop_reason = models.CharField(_("stop reason"), max_length=40, blank=True)
    steps_sent = models.PositiveSmallIntegerField(_("steps sent"), default=0)
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)

    class Meta:
        verbose_name = _("welcome journey enrolment")
        verbose_name_plural = _("welcome journey enrolments")
        indexes = [models.Index(fields=["next_due_at"], name="journey_active_due_idx", condition=Q(status="active"))]

    def __str__(self) -> str:
        return f"welcome {self.customer_id} ({self.status}, {self.steps_sent} sent)"


class Attribution(models.Model):
    """An order credited to the last marketing email the customer clicked within the window."""

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="marketing_attribution"
    )
    message = models.ForeignKey(
        MarketingMessage, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attributions"
    )
    flow = models.CharField(_("flow"), max_length=24, choices=MarketingMessage.Flow.choices)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revenue = models.DecimalField(_("revenue"), max_digits=12, decimal_places=2)
    clicked_at = models.DateTimeField(
        _("clicked at"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["flow"], name="attribution_flow_idx"),
            models.Index(fields=["campaign"], name="attribution_campaign_idx"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} ← {self.flow}"


class MarketingCursor(models.Model):
    """Watermarks of incremental scans (e.g. the last order id attribution looked at)."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class ContactHold(models.Model):
    """Marketing paused for a customer because another team asked: the service console holds
    a customer while one of their cases is open (marketing.services.holds). Marketing's flows
    read their own table instead of reaching into the console's."""

    class Reason(models.TextChoices):
        SERVICE_CASE = "service_case", _("Open service case")

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reference = models.CharField(max_length=40, help_text=_("What asked for the hold, e.g. a case number."))
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "reason", "reference"], name="contacthold_unique_reference")
        ]
        indexes = [
            models.Index(fields=["customer"], condition=Q(released_at__isnull=True), name="contacthold_active_idx")
        ]

    def __str__(self) -> str:
        return f"hold {self.customer_id} ({self.reason} {self.reference})"
