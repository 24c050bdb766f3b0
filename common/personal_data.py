"""Registry of personal data (R13): every app says which of its models can hold a person's
data and how to erase it.

Each app registers from its `AppConfig.ready()`:

    personal_data_register(
        "service_console",
        holds=("service_console.Case", "service_console.CaseMessage"),  # text/JSON that can name them
        linked=("service_console.CaseAssignment",),  # rows about them (by foreign key), no identifying text
        erase=cases_erase,                       # fn(subject: ErasureSubject) -> None
        without=("service_console.Article",),    # reviewed: holds no one's personal data
    )

`customers.erasure.customer_erase` runs every registered `erase` in one transaction.
`tests/privacy/test_erasure_scan.py` fails for any model with text/JSON columns that no
app has declared (in `holds`, `linked` or `without`), fills every `holds` model with one
customer's data (tests/privacy/fillers.py: a new app adds its filler there), erases, and
scans every text/varchar/JSON column of every table in the database for what is left.

This module sits in `common` (the lowest layer) so any app can register without importing
the apps above it; it knows nothing about customers beyond the identifiers it is given.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

REDACTED = "[erased]"
_MIN_NAME_LENGTH = 3  # shorter names ("Al") would redact ordinary words
_PHONE_TAIL_DIGITS = 9  # enough to identify a number written in any national/international format


@dataclass(frozen=True)
class ErasureSubject:
    """Who is being erased: the customer row and the identifiers captured *before* any app
    replaced them, so every app can find and redact copies (including free text quoting them)."""

    customer: Any
    email: str
    replacement_email: str
    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    address_lines: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()  # social/chat handles known to belong to the customer
    _patterns: tuple[re.Pattern, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self):
        literals = {self.email.strip().lower()} if self.email.strip() else set()
        literals |= {name.strip().lower() for name in self.names if len(name.strip()) >= _MIN_NAME_LENGTH}
        literals |= {line.strip().lower() for line in self.address_lines if len(line.strip()) >= _MIN_NAME_LENGTH}
        literals |= {handle.strip().lstrip("@").lower() for handle in self.handles if handle.strip().lstrip("@")}
        patterns = [re.compile(re.escape(text), re.IGNORECASE) for text in sorted(literals, key=len, reverse=True)]
        for digits in self.phone_tails():
            # The number's last digits with any separators between them: "090-7316 4825", "(90) 73164825".
            patterns.append(re.compile(r"\+?" + r"[\s\-().]*".join(digits)))
        object.__setattr__(self, "_patterns", tuple(patterns))

    def phone_tails(self) -> list[str]:
        tails = []
        for phone in self.phones:
            digits = re.sub(r"\D", "", phone or "")
            if len(digits) >= 7:
                tails.append(digits[-_PHONE_TAIL_DIGITS:])
        return sorted(set(tails))

    def literals(self) -> list[str]:
        """The literal identifiers (email, names, address lines, handles), for finding rows that
        mention the customer without a foreign key to them."""
        texts = {self.email.strip()} if self.email.strip() else set()
        texts |= {n.strip() for n in self.names if len(n.strip()) >= _MIN_NAME_LENGTH}
        texts |= {a.strip() for a in self.address_lines if len(a.strip()) >= _MIN_NAME_LENGTH}
        texts |= {h.strip().lstrip("@") for h in self.handles if h.strip().lstrip("@")}
        return sorted(texts)

    def mentions(self, text: str | None) -> bool:
        return bool(text) and any(pattern.search(text) for pattern in self._patterns)

    def redact(self, text: str | None) -> str:
        """`text` with every identifier of the subject replaced by "[erased]"."""
        if not text:
            return text or ""
        for pattern in self._patterns:
            text = pattern.sub(REDACTED, text)
        return text

    def redact_json(self, value):
        """A copy of a JSON value (dict/list/str/...) with identifiers redacted in keys and values."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_json(item) for item in value]
        if isinstance(value, dict):
            return {self.redact(key): self.redact_json(item) for key, item in value.items()}
        return value


