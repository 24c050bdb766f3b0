"""People's names: the order they are written in and their Japanese reading (furigana).

A name written in Japanese script reads family name first ("山田 太郎"); a name in Latin
script keeps the given name first ("Taro Yamada"), whatever the country. Readings are kept
in full-width katakana, the form Japanese shops, couriers and call centres use."""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

# Hiragana, katakana (incl. the phonetic extensions), CJK ideographs, half-width katakana.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
# Full-width katakana, the prolonged sound mark, middle dot and spaces.
_KATAKANA_READING = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb\u30fd\u30fe ]+")

READING_ERROR = _("Write the reading in katakana or hiragana, e.g. ヤマダ.")


def is_japanese(text: str) -> bool:
    """Does the text contain any Japanese script (kana or kanji)?"""
    return bool(_JAPANESE.search(text or ""))


def has_kanji(text: str) -> bool:
    return bool(_KANJI.search(text or ""))


def person_name(*, first_name: str, last_name: str) -> str:
    """'山田 太郎' for a name in Japanese script, 'Taro Yamada' otherwise."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if is_japanese(first) or is_japanese(last):
        return f"{last} {first}".strip()
    return f"{first} {last}".strip()


def reading_normalize(text: str) -> str:
    """Furigana as typed -> full-width katakana: half-width and hiragana are folded
    ('ﾔﾏﾀﾞ', 'やまだ' -> 'ヤマダ'), spaces collapsed. Raises ValueError when anything other
    than kana is left."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    value = re.sub(r"\s+", " ", value.replace("\u3000", " "))
    if not value:
        return ""
    # Hiragana ぁ (U+3041) … ゖ (U+3096) sit 0x60 below their katakana.
    value = "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in value)
    if not _KATAKANA_READING.fullmatch(value):
        raise ValueError(value)
    return value
