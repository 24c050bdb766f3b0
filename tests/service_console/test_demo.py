import pytest

from customers.demo import seed_customers, seed_staff_and_shopper
from helpdesk.models import SatisfactionRating
from service_console.demo import ARTICLES, CASES, seed
from service_console.models import Article, Case, InboundEmail

pytestmark = pytest.mark.django_db


class _Bar:
    def update(self, n):
        pass


def test_demo_seed_is_idempotent():
    seed_staff_and_shopper()
    seed_customers(5, _Bar())
    seed()
    seed()
    assert Article.objects.count() == len(ARTICLES) == 6
    # The four demo cases plus the one the demo support email opened (stored once).
    assert Case.objects.count() == len(CASES) + 1 == 5
    assert InboundEmail.objects.count() == 1 and SatisfactionRating.objects.count() == 1
    assert Article.objects.filter(is_public=False).count() == 1
