"""The framework reference for P1 (issue #14): the newest 24 products, read uncached with
the storefront's card query (catalog.selectors.product_cards) and rendered with the
storefront's card markup, once by Django's template engine and once by Jinja2 — same query,
same markup, same money filter and translations — so the two engines can be compared under
the same load, and the storefront's pages against a plain Django view that does the work
they cache. Never used outside the benchmarks."""

from pathlib import Path

import jinja2
from django.conf import settings
from django.http import HttpResponse
from django.template import Context, Engine
from django.urls import reverse
from django.utils import translation

from catalog.models import Product
from catalog.selectors import product_cards
from common.templatetags.money import money_filter

HERE = Path(__file__).resolve().parent

DJANGO_ENGINE = Engine(
    dirs=[str(HERE / "templates"), str(settings.BASE_DIR / "templates")],  # the storefront's card itself
    libraries={
        "money": "common.templatetags.money",
        "i18n": "django.templatetags.i18n",
        "static": "django.templatetags.static",
    },
    loaders=[("django.template.loaders.cached.Loader", ["django.template.loaders.filesystem.Loader"])],
)
JINJA_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HERE / "jinja2")),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
JINJA_ENV.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
JINJA_ENV.filters["money"] = money_filter
JINJA_ENV.globals["url"] = lambda name, *args: reverse(name, args=args)


def products() -> list[Product]:
    queryset = product_cards(Product.objects.filter(is_published=True)).order_by("-created_at", "-id")
    return list(queryset[:24])


def context() -> dict:
    return {
        "products": products(),
        "MEDIA_PREFIX": settings.MEDIA_URL,
        "PRICES_INCLUDE_TAX": settings.PRICES_INCLUDE_TAX,
        "LANGUAGE_CODE": translation.get_language(),
    }


def render_django(values: dict) -> str:
    return DJANGO_ENGINE.get_template("ref24.html").render(Context(values))


def render_jinja2(values: dict) -> str:
    return JINJA_ENV.get_template("ref24.html").render(values)


def reference_django(request):
    return HttpResponse(render_django(context()))


def reference_jinja2(request):
    return HttpResponse(render_jinja2(context()))
