"""Demo catalog for `manage.py seed_demo`: categories, products and variants with stock.

Names, descriptions and category names are written in English and Japanese (the Japanese
UI shows 「クラシックジャケット」). Prices follow the deployment's currency: dollars with
.00/.95 endings, or — with CURRENCY=JPY — yen the way Japanese shops price (¥3,980,
¥12,800), plus a food aisle (tea, sweets) at the reduced consumption-tax rate."""

import random
from decimal import ROUND_CEILING, Decimal

from django.conf import settings
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
# Yen ranges (tax included, as prices are shown in Japan); rounded to x,x80 / x,x00.
PRICE_RANGES_JPY = {
    "T-Shirts": (1990, 4900),
    "Hoodies": (4900, 9800),
    "Jackets": (9800, 29800),
    "Sneakers": (6900, 16800),
    "Boots": (12800, 29800),
    "Sandals": (2980, 7900),
    "Kitchen": (1200, 3200),
    "Bedding": (7900, 19800),
    "Bags": (2500, 6900),
    "Hats": (1980, 4500),
}
SIZES = {"Clothing": ["S", "M", "L", "XL"], "Shoes": ["24", "25", "26", "27", "28"]}
COLOURS = ["Black", "White", "Navy", "Olive", "Sand"]

CATEGORIES_JA = {
    "Clothing": "ウェア",
    "T-Shirts": "Tシャツ",
    "Hoodies": "パーカー",
    "Jackets": "ジャケット",
    "Shoes": "シューズ",
    "Sneakers": "スニーカー",
    "Boots": "ブーツ",
    "Sandals": "サンダル",
    "Home": "ホーム",
    "Kitchen": "キッチン",
    "Bedding": "寝具",
    "Accessories": "小物",
    "Bags": "バッグ",
    "Hats": "帽子",
    "Food": "食品",
    "Tea": "お茶",
    "Sweets": "お菓子",
}
ADJECTIVES_JA = {
    "Everyday": "デイリー",
    "Classic": "クラシック",
    "Organic": "オーガニック",
    "Lightweight": "軽量",
    "Heritage": "ヘリテージ",
    "Urban": "アーバン",
    "Soft": "やわらか",
    "Trail": "トレイル",
    "Minimal": "ミニマル",
    "Cosy": "あったか",
}
NOUNS_JA = {
    "T-Shirt": "Tシャツ",
    "Hoodie": "パーカー",
    "Jacket": "ジャケット",
    "Sneakers": "スニーカー",
    "Boots": "ブーツ",
    "Sandals": "サンダル",
    "Ceramic Mug": "陶器のマグカップ",
    "Linen Duvet Cover": "リネンの掛け布団カバー",
    "Tote Bag": "トートバッグ",
    "Cap": "キャップ",
}
# Colours as written in a Japanese description (黒 so that 「黒いジャケット」 finds it).
COLOURS_JA = {"Black": "黒", "White": "白", "Navy": "紺", "Olive": "オリーブ", "Sand": "ベージュ"}
# A food aisle for the yen shop: reduced consumption-tax rate (8 %), prices tax included.
FOOD_JPY = [
    # slug, English name, Japanese name, leaf, price, English description, Japanese description
    (
        "demo-sencha-green-tea",
        "Shizuoka Sencha Green Tea 100g",
        "静岡県産 煎茶 100g",
        "Tea",
        "1080",
        "First-flush sencha from Shizuoka: bright, grassy and sweet.",
        "静岡県産の一番茶。すっきりとした甘みと爽やかな香りが特長です。",
    ),
    (
        "demo-hojicha",
        "Roasted Hojicha 80g",
        "香ばしほうじ茶 80g",
        "Tea",
        "864",
        "Roasted green tea, low in caffeine: good after dinner.",
        "じっくり焙煎した香ばしいほうじ茶。カフェイン控えめで夕食後にもおすすめです。",
    ),
    (
        "demo-matcha",
        "Uji Matcha 30g",
        "宇治抹茶 30g",
        "Tea",
        "2160",
        "Stone-ground matcha from Uji for tea or baking.",
        "宇治産の石臼挽き抹茶。お点前にもお菓子作りにもお使いいただけます。",
    ),
    (
        "demo-senbei",
        "Soy Sauce Rice Crackers (12)",
        "醤油せんべい 12枚入",
        "Sweets",
        "648",
        "Crisp rice crackers glazed with soy sauce.",
        "香ばしい醤油味の手焼きせんべいです。",
    ),
    (
        "demo-yokan",
        "Red Bean Yokan",
        "小豆ようかん",
        "Sweets",
        "1296",
        "Smooth red bean jelly, a classic with green tea.",
        "なめらかな口どけの小豆ようかん。緑茶によく合う定番の和菓子です。",
    ),
]


