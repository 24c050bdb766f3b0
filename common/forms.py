"""Input validation every view shares (R11: hostile input is a 4xx or a form error, never
a 500). Views read request.GET/POST only through forms built from these fields:

- `IdField`: a database id (positive, within bigint), so "abc", "-1" and 10**20 never reach
  a query.
- `TextField`: Django's CharField (which already refuses NUL with
  ProhibitNullCharactersValidator) with a length limit that cuts instead of failing, for
  free text such as search queries.
- `TextListField`: a repeated parameter (?size=M&size=L) as a tuple of such texts.
- `QueryForm`: a form over a query string where a value that does not validate is
  ignored (the field keeps its initial value): a bad filter or ?page= never becomes an
  error page, and `dropped` says what was ignored.
- `safe_redirect_target`: a `next`/Referer value usable in a redirect (same host), else "".
"""

from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme

ID_MAX = 2**63 - 1  # Postgres bigint


class IdField(forms.IntegerField):
    """A database id: a whole number from 1 to bigint's maximum."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class TextField(forms.CharField):
    """A CharField whose `max_length` trims the value instead of refusing it (a 1 MB search
    is cut to its first characters); NUL is still refused (Django's validator)."""

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.cut_at = max_length

    def to_python(self, value):
        if isinstance(value, str):
            value = value[: self.cut_at * 2]  # bound the work before stripping
        value = super().to_python(value)
        return value[: self.cut_at].strip() if isinstance(value, str) else value


class TextListField(forms.Field):
    """Every value of a repeated parameter, trimmed, empty ones dropped, distinct, sorted,
    at most `max_items` of at most `max_length` characters; NUL refused."""

    widget = forms.MultipleHiddenInput
    default_validators = [ProhibitNullCharactersValidator()]

    def __init__(self, *, max_items: int = 10, max_length: int = 32, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", ())
        super().__init__(**kwargs)
        self.max_items = max_items
        self.max_length = max_length

    def to_python(self, value) -> tuple[str, ...]:
        if not value:
            return ()
        if isinstance(value, str):
            value = [value]
        items = {str(v).strip()[: self.max_length] for v in value[: self.max_items * 4]}
        return tuple(sorted(item for item in items if item))[: self.max_items]

    def run_validators(self, value):
        for item in value:
            super().run_validators(item)


class QueryForm(forms.Form):
    """A form over request.GET that ignores what does not validate. Always bound (an absent
    query string is an empty one); read `values` instead of `cleaned_data`."""

    def __init__(self, data=None, **kwargs):
        super().__init__(data if data is not None else {}, **kwargs)

    @cached_property
    def values(self) -> dict:
        self.is_valid()
        values = {}
        for name, field in self.fields.items():
            if name in self.errors or name not in self.cleaned_data:
                values[name] = self.get_initial_for_field(field, name)
            else:
                values[name] = self.cleaned_data[name]
        return values

    @property
    def dropped(self) -> list[str]:
        """Fields whose given value was ignored."""
        self.is_valid()
        return [name for name in self.fields if name in self.errors]


def safe_redirect_target(request, value: str | None) -> str:
    """`value` if it is a path or URL on this site (and free of NUL), else ""."""
    if not value or not isinstance(value, str) or "\x00" in value or len(value) > 2000:
        return ""
    if url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return ""


class PageForm(QueryForm):
    """?page= of a paginated list (anything else is page 1)."""

    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000, initial=1)


class SearchForm(QueryForm):
    """?q= of a search box: trimmed, cut at 200 characters; NUL makes it an empty search."""

    q = TextField(max_length=200, initial="")


class NextForm(QueryForm):
    """?next= where to go after a form (check it with safe_redirect_target)."""

    next = forms.CharField(required=False, max_length=2000, initial="")
