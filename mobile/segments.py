"""How long an SMS is: its encoding and how many parts (segments) the carrier bills.

GSM-7 (the GSM 03.38 alphabet, via the `gsm0338` codec) packs 160 characters in one SMS;
characters of its extension table (€ [ ] { } ~ ^ | \\ and the form feed) take two (escape +
character). A longer message is split into parts of 153 (the rest carries the
concatenation header), and an escape pair is never split between parts. Any other
character (Japanese, emoji, ç) makes the whole message UCS-2: 70 UTF-16 code units in one
SMS, 67 per part, and a surrogate pair (an emoji) is never split either.
"""

from dataclasses import dataclass

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
_ESCAPE = 0x1B


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "gsm7" or "ucs2" (OutboundMessage.Encoding values)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # how many units each part holds for this message

    @property
    def encoding_label(self) -> str:
        return "GSM-7" if self.encoding == "gsm7" else "UCS-2"

    @property
    def remaining(self) -> int:
        """Units left in the last part before another part starts."""
        return self.segments * self.per_segment - self.units if self.segments else self.per_segment


def _parts(units: list[int], single: int, part: int) -> int:
    """How many parts `units` (the length of each character in units) fill, never splitting
    one character's units between two parts."""
    total = sum(units)
    if total <= single:
        return 1 if total else 0
    parts, used = 1, 0
    for width in units:
        if used + width > part:
            parts += 1
            used = 0
        used += width
    return parts


def sms_length(text: str) -> SmsLength:
    try:
        encoded = text.encode("gsm03.38")
    except UnicodeEncodeError:
        widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        segments = _parts(widths, UCS2_SINGLE, UCS2_PART)
        return SmsLength("ucs2", sum(widths), segments, UCS2_SINGLE if segments <= 1 else UCS2_PART)
    widths, index = [], 0
    while index < len(encoded):
        width = 2 if encoded[index] == _ESCAPE else 1
        widths.append(width)
        index += width
    segments = _parts(widths, GSM7_SINGLE, GSM7_PART)
    return SmsLength("gsm7", len(encoded), segments, GSM7_SINGLE if segments <= 1 else GSM7_PART)
