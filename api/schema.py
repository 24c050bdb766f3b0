"""OpenAPI pieces: the error body component, the bearer-token security scheme and an
AutoSchema that documents the shared error responses on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. validation_error, cart_conflict, out_of_stock.")
    message = serializers.CharField(help_text="Human-readable explanation, fit to show to a person.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field-level messages keyed by field name ('shipping_address.city' for nested ones).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_EXAMPLES = {
    "400": OpenApiExample(
        "Validation error",
        value={
            "error": {
                "code": "validation_error",
                "message": "Some fields are not valid.",
                "fields": {"quantity": ["Ensure this value is greater than or equal to 1."]},
            }
        },
        response_only=True,
        status_codes=["400"],
    ),
    "409": OpenApiExample(
        "Stale cart version",
        value={
            "error": {
                "code": "cart_conflict",
                "message": "This cart changed (version 5, you saw 4). Reload it to see the latest and try again.",
                "fields": {},
            }
        },
        response_only=True,
        status_codes=["409"],
    ),
}

# Statuses every operation may answer with the error body.
COMMON_ERRORS = {
    "400": "Invalid request: see error.fields",
    "401": "Missing or invalid token",
    "403": "Not allowed (role or token scope)",
    "404": "Not found (or not yours)",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "415": "Unsupported media type",
    "429": "Too many requests (throttled)",
}


TAGS = {"catalog": "catalog", "carts": "cart", "orders": "checkout & orders", "customers": "account", "cases": "cases"}


class ApiAutoSchema(AutoSchema):
    """Adds the shared error responses (one body format) to every operation. Views list
    their domain-specific ones (409, 402, 422…) with `extra_errors`."""

    def get_tags(self) -> list[str]:
        view = type(self.view)
        if view.__name__.startswith("Staff"):
            return ["staff"]
        module = view.__module__.rsplit(".", 1)[-1]
        return [TAGS.get(module, module)]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra = getattr(self.view, "extra_errors", {}).get(self.method.lower(), {})
        for code, description in {**COMMON_ERRORS, **extra}.items():
            if code not in responses:
                example = ERROR_EXAMPLES.get(code)
                body = OpenApiResponse(ErrorSerializer, examples=[example]) if example else ErrorSerializer
                response = self._get_response_for_code(body, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.IntegrationTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "uc_<prefix>_<secret>",
            "description": "An integration or personal token created in admin (shown once).",
        }