Eraser = Callable[[ErasureSubject], Any]


@dataclass(frozen=True)
class PersonalDataRegistration:
    app_label: str
    holds: tuple[str, ...]  # "app_label.ModelName" of models whose text/JSON can hold personal data
    erase: Eraser | None
    linked: tuple[str, ...] = ()  # rows about a person (foreign key) without identifying text
    without: tuple[str, ...] = ()  # reviewed: these models hold no one's personal data
    order: int = 100  # erasers run in ascending order (customers' own record last)


_registry: dict[str, PersonalDataRegistration] = {}


def personal_data_register(
    app_label: str,
    *,
    holds: Iterable[str] = (),
    erase: Eraser | None = None,
    linked: Iterable[str] = (),
    without: Iterable[str] = (),
    order: int = 100,
) -> None:
    """Declare what an app holds and how to erase it. Call from AppConfig.ready();
    registering the same app again replaces its entry (autoreload, tests)."""
    holds, linked = tuple(holds), tuple(linked)
    if (holds or linked) and erase is None:
        raise ValueError(f"{app_label}: models that hold personal data need an erase function")
    _registry[app_label] = PersonalDataRegistration(
        app_label=app_label, holds=holds, erase=erase, linked=linked, without=tuple(without), order=order
    )


def personal_data_registrations() -> list[PersonalDataRegistration]:
    return sorted(_registry.values(), key=lambda registration: (registration.order, registration.app_label))


def personal_data_declared() -> dict[str, str]:
    """model label (lower case) -> "holds", "linked" or "without", over every registration."""
    declared: dict[str, str] = {}
    for registration in _registry.values():
        declared.update({label.lower(): "without" for label in registration.without})
        declared.update({label.lower(): "linked" for label in registration.linked})
        declared.update({label.lower(): "holds" for label in registration.holds})
    return declared


def mentioning(queryset, subject: ErasureSubject, fields: Iterable[str], *, also=None):
    """Rows of `queryset` whose text/JSON `fields` mention the subject (email, names, address
    lines, handles case-insensitively; phone numbers by their last digits in any format).
    For rows that copy a person's data without a foreign key to them. `also`: a Q for rows
    to include anyway (e.g. those linked to the customer)."""
    from django.db.models import F, Func, Q, TextField, Value
    from django.db.models.functions import Cast

    condition = also if also is not None else Q(pk__in=[])
    annotations = {}
    texts = subject.literals()
    for index, name in enumerate(fields):
        as_text = f"_pd_text_{index}"
        annotations[as_text] = Cast(F(name), TextField())
        for text in texts:
            condition |= Q(**{f"{as_text}__icontains": text})
        if subject.phone_tails():
            digits = f"_pd_digits_{index}"
            annotations[digits] = Func(
                Cast(F(name), TextField()),
                Value(r"\D"),
                Value(""),
                Value("g"),
                function="regexp_replace",
                output_field=TextField(),
            )
            for tail in subject.phone_tails():
                condition |= Q(**{f"{digits}__contains": tail})
    return queryset.annotate(**annotations).filter(condition)


def redact_rows(queryset, subject: ErasureSubject, fields: Iterable[str]) -> int:
    """Redact the subject's identifiers in `fields` (text or JSON) of every row of `queryset`,
    with one UPDATE per changed row (no save() hooks). Returns the number of rows changed."""
    fields = list(fields)
    changed = 0
    for row in queryset.values("pk", *fields):
        updates = {}
        for name in fields:
            value = row[name]
            redacted = subject.redact_json(value) if isinstance(value, dict | list) else subject.redact(value)
            if value is not None and redacted != value:
                updates[name] = redacted
        if updates:
            changed += queryset.model._default_manager.filter(pk=row["pk"]).update(**updates)
    return changed
