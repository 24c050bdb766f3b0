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


def _detail(ink) -> tuple[int, int, int]:
    """A colour for seams, zips and laces that shows on `ink` (lighter on dark, darker on light)."""
    light = sum(ink) / 3 > 140
    return tuple(max(0, c - 70) for c in ink) if light else tuple(min(255, c + 90) for c in ink)


def _points(s: int, pairs) -> list[tuple[float, float]]:
    return [(s * x, s * y) for x, y in pairs]


def _tshirt(d, s, ink, line) -> None:
    d.polygon(_points(s, [(0.34, 0.22), (0.43, 0.19), (0.57, 0.19), (0.66, 0.22), (0.84, 0.34), (0.76, 0.46),
                          (0.67, 0.41), (0.67, 0.82), (0.33, 0.82), (0.33, 0.41), (0.24, 0.46), (0.16, 0.34)]),
              fill=ink)  # fmt: skip
    d.arc([s * 0.43, s * 0.13, s * 0.57, s * 0.27], 20, 160, fill=line, width=int(s * 0.015))  # crew neck


def _long_sleeved_body(d, s, ink) -> None:
    d.polygon(_points(s, [(0.33, 0.22), (0.43, 0.18), (0.57, 0.18), (0.67, 0.22), (0.80, 0.40), (0.88, 0.78),
                          (0.79, 0.80), (0.70, 0.50), (0.69, 0.84), (0.31, 0.84), (0.30, 0.50), (0.21, 0.80),
                          (0.12, 0.78), (0.20, 0.40)]),
              fill=ink)  # fmt: skip


def _hoodie(d, s, ink, line) -> None:
    _long_sleeved_body(d, s, ink)
    d.ellipse([s * 0.38, s * 0.08, s * 0.62, s * 0.30], fill=ink, outline=line, width=int(s * 0.012))  # hood
    d.ellipse([s * 0.44, s * 0.14, s * 0.56, s * 0.26], fill=line)  # hood opening
    d.rounded_rectangle([s * 0.38, s * 0.60, s * 0.62, s * 0.74], radius=int(s * 0.03), outline=line,
                        width=int(s * 0.012))  # kangaroo pocket  # fmt: skip
    for x in (0.46, 0.54):  # drawstrings
        d.line([(s * x, s * 0.27), (s * x, s * 0.40)], fill=line, width=int(s * 0.01))


def _jacket(d, s, ink, line) -> None:
    _long_sleeved_body(d, s, ink)
    w = int(s * 0.012)
    d.line([(s * 0.50, s * 0.22), (s * 0.50, s * 0.84)], fill=line, width=w)  # zip
    d.polygon(_points(s, [(0.43, 0.18), (0.50, 0.30), (0.40, 0.34), (0.36, 0.22)]), outline=line, width=w)  # collar
    d.polygon(_points(s, [(0.57, 0.18), (0.50, 0.30), (0.60, 0.34), (0.64, 0.22)]), outline=line, width=w)
    for x0 in (0.35, 0.55):  # flap pockets
        d.rectangle([s * x0, s * 0.60, s * (x0 + 0.10), s * 0.62], fill=line)
    for y in (0.40, 0.50, 0.60, 0.70):  # zip teeth
        d.line([(s * 0.485, s * y), (s * 0.515, s * y)], fill=line, width=w)


def _sneakers(d, s, ink, line) -> None:
    d.polygon(_points(s, [(0.14, 0.64), (0.15, 0.40), (0.24, 0.36), (0.32, 0.42), (0.44, 0.42), (0.62, 0.48),
                          (0.80, 0.52), (0.88, 0.58), (0.88, 0.64)]), fill=ink)  # upper  # fmt: skip
    d.rounded_rectangle([s * 0.12, s * 0.62, s * 0.90, s * 0.72], radius=int(s * 0.04), fill=(245, 245, 240))
    d.line([(s * 0.12, s * 0.66), (s * 0.90, s * 0.66)], fill=(200, 200, 195), width=int(s * 0.008))  # sole stripe
    for i in range(4):  # laces across the tongue
        x = 0.34 + i * 0.06
        d.line([(s * x, s * (0.43 + i * 0.012)), (s * (x + 0.04), s * (0.50 + i * 0.012))], fill=line,
               width=int(s * 0.014))  # fmt: skip
    d.ellipse([s * 0.18, s * 0.46, s * 0.24, s * 0.52], fill=line)  # heel logo


def _boots(d, s, ink, line) -> None:
    d.polygon(_points(s, [(0.26, 0.16), (0.50, 0.16), (0.52, 0.52), (0.78, 0.58), (0.84, 0.70), (0.24, 0.70)]),
              fill=ink)  # fmt: skip
    d.rectangle([s * 0.22, s * 0.70, s * 0.86, s * 0.76], fill=(60, 45, 35))  # sole
    d.rectangle([s * 0.22, s * 0.76, s * 0.36, s * 0.80], fill=(60, 45, 35))  # heel
    for y in (0.24, 0.32, 0.40, 0.48):  # hooks
        d.ellipse([s * 0.47, s * y, s * 0.51, s * (y + 0.03)], fill=line)


