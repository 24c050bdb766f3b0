import factory
from factory.django import DjangoModelFactory

from service_console.models import Article, Case
from tests.customers.factories import CustomerFactory


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Sequence(lambda n: f"Question {n}")
    description = "Where is my parcel?"


class ArticleFactory(DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    body = "Some **helpful** text."
    is_public = True
