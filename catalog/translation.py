"""Catalog content in every language of settings.LANGUAGES (django-modeltranslation):
name_en/name_ja, description_en/description_ja columns on the same rows, so listings stay
one query and the search vector reads both (catalog.search). `product.name` is the active
language's text, falling back to English, then Japanese."""

from modeltranslation.translator import TranslationOptions, register

from catalog.models import Category, Product


@register(Product)
class ProductTranslationOptions(TranslationOptions):
    fields = ("name", "description")


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name",)
