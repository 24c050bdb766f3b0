from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


def validate_image_file(value) -> None:
    """Reject files that are too large or that Pillow cannot read as JPEG/PNG/WebP."""
    if value.size and value.size > MAX_IMAGE_BYTES:
        raise ValidationError(gettext("The image is larger than 5 MB. Upload a smaller file."))
    position = value.tell() if hasattr(value, "tell") else 0
    try:
        with Image.open(value) as img:
            if img.format not in {"JPEG", "PNG", "WEBP"}:
                raise ValidationError(gettext("Upload a JPEG, PNG or WebP image."))
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise ValidationError(gettext("The image has too many pixels (max 40 megapixels)."))
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError(gettext("This file is not a readable image."))
    finally:
        if hasattr(value, "seek"):
            value.seek(position)
