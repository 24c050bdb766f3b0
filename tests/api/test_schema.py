"""The OpenAPI schema is generated without warnings and validates against the OpenAPI 3
meta-schema; every documented operation is one of our /api/v1/ views."""

import json

from django.core.management import call_command


def test_schema_generates_without_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.json"
    # --fail-on-warn turns any drf-spectacular warning (unresolvable type, enum clash) into an error
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    assert schema["openapi"].startswith("3.")
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert len(operations) == 39
    # every operation documents the shared error body for 400/401/403/404/429
    for op in operations:
        for status in ("400", "401", "403", "404", "429"):
            ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error"
