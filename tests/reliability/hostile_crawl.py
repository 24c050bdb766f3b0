"""R11 crawler: every URL pattern of the site, as one role, with hostile values in every
path parameter, query parameter and form field a view reads. The answer must never be a
5xx (nor an exception escaping the view).

Which parameters a view reads is found, not listed: a test middleware replaces
request.GET/POST with a QueryDict that records every key a view (or its forms, whose
widgets call `data.get(name)`) asks for; pages are parsed for links, forms and htmx
attributes, which give valid path values, field names and default values (a valid
baseline, so that one hostile field at a time reaches the code behind the others).
A new view is therefore attacked as soon as its URL pattern exists.
"""

from __future__ import annotations

import re
import threading
import traceback
import urllib.parse
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.db import transaction
from django.http import QueryDict
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

# --- hostile values ------------------------------------------------------------------

MEGABYTE = "A" * 1_000_000
HOSTILE_VALUES: list[str | bytes] = [
    "\x00",  # Postgres text cannot hold NUL: must be refused by validation, not by the database
    b"\xff\xfe\xfd",  # not UTF-8 (sent percent-encoded)
    MEGABYTE,
    "abc",  # non-numeric where a number is expected
    "-1",
    "99999999999999999999",  # overflows bigint
    "NaN",  # Decimal("NaN") passes float()/Decimal() and raises on comparison
]
# A lighter set for routes outside a role's focus (see Crawl.focus).
LIGHT_VALUES: list[str | bytes] = ["\x00", "abc"]
# Path parameters: what each converter lets through to the view.
HOSTILE_PATH = {
    "int": ["0", "99999999999999999999"],
    "str": ["%00", "%FF%FE", "-1", "x" * 2000],
    "path": ["%00", "%FF%FE", "x" * 2000],
    "slug": ["-1", "x" * 2000],
    "uuid": ["00000000-0000-0000-0000-000000000000"],
}
HOSTILE_KEY = "\x00"  # a NUL parameter name

_ROOT = str(Path(__file__).resolve().parent.parent.parent) + "/"
_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


# --- which keys a view reads ----------------------------------------------------------

_reads = threading.local()


class RecordingQueryDict(QueryDict):
    """A QueryDict that notes each key looked up (per request, per GET/POST)."""

    _source = "?"

    def _note(self, key) -> None:
        log = getattr(_reads, "log", None)
        if log is not None and isinstance(key, str):
            log.add((self._source, key))

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


def _recording(source: QueryDict, tag: str) -> RecordingQueryDict:
    copy = RecordingQueryDict(mutable=True, encoding=source.encoding)
    for key, values in source.lists():
        copy.setlist(key, values)
    copy._mutable = False
    copy._source = tag
    return copy