def _sandals(d, s, ink, line) -> None:
    d.polygon(_points(s, [(0.12, 0.68), (0.88, 0.66), (0.90, 0.72), (0.14, 0.75)]), fill=(120, 90, 60))  # sole
    w = int(s * 0.045)
    d.line([(s * 0.56, s * 0.67), (s * 0.70, s * 0.48), (s * 0.80, s * 0.66)], fill=ink, width=w)  # toe strap
    d.line([(s * 0.40, s * 0.67), (s * 0.52, s * 0.46), (s * 0.62, s * 0.66)], fill=ink, width=w)  # cross strap
    d.arc([s * 0.16, s * 0.36, s * 0.40, s * 0.76], 180, 350, fill=ink, width=w)  # ankle strap
    d.rectangle([s * 0.20, s * 0.44, s * 0.25, s * 0.50], outline=line, width=int(s * 0.01))  # buckle


def _mug(d, s, ink, line) -> None:
    d.rounded_rectangle([s * 0.28, s * 0.30, s * 0.62, s * 0.76], radius=int(s * 0.05), fill=ink)
    d.ellipse([s * 0.56, s * 0.40, s * 0.78, s * 0.64], outline=ink, width=int(s * 0.045))  # handle
    d.ellipse([s * 0.28, s * 0.27, s * 0.62, s * 0.34], fill=line)  # rim
    for x in (0.38, 0.45, 0.52):  # steam
        d.arc([s * x, s * 0.12, s * (x + 0.05), s * 0.24], 90, 270, fill=line, width=int(s * 0.01))


def _duvet(d, s, ink, line) -> None:
    d.rounded_rectangle([s * 0.12, s * 0.36, s * 0.88, s * 0.80], radius=int(s * 0.04), fill=ink)  # cover
    d.rounded_rectangle([s * 0.18, s * 0.24, s * 0.46, s * 0.38], radius=int(s * 0.05), fill=(250, 250, 246),
                        outline=line, width=int(s * 0.008))  # pillows  # fmt: skip
    d.rounded_rectangle([s * 0.54, s * 0.24, s * 0.82, s * 0.38], radius=int(s * 0.05), fill=(250, 250, 246),
                        outline=line, width=int(s * 0.008))  # fmt: skip
    d.rectangle([s * 0.12, s * 0.44, s * 0.88, s * 0.47], fill=line)  # folded edge
    for x in (0.30, 0.50, 0.70):  # quilting
        d.line([(s * x, s * 0.50), (s * x, s * 0.78)], fill=line, width=int(s * 0.006))


def _tote(d, s, ink, line) -> None:
    d.polygon(_points(s, [(0.24, 0.40), (0.76, 0.40), (0.80, 0.84), (0.20, 0.84)]), fill=ink)
    d.arc([s * 0.34, s * 0.16, s * 0.66, s * 0.62], 180, 360, fill=ink, width=int(s * 0.035))  # shoulder strap
    d.line([(s * 0.24, s * 0.46), (s * 0.76, s * 0.46)], fill=line, width=int(s * 0.01))  # hem
    d.rectangle([s * 0.42, s * 0.58, s * 0.58, s * 0.68], outline=line, width=int(s * 0.01))  # label


def _cap(d, s, ink, line) -> None:
    d.pieslice([s * 0.22, s * 0.30, s * 0.70, s * 0.78], 180, 360, fill=ink)  # crown
    d.polygon(_points(s, [(0.62, 0.52), (0.90, 0.56), (0.86, 0.60), (0.60, 0.58)]), fill=ink)  # peak
    d.rectangle([s * 0.22, s * 0.53, s * 0.64, s * 0.58], fill=line)  # band
    d.ellipse([s * 0.43, s * 0.27, s * 0.49, s * 0.33], fill=line)  # button
    d.line([(s * 0.46, s * 0.31), (s * 0.46, s * 0.54)], fill=line, width=int(s * 0.008))  # seam


DRAWINGS = {
    "T-Shirts": _tshirt,
    "Hoodies": _hoodie,
    "Jackets": _jacket,
    "Sneakers": _sneakers,
    "Boots": _boots,
    "Sandals": _sandals,
    "Kitchen": _mug,
    "Bedding": _duvet,
    "Bags": _tote,
    "Hats": _cap,
}


def _shape(draw: ImageDraw.ImageDraw, kind: str, ink, size: int) -> None:
    """A simple picture of the kind of product (its category), in the variant's colour."""
    drawing = DRAWINGS.get(kind)
    if drawing is None:
        draw.rounded_rectangle([size * 0.22, size * 0.30, size * 0.78, size * 0.70], radius=int(size * 0.05), fill=ink)
        return
    drawing(draw, size, ink, _detail(ink))


def demo_image_paths(*, kind: str, colour: str) -> tuple[str, str]:
    """Storage paths of a generated image + thumbnail for (category, colour), made once.

    Many products share one generated file, which keeps seeding fast (about 50 files for
    any catalog size)."""
    # "v2": one drawing per kind of product (v1 drew jackets and hoodies as T-shirts).
    slug = hashlib.sha1(f"v2|{kind}|{colour}".encode()).hexdigest()[:12]  # noqa: S324 - a file name, not security
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
