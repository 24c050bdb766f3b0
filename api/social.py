"""Social ingest: integrations push posts mentioning the brand (classification into cases
is the conversations work; here posts are validated and stored)."""

from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from api.base import ApiView, validated
from api.models import SocialPost
from api.permissions import HasSocialWriteScope


class SocialPostInSerializer(serializers.ModelSerializer):
    platform = serializers.ChoiceField(choices=SocialPost.Platform.choices)
    handle = serializers.RegexField(
        r"^@?[\w.\-]{1,99}$", max_length=100, help_text="Account handle, with or without @."
    )
    text = serializers.CharField(max_length=5000)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")

    class Meta:
        model = SocialPost
        fields = ["platform", "handle", "text", "url", "posted_at"]
        validators = []  # a repeat of platform + url is answered with the stored post, not a 400


class SocialPostOutSerializer(serializers.ModelSerializer):
    url = serializers.CharField()  # may be empty, so not format "uri"

    class Meta:
        model = SocialPost
        fields = ["id", "platform", "handle", "text", "url", "posted_at", "received_at"]


class SocialPosts(ApiView):
    permission_classes = [HasSocialWriteScope]

    @extend_schema(
        request=SocialPostInSerializer,
        responses={201: SocialPostOutSerializer, 200: SocialPostOutSerializer},
        examples=[
            OpenApiExample(
                "Instagram comment",
                request_only=True,
                value={
                    "platform": "instagram",
                    "handle": "@ana.shops",
                    "text": "My parcel arrived damaged :(",
                    "url": "https://instagram.com/p/abc123",
                    "posted_at": "2026-11-23T10:15:00Z",
                },
            )
        ],
    )
    def post(self, request):
        """Store a social post (token with scope social:write). The same platform + url again
        returns the stored post with 200 instead of a duplicate."""
        data = validated(SocialPostInSerializer, request.data)
        data["handle"] = data["handle"].lstrip("@").lower()
        if data["url"]:
            existing = SocialPost.objects.filter(platform=data["platform"], url=data["url"]).first()
            if existing is not None:
                return Response(SocialPostOutSerializer(existing).data, status=status.HTTP_200_OK)
        try:
            with transaction.atomic():
                post = SocialPost.objects.create(token=request.auth, **data)
        except IntegrityError:  # a concurrent push of the same post won
            post = SocialPost.objects.get(platform=data["platform"], url=data["url"])
            return Response(SocialPostOutSerializer(post).data, status=status.HTTP_200_OK)
        return Response(SocialPostOutSerializer(post).data, status=status.HTTP_201_CREATED)
