"""Product images: thumbnails for uploads and quick generated demo images (Pillow)."""

import hashlib
from io import BytesIO
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageOps

from catalog.models import ProductImage

THUMB_SIZE = (320, 320)
DEMO_SIZE = 640
PALETTE = {
    "Black": (40, 40, 44),
    "White": (238, 236, 230),
    "Navy": (34, 48, 84),
    "Olive": (107, 112, 64),
    "Sand": (216, 199, 163),
    "": (180, 170, 150),
}


def thumbnail_bytes(source, size=THUMB_SIZE) -> bytes:
    with Image.open(source) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
        img = ImageOps.fit(img, size, Image.Resampling.LANCZOS)
        out = BytesIO()
        img.save(out, "JPEG", quality=82, optimize=True)
        return out.getvalue()


def product_image_thumbnail_make(*, image: ProductImage) -> ProductImage:
    """(Re)build the thumbnail of an uploaded image."""
    image.image.open("rb")
    try:
        data = thumbnail_bytes(image.image)
    finally:
        image.image.close()
    stem = Path(image.image.name).stem
    image.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(data), save=False)
    image.save(update_fields=["thumbnail"])
    return image


def _shape(draw: ImageDraw.ImageDraw, kind: str, ink, size: int) -> None:
    s = size
    if kind in {"T-Shirts", "Hoodies", "Jackets"}:
        draw.polygon(
            [
                (s * 0.30, s * 0.22),
                (s * 0.42, s * 0.18),
                (s * 0.58, s * 0.18),
                (s * 0.70, s * 0.22),
                (s * 0.86, s * 0.38),
                (s * 0.76, s * 0.48),
                (s * 0.68, s * 0.42),
                (s * 0.68, s * 0.82),
                (s * 0.32, s * 0.82),
                (s * 0.32, s * 0.42),
                (s * 0.24, s * 0.48),
                (s * 0.14, s * 0.38),
            ],
            fill=ink,
        )
        if kind == "Hoodies":
            draw.ellipse([s * 0.40, s * 0.10, s * 0.60, s * 0.28], fill=ink)
    elif kind in {"Sneakers", "Boots", "Sandals"}:
        top = 0.30 if kind == "Boots" else 0.48
        draw.rounded_rectangle([s * 0.18, s * top, s * 0.62, s * 0.70], radius=int(s * 0.06), fill=ink)
        draw.rounded_rectangle([s * 0.18, s * 0.58, s * 0.84, s * 0.72], radius=int(s * 0.07), fill=ink)
    elif kind in {"Kitchen"}:
        draw.rounded_rectangle([s * 0.30, s * 0.30, s * 0.62, s * 0.74], radius=int(s * 0.04), fill=ink)
        draw.ellipse([s * 0.56, s * 0.40, s * 0.76, s * 0.62], outline=ink, width=int(s * 0.04))
    elif kind in {"Bags"}:
        draw.rectangle([s * 0.26, s * 0.38, s * 0.74, s * 0.80], fill=ink)
        draw.arc([s * 0.36, s * 0.20, s * 0.64, s * 0.56], 180, 360, fill=ink, width=int(s * 0.03))
    elif kind in {"Hats"}:
        draw.pieslice([s * 0.26, s * 0.30, s * 0.74, s * 0.78], 180, 360, fill=ink)
        draw.rectangle([s * 0.26, s * 0.52, s * 0.86, s * 0.58], fill=ink)
    else:
        draw.rounded_rectangle([s * 0.22, s * 0.30, s * 0.78, s * 0.70], radius=int(s * 0.05), fill=ink)


def demo_image_paths(*, kind: str, colour: str) -> tuple[str, str]:
    """Storage paths of a generated image + thumbnail for (category, colour), made once.

    Many products share one generated file, which keeps seeding fast (about 50 files for
    any catalog size)."""
    slug = hashlib.sha1(f"{kind}|{colour}".encode()).hexdigest()[:12]  # noqa: S324 - a file name, not security
    name, thumb = f"products/demo/{slug}.jpg", f"products/demo/{slug}-thumb.jpg"
    if not default_storage.exists(name) or not default_storage.exists(thumb):
        background = (236, 234, 228) if colour not in {"White", "Sand"} else (52, 78, 110)
        ink = PALETTE.get(colour, PALETTE[""])
        img = Image.new("RGB", (DEMO_SIZE, DEMO_SIZE), background)
        _shape(ImageDraw.Draw(img), kind, ink, DEMO_SIZE)
        out = BytesIO()
        img.save(out, "JPEG", quality=80)
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(out.getvalue()))
        out.seek(0)
        if default_storage.exists(thumb):
            default_storage.delete(thumb)
        default_storage.save(thumb, ContentFile(thumbnail_bytes(out)))
    return name, thumb