class RecordReadsMiddleware:
    """First in MIDDLEWARE during the crawl (test settings only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _recording(request.GET, "GET")
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            request.POST = _recording(request.POST, "POST")
        return self.get_response(request)


# --- URL patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # full route string, e.g. "console/cases/<int:pk>/" (what ResolverMatch.route says)
    name: str
    converters: tuple[tuple[str, str], ...]  # (param, converter kind)

    def build(self, values: dict[str, str]) -> str:
        return "/" + _PARAM.sub(lambda m: values[m.group("name")], self.route)


def _converter_kind(converter) -> str:
    name = type(converter).__name__.replace("Converter", "").lower()
    return {"string": "str", "integer": "int"}.get(name, name)


def url_routes(*, exclude_prefixes: Iterable[str] = ()) -> list[Route]:
    """Every path() pattern reachable from ROOT_URLCONF (re_path patterns are skipped)."""
    routes: list[Route] = []

    def walk(patterns, prefix: str, converters: dict, namespace: str) -> None:
        for entry in patterns:
            pattern = entry.pattern
            if not hasattr(pattern, "_route"):  # RegexPattern (catch-alls, static)
                continue
            route = prefix + str(pattern._route)
            convs = {**converters, **pattern.converters}
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, convs, ns)
            elif isinstance(entry, URLPattern):
                if any(route.startswith(p) for p in exclude_prefixes):
                    continue
                params = tuple((name, _converter_kind(conv)) for name, conv in convs.items())
                routes.append(Route(route=route, name=f"{namespace}{entry.name or route}", converters=params))

    walk(get_resolver().url_patterns, "", {}, "")
    return routes


# --- what a page offers -----------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> default value
    names: set[str] = field(default_factory=set)  # every named control, buttons included


class PageParser(HTMLParser):
    """Links, forms (with default values) and htmx requests of one page."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_has_value = False
        self._textarea: str | None = None

    def _url(self, value: str | None) -> str:
        return urllib.parse.urljoin(self.page_url, value or self.page_url)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        for hx in ("hx-get", "hx-post"):
            if hx in a and tag != "form":
                method = hx[3:].upper()
                hx_form = Form(action=self._url(a[hx]), method=method)
                if a.get("name"):
                    hx_form.fields[a["name"]] = a.get("value", "")
                    hx_form.names.add(a["name"])
                self.forms.append(hx_form)
        if tag == "a" and a.get("href"):
            self.links.append(self._url(a["href"]))
        elif tag == "form":
            method = (a.get("method") or "get").upper()
            action = a.get("action")
            for hx in ("hx-post", "hx-get"):
                if hx in a:
                    method, action = hx[3:].upper(), a[hx]
            self._form = Form(action=self._url(action), method=method)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button") and a.get("name"):
            name, kind = a["name"], a.get("type", "text" if tag == "input" else "submit").lower()
            self._form.names.add(name)
            if kind in ("checkbox", "radio"):
                if "checked" in a or (kind == "radio" and name not in self._form.fields):
                    self._form.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset", "file", "password"):
                self._form.fields.setdefault(name, a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self._select, self._select_has_value = a["name"], False
            self._form.names.add(a["name"])
        elif tag == "option" and self._select:
            if not self._select_has_value or "selected" in a:
                self._form.fields[self._select] = a.get("value", "")
                self._select_has_value = True
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.names.add(a["name"])
            self._form.fields[a["name"]] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# --- the crawl ----------------------------------------------------------------------------


@dataclass
class Finding:
    method: str
    url: str
    detail: str

    def __str__(self) -> str:
        return f"{self.method} {self.url[:160]} -> {self.detail}"


@dataclass
class Crawl:
    """One role's crawl. `client` is a Django test Client already signed in (or not)."""

    client: object
    routes: list[Route]
    fallback_values: dict[str, str]  # path param name -> a valid value, when no link gives one
    prepare: Callable[[Route], None] = lambda route: None  # per route, before its attack
    skip_methods: dict[str, set[str]] = field(default_factory=dict)  # route name -> methods not to send
    allowed_5xx: dict[str, set[int]] = field(default_factory=dict)  # route name -> statuses that are the answer
    # Routes this role attacks with every hostile value; the others get LIGHT_VALUES (the
    # same view as another role is mostly the same code: this keeps the crawl inside R11's time).
    focus: Callable[[Route], bool] = lambda route: True
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    paths: dict[str, str] = field(default_factory=dict)  # route -> a valid concrete path
    # Keys every request reads (middleware, e.g. utm_*): attacked on the first route only.
    common_keys: set[tuple[str, str]] = field(default_factory=set)
    common_done: bool = False
    forms: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (route, method) -> defaults
    names: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (route, method) -> field names

    # -- low level

    def send(self, method: str, path: str, query: dict | None = None, body: dict | None = None, *, htmx=False):
        """One request inside a savepoint (a database error must not poison the test's
        transaction). Returns (response or None, keys read)."""
        qs = urllib.parse.urlencode(query or {}, doseq=False)
        url = f"{path}?{qs}" if qs else path
        data = urllib.parse.urlencode(body or {}) if method == "POST" else ""
        headers = {"HX-Request": "true"} if htmx else {}
        _reads.log = set()
        self.requests += 1
        try:
            with transaction.atomic():
                response = self.client.generic(
                    method, url, data=data, content_type="application/x-www-form-urlencoded", headers=headers
                )
        except Exception as exc:  # noqa: BLE001 - any escaping exception is a finding
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [f for f in frames if f.filename.startswith(_ROOT) and "/.venv/" not in f.filename] or frames
            where = f"{ours[-1].filename.removeprefix(_ROOT)}:{ours[-1].lineno}"
            self.findings.append(Finding(method, url, f"{type(exc).__name__}: {str(exc)[:120]} at {where}"))
            return None, _reads.log
        keys = _reads.log
        _reads.log = None
        if response.status_code >= 500 and response.status_code not in self._allowed(response):
            self.findings.append(Finding(method, url, f"HTTP {response.status_code}"))
        return response, keys

    def _allowed(self, response) -> set[int]:
        try:
            return self.allowed_5xx.get(response.resolver_match.view_name, set())
        except Resolver404:
            return set()

    def _match(self, url: str):
        parts = urllib.parse.urlsplit(url)
        if parts.netloc and parts.netloc not in ("testserver", "localhost"):
            return None, None
        try:
            match = resolve(urllib.parse.unquote(parts.path))
        except Resolver404:
            return None, None
        return match, parts

    # -- discovery

    def _learn(self, page_path: str, response) -> list[str]:
        """Record links/forms of an HTML page; return concrete paths of newly seen routes."""
        if response is None or response.status_code != 200:
            return []
        if "html" not in response.get("Content-Type", ""):
            return []
        parser = PageParser("http://testserver" + page_path)
        parser.feed(response.content.decode("utf-8", "replace"))
        new: list[str] = []
        for url in parser.links:
            match, parts = self._match(url)
            if match is None:
                continue
            if match.route not in self.paths:
                self.paths[match.route] = parts.path
                new.append(parts.path)
            names = self.names.setdefault((match.route, "GET"), set())
            names.update(urllib.parse.parse_qs(parts.query, keep_blank_values=True))
        for form in parser.forms:
            match, parts = self._match(form.action)
            if match is None:
                continue
            if match.route not in self.paths:
                self.paths[match.route] = parts.path
                new.append(parts.path)
            defaults = self.forms.setdefault((match.route, form.method), {})
            for name, value in form.fields.items():
                defaults.setdefault(name, value)
            self.names.setdefault((match.route, form.method), set()).update(form.names, form.fields)
        return new

    def discover(self) -> None:
        """Breadth-first GET of every reachable route, collecting valid paths and forms."""
        _, self.common_keys = self.send("GET", "/", query={"crawl": "1"})
        by_route = {r.route: r for r in self.routes}
        queue: deque[str] = deque()
        for route in self.routes:
            if not route.converters:
                self.paths.setdefault(route.route, route.build({}))
                queue.append(route.build({}))
        seen: set[str] = set()
        while queue:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            match, _ = self._match(path)
            if match is None or match.route not in by_route:
                continue
            if "GET" in self.skip_methods.get(by_route[match.route].name, set()):
                continue
            response, _ = self.send("GET", path)
            queue.extend(self._learn(path, response))
            if not queue:  # routes no page links to: their fallback values, once
                for route in self.routes:
                    if route.route not in self.paths and route.converters:
                        values = {name: self.fallback_values.get(name, "1") for name, _ in route.converters}
                        self.paths[route.route] = route.build(values)
                        queue.append(self.paths[route.route])

    # -- attack

    @staticmethod
    def _refused(response) -> bool:
        """Not for this role (sign-in redirect, 403) or not this method (405)."""
        if response is None:
            return False
        if response.status_code in (403, 405):
            return True
        return response.status_code == 302 and "/login/" in response.get("Location", "")

    def attack_route(self, route: Route) -> None:
        path = self.paths.get(route.route)
        if path is None:
            return
        self.prepare(route)
        skip = set(self.skip_methods.get(route.name, set()))
        values = HOSTILE_VALUES if self.focus(route) else LIGHT_VALUES
        for method in ("GET", "POST"):
            if method in skip:
                continue
            base = dict(self.forms.get((route.route, method), {}))
            response, keys = self.send(
                method, path, body=base if method == "POST" else None, query=base if method == "GET" else None
            )
            if self._refused(response):
                skip.add(method)
                continue
            htmx = route.route.startswith("console/")
            form_keys = {("GET" if method == "GET" else "POST", k) for k in self.names.get((route.route, method), ())}
            todo = deque(sorted(form_keys | keys))
            done: set[tuple[str, str]] = set() if not self.common_done else set(self.common_keys)
            self.common_done = True
            while todo:
                source, key = todo.popleft()
                if (source, key) in done:
                    continue
                done.add((source, key))
                for value in values:
                    # The key goes where the view reads it: the query string or the body.
                    if source == "GET":
                        query, body = {**(base if method == "GET" else {}), key: value}, base
                    else:
                        query, body = None, {**base, key: value}
                    _, read = self.send(
                        method, path, query=query, body=body if method == "POST" else None, htmx=htmx and value == "abc"
                    )
                    todo.extend(k for k in read if k not in done)
            hostile_key = {**base, HOSTILE_KEY: "1"}
            self.send(
                method,
                path,
                query=hostile_key if method == "GET" else None,
                body=hostile_key if method == "POST" else None,
            )
        # Hostile path parameters (one at a time, the others valid).
        match, _ = self._match(path)
        if match is None:
            return
        valid = {name: urllib.parse.quote(str(value), safe="") for name, value in match.kwargs.items()}
        for name, kind in route.converters:
            for bad in HOSTILE_PATH.get(kind, HOSTILE_PATH["str"])[: None if values is HOSTILE_VALUES else 1]:
                bad_path = route.build({**valid, name: bad})
                for method in ("GET", "POST"):
                    if method not in skip:
                        self.send(method, bad_path)

    def run(self) -> list[Finding]:
        self.discover()
        import os
        import time

        for route in self.routes:
            t, n = time.monotonic(), self.requests
            self.attack_route(route)
            if os.environ.get("CRAWL_PROFILE"):
                print(f"PROFILE {time.monotonic() - t:6.2f}s {self.requests - n:4d} {route.name}")
        return self.findings
