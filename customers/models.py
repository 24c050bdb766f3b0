import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from customers.addresses import address_lines
from customers.names import person_name


class CustomerManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def _create(self, email: str, password: str | None, **extra) -> "Customer":
        if not email:
            raise ValueError("An email address is required")
        customer = self.model(email=self.normalize_email(email).strip(), **extra)
        if password:
            customer.set_password(password)
        else:
            customer.set_unusable_password()
        customer.save(using=self._db)
        return customer

    def create_user(self, email: str, password: str | None = None, **extra) -> "Customer":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "Customer":
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class Customer(AbstractBaseUser, PermissionsMixin):
    """The one customer record every app points to (C1). Staff are customers too."""

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Sign-up form")
        CHECKOUT = "checkout", _("Guest checkout")
        NEWSLETTER = "newsletter", _("Newsletter")
        AGENT = "agent", _("Service agent")
        SOCIAL = "social", _("Social")
        IMPORT = "import", _("Import")
        ADMIN = "admin", _("Admin")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # unique=True (exact) keeps auth.W004 quiet; the Lower() constraint makes it case-insensitive.
    email = models.EmailField("email address", max_length=254, unique=True)
    first_name = models.CharField(_("given name"), max_length=150, blank=True)
    last_name = models.CharField(_("family name"), max_length=150, blank=True)
    # Furigana for Japanese names, in full-width katakana (customers.names.reading_normalize).
    first_name_reading = models.CharField(_("given name reading"), max_length=150, blank=True)
    last_name_reading = models.CharField(_("family name reading"), max_length=150, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True, help_text=_("Stored in E.164, e.g. +819012345678."))
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_guest = models.BooleanField(
        default=False, help_text="Created by a guest checkout or newsletter; no password yet."
    )
    signup_source = models.CharField(max_length=20, choices=Source.choices, default=Source.SIGNUP)
    # The language of everything sent to them (emails, SMS, the chat bot) and of the site when
    # they sign in on a new device; blank = never chosen (the shop's LANGUAGE_CODE is used).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    date_joined = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = CustomerManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="customer_email_ci_unique")]
        indexes = [
            models.Index(fields=["phone"]),
            models.Index(fields=["last_name", "first_name"]),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def email_is_placeholder(self) -> bool:
        """An address that stands in for a missing one (an erased customer, a social author
        known only by their handle): nothing is ever emailed to it."""
        domain = self.email.rpartition("@")[2].lower()
        return domain.endswith(".invalid")

    def clean(self):
        super().clean()
        self.email = type(self).objects.normalize_email(self.email).strip()

    @property
    def preferred_language(self) -> str:
        """The language to write to them in: their choice, else the shop's default."""
        return self.language or settings.LANGUAGE_CODE

    @property
    def full_name(self) -> str:
        """'Hana Sato', or '佐藤 花子' (family name first) for a name in Japanese script."""
        return person_name(first_name=self.first_name, last_name=self.last_name)

    @property
    def full_name_reading(self) -> str:
        return f"{self.last_name_reading} {self.first_name_reading}".strip()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email.split("@")[0]


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, blank=True, help_text="e.g. Home, Work")
    # The name as printed on the label. Japanese addresses also keep its parts and their
    # reading (furigana); full_name is then "family given" (AddressForm fills it in).
    full_name = models.CharField(max_length=200)
    first_name = models.CharField(_("given name"), max_length=100, blank=True)
    last_name = models.CharField(_("family name"), max_length=100, blank=True)
    first_name_reading = models.CharField(_("given name reading"), max_length=100, blank=True)
    last_name_reading = models.CharField(_("family name reading"), max_length=100, blank=True)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state / prefecture", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2")
    phone = PhoneNumberField(_("phone"), blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        verbose_name_plural = "addresses"
        indexes = [models.Index(fields=["city"])]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city}"

    def as_lines(self) -> list[str]:
        """The address as its country writes it (customers.addresses.address_lines)."""
        return address_lines(self)

    def as_dict(self) -> dict:
        """The copy an order keeps (Order.shipping_address); plain strings only."""
        return {
            "full_name": self.full_name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "first_name_reading": self.first_name_reading,
            "last_name_reading": self.last_name_reading,
            "line1": self.line1,
            "line2": self.line2,
            "city": self.city,
            "region": self.region,
            "postal_code": self.postal_code,
            "country": self.country,
            "phone": str(self.phone or ""),
        }


class Consent(models.Model):
    """Append-only consent history; the newest row per purpose is the current state."""

    class Purpose(models.TextChoices):
        MARKETING_EMAIL = "marketing_email", _("Marketing email")
        # The value "sms" predates the split by purpose: it has always meant offers by SMS.
        SMS_MARKETING = "sms", _("Marketing SMS")
        SMS_TRANSACTIONAL = "sms_transactional", _("Order updates by SMS")
        PUSH = "push", _("Browser notifications")
        PERSONALISATION = "personalisation", _("Personalisation")

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Sign-up form")
        CHECKOUT = "checkout", _("Checkout box")
        NEWSLETTER = "newsletter", _("Newsletter double opt-in")
        PREFERENCES = "preferences", _("Consent settings page")
        AGENT = "agent", _("Service agent")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        ADMIN = "admin", _("Admin")
        ERASURE = "erasure", _("Erasure request")
        SMS_KEYWORD = "sms_keyword", _("SMS reply (STOP / START)")
        PUSH_OPT_IN = "push_opt_in", _("Browser notification prompt")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose", "-created_at", "-id"], name="consent_current_idx")]

    def __str__(self) -> str:
        state = "granted" if self.granted else "withdrawn"
        return f"{self.customer_id} {self.purpose} {state} ({self.source})"


class SocialNetwork(models.TextChoices):
    """The networks social posts come from and customers' handles belong to."""

    INSTAGRAM = "instagram", _("Instagram")
    FACEBOOK = "facebook", _("Facebook")
    X = "x", _("X / Twitter")
    TIKTOK = "tiktok", _("TikTok")
    PINTEREST = "pinterest", _("Pinterest")
    YOUTUBE = "youtube", _("YouTube")
    OTHER = "other", _("Other")


# Addresses of records that stand for someone known only by a social handle (social listening
# opens their case before anyone knows who they are): reserved TLD, never delivered to.
SOCIAL_AUTHOR_EMAIL_DOMAIN = "social.invalid"


class CustomerHandle(models.Model):
    """A customer's account on a social network, so posts by that handle reach their record.
    Stored without the @, lower-cased (customers.services.handle_normalise); one customer per
    network + handle."""

    class Source(models.TextChoices):
        CUSTOMER = "customer", _("Added by the customer")
        AGENT = "agent", _("Added by an agent")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="social_handles")
    network = models.CharField(max_length=20, choices=SocialNetwork.choices)
    handle = models.CharField(max_length=100)
    source = models.CharField(max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["network", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["network", "handle"], name="customerhandle_unique_network_handle")
        ]

    def __str__(self) -> str:
        return f"@{self.handle} ({self.get_network_display()})"
