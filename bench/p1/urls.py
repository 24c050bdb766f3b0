from django.http import HttpResponse
from django.urls import path

from bench.p1.reference import reference_django, reference_jinja2
from commerce_platform.urls import urlpatterns as site_urlpatterns


def ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("bench/ok", ok, name="bench_ok"),
    path("bench/ref24/django", reference_django, name="bench_ref24_django"),
    path("bench/ref24/jinja2", reference_jinja2, name="bench_ref24_jinja2"),
    *site_urlpatterns,
]
