"""Colour names of variants in the reader's language.

A variant's colour is stored as typed in admin (English in this shop: "Black", "Sand"); pages
and emails show it through `colour_label`, which translates the colour names below and leaves
any other name as it is. Order lines keep their options as text ("L / Black"):
`options_label` translates the colour part of such a text when it is shown."""

from django.utils.translation import gettext_lazy as _

COLOUR_NAMES = {
    "beige": _("Beige"),
    "black": _("Black"),
    "blue": _("Blue"),
    "brown": _("Brown"),
    "charcoal": _("Charcoal"),
    "cream": _("Cream"),
    "green": _("Green"),
    "grey": _("Grey"),
    "gray": _("Grey"),
    "indigo": _("Indigo"),
    "khaki": _("Khaki"),
    "navy": _("Navy"),
    "olive": _("Olive"),
    "pink": _("Pink"),
    "red": _("Red"),
    "sand": _("Sand"),
    "white": _("White"),
    "yellow": _("Yellow"),
}


# How a Japanese shopper may also type a colour when searching ("ジャケット 黒").
COLOUR_KANJI = {
    "black": "黒",
    "white": "白",
    "navy": "紺",
    "red": "赤",
    "blue": "青",
    "green": "緑",
    "grey": "灰色",
    "gray": "灰色",
    "brown": "茶色",
    "yellow": "黄色",
    "pink": "ピンク",
    "beige": "ベージュ",
    "sand": "ベージュ",
}


def colour_search_words(colours: list[str]) -> tuple[str, str]:
    """(English, Japanese) words for a product's colours in the search index: the names as
    stored, and their Japanese names and kanji."""
    from django.utils import translation

    english = " ".join(colours)
    with translation.override("ja"):
        japanese = " ".join(f"{colour_label(c)} {COLOUR_KANJI.get(c.strip().lower(), '')}".strip() for c in colours)
    return english, japanese


def colour_label(value: str | None) -> str:
    """ "Black" -> "ブラック" in Japanese; a colour not in the list is shown as stored."""
    if not value:
        return value or ""
    name = COLOUR_NAMES.get(value.strip().lower())
    return str(name) if name is not None else value


def options_label(text: str | None) -> str:
    """ "L / Black" (a variant's options as stored on cart and order lines) with the colour
    in the reader's language."""
    if not text:
        return text or ""
    return " / ".join(colour_label(part) for part in text.split(" / "))
