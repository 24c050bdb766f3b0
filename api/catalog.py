"""Public catalog endpoints: categories, products (filters, search, pagination), product
detail with variants and stock (ETag), recommendations. Reads go through catalog.selectors."""

import hashlib

from django.http import Http404
from django.utils.http import quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from api.base import PublicView
from api.pagination import ApiPagination
from catalog.models import Category, Product, Variant
from catalog.recommendations import recommendations_for_product
from catalog.search import product_search, search_normalize
from catalog.selectors import SORTS, category_tree_info, listing_filters_from_query, product_detail, product_list


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


LISTING_PARAMETERS = [
    OpenApiParameter("category", str, description="Category slug (includes its sub-categories)."),
    OpenApiParameter("q", str, description="Full-text search (typo tolerant)."),
    OpenApiParameter("size", str, many=True, description="Variant size; repeat for several."),
    OpenApiParameter("colour", str, many=True, description="Variant colour; repeat for several."),
    OpenApiParameter("min_price", OpenApiTypes.DECIMAL),
    OpenApiParameter("max_price", OpenApiTypes.DECIMAL),
    OpenApiParameter("in_stock", bool),
    OpenApiParameter("sort", str, enum=list(SORTS)),
]


@extend_schema(parameters=LISTING_PARAMETERS)
class ProductList(PublicView, generics.ListAPIView):
    """Published products: category filter, attribute filters, search, sort, pagination.
    Malformed filter values are ignored (as on the storefront), never an error."""

    serializer_class = ProductCardSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        params = self.request.query_params
        filters = listing_filters_from_query(params)
        category_ids = None
        if params.get("category"):
            info = category_tree_info(slug=params["category"][:140])
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


class ProductRecommendations(PublicView):
    """'Frequently bought together' and 'You may also like' for a product."""

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description="Per kind, 1-12 (default 4).")],
        responses=RecommendationSerializer(many=True),
    )
    def get(self, request, slug: str):
        product = product_detail(slug=slug[:220])
        if product is None:
            raise Http404
        try:
            limit = max(1, min(int(request.query_params.get("limit", 4)), 12))
        except ValueError:
            limit = 4
        grouped = recommendations_for_product(product, limit)
        items = [item for kind in sorted(grouped) for item in grouped[kind]]
        return Response(RecommendationSerializer(items, many=True).data)
