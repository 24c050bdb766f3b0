"""Public catalog endpoints: categories, products (filters, search, pagination), product
detail with variants and stock (ETag), recommendations. Reads go through catalog.selectors."""

import hashlib

from django.http import Http404
from django.utils.http import quote_etag
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from api.base import PublicView, QuerySerializer, validated
from api.fields import StrictCharField, StrictDecimalField
from api.pagination import ApiPagination
from catalog.models import Category, Product, Variant
from catalog.recommendations import recommendations_for_product
from catalog.search import MAX_QUERY_LENGTH, product_search, search_normalize
from catalog.selectors import (
    SORTS,
    category_tree_info,
    listing_filters_from_values,
    product_detail,
    product_list,
)


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "parent", "position"]


class ProductCardSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField(source="category.slug")
    price_from = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    price_to = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    compare_at_price = serializers.DecimalField(source="compare_at", max_digits=12, decimal_places=2, allow_null=True)
    in_stock = serializers.SerializerMethodField()
    is_featured = serializers.BooleanField()

    def get_in_stock(self, product) -> bool:
        return (product.stock_total or 0) > 0


class VariantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = ["id", "sku", "size", "colour", "price", "compare_at_price", "stock"]


class ImageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    alt_text = serializers.CharField()
    colour = serializers.CharField()

    def get_url(self, image) -> str:
        return image.image.url if image.image else ""


class ProductDetailSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    size_guide = serializers.CharField()
    category = CategorySerializer()
    variants = VariantSerializer(many=True, source="active_variants")
    images = ImageSerializer(many=True, source="images.all")
    updated_at = serializers.DateTimeField()


class RecommendationSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reason = serializers.CharField()
    slug = serializers.CharField(source="product.slug")
    name = serializers.CharField(source="product.name")
    price_from = serializers.DecimalField(source="product.price_from", max_digits=12, decimal_places=2, allow_null=True)


class CategoryList(PublicView, generics.ListAPIView):
    """All categories (a flat list; `parent` is the parent's slug)."""

    serializer_class = CategorySerializer
    pagination_class = ApiPagination
    queryset = Category.objects.select_related("parent").order_by("position", "name", "id")


def _attribute_list(name: str) -> serializers.ListField:
    return serializers.ListField(
        child=StrictCharField(max_length=32),
        max_length=10,
        required=False,
        help_text=f"Variant {name}; repeat for several (at most 10).",
    )


def _price(help_text: str) -> StrictDecimalField:
    return StrictDecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, help_text=help_text)


class ProductListQuerySerializer(QuerySerializer):
    """The product list's query parameters (also its schema): a malformed value is a 400
    naming the parameter. Unknown parameters are ignored."""

    category = serializers.SlugField(
        max_length=140, required=False, help_text="Category slug (includes its sub-categories)."
    )
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH, required=False, allow_blank=True, help_text="Full-text search (typo tolerant)."
    )
    size = _attribute_list("size")
    colour = _attribute_list("colour")
    min_price = _price("Lowest price, e.g. 10 or 9.99.")
    max_price = _price("Highest price (with min_price above it, the two are swapped).")
    in_stock = serializers.BooleanField(required=False, help_text="Only products with stock.")
    sort = serializers.ChoiceField(choices=list(SORTS.items()), required=False)


@extend_schema(parameters=[ProductListQuerySerializer])
class ProductList(PublicView, generics.ListAPIView):
    """Published products: category filter, attribute filters, search, sort, pagination.
    A malformed filter, sort or page is a 400 naming the parameter (the storefront's pages,
    unlike the API, ignore it)."""

    serializer_class = ProductCardSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        params = validated(ProductListQuerySerializer, self.request.query_params)
        filters = listing_filters_from_values(params)
        category_ids = None
        if params.get("category"):
            info = category_tree_info(slug=params["category"])
            if info is None:
                raise Http404
            category_ids = info["ids"]
        query = search_normalize(params.get("q", ""))
        base = product_search(query=query) if query else None
        return product_list(filters=filters, category_ids=category_ids, base=base)


def _product_or_404(slug: str) -> Product:
    product = product_detail(slug=slug[:220])
    if product is None:
        raise Http404
    product.active_variants = list(product.variants.filter(is_active=True).order_by("id"))
    return product


class ProductDetail(PublicView):
    """One product with its active variants (price, stock) and images. Sends an ETag;
    `If-None-Match` with it answers 304."""

    @extend_schema(responses={200: ProductDetailSerializer, 304: None})
    def get(self, request, slug: str):
        product = _product_or_404(slug)
        data = ProductDetailSerializer(product).data
        stock = ",".join(f"{v.pk}:{v.stock}:{v.price}" for v in product.active_variants)
        etag = quote_etag(
            hashlib.sha256(f"{product.pk}:{product.updated_at.isoformat()}:{stock}".encode()).hexdigest()[:32]
        )
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = Response(status=304)
        else:
            response = Response(data)
        response["ETag"] = etag
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
        return response


class ProductRecommendationsQuerySerializer(QuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=12, default=4, help_text="Per kind (default 4).")


class ProductRecommendations(PublicView):
    """'Frequently bought together' and 'You may also like' for a product."""

    @extend_schema(parameters=[ProductRecommendationsQuerySerializer], responses=RecommendationSerializer(many=True))
    def get(self, request, slug: str):
        limit = validated(ProductRecommendationsQuerySerializer, request.query_params)["limit"]
        product = product_detail(slug=slug[:220])
        if product is None:
            raise Http404
        grouped = recommendations_for_product(product, limit)
        items = [item for kind in sorted(grouped) for item in grouped[kind]]
        return Response(RecommendationSerializer(items, many=True).data)
