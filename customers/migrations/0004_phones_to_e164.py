"""Existing phone numbers rewritten in E.164 ('+81 90 1234 5678' -> '+819012345678').

A number without a country code is read as its address's country (a customer's: their
default address, else any address, else SHOP_COUNTRY). Values that are not a valid number
in any reading are left exactly as they were, so nothing typed is lost."""

import unicodedata

import phonenumbers
from django.conf import settings
from django.db import migrations


def _e164(raw: str, region: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_to_e164(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Address = apps.get_model("customers", "Address")
    shop = getattr(settings, "SHOP_COUNTRY", "US")
    customer_table, address_table = Customer._meta.db_table, Address._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT a.id, a.phone, a.country FROM {address_table} a WHERE a.phone <> ''"""
        )
        updates = [(e164, pk) for pk, raw, country in cursor.fetchall() if (e164 := _e164(raw, country)) and e164 != raw]
        cursor.executemany(f"UPDATE {address_table} SET phone = %s WHERE id = %s", updates)
        cursor.execute(
            f"""SELECT c.id, c.phone,
                       (SELECT a.country FROM {address_table} a WHERE a.customer_id = c.id
                         ORDER BY a.is_default DESC, a.created_at DESC LIMIT 1)
                  FROM {customer_table} c WHERE c.phone <> ''"""
        )
        updates = [
            (e164, pk) for pk, raw, country in cursor.fetchall() if (e164 := _e164(raw, country or shop)) and e164 != raw
        ]
        cursor.executemany(f"UPDATE {customer_table} SET phone = %s WHERE id = %s", updates)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_names_readings_e164_phones")]

    operations = [migrations.RunPython(phones_to_e164, migrations.RunPython.noop)]