def _yen(low: int, high: int, rng: random.Random) -> Decimal:
    """A believable yen price in [low, high]: ¥3,980, ¥12,800 (tax included)."""
    price = rng.randint(low, high)
    price = (price // 100) * 100 + (80 if price < 10000 and rng.random() < 0.6 else 0)
    return Decimal(max(price, low - low % 100))


def seed_categories() -> dict[str, Category]:
    leaves = {}
    for position, (top, children) in enumerate(CATEGORIES.items()):
        parent, _ = Category.objects.get_or_create(
            slug=slugify(top), defaults={"name_en": top, "name_ja": CATEGORIES_JA.get(top), "position": position}
        )
        for child_position, child in enumerate(children):
            leaf, _ = Category.objects.get_or_create(
                slug=slugify(child),
                defaults={
                    "name_en": child,
                    "name_ja": CATEGORIES_JA.get(child),
                    "parent": parent,
                    "position": child_position,
                },
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
        top = leaf.parent.name_en if leaf.parent else leaf.name_en
        if settings.CURRENCY == "JPY":
            base = _yen(*PRICE_RANGES_JPY[leaf_name], rng)
        else:
            low, high = PRICE_RANGES[leaf_name]
            base = Decimal(rng.randint(low, high)) - rng.choice([Decimal("0"), Decimal("0.05")])
        sizes = SIZES.get(top, [""])
        colours = rng.sample(COLOURS, k=2 if top != "Home" else 1)
        name_ja = _japanese_name(name)
        colours_ja = "・".join(COLOURS_JA[c] for c in colours)
        product = Product.objects.create(
            category=leaf,
            name_en=name,
            name_ja=name_ja,
            slug=slug,
            is_published=True,
            is_featured=i < 8,
            description_en=(
                f"{name}: a {noun.lower()} from our {leaf.name_en.lower()} range. Made to last, easy to care for."
            ),
            description_ja=(
                f"{name_ja}。{CATEGORIES_JA[leaf_name]}コレクションの定番アイテムです。"
                f"カラーは{colours_ja}。長く使えて、お手入れも簡単です。"
            ),
            size_guide="Fits true to size. Between sizes? Choose the larger one." if top in SIZES else "",
        )
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
                        compare_at_price=_was_price(base) if i % 7 == 0 else None,
                        stock=stock,
                        weight_grams=rng.randint(100, 1500),
                    )
                )
        Variant.objects.bulk_create(variants)
        progress.update(1)
    if settings.CURRENCY == "JPY":
        seed_food_jpy()
    return Product.objects.count()


def _japanese_name(name: str) -> str:
    """「クラシックジャケット」 from "Classic Jacket" (and "… 2" for the numbered repeats)."""
    words = name.split(" ")
    adjective, rest = words[0], " ".join(words[1:])
    number = ""
    if rest and rest.split(" ")[-1].isdigit():
        rest, number = rest.rsplit(" ", 1)
        number = f" {number}"
    return f"{ADJECTIVES_JA.get(adjective, adjective)}{NOUNS_JA.get(rest, rest)}{number}"


def _was_price(base: Decimal) -> Decimal:
    if settings.CURRENCY == "JPY":
        return (base * Decimal("1.25") / 100).quantize(Decimal("1"), ROUND_CEILING) * 100
    return (base * Decimal("1.25")).quantize(Decimal("1"), ROUND_CEILING) - Decimal("0.05")


def seed_food_jpy() -> None:
    """The yen shop's food aisle: tea and sweets at the reduced tax rate (軽減税率 8 %)."""
    food, _ = Category.objects.get_or_create(
        slug="food", defaults={"name_en": "Food", "name_ja": CATEGORIES_JA["Food"], "position": 10}
    )
    leaves = {}
    for position, leaf in enumerate(("Tea", "Sweets")):
        leaves[leaf], _ = Category.objects.get_or_create(
            slug=slugify(leaf),
            defaults={"name_en": leaf, "name_ja": CATEGORIES_JA[leaf], "parent": food, "position": position},
        )
    for n, (slug, name_en, name_ja, leaf, price, text_en, text_ja) in enumerate(FOOD_JPY):
        if Product.objects.filter(slug=slug).exists():
            continue
        product = Product.objects.create(
            category=leaves[leaf],
            name_en=name_en,
            name_ja=name_ja,
            slug=slug,
            description_en=text_en,
            description_ja=text_ja,
            is_published=True,
            is_featured=n == 0,
            tax_class=Product.TaxClass.REDUCED,
        )
        Variant.objects.create(product=product, sku=f"FOOD-{n:03d}", price=Decimal(price), stock=60, weight_grams=150)


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


def japanese_backfill() -> int:
    """Demo rows seeded before the catalog was bilingual get their Japanese names (only
    where none was written: an edited translation is kept)."""
    filled = 0
    for category in Category.objects.filter(name_ja__isnull=True, name_en__in=list(CATEGORIES_JA)):
        Category.objects.filter(pk=category.pk).update(name_ja=CATEGORIES_JA[category.name_en])
        filled += 1
    for pk, name_en in Product.objects.filter(slug__startswith="demo-", name_ja__isnull=True).values_list(
        "pk", "name_en"
    ):
        Product.objects.filter(pk=pk).update(name_ja=_japanese_name(name_en or ""))
        filled += 1
    return filled


def seed(stdout, disable_progress: bool) -> None:
    """EXTRA_SEEDERS entry: images, search index, browsing history, recommendations."""
    from catalog.recommendations import recommendations_recompute
    from catalog.search import search_index_refresh

    japanese_backfill()
    images = seed_images()
    search_index_refresh()
    views = seed_views(random.Random(11))
    recos = recommendations_recompute()
    stdout.write(f"catalog: {images} images, {views} product views, {recos} recommendations\n")
