"""Stock reservations move to the catalog (inventory owns stock and holds): the model leaves
carts' state here; catalog.0003 takes it over and renames the table (no data is copied)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("carts", "0002_override_decision_note_and_coupon")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StockReservation")],
            database_operations=[],
        ),
    ]
