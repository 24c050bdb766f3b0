"""URL path converters shared by every app's urls.py (registered in CommonConfig.ready)."""


class CodeConverter:
    """A human-facing identifier such as an order or case number ("UC-7KQ2-M9XD",
    "CS-000042"): letters, digits, "-" and "_", at most 64 characters. Anything else
    (NUL, "%FF", a 2,000-character string) does not match the route, so it is a 404
    before any view or query sees it."""

    regex = "[A-Za-z0-9][A-Za-z0-9_-]{0,63}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)
