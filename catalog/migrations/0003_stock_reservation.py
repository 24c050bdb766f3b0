"""Stock reservations (agent holds) become part of the catalog's inventory: the model that
carts.0002 dropped from carts' state is created here in state, and the existing table and
its named index are renamed in place (rows are kept)."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_storefront"),
        ("carts", "0003_stock_reservation_to_catalog"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StockReservation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "quantity",
                            models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)]),
                        ),
                        ("expires_at", models.DateTimeField(db_index=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "cart",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reservations",
                                to="carts.cart",
                            ),
                        ),
                        (
                            "reserved_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "variant",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reservations",
                                to="catalog.variant",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [models.Index(fields=["variant", "expires_at"], name="stockreservation_variant_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("cart", "variant"), name="reservation_unique_cart_variant")
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE carts_stockreservation RENAME TO catalog_stockreservation",
                    "ALTER TABLE catalog_stockreservation RENAME TO carts_stockreservation",
                ),
                migrations.RunSQL(
                    "ALTER INDEX carts_stock_variant_f095ee_idx RENAME TO stockreservation_variant_idx",
                    "ALTER INDEX stockreservation_variant_idx RENAME TO carts_stock_variant_f095ee_idx",
                ),
            ],
        ),
    ]
