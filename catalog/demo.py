"""Demo catalog for `manage.py seed_demo`: categories, products and variants with stock."""

import random
from decimal import ROUND_CEILING, Decimal

from django.utils.text import slugify

from catalog.models import Category, Product, Variant

CATEGORIES = {
    "Clothing": ["T-Shirts", "Hoodies", "Jackets"],
    "Shoes": ["Sneakers", "Boots", "Sandals"],
    "Home": ["Kitchen", "Bedding"],
    "Accessories": ["Bags", "Hats"],
}
ADJECTIVES = ["Everyday", "Classic", "Organic", "Lightweight", "Heritage", "Urban", "Soft", "Trail", "Minimal", "Cosy"]
NOUNS = {
    "T-Shirts": "T-Shirt",
    "Hoodies": "Hoodie",
    "Jackets": "Jacket",
    "Sneakers": "Sneakers",
    "Boots": "Boots",
    "Sandals": "Sandals",
    "Kitchen": "Ceramic Mug",
    "Bedding": "Linen Duvet Cover",
    "Bags": "Tote Bag",
    "Hats": "Cap",
}
# Whole-dollar price ranges per kind of product (USD; ".00" or ".95" endings), so a mug
# costs what a mug costs and a jacket what a jacket costs.
PRICE_RANGES = {
    "T-Shirts": (18, 38),
    "Hoodies": (48, 85),
    "Jackets": (95, 220),
    "Sneakers": (65, 140),
    "Boots": (120, 240),
    "Sandals": (28, 70),
    "Kitchen": (12, 26),
    "Bedding": (79, 169),
    "Bags": (22, 55),
    "Hats": (18, 36),
}
SIZES = {"Clothing": ["S", "M", "L", "XL"], "Shoes": ["24", "25", "26", "27", "28"]}
COLOURS = ["Black", "White", "Navy", "Olive", "Sand"]


def seed_categories() -> dict[str, Category]:
    leaves = {}
    for position, (top, children) in enumerate(CATEGORIES.items()):
        parent, _ = Category.objects.get_or_create(slug=slugify(top), defaults={"name": top, "position": position})
        for child_position, child in enumerate(children):
            leaf, _ = Category.objects.get_or_create(
                slug=slugify(child), defaults={"name": child, "parent": parent, "position": child_position}
            )
            leaves[child] = leaf
    return leaves


def seed_products(count: int, progress) -> int:
    """Create up to `count` demo products (idempotent by slug). Returns how many exist."""
    rng = random.Random(7)
    leaves = seed_categories()
    existing = set(Product.objects.filter(slug__startswith="demo-").values_list("slug", flat=True))
    names = list(leaves)
    for i in range(count):
        leaf_name = names[i % len(names)]
        noun = NOUNS[leaf_name]
        name = f"{ADJECTIVES[(i // len(names)) % len(ADJECTIVES)]} {noun}"
        if i >= len(names) * len(ADJECTIVES):
            name = f"{name} {i // (len(names) * len(ADJECTIVES)) + 1}"
        slug = f"demo-{slugify(name)}"
        if slug in existing:
            progress.update(1)
            continue
        leaf = leaves[leaf_name]
        top = leaf.parent.name if leaf.parent else leaf.name
        product = Product.objects.create(
            category=leaf,
            name=name,
            slug=slug,
            is_published=True,
            is_featured=i < 8,
            description=f"{name}: a {noun.lower()} from our {leaf.name.lower()} range. Made to last, easy to care for.",
            size_guide="Fits true to size. Between sizes? Choose the larger one." if top in SIZES else "",
        )
        low, high = PRICE_RANGES[leaf_name]
        base = Decimal(rng.randint(low, high)) - rng.choice([Decimal("0"), Decimal("0.05")])
        sizes = SIZES.get(top, [""])
        colours = rng.sample(COLOURS, k=2 if top != "Home" else 1)
        variants = []
        for colour in colours:
            for size in sizes:
                stock = rng.choice([0, 2, 3, 8, 15, 40]) if i % 5 else rng.choice([8, 15, 40])
                variants.append(
                    Variant(
                        product=product,
                        sku=f"{slug[5:25].upper()}-{i}-{size or 'OS'}-{colour[:3].upper()}",
                        size=size,
                        colour=colour,
                        price=base.quantize(Decimal("0.01")),
                        compare_at_price=(
                            (base * Decimal("1.25")).quantize(Decimal("1"), ROUND_CEILING) - Decimal("0.05")
                            if i % 7 == 0
                            else None
                        ),
                        stock=stock,
                        weight_grams=rng.randint(100, 1500),
                    )
                )
        Variant.objects.bulk_create(variants)
        progress.update(1)
    return Product.objects.count()


def seed_images() -> int:
    """One image per colour for every product without images (shared generated files)."""
    from catalog.images import demo_image_paths
    from catalog.models import ProductImage

    rows = []
    products = (
        Product.objects.filter(images__isnull=True)
        .select_related("category")
        .prefetch_related("variants")
        .order_by("id")
    )
    for product in products.iterator(chunk_size=500):
        colours = list(dict.fromkeys(v.colour for v in product.variants.all())) or [""]
        for position, colour in enumerate(colours):
            name, thumb = demo_image_paths(kind=product.category.name, colour=colour)
            alt = f"{product.name} in {colour.lower()}" if colour else product.name
            rows.append(
                ProductImage(
                    product=product, image=name, thumbnail=thumb, alt_text=alt, colour=colour, position=position
                )
            )
    ProductImage.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def seed_views(rng: random.Random) -> int:
    """Browsing history for demo shoppers, so recommendations have something to work from."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from catalog.models import ProductView

    if ProductView.objects.exists():
        return 0
    by_category: dict[int, list[int]] = {}
    for pid, cid in Product.objects.filter(is_published=True).values_list("id", "category_id"):
        by_category.setdefault(cid, []).append(pid)
    if not by_category:
        return 0
    customer_ids = list(
        get_user_model().objects.filter(is_staff=False).order_by("id").values_list("id", flat=True)[:150]
    )
    now = timezone.now()
    rows = []
    categories = sorted(by_category)
    for n, customer_id in enumerate(customer_ids):
        home = categories[n % len(categories)]
        picks = rng.sample(by_category[home], k=min(3, len(by_category[home])))
        other = categories[(n * 7 + 3) % len(categories)]
        picks += rng.sample(by_category[other], k=min(1, len(by_category[other])))
        for i, pid in enumerate(picks):
            rows.append(
                ProductView(
                    product_id=pid,
                    customer_id=customer_id,
                    session_key="",
                    viewed_at=now - timedelta(hours=n, minutes=i),
                )
            )
    ProductView.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def seed(stdout, disable_progress: bool) -> None:
    """EXTRA_SEEDERS entry: images, search index, browsing history, recommendations."""
    from catalog.recommendations import recommendations_recompute
    from catalog.search import search_index_refresh

    images = seed_images()
    search_index_refresh()
    views = seed_views(random.Random(11))
    recos = recommendations_recompute()
    stdout.write(f"catalog: {images} images, {views} product views, {recos} recommendations\n")
