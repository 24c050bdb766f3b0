"""SMS length: encoding and parts, against the GSM 03.38 rules (expected values by hand)."""

import pytest

from mobile.segments import sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "gsm7", 0, 0),
        ("a" * 160, "gsm7", 160, 1),  # fits one SMS exactly
        ("a" * 161, "gsm7", 161, 2),  # 153 + 8
        ("a" * 306, "gsm7", 306, 2),  # 2 × 153
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # the euro sign is an escape pair: 2 septets
        ("a" * 152 + "€", "gsm7", 154, 1),
        ("a" * 152 + "€" + "a" * 7, "gsm7", 161, 2),  # parts: 152 | € + 7 (the pair moves whole)
        ("a" * 152 + "€" + "a" * 152, "gsm7", 306, 3),  # 306 = 2 × 153, but the pair cannot straddle
        ("Café déjà vu", "gsm7", 12, 1),  # é and à are in the basic GSM alphabet
        ("ça", "ucs2", 2, 1),  # ç (lower case) is not: the whole text is UCS-2
        ("あ" * 70, "ucs2", 70, 1),
        ("あ" * 71, "ucs2", 71, 2),  # 67 + 4
        ("あ" * 134, "ucs2", 134, 2),
        ("あ" * 135, "ucs2", 135, 3),
        ("😀" * 35, "ucs2", 70, 1),  # an emoji is a surrogate pair: 2 code units
        ("a" * 66 + "😀", "ucs2", 68, 1),
        ("a" * 66 + "😀" + "a" * 3, "ucs2", 71, 2),
        ("a" * 66 + "😀" + "a" * 66, "ucs2", 134, 3),  # 134 = 2 × 67, but the emoji cannot straddle
    ],
)
def test_sms_length(text, encoding, units, segments):
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)
