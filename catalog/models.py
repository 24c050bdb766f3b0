from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from catalog.validators import validate_image_file


class Category(models.Model):
    """A node in the category tree."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Category names are searchable (weight B) in their products' search vectors.
        super().save(*args, **kwargs)
        from catalog.search import search_index_refresh_for_category

        search_index_refresh_for_category(category_id=self.pk)

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", kwargs={"slug": self.slug})


class Product(models.Model):
    class TaxClass(models.TextChoices):
        # Japan: consumption tax 10 %, reduced 8 % for food and drink (settings.TAX_RATE_REDUCED).
        STANDARD = "standard", _("Standard rate")
        REDUCED = "reduced", _("Reduced rate (food)")

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    size_guide = models.TextField(blank=True)
    is_published = models.BooleanField(default=False, db_index=True)
    is_featured = models.BooleanField(default=False)
    tax_class = models.CharField(_("tax rate"), max_length=10, choices=TaxClass.choices, default=TaxClass.STANDARD)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.CharField(max_length=300, blank=True)
    # Maintained by catalog.search.search_index_refresh (weights: name A, category B, description C).
    search_vector = SearchVectorField(null=True, editable=False)
    # Lower-cased name + category without punctuation ("T-Shirt" -> "tshirt") for trigram matching.
    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            GinIndex(fields=["search_vector"], name="product_search_vector_gin"),
            GinIndex(fields=["search_text"], name="product_search_text_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(fields=["category", "is_published", "-created_at"], name="product_category_listing_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # Keeping the search columns in step on every save (admin, shell, factories) is the
        # one place this is cheap and hard to forget; bulk writes call search_index_refresh.
        super().save(*args, **kwargs)
        from catalog.search import search_index_refresh

        search_index_refresh(product_ids=[self.pk])

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", kwargs={"slug": self.slug})


class Variant(models.Model):
    """A sellable SKU. `stock` never goes below zero (database constraint)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64, unique=True)
    size = models.CharField(max_length=32, blank=True)
    colour = models.CharField(max_length=32, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    compare_at_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    weight_grams = models.PositiveIntegerField(default=0)
    stock = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(excluded_fields=["stock"])

    class Meta:
        ordering = ["product_id", "id"]
        indexes = [models.Index(fields=["product", "is_active", "price"], name="variant_listing_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="variant_stock_non_negative"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="variant_price_non_negative"),
        ]

    def __str__(self) -> str:
        options = " / ".join(v for v in (self.size, self.colour) if v)
        return f"{self.product.name} ({options})" if options else self.product.name

    def save(self, *args, **kwargs):
        # A variant's colour is in its product's search vector ("jacket black"): keep it in step
        # when a colour is set or a variant comes or goes (stock and price writes skip this).
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or {"colour", "is_active"} & set(fields):
            from catalog.search import search_index_refresh

            search_index_refresh(product_ids=[self.product_id])

    @property
    def options_label(self) -> str:
        return " / ".join(v for v in (self.size, self.colour) if v)


class StockReservation(models.Model):
    """Stock held for a cart until `expires_at` (an agent's hold): other carts cannot take
    it. Part of the catalog's inventory: `catalog.selectors.stock_available` counts live
    holds, `catalog.services` writes them. The holder is named by a lazy reference to
    carts.Cart, so catalog code never imports carts."""

    cart = models.ForeignKey("carts.Cart", on_delete=models.CASCADE, related_name="reservations")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cart", "variant"], name="reservation_unique_cart_variant")]
        indexes = [models.Index(fields=["variant", "expires_at"], name="stockreservation_variant_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id} for cart {self.cart_id}"


def product_image_path(instance: "ProductImage", filename: str) -> str:
    return f"products/{instance.product_id or 'new'}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to=product_image_path,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"]), validate_image_file],
        help_text="JPEG, PNG or WebP, at most 5 MB.",
    )
    thumbnail = models.ImageField(upload_to="products/thumbs/", blank=True, editable=False)
    alt_text = models.CharField(max_length=200, blank=True, help_text="Describe the image for screen readers.")
    colour = models.CharField(max_length=32, blank=True, help_text="Show this image when this colour is chosen.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product_id", "position", "id"]

    def __str__(self) -> str:
        return self.alt_text or f"Image {self.pk} of {self.product_id}"


class ProductView(models.Model):
    """One product page view (customer or anonymous session). Written in batches from a
    Redis buffer (catalog.views_buffer) so the product page does no database write."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="views")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="product_views"
    )
    session_key = models.CharField(max_length=40, blank=True)
    viewed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-viewed_at"]
        indexes = [
            models.Index(fields=["customer", "-viewed_at"], name="productview_customer_idx"),
            models.Index(fields=["session_key", "-viewed_at"], name="productview_session_idx"),
            models.Index(fields=["product", "-viewed_at"], name="productview_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} viewed at {self.viewed_at:%Y-%m-%d %H:%M}"


class SearchQuery(models.Model):
    """Every storefront search, for search abandonment and 'no results' reporting."""

    query = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True)
    results_count = models.PositiveIntegerField()
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="searches"
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "search queries"
        indexes = [models.Index(fields=["customer", "-created_at"], name="searchquery_customer_idx")]

    def __str__(self) -> str:
        return f"{self.query!r} ({self.results_count})"


class Recommendation(models.Model):
    """Precomputed by catalog.tasks.recommendations_recompute; pages read them in one query."""

    class Kind(models.TextChoices):
        BOUGHT_TOGETHER = "bought_together", _("Frequently bought together")
        ALSO_LIKE = "also_like", _("You may also like")
        PERSONAL = "personal", _("Picked for you")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="recommendations_from"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="recommendations"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0)
    rank = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=200)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "rank"]
        indexes = [
            models.Index(fields=["source_product", "kind", "rank"], name="reco_product_idx"),
            models.Index(fields=["customer", "kind", "rank"], name="reco_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source_product__isnull=False) | models.Q(customer__isnull=False),
                name="reco_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.product_id} ({self.reason})"
