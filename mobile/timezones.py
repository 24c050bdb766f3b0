"""A customer's time zone, for quiet hours: where their phone number is (libphonenumber's
time zones for the number: +81 90… is Asia/Tokyo, +1 212… America/New_York), else their
address's country when it has a single time zone (CLDR via Babel), else the shop's
TIME_ZONE. A number or country spanning several UTC offsets right now (a +1 number without
a known area code, the US as a country) is not guessed from."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.core import get_global
from django.conf import settings
from django.utils import timezone
from phonenumbers import timezone as phone_timezones


def _one_offset(names, now: datetime) -> ZoneInfo | None:
    zones = []
    for name in names:
        try:
            zones.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue
    offsets = {now.astimezone(zone).utcoffset() for zone in zones}
    return zones[0] if len(offsets) == 1 else None


def phone_time_zone(phone: str, *, now: datetime | None = None) -> ZoneInfo | None:
    try:
        number = phonenumbers.parse(str(phone), None)
    except phonenumbers.NumberParseException:
        return None
    names = [n for n in phone_timezones.time_zones_for_number(number) if n != phone_timezones.UNKNOWN_TIMEZONE]
    return _one_offset(names, now or timezone.now())


def country_time_zone(country: str, *, now: datetime | None = None) -> ZoneInfo | None:
    names = get_global("territory_zones").get((country or "").upper(), [])
    return _one_offset(names, now or timezone.now())


def customer_time_zone(*, phone: str = "", country: str = "", now: datetime | None = None) -> ZoneInfo:
    now = now or timezone.now()
    return (
        (phone_time_zone(phone, now=now) if phone else None)
        or (country_time_zone(country, now=now) if country else None)
        or ZoneInfo(settings.TIME_ZONE)
    )
