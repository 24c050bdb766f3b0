"""Load demo data: staff and shopper logins, customers, catalog. Idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string
from tqdm import tqdm

from catalog.demo import seed_products
from customers.demo import DEMO_PASSWORD, customers_japanese_by_default, seed_customers, seed_staff_and_shopper

# Seeders later apps add, in order. Each is `seed(stdout, disable_progress: bool) -> None`,
# idempotent, and lives in its app's demo.py.
EXTRA_SEEDERS: list[str] = [
    "orders.demo.seed",  # vouchers, shopper cart, order history (before catalog: recommendations read orders)
    "catalog.demo.seed",
    "service_console.demo.seed",
    "helpdesk.demo.seed",  # saved replies
    "marketing.demo.seed",
    "social.demo.seed",  # social posts classified into the queue and insight (a shopper complaint case)
    "api.demo.seed",  # demo API tokens, printed once
]


class Command(BaseCommand):
    help = "Create demo users, customers and a catalog (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=200, help="number of demo shoppers (default 200)")
        parser.add_argument("--products", type=int, default=60, help="number of demo products (default 60)")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bars")
        parser.add_argument(
            "--currency",
            default="",
            help="the shop's currency, e.g. JPY for a Japanese shop (yen prices, food at the reduced tax "
            "rate, Japanese shoppers); must match the CURRENCY setting, which prices are stored in",
        )

    def handle(self, *args, customers: int, products: int, quiet_progress: bool, currency: str = "", **options):
        currency = (currency or settings.CURRENCY).upper()
        if currency != settings.CURRENCY:
            raise CommandError(
                f"This shop sells in {settings.CURRENCY}; prices are stored in the shop's currency. For a "
                f"{currency} shop start it with CURRENCY={currency} (e.g. `CURRENCY={currency} SHOP_COUNTRY=JP "
                f"VAR_DIR=var-{currency.lower()} make run`), then seed it."
            )
        disable = quiet_progress
        with transaction.atomic():
            logins = seed_staff_and_shopper()
        with tqdm(total=customers, desc="customers", unit="", disable=disable) as bar, transaction.atomic():
            seed_customers(customers, bar)
        with tqdm(total=products, desc="products ", unit="", disable=disable) as bar, transaction.atomic():
            seed_products(products, bar)
        for step in self._extra_steps():
            step(self.stdout, disable)
        if currency == "JPY":
            speakers = customers_japanese_by_default()
            self.stdout.write(f"yen shop: {speakers} shoppers with a Japanese address write and read in Japanese")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for email, role, created in logins:
            note = "" if created else "  (existing account: kept as it was, with any password you set)"
            self.stdout.write(f"  {role:<12} {email:<26} password: {DEMO_PASSWORD}{note}")

    def _extra_steps(self):
        return [import_string(path) for path in EXTRA_SEEDERS]
