"""Which language a post is in, so the right sentiment analyser and rules apply.

langdetect (a port of Google's n-gram language-detection) decides, with two guards that
short social posts need: text with kana is Japanese whatever else it holds (brand names in
Latin letters inside a Japanese post fooled the n-grams), and a Latin-script post of fewer
than three words ("lol", "ok") is taken to be in the shop's language, because n-grams guess
at random on so little text.
"""

import os
import re
import threading
import unicodedata

from django.conf import settings

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LATIN_WORD = re.compile(r"[^\W\d_]{2,}")
_NOISE = re.compile(r"https?://\S+|[@#][\w.\-]+|UC-[A-Z0-9-]+", re.IGNORECASE)
# Profiles loaded (the languages posts about a shop plausibly come in); fewer profiles, faster start.
PROFILES = ("en", "ja", "zh-cn", "zh-tw", "ko", "es", "fr", "de", "it", "pt", "nl", "sv", "id")
MIN_WORDS = 3

_factory = None
_lock = threading.Lock()


def _detector_factory():
    global _factory
    if _factory is None:
        with _lock:
            if _factory is None:
                from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

                factory = DetectorFactory()
                profiles = []
                for code in PROFILES:
                    with open(os.path.join(PROFILES_DIRECTORY, code), encoding="utf-8") as profile:
                        profiles.append(profile.read())
                factory.load_json_profile(profiles)
                factory.set_seed(0)  # the same text always gets the same answer
                _factory = factory
    return _factory


def _langdetect(text: str) -> tuple[str, float]:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _detector_factory().create()
    detector.append(text)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return "", 0.0
    return best.lang, best.prob


def shop_language() -> str:
    return settings.LANGUAGE_CODE.split("-")[0]


def detect_language(text: str) -> str:
    """A two-letter code ("en", "ja", "zh", …) for the post's language."""
    text = _NOISE.sub(" ", unicodedata.normalize("NFKC", text or ""))
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        han_only = "".join(_HAN.findall(text))
        code, _ = _langdetect(han_only)
        return "zh" if code.startswith("zh") else "ja"
    if len(_LATIN_WORD.findall(text)) < MIN_WORDS:
        return shop_language()
    code, probability = _langdetect(text)
    if not code or probability < 0.7:
        return shop_language()
    return code.split("-")[0]
