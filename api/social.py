"""Social ingest: integrations push posts mentioning the brand; they are stored and a worker
classifies them into cases (social.services)."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from api.base import ApiView, validated
from api.fields import StrictCharField, StrictChoiceField, StrictRegexField, StrictURLField
from api.permissions import HasSocialWriteScope
from social.models import SocialPost
from social.services import social_post_receive


class SocialPostInSerializer(serializers.ModelSerializer):
    platform = StrictChoiceField(choices=SocialPost.Platform.choices)
    handle = StrictRegexField(r"^@?[\w.\-]{1,99}$", max_length=100, help_text="Account handle, with or without @.")
    text = StrictCharField(max_length=5000)
    url = StrictURLField(max_length=500, required=False, allow_blank=True, default="")

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
        """Store a social post (token with scope social:write); a worker then classifies it and
        opens a case when it needs one. The same platform + url again returns the stored post
        with 200 instead of a duplicate."""
        data = validated(SocialPostInSerializer, request.data)
        received = social_post_receive(
            platform=data["platform"],
            handle=data["handle"],
            text=data["text"],
            url=data["url"],
            posted_at=data["posted_at"],
            source=request.auth.name if request.auth is not None else "",
        )
        return Response(
            SocialPostOutSerializer(received.post).data,
            status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK,
        )
